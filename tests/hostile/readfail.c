/* SPDX-License-Identifier: ISC */
/*
 * readfail.c - an LD_PRELOAD shim that makes read(2) fail with EIO at the
 * end of a file, as a failing stick does when its last sector is bad:
 *
 *   QASID_TEST_EIO_SUFFIX   fail reads at or past the end of regular
 *                           files whose name ends with this
 *
 * Used by tests/hostile/t-env.sh.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shim.h"

static int
at_failing_end(int fd)
{
	const char *suffix = getenv("QASID_TEST_EIO_SUFFIX");
	char link[64], name[PATH_MAX];
	struct stat st;
	size_t n, k;
	ssize_t len;
	off_t pos;

	if (suffix == NULL || *suffix == '\0' || fstat(fd, &st) < 0 ||
	    !S_ISREG(st.st_mode) || (pos = lseek(fd, 0, SEEK_CUR)) < 0 ||
	    pos < st.st_size)
		return 0;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	if ((len = readlink(link, name, sizeof(name) - 1)) < 0)
		return 0;
	name[len] = '\0';
	n = strlen(name);
	k = strlen(suffix);
	return n >= k && strcmp(name + n - k, suffix) == 0;
}

ssize_t
read(int fd, void *buf, size_t count)
{
	static ssize_t (*real)(int, void *, size_t);

	if (real == NULL)
		real = (ssize_t (*)(int, void *, size_t))shim_real("read");
	if (count > 0 && at_failing_end(fd)) {
		errno = EIO;
		return -1;
	}
	return real(fd, buf, count);
}
