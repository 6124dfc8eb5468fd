/* SPDX-License-Identifier: ISC */
/*
 * paths.h - which relative paths a bundle may carry, and the order it stores
 * them in, so that unpacking onto FAT, exFAT, NTFS, APFS or HFS+ can neither
 * refuse a name, silently rename it, nor merge two files into one.
 *
 * Internal to libqasid; not part of include/qasid.h.
 */
#ifndef QASID_PATHS_H
#define QASID_PATHS_H

#include <stddef.h>
#include <stdint.h>

#define QASID_PATH_MAX 4095        /* bytes in a whole relative path */
#define QASID_NAME_MAX 255         /* bytes in one component */
#define QASID_DEPTH_MAX 64         /* components in one path */

/* Checks that `path` (len bytes, not necessarily NUL-terminated) is a name
 * every recipient's file system can hold safely. Returns 0 if safe; otherwise
 * returns -1 and writes a short lowercase human reason (no trailing period,
 * e.g. "component \"..\" is not allowed", "name \"CON\" is reserved on Windows",
 * "character ':' is not allowed on FAT/exFAT", "invalid UTF-8 at byte 7")
 * into why[whylen] (always NUL-terminated, truncated if needed). */
/* 1 if s[0..len) is strictly valid UTF-8 (no overlongs, surrogates, values
 * past U+10FFFF or truncated sequences), else 0. */
int qu_utf8_valid(const char *s, size_t len);

/* Decodes the strictly valid UTF-8 sequence s starts with into *cp and
 * returns its length; 0 if s does not start with one (or len is 0). */
size_t qu_utf8_next(const char *s, size_t len, uint32_t *cp);

/*
 * Why code point c must not reach a terminal as it is ("control character",
 * "bidirectional control", "bidirectional mark", "noncharacter"), or NULL.
 * Paths and titles refuse these; the tool prints them escaped.
 */
const char *qu_cp_unsafe(uint32_t c);

/*
 * Byte offsets in reasons count from 0.  A reason quotes a name only after
 * the whole path has passed the character checks, so it never carries
 * control or bidirectional characters to a terminal; truncation keeps whole
 * UTF-8 sequences.  On success why is set to "" (when whylen > 0).
 */
int qpath_check(const char *path, size_t len, char *why, size_t whylen);

/* The statements a format-2 bundle carries (docs/FORMAT.md 17.3), files
 * named ".qasid/keys/" and a name of 1-64 letters, digits, '.', '_' or
 * '-' that does not start with '.': at most QPATH_KEYS_FILES of them, of
 * QPATH_KEYS_BYTES in all. qpath_key_name gives the name, or NULL when
 * path is not such a file. */
#define QPATH_KEYS ".qasid/keys/"
#define QPATH_KEYS_FILES 64
#define QPATH_KEYS_BYTES 65536
const char *qpath_key_name(const char *path, size_t len);

/* Writes the collision key of ONE path component (no '/') into out[cap]:
 * two components that name the same file on a case-insensitive or
 * normalisation-insensitive file system (FAT, exFAT, NTFS, APFS, HFS+) get the
 * same key. Key = NFD(casefold(NFD(s))) using full canonical decomposition
 * with canonical ordering of combining marks, and Unicode simple+common case
 * folding (CaseFolding.txt statuses C and S). Input must already have passed
 * qpath_check (valid UTF-8). Returns the key length in bytes (which may
 * exceed cap: then out holds a truncated prefix and the caller retries with a
 * larger buffer); out is NUL-terminated when cap > 0. The key for a 255-byte
 * component never exceeds 4 * 255 * 3 bytes. */
/*
 * The key is UTF-8, so comparing keys with memcmp orders them by code point.
 * A truncated out ends on a whole code point.  Uses no heap and a few KB of
 * stack for any len.  Bytes that are not valid UTF-8 (a broken precondition)
 * stand for U+DC80..U+DCFF, so distinct inputs still get distinct keys; a run
 * of combining marks too long for any QASID_NAME_MAX-byte component is
 * ordered in pieces (still deterministic, no longer canonical).
 */
size_t qpath_fold(const char *comp, size_t len, char *out, size_t cap);

/* Orders two safe paths the way bundles store them: component by component;
 * at each component first by the bytes of the fold key, then by the raw bytes;
 * a path sorts before every path it is a proper prefix of (by components).
 * Returns <0, 0, >0 like strcmp. Uses no heap for components up to
 * QASID_NAME_MAX bytes. */
/*
 * Consequence a verifier relies on: all paths whose first components fold
 * equal are contiguous, sorted by raw first component, and so on down, so any
 * two colliding paths of a sorted list have a colliding pair of neighbours
 * between them.  Uses no heap at all, for any length.
 */
int qpath_cmp(const char *a, size_t alen, const char *b, size_t blen);

/* Reports whether two safe paths, adjacent in qpath_cmp order, would
 * collide on a case- or normalisation-insensitive file system: walking their
 * components in step, some component has equal fold keys but different raw
 * bytes before any component whose fold keys differ. Returns 1 on collision
 * and writes the two colliding component spellings into why (e.g.
 * "\"README\" and \"readme\" are the same name on some file systems"), else 0. */
/*
 * Not reported here, as they are no case collision: identical paths
 * (qpath_cmp returns 0) and a file that is also a directory ("a" and
 * "a/b"; "a" sorts right before the first path under it).  On 0, why is set
 * to "" (when whylen > 0).
 */
int qpath_collide(const char *a, size_t alen, const char *b, size_t blen,
                        char *why, size_t whylen);

#endif
