/* SPDX-License-Identifier: ISC */
/*
 * test_api.c - the public API as a library user meets it: call order,
 * handles reused after success and after failure, sticky failures, and
 * messages that never go stale. Only qasid.h is used.
 */
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "qasid.h"
#include "testfiles.h"

static qasid_seckey *sk;
static qasid_pubkey *pk;
static qasid_keyring *kr;

static int
rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static qasid_packer *
new_packer(void)
{
	qasid_packer *p = qasid_packer_new(sk);

	qasid_packer_set_time(p, 1700000000);
	return p;
}

/* A folder with one file in it, packed into name. */
static int
pack_good(const char *name)
{
	qasid_packer *p = new_packer();
	int rc;

	mkdir(path("good"), 0755);
	write_file(path("good/a.txt"), "statement\n");
	rc = qasid_packer_add(p, path("good"));
	if (rc == QASID_OK)
		rc = qasid_packer_write(p, path(name), 1);
	qasid_packer_free(p);
	return rc;
}

TEST(packer_failed_add_is_sticky)
{
	qasid_packer *p = new_packer();
	char msg[512];

	/* A FIFO inside a folder: the folder is added only in part. */
	mkdir(path("mixed"), 0755);
	write_file(path("mixed/a.txt"), "kept\n");
	CHECK(mkfifo(path("mixed/pipe"), 0600) == 0);
	CHECK(qasid_packer_add(p, path("mixed")) == QASID_ERR_PATH);
	snprintf(msg, sizeof(msg), "%s", qasid_packer_errmsg(p));
	CHECK(strstr(msg, "pipe") != NULL);
	/* Every later call returns the same failure, and nothing is signed. */
	write_file(path("other.txt"), "other\n");
	CHECK(qasid_packer_add(p, path("other.txt")) == QASID_ERR_PATH);
	CHECK(qasid_packer_set_title(p, "t") == QASID_ERR_PATH);
	CHECK(qasid_packer_write(p, path("partial.qasid"), 0) ==
	    QASID_ERR_PATH);
	CHECK_EQ_STR(qasid_packer_errmsg(p), msg);
	CHECK(access(path("partial.qasid"), F_OK) != 0);
	qasid_packer_free(p);
}

TEST(packer_failed_write_undoes_itself)
{
	qasid_packer *p = new_packer();
	qasid_reader *r = qasid_reader_new(kr);
	char buf[64];

	write_file(path("w.txt"), "w\n");
	CHECK(qasid_packer_add(p, path("w.txt")) == QASID_OK);
	CHECK(qasid_packer_write(p, path("no/such/dir/w.qasid"), 0) ==
	    QASID_ERR_IO);
	CHECK(strstr(qasid_packer_errmsg(p), "No such file") != NULL);
	/* The same packer writes elsewhere, and the message is gone. */
	CHECK(qasid_packer_write(p, path("w.qasid"), 0) == QASID_OK);
	CHECK_EQ_STR(qasid_packer_errmsg(p), "");
	CHECK(read_file(path("w.qasid"), buf, sizeof(buf)) > 2);
	CHECK(buf[0] == '\x1f' && buf[1] == '\x8b');
	CHECK(qasid_reader_open(r, path("w.qasid")) == QASID_OK);
	CHECK(qasid_reader_verify(r) == QASID_OK);
	qasid_reader_free(r);
	qasid_packer_free(p);
}

TEST(packer_bad_argument_keeps_handle)
{
	qasid_packer *p = new_packer();

	CHECK(qasid_packer_set_title(p, "bad\001title") == QASID_ERR_ARG);
	CHECK(qasid_packer_errmsg(p)[0] != '\0');
	CHECK(qasid_packer_set_series(p, "no spaces", 2) == QASID_ERR_ARG);
	/* A valid call afterwards succeeds and clears the stale message. */
	CHECK(qasid_packer_set_title(p, "Weekly statement") == QASID_OK);
	CHECK_EQ_STR(qasid_packer_errmsg(p), "");
	CHECK(qasid_packer_write(p, path("empty.qasid"), 0) == QASID_ERR_ARG);
	CHECK(strstr(qasid_packer_errmsg(p), "nothing to pack") != NULL);
	qasid_packer_free(p);
}

TEST(reader_call_order)
{
	qasid_reader *r = qasid_reader_new(kr);

	CHECK(pack_good("order.qasid") == QASID_OK);
	/* Verifying before opening is a caller's error, not a crash. */
	CHECK(qasid_reader_verify(r) != QASID_OK);
	CHECK(qasid_reader_open(r, path("order.qasid")) == QASID_OK);
	CHECK(qasid_reader_verify(r) == QASID_OK);
	/* A reader reads a bundle once; reading again says to reopen. */
	CHECK(qasid_reader_verify(r) == QASID_ERR_ARG);
	CHECK(strstr(qasid_reader_errmsg(r), "open it again") != NULL);
	CHECK(qasid_reader_open(r, path("order.qasid")) == QASID_OK);
	CHECK(qasid_reader_verify(r) == QASID_OK);
	CHECK(qasid_reader_info(r)->signature_ok == 1);
	qasid_reader_free(r);
}

TEST(reader_reused_after_failure)
{
	qasid_reader *r = qasid_reader_new(kr);
	FILE *f;

	CHECK(pack_good("reuse.qasid") == QASID_OK);
	/* A copy cut short fails; the same reader then verifies a good one. */
	CHECK((f = fopen(path("reuse.qasid"), "r+")) != NULL);
	if (f != NULL) {
		fseek(f, 0, SEEK_END);
		CHECK(ftruncate(fileno(f), ftell(f) - 7) == 0);
		fclose(f);
	}
	CHECK(qasid_reader_open(r, path("reuse.qasid")) == QASID_OK);
	CHECK(qasid_err_is_verification(qasid_reader_verify(r)));
	CHECK(strstr(qasid_reader_errmsg(r), "reuse.qasid") != NULL);
	CHECK(pack_good("reuse.qasid") == QASID_OK);
	CHECK(qasid_reader_open(r, path("reuse.qasid")) == QASID_OK);
	CHECK(qasid_reader_verify(r) == QASID_OK);
	CHECK_EQ_STR(qasid_reader_errmsg(r), "");
	qasid_reader_free(r);
}

/* A bundle name as long as the message buffer, or longer, is cut short in
 * messages; it once made the prefixing underflow and write out of bounds. */
TEST(reader_long_name_in_message)
{
	static char name[9000];

	for (size_t len = 8180; len < sizeof(name); len += 3) {
		qasid_reader *r = qasid_reader_new(kr);
		memset(name, 'n', len);
		name[len] = '\0';
		CHECK(qasid_reader_open(r, name) != QASID_OK);
		CHECK(qasid_reader_verify(r) != QASID_OK);
		CHECK(strncmp(qasid_reader_errmsg(r), "nnnn", 4) == 0);
		CHECK(strlen(qasid_reader_errmsg(r)) < 8192);
		qasid_reader_free(r);
	}
}

/* The most threads the process had while the progress callback ran. */
static int
count_threads(void *ud, uint64_t done, uint64_t total)
{
	int *most = ud, n = 0;
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;

	(void)done;
	(void)total;
	while (d != NULL && (e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	if (d != NULL)
		closedir(d);
	if (n > *most)
		*most = n;
	return 0;
}

static int
verify_with_threads(const char *name, unsigned threads, int *most,
    char *msg, size_t len)
{
	qasid_reader *r = qasid_reader_new(kr);
	int rc;

	*most = 0;
	if (threads != 2)
		qasid_reader_set_threads(r, threads);
	qasid_reader_set_progress(r, count_threads, most);
	rc = qasid_reader_open(r, path(name));
	if (rc == QASID_OK)
		rc = qasid_reader_verify(r);
	snprintf(msg, len, "%s", qasid_reader_errmsg(r));
	qasid_reader_free(r);
	return rc;
}

TEST(reader_without_threads)
{
	qasid_packer *p = new_packer();
	char m0[512], m2[512];
	int most0, most2;
	FILE *f;

	mkdir(path("t"), 0755);
	f = fopen(path("t/big.bin"), "w");
	for (unsigned i = 0; f != NULL && i < 3u << 20; i++)
		fputc((int)((i * 7919u) >> 5 & 0xff), f);
	if (f != NULL)
		fclose(f);
	CHECK(qasid_packer_add(p, path("t")) == QASID_OK);
	CHECK(qasid_packer_write(p, path("t.qasid"), 1) == QASID_OK);
	qasid_packer_free(p);
	CHECK(verify_with_threads("t.qasid", 0, &most0, m0, sizeof(m0)) ==
	    QASID_OK);
	CHECK(verify_with_threads("t.qasid", 2, &most2, m2, sizeof(m2)) ==
	    QASID_OK);
	CHECK(most0 == 1);
	CHECK(most2 > 1);
	/* A damaged copy fails the same way on one thread as on three. */
	CHECK((f = fopen(path("t.qasid"), "r+")) != NULL);
	if (f != NULL) {
		fseek(f, -100000, SEEK_END);
		fputc(0x55, f);
		fclose(f);
	}
	CHECK(verify_with_threads("t.qasid", 0, &most0, m0, sizeof(m0)) ==
	    verify_with_threads("t.qasid", 2, &most2, m2, sizeof(m2)));
	CHECK(m0[0] != '\0');
	CHECK_EQ_STR(m0, m2);
}

static int
same_file(const char *pa, const char *pb)
{
	FILE *a = fopen(pa, "r"), *b = fopen(pb, "r");
	int ca, cb, same = a != NULL && b != NULL;

	while (same && (ca = getc(a)) == (cb = getc(b)) && ca != EOF)
		;
	same = same && ca == cb;
	if (a != NULL)
		fclose(a);
	if (b != NULL)
		fclose(b);
	return same;
}

/* -j 1 packs on the calling thread; any count gives the same bytes. */
TEST(packer_threads)
{
	static const char *const out[] = {"j1.qasid", "j2.qasid", "j5.qasid"};
	unsigned counts[3] = {1, 2, 5};
	int most[3];

	for (int i = 0; i < 3; i++) {
		qasid_packer *p = new_packer();
		qasid_packer_set_threads(p, counts[i]);
		qasid_packer_set_progress(p, count_threads, &most[i]);
		most[i] = 0;
		CHECK(qasid_packer_add(p, path("t")) == QASID_OK);
		CHECK(qasid_packer_write(p, path(out[i]), 1) == QASID_OK);
		qasid_packer_free(p);
	}
	CHECK(same_file(path(out[0]), path(out[1])));
	CHECK(same_file(path(out[0]), path(out[2])));
	CHECK(most[0] == 1);
	CHECK(most[1] > 1);
}

/* A stream in slices of a few bytes, as a browser hands out a file. */
struct slices {
	const unsigned char *p;
	size_t len, off, slice;
	size_t fail_at;        /* fail once this much was given; 0 never */
	int closed;
};

static ptrdiff_t
slice_read(void *ud, const void **buf)
{
	struct slices *s = ud;
	size_t k = s->len - s->off < s->slice ? s->len - s->off : s->slice;

	if (s->fail_at && s->off >= s->fail_at)
		return -1;
	*buf = s->p + s->off;
	s->off += k;
	return (ptrdiff_t)k;
}

static void
slice_close(void *ud)
{
	((struct slices *)ud)->closed++;
}

TEST(reader_sources)
{
	static unsigned char data[1 << 16];
	qasid_reader *r = qasid_reader_new(kr);
	struct slices sl = {0};
	long n;
	int fd;

	CHECK(pack_good("src.qasid") == QASID_OK);
	n = read_file(path("src.qasid"), (char *)data, sizeof(data));
	CHECK(n > 0 && (size_t)n < sizeof(data) - 1);
	/* A descriptor: messages use the name given. */
	CHECK((fd = open(path("src.qasid"), O_RDONLY)) >= 0);
	CHECK(qasid_reader_open_fd(r, fd, "stick copy") == QASID_OK);
	CHECK(qasid_reader_verify(r) == QASID_OK);
	close(fd);
	/* Memory, good and damaged. */
	CHECK(qasid_reader_open_memory(r, data, (size_t)n, "mem") == QASID_OK);
	CHECK(qasid_reader_verify(r) == QASID_OK);
	data[n - 30] ^= 1;
	CHECK(qasid_reader_open_memory(r, data, (size_t)n, "mem") == QASID_OK);
	CHECK(qasid_err_is_verification(qasid_reader_verify(r)));
	CHECK(strncmp(qasid_reader_errmsg(r), "mem: ", 5) == 0);
	data[n - 30] ^= 1;
	/* Callbacks in 7-byte slices, on one thread and on three. */
	for (unsigned t = 0; t < 3; t += 2) {
		sl = (struct slices){data, (size_t)n, 0, 7, 0, 0};
		qasid_reader_set_threads(r, t);
		CHECK(qasid_reader_open_callbacks(r, &sl, slice_read,
		    slice_close, "stream") == QASID_OK);
		CHECK(qasid_reader_verify(r) == QASID_OK);
		CHECK(qasid_reader_info(r)->signature_ok);
		qasid_reader_open_memory(r, data, 0, "empty");
		CHECK(sl.closed == 1);
	}
	/* A stream that fails part-way is an I/O error, not a forgery. */
	sl = (struct slices){data, (size_t)n, 0, 512, (size_t)n / 2, 0};
	CHECK(qasid_reader_open_callbacks(r, &sl, slice_read, slice_close,
	    "stream") == QASID_OK);
	CHECK(qasid_reader_verify(r) == QASID_ERR_IO);
	CHECK(strncmp(qasid_reader_errmsg(r), "stream: ", 8) == 0);
	qasid_reader_free(r);
	CHECK(sl.closed == 1);
	/* No read function: refused, and close is still called. */
	r = qasid_reader_new(kr);
	sl.closed = 0;
	CHECK(qasid_reader_open_callbacks(r, &sl, NULL, slice_close, "x") ==
	    QASID_ERR_ARG);
	CHECK(sl.closed == 1);
	qasid_reader_free(r);
}

/* qasid_reader_verify_bytes() on name, with threads or without: its
 * result, the same on both. */
static int
bytes_check(const qasid_keyring *k, const char *name, int signer)
{
	int rc[2];

	for (unsigned t = 0; t < 2; t++) {
		qasid_reader *r = qasid_reader_new(k);
		qasid_reader_set_threads(r, t * 2);
		rc[t] = qasid_reader_open(r, path(name));
		if (rc[t] == QASID_OK)
			rc[t] = qasid_reader_verify_bytes(r, signer);
		qasid_reader_free(r);
	}
	return rc[0] == rc[1] ? rc[0] : 1;
}

/* Copies name to out, changed: a byte at off from the end flipped (off >
 * 0), cut short by -off bytes (off < 0), or a byte added (off == 0). */
static void
altered(const char *name, const char *out, long off)
{
	FILE *in = fopen(path(name), "rb"), *o = fopen(path(out), "wb");
	long n = 0;
	int c;

	if (in != NULL)
		fseek(in, 0, SEEK_END), n = ftell(in), rewind(in);
	for (long i = 0; in != NULL && o != NULL && (c = fgetc(in)) != EOF;
	    i++) {
		if (off < 0 && i >= n + off)
			break;
		fputc(off > 0 && i == n - off ? c ^ 0x55 : c, o);
	}
	if (off == 0 && o != NULL)
		fputc(0, o);
	if (in != NULL)
		fclose(in);
	if (o != NULL)
		fclose(o);
}

TEST(reader_verify_bytes)
{
	qasid_keyring *none = qasid_keyring_new();
	qasid_packer *p = new_packer();
	FILE *f;

	mkdir(path("vb"), 0755);
	f = fopen(path("vb/big.bin"), "w");
	for (unsigned i = 0; f != NULL && i < 3u << 20; i++)
		fputc((int)((i * 2654435761u) >> 13 & 0xff), f);
	if (f != NULL)
		fclose(f);
	CHECK(qasid_packer_add(p, path("vb")) == QASID_OK);
	CHECK(qasid_packer_write(p, path("vb.qasid"), 1) == QASID_OK);
	qasid_packer_free(p);
	CHECK(bytes_check(kr, "vb.qasid", 1) == QASID_OK);
	CHECK(bytes_check(none, "vb.qasid", 0) == QASID_OK);
	/* Not pinned: a signer check finds no key, an integrity check passes. */
	CHECK(bytes_check(none, "vb.qasid", 1) == QASID_ERR_UNTRUSTED);
	altered("vb.qasid", "flip.qasid", 200000);
	CHECK(bytes_check(kr, "flip.qasid", 1) == QASID_ERR_CONTENT);
	CHECK(bytes_check(none, "flip.qasid", 0) == QASID_ERR_CONTENT);
	altered("vb.qasid", "cut.qasid", -1000);
	CHECK(bytes_check(kr, "cut.qasid", 1) != QASID_OK);
	altered("vb.qasid", "long.qasid", 0);
	CHECK(bytes_check(kr, "long.qasid", 1) == QASID_ERR_FORMAT);
	qasid_keyring_free(none);
}

TEST(free_null_is_harmless)
{
	qasid_packer_free(NULL);
	qasid_reader_free(NULL);
	qasid_keyring_free(NULL);
	qasid_seckey_free(NULL);
	qasid_pubkey_free(NULL);
	CHECK(1);
}

int
main(void)
{
	char tmpl[] = "/tmp/qasid-api.XXXXXX";
	int rc;

	if (qasid_init() != QASID_OK || mkdtemp(tmpl) == NULL)
		return 1;
	snprintf(dir, sizeof(dir), "%s", tmpl);
	sk = qasid_seckey_new();
	pk = qasid_pubkey_new();
	kr = qasid_keyring_new();
	if (qasid_seckey_generate(sk, pk) != QASID_OK ||
	    qasid_keyring_add(kr, pk, "test") != QASID_OK)
		return 1;
	rc = RUN_TESTS(packer_failed_add_is_sticky,
	    packer_failed_write_undoes_itself, packer_bad_argument_keeps_handle,
	    reader_call_order, reader_reused_after_failure,
	    reader_long_name_in_message, reader_without_threads,
	    packer_threads, reader_sources, reader_verify_bytes,
	    free_null_is_harmless);
	qasid_keyring_free(kr);
	qasid_pubkey_free(pk);
	qasid_seckey_free(sk);
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return rc;
}
