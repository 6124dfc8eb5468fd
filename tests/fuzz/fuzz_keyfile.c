/* SPDX-License-Identifier: ISC */
/*
 * fuzz_keyfile.c - any bytes as a public key file and as a secret key file.
 * A public key that loads must save and load back to the same key; a
 * secret key that loads must give its public half. Secret keys are loaded
 * without a password, so an encrypted one is refused before any scrypt
 * work: the cost a key file may ask for is capped, but even the cap is
 * seconds and gigabytes per input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_env();
	return 0;
}

static void
public_key(struct fuzz_env *env)
{
	qasid_pubkey *pk = qasid_pubkey_new(), *back = qasid_pubkey_new();
	char p2[320];

	if (pk == NULL || back == NULL)
		abort();
	snprintf(p2, sizeof(p2), "%s/pub2", env->dir);
	if (qasid_pubkey_load(pk, env->bundle) == QASID_OK) {
		fuzz_accepted++;
		if (qasid_pubkey_save(pk, p2, 1) != QASID_OK ||
		    qasid_pubkey_load(back, p2) != QASID_OK ||
		    memcmp(pk->id, back->id, QK_KEYID) != 0 ||
		    memcmp(pk->pk, back->pk, sizeof(pk->pk)) != 0)
			abort();
	} else if (qasid_pubkey_errmsg(pk)[0] == '\0') {
		abort();
	}
	qasid_pubkey_free(pk);
	qasid_pubkey_free(back);
}

static void
secret_key(struct fuzz_env *env)
{
	qasid_seckey *sk = qasid_seckey_new();
	qasid_pubkey *pk = qasid_pubkey_new();
	int enc;

	if (sk == NULL || pk == NULL)
		abort();
	enc = qasid_seckey_file_encrypted(sk, env->bundle);
	if (qasid_seckey_load(sk, env->bundle, NULL, 0) == QASID_OK) {
		fuzz_accepted++;
		if (enc != 0 || qasid_seckey_pubkey(sk, pk) != QASID_OK)
			abort();
	} else if (qasid_seckey_errmsg(sk)[0] == '\0') {
		abort();
	}
	qasid_seckey_free(sk);
	qasid_pubkey_free(pk);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_env *env = fuzz_env();

	fuzz_write(env, data, size);
	public_key(env);
	secret_key(env);
	return 0;
}
