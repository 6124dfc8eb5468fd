/* SPDX-License-Identifier: ISC */
/*
 * dir.c - names and folders on POSIX: opening relative to an open folder,
 * status in the system's own terms translated to struct qos_stat, walking
 * a folder from its descriptor, and removing trees without following
 * links. Everything works from descriptors, so that a name swapped under
 * us (a symbolic link put in place of a folder) is never followed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

struct qos_dir {
	DIR *dp;
};

static int
at_of(int at)
{
	return at == QOS_AT_CWD ? AT_FDCWD : at;
}

static int
oflags(int flags)
{
	int o = O_CLOEXEC | O_NOCTTY;

	o |= flags & QOS_RDWR ? O_RDWR : flags & QOS_WRITE ? O_WRONLY :
	    O_RDONLY;
	if (flags & QOS_CREATE)
		o |= O_CREAT;
	if (flags & QOS_EXCL)
		o |= O_EXCL;
	if (flags & QOS_TRUNC)
		o |= O_TRUNC;
	if (flags & QOS_NOFOLLOW)
		o |= O_NOFOLLOW;
	if (flags & QOS_NONBLOCK)
		o |= O_NONBLOCK;
	if (flags & QOS_DIRECTORY)
		o |= O_DIRECTORY;
	if (flags & QOS_APPEND)
		o |= O_APPEND;
	return o;
}

int
qos_openat(int at, const char *name, int flags, unsigned mode)
{
	return openat(at_of(at), name, oflags(flags), (mode_t)mode);
}

int
qos_open(const char *path, int flags, unsigned mode)
{
	return qos_openat(QOS_AT_CWD, path, flags, mode);
}

int
qos_open_dir(int at, const char *name)
{
	return qos_openat(at, name, QOS_READ | QOS_DIRECTORY | QOS_NOFOLLOW,
	    0);
}

int
qos_dup(int fd)
{
	return dup(fd);
}

int
qos_renameat(int fromfd, const char *from, int tofd, const char *to)
{
	return renameat(at_of(fromfd), from, at_of(tofd), to);
}

int
qos_syncfs(int fd)
{
	return syncfs(fd);
}

FILE *
qos_fdopen(int fd, const char *mode)
{
	return fdopen(fd, mode);
}

int
qos_fileno(FILE *f)
{
	return fileno(f);
}

int
qos_dup2(int fd, int to)
{
	int rc;

	while ((rc = dup2(fd, to)) < 0 && errno == EINTR)
		;
	return rc;
}

int
qos_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

static int
kind_of(mode_t m)
{
	return S_ISREG(m) ? QOS_FILE : S_ISDIR(m) ? QOS_DIR : S_ISLNK(m) ?
	    QOS_LINK : S_ISFIFO(m) ? QOS_FIFO : S_ISSOCK(m) ? QOS_SOCKET :
	    S_ISCHR(m) || S_ISBLK(m) ? QOS_DEVICE : QOS_OTHER;
}

static void
translate(const struct stat *s, struct qos_stat *st)
{
	st->kind = kind_of(s->st_mode);
	st->mode = (unsigned)s->st_mode & 07777;
	st->size = s->st_size > 0 ? (uint64_t)s->st_size : 0;
	st->mtime = (int64_t)s->st_mtim.tv_sec;
	st->mtime_ns = s->st_mtim.tv_nsec;
	st->ctime_ns = (int64_t)s->st_ctim.tv_sec * 1000000000 +
	    s->st_ctim.tv_nsec;
	st->dev = (uint64_t)s->st_dev;
	st->ino = (uint64_t)s->st_ino;
	st->nlink = (uint64_t)s->st_nlink;
	st->uid = (unsigned long)s->st_uid;
}

int
qos_fstat(int fd, struct qos_stat *st)
{
	struct stat s;

	if (fstat(fd, &s) < 0)
		return -1;
	translate(&s, st);
	return 0;
}

int
qos_statat(int at, const char *name, struct qos_stat *st, int flags)
{
	struct stat s;

	if (fstatat(at_of(at), name, &s, flags & QOS_NOFOLLOW ?
	    AT_SYMLINK_NOFOLLOW : 0) < 0)
		return -1;
	translate(&s, st);
	return 0;
}

int
qos_same_file(const struct qos_stat *a, const struct qos_stat *b)
{
	return a->dev == b->dev && a->ino == b->ino;
}

unsigned long
qos_euid(void)
{
	return (unsigned long)geteuid();
}

int
qos_mkdirat(int at, const char *name, unsigned mode)
{
	return mkdirat(at_of(at), name, (mode_t)mode);
}

int
qos_unlinkat(int at, const char *name, int flags)
{
	return unlinkat(at_of(at), name, flags & QOS_REMOVEDIR ?
	    AT_REMOVEDIR : 0);
}

/* ---- Walking ------------------------------------------------------------ */

static struct qos_dir *
wrap(DIR *dp)
{
	struct qos_dir *d;

	if (dp == NULL)
		return NULL;
	if ((d = malloc(sizeof(*d))) == NULL) {
		closedir(dp);
		errno = ENOMEM;
		return NULL;
	}
	d->dp = dp;
	return d;
}

struct qos_dir *
qos_dir_open(const char *path)
{
	return wrap(opendir(path));
}

struct qos_dir *
qos_dir_openfd(int fd)
{
	DIR *dp;

	if ((fd = dup(fd)) < 0)
		return NULL;
	if ((dp = fdopendir(fd)) == NULL) {
		int e = errno;
		close(fd);
		errno = e;
		return NULL;
	}
	rewinddir(dp); /* a dup shares the offset of an earlier walk */
	return wrap(dp);
}

static int
dkind(unsigned char t)
{
	switch (t) {
	case DT_REG: return QOS_FILE;
	case DT_DIR: return QOS_DIR;
	case DT_LNK: return QOS_LINK;
	case DT_FIFO: return QOS_FIFO;
	case DT_SOCK: return QOS_SOCKET;
	case DT_CHR: case DT_BLK: return QOS_DEVICE;
	case DT_UNKNOWN: return QOS_UNKNOWN;
	default: return QOS_OTHER;
	}
}

const char *
qos_dir_next(struct qos_dir *d, int *kind)
{
	struct dirent *e;

	do {
		errno = 0;
		if ((e = readdir(d->dp)) == NULL)
			return NULL;
	} while (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0);
	if (kind != NULL)
		*kind = dkind(e->d_type);
	return e->d_name;
}

int
qos_dir_fd(struct qos_dir *d)
{
	return dirfd(d->dp);
}

void
qos_dir_close(struct qos_dir *d)
{
	if (d == NULL)
		return;
	closedir(d->dp);
	free(d);
}
