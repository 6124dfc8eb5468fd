/* SPDX-License-Identifier: ISC */
/*
 * test_extract.c - qasid_reader_extract(): one file's bytes, exactly, from
 * a bundle that verifies; a verdict of failure for one that does not; a
 * missing name told only once the bundle has verified; a callback that
 * stops it; and no byte given for a bundle signed by an untrusted key.
 */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "qasid.h"
#include "testfiles.h"

#define BIG (3u << 20)

static qasid_keyring *kr;
static unsigned char *big;

struct got {
	unsigned char *buf;
	size_t len, cap;
	int calls;
	int stop_at;     /* stop at this call (0: never) */
};

static int
take(void *ud, const void *data, size_t len)
{
	struct got *g = ud;

	g->calls++;
	if (g->stop_at && g->calls >= g->stop_at)
		return 1;
	if (g->len + len > g->cap)
		return 1;
	memcpy(g->buf + g->len, data, len);
	g->len += len;
	return 0;
}

static int
extract(const qasid_keyring *ring, const char *bundle, const char *name,
    struct got *g, char *msg, size_t msglen)
{
	qasid_reader *r = qasid_reader_new(ring);
	int rc;

	g->cap = BIG + 16;
	g->buf = malloc(g->cap);
	g->len = 0;
	rc = qasid_reader_open(r, path(bundle));
	if (rc == QASID_OK)
		rc = qasid_reader_extract(r, name, take, g);
	if (msg != NULL)
		snprintf(msg, msglen, "%s", qasid_reader_errmsg(r));
	qasid_reader_free(r);
	return rc;
}

TEST(extract_gives_a_small_file_exactly)
{
	struct got g = {0};

	CHECK(extract(kr, "b.qasid", "src/note.txt", &g, NULL, 0) ==
	    QASID_OK);
	CHECK(g.len == 5 && memcmp(g.buf, "note\n", 5) == 0);
	free(g.buf);
}

TEST(extract_gives_a_large_file_exactly_in_pieces)
{
	struct got g = {0};

	CHECK(extract(kr, "b.qasid", "src/sub/big.bin", &g, NULL, 0) ==
	    QASID_OK);
	CHECK(g.len == BIG && memcmp(g.buf, big, BIG) == 0);
	CHECK(g.calls > 1);
	free(g.buf);
}

TEST(extract_of_a_missing_name_says_so)
{
	struct got g = {0};
	char msg[512];

	CHECK(extract(kr, "b.qasid", "src/none.txt", &g, msg, sizeof(msg)) ==
	    QASID_ERR_NOTFOUND);
	CHECK(strstr(msg, "no file src/none.txt in it") != NULL);
	CHECK(g.len == 0);
	/* A folder is not a file to hand out. */
	CHECK(extract(kr, "b.qasid", "src/sub", &g, NULL, 0) ==
	    QASID_ERR_NOTFOUND);
	free(g.buf);
}

TEST(extract_of_a_damaged_bundle_fails)
{
	struct got g = {0};
	char msg[512];
	int rc = extract(kr, "bad.qasid", "src/note.txt", &g, msg,
	    sizeof(msg));

	CHECK(rc != QASID_OK && qasid_err_is_verification(rc));
	CHECK(strstr(msg, "bad.qasid") != NULL);
	free(g.buf);
}

TEST(extract_stopped_by_its_callback)
{
	struct got g = {.stop_at = 2};

	CHECK(extract(kr, "b.qasid", "src/sub/big.bin", &g, NULL, 0) ==
	    QASID_ERR_CANCELLED);
	free(g.buf);
}

TEST(extract_untrusted_gives_nothing)
{
	qasid_keyring *other = qasid_keyring_new();
	qasid_seckey *sk = qasid_seckey_new();
	qasid_pubkey *pk = qasid_pubkey_new();
	struct got g = {0};

	CHECK(qasid_seckey_generate(sk, pk) == QASID_OK);
	CHECK(qasid_keyring_add(other, pk, "") == QASID_OK);
	CHECK(extract(other, "b.qasid", "src/note.txt", &g, NULL, 0) ==
	    QASID_ERR_UNTRUSTED);
	CHECK(g.calls == 0);
	free(g.buf);
	qasid_keyring_free(other);
	qasid_pubkey_free(pk);
	qasid_seckey_free(sk);
}

/* A copy of b.qasid with one byte of its last member changed. */
static int
damage(void)
{
	FILE *in = fopen(path("b.qasid"), "rb"), *out;
	unsigned char *buf = malloc(BIG * 2);
	size_t n;

	if (in == NULL || buf == NULL)
		return -1;
	n = fread(buf, 1, BIG * 2, in);
	fclose(in);
	buf[n - 40] ^= 0x20;
	if ((out = fopen(path("bad.qasid"), "wb")) == NULL ||
	    fwrite(buf, 1, n, out) != n || fclose(out) != 0)
		return -1;
	free(buf);
	return 0;
}

static int
setup(void)
{
	qasid_seckey *sk;
	qasid_pubkey *pk;
	qasid_packer *p;
	FILE *f;
	int rc;

	if (qasid_init() != QASID_OK)
		return -1;
	sk = qasid_seckey_new();
	pk = qasid_pubkey_new();
	snprintf(dir, sizeof(dir), "/tmp/qasid-extract.XXXXXX");
	big = malloc(BIG);
	kr = qasid_keyring_new();
	if (big == NULL || mkdtemp(dir) == NULL ||
	    mkdir(path("src"), 0755) < 0 || mkdir(path("src/sub"), 0755) < 0)
		return -1;
	if (qasid_seckey_generate(sk, pk) != QASID_OK ||
	    qasid_keyring_add(kr, pk, "") != QASID_OK)
		return -1;
	for (size_t i = 0; i < BIG; i++)
		big[i] = (unsigned char)(i * 2654435761u >> 13);
	if (write_file(path("src/note.txt"), "note\n") != 0 ||
	    (f = fopen(path("src/sub/big.bin"), "wb")) == NULL ||
	    fwrite(big, 1, BIG, f) != BIG || fclose(f) != 0)
		return -1;
	p = qasid_packer_new(sk);
	if ((rc = chdir(dir)) == 0 && (rc = qasid_packer_add(p, "src")) ==
	    QASID_OK)
		rc = qasid_packer_write(p, path("b.qasid"), 0);
	qasid_packer_free(p);
	qasid_seckey_free(sk);
	qasid_pubkey_free(pk);
	return rc == QASID_OK ? damage() : -1;
}

int
main(void)
{
	char cmd[600];
	int rc;

	(void)read_file;
	if (setup() != 0) {
		printf("FAIL setup\n");
		return 1;
	}
	rc = RUN_TESTS(extract_gives_a_small_file_exactly,
	    extract_gives_a_large_file_exactly_in_pieces,
	    extract_of_a_missing_name_says_so,
	    extract_of_a_damaged_bundle_fails,
	    extract_stopped_by_its_callback,
	    extract_untrusted_gives_nothing);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		rc = 1;
	qasid_keyring_free(kr);
	free(big);
	return rc;
}
