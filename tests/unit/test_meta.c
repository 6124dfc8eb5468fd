/* SPDX-License-Identifier: ISC */
/*
 * test_meta.c - the metadata walkers on small files built in memory, and
 * the packer's default: a library caller that never asks about metadata
 * still gets QASID_ERR_METADATA from qasid_packer_write.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "harness.h"
#include "meta.h"

/* Scans len bytes of data as a file; m is filled in. */
static void
scan(const void *data, size_t len, struct qmeta *m)
{
	struct qsrc s;

	s.fd = memfd_create("test-meta", 0);
	s.size = len;
	CHECK(s.fd >= 0 && write(s.fd, data, len) == (ssize_t)len);
	CHECK(qmeta_scan(&s, m) == 0);
	close(s.fd);
}

/* An MP4 whose moov holds Android's udta/©xyz position. */
static const unsigned char mp4_xyz[] =
    "\0\0\0\x10" "ftyp" "isom" "\0\0\0\0"
    "\0\0\0\x2e" "moov"
    "\0\0\0\x26" "udta"
    "\0\0\0\x1e" "\xa9xyz" "\0\x12\x15\xc7" "+34.0800+074.7900/";

static const struct {
	const char *name;
	const void *data;
	size_t len;
	const char *type, *reveals;
} cases[] = {
	{"mp4 location", mp4_xyz, sizeof(mp4_xyz) - 1, "MP4",
	    "GPS 34.08 N 74.79 E"},
	{"png author", "\x89PNG\r\n\x1a\n" "\0\0\0\x0b" "tEXtAuthor\0Amal"
	    "CRC!" "\0\0\0\0IEND\xae\x42\x60\x82", 43, "PNG",
	    "Author \"Amal\""},
	{"pdf author", "%PDF-1.4\n1 0 obj << /Author (Amal) >> endobj\n", 45,
	    "PDF", "author Amal"},
	{"pdf producer only", "%PDF-1.4\n<< /Producer (Word) >>\n", 31,
	    "PDF", ""},
	{"text that mentions GPS", "GPS 34 N /Author (x) \xa9xyz", 24, NULL,
	    ""},
	{"jpeg cut short", "\xff\xd8\xff\xe1\xff\xff" "Exif\0\0MM", 14,
	    "JPEG", ""},
	{"box larger than the file", "\0\0\0\x10" "ftyp" "isom" "\0\0\0\0"
	    "\xff\xff\xff\xff" "udta", 24, "MP4", ""},
};

TEST(walkers)
{
	struct qmeta *m = malloc(sizeof(*m));

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		scan(cases[i].data, cases[i].len, m);
		if ((m->type == NULL) != (cases[i].type == NULL) ||
		    (m->type && strcmp(m->type, cases[i].type) != 0) ||
		    strcmp(m->reveals, cases[i].reveals) != 0) {
			printf("  %s: type %s, reveals \"%s\"\n", cases[i].name,
			    m->type ? m->type : "none", m->reveals);
			CHECK(!"walker result");
		}
	}
	free(m);
}

TEST(iso6709)
{
	char out[64];

	CHECK(qmeta_iso6709("x-33.8688+151.2093+005.000/", 27, out,
	    sizeof(out)) == 1);
	CHECK_EQ_STR(out, "GPS 33.87 S 151.21 E");
	CHECK(qmeta_iso6709("+99.0000+200.0000/", 18, out, sizeof(out)) == 0);
	CHECK(qmeta_iso6709("+3", 2, out, sizeof(out)) == 0);
}

TEST(write_refuses_by_default)
{
	char dir[] = "/tmp/test-meta-XXXXXX", path[64], out[80];
	qasid_seckey *sk = qasid_seckey_new();
	qasid_pubkey *pk = qasid_pubkey_new();
	qasid_packer *p;
	FILE *f;

	CHECK(mkdtemp(dir) != NULL && sk != NULL);
	CHECK(qasid_seckey_generate(sk, pk) == QASID_OK);
	snprintf(path, sizeof(path), "%s/clip.mp4", dir);
	snprintf(out, sizeof(out), "%s/b.qasid", dir);
	CHECK((f = fopen(path, "wb")) != NULL);
	fwrite(mp4_xyz, 1, sizeof(mp4_xyz) - 1, f);
	fclose(f);
	p = qasid_packer_new(sk);
	CHECK(qasid_packer_add(p, path) == QASID_OK);
	CHECK(qasid_packer_write(p, out, 0) == QASID_ERR_METADATA);
	CHECK(access(out, F_OK) != 0);
	qasid_packer_set_metadata(p, QASID_META_SCRUB);
	CHECK(qasid_packer_write(p, out, 0) == QASID_OK);
	qasid_packer_free(p);
	qasid_seckey_free(sk);
	qasid_pubkey_free(pk);
	unlink(out);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	if (qasid_init() != QASID_OK)
		return 1;
	return RUN_TESTS(walkers, iso6709, write_refuses_by_default);
}
