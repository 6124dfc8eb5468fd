/* SPDX-License-Identifier: ISC */
/*
 * cli_check.c - qasid check DIR: a stick's health before it is handed on.
 * Every bundle checked in full from the medium (the page cache dropped
 * first), signed by a pinned key or else intact; duplicates, superseded
 * sequences, partial copies and stray temporary files named; the space
 * really left.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_copy.h"
#include "os.h"

/* Checks one bundle in full, from the device rather than the cache. */
static int
check_bundle(const struct catalog *cat, const struct centry *e)
{
	char path[4096], msg[1200];
	const char *code;
	qasid_reader *r;
	int rc;

	snprintf(path, sizeof(path), "%s/%s", cat->dir, e->name);
	if ((r = cli_reader_new(cat->kr)) == NULL)
		return EXIT_OTHER;
	if ((rc = medium_open(r, path)) == QASID_ERR_IO) {
		qasid_reader_free(r);
		return cli_fail("%s: %s", path, strerror(errno));
	}
	if (rc == QASID_OK)
		rc = e->pinned ? qasid_reader_verify(r) :
		    qasid_reader_verify_integrity(r);
	if (rc != QASID_OK) {
		snprintf(msg, sizeof(msg), "%s", cli_explain(r, path, rc,
		    &code));
		cli_result(rc, msg);
	}
	qasid_reader_free(r);
	return rc == QASID_OK ? 0 : qasid_err_is_verification(rc) ?
	    EXIT_VERIFY : EXIT_OTHER;
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
		if (j != i && good[j] && strcmp(o->keyid, e->keyid) == 0 &&
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
		else if (s[0] == '.' && len > 4 && strcmp(s + len - 4,
		    ".tmp") == 0)
			what = "a stray temporary file";
		else
			continue;
		printf("%s/%s: %s\n", cli_safe(dir), cli_safe(s), what);
		n++;
	}
	qos_dir_close(d);
	return n;
}

int
cmd_check(int argc, char **argv)
{
	struct catalog cat = {0};
	const char *ring = NULL;
	unsigned ok = 0, bad = 0, dup = 0, old = 0, left;
	uint64_t avail;
	int c, status, worst, *good;

	while ((c = getopt(argc, argv, "K:qh")) != -1) {
		if (c == 'K')
			ring = optarg;
		else if (c == 'q')
			cli.quiet = 1;
		else
			return cli_usage("check");
	}
	if (optind + 1 != argc)
		return cli_usage("check");
	cat.dir = argv[optind];
	if ((cat.kr = cli_trust(NULL, NULL, ring, &status)) == NULL)
		return status;
	worst = catalog_scan(&cat);
	if ((good = calloc(cat.n + 1, sizeof(*good))) == NULL)
		worst = cli_fail("out of memory");
	for (size_t i = 0; good != NULL && i < cat.n; i++) {
		if ((status = check_bundle(&cat, &cat.v[i])) > worst)
			worst = status;
		good[i] = status == 0 && cat.v[i].head_ok;
		good[i] ? ok++ : bad++;
	}
	for (size_t i = 0; good != NULL && i < cat.n; i++) {
		const char *st = good[i] ? standing(&cat, good, i) : NULL;
		if (good[i])
			print_good(&cat, &cat.v[i], st);
		dup += st == ST_DUP;
		old += st == ST_OLDER;
	}
	free(good);
	left = leftovers(cat.dir);
	if (copy_free_space(cat.dir, &avail) != 0)
		worst = cli_fail("%s: %s", cat.dir, strerror(errno));
	else
		printf("%zu bundles: %u good, %u damaged, %u duplicates, %u "
		    "superseded; %u leftovers; %" PRIu64 " bytes free\n",
		    cat.n, ok, bad, dup, old, left, avail);
	catalog_free(&cat);
	return worst;
}
