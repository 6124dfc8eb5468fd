/* SPDX-License-Identifier: ISC */
/*
 * meta_bmff.c - metadata in ISO base media files: MP4, QuickTime MOV and
 * HEIF/HEIC.
 *
 * The walk reads box headers only, descending into moov and trak and
 * seeking past everything else (mdat above all), at most four levels deep
 * and a bounded number of boxes. User data (udta), metadata (meta) and XMP
 * (uuid) boxes are read, at most QMETA_BLOB bytes each, and scanned for the
 * markers phones and cameras write: Android's and Apple's ISO 6709
 * positions, authors, makes, models and serial numbers.
 *
 * A scrub turns each such box into a 'free' box of the same size with
 * zeroed content, so nothing moves and the sample tables' chunk offsets
 * stay right. In HEIF the top-level meta box holds the image itself, so a
 * HEIF is never scrubbed.
 */
#include <stdlib.h>
#include <string.h>

#include "meta.h"

#define BMFF_DEPTH 4
#define BMFF_BOXES 100000

static const unsigned char xmp_uuid[16] = {0xbe, 0x7a, 0xcf, 0xcb, 0x97,
    0xa9, 0x42, 0xe8, 0x9c, 0x71, 0x99, 0x94, 0x91, 0xe3, 0xaf, 0xac};

struct box {
	uint64_t off, size;
	unsigned hdr;
	char type[5];
};

static uint64_t
be(const unsigned char *p, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static int
box_at(const struct qsrc *s, uint64_t off, uint64_t end, struct box *b)
{
	unsigned char h[16];
	uint64_t size;

	if (end < off || end - off < 8 || qsrc_at(s, off, h, 8) < 0)
		return -1;
	size = be(h, 4);
	b->hdr = 8;
	if (size == 1) {
		if (end - off < 16 || qsrc_at(s, off + 8, h + 8, 8) < 0)
			return -1;
		size = be(h + 8, 8);
		b->hdr = 16;
	} else if (size == 0) {
		size = end - off;
	}
	if (size < b->hdr || size > end - off)
		return -1;
	memcpy(b->type, h + 4, 4);
	b->type[4] = '\0';
	b->off = off;
	b->size = size;
	return 0;
}

static int
has(const unsigned char *p, size_t n, const char *needle)
{
	return memmem(p, n, needle, strlen(needle)) != NULL;
}

/* What a udta or meta box's bytes reveal. */
static void
scan_blob(struct qmeta *m, const unsigned char *p, size_t n, const char *box)
{
	const unsigned char *x;
	char gps[64];
	int any = 0;

	if (has(p, n, "\xa9xyz") || has(p, n, "ISO6709")) {
		if (qmeta_iso6709((const char *)p, n, gps, sizeof(gps)))
			qmeta_note(m, 1, "%s", gps);
		else
			qmeta_note(m, 1, "location");
		any = 1;
	}
	if (has(p, n, "\xa9""aut") || has(p, n, "\xa9""ART") ||
	    has(p, n, "quicktime.author") || has(p, n, "\xa9""wrt"))
		qmeta_note(m, 1, "author"), any = 1;
	if (memmem(p, n, "serial", 6) || memmem(p, n, "Serial", 6))
		qmeta_note(m, 1, "device serial"), any = 1;
	if (has(p, n, "quicktime.make") || has(p, n, "\xa9mak") ||
	    has(p, n, "quicktime.model") || has(p, n, "\xa9mod"))
		qmeta_note(m, 0, "device make or model"), any = 1;
	if ((x = memmem(p, n, "XMP_", 4)) != NULL) {
		qmeta_xmp(m, (const char *)x, n - (size_t)(x - p));
		any = 1;
	}
	if (!any)
		qmeta_note(m, 0, "%s box", box);
}

/* ---- HEIF ---------------------------------------------------------------- */

/* A bounded cursor over a box's bytes. */
struct cur {
	const unsigned char *p, *end;
	int bad;
};

static uint64_t
take(struct cur *c, int n)
{
	uint64_t v;

	if (c->bad || n < 0 || n > 8 || c->end - c->p < n) {
		c->bad = 1;
		return 0;
	}
	v = be(c->p, n);
	c->p += n;
	return v;
}

/* The child box of type t in [p, end), as a cursor over its payload. */
static int
child(const unsigned char *p, const unsigned char *end, const char *t,
    struct cur *c)
{
	while (end - p >= 8) {
		uint64_t size = be(p, 4);
		if (size < 8 || size > (uint64_t)(end - p))
			return -1;
		if (memcmp(p + 4, t, 4) == 0) {
			c->p = p + 8;
			c->end = p + size;
			c->bad = 0;
			return 0;
		}
		p += size;
	}
	return -1;
}

/* Where the item id's first extent lies, from the item location box. */
static int
iloc_find(struct cur c, uint64_t id, uint64_t *off, uint64_t *len)
{
	int v = (int)take(&c, 1), os, ls, bs, is;
	uint64_t count, x;

	take(&c, 3);
	x = take(&c, 1);
	os = (int)(x >> 4), ls = (int)(x & 15);
	x = take(&c, 1);
	bs = (int)(x >> 4), is = v == 1 || v == 2 ? (int)(x & 15) : 0;
	count = take(&c, v < 2 ? 2 : 4);
	for (uint64_t i = 0; i < count && !c.bad; i++) {
		uint64_t item = take(&c, v < 2 ? 2 : 4), base, ext;
		int method = v == 1 || v == 2 ? (int)(take(&c, 2) & 15) : 0;
		take(&c, 2);
		base = take(&c, bs);
		ext = take(&c, 2);
		for (uint64_t e = 0; e < ext && !c.bad; e++) {
			uint64_t eo, el;
			take(&c, is);
			eo = take(&c, os);
			el = take(&c, ls);
			if (item == id && e == 0 && method == 0 && !c.bad) {
				*off = base + eo;
				*len = el;
				return 0;
			}
		}
	}
	return -1;
}

/* Reads the Exif item: a 4-byte offset to the TIFF header, then EXIF. */
static int
heif_exif(const struct qsrc *s, struct qmeta *m, const unsigned char *p,
    size_t n, uint64_t id)
{
	struct cur c;
	unsigned char *buf;
	uint64_t off, len, skip;
	size_t got;

	if (n < 4 || child(p + 4, p + n, "iloc", &c) < 0 ||
	    iloc_find(c, id, &off, &len) < 0 || len < 4 ||
	    (buf = malloc(QMETA_BLOB)) == NULL)
		return -1;
	got = qsrc_some(s, off, buf, len < QMETA_BLOB ? (size_t)len :
	    QMETA_BLOB);
	skip = got >= 4 ? be(buf, 4) : got;
	if (got >= 4 && skip <= got - 4)
		qmeta_exif(m, buf + 4 + skip, got - 4 - (size_t)skip);
	free(buf);
	return got >= 4 && skip <= got - 4 ? 0 : -1;
}

/* HEIF items: an Exif item is read through the item locations; an XMP
 * item is noted. */
static void
scan_heif(const struct qsrc *s, struct qmeta *m, const unsigned char *p,
    size_t n)
{
	const unsigned char *x = p;

	while ((x = memmem(x, n - (size_t)(x - p), "infe", 4)) != NULL &&
	    x + 18 <= p + n + 2) {
		const unsigned char *type = x[4] >= 3 ? x + 14 : x + 12;
		if (type + 4 > p + n)
			break;
		if (memcmp(type, "Exif", 4) == 0 && heif_exif(s, m, p, n,
		    be(x + 8, x[4] >= 3 ? 4 : 2)) < 0)
			qmeta_note(m, 1, "EXIF item (HEIF; unreadable)");
		else if (memcmp(type, "mime", 4) == 0 &&
		    has(x, n - (size_t)(x - p), "rdf+xml"))
			qmeta_note(m, 1, "XMP item (HEIF)");
		x += 4;
	}
	m->noscrub = "in HEIF the metadata sits among the image's own items, "
	    "which qasid does not rewrite";
}

static void
read_box(const struct qsrc *s, struct qmeta *m, const struct box *b,
    int heif, unsigned char *buf)
{
	size_t n = b->size - b->hdr > QMETA_BLOB ? QMETA_BLOB :
	    (size_t)(b->size - b->hdr);

	n = qsrc_some(s, b->off + b->hdr, buf, n);
	if (strcmp(b->type, "uuid") == 0) {
		if (n < 16 || memcmp(buf, xmp_uuid, 16) != 0)
			return;
		qmeta_xmp(m, (const char *)buf + 16, n - 16);
		qmeta_cut(m, b->off, b->size, QCUT_FREE, "XMP");
	} else if (heif) {
		scan_heif(s, m, buf, n);
		scan_blob(m, buf, n, b->type);
	} else {
		scan_blob(m, buf, n, b->type);
		qmeta_cut(m, b->off, b->size, QCUT_FREE, b->type);
	}
	if (m->ncut > 0 && m->cut[m->ncut - 1].off == b->off)
		m->cut[m->ncut - 1].hdr = (unsigned char)b->hdr;
}

static void
walk(const struct qsrc *s, struct qmeta *m, uint64_t off, uint64_t end,
    int depth, int heif, int *budget, unsigned char *buf)
{
	struct box b;

	while (off < end && (*budget)-- > 0 && box_at(s, off, end, &b) == 0) {
		if (strcmp(b.type, "moov") == 0 || strcmp(b.type, "trak") == 0) {
			if (depth < BMFF_DEPTH)
				walk(s, m, off + b.hdr, off + b.size, depth + 1,
				    heif, budget, buf);
		} else if (strcmp(b.type, "udta") == 0 ||
		    strcmp(b.type, "uuid") == 0 ||
		    strcmp(b.type, "meta") == 0) {
			read_box(s, m, &b, heif && depth == 0 &&
			    strcmp(b.type, "meta") == 0, buf);
		}
		off += b.size;
	}
}

static int
is_heif(const unsigned char *ftyp, size_t n)
{
	static const char *brands[] = {"heic", "heix", "heim", "heis", "hevc",
	    "mif1", "msf1", "avif", "avis"};

	for (size_t i = 0; i < sizeof(brands) / sizeof(brands[0]); i++)
		if (memmem(ftyp, n, brands[i], 4) != NULL)
			return 1;
	return 0;
}

int
qmeta_bmff(const struct qsrc *s, struct qmeta *m, unsigned char *buf)
{
	static const char *first[] = {"ftyp", "moov", "mdat", "wide", "free",
	    "skip"};
	unsigned char ftyp[64];
	struct box b;
	int budget = BMFF_BOXES, known = 0, heif = 0;

	if (box_at(s, 0, s->size, &b) < 0)
		return 0;
	for (size_t i = 0; i < sizeof(first) / sizeof(first[0]); i++)
		known |= strcmp(b.type, first[i]) == 0;
	if (!known)
		return 0;
	m->type = "MP4";
	if (strcmp(b.type, "ftyp") == 0) {
		size_t n = qsrc_some(s, b.hdr, ftyp, b.size - b.hdr <
		    sizeof(ftyp) ? (size_t)(b.size - b.hdr) : sizeof(ftyp));
		heif = is_heif(ftyp, n);
		m->type = heif ? "HEIF" : n >= 4 && memcmp(ftyp, "qt  ", 4) ==
		    0 ? "MOV" : "MP4";
	}
	walk(s, m, 0, s->size, 0, heif, &budget, buf);
	return 1;
}
