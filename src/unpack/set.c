/* SPDX-License-Identifier: ISC */
/*
 * set.c - unpacking one volume of a set (docs/FORMAT.md 17.4): the files
 * wholly inside it are published as from any bundle; its own metadata
 * (.qasid/set and its folders) and the pieces of files split across
 * volumes never are. A filter stands between the body check and unpack's
 * sink, so that unpack itself knows nothing of volumes.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "unpack.h"

static int
skipped(const struct qmf_entry *e)
{
	return e->is_piece || qmf_volume_meta(e->path, e->pathlen);
}

static int
f_dir(void *ud, const struct qmf_entry *e)
{
	struct qset_filter *f = ud;

	return skipped(e) ? QASID_OK : f->to->dir(f->to->ud, e);
}

static int
f_begin(void *ud, const struct qmf_entry *e)
{
	struct qset_filter *f = ud;

	if ((f->skip = skipped(e)))
		return QASID_OK;
	return f->to->file_begin(f->to->ud, e);
}

static int
f_data(void *ud, const unsigned char *p, size_t n)
{
	struct qset_filter *f = ud;

	return f->skip ? QASID_OK : f->to->file_data(f->to->ud, p, n);
}

static int
f_end(void *ud, const struct qmf_entry *e)
{
	struct qset_filter *f = ud;

	return f->skip ? QASID_OK : f->to->file_end(f->to->ud, e);
}

static int
f_commit(void *ud)
{
	struct qset_filter *f = ud;

	return f->to->commit(f->to->ud);
}

const struct qsink *
qset_filter(const struct qsink *to, struct qset_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->to = to;
	f->sink.ud = f;
	f->sink.dir = f_dir;
	f->sink.file_begin = f_begin;
	f->sink.file_data = f_data;
	f->sink.file_end = f_end;
	f->sink.commit = f_commit;
	return &f->sink;
}

/* ---- A whole set ------------------------------------------------------ */

/* A file split across volumes, as its pieces arrive in part order. */
struct split {
	char *path;
	char flat[QF_PIECE_NAME]; /* its name in the staging folder's top */
	uint64_t next;        /* the offset the next piece must start at */
};

struct setun {
	struct qsink sink;
	const struct qsink *to;
	struct unpack *u;
	qasid_reader *cur;    /* the volume being read */
	int later;            /* a part after the first: its folders are made */
	int skip, fd;
	struct split *sp, *open;
	size_t nsp;
	uint64_t whole;       /* files published whole */
};

static int
s_dir(void *ud, const struct qmf_entry *e)
{
	struct setun *s = ud;

	return s->later || skipped(e) ? QASID_OK : s->to->dir(s->to->ud, e);
}

static struct split *
find_split(struct setun *s, const char *path)
{
	for (size_t i = 0; i < s->nsp; i++)
		if (strcmp(s->sp[i].path, path) == 0)
			return &s->sp[i];
	return NULL;
}

static int
bad_piece(struct setun *s, const struct qmf_entry *e, const char *why)
{
	return qerr_set(&s->cur->err, QASID_ERR_FORMAT, "%s: piece of '%s' at "
	    "%" PRIu64 ": %s", s->cur->path, e->path, e->offset, why);
}

/* A piece is written into its file in the staging folder, where the
 * pieces before it left off: at the folder's top, since pieces come before
 * the folders a volume holds, and moved to its path once checked. */
static void
flat_name(const char *path, size_t len, char out[QF_PIECE_NAME])
{
	char name[QF_PIECE_NAME];

	qmf_piece_name(path, len, 0, name);
	/* ".qasid/pieces/HEX-OFFSET" to ".qasid-piece-HEX" */
	snprintf(out, QF_PIECE_NAME, ".qasid-piece-%.32s", name + 14);
}

static int
piece_begin(struct setun *s, const struct qmf_entry *e)
{
	struct split *p = find_split(s, e->path);
	int flags = QOS_WRITE | QOS_NOFOLLOW;

	if (p == NULL && e->offset != 0)
		return bad_piece(s, e, "its first piece is missing");
	if (p != NULL && e->offset != p->next)
		return bad_piece(s, e, "pieces out of order or overlapping");
	if (p == NULL) {
		struct split *n = realloc(s->sp, (s->nsp + 1) * sizeof(*n));
		if (n == NULL)
			return qerr_set(&s->cur->err, QASID_ERR_NOMEM, "set");
		s->sp = n;
		p = &s->sp[s->nsp];
		if ((p->path = strdup(e->path)) == NULL)
			return qerr_set(&s->cur->err, QASID_ERR_NOMEM, "set");
		p->next = 0;
		flat_name(e->path, e->pathlen, p->flat);
		s->nsp++;
		flags |= QOS_CREATE | QOS_EXCL;
	}
	s->fd = qos_openat(s->u->stagefd, p->flat, flags, 0600);
	if (s->fd < 0 || qos_seek(s->fd, (int64_t)e->offset, QOS_SEEK_SET) <
	    0)
		return unp_sys(s->u, errno, e->path);
	s->open = p;
	return QASID_OK;
}

static int
s_begin(void *ud, const struct qmf_entry *e)
{
	struct setun *s = ud;

	s->skip = !e->is_piece && qmf_volume_meta(e->path, e->pathlen);
	if (s->skip)
		return QASID_OK;
	if (e->is_piece)
		return piece_begin(s, e);
	s->whole++;
	return s->to->file_begin(s->to->ud, e);
}

static int
s_data(void *ud, const unsigned char *p, size_t n)
{
	struct setun *s = ud;

	if (s->skip)
		return QASID_OK;
	if (s->open == NULL)
		return s->to->file_data(s->to->ud, p, n);
	return qwrite_all(s->fd, p, n) < 0 ? unp_sys(s->u, errno,
	    s->open->path) : QASID_OK;
}

static int
s_end(void *ud, const struct qmf_entry *e)
{
	struct setun *s = ud;

	if (s->skip)
		return QASID_OK;
	if (s->open == NULL)
		return s->to->file_end(s->to->ud, e);
	s->open->next += e->size;
	s->open = NULL;
	if (qos_close(s->fd) < 0) {
		s->fd = -1;
		return unp_sys(s->u, errno, e->path);
	}
	s->fd = -1;
	return QASID_OK;
}

/* Each volume commits nothing: the set is published once, whole. */
static int
s_commit(void *ud)
{
	(void)ud;
	return QASID_OK;
}

struct tally {
	struct setun *s;
	uint64_t whole, split;
};

/* A rejoined file must be the one the set file's hash names. */
static int
check_joined(struct setun *s, const struct split *p, const qasid_entry *e)
{
	static const size_t bufsize = (size_t)1 << 20;
	crypto_generichash_state st;
	unsigned char h[QF_FILE_HASH], *buf = malloc(bufsize);
	char hex[2 * QF_FILE_HASH + 1];
	ptrdiff_t n;
	int fd = qos_openat(s->u->stagefd, p->flat, QOS_READ | QOS_NOFOLLOW,
	    0);

	if (fd < 0 || buf == NULL) {
		free(buf);
		if (fd >= 0)
			qos_close(fd);
		return unp_sys(s->u, errno ? errno : ENOMEM, e->path);
	}
	crypto_generichash_init(&st, NULL, 0, QF_FILE_HASH);
	while ((n = qread_full(fd, buf, bufsize)) > 0)
		crypto_generichash_update(&st, buf, (size_t)n);
	crypto_generichash_final(&st, h, sizeof(h));
	free(buf);
	if (n < 0 || qchmod(fd, e->mode) < 0) {
		qos_close(fd);
		return unp_sys(s->u, errno, e->path);
	}
	qos_close(fd);
	qhex(h, sizeof(h), hex);
	if (strcmp(hex, e->hash) != 0)
		return qerr_set(&s->u->r->err, QASID_ERR_CONTENT, "%s: '%s' "
		    "rejoined from its pieces does not match its signed hash",
		    s->u->r->path, e->path);
	if (qrename_noreplace(s->u->stagefd, p->flat, s->u->stagefd,
	    e->path) < 0)
		return unp_sys(s->u, errno, e->path);
	return QASID_OK;
}

static int
tally_file(void *ud, const qasid_entry *e)
{
	struct tally *t = ud;
	struct setun *s = t->s;
	struct split *p;
	struct qos_stat st;

	if (e->is_dir)
		return QASID_OK;
	if (e->first_part == e->last_part) {
		t->whole++;
		if (qos_statat(s->u->stagefd, e->path, &st, QOS_NOFOLLOW) <
		    0 || st.kind != QOS_FILE || st.size != e->size)
			return qerr_set(&s->u->r->err, QASID_ERR_FORMAT, "%s: "
			    "'%s' is not in part %" PRIu64 " as the set file "
			    "says", s->u->r->path, e->path, e->first_part);
		return QASID_OK;
	}
	t->split++;
	if ((p = find_split(s, e->path)) == NULL || p->next != e->size)
		return qerr_set(&s->u->r->err, QASID_ERR_FORMAT, "%s: '%s' is "
		    "not whole in parts %" PRIu64 " to %" PRIu64, s->u->r->path,
		    e->path, e->first_part, e->last_part);
	return check_joined(s, p, e);
}

static int
check_set(struct setun *s)
{
	struct tally t = {s, 0, 0};
	int rc = qset_walk(s->u->r, tally_file, &t);

	if (rc == QASID_OK && (t.whole != s->whole || t.split != s->nsp))
		rc = qerr_set(&s->u->r->err, QASID_ERR_FORMAT, "%s: the "
		    "volumes hold files their set file does not list",
		    s->u->r->path);
	return rc;
}

static int
read_parts(struct setun *s, qasid_reader *r)
{
	int rc = qread_body(r, &s->sink);

	s->later = 1;
	for (size_t i = 0; rc == QASID_OK && i < r->nparts; i++) {
		s->cur = r->parts[i];
		/* The sink's own failures are told on r already. */
		if ((rc = qread_body(s->cur, &s->sink)) != QASID_OK &&
		    r->err.code == QASID_OK)
			qerr_set(&r->err, rc, "%s", qerr_msg(&s->cur->err));
	}
	return rc;
}

int
qset_unpack(qasid_reader *r, struct unpack *u, const struct qsink *to)
{
	struct setun s = {.to = to, .u = u, .cur = r, .fd = -1};
	int rc;

	s.sink = (struct qsink){&s, s_dir, s_begin, s_data, s_end, s_commit};
	rc = read_parts(&s, r);
	if (s.fd >= 0)
		qos_close(s.fd);
	if (rc == QASID_OK)
		rc = check_set(&s);
	if (rc == QASID_OK)
		rc = to->commit(to->ud);
	for (size_t i = 0; i < s.nsp; i++)
		free(s.sp[i].path);
	free(s.sp);
	return rc;
}

/* ---- A set given as its volumes' paths ---------------------------------- */

static void
free_parts(qasid_reader **v, size_t n)
{
	for (size_t i = 0; v != NULL && i < n; i++)
		qasid_reader_free(v[i]);
	free(v);
}

/* Opens and checks the head of each path, as verify would. */
static int
open_parts(qasid_reader *r, const char *const *paths, size_t n,
    qasid_reader **v)
{
	for (size_t i = 0; i < n; i++) {
		int rc;
		if ((v[i] = qasid_reader_new(r->kr)) == NULL)
			return qerr_set(&r->err, QASID_ERR_NOMEM, "%s", paths[i]);
		v[i]->threads = r->threads;
		v[i]->progress = r->progress;      /* and so may cancel */
		v[i]->progress_ud = r->progress_ud;
		v[i]->spool.tmpdir = r->spool.tmpdir;
		if ((rc = qasid_reader_open(v[i], paths[i])) == QASID_OK)
			rc = qread_start(v[i], 1);
		if (rc == QASID_OK && !v[i]->hdr.has_volume)
			rc = qerr_set(&v[i]->err, QASID_ERR_ARG, "%s: not a "
			    "volume of a set: unpack it on its own", paths[i]);
		/* Its message names it already. */
		if (rc != QASID_OK)
			return qerr_set(&r->err, rc, "%s", qerr_msg(&v[i]->err));
	}
	return QASID_OK;
}

/* The first part of 1 to COUNT that no volume of v is. */
static uint64_t
first_missing(qasid_reader **v, size_t n)
{
	for (uint64_t p = 1;; p++) {
		size_t i = 0;
		while (i < n && v[i]->hdr.part != p)
			i++;
		if (i == n)
			return p;
	}
}

/* One set, each part once, none missing: v sorted by part into w. */
static int
order_parts(qasid_reader *r, qasid_reader **v, size_t n, qasid_reader **w)
{
	const struct qmf_header *h0 = &v[0]->hdr;

	for (size_t i = 0; i < n; i++)
		if (memcmp(v[i]->hdr.setid, h0->setid, QF_MEMBER_HASH) != 0 ||
		    v[i]->hdr.count != h0->count)
			return qerr_set(&r->err, QASID_ERR_FORMAT, "%s: a volume "
			    "of another set than %s", v[i]->path, v[0]->path);
	if (h0->count > n)
		return qerr_set(&r->err, QASID_ERR_FORMAT, "%s: part %" PRIu64
		    " of %" PRIu64 " is missing; nothing was unpacked",
		    v[0]->path, first_missing(v, n), h0->count);
	for (size_t i = 0; i < n; i++) {
		uint64_t p = v[i]->hdr.part;
		if (w[p - 1] != NULL)
			return qerr_set(&r->err, QASID_ERR_ARG, "%s: part %"
			    PRIu64 " given twice (also %s)", v[i]->path, p,
			    w[p - 1]->path);
		w[p - 1] = v[i];
	}
	return QASID_OK;
}

int
qasid_reader_unpack_set(qasid_reader *r, const char *const *paths, size_t n,
    const char *dir)
{
	qasid_reader **v = calloc(n ? n : 1, sizeof(*v));
	qasid_reader **w = calloc(n ? n : 1, sizeof(*w));
	int rc;

	if (v == NULL || w == NULL)
		rc = qerr_set(&r->err, QASID_ERR_NOMEM, "%s", dir);
	else if (n == 0)
		rc = qerr_set(&r->err, QASID_ERR_ARG, "no volumes");
	else if ((rc = open_parts(r, paths, n, v)) == QASID_OK &&
	    (rc = order_parts(r, v, n, w)) == QASID_OK &&
	    (rc = qasid_reader_open(r, w[0]->path)) == QASID_OK) {
		r->parts = w + 1;
		r->nparts = n - 1;
		rc = qasid_reader_unpack(r, dir);
		r->parts = NULL;
		r->nparts = 0;
	}
	free(w);
	free_parts(v, n);
	return rc;
}
