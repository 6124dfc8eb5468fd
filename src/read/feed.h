/* SPDX-License-Identifier: ISC */
/*
 * feed.h - the body's raw bytes, read and hashed ahead of the inflater
 * (feed.c).
 */
#ifndef QASID_FEED_H
#define QASID_FEED_H

#include "internal.h"
#include "manifest.h"
#include "source.h"

struct qfeed;

/* A piece of one member's raw bytes. */
struct qfeed_chunk {
	unsigned char *buf;
	size_t len;
	int last;                            /* the member's last piece */
	int end;                             /* no more members */
	int code;                            /* an error instead of data */
	char msg[QERR_MSG_MAX];
	unsigned char hash[QF_MEMBER_HASH];  /* the member's, on its last */
};

/*
 * Starts reading the body from src: the members the manifest lists from
 * where the cursor members stands (a copy is taken), in order, beginning
 * with prelen bytes at pre that were read ahead (they must stay valid
 * until qfeed_stop). After the last member, anything more in the
 * file is an error chunk. threaded: read ahead on a thread of its own;
 * else each chunk is read when it is asked for.
 */
struct qfeed *qfeed_start(struct qsrc *src, const char *path,
    const struct qmf_cursor *members, const unsigned char *pre, size_t prelen,
    int threaded, struct qerr *err);

/* Hands back the chunk done with (NULL the first time) and waits for the
 * next. Never call it again after a chunk with end or code set. */
const struct qfeed_chunk *qfeed_next(struct qfeed *f,
    const struct qfeed_chunk *done);

/* Stops reading and frees everything; f may be NULL. */
void qfeed_stop(struct qfeed *f);

#endif
