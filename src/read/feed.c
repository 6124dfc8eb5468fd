/* SPDX-License-Identifier: ISC */
/*
 * feed.c - reading and hashing a bundle's body ahead of the inflater.
 *
 * Verifying costs two hashes over the whole bundle: each gzip member's raw
 * bytes, and each file's content. The feed reads the body member by member,
 * with the raw lengths the (already verified) manifest gives, and hashes
 * each member, on a worker of the work ring (queue.c) while the calling
 * thread inflates the previous chunks and hashes file content; without
 * threads, each chunk is read when the inflater asks for it. The chunks
 * never span members, so the inflating side knows exactly where the
 * manifest says each member ends.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "feed.h"
#include "queue.h"

#define SLOTS 8
#define SLOT_SIZE ((size_t)1 << 20)

enum { READ, END_CHECK, FAIL };

/* A chunk and the read that fills it, planned by the calling thread. */
struct piece {
	struct qfeed_chunk c;
	int kind;
	size_t want;
	int first, member_last;  /* of a member */
};

struct qfeed {
	struct qwork w;
	struct piece slot[SLOTS];
	void *items[SLOTS];
	/* the calling thread's plan */
	struct qmf_cursor *mc;
	struct qerr plan_err;
	uint64_t left;           /* of the member being planned */
	int in_member;
	int planned_end;
	/* the reading worker's own state */
	struct qsrc *src;
	const char *path;
	struct qerr err;
	unsigned char *pre;      /* raw bytes already read before the body */
	size_t prelen;
	crypto_generichash_state hs;
	int dead;                /* a short read or an error was sent */
};

/* Reads up to want raw bytes: first what was read ahead, then the file.
 * Returns the count (short only at end of file) or -1. */
static ptrdiff_t
raw_read(struct qfeed *f, unsigned char *buf, size_t want)
{
	size_t k = want < f->prelen ? want : f->prelen;
	ptrdiff_t n;

	memcpy(buf, f->pre, k);
	f->pre += k;
	f->prelen -= k;
	if (k == want)
		return (ptrdiff_t)k;
	if ((n = qsrc_read(f->src, buf + k, want - k)) < 0)
		return -1;
	return (ptrdiff_t)k + n;
}

static void
fail(struct qfeed_chunk *c, const struct qerr *e)
{
	c->code = e->code;
	memcpy(c->msg, e->msg, sizeof(c->msg));
}

static void
read_piece(struct qfeed *f, struct piece *p)
{
	struct qfeed_chunk *c = &p->c;
	ptrdiff_t n = raw_read(f, c->buf, p->want);

	if (n < 0) {
		qerr_sys(&f->err, QASID_ERR_IO, errno, "%s", f->path);
		fail(c, &f->err);
		f->dead = 1;
		return;
	}
	/* A short read is a truncated bundle; the inflater says so. */
	c->len = (size_t)n;
	if (p->first)
		crypto_generichash_init(&f->hs, NULL, 0, QF_MEMBER_HASH);
	crypto_generichash_update(&f->hs, c->buf, c->len);
	c->last = p->member_last || (size_t)n < p->want;
	if (c->last)
		crypto_generichash_final(&f->hs, c->hash, QF_MEMBER_HASH);
	if ((size_t)n < p->want)
		f->dead = 1;
}

/* After the last member the file must end. */
static void
check_end(struct qfeed *f, struct qfeed_chunk *c)
{
	unsigned char extra;
	ptrdiff_t n = raw_read(f, &extra, 1);

	if (n < 0)
		qerr_sys(&f->err, QASID_ERR_IO, errno, "%s", f->path);
	else if (n > 0)
		qerr_set(&f->err, QASID_ERR_FORMAT, "%s: data after the end of "
		    "the bundle", f->path);
	if (n != 0)
		fail(c, &f->err);
	else
		c->last = c->end = 1;
}

static void
work(void *ud, void *item, unsigned worker)
{
	struct qfeed *f = ud;
	struct piece *p = item;

	(void)worker;
	p->c.len = 0;
	p->c.last = p->c.end = 0;
	if (p->kind == FAIL)
		return;
	if (f->dead) {
		/* After a short read: the end. */
		p->c.last = p->c.end = 1;
		return;
	}
	if (p->kind == READ)
		read_piece(f, p);
	else
		check_end(f, &p->c);
}

/* Plans the next read from the manifest's member list. */
static void
plan(struct qfeed *f, struct piece *p)
{
	struct qmf_member m;
	int rc;

	p->c.code = QASID_OK;
	p->first = 0;
	if (!f->in_member) {
		if ((rc = qmf_get_member(f->mc, &m)) != 1) {
			f->planned_end = 1;
			p->kind = rc == 0 ? END_CHECK : FAIL;
			if (rc < 0 && f->plan_err.code == QASID_OK)
				qerr_set(&f->plan_err, rc, "manifest");
			if (rc < 0)
				fail(&p->c, &f->plan_err);
			return;
		}
		f->in_member = 1;
		f->left = m.clen;
		p->first = 1;
	}
	p->kind = READ;
	p->want = f->left < SLOT_SIZE ? (size_t)f->left : SLOT_SIZE;
	f->left -= p->want;
	p->member_last = f->left == 0;
	if (p->member_last)
		f->in_member = 0;
}

struct qfeed *
qfeed_start(struct qsrc *src, const char *path,
    const struct qmf_cursor *members,
    const unsigned char *pre, size_t prelen, int threaded, struct qerr *err)
{
	struct qfeed *f = calloc(1, sizeof(*f));
	/* Without threads a chunk is read only when it is wanted. */
	size_t n = threaded ? SLOTS : 1;

	if (f == NULL || (f->mc = malloc(sizeof(*f->mc))) == NULL)
		goto nomem;
	for (size_t i = 0; i < n; i++) {
		if ((f->slot[i].c.buf = malloc(SLOT_SIZE)) == NULL)
			goto nomem;
		f->items[i] = &f->slot[i];
	}
	f->src = src;
	f->path = path;
	f->pre = (unsigned char *)pre;
	f->prelen = prelen;
	*f->mc = *members;
	f->mc->err = &f->plan_err;
	if (qwork_start(&f->w, f->items, n, threaded ? 1 : 0, work, f) !=
	    QASID_OK) {
		qerr_set(err, QASID_ERR_INTERNAL, "%s: cannot start a thread",
		    path);
		qfeed_stop(f);
		return NULL;
	}
	return f;
nomem:
	qerr_set(err, QASID_ERR_NOMEM, "%s", path);
	qfeed_stop(f);
	return NULL;
}

const struct qfeed_chunk *
qfeed_next(struct qfeed *f, const struct qfeed_chunk *done)
{
	(void)done; /* the chunk collected last, handed back below */
	qwork_release(&f->w);
	while (!f->planned_end && !qwork_full(&f->w)) {
		plan(f, qwork_item(&f->w));
		qwork_submit(&f->w);
	}
	return &((struct piece *)qwork_collect(&f->w))->c;
}

void
qfeed_stop(struct qfeed *f)
{
	if (f == NULL)
		return;
	qwork_stop(&f->w);
	for (int i = 0; i < SLOTS; i++)
		free(f->slot[i].c.buf);
	free(f->mc);
	free(f);
}
