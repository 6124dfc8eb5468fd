/* SPDX-License-Identifier: ISC */
/*
 * unicode.c - the Unicode that names and titles need: strict UTF-8, canonical
 * decomposition and composition (NFD, NFC), full case folding, and which
 * code points are invisible or steer a terminal. Tables come from
 * unicode_tables.h, generated from the Unicode 15.0 data files.
 */
#include <stdint.h>
#include <string.h>

#include "paths.h"
#include "unicode.h"
#include "unicode_tables.h"

/* Code points of the NFD of a QASID_NAME_MAX-byte component. */
#define SEG_MAX (QASID_NAME_MAX * QU_NFD_PER_BYTE)

_Static_assert(UT_DECOMP_MAX <= QU_DECOMP_MAX, "decompositions fit");
_Static_assert(UT_FOLD_CPS_MAX <= QU_FOLD_MAX, "foldings fit");
_Static_assert(UT_NFD_CPS_PER_BYTE <= QU_NFD_PER_BYTE, "NFD growth bound");

#define HANGUL_S 0xac00		/* Unicode 15.0, section 3.12 */
#define HANGUL_L 0x1100
#define HANGUL_V 0x1161
#define HANGUL_T 0x11a7
#define HANGUL_LCOUNT 19
#define HANGUL_VCOUNT 21
#define HANGUL_TCOUNT 28
#define HANGUL_SCOUNT 11172

/* ---- UTF-8 -------------------------------------------------------------- */

/*
 * Decodes one strictly valid UTF-8 sequence: no overlong forms, surrogates,
 * values past U+10FFFF or truncation.  Returns its length, or 0 if s does not
 * start with one.
 */
size_t
qu_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	uint32_t c = s[0];
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c < 0xc2 || c > 0xf4)
		return 0;
	n = c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
	c &= 0x3f >> (n - 1);
	/* The second byte's range is what excludes the invalid values. */
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (len < n)
		return 0;
	for (i = 1; i < n; i++, lo = 0x80, hi = 0xbf) {
		if (s[i] < lo || s[i] > hi)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	*cp = c;
	return n;
}

int
qu_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t c;

	for (size_t off = 0, n; off < len; off += n)
		if ((n = qu_decode(p + off, len - off, &c)) == 0)
			return 0;
	return 1;
}

size_t
qu_encode(uint32_t c, unsigned char *b)
{
	if (c < 0x80) {
		b[0] = (unsigned char)c;
		return 1;
	}
	if (c < 0x800) {
		b[0] = (unsigned char)(0xc0 | c >> 6);
		b[1] = (unsigned char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		b[0] = (unsigned char)(0xe0 | c >> 12);
		b[1] = (unsigned char)(0x80 | (c >> 6 & 0x3f));
		b[2] = (unsigned char)(0x80 | (c & 0x3f));
		return 3;
	}
	b[0] = (unsigned char)(0xf0 | c >> 18);
	b[1] = (unsigned char)(0x80 | (c >> 12 & 0x3f));
	b[2] = (unsigned char)(0x80 | (c >> 6 & 0x3f));
	b[3] = (unsigned char)(0x80 | (c & 0x3f));
	return 4;
}

/* ---- Unicode tables ----------------------------------------------------- */

unsigned
qu_ccc(uint32_t c)
{
	size_t lo = 0, hi = sizeof(ut_ccc) / sizeof(ut_ccc[0]), mid;

	if (c < ut_ccc[0].lo)
		return 0;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (c < ut_ccc[mid].lo)
			hi = mid;
		else if (c > ut_ccc[mid].hi)
			lo = mid + 1;
		else
			return ut_ccc[mid].ccc;
	}
	return 0;
}

/* Writes the full canonical decomposition of c (c itself if it has none)
 * into d[UT_DECOMP_MAX]; returns its length. */
size_t
qu_decompose(uint32_t c, uint32_t *d)
{
	size_t lo = 0, hi = sizeof(ut_decomp) / sizeof(ut_decomp[0]), mid, i;
	uint32_t s = c - HANGUL_S;

	if (c >= HANGUL_S && s < HANGUL_SCOUNT) {
		d[0] = HANGUL_L + s / (HANGUL_VCOUNT * HANGUL_TCOUNT);
		d[1] = HANGUL_V + s % (HANGUL_VCOUNT * HANGUL_TCOUNT) /
		    HANGUL_TCOUNT;
		d[2] = HANGUL_T + s % HANGUL_TCOUNT;
		return d[2] == HANGUL_T ? 2 : 3;
	}
	while (c >= ut_decomp[0].cp && lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (c < ut_decomp[mid].cp)
			hi = mid;
		else if (c > ut_decomp[mid].cp)
			lo = mid + 1;
		else {
			for (i = 0; i < ut_decomp[mid].len; i++)
				d[i] = ut_decomp_pool[ut_decomp[mid].off + i];
			return i;
		}
	}
	d[0] = c;
	return 1;
}

uint32_t
qu_casefold(uint32_t c)
{
	size_t lo = 0, hi = sizeof(ut_fold) / sizeof(ut_fold[0]), mid;
	const struct ut_fold *f;

	if (c < 0x80)		/* most names are ASCII: skip the search */
		return qu_casefold_ascii(c);
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		f = &ut_fold[mid];
		if (c < f->lo)
			hi = mid;
		else if (c > f->hi)
			lo = mid + 1;
		else if ((c - f->lo) % f->stride == 0)
			return (uint32_t)((int32_t)c + f->delta);
		else
			return c;
	}
	return c;
}

/* Full case folding (Unicode 15.0, CaseFolding.txt statuses C and F): c
 * folds to out[0, return value), at most 3 code points. ß gives "ss": some
 * file systems (ext4 and f2fs casefold folders) take "straße" and
 * "strasse" for one name. */
size_t
qu_fold_full(uint32_t c, uint32_t out[3])
{
	size_t lo = 0, hi = sizeof(ut_fold_full) / sizeof(ut_fold_full[0]);
	size_t mid, i;

	while (c >= ut_fold_full[0].cp && lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (c < ut_fold_full[mid].cp)
			hi = mid;
		else if (c > ut_fold_full[mid].cp)
			lo = mid + 1;
		else {
			for (i = 0; i < ut_fold_full[mid].len; i++)
				out[i] = ut_fold_full[mid].to[i];
			return i;
		}
	}
	out[0] = qu_casefold(c);
	return 1;
}

/* Stable-sorts each run of non-starters by combining class (Unicode 15.0,
 * section 3.11): the order in which a name was typed must not matter. */
void
qu_canonical_order(uint32_t *cp, size_t n)
{
	size_t i, j;
	unsigned k;
	uint32_t c;

	for (i = 1; i < n; i++) {
		c = cp[i];
		if ((k = qu_ccc(c)) == 0)
			continue;
		for (j = i; j > 0 && qu_ccc(cp[j - 1]) > k; j--)
			cp[j] = cp[j - 1];
		cp[j] = c;
	}
}

static int
in_ranges(uint32_t c, const struct ut_range *r, size_t n)
{
	size_t lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (c < r[mid].lo)
			hi = mid;
		else if (c > r[mid].hi)
			lo = mid + 1;
		else
			return 1;
	}
	return 0;
}

/* Default-ignorable code points that names need: joiners (Persian and
 * Indic spelling, emoji), bidirectional marks (where ".pdf" shows in Arabic
 * and Hebrew names) and variation selectors. Names may hold them, and fold
 * keys leave them out, as HFS+ does for the joiners and marks: two names
 * that differ only in them look the same and are taken as one. Every other
 * default-ignorable code point is invisible and refused. */
int
qu_kept_ignorable(uint32_t c)
{
	return (c >= 0x200c && c <= 0x200f) || c == 0x061c ||
	    (c >= 0x180b && c <= 0x180f && c != 0x180e) ||
	    (c >= 0xfe00 && c <= 0xfe0f) || (c >= 0xe0100 && c <= 0xe01ef);
}

int
qu_refused_ignorable(uint32_t c)
{
	return c >= 0xad && !qu_kept_ignorable(c) && in_ranges(c, ut_ignorable,
	    sizeof(ut_ignorable) / sizeof(ut_ignorable[0]));
}

/* ---- NFC ---------------------------------------------------------------- */

/* The primary composite of a and b (Unicode 15.0, section 3.11), or 0. */
static uint32_t
compose_pair(uint32_t a, uint32_t b)
{
	size_t lo = 0, hi = sizeof(ut_comp) / sizeof(ut_comp[0]), mid;
	uint32_t s = a - HANGUL_S;

	if (a >= HANGUL_L && a < HANGUL_L + HANGUL_LCOUNT && b >= HANGUL_V &&
	    b < HANGUL_V + HANGUL_VCOUNT)
		return HANGUL_S + ((a - HANGUL_L) * HANGUL_VCOUNT +
		    (b - HANGUL_V)) * HANGUL_TCOUNT;
	if (a >= HANGUL_S && s < HANGUL_SCOUNT && s % HANGUL_TCOUNT == 0 &&
	    b > HANGUL_T && b < HANGUL_T + HANGUL_TCOUNT)
		return a + (b - HANGUL_T);
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (a < ut_comp[mid].first || (a == ut_comp[mid].first &&
		    b < ut_comp[mid].second))
			hi = mid;
		else if (a > ut_comp[mid].first || b > ut_comp[mid].second)
			lo = mid + 1;
		else
			return ut_comp[mid].to;
	}
	return 0;
}

/* Canonical composition of cp[0, n) in place (the algorithm of Unicode
 * 15.0, section 3.11, D117); returns the new length. */
static size_t
compose(uint32_t *cp, size_t n)
{
	size_t i, k = 1, starter = 0;
	unsigned last, cc;
	uint32_t c;

	if (n == 0)
		return 0;
	/* 256: blocked, until a starter comes. */
	last = qu_ccc(cp[0]) == 0 ? 0 : 256;
	for (i = 1; i < n; i++) {
		cc = qu_ccc(cp[i]);
		if ((last < cc || last == 0) &&
		    (c = compose_pair(cp[starter], cp[i])) != 0) {
			cp[starter] = c;
			continue;
		}
		if (cc == 0)
			starter = k;
		last = cc;
		cp[k++] = cp[i];
	}
	return k;
}

/*
 * 1 if a component (valid UTF-8, at most QASID_NAME_MAX bytes) is in NFC.
 * Tar readers built on libarchive (bsdtar) compose names as they extract,
 * and GNU tar does not: only for NFC names do both make the name the
 * manifest holds.
 */
int
qu_is_nfc(const char *name, size_t len)
{
	const unsigned char *s = (const unsigned char *)name;
	uint32_t raw[QASID_NAME_MAX], nfd[SEG_MAX], c;
	size_t i, used, nraw = 0, n = 0;

	for (i = 0; i < len && s[i] < 0x80; i++)
		;
	if (i == len)
		return 1;
	for (i = 0; i < len; i += used) {
		if ((used = qu_decode(s + i, len - i, &c)) == 0)
			return 0;
		raw[nraw++] = c;
		n += qu_decompose(c, nfd + n);
	}
	qu_canonical_order(nfd, n);
	n = compose(nfd, n);
	return n == nraw && memcmp(raw, nfd, n * sizeof(nfd[0])) == 0;
}


const char *
qu_cp_unsafe(uint32_t c)
{
	if (c < 0x20 || (c >= 0x7f && c <= 0x9f))
		return "control character";	/* C0, DEL and C1 (CSI) */
	if ((c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069))
		return "bidirectional control";	/* fakes extensions */
	if (c == 0x200e || c == 0x200f || c == 0x061c)
		return "bidirectional mark";
	if ((c >= 0xfdd0 && c <= 0xfdef) || (c & 0xfffe) == 0xfffe)
		return "noncharacter";
	return NULL;
}

size_t
qu_utf8_next(const char *s, size_t len, uint32_t *cp)
{
	return len == 0 ? 0 : qu_decode((const unsigned char *)s, len, cp);
}
