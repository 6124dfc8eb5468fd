/* SPDX-License-Identifier: ISC */
/*
 * queue.c - the one bounded work ring behind the library's pipelines.
 *
 * An owner thread fills items in order and submits them; a function runs
 * on each, on worker threads or, with none, on the owner's thread at once;
 * the owner collects the results in the order it submitted them. Reading
 * a bundle's body (feed.c), hashing file content (hasher.c) and compressing
 * a new body (body.c) are all this shape. A ring of a fixed number of items
 * bounds memory whatever the input, and without threads (a build for
 * WebAssembly, or a caller who asks for none) the same code runs
 * sequentially with the same results.
 */
#include <stdlib.h>
#include <string.h>

#include "queue.h"

enum { FREE, QUEUED, RUNNING, DONE };

#ifndef QASID_NO_THREADS
static void *
worker(void *arg)
{
	struct qwork *w = arg;
	unsigned me;

	qmutex_lock(&w->mu);
	me = w->started++;
	for (;;) {
		size_t i;
		while (!w->quit && w->next == w->tail)
			qcond_wait(&w->work, &w->mu);
		if (w->next == w->tail)
			break;
		i = w->next++ % w->n;
		w->state[i] = RUNNING;
		qmutex_unlock(&w->mu);
		w->fn(w->ud, w->items[i], me);
		qmutex_lock(&w->mu);
		w->state[i] = DONE;
		qcond_broadcast(&w->done);
	}
	qmutex_unlock(&w->mu);
	return NULL;
}
#endif

int
qwork_start(struct qwork *w, void **items, size_t n, unsigned threads,
    qwork_fn fn, void *ud)
{
	memset(w, 0, sizeof(*w));
	if ((w->state = calloc(n, 1)) == NULL)
		return QASID_ERR_NOMEM;
	w->items = items;
	w->n = n;
	w->fn = fn;
	w->ud = ud;
#ifdef QASID_NO_THREADS
	(void)threads;
#else
	if (threads > QWORK_THREADS_MAX)
		threads = QWORK_THREADS_MAX;
	qmutex_init(&w->mu);
	qcond_init(&w->work);
	qcond_init(&w->done);
	w->locks = 1;
	for (unsigned i = 0; i < threads; i++) {
		if (qthread_start(&w->tid[i], worker, w) != 0)
			return QASID_ERR_INTERNAL; /* qwork_stop joins the rest */
		w->nthreads++;
	}
#endif
	return QASID_OK;
}

int
qwork_full(const struct qwork *w)
{
	return w->tail - w->head == w->n;
}

int
qwork_pending(const struct qwork *w)
{
	return (int)(w->tail - w->head) - w->held;
}

void *
qwork_item(struct qwork *w)
{
	return w->items[w->tail % w->n];
}

void
qwork_submit(struct qwork *w)
{
	size_t i = w->tail % w->n;

	if (w->nthreads == 0) {
		w->fn(w->ud, w->items[i], 0);
		w->state[i] = DONE;
		w->tail++;
		w->next = w->tail;
		return;
	}
#ifndef QASID_NO_THREADS
	qmutex_lock(&w->mu);
	w->state[i] = QUEUED;
	w->tail++;
	qcond_signal(&w->work);
	qmutex_unlock(&w->mu);
#endif
}

void
qwork_release(struct qwork *w)
{
	if (!w->held)
		return;
	w->state[w->head % w->n] = FREE;
	w->head++;
	w->held = 0;
}

void *
qwork_collect(struct qwork *w)
{
	size_t i;

	qwork_release(w);
	if (w->head == w->tail)
		return NULL;
	i = w->head % w->n;
#ifndef QASID_NO_THREADS
	if (w->nthreads > 0) {
		qmutex_lock(&w->mu);
		while (w->state[i] != DONE)
			qcond_wait(&w->done, &w->mu);
		qmutex_unlock(&w->mu);
	}
#endif
	w->held = 1;
	return w->items[i];
}

void
qwork_stop(struct qwork *w)
{
	if (w->state == NULL)
		return;
#ifndef QASID_NO_THREADS
	if (w->locks) {
		qmutex_lock(&w->mu);
		w->quit = 1;
		w->next = w->tail; /* drop what is queued: failing or done */
		qcond_broadcast(&w->work);
		qmutex_unlock(&w->mu);
		for (unsigned i = 0; i < w->nthreads; i++)
			qthread_join(w->tid[i]);
		qmutex_destroy(&w->mu);
		qcond_destroy(&w->work);
		qcond_destroy(&w->done);
	}
#endif
	free(w->state);
	w->state = NULL;
}
