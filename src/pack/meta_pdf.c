/* SPDX-License-Identifier: ISC */
/*
 * meta_pdf.c - authors and producing software in a PDF.
 *
 * A PDF's document information dictionary (/Author, /Creator, /Producer)
 * and its XMP packet are plain text unless compressed. They are looked for
 * in the first and last QMETA_BLOB bytes and, through a classic
 * cross-reference table, in the /Info object wherever it is; the pages in
 * between are never read. A scrub overwrites each value's characters in
 * place (spaces in a literal string, zeros in a hex string, spaces over the
 * XMP packet), so no byte moves and the cross-reference table stays valid.
 * Metadata inside compressed object streams is not seen.
 */
#include <stdlib.h>
#include <string.h>

#include "meta.h"

static const struct {
	const char *key, *what;
	int identifying;
} info_keys[] = {
	{"/Author", "author", 1},
	{"/Creator", "software", 0},
	{"/Producer", "software", 0},
};

static int
cut_at(const struct qmeta *m, uint64_t off)
{
	for (size_t i = 0; i < m->ncut; i++)
		if (m->cut[i].off == off)
			return 1;
	return 0;
}

/* The end of the literal string whose '(' is at p, or NULL. */
static const char *
literal_end(const char *p, const char *end)
{
	int depth = 0;

	for (; p < end; p++) {
		if (*p == '\\')
			p++;
		else if (*p == '(')
			depth++;
		else if (*p == ')' && --depth == 0)
			return p;
	}
	return NULL;
}

static int
hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ?
	    c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* A string's text for messages: UTF-16BE loses its zero bytes. */
static void
shown(char *out, size_t outsz, const char *p, size_t n, int hex)
{
	char tmp[128];
	size_t j = 0;

	for (size_t i = 0; i < n && j + 1 < sizeof(tmp); i++) {
		unsigned c = (unsigned char)p[i];
		if (hex) {
			if (i + 1 >= n || hexval(p[i]) < 0 ||
			    hexval(p[i + 1]) < 0)
				break;
			c = (unsigned)(hexval(p[i]) << 4 | hexval(p[i + 1]));
			i++;
		}
		if (c != 0 && c != 0xfe && c != 0xff)
			tmp[j++] = (char)c;
	}
	qmeta_clean(out, outsz, tmp, j);
}

static void
info_value(struct qmeta *m, size_t k, const char *buf, const char *at,
    const char *end, uint64_t base)
{
	const char *p = at + strlen(info_keys[k].key), *q;
	char v[64];
	int hex;

	while (p < end && (*p == ' ' || *p == '\r' || *p == '\n'))
		p++;
	if (p >= end || (*p != '(' && *p != '<') || (p + 1 < end &&
	    p[1] == '<'))
		return;
	hex = *p == '<';
	q = hex ? memchr(p, '>', (size_t)(end - p)) : literal_end(p, end);
	if (q == NULL && info_keys[k].identifying) {
		/* Its end is out of sight: what it says cannot be known, and
		 * blanking something else could make it readable. */
		qmeta_note(m, 1, "%s (unreadable)", info_keys[k].what);
		m->noscrub = "a document information string runs past what "
		    "qasid reads";
	}
	if (q == NULL || cut_at(m, base + (uint64_t)(p + 1 - buf)))
		return;
	shown(v, sizeof(v), p + 1, (size_t)(q - p - 1), hex);
	if (*v == '\0')
		return;  /* empty, or already scrubbed */
	qmeta_note(m, info_keys[k].identifying, "%s %s", info_keys[k].what, v);
	qmeta_cut(m, base + (uint64_t)(p + 1 - buf), (uint64_t)(q - p - 1),
	    QCUT_BLANK, "document information");
	if (hex)
		m->cut[m->ncut - 1].fill = '0';
}

/* Every XMP packet wholly inside the window. */
static void
scan_xmp(struct qmeta *m, const char *buf, size_t n, uint64_t base)
{
	static const char close[] = "</x:xmpmeta>";
	const char *end = buf + n, *a = buf, *b;

	while ((a = memmem(a, (size_t)(end - a), "<x:xmpmeta", 10)) != NULL) {
		b = memmem(a, (size_t)(end - a), close, sizeof(close) - 1);
		if (b == NULL)
			return;
		b += sizeof(close) - 1;
		if (!cut_at(m, base + (uint64_t)(a - buf))) {
			qmeta_xmp(m, a, (size_t)(b - a));
			qmeta_cut(m, base + (uint64_t)(a - buf),
			    (uint64_t)(b - a), QCUT_BLANK, "XMP");
		}
		a = b;
	}
}

static void
scan_window(struct qmeta *m, const char *buf, size_t n, uint64_t base)
{
	const char *end = buf + n;

	for (size_t k = 0; k < sizeof(info_keys) / sizeof(info_keys[0]); k++) {
		size_t kl = strlen(info_keys[k].key);
		const char *at = buf;
		while ((at = memmem(at, (size_t)(end - at), info_keys[k].key,
		    kl)) != NULL) {
			info_value(m, k, buf, at, end, base);
			at += kl;
		}
	}
	scan_xmp(m, buf, n, base);
}

static uint64_t
number(const char *p, const char *end, const char **after)
{
	uint64_t v = 0;

	while (p < end && (*p == ' ' || *p == '\r' || *p == '\n'))
		p++;
	for (; p < end && *p >= '0' && *p <= '9' && v < (1ULL << 40); p++)
		v = v * 10 + (uint64_t)(*p - '0');
	*after = p;
	return v;
}

/* The /Info object's offset through a classic cross-reference table, or 0. */
static uint64_t
info_offset(const struct qsrc *s, const char *tail, size_t n)
{
	const char *end = tail + n, *p, *sx = NULL;
	char line[64];
	uint64_t obj, xref, at;

	if ((p = memmem(tail, n, "/Info", 5)) == NULL)
		return 0;
	obj = number(p + 5, end, &p);
	for (p = tail; (p = memmem(p, (size_t)(end - p), "startxref", 9)); p++)
		sx = p;
	if (sx == NULL)
		return 0;
	xref = number(sx + 9, end, &p);
	if (qsrc_at(s, xref, line, 4) < 0 || memcmp(line, "xref", 4) != 0)
		return 0;
	at = xref + 4;
	for (int i = 0; i < 1000; i++) {
		size_t got = qsrc_some(s, at, line, sizeof(line) - 1);
		uint64_t first, count;
		line[got] = '\0';
		first = number(line, line + got, &p);
		count = number(p, line + got, &p);
		if (p == line || count > (1ULL << 24))
			return 0;
		while (p < line + got && (*p == ' ' || *p == '\r' || *p == '\n'))
			p++;
		at += (uint64_t)(p - line);
		if (obj >= first && obj - first < count) {
			got = qsrc_some(s, at + 20 * (obj - first), line, 10);
			return number(line, line + got, &p);
		}
		at += 20 * count;
	}
	return 0;
}

int
qmeta_pdf(const struct qsrc *s, struct qmeta *m, unsigned char *buf)
{
	size_t n = qsrc_some(s, 0, buf, QMETA_BLOB);
	uint64_t tail = s->size > QMETA_BLOB ? s->size - QMETA_BLOB : 0, info;

	if (memmem(buf, n < 1024 ? n : 1024, "%PDF-", 5) == NULL)
		return 0;
	m->type = "PDF";
	scan_window(m, (char *)buf, n, 0);
	if (tail > 0) {
		n = qsrc_some(s, tail, buf, QMETA_BLOB);
		scan_window(m, (char *)buf, n, tail);
	}
	if ((info = info_offset(s, (char *)buf, n)) > 0 && info < s->size) {
		n = qsrc_some(s, info, buf, 4096);
		scan_window(m, (char *)buf, n, info);
	}
	return 1;
}
