/* SPDX-License-Identifier: ISC */
/*
 * manifest.h - the signed manifest: its text form, and reading it back from
 * a spool with bounded memory (manifest.c).
 */
#ifndef QASID_MANIFEST_H
#define QASID_MANIFEST_H

#include "internal.h"

struct qmf_header {
	char title[QF_TITLE_MAX + 1];
	char series[QF_SERIES_MAX + 1];
	uint64_t sequence;
	int64_t created;
	unsigned char keyid[QK_KEYID];
	uint64_t files, dirs, bytes, members;
};

struct qmf_entry {
	char path[4096];
	size_t pathlen;
	int is_dir;
	unsigned mode;
	uint64_t size;
	unsigned char hash[QF_FILE_HASH];
};

struct qmf_member {
	uint64_t clen, ulen;
	unsigned char hash[QF_MEMBER_HASH];
};

/* Writing (the packer keeps the whole text in memory). */
int qmf_put_header(struct qbuf *b, const struct qmf_header *h);
int qmf_put_entry(struct qbuf *b, const struct qmf_entry *e);
int qmf_put_member(struct qbuf *b, const struct qmf_member *m);
int qmf_put_end(struct qbuf *b);

/* Validation shared by the packer and the reader. */
int qmf_valid_title(const char *t);
int qmf_valid_series(const char *s);

/*
 * A spool holds the manifest as it is read: in memory while small, in an
 * anonymous temporary file beyond that, so memory stays bounded.
 */
struct qspool {
	struct qbuf mem;
	FILE *file;
	uint64_t len;
	const char *tmpdir;    /* where the file goes; NULL is /tmp */
};

int qspool_write(struct qspool *s, const void *p, size_t n);
/* Reads up to n bytes at off; returns the count, 0 at the end, -1/errno. */
ptrdiff_t qspool_read(const struct qspool *s, uint64_t off, void *buf,
    size_t n);
void qspool_free(struct qspool *s);

/* A line cursor over a spool; several may read one spool at once. */
struct qmf_cursor {
	const struct qspool *s;
	uint64_t off;      /* spool offset of buf[0] */
	char buf[8192];
	size_t pos, len;
	uint64_t lineno;
	struct qerr *err;
};

void qmf_cursor_init(struct qmf_cursor *c, const struct qspool *s,
    struct qerr *err);
/* Where a cursor stands, so that others start there: the reader parses a
 * manifest's header once, and every later pass starts at the entries. */
struct qmf_mark {
	uint64_t off, lineno;
};
void qmf_mark(const struct qmf_cursor *c, struct qmf_mark *m);
void qmf_cursor_at(struct qmf_cursor *c, const struct qspool *s,
    struct qerr *err, const struct qmf_mark *m);
/* Parses the header lines; leaves c at the first entry. */
int qmf_get_header(struct qmf_cursor *c, struct qmf_header *h);
/* Reads the next entry line; returns 1 for an entry, 0 at the first member
 * line (not consumed), or a qasid_err. */
int qmf_get_entry(struct qmf_cursor *c, struct qmf_entry *e);
/* Moves c past every entry line to the first member line. */
int qmf_skip_entries(struct qmf_cursor *c);
/* Reads the next member line: 1 for a member, 0 at "end" (which must be the
 * last line), or a qasid_err. */
int qmf_get_member(struct qmf_cursor *c, struct qmf_member *m);

#endif
