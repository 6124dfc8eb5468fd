/* SPDX-License-Identifier: ISC */
/*
 * check.c - checking a bundle's body against its signed manifest.
 *
 * Two cursors walk the manifest: one over the entries, one over the gzip
 * members. The body's inflated bytes must be, in order, each entry's
 * canonical tar header, its content (whose hash must match) and padding,
 * then the end-of-archive marker; each member must end where the manifest
 * says, with the raw length and hash it says. Entries must be in bundle
 * order, which makes duplicates and file-system collisions neighbours, and
 * every entry's folder must come before it: so this needs memory for one
 * path and one folder chain, whatever the bundle holds.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "hasher.h"
#include "paths.h"
#include "reader.h"
#include "tar.h"

#define IOBUF ((size_t)256 << 10)
#define MEMBER_ULEN_MAX ((uint64_t)1 << 32)

struct body {
	qasid_reader *r;
	const struct qsink *sink;
	struct qmf_cursor *ec, *mc;
	struct qmf_member m;          /* the member being read */
	uint64_t members_seen;
	unsigned char *buf;
	struct qbuf want;
	uint64_t done;                /* content bytes, for progress */
	/* order and folder checks */
	char prev[QASID_PATH_MAX + 1];
	size_t prevlen;
	char dirs[QASID_PATH_MAX + 1]; /* the chain of open folders */
	size_t dirlen[QASID_DEPTH_MAX + 1];
	int depth;
	uint64_t files, ndirs, bytes, pieces;
	int keys;                     /* statements carried: 0 none, 1 being
	                               * read, 2 done */
	void *loc;                 /* for tar headers */
	struct qhasher *hasher;       /* file content's hashes */
	int in_set, sets;             /* a volume's .qasid/set: being read, */
	crypto_generichash_state setst; /* seen, and its hash (the SETID) */
};

static int
content(struct body *b, const char *path, const char *why)
{
	return qerr_set(&b->r->err, QASID_ERR_CONTENT, "%s: '%s' %s",
	    b->r->path, path, why);
}

/* Starts the next member the manifest lists. */
static int
next_member(struct body *b)
{
	int rc = qmf_get_member(b->mc, &b->m);

	if (rc < 0)
		return qerr_set(&b->r->err, rc, "%s", b->r->path);
	if (rc == 0)
		return qerr_set(&b->r->err, QASID_ERR_FORMAT, "%s: the tar "
		    "stream goes on past the last member in the manifest",
		    b->r->path);
	if (b->m.ulen > MEMBER_ULEN_MAX || b->m.clen > MEMBER_ULEN_MAX * 2)
		return qerr_set(&b->r->err, QASID_ERR_FORMAT, "%s: manifest "
		    "lists a member larger than a reader accepts", b->r->path);
	b->members_seen++;
	return qin_begin(&b->r->in, b->m.clen, b->m.ulen, QIN_NOCRC);
}

/* Closes the current member and checks it against the manifest. */
static int
close_member(struct body *b)
{
	unsigned char hash[QF_MEMBER_HASH];
	struct qin *in = &b->r->in;
	uint64_t idx = in->index, off = in->offset, raw;
	int rc;

	if ((rc = qin_end(in, &raw, hash)) != QASID_OK)
		return rc;
	if (raw != b->m.clen || in->cout != b->m.ulen ||
	    sodium_memcmp(hash, b->m.hash, QF_MEMBER_HASH) != 0)
		return qerr_set(&b->r->err, QASID_ERR_CONTENT, "%s: gzip member "
		    "%" PRIu64 " at offset %" PRIu64 " does not match the "
		    "manifest (damaged or altered)", b->r->path, idx, off);
	return qprogress(b->r->progress, b->r->progress_ud, b->done,
	    b->r->hdr.bytes, &b->r->err, b->r->path);
}

/* Reads exactly n inflated bytes of the body, crossing members. */
static int
body_read(struct body *b, unsigned char *p, size_t n)
{
	while (n > 0) {
		size_t got;
		int rc;

		if (!b->r->in.open) {
			if ((rc = close_member(b)) != QASID_OK ||
			    (rc = next_member(b)) != QASID_OK)
				return rc;
		}
		if ((rc = qin_read(&b->r->in, p, n, &got)) != QASID_OK)
			return rc;
		p += got;
		n -= got;
	}
	return QASID_OK;
}

/* The next bytes must equal want: a header, padding or the trailer. */
static int
expect(struct body *b, const unsigned char *want, size_t n, const char *what,
    const char *path)
{
	int rc;

	while (n > 0) {
		size_t k = n < IOBUF ? n : IOBUF;
		if ((rc = body_read(b, b->buf, k)) != QASID_OK)
			return rc;
		if (memcmp(b->buf, want, k) != 0)
			return qerr_set(&b->r->err, QASID_ERR_CONTENT, "%s: %s "
			    "of '%s' does not match the manifest", b->r->path,
			    what, path);
		want += k;
		n -= k;
	}
	return QASID_OK;
}

/* Entries come in bundle order; each folder before what it holds. */
static int
check_place(struct body *b, const struct qmf_entry *e)
{
	char why[300];
	size_t parent;

	if (b->prevlen > 0) {
		if (qpath_cmp(b->prev, b->prevlen, e->path,
		    e->pathlen) >= 0)
			return content(b, e->path, "is duplicated or out of "
			    "order");
		if (qpath_collide(b->prev, b->prevlen, e->path,
		    e->pathlen, why, sizeof(why)))
			return qerr_set(&b->r->err, QASID_ERR_UNSAFE, "%s: '%s': "
			    "%s", b->r->path, e->path, why);
	}
	memcpy(b->prev, e->path, e->pathlen + 1);
	b->prevlen = e->pathlen;
	/* The parent's length: up to the last slash (memrchr is GNU's). */
	for (parent = e->pathlen; parent > 0 && e->path[parent - 1] != '/';)
		parent--;
	parent = parent > 0 ? parent - 1 : 0;
	/* Close folders this entry is not inside. */
	while (b->depth > 0 && !(b->dirlen[b->depth] == parent &&
	    memcmp(b->dirs, e->path, parent) == 0))
		b->depth--;
	if (parent > 0 && (b->depth == 0 || b->dirlen[b->depth] != parent))
		return content(b, e->path, "comes without its folder");
	if (e->is_dir) {
		if (b->depth >= QASID_DEPTH_MAX)
			return content(b, e->path, "nests too deep");
		memcpy(b->dirs, e->path, e->pathlen);
		b->dirlen[++b->depth] = e->pathlen;
	}
	return QASID_OK;
}

/* The statements a bundle carries fill member 2 alone (FORMAT.md 17.3),
 * so that a reader finds them there before it checks the signature. */
static int
keys_end(struct body *b)
{
	if (b->keys != 1)
		return QASID_OK;
	b->keys = 2;
	if (b->members_seen != 1 || b->r->in.cout != b->m.ulen)
		return qerr_set(&b->r->err, QASID_ERR_FORMAT, "%s: the "
		    "statements it carries do not fill the first body member "
		    "alone", b->r->path);
	return QASID_OK;
}

static int
check_file(struct body *b, const struct qmf_entry *e)
{
	static const unsigned char zero[QF_BLOCK];
	/* Statements are read, never unpacked. */
	const struct qsink *s = e->is_key ? NULL : b->sink;
	uint64_t left = e->size;
	int rc, first = 1;

	if (s && (rc = s->file_begin(s->ud, e)) != QASID_OK)
		return rc;
	/* The hash is taken and compared on the hasher's thread; its verdict
	 * comes before anything is committed (check_end). */
	do {
		size_t k;
		unsigned char *buf = qhasher_buf(b->hasher, &k);

		if (left < k)
			k = (size_t)left;
		if ((rc = body_read(b, buf, k)) != QASID_OK)
			return rc;
		if (s && (rc = s->file_data(s->ud, buf, k)) != QASID_OK)
			return rc;
		if (b->in_set && (crypto_generichash_update(&b->setst, buf,
		    k) != 0 || qspool_write(&b->r->set, buf, k) != 0))
			return qerr_set(&b->r->err, QASID_ERR_IO, "%s: the set "
			    "file", b->r->path);
		left -= k;
		b->done += k;
		qhasher_push(b->hasher, k, first, left == 0 ? e : NULL);
		first = 0;
	} while (left > 0);
	if ((rc = expect(b, zero, qtar_padding(e->size), "padding",
	    e->path)) != QASID_OK)
		return rc;
	return s ? s->file_end(s->ud, e) : QASID_OK;
}

/* A piece of a volume (FORMAT.md 17.4) is stored under its own name, which
 * takes its place in bundle order. */
static int
check_piece_place(struct body *b, const struct qmf_entry *e,
    char name[QF_PIECE_NAME])
{
	struct qmf_entry *t = malloc(sizeof(*t));
	int rc;

	qmf_piece_name(e->path, e->pathlen, e->offset, name);
	if (t == NULL)
		return qerr_set(&b->r->err, QASID_ERR_NOMEM, "%s", b->r->path);
	memset(t, 0, sizeof(*t));
	memcpy(t->path, name, QF_PIECE_NAME);
	t->pathlen = strlen(t->path);
	rc = check_place(b, t);
	free(t);
	b->pieces++;
	return rc;
}

static int
check_entry(struct body *b, const struct qmf_entry *e)
{
	char piece[QF_PIECE_NAME];
	struct qtar_entry te = {e->path, e->is_dir, e->mode, e->size,
	    b->r->hdr.created};
	int rc;

	if (e->is_piece)
		te.path = piece;
	if (e->is_key)
		b->keys = 1;
	else if ((rc = keys_end(b)) != QASID_OK ||
	    (rc = e->is_piece ? check_piece_place(b, e, piece) :
	    check_place(b, e)) != QASID_OK)
		return rc;
	b->want.len = 0;
	if (qtar_header_in(b->loc, &te, &b->want) != QASID_OK)
		return qerr_set(&b->r->err, QASID_ERR_INTERNAL, "%s: cannot "
		    "make a tar header for '%s' (non-ASCII names need the "
		    "C.UTF-8 locale installed)", b->r->path, e->path);
	if ((rc = expect(b, b->want.p, b->want.len, "tar header",
	    e->path)) != QASID_OK)
		return rc;
	if (e->is_dir) {
		b->ndirs++;
		return b->sink ? b->sink->dir(b->sink->ud, e) : QASID_OK;
	}
	/* Statements carried are not content: not counted (FORMAT.md 17.3). */
	if (!e->is_piece && !e->is_key) {
		b->files++;
		b->bytes += e->size;
	}
	/* A volume's set file is kept, and must be the one its SETID names. */
	if (b->r->hdr.has_volume && !e->is_piece &&
	    strcmp(e->path, QF_SET_NAME) == 0) {
		b->in_set = 1;
		b->sets++;
		qspool_free(&b->r->set);
		b->r->set.tmpdir = b->r->spool.tmpdir;
		crypto_generichash_init(&b->setst, NULL, 0, QF_MEMBER_HASH);
	}
	rc = check_file(b, e);
	b->in_set = 0;
	return rc;
}

static int
check_setid(struct body *b)
{
	unsigned char id[QF_MEMBER_HASH];

	if (b->sets != 1)
		return qerr_set(&b->r->err, QASID_ERR_FORMAT, "%s: a volume "
		    "without its set file (.qasid/set)", b->r->path);
	crypto_generichash_final(&b->setst, id, sizeof(id));
	if (sodium_memcmp(id, b->r->hdr.setid, sizeof(id)) != 0)
		return qerr_set(&b->r->err, QASID_ERR_CONTENT, "%s: the set "
		    "file does not match the volume's set id", b->r->path);
	/* Its lines are checked as strictly as the manifest's. */
	return qset_walk(b->r, NULL, NULL);
}

static int
check_end(struct body *b)
{
	struct qasid_reader *r = b->r;
	struct qmf_member extra;
	const char *bad;
	int rc;

	if ((rc = keys_end(b)) != QASID_OK)
		return rc;
	if (b->files != r->hdr.files || b->ndirs != r->hdr.dirs ||
	    b->bytes != r->hdr.bytes || b->pieces != r->hdr.pieces)
		return qerr_set(&r->err, QASID_ERR_FORMAT, "%s: manifest "
		    "totals do not match its entries", r->path);
	b->want.len = 0;
	if (qtar_trailer(&b->want) != QASID_OK)
		return qerr_set(&r->err, QASID_ERR_INTERNAL, "tar trailer");
	if ((rc = expect(b, b->want.p, b->want.len, "end of archive",
	    "(end)")) != QASID_OK || (rc = close_member(b)) != QASID_OK)
		return rc;
	if ((rc = qmf_get_member(b->mc, &extra)) != 0)
		return rc < 0 ? qerr_set(&r->err, rc, "%s", r->path) :
		    qerr_set(&r->err, QASID_ERR_FORMAT, "%s: manifest lists "
		    "members after the end of the archive", r->path);
	if (b->members_seen != r->hdr.members)
		return qerr_set(&r->err, QASID_ERR_FORMAT, "%s: member count "
		    "does not match the manifest", r->path);
	if ((rc = qin_at_eof(&r->in)) != QASID_OK)
		return rc;
	if ((bad = qhasher_finish(b->hasher)) != NULL)
		return content(b, bad, "does not match its signed hash");
	return r->hdr.has_volume ? check_setid(b) : QASID_OK;
}

static int
run(struct body *b, struct qmf_entry *e)
{
	struct qin *in = &b->r->in;
	int rc;

	qmf_cursor_at(b->ec, &b->r->spool, &b->r->err, &b->r->entries);
	qmf_cursor_at(b->mc, &b->r->spool, &b->r->err, &b->r->entries);
	if ((rc = qmf_skip_entries(b->mc)) < 0)
		return rc;
	/* From here on raw bytes come from the feed; what zlib has not
	 * used of the last read is where the body starts. */
	in->feed = qfeed_start(&in->src, b->r->path, b->mc,
	    in->z.next_in, in->z.avail_in, b->r->threads != 0, &b->r->err);
	if (in->feed == NULL)
		return b->r->err.code;
	in->z.avail_in = 0;
	in->chunk = NULL;
	if ((rc = next_member(b)) != QASID_OK)
		return rc;
	while ((rc = qmf_get_entry(b->ec, e)) == 1)
		if ((rc = check_entry(b, e)) != QASID_OK)
			return rc;
	if (rc < 0)
		return rc;
	if ((rc = check_end(b)) != QASID_OK)
		return rc;
	return b->sink ? b->sink->commit(b->sink->ud) : QASID_OK;
}

int
qread_body(qasid_reader *r, const struct qsink *sink)
{
	struct body *b = calloc(1, sizeof(*b));
	struct qmf_entry *e = malloc(sizeof(*e));
	int rc = QASID_ERR_NOMEM;

	if (b == NULL || e == NULL)
		goto out;
	b->r = r;
	b->sink = sink;
	b->ec = malloc(sizeof(*b->ec));
	b->mc = malloc(sizeof(*b->mc));
	b->buf = malloc(IOBUF);
	b->loc = qtar_locale();
	b->hasher = qhasher_start(r->threads != 0);
	if (b->ec == NULL || b->mc == NULL || b->buf == NULL ||
	    b->loc == NULL || b->hasher == NULL)
		goto out;
	rc = run(b, e);
	qfeed_stop(r->in.feed);
	r->in.feed = NULL;
	if (rc != QASID_OK && r->err.code == QASID_OK)
		qerr_set(&r->err, rc, "%s", r->path);
	rc = r->err.code;
out:
	if (rc == QASID_ERR_NOMEM)
		qerr_set(&r->err, rc, "%s", r->path);
	if (b) {
		free(b->ec);
		free(b->mc);
		free(b->buf);
		qbuf_free(&b->want);
		qhasher_stop(b->hasher);
		if (b->loc != NULL)
			qtar_locale_free(b->loc);
	}
	free(b);
	free(e);
	return rc;
}

/* ---- The body's bytes, not inflated ------------------------------------ */

/* The feed's chunk c against the member m the manifest lists: on the
 * member's last chunk, its length and hash. */
static int
raw_chunk(qasid_reader *r, const struct qfeed_chunk *c,
    const struct qmf_member *m, uint64_t *len, uint64_t *off)
{
	if (c->code != QASID_OK)
		return qerr_set(&r->err, c->code, "%s", c->msg);
	*len += c->len;
	if (!c->last)
		return QASID_OK;
	if (*len != m->clen || sodium_memcmp(c->hash, m->hash,
	    QF_MEMBER_HASH) != 0)
		return qerr_set(&r->err, QASID_ERR_CONTENT, "%s: gzip member "
		    "at offset %" PRIu64 " does not match the manifest "
		    "(damaged or altered)", r->path, *off);
	*off += *len;
	*len = 0;
	return qprogress(r->progress, r->progress_ud, *off, 0, &r->err,
	    r->path);
}

/*
 * Every raw byte of the body against the signed manifest, member by
 * member, on the feed that verifying uses: each member's length and
 * BLAKE2b, nothing after the last. Nothing is inflated and no content is
 * hashed: what passes is the signed bundle, byte for byte.
 */
int
qread_body_raw(qasid_reader *r)
{
	struct qmf_cursor *mc = malloc(sizeof(*mc));
	const struct qfeed_chunk *c = NULL;
	struct qmf_member m;
	uint64_t len = 0, off = r->body_off, n = 0;
	int rc = QASID_ERR_NOMEM, more;

	if (mc == NULL)
		return qerr_set(&r->err, rc, "%s", r->path);
	qmf_cursor_at(mc, &r->spool, &r->err, &r->entries);
	if ((rc = qmf_skip_entries(mc)) < 0)
		goto out;
	r->in.feed = qfeed_start(&r->in.src, r->path, mc, r->in.z.next_in,
	    r->in.z.avail_in, r->threads != 0, &r->err);
	if (r->in.feed == NULL) {
		rc = r->err.code;
		goto out;
	}
	r->in.z.avail_in = 0;
	while ((more = qmf_get_member(mc, &m)) == 1) {
		n++;
		do
			c = qfeed_next(r->in.feed, c);
		while ((rc = raw_chunk(r, c, &m, &len, &off)) == QASID_OK &&
		    !c->last);
		if (rc != QASID_OK)
			goto out;
	}
	rc = more < 0 ? more : n != r->hdr.members ? qerr_set(&r->err,
	    QASID_ERR_FORMAT, "%s: member count does not match the manifest",
	    r->path) : (c = qfeed_next(r->in.feed, c))->code != QASID_OK ?
	    qerr_set(&r->err, c->code, "%s", c->msg) : QASID_OK;
out:
	qfeed_stop(r->in.feed);
	r->in.feed = NULL;
	free(mc);
	return rc;
}
