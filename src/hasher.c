/*
 * hasher.c - hashing file content on a thread of its own while the body is
 * inflated.
 *
 * A reader hashes every byte twice: each member's raw bytes (feed.c) and
 * each file's content. This thread takes the second so that inflating,
 * which must stay in order on one thread, is not slowed by it. Its verdicts
 * arrive a little late, which is safe: nothing is published before
 * qhasher_finish() has said every file matched.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "hasher.h"
#include "paths.h"

#define SLOTS 8

struct item {
	unsigned char buf[QHASHER_BUF];
	size_t len;
	int first, last;               /* of a file */
	unsigned char want[QF_FILE_HASH];
	char path[QASID_PATH_MAX + 1];
};

struct qhasher {
	pthread_t tid;
	pthread_mutex_t mu;
	pthread_cond_t filled, emptied;
	struct item slot[SLOTS];
	size_t head, tail;
	int quit;
	/* the first mismatch, found by the thread */
	int bad;
	char badpath[QASID_PATH_MAX + 1];
};

static void
hash_item(struct qhasher *h, crypto_generichash_state *st, struct item *it)
{
	unsigned char got[QF_FILE_HASH];

	if (it->first)
		crypto_generichash_init(st, NULL, 0, QF_FILE_HASH);
	crypto_generichash_update(st, it->buf, it->len);
	if (!it->last)
		return;
	crypto_generichash_final(st, got, sizeof(got));
	if (sodium_memcmp(got, it->want, sizeof(got)) != 0 && !h->bad) {
		memcpy(h->badpath, it->path, sizeof(h->badpath));
		h->bad = 1;
	}
}

static void *
run(void *arg)
{
	struct qhasher *h = arg;
	crypto_generichash_state st;

	pthread_mutex_lock(&h->mu);
	for (;;) {
		while (!h->quit && h->head == h->tail)
			pthread_cond_wait(&h->filled, &h->mu);
		if (h->head == h->tail)
			break;
		pthread_mutex_unlock(&h->mu);
		hash_item(h, &st, &h->slot[h->head % SLOTS]);
		pthread_mutex_lock(&h->mu);
		h->head++;
		pthread_cond_signal(&h->emptied);
	}
	pthread_mutex_unlock(&h->mu);
	return NULL;
}

struct qhasher *
qhasher_start(void)
{
	struct qhasher *h = calloc(1, sizeof(*h));

	if (h == NULL)
		return NULL;
	pthread_mutex_init(&h->mu, NULL);
	pthread_cond_init(&h->filled, NULL);
	pthread_cond_init(&h->emptied, NULL);
	if (pthread_create(&h->tid, NULL, run, h) != 0) {
		pthread_mutex_destroy(&h->mu);
		pthread_cond_destroy(&h->filled);
		pthread_cond_destroy(&h->emptied);
		free(h);
		return NULL;
	}
	return h;
}

unsigned char *
qhasher_buf(struct qhasher *h)
{
	struct item *it;

	pthread_mutex_lock(&h->mu);
	while (h->tail - h->head == SLOTS)
		pthread_cond_wait(&h->emptied, &h->mu);
	it = &h->slot[h->tail % SLOTS];
	pthread_mutex_unlock(&h->mu);
	return it->buf;
}

void
qhasher_push(struct qhasher *h, size_t len, int first,
    const struct qmf_entry *last)
{
	struct item *it = &h->slot[h->tail % SLOTS];

	it->len = len;
	it->first = first;
	it->last = last != NULL;
	if (last != NULL) {
		memcpy(it->want, last->hash, QF_FILE_HASH);
		memcpy(it->path, last->path, last->pathlen + 1);
	}
	pthread_mutex_lock(&h->mu);
	h->tail++;
	pthread_cond_signal(&h->filled);
	pthread_mutex_unlock(&h->mu);
}

const char *
qhasher_finish(struct qhasher *h)
{
	pthread_mutex_lock(&h->mu);
	while (h->head != h->tail)
		pthread_cond_wait(&h->emptied, &h->mu);
	pthread_mutex_unlock(&h->mu);
	return h->bad ? h->badpath : NULL;
}

void
qhasher_stop(struct qhasher *h)
{
	if (h == NULL)
		return;
	pthread_mutex_lock(&h->mu);
	h->quit = 1;
	pthread_cond_signal(&h->filled);
	pthread_mutex_unlock(&h->mu);
	pthread_join(h->tid, NULL);
	pthread_mutex_destroy(&h->mu);
	pthread_cond_destroy(&h->filled);
	pthread_cond_destroy(&h->emptied);
	free(h);
}
