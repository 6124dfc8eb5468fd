/* SPDX-License-Identifier: ISC */
/*
 * cli_pack.c - qasid pack: options, the key, the series' next sequence,
 * volumes, and the bundle moved into place.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "cli.h"
#include "os.h"

#define OPT_PASSWORD_FILE 1000
#define OPT_JSON 1001
#define OPT_TMPDIR 1002
#define OPT_SCRUB 1003
#define OPT_KEEP_METADATA 1004
#define OPT_REUSE_SEQUENCE 1007
#define OPT_EXPIRES 1010
#define OPT_FORMAT 1040
#define OPT_VOLUME_SIZE 1160

static const struct option longopts[] = {
	{"password-file", required_argument, NULL, OPT_PASSWORD_FILE},
	{"json", no_argument, NULL, OPT_JSON},
	{"tmpdir", required_argument, NULL, OPT_TMPDIR},
	{"scrub", no_argument, NULL, OPT_SCRUB},
	{"keep-metadata", no_argument, NULL, OPT_KEEP_METADATA},
	{"expires", required_argument, NULL, OPT_EXPIRES},
	{"reuse-sequence", no_argument, NULL, OPT_REUSE_SEQUENCE},
	{"format", required_argument, NULL, OPT_FORMAT},
	{"volume-size", required_argument, NULL, OPT_VOLUME_SIZE},
	{"quiet", no_argument, NULL, 'q'},
	{"verbose", no_argument, NULL, 'v'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

static int
parse_u64(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	if (*s < '0' || *s > '9')
		return -1;
	*v = strtoull(s, &end, 10);
	return errno || *end ? -1 : 0;
}

/* A size with an optional K, M or G (powers of 1024), as 4G or 700M. */
int
cli_parse_size(const char *s, uint64_t *v)
{
	static const char units[] = "KMG";
	const char *u;
	char *end;
	int shift;

	errno = 0;
	if (*s < '0' || *s > '9')
		return -1;
	*v = strtoull(s, &end, 10);
	if (errno || *v == 0)
		return -1;
	if (*end == '\0')
		return 0;
	if (end[1] != '\0' || (u = strchr(units, end[0] & ~0x20)) == NULL ||
	    end[0] == '\0')
		return -1;
	shift = 10 * (int)(u - units + 1);
	if (*v > (UINT64_MAX >> shift))
		return -1;
	*v <<= shift;
	return 0;
}

/* With -v after pack: the new bundle's entries, read back. */
static void
print_signed_entries(const qasid_seckey *sk, const char *path)
{
	qasid_keyring *kr = qasid_keyring_new();
	qasid_pubkey *pk = qasid_pubkey_new();

	if (kr != NULL && pk != NULL && qasid_seckey_pubkey(sk, pk) == 0 &&
	    qasid_keyring_add(kr, pk, NULL) == QASID_OK)
		cli_print_entries(kr, path);
	qasid_pubkey_free(pk);
	qasid_keyring_free(kr);
}


static int
created_time(int64_t *t)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	uint64_t v;

	if (sde == NULL || *sde == '\0') {
		*t = (int64_t)time(NULL);
		return 0;
	}
	if (parse_u64(sde, &v) < 0 || v > INT64_MAX)
		return cli_fail("SOURCE_DATE_EPOCH: not a number of seconds");
	*t = (int64_t)v;
	return 0;
}

/*
 * --expires WHEN: a time after created (Nh, Nd or Nw), or a date in UTC
 * (YYYY-MM-DD, the end of that day, or YYYY-MM-DDTHH:MM:SSZ).
 */
static int
expires_time(const char *when, int64_t created, int64_t *t)
{
	static const char units[] = "hdw";
	static const int64_t secs[] = {3600, 86400, 7 * 86400};
	struct tm tm = {0};
	char unit, end;
	uint64_t n;
	int len = 0;

	if (sscanf(when, "%" SCNu64 "%c%c", &n, &unit, &end) == 2 &&
	    unit != '\0' && strchr(units, unit) != NULL && isdigit(
	    (unsigned char)when[0]) && n <= 1000000) {
		*t = created + (int64_t)n * secs[strchr(units, unit) - units];
		return 0;
	}
	if (sscanf(when, "%4d-%2d-%2d%n", &tm.tm_year, &tm.tm_mon,
	    &tm.tm_mday, &len) == 3 && len == 10 && (when[10] == '\0' ||
	    (sscanf(when + 10, "T%2d:%2d:%2dZ%n", &tm.tm_hour, &tm.tm_min,
	    &tm.tm_sec, &len) == 3 && len == 10 && when[20] == '\0'))) {
		int day_end = when[10] == '\0';
		struct tm check;
		time_t v;

		tm.tm_year -= 1900;
		tm.tm_mon -= 1;
		check = tm;
		v = timegm(&tm);
		if (v != (time_t)-1 && tm.tm_mday == check.tm_mday &&
		    tm.tm_mon == check.tm_mon && tm.tm_hour == check.tm_hour) {
			*t = (int64_t)v + (day_end ? 86399 : 0);
			return 0;
		}
	}
	return cli_fail("--expires %s: a time after it is made (30d, 12h, "
	    "2w) or a date in UTC (2026-12-31 or 2026-12-31T18:00:00Z)",
	    when);
}

/* Asks for the password, if the key has one, and loads the key. */
static int
load_seckey(qasid_seckey *sk, const char *path, int enc)
{
	char *pw = NULL;
	size_t len = 0;
	int rc;

	if (enc && (pw = cli_password("Password: ", 0, &len)) == NULL)
		return EXIT_OTHER;
	rc = qasid_seckey_load(sk, path, pw, len);
	if (pw)
		sodium_free(pw);
	return cli_result(rc, qasid_seckey_errmsg(sk));
}

struct packopts {
	const char *sec, *out, *title, *series, *tmpdir, *expires;
	uint64_t sequence, volume_size;
	unsigned threads, format;
	int force, meta, have_seq, reuse;
};

static int
pack_parse(int argc, char **argv, struct packopts *o)
{
	int64_t when;
	uint64_t v;
	int c;

	while ((c = getopt_long(argc, argv, "s:o:t:n:N:j:fqvh", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 's': o->sec = optarg; break;
		case 'o': o->out = optarg; break;
		case 't': o->title = optarg; break;
		case 'n': o->series = optarg; break;
		case 'f': o->force = 1; break;
		case OPT_TMPDIR: o->tmpdir = optarg; break;
		case OPT_SCRUB: o->meta = QASID_META_SCRUB; break;
		case OPT_KEEP_METADATA: o->meta = QASID_META_KEEP; break;
		case OPT_REUSE_SEQUENCE: o->reuse = 1; break;
		case OPT_EXPIRES:
			/* Checked now, worked out once created is known. */
			if (expires_time(optarg, 0, &when) != 0)
				return EXIT_OTHER;
			o->expires = optarg;
			break;
		case OPT_FORMAT:
			if (strcmp(optarg, "1") != 0 && strcmp(optarg, "2") != 0)
				return cli_fail("--format %s: bundle format 1 "
				    "or 2", optarg);
			o->format = (unsigned)(optarg[0] - '0');
			break;
		case OPT_VOLUME_SIZE:
			if (cli_parse_size(optarg, &o->volume_size) < 0)
				return cli_fail("--volume-size %s: a size in "
				    "bytes, or with K, M or G", optarg);
			break;
		case 'N':
			o->have_seq = 1;
			if (parse_u64(optarg, &o->sequence) < 0)
				return cli_fail("-N %s: not a sequence number",
				    optarg);
			break;
		case 'j':
			if (parse_u64(optarg, &v) < 0 || v > 64)
				return cli_fail("-j %s: threads from 0 (one "
				    "per CPU, at most 4) to 64", optarg);
			o->threads = (unsigned)v;
			break;
		case 'q': cli.quiet = 1; break;
		case 'v': cli.verbose = 1; break;
		case OPT_JSON: cli.json = 1; break;
		case OPT_PASSWORD_FILE: cli.password_file = optarg; break;
		default:
			return cli_usage("pack");
		}
	}
	if (o->sec == NULL || o->out == NULL || optind >= argc)
		return cli_usage("pack");
	return 0;
}

static const char *
meta_action(int action)
{
	return action == QASID_META_SCRUB ? "scrub" : action ==
	    QASID_META_KEEP ? "keep" : "refuse";
}

/* One file's metadata: refusals on stderr, the rest with -v or --json. */
static void
print_meta(void *ud, const qasid_meta_report *r)
{
	(void)ud;
	if (cli.json) {
		printf("{\"file\":");
		cli_json_str(r->path);
		printf(",\"type\":\"%s\",\"reveals\":", r->type);
		cli_json_str(r->reveals);
		printf(",\"other\":");
		cli_json_str(r->other);
		printf(",\"action\":\"%s\",\"removes\":",
		    meta_action(r->action));
		cli_json_str(r->action == QASID_META_SCRUB ? r->removes : "");
		printf("}\n");
	}
	if (r->action == QASID_META_REFUSE)
		cli_fail("%s: %s%s%s", r->path, r->reveals, *r->noscrub ?
		    "; cannot be scrubbed safely: " : "", *r->noscrub ?
		    r->noscrub : "");
	else if (cli.verbose && !cli.json && !cli.quiet)
		printf("%s: %s: %s%s%s; %s%s\n", cli_safe(r->path), r->type,
		    cli_safe(r->reveals), *r->reveals && *r->other ? "; " : "",
		    cli_safe(r->other), r->action == QASID_META_SCRUB ?
		    "removing " : "kept", r->action == QASID_META_SCRUB ?
		    r->removes : "");
}

/* Adds the files and checks their metadata, before any password. */
static int
pack_files(qasid_packer *p, const struct packopts *o, int argc, char **argv)
{
	int rc = o->title ? qasid_packer_set_title(p, o->title) : QASID_OK;

	if (rc == QASID_OK)
		rc = qasid_packer_set_series(p, o->series ? o->series :
		    CLI_NO_SERIES, o->sequence);
	for (int i = optind; rc == QASID_OK && i < argc; i++)
		rc = qasid_packer_add(p, argv[i]);
	qasid_packer_set_metadata(p, o->meta);
	if (rc == QASID_OK)
		rc = qasid_packer_check_metadata(p, print_meta, NULL);
	if (rc == QASID_ERR_METADATA) {
		cli_result(rc, qasid_packer_errmsg(p));
		cli_fail("pack --scrub removes identifying metadata; "
		    "--keep-metadata keeps it on purpose");
		return EXIT_OTHER;
	}
	return cli_result(rc, qasid_packer_errmsg(p));
}

/* Where pack -n writes before the record is checked: beside out. */
static char *
pack_tmp_name(const char *out)
{
	size_t n = strlen(out) + 32;
	char *t = malloc(n);

	if (t != NULL)
		snprintf(t, n, "%s.qasid-pack-%08x", out, randombytes_random());
	return t;
}

/* Gives tmp the name out, replacing it only with -f. */
static int
pack_rename(const char *tmp, const char *out, int force)
{
	if ((force ? qos_rename(tmp, out) : qrename_noreplace(QOS_AT_CWD, tmp,
	    QOS_AT_CWD, out)) == 0)
		return 0;
	return cli_fail("%s: %s", out, strerror(errno));
}

/* pack -n: the sequence checked against what this key packed before. */
static int
pack_series(qasid_packer *p, const qasid_seckey *sk, struct packopts *o,
    struct cli_packed *pk, int64_t *created)
{
	int status;

	/* Refused before anything is recorded, as pack would refuse it. */
	if (!o->force && qos_exists(o->out))
		return cli_fail("%s: file exists", o->out);
	pk->have_seq = o->have_seq;
	pk->reuse = o->reuse;
	if ((status = cli_packed_begin(pk, sk, o->series, &o->sequence,
	    created)) != 0)
		return status;
	qasid_packer_set_time(p, *created);
	if (pk->prev.found && qasid_packer_set_previous(p, o->sequence - 1,
	    pk->prev.head) != QASID_OK)
		return cli_fail("%s", qasid_packer_errmsg(p));
	return 0;
}

/* Bundles commit to the key's successor, SEC.next.pub beside SEC, when
 * keygen or key rotate made one, and carry the statements key rotate
 * keeps in SEC.keys (docs/FORMAT.md 17.3). */
static int
pack_next_key(qasid_packer *p, const char *sec)
{
	char *npub = cli_next_path(sec, 1), *keys = cli_keys_folder(sec);
	qasid_pubkey *next = qasid_pubkey_new();
	int status = 0, rc;

	if (npub == NULL || next == NULL || keys == NULL)
		status = cli_fail("out of memory");
	else if (qos_exists(keys) &&
	    (rc = qasid_packer_add_keys(p, keys)) != QASID_OK)
		status = cli_result(rc, qasid_packer_errmsg(p));
	else if (qos_exists(npub)) {
		if ((rc = qasid_pubkey_load(next, npub)) != QASID_OK)
			status = cli_result(rc, qasid_pubkey_errmsg(next));
		else
			qasid_packer_set_next_key(p, next);
	}
	qasid_pubkey_free(next);
	free(npub);
	free(keys);
	return status;
}

int
cmd_pack(int argc, char **argv)
{
	struct packopts o = {.sequence = 1, .format = QASID_FORMAT_VERSION};
	struct cli_packed pk = {0};
	qasid_seckey *sk;
	qasid_packer *p;
	int64_t created = 0;
	char *tmp = NULL;
	const char *out;
	int rc, status, enc;

	if ((status = pack_parse(argc, argv, &o)) != 0 ||
	    (status = created_time(&created)) != 0)
		return status;
	if ((sk = qasid_seckey_new()) == NULL)
		return cli_fail("out of memory");
	if ((p = qasid_packer_new(sk)) == NULL) {
		qasid_seckey_free(sk);
		return cli_fail("out of memory");
	}
	qasid_packer_set_time(p, created);
	qasid_packer_set_threads(p, o.threads);
	qasid_packer_set_format(p, o.format);
	qasid_packer_set_progress(p, cli_progress, NULL);
	if (o.tmpdir == NULL && (o.tmpdir = getenv("TMPDIR")) != NULL &&
	    *o.tmpdir == '\0')
		o.tmpdir = NULL;
	qasid_packer_set_tmpdir(p, o.tmpdir);
	qasid_packer_set_volume_size(p, o.volume_size);
	qasid_packer_set_fat_limit(p, cli_fat_limit());
	if ((status = pack_files(p, &o, argc, argv)) != 0)
		goto out;
	/* Warnings about the media come before the password prompt. */
	cli_pack_media(p, o.out, o.tmpdir);
	if ((enc = qasid_seckey_file_encrypted(sk, o.sec)) < 0) {
		status = cli_result(enc, qasid_seckey_errmsg(sk));
		goto out;
	}
	if ((status = load_seckey(sk, o.sec, enc)) != 0 ||
	    (status = pack_next_key(p, o.sec)) != 0)
		goto out;
	/* With -n the sequence is checked against this key's record. */
	if (o.series != NULL && ((status = pack_series(p, sk, &o, &pk,
	    &created)) != 0 || (tmp = pack_tmp_name(o.out)) == NULL)) {
		if (status == 0)
			status = cli_fail("out of memory");
		goto out;
	}
	if (o.series != NULL && (rc = qasid_packer_set_series(p, o.series,
	    o.sequence)) != QASID_OK) {
		status = cli_result(rc, qasid_packer_errmsg(p));
		goto out;
	}
	if (o.expires != NULL) {
		int64_t until;
		if ((status = expires_time(o.expires, created, &until)) != 0)
			goto out;
		qasid_packer_set_expires(p, until);
	}
	out = tmp ? tmp : o.out;
	cli_catch_stop(1);
	rc = qasid_packer_write(p, out, tmp ? 0 : o.force);
	cli_progress_done();
	if (rc != QASID_OK && cli_stop_requested())
		cli_stopped(o.out, "nothing was written");
	cli_catch_stop(0);
	status = cli_result(rc, qasid_packer_errmsg(p));
	if (rc == QASID_ERR_NOSPACE && o.tmpdir == NULL)
		cli_pack_nospace_hint();
	if (status == 0 && tmp != NULL && qasid_packer_volume_count(p) > 0)
		status = cli_volume_publish(&pk, sk, o.out, tmp,
		    qasid_packer_volume_count(p), o.force);
	else if (status == 0 && tmp != NULL &&
	    ((status = cli_packed_end(&pk, sk, o.out, tmp)) != 0 ||
	    (status = pack_rename(tmp, o.out, o.force)) != 0))
		qos_unlinkat(QOS_AT_CWD, tmp, 0);
	if (status == 0 && !cli.quiet && !cli.json &&
	    qasid_packer_volume_count(p) > 0)
		printf("packed %s as %" PRIu64 " volumes (.part1 to .part%"
		    PRIu64 ")%s\n", cli_safe(o.out), qasid_packer_volume_count(p),
		    qasid_packer_volume_count(p), o.volume_size == 0 ? ", split "
		    "to fit the output's file system" : "");
	else if (status == 0 && !cli.quiet && !cli.json)
		printf("packed %s\n", cli_safe(o.out));
	if (status == 0 && cli.verbose && !cli.quiet && !cli.json)
		print_signed_entries(sk, o.out);
out:
	free(tmp);
	cli_seen_close(&pk.seen);
	qasid_packer_free(p);
	qasid_seckey_free(sk);
	return status;
}
