/* SPDX-License-Identifier: ISC */
/*
 * cli_catalog.c - qasid catalog DIR: catalog.json and index.html for the
 * bundles in a folder, from their heads only, so the cost does not grow
 * with the bundles' size. Each bundle gets a status: verified (head signed
 * by a pinned key), intact, signer not checked (no pinned key: the head
 * matches its signature's trusted comment), damaged, duplicate, or older
 * than another here; refused when its key was retired, revoked or
 * contradicted, as verify would refuse it.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "cli_copy.h"
#include "os.h"

const char ST_VERIFIED[] = "verified";
const char ST_INTACT[] = "intact, signer not checked";
const char ST_DAMAGED[] = "damaged";
const char ST_DUP[] = "duplicate";
const char ST_OLDER[] = "older than another here";
const char ST_REFUSED[] = "refused";

/* ---- Reading heads ------------------------------------------------------- */

/* Checked as verify checks it, following the publisher's statements
 * (cli_follow.c), else for integrity only. */
static int
head_check(struct catalog *cat, qasid_reader *r, const char *path,
    struct centry *e)
{
	int rc = cli_head_followed(cat->kr, r, path, &cat->seen);

	e->pinned = rc == QASID_OK || cli_key_refused(rc);
	if (rc == QASID_ERR_UNTRUSTED) {
		qasid_reader_set_head_check(r, NULL, NULL);
		if ((rc = qasid_reader_open(r, path)) == QASID_OK)
			rc = qasid_reader_list(r, 2, NULL, NULL);
	}
	return rc;
}

static void
fill(struct centry *e, const qasid_info *in)
{
	e->title = strdup(in->title ? in->title : "");
	e->signer = strdup(in->signer ? in->signer : "");
	snprintf(e->keyid, sizeof(e->keyid), "%s", in->keyid);
	snprintf(e->series, sizeof(e->series), "%s", in->series ?
	    in->series : "");
	e->sequence = in->sequence;
	e->created = in->created;
	e->files = in->files;
	e->bytes = in->bytes;
}

static int
add_entry(void *ud, const char *path)
{
	struct catalog *cat = ud;
	struct centry *nv, *e;
	qasid_reader *r;
	struct qos_stat st;
	uint64_t want;
	const char *code;
	char why[1200];
	int rc;

	/* A partial copy (qasid copy) is not yet a bundle here. */
	if (strncmp(strrchr(path, '/') + 1, ".qasid-copy-", 12) == 0)
		return 0;
	if ((nv = realloc(cat->v, (cat->n + 1) * sizeof(*nv))) == NULL)
		return cli_fail("out of memory");
	cat->v = nv;
	e = memset(&nv[cat->n++], 0, sizeof(*e));
	e->name = strdup(strrchr(path, '/') + 1);
	if ((r = cli_reader_new(cat->kr)) == NULL || e->name == NULL)
		return EXIT_OTHER;
	rc = head_check(cat, r, path, e);
	if (qasid_reader_info(r)->format)
		fill(e, qasid_reader_info(r));
	if (qos_statat(QOS_AT_CWD, path, &st, 0) == 0)
		e->size = st.size;
	if (rc == QASID_OK && qasid_reader_head_hash(r, e->head) == QASID_OK &&
	    qasid_reader_expected_size(r, &want) == QASID_OK &&
	    want == e->size) {
		e->head_ok = 1;
		e->status = e->pinned ? ST_VERIFIED : ST_INTACT;
	} else if (cli_key_refused(rc)) {
		e->status = ST_REFUSED;
		cli_why_failed(&cat->seen, r, path, rc, &code, why,
		    sizeof(why));
		e->why = strdup(why);
	} else {
		e->status = ST_DAMAGED;
	}
	qasid_reader_free(r);
	return 0;
}

/* ---- Statuses ------------------------------------------------------------ */

static int
by_name(const void *a, const void *b)
{
	return strcmp(((const struct centry *)a)->name,
	    ((const struct centry *)b)->name);
}

static void
mark(struct catalog *cat)
{
	for (size_t i = 0; i < cat->n; i++) {
		struct centry *e = &cat->v[i];
		if (!e->head_ok)
			continue;
		for (size_t j = 0; j < cat->n; j++) {
			const struct centry *o = &cat->v[j];
			if (j == i || !o->head_ok)
				continue;
			if (j < i && strcmp(o->head, e->head) == 0)
				e->status = ST_DUP;
			else if (e->status != ST_DUP &&
			    strcmp(o->pub, e->pub) == 0 &&
			    strcmp(o->series, e->series) == 0 &&
			    o->sequence > e->sequence &&
			    (o->pinned || !e->pinned))
				e->status = ST_OLDER;
		}
	}
}

/* Reads the heads of the bundles in cat->dir (quietly) and gives each a
 * status. */
/* 0 if dir is a folder; else says why, and returns EXIT_OTHER. */
int
catalog_dir(const char *dir)
{
	struct qos_stat st;

	if (qos_statat(QOS_AT_CWD, dir, &st, 0) != 0)
		return cli_fail("%s: %s", dir, strerror(errno));
	if (st.kind != QOS_DIR)
		return cli_fail("%s: not a folder", dir);
	return 0;
}

int
catalog_scan(struct catalog *cat)
{
	char *d = (char *)cat->dir;
	int quiet = cli.quiet, status;

	cli.quiet = 1;
	status = cli_each_bundle(&d, 1, 0, add_entry, cat);
	cli.quiet = quiet;
	qsort(cat->v, cat->n, sizeof(*cat->v), by_name);
	/* Once every statement was followed: a series goes on across its
	 * publisher's rotations. */
	for (size_t i = 0; i < cat->n; i++) {
		struct centry *e = &cat->v[i];
		if (e->pinned)
			cli_key_root(cat->kr, e->keyid, e->pub);
		else
			snprintf(e->pub, sizeof(e->pub), "%s", e->keyid);
	}
	mark(cat);
	return status;
}

/* ---- catalog.json -------------------------------------------------------- */

static void
json_entry(const struct centry *e)
{
	printf("{\"name\":");
	cli_json_str(e->name);
	printf(",\"size\":%" PRIu64 ",\"status\":\"%s\"", e->size, e->status);
	if (e->title != NULL) {
		printf(",\"title\":");
		cli_json_str(e->title);
		printf(",\"keyid\":\"%s\",\"signer\":", e->keyid);
		cli_json_str(e->pinned ? e->signer : "");
		printf(",\"series\":");
		cli_json_str(e->series);
		printf(",\"sequence\":%" PRIu64 ",\"created\":%" PRId64
		    ",\"files\":%" PRIu64 ",\"bytes\":%" PRIu64, e->sequence,
		    e->created, e->files, e->bytes);
	}
	if (e->head_ok)
		printf(",\"head\":\"%s\"", e->head);
	printf("}");
}

static void
write_json(const struct catalog *cat)
{
	printf("{\"catalog\":1,\"bundles\":[");
	for (size_t i = 0; i < cat->n; i++) {
		printf("%s\n", i ? "," : "");
		json_entry(&cat->v[i]);
	}
	printf("\n]}\n");
}

/* ---- index.html ---------------------------------------------------------- */

/* Text for HTML: markup characters as entities, and no raw controls. */
static void
html_str(const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", stdout); break;
		case '<': fputs("&lt;", stdout); break;
		case '>': fputs("&gt;", stdout); break;
		case '"': fputs("&quot;", stdout); break;
		case '\'': fputs("&#39;", stdout); break;
		default:
			if ((unsigned char)*s < 0x20 || *s == 0x7f)
				fputs("&#xfffd;", stdout);
			else
				putchar(*s);
		}
	}
}

/* A file name inside a URL: every byte but unreserved ones as %XX. */
static void
url_str(const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("-._~", c) != NULL)
			putchar(c);
		else
			printf("%%%02X", c);
	}
}

static int
by_series(const void *a, const void *b)
{
	const struct centry *x = *(const struct centry *const *)a;
	const struct centry *y = *(const struct centry *const *)b;
	int d;

	if ((d = strcmp(x->pub, y->pub)) != 0 ||
	    (d = strcmp(x->series, y->series)) != 0)
		return d;
	if (x->sequence != y->sequence)
		return x->sequence > y->sequence ? -1 : 1;
	return strcmp(x->name, y->name);
}

static const char HTML_HEAD[] =
    "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\n"
    "<meta name=\"viewport\" content=\"width=device-width, "
    "initial-scale=1\">\n<title>Bundles</title>\n<style>\n"
    "body{font:16px/1.4 sans-serif;margin:0 auto;max-width:50em;"
    "padding:0 .8em}\n"
    "h2{font-size:1.1em;margin:1.4em 0 .3em;border-bottom:1px solid #999}\n"
    "div.b{padding:.5em 0;border-bottom:1px solid #ddd}\n"
    ".t{display:block;font-size:1.15em;font-weight:bold;"
    "text-align:start}\n"
    ".m{color:#444;font-size:.9em}\n"
    ".s{font-weight:bold}.damaged,.refused{color:#b00}"
    ".older,.duplicate{color:#777}"
    "\n</style></head>\n<body>\n<h1>Bundles</h1>\n"
    "<p>Check every bundle before you open it: "
    "<code>qasid verify BUNDLE</code>.</p>\n";

static void
html_entry(const struct catalog *cat, const struct centry *e, int verify)
{
	char when[32] = "";
	time_t t = (time_t)e->created;
	struct tm tm;

	if (gmtime_r(&t, &tm) != NULL)
		strftime(when, sizeof(when), "%Y-%m-%d", &tm);
	(void)cat;
	printf("<div class=\"b\"><span class=\"t\" dir=\"auto\">");
	html_str(e->title != NULL && *e->title ? e->title : e->name);
	printf("</span>\n<span class=\"m\">%s/%" PRIu64 " &middot; %s "
	    "&middot; %" PRIu64 " files, %" PRIu64 " bytes &middot; ",
	    e->series, e->sequence, when, e->files, e->bytes);
	printf("<span class=\"s %s\">", e->status == ST_DAMAGED ?
	    "damaged" : e->status == ST_REFUSED ? "refused" :
	    e->status == ST_OLDER ? "older" : e->status == ST_DUP ?
	    "duplicate" : "good");
	html_str(e->status);
	printf("</span> &middot; <a href=\"");
	url_str(e->name);
	printf("\" dir=\"auto\">");
	html_str(e->name);
	printf("</a>");
	if (verify) {
		printf(" &middot; <a href=\"verify.html?bundle=");
		url_str(e->name);
		printf("\">check it</a>");
	}
	printf("</span></div>\n");
}

static void
html_group(const struct centry *e)
{
	printf("<h2 dir=\"auto\">");
	if (e->title == NULL) {
		printf("Unreadable");
	} else if (e->pinned && *e->signer) {
		html_str(e->signer);
		printf(" (key %s)", e->keyid);
	} else {
		printf("key %s (not pinned here)", e->keyid);
	}
	printf(" &middot; ");
	html_str(e->series);
	printf("</h2>\n");
}

static void
write_html(const struct catalog *cat, int verify)
{
	const struct centry **v = calloc(cat->n + 1, sizeof(*v));
	const struct centry *prev = NULL;

	if (v == NULL)
		return;
	for (size_t i = 0; i < cat->n; i++)
		v[i] = &cat->v[i];
	qsort(v, cat->n, sizeof(*v), by_series);
	fputs(HTML_HEAD, stdout);
	for (size_t i = 0; i < cat->n; i++) {
		if (prev == NULL || strcmp(prev->pub, v[i]->pub) != 0 ||
		    strcmp(prev->series, v[i]->series) != 0)
			html_group(v[i]);
		html_entry(cat, v[i], verify);
		prev = v[i];
	}
	printf("</body></html>\n");
	free(v);
}

/* ---- The command --------------------------------------------------------- */

/* Writes DIR/name through a temporary file, stdout pointed at it. */
static int
write_out(const struct catalog *cat, const char *name,
    void (*fn)(const struct catalog *, int), int arg)
{
	char tmp[4096], final[4096];
	int fd, saved, bad;

	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", cat->dir, name);
	snprintf(final, sizeof(final), "%s/%s", cat->dir, name);
	fflush(stdout);
	if ((fd = qos_open(tmp, QOS_WRITE | QOS_CREATE | QOS_TRUNC |
	    QOS_NOFOLLOW, 0644)) < 0)
		return cli_fail("%s: %s", tmp, strerror(errno));
	saved = qos_dup(QOS_STDOUT);
	qos_dup2(fd, QOS_STDOUT);
	fn(cat, arg);
	bad = fflush(stdout) != 0 || ferror(stdout);
	clearerr(stdout);
	qos_dup2(saved, QOS_STDOUT);
	qos_close(saved);
	bad |= qos_fsync(fd) != 0;
	bad |= qos_close(fd) != 0;
	if (bad || qos_rename(tmp, final) != 0) {
		(void)qos_unlinkat(QOS_AT_CWD, tmp, 0);
		return cli_fail("%s: %s", final, strerror(errno ? errno : EIO));
	}
	return 0;
}

static void
json_fn(const struct catalog *cat, int arg)
{
	(void)arg;
	write_json(cat);
}

void
catalog_free(struct catalog *cat)
{
	for (size_t i = 0; i < cat->n; i++) {
		free(cat->v[i].name);
		free(cat->v[i].title);
		free(cat->v[i].signer);
		free(cat->v[i].why);
	}
	free(cat->v);
	qasid_keyring_free(cat->kr);
	cli_seen_close(&cat->seen);
}

int
cmd_catalog(int argc, char **argv)
{
	struct catalog cat = {0};
	const char *ring = NULL;
	char vpath[4096];
	int c, status, quiet = cli.quiet;

	while ((c = getopt(argc, argv, "K:qh")) != -1) {
		if (c == 'K')
			ring = optarg;
		else if (c == 'q')
			quiet = 1;
		else
			return cli_usage("catalog");
	}
	if (optind + 1 != argc)
		return cli_usage("catalog");
	cat.dir = argv[optind];
	if ((status = catalog_dir(cat.dir)) != 0)
		return status;
	if ((cat.kr = cli_trust(NULL, NULL, ring, &status)) == NULL)
		return status;
	if ((status = cli_seen_open(&cat.seen, 1, 1)) != 0) {
		catalog_free(&cat);
		return status;
	}
	status = catalog_scan(&cat);
	cli.quiet = quiet;
	snprintf(vpath, sizeof(vpath), "%s/verify.html", cat.dir);
	if (status == 0)
		status = write_out(&cat, "catalog.json", json_fn, 0);
	if (status == 0)
		status = write_out(&cat, "index.html", write_html,
		    qos_exists(vpath));
	if (status == 0 && !cli.quiet)
		printf("catalogued %zu bundles in %s/catalog.json and "
		    "%s/index.html\n", cat.n, cli_safe(cat.dir),
		    cli_safe(cat.dir));
	catalog_free(&cat);
	return status;
}
