/* SPDX-License-Identifier: ISC */
/*
 * source.h - where a bundle's bytes come from (source.c): a file the
 * library opens, a descriptor or memory the caller lends, or the caller's
 * callbacks. The reader sees one kind of thing, whatever the bundle is on.
 */
#ifndef QASID_SOURCE_H
#define QASID_SOURCE_H

#include "internal.h"

struct qsrc {
	/* a descriptor, owned when the library opened it */
	int fd;
	int own_fd;
	/* memory: the whole bundle, lent by the caller */
	const unsigned char *mem;
	size_t memlen, memoff;
	/* the caller's callbacks; what the last read gave and is not used */
	qasid_read_fn read;
	qasid_close_fn close;
	void *ud;
	const unsigned char *left;
	size_t leftlen;
	int kind;
};

/* Each returns 0, or -1 with errno set. */
int qsrc_open_path(struct qsrc *s, const char *path);
void qsrc_set_fd(struct qsrc *s, int fd);
void qsrc_set_memory(struct qsrc *s, const void *data, size_t len);
void qsrc_set_callbacks(struct qsrc *s, void *ud, qasid_read_fn read,
    qasid_close_fn close);
/* Reads up to n bytes; fewer only at the end. Returns the count or -1
 * with errno set (EIO where a callback gave no reason). */
ptrdiff_t qsrc_read(struct qsrc *s, void *buf, size_t n);
/* Closes what the library opened or was given to close. */
void qsrc_close(struct qsrc *s);

#endif
