/* SPDX-License-Identifier: ISC */
/*
 * test_cancel.c - a progress callback that returns non-zero stops pack,
 * verify and unpack with QASID_ERR_CANCELLED, and they leave nothing
 * behind: no bundle, no temporary file, no staging folder, no destination
 * they made. Also: pack reports its final copy as a phase of its own.
 */
#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "qasid.h"
#include "testfiles.h"

static qasid_seckey *sk;
static qasid_pubkey *pk;
static qasid_keyring *kr;

struct stopper {
	int calls;       /* callbacks so far */
	int stop_at;     /* cancel at this call (0: never) */
	int stop_phase2; /* cancel at the first call of the final copy */
	uint64_t first_total, last_done, last_total;
	int phases;
};

static int
progress(void *ud, uint64_t done, uint64_t total)
{
	struct stopper *s = ud;

	if (s->calls++ == 0 || total != s->last_total)
		s->phases++;
	if (s->calls == 1)
		s->first_total = total;
	s->last_done = done;
	s->last_total = total;
	if (s->stop_phase2 && s->phases == 2)
		return 1;
	return s->stop_at && s->calls >= s->stop_at;
}

/* Names in dir other than "src" and "keep"; 0 means nothing was left. */
static int
others(void)
{
	struct dirent *d;
	DIR *dp = opendir(dir);
	int n = 0;

	if (dp == NULL)
		return -1;
	while ((d = readdir(dp)) != NULL)
		if (strcmp(d->d_name, ".") && strcmp(d->d_name, "..") &&
		    strcmp(d->d_name, "src") && strcmp(d->d_name, "keep") &&
		    strcmp(d->d_name, "b.qasid"))
			n++;
	closedir(dp);
	return n;
}

static int
pack(struct stopper *s, const char *out)
{
	qasid_packer *p = qasid_packer_new(sk);
	int rc;

	qasid_packer_set_progress(p, progress, s);
	qasid_packer_set_threads(p, 1);
	rc = qasid_packer_add(p, path("src"));
	if (rc == QASID_OK)
		rc = qasid_packer_write(p, out, 0);
	qasid_packer_free(p);
	return rc;
}

static int
unpack(struct stopper *s, const char *to)
{
	qasid_reader *r = qasid_reader_new(kr);
	int rc;

	qasid_reader_set_progress(r, progress, s);
	rc = qasid_reader_open(r, path("b.qasid"));
	if (rc == QASID_OK)
		rc = qasid_reader_unpack(r, to);
	qasid_reader_free(r);
	return rc;
}

TEST(pack_cancelled_reading_leaves_nothing)
{
	struct stopper s = {.stop_at = 2};

	CHECK(pack(&s, path("c.qasid")) == QASID_ERR_CANCELLED);
	CHECK(access(path("c.qasid"), F_OK) != 0);
	CHECK(others() == 0);
	CHECK_EQ_STR(qasid_strerror(QASID_ERR_CANCELLED), "cancelled");
}

TEST(pack_cancelled_in_final_copy_leaves_nothing)
{
	struct stopper s = {.stop_phase2 = 1};

	CHECK(pack(&s, path("c.qasid")) == QASID_ERR_CANCELLED);
	CHECK(s.phases == 2);
	CHECK(access(path("c.qasid"), F_OK) != 0);
	CHECK(others() == 0);
}

TEST(pack_reports_the_final_copy)
{
	struct stopper s = {0};
	struct stat st;

	CHECK(pack(&s, path("b.qasid")) == QASID_OK);
	CHECK(stat(path("b.qasid"), &st) == 0);
	/* Reading the files, then copying the body behind the head. */
	CHECK(s.phases == 2);
	CHECK(s.first_total == (3u << 20) + 5);
	CHECK(s.last_done == s.last_total && s.last_total > 0 &&
	    s.last_total < (uint64_t)st.st_size);
}

TEST(verify_cancelled)
{
	struct stopper s = {.stop_at = 1};
	qasid_reader *r = qasid_reader_new(kr);

	qasid_reader_set_progress(r, progress, &s);
	CHECK(qasid_reader_open(r, path("b.qasid")) == QASID_OK);
	CHECK(qasid_reader_verify(r) == QASID_ERR_CANCELLED);
	qasid_reader_free(r);
}

TEST(unpack_cancelled_leaves_nothing)
{
	struct stopper s = {.stop_at = 2};

	CHECK(unpack(&s, path("new")) == QASID_ERR_CANCELLED);
	CHECK(others() == 0);
	CHECK(mkdir(path("keep"), 0755) == 0);
	s.calls = 0;
	CHECK(unpack(&s, path("keep")) == QASID_ERR_CANCELLED);
	CHECK(rmdir(path("keep")) == 0); /* empty: no staging folder */
}

TEST(unpack_completes_without_cancel)
{
	struct stopper s = {0};

	char buf[64];

	CHECK(unpack(&s, path("new")) == QASID_OK);
	CHECK(access(path("new/src/big.bin"), F_OK) == 0);
	CHECK(read_file(path("new/src/note.txt"), buf, sizeof(buf)) == 5);
	CHECK_EQ_STR(buf, "note\n");
}

static int
setup(void)
{
	FILE *f;
	char *buf = malloc(3u << 20);

	snprintf(dir, sizeof(dir), "%s/qasid-cancel.XXXXXX",
	    access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (buf == NULL || qasid_init() != QASID_OK || mkdtemp(dir) == NULL ||
	    mkdir(path("src"), 0755) < 0)
		return -1;
	sk = qasid_seckey_new();
	pk = qasid_pubkey_new();
	kr = qasid_keyring_new();
	if (qasid_seckey_generate(sk, pk) != QASID_OK ||
	    qasid_keyring_add(kr, pk, "") != QASID_OK)
		return -1;
	/* 3 MiB that compress: three members, a body far smaller. */
	for (size_t i = 0; i < (3u << 20); i++)
		buf[i] = (char)('a' + (i * 7 + i / 4096) % 26);
	if (write_file(path("src/note.txt"), "note\n") != 0 ||
	    (f = fopen(path("src/big.bin"), "w")) == NULL ||
	    fwrite(buf, 1, 3u << 20, f) != 3u << 20 || fclose(f) != 0)
		return -1;
	free(buf);
	return 0;
}

int
main(void)
{
	char cmd[600];
	int rc;

	if (setup() != 0) {
		printf("FAIL setup\n");
		return 1;
	}
	rc = RUN_TESTS(pack_cancelled_reading_leaves_nothing,
	    pack_cancelled_in_final_copy_leaves_nothing,
	    pack_reports_the_final_copy, verify_cancelled,
	    unpack_cancelled_leaves_nothing, unpack_completes_without_cancel);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		rc = 1;
	qasid_keyring_free(kr);
	qasid_pubkey_free(pk);
	qasid_seckey_free(sk);
	return rc;
}
