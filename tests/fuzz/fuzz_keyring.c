/* SPDX-License-Identifier: ISC */
/*
 * fuzz_keyring.c - any bytes as a keyring file. What loads must save and
 * load again to the same keys, each found by its id, and save again to
 * the same bytes; what is refused must say why.
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

/* 1 if the files at a and b hold the same bytes. */
static int
same_file(const char *a, const char *b)
{
	FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
	int ca, cb, same = fa != NULL && fb != NULL;

	while (same) {
		ca = getc(fa);
		cb = getc(fb);
		if (ca != cb)
			same = 0;
		if (ca == EOF || cb == EOF)
			break;
	}
	if (fa)
		fclose(fa);
	if (fb)
		fclose(fb);
	return same;
}

/* Every key of kr is found by its id at its own position. */
static void
check_index(const qasid_keyring *kr, qasid_pubkey *pk)
{
	size_t idx[64], n;
	char id[QASID_KEYID_HEX];

	for (size_t i = 0; i < qasid_keyring_count(kr); i++) {
		int found = 0;
		if (qasid_keyring_get(kr, i, pk, NULL) != QASID_OK)
			abort();
		qasid_pubkey_id(pk, id);
		n = qasid_keyring_find(kr, id, idx, 64);
		for (size_t j = 0; j < n && j < 64; j++)
			found |= idx[j] == i;
		if (n == 0 || (n <= 64 && !found))
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_env *env = fuzz_env();
	qasid_keyring *kr = qasid_keyring_new(), *back = qasid_keyring_new();
	qasid_pubkey *pk = qasid_pubkey_new();
	char p2[320], p3[320];

	if (kr == NULL || back == NULL || pk == NULL)
		abort();
	snprintf(p2, sizeof(p2), "%s/ring2", env->dir);
	snprintf(p3, sizeof(p3), "%s/ring3", env->dir);
	fuzz_write(env, data, size);
	if (qasid_keyring_load(kr, env->bundle) != QASID_OK) {
		if (qasid_keyring_errmsg(kr)[0] == '\0')
			abort();
		goto out;
	}
	fuzz_accepted++;
	check_index(kr, pk);
	if (qasid_keyring_save(kr, p2) != QASID_OK ||
	    qasid_keyring_load(back, p2) != QASID_OK ||
	    qasid_keyring_count(back) != qasid_keyring_count(kr) ||
	    qasid_keyring_save(back, p3) != QASID_OK || !same_file(p2, p3))
		abort();
	check_index(back, pk);
out:
	qasid_pubkey_free(pk);
	qasid_keyring_free(kr);
	qasid_keyring_free(back);
	return 0;
}
