/* SPDX-License-Identifier: ISC */
/*
 * corruptsync.c - an LD_PRELOAD shim that plays a stick which does not
 * keep what it was given: right after fsync(2) of a partial copy
 * (".qasid-copy-" in its name) returns, one byte of that file is changed
 * in the file system image behind the mount, where the page cache of the
 * mounted file system does not see it:
 *
 *   QASID_TEST_CORRUPT_IMAGE   the image file of the loop-mounted
 *                              destination
 *
 * The byte is found by its content: 64 bytes from the middle of the file
 * are looked for in the image. Used by tests/cli/t-copy.sh.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shim.h"

#define PROBE 64

static int
is_partial_copy(int fd)
{
	char link[64], name[PATH_MAX];
	ssize_t len;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	if ((len = readlink(link, name, sizeof(name) - 1)) <= 0)
		return 0;
	name[len] = '\0';
	return strstr(name, ".qasid-copy-") != NULL;
}

/* Changes the byte of the image that holds the probe's 11th byte. */
static void
corrupt(const char *image, const unsigned char *probe)
{
	int fd = open(image, O_RDWR);
	struct stat st;
	unsigned char *img, *at;

	if (fd < 0 || fstat(fd, &st) != 0 ||
	    (img = malloc((size_t)st.st_size)) == NULL) {
		if (fd >= 0)
			close(fd);
		return;
	}
	if (pread(fd, img, (size_t)st.st_size, 0) == st.st_size &&
	    (at = memmem(img, (size_t)st.st_size, probe, PROBE)) != NULL) {
		at[10] ^= 0xff;
		(void)pwrite(fd, at + 10, 1, (off_t)(at + 10 - img));
		fprintf(stderr, "corruptsync: changed byte %ld of %s\n",
		    (long)(at + 10 - img), image);
	}
	free(img);
	close(fd);
}

int
fsync(int fd)
{
	static int (*real)(int);
	const char *image = getenv("QASID_TEST_CORRUPT_IMAGE");
	unsigned char probe[PROBE];
	struct stat st;
	int rc;

	if (real == NULL)
		real = (int (*)(int))shim_real("fsync");
	rc = real(fd);
	if (rc == 0 && image != NULL && is_partial_copy(fd) &&
	    fstat(fd, &st) == 0 && st.st_size > 2 * PROBE &&
	    pread(fd, probe, PROBE, st.st_size / 2) == PROBE)
		corrupt(image, probe);
	return rc;
}
