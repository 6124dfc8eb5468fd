/* SPDX-License-Identifier: ISC */
/*
 * cli_bundle.c - qasid verify, unpack and list.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cli.h"
#include "os.h"

#define OPT_PASSWORD_FILE 1000
#define OPT_JSON 1001
#define OPT_SALVAGE 1005
#define OPT_ALLOW_OLDER 1006
#define OPT_INTEGRITY 1008
#define OPT_KEEP_LOCAL 1009
#define OPT_ALLOW_EXPIRED 1011

/* --allow-older: accept a bundle older than one seen; --allow-expired, one
 * past its expires (cli_seen.c). */
static int allow_older, allow_expired;

static const struct option longopts[] = {
	{"password-file", required_argument, NULL, OPT_PASSWORD_FILE},
	{"json", no_argument, NULL, OPT_JSON},
	{"salvage", no_argument, NULL, OPT_SALVAGE},
	{"allow-older", no_argument, NULL, OPT_ALLOW_OLDER},
	{"allow-expired", no_argument, NULL, OPT_ALLOW_EXPIRED},
	{"integrity", no_argument, NULL, OPT_INTEGRITY},
	{"keep-local", no_argument, NULL, OPT_KEEP_LOCAL},
	{"quiet", no_argument, NULL, 'q'},
	{"verbose", no_argument, NULL, 'v'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

/* -r: verify and list walk subfolders too. --integrity: verify checks
 * all but who signed, with no keys. */
static int recursive, integrity;

/* The trust options verify, unpack and list share. */
struct keyopts {
	const char *pubfile, *pubstr, *ring;
};

static int
common_opt(int c, struct keyopts *k)
{
	switch (c) {
	case 'p': k->pubfile = optarg; return 1;
	case 'P': k->pubstr = optarg; return 1;
	case 'K': k->ring = optarg; return 1;
	case 'q': cli.quiet = 1; return 1;
	case 'v': cli.verbose = 1; return 1;
	case OPT_JSON: cli.json = 1; return 1;
	case OPT_PASSWORD_FILE: cli.password_file = optarg; return 1;
	case OPT_ALLOW_OLDER: allow_older = 1; return 1;
	case OPT_ALLOW_EXPIRED: allow_expired = 1; return 1;
	default: return 0;
	}
}

static int
print_path(void *ud, const qasid_entry *e)
{
	(void)ud;
	printf("  %s%s\n", cli_safe(e->path), e->is_dir ? "/" : "");
	return 0;
}

/* With -v: the entries of a bundle that has just verified. */
void
cli_print_entries(qasid_keyring *kr, const char *path)
{
	qasid_reader *r = cli_reader_new(kr);

	if (r != NULL && qasid_reader_open(r, path) == QASID_OK)
		qasid_reader_list(r, 1, print_path, NULL);
	qasid_reader_free(r);
}

/* ---- verify, unpack, list ----------------------------------------------- */

static void
print_claims_json(qasid_reader *r)
{
	const qasid_info *in = qasid_reader_info(r);
	struct cli_counts n;

	cli_volume_counts(r, &n);
	printf(",\"title\":");
	cli_json_str(in->title);
	printf(",\"keyid\":\"%s\",\"fingerprint\":\"%s\",\"signer\":",
	    in->keyid, in->fingerprint);
	cli_json_str(in->signer ? in->signer : "");
	printf(",\"series\":");
	cli_json_str(in->series);
	printf(",\"sequence\":%" PRIu64 ",\"created\":%" PRId64 ",\"files\":%"
	    PRIu64 ",\"dirs\":%" PRIu64 ",\"bytes\":%" PRIu64, in->sequence,
	    in->created, n.files, n.dirs, n.bytes);
	/* A volume's counts are its whole set's, as the text says. */
	if (in->volume_part > 0)
		printf(",\"volume\":{\"set\":\"%s\",\"part\":%" PRIu64
		    ",\"parts\":%" PRIu64 ",\"counts\":\"%s\"}", in->volume_set,
		    in->volume_part, in->volume_count, *n.label ? "set" :
		    "volume");
	/* Format 2: the successor the signer committed to, or null. */
	printf(",\"format\":%d,\"next_key\":", in->format);
	if (in->next_key[0] != '\0')
		printf("\"%s\"", in->next_key);
	else
		printf("null");
}

/* One line of verify --json: "verified" is "ok" (all checked, signer
 * trusted); what an unverified bundle claims is still given. */
static void
print_info_json(const char *path, qasid_reader *r, int rc,
    const char *code, const char *err)
{
	const qasid_info *in = qasid_reader_info(r);

	printf("{\"bundle\":");
	cli_json_str(path);
	printf(",\"ok\":%s,\"verified\":%s", rc == QASID_OK ? "true" :
	    "false", rc == QASID_OK && in->signature_ok ? "true" : "false");
	if (integrity)
		printf(",\"check\":\"integrity\"");
	if (rc != QASID_OK) {
		printf(",\"error\":");
		cli_json_error(code, err, path);
	}
	if (in->format) {
		print_claims_json(r);
		cli_seen_json();
	}
	printf("}\n");
}

static void
print_ok(const char *path, qasid_reader *r)
{
	const qasid_info *in = qasid_reader_info(r);
	struct cli_counts n;

	cli_volume_counts(r, &n);
	/* Keys sharing an id are told apart by fingerprint only. */
	printf("%s: OK \"%s\" key %s%s%s%s%s%s series %s/%" PRIu64 ", %"
	    PRIu64 " files, %" PRIu64 " bytes%s", cli_safe(path),
	    cli_safe(in->title), in->keyid, *in->signer ? " (" : "",
	    cli_safe(in->signer), *in->signer ? ")" : "",
	    in->keyid_shared ? " fingerprint " : "",
	    in->keyid_shared ? in->fingerprint : "",
	    in->series, in->sequence, n.files, n.bytes, n.label);
	cli_seen_suffix();
	printf("\n");
}

static int salvage_opt; /* unpack --salvage */
static int keep_local;  /* unpack --keep-local */

/* verify --integrity: all checked but the signer, so the key is only
 * the one the bundle claims. */
static void
print_intact(const char *path, qasid_reader *r)
{
	const qasid_info *in = qasid_reader_info(r);
	struct cli_counts n;

	cli_volume_counts(r, &n);
	printf("%s: intact, signer not checked (key %s) \"%s\" series %s/%"
	    PRIu64 ", %" PRIu64 " files, %" PRIu64 " bytes%s\n",
	    cli_safe(path), in->keyid, cli_safe(in->title),
	    cli_safe(in->series), in->sequence, n.files, n.bytes, n.label);
}

static int
keyopt_parse(int argc, char **argv, const char *cmd, const char *extra,
    struct keyopts *k, const char **dir)
{
	char optstr[32];
	int c;

	snprintf(optstr, sizeof(optstr), "p:P:K:qvh%s", extra);
	while ((c = getopt_long(argc, argv, optstr, longopts, NULL)) != -1) {
		if (c == 'C' && dir != NULL)
			*dir = optarg;
		else if (c == OPT_SALVAGE && dir != NULL)
			salvage_opt = 1;
		else if (c == OPT_KEEP_LOCAL && dir != NULL)
			keep_local = 1;
		else if (c == 'r')
			recursive = 1;
		else if (c == OPT_INTEGRITY && strcmp(cmd, "verify") == 0)
			integrity = 1;
		else if (!common_opt(c, k))
			return cli_usage(cmd);
	}
	if (!!k->pubfile + !!k->pubstr + !!k->ring > 1)
		return cli_fail("%s: give one of -p, -P and -K", cmd);
	return 0;
}

/* What verify, list and unpack keep across the bundles of one run. */
struct many {
	qasid_keyring *kr;
	const char *dir;
	unsigned ok, failed;
	struct cli_seen seen;   /* the verdict on each bundle (cli_seen.c) */
	int vs;                 /* the exit status the verdict calls for */
};

/* Untrusted: what the bundle claims, read from its head unverified. */
static void
read_claims(qasid_reader *r, const char *path)
{
	if (qasid_reader_info(r)->format == 0 &&
	    qasid_reader_open(r, path) == QASID_OK)
		(void)qasid_reader_list(r, 0, NULL, NULL);
}

/* The status of one bundle's failure, said on stderr or in JSON. */
static int
many_result(struct many *m, qasid_reader *r, const char *path, int rc)
{
	const char *code;
	char msg[1024];
	int status;

	/* Kept: reading the claims below resets the reader's message. A
	 * salvage's own message already says what is incomplete. */
	if (salvage_opt) {
		code = cli_err_code(rc);
		snprintf(msg, sizeof(msg), "%s", qasid_reader_errmsg(r));
	} else {
		snprintf(msg, sizeof(msg), "%s%s", cli_explain(r, path, rc,
		    &code), rc == QASID_ERR_LOCAL ? "; --keep-local keeps "
		    "your versions as NAME.local and updates" : "");
	}
	if (rc == QASID_OK) {
		m->ok++;
		return m->vs > 0 ? m->vs : 0;
	}
	m->failed++;
	status = qasid_err_is_verification(rc) ? EXIT_VERIFY : EXIT_OTHER;
	/* A bundle the record refuses: cli_seen_end said why. */
	if (rc == QASID_ERR_REFUSED)
		status = m->vs > 0 ? m->vs : EXIT_VERIFY;
	else if (!cli.json)
		(void)cli_result(rc, msg);
	if (rc != QASID_OK && !cli.json && qasid_err_is_verification(rc))
		cli_rec_hint(path);
	if (rc == QASID_ERR_UNTRUSTED)
		read_claims(r, path);
	if (cli.json)
		print_info_json(path, r, rc, code, msg);
	return status;
}

static int
verify_one(void *ud, const char *path)
{
	struct many *m = ud;
	qasid_reader *r;
	int rc, status;

	if (!integrity)
		cli_keys_beside(m->kr, path);
	if ((r = cli_reader_new(m->kr)) == NULL)
		return EXIT_OTHER;
	qasid_reader_set_progress(r, cli_progress, NULL);
	if (!integrity)
		cli_seen_begin(&m->seen, r, 1);
	cli_catch_stop(1);
	rc = qasid_reader_open(r, path);
	if (rc == QASID_OK)
		rc = integrity ? qasid_reader_verify_integrity(r) :
		    qasid_reader_verify(r);
	if (rc == QASID_ERR_UNTRUSTED && !integrity &&
	    cli_keys_inside(m->kr, path) &&
	    (rc = qasid_reader_open(r, path)) == QASID_OK)
		rc = qasid_reader_verify(r);
	cli_progress_done();
	if (rc != QASID_OK && cli_stop_requested())
		cli_stopped(path, "not verified");
	cli_catch_stop(0);
	m->vs = integrity ? -1 : cli_seen_end(&m->seen, path,
	    qasid_reader_info(r), rc, 1);
	if ((rc == QASID_OK || rc == QASID_ERR_CONTRADICTION) && !integrity)
		cli_keys_note(m->kr, r);
	if (rc == QASID_OK && cli.json)
		print_info_json(path, r, rc, "", "");
	if (rc == QASID_OK && !cli.json && !cli.quiet && integrity)
		print_intact(path, r);
	else if (rc == QASID_OK && !cli.json && !cli.quiet)
		print_ok(path, r);
	if (rc == QASID_OK && !cli.json && !cli.quiet)
		cli_volume_line("  ", path, qasid_reader_info(r));
	if (rc == QASID_OK && !cli.json && cli.verbose && !integrity)
		cli_print_entries(m->kr, path);
	status = many_result(m, r, path, rc);
	qasid_reader_free(r);
	return status;
}

/* Several bundles, or any folder, end with a summary line. */
static int
many_run(int argc, char **argv, struct many *m, cli_bundle_fn fn,
    const char *verb)
{
	struct qos_stat st;
	int worst, summary = argc - optind > 1;

	for (int i = optind; i < argc; i++)
		if (qos_statat(QOS_AT_CWD, argv[i], &st, 0) == 0 &&
		    st.kind == QOS_DIR)
			summary = 1;
	worst = cli_each_bundle_in_order(argv + optind, argc - optind,
	    recursive, fn, m);
	/* Folders with no bundle in them: nothing was checked. */
	if (m->ok + m->failed == 0 && worst == 0) {
		for (int i = optind; i < argc; i++)
			cli_fail("%s: no bundles in it%s", argv[i], recursive ?
			    "" : " (-r also looks in its subfolders)");
		return EXIT_OTHER;
	}
	if (summary)
		cli_summary(verb, m->ok, m->failed);
	return worst;
}

int
cmd_verify(int argc, char **argv)
{
	struct keyopts k = {0};
	struct many m = {0};
	int status;

	if ((status = keyopt_parse(argc, argv, "verify", "r", &k, NULL)) != 0)
		return status;
	if (optind >= argc)
		return cli_usage("verify");
	if (integrity && (k.pubfile || k.pubstr || k.ring))
		return cli_fail("verify: --integrity checks no signer: give "
		    "no -p, -P or -K");
	if ((status = cli_seen_open(&m.seen, allow_older, allow_expired)) != 0)
		return status;
	if (!integrity && (m.kr = cli_trust(k.pubfile, k.pubstr, k.ring,
	    &status)) == NULL) {
		cli_seen_close(&m.seen);
		return status;
	}
	status = many_run(argc, argv, &m, verify_one, integrity ? "intact" :
	    "verified");
	cli_seen_close(&m.seen);
	qasid_keyring_free(m.kr);
	return status;
}

/* Each file of an update the recipient changed, or kept aside. */
static void
local_file(void *ud, int what, const char *path, const char *aside)
{
	static const char *const why[] = {
		"",
		"changed here since qasid unpacked it",
		"made here, at a path of the bundle",
		"removed here since qasid unpacked it",
	};
	const char *dir = ud;

	if (what == QASID_LOCAL_KEPT) {
		if (!cli.quiet && !cli.json)
			printf("%s/%s: your version kept as ", cli_safe(dir),
			    cli_safe(path));
		if (!cli.quiet && !cli.json)
			printf("%s\n", cli_safe(aside));
	} else if (!keep_local && what > 0 && what < 4) {
		fprintf(stderr, "qasid: %s/", cli_safe(dir));
		fprintf(stderr, "%s: %s\n", cli_safe(path), why[what]);
	}
}

/* What unpack says of a bundle unpacked, or of an update in place. */
static void
print_unpacked(const char *dir, qasid_reader *r)
{
	const qasid_info *in = qasid_reader_info(r);
	const qasid_update *up = qasid_reader_update(r);

	if (up->already)
		printf("already unpacked into %s\n", cli_safe(dir));
	else if (up->updated)
		printf("updated %s from %s/%" PRIu64 ": %" PRIu64 " files "
		    "written, %" PRIu64 " kept, %" PRIu64 " removed\n",
		    cli_safe(dir), cli_safe(in->series), up->from,
		    up->written, up->kept, up->removed);
	else
		printf("unpacked %" PRIu64 " files into %s\n",
		    in->volume_part ? cli_volume_unpacked(r) : in->files,
		    cli_safe(dir));
}

static int
unpack_one(void *ud, const char *path)
{
	struct many *m = ud;
	qasid_reader *r;
	int rc, status;

	cli_keys_beside(m->kr, path);
	if ((r = cli_reader_new(m->kr)) == NULL)
		return EXIT_OTHER;
	qasid_reader_set_progress(r, cli_progress, NULL);
	qasid_reader_set_local(r, keep_local, local_file, (void *)m->dir);
	cli_seen_begin(&m->seen, r, 1);
	cli_catch_stop(1);
	rc = qasid_reader_open(r, path);
	if (rc == QASID_OK)
		rc = salvage_opt ? cli_salvage(r, m->dir) :
		    qasid_reader_unpack(r, m->dir);
	/* Refused before the destination was touched. */
	if (rc == QASID_ERR_UNTRUSTED && cli_keys_inside(m->kr, path) &&
	    (rc = qasid_reader_open(r, path)) == QASID_OK)
		rc = salvage_opt ? cli_salvage(r, m->dir) :
		    qasid_reader_unpack(r, m->dir);
	cli_progress_done();
	if (rc != QASID_OK && cli_stop_requested())
		cli_stopped(m->dir, "nothing was unpacked");
	cli_catch_stop(0);
	m->vs = cli_seen_end(&m->seen, path, qasid_reader_info(r), rc, 1);
	if (rc == QASID_OK || rc == QASID_ERR_CONTRADICTION)
		cli_keys_note(m->kr, r);
	if (rc == QASID_OK && cli.json)
		print_info_json(path, r, rc, "", "");
	else if (rc == QASID_OK && !cli.quiet) {
		print_ok(path, r);
		print_unpacked(m->dir, r);
		if (cli.verbose)
			cli_print_entries(m->kr, path);
	}
	status = many_result(m, r, path, rc);
	qasid_reader_free(r);
	return status;
}

int
cmd_unpack(int argc, char **argv)
{
	struct keyopts k = {0};
	struct many m = {0};
	int status;

	if ((status = keyopt_parse(argc, argv, "unpack", "C:", &k,
	    &m.dir)) != 0)
		return status;
	if (m.dir == NULL || optind >= argc)
		return cli_usage("unpack");
	if ((status = cli_seen_open(&m.seen, allow_older, allow_expired)) != 0)
		return status;
	if ((m.kr = cli_trust(k.pubfile, k.pubstr, k.ring, &status)) == NULL) {
		cli_seen_close(&m.seen);
		return status;
	}
	/* Several volumes of a set are one unpack, all or nothing, even
	 * when a part's head is too damaged to say so. */
	if (argc - optind > 1 && cli_volume_any(argv + optind,
	    (size_t)(argc - optind))) {
		status = cli_volume_unpack_set(m.kr, &m.seen, m.dir,
		    argv + optind, (size_t)(argc - optind));
		cli_seen_close(&m.seen);
		qasid_keyring_free(m.kr);
		return status;
	}
	/* Bundles named one by one: unpack takes no folders of them. */
	for (int i = optind; i < argc; i++) {
		int s1 = unpack_one(&m, argv[i]);
		if (s1 > status)
			status = s1;
	}
	if (argc - optind > 1)
		cli_summary("unpacked", m.ok, m.failed);
	cli_seen_close(&m.seen);
	qasid_keyring_free(m.kr);
	return status;
}

struct listing {
	qasid_reader *r;
	const char *path;
	int started, entries;
};

static void
list_header(struct listing *l)
{
	const qasid_info *in = qasid_reader_info(l->r);
	struct cli_counts n;
	char when[64];

	l->started = 1;
	if (cli.json) {
		printf("{\"bundle\":");
		cli_json_str(l->path);
		printf(",\"verified\":%s", in->signature_ok ? "true" : "false");
		print_claims_json(l->r);
		printf(",\"entries\":[");
		return;
	}
	cli_time(in->created, when, sizeof(when));
	cli_volume_counts(l->r, &n);
	printf("bundle:   %s\ntitle:    %s\nkey:      %s%s%s%s%s%s\n"
	    "series:   %s/%" PRIu64 "\ncreated:  %s\nfiles:    %" PRIu64
	    " (%" PRIu64 " bytes), %" PRIu64 " folders%s\nverified: %s\n",
	    cli_safe(l->path), cli_safe(in->title), in->keyid,
	    *in->signer ? " (" : "", cli_safe(in->signer),
	    *in->signer ? ")" : "", in->keyid_shared ? " fingerprint " : "",
	    in->keyid_shared ? in->fingerprint : "", in->series,
	    in->sequence, when,
	    n.files, n.bytes, n.dirs, n.label, in->signature_ok ? "manifest "
	    "signed by a trusted key (content not checked: use verify)" :
	    "NO - not signed by a trusted key; do not rely on this listing");
	if (in->has_expires) {
		cli_time(in->expires, when, sizeof(when));
		printf("expires:  %s\n", when);
	}
	cli_volume_line("volume:   ", l->path, in);
	cli_seen_header(in);
	printf("\n");
}

/* A file shorter than its manifest says is an incomplete copy: its
 * listing would look like the whole bundle's, so it is not given. */
static int
cut_short(const struct listing *l)
{
	struct qos_stat st;
	uint64_t want;

	return qasid_reader_expected_size(l->r, &want) == QASID_OK &&
	    qos_statat(QOS_AT_CWD, l->path, &st, 0) == 0 && st.size < want;
}

static int
list_entry(void *ud, const qasid_entry *e)
{
	struct listing *l = ud;

	if (!l->started && cut_short(l))
		return QASID_ERR_FORMAT;
	if (!l->started)
		list_header(l);
	if (cli.json) {
		printf("%s{\"path\":", l->entries ? "," : "");
		cli_json_str(e->path);
		if (e->is_dir)
			printf(",\"type\":\"dir\"}");
		else
			printf(",\"type\":\"file\",\"mode\":\"%o\",\"size\":%"
			    PRIu64 ",\"blake2b\":\"%s\"}", e->mode, e->size,
			    e->hash);
	} else if (e->is_dir) {
		printf("%-6s %14s  %s/\n", "dir", "", cli_safe(e->path));
	} else {
		char parts[64];
		printf("%-6o %14" PRIu64 "  %s%s\n", e->mode, e->size,
		    cli_safe(e->path), cli_volume_parts(e, parts,
		    sizeof(parts)));
	}
	l->entries++;
	return 0;
}

static int
list_one(void *ud, const char *path)
{
	struct many *m = ud;
	struct listing l = {0};
	int rc, status;

	cli_keys_beside(m->kr, path);
	if ((l.r = cli_reader_new(m->kr)) == NULL)
		return EXIT_OTHER;
	if (m->ok + m->failed > 0 && !cli.json)
		printf("\n");
	l.path = path;
	/* A listing is not a verification: judged, never recorded. */
	cli_seen_begin(&m->seen, l.r, 0);
	rc = qasid_reader_open(l.r, l.path);
	if (rc == QASID_OK)
		rc = qasid_reader_list(l.r, qasid_keyring_count(m->kr) > 0,
		    list_entry, &l);
	if (rc == QASID_ERR_UNTRUSTED && !l.started &&
	    cli_keys_inside(m->kr, path) &&
	    (rc = qasid_reader_open(l.r, l.path)) == QASID_OK)
		rc = qasid_reader_list(l.r, 1, list_entry, &l);
	/* An untrusted bundle is still listed, marked as unverified. */
	if (rc == QASID_ERR_UNTRUSTED && !l.started) {
		cli_fail("%s", qasid_reader_errmsg(l.r));
		rc = qasid_reader_open(l.r, l.path);
		if (rc == QASID_OK)
			rc = qasid_reader_list(l.r, 0, list_entry, &l);
	}
	if (rc == QASID_OK && !l.started && cut_short(&l))
		rc = QASID_ERR_FORMAT;
	else if (rc == QASID_OK && !l.started)
		list_header(&l);
	if (cli.json && l.started) {
		printf("]");
		cli_seen_json();
		printf("}\n");
	}
	m->vs = cli_seen_end(&m->seen, l.path, qasid_reader_info(l.r), rc, 0);
	status = many_result(m, l.r, path, rc);
	qasid_reader_free(l.r);
	return status;
}

int
cmd_list(int argc, char **argv)
{
	struct keyopts k = {0};
	struct many m = {0};
	int status;

	if ((status = keyopt_parse(argc, argv, "list", "r", &k, NULL)) != 0)
		return status;
	if (optind >= argc)
		return cli_usage("list");
	if ((status = cli_seen_open(&m.seen, allow_older, allow_expired)) != 0)
		return status;
	if ((m.kr = cli_trust(k.pubfile, k.pubstr, k.ring, &status)) == NULL) {
		cli_seen_close(&m.seen);
		return status;
	}
	status = many_run(argc, argv, &m, list_one, "listed");
	cli_seen_close(&m.seen);
	qasid_keyring_free(m.kr);
	return status;
}
