/* SPDX-License-Identifier: ISC */
/*
 * source.c - a bundle's bytes from a path, a descriptor, memory or the
 * caller's callbacks, behind one read function.
 *
 * Callbacks follow libarchive's archive_read_open(): the caller's read
 * function lends a buffer of its own and says how much it holds, so a
 * stream (a pipe, a browser's file slices, a chain of volumes) needs no
 * copy of its own in the caller.
 */
#include <errno.h>
#include <string.h>

#include "source.h"

enum { SRC_NONE, SRC_FD, SRC_MEM, SRC_CALLBACK };

int
qsrc_open_path(struct qsrc *s, const char *path)
{
	int fd = qos_open_read(path);

	if (fd < 0)
		return -1;
	qsrc_set_fd(s, fd);
	s->own_fd = 1;
	return 0;
}

void
qsrc_set_fd(struct qsrc *s, int fd)
{
	memset(s, 0, sizeof(*s));
	s->kind = SRC_FD;
	s->fd = fd;
}

void
qsrc_set_memory(struct qsrc *s, const void *data, size_t len)
{
	memset(s, 0, sizeof(*s));
	s->kind = SRC_MEM;
	s->fd = -1;
	s->mem = data;
	s->memlen = len;
}

void
qsrc_set_callbacks(struct qsrc *s, void *ud, qasid_read_fn read,
    qasid_close_fn close)
{
	memset(s, 0, sizeof(*s));
	s->kind = SRC_CALLBACK;
	s->fd = -1;
	s->ud = ud;
	s->read = read;
	s->close = close;
}

static ptrdiff_t
read_memory(struct qsrc *s, unsigned char *buf, size_t n)
{
	size_t k = s->memlen - s->memoff;

	if (n < k)
		k = n;
	memcpy(buf, s->mem + s->memoff, k);
	s->memoff += k;
	return (ptrdiff_t)k;
}

static ptrdiff_t
read_callbacks(struct qsrc *s, unsigned char *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		size_t k;
		if (s->leftlen == 0) {
			const void *p = NULL;
			ptrdiff_t r = s->read(s->ud, &p);
			if (r < 0 || (r > 0 && p == NULL)) {
				errno = EIO;
				return -1;
			}
			if (r == 0)
				break;
			s->left = p;
			s->leftlen = (size_t)r;
		}
		k = n - got < s->leftlen ? n - got : s->leftlen;
		memcpy(buf + got, s->left, k);
		s->left += k;
		s->leftlen -= k;
		got += k;
	}
	return (ptrdiff_t)got;
}

ptrdiff_t
qsrc_read(struct qsrc *s, void *buf, size_t n)
{
	switch (s->kind) {
	case SRC_FD:
		return qread_full(s->fd, buf, n);
	case SRC_MEM:
		return read_memory(s, buf, n);
	case SRC_CALLBACK:
		return read_callbacks(s, buf, n);
	default:
		errno = EBADF;
		return -1;
	}
}

void
qsrc_close(struct qsrc *s)
{
	if (s->kind == SRC_FD && s->own_fd)
		qos_close(s->fd);
	if (s->kind == SRC_CALLBACK && s->close != NULL)
		s->close(s->ud);
	memset(s, 0, sizeof(*s));
	s->fd = -1;
}
