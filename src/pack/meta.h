/* SPDX-License-Identifier: ISC */
/*
 * meta.h - what the metadata modules share: finding a file's identifying
 * metadata (meta.c, meta_exif.c, meta_bmff.c) and packing a copy without
 * it (scrub.c).
 */
#ifndef QASID_META_H
#define QASID_META_H

#include "internal.h"

#define QMETA_TEXT 1024   /* room for what one file reveals */
#define QMETA_CUTS 64     /* pieces a scrub may remove from one file */
#define QMETA_BLOB 65536  /* most bytes of one metadata piece read */

/* How a scrub treats one byte range of the original. */
enum qcut_how {
	QCUT_DROP = 1,   /* left out of the copy */
	QCUT_EXIF,       /* left out; a minimal EXIF with the orientation
	                  * (if any) takes its place */
	QCUT_FREE,       /* an ISO-BMFF box: becomes a zeroed 'free' box of
	                  * the same size, so no offset moves */
	QCUT_BLANK       /* overwritten with fill bytes, same length */
};

struct qcut {
	uint64_t off, len;
	int how;
	unsigned char fill;  /* QCUT_BLANK */
	unsigned char hdr;   /* QCUT_FREE: the box header's length */
};

/* What one file reveals and how a scrub would remove it. */
struct qmeta {
	const char *type;           /* "JPEG", "PNG", ...; NULL: not known */
	char reveals[QMETA_TEXT];   /* a place, a device or a person */
	char other[QMETA_TEXT];     /* other metadata a scrub also removes */
	char removes[256];          /* the pieces a scrub removes */
	const char *noscrub;        /* why it cannot be scrubbed, or NULL */
	int orientation;            /* EXIF orientation to keep, 0 if none */
	struct qcut cut[QMETA_CUTS];
	size_t ncut;
};

/* A file being examined: reads stay inside [0, size). */
struct qsrc {
	int fd;
	uint64_t size;
};

/* Reads exactly n bytes at off; 0, or -1 if they are not all there. */
int qsrc_at(const struct qsrc *s, uint64_t off, void *buf, size_t n);
/* Reads up to n bytes at off (fewer at the end); the count. */
size_t qsrc_some(const struct qsrc *s, uint64_t off, void *buf, size_t n);

/* Examines the open file; never fails on malformed content (what cannot be
 * parsed reveals nothing more). 0, or -1/errno if reading failed. */
int qmeta_scan(const struct qsrc *s, struct qmeta *m);

/* Notes a finding: identifying ones go to reveals, the rest to other. */
void qmeta_note(struct qmeta *m, int identifying, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Records a byte range a scrub removes, and names it in removes. */
void qmeta_cut(struct qmeta *m, uint64_t off, uint64_t len, int how,
    const char *what);
/* Copies at most n bytes of s into out as printable ASCII ('?' for the
 * rest), stopping at NUL; out has room for outsz. */
void qmeta_clean(char *out, size_t outsz, const void *s, size_t n);

/* Parsers of metadata already in memory (at most QMETA_BLOB bytes). */
void qmeta_exif(struct qmeta *m, const unsigned char *p, size_t n);
void qmeta_xmp(struct qmeta *m, const char *p, size_t n);
void qmeta_iptc(struct qmeta *m, const unsigned char *p, size_t n);
/* "+34.0800+074.7900/" (ISO 6709) somewhere in p: "GPS 34.08 N 74.79 E". */
int qmeta_iso6709(const char *p, size_t n, char *out, size_t outsz);

/* Container walkers; each returns 1 if the file is of its type. buf has
 * room for QMETA_BLOB bytes. */
int qmeta_bmff(const struct qsrc *s, struct qmeta *m, unsigned char *buf);
int qmeta_pdf(const struct qsrc *s, struct qmeta *m, unsigned char *buf);

/* Writes the scrubbed copy of s to out, following m->cut (sorted, not
 * overlapping). 0 or -1/errno. */
int qscrub_write(const struct qsrc *s, const struct qmeta *m, int out);
/* The same, then examines the copy again: 0 if it reveals nothing, 1 if
 * it still does (again says what: pieces that overlapped in a way the
 * walk could not see), -1/errno. */
int qscrub_checked(const struct qsrc *s, const struct qmeta *m, int out,
    struct qmeta *again);

#endif
