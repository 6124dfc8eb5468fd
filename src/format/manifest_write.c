/* SPDX-License-Identifier: ISC */
/*
 * manifest_write.c - writing the manifest's text form (docs/FORMAT.md,
 * "Manifest", and 17.1 for format 2), the trusted comment that names its
 * format, and the title and series rules the packer and reader share.
 */
#include <inttypes.h>
#include <string.h>

#include "manifest.h"
#include "paths.h"

/* ---- Volumes ------------------------------------------------------------ */

/* OFFSET is 20 decimal digits, so that names sort in offset order. */
void
qmf_piece_name(const char *path, size_t len, uint64_t offset,
    char out[QF_PIECE_NAME])
{
	unsigned char h[32];
	char hex[33];

	/* The first 32 hex digits of the BLAKE2b-256 of the path. */
	crypto_generichash(h, sizeof(h), (const unsigned char *)path, len,
	    NULL, 0);
	qhex(h, 16, hex);
	snprintf(out, QF_PIECE_NAME, ".qasid/pieces/%s-%020" PRIu64, hex,
	    offset);
}

int
qmf_volume_meta(const char *path, size_t len)
{
	static const char *const names[] = {".qasid", ".qasid/pieces",
	    QF_SET_NAME};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (len == strlen(names[i]) && memcmp(path, names[i], len) == 0)
			return 1;
	return 0;
}

/* ---- Writing ------------------------------------------------------------ */

static int
putf(struct qbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
putf(struct qbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || qbuf_reserve(b, (size_t)n + 1) != QASID_OK)
		return QASID_ERR_NOMEM;
	va_start(ap, fmt);
	vsnprintf((char *)b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return QASID_OK;
}

/* "KEY HEX" or "KEY none": the format-2 lines whose value may be absent. */
static int
put_hash(struct qbuf *b, const char *key, int has, const unsigned char *h,
    size_t n)
{
	char hex[2 * QF_MEMBER_HASH + 1];

	if (!has)
		return putf(b, "%s none\n", key);
	qhex(h, n, hex);
	return putf(b, "%s %s\n", key, hex);
}

/* The format-2 lines between key and files (FORMAT.md 17.1). */
static int
put_header2(struct qbuf *b, const struct qmf_header *h)
{
	char hex[2 * QF_MEMBER_HASH + 1];
	int rc;

	if ((rc = put_hash(b, "next-key", h->has_next_key, h->next_key,
	    QF_KEYHASH)) != QASID_OK)
		return rc;
	qhex(h->prev_head, QF_MEMBER_HASH, hex);
	rc = h->has_previous ? putf(b, "previous %" PRIu64 " %s\n",
	    h->prev_sequence, hex) : putf(b, "previous none\n");
	if (rc == QASID_OK)
		rc = h->has_expires ? putf(b, "expires %" PRId64 "\n",
		    h->expires) : putf(b, "expires none\n");
	qhex(h->setid, QF_MEMBER_HASH, hex);
	if (rc == QASID_OK)
		rc = h->has_volume ? putf(b, "volume %s %" PRIu64 " %" PRIu64
		    "\n", hex, h->part, h->count) : putf(b, "volume none\n");
	return rc;
}

int
qmf_put_header(struct qbuf *b, const struct qmf_header *h)
{
	char id[QASID_KEYID_HEX];
	int rc;

	if (h->format != 1 && h->format != 2)
		return QASID_ERR_ARG;
	if (h->format == 1 && (h->has_next_key || h->has_previous ||
	    h->has_expires || h->has_volume || h->pieces != 0))
		return QASID_ERR_ARG;
	qkey_id_hex(h->keyid, id);
	rc = putf(b, "%s %u\ntitle %s\nseries %s\nsequence %" PRIu64
	    "\ncreated %" PRId64 "\nkey %s\n", QF_MAGIC, h->format, h->title,
	    h->series, h->sequence, h->created, id);
	if (rc == QASID_OK && h->format == 2)
		rc = put_header2(b, h);
	if (rc == QASID_OK)
		rc = putf(b, "files %" PRIu64 "\ndirs %" PRIu64 "\nbytes %"
		    PRIu64 "\n", h->files, h->dirs, h->bytes);
	if (rc == QASID_OK && h->format == 2)
		rc = putf(b, "pieces %" PRIu64 "\n", h->pieces);
	if (rc == QASID_OK)
		rc = putf(b, "members %" PRIu64 "\n", h->members);
	return rc;
}

int
qmf_put_entry(struct qbuf *b, const struct qmf_entry *e)
{
	char hex[2 * QF_FILE_HASH + 1];

	if (e->is_dir)
		return putf(b, "dir %.*s\n", (int)e->pathlen, e->path);
	qhex(e->hash, QF_FILE_HASH, hex);
	if (e->is_piece)
		return putf(b, "piece %" PRIu64 " %" PRIu64 " %s  %.*s\n",
		    e->offset, e->size, hex, (int)e->pathlen, e->path);
	/* "HASH  PATH" is b2sum's line, so sed and b2sum -c check content. */
	return putf(b, "file %o %" PRIu64 " %s  %.*s\n", e->mode, e->size,
	    hex, (int)e->pathlen, e->path);
}

int
qmf_put_member(struct qbuf *b, const struct qmf_member *m)
{
	char hex[2 * QF_MEMBER_HASH + 1];

	qhex(m->hash, QF_MEMBER_HASH, hex);
	return putf(b, "member %" PRIu64 " %" PRIu64 " %s\n", m->clen,
	    m->ulen, hex);
}

int
qmf_put_end(struct qbuf *b)
{
	return qbuf_append(b, "end\n", 4);
}

void
qmf_trusted(unsigned format, const unsigned char head[QF_MEMBER_HASH],
    char out[QF_TRUSTED_LEN + 1])
{
	int n = snprintf(out, QF_TRUSTED_LEN + 1, QF_TRUSTED_FMT, format);

	qhex(head, QF_MEMBER_HASH, out + n);
}

int
qmf_valid_title(const char *t)
{
	size_t n = strlen(t), off, k;
	uint32_t c;

	if (n > QF_TITLE_MAX)
		return 0;
	/* What a terminal would obey, reorder or hide is refused, as in
	 * paths: titles are shown even for bundles no key vouches for. */
	for (off = 0; off < n; off += k)
		if ((k = qu_utf8_next(t + off, n - off, &c)) == 0 ||
		    qu_cp_unsafe(c) != NULL)
			return 0;
	return 1;
}

int
qmf_valid_series(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > QF_SERIES_MAX)
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789._-") == n;
}
