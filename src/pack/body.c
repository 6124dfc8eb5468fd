/* SPDX-License-Identifier: ISC */
/*
 * body.c - the packer's one pass over the input: tar stream, chunks,
 * parallel compression.
 *
 * The calling thread reads files straight into chunk buffers (1 MiB of tar
 * stream each) and hashes them; the workers of a work ring (queue.c)
 * compress chunks into gzip members and hash the members; the calling
 * thread writes finished members in order. With one thread it compresses
 * them itself. A fixed ring of slots bounds memory. Chunk boundaries depend
 * only on entry sizes, and each member only on its chunk, so the output is
 * the same for any number of threads.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gz.h"
#include "pack.h"
#include "queue.h"
#include "tar.h"

#define THREADS_MAX 64
/* The default stops here: each thread holds about 4 MiB of chunks, and
 * memory stays under 32 MiB whatever the machine. */
#define THREADS_DEFAULT_MAX 4

struct slot {
	struct qbuf in, out;
	unsigned char hash[QF_MEMBER_HASH];
	int rc;
};

struct run {
	struct qpack_body *b;
	struct qwork w;      /* compresses slots, in order */
	struct slot *slots;
	void **items;
	size_t nslots;
	qgz **gz;            /* one compressor per worker */
	unsigned ngz;
	struct slot *cur;    /* the slot being filled */
	uint64_t done;       /* content bytes read, for progress */
	void *loc;        /* for tar headers */
};

static void
compress(void *ud, void *item, unsigned worker)
{
	struct run *r = ud;
	struct slot *s = item;
	qgz *gz = r->gz[worker];

	s->out.len = 0;
	s->rc = qgz_member(gz, s->in.p, s->in.len, 0, &s->out);
	if (s->rc == QASID_OK)
		crypto_generichash(s->hash, sizeof(s->hash), s->out.p,
		    s->out.len, NULL, 0);
}

static unsigned
thread_count(unsigned asked)
{
	unsigned n = qos_cpus();

	if (asked == 0)
		asked = n > THREADS_DEFAULT_MAX ? THREADS_DEFAULT_MAX : n;
	return asked > THREADS_MAX ? THREADS_MAX : asked;
}

/* With one thread the calling thread compresses too: no worker at all. */
static int
pool_start(struct run *r, unsigned threads)
{
	unsigned workers = threads == 1 ? 0 : threads;

	r->ngz = workers ? workers : 1;
	/* Room for each worker's chunk and the next, the one being filled
	 * and the one being written. */
	r->nslots = 2 * (size_t)threads + 2;
	r->slots = calloc(r->nslots, sizeof(*r->slots));
	r->items = calloc(r->nslots, sizeof(*r->items));
	r->gz = calloc(r->ngz, sizeof(*r->gz));
	if (r->slots == NULL || r->items == NULL || r->gz == NULL)
		return QASID_ERR_NOMEM;
	for (size_t i = 0; i < r->nslots; i++)
		r->items[i] = &r->slots[i];
	for (unsigned i = 0; i < r->ngz; i++)
		if ((r->gz[i] = qgz_new()) == NULL)
			return QASID_ERR_NOMEM;
	return qwork_start(&r->w, r->items, r->nslots, workers, compress, r);
}

static void
pool_stop(struct run *r)
{
	qwork_stop(&r->w);
	for (size_t i = 0; r->slots && i < r->nslots; i++) {
		qbuf_free(&r->slots[i].in);
		qbuf_free(&r->slots[i].out);
	}
	for (unsigned i = 0; r->gz && i < r->ngz; i++)
		qgz_free(r->gz[i]);
	free(r->slots);
	free(r->items);
	free(r->gz);
}

/* Waits for the oldest slot, appends its member to the body file. */
static int
write_oldest(struct run *r)
{
	struct slot *s = qwork_collect(&r->w);
	struct qpack_body *b = r->b;
	struct qmember_rec *m;

	if (s->rc != QASID_OK)
		return qerr_set(b->err, s->rc, "compressing");
	if (b->nm == b->capm) {
		size_t cap = b->capm ? b->capm * 2 : 256;
		if ((m = realloc(b->m, cap * sizeof(*m))) == NULL)
			return qerr_set(b->err, QASID_ERR_NOMEM, "members");
		b->m = m;
		b->capm = cap;
	}
	m = &b->m[b->nm++];
	m->clen = s->out.len;
	m->ulen = s->in.len;
	memcpy(m->hash, s->hash, sizeof(m->hash));
	if (qwrite_poll(b->fd, s->out.p, s->out.len, b->progress,
	    b->progress_ud) < 0)
		return errno == ECANCELED ? qerr_io(b->err, errno, "packing") :
		    qerr_sys(b->err, QASID_ERR_IO, errno, "%s: temporary file",
		    b->where);
	b->len += s->out.len;
	return QASID_OK;
}

/* Reports progress, which may cancel. */
static int
report(struct run *r)
{
	return qprogress(r->b->progress, r->b->progress_ud, r->done,
	    r->b->total, r->b->err, "packing");
}

/* Queues the slot being filled and takes the next free one. Each chunk
 * (1 MiB of tar stream) reports progress, however small its files. */
static int
cut(struct run *r)
{
	int rc;

	if (r->cur != NULL && r->cur->in.len == 0)
		return QASID_OK;
	if ((rc = report(r)) != QASID_OK)
		return rc;
	if (r->cur != NULL)
		qwork_submit(&r->w);
	if (qwork_full(&r->w) && (rc = write_oldest(r)) != QASID_OK)
		return rc;
	qwork_release(&r->w);
	r->cur = qwork_item(&r->w);
	r->cur->in.len = 0;
	if (qbuf_reserve(&r->cur->in, QF_CHUNK) != QASID_OK)
		return qerr_set(r->b->err, QASID_ERR_NOMEM, "chunk");
	return QASID_OK;
}

/* Appends bytes to the tar stream, cutting chunks at QF_CHUNK. */
static int
emit(struct run *r, const void *p, size_t n)
{
	const unsigned char *c = p;
	int rc;

	while (n > 0) {
		size_t room = QF_CHUNK - r->cur->in.len, k = n < room ? n : room;
		memcpy(r->cur->in.p + r->cur->in.len, c, k);
		r->cur->in.len += k;
		c += k;
		n -= k;
		if (r->cur->in.len == QF_CHUNK && (rc = cut(r)) != QASID_OK)
			return rc;
	}
	return QASID_OK;
}

/* Reads a file's bytes straight into chunks, hashing as they pass. */
static int
emit_file(struct run *r, struct pentry *e)
{
	crypto_generichash_state st;
	uint64_t left = e->size;
	unsigned char extra;
	int fd, rc = QASID_OK;

	/* A scrubbed copy (meta_pack.c) is read in place of the original. */
	if ((fd = e->fd >= 0 ? qos_dup(e->fd) : qos_open(e->src, QOS_READ |
	    QOS_NOFOLLOW, 0)) < 0)
		return qerr_sys(r->b->err, QASID_ERR_IO, errno, "%s", e->src);
	/* A piece of a volume set (volume.c) starts where it starts. */
	if ((e->fd >= 0 || e->off > 0) &&
	    qos_seek(fd, (int64_t)e->off, QOS_SEEK_SET) < 0) {
		qos_close(fd);
		return qerr_sys(r->b->err, QASID_ERR_IO, errno, "%s", e->src);
	}
	qos_hint_sequential(fd);
	crypto_generichash_init(&st, NULL, 0, QF_FILE_HASH);
	while (rc == QASID_OK && left > 0) {
		size_t room = QF_CHUNK - r->cur->in.len;
		size_t want = left < room ? (size_t)left : room;
		ptrdiff_t got = qread_poll(fd, r->cur->in.p + r->cur->in.len,
		    want, r->b->progress, r->b->progress_ud);
		if (got < 0) {
			rc = qerr_io(r->b->err, errno, e->src);
			break;
		}
		if ((size_t)got < want) {
			rc = qerr_set(r->b->err, QASID_ERR_IO, "%s: file shrank "
			    "while being packed", e->src);
			break;
		}
		crypto_generichash_update(&st, r->cur->in.p + r->cur->in.len,
		    want);
		r->cur->in.len += want;
		left -= want;
		r->done += want;
		if (r->cur->in.len == QF_CHUNK)
			rc = cut(r);
	}
	if (rc == QASID_OK && e->whole == NULL &&
	    qread_full(fd, &extra, 1) != 0)
		rc = qerr_set(r->b->err, QASID_ERR_IO, "%s: file grew while "
		    "being packed", e->src);
	qos_close(fd);
	crypto_generichash_final(&st, e->hash, QF_FILE_HASH);
	return rc;
}

static int
emit_entry(struct run *r, struct pentry *e, struct qbuf *hdr)
{
	static const unsigned char zero[QF_BLOCK];
	struct qtar_entry te = {e->rel, e->is_dir, e->mode, e->size,
	    r->b->created};
	uint64_t whole;
	int rc;

	hdr->len = 0;
	if (qtar_header_in(r->loc, &te, hdr) != QASID_OK)
		return qerr_set(r->b->err, QASID_ERR_INTERNAL, "%s: cannot "
		    "make a tar header (non-ASCII names need the C.UTF-8 "
		    "locale installed)", e->src);
	/* A file starts a new chunk unless it fits in the current one. */
	whole = hdr->len + e->size + qtar_padding(e->size);
	if (r->cur->in.len > 0 && r->cur->in.len + whole > QF_CHUNK &&
	    (rc = cut(r)) != QASID_OK)
		return rc;
	if ((rc = emit(r, hdr->p, hdr->len)) != QASID_OK)
		return rc;
	if (e->is_dir)
		return QASID_OK;
	if ((rc = emit_file(r, e)) != QASID_OK)
		return rc;
	return emit(r, zero, qtar_padding(e->size));
}

int
qpack_body(struct qpack_body *b, const char *tmpdir, const char *out,
    struct pentry *e, size_t n)
{
	struct run r;
	struct qbuf hdr = {0};
	char *tmp = NULL, *where = NULL;
	int rc;

	memset(&r, 0, sizeof(r));
	r.b = b;
	if ((b->where = tmpdir ? strdup(tmpdir) : qdirname(out)) == NULL)
		return qerr_set(b->err, QASID_ERR_NOMEM, "%s", out);
	if (tmpdir != NULL) {
		size_t len = strlen(tmpdir) + 8;
		if ((where = malloc(len)) == NULL)
			return qerr_set(b->err, QASID_ERR_NOMEM, "%s", tmpdir);
		snprintf(where, len, "%s/body", tmpdir);
	}
	b->fd = qtmp_create(where ? where : out, &tmp);
	free(where);
	if (b->fd < 0)
		return qerr_sys(b->err, QASID_ERR_IO, errno, "%s", tmpdir ?
		    tmpdir : out);
	/* Unlinked at once: a crash leaves nothing behind. */
	if (tmp != NULL)
		qos_unlinkat(QOS_AT_CWD, tmp, 0);
	free(tmp);
	if ((r.loc = qtar_locale()) == NULL)
		return qerr_set(b->err, QASID_ERR_INTERNAL, "no UTF-8 locale");
	if ((rc = pool_start(&r, thread_count(b->threads))) != QASID_OK) {
		qtar_locale_free(r.loc);
		qerr_set(b->err, rc, "starting threads");
		pool_stop(&r);
		return rc;
	}
	rc = cut(&r);
	for (size_t i = 0; rc == QASID_OK && i < n; i++) {
		/* Statements carried fill the first member alone. */
		if (i > 0 && e[i - 1].is_key && !e[i].is_key)
			rc = cut(&r);
		if (rc == QASID_OK)
			rc = emit_entry(&r, &e[i], &hdr);
	}
	if (rc == QASID_OK) {
		hdr.len = 0;
		rc = qtar_trailer(&hdr) != QASID_OK ? qerr_set(b->err,
		    QASID_ERR_INTERNAL, "tar trailer") : emit(&r, hdr.p,
		    hdr.len);
	}
	if (rc == QASID_OK)
		rc = cut(&r);
	while (rc == QASID_OK && qwork_pending(&r.w) > 0)
		rc = write_oldest(&r);
	if (rc == QASID_OK)
		rc = report(&r);
	pool_stop(&r);
	qtar_locale_free(r.loc);
	qbuf_free(&hdr);
	return rc;
}

void
qpack_body_free(struct qpack_body *b)
{
	if (b->fd >= 0)
		qos_close(b->fd);
	b->fd = -1;
	free(b->m);
	b->m = NULL;
	free(b->where);
	b->where = NULL;
}
