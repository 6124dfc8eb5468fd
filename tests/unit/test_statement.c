/* SPDX-License-Identifier: ISC */
/*
 * test_statement.c - unit tests for src/keys/statement.c: statements made,
 * signed, saved and read back; every other spelling of one refused; and
 * signatures by any key but the ones a statement names refused.
 */
#include <ftw.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "harness.h"
#include "internal.h"

#define NITEMS(a) (sizeof(a) / sizeof((a)[0]))

#include "testfiles.h"

static qasid_seckey *
new_key(qasid_pubkey *pk)
{
	qasid_seckey *sk = qasid_seckey_new();

	qasid_seckey_generate(sk, pk);
	return sk;
}

struct pair {
	qasid_seckey *sk;
	qasid_pubkey *pk;
};

static struct pair keys[3];

static void
make_keys(void)
{
	for (size_t i = 0; i < NITEMS(keys); i++) {
		keys[i].pk = qasid_pubkey_new();
		keys[i].sk = new_key(keys[i].pk);
	}
}

/* A rotation from key 0 to key 1 (next: key 2), signed by both, at name. */
static int
save_rotation(const char *name)
{
	qasid_statement *st = qasid_statement_new();
	int rc = qasid_statement_rotate(st, keys[0].pk, keys[1].pk,
	    keys[2].pk, 1700000000);

	if (rc == QASID_OK)
		rc = qasid_statement_save(st, path(name), keys[1].sk,
		    keys[0].sk);
	qasid_statement_free(st);
	return rc;
}

TEST(rotation_saved_and_loaded)
{
	qasid_statement *st = qasid_statement_new();
	qasid_pubkey *pk = qasid_pubkey_new();
	char a[64], b[64];

	CHECK(save_rotation("rot") == QASID_OK);
	CHECK(qasid_statement_load(st, path("rot")) == QASID_OK);
	CHECK(qasid_statement_kind(st) == QASID_STATEMENT_ROTATE);
	CHECK(qasid_statement_new_key(st, pk) == QASID_OK);
	qasid_pubkey_b64(pk, a);
	qasid_pubkey_b64(keys[1].pk, b);
	CHECK_EQ_STR(a, b);
	CHECK(strstr(qasid_statement_text(st), "\nstatus retired\n") != NULL);
	CHECK(save_rotation("rot") == QASID_ERR_EXISTS);
	qasid_pubkey_free(pk);
	qasid_statement_free(st);
}

/* The saved rotation with one substring replaced, signed again by the
 * same keys (so only the spelling is wrong). */
static int
load_edited(const char *from, const char *to)
{
	qasid_statement *st = qasid_statement_new();
	char text[2048], *at, out[2048];
	long n = read_file(path("rot"), text, sizeof(text) - 1);
	unsigned char h[crypto_generichash_BYTES_MAX];
	char sig[1024];
	size_t len;
	int rc;

	text[n] = '\0';
	if ((at = strstr(text, from)) == NULL)
		return -99;
	snprintf(out, sizeof(out), "%.*s%s%s", (int)(at - text), text, to,
	    at + strlen(from));
	write_file(path("edit"), out);
	crypto_generichash(h, sizeof(h), (unsigned char *)out, strlen(out),
	    NULL, 0);
	len = qsig_make_as(keys[1].sk, h, "untrusted comment: qasid key "
	    "statement signature", "qasid-statement 1 kind:rotate", sig,
	    sizeof(sig));
	sig[len] = '\0';
	write_file(path("edit.minisig"), sig);
	remove(path("edit.old.minisig"));
	rc = qasid_statement_load(st, path("edit"));
	if (rc != QASID_OK && qasid_statement_errmsg(st)[0] == '\0')
		rc = -98;
	qasid_statement_free(st);
	return rc;
}

TEST(other_spellings_refused)
{
	static const struct {
		const char *name, *from, *to;
		int want;
	} t[] = {
		{"as written", "", "", QASID_OK},
		{"version 2", "statement 1\n", "statement 2\n", QASID_ERR_FORMAT},
		{"leading zero", "created 1700000000", "created 01700000000",
		    QASID_ERR_FORMAT},
		{"negative time", "created 1700000000", "created -1",
		    QASID_ERR_FORMAT},
		{"unknown kind", "kind rotate", "kind rename", QASID_ERR_FORMAT},
		{"status unknown", "status retired", "status lost",
		    QASID_ERR_FORMAT},
		{"after for a retired key", "after none", "after news 4",
		    QASID_ERR_FORMAT},
		{"a rotation without a new key", "new-key RW", "new-key none\nx",
		    QASID_ERR_FORMAT},
		{"upper-case hash", "next-key ", "next-key A", QASID_ERR_FORMAT},
		{"CRLF", "end\n", "end\r\n", QASID_ERR_FORMAT},
		{"trailing line", "end\n", "end\nmore\n", QASID_ERR_FORMAT},
		{"missing field", "status retired\n", "", QASID_ERR_FORMAT},
	};

	for (size_t i = 0; i < NITEMS(t); i++) {
		int rc = load_edited(t[i].from, t[i].to);
		if (rc != t[i].want)
			printf("  %s: got %d\n", t[i].name, rc);
		CHECK(rc == t[i].want);
	}
}

TEST(signatures_by_other_keys_refused)
{
	qasid_statement *st = qasid_statement_new();
	qasid_statement *ok = qasid_statement_new();

	CHECK(qasid_statement_rotate(st, keys[0].pk, keys[1].pk, NULL, 5) ==
	    QASID_OK);
	/* A rotation signed by the old key alone. */
	CHECK(qasid_statement_save(st, path("by-old"), keys[0].sk, NULL) ==
	    QASID_OK);
	CHECK(qasid_statement_load(ok, path("by-old")) ==
	    QASID_ERR_SIGNATURE);
	/* Signed by a key the statement does not name. */
	CHECK(qasid_statement_save(st, path("by-other"), keys[2].sk, NULL) ==
	    QASID_OK);
	CHECK(qasid_statement_load(ok, path("by-other")) ==
	    QASID_ERR_SIGNATURE);
	/* The old key's signature by another key. */
	CHECK(qasid_statement_save(st, path("old-other"), keys[1].sk,
	    keys[2].sk) == QASID_OK);
	CHECK(qasid_statement_load(ok, path("old-other")) ==
	    QASID_ERR_SIGNATURE);
	qasid_statement_free(st);
	qasid_statement_free(ok);
}

static int
rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(p);
}

int
main(void)
{
	const char *tmp = getenv("TMPDIR");
	int rc;

	if (qasid_init() != QASID_OK)
		return 2;
	snprintf(dir, sizeof(dir), "%s/test_statement.XXXXXX",
	    tmp ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL)
		return 2;
	make_keys();
	rc = RUN_TESTS(rotation_saved_and_loaded, other_spellings_refused,
	    signatures_by_other_keys_refused);
	for (size_t i = 0; i < NITEMS(keys); i++) {
		qasid_seckey_free(keys[i].sk);
		qasid_pubkey_free(keys[i].pk);
	}
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return rc;
}
