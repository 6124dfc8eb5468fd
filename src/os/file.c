/* SPDX-License-Identifier: ISC */
/*
 * file.c - the library's file system calls: reads and writes that a signal
 * can interrupt, temporary files that leave nothing behind, renames that
 * never replace, modes on file systems without them. POSIX; a port to
 * another system replaces this folder (src/os) and little else.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

#ifndef RENAME_NOREPLACE
/*
 * A C library without renameat2() (musl before 1.2.5, which the kit's ARM
 * binaries are built on; emscripten's): the Linux system call itself, or
 * ENOSYS, which falls back to link(2) below.
 */
#include <sys/syscall.h>
#define RENAME_NOREPLACE (1 << 0)
static int
renameat2(int fromfd, const char *from, int tofd, const char *to,
    unsigned int flags)
{
#ifdef SYS_renameat2
	return (int)syscall(SYS_renameat2, fromfd, from, tofd, to, flags);
#else
	(void)fromfd, (void)from, (void)tofd, (void)to, (void)flags;
	errno = ENOSYS;
	return -1;
#endif
}
#endif

/* A read or write a signal interrupted: go on, unless fn (polled with
 * done = total = 0) says stop, which fails with ECANCELED. */
static int
interrupted(qasid_progress_fn fn, void *ud)
{
	if (fn == NULL || fn(ud, 0, 0) == 0)
		return 0;
	errno = ECANCELED;
	return -1;
}

int
qwrite_poll(int fd, const void *buf, size_t n, qasid_progress_fn fn,
    void *ud)
{
	const unsigned char *p = buf;

	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR && interrupted(fn, ud) == 0)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int
qwrite_all(int fd, const void *buf, size_t n)
{
	return qwrite_poll(fd, buf, n, NULL, NULL);
}

ptrdiff_t
qread_poll(int fd, void *buf, size_t n, qasid_progress_fn fn, void *ud)
{
	unsigned char *p = buf;
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, p + got, n - got);
		if (r < 0) {
			if (errno == EINTR && interrupted(fn, ud) == 0)
				continue;
			return -1;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ptrdiff_t)got;
}

ptrdiff_t
qread_full(int fd, void *buf, size_t n)
{
	return qread_poll(fd, buf, n, NULL, NULL);
}

int
qos_open_read(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd >= 0)
		posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	return fd;
}

int
qos_close(int fd)
{
	return close(fd);
}

ptrdiff_t
qos_pread(int fd, void *buf, size_t n, uint64_t off)
{
	return pread(fd, buf, n, (off_t)off);
}

int
qchmod(int fd, unsigned mode)
{
	/* FAT and exFAT, a USB stick's usual file systems, keep no Unix modes
	 * and refuse to set them (some FUSE drivers have no way to at all:
	 * ENOSYS); what they give instead holds no setuid. */
	if (fchmod(fd, (mode_t)mode) == 0 || errno == EPERM || errno == ENOTSUP ||
	    errno == EOPNOTSUPP || errno == ENOSYS)
		return 0;
	return -1;
}

char *
qdirname(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

/* A named temporary file beside path: ".NAME.qasid-XXXXXX". */
static int
named_tmp(const char *path, char **tmpname)
{
	const char *slash = strrchr(path, '/');
	size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
	size_t len = dirlen + strlen(path + dirlen) + 32;
	char *name;
	int fd;

	if ((name = malloc(len)) == NULL)
		return -1;
	snprintf(name, len, "%.*s.%s.qasid-XXXXXX", (int)dirlen, path,
	    path + dirlen);
	if ((fd = mkostemp(name, O_CLOEXEC)) < 0) {
		free(name);
		return -1;
	}
	*tmpname = name;
	return fd;
}

/* An anonymous read-write file in dir (NULL: /tmp) that leaves nothing
 * behind however the process ends, but where O_TMPFILE is missing: then
 * it is named for an instant, and unlinked at once. */
int
qtmp_anon(const char *dir)
{
	char *name;
	size_t len;
	int fd;

	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	if ((fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600)) >= 0)
		return fd;
	len = strlen(dir) + 32;
	if ((name = malloc(len)) == NULL)
		return -1;
	snprintf(name, len, "%s/.qasid-spool-XXXXXX", dir);
	if ((fd = mkostemp(name, O_CLOEXEC)) >= 0)
		unlink(name);
	free(name);
	return fd;
}

int
qtmp_create(const char *path, char **tmpname)
{
	char *dir = qdirname(path);
	int fd = -1;

	*tmpname = NULL;
	if (dir == NULL)
		return -1;
	/* An anonymous file leaves nothing behind if the process is killed;
	 * naming it at the end needs /proc (or privilege), so check that. */
	if (access("/proc/self/fd", X_OK) == 0)
		fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	free(dir);
	return fd >= 0 ? fd : named_tmp(path, tmpname);
}

void
qtmp_abort(int fd, char *tmpname)
{
	int saved = errno;

	if (fd >= 0)
		close(fd);
	if (tmpname)
		unlink(tmpname);
	free(tmpname);
	errno = saved;
}

/* Gives the anonymous file fd a name. */
static int
link_anonymous(int fd, const char *path)
{
	char proc[64];

	if (linkat(fd, "", AT_FDCWD, path, AT_EMPTY_PATH) == 0)
		return 0;
	if (errno != ENOENT && errno != EPERM)
		return -1;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	return linkat(AT_FDCWD, proc, AT_FDCWD, path, AT_SYMLINK_FOLLOW);
}

int
qrename_noreplace_how(int fromfd, const char *from, int tofd, const char *to,
    int *how)
{
	struct stat st;

	fromfd = fromfd == QOS_AT_CWD ? AT_FDCWD : fromfd;
	tofd = tofd == QOS_AT_CWD ? AT_FDCWD : tofd;
	if (*how <= QRENAME_NOREPLACE) {
		if (renameat2(fromfd, from, tofd, to, RENAME_NOREPLACE) == 0) {
			*how = QRENAME_NOREPLACE;
			return 0;
		}
		if (*how == QRENAME_NOREPLACE || (errno != EINVAL &&
		    errno != ENOSYS))
			return -1;
		*how = QRENAME_LINK;
	}
	/* No RENAME_NOREPLACE here: link(2) refuses to replace, too. */
	if (*how == QRENAME_LINK) {
		if (linkat(fromfd, from, tofd, to, 0) == 0)
			return unlinkat(fromfd, from, 0);
		if (errno != EPERM && errno != ENOTSUP && errno != EOPNOTSUPP)
			return -1;
		*how = QRENAME_CHECK;
	}
	/* FAT has neither: check, then rename (a race is possible there). */
	if (fstatat(tofd, to, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		errno = EEXIST;
		return -1;
	}
	return renameat(fromfd, from, tofd, to);
}

int
qrename_noreplace(int fromfd, const char *from, int tofd, const char *to)
{
	int how = 0;

	return qrename_noreplace_how(fromfd, from, tofd, to, &how);
}

int
qtmp_commit(int fd, char *tmpname, const char *path, int overwrite)
{
	char *aside = NULL;
	int rc;

	if (fsync(fd) < 0)
		goto fail;
	if (tmpname == NULL) {
		/* Replacing: name it beside, then rename over the old file.
		 * Hidden, as named_tmp's, so that a kill between the two
		 * leaves no second NAME where people look. */
		const char *slash = strrchr(path, '/');
		int dirlen = slash ? (int)(slash - path) + 1 : 0;

		if (overwrite && (aside = malloc(strlen(path) + 32)) != NULL) {
			snprintf(aside, strlen(path) + 32, "%.*s.%s.qasid-%08x",
			    dirlen, path, path + dirlen, randombytes_random());
			rc = link_anonymous(fd, aside) < 0 ? -1 :
			    rename(aside, path);
			if (rc < 0)
				unlink(aside);
			free(aside);
		} else {
			rc = overwrite ? -1 : link_anonymous(fd, path);
		}
		if (rc < 0)
			goto fail;
		close(fd);
		return qos_sync_dir_of(path);
	}
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	rc = overwrite ? rename(tmpname, path) :
	    qrename_noreplace(AT_FDCWD, tmpname, AT_FDCWD, path);
	if (rc < 0)
		goto fail;
	free(tmpname);
	return qos_sync_dir_of(path);
fail:
	qtmp_abort(fd, tmpname);
	return -1;
}

int
qos_fsync(int fd)
{
	/* A folder whose file system cannot sync folders (EINVAL) is as
	 * synced as it will be. */
	return fsync(fd) < 0 && errno != EINVAL ? -1 : 0;
}

int64_t
qos_seek(int fd, int64_t off, int whence)
{
	return (int64_t)lseek(fd, (off_t)off, whence == QOS_SEEK_END ?
	    SEEK_END : SEEK_SET);
}

int
qos_truncate(int fd, uint64_t len)
{
	return ftruncate(fd, (off_t)len);
}

ptrdiff_t
qos_pwrite(int fd, const void *buf, size_t n, uint64_t off)
{
	return pwrite(fd, buf, n, (off_t)off);
}

void
qos_hint_sequential(int fd)
{
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
}

ptrdiff_t
qos_copy_range(int from, uint64_t *off, int to, size_t n)
{
	loff_t o = (loff_t)*off;
	ssize_t got = copy_file_range(from, &o, to, NULL, n, 0);

	*off = (uint64_t)o;
	return got;
}

unsigned
qos_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n <= 0 ? 1 : n > 65535 ? 65535 : (unsigned)n;
}

int
qos_rename(const char *from, const char *to)
{
	return rename(from, to);
}
