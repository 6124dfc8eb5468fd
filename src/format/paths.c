/* SPDX-License-Identifier: ISC */
/*
 * paths.c - the names a bundle may carry and the order it stores them in.
 *
 * A bundle is unpacked on whatever the recipient has: FAT or exFAT on a USB
 * stick, NTFS, APFS, HFS+ or ext4.  path_check refuses the names one of them
 * cannot hold, or would strip, rename or display misleadingly; the fold key
 * tells which names one of them would merge into a single file; the order
 * puts such names next to each other so a verifier with bounded memory finds
 * them by comparing neighbours.
 */
#include <stdint.h>
#include <string.h>

#include "paths.h"
#include "unicode.h"

/* Code points of one NFD segment of a QASID_NAME_MAX-byte component. */
#define SEG_MAX (QASID_NAME_MAX * QU_NFD_PER_BYTE)

_Static_assert(SEG_MAX >= QU_DECOMP_MAX, "a segment holds one decomposition");

/* ---- Fold keys ---------------------------------------------------------- */

/*
 * Yields the code points of a component's fold key, one segment (a starter
 * and the combining marks after it) at a time, so that keys of any length
 * are compared without a heap and usually without folding all of them.
 */
struct folder {
	const unsigned char *s;
	size_t len, off;		/* input, and bytes of it folded */
	uint32_t nfd[SEG_MAX];		/* the current segment, decomposed */
	uint32_t key[SEG_MAX * QU_FOLD_MAX]; /* ... then folded */
	size_t n, i;			/* code points in key, handed out */
};

static void
folder_init(struct folder *f, const char *s, size_t len)
{
	f->s = (const unsigned char *)s;
	f->len = len;
	f->off = f->n = f->i = 0;
}

/* Folds the next segment.  The generator checked that a starter folds to
 * something starting with a starter, so segments fold independently. */
static void
folder_refill(struct folder *f)
{
	const unsigned char *s = f->s;
	uint32_t d[QU_DECOMP_MAX], t[3], c;
	size_t n = 0, m = 0, dn, used, k, tn, j;

	while (f->off < f->len) {
		if ((used = qu_decode(s + f->off, f->len - f->off, &c)) == 0) {
			c = 0xdc00 | s[f->off];		/* see paths.h */
			used = 1;
		}
		dn = qu_decompose(c, d);
		if (n > 0 && (qu_ccc(d[0]) == 0 || n + dn > SEG_MAX))
			break;
		memcpy(f->nfd + n, d, dn * sizeof(d[0]));
		n += dn;
		f->off += used;
	}
	qu_canonical_order(f->nfd, n);
	/* Folding can turn a mark into a starter (U+0345), hence a second
	 * decomposition and ordering. */
	for (k = 0; k < n; k++) {
		if (qu_kept_ignorable(f->nfd[k]))
			continue;
		tn = qu_fold_full(f->nfd[k], t);
		for (j = 0; j < tn; j++)
			m += qu_decompose(t[j], f->key + m);
	}
	qu_canonical_order(f->key, m);
	f->n = m;
	f->i = 0;
}

/* Inline: sorting entries calls it for every character compared. */
static inline int
folder_next(struct folder *f, uint32_t *cp)
{
	/* A segment of dropped characters folds to nothing: refill again. */
	while (f->i == f->n) {
		if (f->off == f->len)
			return 0;
		/* Nothing reorders across an ASCII character: fold it alone,
		 * fast, and let the marks after it start the next segment. */
		if (f->s[f->off] < 0x80) {
			*cp = qu_casefold_ascii(f->s[f->off++]);
			return 1;
		}
		folder_refill(f);
	}
	*cp = f->key[f->i++];
	return 1;
}

size_t
qpath_fold(const char *comp, size_t len, char *out, size_t cap)
{
	struct folder f;
	unsigned char b[4];
	size_t total = 0, written = 0, n;
	uint32_t c;

	folder_init(&f, comp, len);
	while (folder_next(&f, &c)) {
		n = qu_encode(c, b);
		/* total only grows: after one misfit, nothing fits */
		if (total + n < cap) {
			memcpy(out + total, b, n);
			written = total + n;
		}
		total += n;
	}
	if (cap > 0)
		out[written] = '\0';
	return total;
}

/* Compares fold keys as memcmp would compare their UTF-8, which orders by
 * code point, shorter key first on a tie. */
static int
fold_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	struct folder fa, fb;
	uint32_t ca = 0, cb = 0;
	int ha, hb;

	folder_init(&fa, a, alen);
	folder_init(&fb, b, blen);
	for (;;) {
		ha = folder_next(&fa, &ca);
		hb = folder_next(&fb, &cb);
		if (!ha || !hb)
			return ha - hb;
		if (ca != cb)
			return ca < cb ? -1 : 1;
	}
}

/* ---- Ordering and collisions ------------------------------------------- */

/* Splits the next component off path[*off, len); 0 when none is left. */
static int
next_comp(const char *path, size_t len, size_t *off, const char **comp,
    size_t *clen)
{
	const char *slash;

	if (*off >= len)
		return 0;
	*comp = path + *off;
	slash = memchr(*comp, '/', len - *off);
	*clen = slash != NULL ? (size_t)(slash - *comp) : len - *off;
	*off += *clen + 1;
	return 1;
}

static int
raw_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int r = memcmp(a, b, alen < blen ? alen : blen);

	if (r != 0)
		return r < 0 ? -1 : 1;
	return (alen > blen) - (alen < blen);
}

int
qpath_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t aoff = 0, boff = 0, an = 0, bn = 0;
	const char *ac = NULL, *bc = NULL;
	int ha, hb, r;

	for (;;) {
		ha = next_comp(a, alen, &aoff, &ac, &an);
		hb = next_comp(b, blen, &boff, &bc, &bn);
		if (!ha || !hb)
			return ha - hb;
		if (an == bn && memcmp(ac, bc, an) == 0)
			continue;
		if ((r = fold_cmp(ac, an, bc, bn)) != 0)
			return r;
		return raw_cmp(ac, an, bc, bn);
	}
}

/* ---- Reasons ------------------------------------------------------------ */

/* A reason being built into a caller's buffer. */
struct msg {
	char *buf;
	size_t cap, len;
	int full;		/* something was cut: append nothing more */
};

static void
msg_init(struct msg *m, char *buf, size_t cap)
{
	m->buf = buf;
	m->cap = cap;
	m->len = 0;
	m->full = 0;
	if (cap > 0)
		buf[0] = '\0';
}

/* Appends valid UTF-8, cutting only between code points. */
static void
msg_put(struct msg *m, const char *s, size_t n)
{
	size_t i = 0, k;
	unsigned char c;

	while (i < n && !m->full) {
		c = (unsigned char)s[i];
		k = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
		if (k > n - i || m->len + k >= m->cap) {
			m->full = 1;
			break;
		}
		memcpy(m->buf + m->len, s + i, k);
		m->len += k;
		i += k;
	}
	if (m->cap > 0)
		m->buf[m->len] = '\0';
}

static void
msg_str(struct msg *m, const char *s)
{
	msg_put(m, s, strlen(s));
}

static void
msg_num(struct msg *m, size_t v, unsigned base, size_t mindigits)
{
	char d[24];
	size_t n = sizeof(d);

	do {
		d[--n] = "0123456789ABCDEF"[v % base];
		v /= base;
	} while ((v > 0 || sizeof(d) - n < mindigits) && n > 0);
	msg_put(m, d + n, sizeof(d) - n);
}

static void
msg_name(struct msg *m, const char *pre, const char *name, size_t n,
    const char *post)
{
	msg_str(m, pre);
	msg_str(m, "\"");
	msg_put(m, name, n);
	msg_str(m, "\"");
	msg_str(m, post);
}

int
qpath_collide(const char *a, size_t alen, const char *b, size_t blen,
    char *why, size_t whylen)
{
	size_t aoff = 0, boff = 0, an = 0, bn = 0;
	const char *ac = NULL, *bc = NULL;
	struct msg m;

	msg_init(&m, why, whylen);
	while (next_comp(a, alen, &aoff, &ac, &an) &&
	    next_comp(b, blen, &boff, &bc, &bn)) {
		if (an == bn && memcmp(ac, bc, an) == 0)
			continue;
		if (fold_cmp(ac, an, bc, bn) != 0)
			return 0;
		msg_name(&m, "", ac, an, " and ");
		msg_name(&m, "", bc, bn,
		    " are the same name on some file systems");
		return 1;
	}
	return 0;
}

/* ---- Path rules --------------------------------------------------------- */

/* Refuses code points some file system, or some person reading the name,
 * would get wrong. */
static int
char_refused(uint32_t c, size_t off, struct msg *m)
{
	const char *what;
	char ch[2];

	if (c == '\\') {
		msg_str(m,
		    "character '\\' is not allowed (a separator on Windows)");
		return 1;
	} else if (c < 0x80 && c >= 0x20 &&
	    strchr("<>:\"|?*", (int)c) != NULL) {
		ch[0] = (char)c;
		ch[1] = '\0';
		msg_str(m, "character '");
		msg_str(m, ch);
		msg_str(m, "' is not allowed on FAT/exFAT");
		return 1;
	}
	/* Bidirectional marks may stay: see qu_kept_ignorable. */
	what = qu_cp_unsafe(c);
	if (what == NULL && qu_refused_ignorable(c))
		what = "invisible (default-ignorable) character";
	if (what == NULL || c == 0x200e || c == 0x200f || c == 0x061c)
		return 0;
	msg_str(m, what);
	msg_str(m, " U+");
	msg_num(m, c, 16, 4);
	msg_str(m, " at byte ");
	msg_num(m, off, 10, 1);
	msg_str(m, " is not allowed");
	return 1;
}

/* Checks every character first, so that later reasons can quote names. */
static int
check_chars(const char *path, size_t len, struct msg *m)
{
	const unsigned char *s = (const unsigned char *)path;
	size_t off, n;
	uint32_t c;

	for (off = 0; off < len; off += n) {
		if ((n = qu_decode(s + off, len - off, &c)) == 0) {
			msg_str(m, "invalid UTF-8 at byte ");
			msg_num(m, off, 10, 1);
			return -1;
		}
		if (char_refused(c, off, m))
			return -1;
	}
	return 0;
}

static int
ascii_eq_nocase(const char *s, const char *lower, size_t n)
{
	size_t i;
	char c;

	for (i = 0; i < n; i++) {
		c = s[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != lower[i])
			return 0;
	}
	return 1;
}

/* Windows opens a device instead of a file for these base names, whatever
 * follows the first '.', and ignores spaces before that '.'. */
static int
win_reserved(const char *name, size_t n)
{
	static const char dev[][4] = {
		"con", "prn", "aux", "nul", "com", "lpt"
	};
	const char *dot = memchr(name, '.', n);
	const unsigned char *t = (const unsigned char *)name + 3;
	size_t base = dot != NULL ? (size_t)(dot - name) : n, i;

	while (base > 0 && name[base - 1] == ' ')
		base--;
	for (i = 0; i < sizeof(dev) / sizeof(dev[0]); i++) {
		if (base < 3 || !ascii_eq_nocase(name, dev[i], 3))
			continue;
		if (i < 4)
			return base == 3;
		/* COM and LPT take a digit, or a superscript 1, 2 or 3. */
		return (base == 4 && t[0] >= '0' && t[0] <= '9') ||
		    (base == 5 && t[0] == 0xc2 &&
		    (t[1] == 0xb9 || t[1] == 0xb2 || t[1] == 0xb3));
	}
	return 0;
}

const char *
qpath_key_name(const char *path, size_t len)
{
	size_t k = sizeof(QPATH_KEYS) - 1;

	if (len <= k || len > k + 64 || memcmp(path, QPATH_KEYS, k) != 0 ||
	    path[k] == '.' || path[len - 1] == '.')
		return NULL;
	for (size_t i = k; i < len; i++) {
		unsigned char c = (unsigned char)path[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		    c == '-'))
			return NULL;
	}
	return path + k;
}

/* The first component ".qasid", however spelt, holds bundle metadata. */
static int
is_meta(const char *name, size_t n)
{
	char key[8];

	/* ".qasid" and every name starting so: the metadata folder, and the
	 * staging folders and markers unpack keeps in a destination. */
	return qpath_fold(name, n, key, sizeof(key)) >= 6 &&
	    memcmp(key, ".qasid", 6) == 0;
}

static int
check_comp(const char *name, size_t n, size_t off, int first, struct msg *m)
{
	if (n > QASID_NAME_MAX) {
		msg_str(m, "component at byte ");
		msg_num(m, off, 10, 1);
		msg_str(m, " is longer than ");
		msg_num(m, QASID_NAME_MAX, 10, 1);
		msg_str(m, " bytes");
	} else if (n <= 2 && memcmp(name, "..", n) == 0)
		msg_name(m, "component ", name, n, " is not allowed");
	else if (name[n - 1] == '.')
		msg_name(m, "name ", name, n,
		    " ends with '.', which Windows strips");
	else if (name[n - 1] == ' ')
		msg_name(m, "name ", name, n,
		    " ends with a space, which Windows strips");
	else if (win_reserved(name, n))
		msg_name(m, "name ", name, n, " is reserved on Windows");
	else if (first && is_meta(name, n))
		msg_name(m, "name ", name, n,
		    " is reserved for qasid's own use (names starting "
		    "\".qasid\")");
	else if (!qu_is_nfc(name, n))
		msg_name(m, "name ", name, n, " is not in Unicode NFC "
		    "(composed) form, which tar readers disagree on: rename "
		    "it in composed form");
	else
		return 0;
	return -1;
}

static int
check_comps(const char *path, size_t len, struct msg *m)
{
	size_t off = 0, depth = 0, n;
	const char *slash;

	for (;;) {
		slash = memchr(path + off, '/', len - off);
		n = slash != NULL ? (size_t)(slash - (path + off)) : len - off;
		if (n == 0) {
			msg_str(m, off == len ? "trailing '/' is not allowed" :
			    "empty component (\"//\") is not allowed");
			return -1;
		}
		if (++depth > QASID_DEPTH_MAX) {
			msg_str(m, "path has more than ");
			msg_num(m, QASID_DEPTH_MAX, 10, 1);
			msg_str(m, " components");
			return -1;
		}
		if (check_comp(path + off, n, off, depth == 1, m) != 0)
			return -1;
		if (slash == NULL)
			return 0;
		off += n + 1;
	}
}

int
qpath_check(const char *path, size_t len, char *why, size_t whylen)
{
	struct msg m;

	msg_init(&m, why, whylen);
	if (len == 0)
		msg_str(&m, "path is empty");
	else if (len > QASID_PATH_MAX) {
		msg_str(&m, "path is longer than ");
		msg_num(&m, QASID_PATH_MAX, 10, 1);
		msg_str(&m, " bytes");
	} else if (path[0] == '/')
		msg_str(&m, "absolute path is not allowed");
	else if (check_chars(path, len, &m) == 0 &&
	    check_comps(path, len, &m) == 0)
		return 0;
	return -1;
}
