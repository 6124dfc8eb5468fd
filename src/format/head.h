/* SPDX-License-Identifier: ISC */
/*
 * head.h - the bundle's first two members, made by one definition for the
 * packer, which writes them, and the reader, which rebuilds and compares
 * them (head.c; FORMAT.md 2.2 and 2.3).
 */
#ifndef QASID_HEAD_H
#define QASID_HEAD_H

#include "gz.h"
#include "internal.h"

/* Where the manifest's bytes come from: up to n bytes at off into buf;
 * the count, or -1/errno. */
typedef ptrdiff_t (*qhead_read_fn)(void *ud, uint64_t off, void *buf,
    size_t n);
/* Where member 0's inflated bytes go, in order. QASID_OK or a code. */
typedef int (*qhead_emit_fn)(void *ud, const void *p, size_t n);

/*
 * Member 0 inflated: the manifest's tar header, the manifest (mflen bytes
 * from read), its padding, and the signature file's header (siglen bytes
 * follow in member 1). created is the manifest's. QASID_ERR_IO with errno
 * if read fails, else what emit or the tar header returned.
 */
int qhead_plain(uint64_t mflen, int64_t created, size_t siglen,
    qhead_read_fn read, void *read_ud, qhead_emit_fn emit, void *emit_ud);

/* Member 1 raw: the signature text and its padding, one stored member. */
int qhead_sig_member(qgz *gz, const void *sig, size_t siglen,
    struct qbuf *out);

#endif
