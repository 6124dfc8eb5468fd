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
#include "manifest.h"

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
/* rec_members.c: a bundle's signed hashes, checked in file order. */
struct qrec_mem {
	qasid_reader *r;            /* holds the head and its manifest */
	struct qmf_cursor *c;       /* at the next member line */
	struct qmf_header hdr;
	uint64_t pos;               /* next byte fed */
	uint64_t start, end;        /* the current member's range */
	unsigned char want[QF_MEMBER_HASH];
	crypto_generichash_state st;
	int done;                   /* past the last member line */
	uint64_t limit;             /* stop at this offset (0: the end) */
	int borrowed;               /* r is another walker's */
};
typedef int (*qrec_bad_fn)(void *ud, uint64_t start, uint64_t end,
    const unsigned char want[QF_MEMBER_HASH]);
int qrec_mem_open(struct qrec_mem *m, int fd, const void *mem, size_t len,
    const qasid_keyring *kr, const char *name);
int qrec_mem_split(struct qrec_mem *m, struct qrec_mem *b, uint64_t at);
void qrec_mem_close(struct qrec_mem *m);
const char *qrec_mem_errmsg(const struct qrec_mem *m);
int qrec_mem_feed(struct qrec_mem *m, const unsigned char *p, size_t n,
    qrec_bad_fn bad, void *ud);
int qrec_mem_finish(struct qrec_mem *m, uint64_t size, qrec_bad_fn bad,
    void *ud);
int qrec_member_matches(int fd, uint64_t start, uint64_t end,
    const unsigned char want[QF_MEMBER_HASH], unsigned char *buf,
    size_t buflen);
/* "BUNDLE-rec", malloc'd. */
char *qrec_path(const char *bundle);

/* repair.c and repair_fast.c: a repair under way. */
#define QREP_CHUNK 256u /* blocks read at once */

struct qrep {
	qasid_rec *x;
	const char *bundle;
	char *rpath;
	int bfd, rfd, tfd;
	int datafd;                   /* where intact data blocks are read */
	struct qrec h;
	unsigned char *head;          /* the head copy, if intact */
	unsigned char *bad;           /* a byte per data block: lost */
	uint32_t *lost;               /* lost blocks per stripe */
	unsigned char *matrix, *tbls;
	uint64_t nbad, stripes_bad;
	uint64_t done;
	uint64_t bsize;               /* the damaged file's size */
	struct qrec_mem mem;          /* the signed head and member hashes */
	int head_from_copy;           /* the head copy verified */
	uint64_t nhead;               /* head blocks restored from the copy */
	struct qrep_damage *dmg;           /* members that do not match */
	size_t ndmg;
	uint64_t replayed;            /* blocks an earlier repair's journal
	                               * wrote, replayed first */
};

/* A member whose raw bytes do not match their signed hash. */
struct qrep_damage {
	uint64_t start, end;
	unsigned char want[QF_MEMBER_HASH];
};

int qrep_io(struct qrep *p, const char *what);
int qrep_open(struct qrep *p);
void qrep_end(struct qrep *p);
void qrep_overlay_head(const struct qrep *p, unsigned char *buf,
    uint64_t off, size_t n);
/* Marks the lost blocks among n read into buf from block j0. */
int qrep_check_blocks(struct qrep *p, unsigned char *buf, uint64_t j0,
    uint64_t n);
/* Every block read, checked and copied to tfd; then which stripes can be
 * rebuilt (an error if one cannot). */
int qrep_scan(struct qrep *p);
int qrep_analyse(struct qrep *p, unsigned char *buf);
/* The lost data blocks rebuilt into tfd at their offsets. */
int qrep_rebuild_all(struct qrep *p);
/* tfd, cut to size, verified in full with the keys. */
int qrep_verify_rebuilt(struct qrep *p, const qasid_keyring *kr);
/* A repair whose head cannot be read: through a full copy in tfd. */
int qrep_slow(struct qrep *p, const qasid_keyring *kr);

/* The bundle open for reading as *fd, locked with how (QOS_LOCK_EX for a
 * repair, QOS_LOCK_SH for protect and check, | QOS_LOCK_NB not to wait:
 * then QASID_ERR_CONTENT, "another qasid is repairing it"). Waits, polling
 * the progress callback on a signal; the lock is the file's that has the
 * name once locked. QASID_OK, or an error set in x. */
int qrec_lock(qasid_rec *x, const char *bundle, int how, int *fd);
/* The bundle open for writing, checked to be the file open as p->bfd:
 * -1 with an error set if it cannot be opened or was replaced. */
int qrep_open_write(struct qrep *p);

/* journal.c: the repair journal, ".NAME.qasid-repair" beside the bundle
 * (FORMAT.md 17.5). A repair creates it, adds the mended blocks in
 * increasing order, commits it (synced with its folder), then applies
 * it: the blocks written over the bundle, which is synced, and the
 * journal removed. */
struct qjrn {
	char *path;
	int fd;
	unsigned char *buf;
	size_t n;
	crypto_generichash_state st;
};
/* "DIR/.NAME.qasid-repair" for "DIR/NAME", malloc'd. */
char *qjrn_path(const char *bundle);
int qjrn_create(struct qjrn *j, struct qrep *p);
/* Adds n bytes (a whole block, or the bundle's last) at off; ud is the
 * struct qjrn. 0 or -1/errno. */
int qjrn_add(void *ud, uint64_t off, const unsigned char *b, size_t n);
int qjrn_commit(struct qjrn *j, struct qrep *p);
/* Frees j; a journal not yet committed is removed. */
void qjrn_abort(struct qjrn *j);
/* Writes the committed journal at path over the bundle and removes it. */
int qjrn_apply(struct qrep *p, const char *path);
/* A journal an earlier repair left at path: replayed (p->replayed its
 * blocks) if it is whole and made for this bundle, else removed. */
int qjrn_recover(struct qrep *p, const char *path);

#endif
