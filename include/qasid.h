/* SPDX-License-Identifier: ISC */
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
 *   3. qasid_packer_add() each file or folder; optionally
 *      qasid_packer_set_metadata() and qasid_packer_check_metadata() to
 *      learn, before asking for a password, whether a file would reveal
 *      where it was made or by whom.
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
/* The version as a number, 0xMMmmpp, for compile-time checks. */
#define QASID_VERSION_NUMBER 0x000100

/*
 * What libqasid exports: only the functions declared here (the library is
 * built with hidden visibility and a version script), so that its ABI is
 * exactly this header.
 */
#if defined(_WIN32) && defined(QASID_BUILDING)
#define QASID_API __declspec(dllexport)
#elif defined(_WIN32) && defined(QASID_DLL)
#define QASID_API __declspec(dllimport)
#elif defined(__GNUC__)
#define QASID_API __attribute__((visibility("default")))
#else
#define QASID_API
#endif
/* The bundle format qasid writes by default; it reads 1 to this. */
#define QASID_FORMAT_VERSION 2

/*
 * Result codes. Append only; never renumbered. Codes from
 * QASID_ERR_FORMAT to QASID_ERR_UNSAFE, and from QASID_ERR_REVOKED to
 * QASID_ERR_CONTRADICTION, mean the bundle failed verification:
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
	QASID_ERR_CANCELLED = -18, /* the progress callback asked to stop */
	QASID_ERR_METADATA = -19,  /* a file reveals a place, device or person */
	QASID_ERR_STATE = -20,     /* the record of bundles seen is unusable */
	QASID_ERR_REFUSED = -21,   /* the head check refused the bundle */
	QASID_ERR_LOCAL = -22,     /* files unpacked before were changed */
	QASID_ERR_EXPIRED = -23,   /* past the time its publisher set */
	QASID_ERR_UNFINISHED = -24, /* an interrupted unpack of another bundle
	                             * must be finished first */
	/* Keys over time (docs/FORMAT.md 17.3). */
	QASID_ERR_REVOKED = -25,   /* signed by a key revoked as compromised */
	QASID_ERR_RETIRED = -26,   /* a new bundle of a key rotated away from */
	QASID_ERR_CONTRADICTION = -27 /* statements or commitments that
	                              * contradict each other */
} qasid_err;

/* A fixed English string for a code; never NULL. */
QASID_API const char *qasid_strerror(int code);

/* 1 if code means "the bundle failed verification", else 0. */
QASID_API int qasid_err_is_verification(int code);

/* The library's version string, e.g. "0.1.0". */
QASID_API const char *qasid_version(void);

/*
 * Must be called once before any other function, from one thread. Returns
 * QASID_ERR_INTERNAL if libsodium cannot start. Calling it again is harmless.
 */
QASID_API int qasid_init(void);

/* ---- Public keys ------------------------------------------------------- */

typedef struct qasid_pubkey qasid_pubkey;

/* Key ids are 8 bytes; text form is 16 upper-case hex digits, as minisign. */
#define QASID_KEYID_HEX 17

QASID_API qasid_pubkey *qasid_pubkey_new(void);
QASID_API void qasid_pubkey_free(qasid_pubkey *pk);

/* Reads a minisign public-key file. */
QASID_API int qasid_pubkey_load(qasid_pubkey *pk, const char *path);

/* Parses the base64 key line of a minisign public key ("RWQ..."). */
QASID_API int qasid_pubkey_parse(qasid_pubkey *pk, const char *b64);

/* Writes the key as a minisign public-key file; fails with QASID_ERR_EXISTS
 * if the file exists and overwrite is 0. */
QASID_API int qasid_pubkey_save(qasid_pubkey *pk, const char *path,
    int overwrite);

/* The key id as 16 hex digits plus NUL into out[QASID_KEYID_HEX]. */
QASID_API void qasid_pubkey_id(const qasid_pubkey *pk,
    char out[QASID_KEYID_HEX]);

/* The base64 key line (56 characters) into out[64]. */
QASID_API void qasid_pubkey_b64(const qasid_pubkey *pk, char out[64]);

/* A fingerprint two people can read to each other: eight groups of four
 * digits derived from the whole key, into out[48]. */
QASID_API void qasid_pubkey_fingerprint(const qasid_pubkey *pk, char out[48]);

/* What a bundle signed by the key before this one commits to when it
 * names this key as its successor (its next-key): BLAKE2b-256 of the
 * decoded key line, 64 hex digits and a NUL into out[65]. */
QASID_API void qasid_pubkey_commitment(const qasid_pubkey *pk, char out[65]);

QASID_API const char *qasid_pubkey_errmsg(const qasid_pubkey *pk);

/* ---- Secret keys ------------------------------------------------------- */

typedef struct qasid_seckey qasid_seckey;

QASID_API qasid_seckey *qasid_seckey_new(void);
QASID_API void qasid_seckey_free(qasid_seckey *sk); /* wipes the key */

/* Makes a new key pair; its public half is written to pk. */
QASID_API int qasid_seckey_generate(qasid_seckey *sk, qasid_pubkey *pk);

/*
 * Reads a minisign secret-key file. password may be NULL for a key saved
 * without one. A wrong password gives QASID_ERR_PASSWORD (detected by the
 * key's checksum). Encrypted keys cost the time and memory their file asks
 * for (minisign's default: about a second and 1 GiB).
 */
QASID_API int qasid_seckey_load(qasid_seckey *sk, const char *path,
    const char *password, size_t password_len);

/* 1 if the key file at path is encrypted, 0 if not, <0 on error. */
QASID_API int qasid_seckey_file_encrypted(qasid_seckey *sk, const char *path);

/*
 * Writes a minisign secret-key file, encrypted with password unless it is
 * NULL. Fails with QASID_ERR_EXISTS if the file exists and overwrite is 0.
 * The file is created with mode 0600.
 */
QASID_API int qasid_seckey_save(qasid_seckey *sk, const char *path,
    const char *password, size_t password_len, int overwrite);

/* The public half of a loaded secret key. */
QASID_API int qasid_seckey_pubkey(const qasid_seckey *sk, qasid_pubkey *pk);

QASID_API const char *qasid_seckey_errmsg(const qasid_seckey *sk);

/* ---- Keyrings ---------------------------------------------------------- */

typedef struct qasid_keyring qasid_keyring;

QASID_API qasid_keyring *qasid_keyring_new(void);
QASID_API void qasid_keyring_free(qasid_keyring *kr);

/* Loads a keyring file; a missing file is an empty keyring. */
QASID_API int qasid_keyring_load(qasid_keyring *kr, const char *path);

/* Writes the keyring atomically (temporary file, fsync, rename). */
QASID_API int qasid_keyring_save(qasid_keyring *kr, const char *path);

/*
 * Loads a keyring file to change it. Load, change, save is a race when
 * two programs change one file: the later save drops the earlier change,
 * and a dropped revocation trusts a revoked key again. So:
 *   1. qasid_keyring_edit(kr, path): waits for an exclusive lock of the
 *      file path.lock beside it (made, mode 0600, when missing; never
 *      through a symbolic link), then loads path in place of whatever kr
 *      held.
 *   2. Change kr (qasid_keyring_add(), _remove(), _apply(), _note()...).
 *   3. qasid_keyring_save(kr, path).
 *   4. qasid_keyring_unlock(kr), or qasid_keyring_free(kr).
 * The lock is advisory: it holds against every program that takes it
 * (qasid does, for each change it saves), and is let go if the process
 * dies. Readers need none: a save replaces the file in one rename.
 * QASID_ERR_IO, naming path.lock, when the lock file cannot be made or
 * locked (a read-only folder, where no save could succeed either); when
 * path's folder does not exist, the keyring is empty and nothing is
 * locked.
 */
QASID_API int qasid_keyring_edit(qasid_keyring *kr, const char *path);

/* Lets go of the lock qasid_keyring_edit() took; a no-op without one. */
QASID_API void qasid_keyring_unlock(qasid_keyring *kr);

/*
 * Adds a key under a name (may be NULL or empty). QASID_ERR_EXISTS if the
 * same key (all of it, not only its id) is already there. A key id is a
 * label anyone can put on a key of their own, so a different key with an
 * id already present is kept beside it; signatures are checked against
 * every key with their id, and qasid_keyring_find() tells how many share
 * one.
 */
QASID_API int qasid_keyring_add(qasid_keyring *kr, const qasid_pubkey *pk,
    const char *name);

/* Removes the key whose id is keyid (16 hex digits, any case);
 * QASID_ERR_ARG if several keys carry that id. */
QASID_API int qasid_keyring_remove(qasid_keyring *kr, const char *keyid);

/* Removes the key equal to pk. */
QASID_API int qasid_keyring_remove_key(qasid_keyring *kr,
    const qasid_pubkey *pk);

QASID_API size_t qasid_keyring_count(const qasid_keyring *kr);

/* Copies the i-th key (in file order) into pk and points *name (may be
 * NULL) at its name, valid until kr changes. QASID_ERR_NOTFOUND past the
 * end. */
QASID_API int qasid_keyring_get(const qasid_keyring *kr, size_t i,
    qasid_pubkey *pk, const char **name);

/* How many keys carry keyid (16 hex digits); the positions of the first
 * max of them, for qasid_keyring_get(), go to idx. */
QASID_API size_t qasid_keyring_find(const qasid_keyring *kr,
    const char *keyid, size_t *idx, size_t max);

QASID_API const char *qasid_keyring_errmsg(const qasid_keyring *kr);

/* ---- Key statements ------------------------------------------------------
 *
 * Rotation and revocation statements (docs/FORMAT.md 17.3): text files
 * signed in minisign's format, FILE with FILE.minisig and, for a rotation
 * the old key signed too, FILE.old.minisig. They authenticate themselves,
 * so they may travel any untrusted way; a keyring takes them with
 * qasid_keyring_apply().
 *   1. qasid_statement_new().
 *   2. qasid_statement_rotate() or _revoke(), then qasid_statement_save();
 *      or qasid_statement_load() one to apply.
 *   3. qasid_statement_free().
 */
typedef struct qasid_statement qasid_statement;

enum { QASID_STATEMENT_ROTATE = 1, QASID_STATEMENT_REVOKE = 2 };

QASID_API qasid_statement *qasid_statement_new(void);
QASID_API void qasid_statement_free(qasid_statement *st);

/* old is replaced by new_key, whose own successor is next (NULL: none
 * yet). created: seconds since the epoch. */
QASID_API int qasid_statement_rotate(qasid_statement *st,
    const qasid_pubkey *old, const qasid_pubkey *new_key,
    const qasid_pubkey *next, int64_t created);

/* key is retired (compromised 0) or compromised; for a compromised key,
 * series (may be NULL: all) and after say which of its bundles stay
 * good: those of the series up to sequence after. */
QASID_API int qasid_statement_revoke(qasid_statement *st,
    const qasid_pubkey *key, int compromised, const char *series,
    uint64_t after, int64_t created);

/* Marks a rotation as made because the old key was compromised. */
QASID_API void qasid_statement_set_compromised(qasid_statement *st);

/* Writes path and path.minisig, signed by signer (a rotation: the new
 * key; a revocation: the key itself or its successor), and, when old is
 * not NULL, path.old.minisig signed by old. Never overwrites:
 * QASID_ERR_EXISTS. */
QASID_API int qasid_statement_save(qasid_statement *st, const char *path,
    const qasid_seckey *signer, const qasid_seckey *old);

/* Reads path and its signatures. QASID_ERR_FORMAT if the text is not a
 * statement in canonical form, QASID_ERR_SIGNATURE if a signature does not
 * verify by the key the statement names (forged or damaged). Whether the
 * signer may make it is the keyring's to judge. */
QASID_API int qasid_statement_load(qasid_statement *st, const char *path);
/* The same from memory, as a bundle carries it (docs/FORMAT.md 17.3):
 * the statement called name, its signature sig and, where there is one,
 * the old key's (old NULL: none). */
QASID_API int qasid_statement_load_memory(qasid_statement *st,
    const char *name, const void *text, size_t len, const void *sig,
    size_t siglen, const void *old, size_t oldlen);

QASID_API int qasid_statement_kind(const qasid_statement *st);
/* The key the statement is about, and the new key (QASID_ERR_NOTFOUND
 * when there is none). */
QASID_API int qasid_statement_key(const qasid_statement *st,
    qasid_pubkey *pk);
QASID_API int qasid_statement_new_key(const qasid_statement *st,
    qasid_pubkey *pk);
/* The statement's text, NUL-terminated; valid until st changes. */
QASID_API const char *qasid_statement_text(const qasid_statement *st);
QASID_API const char *qasid_statement_errmsg(const qasid_statement *st);

/*
 * Takes a loaded statement into the keyring (save it afterwards):
 *   a rotation of a trusted key, signed by the successor its bundles
 *   committed to (or, where none was seen, by the old key too), retires
 *   the old key and trusts the new one under the old one's name;
 *   a revocation by a trusted key, or by its committed successor, marks
 *   it retired or compromised.
 * QASID_OK when the keyring changed, 1 when it knew this already;
 * QASID_ERR_NOTFOUND if the statement is about a key not trusted;
 * QASID_ERR_SIGNATURE if its signer may not make it (forged);
 * QASID_ERR_CONTRADICTION if it contradicts what the keyring holds (the
 * message names both; the key then counts as compromised).
 */
QASID_API int qasid_keyring_apply(qasid_keyring *kr,
    const qasid_statement *st);

/* What the keyring knows of its i-th key (file order). */
typedef struct qasid_key_status {
	int status;           /* QASID_KEY_CURRENT, _RETIRED, _COMPROMISED */
	char rotated_to[QASID_KEYID_HEX]; /* the key it rotated to, or "" */
	char series[65];      /* compromised after SERIES AFTER; "" for all */
	uint64_t after;
	int64_t since;        /* created time of the statement */
	char next_key[65];    /* the successor commitment seen first, hex */
} qasid_key_status;
enum { QASID_KEY_CURRENT = 0, QASID_KEY_RETIRED = 1,
	QASID_KEY_COMPROMISED = 2 };
QASID_API int qasid_keyring_status(const qasid_keyring *kr, size_t i,
    qasid_key_status *s);

/* ---- Packing ----------------------------------------------------------- */

typedef struct qasid_packer qasid_packer;

/*
 * Progress: done and total bytes; called from the calling thread about
 * once per MiB of work, so it should be cheap. done = total = 0 is a poll
 * while the library waits (for a lock, or a read or write a signal
 * interrupted): nothing to draw. Returning non-zero cancels the call it
 * came from: that call cleans up exactly as after a failure (nothing left
 * behind) and returns
 * QASID_ERR_CANCELLED. A program that stops on a signal sets a flag in its
 * handler and returns it here. The packer reports two phases: reading the
 * input (total: the files' bytes), then copying the body behind the signed
 * head (total: the body's bytes), each from done = 0.
 */
typedef int (*qasid_progress_fn)(void *ud, uint64_t done, uint64_t total);

/* The packer keeps a pointer to sk; it must outlive the packer. sk may be
 * loaded later, up to qasid_packer_write(): after the metadata check, say,
 * so a refused pack never asks for a password; or it may be NULL until
 * qasid_packer_set_key(), so that files can be added and
 * qasid_packer_media() asked before a password is. */
QASID_API qasid_packer *qasid_packer_new(const qasid_seckey *sk);
QASID_API void qasid_packer_set_key(qasid_packer *p, const qasid_seckey *sk);
QASID_API void qasid_packer_free(qasid_packer *p);

/* Title: UTF-8, at most 1024 bytes, no control characters (C0, C1), no
 * bidirectional controls or marks, no noncharacters. Default "". */
QASID_API int qasid_packer_set_title(qasid_packer *p, const char *title);

/* Series: 1-64 of [A-Za-z0-9._-]. Default "default". Sequence default 1. */
QASID_API int qasid_packer_set_series(qasid_packer *p, const char *series,
    uint64_t sequence);

/* Creation time, seconds since the epoch; default 0 (callers set it). */
QASID_API void qasid_packer_set_time(qasid_packer *p, int64_t created);
/* The signed time after which the publisher no longer stands by the
 * bundle (format 2 only; QASID_ERR_ARG from qasid_packer_write in format 1
 * or when it is before the created time). Default: none. */
QASID_API void qasid_packer_set_expires(qasid_packer *p, int64_t expires);
/* The bundle this one follows in its series: its sequence and head hash
 * (64 hex digits, as qasid_info.head gives it), written in format 2 only.
 * QASID_ERR_ARG if head is not a head hash. Default: none. */
QASID_API int qasid_packer_set_previous(qasid_packer *p, uint64_t sequence,
    const char *head);

/* The bundle format to write: 2 (the default) or 1, which readers of
 * qasid before format 2 accept but which carries no successor commitment.
 * QASID_ERR_ARG for another. */
QASID_API int qasid_packer_set_format(qasid_packer *p, unsigned format);

/* The key that succeeds the signing key (its successor, made with it):
 * format-2 bundles commit to it, so that only its holder can rotate the
 * key (docs/FORMAT.md 17.3). NULL, the default, commits to none. The
 * packer copies what it needs. */
QASID_API void qasid_packer_set_next_key(qasid_packer *p,
    const qasid_pubkey *next);

/* Carries the statements (rotations, revocations and their signatures) in
 * folder dir under .qasid/keys/ in the bundle's head (docs/FORMAT.md
 * 17.3), so that a recipient who pinned an earlier key follows them before
 * verifying: at most 64 files of 64 KiB in all, named with letters,
 * digits, '.', '_' and '-'. Format 2 only: a format-1 bundle leaves them
 * out. */
QASID_API int qasid_packer_add_keys(qasid_packer *p, const char *dir);

/* Compression threads, at most 64; 0 (the default) means one per online CPU,
 * at most 4. The output is byte-identical whatever the count. */
QASID_API void qasid_packer_set_threads(qasid_packer *p, unsigned threads);

QASID_API void qasid_packer_set_progress(qasid_packer *p, qasid_progress_fn fn,
    void *ud);

/*
 * Where the compressed body waits while the manifest is signed (an unlinked
 * temporary file, as large as the bundle). NULL, the default, is the output
 * file's folder. Another disk spares a USB stick every byte written twice.
 * The packer keeps the pointer.
 */
QASID_API void qasid_packer_set_tmpdir(qasid_packer *p, const char *dir);

/* Splits what qasid_packer_write() writes into a set of volumes of at most
 * size bytes each: for out_path NAME.qasid, NAME.part1.qasid and on, each
 * a signed format-2 bundle (docs/FORMAT.md 17.4). 0, the default, writes
 * one bundle. */
QASID_API void qasid_packer_set_volume_size(qasid_packer *p, uint64_t size);
/* The largest file a FAT32 output holds: 4 GiB - 1, the default (0). When
 * no volume size is set and the output's file system holds no file as
 * large as the bundle could be (counting nothing as compressing), the
 * write splits it into volumes of the largest size it holds, by itself
 * (qasid_pack_media.volume_auto tells before). A smaller limit lets a
 * test see that split without writing 4 GiB. */
QASID_API void qasid_packer_set_fat_limit(qasid_packer *p, uint64_t size);
/* How many volumes the last successful write made; 0 for one bundle. */
QASID_API uint64_t qasid_packer_volume_count(const qasid_packer *p);
/* The path of volume part (from 1) of a set written for out_path:
 * NAME.partK.qasid for NAME.qasid (or NAME). Malloc'd, for the caller to
 * free; NULL if out of memory. */
QASID_API char *qasid_volume_path(const char *out_path, uint64_t part);

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
QASID_API int qasid_packer_add(qasid_packer *p, const char *path);

/*
 * Identifying metadata. Photos, videos and documents often carry the GPS
 * position where they were made, the device's serial number or a person's
 * name. Each file is recognised by its content (JPEG, PNG, TIFF, MP4, MOV,
 * HEIF, PDF) and only its headers are read. What a policy does with a file
 * whose metadata identifies a place, a device or a person:
 *   QASID_META_REFUSE  (the default) the packer refuses: check and write
 *                      fail with QASID_ERR_METADATA;
 *   QASID_META_SCRUB   the bundle carries a copy without it (made in the
 *                      tmpdir); the original is never modified. A file that
 *                      cannot be scrubbed safely (TIFF, HEIF) is refused;
 *   QASID_META_KEEP    it is packed as it is, on purpose.
 * Orientation, colour profiles and dimensions are never identifying.
 */
#define QASID_META_REFUSE 0
#define QASID_META_SCRUB 1
#define QASID_META_KEEP 2
QASID_API void qasid_packer_set_metadata(qasid_packer *p, int policy);

/* One file with metadata, as qasid_packer_check_metadata() reports it.
 * Strings are valid during the call only; none is NULL. */
typedef struct qasid_meta_report {
	const char *path;     /* the file, as it was added */
	const char *type;     /* "JPEG", "PNG", "TIFF", "MP4", "MOV", "HEIF",
	                       * "PDF" */
	const char *reveals;  /* what identifies ("GPS 34.08 N 74.79 E; camera
	                       * serial 12345"), "" if nothing does */
	const char *other;    /* other metadata found (camera model, software) */
	const char *removes;  /* what a scrub removes ("EXIF, XMP"), or "" */
	const char *noscrub;  /* why it cannot be scrubbed, or "" */
	int action;           /* QASID_META_*: what the packer does with it;
	                       * REFUSE: this file stops the pack */
} qasid_meta_report;
typedef void (*qasid_meta_fn)(void *ud, const qasid_meta_report *r);

/*
 * Examines every file added so far, in bundle order, calling fn (may be
 * NULL) for each one that carries metadata. QASID_ERR_METADATA if any file
 * is refused under the policy; QASID_ERR_IO if a file cannot be read.
 * qasid_packer_write() runs the check itself if it has not run since the
 * last add or policy change.
 */
QASID_API int qasid_packer_check_metadata(qasid_packer *p, qasid_meta_fn fn,
    void *ud);

/* Writes the bundle; nothing is left at out_path on failure, nor any
 * temporary file, and the packer may write again (to another path, say).
 * Fails with QASID_ERR_EXISTS if out_path exists and overwrite is 0,
 * QASID_ERR_CANCELLED if the progress callback stopped it, and
 * QASID_ERR_METADATA as qasid_packer_check_metadata() says. */
QASID_API int qasid_packer_write(qasid_packer *p, const char *out_path,
    int overwrite);

QASID_API const char *qasid_packer_errmsg(const qasid_packer *p);

/*
 * What writing the files added so far to out_path will need of its media,
 * for a program to warn before it asks for a password. Sizes are upper
 * bounds (files stored as they are: video does not compress); compressible
 * files need less, so these are grounds for a warning, not a refusal.
 */
typedef struct qasid_pack_media {
	uint64_t need_out;   /* bytes the output's file system must have free */
	uint64_t free_out;   /* free there; UINT64_MAX if unknown */
	uint64_t need_tmp;   /* bytes the body needs where it waits, if that is
	                      * another file system; else 0 (counted in need_out) */
	uint64_t free_tmp;   /* free there; UINT64_MAX if unknown */
	const char *out_fs;  /* "FAT32" if the output's file system is, else NULL */
	const char *big;     /* a file of 4 GiB or more (its stored path), or
	                      * NULL; valid until the packer is freed */
	uint64_t big_size;
	uint64_t volume_auto; /* the output's file system holds no file as
	                      * large as the bundle may be: the size of the
	                      * volumes the write will split it into; else 0 */
} qasid_pack_media;

/* Fills *m; QASID_ERR_ARG if nothing was added. */
QASID_API int qasid_packer_media(qasid_packer *p, const char *out_path,
    qasid_pack_media *m);

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
	char head[65];       /* BLAKE2b-256 of the bundle head (member 0), hex,
	                      * once the signature verified, else "" */
	/* Format 2 (docs/FORMAT.md 17); "" or 0 where a bundle says none. */
	char next_key[65];   /* BLAKE2b-256 of the signer's successor, hex */
	uint64_t previous_sequence; /* the bundle this one follows, */
	char previous_head[65];     /* and its head hash, hex */
	int has_expires;
	int64_t expires;     /* when the publisher stops standing by it */
	char volume_set[65]; /* a volume: its set's id, hex */
	uint64_t volume_part, volume_count;
	int key_status;      /* QASID_KEY_* of the key that verified it: a
	                      * retired key's bundles made before it was
	                      * retired still verify */
} qasid_info;

/* One manifest entry. */
typedef struct qasid_entry {
	const char *path;    /* relative, '/'-separated, UTF-8 */
	int is_dir;
	unsigned mode;       /* 0644, 0755 */
	uint64_t size;
	char hash[129];      /* BLAKE2b-512 of the content, hex; "" for dirs */
	uint64_t first_part; /* a volume set's file: the parts holding it; */
	uint64_t last_part;  /* 0 in a bundle that is not a volume */
} qasid_entry;

typedef int (*qasid_entry_fn)(void *ud, const qasid_entry *e);

/* The reader keeps a pointer to the keyring; it must outlive the reader.
 * A NULL keyring trusts nothing: only qasid_reader_list() without
 * verification works then. */
QASID_API qasid_reader *qasid_reader_new(const qasid_keyring *trusted);
QASID_API void qasid_reader_free(qasid_reader *r);

QASID_API void qasid_reader_set_progress(qasid_reader *r, qasid_progress_fn fn,
    void *ud);

/*
 * Threads besides the calling one: 0 runs everything on the calling thread
 * (where there are no threads, as in WebAssembly); any other value, and the
 * default, reads and hashes on two more. The results are the same.
 */
QASID_API void qasid_reader_set_threads(qasid_reader *r, unsigned threads);

/*
 * Where a manifest too large to keep in memory waits while it is checked
 * (an anonymous temporary file). NULL, the default, is /tmp. The reader
 * keeps the pointer.
 */
QASID_API void qasid_reader_set_tmpdir(qasid_reader *r, const char *dir);

/*
 * Called once, when the head's signature has verified and before any
 * content is read or anything is written: info is complete then. A return
 * other than 0 stops the read with QASID_ERR_REFUSED before a destination
 * is touched. Only verifying reads call it.
 */
typedef int (*qasid_head_fn)(void *ud, const qasid_info *info);
QASID_API void qasid_reader_set_head_check(qasid_reader *r, qasid_head_fn fn,
    void *ud);

/* Opens a bundle file. Reading starts with the next call. */
QASID_API int qasid_reader_open(qasid_reader *r, const char *path);

/*
 * The same from other sources; name is what messages call the bundle.
 * A descriptor or memory stays the caller's and must stay valid (memory
 * unchanged) until the reader is freed or opened again; the reader reads
 * the descriptor from where it stands and does not close it.
 */
QASID_API int qasid_reader_open_fd(qasid_reader *r, int fd, const char *name);
QASID_API int qasid_reader_open_memory(qasid_reader *r, const void *data,
    size_t len, const char *name);

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

QASID_API int qasid_reader_open_callbacks(qasid_reader *r, void *ud,
    qasid_read_fn read, qasid_close_fn close, const char *name);

/*
 * Full verification: the manifest's signature by a trusted key, every byte
 * of the bundle against it, every file's size and hash, and no entry missing,
 * extra, duplicated, out of order or unsafe. Returns QASID_OK or the first
 * failure.
 */
QASID_API int qasid_reader_verify(qasid_reader *r);

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
 * For passing a bundle on unchanged (qasid copy): checks the head as
 * qasid_reader_verify() does (signer 1) or as
 * qasid_reader_verify_integrity() does (signer 0), then every raw byte of
 * the body against the signed manifest: each gzip member's length and
 * BLAKE2b hash, and nothing after the last. Nothing is inflated and no
 * file's content is hashed, which halves the work: a bundle that passes is
 * the one its signer made, byte for byte, so it verifies wherever that
 * one does; whether the signer's files match their own hashes is left to
 * qasid_reader_verify() where they are opened. QASID_OK if it passes.
 */
QASID_API int qasid_reader_verify_bytes(qasid_reader *r, int signer);

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
QASID_API int qasid_reader_unpack(qasid_reader *r, const char *dir);

/*
 * Updating in place. After an unpack of a bundle with a series, dir holds
 * a receipt (".qasid-receipt-KEYID-SERIES") of what was unpacked. A later
 * qasid_reader_unpack() of the same key and series into dir then updates
 * it to exactly the new tree: unchanged files are kept (only verified),
 * changed ones replaced, ones the new bundle lacks removed, new ones made;
 * all or nothing, and a run killed after its commit is finished by the
 * next unpack of the same bundle. A file the update would touch that is
 * not what qasid unpacked (changed, removed, or made where the bundle has
 * a file) stops it before anything is written with QASID_ERR_LOCAL, fn
 * (may be NULL) being told of each; with keep_local set, such files are
 * renamed to NAME.local (NAME.local.2 ... if taken) instead, fn told of
 * each with what QASID_LOCAL_KEPT and the new name in aside. Call before
 * qasid_reader_unpack(); the setting stays for later calls.
 */
enum {
	QASID_LOCAL_CHANGED = 1, /* changed since qasid unpacked it */
	QASID_LOCAL_ADDED = 2,   /* made here where the bundle has a file */
	QASID_LOCAL_REMOVED = 3, /* removed, and the update would write it */
	QASID_LOCAL_KEPT = 4     /* the recipient's version moved to aside */
};
typedef void (*qasid_local_fn)(void *ud, int what, const char *path,
    const char *aside);
QASID_API void qasid_reader_set_local(qasid_reader *r, int keep_local,
    qasid_local_fn fn, void *ud);

/* What the last qasid_reader_unpack() did to an earlier sequence. */
typedef struct qasid_update {
	int updated;         /* 1 if dir held an earlier unpack of the series */
	int already;         /* 1 if it held this very bundle, unchanged */
	uint64_t from;       /* the sequence it held */
	uint64_t written;    /* files written (new or changed) */
	uint64_t kept;       /* files kept as they were */
	uint64_t removed;    /* files the new sequence lacks, removed */
	uint64_t aside;      /* recipient's versions kept as NAME.local */
} qasid_update;
QASID_API const qasid_update *qasid_reader_update(const qasid_reader *r);

/*
 * For a damaged bundle nobody can repair: unpacks into dir every file whose
 * content matches its signed hash, and nothing else. The head must verify
 * as for qasid_reader_unpack() (the signature by a trusted key, the
 * manifest): a bundle that is unsigned, untrusted or whose head is damaged
 * gives that error and nothing. The body is read once; after a damaged
 * member reading goes on at the next one, whose offsets the manifest
 * gives. fn (may be NULL) is called with the path of each file that could
 * not be recovered. Returns QASID_OK only if nothing was damaged;
 * QASID_ERR_CONTENT if something was, the message counting the files
 * lost and unpacked: the result is then incomplete, but every file in it
 * is whole and signed. Folders are always made. Other errors as for
 * qasid_reader_unpack(); a file's clash with what dir holds is refused
 * before anything is written.
 */
typedef void (*qasid_lost_fn)(void *ud, const char *path);
QASID_API int qasid_reader_salvage(qasid_reader *r, const char *dir,
    qasid_lost_fn fn, void *ud);

/*
 * Reads the manifest without unpacking. With a keyring, the signature is
 * checked first (and its failure returned); with verify_signature 0 the
 * listing is given unverified and info.signature_ok stays 0; with 2 it is
 * given once the head matches the hash its signature's trusted comment
 * names, who signed not checked (as qasid_reader_verify_integrity()). fn,
 * which may be NULL, is called for each entry in bundle order; a non-zero
 * return stops the listing and is returned. For a volume of a set, fn is
 * called for each entry of the whole set, from the volume's set file: the
 * volume is read and checked whole first (as qasid_reader_verify() with
 * verify_signature 1), and each file says which parts hold it.
 */
QASID_API int qasid_reader_list(qasid_reader *r, int verify_signature,
    qasid_entry_fn fn, void *ud);

/*
 * For a reader with no folder to unpack into (a web page): verifies the
 * bundle as qasid_reader_verify() does and, in the same pass, gives fn the
 * content of the one regular file named path (as qasid_reader_list() names
 * it), in order, in pieces as they are read. The bytes are not verified
 * until the call returns: keep them only when it returns QASID_OK, and
 * throw them away otherwise. fn returns 0 to go on, anything else to stop
 * with QASID_ERR_CANCELLED. QASID_ERR_NOTFOUND, once the whole bundle has
 * verified, if it holds no such file; a file split across volumes is not
 * in any one of them.
 */
typedef int (*qasid_write_fn)(void *ud, const void *data, size_t len);
QASID_API int qasid_reader_extract(qasid_reader *r, const char *path,
    qasid_write_fn fn, void *ud);

/* After a successful qasid_reader_verify() or qasid_reader_unpack() of a
 * volume: fn for each entry of the whole set, from its set file, as
 * qasid_reader_list() gives them; QASID_ERR_ARG for a bundle that is not a
 * volume. An unpack of one volume publishes exactly the files with
 * first_part == last_part == its part. */
QASID_API int qasid_reader_set_list(qasid_reader *r, qasid_entry_fn fn,
    void *ud);

/* Unpacks a whole set of volumes into dir, all or nothing: paths names
 * every volume once, in any order. Each is verified as
 * qasid_reader_unpack() verifies a bundle, files split across volumes are
 * rejoined and checked against the set file's hash, and only then is
 * anything published. QASID_ERR_FORMAT for a missing part or a volume of
 * another set (the message names it), QASID_ERR_ARG for a part given
 * twice. r (with its keyring) reads part 1 and keeps the error. */
QASID_API int qasid_reader_unpack_set(qasid_reader *r,
    const char *const *paths, size_t n, const char *dir);

/* The bundle's identity; valid after a successful or failed read that got
 * as far as the manifest (check info.signature_ok). */
QASID_API const qasid_info *qasid_reader_info(const qasid_reader *r);

QASID_API const char *qasid_reader_errmsg(const qasid_reader *r);

/* After a verified read of r with kr: records the successor the bundle
 * commits to as the first seen for its key. QASID_OK when recorded (save
 * the keyring), 1 when nothing was new. */
QASID_API int qasid_keyring_note(qasid_keyring *kr, const qasid_reader *r);

/* Reads the statements the bundle carries (docs/FORMAT.md 17.3), before
 * and without checking its signature, so that a recipient whose pinned
 * key is older than the signing key can follow the chain first. fn gets
 * each file under .qasid/keys/ by name (a statement NAME, NAME.minisig,
 * NAME.old.minisig); a non-zero return stops the read and is returned.
 * Statements authenticate themselves: load them with
 * qasid_statement_load_memory() and judge them with qasid_keyring_apply().
 * One pass: open the bundle again to verify it. QASID_OK also when it
 * carries none. */
typedef int (*qasid_carried_fn)(void *ud, const char *name,
    const void *data, size_t len);
QASID_API int qasid_reader_statements(qasid_reader *r, qasid_carried_fn fn,
    void *ud);

/* ---- Recovery files ---------------------------------------------------- */

/*
 * Reed-Solomon parity beside a bundle, in BUNDLE-rec (docs/FORMAT.md
 * 17.5): any K of a stripe's data and parity blocks rebuild it, stripes
 * interleave the bundle's 4 KiB blocks so that a contiguous run of damage
 * spreads over all of them, and each block's hash finds damage to the
 * block. Made by anyone (a mirror too); what repair rebuilds is checked
 * against the bundle's signed hashes before anything is written.
 *   1. qasid_rec_new(), qasid_rec_set_progress().
 *   2. qasid_rec_protect(), qasid_rec_check() or qasid_rec_repair().
 *   3. qasid_rec_free().
 */
typedef struct qasid_rec qasid_rec;

QASID_API qasid_rec *qasid_rec_new(void);
QASID_API void qasid_rec_free(qasid_rec *x);
QASID_API void qasid_rec_set_progress(qasid_rec *x, qasid_progress_fn fn,
    void *ud);
/* Writes BUNDLE-rec (replacing one) with pct percent parity, 1-50, in one
 * read of the bundle that also checks every byte against the signed
 * hashes (QASID_ERR_CONTENT if one does not match: nothing is written).
 * Holds a shared lock on the bundle meanwhile, so it waits for a repair of
 * it (see qasid_rec_repair) but not for another protect.
 * Who signed is not checked: the caller checks the head's signer. */
QASID_API int qasid_rec_protect(qasid_rec *x, const char *bundle,
    unsigned pct);
/* Compares the bundle with its recovery file, in one read: QASID_OK if
 * every block matches, QASID_ERR_CONTENT if some do not and repair can
 * restore them (or an interrupted repair left its journal, which the next
 * repair replays), QASID_ERR_LIMIT if it cannot, QASID_ERR_NOTFOUND if
 * there is no recovery file. It does not wait for a repair under way: it
 * returns QASID_ERR_CONTENT at once, "another qasid is repairing it now",
 * rather than take that repair's journal for an interrupted one's. */
QASID_API int qasid_rec_check(qasid_rec *x, const char *bundle);
/* Verifies the head with the trusted keys of kr, finds the damaged
 * members by their signed hashes, rebuilds their lost blocks and, once
 * each matches its signed hash, writes them over the lost ones in place,
 * through a journal beside the bundle (".NAME.qasid-repair") so that a
 * repair stopped at any moment leaves the bundle as it was, repaired, or
 * beside a journal that the next call replays first; the blocks written
 * are read back from the medium and compared. A head that cannot be read
 * is rebuilt through a full copy beside the bundle, verified, then
 * renamed over it. On any failure the bundle is left as it was, but for
 * one while writing the blocks, which leaves the journal for the next
 * call. QASID_OK also when nothing was lost (nothing is written then:
 * see qasid_rec_blocks(), which counts a replayed journal's blocks too).
 * Holds an exclusive lock on the bundle (FORMAT.md 17.5) from before it
 * looks for a journal until it returns: a second repair of the same
 * bundle waits for it, polling the progress callback (done = total = 0)
 * when a signal interrupts the wait, and QASID_ERR_CANCELLED if asked. */
QASID_API int qasid_rec_repair(qasid_rec *x, const char *bundle,
    const qasid_keyring *kr);
/* The lost 4 KiB blocks the last check or repair found. */
QASID_API uint64_t qasid_rec_blocks(const qasid_rec *x);
QASID_API const char *qasid_rec_errmsg(const qasid_rec *x);

/* ---- What a recipient has seen ------------------------------------------
 *
 * For each publisher key and series, the highest sequence that fully
 * verified, with its head hash and created time, kept as text in one file
 * (FOLDER/seen) that is replaced atomically under a lock, so several
 * processes may share it. It lets a recipient refuse an old bundle played
 * back (rollback) and notice two different bundles signed with the same
 * sequence (equivocation). Lifecycle:
 *   1. qasid_state_new(folder): the folder is made (0700) when first written.
 *   2. qasid_state_judge() once the signature verified (qasid_head_fn).
 *   3. qasid_state_record() once the whole bundle verified.
 *   4. qasid_state_free().
 */
typedef struct qasid_state qasid_state;

enum {
	QASID_VERDICT_NEW = 0,          /* higher than any seen: exit 0 */
	QASID_VERDICT_CURRENT = 1,      /* the same sequence and head: 0 */
	QASID_VERDICT_OLDER = 2,        /* lower than one seen: 1 */
	QASID_VERDICT_EQUIVOCATION = 3  /* the same sequence, another head */
};

typedef struct qasid_verdict {
	int kind;                 /* QASID_VERDICT_* */
	int seen;                 /* 1 if this key and series were seen */
	uint64_t seen_sequence;   /* the highest sequence seen, if seen */
	int64_t seen_created;     /* its created time */
	char seen_head[65];       /* its head hash, hex */
	uint64_t gap_first;       /* NEW only: sequences between the one seen */
	uint64_t gap_last;        /* and this one; gap_first > gap_last: none */
} qasid_verdict;

/* NULL if out of memory. The library reads no environment: the caller
 * chooses the folder. The handle keeps a copy of the name. */
QASID_API qasid_state *qasid_state_new(const char *folder);
QASID_API void qasid_state_free(qasid_state *s);

/* The verdict on a verified bundle (info->head set). Reads the record
 * under a shared lock; a missing record is an empty one. QASID_ERR_STATE
 * if the record is corrupt, QASID_ERR_IO if it cannot be read. */
QASID_API int qasid_state_judge(qasid_state *s, const qasid_info *info,
    qasid_verdict *v);

/* Judges again under an exclusive lock, then records: a NEW bundle becomes
 * the one seen; an EQUIVOCATION keeps both heads as evidence; CURRENT and
 * OLDER change nothing. The record is written to a temporary file, synced
 * and renamed over the old one. v gets the verdict the record was merged
 * with. QASID_ERR_LIMIT if the record would pass its size limit. */
QASID_API int qasid_state_record(qasid_state *s, const qasid_info *info,
    qasid_verdict *v);

/* Whether a bundle's signed expires has passed (FORMAT.md 17.2). It is
 * judged against the latest of: the newest created time of any bundle the
 * record holds as verified, the bundle's own created time, and now (the
 * caller's clock), so that setting a clock back revives nothing once a
 * newer bundle was seen. */
enum {
	QASID_EXPIRY_NONE = 0,     /* not expired, or no expires */
	QASID_EXPIRY_SEEN = 1,     /* by a bundle the record holds */
	QASID_EXPIRY_CREATED = 2,  /* by its own created time */
	QASID_EXPIRY_CLOCK = 3     /* by the clock alone */
};
typedef struct qasid_expiry {
	int by;                    /* QASID_EXPIRY_* */
	int64_t reference;         /* the time it was judged against */
} qasid_expiry;

/* QASID_OK if info (a verified bundle's) has not expired,
 * QASID_ERR_EXPIRED if it has (e->by says what showed it), or
 * QASID_ERR_STATE / QASID_ERR_IO if the record cannot be read. s may be
 * NULL: there is no record, only the clock and the bundle judge. */
QASID_API int qasid_state_expiry(qasid_state *s, const qasid_info *info,
    int64_t now, qasid_expiry *e);

/* What a publisher packed (FOLDER/packed, apart from what they have seen):
 * the sequence asked for, if packed before, and the highest packed. */
typedef struct qasid_packed {
	int found;           /* this sequence was packed before */
	int64_t created;     /* then, its created time */
	char head[65];       /* and its head hash, hex */
	int any;             /* some sequence of the series was packed */
	uint64_t highest;    /* the highest, if any */
} qasid_packed;

/* Looks up keyid (16 hex digits) with its fingerprint (as
 * qasid_pubkey_fingerprint() gives it), series and sequence. */
QASID_API int qasid_state_packed(qasid_state *s, const char *keyid,
    const char *fingerprint, const char *series, uint64_t sequence,
    qasid_packed *p);

/* Records a bundle just packed (info as a verifying read gives it),
 * replacing any earlier record of its sequence. */
QASID_API int qasid_state_record_packed(qasid_state *s,
    const qasid_info *info);

QASID_API const char *qasid_state_errmsg(const qasid_state *s);

/* "NEW", "CURRENT", "OLDER" or "EQUIVOCATION". */
QASID_API const char *qasid_verdict_name(int kind);

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
