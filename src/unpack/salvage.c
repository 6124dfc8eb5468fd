/* SPDX-License-Identifier: ISC */
/*
 * salvage.c - unpacking what survives of a damaged bundle, for
 * qasid_reader_salvage(): every file whose content matches its signed hash,
 * and nothing else. Of a volume of a set, the files wholly inside it:
 * pieces of split files are read past, as unpack of one volume does.
 *
 * The head must verify as for any unpack, so the manifest is signed and
 * trusted. The body is then read once, member by member. A member starts
 * at a known raw offset (the head, then the sum of the earlier members'
 * raw lengths) and at a known offset of the tar stream (the sum of their
 * inflated lengths); each entry's offset in the tar stream follows from
 * the manifest alone (its canonical header's length, its size, padding),
 * whatever the writer's choice of where to cut members. So a member that
 * fails to inflate, inflates short or is cut off costs the files whose
 * content it holds, and reading goes on at the next member. A member that
 * inflates to wrong bytes needs no special case: whatever it fed a file
 * fails that file's hash. Each file is written into unpack's staging
 * folder as its bytes come and kept only if exactly its signed size
 * arrived in order and its BLAKE2b matches; then the staging folder's
 * content is published as unpack publishes it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "tar.h"
#include "unpack.h"

#define RAWBUF ((size_t)64 << 10)
#define OUTBUF ((size_t)256 << 10)
#define MEMBER_ULEN_MAX ((uint64_t)1 << 32)

struct salv {
	qasid_reader *r;
	struct unpack *u;
	struct qmf_cursor ec, mc;
	struct qmf_entry e;
	void *loc;
	struct qbuf hdr;
	z_stream z;
	unsigned char raw[RAWBUF], out[OUTBUF];
	const unsigned char *left;    /* raw bytes read with the head */
	size_t leftlen;
	/* the entry being filled */
	int have, more;               /* e holds one; the manifest has more */
	int pass;                     /* e is read past, never published */
	int set;                      /* e is a volume's set file, kept */
	uint64_t t;                   /* tar offset where the next entry starts */
	uint64_t data, end, next;     /* e's content, its end, the next entry */
	uint64_t written;
	int fd;
	crypto_generichash_state fh;
	uint64_t pos;                 /* tar offset of the next inflated byte */
	uint64_t recovered, lost, damaged;
};

/* Up to n raw bytes of the body; 0 at its end. */
static ptrdiff_t
raw_read(struct salv *s, unsigned char *p, size_t n)
{
	if (s->leftlen > 0) {
		size_t k = n < s->leftlen ? n : s->leftlen;
		memcpy(p, s->left, k);
		s->left += k;
		s->leftlen -= k;
		return (ptrdiff_t)k;
	}
	return qsrc_read(&s->r->in.src, p, n);
}

static int
open_file(struct salv *s)
{
	if (s->pass) {
		s->fd = -1;
		s->have = 1;
		/* The set file is kept, as verify keeps it, so that what
		 * was salvaged can be told against the whole set. */
		if ((s->set = s->e.pathlen == strlen(QF_SET_NAME) &&
		    !s->e.is_piece && strcmp(s->e.path, QF_SET_NAME) == 0)) {
			qspool_free(&s->r->set);
			s->r->set.tmpdir = s->r->spool.tmpdir;
			crypto_generichash_init(&s->fh, NULL, 0, QF_FILE_HASH);
			s->written = 0;
		}
		return QASID_OK;
	}
	s->fd = qos_openat(s->u->stagefd, s->e.path, QOS_WRITE | QOS_CREATE |
	    QOS_EXCL | QOS_NOFOLLOW, s->e.mode);
	if (s->fd < 0)
		return unp_sys(s->u, errno, s->e.path);
	crypto_generichash_init(&s->fh, NULL, 0, QF_FILE_HASH);
	s->written = 0;
	s->have = 1;
	return QASID_OK;
}

/* Loads the next file of the manifest, making the folders before it. */
static int
load_entry(struct salv *s)
{
	struct qtar_entry te;
	int rc;

	while (s->more && (rc = qmf_get_entry(&s->ec, &s->e)) != 0) {
		if (rc < 0)
			return qerr_set(&s->r->err, rc, "%s", s->r->path);
		te = (struct qtar_entry){s->e.path, s->e.is_dir, s->e.mode,
		    s->e.size, s->r->hdr.created};
		s->hdr.len = 0;
		if (qtar_header_in(s->loc, &te, &s->hdr) != QASID_OK)
			return qerr_set(&s->r->err, QASID_ERR_INTERNAL, "%s: "
			    "cannot make a tar header for '%s'", s->r->path,
			    s->e.path);
		s->data = s->t + s->hdr.len;
		s->end = s->data + s->e.size;
		s->next = s->e.is_dir ? s->data : s->end +
		    qtar_padding(s->e.size);
		/* Statements carried (FORMAT.md 17.3), and a volume's own
		 * metadata and pieces of files split across volumes (17.4),
		 * are read past: a piece is never a file on its own. */
		s->pass = s->e.is_key || s->e.is_piece ||
		    qmf_volume_meta(s->e.path, s->e.pathlen);
		if (!s->e.is_dir)
			return open_file(s);
		/* A folder holds no content: it is always recovered. */
		s->t = s->next;
		if (!s->pass && qos_mkdirat(s->u->stagefd, s->e.path, 0755) < 0)
			return unp_sys(s->u, errno, s->e.path);
	}
	s->more = 0;
	return QASID_OK;
}

/* Keeps the file if all of it came and matches its signed hash. */
static int
finish_entry(struct salv *s)
{
	unsigned char h[QF_FILE_HASH];
	int ok = s->written == s->e.size;

	if (s->pass) {
		s->have = 0;
		s->t = s->next;
		if (s->set) {
			crypto_generichash_final(&s->fh, h, sizeof(h));
			if (!ok || sodium_memcmp(h, s->e.hash, sizeof(h)) != 0)
				qspool_free(&s->r->set);
			s->set = 0;
		}
		return QASID_OK;
	}
	crypto_generichash_final(&s->fh, h, sizeof(h));
	ok = ok && sodium_memcmp(h, s->e.hash, sizeof(h)) == 0;
	s->have = 0;
	s->t = s->next;
	if (qos_close(s->fd) < 0 && ok) {
		s->fd = -1;
		return unp_sys(s->u, errno, s->e.path);
	}
	s->fd = -1;
	if (ok) {
		s->recovered++;
		return QASID_OK;
	}
	s->lost++;
	if (s->r->lost_fn)
		s->r->lost_fn(s->r->lost_ud, s->e.path);
	if (qos_unlinkat(s->u->stagefd, s->e.path, 0) < 0)
		return unp_sys(s->u, errno, s->e.path);
	return QASID_OK;
}

/* The file's next content bytes, taken only while none has been missed. */
static int
put(struct salv *s, const unsigned char *p, size_t k)
{
	if ((s->pass && !s->set) || s->written != s->pos - s->data)
		return QASID_OK;
	if (s->set ? qspool_write(&s->r->set, p, k) != QASID_OK :
	    qwrite_all(s->fd, p, k) < 0)
		return unp_sys(s->u, errno, s->e.path);
	crypto_generichash_update(&s->fh, p, k);
	s->written += k;
	return QASID_OK;
}

/* n inflated bytes at tar offset s->pos, handed to the entries they hold. */
static int
deliver(struct salv *s, const unsigned char *p, size_t n)
{
	int rc;

	while (n > 0) {
		size_t k = n;
		if (!s->have && (rc = load_entry(s)) != QASID_OK)
			return rc;
		if (!s->have) {
			s->pos += n; /* the end-of-archive marker */
			return QASID_OK;
		}
		if (s->pos >= s->next) {
			if ((rc = finish_entry(s)) != QASID_OK)
				return rc;
			continue;
		}
		if (s->pos < s->data) {
			k = s->data - s->pos < k ? s->data - s->pos : k;
		} else if (s->pos < s->end) {
			k = s->end - s->pos < k ? s->end - s->pos : k;
			if ((rc = put(s, p, k)) != QASID_OK)
				return rc;
		} else {
			k = s->next - s->pos < k ? s->next - s->pos : k;
		}
		s->pos += k;
		p += k;
		n -= k;
	}
	return QASID_OK;
}

/* Skips to tar offset to: entries that end before it are judged now. */
static int
jump(struct salv *s, uint64_t to)
{
	int rc;

	for (;;) {
		if (!s->have && (rc = load_entry(s)) != QASID_OK)
			return rc;
		if (!s->have || s->next > to)
			break;
		if ((rc = finish_entry(s)) != QASID_OK)
			return rc;
	}
	s->pos = to;
	return QASID_OK;
}

/* Inflates what it can of one member, whose raw bytes are all read and
 * hashed whatever happens. 1 if it is intact, 0 if damaged. */
static int
member(struct salv *s, const struct qmf_member *m, int *rc)
{
	crypto_generichash_state hs;
	unsigned char h[QF_MEMBER_HASH];
	uint64_t want = m->clen, made = 0;
	int zr = Z_OK, ended = 0;

	crypto_generichash_init(&hs, NULL, 0, QF_MEMBER_HASH);
	inflateReset(&s->z);
	while (want > 0 && *rc == QASID_OK) {
		ptrdiff_t got = raw_read(s, s->raw, want < RAWBUF ? want : RAWBUF);
		if (got <= 0)
			break; /* cut off, or unreadable: the rest is missing */
		want -= (uint64_t)got;
		crypto_generichash_update(&hs, s->raw, (size_t)got);
		s->z.next_in = s->raw;
		s->z.avail_in = (uInt)got;
		while (!ended && zr == Z_OK && s->z.avail_in > 0 &&
		    *rc == QASID_OK) {
			size_t n;
			s->z.next_out = s->out;
			s->z.avail_out = OUTBUF;
			zr = inflate(&s->z, Z_NO_FLUSH);
			ended = zr == Z_STREAM_END;
			n = OUTBUF - s->z.avail_out;
			if (n > m->ulen - made) {
				n = (size_t)(m->ulen - made);
				zr = Z_DATA_ERROR; /* longer than signed */
			}
			made += n;
			*rc = deliver(s, s->out, n);
			if (zr == Z_BUF_ERROR)
				zr = Z_OK;
		}
	}
	crypto_generichash_final(&hs, h, sizeof(h));
	return want == 0 && ended && made == m->ulen &&
	    sodium_memcmp(h, m->hash, sizeof(h)) == 0;
}

static int
members(struct salv *s)
{
	struct qmf_member m;
	uint64_t at = 0;
	int rc = QASID_OK, got;

	while (rc == QASID_OK && (got = qmf_get_member(&s->mc, &m)) == 1) {
		if (m.ulen > MEMBER_ULEN_MAX || m.clen > MEMBER_ULEN_MAX * 2)
			return qerr_set(&s->r->err, QASID_ERR_FORMAT, "%s: "
			    "manifest lists a member larger than a reader "
			    "accepts", s->r->path);
		if (!member(s, &m, &rc))
			s->damaged++;
		at += m.ulen;
		if (rc == QASID_OK && s->pos != at)
			rc = jump(s, at);
		if (rc == QASID_OK)
			rc = unp_progress(s->u, s->pos < s->r->hdr.bytes ?
			    s->pos : s->r->hdr.bytes);
	}
	if (rc == QASID_OK && got < 0)
		rc = qerr_set(&s->r->err, got, "%s", s->r->path);
	/* What no member reached is lost; bytes after the last are not read. */
	return rc == QASID_OK ? jump(s, UINT64_MAX) : rc;
}

static int
outcome(struct salv *s)
{
	qasid_reader *r = s->r;
	int rc;

	if (qos_syncfs(s->u->stagefd) < 0)
		return unp_sys(s->u, errno, s->u->stage);
	if ((rc = unp_publish(s->u, s->u->stagefd)) != QASID_OK)
		return rc;
	if (s->lost > 0)
		return qerr_set(&r->err, QASID_ERR_CONTENT, "%s: damaged: %"
		    PRIu64 " of %" PRIu64 " files could not be recovered; the %"
		    PRIu64 " that match their signed hashes were unpacked into "
		    "%s; the result is incomplete", r->path, s->lost,
		    s->lost + s->recovered, s->recovered, s->u->dir);
	if (s->damaged > 0)
		return qerr_set(&r->err, QASID_ERR_CONTENT, "%s: damaged, but "
		    "all %" PRIu64 " files match their signed hashes and were "
		    "unpacked into %s", r->path, s->recovered, s->u->dir);
	return QASID_OK;
}

int
qsalvage(qasid_reader *r, struct unpack *u)
{
	struct salv *s = calloc(1, sizeof(*s));
	int rc;

	if (s == NULL)
		return qerr_set(&r->err, QASID_ERR_NOMEM, "%s", r->path);
	s->r = r;
	s->u = u;
	s->fd = -1;
	s->more = 1;
	s->left = r->in.z.next_in;
	s->leftlen = r->in.z.avail_in;
	qmf_cursor_init(&s->ec, &r->spool, &r->err);
	qmf_cursor_init(&s->mc, &r->spool, &r->err);
	if ((s->loc = qtar_locale()) == NULL ||
	    inflateInit2(&s->z, 15 + 16) != Z_OK) {
		rc = qerr_set(&r->err, QASID_ERR_NOMEM, "%s", r->path);
		goto out;
	}
	inflateValidate(&s->z, 0); /* the member hashes say more */
	if ((rc = qmf_get_header(&s->ec, &r->hdr)) == QASID_OK &&
	    (rc = qmf_get_header(&s->mc, &r->hdr)) == QASID_OK &&
	    (rc = qmf_skip_entries(&s->mc)) >= 0 &&
	    (rc = members(s)) == QASID_OK)
		rc = outcome(s);
	inflateEnd(&s->z);
out:
	if (s->fd >= 0)
		qos_close(s->fd);
	if (s->loc != NULL)
		qtar_locale_free(s->loc);
	qbuf_free(&s->hdr);
	free(s);
	return rc;
}

int
qasid_reader_salvage(qasid_reader *r, const char *dir, qasid_lost_fn fn,
    void *ud)
{
	int rc;

	r->salvage = 1;
	r->lost_fn = fn;
	r->lost_ud = ud;
	rc = qasid_reader_unpack(r, dir);
	r->salvage = 0;
	return rc;
}
