/* SPDX-License-Identifier: ISC */
/*
 * verify-bundle.c - verify bundles against one publisher's public key with
 * libqasid, and print what each one says about itself.
 *
 *   verify-bundle PUBKEY BUNDLE...
 *
 * Exit status as qasid's: 0 every bundle verified, 1 one failed
 * verification, 2 any other error (usage, a missing file, a bad key).
 *
 * Build: cc verify-bundle.c $(pkg-config --cflags --libs qasid)
 */
#include <inttypes.h>
#include <stdio.h>

#include <qasid.h>

/* Prints the library's message (it names the file), or what failed and
 * the code's meaning; returns the exit status for code. */
static int
fail(const char *what, int code, const char *msg)
{
	if (msg != NULL && *msg != '\0')
		fprintf(stderr, "verify-bundle: %s\n", msg);
	else
		fprintf(stderr, "verify-bundle: %s: %s\n", what,
		    qasid_strerror(code));
	return qasid_err_is_verification(code) ? 1 : 2;
}

/* Verifies one bundle; returns its exit status. */
static int
verify_one(const qasid_keyring *trusted, const char *path)
{
	qasid_reader *r = qasid_reader_new(trusted);
	const qasid_info *in;
	int rc;

	if (r == NULL)
		return fail(path, QASID_ERR_NOMEM, NULL);
	rc = qasid_reader_open(r, path);
	if (rc == QASID_OK)
		rc = qasid_reader_verify(r);
	if (rc != QASID_OK) {
		rc = fail(path, rc, qasid_reader_errmsg(r));
		qasid_reader_free(r);
		return rc;
	}
	in = qasid_reader_info(r);
	printf("%s: OK\n"
	    "  title:   %s\n"
	    "  key:     %s\n"
	    "  series:  %s, number %" PRIu64 "\n"
	    "  created: %" PRId64 " (seconds since 1970)\n"
	    "  content: %" PRIu64 " files, %" PRIu64 " folders, %" PRIu64
	    " bytes\n", path, in->title, in->keyid, in->series, in->sequence,
	    in->created, in->files, in->dirs, in->bytes);
	qasid_reader_free(r);
	return 0;
}

int
main(int argc, char **argv)
{
	qasid_keyring *trusted;
	qasid_pubkey *pk;
	int rc, worst = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: verify-bundle PUBKEY BUNDLE...\n");
		return 2;
	}
	if (qasid_init() != QASID_OK)
		return fail("libsodium", QASID_ERR_INTERNAL, NULL);

	/* Trust exactly one key: the publisher's, from its file. */
	trusted = qasid_keyring_new();
	pk = qasid_pubkey_new();
	if (trusted == NULL || pk == NULL) {
		rc = fail(argv[1], QASID_ERR_NOMEM, NULL);
		goto out;
	}
	if ((rc = qasid_pubkey_load(pk, argv[1])) != QASID_OK) {
		rc = fail(argv[1], rc, qasid_pubkey_errmsg(pk));
		goto out;
	}
	if ((rc = qasid_keyring_add(trusted, pk, "publisher")) != QASID_OK) {
		rc = fail(argv[1], rc, qasid_keyring_errmsg(trusted));
		goto out;
	}

	/* A failure that is not the bundle's fault outranks one that is. */
	for (int i = 2; i < argc; i++) {
		rc = verify_one(trusted, argv[i]);
		if (rc > worst)
			worst = rc;
	}
	rc = worst;
out:
	qasid_pubkey_free(pk);
	qasid_keyring_free(trusted);
	return rc;
}
