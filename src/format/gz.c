/* SPDX-License-Identifier: ISC */
/*
 * gz.c - one independent gzip member per chunk of the tar stream.
 *
 * zlib does all of the deflate and gzip work; this file decides, block by
 * block, whether to deflate or to store. Photos and video do not compress,
 * and deflating them costs most of the time of a naive pack, so each 16 KiB
 * block is first measured: the order-0 entropy of its bytes bounds what
 * deflate's Huffman stage could save, and a block that could not shrink by
 * 2% is stored. Whole-block statistics judge mixed blocks (text beside an
 * embedded image) better than a trial compression of a leading sample, and
 * cost less. The decision depends only on the bytes, so the output does not
 * depend on threads or timing.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "internal.h"
#include "gz.h"

#define BLOCK (16 * 1024)
/*
 * zlib level 4 deflates prose 2.5 times as fast as gzip's default 6 for
 * about 5% more output on text alone; on a media-heavy bundle, where most
 * bytes are stored, that is 0.3% of the whole (bench/RESULTS.md).
 */
#define LEVEL 4

struct qgz {
	z_stream main;
	int level; /* main's current level: deflateReset keeps it */
};

qgz *
qgz_new(void)
{
	qgz *g = calloc(1, sizeof(*g));

	if (g == NULL)
		return NULL;
	if (deflateInit2(&g->main, LEVEL, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK) {
		free(g);
		return NULL;
	}
	g->level = LEVEL;
	return g;
}

void
qgz_free(qgz *g)
{
	if (g == NULL)
		return;
	deflateEnd(&g->main);
	free(g);
}

/* Could deflate shrink the block by 2%? Order-0 entropy says. */
static int
compressible(const unsigned char *p, size_t n)
{
	uint32_t h[4][256];
	double bits = 0;
	size_t i;

	if (n < 256)
		return 1;
	memset(h, 0, sizeof(h));
	for (i = 0; i + 4 <= n; i += 4) {
		h[0][p[i]]++;
		h[1][p[i + 1]]++;
		h[2][p[i + 2]]++;
		h[3][p[i + 3]]++;
	}
	for (; i < n; i++)
		h[0][p[i]]++;
	for (int c = 0; c < 256; c++) {
		uint32_t k = h[0][c] + h[1][c] + h[2][c] + h[3][c];
		if (k)
			bits -= k * log2((double)k / (double)n);
	}
	return bits < 0.98 * 8.0 * (double)n;
}

/* Runs deflate until the input is used, growing out as needed. */
static int
pump(z_stream *z, struct qbuf *out, int flush)
{
	int zr;

	do {
		if (out->cap - out->len < 4096 &&
		    qbuf_reserve(out, out->cap - out->len + 65536) != 0)
			return QASID_ERR_NOMEM;
		z->next_out = out->p + out->len;
		z->avail_out = (uInt)(out->cap - out->len);
		zr = deflate(z, flush);
		out->len = (size_t)(z->next_out - out->p);
		if (zr == Z_STREAM_ERROR)
			return QASID_ERR_INTERNAL;
	} while (z->avail_in > 0 || (flush == Z_FINISH && zr != Z_STREAM_END));
	return QASID_OK;
}

static int
set_level(z_stream *z, struct qbuf *out, int *cur, int level)
{
	int zr;

	if (level == *cur)
		return QASID_OK;
	for (;;) {
		if (qbuf_reserve(out, 65536) != 0)
			return QASID_ERR_NOMEM;
		z->next_out = out->p + out->len;
		z->avail_out = (uInt)(out->cap - out->len);
		zr = deflateParams(z, level, Z_DEFAULT_STRATEGY);
		out->len = (size_t)(z->next_out - out->p);
		if (zr == Z_OK)
			break;
		if (zr != Z_BUF_ERROR)
			return QASID_ERR_INTERNAL;
	}
	*cur = level;
	return QASID_OK;
}

int
qgz_member(qgz *g, const unsigned char *in, size_t n, int stored_only,
    struct qbuf *out)
{
	/* A fixed header: no name, no time, OS "unknown". */
	gz_header head = {.os = 255};
	z_stream *z = &g->main;
	int *level = &g->level, rc;

	if (deflateReset(z) != Z_OK || deflateSetHeader(z, &head) != Z_OK)
		return QASID_ERR_INTERNAL;
	if (qbuf_reserve(out, n + n / 64 + 1024) != 0)
		return QASID_ERR_NOMEM;
	/* An empty member's bytes must not depend on the level the last
	 * member left behind either. */
	if ((stored_only || n == 0) && (rc = set_level(z, out, level,
	    stored_only ? 0 : LEVEL)) != 0)
		return rc;
	for (size_t off = 0; off < n; off += BLOCK) {
		size_t len = n - off < BLOCK ? n - off : BLOCK;
		if (!stored_only && (rc = set_level(z, out, level,
		    compressible(in + off, len) ? LEVEL : 0)) != 0)
			return rc;
		z->next_in = (unsigned char *)in + off;
		z->avail_in = (uInt)len;
		if (stored_only)
			break; /* one call below writes it in one go */
		if ((rc = pump(z, out, Z_NO_FLUSH)) != 0)
			return rc;
	}
	if (stored_only) {
		z->next_in = (unsigned char *)in;
		z->avail_in = (uInt)n;
	}
	return pump(z, out, Z_FINISH);
}
