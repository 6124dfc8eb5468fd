/* SPDX-License-Identifier: ISC */
/*
 * receipt.c - what qasid unpacked into a folder, per key and series.
 *
 * After an unpack of a bundle with a series, DIR holds a receipt named
 * ".qasid-receipt-" KEYID "-" SERIES: the bundle's key, series, sequence
 * and manifest hash, then one line per entry of the manifest, in bundle
 * order, each file with its mode, size, BLAKE2b-512 and the size, change
 * time and inode it had once in place (docs/FORMAT.md 10.2). The next
 * sequence of that series updates DIR in place against it (update.c). It
 * lives in DIR, so it is read as untrusted input: strictly parsed, its
 * paths checked as a bundle's are, and it only ever says which files may
 * be replaced or removed if they are still exactly what it describes.
 * The walker at the end opens each path's folder one component at a time,
 * reusing the last folder opened, which bundle order keeps together.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unpack.h"

#define RCPT_MAGIC "qasid-receipt 1"
#define LINE_MAX_ (QASID_PATH_MAX + 256)

/* ---- Walking paths under a folder ---------------------------------------- */

void
unp_walk_init(struct unp_walk *w, int base)
{
	w->base = base;
	w->fd = -1;
	w->dirlen = 0;
}

void
unp_walk_done(struct unp_walk *w)
{
	if (w->fd >= 0)
		qos_close(w->fd);
	w->fd = -1;
}

/* The folder of path, opened without following links (reused when it is
 * the folder of the path before); *leaf is path's last component. -1/errno
 * if a folder on the way is missing or not a folder. */
int
unp_walk(struct unp_walk *w, const char *path, const char **leaf)
{
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : 0;
	char buf[QASID_PATH_MAX + 1], *p, *s;
	int fd;

	*leaf = slash ? slash + 1 : path;
	if (w->fd >= 0 && n == w->dirlen && memcmp(w->dir, path, n) == 0)
		return w->fd;
	unp_walk_done(w);
	if (n > QASID_PATH_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(buf, path, n);
	buf[n] = '\0';
	fd = qos_dup(w->base);
	for (p = buf; fd >= 0 && n > 0 && p != NULL; p = s) {
		int sub;
		if ((s = strchr(p, '/')) != NULL)
			*s++ = '\0';
		sub = qos_open_dir(fd, p);
		qos_close(fd);
		fd = sub;
	}
	if (fd < 0)
		return -1;
	memcpy(w->dir, path, n);
	w->dirlen = n;
	return w->fd = fd;
}

/* ---- Reading ------------------------------------------------------------- */

void
unp_rcpt_name(const qasid_reader *r, char out[RCPT_NAME_MAX])
{
	snprintf(out, RCPT_NAME_MAX, "%s%s-%s", RCPT_PREFIX, r->info.keyid,
	    r->hdr.series);
}

static int
hexval(const char *s, unsigned char *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned v = 0;
		for (int k = 0; k < 2; k++) {
			char c = s[2 * i + k];
			if (c >= '0' && c <= '9')
				v = v * 16 + (unsigned)(c - '0');
			else if (c >= 'a' && c <= 'f')
				v = v * 16 + (unsigned)(c - 'a' + 10);
			else
				return -1;
		}
		out[i] = (unsigned char)v;
	}
	return 0;
}

/* Reads one line without its LF into buf; 1, 0 at the end, -1 if it is
 * too long, lacks its LF or holds a NUL. */
static int
get_line(struct unp_rcpt *c, char *buf, size_t cap)
{
	size_t n;

	if (fgets(buf, (int)cap, c->f) == NULL)
		return 0;
	c->line++;
	n = strlen(buf);
	if (n == 0 || buf[n - 1] != '\n')
		return -1;
	buf[n - 1] = '\0';
	return 1;
}

static int
parse_file(char *s, struct unp_rentry *e)
{
	char *end;
	unsigned long long v[4];

	if (strncmp(s, "f ", 2) != 0)
		return -1;
	s += 2;
	for (int i = 0; i < 4; i++) {
		if (*s < '0' || *s > '9')
			return -1;
		errno = 0;
		v[i] = strtoull(s, &end, i == 0 ? 8 : 10);
		if (errno || *end != ' ')
			return -1;
		s = end + 1;
	}
	if (strlen(s) < 2 * QF_FILE_HASH + 2 || s[2 * QF_FILE_HASH] != ' ' ||
	    hexval(s, e->hash, QF_FILE_HASH) < 0 || v[0] > 07777 ||
	    v[2] > INT64_MAX)
		return -1;
	e->mode = (unsigned)v[0];
	e->size = v[1];
	e->ctime_ns = (int64_t)v[2];
	e->ino = v[3];
	e->is_dir = 0;
	return (int)(s + 2 * QF_FILE_HASH + 1 - e->line);
}

/* The next entry: 1, 0 at the end, or -1 for a damaged line. */
int
unp_rcpt_next(struct unp_rcpt *c, struct unp_rentry *e)
{
	char why[256];
	int off, rc = get_line(c, e->line, sizeof(e->line));

	if (rc <= 0)
		return rc;
	if (strncmp(e->line, "d ", 2) == 0) {
		e->is_dir = 1;
		off = 2;
	} else if ((off = parse_file(e->line, e)) < 0) {
		return -1;
	}
	e->path = e->line + off;
	e->pathlen = strlen(e->path);
	if (qpath_check(e->path, e->pathlen, why, sizeof(why)) != 0)
		return -1;
	return 1;
}

static int
parse_header(struct unp_rcpt *c, const qasid_reader *r)
{
	char buf[512];
	char want[sizeof(buf)];

	snprintf(want, sizeof(want), "%s\nkey %s\nseries %s\n", RCPT_MAGIC,
	    r->info.keyid, r->hdr.series);
	buf[0] = '\0';
	for (int i = 0; i < 3; i++) {
		size_t n = strlen(buf);
		if (fgets(buf + n, (int)(sizeof(buf) - n), c->f) == NULL)
			return -1;
	}
	c->line = 1;
	if (strcmp(buf, want) != 0)
		return -1;
	c->line = 3;
	if (get_line(c, buf, sizeof(buf)) != 1 ||
	    sscanf(buf, "sequence %" SCNu64, &c->sequence) != 1 ||
	    get_line(c, buf, sizeof(buf)) != 1 ||
	    strncmp(buf, "manifest ", 9) != 0 ||
	    strlen(buf) != 9 + 2 * sizeof(c->mhash) ||
	    hexval(buf + 9, c->mhash, sizeof(c->mhash)) < 0)
		return -1;
	c->body = ftell(c->f);
	return c->body < 0 ? -1 : 0;
}

/* Every line parses and the paths come in strict bundle order: what the
 * merges of update.c rely on. */
static int
check_all(struct unp_rcpt *c, struct unp_rentry *e, struct unp_rentry *prev)
{
	uint64_t n = 0;
	int rc;

	prev->pathlen = 0;
	while ((rc = unp_rcpt_next(c, e)) == 1) {
		if (++n > QF_FILES_MAX * 2ull || (prev->pathlen && qpath_cmp(
		    prev->path, prev->pathlen, e->path, e->pathlen) >= 0))
			return -1;
		memcpy(prev->line, e->path, e->pathlen + 1);
		prev->path = prev->line;
		prev->pathlen = e->pathlen;
	}
	return rc;
}

int
unp_rcpt_rewind(struct unp_rcpt *c)
{
	c->line = 5;
	return fseek(c->f, c->body, SEEK_SET) == 0 ? QASID_OK : -1;
}

static int
damaged(struct unpack *u, const char *name, unsigned long line)
{
	return qerr_set(&u->r->err, QASID_ERR_DEST, "%s/%s: not a receipt "
	    "qasid wrote (line %lu); nothing was unpacked; remove it to "
	    "unpack as into a new folder", u->dir, name, line);
}

/* Opens DIR's receipt for this bundle's key and series, if there is one:
 * c->f stays NULL if not. */
int
unp_rcpt_open(struct unpack *u, struct unp_rcpt *c)
{
	struct qos_stat st;
	struct unp_rentry *e = NULL, *prev = NULL;
	char name[RCPT_NAME_MAX];
	int fd, rc = QASID_OK;

	memset(c, 0, sizeof(*c));
	unp_rcpt_name(u->r, name);
	if ((fd = qos_openat(u->dirfd, name, QOS_READ | QOS_NOFOLLOW |
	    QOS_NONBLOCK, 0)) < 0)
		return errno == ENOENT ? QASID_OK : errno == ELOOP ?
		    damaged(u, name, 0) : unp_sys(u, errno, name);
	if (qos_fstat(fd, &st) < 0 || st.kind != QOS_FILE || st.nlink != 1 ||
	    !unp_ours(u, st.uid) || (c->f = qos_fdopen(fd, "r")) == NULL) {
		qos_close(fd);
		return damaged(u, name, 0);
	}
	c->ctime_ns = st.ctime_ns;
	c->ino = st.ino;
	e = malloc(sizeof(*e));
	prev = malloc(sizeof(*prev));
	if (e == NULL || prev == NULL)
		rc = qerr_set(&u->r->err, QASID_ERR_NOMEM, "%s", u->dir);
	else if (parse_header(c, u->r) < 0 || check_all(c, e, prev) != 0 ||
	    unp_rcpt_rewind(c) < 0)
		rc = damaged(u, name, c->line);
	free(e);
	free(prev);
	if (rc != QASID_OK)
		unp_rcpt_close(c);
	return rc;
}

void
unp_rcpt_close(struct unp_rcpt *c)
{
	if (c->f != NULL)
		fclose(c->f);
	c->f = NULL;
}

/* A receipt lists one manifest's files, and a set's files are spread over
 * its parts' manifests: a set unpacks whole, never as an update, until a
 * receipt can say which set it came from. */
int
unp_rcpt_kept(const qasid_reader *r)
{
	return !r->salvage && strcmp(r->hdr.series, RCPT_NO_SERIES) != 0 &&
	    !r->hdr.has_volume;
}

/* ---- Writing ------------------------------------------------------------- */

static int
put_entry(struct unpack *u, FILE *f, struct unp_walk *w,
    const struct qmf_entry *e)
{
	char hex[2 * QF_FILE_HASH + 1];
	struct qos_stat st;
	const char *leaf;
	int fd;

	if (e->is_dir) {
		fprintf(f, "d %s\n", e->path);
		return QASID_OK;
	}
	if ((fd = unp_walk(w, e->path, &leaf)) < 0 ||
	    qos_statat(fd, leaf, &st, QOS_NOFOLLOW) < 0)
		return unp_sys(u, errno, e->path);
	qhex(e->hash, QF_FILE_HASH, hex);
	fprintf(f, "f %03o %" PRIu64 " %" PRId64 " %" PRIu64 " %s %s\n",
	    e->mode & 07777, e->size, st.ctime_ns, st.ino, hex, e->path);
	return QASID_OK;
}

static int
put_all(struct unpack *u, FILE *f)
{
	char hex[2 * sizeof(u->r->mhash) + 1];
	struct qmf_cursor *c = malloc(sizeof(*c));
	struct qmf_entry *e = malloc(sizeof(*e));
	struct unp_walk w;
	int rc = QASID_ERR_NOMEM;

	unp_walk_init(&w, u->dirfd);
	if (c == NULL || e == NULL)
		goto out;
	qhex(u->r->mhash, sizeof(u->r->mhash), hex);
	fprintf(f, "%s\nkey %s\nseries %s\nsequence %" PRIu64
	    "\nmanifest %s\n", RCPT_MAGIC, u->r->info.keyid, u->r->hdr.series,
	    u->r->hdr.sequence, hex);
	qmf_cursor_at(c, &u->r->spool, &u->r->err, &u->r->entries);
	/* Statements carried (FORMAT.md 17.3) are never published. */
	while ((rc = qmf_get_entry(c, e)) == 1 &&
	    (e->is_key || (rc = put_entry(u, f, &w, e)) == QASID_OK))
		;
out:
	unp_walk_done(&w);
	if (rc == QASID_ERR_NOMEM)
		qerr_set(&u->r->err, rc, "%s", u->dir);
	free(c);
	free(e);
	return rc;
}

/*
 * Writes the receipt of what DIR now holds of this bundle into the staging
 * folder, syncs it and renames it over the one before: the last step of an
 * unpack or an update, after which DIR holds the new sequence.
 */
int
unp_rcpt_write(struct unpack *u, int stagefd)
{
	char name[RCPT_NAME_MAX];
	FILE *f;
	int fd, rc;

	unp_rcpt_name(u->r, name);
	(void)qos_unlinkat(stagefd, name, 0);
	if ((fd = qos_openat(stagefd, name, QOS_WRITE | QOS_CREATE |
	    QOS_EXCL | QOS_NOFOLLOW, 0644)) < 0)
		return unp_sys(u, errno, name);
	if ((f = qos_fdopen(fd, "w")) == NULL) {
		qos_close(fd);
		return unp_sys(u, errno, name);
	}
	rc = put_all(u, f);
	if (rc == QASID_OK && (fflush(f) != 0 || ferror(f) ||
	    qos_fsync(qos_fileno(f)) < 0))
		rc = unp_sys(u, errno ? errno : EIO, name);
	if (fclose(f) != 0 && rc == QASID_OK)
		rc = unp_sys(u, errno, name);
	if (rc == QASID_OK && qos_renameat(stagefd, name, u->dirfd, name) < 0)
		rc = unp_sys(u, errno, name);
	if (rc == QASID_OK && qos_fsync(u->dirfd) < 0)
		rc = unp_sys(u, errno, "");
	return rc;
}
