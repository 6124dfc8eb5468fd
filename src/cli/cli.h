/* SPDX-License-Identifier: ISC */
/*
 * cli.h - what the command-line tool's files share.
 */
#ifndef QASID_CLI_H
#define QASID_CLI_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "qasid.h"

enum { EXIT_VERIFY = 1, EXIT_OTHER = 2 };

/* Options every command understands. */
struct cli {
	int quiet;
	int verbose;
	int json;
	const char *password_file;
};

extern struct cli cli;

/* Untrusted text for a terminal: control characters, bidirectional
 * controls and marks, noncharacters and invalid UTF-8 escaped. cli_safe's
 * result lasts for five more calls. */
void cli_puts(FILE *f, const char *s);
const char *cli_safe(const char *s);

/* "qasid: what: reason" on stderr, escaped as cli_puts does; returns
 * EXIT_OTHER. */
int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Maps a library result to an exit status, printing msg if it failed. */
int cli_result(int rc, const char *msg);
int cli_usage(const char *cmd);
/* With --json, a command that fails before printing any JSON prints an
 * error object with the first failure's message (cli.c); this names its
 * stable code (default "failed"; a usage error is "usage"). */
void cli_fail_code(const char *code);

/* Reads a password: from --password-file, the terminal without echo (asked
 * twice when confirm), or the first line of standard input. Returns a
 * sodium_malloc'd string (free with sodium_free) or NULL after a message. */
char *cli_password(const char *prompt, int confirm, size_t *len);

/* The default keyring path (QASID_KEYRING, XDG_CONFIG_HOME, HOME), malloc'd,
 * or NULL after a message. */
char *cli_keyring_path(void);

/* Loads the trust the key options name into a new keyring: -p FILE,
 * -P STRING, -K KEYRING, or the default keyring. */
qasid_keyring *cli_trust(const char *pubfile, const char *pubstr,
    const char *ringfile, int *status);

/* A new reader of the keyring kr that keeps large manifests in $TMPDIR,
 * or NULL after a message. */
qasid_reader *cli_reader_new(const qasid_keyring *kr);

/* Progress on stderr when it is a terminal; a qasid_progress_fn that
 * always returns whether a stop signal came (cli_stop.c), so register it
 * even when nothing is drawn. */
int cli_progress(void *ud, uint64_t done, uint64_t total);

/* Installs fn for the n signals sigs (on), saving what was there in
 * before[n], or puts that back (off); ignored signals stay ignored. */
void cli_signals(const int *sigs, size_t n, void (*fn)(int),
    struct sigaction *before, int on);
/* While on, SIGINT, SIGTERM and SIGHUP only set a flag (cli_stop.c). */
void cli_catch_stop(int on);
int cli_stop_requested(void);
/* After a library call stopped by such a signal: "qasid: what:
 * interrupted; outcome", then dies of the signal. */
int cli_stopped(const char *what, const char *outcome);
void cli_progress_done(void);

/* A created time as "YYYY-MM-DD HH:MM:SS UTC", or as the number when no
 * date can show it (a forger may sign any value up to 2^63 - 1). */
void cli_time(int64_t created, char *buf, size_t len);

/* JSON string output. */
void cli_json_str(const char *s);

/* cli_media.c: warnings about the output's medium, before the password
 * prompt; a hint after running out of space. */
void cli_pack_media(qasid_packer *p, const char *out, const char *tmpdir);
void cli_pack_nospace_hint(void);
/* The largest file taken to fit on FAT32 (QASID_FAT32_MAX_FILE), 0: the
 * file system's own. */
uint64_t cli_fat_limit(void);
/* A size with an optional K, M or G (powers of 1024), as 4G or 700M;
 * not 0. 0, or -1. */
int cli_parse_size(const char *s, uint64_t *v);
/* With -v: the entries of the bundle at path, which has just verified. */
void cli_print_entries(qasid_keyring *kr, const char *path);
/* unpack --salvage: lists the files it could not recover on stdout. */
int cli_salvage(qasid_reader *r, const char *dir);
/* After a failed verify, what a recovery file beside the bundle says. */
void cli_rec_hint(const char *bundle);
int cmd_protect(int argc, char **argv);
int cmd_repair(int argc, char **argv);

/* Many bundles at once (cli_many.c). */
typedef int (*cli_bundle_fn)(void *ud, const char *path);
int cli_is_bundle(const char *path);
int cli_each_bundle(char **args, int nargs, int recursive, cli_bundle_fn fn,
    void *ud);
/* The same, but the bundles found in a folder come each series in order
 * of sequence, whatever their names and subfolders, so that a stick
 * keeping weeks 8 and 9 is not read as 9 and then an OLDER 8. Bundles
 * named one by one keep the order given. */
int cli_each_bundle_in_order(char **args, int nargs, int recursive,
    cli_bundle_fn fn, void *ud);
const char *cli_err_code(int rc);
void cli_json_error(const char *code, const char *msg, const char *bundle);
const char *cli_explain(const qasid_reader *r, const char *path, int rc,
    const char **code);
void cli_summary(const char *verb, unsigned ok, unsigned failed);

int cmd_keygen(int argc, char **argv);
/* Where keygen keeps a key's successor: SEC.next, and its public key
 * SEC.next.pub (pub 1), which pack commits to. Malloc'd; NULL if out of
 * memory. */
char *cli_next_path(const char *sec, int pub);
/* a, b and c joined, malloc'd; NULL if out of memory. */
char *cli_path3(const char *a, const char *b, const char *c);
/* SEC.keys: where key rotate keeps the statements bundles carry. */
char *cli_keys_folder(const char *sec);
/* cli_keytime.c: qasid key; trust import; statements in a .qasid-keys
 * folder beside a bundle taken before it is read; the successor a
 * verified bundle commits to, recorded. Changes are saved to the keyring
 * file cli_trust loaded (cli_keys_ringfile), if any: at once when the
 * command holds its lock (held), else applied again to the file's latest
 * contents under the lock. */
int cmd_key(int argc, char **argv);
int cli_trust_import(qasid_keyring *kr, char **files, int n);
void cli_keys_ringfile(const char *path, int held);
void cli_keys_beside(qasid_keyring *kr, const char *bundle);
/* After a read refused for an untrusted key: follows the statements the
 * bundle carries (FORMAT.md 17.3); 1 if the keyring learnt from them, so
 * that reading it again is worth it. */
int cli_keys_inside(qasid_keyring *kr, const char *bundle);
void cli_keys_note(qasid_keyring *kr, const qasid_reader *r);
/* copy: the statements in a .qasid-keys folder beside bundle that check
 * out, into DEST's .qasid-keys, so that the next recipient can follow the
 * publisher's keys as this one did; nothing there is replaced. */
void cli_keys_pass(const char *bundle, const char *dest);
int cmd_pack(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_unpack(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_trust(int argc, char **argv);
int cmd_copy(int argc, char **argv);
int cmd_catalog(int argc, char **argv);
int cmd_check(int argc, char **argv);

/* cli_seen.c: the record of bundles seen, and the verdict on each. A
 * bundle of the series CLI_NO_SERIES, as pack names one without -n, gets
 * none. */
#define CLI_NO_SERIES "default"
struct cli_seen {
	qasid_state *st;
	qasid_verdict v;
	char head[65];
	int judged, failed, allow_older, may_refuse;
	int retired;    /* a sequence above those seen, by a retired key */
	int late;       /* a compromised key's bundle not seen before its
	                 * revocation arrived */
	int forked;     /* NEW, but names as its previous another head than
	                 * the one seen of that sequence (FORMAT.md 17.2) */
	char prev_head[65];
	int has_expires, expired, allow_expired;
	int64_t expires;
	qasid_expiry exp;
};

/* Finds the record's folder; 0 or an exit status. */
int cli_seen_open(struct cli_seen *s, int allow_older, int allow_expired);
void cli_seen_close(struct cli_seen *s);
/* Judges the bundle r reads once its signature verified; may_refuse stops
 * an OLDER (without --allow-older) or EQUIVOCATION bundle there. */
void cli_seen_begin(struct cli_seen *s, qasid_reader *r, int may_refuse);
int cli_seen_check(void *ud, const qasid_info *in);
int cli_seen_refused(const struct cli_seen *s);
/* Why a bundle was refused (cli_seen_refused), without its name. */
void cli_seen_reason(const struct cli_seen *s, const qasid_info *in,
    char *buf, size_t len);
/* After the read (result rc): records it if record, tells the verdict.
 * The exit status it calls for, or -1 when there is no verdict. */
int cli_seen_end(struct cli_seen *s, const char *path, const qasid_info *in,
    int rc, int record);
/* Adds the verdict's fields to a --json object. */
void cli_seen_json(void);
/* The verdict at the end of an OK line, if there is one. */
void cli_seen_suffix(void);
/* list's line for the verdict, if there is one. */
void cli_seen_header(const qasid_info *in);

/*
 * cli_follow.c: reads the head of path on r as verify checks it, for the
 * mirror's commands: the statements in a .qasid-keys folder beside it
 * and, when its key is not trusted, those it carries are followed first,
 * so that a bundle of a key its publisher rotated to from a pinned one
 * counts as pinned; a retired, revoked or contradicted key's bundle is
 * refused. s, when it holds a record, judges the bundle by it and refuses
 * what verify refuses (open it with allow_older: a mirror keeps old
 * weeks). QASID_ERR_UNTRUSTED when kr pins no key of it.
 */
int cli_head_followed(qasid_keyring *kr, qasid_reader *r, const char *path,
    struct cli_seen *s);
/* A refusal by keys over time (retired, revoked, contradiction) or by the
 * record of bundles seen, rather than damage. */
int cli_key_refused(int rc);
/* The bundle failed its check (exit 1), rather than an error (exit 2). */
int cli_failed_check(int rc);
/* The first key of the rotations that led to keyid, as kr knows them
 * (keyid itself if none led to it): one publisher's bundles share it across
 * rotations, so that a series goes on from key to key. */
void cli_key_root(const qasid_keyring *kr, const char *keyid,
    char root[QASID_KEYID_HEX]);
/* Why path failed its read by r (rc) into buf, and its --json code: the
 * record's reason when s refused it, else the reader's (cli_explain). */
void cli_why_failed(const struct cli_seen *s, const qasid_reader *r,
    const char *path, int rc, const char **code, char *buf, size_t len);

/* pack -n: the publisher's record of what this key packed (cli_seen.c). */
struct cli_packed {
	struct cli_seen seen;
	qasid_packed before;  /* the sequence packed, if it was before */
	qasid_packed prev;    /* the one before it, if it was packed */
	int have_seq;         /* -N was given */
	int reuse;            /* --reuse-sequence */
};

int cli_packed_begin(struct cli_packed *pk, const qasid_seckey *sk,
    const char *series, uint64_t *seq, int64_t *created);
int cli_packed_end(struct cli_packed *pk, const qasid_seckey *sk,
    const char *out, const char *tmp);

/* cli_volume.c: a volume's part and the parts beside it, on one line
 * after label; and " (parts A-B)" for a set's file, into buf. */
void cli_volume_line(const char *label, const char *path,
    const qasid_info *in);
const char *cli_volume_parts(const qasid_entry *e, char *buf, size_t len);
/* After an unpack of a volume: prints the files it does not hold whole and
 * returns how many it does. */
uint64_t cli_volume_unpacked(qasid_reader *r);
/* Whether any bundle's head claims to be a volume; and unpack of a whole set
 * of volumes, all or nothing, returning the exit status. */
int cli_volume_any(char **paths, size_t n);
/* The files, folders and bytes a header shows: a volume's whole set's
 * (label " in the whole set"), else the bundle's own (label ""). */
struct cli_counts {
	uint64_t files, dirs, bytes;
	const char *label;
};
void cli_volume_counts(qasid_reader *r, struct cli_counts *n);
int cli_volume_unpack_set(qasid_keyring *kr, struct cli_seen *seen,
    const char *dir, char **paths, size_t n);
/* pack -n of a set written beside out as tmp: checks it against the
 * record (part 1 read back), records it, and gives each part its name,
 * replacing none unless force. Exit status; on failure no part of tmp is
 * left. */
int cli_volume_publish(struct cli_packed *pk, const qasid_seckey *sk,
    const char *out, const char *tmp, uint64_t count, int force);

#endif
