/* SPDX-License-Identifier: ISC */
/*
 * manifest.h - the signed manifest: its text form, and reading it back from
 * a spool with bounded memory (manifest.c).
 */
#ifndef QASID_MANIFEST_H
#define QASID_MANIFEST_H

#include "internal.h"

/* The header lines. Fields marked 2 exist in format 2 only (FORMAT.md
 * 17.1); a format-1 header has them all "none" and pieces 0. */
struct qmf_header {
	unsigned format;                 /* 1 or 2: the version written/read */
	char title[QF_TITLE_MAX + 1];
	char series[QF_SERIES_MAX + 1];
	uint64_t sequence;
	int64_t created;
	unsigned char keyid[QK_KEYID];
	int has_next_key;                /* 2: next-key, else none */
	unsigned char next_key[QF_KEYHASH];
	int has_previous;                /* 2: previous SEQUENCE HEADHASH */
	uint64_t prev_sequence;
	unsigned char prev_head[QF_MEMBER_HASH];
	int has_expires;                 /* 2: expires N */
	int64_t expires;
	int has_volume;                  /* 2: volume SETID PART COUNT */
	unsigned char setid[QF_MEMBER_HASH];
	uint64_t part, count;
	uint64_t files, dirs, bytes;
	uint64_t pieces;                 /* 2: count of piece lines */
	uint64_t members;
};

/* A dir, file or (format 2, volumes only) piece line. A piece is
 * LENGTH bytes (size) at offset of the file path; hash is the piece's. */
struct qmf_entry {
	char path[4096];
	size_t pathlen;
	int is_dir;
	int is_piece;
	int is_key;        /* a statement carried under .qasid/keys/ */
	unsigned mode;
	uint64_t size;
	uint64_t offset;
	unsigned char hash[QF_FILE_HASH];
};

struct qmf_member {
	uint64_t clen, ulen;
	unsigned char hash[QF_MEMBER_HASH];
};

/* Writing (the packer keeps the whole text in memory). h->format says which
 * version to write: 1 or 2; QASID_ERR_ARG for another, or for format-2
 * fields asked of format 1. */
int qmf_put_header(struct qbuf *b, const struct qmf_header *h);
int qmf_put_entry(struct qbuf *b, const struct qmf_entry *e);
int qmf_put_member(struct qbuf *b, const struct qmf_member *m);
int qmf_put_end(struct qbuf *b);

/* Volumes (FORMAT.md 17.4): the tar name of the piece of path at offset,
 * ".qasid/pieces/P-OFFSET", into out; and whether a manifest path is one
 * of the three a volume's own metadata takes (.qasid, .qasid/pieces and
 * .qasid/set), which only a volume's manifest may list. */
#define QF_PIECE_NAME 68
#define QF_SET_NAME ".qasid/set"
void qmf_piece_name(const char *path, size_t len, uint64_t offset,
    char out[QF_PIECE_NAME]);
int qmf_volume_meta(const char *path, size_t len);

/* The signature's trusted comment for a format and a head hash, into
 * out[QF_TRUSTED_LEN + 1]. */
void qmf_trusted(unsigned format, const unsigned char head[QF_MEMBER_HASH],
    char out[QF_TRUSTED_LEN + 1]);

/* Validation shared by the packer and the reader. */
int qmf_valid_title(const char *t);
int qmf_valid_series(const char *s);

/*
 * A spool holds the manifest as it is read: in memory while small, in an
 * anonymous temporary file beyond that, so memory stays bounded.
 */
struct qspool {
	struct qbuf mem;
	int on_disk;           /* 1 once it went to a temporary file, fd */
	int fd;
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
	unsigned format;   /* of the header read, which says what entries */
	int volume;        /* may follow: piece lines only in a volume */
	int keys_open;     /* statements may still come (format 2) */
	unsigned nkeys;
	uint64_t keybytes;
	char lastkey[80];
};

void qmf_cursor_init(struct qmf_cursor *c, const struct qspool *s,
    struct qerr *err);
/* Where a cursor stands, so that others start there: the reader parses a
 * manifest's header once, and every later pass starts at the entries. */
struct qmf_mark {
	uint64_t off, lineno;
	unsigned format;
	int volume;
};
void qmf_mark(const struct qmf_cursor *c, struct qmf_mark *m);
void qmf_cursor_at(struct qmf_cursor *c, const struct qspool *s,
    struct qerr *err, const struct qmf_mark *m);
/* Parses the header lines; leaves c at the first entry. */
int qmf_get_header(struct qmf_cursor *c, struct qmf_header *h);
/* Reads the next entry line (piece lines only after a header with a
 * volume); returns 1 for an entry, 0 at the first member
 * line (not consumed), or a qasid_err. */
int qmf_get_entry(struct qmf_cursor *c, struct qmf_entry *e);
/* Moves c past every entry line to the first member line. */
int qmf_skip_entries(struct qmf_cursor *c);
/* Reads the next member line: 1 for a member, 0 at "end" (which must be the
 * last line), or a qasid_err. */
int qmf_get_member(struct qmf_cursor *c, struct qmf_member *m);

#endif
