/* SPDX-License-Identifier: ISC */
/*
 * fuzz_repair.c - repair of a damaged bundle with a recovery file an
 * attacker wrote.
 *
 * A fixed bundle (a few files, signed with the fuzz key, format 2) and its
 * recovery file (20%) are made once. Input: records "T OFF1 OFF2 OFF3 N
 * DATA[N]", each overwriting N bytes at the 24-bit offset (modulo the
 * size) of the bundle (T even) or of the recovery file (T odd); T % 4 ==
 * 3 cuts the file there instead. With T & 4 the record goes to a repair
 * journal instead (FORMAT.md 17.5; one that replays the bundle's first
 * four blocks as they are, until records change it), which is then left
 * beside the bundle as an interrupted repair would; with T & 8 its mark
 * is made again over what the records made of it, as a forger would. The
 * damaged files are written out and the bundle repaired with the fuzz
 * keyring.
 *
 * Promises: a repair that succeeds leaves exactly the original bundle (no
 * other bundle is signed by the key, and repair never makes a bundle
 * pass that is not signed) and no journal; without a journal, one that
 * fails leaves the damaged bundle as it was, byte for byte (a journal,
 * whole and for this bundle, is replayed before anything else).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "recover.h"

#define FILE_MAX ((size_t)1 << 20)
#define JOURNAL_BASE (56 + 4 * (8 + QREC_BLOCK) + 32)

static struct {
	struct fuzz_env *env;
	unsigned char *ref, *rec, *bun, *out;
	size_t nref, nrec;
	char recpath[320];
	char *jpath;
	unsigned char jbase[JOURNAL_BASE];
} st;

static size_t
slurp(const char *path, unsigned char *buf)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (f == NULL)
		abort();
	n = fread(buf, 1, FILE_MAX, f);
	fclose(f);
	return n;
}

static void
spit(const char *path, const unsigned char *buf, size_t n)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL || fwrite(buf, 1, n, f) != n || fclose(f) != 0)
		abort();
}

/* The BLAKE2b-256 of a journal's first n - 32 bytes, as its last 32. */
static void
mark(unsigned char *j, size_t n)
{
	crypto_generichash(j + n - 32, 32, j, n - 32, NULL, 0);
}

/* A whole journal for the reference bundle, replaying its first four
 * blocks as they are. */
static void
make_journal(void)
{
	unsigned char *j = st.jbase;
	struct qrec h;

	if (qrec_parse(&h, st.rec) != 0 || st.nref < 4 * QREC_BLOCK)
		abort();
	memcpy(j, "qasid-repair 1\n", 16);
	le64_store(j + 16, h.size);
	memcpy(j + 24, h.headhash, 32);
	for (unsigned i = 0; i < 4; i++) {
		unsigned char *r = j + 56 + i * (8 + QREC_BLOCK);
		le64_store(r, (uint64_t)i * QREC_BLOCK);
		memcpy(r + 8, st.ref + i * QREC_BLOCK, QREC_BLOCK);
	}
	mark(j, JOURNAL_BASE);
	if ((st.jpath = qjrn_path(st.env->bundle)) == NULL)
		abort();
}

/* The reference bundle: three files, one spanning several members. */
static void
make_ref(void)
{
	char dir[300], path[340];
	qasid_packer *p = qasid_packer_new(st.env->sk);
	qasid_rec *x = qasid_rec_new();
	unsigned char *big = malloc(300000);

	snprintf(dir, sizeof(dir), "%s/src", st.env->dir);
	if (p == NULL || x == NULL || big == NULL || mkdir(dir, 0755) < 0)
		abort();
	for (size_t i = 0; i < 300000; i++)
		big[i] = (unsigned char)((i * 2654435761u) >> 13);
	snprintf(path, sizeof(path), "%s/video.bin", dir);
	spit(path, big, 300000);
	snprintf(path, sizeof(path), "%s/notes.txt", dir);
	spit(path, (const unsigned char *)"notes\n", 6);
	qasid_packer_set_time(p, 1700000000);
	if (qasid_packer_add(p, dir) != QASID_OK ||
	    qasid_packer_write(p, st.env->bundle, 1) != QASID_OK ||
	    qasid_rec_protect(x, st.env->bundle, 20) != QASID_OK)
		abort();
	st.nref = slurp(st.env->bundle, st.ref);
	st.nrec = slurp(st.recpath, st.rec);
	make_journal();
	qasid_packer_free(p);
	qasid_rec_free(x);
	free(big);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	st.env = fuzz_env();
	snprintf(st.recpath, sizeof(st.recpath), "%s-rec", st.env->bundle);
	st.ref = malloc(FILE_MAX);
	st.rec = malloc(FILE_MAX);
	st.bun = malloc(FILE_MAX);
	st.out = malloc(FILE_MAX);
	if (st.ref == NULL || st.rec == NULL || st.bun == NULL ||
	    st.out == NULL)
		abort();
	make_ref();
	return 0;
}

/* The damaged copies: the bundle, the recovery file and a journal. */
struct copies {
	size_t nbun, nrec, njr;
	unsigned char *rec, *jr;
	int journal, remark;
};

/* Applies the records of the input to the copies. */
static void
damage(const uint8_t *data, size_t size, struct copies *c)
{
	memcpy(st.bun, st.ref, st.nref);
	memcpy(c->rec, st.rec, st.nrec);
	memcpy(c->jr, st.jbase, JOURNAL_BASE);
	c->nbun = st.nref;
	c->nrec = st.nrec;
	c->njr = JOURNAL_BASE;
	while (size >= 5) {
		int to = data[0] & 4 ? 2 : data[0] & 1;
		unsigned char *f = to == 2 ? c->jr : to == 1 ? c->rec : st.bun;
		size_t *n = to == 2 ? &c->njr : to == 1 ? &c->nrec : &c->nbun;
		size_t off = (size_t)data[1] << 16 | (size_t)data[2] << 8 |
		    data[3], len = data[4];
		int cut = (data[0] & 3) == 3;
		c->journal |= to == 2;
		c->remark |= to == 2 && (data[0] & 8);
		data += 5;
		size -= 5;
		len = len < size ? len : size;
		if (*n == 0)
			break;
		off %= *n;
		if (cut) {
			*n = off;
			continue;
		}
		len = len < *n - off ? len : *n - off;
		memcpy(f + off, data, len);
		data += len;
		size -= len;
	}
	if (c->remark && c->njr >= 32)
		mark(c->jr, c->njr);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned char rec[FILE_MAX], jr[JOURNAL_BASE];
	struct copies c = {.rec = rec, .jr = jr};
	qasid_rec *x = qasid_rec_new();
	size_t nout;
	int rc;

	if (x == NULL)
		abort();
	damage(data, size, &c);
	spit(st.env->bundle, st.bun, c.nbun);
	spit(st.recpath, rec, c.nrec);
	if (c.journal)
		spit(st.jpath, jr, c.njr);
	rc = qasid_rec_repair(x, st.env->bundle, st.env->kr);
	nout = slurp(st.env->bundle, st.out);
	if (rc == QASID_OK) {
		if (nout != st.nref || memcmp(st.out, st.ref, nout) != 0)
			abort(); /* "repaired" into something else */
		if (access(st.jpath, F_OK) == 0)
			abort(); /* repaired, and a journal left */
		fuzz_accepted++;
	} else if (!c.journal && (nout != c.nbun ||
	    memcmp(st.out, st.bun, nout) != 0)) {
		abort(); /* a failed repair changed the bundle */
	}
	unlink(st.jpath);
	qasid_rec_free(x);
	return 0;
}
