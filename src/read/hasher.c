/* SPDX-License-Identifier: ISC */
/*
 * hasher.c - hashing file content beside the inflating, on a thread of its
 * own where there are threads.
 *
 * A reader hashes every byte twice: each member's raw bytes (feed.c) and
 * each file's content. A worker of the work ring (queue.c) takes the second
 * so that inflating, which must stay in order on one thread, is not slowed
 * by it. Its verdicts arrive a little late, which is safe: nothing is
 * published before qhasher_finish() has said every file matched. Without
 * threads each buffer is hashed as it is pushed.
 */
#include <stdlib.h>
#include <string.h>

#include "hasher.h"
#include "paths.h"
#include "queue.h"

#define SLOTS 8

struct item {
	unsigned char buf[QHASHER_BUF];
	size_t len;
	int first, last;               /* of a file */
	unsigned char want[QF_FILE_HASH];
	char path[QASID_PATH_MAX + 1];
};

struct qhasher {
	struct qwork w;
	struct item *slot;
	void *items[SLOTS];
	crypto_generichash_state st;   /* the worker's */
	/* the first mismatch, found by the worker */
	int bad;
	char badpath[QASID_PATH_MAX + 1];
};

static void
hash_item(void *ud, void *item, unsigned worker)
{
	struct qhasher *h = ud;
	struct item *it = item;
	unsigned char got[QF_FILE_HASH];

	(void)worker;
	if (it->first)
		crypto_generichash_init(&h->st, NULL, 0, QF_FILE_HASH);
	crypto_generichash_update(&h->st, it->buf, it->len);
	if (!it->last)
		return;
	crypto_generichash_final(&h->st, got, sizeof(got));
	if (sodium_memcmp(got, it->want, sizeof(got)) != 0 && !h->bad) {
		memcpy(h->badpath, it->path, sizeof(h->badpath));
		h->bad = 1;
	}
}

struct qhasher *
qhasher_start(int threaded)
{
	struct qhasher *h = calloc(1, sizeof(*h));
	/* One item is enough when each is hashed as it is pushed. */
	size_t n = threaded ? SLOTS : 1;

	if (h == NULL || (h->slot = calloc(n, sizeof(*h->slot))) == NULL) {
		free(h);
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		h->items[i] = &h->slot[i];
	if (qwork_start(&h->w, h->items, n, threaded ? 1 : 0, hash_item, h) !=
	    QASID_OK) {
		qhasher_stop(h);
		return NULL;
	}
	return h;
}

unsigned char *
qhasher_buf(struct qhasher *h)
{
	if (qwork_full(&h->w))
		qwork_collect(&h->w);
	qwork_release(&h->w);
	return ((struct item *)qwork_item(&h->w))->buf;
}

void
qhasher_push(struct qhasher *h, size_t len, int first,
    const struct qmf_entry *last)
{
	struct item *it = qwork_item(&h->w);

	it->len = len;
	it->first = first;
	it->last = last != NULL;
	if (last != NULL) {
		memcpy(it->want, last->hash, QF_FILE_HASH);
		memcpy(it->path, last->path, last->pathlen + 1);
	}
	qwork_submit(&h->w);
}

const char *
qhasher_finish(struct qhasher *h)
{
	while (qwork_collect(&h->w) != NULL)
		;
	return h->bad ? h->badpath : NULL;
}

void
qhasher_stop(struct qhasher *h)
{
	if (h == NULL)
		return;
	qwork_stop(&h->w);
	free(h->slot);
	free(h);
}
