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
	uint64_t off;      /* a piece (volume.c): where it starts in src */
	const char *whole; /* a piece: the path of the file it is part of */
};

struct qasid_packer {
	struct qerr err;
	const qasid_seckey *sk;
	char title[QF_TITLE_MAX + 1];
	char series[QF_SERIES_MAX + 1];
	uint64_t sequence;
	int64_t created;
	unsigned threads;
	qasid_progress_fn progress;
	void *progress_ud;
	const char *tmpdir;
	struct pentry *e;
	size_t n, cap;
	uint64_t total;
	int failed;            /* a failed add: sticky, see qasid.h */
	int meta_policy, meta_checked;
	unsigned format;       /* the version written, 1 or 2 */
	int out_fd;            /* the bundle being written, and how far */
	struct qbehind behind; /* its bytes are on the medium (flush.c) */
	int has_next_key;      /* format 2: the successor's commitment */
	unsigned char next_key[QF_KEYHASH];
	int has_expires;       /* format 2: FORMAT.md 17.2 */
	int64_t expires;
	int has_previous;      /* format 2: the bundle this one follows */
	uint64_t prev_sequence;
	unsigned char prev_head[QF_MEMBER_HASH];
	uint64_t volume_size;  /* 0, or the most bytes a volume may take */
	uint64_t volumes;      /* what the last write made (volume.c) */
	uint64_t fat_limit;    /* the largest file FAT32 takes; 0: 4 GiB - 1 */
	uint64_t volume_auto;  /* the output's medium asked for volumes */
};

/* A volume's own header fields (FORMAT.md 17.4). */
struct qvol_head {
	unsigned char setid[QF_MEMBER_HASH];
	uint64_t part, count;
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

/* Starts a call on p: its failure if an add failed, else QASID_OK with
 * its error cleared (pack.c). */
int qpack_begin(qasid_packer *p);
/* Sorts p's entries into bundle order, refusing collisions; drops the
 * statements a format-1 bundle cannot carry (collect.c). */
int qpack_sort(qasid_packer *p);
void qpack_drop_keys(qasid_packer *p);
/* Packs entries e (in bundle order) into one bundle at out; v says which
 * volume it is, or is NULL (pack.c). */
int qpack_entries(qasid_packer *p, struct pentry *e, size_t n,
    const struct qvol_head *v, const char *out, int overwrite);
/* Writes the set of volumes of p's sorted entries, NAME.partK.qasid for
 * out NAME.qasid, each at most p->volume_size bytes (volume.c). */
int qvol_write(qasid_packer *p, const char *out, int overwrite);
/* The most bytes one bundle of p's entries can take (volume.c). */
uint64_t qvol_bundle_max(const qasid_packer *p);
/* The volume size the medium under out asks for when p has none: the
 * largest file it holds, if the bundle could be larger; else 0. */
uint64_t qvol_auto_size(const qasid_packer *p, const char *out);
/* Sets p->volume_auto for out; QASID_ERR_ARG if format 1 would need it. */
int qvol_auto(qasid_packer *p, const char *out);

#endif
