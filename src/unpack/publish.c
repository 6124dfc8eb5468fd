/* SPDX-License-Identifier: ISC */
/*
 * publish.c - moving a verified staging folder's content into place, and
 * undoing that when it fails.
 *
 * Everything goes through descriptors: each folder is opened one component
 * at a time without following links, files are moved with renames that
 * never replace, and only plain regular files and folders are moved,
 * whatever put something else in the staging folder. What a run made is
 * journalled with its device and inode and its folder's, so an undo
 * removes only those very entries, through their folders reopened the same
 * way: a folder swapped for a link, or for another folder, by someone
 * racing the undo is left alone.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "unpack.h"

#define PROGRESS_EVERY 256 /* entries published between progress calls */

/* What publishing made, oldest first: a file moved in ('f') or a folder
 * made ('d'), with its device and inode and its folder's, to undo it. */
struct jrec {
	uint64_t dev, ino, pdev, pino;
	size_t path;           /* offset of its path in u->jpaths */
	char kind;
};

static int
journal(struct unpack *u, char kind, const struct qos_stat *st,
    const struct qos_stat *parent)
{
	struct jrec j = {st->dev, st->ino, parent->dev, parent->ino,
	    u->jpaths.len, kind};

	if (qbuf_append(&u->jpaths, u->rel, u->rellen + 1) != QASID_OK ||
	    qbuf_append(&u->journal, &j, sizeof(j)) != QASID_OK)
		return qerr_set(&u->r->err, QASID_ERR_NOMEM, "%s", u->dir);
	return QASID_OK;
}

static int publish_dir(struct unpack *u, int from, int to, int depth);

/* Extends u->rel by one component for messages and the journal. */
static int
rel_push(struct unpack *u, const char *name, size_t *saved)
{
	size_t n = strlen(name);

	*saved = u->rellen;
	if (u->rellen + n + 2 > sizeof(u->rel))
		return qerr_set(&u->r->err, QASID_ERR_UNSAFE, "%s: path too "
		    "long", u->dir);
	if (u->rellen)
		u->rel[u->rellen++] = '/';
	memcpy(u->rel + u->rellen, name, n + 1);
	u->rellen += n;
	return QASID_OK;
}

/* Opens the folder name in to, making it first if it is missing; a folder
 * this run made is journalled at once, and must be the one it opens. */
static int
open_subdir(struct unpack *u, int to, const char *name,
    const struct qos_stat *tost, int *fd)
{
	struct qos_stat made, st;
	int rc, is_new = qos_mkdirat(to, name, 0755) == 0;

	*fd = -1;
	if (!is_new && errno != EEXIST)
		return unp_sys(u, errno, u->rel);
	if (is_new && (qos_statat(to, name, &made, QOS_NOFOLLOW) < 0 ||
	    (rc = journal(u, 'd', &made, tost)) != QASID_OK))
		return u->r->err.code ? u->r->err.code : unp_sys(u, errno,
		    u->rel);
	if ((*fd = unp_open_dir(to, name)) < 0)
		return errno == ELOOP || errno == ENOTDIR ? qerr_set(&u->r->err,
		    QASID_ERR_DEST, "%s/%s: exists and is not a folder (or "
		    "is a symbolic link)", u->dir, u->rel) : unp_sys(u, errno,
		    u->rel);
	if (!is_new)
		return QASID_OK;
	if (qos_fstat(*fd, &st) < 0)
		return unp_sys(u, errno, u->rel);
	if (st.dev != made.dev || st.ino != made.ino || !unp_ours(u, st.uid))
		return qerr_set(&u->r->err, QASID_ERR_DEST, "%s/%s: replaced "
		    "by someone else's folder while unpacking", u->dir,
		    u->rel);
	return QASID_OK;
}

static int
publish_subdir(struct unpack *u, int from, int to, const char *name,
    const struct qos_stat *tost, int depth)
{
	int sub_from, sub_to, rc;

	if ((rc = open_subdir(u, to, name, tost, &sub_to)) != QASID_OK) {
		if (sub_to >= 0)
			qos_close(sub_to);
		return rc;
	}
	if ((sub_from = unp_open_dir(from, name)) < 0) {
		qos_close(sub_to);
		return unp_sys(u, errno, u->rel);
	}
	rc = publish_dir(u, sub_from, sub_to, depth + 1);
	if (rc == QASID_OK && qos_fsync(sub_to) < 0)
		rc = unp_sys(u, errno, u->rel);
	qos_close(sub_from);
	qos_close(sub_to);
	return rc;
}

/* Moves one regular file, or a folder's content, into place. Anything
 * else is refused, whatever put it in the staging folder. */
static int
move_entry(struct unpack *u, int from, int to, const struct qos_stat *tost,
    const char *name, int depth)
{
	struct qos_stat st;

	if (qos_statat(from, name, &st, QOS_NOFOLLOW) < 0)
		return unp_sys(u, errno, u->rel);
	if (st.kind == QOS_DIR)
		return publish_subdir(u, from, to, name, tost, depth);
	if (st.kind != QOS_FILE || st.nlink != 1 || (st.mode & QOS_SPECIAL))
		return qerr_set(&u->r->err, QASID_ERR_UNSAFE, "%s/%s: not a "
		    "plain regular file or folder; refusing to publish it",
		    u->dir, u->rel);
	if (qrename_noreplace_how(from, name, to, name, &u->rename_how) < 0)
		return errno == EEXIST ? qerr_set(&u->r->err, QASID_ERR_EXISTS,
		    "%s/%s: already exists; nothing was unpacked", u->dir,
		    u->rel) : unp_sys(u, errno, u->rel);
	return journal(u, 'f', &st, tost);
}

static int
publish_entry(struct unpack *u, int from, int to,
    const struct qos_stat *tost, const char *name, int depth)
{
	size_t saved;
	int rc;

	if ((rc = rel_push(u, name, &saved)) != QASID_OK)
		return rc;
	if (++u->ticks % PROGRESS_EVERY == 0)
		rc = unp_progress(u, u->r->hdr.bytes);
	if (rc == QASID_OK)
		rc = move_entry(u, from, to, tost, name, depth);
	u->rellen = saved;
	u->rel[saved] = '\0';
	return rc;
}

static int
publish_dir(struct unpack *u, int from, int to, int depth)
{
	struct qos_stat tost;
	const char *name;
	struct qos_dir *d;
	int type, rc = QASID_OK;

	if (depth > QASID_DEPTH_MAX + 1)
		return qerr_set(&u->r->err, QASID_ERR_UNSAFE, "%s: too deep",
		    u->dir);
	if (qos_fstat(to, &tost) < 0 || (d = qos_dir_openfd(from)) == NULL)
		return unp_sys(u, errno, u->rel);
	while (rc == QASID_OK && (name = qos_dir_next(d, &type)) != NULL) {
		if (depth == 0 && (strcmp(name, COMMIT_MARK) == 0 ||
		    strncmp(name, RCPT_PREFIX, strlen(RCPT_PREFIX)) == 0))
			continue;
		rc = publish_entry(u, from, to, &tost, name, depth);
	}
	qos_dir_close(d);
	return rc;
}

/* Opens the folder that holds path, one component at a time from the
 * destination, never through a link; *leaf is path's last component. */
static int
open_parent(struct unpack *u, char *path, char **leaf)
{
	int fd = qos_dup(u->dirfd);
	char *slash;

	while (fd >= 0 && (slash = strchr(path, '/')) != NULL) {
		int sub;
		*slash = '\0';
		sub = unp_open_dir(fd, path);
		qos_close(fd);
		fd = sub;
		path = slash + 1;
	}
	*leaf = path;
	return fd;
}

/* Undoes one journal record, only if its folder and the entry are still
 * the very ones this run used: a folder swapped for a link, or for another
 * folder, since then is left alone. */
static void
undo(struct unpack *u, const struct jrec *j)
{
	char *leaf, *path = (char *)u->jpaths.p + j->path;
	struct qos_stat st;
	int fd = open_parent(u, path, &leaf);

	if (fd < 0)
		return;
	if (qos_fstat(fd, &st) == 0 && st.dev == j->pdev &&
	    st.ino == j->pino && qos_statat(fd, leaf, &st, QOS_NOFOLLOW) == 0 &&
	    st.dev == j->dev && st.ino == j->ino)
		(void)qos_unlinkat(fd, leaf, j->kind == 'd' ? QOS_REMOVEDIR :
		    0);
	qos_close(fd);
}

/* Undoes a failed publish, newest first: files go, new folders go. What was
 * moved in had verified, so removing it loses nothing the bundle lacks. */
static void
unpublish(struct unpack *u)
{
	const struct jrec *j = (const struct jrec *)(void *)u->journal.p;
	size_t n = u->journal.len / sizeof(*j);

	while (n > 0)
		undo(u, &j[--n]);
	u->journal.len = 0;
	u->jpaths.len = 0;
}

int
unp_publish_locked(struct unpack *u, int stagefd)
{
	int rc;

	u->journal.len = 0;
	u->jpaths.len = 0;
	u->rellen = 0;
	u->rel[0] = '\0';
	rc = publish_dir(u, stagefd, u->dirfd, 0);
	if (rc != QASID_OK)
		unpublish(u);
	else if (qos_fsync(u->dirfd) < 0)
		rc = unp_sys(u, errno, "");
	return rc;
}

int
unp_publish(struct unpack *u, int stagefd)
{
	int rc;

	if ((rc = unp_lock(u, u->dirfd)) != QASID_OK)
		return rc;
	rc = unp_publish_locked(u, stagefd);
	qos_lock(u->dirfd, QOS_LOCK_UN);
	return rc;
}

