/* SPDX-License-Identifier: ISC */
/*
 * publish.c - moving a verified staging folder's content into place, and
 * undoing that when it fails.
 *
 * Everything goes through descriptors: each folder is opened one component
 * at a time without following links, files are moved with renames that
 * never replace, and only plain regular files and folders are moved,
 * whatever put something else in the staging folder. A folder the
 * destination lacks is moved in whole, with one rename; one it has is
 * merged into, entry by entry. What a run made is journalled with its
 * device and inode and its folder's, so an undo removes only those very
 * entries (a folder moved whole goes back to the staging folder), through
 * their folders reopened the same way: a folder swapped for a link, or for
 * another folder, by someone racing the undo is left alone.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "unpack.h"

#define PROGRESS_EVERY 256 /* entries published between progress calls */

/* What publishing made, oldest first: a file moved in ('f'), a folder
 * made ('d') or moved in whole ('D'), with its device and inode and its
 * folder's, to undo it. */
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

/*
 * Moves a folder the destination lacks in whole: one rename, where making
 * it and moving its files one by one costs a few round trips per file,
 * which on a FUSE-mounted stick is most of an unpack's time. Only a run
 * that made its staging folder does (u->dirmove): what is in it, it wrote
 * there itself, as publishing would make it. A leftover (leftover.c) is
 * published entry by entry. Returns 1 when the destination has the name:
 * merge into it.
 */
static int
move_dir(struct unpack *u, int from, int to, const struct qos_stat *tost,
    const char *name, const struct qos_stat *st)
{
	/* link(2) cannot stand in for a folder's rename-without-replace. */
	int how = u->rename_how == QRENAME_LINK ? QRENAME_CHECK :
	    u->rename_how;

	if (!u->dirmove || (st->mode & QOS_SPECIAL) != 0 ||
	    !unp_ours(u, st->uid))
		return 1;
	if (qrename_noreplace_how(from, name, to, name, &how) < 0)
		return errno == EEXIST || errno == ENOTEMPTY ? 1 :
		    unp_sys(u, errno, u->rel);
	if (how == QRENAME_NOREPLACE)
		u->rename_how = how;
	return journal(u, 'D', st, tost);
}

/*
 * Whether this destination moves a folder whole and keeps what is in it,
 * tried in the fresh staging folder with a folder holding a folder. One
 * FUSE driver for FAT (fusefat) was seen to move the folder and lose its
 * content; there, and wherever the try fails, folders are made and their
 * files moved one by one, as before. A few round trips, once per unpack.
 */
void
unp_probe_dirmove(struct unpack *u)
{
	static const char *const made[] = {".qasid-probe-a",
	    ".qasid-probe-a/d", ".qasid-probe-a/d/c"};
	static const char *const gone[] = {".qasid-probe-b/c",
	    ".qasid-probe-b", ".qasid-probe-a/d/c", ".qasid-probe-a/d",
	    ".qasid-probe-a"};
	struct qos_dir *d = NULL;
	const char *name;
	size_t i;
	int fd, n = 0;

	u->dirmove = 1;
	for (i = 0; u->dirmove && i < sizeof(made) / sizeof(made[0]); i++)
		u->dirmove = qos_mkdirat(u->stagefd, made[i], 0700) == 0;
	/* Read from the medium, not from the system's cache of names. */
	if (u->dirmove && qrename_noreplace(u->stagefd, ".qasid-probe-a/d",
	    u->stagefd, ".qasid-probe-b") == 0 && (fd = unp_open_dir(
	    u->stagefd, ".qasid-probe-b")) >= 0) {
		d = qos_dir_openfd(fd);
		while (d != NULL && (name = qos_dir_next(d, NULL)) != NULL)
			n += strcmp(name, "c") == 0 ? 1 : 2;
		if (d != NULL)
			qos_dir_close(d);
		qos_close(fd);
	}
	u->dirmove = n == 1;
	for (i = 0; i < sizeof(gone) / sizeof(gone[0]); i++)
		(void)qos_unlinkat(u->stagefd, gone[i], QOS_REMOVEDIR);
}

/* Moves one regular file, or a folder, into place. Anything else is
 * refused, whatever put it in the staging folder. */
static int
move_entry(struct unpack *u, int from, int to, const struct qos_stat *tost,
    const char *name, int depth)
{
	struct qos_stat st;
	int rc;

	if (qos_statat(from, name, &st, QOS_NOFOLLOW) < 0)
		return unp_sys(u, errno, u->rel);
	if (st.kind == QOS_DIR) {
		if ((rc = move_dir(u, from, to, tost, name, &st)) != 1)
			return rc;
		return publish_subdir(u, from, to, name, tost, depth);
	}
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

/* Opens the folder that holds path, one component at a time from top,
 * never through a link; *leaf is path's last component. */
static int
open_parent(int top, char *path, char **leaf)
{
	int fd = qos_dup(top);
	char *slash;

	while (fd >= 0 && (slash = strchr(path, '/')) != NULL) {
		int sub;
		*slash = '\0';
		sub = unp_open_dir(fd, path);
		*slash = '/';
		qos_close(fd);
		fd = sub;
		path = slash + 1;
	}
	*leaf = path;
	return fd;
}

/* A folder moved in whole goes back where it was in the staging folder. */
static void
move_back(struct unpack *u, int fd, char *path, const char *leaf)
{
	char *sleaf;
	int sfd = open_parent(u->pubfrom, path, &sleaf);

	if (sfd < 0)
		return;
	(void)qrename_noreplace(fd, leaf, sfd, sleaf);
	qos_close(sfd);
}

/* Undoes one journal record, only if its folder and the entry are still
 * the very ones this run used: a folder swapped for a link, or for another
 * folder, since then is left alone. */
static void
undo(struct unpack *u, const struct jrec *j)
{
	char *leaf, *path = (char *)u->jpaths.p + j->path;
	struct qos_stat st;
	int fd = open_parent(u->dirfd, path, &leaf);

	if (fd < 0)
		return;
	if (qos_fstat(fd, &st) == 0 && st.dev == j->pdev &&
	    st.ino == j->pino && qos_statat(fd, leaf, &st, QOS_NOFOLLOW) == 0 &&
	    st.dev == j->dev && st.ino == j->ino) {
		if (j->kind == 'D')
			move_back(u, fd, path, leaf);
		else
			(void)qos_unlinkat(fd, leaf, j->kind == 'd' ?
			    QOS_REMOVEDIR : 0);
	}
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
	u->pubfrom = stagefd;
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

