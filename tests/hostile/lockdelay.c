/* SPDX-License-Identifier: ISC */
/*
 * lockdelay.c - an LD_PRELOAD shim that slows qasid down at chosen calls,
 * to hold open the windows that tests must hit:
 *
 *   QASID_TEST_DELAY_NB_MS   sleep this long before a non-blocking lock
 *   QASID_TEST_DELAY_UN_MS   sleep this long after an unlock
 *   QASID_TEST_DELAY_EX_MS   sleep this long before a blocking exclusive
 *                            lock
 *   QASID_TEST_DELAY_IO_MS   sleep this long before each write(2) to a
 *                            regular file
 *   QASID_TEST_DELAY_PWRITE_MS sleep this long before each pwrite(2)
 *                            to a regular file
 *   QASID_TEST_DELAY_COPY_MS sleep this long before each
 *                            copy_file_range(2)
 *   QASID_TEST_NO_TMPFILE    when set, open(2) with O_TMPFILE fails with
 *                            EOPNOTSUPP, as on a FUSE exFAT stick, so pack
 *                            takes its named temporary file
 *   QASID_TEST_RACE_FSYNC    "DIR FROM TO": when fsync(2) is called on the
 *                            folder DIR, FROM (a folder) is moved aside,
 *                            a symbolic link to TO takes its place (a
 *                            racing local user), and the fsync fails with
 *                            EIO, so unpack undoes what it published
 *
 * Used by tests/hostile/t-kill.sh and t-repair-lock.sh,
 * tests/interop/t-stick.sh and tests/cli/t-trust-race.sh. Only tests
 * load it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shim.h"

static void
delay(const char *name)
{
	const char *v = getenv(name);

	if (v != NULL && atoi(v) > 0)
		usleep((useconds_t)atoi(v) * 1000);
}

static void
delay_io(int fd, const char *name)
{
	struct stat st;

	if (getenv(name) != NULL && fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		delay(name);
}

int
flock(int fd, int op)
{
	int (*f)(int, int) = (int (*)(int, int))shim_real("flock");
	int rc;

	if (op & LOCK_NB)
		delay("QASID_TEST_DELAY_NB_MS");
	else if (op == LOCK_EX)
		delay("QASID_TEST_DELAY_EX_MS");
	rc = f(fd, op);
	if (op == LOCK_UN)
		delay("QASID_TEST_DELAY_UN_MS");
	return rc;
}

ssize_t
write(int fd, const void *buf, size_t n)
{
	ssize_t (*f)(int, const void *, size_t) =
	    (ssize_t (*)(int, const void *, size_t))shim_real("write");

	delay_io(fd, "QASID_TEST_DELAY_IO_MS");
	return f(fd, buf, n);
}

ssize_t
pwrite(int fd, const void *buf, size_t n, off_t off)
{
	ssize_t (*f)(int, const void *, size_t, off_t) =
	    (ssize_t (*)(int, const void *, size_t, off_t))shim_real("pwrite");

	delay_io(fd, "QASID_TEST_DELAY_PWRITE_MS");
	return f(fd, buf, n, off);
}

ssize_t
pwrite64(int fd, const void *buf, size_t n, off_t off)
{
	ssize_t (*f)(int, const void *, size_t, off_t) =
	    (ssize_t (*)(int, const void *, size_t, off_t))shim_real("pwrite64");

	delay_io(fd, "QASID_TEST_DELAY_PWRITE_MS");
	return f(fd, buf, n, off);
}

ssize_t
copy_file_range(int in, off_t *inoff, int out, off_t *outoff, size_t n,
    unsigned flags)
{
	ssize_t (*f)(int, off_t *, int, off_t *, size_t, unsigned) =
	    (ssize_t (*)(int, off_t *, int, off_t *, size_t, unsigned))
	    shim_real("copy_file_range");

	delay_io(out, "QASID_TEST_DELAY_COPY_MS");
	return f(in, inoff, out, outoff, n, flags);
}

static int
open_common(const char *name, const char *path, int flags, mode_t mode)
{
	int (*f)(const char *, int, ...) =
	    (int (*)(const char *, int, ...))shim_real(name);

	if ((flags & O_TMPFILE) == O_TMPFILE &&
	    getenv("QASID_TEST_NO_TMPFILE") != NULL) {
		errno = EOPNOTSUPP;
		return -1;
	}
	return f(path, flags, mode);
}

int
open(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = (flags & (O_CREAT | O_TMPFILE)) ? va_arg(ap, mode_t) : 0;
	va_end(ap);
	return open_common("open", path, flags, mode);
}

int
open64(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = (flags & (O_CREAT | O_TMPFILE)) ? va_arg(ap, mode_t) : 0;
	va_end(ap);
	return open_common("open64", path, flags, mode);
}

/* Splits "A B C" into three words; 0 or -1. */
static int
words(const char *v, char w[3][4096])
{
	for (int i = 0; i < 3; i++) {
		const char *sp = i < 2 ? strchr(v, ' ') : v + strlen(v);
		if (sp == NULL || (size_t)(sp - v) >= sizeof(w[i]))
			return -1;
		memcpy(w[i], v, (size_t)(sp - v));
		w[i][sp - v] = '\0';
		v = sp + 1;
	}
	return 0;
}

int
fsync(int fd)
{
	int (*f)(int) = (int (*)(int))shim_real("fsync");
	const char *race = getenv("QASID_TEST_RACE_FSYNC");
	char w[3][4096], proc[64], at[4096], aside[4200];
	static int done;
	ssize_t n;

	if (race == NULL || done || words(race, w) != 0)
		return f(fd);
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if ((n = readlink(proc, at, sizeof(at) - 1)) < 0)
		return f(fd);
	at[n] = '\0';
	if (strcmp(at, w[0]) != 0)
		return f(fd);
	done = 1;
	snprintf(aside, sizeof(aside), "%s.aside", w[1]);
	if (rename(w[1], aside) != 0 || symlink(w[2], w[1]) != 0)
		abort();
	errno = EIO;
	return -1;
}
