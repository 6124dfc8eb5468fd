/* SPDX-License-Identifier: ISC */
/*
 * fuzz_statement.c - any bytes as a key statement and its signature file,
 * given as "STATEMENT\0SIGNATURE". A statement is read only in its one
 * spelling, so what loads must be exactly the input; signed by the keys it
 * names, it is about a key the keyring (the fuzz key's) may not hold, and
 * applying it must then change nothing.
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
put(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL || fwrite(p, 1, n, f) != n || fclose(f) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_env *env = fuzz_env();
	const uint8_t *nul = memchr(data, '\0', size);
	qasid_statement *st = qasid_statement_new();
	qasid_keyring *kr = qasid_keyring_new();
	char sig[320];
	size_t tlen = nul ? (size_t)(nul - data) : size;
	int rc;

	if (st == NULL || kr == NULL)
		abort();
	snprintf(sig, sizeof(sig), "%s.minisig", env->bundle);
	put(env->bundle, data, tlen);
	remove(sig);
	if (nul != NULL)
		put(sig, nul + 1, size - tlen - 1);
	rc = qasid_statement_load(st, env->bundle);
	/* From memory, as a bundle carries it, the same verdict. */
	if (qasid_statement_load_memory(st, "s", data, tlen, nul ? nul + 1 :
	    NULL, nul ? size - tlen - 1 : 0, NULL, 0) != rc &&
	    rc != QASID_ERR_IO)
		abort();
	rc = qasid_statement_load(st, env->bundle);
	if (rc != QASID_OK) {
		if (qasid_statement_errmsg(st)[0] == '\0')
			abort();
		goto out;
	}
	fuzz_accepted++;
	if (strlen(qasid_statement_text(st)) != tlen ||
	    memcmp(qasid_statement_text(st), data, tlen) != 0)
		abort();
	/* The empty keyring trusts nothing: nothing to rotate or revoke. */
	if (qasid_keyring_apply(kr, st) != QASID_ERR_NOTFOUND ||
	    qasid_keyring_count(kr) != 0)
		abort();
out:
	qasid_statement_free(st);
	qasid_keyring_free(kr);
	return 0;
}
