/* SPDX-License-Identifier: ISC */
/*
 * read.c - verifying a bundle: the head (manifest and signature) first, then
 * the body against the manifest, in one pass with bounded memory.
 *
 * The head is parsed by libarchive. The body is not parsed at all: the
 * reader makes every expected tar header again from the signed manifest and
 * compares bytes, so the body must be exactly the canonical tar stream of
 * the manifest. The raw bytes of every gzip member are hashed and compared
 * with the manifest too, so no byte of the file escapes the signature.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>

#include "gz.h"
#include "head.h"
#include "paths.h"
#include "reader.h"
#include "tar.h"

#define SIG_MAX 4096
#define HEAD_OUT_MAX (QF_MANIFEST_MAX + 4 * QF_BLOCK)
#define HEAD_RAW_MAX (HEAD_OUT_MAX + HEAD_OUT_MAX / 8 + 4096)
#define SIG_MEMBER_MAX (SIG_MAX + 1024)
#define IOBUF ((size_t)256 << 10)

/* ---- Head --------------------------------------------------------------- */

struct head_ctx {
	qasid_reader *r;
	unsigned char buf[64 << 10];
	crypto_generichash_state plain0; /* member 0's inflated bytes */
	unsigned char raw0_hash[QF_MEMBER_HASH];
	struct qbuf raw1;
	int stage;                       /* member being read: 0, 1, 2 done */
};

static int
head_next_member(struct head_ctx *h)
{
	struct qin *in = &h->r->in;
	uint64_t len;
	int rc;

	if (h->stage == 0) {
		if ((rc = qin_end(in, &len, h->raw0_hash)) != QASID_OK)
			return rc;
		h->stage = 1;
		return qin_begin(in, SIG_MEMBER_MAX, SIG_MAX + QF_BLOCK, QIN_KEEP);
	}
	if ((rc = qin_end(in, &len, (unsigned char[QF_MEMBER_HASH]){0})) !=
	    QASID_OK)
		return rc;
	h->stage = 2;
	return qbuf_append(&h->raw1, in->keep_raw.p, in->keep_raw.len);
}

static la_ssize_t
head_read(struct archive *a, void *ud, const void **out)
{
	struct head_ctx *h = ud;
	size_t got = 0;

	(void)a;
	*out = h->buf;
	while (h->stage < 2 && got == 0) {
		if (qin_read(&h->r->in, h->buf, sizeof(h->buf), &got) != 0)
			return -1;
		if (got == 0 && head_next_member(h) != QASID_OK)
			return -1;
	}
	if (h->stage == 0)
		crypto_generichash_update(&h->plain0, h->buf, got);
	return (la_ssize_t)got;
}

static int
not_bundle(qasid_reader *r, const char *why)
{
	return qerr_set(&r->err, QASID_ERR_FORMAT, "%s: not a qasid bundle: %s",
	    r->path, why);
}

/* Reads one regular entry called name into the spool or into sig. */
static int
head_entry(qasid_reader *r, struct archive *a, const char *name,
    uint64_t max, crypto_generichash_state *hs, struct qbuf *sig)
{
	struct archive_entry *e;
	unsigned char buf[16384];
	la_ssize_t n;
	uint64_t total = 0;

	if (archive_read_next_header(a, &e) != ARCHIVE_OK)
		return r->err.code ? r->err.code : not_bundle(r, "no readable "
		    "tar header at the start");
	if (strcmp(archive_entry_pathname(e), name) != 0 ||
	    archive_entry_filetype(e) != AE_IFREG ||
	    archive_entry_size(e) < 0 ||
	    (uint64_t)archive_entry_size(e) > max) {
		char why[128];
		snprintf(why, sizeof(why), "expected %s first", name);
		return not_bundle(r, why);
	}
	while ((n = archive_read_data(a, buf, sizeof(buf))) > 0) {
		total += (uint64_t)n;
		if (hs != NULL) {
			crypto_generichash_update(hs, buf, (size_t)n);
			if (qspool_write(&r->spool, buf, (size_t)n) != 0)
				return qerr_sys(&r->err, QASID_ERR_IO, errno,
				    "%s: keeping its large manifest in %s",
				    r->path, r->spool.tmpdir ? r->spool.tmpdir :
				    "/tmp");
		} else if (qbuf_append(sig, buf, (size_t)n) != QASID_OK) {
			return qerr_set(&r->err, QASID_ERR_NOMEM, "%s", r->path);
		}
	}
	if (n < 0 || total != (uint64_t)archive_entry_size(e))
		return r->err.code ? r->err.code : not_bundle(r,
		    "truncated head");
	return QASID_OK;
}

static ptrdiff_t
read_spool(void *ud, uint64_t off, void *buf, size_t n)
{
	return qspool_read(ud, off, buf, n);
}

static int
hash_plain(void *ud, const void *p, size_t n)
{
	crypto_generichash_update(ud, p, n);
	return QASID_OK;
}

/*
 * Members 0 and 1 must be exactly what the packer would make of this
 * manifest and signature (format/head.c): member 0 by its inflated bytes
 * (its raw bytes are in the signed trusted comment), member 1 byte for
 * byte, which fixes its inflated bytes too.
 */
static int
head_canonical(qasid_reader *r, struct head_ctx *h, const struct qbuf *sig)
{
	unsigned char want[QF_MEMBER_HASH], got[QF_MEMBER_HASH];
	crypto_generichash_state hs;
	struct qbuf m1 = {0};
	qgz *gz = qgz_new();
	int rc;

	if (gz == NULL)
		return qerr_set(&r->err, QASID_ERR_NOMEM, "%s", r->path);
	crypto_generichash_final(&h->plain0, got, sizeof(got));
	crypto_generichash_init(&hs, NULL, 0, sizeof(want));
	rc = qhead_plain(r->spool.len, r->hdr.created, sig->len, read_spool,
	    &r->spool, hash_plain, &hs);
	crypto_generichash_final(&hs, want, sizeof(want));
	if (rc == QASID_OK)
		rc = qhead_sig_member(gz, sig->p, sig->len, &m1);
	if (rc == QASID_ERR_IO)
		rc = qerr_sys(&r->err, rc, errno, "%s: manifest spool", r->path);
	else if (rc != QASID_OK)
		rc = qerr_set(&r->err, rc, "%s", r->path);
	else if (sodium_memcmp(want, got, sizeof(want)) != 0 ||
	    h->raw1.len != m1.len || memcmp(h->raw1.p, m1.p, m1.len) != 0)
		rc = qerr_set(&r->err, QASID_ERR_FORMAT, "%s: the head is not "
		    "in canonical form", r->path);
	qgz_free(gz);
	qbuf_free(&m1);
	return rc;
}

/* The signature's trusted comment names the hash of the head's raw bytes. */
static int
head_matches(qasid_reader *r, const struct qsig *s,
    const unsigned char headhash[QF_MEMBER_HASH])
{
	char want[QF_TRUSTED_LEN + 1];

	/* The comment names the format too; the manifest must agree. */
	for (unsigned v = 1; v <= QASID_FORMAT_VERSION; v++) {
		qmf_trusted(v, headhash, want);
		if (strcmp(s->trusted, want) == 0) {
			r->sigformat = v;
			return QASID_OK;
		}
	}
	if (strncmp(s->trusted, "qasid-bundle ", 13) == 0 &&
	    s->trusted[13] > '0' + QASID_FORMAT_VERSION &&
	    s->trusted[13] <= '9' && s->trusted[14] == ' ')
		return qerr_set(&r->err, QASID_ERR_FORMAT, "%s: bundle format "
		    "%c is not supported (this reads formats 1 to %d)",
		    r->path, s->trusted[13], QASID_FORMAT_VERSION);
	return qerr_set(&r->err, QASID_ERR_SIGNATURE, "%s: the bundle "
	    "head does not match its signature", r->path);
}

/*
 * Integrity only: the signature file is parsed and its trusted comment
 * must name this head, but who signed is not checked (no keys needed).
 * It catches damage, not forgery: anyone can write a matching comment.
 */
static int
check_integrity(qasid_reader *r, const struct qbuf *sigtext,
    const unsigned char headhash[QF_MEMBER_HASH])
{
	struct qsig s;
	int rc;

	if ((rc = qsig_parse(&s, (const char *)sigtext->p, sigtext->len,
	    &r->err)) != QASID_OK)
		return qerr_set(&r->err, rc, "%s", r->path);
	if ((rc = head_matches(r, &s, headhash)) != QASID_OK)
		return rc;
	memcpy(r->sigkey, s.keyid, QK_KEYID);
	return QASID_OK;
}

static int
check_signature(qasid_reader *r, const struct qbuf *sigtext,
    const unsigned char mhash[crypto_generichash_BYTES_MAX],
    const unsigned char headhash[QF_MEMBER_HASH])
{
	struct qsig s;
	const struct qring_key *k = NULL;
	char id[QASID_KEYID_HEX];
	size_t first;
	int rc;

	if ((rc = qsig_parse(&s, (const char *)sigtext->p, sigtext->len,
	    &r->err)) != QASID_OK)
		return qerr_set(&r->err, rc, "%s", r->path);
	qkey_id_hex(s.keyid, id);
	rc = qkeyring_verify(r->kr, &s, mhash, &k, &r->err);
	if (rc == QASID_ERR_UNTRUSTED)
		return qerr_set(&r->err, rc, "%s: signed by key %s, which is "
		    "not trusted; to trust it, get the publisher's key file, "
		    "compare the fingerprint `qasid trust show FILE` prints "
		    "with the one the publisher gave you, then run `qasid "
		    "trust add FILE`", r->path, id);
	if (rc != QASID_OK)
		return rc;
	if ((rc = head_matches(r, &s, headhash)) != QASID_OK)
		return rc;
	snprintf(r->signer, sizeof(r->signer), "%s", k->name);
	qkey_fingerprint(k->id, k->pk, r->info.fingerprint);
	qhex(headhash, QF_MEMBER_HASH, r->info.head);
	r->info.keyid_shared = qkeyring_match(r->kr, k->id, &first) > 1;
	memcpy(r->sigkey, s.keyid, QK_KEYID);
	r->signkey = k;
	r->info.key_status = k->status;
	r->info.signature_ok = 1;
	return QASID_OK;
}

static void
fill_info2(const struct qmf_header *h, qasid_info *i)
{
	i->next_key[0] = i->previous_head[0] = i->volume_set[0] = '\0';
	if (h->has_next_key)
		qhex(h->next_key, QF_KEYHASH, i->next_key);
	i->previous_sequence = h->has_previous ? h->prev_sequence : 0;
	if (h->has_previous)
		qhex(h->prev_head, QF_MEMBER_HASH, i->previous_head);
	i->has_expires = h->has_expires;
	i->expires = h->has_expires ? h->expires : 0;
	if (h->has_volume)
		qhex(h->setid, QF_MEMBER_HASH, i->volume_set);
	i->volume_part = h->has_volume ? h->part : 0;
	i->volume_count = h->has_volume ? h->count : 0;
}

static void
fill_info(qasid_reader *r)
{
	qasid_info *i = &r->info;

	i->format = (int)r->hdr.format;
	i->title = r->hdr.title;
	i->series = r->hdr.series;
	i->sequence = r->hdr.sequence;
	i->created = r->hdr.created;
	qkey_id_hex(r->hdr.keyid, i->keyid);
	i->files = r->hdr.files;
	i->dirs = r->hdr.dirs;
	i->bytes = r->hdr.bytes;
	i->signer = r->signer;
	fill_info2(&r->hdr, i);
}

/* What an untrusted bundle claims to be, for the caller to show marked
 * unverified (info.signature_ok stays 0); its failure is not the error. */
static void
claimed_info(qasid_reader *r)
{
	struct qmf_cursor *c = malloc(sizeof(*c));
	struct qerr *err = malloc(sizeof(*err));

	if (c != NULL && err != NULL) {
		qmf_cursor_init(c, &r->spool, err);
		if (qmf_get_header(c, &r->hdr) == QASID_OK)
			fill_info(r);
	}
	free(err);
	free(c);
}

static int
parse_header(qasid_reader *r)
{
	struct qmf_cursor *c = malloc(sizeof(*c));
	int rc;

	if (c == NULL)
		return qerr_set(&r->err, QASID_ERR_NOMEM, "%s", r->path);
	qmf_cursor_init(c, &r->spool, &r->err);
	rc = qmf_get_header(c, &r->hdr);
	qmf_mark(c, &r->entries);
	free(c);
	if (rc != QASID_OK)
		return qerr_set(&r->err, rc, "%s", r->path);
	fill_info(r);
	return QASID_OK;
}

static int
read_head_entries(qasid_reader *r, struct head_ctx *h, struct qbuf *sig,
    unsigned char mhash[crypto_generichash_BYTES_MAX])
{
	crypto_generichash_state hs;
	struct archive *a = archive_read_new();
	int rc;

	if (a == NULL)
		return qerr_set(&r->err, QASID_ERR_NOMEM, "%s", r->path);
	crypto_generichash_init(&hs, NULL, 0, crypto_generichash_BYTES_MAX);
	archive_read_support_format_tar(a);
	if (archive_read_open(a, h, NULL, head_read, NULL) != ARCHIVE_OK)
		rc = r->err.code ? r->err.code : not_bundle(r, "unreadable");
	else if ((rc = head_entry(r, a, QF_MANIFEST_NAME, QF_MANIFEST_MAX,
	    &hs, NULL)) == QASID_OK)
		rc = head_entry(r, a, QF_SIG_NAME, SIG_MAX, NULL, sig);
	archive_read_free(a);
	crypto_generichash_final(&hs, mhash, crypto_generichash_BYTES_MAX);
	/* Read the signature member to its end, padding included. */
	while (rc == QASID_OK && h->stage < 2) {
		const void *p;
		if (head_read(NULL, h, &p) < 0)
			rc = r->err.code ? r->err.code : QASID_ERR_INTERNAL;
	}
	return rc;
}

int
qread_head(qasid_reader *r, int verify)
{
	struct head_ctx *h = calloc(1, sizeof(*h));
	unsigned char mhash[crypto_generichash_BYTES_MAX];
	struct qbuf sig = {0};
	int rc;

	if (h == NULL)
		return qerr_set(&r->err, QASID_ERR_NOMEM, "%s", r->path);
	h->r = r;
	crypto_generichash_init(&h->plain0, NULL, 0, QF_MEMBER_HASH);
	if ((rc = qin_begin(&r->in, HEAD_RAW_MAX, HEAD_OUT_MAX, 0)) ==
	    QASID_OK)
		rc = read_head_entries(r, h, &sig, mhash);
	if (rc == QASID_OK) {
		r->body_off = r->in.offset;
		memcpy(r->headhash, h->raw0_hash, QF_MEMBER_HASH);
	}
	if (rc == QASID_OK && verify == QREAD_INTEGRITY)
		rc = check_integrity(r, &sig, h->raw0_hash);
	else if (rc == QASID_OK && verify)
		rc = check_signature(r, &sig, mhash, h->raw0_hash);
	if (rc == QASID_ERR_UNTRUSTED)
		claimed_info(r);
	memcpy(r->mhash, mhash, sizeof(r->mhash));
	if (rc == QASID_OK)
		rc = parse_header(r);
	if (rc == QASID_OK && verify &&
	    memcmp(r->hdr.keyid, r->sigkey, QK_KEYID) != 0)
		rc = qerr_set(&r->err, QASID_ERR_SIGNATURE, "%s: manifest "
		    "names another key than the signature", r->path);
	if (rc == QASID_OK && verify && r->hdr.format != r->sigformat)
		rc = qerr_set(&r->err, QASID_ERR_SIGNATURE, "%s: manifest "
		    "format %u, but its signature says format %u", r->path,
		    r->hdr.format, r->sigformat);
	if (rc == QASID_OK && verify == QREAD_SIGNED)
		rc = qread_key_time(r);
	if (rc == QASID_OK)
		rc = head_canonical(r, h, &sig);
	if (rc == QASID_OK)
		r->head_read = 1;
	qbuf_free(&h->raw1);
	qbuf_free(&sig);
	free(h);
	return rc;
}

/* ---- The reader's public face ------------------------------------------- */

qasid_reader *
qasid_reader_new(const qasid_keyring *trusted)
{
	qasid_reader *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return NULL;
	r->kr = trusted;
	r->in.src.fd = -1;
	r->threads = 2;
	return r;
}

void
qasid_reader_free(qasid_reader *r)
{
	if (r == NULL)
		return;
	qin_close(&r->in);
	qspool_free(&r->spool);
	qspool_free(&r->set);
	free(r->path);
	free(r);
}

void
qasid_reader_set_progress(qasid_reader *r, qasid_progress_fn fn, void *ud)
{
	r->progress = fn;
	r->progress_ud = ud;
}

void
qasid_reader_set_threads(qasid_reader *r, unsigned threads)
{
	r->threads = threads;
}

void
qasid_reader_set_tmpdir(qasid_reader *r, const char *dir)
{
	r->spool.tmpdir = dir;
}

/* Forgets the last bundle and names the next; its source is set next. */
static int
reset(qasid_reader *r, const char *name)
{
	qerr_clear(&r->err);
	qin_close(&r->in);
	qspool_free(&r->spool);
	qspool_free(&r->set);
	memset(&r->info, 0, sizeof(r->info));
	r->head_read = 0;
	r->body_off = 0;
	r->signkey = NULL;
	r->signer[0] = '\0';
	free(r->path);
	if ((r->path = strdup(name ? name : "(bundle)")) == NULL)
		return qerr_set(&r->err, QASID_ERR_NOMEM, "%s", name);
	return QASID_OK;
}

int
qasid_reader_open(qasid_reader *r, const char *path)
{
	int rc;

	if ((rc = reset(r, path)) != QASID_OK)
		return rc;
	if (qsrc_open_path(&r->in.src, path) < 0)
		return qerr_sys(&r->err, QASID_ERR_IO, errno, "%s", path);
	return qin_open(&r->in, r->path, &r->err);
}

int
qasid_reader_open_fd(qasid_reader *r, int fd, const char *name)
{
	int rc;

	if ((rc = reset(r, name)) != QASID_OK)
		return rc;
	qsrc_set_fd(&r->in.src, fd);
	return qin_open(&r->in, r->path, &r->err);
}

int
qasid_reader_open_memory(qasid_reader *r, const void *data, size_t len,
    const char *name)
{
	int rc;

	if ((rc = reset(r, name)) != QASID_OK)
		return rc;
	if (data == NULL && len > 0)
		return qerr_set(&r->err, QASID_ERR_ARG, "%s: no memory to read",
		    r->path);
	qsrc_set_memory(&r->in.src, data, len);
	return qin_open(&r->in, r->path, &r->err);
}

int
qasid_reader_open_callbacks(qasid_reader *r, void *ud, qasid_read_fn read,
    qasid_close_fn close, const char *name)
{
	int rc;

	if ((rc = reset(r, name)) != QASID_OK || read == NULL) {
		if (close != NULL)
			close(ud);
		return rc != QASID_OK ? rc : qerr_set(&r->err, QASID_ERR_ARG,
		    "%s: no read function", r->path);
	}
	qsrc_set_callbacks(&r->in.src, ud, read, close);
	return qin_open(&r->in, r->path, &r->err);
}

/* Each read of a bundle is one pass: open it again to read it again. */
static int
start(qasid_reader *r, int verify)
{
	int rc;

	if (r->path == NULL)
		return qerr_set(&r->err, QASID_ERR_ARG, "no bundle is open");
	if (r->err.code != QASID_OK)
		return r->err.code;
	if (r->head_read)
		return qerr_set(&r->err, QASID_ERR_ARG, "%s: already read; "
		    "open it again", r->path);
	if (verify == QREAD_SIGNED && (r->kr == NULL ||
	    qasid_keyring_count(r->kr) == 0))
		return qerr_set(&r->err, QASID_ERR_UNTRUSTED, "%s: no trusted "
		    "keys to verify it with", r->path);
	if ((rc = qread_head(r, verify)) != QASID_OK || !verify ||
	    r->head_check == NULL)
		return rc;
	if (r->head_check(r->head_check_ud, &r->info) != 0)
		return qerr_set(&r->err, QASID_ERR_REFUSED, "%s: refused",
		    r->path);
	return QASID_OK;
}

int
qread_start(qasid_reader *r, int verify)
{
	return start(r, verify);
}

void
qasid_reader_set_head_check(qasid_reader *r, qasid_head_fn fn, void *ud)
{
	r->head_check = fn;
	r->head_check_ud = ud;
}

/* Whether message m starts by naming path. */
static int
names(const char *m, const char *path)
{
	size_t n = strlen(path);

	return strncmp(m, path, n) == 0 && m[n] == ':';
}

/* Every failure names the bundle first, but for those of the destination
 * of an unpack, which name the destination, and those of the other
 * volumes of a set read with it, which name that volume. */
static int
done(qasid_reader *r, int rc)
{
	const char *m = r->err.msg;
	int named = r->dest != NULL && strncmp(m, r->dest,
	    strlen(r->dest)) == 0;

	for (size_t i = 0; !named && i < r->nparts; i++)
		named = names(m, r->parts[i]->path);
	if (rc != QASID_OK && r->path != NULL && !named)
		qerr_prefix(&r->err, r->path);
	r->dest = NULL;
	return rc;
}

int
qread_done(qasid_reader *r, int rc)
{
	return done(r, rc);
}

int
qasid_reader_verify(qasid_reader *r)
{
	int rc = start(r, 1);

	return done(r, rc != QASID_OK ? rc : qread_body(r, NULL));
}

int
qasid_reader_verify_integrity(qasid_reader *r)
{
	int rc = start(r, QREAD_INTEGRITY);

	return done(r, rc != QASID_OK ? rc : qread_body(r, NULL));
}

int
qasid_reader_verify_bytes(qasid_reader *r, int signer)
{
	int rc = start(r, signer ? QREAD_SIGNED : QREAD_INTEGRITY);

	return done(r, rc != QASID_OK ? rc : qread_body_raw(r));
}

int
qasid_reader_list(qasid_reader *r, int verify_signature, qasid_entry_fn fn,
    void *ud)
{
	struct qmf_cursor *c;
	struct qmf_entry *e;
	qasid_entry out;
	int rc = start(r, verify_signature);

	if (rc != QASID_OK)
		return done(r, rc);
	/* A volume lists the whole set, from its set file. */
	if (r->hdr.has_volume && fn != NULL) {
		if ((rc = qread_body(r, NULL)) == QASID_OK)
			rc = qset_walk(r, fn, ud);
		return done(r, rc);
	}
	c = malloc(sizeof(*c));
	e = malloc(sizeof(*e));
	if (c == NULL || e == NULL) {
		rc = qerr_set(&r->err, QASID_ERR_NOMEM, "%s", r->path);
		goto out;
	}
	qmf_cursor_at(c, &r->spool, &r->err, &r->entries);
	while ((rc = qmf_get_entry(c, e)) == 1) {
		/* Statements carried (FORMAT.md 17.3) are not content. */
		if (e->is_key)
			continue;
		out.path = e->path;
		out.is_dir = e->is_dir;
		out.mode = e->mode;
		out.size = e->size;
		out.first_part = out.last_part = 0;
		if (e->is_dir)
			out.hash[0] = '\0';
		else
			qhex(e->hash, QF_FILE_HASH, out.hash);
		if (fn != NULL && (rc = fn(ud, &out)) != 0)
			goto out;
	}
out:
	free(c);
	free(e);
	return done(r, rc);
}

const qasid_info *
qasid_reader_info(const qasid_reader *r)
{
	return &r->info;
}

/* The size the manifest gives the whole bundle: its head, then each member
 * of the body. */
int
qasid_reader_expected_size(const qasid_reader *r, uint64_t *size)
{
	struct {
		struct qmf_cursor c;
		struct qmf_header h;
		struct qerr err;
	} *w;
	struct qmf_member m;
	int rc;

	if (!r->head_read)
		return QASID_ERR_ARG;
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return QASID_ERR_NOMEM;
	qmf_cursor_init(&w->c, &r->spool, &w->err);
	*size = r->body_off;
	if ((rc = qmf_get_header(&w->c, &w->h)) == QASID_OK)
		rc = qmf_skip_entries(&w->c);
	while (rc == QASID_OK && (rc = qmf_get_member(&w->c, &m)) == 1) {
		*size += m.clen;
		rc = QASID_OK;
	}
	free(w);
	return rc;
}

int
qasid_reader_head_hash(const qasid_reader *r, char hex[65])
{
	if (r->body_off == 0)
		return QASID_ERR_ARG;
	qhex(r->headhash, QF_MEMBER_HASH, hex);
	return QASID_OK;
}

const char *
qasid_reader_errmsg(const qasid_reader *r)
{
	return qerr_msg(&r->err);
}
