/* SPDX-License-Identifier: ISC */
/*
 * killat.c - an LD_PRELOAD shim that kills qasid with SIGKILL just before
 * its Nth change to the file system, to stop it between any two steps:
 *
 *   QASID_TEST_KILL_AT   N: the Nth call of write, pwrite, ftruncate or
 *                        fsync on a regular file or a folder, or of
 *                        unlink or rename, is never made; SIGKILL comes
 *                        first. Unset or 0: nothing is killed.
 *
 * A test raises N from 1 until the command finishes: then it has been
 * stopped at every step once. Used by tests/hostile/t-repair-kill.sh.
 * Only tests load it.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shim.h"

static void
step(void)
{
	static long n;
	const char *v = getenv("QASID_TEST_KILL_AT");

	if (v != NULL && atol(v) > 0 && ++n >= atol(v))
		raise(SIGKILL);
}

/* A step only on a file or folder: not the terminal or a pipe. */
static void
step_fd(int fd)
{
	struct stat st;

	if (fstat(fd, &st) == 0 && (S_ISREG(st.st_mode) ||
	    S_ISDIR(st.st_mode)))
		step();
}

ssize_t
write(int fd, const void *buf, size_t n)
{
	ssize_t (*f)(int, const void *, size_t) =
	    (ssize_t (*)(int, const void *, size_t))shim_real("write");

	step_fd(fd);
	return f(fd, buf, n);
}

ssize_t
pwrite(int fd, const void *buf, size_t n, off_t off)
{
	ssize_t (*f)(int, const void *, size_t, off_t) =
	    (ssize_t (*)(int, const void *, size_t, off_t))shim_real("pwrite");

	step_fd(fd);
	return f(fd, buf, n, off);
}

ssize_t
pwrite64(int fd, const void *buf, size_t n, off_t off)
{
	ssize_t (*f)(int, const void *, size_t, off_t) =
	    (ssize_t (*)(int, const void *, size_t, off_t))shim_real("pwrite64");

	step_fd(fd);
	return f(fd, buf, n, off);
}

int
ftruncate(int fd, off_t len)
{
	int (*f)(int, off_t) = (int (*)(int, off_t))shim_real("ftruncate");

	step_fd(fd);
	return f(fd, len);
}

int
ftruncate64(int fd, off_t len)
{
	int (*f)(int, off_t) = (int (*)(int, off_t))shim_real("ftruncate64");

	step_fd(fd);
	return f(fd, len);
}

int
fsync(int fd)
{
	int (*f)(int) = (int (*)(int))shim_real("fsync");

	step_fd(fd);
	return f(fd);
}

int
fdatasync(int fd)
{
	int (*f)(int) = (int (*)(int))shim_real("fdatasync");

	step_fd(fd);
	return f(fd);
}

int
unlink(const char *path)
{
	int (*f)(const char *) = (int (*)(const char *))shim_real("unlink");

	step();
	return f(path);
}

int
unlinkat(int at, const char *path, int flags)
{
	int (*f)(int, const char *, int) =
	    (int (*)(int, const char *, int))shim_real("unlinkat");

	step();
	return f(at, path, flags);
}

int
rename(const char *from, const char *to)
{
	int (*f)(const char *, const char *) =
	    (int (*)(const char *, const char *))shim_real("rename");

	step();
	return f(from, to);
}
