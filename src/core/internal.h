/* SPDX-License-Identifier: ISC */
/*
 * internal.h - what the library's source files share and users never see.
 */
#ifndef QASID_INTERNAL_H
#define QASID_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <sodium.h>

#include "qasid.h"

/* ---- Errors: each handle embeds one ------------------------------------ */

#define QERR_MSG_MAX 8192 /* room for a whole path and the reason */

struct qerr {
	int code;
	char msg[QERR_MSG_MAX];
};

/* Records code with a printf-style message; returns code. A message already
 * recorded for a fatal error is kept: the first reason is the true one. */
int qerr_set(struct qerr *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Same, appending ": strerror(errnum)" and mapping ENOSPC/EDQUOT to
 * QASID_ERR_NOSPACE. */
int qerr_sys(struct qerr *e, int code, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void qerr_clear(struct qerr *e);
/* Makes the message start with "prefix: " unless it already does. */
void qerr_prefix(struct qerr *e, const char *prefix);
const char *qerr_msg(const struct qerr *e);
/* Calls the progress callback fn, if any; when it asks to stop, records
 * QASID_ERR_CANCELLED ("what: cancelled") and returns it, else QASID_OK. */
int qprogress(qasid_progress_fn fn, void *ud, uint64_t done, uint64_t total,
    struct qerr *e, const char *what);
/* For a failed read or write about what: QASID_ERR_CANCELLED for
 * ECANCELED (see qwrite_poll), else as qerr_sys with QASID_ERR_IO. */
int qerr_io(struct qerr *e, int errnum, const char *what);

/* ---- Little-endian integers (key files, the repair journal) ----------- */

static inline void
le64_store(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static inline uint64_t
le64_load(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

/* ---- Format constants (docs/FORMAT.md) --------------------------------- */

#define QF_MANIFEST_NAME ".qasid/manifest"
#define QF_SIG_NAME ".qasid/manifest.minisig"
#define QF_MAGIC "qasid-manifest"
/* The trusted comment: "qasid-bundle VERSION head:" and 64 hex digits. */
#define QF_TRUSTED_FMT "qasid-bundle %u head:"
#define QF_TRUSTED_LEN (20 + 2 * QF_MEMBER_HASH)
#define QF_UNTRUSTED "untrusted comment: qasid bundle manifest signature"
#define QF_CHUNK ((size_t)1 << 20)  /* uncompressed bytes per member */
#define QF_BLOCK 512                /* tar block */
#define QF_FILE_HASH 64             /* BLAKE2b-512, as b2sum */
#define QF_MEMBER_HASH 32           /* BLAKE2b-256 */
#define QF_KEYHASH 32               /* next-key: BLAKE2b-256 of a key */
#define QF_TITLE_MAX 1024
#define QF_SERIES_MAX 64

/* Limits a reader enforces before the signature is known good. */
#define QF_MANIFEST_MAX ((uint64_t)256 << 20)
#define QF_FILES_MAX 2000000u
#define QF_MEMBERS_MAX 20000000u
#define QF_FILE_SIZE_MAX ((uint64_t)1 << 44)  /* 16 TiB */

/* ---- Keys -------------------------------------------------------------- */

#define QK_ALG_ED "Ed"       /* key algorithm, and legacy signatures */
#define QK_ALG_PREHASH "ED"  /* signatures over BLAKE2b-512 of the data */
#define QK_KEYID 8

struct qasid_pubkey {
	struct qerr err;
	unsigned char id[QK_KEYID];
	unsigned char pk[crypto_sign_PUBLICKEYBYTES];
	int loaded;
};

struct qasid_seckey {
	struct qerr err;
	unsigned char id[QK_KEYID];
	unsigned char *sk; /* crypto_sign_SECRETKEYBYTES, sodium_malloc'd */
	int loaded;
};

void qkey_id_hex(const unsigned char id[QK_KEYID], char out[QASID_KEYID_HEX]);
int qkey_id_parse(const char *hex, unsigned char id[QK_KEYID]);
/* A public key string ("RWQ...") into its id and key; 0 or QASID_ERR_KEY. */
int qkey_pub_parse(const char *b64, unsigned char id[QK_KEYID],
    unsigned char pk[crypto_sign_PUBLICKEYBYTES]);
/* The public key string of id and pk into out[64]. */
void qkey_pub_b64(const unsigned char *id, const unsigned char *pk,
    char out[64]);
/* The fingerprint qasid_pubkey_fingerprint shows, into out[48]. */
void qkey_fingerprint(const unsigned char *id, const unsigned char *pk,
    char out[48]);

/* The next-key commitment to a key: BLAKE2b-256 of its 42 decoded bytes
 * (FORMAT.md 17.3). */
void qkey_commitment(const unsigned char *id, const unsigned char *pk,
    unsigned char out[QF_KEYHASH]);

/* ---- Minisign signatures (sig.c) --------------------------------------- */

#define QS_TRUSTED_MAX 1024

struct qsig {
	unsigned char alg[2];
	unsigned char keyid[QK_KEYID];
	unsigned char sig[crypto_sign_BYTES];
	char trusted[QS_TRUSTED_MAX + 1];
	unsigned char global_sig[crypto_sign_BYTES];
};

/* Writes the signature file text for a prehashed message into out[cap];
 * returns its length or 0 if cap is too small. */
size_t qsig_make(const qasid_seckey *sk,
    const unsigned char hash[crypto_generichash_BYTES_MAX],
    const char *trusted, char *out, size_t cap);
/* The same with another untrusted comment line (statements', say). */
size_t qsig_make_as(const qasid_seckey *sk,
    const unsigned char hash[crypto_generichash_BYTES_MAX],
    const char *untrusted, const char *trusted, char *out, size_t cap);
/* The exact length qsig_make produces for a trusted comment of tlen bytes. */
size_t qsig_len(size_t tlen);
/* Parses signature file text; the text must be exactly in the form
 * qsig_make writes. Returns 0 or a qasid_err with a message in e. */
int qsig_parse(struct qsig *s, const char *text, size_t len, struct qerr *e);
int qsig_parse_as(struct qsig *s, const char *text, size_t len,
    const char *untrusted, struct qerr *e);
/* Checks both signatures of s against the public key pk and the manifest's
 * hash; e (may be NULL) gets the reason for a failure. */
int qsig_verify(const struct qsig *s,
    const unsigned char pk[crypto_sign_PUBLICKEYBYTES],
    const unsigned char hash[crypto_generichash_BYTES_MAX], struct qerr *e);

/* ---- Keyring lookup ----------------------------------------------------- */

/* A trusted key: what identifies it, what the recipient called it, and
 * what statements and bundles said of it (records.c). */
struct qring_key {
	unsigned char id[QK_KEYID];
	unsigned char pk[crypto_sign_PUBLICKEYBYTES];
	char *name;
	int has_commit;                 /* the first next-key seen for it */
	unsigned char commit[QF_KEYHASH];
	int rotated;                    /* retired: rotated to this key */
	unsigned char to_id[QK_KEYID], to_pk[crypto_sign_PUBLICKEYBYTES];
	int status;                     /* QRING_* */
	char series[QF_SERIES_MAX + 1]; /* compromised after: "" for all */
	uint64_t after;
	int64_t since;                  /* created of the statement */
};
enum { QRING_CURRENT = 0, QRING_RETIRED = 1, QRING_COMPROMISED = 2 };

/* For records.c: the keyring's keys in file order, its error, the key
 * equal to id and pk (NULL if none), and a new key appended. */
size_t qkeyring_nkeys(const qasid_keyring *kr);
struct qring_key *qkeyring_key(qasid_keyring *kr, size_t i);
struct qerr *qkeyring_err(qasid_keyring *kr);
struct qring_key *qkeyring_find_exact(const qasid_keyring *kr,
    const unsigned char *id, const unsigned char *pk);
int qkeyring_append(qasid_keyring *kr, const unsigned char *id,
    const unsigned char *pk, const char *name);
/* A record line ("rotated ...", "revoked ...", "commit ...") of a keyring
 * file, about a key listed above it; and all records written back. */
int qring_record_load(qasid_keyring *kr, char *line, const char *path,
    size_t lineno);
int qring_records_save(const qasid_keyring *kr, int fd);
/* Records the first successor commitment seen for a trusted key: QASID_OK
 * when recorded, 1 when it was already, QASID_ERR_CONTRADICTION (and the
 * key then counts as compromised) when another one was. */
int qkeyring_commitment(qasid_keyring *kr, const unsigned char *id,
    const unsigned char *pk, const unsigned char next[QF_KEYHASH]);

/* How many trusted keys carry id; *first is the index slot of the first,
 * the rest follow it (in keyring order). */
size_t qkeyring_match(const qasid_keyring *kr,
    const unsigned char id[QK_KEYID], size_t *first);
const struct qring_key *qkeyring_at(const qasid_keyring *kr, size_t slot);
/* Checks s against every trusted key with its id. QASID_OK with *signer the
 * key that verified; QASID_ERR_UNTRUSTED (no message) if no key has the id;
 * else QASID_ERR_SIGNATURE with the reason in e. */
int qkeyring_verify(const qasid_keyring *kr, const struct qsig *s,
    const unsigned char hash[crypto_generichash_BYTES_MAX],
    const struct qring_key **signer, struct qerr *e);

/* ---- Key statements (statement.c) -------------------------------------- */

/* What the keyring records of a loaded statement; pointers into it. */
struct qstmt_view {
	int kind;                        /* QASID_STATEMENT_* */
	const unsigned char *key_id, *key_pk;
	const unsigned char *new_id, *new_pk; /* NULL: none */
	const unsigned char *next;       /* new key's commitment, or NULL */
	int compromised;
	const char *series;              /* "" when not given */
	uint64_t after;
	int64_t created;
	int signed_old;                  /* rotation: the old key signed too */
	int signed_by_new;               /* .minisig is new-key's */
};
const struct qasid_statement *qstmt_view(const qasid_statement *st,
    struct qstmt_view *v);

/* ---- Growable buffers --------------------------------------------------- */

struct qbuf {
	unsigned char *p;
	size_t len, cap;
};
int qbuf_reserve(struct qbuf *b, size_t more);
int qbuf_append(struct qbuf *b, const void *p, size_t n);
void qbuf_free(struct qbuf *b);
/* a, sep and b in one string from malloc (a path and a name, a name and
 * its extension), or NULL. */
char *qstr_join(const char *a, const char *sep, const char *b);

/* ---- Hex ---------------------------------------------------------------- */

void qhex(const unsigned char *in, size_t n, char *out);

#include "os.h"

#endif
