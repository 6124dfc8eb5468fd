/*
 * feed.c - reading and hashing a bundle's body on a second thread.
 *
 * Verifying costs two hashes over the whole bundle: each gzip member's raw
 * bytes, and each file's content. The feed thread reads the body member by
 * member, with the raw lengths the (already verified) manifest gives, and
 * hashes each member while the calling thread inflates the previous chunks
 * and hashes file content. The chunks never span members, so the inflating
 * side knows exactly where the manifest says each member ends.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "feed.h"

#define SLOTS 8
#define SLOT_SIZE ((size_t)1 << 20)

struct qfeed {
	pthread_t tid;
	pthread_mutex_t mu;
	pthread_cond_t filled, emptied;
	struct qfeed_chunk slot[SLOTS];
	size_t head, tail;   /* consumer takes head, producer fills tail */
	int stop;
	/* the producer's own state */
	int fd;
	const char *path;
	struct qmf_cursor *mc;
	struct qerr err;
	unsigned char *pre;  /* raw bytes already read before the body */
	size_t prelen;
	int started;
};

/* Waits for a free slot; NULL when told to stop. */
static struct qfeed_chunk *
slot_get(struct qfeed *f)
{
	struct qfeed_chunk *c;

	pthread_mutex_lock(&f->mu);
	while (!f->stop && f->tail - f->head == SLOTS)
		pthread_cond_wait(&f->emptied, &f->mu);
	c = f->stop ? NULL : &f->slot[f->tail % SLOTS];
	pthread_mutex_unlock(&f->mu);
	return c;
}

static void
slot_put(struct qfeed *f)
{
	pthread_mutex_lock(&f->mu);
	f->tail++;
	pthread_cond_signal(&f->filled);
	pthread_mutex_unlock(&f->mu);
}

/* Reads up to want raw bytes: first what was read ahead, then the file.
 * Returns the count (short only at end of file) or -1. */
static ssize_t
raw_read(struct qfeed *f, unsigned char *buf, size_t want)
{
	size_t k = want < f->prelen ? want : f->prelen;
	ssize_t n;

	memcpy(buf, f->pre, k);
	f->pre += k;
	f->prelen -= k;
	if (k == want)
		return (ssize_t)k;
	if ((n = qread_full(f->fd, buf + k, want - k)) < 0)
		return -1;
	return (ssize_t)k + n;
}

/* Sends an error chunk: the consumer stops at it. */
static void
send_error(struct qfeed *f)
{
	struct qfeed_chunk *c = slot_get(f);

	if (c == NULL)
		return;
	c->len = 0;
	c->end = 0;
	c->code = f->err.code;
	memcpy(c->msg, f->err.msg, sizeof(c->msg));
	slot_put(f);
}

static int
feed_member(struct qfeed *f, const struct qmf_member *m)
{
	crypto_generichash_state hs;
	uint64_t left = m->clen;

	crypto_generichash_init(&hs, NULL, 0, QF_MEMBER_HASH);
	do {
		struct qfeed_chunk *c = slot_get(f);
		size_t want = left < SLOT_SIZE ? (size_t)left : SLOT_SIZE;
		ssize_t n;
		if (c == NULL)
			return -1;
		if ((n = raw_read(f, c->buf, want)) < 0)
			return qerr_sys(&f->err, QASID_ERR_IO, errno, "%s",
			    f->path);
		/* A short read is a truncated bundle; the inflater says so. */
		c->len = (size_t)n;
		c->code = QASID_OK;
		c->end = 0;
		left -= (uint64_t)n;
		crypto_generichash_update(&hs, c->buf, c->len);
		c->last = left == 0 || (size_t)n < want;
		if (c->last)
			crypto_generichash_final(&hs, c->hash, QF_MEMBER_HASH);
		slot_put(f);
		if ((size_t)n < want)
			return 1;
	} while (left > 0);
	return 0;
}

static void *
producer(void *arg)
{
	struct qfeed *f = arg;
	struct qmf_member m;
	unsigned char extra;
	ssize_t n;
	int rc;

	while ((rc = qmf_get_member(f->mc, &m)) == 1)
		if ((rc = feed_member(f, &m)) != 0)
			break;
	if (rc == 0 && (n = raw_read(f, &extra, 1)) < 0)
		rc = qerr_sys(&f->err, QASID_ERR_IO, errno, "%s", f->path);
	else if (rc == 0 && n > 0)
		rc = qerr_set(&f->err, QASID_ERR_FORMAT, "%s: data after the "
		    "end of the bundle", f->path);
	if (rc < 0 && f->err.code != QASID_OK) {
		send_error(f);
	} else if (rc >= 0) {
		/* After the last member (or a short one): the end. */
		struct qfeed_chunk *c = slot_get(f);
		if (c != NULL) {
			c->len = 0;
			c->code = QASID_OK;
			c->last = c->end = 1;
			slot_put(f);
		}
	}
	return NULL;
}

struct qfeed *
qfeed_start(int fd, const char *path, const struct qspool *spool,
    const unsigned char *pre, size_t prelen, struct qerr *err)
{
	struct qfeed *f = calloc(1, sizeof(*f));
	struct qmf_header h;
	int i;

	if (f == NULL || (f->mc = malloc(sizeof(*f->mc))) == NULL)
		goto nomem;
	for (i = 0; i < SLOTS; i++)
		if ((f->slot[i].buf = malloc(SLOT_SIZE)) == NULL)
			goto nomem;
	f->fd = fd;
	f->path = path;
	f->pre = (unsigned char *)pre;
	f->prelen = prelen;
	qmf_cursor_init(f->mc, spool, &f->err);
	if (qmf_get_header(f->mc, &h) != QASID_OK ||
	    qmf_skip_entries(f->mc) < 0) {
		qerr_set(err, f->err.code, "%s: %s", path, f->err.msg);
		qfeed_stop(f);
		return NULL;
	}
	pthread_mutex_init(&f->mu, NULL);
	pthread_cond_init(&f->filled, NULL);
	pthread_cond_init(&f->emptied, NULL);
	if (pthread_create(&f->tid, NULL, producer, f) != 0) {
		qerr_set(err, QASID_ERR_INTERNAL, "%s: cannot start a thread",
		    path);
		qfeed_stop(f);
		return NULL;
	}
	f->started = 1;
	return f;
nomem:
	qerr_set(err, QASID_ERR_NOMEM, "%s", path);
	qfeed_stop(f);
	return NULL;
}

const struct qfeed_chunk *
qfeed_next(struct qfeed *f, const struct qfeed_chunk *done)
{
	const struct qfeed_chunk *c;

	pthread_mutex_lock(&f->mu);
	if (done != NULL) {
		f->head++;
		pthread_cond_signal(&f->emptied);
	}
	while (f->tail == f->head)
		pthread_cond_wait(&f->filled, &f->mu);
	c = &f->slot[f->head % SLOTS];
	pthread_mutex_unlock(&f->mu);
	return c;
}

void
qfeed_stop(struct qfeed *f)
{
	if (f == NULL)
		return;
	if (f->started) {
		pthread_mutex_lock(&f->mu);
		f->stop = 1;
		pthread_cond_broadcast(&f->emptied);
		pthread_mutex_unlock(&f->mu);
		pthread_join(f->tid, NULL);
		pthread_mutex_destroy(&f->mu);
		pthread_cond_destroy(&f->filled);
		pthread_cond_destroy(&f->emptied);
	}
	for (int i = 0; i < SLOTS; i++)
		free(f->slot[i].buf);
	free(f->mc);
	free(f);
}
