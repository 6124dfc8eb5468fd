/* SPDX-License-Identifier: ISC */
/*
 * unpack.h - what unpack.c (staging), publish.c (moving into place) and
 * leftover.c (what killed runs left) share.
 */
#ifndef QASID_UNPACK_H
#define QASID_UNPACK_H

#include <sys/stat.h>

#include "paths.h"
#include "reader.h"

#define STAGE_PREFIX ".qasid-unpack-"
#define COMMIT_MARK ".qasid-committed"

struct unpack {
	qasid_reader *r;
	const char *dir;
	int dirfd;
	struct stat dirst;     /* dir's device and inode */
	int created_dir;       /* dir did not exist before */
	char stage[40];        /* staging folder's name inside dir, or "" */
	int stagefd;
	struct stat stagest;
	int fd;                /* file being written */
	struct qbuf journal;   /* struct jrec: what publishing did, to undo */
	struct qbuf jpaths;    /* their paths, NUL-terminated */
	uint64_t unsynced;     /* bytes written since writeback was started */
	uint64_t fpos;         /* bytes of the file being written, and */
	struct qbehind behind; /* how far they are on the medium (flush.c) */
	unsigned long ticks;   /* entries published, for progress */
	char rel[QASID_PATH_MAX + 2]; /* path being published */
	size_t rellen;
};

/* "DIR/what: strerror(errnum)" as QASID_ERR_IO (or NOSPACE...). */
int unp_sys(struct unpack *u, int errnum, const char *what);
/* openat of one folder, never through a symbolic link. */
int unp_open_dir(int at, const char *name);
/* Removes a tree, or what a folder holds, without following links. */
int unp_rm_tree(int at, const char *name);
int unp_rm_contents(int fd);
/* Removes the folder open as fd (fstat'd into st): its content through fd,
 * then the name, only if it still means that folder. 0 or -1/errno. */
int unp_rm_dir(int at, const char *name, int fd, const struct stat *st);
/* flock(fd, LOCK_EX), asking the progress callback whether to go on when
 * a signal interrupts the wait. */
int unp_lock(struct unpack *u, int fd);
/* 1 if uid may own what unpack makes or finishes: the user's, or the
 * destination owner's. */
int unp_ours(const struct unpack *u, uid_t uid);
/* Asks the progress callback whether to go on. */
int unp_progress(struct unpack *u, uint64_t done);
/* publish.c */

/* Moves a checked staging folder's content into place, or undoes all it
 * did. The caller holds the lock on the destination. */
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

#endif
