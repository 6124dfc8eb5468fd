/* SPDX-License-Identifier: ISC */
/*
 * fuzz_read.c - any bytes as a bundle file: verify, list with and without
 * the signature, and the bundle's identity, with a trusted fixed key.
 * Seeds are real bundles signed by that key, so mutations reach past the
 * gzip and tar layers into the signature and the manifest; and the
 * statements it carries, read before any signature is checked.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "paths.h"

static int
check_entry(void *ud, const qasid_entry *e)
{
	char why[160];

	(void)ud;
	/* Whatever list hands out must be a path the rules allow. */
	if (qpath_check(e->path, strlen(e->path), why, sizeof(why)) != 0)
		abort();
	return 0;
}

/* A statement carried is a name the rules allow, within the limits. */
static int
check_carried(void *ud, const char *name, const void *data, size_t len)
{
	char path[128];
	int n = snprintf(path, sizeof(path), "%s%s", QPATH_KEYS, name);

	(void)ud;
	(void)data;
	if (n < 0 || (size_t)n >= sizeof(path) ||
	    qpath_key_name(path, (size_t)n) == NULL || len > QPATH_KEYS_BYTES)
		abort();
	return 0;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_env();
	return 0;
}

/* On the calling thread alone the verdict is the same, word for word. */
static void
same_without_threads(struct fuzz_env *env, int rc, const char *msg)
{
	qasid_reader *r = qasid_reader_new(env->kr);
	int rc1;

	if (r == NULL)
		abort();
	qasid_reader_set_threads(r, 0);
	rc1 = qasid_reader_open(r, env->bundle);
	if (rc1 == QASID_OK)
		rc1 = qasid_reader_verify(r);
	if (rc1 != rc || strcmp(qasid_reader_errmsg(r), msg) != 0)
		abort();
	qasid_reader_free(r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_env *env = fuzz_env();
	qasid_reader *r = qasid_reader_new(env->kr);
	const char *msg;
	int rc;

	if (r == NULL)
		abort();
	fuzz_write(env, data, size);
	rc = qasid_reader_open(r, env->bundle);
	if (rc == QASID_OK)
		rc = qasid_reader_verify(r);
	msg = qasid_reader_errmsg(r);
	/* A failure always comes with a one-line reason. */
	if (rc != QASID_OK && (msg[0] == '\0' || strchr(msg, '\n') != NULL))
		abort();
	if (rc == QASID_OK && !qasid_reader_info(r)->signature_ok)
		abort();
	fuzz_accepted += rc == QASID_OK;
	same_without_threads(env, rc, msg);
	for (int verify = 0; verify < 2; verify++) {
		if (qasid_reader_open(r, env->bundle) == QASID_OK)
			(void)qasid_reader_list(r, verify, check_entry, NULL);
		(void)qasid_reader_info(r);
	}
	if (qasid_reader_open(r, env->bundle) == QASID_OK &&
	    qasid_reader_statements(r, check_carried, NULL) != QASID_OK &&
	    qasid_reader_errmsg(r)[0] == '\0')
		abort();
	qasid_reader_free(r);
	return 0;
}
