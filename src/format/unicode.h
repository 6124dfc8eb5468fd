/* SPDX-License-Identifier: ISC */
/*
 * unicode.h - the Unicode operations paths.c builds names on (unicode.c).
 * Code points are uint32_t; strings are UTF-8 byte runs with a length.
 */
#ifndef QASID_UNICODE_H
#define QASID_UNICODE_H

#include <stddef.h>
#include <stdint.h>

#define QU_DECOMP_MAX 4     /* code points of one full decomposition */
#define QU_FOLD_MAX 3       /* ... of one full case folding, decomposed */
#define QU_NFD_PER_BYTE 2   /* NFD code points per UTF-8 byte, at most */

/* Decodes the strictly valid UTF-8 sequence s starts with (len >= 1);
 * returns its length, or 0 if s does not start with one. */
size_t qu_decode(const unsigned char *s, size_t len, uint32_t *cp);
/* Writes c as UTF-8 into b[4]; returns the length. */
size_t qu_encode(uint32_t c, unsigned char *b);

/* Canonical combining class. */
unsigned qu_ccc(uint32_t c);
/* Full canonical decomposition of c into d[QU_DECOMP_MAX] (c itself if it
 * has none); returns its length. */
size_t qu_decompose(uint32_t c, uint32_t *d);
/* Stable-sorts each run of non-starters by combining class. */
void qu_canonical_order(uint32_t *cp, size_t n);
/* Simple (C, S) and full (C, F) case folding; qu_fold_full writes at most
 * 3 code points and returns how many. */
uint32_t qu_casefold(uint32_t c);
size_t qu_fold_full(uint32_t c, uint32_t out[3]);
/* qu_casefold's ASCII part, inline: names are mostly ASCII, and comparing them while
 * sorting a bundle's entries folds every character. */
static inline uint32_t
qu_casefold_ascii(uint32_t c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* Default-ignorable code points names may hold (joiners, bidirectional
 * marks, variation selectors), and the others, which they may not. */
int qu_kept_ignorable(uint32_t c);
int qu_refused_ignorable(uint32_t c);

/* 1 if a component of at most QASID_NAME_MAX bytes of valid UTF-8 is in
 * NFC. */
int qu_is_nfc(const char *s, size_t len);

#endif
