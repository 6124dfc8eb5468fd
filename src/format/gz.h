/* SPDX-License-Identifier: ISC */
/*
 * gz.h - gzip members for the packer (gz.c).
 */
#ifndef QASID_GZ_H
#define QASID_GZ_H

#include "internal.h"

typedef struct qgz qgz;

/* A compressor; one per thread. */
qgz *qgz_new(void);
void qgz_free(qgz *g);

/*
 * Compresses in[0..n) into one complete gzip member appended to out. With
 * stored_only, the member is a single stored deflate block (the signature
 * member, whose bytes a reader rebuilds and compares). Deterministic: the
 * same input gives the same bytes, whatever the compressor compressed
 * before.
 */
int qgz_member(qgz *g, const unsigned char *in, size_t n, int stored_only,
    struct qbuf *out);

#endif
