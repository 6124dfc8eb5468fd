/* SPDX-License-Identifier: ISC */
/*
 * recover.h - what recover.c (the recovery file's layout, protect) and
 * repair.c (finding damage, rebuilding) share. FORMAT.md 17.5.
 */
#ifndef QASID_RECOVER_H
#define QASID_RECOVER_H

#include <stddef.h>
#include <zlib.h>

#include "internal.h"

#define QREC_BLOCK 4096u
#define QREC_HASH 16      /* BLAKE2b-128 of each block */
#define QREC_K_MAX 160u   /* data rows */
#define QREC_N_MAX 255u   /* data and parity rows */

/* A recovery file's header and the offsets that follow from it. */
struct qrec {
	uint64_t size;         /* the bundle's size */
	uint64_t d;            /* its data blocks */
	unsigned k, m;         /* data and parity rows */
	uint64_t s;            /* stripes (columns) */
	uint64_t headlen;      /* bytes of the head copy */
	unsigned char headhash[32];
	uint64_t off_head, off_tab, off_par, total;
};

struct qasid_rec {
	struct qerr err;
	qasid_progress_fn progress;
	void *progress_ud;
	uint64_t blocks;       /* lost blocks found by the last check or repair */
};

void qrec_shape(struct qrec *h, uint64_t size, unsigned pct);
void qrec_layout(struct qrec *h);
void qrec_format(const struct qrec *h, unsigned char blk[QREC_BLOCK]);
int qrec_parse(struct qrec *h, const unsigned char blk[QREC_BLOCK]);
int qrec_tables(unsigned k, unsigned m, unsigned char **matrix,
    unsigned char **tbls);
/* pread/pwrite of all n bytes (fewer read only at the end). */
ptrdiff_t qrec_pread(int fd, void *buf, size_t n, uint64_t off);
int qrec_pwrite(int fd, const void *buf, size_t n, uint64_t off);
int qrec_head_length(int fd, uint64_t *len);
/* "BUNDLE-rec", malloc'd. */
char *qrec_path(const char *bundle);

#endif
