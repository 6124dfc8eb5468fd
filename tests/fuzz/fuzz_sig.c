/* SPDX-License-Identifier: ISC */
/*
 * fuzz_sig.c - any bytes as a bundle's signature file, straight into the
 * parser. Inside a bundle, member 1's CRC keeps mutated bytes away from
 * it, so it is fuzzed on its own. What it accepts must be exactly the
 * canonical text for what it parsed, and checking it against the trusted
 * keys must end in a verdict, never a crash.
 */
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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_env *env = fuzz_env();
	unsigned char hash[crypto_generichash_BYTES_MAX] = {0};
	const struct qring_key *who = NULL;
	struct qsig s;
	struct qerr e = {0};
	size_t tlen;
	int rc;

	if (qsig_parse(&s, (const char *)data, size, &e) != QASID_OK) {
		if (e.code == QASID_OK || e.msg[0] == '\0')
			abort(); /* a refusal always says why */
		return 0;
	}
	fuzz_accepted++;
	tlen = strnlen(s.trusted, sizeof(s.trusted));
	/* One spelling: the length follows from the trusted comment alone. */
	if (tlen > QS_TRUSTED_MAX || qsig_len(tlen) != size)
		abort();
	crypto_generichash(hash, sizeof(hash), data, size, NULL, 0);
	rc = qkeyring_verify(env->kr, &s, hash, &who, &e);
	if ((rc == QASID_OK) != (who != NULL))
		abort();
	/* Only the fixed key can have signed, and not over this hash. */
	if (rc == QASID_OK && memcmp(who->id, env->pk->id, QK_KEYID) != 0)
		abort();
	return 0;
}
