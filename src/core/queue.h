/* SPDX-License-Identifier: ISC */
/*
 * queue.h - an ordered, bounded work ring, threaded or not (queue.c).
 *
 * The owner, one thread:
 *   1. qwork_start() with n items it allocated and 0 or more threads;
 *   2. while !qwork_full(): fill qwork_item(), then qwork_submit() it;
 *   3. qwork_collect() the oldest result, waiting for it; it stays the
 *      owner's until the next qwork_collect() or qwork_release();
 *   4. qwork_stop(), which drops what is still queued and joins.
 * fn runs on each submitted item, in submission order when there is at
 * most one thread, with the index of the worker running it (0 without
 * threads), so that workers can keep state of their own.
 */
#ifndef QASID_QUEUE_H
#define QASID_QUEUE_H

#include "internal.h"

#include "thread.h"

#define QWORK_THREADS_MAX 64

typedef void (*qwork_fn)(void *ud, void *item, unsigned worker);

struct qwork {
	void **items;
	unsigned char *state;  /* per item */
	size_t n;
	size_t head;           /* oldest not released */
	size_t tail;           /* next to submit */
	size_t next;           /* next a worker takes */
	int held;              /* the owner holds the item at head */
	qwork_fn fn;
	void *ud;
	unsigned nthreads;
#ifndef QASID_NO_THREADS
	int quit, locks;
	unsigned started;
	qmutex mu;
	qcond work, done;
	qthread tid[QWORK_THREADS_MAX];
#endif
};

/* QASID_OK, QASID_ERR_NOMEM, or QASID_ERR_INTERNAL if no thread could be
 * started (call qwork_stop all the same). */
int qwork_start(struct qwork *w, void **items, size_t n, unsigned threads,
    qwork_fn fn, void *ud);
int qwork_full(const struct qwork *w);
/* Items submitted and not yet collected. */
int qwork_pending(const struct qwork *w);
void *qwork_item(struct qwork *w);
void qwork_submit(struct qwork *w);
void *qwork_collect(struct qwork *w);
void qwork_release(struct qwork *w);
void qwork_stop(struct qwork *w);

#endif
