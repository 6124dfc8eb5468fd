/* SPDX-License-Identifier: ISC */
/*
 * fuzz_repair.c - repair of a damaged bundle with a recovery file an
 * attacker wrote.
 *
 * A fixed bundle (a few files, signed with the fuzz key, format 2) and its
 * recovery file (20%) are made once. Input: records "T OFF1 OFF2 OFF3 N
 * DATA[N]", each overwriting N bytes at the 24-bit offset (modulo the
 * size) of the bundle (T even) or of the recovery file (T odd); T % 4 ==
 * 3 cuts the file there instead. The damaged pair is written out and
 * repaired with the fuzz keyring.
 *
 * Promises: a repair that succeeds leaves exactly the original bundle (no
 * other bundle is signed by the key, and repair never makes a bundle
 * pass that is not signed); one that fails leaves the damaged bundle as
 * it was, byte for byte.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

#define FILE_MAX ((size_t)1 << 20)

static struct {
	struct fuzz_env *env;
	unsigned char *ref, *rec, *bun, *out;
	size_t nref, nrec;
	char recpath[320];
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

/* Applies the records of the input to copies of both files. */
static void
damage(const uint8_t *data, size_t size, size_t *nbun, unsigned char *rec,
    size_t *nrec)
{
	memcpy(st.bun, st.ref, st.nref);
	memcpy(rec, st.rec, st.nrec);
	*nbun = st.nref;
	*nrec = st.nrec;
	while (size >= 5) {
		unsigned char *f = data[0] & 1 ? rec : st.bun;
		size_t *n = data[0] & 1 ? nrec : nbun;
		size_t off = (size_t)data[1] << 16 | (size_t)data[2] << 8 |
		    data[3], len = data[4];
		int cut = (data[0] & 3) == 3;
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
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned char rec[FILE_MAX];
	qasid_rec *x = qasid_rec_new();
	size_t nbun, nrec, nout;
	int rc;

	if (x == NULL)
		abort();
	damage(data, size, &nbun, rec, &nrec);
	spit(st.env->bundle, st.bun, nbun);
	spit(st.recpath, rec, nrec);
	rc = qasid_rec_repair(x, st.env->bundle, st.env->kr);
	nout = slurp(st.env->bundle, st.out);
	if (rc == QASID_OK) {
		if (nout != st.nref || memcmp(st.out, st.ref, nout) != 0)
			abort(); /* "repaired" into something else */
		fuzz_accepted++;
	} else if (nout != nbun || memcmp(st.out, st.bun, nout) != 0) {
		abort(); /* a failed repair changed the bundle */
	}
	qasid_rec_free(x);
	return 0;
}
