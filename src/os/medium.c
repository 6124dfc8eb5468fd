/* SPDX-License-Identifier: ISC */
/*
 * medium.c - reading a file from the device rather than the page cache,
 * and the other system calls qasid copy and check make. A copy verified
 * "on the stick" right after it was written would otherwise be read from
 * memory: a failing or fake-capacity stick would pass. O_DIRECT is used
 * where the file system takes it (it wants aligned buffers, hence
 * qos_medium_buf); elsewhere (FUSE, tmpfs) the file's cached pages are
 * dropped first, which works once they are clean (synced).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

#define MEDIUM_ALIGN 4096

void *
qos_medium_buf(size_t n)
{
	void *p = NULL;

	return posix_memalign(&p, MEDIUM_ALIGN, n) == 0 ? p : NULL;
}

void
qos_medium_buf_free(void *p)
{
	free(p);
}

void
qos_drop_cache(int fd)
{
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
}

int
qos_medium_open(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_DIRECT);

	if (fd < 0 && errno == EINVAL)
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd >= 0)
		qos_drop_cache(fd);
	return fd;
}

ptrdiff_t
qos_medium_read(int fd, void *buf, size_t n)
{
	ssize_t got;
	int fl;

	do
		got = read(fd, buf, n);
	while (got < 0 && errno == EINTR);
	/* A file system that takes O_DIRECT at open but not for reads (or
	 * not at this size): on through the cache, dropped first. */
	if (got < 0 && errno == EINVAL && (fl = fcntl(fd, F_GETFL)) >= 0 &&
	    (fl & O_DIRECT) && fcntl(fd, F_SETFL, fl & ~O_DIRECT) == 0) {
		qos_drop_cache(fd);
		return qos_medium_read(fd, buf, n);
	}
	return got;
}

void
qos_writeback(int fd, uint64_t off, uint64_t len)
{
	(void)sync_file_range(fd, (off_t)off, (off_t)len,
	    SYNC_FILE_RANGE_WRITE);
}

int
qos_publish(const char *tmp, const char *final)
{
	char *dir;
	int fd;

	if (qrename_noreplace(AT_FDCWD, tmp, AT_FDCWD, final) != 0)
		return -1;
	if ((dir = qdirname(final)) == NULL)
		return 0;
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		(void)fsync(fd);
		close(fd);
	}
	free(dir);
	return 0;
}
