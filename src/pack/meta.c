/* SPDX-License-Identifier: ISC */
/*
 * meta.c - what a file says about where it was made and by whom.
 *
 * A file is recognised by its first bytes, never by its name, then its
 * container is walked: JPEG segments up to the first scan, PNG chunks (the
 * image data is seeked past), a TIFF's first 64 KiB, ISO-BMFF boxes
 * (meta_bmff.c) and a PDF's head, tail and information dictionary
 * (meta_pdf.c). Only headers are read, each piece at most QMETA_BLOB bytes,
 * so memory stays bounded and a large video costs a few reads. Whatever
 * cannot be parsed reveals nothing more: the walk stops there.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "meta.h"

int
qsrc_at(const struct qsrc *s, uint64_t off, void *buf, size_t n)
{
	if (off > s->size || n > s->size - off)
		return -1;
	return qsrc_some(s, off, buf, n) == n ? 0 : -1;
}

size_t
qsrc_some(const struct qsrc *s, uint64_t off, void *buf, size_t n)
{
	size_t got = 0;

	if (off >= s->size)
		return 0;
	if (n > s->size - off)
		n = (size_t)(s->size - off);
	while (got < n) {
		ptrdiff_t r = qos_pread(s->fd, (char *)buf + got, n - got,
		    off + got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	return got;
}

static void
append(char *dst, size_t cap, const char *sep, const char *s)
{
	size_t len = strlen(dst);

	if (len > 0 && len + strlen(sep) < cap) {
		snprintf(dst + len, cap - len, "%s", sep);
		len += strlen(sep);
	}
	snprintf(dst + len, cap - len, "%s", s);
}

void
qmeta_note(struct qmeta *m, int identifying, const char *fmt, ...)
{
	char s[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s, sizeof(s), fmt, ap);
	va_end(ap);
	if (strstr(m->reveals, s) != NULL || strstr(m->other, s) != NULL)
		return;  /* the same thing in two places */
	if (identifying)
		append(m->reveals, sizeof(m->reveals), "; ", s);
	else
		append(m->other, sizeof(m->other), "; ", s);
}

void
qmeta_cut(struct qmeta *m, uint64_t off, uint64_t len, int how,
    const char *what)
{
	struct qcut *c;

	if (m->ncut == QMETA_CUTS) {
		m->noscrub = "it holds more metadata pieces than a scrub handles";
		return;
	}
	c = &m->cut[m->ncut++];
	memset(c, 0, sizeof(*c));
	c->off = off;
	c->len = len;
	c->how = how;
	c->fill = ' ';
	if (strstr(m->removes, what) == NULL)
		append(m->removes, sizeof(m->removes), ", ", what);
}

void
qmeta_clean(char *out, size_t outsz, const void *s, size_t n)
{
	const unsigned char *p = s;
	size_t j = 0;

	for (size_t i = 0; i < n && p[i] != '\0' && j + 1 < outsz; i++)
		out[j++] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
	while (j > 0 && out[j - 1] == ' ')
		j--;
	if (outsz > 0)
		out[j] = '\0';
}

/* ---- JPEG --------------------------------------------------------------- */

#define XMP_NS "http://ns.adobe.com/xap/1.0/"
#define XMP_EXT "http://ns.adobe.com/xmp/extension/"

static void
jpeg_app1(struct qmeta *m, const unsigned char *p, size_t n, uint64_t off)
{
	size_t a = sizeof(XMP_NS), b = sizeof(XMP_EXT);

	if (n >= 6 && memcmp(p, "Exif\0\0", 6) == 0) {
		qmeta_exif(m, p + 6, n - 6);
		qmeta_cut(m, off, n + 4, QCUT_EXIF, m->orientation ?
		    "EXIF (orientation kept)" : "EXIF");
	} else if (n >= a && memcmp(p, XMP_NS, a) == 0) {
		qmeta_xmp(m, (const char *)p + a, n - a);
		qmeta_cut(m, off, n + 4, QCUT_DROP, "XMP");
	} else if (n >= b && memcmp(p, XMP_EXT, b) == 0) {
		qmeta_xmp(m, (const char *)p + b, n - b);
		qmeta_cut(m, off, n + 4, QCUT_DROP, "XMP");
	}
}

static void
jpeg_segment(const struct qsrc *s, struct qmeta *m, int marker,
    uint64_t off, size_t n, unsigned char *buf)
{
	char text[80];

	if (marker != 0xe1 && marker != 0xed && marker != 0xfe)
		return;
	if (qsrc_at(s, off + 4, buf, n) < 0)
		return;
	if (marker == 0xe1) {
		jpeg_app1(m, buf, n, off);
	} else if (marker == 0xed) {
		qmeta_iptc(m, buf, n);
		qmeta_cut(m, off, n + 4, QCUT_DROP, "IPTC");
	} else {
		qmeta_clean(text, sizeof(text), buf, n);
		qmeta_note(m, 0, "comment \"%s\"", text);
		qmeta_cut(m, off, n + 4, QCUT_DROP, "comment");
	}
}

/* Segments up to the first scan; the entropy-coded data is never read. */
static int
jpeg(const struct qsrc *s, struct qmeta *m, unsigned char *buf)
{
	unsigned char h[4];
	uint64_t off = 2;

	if (qsrc_at(s, 0, h, 3) < 0 || h[0] != 0xff || h[1] != 0xd8 ||
	    h[2] != 0xff)
		return 0;
	m->type = "JPEG";
	for (int i = 0; i < 100000 && qsrc_at(s, off, h, 4) == 0; i++) {
		size_t len = (size_t)h[2] << 8 | h[3];
		if (h[0] != 0xff)
			break;
		if (h[1] == 0xff) {  /* fill byte */
			off++;
			continue;
		}
		if (h[1] == 0xd9 || h[1] == 0xda)  /* end, or a scan */
			break;
		if ((h[1] >= 0xd0 && h[1] <= 0xd7) || h[1] == 0x01) {
			off += 2;
			continue;
		}
		if (len < 2)
			break;
		jpeg_segment(s, m, h[1], off, len - 2, buf);
		off += 2 + len;
	}
	return 1;
}

/* ---- PNG ---------------------------------------------------------------- */

/* Inflates at most QMETA_BLOB bytes of a compressed text. */
static size_t
png_inflate(const unsigned char *in, size_t n, unsigned char *out)
{
	z_stream z;
	size_t got;

	memset(&z, 0, sizeof(z));
	if (inflateInit(&z) != Z_OK)
		return 0;
	z.next_in = (unsigned char *)in;
	z.avail_in = (uInt)n;
	z.next_out = out;
	z.avail_out = QMETA_BLOB - 1;
	inflate(&z, Z_SYNC_FLUSH);
	got = QMETA_BLOB - 1 - z.avail_out;
	inflateEnd(&z);
	return got;
}

static void
png_keyword(struct qmeta *m, const char *key, const char *text, size_t n)
{
	char v[80];

	qmeta_clean(v, sizeof(v), text, n);
	if (strcmp(key, "XML:com.adobe.xmp") == 0)
		qmeta_xmp(m, text, n);
	else if (strcmp(key, "Author") == 0 || strcmp(key, "Artist") == 0 ||
	    strcmp(key, "Copyright") == 0)
		qmeta_note(m, 1, "%s \"%s\"", key, v);
	else if (strncmp(key, "Raw profile type", 16) == 0)
		qmeta_note(m, 1, "%s (EXIF or IPTC, not read)", key);
	else
		qmeta_note(m, 0, "text %s", key);
}

/* tEXt, zTXt, iTXt: keyword, NUL, then the text, maybe compressed. */
static void
png_text(struct qmeta *m, const char *type, unsigned char *p, size_t n)
{
	size_t k = strnlen((char *)p, n < 80 ? n : 80), at = k + 1;
	unsigned char *z = NULL;
	int compressed = 0;

	if (k == 0 || k >= 80 || at > n)
		return;
	if (strcmp(type, "zTXt") == 0) {
		compressed = 1;
		at++;
	} else if (strcmp(type, "iTXt") == 0 && at + 2 <= n) {
		compressed = p[at];
		at += 2;
		for (int i = 0; i < 2 && at < n; i++)  /* language, keyword */
			at += strnlen((char *)p + at, n - at) + 1;
	}
	if (at > n)
		return;
	if (compressed && (z = malloc(QMETA_BLOB)) != NULL) {
		size_t got = png_inflate(p + at, n - at, z);
		png_keyword(m, (char *)p, (char *)z, got);
	} else if (!compressed) {
		png_keyword(m, (char *)p, (char *)p + at, n - at);
	}
	free(z);
}

static void
png_chunk(const struct qsrc *s, struct qmeta *m, const char *type,
    uint64_t off, uint32_t len, unsigned char *buf)
{
	size_t n = len < QMETA_BLOB ? len : QMETA_BLOB;
	int text = strcmp(type, "tEXt") == 0 || strcmp(type, "zTXt") == 0 ||
	    strcmp(type, "iTXt") == 0;

	if (!text && strcmp(type, "eXIf") != 0 && strcmp(type, "tIME") != 0)
		return;
	if (qsrc_at(s, off + 8, buf, n) < 0)
		return;
	if (text) {
		png_text(m, type, buf, n);
		qmeta_cut(m, off, (uint64_t)len + 12, QCUT_DROP, "text");
	} else if (type[0] == 'e') {
		qmeta_exif(m, buf, n);
		qmeta_cut(m, off, (uint64_t)len + 12, QCUT_DROP, "EXIF");
	} else {
		qmeta_note(m, 0, "modification time");
		qmeta_cut(m, off, (uint64_t)len + 12, QCUT_DROP, "time");
	}
}

/* Chunks to the end; image data is seeked past, never read. */
static int
png(const struct qsrc *s, struct qmeta *m, unsigned char *buf)
{
	static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n',
	    0x1a, '\n'};
	unsigned char h[8];
	uint64_t off = 8;

	if (qsrc_at(s, 0, h, 8) < 0 || memcmp(h, sig, 8) != 0)
		return 0;
	m->type = "PNG";
	for (int i = 0; i < 1000000 && qsrc_at(s, off, h, 8) == 0; i++) {
		uint32_t len = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 |
		    (uint32_t)h[2] << 8 | h[3];
		char type[5];
		if (len > 0x7fffffffu || (uint64_t)len + 12 > s->size - off)
			break;
		memcpy(type, h + 4, 4);
		type[4] = '\0';
		png_chunk(s, m, type, off, len, buf);
		if (strcmp(type, "IEND") == 0)
			break;
		off += (uint64_t)len + 12;
	}
	return 1;
}

/* ---- TIFF --------------------------------------------------------------- */

static int
tiff(const struct qsrc *s, struct qmeta *m, unsigned char *buf)
{
	size_t n;

	if (qsrc_at(s, 0, buf, 4) < 0 || (memcmp(buf, "II*\0", 4) != 0 &&
	    memcmp(buf, "MM\0*", 4) != 0))
		return 0;
	m->type = "TIFF";
	n = qsrc_some(s, 0, buf, QMETA_BLOB);
	qmeta_exif(m, buf, n);
	m->noscrub = "a TIFF keeps its tags in the image's own structure, "
	    "which qasid does not rewrite";
	return 1;
}

static int
cut_cmp(const void *a, const void *b)
{
	const struct qcut *x = a, *y = b;

	return x->off < y->off ? -1 : x->off > y->off;
}

/* The first bytes of every type walked here: anything else is skipped
 * after one small read. */
static int
maybe_known(const unsigned char *h, size_t n)
{
	static const char *boxes[] = {"ftyp", "moov", "mdat", "wide", "free",
	    "skip"};

	if (n >= 3 && h[0] == 0xff && h[1] == 0xd8 && h[2] == 0xff)
		return 1;
	if (n >= 4 && (memcmp(h, "\x89PNG", 4) == 0 ||
	    memcmp(h, "II*\0", 4) == 0 || memcmp(h, "MM\0*", 4) == 0))
		return 1;
	for (size_t i = 0; n >= 8 && i < sizeof(boxes) / sizeof(boxes[0]); i++)
		if (memcmp(h + 4, boxes[i], 4) == 0)
			return 1;
	return memmem(h, n, "%PDF-", 5) != NULL;
}

/* A PDF reader looks for "%PDF-" in a file's first 1024 bytes. Dropping
 * pieces would bring later bytes there, so look as far as they reach. */
static int
pdf_after_drops(const struct qsrc *s, const struct qmeta *m,
    unsigned char *buf)
{
	uint64_t limit = 1024, off = 0;

	for (size_t i = 0; i < m->ncut; i++)
		if (m->cut[i].how == QCUT_DROP || m->cut[i].how == QCUT_EXIF)
			limit += m->cut[i].len;
	while (off < limit && off < s->size) {
		size_t want = limit - off < QMETA_BLOB ? (size_t)(limit - off) :
		    QMETA_BLOB;
		size_t got = qsrc_some(s, off, buf, want);
		if (memmem(buf, got, "%PDF-", 5) != NULL)
			return 1;
		if (got < 5)
			break;
		off += got - 4;  /* the next window overlaps by four bytes */
	}
	return 0;
}

int
qmeta_scan(const struct qsrc *s, struct qmeta *m)
{
	unsigned char *buf;
	size_t n;
	int known, pdf;

	memset(m, 0, sizeof(*m));
	if ((buf = malloc(QMETA_BLOB)) == NULL)
		return -1;
	n = qsrc_some(s, 0, buf, 1024);
	pdf = memmem(buf, n, "%PDF-", 5) != NULL;
	known = maybe_known(buf, n) && (jpeg(s, m, buf) || png(s, m, buf) ||
	    tiff(s, m, buf) || qmeta_bmff(s, m, buf));
	if (known && !pdf)
		pdf = pdf_after_drops(s, m, buf);
	if (!known && pdf) {
		qmeta_pdf(s, m, buf);
	} else if (pdf) {
		/* Also a PDF: a PDF reader would show that part, and a scrub
		 * that moves bytes could change what it shows. */
		const char *type = m->type;
		qmeta_pdf(s, m, buf);
		m->type = type;
		m->noscrub = "it is both an image or video and a PDF";
	}
	free(buf);
	qsort(m->cut, m->ncut, sizeof(m->cut[0]), cut_cmp);
	for (size_t i = 1; i < m->ncut; i++)
		if (m->cut[i].off < m->cut[i - 1].off + m->cut[i - 1].len)
			m->noscrub = "its metadata pieces overlap";
	return 0;
}
