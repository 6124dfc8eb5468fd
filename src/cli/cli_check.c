/* SPDX-License-Identifier: ISC */
/*
 * cli_check.c - qasid check DIR: a stick's health before it is handed on.
 * Every bundle checked in full from the medium (the page cache dropped
 * first), signed by a pinned key or else intact; duplicates, superseded
 * sequences, partial copies and stray temporary files named; the space
 * really left.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_copy.h"
#include "os.h"

/* Checks one bundle in full, from the device rather than the cache; a
 * failure's code and message go to code and msg. */
static int
check_bundle(struct catalog *cat, const struct centry *e,
    const char **code, char *msg, size_t len)
{
	char path[4096];
	qasid_reader *r;
	int rc;

	snprintf(path, sizeof(path), "%s/%s", cat->dir, e->name);
	/* Its head told already: refused as verify refuses it. */
	if (e->status == ST_REFUSED) {
		*code = "refused";
		snprintf(msg, len, "%.1100s", e->why != NULL ? e->why : path);
		if (!cli.json)
			cli_fail("%s", msg);
		return EXIT_VERIFY;
	}
	if ((r = cli_reader_new(cat->kr)) == NULL)
		return EXIT_OTHER;
	if (e->pinned && cat->seen.st != NULL)
		cli_seen_begin(&cat->seen, r, 1);
	if ((rc = medium_open(r, path)) == QASID_ERR_IO) {
		*code = "io";
		snprintf(msg, len, "%.1000s: %s", path, strerror(errno));
	} else {
		if (rc == QASID_OK)
			rc = e->pinned ? qasid_reader_verify(r) :
			    qasid_reader_verify_integrity(r);
		if (rc != QASID_OK)
			snprintf(msg, len, "%s", cli_explain(r, path, rc,
			    code));
	}
	qasid_reader_free(r);
	if (rc != QASID_OK && !cli.json)
		cli_fail("%s", msg);
	/* As verify: a recovery file beside it may restore it, or a repair
	 * may be under way now. */
	if (rc != QASID_OK && !cli.json && qasid_err_is_verification(rc))
		cli_rec_hint(path);
	return rc == QASID_OK ? 0 : cli_failed_check(rc) ?
	    EXIT_VERIFY : EXIT_OTHER;
}

/* --json: {"bundle":..,"ok":..,"verified":..,"check":..,"status":..}
 * with what its head says, and the error when it failed. */
static void
json_bundle(const struct catalog *cat, const struct centry *e,
    const char *st, const char *code, const char *msg)
{
	char path[4096];
	int ok = code == NULL;

	snprintf(path, sizeof(path), "%s/%s", cat->dir, e->name);
	printf("{\"bundle\":");
	cli_json_str(path);
	printf(",\"ok\":%s,\"verified\":%s,\"check\":\"%s\","
	    "\"status\":\"%s\"", ok ? "true" : "false", ok && e->pinned ?
	    "true" : "false", e->pinned ? "signature" : "integrity",
	    e->status == ST_REFUSED ? "refused" : !ok ? "damaged" :
	    st == ST_DUP ? "duplicate" : st == ST_OLDER ? "older" :
	    e->pinned ? "verified" : "intact");
	if (!ok) {
		printf(",\"error\":");
		cli_json_error(code, msg, path);
	}
	if (e->head_ok) {
		printf(",\"keyid\":\"%s\",\"series\":", e->keyid);
		cli_json_str(e->series);
		printf(",\"sequence\":%" PRIu64 ",\"head\":\"%s\"",
		    e->sequence, e->head);
	}
	printf("}\n");
}

/* Among the bundles that checked out (good[]): the same bundle under an
 * earlier name, or a newer sequence of its series (a pinned key's bundle
 * is not superseded by an unpinned one's). */
static const char *
standing(const struct catalog *cat, const int *good, size_t i)
{
	const struct centry *e = &cat->v[i];

	for (size_t j = 0; j < cat->n; j++) {
		const struct centry *o = &cat->v[j];
		if (j == i || !good[j])
			continue;
		if (j < i && strcmp(o->head, e->head) == 0)
			return ST_DUP;
	}
	for (size_t j = 0; j < cat->n; j++) {
		const struct centry *o = &cat->v[j];
		if (j != i && good[j] && strcmp(o->pub, e->pub) == 0 &&
		    strcmp(o->series, e->series) == 0 &&
		    o->sequence > e->sequence && (o->pinned || !e->pinned))
			return ST_OLDER;
	}
	return NULL;
}

static void
print_good(const struct catalog *cat, const struct centry *e,
    const char *st)
{
	if (cli.quiet)
		return;
	printf("%s/%s: %s%s%s%s\n", cli_safe(cat->dir), cli_safe(e->name),
	    e->pinned ? "verified" : "intact, signer not checked (key ",
	    e->pinned ? "" : e->keyid, e->pinned ? "" : ")", st == ST_DUP ?
	    "; a duplicate" : st == ST_OLDER ? "; superseded by a newer "
	    "sequence here" : "");
}

/* 1 if a repair is under way on the bundle that the journal name (of
 * len bytes, ".NAME.qasid-repair") is for: it holds an exclusive lock on
 * the bundle (FORMAT.md 17.5), so a shared one cannot be had. */
static int
repairing(const char *dir, const char *name, size_t len)
{
	char path[4096];
	int fd, busy;

	snprintf(path, sizeof(path), "%s/%.*s", dir, (int)(len - 14),
	    name + 1);
	if ((fd = qos_open(path, QOS_READ | QOS_NOFOLLOW | QOS_NONBLOCK,
	    0)) < 0)
		return 0;
	busy = qos_lock(fd, QOS_LOCK_SH | QOS_LOCK_NB) < 0 &&
	    errno == EWOULDBLOCK;
	qos_close(fd);
	return busy;
}

/* What qasid leaves only when it was stopped: named so they can go. */
static unsigned
leftovers(const char *dir)
{
	struct qos_dir *d = qos_dir_open(dir);
	unsigned n = 0;
	const char *what, *s;

	if (d == NULL)
		return 0;
	while ((s = qos_dir_next(d, NULL)) != NULL) {
		size_t len = strlen(s);
		if (strncmp(s, ".qasid-copy-", 12) == 0)
			what = "a partial copy (rerun qasid copy, or remove it)";
		else if (strncmp(s, ".qasid-unpack-", 14) == 0)
			what = "an interrupted unpack's staging folder";
		else if (s[0] == '.' && len > 14 && strcmp(s + len - 13,
		    ".qasid-repair") == 0)
			what = repairing(dir, s, len) ? "the journal of a "
			    "repair under way (leave it)" : "an interrupted "
			    "repair's journal (rerun qasid repair on the "
			    "bundle)";
		else if (s[0] == '.' && len > 4 && strcmp(s + len - 4,
		    ".tmp") == 0)
			what = "a stray temporary file";
		else
			continue;
		if (cli.json) {
			printf("{\"leftover\":");
			cli_json_str(s);
			printf(",\"what\":");
			cli_json_str(what);
			printf("}\n");
		} else {
			printf("%s/%s: %s\n", cli_safe(dir), cli_safe(s), what);
		}
		n++;
	}
	qos_dir_close(d);
	return n;
}

struct tally {
	unsigned ok, bad, dup, old, left;
};

/* Every bundle from the medium, then where each good one stands. */
static int
check_all(struct catalog *cat, struct tally *t)
{
	const char **codes = calloc(cat->n + 1, sizeof(*codes));
	char (*msgs)[1200] = calloc(cat->n + 1, sizeof(*msgs));
	int *good = calloc(cat->n + 1, sizeof(*good)), worst = 0, s;

	if (codes == NULL || msgs == NULL || good == NULL) {
		free(codes);
		free(msgs);
		free(good);
		return cli_fail("out of memory");
	}
	for (size_t i = 0; i < cat->n; i++) {
		s = check_bundle(cat, &cat->v[i], &codes[i], msgs[i],
		    sizeof(msgs[i]));
		good[i] = s == 0 && cat->v[i].head_ok;
		if (good[i] == 0 && codes[i] == NULL)
			codes[i] = "format";
		good[i] ? t->ok++ : t->bad++;
		if (s > worst)
			worst = s;
	}
	for (size_t i = 0; i < cat->n; i++) {
		const char *st = good[i] ? standing(cat, good, i) : NULL;
		if (cli.json)
			json_bundle(cat, &cat->v[i], st, codes[i], msgs[i]);
		else if (good[i])
			print_good(cat, &cat->v[i], st);
		t->dup += st == ST_DUP;
		t->old += st == ST_OLDER;
	}
	free(codes);
	free(msgs);
	free(good);
	return worst;
}

static void
summary(const struct catalog *cat, const struct tally *t, uint64_t avail)
{
	if (cli.json)
		printf("{\"summary\":{\"bundles\":%zu,\"good\":%u,"
		    "\"damaged\":%u,\"duplicates\":%u,\"superseded\":%u,"
		    "\"leftovers\":%u,\"free\":%" PRIu64 "}}\n", cat->n,
		    t->ok, t->bad, t->dup, t->old, t->left, avail);
	else
		printf("%zu bundles: %u good, %u damaged, %u duplicates, %u "
		    "superseded; %u leftovers; %" PRIu64 " bytes free\n",
		    cat->n, t->ok, t->bad, t->dup, t->old, t->left, avail);
}

int
cmd_check(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"json", no_argument, NULL, 'j'},
		{"quiet", no_argument, NULL, 'q'},
		{NULL, 0, NULL, 0},
	};
	struct catalog cat = {0};
	struct tally t = {0};
	const char *ring = NULL;
	uint64_t avail;
	int c, status, worst;

	while ((c = getopt_long(argc, argv, "K:qh", longopts, NULL)) != -1) {
		if (c == 'K')
			ring = optarg;
		else if (c == 'q')
			cli.quiet = 1;
		else if (c == 'j')
			cli.json = 1;
		else
			return cli_usage("check");
	}
	if (optind + 1 != argc)
		return cli_usage("check");
	cat.dir = argv[optind];
	if ((status = catalog_dir(cat.dir)) != 0)
		return status;
	if ((cat.kr = cli_trust(NULL, NULL, ring, &status)) == NULL)
		return status;
	/* A stick may carry old weeks: OLDER is not refused. */
	if ((status = cli_seen_open(&cat.seen, 1, 1)) != 0) {
		catalog_free(&cat);
		return status;
	}
	worst = catalog_scan(&cat);
	if ((status = check_all(&cat, &t)) > worst)
		worst = status;
	t.left = leftovers(cat.dir);
	if (copy_free_space(cat.dir, &avail) != 0)
		worst = cli_fail("%s: %s", cat.dir, strerror(errno));
	else
		summary(&cat, &t, avail);
	catalog_free(&cat);
	return worst;
}
