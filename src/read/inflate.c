/* SPDX-License-Identifier: ISC */
/*
 * inflate.c - reading a bundle file member by member.
 *
 * zlib finds where each gzip member ends; this file hashes the raw bytes of
 * each member as zlib consumes them and refuses to go past the raw and
 * inflated sizes a member may have, so no input can make the reader inflate
 * without bound.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "reader.h"

#define RAW_BUF ((size_t)1 << 20)
#define GZ_HEADER 10		/* bytes of the one gzip header allowed */

int
qin_open(struct qin *in, const char *path, struct qerr *err)
{
	struct qsrc src = in->src;

	memset(in, 0, sizeof(*in));
	in->src = src;
	in->path = path;
	in->err = err;
	if ((in->raw = malloc(RAW_BUF)) == NULL)
		return qerr_set(err, QASID_ERR_NOMEM, "%s", path);
	if (inflateInit2(&in->z, 15 + 16) != Z_OK)
		return qerr_set(err, QASID_ERR_NOMEM, "%s", path);
	in->z_ready = 1;
	return QASID_OK;
}

void
qin_close(struct qin *in)
{
	if (in->z_ready)
		inflateEnd(&in->z);
	qsrc_close(&in->src);
	free(in->raw);
	qbuf_free(&in->keep_raw);
	memset(in, 0, sizeof(*in));
	in->src.fd = -1;
}

static int damaged(struct qin *in, const char *why);

/* The body's next raw chunk from the feed thread. */
static int
fill_from_feed(struct qin *in)
{
	const struct qfeed_chunk *c = in->chunk;

	if (c != NULL && (c->end || c->code != QASID_OK))
		return c->code;
	if (in->member_raw_done)
		return QASID_OK; /* zlib may still hold output */
	c = in->chunk = qfeed_next(in->feed, c);
	if (c->code != QASID_OK)
		return qerr_set(in->err, c->code, "%s", c->msg);
	in->member_raw_done = c->last;
	in->z.next_in = c->buf;
	in->z.avail_in = (uInt)c->len;
	return QASID_OK;
}

/* Makes sure some raw input is available; returns 0 at end of file. */
static int
fill(struct qin *in, size_t *avail)
{
	ptrdiff_t n;
	int rc;

	if (in->feed != NULL) {
		if (in->z.avail_in == 0 && (rc = fill_from_feed(in)) != 0)
			return rc;
		*avail = in->z.avail_in;
		return QASID_OK;
	}

	if (in->z.avail_in == 0 && !in->eof) {
		n = qsrc_read(&in->src, in->raw, RAW_BUF);
		if (n < 0)
			return qerr_sys(in->err, QASID_ERR_IO, errno, "%s",
			    in->path);
		if (n == 0)
			in->eof = 1;
		in->z.next_in = in->raw;
		in->z.avail_in = (uInt)n;
	}
	*avail = in->z.avail_in;
	return QASID_OK;
}

int
qin_begin(struct qin *in, uint64_t max_raw, uint64_t max_out, int flags)
{
	/*
	 * Body members skip the CRC (a tenth of inflate's time on text): their
	 * BLAKE2b is compared with the manifest whatever happens, and it is a
	 * far stronger check of the same bytes.
	 */
	if (inflateReset(&in->z) != Z_OK ||
	    inflateValidate(&in->z, !(flags & QIN_NOCRC)) != Z_OK)
		return qerr_set(in->err, QASID_ERR_INTERNAL, "%s: inflate",
		    in->path);
	in->open = 1;
	in->craw = in->cout = 0;
	in->max_raw = max_raw;
	in->max_out = max_out;
	in->keep = (flags & QIN_KEEP) != 0;
	in->keep_raw.len = 0;
	in->member_raw_done = 0;
	crypto_generichash_init(&in->hraw, NULL, 0, QF_MEMBER_HASH);
	return QASID_OK;
}

static int
damaged(struct qin *in, const char *why)
{
	return qerr_set(in->err, QASID_ERR_FORMAT, "%s: gzip member %llu at "
	    "offset %llu: %s", in->path, (unsigned long long)in->index,
	    (unsigned long long)in->offset, why);
}

/*
 * 1 if the n raw bytes p, from offset at of a member, agree with the one
 * header FORMAT.md 2.1 allows: no name, comment, extra field, header CRC or
 * time, OS 255, XFL 0, 2 or 4. zlib would accept any, and a name such as
 * "../../evil" means something to other gzip tools.
 */
static int
head_ok(uint64_t at, const unsigned char *p, size_t n)
{
	static const unsigned char head[GZ_HEADER] = {
		0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff
	};

	for (; at < GZ_HEADER && n > 0; at++, p++, n--)
		if (at == 8 ? *p != 0 && *p != 2 && *p != 4 : *p != head[at])
			return 0;
	return 1;
}

int
qin_read(struct qin *in, unsigned char *out, size_t cap, size_t *got)
{
	*got = 0;
	while (in->open && *got == 0) {
		const unsigned char *before;
		size_t avail = 0, used;
		uint64_t room = in->max_out - in->cout + 1;
		int zr, rc;

		if ((rc = fill(in, &avail)) != QASID_OK)
			return rc;
		/* One byte past the limit is enough to know it is exceeded. */
		if (cap > room)
			cap = (size_t)room;
		before = in->z.next_in;
		in->z.next_out = out;
		in->z.avail_out = (uInt)(cap > UINT32_MAX ? UINT32_MAX : cap);
		zr = inflate(&in->z, Z_NO_FLUSH);
		used = (size_t)(in->z.next_in - before);
		if (!head_ok(in->craw, before, used))
			return damaged(in, "gzip header has fields the format "
			    "does not allow (a name, time, comment or extra "
			    "field)");
		if (in->feed == NULL)
			crypto_generichash_update(&in->hraw, before, used);
		if (in->keep && qbuf_append(&in->keep_raw, before, used) != 0)
			return qerr_set(in->err, QASID_ERR_NOMEM, "%s",
			    in->path);
		in->craw += used;
		*got = (size_t)(in->z.next_out - out);
		in->cout += *got;
		if (in->craw > in->max_raw || in->cout > in->max_out)
			return damaged(in, "larger than the manifest allows");
		if (zr == Z_STREAM_END) {
			in->open = 0;
			/* The manifest says where a member ends, not zlib. */
			if (in->feed != NULL && (in->z.avail_in != 0 ||
			    !in->member_raw_done))
				return damaged(in, "ends before the length the "
				    "manifest gives");
		}
		else if (zr == Z_DATA_ERROR)
			return damaged(in, in->z.msg ? in->z.msg :
			    "corrupt data");
		else if (zr == Z_MEM_ERROR)
			return qerr_set(in->err, QASID_ERR_NOMEM, "%s",
			    in->path);
		else if (avail == 0 && *got == 0)
			return damaged(in, "truncated");
		else if (zr != Z_OK && zr != Z_BUF_ERROR)
			return damaged(in, "corrupt data");
	}
	return QASID_OK;
}

int
qin_end(struct qin *in, uint64_t *raw_len, unsigned char hash[QF_MEMBER_HASH])
{
	unsigned char extra[64];
	size_t got;
	int rc;

	if ((rc = qin_read(in, extra, sizeof(extra), &got)) != QASID_OK)
		return rc;
	if (got != 0 || in->open)
		return damaged(in, "holds more data than the manifest says");
	*raw_len = in->craw;
	if (in->feed != NULL)
		memcpy(hash, in->chunk->hash, QF_MEMBER_HASH);
	else
		crypto_generichash_final(&in->hraw, hash, QF_MEMBER_HASH);
	in->offset += in->craw;
	in->index++;
	return QASID_OK;
}

int
qin_at_eof(struct qin *in)
{
	size_t avail = 0;
	int rc;

	if (in->feed != NULL && in->z.avail_in == 0 && in->member_raw_done &&
	    !in->open && !in->chunk->end) {
		/* The feed has checked the file's end; collect its verdict. */
		in->chunk = qfeed_next(in->feed, in->chunk);
		if (in->chunk->code != QASID_OK)
			return qerr_set(in->err, in->chunk->code, "%s",
			    in->chunk->msg);
	}
	if (in->feed == NULL && (rc = fill(in, &avail)) != QASID_OK)
		return rc;
	if (avail != 0 || in->z.avail_in != 0 ||
	    (in->feed != NULL && !in->chunk->end))
		return qerr_set(in->err, QASID_ERR_FORMAT, "%s: data after "
		    "the end of the bundle at offset %llu", in->path,
		    (unsigned long long)in->offset);
	return QASID_OK;
}
