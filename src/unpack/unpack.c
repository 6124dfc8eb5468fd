/* SPDX-License-Identifier: ISC */
/*
 * unpack.c - all-or-nothing extraction.
 *
 * Content is written into a private staging folder inside the destination
 * (".qasid-unpack-" and 12 random letters, mode 0700, made on the
 * destination's descriptor) while the body is verified. Only when every
 * byte has verified are the files synced, a commit marker naming the
 * bundle written, and the staged tree moved into place with renames that
 * never replace anything, under a lock on the destination. Only regular
 * files and folders are ever made or moved, never through a symbolic link:
 * every step goes through descriptors, so a race in a folder others can
 * write cannot redirect it. publish.c moves the staged tree into place (and
 * undoes that if it fails); a run that fails (or is cancelled) removes its
 * staging folder; leftover.c deals with what killed runs left.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "unpack.h"

#define WRITEBACK_EVERY ((uint64_t)16 << 20)

int
unp_sys(struct unpack *u, int errnum, const char *what)
{
	return qerr_sys(&u->r->err, QASID_ERR_IO, errnum, "%s%s%s", u->dir,
	    what[0] ? "/" : "", what);
}

int
unp_open_dir(int at, const char *name)
{
	return openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
}

int
unp_rm_contents(int fd)
{
	struct dirent *d;
	DIR *dp;
	int rc = 0;

	if ((fd = dup(fd)) < 0)
		return -1;
	if ((dp = fdopendir(fd)) == NULL) {
		close(fd);
		return -1;
	}
	rewinddir(dp); /* a dup shares the offset of an earlier walk */
	while ((d = readdir(dp)) != NULL) {
		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
			continue;
		if (d->d_type == DT_DIR || d->d_type == DT_UNKNOWN) {
			if (unp_rm_tree(dirfd(dp), d->d_name) < 0)
				rc = -1;
		} else if (unlinkat(dirfd(dp), d->d_name, 0) < 0) {
			rc = -1;
		}
	}
	closedir(dp);
	return rc;
}

int
unp_rm_tree(int at, const char *name)
{
	int fd = unp_open_dir(at, name), rc;

	if (fd < 0)
		return unlinkat(at, name, 0);
	rc = unp_rm_contents(fd);
	close(fd);
	return unlinkat(at, name, AT_REMOVEDIR) < 0 ? -1 : rc;
}

int
unp_rm_dir(int at, const char *name, int fd, const struct stat *st)
{
	struct stat now;
	int rc = unp_rm_contents(fd);

	if (fstatat(at, name, &now, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? rc : -1;
	if (now.st_dev != st->st_dev || now.st_ino != st->st_ino)
		return rc; /* gone, and the name now means something else */
	return unlinkat(at, name, AT_REMOVEDIR) < 0 ? -1 : rc;
}

/* Who may own what unpack uses: the user, or the destination's owner, who
 * can change anything in it anyway. On a FAT or exFAT stick everything
 * belongs to whom the stick was mounted for, which may not be the user
 * (root unpacking onto a stick mounted for someone). */
int
unp_ours(const struct unpack *u, uid_t uid)
{
	return uid == geteuid() || uid == u->dirst.st_uid;
}

int
unp_progress(struct unpack *u, uint64_t done)
{
	return qprogress(u->r->progress, u->r->progress_ud, done,
	    u->r->hdr.bytes, &u->r->err, u->dir);
}

int
unp_lock(struct unpack *u, int fd)
{
	int rc;

	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR)
			return unp_sys(u, errno, "");
		/* Polled with done = total = 0: nothing to draw. */
		if ((rc = qprogress(u->r->progress, u->r->progress_ud, 0, 0,
		    &u->r->err, u->dir)) != QASID_OK)
			return rc;
	}
	return QASID_OK;
}

/* ---- The sink the body checker feeds ------------------------------------ */

static int
sink_dir(void *ud, const struct qmf_entry *e)
{
	struct unpack *u = ud;

	if (mkdirat(u->stagefd, e->path, 0700) < 0)
		return unp_sys(u, errno, e->path);
	return QASID_OK;
}

static int
sink_file_begin(void *ud, const struct qmf_entry *e)
{
	struct unpack *u = ud;

	/* Made with its final mode less the umask, as folders are (and as
	 * tar does for a user): the staging folder keeps others out. */
	u->fd = openat(u->stagefd, e->path, O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, (mode_t)e->mode);
	return u->fd < 0 ? unp_sys(u, errno, e->path) : QASID_OK;
}

static int
sink_file_data(void *ud, const unsigned char *p, size_t n)
{
	struct unpack *u = ud;

	if (qwrite_poll(u->fd, p, n, u->r->progress, u->r->progress_ud) < 0)
		return errno == ECANCELED ? qerr_io(&u->r->err, errno, u->dir) :
		    unp_sys(u, errno, u->stage);
	u->unsynced += n;
	return QASID_OK;
}

static int
sink_file_end(void *ud, const struct qmf_entry *e)
{
	struct unpack *u = ud;
	int fd = u->fd;

	(void)e;
	u->fd = -1;
	/* Start writeback every 16 MiB or so, not for every small file; one
	 * syncfs at the commit waits for it all. */
	if (u->unsynced >= WRITEBACK_EVERY) {
		sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
		u->unsynced = 0;
	}
	if (close(fd) < 0)
		return unp_sys(u, errno, e->path);
	return QASID_OK;
}

static int
sink_commit(void *ud)
{
	struct unpack *u = ud;
	int rc;

	if (syncfs(u->stagefd) < 0)
		return unp_sys(u, errno, u->stage);
	/* Syncing a stick can take long: the last chance to stop cleanly. */
	if ((rc = unp_progress(u, u->r->hdr.bytes)) != QASID_OK ||
	    (rc = unp_mark(u)) != QASID_OK)
		return rc;
	return unp_publish(u, u->stagefd);
}

/* ---- Before anything is written ----------------------------------------- */

/*
 * Refuses at once, rather than after writing all that fits, a bundle whose
 * files alone hold more bytes than the destination has free. File system
 * overhead is not counted, so this never refuses a bundle that would fit
 * (short of a file system that compresses); a bundle that passes may still
 * run out of space while it is written, which fails as cleanly, only later.
 */
static int
check_space(struct unpack *u, uint64_t need)
{
	struct statvfs sv;
	uint64_t avail;

	if (fstatvfs(u->dirfd, &sv) < 0 || sv.f_blocks == 0)
		return QASID_OK; /* cannot tell: writing will say */
	avail = (uint64_t)(geteuid() == 0 ? sv.f_bfree : sv.f_bavail) *
	    sv.f_frsize;
	if (need <= avail)
		return QASID_OK;
	return qerr_set(&u->r->err, QASID_ERR_NOSPACE, "%s: %s: the bundle's "
	    "files need %.1f MiB, %.1f MiB is free; nothing was unpacked",
	    u->dir, strerror(ENOSPC), (double)need / 1048576,
	    (double)avail / 1048576);
}

/* Refuses a file the destination's file system cannot hold (4 GiB or
 * more on FAT32) before anything is written, rather than minutes into it. */
static int
check_fits(struct unpack *u, const struct qmedia *m, const struct qmf_entry *e)
{
	if (e->is_dir || e->size <= m->max_file)
		return QASID_OK;
	return qerr_set(&u->r->err, QASID_ERR_DEST, "%s/%s: %.2f GiB, and "
	    "the destination is %s, which holds no file of %.0f GiB or more; "
	    "nothing was unpacked; unpack onto exFAT (or another file "
	    "system), or to another destination", u->dir, e->path,
	    (double)e->size / 1073741824, m->fsname,
	    ((double)m->max_file + 1) / 1073741824);
}

/* Refuses at once if a file of the bundle is already in the destination,
 * or if the bundle cannot fit. */
static int
precheck(struct unpack *u)
{
	struct qmf_cursor *c = malloc(sizeof(*c));
	struct qmf_entry *e = malloc(sizeof(*e));
	struct qmedia media;
	struct stat st;
	uint64_t need = 0;
	int rc = QASID_ERR_NOMEM;

	if (c == NULL || e == NULL)
		goto out;
	qmedia_probe(u->dirfd, &media);
	qmf_cursor_at(c, &u->r->spool, &u->r->err, &u->r->entries);
	while ((rc = qmf_get_entry(c, e)) == 1) {
		/* Statements carried are never published (FORMAT.md 17.3). */
		if (e->is_key)
			continue;
		if (!e->is_dir)
			need = e->size > UINT64_MAX - need ? UINT64_MAX :
			    need + e->size;
		if ((rc = check_fits(u, &media, e)) != QASID_OK)
			break;
		if (fstatat(u->dirfd, e->path, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISLNK(st.st_mode)) {
			rc = qerr_set(&u->r->err, QASID_ERR_DEST, "%s/%s: is a "
			    "symbolic link; refusing to unpack through it; "
			    "nothing was unpacked", u->dir, e->path);
			break;
		}
		if (!e->is_dir || !S_ISDIR(st.st_mode)) {
			rc = qerr_set(&u->r->err, QASID_ERR_EXISTS, "%s/%s: "
			    "already exists%s; nothing was unpacked", u->dir,
			    e->path, e->is_dir ? " and is not a folder" : "");
			break;
		}
	}
	/* A manifest whose files claim more bytes than its members inflate
	 * to is damaged or forged: verifying the body says so (exit status
	 * 1), so the space it claims is not held against it here. */
	if (rc == QASID_OK) {
		struct qmf_member m;
		uint64_t plain = 0;
		while ((rc = qmf_get_member(c, &m)) == 1)
			plain = m.ulen > UINT64_MAX - plain ? UINT64_MAX :
			    plain + m.ulen;
		if (rc == QASID_OK && need <= plain)
			rc = check_space(u, need);
	}
out:
	if (rc == QASID_ERR_NOMEM)
		qerr_set(&u->r->err, rc, "%s", u->dir);
	free(c);
	free(e);
	return rc;
}

static int
open_dest(struct unpack *u)
{
	struct stat st;
	int saved;

	if (mkdir(u->dir, 0755) == 0)
		u->created_dir = 1;
	else if (errno != EEXIST)
		return unp_sys(u, errno, "");
	u->dirfd = open(u->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (u->dirfd >= 0)
		return fstat(u->dirfd, &u->dirst) < 0 ? unp_sys(u, errno, "") :
		    QASID_OK;
	saved = errno;
	if (lstat(u->dir, &st) == 0 && S_ISLNK(st.st_mode))
		return qerr_set(&u->r->err, QASID_ERR_DEST, "%s: is a "
		    "symbolic link; refusing to unpack through it", u->dir);
	return unp_sys(u, saved, "");
}

/* A fresh staging folder with a random name, made on the destination's
 * descriptor and locked; it must be the one made, and ours. */
static int
make_stage(struct unpack *u)
{
	static const char letters[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789";
	size_t n = strlen(STAGE_PREFIX);

	memcpy(u->stage, STAGE_PREFIX, n);
	for (int tries = 1;; tries++) {
		for (size_t i = 0; i < 12; i++)
			u->stage[n + i] = letters[randombytes_uniform(
			    sizeof(letters) - 1)];
		u->stage[n + 12] = '\0';
		if (mkdirat(u->dirfd, u->stage, 0700) == 0)
			break;
		if (errno != EEXIST || tries == 100) {
			int saved = errno;
			u->stage[0] = '\0';
			return unp_sys(u, saved, "");
		}
	}
	if ((u->stagefd = unp_open_dir(u->dirfd, u->stage)) < 0 ||
	    fstat(u->stagefd, &u->stagest) < 0 ||
	    flock(u->stagefd, LOCK_EX) < 0)
		return unp_sys(u, errno, u->stage);
	if (!unp_ours(u, u->stagest.st_uid)) {
		close(u->stagefd);
		u->stagefd = -1;
		return qerr_set(&u->r->err, QASID_ERR_DEST, "%s/%s: replaced "
		    "by someone else's folder", u->dir, u->stage);
	}
	return QASID_OK;
}

/* Removes this run's staging folder. */
static int
rm_stage(struct unpack *u)
{
	if (u->stagefd >= 0)
		return unp_rm_dir(u->dirfd, u->stage, u->stagefd, &u->stagest);
	if (u->stage[0] != '\0' && unlinkat(u->dirfd, u->stage,
	    AT_REMOVEDIR) < 0 && errno != ENOENT)
		return -1;
	return 0;
}

/*
 * Cleans up after killed runs, checks for clashes and makes the staging
 * folder, all under the lock on the destination: otherwise another unpack's
 * clean-up could take a new staging folder, made but not yet locked, for a
 * leftover and remove it.
 */
static int
prepare(struct unpack *u, int *finished)
{
	int rc;

	if ((rc = unp_lock(u, u->dirfd)) != QASID_OK)
		return rc;
	if ((rc = unp_recover(u, finished)) == QASID_OK && !*finished &&
	    (rc = precheck(u)) == QASID_OK)
		rc = make_stage(u);
	flock(u->dirfd, LOCK_UN);
	return rc;
}

/* Removes the destination this run made, if it is still the same one. */
static void
rm_dest(struct unpack *u)
{
	struct stat st;

	if (fstatat(AT_FDCWD, u->dir, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    st.st_dev == u->dirst.st_dev && st.st_ino == u->dirst.st_ino)
		unlinkat(AT_FDCWD, u->dir, AT_REMOVEDIR);
}

int
qunpack(qasid_reader *r, const char *dir)
{
	struct unpack u = {.r = r, .dir = dir, .dirfd = -1, .stagefd = -1,
	    .fd = -1};
	struct qsink sink = {&u, sink_dir, sink_file_begin, sink_file_data,
	    sink_file_end, sink_commit};
	int rc, finished = 0;

	if ((rc = open_dest(&u)) == QASID_OK && (rc = prepare(&u,
	    &finished)) == QASID_OK && !finished)
		rc = r->salvage ? qsalvage(r, &u) : qread_body(r, &sink);
	if (u.fd >= 0)
		close(u.fd);
	if (rm_stage(&u) < 0 && rc == QASID_OK)
		rc = unp_sys(&u, errno, u.stage);
	if (u.stagefd >= 0)
		close(u.stagefd);
	if (rc != QASID_OK && u.created_dir)
		rm_dest(&u);
	if (u.dirfd >= 0)
		close(u.dirfd);
	qbuf_free(&u.journal);
	qbuf_free(&u.jpaths);
	return rc;
}
