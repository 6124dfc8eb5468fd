/* SPDX-License-Identifier: ISC */
/*
 * tree.c - calls on names inside an open folder, never through a symbolic
 * link, for updating an unpacked tree in place (src/unpack/update.c):
 * what a name is, opening, making, renaming and removing it, syncing;
 * listing a folder, locking it, and who the user is.
 * POSIX; a port gives these anew.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

static void
fill(const struct stat *s, struct qos_stat *st)
{
	st->dev = (uint64_t)s->st_dev;
	st->ino = (uint64_t)s->st_ino;
	st->size = s->st_size < 0 ? 0 : (uint64_t)s->st_size;
	st->ctime_ns = (int64_t)s->st_ctim.tv_sec * 1000000000 +
	    s->st_ctim.tv_nsec;
	st->type = S_ISREG(s->st_mode) ? QOS_REG : S_ISDIR(s->st_mode) ?
	    QOS_DIR : S_ISLNK(s->st_mode) ? QOS_LNK : QOS_OTHER;
	st->nlink = (uint64_t)s->st_nlink;
	st->uid = (uint64_t)s->st_uid;
	st->special = (s->st_mode & (S_ISUID | S_ISGID | S_ISVTX)) != 0;
}

int
qos_stat_at(int at, const char *name, struct qos_stat *st)
{
	struct stat s;

	if (fstatat(at, name, &s, AT_SYMLINK_NOFOLLOW) < 0)
		return -1;
	fill(&s, st);
	return 0;
}

int
qos_fstat(int fd, struct qos_stat *st)
{
	struct stat s;

	if (fstat(fd, &s) < 0)
		return -1;
	fill(&s, st);
	return 0;
}

int
qos_open_dir_at(int at, const char *name)
{
	return openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
}

int
qos_open_file_at(int at, const char *name)
{
	return openat(at, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC);
}

int
qos_create_at(int at, const char *name, unsigned mode)
{
	return openat(at, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, (mode_t)mode);
}

int
qos_mkdir_at(int at, const char *name, unsigned mode)
{
	return mkdirat(at, name, (mode_t)mode);
}

int
qos_unlink_at(int at, const char *name, int is_dir)
{
	return unlinkat(at, name, is_dir ? AT_REMOVEDIR : 0);
}

int
qos_rename_at(int fromfd, const char *from, int tofd, const char *to)
{
	return renameat(fromfd, from, tofd, to);
}

int
qos_dup(int fd)
{
	return fcntl(fd, F_DUPFD_CLOEXEC, 0);
}

/* Folders where fsync cannot sync a folder (EINVAL) count as synced. */
int
qos_fsync(int fd)
{
	return fsync(fd) < 0 && errno != EINVAL ? -1 : 0;
}

int
qos_syncfs(int fd)
{
	return syncfs(fd);
}

/* ---- Folders, locks, the user ------------------------------------------- */

struct qos_dir {
	DIR *dp;
};

void *
qos_dir_begin(int fd)
{
	struct qos_dir *d = malloc(sizeof(*d));
	int dfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);

	if (d == NULL || dfd < 0 || (d->dp = fdopendir(dfd)) == NULL) {
		int saved = errno;
		if (dfd >= 0)
			close(dfd);
		free(d);
		errno = saved;
		return NULL;
	}
	rewinddir(d->dp); /* a dup shares the offset of an earlier walk */
	return d;
}

const char *
qos_dir_next(void *dv, int *type)
{
	struct qos_dir *d = dv;
	struct dirent *e;

	while ((e = readdir(d->dp)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		*type = e->d_type == DT_DIR ? QOS_DIR : e->d_type == DT_REG ?
		    QOS_REG : e->d_type == DT_UNKNOWN ? 0 : QOS_OTHER;
		return e->d_name;
	}
	return NULL;
}

void
qos_dir_end(void *dv)
{
	struct qos_dir *d = dv;

	if (d != NULL)
		closedir(d->dp);
	free(d);
}

int
qos_lock(int fd)
{
	return flock(fd, LOCK_EX);
}

int
qos_trylock(int fd)
{
	return flock(fd, LOCK_EX | LOCK_NB);
}

int
qos_unlock(int fd)
{
	return flock(fd, LOCK_UN);
}

uint64_t
qos_euid(void)
{
	return (uint64_t)geteuid();
}

int
qos_open_dir(const char *path)
{
	return open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

int
qos_mkdir(const char *path, unsigned mode)
{
	return mkdir(path, (mode_t)mode);
}

int
qos_stat_path(const char *path, struct qos_stat *st)
{
	return qos_stat_at(AT_FDCWD, path, st);
}

int
qos_rmdir_path(const char *path)
{
	return rmdir(path);
}

/* Starts writing fd's dirty pages out, without waiting. */
void
qos_writeback(int fd)
{
	(void)sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
}
