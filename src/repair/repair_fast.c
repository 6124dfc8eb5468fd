/* SPDX-License-Identifier: ISC */
/*
 * repair_fast.c - qasid_rec_repair(): a damaged bundle mended in place,
 * from one read of it.
 *
 * The head is verified with the trusted keys first (from the recovery
 * file's copy, else the bundle's own), so its manifest's signed member
 * hashes say which members are damaged: one hash of each byte, in file
 * order. Only the blocks of those members are compared with the recovery
 * file's block hashes; the lost ones are rebuilt into a temporary file
 * (they are all that is ever written there), and each damaged member is
 * hashed again over the rebuilt blocks. Only when every one matches its
 * signed hash are the rebuilt blocks written over the lost ones, and
 * nothing else: on a slow stick that is seconds, where rewriting the
 * whole bundle would be minutes. They go through a journal beside the
 * bundle first (journal.c), which needs room only for them: a repair
 * killed at any moment leaves the bundle as it was, or whole, or part
 * mended beside a committed journal that the next repair replays before
 * anything else. The bundle stays locked throughout (qrec_lock), so a
 * second repair waits rather than take this one's journal for an
 * interrupted one. Where even the journal does not fit, the blocks are
 * written straight over the lost ones: a kill then leaves a bundle no
 * worse than it was, which the next repair finishes. Once written, the
 * blocks are read back from the medium and compared with what was meant
 * before the repair says it is done. A head that cannot be read at all
 * is rebuilt from parity through a full copy (qrep_slow) and verified in
 * full.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "os.h"
#include "recover.h"
#include "thread.h"

/* One thread's part of the read: [from, to) of the file, its walker over
 * the members there, and the damaged members it found. */
struct part {
	struct qrep *p;
	struct qrec_mem *mem;
	uint64_t from, to;
	struct qrep_damage *dmg;
	size_t ndmg, cap;
	atomic_int *stop;
	int rc;
};

/* A member that does not match its signed hash: the damage is in it. */
static int
note_damage(void *ud, uint64_t start, uint64_t end,
    const unsigned char want[QF_MEMBER_HASH])
{
	struct part *t = ud;

	if (t->ndmg == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct qrep_damage *d = realloc(t->dmg, cap * sizeof(*d));
		if (d == NULL)
			return QASID_ERR_NOMEM;
		t->dmg = d;
		t->cap = cap;
	}
	t->dmg[t->ndmg].start = start;
	t->dmg[t->ndmg].end = end;
	memcpy(t->dmg[t->ndmg++].want, want, QF_MEMBER_HASH);
	return 0;
}

/*
 * The head, verified with the trusted keys: the recovery file's copy if
 * it is intact, else the bundle's own. 1 if one verifies; 0 if neither
 * can be read (then the head is rebuilt from parity); an error if the
 * intact copy does not verify, as nothing rebuilt from it could.
 */
static int
open_head(struct qrep *p, const qasid_keyring *kr)
{
	int rc;

	if (p->head != NULL) {
		rc = qrec_mem_open(&p->mem, -1, p->head, p->h.headlen, kr,
		    p->bundle);
		if (rc == QASID_OK) {
			p->head_from_copy = 1;
			return 1;
		}
		return qerr_set(&p->x->err, rc, "%s; so it was not repaired "
		    "and was left as it was", qrec_mem_errmsg(&p->mem));
	}
	rc = qrec_mem_open(&p->mem, p->bfd, NULL, 0, kr, p->bundle);
	if (rc == QASID_OK)
		return 1;
	qrec_mem_close(&p->mem);
	return rc == QASID_ERR_NOMEM ? qerr_set(&p->x->err, rc, "%s",
	    p->bundle) : 0;
}

/* Counts the head's blocks in buf (read at off) that differ from the
 * verified copy, which replaces them. */
static void
head_diff(struct qrep *p, const unsigned char *buf, uint64_t off, size_t n)
{
	uint64_t end = off + n < p->h.headlen ? off + n : p->h.headlen;

	for (uint64_t b = off; b < end; b += QREC_BLOCK) {
		size_t k = end - b < QREC_BLOCK ? (size_t)(end - b) : QREC_BLOCK;
		if (memcmp(buf + (b - off), p->head + b, k) != 0)
			p->nhead++;
	}
}

/* Reads n bytes at off into buf; what cannot be read is zeros. */
static void
read_zeros(int fd, unsigned char *buf, size_t n, uint64_t off)
{
	ptrdiff_t got = qrec_pread(fd, buf, n, off);

	got = got < 0 ? 0 : got;
	memset(buf + got, 0, n - (size_t)got);
}

/* One part of the file in order against the signed hashes; the first
 * part reports progress for both. */
static void *
scan_part(void *arg)
{
	struct part *t = arg;
	struct qrep *p = t->p;
	size_t len = QREP_CHUNK * QREC_BLOCK;
	unsigned char *buf = malloc(len);
	uint64_t end = p->bsize < t->to ? p->bsize : t->to, off;
	int rc = buf != NULL ? QASID_OK : QASID_ERR_NOMEM;

	for (off = t->from; rc == QASID_OK && off < end && !*t->stop;
	    off += len) {
		size_t n = end - off < len ? (size_t)(end - off) : len;
		read_zeros(p->bfd, buf, n, off);
		if (p->head_from_copy && off < p->h.headlen)
			head_diff(p, buf, off, n);
		rc = qrec_mem_feed(t->mem, buf, n, note_damage, t);
		if (rc == QASID_OK && t->from == 0)
			rc = qprogress(p->x->progress, p->x->progress_ud, off +
			    n, t->to, &p->x->err, p->bundle);
	}
	if (rc == QASID_OK && !*t->stop)
		rc = qrec_mem_finish(t->mem, p->h.size, note_damage, t);
	if ((t->rc = rc) != QASID_OK)
		*t->stop = 1;
	free(buf);
	return NULL;
}

/* What went wrong in a part, as the repair's error. */
static int
part_error(struct qrep *p, const struct part *t)
{
	switch (t->rc) {
	case QASID_OK:
	case QASID_ERR_CANCELLED:
		return t->rc;
	case QASID_ERR_CONTENT:
		return qerr_set(&p->x->err, t->rc, "%s: %s was made for another "
		    "bundle (its size is not the manifest's)", p->bundle,
		    p->rpath);
	case QASID_ERR_NOMEM:
		return qerr_set(&p->x->err, t->rc, "%s", p->bundle);
	default:
		return qerr_set(&p->x->err, t->rc, "%s",
		    qrec_mem_errmsg(&p->mem));
	}
}

/* The damaged members of both parts, in file order. */
static int
gather(struct qrep *p, struct part *t)
{
	size_t n = t[0].ndmg + t[1].ndmg;

	if (n == 0)
		return QASID_OK;
	if ((p->dmg = malloc(n * sizeof(*p->dmg))) == NULL)
		return qerr_set(&p->x->err, QASID_ERR_NOMEM, "%s", p->bundle);
	for (int i = 0; i < 2; i++) {
		if (t[i].ndmg > 0)
			memcpy(p->dmg + p->ndmg, t[i].dmg, t[i].ndmg *
			    sizeof(*p->dmg));
		p->ndmg += t[i].ndmg;
	}
	return QASID_OK;
}

/* One read of the bundle against the signed hashes, its two halves (at a
 * member boundary) on the two cores. */
static int
scan_members(struct qrep *p)
{
	struct qrec_mem second;
	struct part t[2];
	atomic_int stop = 0;
	uint64_t half = p->h.size / 2;
	qthread th;
	int rc, threaded;

	memset(t, 0, sizeof(t));
	half = half > p->mem.end ? half : p->mem.end;
	if ((rc = qrec_mem_split(&p->mem, &second, half)) != QASID_OK) {
		qrec_mem_close(&second);
		return qerr_set(&p->x->err, rc, "%s", rc == QASID_ERR_NOMEM ?
		    p->bundle : qrec_mem_errmsg(&p->mem));
	}
	t[0] = (struct part){.p = p, .mem = &p->mem, .from = 0,
	    .to = second.pos, .stop = &stop};
	t[1] = (struct part){.p = p, .mem = &second, .from = second.pos,
	    .to = p->h.size, .stop = &stop};
	if (!(threaded = qthread_start(&th, scan_part, &t[1]) == 0))
		scan_part(&t[1]);
	scan_part(&t[0]);
	if (threaded)
		qthread_join(th);
	if ((rc = part_error(p, &t[0])) == QASID_OK &&
	    (rc = part_error(p, &t[1])) == QASID_OK)
		rc = gather(p, t);
	free(t[0].dmg);
	free(t[1].dmg);
	qrec_mem_close(&second);
	return rc;
}

/* The blocks of the damaged members against the recovery file's block
 * hashes: the lost ones are marked. */
static void
locate(struct qrep *p, unsigned char *buf)
{
	for (size_t i = 0; i < p->ndmg; i++) {
		uint64_t j1 = (p->dmg[i].end + QREC_BLOCK - 1) / QREC_BLOCK;
		j1 = j1 < p->h.d ? j1 : p->h.d;
		for (uint64_t j = p->dmg[i].start / QREC_BLOCK; j < j1;
		    j += QREP_CHUNK) {
			uint64_t n = j1 - j < QREP_CHUNK ? j1 - j : QREP_CHUNK;
			read_zeros(p->bfd, buf, (size_t)n * QREC_BLOCK,
			    j * QREC_BLOCK);
			qrep_overlay_head(p, buf, j * QREC_BLOCK, (size_t)n *
			    QREC_BLOCK);
			if (j + n == p->h.d && p->h.size % QREC_BLOCK != 0)
				memset(buf + p->h.size - j * QREC_BLOCK, 0,
				    QREC_BLOCK - p->h.size % QREC_BLOCK);
			qrep_check_blocks(p, buf, j, n);
		}
	}
}

/* n bytes at off as they will be: the bundle's, with the rebuilt blocks
 * over the lost ones. off and n are multiples of the block size. */
static void
read_mended(struct qrep *p, unsigned char *buf, size_t n, uint64_t off)
{
	read_zeros(p->bfd, buf, n, off);
	for (size_t i = 0; i < n; i += QREC_BLOCK) {
		uint64_t j = (off + i) / QREC_BLOCK;
		if (j < p->h.d && p->bad[j])
			read_zeros(p->tfd, buf + i, QREC_BLOCK, off + i);
	}
}

/* Every damaged member, mended, must now match its signed hash. */
static int
recheck(struct qrep *p, unsigned char *buf, size_t len)
{
	for (size_t i = 0; i < p->ndmg; i++) {
		const struct qrep_damage *d = &p->dmg[i];
		crypto_generichash_state st;
		unsigned char got[QF_MEMBER_HASH];
		uint64_t off = d->start / QREC_BLOCK * QREC_BLOCK;

		crypto_generichash_init(&st, NULL, 0, QF_MEMBER_HASH);
		for (; off < d->end; off += len) {
			uint64_t a = off < d->start ? d->start : off;
			uint64_t b = off + len < d->end ? off + len : d->end;
			read_mended(p, buf, len, off);
			crypto_generichash_update(&st, buf + (a - off),
			    (size_t)(b - a));
		}
		crypto_generichash_final(&st, got, sizeof(got));
		if (sodium_memcmp(got, d->want, sizeof(got)) != 0)
			return qerr_set(&p->x->err, QASID_ERR_CONTENT, "%s: the "
			    "rebuilt bundle does not verify, so the damaged one "
			    "was left as it was: the member at byte %" PRIu64
			    " does not match its signed hash", p->bundle,
			    d->start);
	}
	return QASID_OK;
}

typedef int (*put_fn)(void *ud, uint64_t off, const unsigned char *b,
    size_t n);

/* Each block the repair writes, mended, in increasing order: the lost
 * ones, and the head's when it differed from its verified copy. */
static int
each_block(struct qrep *p, unsigned char *buf, put_fn put, void *ud)
{
	uint64_t nh = p->nhead > 0 ? (p->h.headlen + QREC_BLOCK - 1) /
	    QREC_BLOCK : 0;

	for (uint64_t j = 0; j < p->h.d; j++) {
		uint64_t off = j * QREC_BLOCK;
		if (!p->bad[j] && j >= nh)
			continue;
		read_mended(p, buf, QREC_BLOCK, off);
		qrep_overlay_head(p, buf, off, QREC_BLOCK);
		if (put(ud, off, buf, p->h.size - off < QREC_BLOCK ?
		    (size_t)(p->h.size - off) : QREC_BLOCK) < 0)
			return -1;
	}
	return 0;
}

static int
put_bundle(void *ud, uint64_t off, const unsigned char *b, size_t n)
{
	return qrec_pwrite(*(int *)ud, b, n, off);
}

/* No room even for the journal: the mended blocks straight over the lost
 * ones. A kill then leaves some mended and the rest as they were, a
 * bundle no worse than before, which the next repair finishes. */
static int
apply_direct(struct qrep *p, unsigned char *buf)
{
	int fd = qrep_open_write(p), rc;

	if (fd < 0)
		return p->x->err.code;
	rc = each_block(p, buf, put_bundle, &fd);
	if (rc == 0)
		rc = qos_truncate(fd, p->h.size);
	if (rc == 0)
		rc = qos_fsync(fd);
	if (qos_close(fd) < 0 && rc == 0)
		rc = -1;
	return rc == 0 ? QASID_OK : qrep_io(p, p->bundle);
}

/* The mended blocks into the journal, committed, then over the lost ones:
 * a kill before the commit leaves the bundle untouched, one after it a
 * journal that the next repair replays. */
static int
apply(struct qrep *p, unsigned char *buf)
{
	struct qjrn j;
	int rc;

	if ((rc = qjrn_create(&j, p)) == QASID_OK)
		rc = each_block(p, buf, qjrn_add, &j) < 0 ?
		    qrep_io(p, j.path) : qjrn_commit(&j, p);
	if (rc == QASID_ERR_NOSPACE) {
		qjrn_abort(&j);
		qerr_clear(&p->x->err);
		return apply_direct(p, buf);
	}
	if (rc == QASID_OK)
		rc = qjrn_apply(p, j.path);
	qjrn_abort(&j);
	return rc;
}

static int
put_check(void *ud, uint64_t off, const unsigned char *b, size_t n)
{
	const int *fd = ud;
	unsigned char got[QREC_BLOCK];

	return qrec_pread(*fd, got, n, off) == (ptrdiff_t)n &&
	    memcmp(got, b, n) == 0 ? 0 : -1;
}

/* The bundle read back from the medium once written (its cached pages
 * dropped): its size, and every block written as it was meant to be.
 * recheck() hashed the damaged members over exactly these bytes, and the
 * scan the rest, so the bundle as it is now matches every signed hash;
 * reading back only what was written keeps this to seconds on a stick. */
static int
reread(struct qrep *p, unsigned char *buf)
{
	int fd = qos_open(p->bundle, QOS_READ, 0), ok;
	struct qos_stat st;

	if (fd < 0)
		return qrep_io(p, p->bundle);
	qos_drop_cache(fd);
	ok = qos_fstat(fd, &st) == 0 && st.size == p->h.size &&
	    each_block(p, buf, put_check, &fd) == 0;
	qos_close(fd);
	return ok ? QASID_OK : qerr_set(&p->x->err, QASID_ERR_CONTENT, "%s: "
	    "the repaired bundle does not read back as it was written: the "
	    "medium may be failing", p->bundle);
}

static int
repair_fast(struct qrep *p)
{
	size_t len = QREP_CHUNK * QREC_BLOCK;
	unsigned char *buf = malloc(len);
	int rc;

	if (buf == NULL)
		return qerr_set(&p->x->err, QASID_ERR_NOMEM, "%s", p->bundle);
	p->datafd = p->bfd;
	if ((rc = scan_members(p)) == QASID_OK && p->ndmg > 0) {
		locate(p, buf);
		if ((rc = qrep_analyse(p, buf)) == QASID_OK &&
		    (rc = qrep_rebuild_all(p)) == QASID_OK)
			rc = recheck(p, buf, len);
	}
	p->x->blocks = p->nbad + p->nhead;
	if (rc == QASID_OK && p->x->blocks > 0 &&
	    (rc = apply(p, buf)) == QASID_OK)
		rc = reread(p, buf);
	free(buf);
	return rc;
}

/* A journal left by an interrupted repair, replayed or removed first;
 * then the bundle's size as it is now. */
static int
journal(struct qrep *p)
{
	char *path = qjrn_path(p->bundle);
	struct qos_stat st;
	int rc;

	if (path == NULL)
		return qerr_set(&p->x->err, QASID_ERR_NOMEM, "%s", p->bundle);
	rc = qjrn_recover(p, path);
	free(path);
	if (rc == QASID_OK && qos_fstat(p->bfd, &st) < 0)
		return qrep_io(p, p->bundle);
	if (rc == QASID_OK)
		p->bsize = st.size;
	return rc;
}

int
qasid_rec_repair(qasid_rec *x, const char *bundle, const qasid_keyring *kr)
{
	struct qrep p = {.x = x, .bundle = bundle, .rfd = -1, .tfd = -1};
	struct qos_stat st;
	char *tmp = NULL;
	int rc;

	qerr_clear(&x->err);
	x->blocks = 0;
	/* Held until qrep_end: another repair waits, and finds no journal
	 * of this one's and no damage. */
	if ((rc = qrec_lock(x, bundle, QOS_LOCK_EX, &p.bfd)) != QASID_OK)
		return rc;
	if (qos_fstat(p.bfd, &st) < 0) {
		rc = qrep_io(&p, bundle);
		qrep_end(&p);
		return rc;
	}
	p.bsize = st.size;
	if ((rc = qrep_open(&p)) == QASID_OK && (rc = journal(&p)) ==
	    QASID_OK && (rc = open_head(&p, kr)) == 1) {
		/* Only the rebuilt blocks are written here. */
		if ((p.tfd = qtmp_anon(NULL)) < 0)
			rc = qrep_io(&p, "a temporary file");
		else
			rc = repair_fast(&p);
		if (p.tfd >= 0)
			qos_close(p.tfd);
	} else if (rc == 0) {
		if ((p.tfd = qtmp_create(bundle, &tmp)) < 0)
			rc = qrep_io(&p, bundle);
		else if ((rc = qrep_slow(&p, kr)) == QASID_OK &&
		    x->blocks > 0 && (qchmod(p.tfd, st.mode & 0777) < 0 ||
		    qtmp_commit(p.tfd, tmp, bundle, 1) < 0))
			rc = qrep_io(&p, bundle);
		else if (rc != QASID_OK || x->blocks == 0)
			qtmp_abort(p.tfd, tmp);
	}
	if (rc == QASID_OK)
		x->blocks += p.replayed;
	qrep_end(&p);
	return rc;
}
