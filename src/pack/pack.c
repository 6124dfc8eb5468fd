/* SPDX-License-Identifier: ISC */
/*
 * pack.c - making a bundle from the entries collect.c gathered.
 *
 * Packing is two passes over the output, one over the input. The input is
 * read once: each file is hashed as its bytes enter the tar stream, which is
 * cut into chunks that worker threads compress into independent gzip
 * members, written in order to an unlinked temporary file (the body). Then
 * the manifest, which lists every file's hash and every member's hash, is
 * signed and written at the front of the bundle, and the body copied behind
 * it. The bundle is renamed into place only when complete.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gz.h"
#include "head.h"
#include "internal.h"
#include "manifest.h"
#include "pack.h"
#include "tar.h"

/* Every call starts afresh, but for a packer whose add failed: it keeps
 * that failure, so that no later write can sign a partial set of files. */
int
qpack_begin(qasid_packer *p)
{
	if (p->failed)
		return p->failed;
	qerr_clear(&p->err);
	return QASID_OK;
}

qasid_packer *
qasid_packer_new(const qasid_seckey *sk)
{
	qasid_packer *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	p->sk = sk;
	snprintf(p->series, sizeof(p->series), "default");
	p->sequence = 1;
	p->format = QASID_FORMAT_VERSION;
	return p;
}

void
qasid_packer_set_key(qasid_packer *p, const qasid_seckey *sk)
{
	p->sk = sk;
}

void
qasid_packer_free(qasid_packer *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->n; i++) {
		free(p->e[i].rel);
		free(p->e[i].src);
		if (p->e[i].fd >= 0)
			qos_close(p->e[i].fd);
	}
	free(p->e);
	free(p);
}

int
qasid_packer_set_title(qasid_packer *p, const char *title)
{
	int rc;

	if ((rc = qpack_begin(p)) != QASID_OK)
		return rc;
	if (!qmf_valid_title(title))
		return qerr_set(&p->err, QASID_ERR_ARG, "title must be UTF-8 "
		    "text of at most %d bytes without control characters, "
		    "bidirectional controls or marks, or noncharacters",
		    QF_TITLE_MAX);
	snprintf(p->title, sizeof(p->title), "%s", title);
	return QASID_OK;
}

int
qasid_packer_set_series(qasid_packer *p, const char *series,
    uint64_t sequence)
{
	int rc;

	if ((rc = qpack_begin(p)) != QASID_OK)
		return rc;
	if (!qmf_valid_series(series))
		return qerr_set(&p->err, QASID_ERR_ARG, "series must be 1-%d "
		    "letters, digits, '.', '_' or '-'", QF_SERIES_MAX);
	snprintf(p->series, sizeof(p->series), "%s", series);
	p->sequence = sequence;
	return QASID_OK;
}

void
qasid_packer_set_time(qasid_packer *p, int64_t created)
{
	p->created = created;
}

void
qasid_packer_set_expires(qasid_packer *p, int64_t expires)
{
	p->has_expires = 1;
	p->expires = expires;
}

int
qasid_packer_set_previous(qasid_packer *p, uint64_t sequence,
    const char *head)
{
	if (strlen(head) != 2 * QF_MEMBER_HASH || sodium_hex2bin(p->prev_head,
	    QF_MEMBER_HASH, head, 2 * QF_MEMBER_HASH, NULL, NULL, NULL) != 0)
		return qerr_set(&p->err, QASID_ERR_ARG, "previous: not a head "
		    "hash");
	p->has_previous = 1;
	p->prev_sequence = sequence;
	return QASID_OK;
}

int
qasid_packer_set_format(qasid_packer *p, unsigned format)
{
	if (format != 1 && format != 2)
		return qerr_set(&p->err, QASID_ERR_ARG, "bundle format %u is "
		    "not one qasid writes (1 or 2)", format);
	p->format = format;
	return QASID_OK;
}

void
qasid_packer_set_next_key(qasid_packer *p, const qasid_pubkey *next)
{
	p->has_next_key = next != NULL;
	if (next != NULL)
		qkey_commitment(next->id, next->pk, p->next_key);
}

void
qasid_packer_set_threads(qasid_packer *p, unsigned threads)
{
	p->threads = threads;
}

void
qasid_packer_set_progress(qasid_packer *p, qasid_progress_fn fn, void *ud)
{
	p->progress = fn;
	p->progress_ud = ud;
}

void
qasid_packer_set_tmpdir(qasid_packer *p, const char *dir)
{
	p->tmpdir = dir;
}

const char *
qasid_packer_errmsg(const qasid_packer *p)
{
	return qerr_msg(&p->err);
}

/* ---- Writing ------------------------------------------------------------ */

/* Writes the head: the manifest's tar entry and the signature's header,
 * one gzip member whose hash the signature's trusted comment carries. */
static ptrdiff_t
read_buf(void *ud, uint64_t off, void *buf, size_t n)
{
	const struct qbuf *b = ud;

	if (off >= b->len)
		return 0;
	if (n > b->len - off)
		n = (size_t)(b->len - off);
	memcpy(buf, b->p + off, n);
	return (ptrdiff_t)n;
}

static int
append_buf(void *ud, const void *p, size_t n)
{
	return qbuf_append(ud, p, n);
}

static int
make_head(qasid_packer *p, const struct qbuf *mf, size_t siglen,
    qgz *gz, struct qbuf *head)
{
	struct qbuf raw = {0};
	int rc;

	rc = qhead_plain(mf->len, p->created, siglen, read_buf, (void *)mf,
	    append_buf, &raw);
	if (rc == QASID_OK)
		rc = qgz_member(gz, raw.p, raw.len, 0, head);
	qbuf_free(&raw);
	return rc == QASID_OK ? rc : qerr_set(&p->err, rc, "making the "
	    "bundle head");
}

/* One entry's manifest line: a piece names the file it is part of. */
static void
entry_line(const struct pentry *pe, struct qmf_entry *e)
{
	const char *path = pe->whole ? pe->whole : pe->rel;

	e->pathlen = strlen(path);
	memcpy(e->path, path, e->pathlen + 1);
	e->is_dir = pe->is_dir;
	e->is_piece = pe->whole != NULL;
	e->mode = pe->mode;
	e->size = pe->size;
	e->offset = pe->off;
	memcpy(e->hash, pe->hash, QF_FILE_HASH);
}

static void
fill_header(qasid_packer *p, const struct pentry *pe, size_t n,
    const struct qvol_head *v, struct qmf_header *h)
{
	memset(h, 0, sizeof(*h));
	h->format = p->format;
	/* Format 1 has no line for it: its readers could not check it. */
	h->has_next_key = p->format >= 2 && p->has_next_key;
	h->has_expires = p->has_expires;
	h->expires = p->expires;
	h->has_previous = p->format >= 2 && p->has_previous;
	h->prev_sequence = p->prev_sequence;
	memcpy(h->prev_head, p->prev_head, QF_MEMBER_HASH);
	memcpy(h->next_key, p->next_key, QF_KEYHASH);
	snprintf(h->title, sizeof(h->title), "%s", p->title);
	snprintf(h->series, sizeof(h->series), "%s", p->series);
	h->sequence = p->sequence;
	h->created = p->created;
	memcpy(h->keyid, p->sk->id, QK_KEYID);
	for (size_t i = 0; i < n; i++) {
		if (pe[i].is_dir)
			h->dirs++;
		else if (pe[i].is_key)
			continue; /* not content (FORMAT.md 17.3) */
		else if (pe[i].whole != NULL)
			h->pieces++;
		else {
			h->files++;
			h->bytes += pe[i].size;
		}
	}
	if ((h->has_volume = v != NULL)) {
		memcpy(h->setid, v->setid, QF_MEMBER_HASH);
		h->part = v->part;
		h->count = v->count;
	}
}

static int
make_manifest(qasid_packer *p, const struct pentry *pe, size_t n,
    const struct qvol_head *v, const struct qpack_body *b, struct qbuf *mf)
{
	struct qmf_header h;
	struct qmf_entry *e = calloc(1, sizeof(*e));
	int rc;

	if (e == NULL)
		return qerr_set(&p->err, QASID_ERR_NOMEM, "manifest");
	fill_header(p, pe, n, v, &h);
	h.members = b->nm;
	rc = qmf_put_header(mf, &h);
	for (size_t i = 0; rc == QASID_OK && i < n; i++) {
		entry_line(&pe[i], e);
		rc = qmf_put_entry(mf, e);
	}
	for (size_t i = 0; rc == QASID_OK && i < b->nm; i++) {
		struct qmf_member m;
		m.clen = b->m[i].clen;
		m.ulen = b->m[i].ulen;
		memcpy(m.hash, b->m[i].hash, QF_MEMBER_HASH);
		rc = qmf_put_member(mf, &m);
	}
	if (rc == QASID_OK)
		rc = qmf_put_end(mf);
	free(e);
	return rc == QASID_OK ? rc : qerr_set(&p->err, rc, "manifest");
}

/* Signs the manifest and makes the signature's stored member. */
static int
make_signature(qasid_packer *p, const struct qbuf *mf,
    const struct qbuf *head, qgz *gz, struct qbuf *sigm)
{
	unsigned char mh[crypto_generichash_BYTES_MAX], hh[QF_MEMBER_HASH];
	char trusted[QF_TRUSTED_LEN + 1], sig[2048];
	size_t len;
	int rc;

	crypto_generichash(mh, sizeof(mh), mf->p, mf->len, NULL, 0);
	crypto_generichash(hh, sizeof(hh), head->p, head->len, NULL, 0);
	qmf_trusted(p->format, hh, trusted);
	if ((len = qsig_make(p->sk, mh, trusted, sig, sizeof(sig))) == 0)
		return qerr_set(&p->err, QASID_ERR_INTERNAL, "signing");
	rc = qhead_sig_member(gz, sig, len, sigm);
	return rc == QASID_OK ? rc : qerr_set(&p->err, rc, "signing");
}

/* The copy's progress: its own phase, so the bar keeps moving while a
 * slow stick takes the whole bundle (and may cancel); the bytes are kept
 * close behind on the medium, so that the bar follows the stick. */
static int
copied(qasid_packer *p, uint64_t done, uint64_t len)
{
	qwrite_behind(p->out_fd, &p->behind, done);
	return qprogress(p->progress, p->progress_ud, done, len, &p->err,
	    "writing the bundle");
}

/* Copies in slices, so that progress is reported and can cancel. */
static int
copy_kernel(qasid_packer *p, int from, int to, uint64_t len, uint64_t *off)
{
	static const size_t slice = (size_t)8 << 20;
	int rc;

	while (*off < len) {
		uint64_t left = len - *off;
		ptrdiff_t n = qos_copy_range(from, off, to, left < slice ?
		    (size_t)left : slice);
		if (n > 0 || (n < 0 && errno == EINTR)) {
			if ((rc = copied(p, *off, len)) != QASID_OK)
				return rc;
			continue;
		}
		if (n == 0 || (errno != EXDEV && errno != ENOSYS &&
		    errno != EINVAL && errno != EOPNOTSUPP))
			return QASID_ERR_IO;
		break; /* no in-kernel copy here: copy through memory */
	}
	return QASID_OK;
}

static int
copy_body(qasid_packer *p, int from, int to, uint64_t len)
{
	static const size_t bufsize = (size_t)1 << 20;
	uint64_t off = 0;
	char *buf;
	int rc;

	p->out_fd = to;
	memset(&p->behind, 0, sizeof(p->behind));
	if ((rc = copied(p, 0, len)) != QASID_OK ||
	    (rc = copy_kernel(p, from, to, len, &off)) != QASID_OK ||
	    off == len)
		return rc;
	if ((buf = malloc(bufsize)) == NULL)
		return QASID_ERR_NOMEM;
	while (rc == QASID_OK && off < len) {
		ptrdiff_t n = qos_pread(from, buf, bufsize, off);
		if (n < 0 && errno == EINTR) {
			rc = copied(p, off, len);
			continue;
		}
		if (n == 0)
			errno = EIO; /* the body shrank: cannot happen */
		if (n <= 0 || qwrite_poll(to, buf, (size_t)n, p->progress,
		    p->progress_ud) < 0) {
			rc = errno == ECANCELED ? qerr_io(&p->err, errno,
			    "writing the bundle") : QASID_ERR_IO;
			break;
		}
		off += (uint64_t)n;
		rc = copied(p, off, len);
	}
	free(buf);
	return rc;
}

static int
finish(qasid_packer *p, const struct pentry *pe, size_t n,
    const struct qvol_head *v, struct qpack_body *b, const char *out,
    int overwrite)
{
	struct qbuf mf = {0}, head = {0}, sigm = {0};
	qgz *gz = qgz_new();
	char *tmp = NULL;
	int fd = -1, rc;

	if (gz == NULL)
		return qerr_set(&p->err, QASID_ERR_NOMEM, "%s", out);
	if ((rc = make_manifest(p, pe, n, v, b, &mf)) != QASID_OK ||
	    (rc = make_head(p, &mf, qsig_len(QF_TRUSTED_LEN),
	    gz, &head)) != QASID_OK ||
	    (rc = make_signature(p, &mf, &head, gz, &sigm)) != QASID_OK)
		goto out;
	if ((fd = qtmp_create(out, &tmp)) < 0) {
		rc = qerr_sys(&p->err, QASID_ERR_IO, errno, "%s", out);
		goto out;
	}
	rc = qchmod(fd, 0644) < 0 || qwrite_all(fd, head.p, head.len) < 0 ||
	    qwrite_all(fd, sigm.p, sigm.len) < 0 ? QASID_ERR_IO :
	    copy_body(p, b->fd, fd, b->len);
	if (rc != QASID_OK) {
		/* A cancel has its message already; errno explains the rest. */
		if (rc == QASID_ERR_IO)
			rc = qerr_sys(&p->err, QASID_ERR_IO, errno, "%s", out);
		else
			rc = qerr_set(&p->err, rc, "%s", out);
		qtmp_abort(fd, tmp);
		goto out;
	}
	if (qtmp_commit(fd, tmp, out, overwrite) < 0)
		rc = qerr_sys(&p->err, errno == EEXIST ? QASID_ERR_EXISTS :
		    QASID_ERR_IO, errno, "%s", out);
out:
	qgz_free(gz);
	qbuf_free(&mf);
	qbuf_free(&head);
	qbuf_free(&sigm);
	return rc;
}

int
qpack_entries(qasid_packer *p, struct pentry *e, size_t n,
    const struct qvol_head *v, const char *out, int overwrite)
{
	struct qpack_body body;
	uint64_t total = 0;
	int rc;

	for (size_t i = 0; i < n; i++)
		total += e[i].size;
	memset(&body, 0, sizeof(body));
	body.err = &p->err;
	body.fd = -1;
	body.threads = p->threads;
	body.progress = p->progress;
	body.progress_ud = p->progress_ud;
	body.total = total;
	body.created = p->created;
	rc = qpack_body(&body, p->tmpdir ? p->tmpdir : NULL, out, e, n);
	if (rc == QASID_OK)
		rc = finish(p, e, n, v, &body, out, overwrite);
	qpack_body_free(&body);
	return rc;
}

void
qasid_packer_set_volume_size(qasid_packer *p, uint64_t size)
{
	p->volume_size = size;
}

void
qasid_packer_set_fat_limit(qasid_packer *p, uint64_t size)
{
	p->fat_limit = size;
}

uint64_t
qasid_packer_volume_count(const qasid_packer *p)
{
	return p->volumes;
}

int
qasid_packer_write(qasid_packer *p, const char *out, int overwrite)
{
	int rc;

	p->volumes = 0;
	if ((rc = qpack_begin(p)) != QASID_OK)
		return rc;
	if (p->sk == NULL || !p->sk->loaded)
		return qerr_set(&p->err, QASID_ERR_ARG, "no secret key");
	qpack_drop_keys(p);
	if (p->n == 0 || ((rc = qpack_sort(p)) == QASID_OK &&
	    p->e[p->n - 1].is_key))
		return qerr_set(&p->err, QASID_ERR_ARG, "nothing to pack");
	if (rc != QASID_OK)
		return rc;
	if (p->has_expires && (p->format < 2 || p->expires < p->created))
		return qerr_set(&p->err, QASID_ERR_ARG, p->format < 2 ?
		    "expires needs bundle format 2" : "expires is before the "
		    "bundle's created time");
	if ((rc = qvol_auto(p, out)) != QASID_OK)
		return rc;
	if (p->volume_size == 0 && p->volume_auto == 0 && !overwrite &&
	    qos_exists(out))
		return qerr_set(&p->err, QASID_ERR_EXISTS, "%s: file exists",
		    out);
	if (!p->meta_checked && (rc = qmeta_check(&p->err, p->e, p->n,
	    p->meta_policy, NULL, NULL)) != QASID_OK)
		return rc;
	if ((rc = qmeta_apply(&p->err, p->e, p->n, p->tmpdir, out,
	    &p->total)) != QASID_OK)
		return rc;
	if (p->volume_size != 0 || p->volume_auto != 0)
		return qvol_write(p, out, overwrite);
	return qpack_entries(p, p->e, p->n, NULL, out, overwrite);
}

int
qasid_packer_media(qasid_packer *p, const char *out, qasid_pack_media *m)
{
	struct qmedia o, t;
	uint64_t body;
	char *dir;
	int rc;

	memset(m, 0, sizeof(*m));
	if ((rc = qpack_begin(p)) != QASID_OK)
		return rc;
	if (p->n == 0)
		return qerr_set(&p->err, QASID_ERR_ARG, "nothing to pack");
	for (size_t i = 0; i < p->n && m->big == NULL; i++)
		if (!p->e[i].is_dir && p->e[i].size > ((uint64_t)4 << 30) - 1) {
			m->big = p->e[i].rel;
			m->big_size = p->e[i].size;
		}
	if ((dir = qdirname(out)) == NULL)
		return qerr_set(&p->err, QASID_ERR_NOMEM, "%s", out);
	qmedia_probe_path(dir, &o);
	free(dir);
	qmedia_probe_path(p->tmpdir ? p->tmpdir : ".", &t);
	body = qmedia_body_max(p->total, p->n);
	m->need_out = qvol_bundle_max(p);
	m->volume_auto = p->format >= 2 ? qvol_auto_size(p, out) : 0;
	m->free_out = o.free;
	m->free_tmp = t.free;
	m->out_fs = o.fsname;
	if (p->tmpdir == NULL || (o.dev != 0 && o.dev == t.dev))
		m->need_out += body;
	else
		m->need_tmp = body;
	return QASID_OK;
}
