/* SPDX-License-Identifier: ISC */
/*
 * hasher.h - file content hashed beside the inflating (hasher.c).
 */
#ifndef QASID_HASHER_H
#define QASID_HASHER_H

#include "internal.h"
#include "manifest.h"

#define QHASHER_BUF ((size_t)256 << 10)

struct qhasher;

/* threaded: on a thread of its own; else as each buffer is pushed. */
struct qhasher *qhasher_start(int threaded);
/* Room to fill, *room bytes (at least 16 KiB), waiting until a buffer is
 * free. The same room is returned until it is pushed. */
unsigned char *qhasher_buf(struct qhasher *h, size_t *room);
/* Queues the room's first len bytes: first says a file starts with them;
 * last, when not NULL, is the file they end, whose hash must match. */
void qhasher_push(struct qhasher *h, size_t len, int first,
    const struct qmf_entry *last);
/* Waits for everything queued; NULL if every file matched, else the path
 * of the first that did not (valid until qhasher_stop). */
const char *qhasher_finish(struct qhasher *h);
void qhasher_stop(struct qhasher *h);

#endif
