/* SPDX-License-Identifier: ISC */
/*
 * tree.c - calls on names inside an open folder, never through a symbolic
 * link, for updating an unpacked tree in place (src/unpack/update.c):
 * what a name is, opening, making, renaming and removing it, syncing.
 * POSIX; a port gives these anew.
 */
#include <errno.h>
#include <fcntl.h>
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
