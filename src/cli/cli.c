/* SPDX-License-Identifier: ISC */
/*
 * cli.c - the qasid command: dispatch, messages, keyrings, JSON and times;
 * passwords and the progress line are cli_term.c's.
 *
 * The tool is a thin layer over libqasid: parse the command line, call the
 * library, turn the result into one line and an exit status (0 success,
 * 1 verification failed, 2 anything else).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "os.h"
#include "paths.h"

struct cli cli;

/* --json: what a command that failed before printing any JSON says on
 * standard output instead (the first failure's message and its code). */
static struct {
	char msg[1024];
	const char *code;
	unsigned strs;             /* JSON strings printed so far */
} jfail;

/*
 * The one place that decides how untrusted text reaches a terminal: titles,
 * paths, key names, file names from the command line and messages that
 * quote them. Control characters, bidirectional controls and marks,
 * noncharacters and invalid UTF-8 are written as escapes, never as
 * themselves, so no name can move the cursor, erase a line or reorder
 * what is shown. ESC is "\x1b", U+202E "\u202e", U+1FFFE "\U0001fffe".
 */
static size_t
escape_one(const char *s, size_t len, char out[12], size_t *used)
{
	uint32_t c;
	size_t n = qu_utf8_next(s, len, &c);

	if (n == 0 || c < 0x80) {
		*used = 1;
		c = (unsigned char)s[0];
		/* A stray byte from 0x80 is CSI and the like to terminals in
		 * 8-bit modes: escaped too. */
		if (c >= 0x20 && c < 0x7f) {
			out[0] = (char)c;
			return 1;
		}
		return (size_t)snprintf(out, 12, "\\x%02x", (unsigned)c);
	}
	*used = n;
	if (qu_cp_unsafe(c) == NULL) {
		memcpy(out, s, n);
		return n;
	}
	return (size_t)snprintf(out, 12, c > 0xffff ? "\\U%08x" : "\\u%04x",
	    (unsigned)c);
}

void
cli_puts(FILE *f, const char *s)
{
	size_t len = strlen(s), off, used, n;
	char e[12];

	for (off = 0; off < len; off += used) {
		n = escape_one(s + off, len - off, e, &used);
		fwrite(e, 1, n, f);
	}
}

const char *
cli_safe(const char *s)
{
	/* Enough for the arguments of one printf; a string is cut short
	 * (and says so) rather than overflow. */
	static char ring[6][16384];
	static unsigned next;
	char *buf = ring[next++ % 6], e[12];
	size_t len = strlen(s), off, used, n, w = 0;

	for (off = 0; off < len; off += used) {
		n = escape_one(s + off, len - off, e, &used);
		if (w + n + 4 > sizeof(ring[0])) {
			memcpy(buf + w, "...", 3);
			w += 3;
			break;
		}
		memcpy(buf + w, e, n);
		w += n;
	}
	buf[w] = '\0';
	return buf;
}

int
cli_fail(const char *fmt, ...)
{
	char msg[9000];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (jfail.msg[0] == '\0')
		snprintf(jfail.msg, sizeof(jfail.msg), "%.1000s", msg);
	/* One line, whatever a file name holds. */
	cli_progress_done();
	fputs("qasid: ", stderr);
	cli_puts(stderr, msg);
	fputc('\n', stderr);
	return EXIT_OTHER;
}

int
cli_result(int rc, const char *msg)
{
	if (rc == QASID_OK)
		return 0;
	cli_fail("%s", msg && *msg ? msg : qasid_strerror(rc));
	return qasid_err_is_verification(rc) ? EXIT_VERIFY : EXIT_OTHER;
}

#define KEYOPTS \
	"  -p PUBKEY      trust this minisign public-key file\n" \
	"  -P KEYSTRING   trust this public key (base64, as minisign -P)\n" \
	"  -K KEYRING     trust the keys of this keyring (default: QASID_KEYRING,\n" \
	"                 else $XDG_CONFIG_HOME/qasid/trusted)\n" \
	"  --allow-older  accept a bundle older than one seen of its series\n" \
	"  --allow-expired  accept a bundle past the expires its publisher\n" \
	"                 signed; dangerous: an expired bundle played back is\n" \
	"                 what an attacker who holds old ones sends\n"
#define COMMONOPTS \
	"  -q, --quiet    print only what was asked for\n" \
	"  -v, --verbose  also list the entries\n"

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *synopsis;
	const char *about;
	const char *options;
} commands[] = {
	{"keygen", cmd_keygen, "keygen -p PUBKEY -s SECKEY [-W] [-f]",
	    "make a publisher's key pair (minisign format)",
	    "  -p PUBKEY      where to write the public key\n"
	    "  -s SECKEY      where to write the secret key (mode 0600)\n"
	    "  -W             no password (default: ask for one)\n"
	    "  -f             overwrite existing key files\n"
	    "  --password-file FILE  the password is FILE's first line\n"
	    "  -q, --quiet    print nothing on success\n"},
	{"pack", cmd_pack, "pack -s SECKEY -o BUNDLE [-t TITLE] [-n SERIES] "
	    "[-N SEQUENCE] [--reuse-sequence] [--expires WHEN] [-j THREADS] [-f] [--tmpdir DIR] "
	    "[--volume-size SIZE] [--scrub | --keep-metadata] PATH...",
	    "sign and pack files and folders into a bundle",
	    "  -s SECKEY      the publisher's secret key\n"
	    "  -o BUNDLE      the bundle to write\n"
	    "  -t TITLE       the bundle's title (UTF-8)\n"
	    "  -n SERIES      series name (default \"default\": no series)\n"
	    "  -N SEQUENCE    number within the series (default: with -n, the\n"
	    "                 next this key packed, else 1)\n"
	    "  --reuse-sequence  pack other content under a -N packed before;\n"
	    "                 dangerous: two bundles with one sequence are an\n"
	    "                 EQUIVOCATION every recipient of both refuses\n"
	    "  --expires WHEN  recipients refuse it after WHEN: 30d, 12h or 2w\n"
	    "                 after it is made, or a UTC date (2026-12-31, or\n"
	    "                 2026-12-31T18:00:00Z) (default: never)\n"
	    "  -j THREADS     compression threads (default: one per CPU, at most 4)\n"
	    "  --format 1     a bundle qasid before format 2 reads (default 2)\n"
	    "  --volume-size SIZE  a set of volumes BUNDLE.part1.qasid and on,\n"
	    "                 each at most SIZE bytes (K, M, G: 4095M for FAT32)\n"
	    "  -f             overwrite an existing bundle\n"
	    "  --tmpdir DIR   keep the compressed body there while signing\n"
	    "                 (default: $TMPDIR, else beside the bundle)\n"
	    "  --scrub        carry copies without identifying metadata (GPS,\n"
	    "                 serial numbers, names); the originals stay as they are\n"
	    "  --keep-metadata  carry it on purpose (default: refuse to pack)\n"
	    "  --password-file FILE  the key's password is FILE's first line\n"
	    COMMONOPTS},
	{"verify", cmd_verify, "verify [-p PUBKEY | -P KEYSTRING | -K KEYRING] "
	    "[-r] [--integrity] [--json] BUNDLE|DIR...",
	    "check bundles completely",
	    "  -r             also the bundles in subfolders of DIR\n"
	    "  --integrity    check all but who signed, with no keys\n"
	    KEYOPTS "  --json         one JSON object per bundle\n" COMMONOPTS},
	{"unpack", cmd_unpack, "unpack [-p PUBKEY | -P KEYSTRING | -K KEYRING] "
	    "[--salvage] [--keep-local] -C DIR BUNDLE...", "verify and unpack "
	    "bundles, each all or nothing",
	    "  -C DIR         unpack into DIR (made if missing), or update the\n"
	    "                 earlier sequence of the series unpacked there\n"
	    "  --keep-local   keep files changed in DIR as NAME.local, and\n"
	    "                 update\n"
	    "  --salvage      of a damaged bundle, unpack only the files that\n"
	    "                 match their signed hashes (exit 1: incomplete)\n"
	    KEYOPTS
	    COMMONOPTS},
	{"protect", cmd_protect, "protect [--redundancy PCT] [-p PUBKEY | "
	    "-P KEYSTRING | -K KEYRING] BUNDLE...", "verify a bundle (or each "
	    "volume of a set), then write recovery data beside it (BUNDLE-rec)",
	    "  --redundancy PCT  parity, 1-50% of the bundle (default 5)\n"
	    KEYOPTS "  -q, --quiet    print nothing on success\n"},
	{"repair", cmd_repair, "repair [-p PUBKEY | -P KEYSTRING | -K KEYRING] "
	    "BUNDLE...", "rebuild a damaged bundle (or volume) from BUNDLE-rec, "
	    "verify it, replace it",
	    KEYOPTS "  -q, --quiet    print nothing on success\n"},
	{"list", cmd_list, "list [-p PUBKEY | -P KEYSTRING | -K KEYRING] "
	    "[-r] [--json] BUNDLE|DIR...", "show bundles' manifests without "
	    "unpacking", "  -r             also the bundles in subfolders of "
	    "DIR\n" KEYOPTS "  --json         one JSON object per bundle\n"},
	{"key", cmd_key, "key rotate -s SECKEY -p PUBKEY [--compromised] "
	    "[-o DIR] | key revoke -s SECKEY -p PUBKEY -o FILE "
	    "[--compromised[=SERIES/N]] | key show FILE",
	    "rotate to a key's successor, revoke a key, show a key or statement",
	    "  -s SECKEY      the key that signs: for rotate, the current key\n"
	    "                 (its successor SECKEY.next signs too); for revoke,\n"
	    "                 the key revoked or its successor\n"
	    "  -p PUBKEY      the current public key; for revoke, the one revoked\n"
	    "  -o DIR|FILE    rotate: where the statement goes (default\n"
	    "                 .qasid-keys); revoke: the statement to write\n"
	    "  --compromised  the key was stolen; =SERIES/N: bundles up to N\n"
	    "                 of SERIES stay good\n"
	    "  --password-file FILE  the keys' password is FILE's first line\n"
	    "  -q, --quiet    print nothing on success\n"},
	{"trust", cmd_trust, "trust add PUBKEY [-n NAME] | trust list [--json] "
	    "| trust remove KEYID|PUBKEY | trust show PUBKEY | trust import "
	    "STATEMENT...  [-K KEYRING]",
	    "manage the keyring of trusted publisher keys",
	    "  -n NAME        a name for the key (trust add)\n"
	    "  -K KEYRING     the keyring (default: QASID_KEYRING, else\n"
	    "                 $XDG_CONFIG_HOME/qasid/trusted)\n"
	    "  --json         one JSON object per key (trust list)\n"
	    "  -q, --quiet    print nothing on success\n"},
	{"copy", cmd_copy, "copy [-p PUBKEY | -P KEYSTRING | -K KEYRING] [-r] "
	    "[--latest] [--plan] [--rename] [--key KEYID] [--series SERIES] "
	    "[--since YYYY-MM-DD] [--sticks SIZES] [--json] SRC... DEST",
	    "copy bundles to a stick, verified, read back and verified again",
	    "  -r             also the bundles in subfolders of SRC\n"
	    "  --latest       only the newest of each series that verifies\n"
	    "  --plan         say what would be copied and the space; copy "
	    "nothing\n"
	    "  --sticks SIZES with --plan: spread what would be copied over\n"
	    "                 sticks of these sizes (8G,8G,16G), parts in order\n"
	    "  --rename       name copies SERIES-SEQUENCE.qasid\n"
	    "  --key KEYID    only bundles of this key\n"
	    "  --series S     only bundles of this series\n"
	    "  --since DATE   only bundles created on or after DATE\n"
	    "  --json         one JSON object per bundle, then a summary\n"
	    KEYOPTS "  -q, --quiet    print only failures\n"},
	{"catalog", cmd_catalog, "catalog [-K KEYRING] DIR",
	    "write DIR/catalog.json and DIR/index.html from the bundles' heads",
	    "  -K KEYRING     the keyring (default: QASID_KEYRING, else\n"
	    "                 $XDG_CONFIG_HOME/qasid/trusted)\n"
	    "  -q, --quiet    print nothing on success\n"},
	{"check", cmd_check, "check [-K KEYRING] [--json] DIR",
	    "check a stick: every bundle read from the medium, duplicates, "
	    "leftovers, free space",
	    "  -K KEYRING     the keyring (default: QASID_KEYRING, else\n"
	    "                 $XDG_CONFIG_HOME/qasid/trusted)\n"
	    "  --json         one JSON object per bundle, then a summary\n"
	    "  -q, --quiet    print only problems and the summary\n"},
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

int
cli_usage(const char *cmd)
{
	for (size_t i = 0; i < NCOMMANDS; i++) {
		if (cmd != NULL && strcmp(cmd, commands[i].name) != 0)
			continue;
		fprintf(stderr, "usage: qasid %s\n", commands[i].synopsis);
		if (jfail.code == NULL)
			jfail.code = "usage";
		if (jfail.msg[0] == '\0')
			snprintf(jfail.msg, sizeof(jfail.msg), "usage: qasid %s",
			    commands[i].synopsis);
	}
	return EXIT_OTHER;
}

void
cli_fail_code(const char *code)
{
	if (jfail.code == NULL)
		jfail.code = code;
}

/* --json anywhere before "--": known before the options are parsed, so
 * that a bad option still gets its JSON. */
static int
wants_json(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--json") == 0)
			return 1;
	return 0;
}

/*
 * Runs a command. With --json, standard output is JSON even when the
 * command fails before it reads a bundle (a bad option, a missing file, an
 * unreadable keyring): {"ok":false,"error":{"code":..,"message":..,
 * "bundle":null}}.
 */
static int
run_command(size_t i, int argc, char **argv)
{
	int json = wants_json(argc, argv), status;

	status = commands[i].fn(argc, argv);
	if (!json || status == 0 || jfail.strs > 0)
		return status;
	printf("{\"ok\":false,\"error\":{\"code\":\"%s\",\"message\":",
	    jfail.code != NULL ? jfail.code : "failed");
	cli_json_str(jfail.msg[0] ? jfail.msg : "failed");
	printf(",\"bundle\":null}}\n");
	return status;
}

static void
help(FILE *f)
{
	fprintf(f, "qasid %s - signed, compressed bundles for carrying by "
	    "hand\n\nusage: qasid COMMAND [OPTIONS]\n\n", qasid_version());
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].about);
	fprintf(f, "\n  qasid help COMMAND   options of one command\n"
	    "  qasid --version\n\nExit status: 0 success, 1 verification "
	    "failed, 2 any other error. See qasid(1).\n");
}

/* Edit distance counting a swap of neighbours as one edit, for "did you
 * mean" after a typo. */
static size_t
distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), d[32][32];

	if (la >= 32 || lb >= 32)
		return 99;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			size_t best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			if (d[i - 1][j] + 1 < best)
				best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	}
	return d[la][lb];
}

static int
unknown_command(const char *name)
{
	size_t best = 99, at = 0;

	for (size_t i = 0; i < NCOMMANDS; i++) {
		size_t d = distance(name, commands[i].name);
		if (d < best) {
			best = d;
			at = i;
		}
	}
	if (best <= 2)
		return cli_fail("%s: unknown command; did you mean '%s'?", name,
		    commands[at].name);
	return cli_fail("%s: unknown command; try 'qasid help'", name);
}

/*
 * The library needs a UTF-8 locale (C.UTF-8) for non-ASCII names. A qasid
 * carried on a stick to a system without one can carry it too: a folder
 * "locale" beside the binary, holding C.utf8/, is used when there.
 */
static void
locale_beside_binary(void)
{
	char path[4096], *slash;
	int fd;

	if (getenv("LOCPATH") != NULL)
		return;
	if (qos_exe_path(path, sizeof(path) - 32) < 0 ||
	    (slash = strrchr(path, '/')) == NULL)
		return;
	snprintf(slash + 1, sizeof(path) - (size_t)(slash + 1 - path),
	    "locale/C.utf8/LC_CTYPE");
	if ((fd = qos_open(path, QOS_READ, 0)) < 0)
		return;
	qos_close(fd);
	slash[sizeof("/locale") - 1] = '\0';
	setenv("LOCPATH", path, 0);
}

static int
help_command(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++) {
		if (strcmp(name, commands[i].name) == 0) {
			printf("usage: qasid %s\n\n%s\n\n%s\nSee qasid(1).\n",
			    commands[i].synopsis, commands[i].about,
			    commands[i].options);
			return 0;
		}
	}
	return unknown_command(name);
}

int
main(int argc, char **argv)
{
	qos_main_args(&argc, &argv);
	locale_beside_binary();
	if (qasid_init() != QASID_OK)
		return cli_fail("cannot initialise libsodium");
	if (argc < 2) {
		help(stderr);
		return EXIT_OTHER;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("qasid %s (bundle format %d)\n", qasid_version(),
		    QASID_FORMAT_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		if (argc > 2)
			return help_command(argv[2]);
		help(stdout);
		return 0;
	}
	if (argc == 3 && (strcmp(argv[2], "--help") == 0 ||
	    strcmp(argv[2], "-h") == 0))
		return help_command(argv[1]);
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return run_command(i, argc - 1, argv + 1);
	return unknown_command(argv[1]);
}

/* ---- Keyrings ----------------------------------------------------------- */

qasid_reader *
cli_reader_new(const qasid_keyring *kr)
{
	const char *tmp = getenv("TMPDIR");
	qasid_reader *r = qasid_reader_new(kr);

	if (r == NULL) {
		cli_fail("out of memory");
		return NULL;
	}
	qasid_reader_set_tmpdir(r, tmp != NULL && *tmp != '\0' ? tmp : NULL);
	return r;
}

char *
cli_keyring_path(void)
{
	const char *env = getenv("QASID_KEYRING"), *base;
	char *path;
	size_t n;

	if (env != NULL && *env != '\0')
		return strdup(env);
	if ((base = getenv("XDG_CONFIG_HOME")) != NULL && *base == '/') {
		n = strlen(base) + 32;
		if ((path = malloc(n)) != NULL)
			snprintf(path, n, "%s/qasid/trusted", base);
		return path;
	}
	if ((base = getenv("HOME")) == NULL || *base == '\0') {
		cli_fail("no keyring: set QASID_KEYRING, XDG_CONFIG_HOME or "
		    "HOME, or name keys with -p, -P or -K");
		return NULL;
	}
	n = strlen(base) + 32;
	if ((path = malloc(n)) != NULL)
		snprintf(path, n, "%s/.config/qasid/trusted", base);
	return path;
}

qasid_keyring *
cli_trust(const char *pubfile, const char *pubstr, const char *ringfile,
    int *status)
{
	qasid_keyring *kr = qasid_keyring_new();
	qasid_pubkey *pk = qasid_pubkey_new();
	char *def = NULL;
	int rc;

	*status = EXIT_OTHER;
	if (kr == NULL || pk == NULL) {
		cli_fail("out of memory");
		goto fail;
	}
	if (pubfile != NULL || pubstr != NULL) {
		rc = pubfile ? qasid_pubkey_load(pk, pubfile) :
		    qasid_pubkey_parse(pk, pubstr);
		if (rc != QASID_OK) {
			*status = cli_result(rc, qasid_pubkey_errmsg(pk));
			goto fail;
		}
		qasid_keyring_add(kr, pk, pubfile ? pubfile : "");
	} else {
		if (ringfile == NULL && (ringfile = def = cli_keyring_path()) ==
		    NULL)
			goto fail;
		if ((rc = qasid_keyring_load(kr, ringfile)) != QASID_OK) {
			*status = cli_result(rc, qasid_keyring_errmsg(kr));
			goto fail;
		}
		/* What statements and bundles teach it is kept there. */
		cli_keys_ringfile(ringfile, 0);
	}
	free(def);
	qasid_pubkey_free(pk);
	*status = 0;
	return kr;
fail:
	free(def);
	qasid_pubkey_free(pk);
	qasid_keyring_free(kr);
	return NULL;
}

void
cli_json_str(const char *s)
{
	size_t len = strlen(s), off, n;
	uint32_t c;

	jfail.strs++;
	putchar('"');
	for (off = 0; off < len; off += n) {
		if ((n = qu_utf8_next(s + off, len - off, &c)) == 0) {
			c = (unsigned char)s[off];	/* as Latin-1: still JSON */
			n = 1;
		}
		if (c == '"' || c == '\\')
			printf("\\%c", (int)c);
		else if (c > 0xffff && qu_cp_unsafe(c) != NULL)
			printf("\\u%04x\\u%04x", 0xd800 + ((c - 0x10000) >> 10),
			    0xdc00 + (c & 0x3ff));
		else if (qu_cp_unsafe(c) != NULL || (c >= 0x80 && n == 1))
			printf("\\u%04x", (unsigned)c);
		else
			fwrite(s + off, 1, n, stdout);
	}
	putchar('"');
}

/* A created time as a date, or as the number when no date can show it: a
 * forger may sign any value up to 2^63 - 1. */
void
cli_time(int64_t created, char *buf, size_t len)
{
	time_t t = (time_t)created;
	struct tm tm;

	if ((int64_t)t != created || gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(buf, len, "%" PRId64 " (not a date)", created);
}
