/* SPDX-License-Identifier: ISC */
/*
 * unpack.h - what unpack.c (staging), publish.c (moving into place) and
 * leftover.c (what killed runs left) share.
 */
#ifndef QASID_UNPACK_H
#define QASID_UNPACK_H

#include "paths.h"
#include "reader.h"

#define STAGE_PREFIX ".qasid-unpack-"
#define COMMIT_MARK ".qasid-committed"
#define RCPT_PREFIX ".qasid-receipt-"
/* What the packer names a bundle packed with no series: never updated. */
#define RCPT_NO_SERIES "default"
#define RCPT_NAME_MAX (sizeof(RCPT_PREFIX) + QASID_KEYID_HEX + QF_SERIES_MAX + 2)

#define UNP_ACT_KEEP 1          /* u->act: the file is kept as it is */

/* Opening paths under a folder, one component at a time (receipt.c). */
struct unp_walk {
	int base, fd;          /* the folder walked from; the last one opened */
	char dir[QASID_PATH_MAX + 1];
	size_t dirlen;
};

/* A receipt being read (receipt.c). */
struct unp_rcpt {
	FILE *f;               /* NULL: DIR has none for this key and series */
	long body;             /* offset of its first entry */
	unsigned long line;
	uint64_t sequence;
	unsigned char mhash[crypto_generichash_BYTES_MAX];
	int64_t ctime_ns;      /* of the receipt: a file changed since is
	                        * hashed, whatever its times say */
	uint64_t ino;
};

/* One entry of a receipt. */
struct unp_rentry {
	char line[QASID_PATH_MAX + 256];
	const char *path;      /* into line */
	size_t pathlen;
	int is_dir;
	unsigned mode;
	uint64_t size, ino;
	int64_t ctime_ns;
	unsigned char hash[QF_FILE_HASH];
};

struct unpack {
	qasid_reader *r;
	const char *dir;
	int dirfd;
	struct qos_stat dirst; /* dir's device and inode */
	int created_dir;       /* dir did not exist before */
	char stage[40];        /* staging folder's name inside dir, or "" */
	int stagefd;
	struct qos_stat stagest;
	int fd;                /* file being written */
	struct qbuf journal;   /* struct jrec: what publishing did, to undo */
	struct qbuf jpaths;    /* their paths, NUL-terminated */
	uint64_t unsynced;     /* bytes written since writeback was started */
	uint64_t fpos;         /* bytes of the file being written, and */
	struct qbehind behind; /* how far they are on the medium (flush.c) */
	unsigned long ticks;   /* entries published, for progress */
	int rename_how;        /* which rename refuses to replace here */
	int pubfrom;           /* the staging folder being published */
	int dirmove;           /* folders may be moved in whole (publish.c) */
	char rel[QASID_PATH_MAX + 2]; /* path being published */
	size_t rellen;
	/* Updating in place (update.c) */
	struct unp_rcpt rcpt;  /* DIR's receipt for this key and series */
	unsigned char *act;    /* per manifest entry: what the plan decided */
	uint64_t nact, ient;   /* entries planned; the entry being streamed */
	int skip;              /* the file being streamed is kept as it is */
	struct qbuf gone;      /* folders the new sequence lacks, NUL-ended */
	int keep_stage;        /* an update failed after its commit: its
	                        * staging folder is for the next run */
	int other_pending;     /* a committed leftover of another bundle */
};

/* "DIR/what: strerror(errnum)" as QASID_ERR_IO (or NOSPACE...). */
int unp_sys(struct unpack *u, int errnum, const char *what);
/* openat of one folder, never through a symbolic link. */
int unp_open_dir(int at, const char *name);
/* flock(fd, LOCK_EX), asking the progress callback whether to go on when
 * a signal interrupts the wait. */
int unp_lock(struct unpack *u, int fd);
/* 1 if uid may own what unpack makes or finishes: the user's, or the
 * destination owner's. */
int unp_ours(const struct unpack *u, uint64_t uid);
/* Asks the progress callback whether to go on. */
int unp_progress(struct unpack *u, uint64_t done);
/* publish.c */

/* Moves a checked staging folder's content into place, or undoes all it
 * did. The caller holds the lock on the destination. */
void unp_probe_dirmove(struct unpack *u);
int unp_publish_locked(struct unpack *u, int stagefd);
/* The same, taking the lock. */
int unp_publish(struct unpack *u, int stagefd);

/* leftover.c */

/* Writes the commit marker that names the bundle into the staging folder. */
int unp_mark(struct unpack *u);
/*
 * Clears what killed runs left, under the destination's lock. A committed
 * leftover of this same bundle whose every entry checks out is published
 * (*finished set: the bundle is unpacked); one of another bundle is left
 * for that bundle's next unpack; anything else of ours is removed.
 */
int unp_recover(struct unpack *u, int *finished);

/* receipt.c */

void unp_walk_init(struct unp_walk *w, int base);
int unp_walk(struct unp_walk *w, const char *path, const char **leaf);
void unp_walk_done(struct unp_walk *w);
void unp_rcpt_name(const qasid_reader *r, char out[RCPT_NAME_MAX]);
/* Opens and checks DIR's receipt for this bundle's key and series, if
 * there is one (else c->f is NULL). */
/* Whether this unpack keeps a receipt (and so may be an update): a
 * bundle of a series, not salvaged, and not a volume of a set. */
int unp_rcpt_kept(const qasid_reader *r);
int unp_rcpt_open(struct unpack *u, struct unp_rcpt *c);
int unp_rcpt_rewind(struct unp_rcpt *c);
/* The next entry: 1, 0 at the end, -1 for a damaged line. */
int unp_rcpt_next(struct unp_rcpt *c, struct unp_rentry *e);
void unp_rcpt_close(struct unp_rcpt *c);
/* Writes the receipt of what DIR holds now, from the staging folder. */
int unp_rcpt_write(struct unpack *u, int stagefd);

/* update.c */

/* With a receipt: checks every file the update would touch, telling the
 * caller's callback of each the recipient changed, and decides which are
 * kept. QASID_ERR_LOCAL if any changed, unless they are to be kept aside. */
int unp_plan(struct unpack *u);
/* Makes the staged tree DIR's content: publishes it, updates in place,
 * and writes the receipt. The caller holds the lock on DIR. */
int unp_finish_locked(struct unpack *u, int stagefd);
/* Hashes the open file fd: 0 if it holds exactly size bytes hashing to
 * hash, 1 if not, or an error. */
int unp_hash_check(struct unpack *u, int fd, uint64_t size,
    const unsigned char *hash, uint64_t *done);

/* set.c: a sink that passes on to "to" all but a volume's own metadata and
 * the pieces of split files, which are never published alone. */
struct qset_filter {
	struct qsink sink;
	const struct qsink *to;
	int skip;
};
const struct qsink *qset_filter(const struct qsink *to, struct qset_filter *f);

/* set.c: unpacks a whole set: r's volume (part 1), then r->parts, pieces
 * rejoined in the staging folder and checked against the set file, all
 * published at once through "to" or nothing. */
int qset_unpack(qasid_reader *r, struct unpack *u, const struct qsink *to);

/* salvage.c: unpacks into u's staging folder every file of the body whose
 * content matches its signed hash, then publishes them. */
int qsalvage(qasid_reader *r, struct unpack *u);

/* The whole unpack of r, verified, into dir. */
int qunpack(qasid_reader *r, const char *dir);

#endif
