/* SPDX-License-Identifier: ISC */
/*
 * tar.h - canonical tar headers (tar.c).
 */
#ifndef QASID_TAR_H
#define QASID_TAR_H

#include "internal.h"

struct qtar_entry {
	const char *path;  /* UTF-8, no trailing slash */
	int is_dir;
	unsigned mode;     /* permission bits */
	uint64_t size;     /* 0 for folders */
	int64_t mtime;
};

/* Appends the entry's header (a pax extended header first when one is
 * needed) to out. Names outside ASCII need a UTF-8 locale (C.UTF-8) on the
 * system: QASID_ERR_INTERNAL without one. */
int qtar_header(const struct qtar_entry *te, struct qbuf *out);

/* The same with a locale from qtar_locale(), for callers making many
 * headers: making a locale costs more than a header. */
void *qtar_locale(void);
void qtar_locale_free(void *loc);
int qtar_header_in(void *loc, const struct qtar_entry *te,
    struct qbuf *out);

/* Appends the end-of-archive marker. */
int qtar_trailer(struct qbuf *out);

/* Zero bytes that follow size bytes of content to fill a 512-byte block. */
size_t qtar_padding(uint64_t size);

#endif
