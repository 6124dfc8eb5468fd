/* SPDX-License-Identifier: ISC */
/*
 * thread.h - threads, mutexes and condition variables for the work ring
 * (core/queue.c): POSIX threads here; none at all when QASID_NO_THREADS is
 * defined (WebAssembly), where every pipeline runs on the calling thread.
 */
#ifndef QASID_THREAD_H
#define QASID_THREAD_H

#ifndef QASID_NO_THREADS
#include <pthread.h>

typedef pthread_t qthread;
typedef pthread_mutex_t qmutex;
typedef pthread_cond_t qcond;

/* 0, or non-zero if the thread could not be started. */
static inline int
qthread_start(qthread *t, void *(*fn)(void *), void *arg)
{
	return pthread_create(t, NULL, fn, arg);
}

static inline void
qthread_join(qthread t)
{
	pthread_join(t, NULL);
}

static inline void qmutex_init(qmutex *m) { pthread_mutex_init(m, NULL); }
static inline void qmutex_destroy(qmutex *m) { pthread_mutex_destroy(m); }
static inline void qmutex_lock(qmutex *m) { pthread_mutex_lock(m); }
static inline void qmutex_unlock(qmutex *m) { pthread_mutex_unlock(m); }
static inline void qcond_init(qcond *c) { pthread_cond_init(c, NULL); }
static inline void qcond_destroy(qcond *c) { pthread_cond_destroy(c); }
static inline void qcond_signal(qcond *c) { pthread_cond_signal(c); }
static inline void qcond_broadcast(qcond *c) { pthread_cond_broadcast(c); }

static inline void
qcond_wait(qcond *c, qmutex *m)
{
	pthread_cond_wait(c, m);
}
#endif

#endif
