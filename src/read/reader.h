/* SPDX-License-Identifier: ISC */
/*
 * reader.h - what read.c, inflate.c and unpack.c share.
 */
#ifndef QASID_READER_H
#define QASID_READER_H

#include <zlib.h>

#include "feed.h"
#include "source.h"
#include "internal.h"
#include "manifest.h"

/* The raw bundle file, split into gzip members as zlib finds them. */
struct qin {
	struct qsrc src;
	const char *path;
	struct qerr *err;
	z_stream z;
	int z_ready;
	unsigned char *raw;            /* read buffer */
	size_t raw_len;                /* bytes in raw */
	int eof;
	uint64_t offset;               /* file offset of the current member */
	/* the member being read */
	int open;                      /* inside a member */
	uint64_t index;                /* 0 head, 1 signature, 2.. body */
	uint64_t craw, cout;           /* raw bytes used, bytes produced */
	uint64_t max_raw, max_out;     /* limits for this member */
	crypto_generichash_state hraw; /* hash of its raw bytes */
	struct qbuf keep_raw;          /* its raw bytes, when keep is set */
	int keep;
	/* the body: raw bytes come from the feed thread, already hashed */
	struct qfeed *feed;
	const struct qfeed_chunk *chunk;
	int member_raw_done;           /* the member's last chunk is in */
};

/* Starts reading in->src, which the caller has set. */
int qin_open(struct qin *in, const char *path, struct qerr *err);
void qin_close(struct qin *in);
/* qin_begin flags */
#define QIN_KEEP  1 /* keep the member's raw bytes in keep_raw */
#define QIN_NOCRC 2 /* skip gzip's CRC-32: the caller checks the member's
                     * BLAKE2b against the manifest, which covers every
                     * raw byte, the trailer included */
/* Starts the next member with limits on its raw and inflated size. */
int qin_begin(struct qin *in, uint64_t max_raw, uint64_t max_out, int flags);
/* Inflates up to cap bytes of the current member into out; *got is 0 only
 * at the member's end. */
int qin_read(struct qin *in, unsigned char *out, size_t cap, size_t *got);
/* Reads the current member to its end (it must produce nothing more) and
 * returns its raw length and hash. */
int qin_end(struct qin *in, uint64_t *raw_len,
    unsigned char hash[QF_MEMBER_HASH]);
/* Checks that nothing follows the last member. */
int qin_at_eof(struct qin *in);

/* What the body checker tells whoever consumes the content (unpack). */
struct qsink {
	void *ud;
	int (*dir)(void *ud, const struct qmf_entry *e);
	int (*file_begin)(void *ud, const struct qmf_entry *e);
	int (*file_data)(void *ud, const unsigned char *p, size_t n);
	int (*file_end)(void *ud, const struct qmf_entry *e);
	/* All verified: make it visible. */
	int (*commit)(void *ud);
};

struct qasid_reader {
	struct qerr err;
	const qasid_keyring *kr;
	qasid_progress_fn progress;
	void *progress_ud;
	qasid_head_fn head_check;
	void *head_check_ud;
	char *path;
	struct qin in;
	struct qspool spool;
	struct qspool set;       /* a volume's .qasid/set, once read (set.c) */
	struct qasid_reader **parts; /* unpacking a set: parts 2 and on */
	size_t nparts;
	struct qmf_header hdr;
	struct qmf_mark entries;  /* where the manifest's entries start */
	qasid_info info;
	char signer[256];
	unsigned char sigkey[QK_KEYID]; /* the key that signed, once checked */
	unsigned sigformat;      /* the format its trusted comment names */
	const struct qring_key *signkey; /* the trusted key that verified */
	unsigned char mhash[crypto_generichash_BYTES_MAX]; /* the signed hash
	                         * of the manifest: names the bundle */
	int head_read;           /* the head has been read (and checked) */
	uint64_t body_off;       /* where the body starts, once read */
	unsigned char headhash[QF_MEMBER_HASH]; /* of the head's raw bytes,
	                         * set with body_off: names the bundle */
	const char *dest;        /* unpack's destination, while unpacking */
	unsigned threads;        /* 0: everything on the calling thread */
	int salvage;             /* unpack what survives (salvage.c) */
	qasid_lost_fn lost_fn;
	void *lost_ud;
	int keep_local;          /* an update keeps changed files aside */
	qasid_local_fn local_fn;
	void *local_ud;
	qasid_update upd;        /* what the last unpack updated */
};

/* Reads the head; with verify QREAD_SIGNED, checks the signature by a
 * trusted key; with QREAD_INTEGRITY, only that the signature names this
 * head. */
enum { QREAD_UNCHECKED = 0, QREAD_SIGNED = 1, QREAD_INTEGRITY = 2 };
int qread_head(qasid_reader *r, int verify);
/* keytime.c: the signing key's status and commitment against what the
 * keyring knows (FORMAT.md 17.3), once its signature verified. */
int qread_key_time(qasid_reader *r);
/* Checks the body against the manifest, feeding sink (may be NULL). */
int qread_body(qasid_reader *r, const struct qsink *sink);
/* Checks the body's raw bytes only: each member's length and hash. */
int qread_body_raw(qasid_reader *r);

/* read.c: opens the head of the bundle opened, as every read does. */
int qread_start(qasid_reader *r, int verify);
/* Ends a public call begun with qread_start: returns rc. */
int qread_done(qasid_reader *r, int rc);

/* set.c: each entry of a volume's set file, once its body is checked. */
int qset_walk(qasid_reader *r, qasid_entry_fn fn, void *ud);

#endif
