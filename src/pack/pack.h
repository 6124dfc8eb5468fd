/* SPDX-License-Identifier: ISC */
/*
 * pack.h - what pack.c and body.c share.
 */
#ifndef QASID_PACK_H
#define QASID_PACK_H

#include "internal.h"

/* One file or folder to pack. */
struct pentry {
	char *rel;         /* path inside the bundle */
	char *src;         /* path to read it from */
	int is_dir;
	int is_key;        /* a statement carried under .qasid/keys/ */
	unsigned mode;
	uint64_t size;
	unsigned char hash[QF_FILE_HASH]; /* filled in by qpack_body */
	int fd;            /* a scrubbed copy to read instead of src, or -1 */
	int meta_action;   /* QASID_META_*, as the metadata check decided */
};

struct qmember_rec {
	uint64_t clen, ulen;
	unsigned char hash[QF_MEMBER_HASH];
};

/* The compressed tar stream of all entries, in an unlinked temporary file
 * beside the output. */
struct qpack_body {
	/* in */
	struct qerr *err;
	unsigned threads;
	qasid_progress_fn progress;
	void *progress_ud;
	uint64_t total;
	int64_t created;
	/* out */
	int fd;
	char *where;  /* the temporary file's folder, for messages */
	uint64_t len;
	struct qmember_rec *m;
	size_t nm, capm;
};

/* Reads, hashes and compresses every entry (in order) into b->fd, an
 * unlinked file in tmpdir, or beside out when tmpdir is NULL. */
int qpack_body(struct qpack_body *b, const char *tmpdir, const char *out,
    struct pentry *e, size_t n);
void qpack_body_free(struct qpack_body *b);

/* The metadata pass (meta_pack.c): examines each file, reporting through
 * fn and setting meta_action; QASID_ERR_METADATA if one is refused. */
int qmeta_check(struct qerr *err, struct pentry *e, size_t n, int policy,
    qasid_meta_fn fn, void *ud);
/* Makes the scrubbed copy of each file to scrub, an unlinked file in tmpdir
 * or beside out, and sets its fd and size, adjusting *total. */
int qmeta_apply(struct qerr *err, struct pentry *e, size_t n,
    const char *tmpdir, const char *out, uint64_t *total);

#endif
