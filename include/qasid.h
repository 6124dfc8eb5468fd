/*
 * qasid.h - signed, compressed bundles that survive the trip by hand.
 *
 * This is the only public header of libqasid. A bundle is a gzip-compressed
 * POSIX tar archive whose first entries are a signed manifest and its
 * minisign signature; docs/FORMAT.md describes it byte by byte.
 *
 * Every object is an opaque handle with a _new/_free pair; _free(NULL) does
 * nothing. Every function that can fail returns a qasid_err; the handle keeps
 * a one-line message naming what failed (qasid_*_errmsg). The library never
 * prints, exits, reads the environment or keeps mutable globals.
 *
 * Publishing a bundle:
 *   1. qasid_seckey_new(), qasid_seckey_load() with the password, if any.
 *   2. qasid_packer_new(sk); set the title, series, sequence and time.
 *   3. qasid_packer_add() each file or folder.
 *   4. qasid_packer_write() to the output path; it appears there only when
 *      complete.
 *   5. qasid_packer_free(), qasid_seckey_free().
 *
 * Receiving a bundle:
 *   1. qasid_keyring_new(), then qasid_keyring_load() the recipient's pinned
 *      keys, or qasid_keyring_add() single keys.
 *   2. qasid_reader_new(keyring), qasid_reader_open(path).
 *   3. qasid_reader_verify() to check everything, or qasid_reader_unpack()
 *      to check and extract in one pass, or qasid_reader_list() to read the
 *      manifest only.
 *   4. qasid_reader_info() for the bundle's identity.
 *   5. qasid_reader_free(), qasid_keyring_free().
 */
#ifndef QASID_H
#define QASID_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define QASID_VERSION "0.1.0"
#define QASID_FORMAT_VERSION 1

/*
 * Result codes. Append only; never renumbered. Codes from
 * QASID_ERR_FORMAT to QASID_ERR_UNSAFE mean the bundle failed verification:
 * qasid_err_is_verification() says so.
 */
typedef enum qasid_err {
	QASID_OK = 0,
	QASID_ERR_NOMEM = -1,      /* out of memory */
	QASID_ERR_IO = -2,         /* reading or writing a file failed */
	QASID_ERR_ARG = -3,        /* invalid argument */
	QASID_ERR_FORMAT = -4,     /* not a bundle, or a malformed one */
	QASID_ERR_SIGNATURE = -5,  /* signature does not verify */
	QASID_ERR_UNTRUSTED = -6,  /* signed by a key that is not trusted */
	QASID_ERR_CONTENT = -7,    /* content does not match the manifest */
	QASID_ERR_UNSAFE = -8,     /* an entry could not be unpacked safely */
	QASID_ERR_LIMIT = -9,      /* a size or count limit was exceeded */
	QASID_ERR_KEY = -10,       /* a key file is malformed */
	QASID_ERR_PASSWORD = -11,  /* wrong password for a secret key */
	QASID_ERR_EXISTS = -12,    /* would overwrite an existing file */
	QASID_ERR_NOSPACE = -13,   /* no space left on the device */
	QASID_ERR_PATH = -14,      /* a path cannot be carried safely (pack) */
	QASID_ERR_NOTFOUND = -15,  /* no such key in the keyring */
	QASID_ERR_INTERNAL = -16,  /* a library call failed unexpectedly */
	QASID_ERR_DEST = -17,      /* the destination is unsafe (a link) */
	QASID_ERR_CANCELLED = -18  /* the progress callback asked to stop */
} qasid_err;

/* A fixed English string for a code; never NULL. */
const char *qasid_strerror(int code);

/* 1 if code means "the bundle failed verification", else 0. */
int qasid_err_is_verification(int code);

/* The library's version string, e.g. "0.1.0". */
const char *qasid_version(void);

/*
 * Must be called once before any other function, from one thread. Returns
 * QASID_ERR_INTERNAL if libsodium cannot start. Calling it again is harmless.
 */
int qasid_init(void);

/* ---- Public keys ------------------------------------------------------- */

typedef struct qasid_pubkey qasid_pubkey;

/* Key ids are 8 bytes; text form is 16 upper-case hex digits, as minisign. */
#define QASID_KEYID_HEX 17

qasid_pubkey *qasid_pubkey_new(void);
void qasid_pubkey_free(qasid_pubkey *pk);

/* Reads a minisign public-key file. */
int qasid_pubkey_load(qasid_pubkey *pk, const char *path);

/* Parses the base64 key line of a minisign public key ("RWQ..."). */
int qasid_pubkey_parse(qasid_pubkey *pk, const char *b64);

/* Writes the key as a minisign public-key file; fails with QASID_ERR_EXISTS
 * if the file exists and overwrite is 0. */
int qasid_pubkey_save(qasid_pubkey *pk, const char *path, int overwrite);

/* The key id as 16 hex digits plus NUL into out[QASID_KEYID_HEX]. */
void qasid_pubkey_id(const qasid_pubkey *pk, char out[QASID_KEYID_HEX]);

/* The base64 key line (56 characters) into out[64]. */
void qasid_pubkey_b64(const qasid_pubkey *pk, char out[64]);

/* A fingerprint two people can read to each other: eight groups of four
 * digits derived from the whole key, into out[48]. */
void qasid_pubkey_fingerprint(const qasid_pubkey *pk, char out[48]);

const char *qasid_pubkey_errmsg(const qasid_pubkey *pk);

/* ---- Secret keys ------------------------------------------------------- */

typedef struct qasid_seckey qasid_seckey;

qasid_seckey *qasid_seckey_new(void);
void qasid_seckey_free(qasid_seckey *sk); /* wipes the key */

/* Makes a new key pair; its public half is written to pk. */
int qasid_seckey_generate(qasid_seckey *sk, qasid_pubkey *pk);

/*
 * Reads a minisign secret-key file. password may be NULL for a key saved
 * without one. A wrong password gives QASID_ERR_PASSWORD (detected by the
 * key's checksum). Encrypted keys cost the time and memory their file asks
 * for (minisign's default: about a second and 1 GiB).
 */
int qasid_seckey_load(qasid_seckey *sk, const char *path,
    const char *password, size_t password_len);

/* 1 if the key file at path is encrypted, 0 if not, <0 on error. */
int qasid_seckey_file_encrypted(qasid_seckey *sk, const char *path);

/*
 * Writes a minisign secret-key file, encrypted with password unless it is
 * NULL. Fails with QASID_ERR_EXISTS if the file exists and overwrite is 0.
 * The file is created with mode 0600.
 */
int qasid_seckey_save(qasid_seckey *sk, const char *path,
    const char *password, size_t password_len, int overwrite);

/* The public half of a loaded secret key. */
int qasid_seckey_pubkey(const qasid_seckey *sk, qasid_pubkey *pk);

const char *qasid_seckey_errmsg(const qasid_seckey *sk);

/* ---- Keyrings ---------------------------------------------------------- */

typedef struct qasid_keyring qasid_keyring;

qasid_keyring *qasid_keyring_new(void);
void qasid_keyring_free(qasid_keyring *kr);

/* Loads a keyring file; a missing file is an empty keyring. */
int qasid_keyring_load(qasid_keyring *kr, const char *path);

/* Writes the keyring atomically (temporary file, fsync, rename). */
int qasid_keyring_save(qasid_keyring *kr, const char *path);

/*
 * Adds a key under a name (may be NULL or empty). QASID_ERR_EXISTS if the
 * same key (all of it, not only its id) is already there. A key id is a
 * label anyone can put on a key of their own, so a different key with an
 * id already present is kept beside it; signatures are checked against
 * every key with their id, and qasid_keyring_find() tells how many share
 * one.
 */
int qasid_keyring_add(qasid_keyring *kr, const qasid_pubkey *pk,
    const char *name);

/* Removes the key whose id is keyid (16 hex digits, any case);
 * QASID_ERR_ARG if several keys carry that id. */
int qasid_keyring_remove(qasid_keyring *kr, const char *keyid);

/* Removes the key equal to pk. */
int qasid_keyring_remove_key(qasid_keyring *kr, const qasid_pubkey *pk);

size_t qasid_keyring_count(const qasid_keyring *kr);

/* Copies the i-th key (in file order) into pk and points *name (may be
 * NULL) at its name, valid until kr changes. QASID_ERR_NOTFOUND past the
 * end. */
int qasid_keyring_get(const qasid_keyring *kr, size_t i, qasid_pubkey *pk,
    const char **name);

/* How many keys carry keyid (16 hex digits); the positions of the first
 * max of them, for qasid_keyring_get(), go to idx. */
size_t qasid_keyring_find(const qasid_keyring *kr, const char *keyid,
    size_t *idx, size_t max);

const char *qasid_keyring_errmsg(const qasid_keyring *kr);

/* ---- Packing ----------------------------------------------------------- */

typedef struct qasid_packer qasid_packer;

/*
 * Progress: done and total bytes; called from the calling thread about
 * once per MiB of work, so it should be cheap. done = total = 0 is a poll
 * while the library waits (for a lock, or a read or write a signal
 * interrupted): nothing to draw. Returning non-zero cancels the call it came from: that call cleans
 * up exactly as after a failure (nothing left behind) and returns
 * QASID_ERR_CANCELLED. A program that stops on a signal sets a flag in its
 * handler and returns it here. The packer reports two phases: reading the
 * input (total: the files' bytes), then copying the body behind the signed
 * head (total: the body's bytes), each from done = 0.
 */
typedef int (*qasid_progress_fn)(void *ud, uint64_t done, uint64_t total);

/* The packer keeps a pointer to sk; it must outlive the packer. */
qasid_packer *qasid_packer_new(const qasid_seckey *sk);
void qasid_packer_free(qasid_packer *p);

/* Title: UTF-8, at most 1024 bytes, no control characters (C0, C1), no
 * bidirectional controls or marks, no noncharacters. Default "". */
int qasid_packer_set_title(qasid_packer *p, const char *title);

/* Series: 1-64 of [A-Za-z0-9._-]. Default "default". Sequence default 1. */
int qasid_packer_set_series(qasid_packer *p, const char *series,
    uint64_t sequence);

/* Creation time, seconds since the epoch; default 0 (callers set it). */
void qasid_packer_set_time(qasid_packer *p, int64_t created);

/* Compression threads, at most 64; 0 (the default) means one per online CPU,
 * at most 4. The output is byte-identical whatever the count. */
void qasid_packer_set_threads(qasid_packer *p, unsigned threads);

void qasid_packer_set_progress(qasid_packer *p, qasid_progress_fn fn,
    void *ud);

/*
 * Where the compressed body waits while the manifest is signed (an unlinked
 * temporary file, as large as the bundle). NULL, the default, is the output
 * file's folder. Another disk spares a USB stick every byte written twice.
 * The packer keeps the pointer.
 */
void qasid_packer_set_tmpdir(qasid_packer *p, const char *dir);

/*
 * Adds a file or a folder (recursively). It is stored under its last path
 * component: adding "/home/a/reports" stores "reports/...". Symlinks,
 * devices, FIFOs and sockets, and names a FAT/exFAT or Windows recipient
 * cannot hold, are refused with QASID_ERR_PATH naming the path.
 *
 * A failed add is sticky: a folder may have been added in part, so every
 * later call on the packer returns the same error and message, and no
 * bundle can be written from it. Free it and start again.
 */
int qasid_packer_add(qasid_packer *p, const char *path);

/* Writes the bundle; nothing is left at out_path on failure, nor any
 * temporary file, and the packer may write again (to another path, say).
 * Fails with QASID_ERR_EXISTS if out_path exists and overwrite is 0,
 * QASID_ERR_CANCELLED if the progress callback stopped it. */
int qasid_packer_write(qasid_packer *p, const char *out_path, int overwrite);

const char *qasid_packer_errmsg(const qasid_packer *p);

/* ---- Reading, verifying, unpacking ------------------------------------- */

typedef struct qasid_reader qasid_reader;

/* What the signed manifest says about a bundle. Strings are owned by the
 * reader and valid until it is freed. */
typedef struct qasid_info {
	int format;          /* format version */
	const char *title;
	const char *series;
	uint64_t sequence;
	int64_t created;     /* seconds since the epoch */
	char keyid[QASID_KEYID_HEX];
	uint64_t files;      /* regular files */
	uint64_t dirs;       /* folders */
	uint64_t bytes;      /* total file content */
	int signature_ok;    /* 1 once the manifest's signature verified */
	const char *signer;  /* keyring name of the signing key, or "" */
	char fingerprint[48]; /* of the key that verified the signature, or "" */
	int keyid_shared;    /* 1 if several trusted keys carry keyid: only the
	                      * fingerprint tells which one signed */
} qasid_info;

/* One manifest entry. */
typedef struct qasid_entry {
	const char *path;    /* relative, '/'-separated, UTF-8 */
	int is_dir;
	unsigned mode;       /* 0644, 0755 */
	uint64_t size;
	char hash[129];      /* BLAKE2b-512 of the content, hex; "" for dirs */
} qasid_entry;

typedef int (*qasid_entry_fn)(void *ud, const qasid_entry *e);

/* The reader keeps a pointer to the keyring; it must outlive the reader.
 * A NULL keyring trusts nothing: only qasid_reader_list() without
 * verification works then. */
qasid_reader *qasid_reader_new(const qasid_keyring *trusted);
void qasid_reader_free(qasid_reader *r);

void qasid_reader_set_progress(qasid_reader *r, qasid_progress_fn fn,
    void *ud);

/*
 * Threads besides the calling one: 0 runs everything on the calling thread
 * (where there are no threads, as in WebAssembly); any other value, and the
 * default, reads and hashes on two more. The results are the same.
 */
void qasid_reader_set_threads(qasid_reader *r, unsigned threads);

/*
 * Where a manifest too large to keep in memory waits while it is checked
 * (an anonymous temporary file). NULL, the default, is /tmp. The reader
 * keeps the pointer.
 */
void qasid_reader_set_tmpdir(qasid_reader *r, const char *dir);

/* Opens a bundle file. Reading starts with the next call. */
int qasid_reader_open(qasid_reader *r, const char *path);

/*
 * The same from other sources; name is what messages call the bundle.
 * A descriptor or memory stays the caller's and must stay valid (memory
 * unchanged) until the reader is freed or opened again; the reader reads
 * the descriptor from where it stands and does not close it.
 */
int qasid_reader_open_fd(qasid_reader *r, int fd, const char *name);
int qasid_reader_open_memory(qasid_reader *r, const void *data, size_t len,
    const char *name);

/*
 * A source of bundle bytes for streams, after libarchive's
 * archive_read_open(): read lends a buffer of its own through *buf and
 * returns how many bytes it holds, 0 at the end, or a negative number on
 * failure; the buffer must stay valid until the next call. close, which may
 * be NULL, is called once when the reader is done with the source (freed,
 * or opened again), and also when this call fails.
 */
typedef ptrdiff_t (*qasid_read_fn)(void *ud, const void **buf);
typedef void (*qasid_close_fn)(void *ud);

int qasid_reader_open_callbacks(qasid_reader *r, void *ud,
    qasid_read_fn read, qasid_close_fn close, const char *name);

/*
 * Full verification: the manifest's signature by a trusted key, every byte
 * of the bundle against it, every file's size and hash, and no entry missing,
 * extra, duplicated, out of order or unsafe. Returns QASID_OK or the first
 * failure.
 */
int qasid_reader_verify(qasid_reader *r);

/*
 * Checks everything qasid_reader_verify() does but who signed: every gzip
 * member and every file against the manifest's hashes, the head against
 * the hash the signature's trusted comment names, and the framing. Needs
 * no keys (the reader's keyring may be NULL); info.keyid is the key the
 * bundle claims and info.signature_ok stays 0. It finds damage, not
 * forgery: anyone can make a bundle that is intact. QASID_OK if intact.
 */
int qasid_reader_verify_integrity(qasid_reader *r);

/*
 * Verifies and unpacks into dir (created if missing) in one streaming pass.
 * All or nothing: on any failure dir is left as it was; on success every
 * file is there, fsynced. Never overwrites: QASID_ERR_EXISTS if a file of
 * the bundle is already in dir; QASID_ERR_DEST if dir, or a path of the
 * bundle inside it, is a symbolic link. Leftovers of an interrupted earlier
 * unpack into dir are cleaned up first: one that had committed is finished
 * only by an unpack of the same bundle, after every staged entry is checked
 * again against the signed manifest (the call then returns QASID_OK without
 * reading the body); one of another bundle is left for it; anything else
 * of the user's is removed. Files get mode 0644 or 0755 less the umask,
 * folders 0755 less the umask. QASID_ERR_CANCELLED if the progress
 * callback stopped it: nothing is left. QASID_ERR_NOSPACE before anything
 * is written if the bundle's files hold more bytes than dir's file system
 * has free.
 */
int qasid_reader_unpack(qasid_reader *r, const char *dir);

/*
 * Reads the manifest without unpacking. With a keyring, the signature is
 * checked first (and its failure returned); with verify_signature 0 the
 * listing is given unverified and info.signature_ok stays 0; with 2 it is
 * given once the head matches the hash its signature's trusted comment
 * names, who signed not checked (as qasid_reader_verify_integrity()). fn,
 * which may be NULL, is called for each entry in bundle order; a non-zero
 * return stops the listing and is returned.
 */
int qasid_reader_list(qasid_reader *r, int verify_signature,
    qasid_entry_fn fn, void *ud);

/* The bundle's identity; valid after a successful or failed read that got
 * as far as the manifest (check info.signature_ok). */
const qasid_info *qasid_reader_info(const qasid_reader *r);

const char *qasid_reader_errmsg(const qasid_reader *r);

/* The size in bytes the signed manifest gives the whole bundle file, after
 * a read that got past the head, even a failed one: so a short file can be
 * told to be an incomplete copy. QASID_ERR_ARG before the head is read. */
int qasid_reader_expected_size(const qasid_reader *r, uint64_t *size);

/* The BLAKE2b-256 of the bundle's head (its first gzip member, the hash
 * its signature's trusted comment names) in hex: it names one bundle,
 * whatever its file is called. Valid after a read that got through the
 * head, even one whose signature was then refused; QASID_ERR_ARG before. */
int qasid_reader_head_hash(const qasid_reader *r, char hex[65]);

#ifdef __cplusplus
}
#endif

#endif /* QASID_H */
