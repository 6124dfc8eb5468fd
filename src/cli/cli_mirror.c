/* SPDX-License-Identifier: ISC */
/*
 * cli_mirror.c - qasid copy for mirrors: finds the bundles of the sources
 * and of DEST by their heads, chooses what to copy (not what DEST holds,
 * each bundle once, with --latest the newest of each series that
 * verifies), plans or copies it, and says what became of each one.
 */
#include <ctype.h>
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

#define OPT_LATEST 2000
#define OPT_PLAN 2001
#define OPT_RENAME 2002
#define OPT_KEY 2003
#define OPT_SERIES 2004
#define OPT_SINCE 2005
#define OPT_JSON 2006
#define OPT_STICKS 2007

static const struct option copy_longopts[] = {
	{"latest", no_argument, NULL, OPT_LATEST},
	{"plan", no_argument, NULL, OPT_PLAN},
	{"rename", no_argument, NULL, OPT_RENAME},
	{"key", required_argument, NULL, OPT_KEY},
	{"series", required_argument, NULL, OPT_SERIES},
	{"since", required_argument, NULL, OPT_SINCE},
	{"json", no_argument, NULL, OPT_JSON},
	{"sticks", required_argument, NULL, OPT_STICKS},
	{"quiet", no_argument, NULL, 'q'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

/* ---- Heads --------------------------------------------------------------- */

/* Reads the head of path into c: checked as verify checks it when its key
 * is pinned, or one it rotated to from a pinned key (cli_follow.c), else
 * only read. Returns the reader's result. */
static int
read_head(struct copy *cp, const char *path, struct cand *c, char *why,
    size_t len)
{
	qasid_reader *r = cli_reader_new(cp->kr);
	const qasid_info *in;
	struct qos_stat st;
	uint64_t want;
	int rc;

	if (r == NULL)
		return QASID_ERR_NOMEM;
	c->pinned = 1;
	rc = cli_head_followed(cp->kr, r, path, &cp->seen);
	if (rc == QASID_ERR_UNTRUSTED) {
		c->pinned = 0;
		qasid_reader_set_head_check(r, NULL, NULL);
		rc = qasid_reader_open(r, path);
		if (rc == QASID_OK)
			rc = qasid_reader_list(r, 0, NULL, NULL);
	}
	in = qasid_reader_info(r);
	if (rc == QASID_OK && (qasid_reader_head_hash(r, c->id) != QASID_OK ||
	    qos_statat(QOS_AT_CWD, path, &st, 0) != 0)) {
		/* The reader said nothing: the stick went away under it. */
		snprintf(why, len, "%s: %s", cli_safe(path), strerror(errno));
		c->code = cli_err_code(QASID_ERR_IO);
		qasid_reader_free(r);
		return QASID_ERR_IO;
	}
	/* A short file is an incomplete copy: known before reading it all. */
	if (rc == QASID_OK && qasid_reader_expected_size(r, &want) ==
	    QASID_OK && want > st.size)
		rc = QASID_ERR_FORMAT;
	if (rc == QASID_OK) {
		snprintf(c->keyid, sizeof(c->keyid), "%s", in->keyid);
		snprintf(c->series, sizeof(c->series), "%s", in->series);
		c->sequence = in->sequence;
		c->part = in->volume_part;
		c->created = in->created;
		c->size = st.size;
		c->ok = 1;
	} else {
		cli_why_failed(&cp->seen, r, path, rc, &c->code, why, len);
	}
	qasid_reader_free(r);
	return rc;
}

static struct cand *
push(struct cand **v, size_t *n, const char *path)
{
	struct cand *nv = realloc(*v, (*n + 1) * sizeof(**v));

	if (nv == NULL)
		return NULL;
	*v = nv;
	memset(&nv[*n], 0, sizeof(nv[*n]));
	if ((nv[*n].path = strdup(path)) == NULL)
		return NULL;
	return &nv[(*n)++];
}

static int
add_source(void *ud, const char *path)
{
	struct copy *cp = ud;
	struct cand *c = push(&cp->src, &cp->nsrc, path);
	char why[WHY_MAX];
	int rc;

	if (c == NULL)
		return cli_fail("out of memory");
	if ((rc = read_head(cp, path, c, why, sizeof(why))) == QASID_OK)
		return 0;
	cp->failed++;
	copy_report(cp, c, ACT_FAILED, why);
	return cli_failed_check(rc) ? EXIT_VERIFY : EXIT_OTHER;
}

static int
add_have(void *ud, const char *path)
{
	struct copy *cp = ud;
	const char *b = strrchr(path, '/');
	struct cand *c;
	char why[WHY_MAX];

	/* A partial copy is not a bundle DEST holds. */
	if (strncmp(b != NULL ? b + 1 : path, PART_PREFIX,
	    strlen(PART_PREFIX)) == 0)
		return 0;
	if ((c = push(&cp->have, &cp->nhave, path)) == NULL)
		return cli_fail("out of memory");
	(void)read_head(cp, path, c, why, sizeof(why));
	return 0;
}

/* ---- Choosing ------------------------------------------------------------ */

static int
cand_cmp(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;
	int d;

	if ((d = strcmp(x->pub, y->pub)) != 0 ||
	    (d = strcmp(x->series, y->series)) != 0)
		return d;
	if (x->sequence != y->sequence)
		return x->sequence > y->sequence ? -1 : 1;
	/* A set's parts in order: part10 after part9, not after part1. */
	if (x->part != y->part)
		return x->part < y->part ? -1 : 1;
	return strcmp(x->path, y->path);
}

static const struct cand *
find_id(const struct cand *v, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].ok && strcmp(v[i].id, id) == 0)
			return &v[i];
	return NULL;
}

/* DEST holds this series at this sequence or newer (--latest). */
static const struct cand *
newer_there(const struct copy *cp, const struct cand *c)
{
	for (size_t i = 0; i < cp->nhave; i++) {
		const struct cand *h = &cp->have[i];
		if (h->ok && strcmp(h->pub, c->pub) == 0 &&
		    strcmp(h->series, c->series) == 0 &&
		    h->sequence >= c->sequence)
			return h;
	}
	return NULL;
}

int
copy_planned(const struct copy *cp, const char *name)
{
	for (size_t i = 0; i < cp->nsrc; i++)
		if (cp->src[i].dest_name != NULL &&
		    strcmp(cp->src[i].dest_name, name) == 0)
			return 1;
	return 0;
}

/* Key ids are hex: --key matches in either case. */
static int
same_id(const char *a, const char *b)
{
	while (*a != '\0' && tolower((unsigned char)*a) ==
	    tolower((unsigned char)*b))
		a++, b++;
	return *a == '\0' && *b == '\0';
}

static int
selected(const struct copy *cp, const struct cand *c)
{
	return c->ok && (cp->key == NULL || same_id(cp->key, c->keyid)) &&
	    (cp->series == NULL || strcmp(cp->series, c->series) == 0) &&
	    c->created >= cp->since;
}

/* Why c is not copied, or NULL to copy it. */
static const char *
skip_reason(const struct copy *cp, size_t i, char *buf, size_t len)
{
	const struct cand *c = &cp->src[i], *o;

	if ((o = find_id(cp->have, cp->nhave, c->id)) != NULL) {
		snprintf(buf, len, "already in %s as %s", cp->dest,
		    strrchr(o->path, '/') + 1);
		return buf;
	}
	/* Only a copy that worked counts: a truncated duplicate first in
	 * line must not keep the good one out. */
	for (size_t j = 0; j < i; j++) {
		o = &cp->src[j];
		if (o->dest_name != NULL && strcmp(o->id, c->id) == 0) {
			snprintf(buf, len, "the same bundle as %s", o->path);
			return buf;
		}
	}
	if (cp->latest && (o = newer_there(cp, c)) != NULL) {
		snprintf(buf, len, "%s holds %s/%" PRIu64 " already (%s)",
		    cp->dest, o->series, o->sequence, strrchr(o->path, '/') + 1);
		return buf;
	}
	return NULL;
}

/* ---- The plan ------------------------------------------------------------ */

static int
plan_one(struct copy *cp, struct cand *c, uint64_t *total)
{
	char name[1100];

	copy_name(cp, c, name, sizeof(name));
	if ((c->dest_name = strdup(name)) == NULL)
		return cli_fail("out of memory");
	*total += c->size;
	copy_report(cp, c, ACT_PLANNED, name);
	return 0;
}

static void
plan_end(struct copy *cp, uint64_t total)
{
	uint64_t avail = 0;

	if (copy_free_space(cp->dest, &avail) != 0) {
		cli_fail("%s: %s", cp->dest, strerror(errno));
		return;
	}
	if (cli.json)
		printf("{\"plan\":{\"bytes\":%" PRIu64 ",\"free\":%" PRIu64
		    ",\"enough\":%s}}\n", total, avail, total > avail ?
		    "false" : "true");
	else
		printf("%" PRIu64 " bytes to copy, %" PRIu64 " bytes free in "
		    "%s%s\n", total, avail, cli_safe(cp->dest), total > avail ?
		    ": NOT ENOUGH SPACE" : "");
}

/* Goes through the sorted sources: copies (or plans) what is chosen. */
static int
copy_all(struct copy *cp)
{
	uint64_t total = 0;
	int worst = 0, s;
	char buf[WHY_MAX];
	const char *why;

	for (size_t i = 0; i < cp->nsrc; i++) {
		struct cand *c = &cp->src[i];
		if (!selected(cp, c))
			continue;
		/* What is chosen next may hang on the copy still being
		 * read back: that copy is finished first. */
		copy_settle(cp, c);
		why = skip_reason(cp, i, buf, sizeof(buf));
		if (why == NULL && cp->latest && cp->done != NULL &&
		    strcmp(cp->done->pub, c->pub) == 0 &&
		    strcmp(cp->done->series, c->series) == 0) {
			snprintf(buf, sizeof(buf), "older than %s/%" PRIu64,
			    cp->done->series, cp->done->sequence);
			why = buf;
		}
		if (why != NULL) {
			if (find_id(cp->have, cp->nhave, c->id) != NULL)
				cp->there++;
			copy_report(cp, c, ACT_SKIPPED, why);
			if (cp->latest && newer_there(cp, c) != NULL)
				cp->done = c;
			continue;
		}
		s = cp->plan ? plan_one(cp, c, &total) : copy_one(cp, c);
		if (s == 0)
			cp->done = c;
		if (s > worst)
			worst = s;
	}
	copy_settle(cp, NULL);
	if (cp->plan)
		plan_end(cp, total);
	if (cp->plan && cp->nsticks > 0)
		copy_spread(cp);
	return worst > cp->worst ? worst : cp->worst;
}

/* ---- The command --------------------------------------------------------- */

static int
parse_since(const char *s, int64_t *t)
{
	struct tm tm = {0};
	const char *end = strptime(s, "%Y-%m-%d", &tm);

	if (end == NULL || *end != '\0')
		return -1;
	*t = (int64_t)timegm(&tm);
	return 0;
}

static int
copy_parse(int argc, char **argv, struct copy *cp, const char **keys)
{
	int c;

	while ((c = getopt_long(argc, argv, "p:P:K:rqh", copy_longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'p': keys[0] = optarg; break;
		case 'P': keys[1] = optarg; break;
		case 'K': keys[2] = optarg; break;
		case 'r': cp->recursive = 1; break;
		case 'q': cli.quiet = 1; break;
		case OPT_JSON: cli.json = 1; break;
		case OPT_LATEST: cp->latest = 1; break;
		case OPT_PLAN: cp->plan = 1; break;
		case OPT_RENAME: cp->rename = 1; break;
		case OPT_STICKS:
			if (copy_parse_sticks(cp, optarg) != 0)
				return cli_fail("--sticks %s: sizes separated "
				    "by commas, as 8G,8G,16G", optarg);
			break;
		case OPT_KEY: cp->key = optarg; break;
		case OPT_SERIES: cp->series = optarg; break;
		case OPT_SINCE:
			if (parse_since(optarg, &cp->since) != 0)
				return cli_fail("--since %s: not a date "
				    "(YYYY-MM-DD)", optarg);
			break;
		default:
			return cli_usage("copy");
		}
	}
	if (argc - optind < 2)
		return cli_usage("copy");
	if (cp->nsticks > 0 && !cp->plan)
		return cli_fail("copy: --sticks goes with --plan");
	if (!!keys[0] + !!keys[1] + !!keys[2] > 1)
		return cli_fail("copy: give one of -p, -P and -K");
	return 0;
}

static void
copy_free(struct copy *cp)
{
	for (size_t i = 0; i < cp->nsrc; i++) {
		free(cp->src[i].path);
		free(cp->src[i].dest_name);
	}
	for (size_t i = 0; i < cp->nhave; i++)
		free(cp->have[i].path);
	free(cp->src);
	free(cp->have);
	free(cp->sticks);
	qasid_keyring_free(cp->kr);
	cli_seen_close(&cp->seen);
}

/* Reads every head: DEST's (quietly), then the sources'. */
static int
copy_scan(struct copy *cp, int argc, char **argv)
{
	int quiet = cli.quiet, worst;
	char *d = (char *)cp->dest;

	cli.quiet = 1;
	(void)cli_each_bundle(&d, 1, 0, add_have, cp);
	cli.quiet = quiet;
	worst = cli_each_bundle(argv + optind, argc - optind - 1,
	    cp->recursive, add_source, cp);
	/* Once every statement was followed: a series goes on across its
	 * publisher's rotations. */
	for (size_t i = 0; i < cp->nsrc + cp->nhave; i++) {
		struct cand *c = i < cp->nsrc ? &cp->src[i] :
		    &cp->have[i - cp->nsrc];
		if (c->pinned)
			cli_key_root(cp->kr, c->keyid, c->pub);
		else
			snprintf(c->pub, sizeof(c->pub), "%s", c->keyid);
	}
	qsort(cp->src, cp->nsrc, sizeof(*cp->src), cand_cmp);
	return worst;
}

int
cmd_copy(int argc, char **argv)
{
	struct copy cp = {0};
	const char *keys[3] = {NULL, NULL, NULL};
	struct qmedia m;
	struct qos_stat st;
	int status, s;

	cp.since = INT64_MIN;
	if ((status = copy_parse(argc, argv, &cp, keys)) != 0) {
		free(cp.sticks);
		return status;
	}
	cp.dest = argv[argc - 1];
	if ((s = qos_statat(QOS_AT_CWD, cp.dest, &st, 0)) != 0 ||
	    st.kind != QOS_DIR) {
		free(cp.sticks);
		cli_fail_code("dest");
		return cli_fail("%s: %s", cp.dest, s != 0 ? strerror(errno) :
		    "not a folder");
	}
	cp.fat = qmedia_probe_path(cp.dest, &m) == 0 && m.fsname != NULL;
	cp.fat_max = cli_fat_limit() != 0 && cli_fat_limit() < m.max_file ?
	    cli_fat_limit() : m.max_file;
	if ((cp.kr = cli_trust(keys[0], keys[1], keys[2], &status)) == NULL) {
		free(cp.sticks);
		return status;
	}
	/* A mirror carries old weeks too: OLDER and expired bundles are not
	 * refused; the recipient who reads them judges. */
	if ((status = cli_seen_open(&cp.seen, 1, 1)) != 0) {
		qasid_keyring_free(cp.kr);
		free(cp.sticks);
		return status;
	}
	status = copy_scan(&cp, argc, argv);
	if ((s = copy_all(&cp)) > status)
		status = s;
	if (cli.json && !cp.plan)
		printf("{\"summary\":{\"copied\":%u,\"already\":%u,"
		    "\"failed\":%u}}\n", cp.copied, cp.there, cp.failed);
	else if (!cli.quiet && !cp.plan)
		printf("%u copied, %u already in %s, %u failed\n", cp.copied,
		    cp.there, cli_safe(cp.dest), cp.failed);
	copy_free(&cp);
	return status;
}
