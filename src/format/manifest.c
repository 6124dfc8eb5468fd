/* SPDX-License-Identifier: ISC */
/*
 * manifest.c - reading the manifest's text form (docs/FORMAT.md,
 * "Manifest", and 17.1 for format 2) from a spool; manifest_write.c writes
 * it.
 *
 * The reader accepts exactly one spelling of each manifest: fixed field
 * order, canonical decimals, lower-case hex. Anything else is a format error,
 * so two different byte strings never mean the same bundle.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "manifest.h"
#include "paths.h"

#define SPOOL_MEM_MAX ((size_t)4 << 20)

/* ---- Spool -------------------------------------------------------------- */

int
qspool_write(struct qspool *s, const void *p, size_t n)
{
	if (!s->on_disk && s->mem.len + n > SPOOL_MEM_MAX) {
		if ((s->fd = qtmp_anon(s->tmpdir)) < 0)
			return errno == ENOSPC ? QASID_ERR_NOSPACE :
			    QASID_ERR_IO;
		s->on_disk = 1;
		if (qwrite_all(s->fd, s->mem.p, s->mem.len) < 0)
			return QASID_ERR_IO;
		qbuf_free(&s->mem);
	}
	if (s->on_disk) {
		if (qwrite_all(s->fd, p, n) < 0)
			return errno == ENOSPC ? QASID_ERR_NOSPACE :
			    QASID_ERR_IO;
	} else if (qbuf_append(&s->mem, p, n) != QASID_OK) {
		return QASID_ERR_NOMEM;
	}
	s->len += n;
	return QASID_OK;
}

ptrdiff_t
qspool_read(const struct qspool *s, uint64_t off, void *buf, size_t n)
{
	if (off >= s->len)
		return 0;
	if (n > s->len - off)
		n = (size_t)(s->len - off);
	if (!s->on_disk) {
		memcpy(buf, s->mem.p + off, n);
		return (ptrdiff_t)n;
	}
	return qos_pread(s->fd, buf, n, off);
}

void
qspool_free(struct qspool *s)
{
	const char *tmpdir = s->tmpdir;

	if (s->on_disk)
		qos_close(s->fd);
	qbuf_free(&s->mem);
	memset(s, 0, sizeof(*s));
	s->tmpdir = tmpdir;
}

/* ---- Reading ------------------------------------------------------------ */

void
qmf_cursor_init(struct qmf_cursor *c, const struct qspool *s,
    struct qerr *err)
{
	c->s = s;
	c->off = 0;
	c->pos = c->len = 0;
	c->lineno = 0;
	c->err = err;
	c->format = 0;
	c->volume = 0;
	c->keys_open = 0;
	c->nkeys = c->keybytes = 0;
	c->lastkey[0] = '\0';
}

void
qmf_mark(const struct qmf_cursor *c, struct qmf_mark *m)
{
	m->off = c->off + c->pos;
	m->lineno = c->lineno;
	m->format = c->format;
	m->volume = c->volume;
}

void
qmf_cursor_at(struct qmf_cursor *c, const struct qspool *s,
    struct qerr *err, const struct qmf_mark *m)
{
	qmf_cursor_init(c, s, err);
	c->off = m->off;
	c->lineno = m->lineno;
	c->format = m->format;
	c->volume = m->volume;
	/* A mark stands at the entries, where statements may come first. */
	c->keys_open = m->format >= 2;
}

static int
bad(struct qmf_cursor *c, const char *what)
{
	return qerr_set(c->err, QASID_ERR_FORMAT, "manifest line %" PRIu64
	    ": %s", c->lineno, what);
}

/* Refills buf so that it starts at the current line. */
static int
refill(struct qmf_cursor *c)
{
	size_t keep = c->len - c->pos, room;
	ptrdiff_t n;

	memmove(c->buf, c->buf + c->pos, keep);
	c->off += c->pos;
	c->pos = 0;
	c->len = keep;
	if (c->off + keep >= c->s->len)
		return 0;
	room = sizeof(c->buf) - keep;
	n = qspool_read(c->s, c->off + keep, c->buf + keep, room);
	if (n < 0)
		return qerr_sys(c->err, QASID_ERR_IO, errno, "manifest spool");
	c->len += (size_t)n;
	return 0;
}

/* The next line without its newline, NUL-terminated in place; peek leaves
 * it unconsumed. */
static int
line(struct qmf_cursor *c, char **out, size_t *len, int peek)
{
	char *nl = memchr(c->buf + c->pos, '\n', c->len - c->pos);

	if (nl == NULL) {
		int rc = refill(c);
		if (rc != 0)
			return rc;
		nl = memchr(c->buf + c->pos, '\n', c->len - c->pos);
		if (nl == NULL) {
			c->lineno++;
			return bad(c, c->len == c->pos ? "unexpected end" :
			    "line too long or not terminated");
		}
	}
	*out = c->buf + c->pos;
	*len = (size_t)(nl - *out);
	if (!peek) {
		*nl = '\0';
		c->pos += *len + 1;
		c->lineno++;
	}
	return 0;
}

/* A canonical unsigned decimal: no sign, no leading zero. */
static int
parse_u64(const char *s, size_t n, uint64_t *v)
{
	uint64_t x = 0;

	if (n == 0 || n > 20 || (n > 1 && s[0] == '0'))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (x > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return -1;
		x = x * 10 + (uint64_t)(s[i] - '0');
	}
	*v = x;
	return 0;
}

static int
parse_hex(const char *s, size_t n, unsigned char *out, size_t outlen)
{
	if (n != 2 * outlen)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int c = s[i], d = c >= '0' && c <= '9' ? c - '0' :
		    c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
		if (d < 0)
			return -1;
		if (i % 2 == 0)
			out[i / 2] = (unsigned char)(d << 4);
		else
			out[i / 2] |= (unsigned char)d;
	}
	return 0;
}

/* Reads "KEY VALUE" and returns VALUE. */
static int
field(struct qmf_cursor *c, const char *key, char **val, size_t *vlen)
{
	size_t klen = strlen(key), n;
	char *l;
	int rc;

	if ((rc = line(c, &l, &n, 0)) != 0)
		return rc;
	if (n < klen + 1 || memcmp(l, key, klen) != 0 || l[klen] != ' ') {
		char what[64];
		snprintf(what, sizeof(what), "expected \"%s\"", key);
		return bad(c, what);
	}
	*val = l + klen + 1;
	*vlen = n - klen - 1;
	if (memchr(*val, '\0', *vlen) != NULL) {
		char what[64];
		snprintf(what, sizeof(what), "%s holds a NUL byte", key);
		return bad(c, what);
	}
	return 0;
}

static int
field_u64(struct qmf_cursor *c, const char *key, uint64_t *v)
{
	char *s;
	size_t n;
	int rc;

	if ((rc = field(c, key, &s, &n)) != 0)
		return rc;
	return parse_u64(s, n, v) == 0 ? 0 : bad(c, "not a canonical number");
}

/* "KEY none" gives 0; "KEY HEX" 1 with the hash in out. */
static int
field_hash(struct qmf_cursor *c, const char *key, unsigned char *out,
    size_t n, int *has)
{
	char *s, what[64];
	size_t len;
	int rc;

	if ((rc = field(c, key, &s, &len)) != 0)
		return rc;
	*has = !(len == 4 && memcmp(s, "none", 4) == 0);
	if (!*has) {
		memset(out, 0, n);
		return 0;
	}
	if (parse_hex(s, len, out, n) == 0)
		return 0;
	snprintf(what, sizeof(what), "%s is neither \"none\" nor a hash", key);
	return bad(c, what);
}

/* "previous SEQUENCE HEADHASH" or "previous none". */
static int
field_previous(struct qmf_cursor *c, struct qmf_header *h)
{
	char *s, *sp;
	size_t n;
	int rc;

	if ((rc = field(c, "previous", &s, &n)) != 0)
		return rc;
	h->has_previous = !(n == 4 && memcmp(s, "none", 4) == 0);
	if (!h->has_previous)
		return 0;
	if ((sp = memchr(s, ' ', n)) == NULL ||
	    parse_u64(s, (size_t)(sp - s), &h->prev_sequence) != 0 ||
	    parse_hex(sp + 1, n - (size_t)(sp - s) - 1, h->prev_head,
	    QF_MEMBER_HASH) != 0)
		return bad(c, "previous is neither \"none\" nor a sequence "
		    "and a head hash");
	return 0;
}

static int
field_expires(struct qmf_cursor *c, struct qmf_header *h)
{
	uint64_t v;
	char *s;
	size_t n;
	int rc;

	if ((rc = field(c, "expires", &s, &n)) != 0)
		return rc;
	h->has_expires = !(n == 4 && memcmp(s, "none", 4) == 0);
	if (!h->has_expires)
		return 0;
	if (parse_u64(s, n, &v) != 0 || v > INT64_MAX)
		return bad(c, "expires is neither \"none\" nor a time");
	h->expires = (int64_t)v;
	return 0;
}

/* "volume SETID PART COUNT", 1 <= PART <= COUNT, or "volume none". */
static int
field_volume(struct qmf_cursor *c, struct qmf_header *h)
{
	char *s, *end, *sp;
	size_t n;
	int rc;

	if ((rc = field(c, "volume", &s, &n)) != 0)
		return rc;
	h->has_volume = !(n == 4 && memcmp(s, "none", 4) == 0);
	if (!h->has_volume)
		return 0;
	end = s + n;
	if (n < 2 * QF_MEMBER_HASH + 4 || s[2 * QF_MEMBER_HASH] != ' ' ||
	    parse_hex(s, 2 * QF_MEMBER_HASH, h->setid, QF_MEMBER_HASH) != 0)
		return bad(c, "malformed volume line");
	s += 2 * QF_MEMBER_HASH + 1;
	if ((sp = memchr(s, ' ', (size_t)(end - s))) == NULL ||
	    parse_u64(s, (size_t)(sp - s), &h->part) != 0 ||
	    parse_u64(sp + 1, (size_t)(end - sp - 1), &h->count) != 0 ||
	    h->part == 0 || h->part > h->count)
		return bad(c, "malformed volume line");
	return 0;
}

/* The lines format 2 adds after "key" (FORMAT.md 17.1). */
static int
header2(struct qmf_cursor *c, struct qmf_header *h)
{
	int rc;

	if ((rc = field_hash(c, "next-key", h->next_key, QF_KEYHASH,
	    &h->has_next_key)) != 0 || (rc = field_previous(c, h)) != 0 ||
	    (rc = field_expires(c, h)) != 0)
		return rc;
	return field_volume(c, h);
}

/* "qasid-manifest N" for a version this reader implements. */
static int
header_version(struct qmf_cursor *c, struct qmf_header *h)
{
	uint64_t version;

	if (field_u64(c, QF_MAGIC, &version) != 0)
		return qerr_set(c->err, QASID_ERR_FORMAT,
		    "manifest does not start with \"%s\"", QF_MAGIC);
	if (version < 1 || version > QASID_FORMAT_VERSION)
		return qerr_set(c->err, QASID_ERR_FORMAT,
		    "manifest format %" PRIu64 " is not supported (this "
		    "reads formats 1 to %d)", version, QASID_FORMAT_VERSION);
	h->format = (unsigned)version;
	return 0;
}

static int
header_counts(struct qmf_cursor *c, struct qmf_header *h)
{
	int rc;

	if ((rc = field_u64(c, "files", &h->files)) != 0 ||
	    (rc = field_u64(c, "dirs", &h->dirs)) != 0 ||
	    (rc = field_u64(c, "bytes", &h->bytes)) != 0 ||
	    (h->format >= 2 && (rc = field_u64(c, "pieces", &h->pieces)) !=
	    0) || (rc = field_u64(c, "members", &h->members)) != 0)
		return rc;
	if (h->pieces != 0 && !h->has_volume)
		return bad(c, "pieces in a bundle that is not a volume");
	/* Subtract, never add: files + dirs wraps for forged counts. */
	if (h->dirs > QF_FILES_MAX || h->files > QF_FILES_MAX - h->dirs ||
	    h->pieces > QF_MEMBERS_MAX || h->members > QF_MEMBERS_MAX)
		return qerr_set(c->err, QASID_ERR_FORMAT, "manifest lists "
		    "more entries than a bundle may hold");
	return 0;
}

int
qmf_get_header(struct qmf_cursor *c, struct qmf_header *h)
{
	uint64_t created;
	char *s;
	size_t n;
	int rc;

	memset(h, 0, sizeof(*h));
	if ((rc = header_version(c, h)) != 0)
		return rc;
	if ((rc = field(c, "title", &s, &n)) != 0)
		return rc;
	if (n > QF_TITLE_MAX)
		return bad(c, "title too long");
	memcpy(h->title, s, n + 1);
	if (!qmf_valid_title(h->title))
		return bad(c, "title has control characters, bidirectional "
		    "controls or marks, noncharacters or bad UTF-8");
	if ((rc = field(c, "series", &s, &n)) != 0)
		return rc;
	if (n > QF_SERIES_MAX || (memcpy(h->series, s, n + 1),
	    !qmf_valid_series(h->series)))
		return bad(c, "invalid series name");
	if ((rc = field_u64(c, "sequence", &h->sequence)) != 0 ||
	    (rc = field_u64(c, "created", &created)) != 0)
		return rc;
	if (created > INT64_MAX)
		return bad(c, "creation time out of range");
	h->created = (int64_t)created;
	if ((rc = field(c, "key", &s, &n)) != 0)
		return rc;
	if (n != 16 || qkey_id_parse(s, h->keyid) != 0 ||
	    strspn(s, "0123456789ABCDEF") != 16)
		return bad(c, "key id is not 16 upper-case hex digits");
	if ((h->format >= 2 && (rc = header2(c, h)) != 0) ||
	    (rc = header_counts(c, h)) != 0)
		return rc;
	c->format = h->format;
	c->volume = h->has_volume;
	c->keys_open = h->format >= 2;
	return 0;
}

/* A statement the bundle carries: one of the first file lines, in byte
 * order, within the limits (FORMAT.md 17.3). 1 if it is one, 0 if not. */
static int
key_entry(struct qmf_cursor *c, const char *p, size_t n, struct qmf_entry *e)
{
	const char *name;

	if (!c->keys_open || e->is_dir || e->is_piece ||
	    (name = qpath_key_name(p, n)) == NULL) {
		c->keys_open = 0;
		return 0;
	}
	if (e->mode != 0644 || e->size > QPATH_KEYS_BYTES - c->keybytes ||
	    c->nkeys >= QPATH_KEYS_FILES)
		return bad(c, "statements carried beyond their limits");
	if (c->nkeys > 0 && strcmp(c->lastkey, name) >= 0)
		return bad(c, "statements duplicated or out of order");
	memcpy(c->lastkey, name, n - (size_t)(name - p));
	c->lastkey[n - (size_t)(name - p)] = '\0';
	c->nkeys++;
	c->keybytes += e->size;
	e->is_key = 1;
	memcpy(e->path, p, n);
	e->path[n] = '\0';
	e->pathlen = n;
	return 1;
}

static int
entry_path(struct qmf_cursor *c, const char *p, size_t n, struct qmf_entry *e)
{
	char why[160], what[200];
	int rc;

	e->is_key = 0;
	if ((rc = key_entry(c, p, n, e)) != 0)
		return rc < 0 ? rc : 0;
	/* A volume lists its own metadata (.qasid/set and its folders). */
	if (!(c->volume && !e->is_piece && qmf_volume_meta(p, n)) &&
	    qpath_check(p, n, why, sizeof(why)) != 0) {
		snprintf(what, sizeof(what), "unsafe path: %s", why);
		qerr_set(c->err, QASID_ERR_UNSAFE, "manifest line %" PRIu64
		    ": %s", c->lineno, what);
		return QASID_ERR_UNSAFE;
	}
	memcpy(e->path, p, n);
	e->path[n] = '\0';
	e->pathlen = n;
	return 0;
}

static int
file_line(struct qmf_cursor *c, char *l, size_t n, struct qmf_entry *e)
{
	char *mode = l + 5, *size, *hash, *path, *end = l + n;

	/* file MODE SIZE HASH  PATH */
	if ((size = memchr(mode, ' ', (size_t)(end - mode))) == NULL)
		return bad(c, "malformed file line");
	size++;
	if ((hash = memchr(size, ' ', (size_t)(end - size))) == NULL)
		return bad(c, "malformed file line");
	hash++;
	if (end - hash < 2 * QF_FILE_HASH + 3 ||
	    memcmp(hash + 2 * QF_FILE_HASH, "  ", 2) != 0)
		return bad(c, "malformed file line");
	path = hash + 2 * QF_FILE_HASH + 2;
	if (size - mode == 4 && memcmp(mode, "644", 3) == 0)
		e->mode = 0644;
	else if (size - mode == 4 && memcmp(mode, "755", 3) == 0)
		e->mode = 0755;
	else
		return bad(c, "file mode must be 644 or 755");
	if (parse_u64(size, (size_t)(hash - size - 1), &e->size) != 0 ||
	    e->size > QF_FILE_SIZE_MAX)
		return bad(c, "invalid file size");
	if (parse_hex(hash, 2 * QF_FILE_HASH, e->hash, QF_FILE_HASH) != 0)
		return bad(c, "invalid file hash");
	e->is_dir = 0;
	return entry_path(c, path, (size_t)(end - path), e);
}

static int
piece_line(struct qmf_cursor *c, char *l, size_t n, struct qmf_entry *e)
{
	char *off = l + 6, *len, *hash, *path, *end = l + n;

	/* piece OFFSET LENGTH HASH  PATH */
	if ((len = memchr(off, ' ', (size_t)(end - off))) == NULL ||
	    parse_u64(off, (size_t)(len - off), &e->offset) != 0)
		return bad(c, "malformed piece line");
	len++;
	if ((hash = memchr(len, ' ', (size_t)(end - len))) == NULL ||
	    parse_u64(len, (size_t)(hash - len), &e->size) != 0 ||
	    e->size == 0 || e->size > QF_FILE_SIZE_MAX ||
	    e->offset > QF_FILE_SIZE_MAX - e->size)
		return bad(c, "malformed piece line");
	hash++;
	if (end - hash < 2 * QF_FILE_HASH + 3 ||
	    memcmp(hash + 2 * QF_FILE_HASH, "  ", 2) != 0 ||
	    parse_hex(hash, 2 * QF_FILE_HASH, e->hash, QF_FILE_HASH) != 0)
		return bad(c, "malformed piece line");
	path = hash + 2 * QF_FILE_HASH + 2;
	e->is_dir = 0;
	e->is_piece = 1;
	e->mode = 0644;
	return entry_path(c, path, (size_t)(end - path), e);
}

int
qmf_get_entry(struct qmf_cursor *c, struct qmf_entry *e)
{
	char *l;
	size_t n;
	int rc;

	if ((rc = line(c, &l, &n, 1)) != 0)
		return rc;
	if (n >= 7 && memcmp(l, "member ", 7) == 0)
		return 0;
	if (n == 3 && memcmp(l, "end", 3) == 0)
		return 0;
	if ((rc = line(c, &l, &n, 0)) != 0)
		return rc;
	if (n > 4 && memcmp(l, "dir ", 4) == 0) {
		e->is_dir = 1;
		e->is_piece = 0;
		e->mode = 0755;
		e->size = 0;
		memset(e->hash, 0, sizeof(e->hash));
		rc = entry_path(c, l + 4, n - 4, e);
		return rc != 0 ? rc : 1;
	}
	e->is_piece = 0;
	if (n > 5 && memcmp(l, "file ", 5) == 0) {
		rc = file_line(c, l, n, e);
		return rc != 0 ? rc : 1;
	}
	if (c->volume && n > 6 && memcmp(l, "piece ", 6) == 0) {
		rc = piece_line(c, l, n, e);
		return rc != 0 ? rc : 1;
	}
	return bad(c, "expected a dir, file or member line");
}

int
qmf_skip_entries(struct qmf_cursor *c)
{
	struct qmf_entry *e = malloc(sizeof(*e));
	int rc;

	if (e == NULL)
		return qerr_set(c->err, QASID_ERR_NOMEM, "manifest");
	while ((rc = qmf_get_entry(c, e)) == 1)
		;
	free(e);
	return rc;
}

int
qmf_get_member(struct qmf_cursor *c, struct qmf_member *m)
{
	char *l, *sp, *end;
	size_t n;
	int rc;

	if ((rc = line(c, &l, &n, 0)) != 0)
		return rc;
	if (n == 3 && memcmp(l, "end", 3) == 0) {
		if (c->off + c->pos != c->s->len)
			return bad(c, "data after \"end\"");
		return 0;
	}
	end = l + n;
	if (n < 7 || memcmp(l, "member ", 7) != 0 ||
	    (sp = memchr(l + 7, ' ', n - 7)) == NULL ||
	    parse_u64(l + 7, (size_t)(sp - l - 7), &m->clen) != 0)
		return bad(c, "malformed member line");
	l = sp + 1;
	if ((sp = memchr(l, ' ', (size_t)(end - l))) == NULL ||
	    parse_u64(l, (size_t)(sp - l), &m->ulen) != 0 ||
	    parse_hex(sp + 1, (size_t)(end - sp - 1), m->hash,
	    QF_MEMBER_HASH) != 0)
		return bad(c, "malformed member line");
	/* One rule wherever members are read: each holds some of the tar
	 * stream (an empty one would be accepted in some places only). */
	if (m->ulen == 0)
		return bad(c, "empty member (ULEN 0)");
	return 1;
}
