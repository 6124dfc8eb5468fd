/* SPDX-License-Identifier: ISC */
/*
 * common.c - the parts of src/os written in os.h's own terms, which POSIX
 * and Windows share: removing a folder and what it holds through
 * descriptors, never following a link, syncing the folder that holds a
 * path, locking a lock file, and the most a body can take.
 */
#include <errno.h>
#include <stdlib.h>

#include "internal.h"

static int
rm_tree(int at, const char *name)
{
	int fd = qos_open_dir(at, name), rc;

	if (fd < 0)
		return qos_unlinkat(at, name, 0);
	rc = qos_rm_contents(fd);
	qos_close(fd);
	return qos_unlinkat(at, name, QOS_REMOVEDIR) < 0 ? -1 : rc;
}

int
qos_rm_contents(int fd)
{
	struct qos_dir *d;
	const char *name;
	int kind, rc = 0;

	if ((d = qos_dir_openfd(fd)) == NULL)
		return -1;
	while ((name = qos_dir_next(d, &kind)) != NULL) {
		if (kind == QOS_DIR || kind == QOS_UNKNOWN) {
			if (rm_tree(qos_dir_fd(d), name) < 0)
				rc = -1;
		} else if (qos_unlinkat(qos_dir_fd(d), name, 0) < 0) {
			rc = -1;
		}
	}
	qos_dir_close(d);
	return rc;
}

int
qos_rm_dir(int at, const char *name, int fd, const struct qos_stat *st)
{
	struct qos_stat now;
	int rc = qos_rm_contents(fd);

	if (qos_statat(at, name, &now, QOS_NOFOLLOW) < 0)
		return errno == ENOENT ? rc : -1;
	if (!qos_same_file(&now, st))
		return rc; /* gone, and the name now means something else */
	return qos_unlinkat(at, name, QOS_REMOVEDIR) < 0 ? -1 : rc;
}

int
qos_sync_dir_of(const char *path)
{
	char *dir = qdirname(path);
	int fd, rc;

	if (dir == NULL)
		return -1;
	/* The folder a path names, through a link if it is one. */
	fd = qos_open(dir, QOS_READ | QOS_DIRECTORY, 0);
	free(dir);
	if (fd < 0)
		return -1;
	rc = qos_fsync(fd);
	if (rc < 0 && errno == ENOTSUP)
		rc = 0; /* the name is made all the same */
	qos_close(fd);
	return rc;
}

int
qos_lock_file(const char *path, int how)
{
	int fd = qos_open(path, QOS_RDWR | QOS_CREATE | QOS_NOFOLLOW, 0600);
	int e;

	/* A reader on a read-only medium still meets its writers' lock. */
	if (fd < 0 && !(how & QOS_LOCK_EX) && (errno == EROFS ||
	    errno == EACCES))
		fd = qos_open(path, QOS_READ | QOS_NOFOLLOW, 0);
	if (fd < 0)
		return -1;
	while (qos_lock(fd, how) < 0) {
		if (errno != EINTR) {
			e = errno;
			qos_close(fd);
			errno = e;
			return -1;
		}
	}
	return fd;
}

/*
 * What a body of these entries can take at most: stored, not compressed
 * (video and photos do not compress), with tar headers (long names take
 * a pax header more), deflate's stored-block framing and gzip's per-member
 * framing. Compressible input needs less, so this is for warnings only.
 */
uint64_t
qmedia_body_max(uint64_t bytes, uint64_t entries)
{
	uint64_t framing = bytes / 8192 + (bytes >> 20) * 32 + 65536;

	return bytes + entries * 2048 + framing;
}
