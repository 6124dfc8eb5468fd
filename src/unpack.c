/*
 * unpack.c - all-or-nothing extraction.
 *
 * Content is written into a private staging folder inside the destination
 * (".qasid-unpack-XXXXXX", mode 0700) while the body is verified. Only when
 * every byte has verified are the files synced, a commit marker written, and
 * the staged tree moved into place with renames that never replace anything,
 * under a lock on the destination. A run that fails removes its staging
 * folder; one killed before its commit marker leaves a staging folder that
 * the next unpack removes; one killed after it is finished by the next
 * unpack, since everything it staged had verified. Only regular files and
 * folders are ever made, never through a symbolic link.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "paths.h"
#include "reader.h"

#define STAGE_PREFIX ".qasid-unpack-"
#define COMMIT_MARK ".qasid-committed"
#define WRITEBACK_EVERY ((uint64_t)16 << 20)

struct unpack {
	qasid_reader *r;
	const char *dir;
	int dirfd;
	int created_dir;       /* dir did not exist before */
	char *stage;           /* staging folder's name inside dir */
	int stagefd;
	int fd;                /* file being written */
	struct qbuf journal;   /* what publishing did, to undo it */
	uint64_t unsynced;     /* bytes written since writeback was started */
	char rel[QASID_PATH_MAX + 2]; /* path being published */
	size_t rellen;
};

static int
sys(struct unpack *u, int errnum, const char *what)
{
	return qerr_sys(&u->r->err, QASID_ERR_IO, errnum, "%s%s%s", u->dir,
	    what[0] ? "/" : "", what);
}

static int
open_dir_at(int at, const char *name)
{
	return openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
}

/* Removes a folder tree without following links. */
static int
rm_tree(int at, const char *name)
{
	struct dirent *d;
	DIR *dp;
	int fd = open_dir_at(at, name), rc = 0;

	if (fd < 0)
		return unlinkat(at, name, 0);
	if ((dp = fdopendir(fd)) == NULL) {
		close(fd);
		return -1;
	}
	while ((d = readdir(dp)) != NULL) {
		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
			continue;
		if (d->d_type == DT_DIR || d->d_type == DT_UNKNOWN) {
			if (rm_tree(dirfd(dp), d->d_name) < 0)
				rc = -1;
		} else if (unlinkat(dirfd(dp), d->d_name, 0) < 0) {
			rc = -1;
		}
	}
	closedir(dp);
	return unlinkat(at, name, AT_REMOVEDIR) < 0 ? -1 : rc;
}

/* ---- Publishing --------------------------------------------------------- */

/* The journal lists what publishing made, as "f" or "d" and the path
 * inside the destination, NUL-terminated, oldest first. */
static int
journal(struct unpack *u, char kind)
{
	if (qbuf_append(&u->journal, &kind, 1) != QASID_OK ||
	    qbuf_append(&u->journal, u->rel, u->rellen + 1) != QASID_OK)
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

static int
publish_subdir(struct unpack *u, int from, int to, const char *name,
    int depth)
{
	int sub_from, sub_to, rc;

	if (mkdirat(to, name, 0755) == 0) {
		if ((rc = journal(u, 'd')) != QASID_OK)
			return rc;
	} else if (errno != EEXIST) {
		return sys(u, errno, u->rel);
	}
	if ((sub_to = open_dir_at(to, name)) < 0)
		return errno == ELOOP || errno == ENOTDIR ? qerr_set(&u->r->err,
		    QASID_ERR_DEST, "%s/%s: exists and is not a folder (or "
		    "is a symbolic link)", u->dir, u->rel) : sys(u, errno,
		    u->rel);
	if ((sub_from = open_dir_at(from, name)) < 0) {
		close(sub_to);
		return sys(u, errno, u->rel);
	}
	rc = publish_dir(u, sub_from, sub_to, depth + 1);
	if (rc == QASID_OK && fsync(sub_to) < 0 && errno != EINVAL)
		rc = sys(u, errno, u->rel);
	close(sub_from);
	close(sub_to);
	return rc;
}

static int
publish_entry(struct unpack *u, int from, int to, const char *name,
    int depth)
{
	struct stat st;
	size_t saved;
	int rc;

	if ((rc = rel_push(u, name, &saved)) != QASID_OK)
		return rc;
	if (fstatat(from, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		rc = sys(u, errno, u->rel);
	else if (S_ISDIR(st.st_mode))
		rc = publish_subdir(u, from, to, name, depth);
	else if (qrename_noreplace(from, name, to, name) < 0)
		rc = errno == EEXIST ? qerr_set(&u->r->err, QASID_ERR_EXISTS,
		    "%s/%s: already exists; nothing was unpacked", u->dir,
		    u->rel) : sys(u, errno, u->rel);
	else
		rc = journal(u, 'f');
	u->rellen = saved;
	u->rel[saved] = '\0';
	return rc;
}

static int
publish_dir(struct unpack *u, int from, int to, int depth)
{
	struct dirent *d;
	DIR *dp;
	int fd = dup(from), rc = QASID_OK;

	if (depth > QASID_DEPTH_MAX + 1)
		return qerr_set(&u->r->err, QASID_ERR_UNSAFE, "%s: too deep",
		    u->dir);
	if (fd < 0 || (dp = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return sys(u, errno, u->rel);
	}
	while (rc == QASID_OK && (d = readdir(dp)) != NULL) {
		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") ==
		    0 || (depth == 0 && strcmp(d->d_name, COMMIT_MARK) == 0))
			continue;
		rc = publish_entry(u, from, to, d->d_name, depth);
	}
	closedir(dp);
	return rc;
}

/* Undoes a failed publish, newest first: files go, new folders go. What was
 * moved in had verified, so removing it loses nothing the bundle lacks. */
static void
unpublish(struct unpack *u)
{
	char *start = (char *)u->journal.p, *end;

	if (start == NULL)
		return; /* nothing was moved or made */
	end = start + u->journal.len;
	while (end > start) {
		char *rec = end - 1;
		while (rec > start && rec[-1] != '\0')
			rec--;
		end = rec;
		unlinkat(u->dirfd, rec + 1, rec[0] == 'd' ? AT_REMOVEDIR : 0);
	}
	u->journal.len = 0;
}

/* Moves a committed staging folder's content into place. The caller holds
 * the lock on the destination. */
static int
publish_locked(struct unpack *u, int stagefd)
{
	int rc;

	u->journal.len = 0;
	u->rellen = 0;
	u->rel[0] = '\0';
	rc = publish_dir(u, stagefd, u->dirfd, 0);
	if (rc != QASID_OK)
		unpublish(u);
	else if (fsync(u->dirfd) < 0 && errno != EINVAL)
		rc = sys(u, errno, "");
	return rc;
}

static int
publish(struct unpack *u, int stagefd)
{
	int rc;

	if (flock(u->dirfd, LOCK_EX) < 0)
		return sys(u, errno, "");
	rc = publish_locked(u, stagefd);
	flock(u->dirfd, LOCK_UN);
	return rc;
}

/* ---- Leftovers of earlier runs ------------------------------------------ */

static int
recover_one(struct unpack *u, const char *name)
{
	int fd = open_dir_at(u->dirfd, name), rc = QASID_OK;

	if (fd < 0)
		return QASID_OK;
	/* A staging folder still locked belongs to a running unpack. */
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		close(fd);
		return QASID_OK;
	}
	if (faccessat(fd, COMMIT_MARK, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		rc = publish_locked(u, fd);
	/* An unpack removes its own staging folder before it lets go of its
	 * lock, so one that has gone meanwhile was finished with. */
	if (rc == QASID_OK && rm_tree(u->dirfd, name) < 0 && errno != ENOENT)
		rc = sys(u, errno, name);
	close(fd);
	return rc;
}

/* The caller holds the lock on the destination. */
static int
recover(struct unpack *u)
{
	struct dirent *d;
	DIR *dp;
	int fd = dup(u->dirfd), rc = QASID_OK;

	if (fd < 0 || (dp = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return sys(u, errno, "");
	}
	while (rc == QASID_OK && (d = readdir(dp)) != NULL)
		if (strncmp(d->d_name, STAGE_PREFIX, strlen(STAGE_PREFIX)) == 0)
			rc = recover_one(u, d->d_name);
	closedir(dp);
	return rc;
}

/* ---- The sink the body checker feeds ------------------------------------ */

static int
sink_dir(void *ud, const struct qmf_entry *e)
{
	struct unpack *u = ud;

	if (mkdirat(u->stagefd, e->path, 0700) < 0)
		return sys(u, errno, e->path);
	return QASID_OK;
}

static int
sink_file_begin(void *ud, const struct qmf_entry *e)
{
	struct unpack *u = ud;

	u->fd = openat(u->stagefd, e->path, O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, 0600);
	return u->fd < 0 ? sys(u, errno, e->path) : QASID_OK;
}

static int
sink_file_data(void *ud, const unsigned char *p, size_t n)
{
	struct unpack *u = ud;

	if (qwrite_all(u->fd, p, n) < 0)
		return sys(u, errno, u->stage);
	u->unsynced += n;
	return QASID_OK;
}

static int
sink_file_end(void *ud, const struct qmf_entry *e)
{
	struct unpack *u = ud;
	int fd = u->fd;

	u->fd = -1;
	/* Start writeback every 16 MiB or so, not for every small file; one
	 * syncfs at the commit waits for it all. */
	if (u->unsynced >= WRITEBACK_EVERY) {
		sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
		u->unsynced = 0;
	}
	if (qchmod(fd, e->mode) < 0) {
		int saved = errno;
		close(fd);
		return sys(u, saved, e->path);
	}
	if (close(fd) < 0)
		return sys(u, errno, e->path);
	return QASID_OK;
}

static int
sink_commit(void *ud)
{
	struct unpack *u = ud;
	int fd;

	if (syncfs(u->stagefd) < 0)
		return sys(u, errno, u->stage);
	fd = openat(u->stagefd, COMMIT_MARK, O_WRONLY | O_CREAT | O_EXCL |
	    O_CLOEXEC, 0600);
	if (fd < 0 || fsync(fd) < 0 || close(fd) < 0 || fsync(u->stagefd) < 0)
		return sys(u, errno, u->stage);
	return publish(u, u->stagefd);
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

/* Refuses at once if a file of the bundle is already in the destination,
 * or if the bundle cannot fit. */
static int
precheck(struct unpack *u)
{
	struct qmf_cursor *c = malloc(sizeof(*c));
	struct qmf_entry *e = malloc(sizeof(*e));
	struct qmf_header h;
	struct stat st;
	uint64_t need = 0;
	int rc = QASID_ERR_NOMEM;

	if (c == NULL || e == NULL)
		goto out;
	qmf_cursor_init(c, &u->r->spool, &u->r->err);
	if ((rc = qmf_get_header(c, &h)) != QASID_OK)
		goto out;
	while ((rc = qmf_get_entry(c, e)) == 1) {
		if (!e->is_dir)
			need = e->size > UINT64_MAX - need ? UINT64_MAX :
			    need + e->size;
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
		return sys(u, errno, "");
	u->dirfd = open(u->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (u->dirfd >= 0)
		return QASID_OK;
	saved = errno;
	if (lstat(u->dir, &st) == 0 && S_ISLNK(st.st_mode))
		return qerr_set(&u->r->err, QASID_ERR_DEST, "%s: is a "
		    "symbolic link; refusing to unpack through it", u->dir);
	return sys(u, saved, "");
}

static int
make_stage(struct unpack *u)
{
	size_t n = strlen(u->dir) + sizeof(STAGE_PREFIX) + 8;
	char *path = malloc(n), *slash;

	if (path == NULL)
		return qerr_set(&u->r->err, QASID_ERR_NOMEM, "%s", u->dir);
	snprintf(path, n, "%s/%sXXXXXX", u->dir, STAGE_PREFIX);
	if (mkdtemp(path) == NULL) {
		free(path);
		return sys(u, errno, "");
	}
	slash = strrchr(path, '/');
	u->stage = strdup(slash + 1);
	free(path);
	if (u->stage == NULL)
		return qerr_set(&u->r->err, QASID_ERR_NOMEM, "%s", u->dir);
	if ((u->stagefd = open_dir_at(u->dirfd, u->stage)) < 0 ||
	    flock(u->stagefd, LOCK_EX) < 0)
		return sys(u, errno, u->stage);
	return QASID_OK;
}

/*
 * Cleans up after killed runs, checks for clashes and makes the staging
 * folder, all under the lock on the destination: otherwise another unpack's
 * clean-up could take a new staging folder, made but not yet locked, for a
 * leftover and remove it.
 */
static int
prepare(struct unpack *u)
{
	int rc;

	if (flock(u->dirfd, LOCK_EX) < 0)
		return sys(u, errno, "");
	if ((rc = recover(u)) == QASID_OK && (rc = precheck(u)) == QASID_OK)
		rc = make_stage(u);
	flock(u->dirfd, LOCK_UN);
	return rc;
}

int
qunpack(qasid_reader *r, const char *dir)
{
	struct unpack u = {.r = r, .dir = dir, .dirfd = -1, .stagefd = -1,
	    .fd = -1};
	struct qsink sink = {&u, sink_dir, sink_file_begin, sink_file_data,
	    sink_file_end, sink_commit};
	int rc;

	if ((rc = open_dest(&u)) == QASID_OK && (rc = prepare(&u)) ==
	    QASID_OK)
		rc = qread_body(r, &sink);
	if (u.fd >= 0)
		close(u.fd);
	if (u.stage != NULL && rm_tree(u.dirfd, u.stage) < 0 &&
	    rc == QASID_OK)
		rc = sys(&u, errno, u.stage);
	if (u.stagefd >= 0)
		close(u.stagefd);
	if (rc != QASID_OK && u.created_dir)
		unlinkat(AT_FDCWD, dir, AT_REMOVEDIR);
	if (u.dirfd >= 0)
		close(u.dirfd);
	free(u.stage);
	qbuf_free(&u.journal);
	return rc;
}
