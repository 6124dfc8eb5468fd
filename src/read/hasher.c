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
 *
 * One hand-off to the worker costs a wake-up, a few microseconds: as much
 * as hashing a small file. So a buffer carries the pieces of as many files
 * as fit in it, and goes to the worker only when it is nearly full.
 */
#include <stdlib.h>
#include <string.h>

#include "hasher.h"
#include "paths.h"
#include "queue.h"

#define SLOTS 8
#define SEGS 64                 /* pieces of files in one buffer */
#define LOW (16 << 10)          /* room below which a buffer is sent */
#define NAMES (SEGS * 64 + QASID_PATH_MAX + 1)

struct seg {
	size_t off, len;
	int first, last;                /* of a file */
	size_t name;                    /* in names[], when last */
	unsigned char want[QF_FILE_HASH];
};

struct item {
	unsigned char buf[QHASHER_BUF];
	size_t used, nseg, nameused;
	struct seg seg[SEGS];
	char names[NAMES];
};

struct qhasher {
	struct qwork w;
	struct item *slot;
	void *items[SLOTS];
	int open;                       /* the item at the tail is being filled */
	crypto_generichash_state st;    /* the worker's */
	/* the first mismatch, found by the worker */
	int bad;
	char badpath[QASID_PATH_MAX + 1];
};

static void
hash_seg(struct qhasher *h, const struct item *it, const struct seg *s)
{
	unsigned char got[QF_FILE_HASH];

	if (s->first)
		crypto_generichash_init(&h->st, NULL, 0, QF_FILE_HASH);
	crypto_generichash_update(&h->st, it->buf + s->off, s->len);
	if (!s->last)
		return;
	crypto_generichash_final(&h->st, got, sizeof(got));
	if (sodium_memcmp(got, s->want, sizeof(got)) != 0 && !h->bad) {
		memcpy(h->badpath, it->names + s->name,
		    strlen(it->names + s->name) + 1);
		h->bad = 1;
	}
}

static void
hash_item(void *ud, void *item, unsigned worker)
{
	struct item *it = item;

	(void)worker;
	for (size_t i = 0; i < it->nseg; i++)
		hash_seg(ud, it, &it->seg[i]);
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
qhasher_buf(struct qhasher *h, size_t *room)
{
	struct item *it;

	if (!h->open) {
		if (qwork_full(&h->w))
			qwork_collect(&h->w);
		qwork_release(&h->w);
		it = qwork_item(&h->w);
		it->used = it->nseg = it->nameused = 0;
		h->open = 1;
	}
	it = qwork_item(&h->w);
	*room = QHASHER_BUF - it->used;
	return it->buf + it->used;
}

static void
send(struct qhasher *h)
{
	h->open = 0;
	qwork_submit(&h->w);
}

void
qhasher_push(struct qhasher *h, size_t len, int first,
    const struct qmf_entry *last)
{
	struct item *it = qwork_item(&h->w);
	struct seg *s = &it->seg[it->nseg++];

	s->off = it->used;
	s->len = len;
	s->first = first;
	s->last = last != NULL;
	it->used += len;
	if (last != NULL) {
		memcpy(s->want, last->hash, QF_FILE_HASH);
		s->name = it->nameused;
		memcpy(it->names + s->name, last->path, last->pathlen + 1);
		it->nameused += last->pathlen + 1;
	}
	if (QHASHER_BUF - it->used < LOW || it->nseg == SEGS ||
	    NAMES - it->nameused < QASID_PATH_MAX + 1)
		send(h);
}

const char *
qhasher_finish(struct qhasher *h)
{
	if (h->open && ((struct item *)qwork_item(&h->w))->nseg > 0)
		send(h);
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
