/* SPDX-License-Identifier: ISC */
/*
 * cli_volume.c - what list and verify say of a volume of a set: which part
 * it is, which parts lie beside it in its folder (same set id: claimed by
 * their heads, each checked only when it is itself read), and which parts
 * hold each file of the set; and unpack of a whole set.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "os.h"

/* Parts of sets larger than this are counted, not named one by one. */
#define PARTS_SHOWN 4096

static char *
folder_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : 1;
	char *d = malloc(n + 1);

	if (d != NULL)
		snprintf(d, n + 1, "%.*s", (int)n, slash ? path : ".");
	return d;
}

/* The part a bundle's head claims in set, or 0. */
static uint64_t
part_in(const char *dir, const char *name, const char *set)
{
	size_t n = strlen(dir) + strlen(name) + 2, len = strlen(name);
	qasid_reader *r;
	uint64_t part = 0;
	char *path;

	if (len < 7 || strcmp(name + len - 6, ".qasid") != 0 ||
	    (path = malloc(n)) == NULL)
		return 0;
	snprintf(path, n, "%s/%s", dir, name);
	if ((r = qasid_reader_new(NULL)) != NULL &&
	    qasid_reader_open(r, path) == QASID_OK) {
		(void)qasid_reader_list(r, 0, NULL, NULL);
		if (strcmp(qasid_reader_info(r)->volume_set, set) == 0)
			part = qasid_reader_info(r)->volume_part;
	}
	qasid_reader_free(r);
	free(path);
	return part;
}

static void
scan(const char *path, const qasid_info *in, unsigned char *seen)
{
	char *dir = folder_of(path);
	struct qos_dir *dp;
	const char *name;

	if (dir == NULL || (dp = qos_dir_open(dir)) == NULL) {
		free(dir);
		return;
	}
	while ((name = qos_dir_next(dp, NULL)) != NULL) {
		uint64_t p = part_in(dir, name, in->volume_set);
		if (p >= 1 && p <= in->volume_count)
			seen[p - 1] = 1;
	}
	qos_dir_close(dp);
	free(dir);
}

/* "1-3, 5": the parts with seen[i] == want. */
static void
ranges(const unsigned char *seen, uint64_t n, int want)
{
	const char *sep = "";

	for (uint64_t i = 0; i < n; i++) {
		uint64_t j = i;
		if (seen[i] != want)
			continue;
		while (j + 1 < n && seen[j + 1] == want)
			j++;
		if (j > i)
			printf("%s%" PRIu64 "-%" PRIu64, sep, i + 1, j + 1);
		else
			printf("%s%" PRIu64, sep, i + 1);
		sep = ", ";
		i = j;
	}
}

void
cli_volume_line(const char *label, const char *path, const qasid_info *in)
{
	unsigned char *seen;
	uint64_t n = in->volume_count, have = 0;

	if (in->volume_part == 0)
		return;
	printf("%spart %" PRIu64 " of %" PRIu64 " of set %.16s", label,
	    in->volume_part, n, in->volume_set);
	if (n > PARTS_SHOWN || (seen = calloc(n, 1)) == NULL) {
		printf("\n");
		return;
	}
	scan(path, in, seen);
	for (uint64_t i = 0; i < n; i++)
		have += seen[i];
	printf("; beside it: ");
	ranges(seen, n, 1);
	if (have < n) {
		printf("; missing: ");
		ranges(seen, n, 0);
	}
	printf("\n");
	free(seen);
}

const char *
cli_volume_parts(const qasid_entry *e, char *buf, size_t len)
{
	if (e->first_part == 0)
		return "";
	if (e->first_part == e->last_part)
		snprintf(buf, len, "  (part %" PRIu64 ")", e->first_part);
	else
		snprintf(buf, len, "  (parts %" PRIu64 "-%" PRIu64 ")",
		    e->first_part, e->last_part);
	return buf;
}

struct elsewhere {
	uint64_t part, here, away;
};

static int
count_file(void *ud, const qasid_entry *e)
{
	struct elsewhere *w = ud;
	char parts[64];

	if (e->is_dir)
		return 0;
	if (e->first_part == w->part && e->last_part == w->part) {
		w->here++;
		return 0;
	}
	if (w->away++ == 0)
		printf("in other parts, not unpacked from this one:\n");
	printf("  %s%s\n", cli_safe(e->path), cli_volume_parts(e, parts,
	    sizeof(parts)));
	return 0;
}

uint64_t
cli_volume_unpacked(qasid_reader *r)
{
	struct elsewhere w = {qasid_reader_info(r)->volume_part, 0, 0};

	(void)qasid_reader_set_list(r, count_file, &w);
	return w.here;
}

static int
count_any(void *ud, const qasid_entry *e)
{
	struct cli_counts *n = ud;

	n->dirs += e->is_dir;
	n->files += !e->is_dir;
	n->bytes += e->size;
	return 0;
}

/* A volume's own counts are of its part of the set, its set file among
 * them: what a reader wants to know is the set's, so those are shown,
 * and said to be. */
void
cli_volume_counts(qasid_reader *r, struct cli_counts *n)
{
	const qasid_info *in = qasid_reader_info(r);

	memset(n, 0, sizeof(*n));
	n->label = "";
	if (in->volume_part > 0 &&
	    qasid_reader_set_list(r, count_any, n) == QASID_OK) {
		n->label = " in the whole set";
		return;
	}
	n->files = in->files;
	n->dirs = in->dirs;
	n->bytes = in->bytes;
}

/* Whether path's head claims to be a volume of a set (not yet checked). */
static int
cli_volume_claimed(const char *path)
{
	qasid_reader *r = qasid_reader_new(NULL);
	int yes = 0;

	if (r != NULL && qasid_reader_open(r, path) == QASID_OK) {
		(void)qasid_reader_list(r, 0, NULL, NULL);
		yes = qasid_reader_info(r)->volume_part > 0;
	}
	qasid_reader_free(r);
	return yes;
}

/* Whether any of paths claims to be a volume: then they are a set. */
int
cli_volume_any(char **paths, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (cli_volume_claimed(paths[i]))
			return 1;
	return 0;
}

/* unpack -C DIR NAME.part*.qasid: the whole set, all or nothing. */
int
cli_volume_unpack_set(qasid_keyring *kr, struct cli_seen *seen,
    const char *dir, char **paths, size_t n)
{
	qasid_reader *r = cli_reader_new(kr);
	int rc, status;

	if (r == NULL)
		return EXIT_OTHER;
	qasid_reader_set_progress(r, cli_progress, NULL);
	/* The set is judged once, by its first part's head, before anything
	 * is written: every part carries the same set id. */
	cli_seen_begin(seen, r, 1);
	cli_catch_stop(1);
	rc = qasid_reader_unpack_set(r, (const char *const *)paths, n, dir);
	cli_progress_done();
	if (rc != QASID_OK && cli_stop_requested())
		cli_stopped(dir, "nothing was unpacked");
	cli_catch_stop(0);
	status = cli_seen_end(seen, paths[0], qasid_reader_info(r), rc, 1);
	if (status <= 0)
		status = cli_result(rc, qasid_reader_errmsg(r));
	if (status == 0 && !cli.quiet && !cli.json) {
		struct cli_counts c;
		cli_volume_counts(r, &c);
		printf("unpacked the set of %zu volumes (%" PRIu64 " files) "
		    "into %s\n", n, c.files, cli_safe(dir));
	}
	qasid_reader_free(r);
	return status;
}

/* Removes parts from..count of the set written as tmp. */
static void
remove_parts(const char *tmp, uint64_t from, uint64_t count)
{
	for (uint64_t k = from; k <= count; k++) {
		char *t = qasid_volume_path(tmp, k);
		if (t != NULL)
			qos_unlinkat(QOS_AT_CWD, t, 0);
		free(t);
	}
}

/* Every final name is free (or may be replaced): checked before the
 * record is written, so that a refusal records nothing. */
static int
names_free(const char *out, uint64_t count, int force)
{
	int status = 0;

	for (uint64_t k = 1; status == 0 && !force && k <= count; k++) {
		char *f = qasid_volume_path(out, k);
		if (f == NULL)
			status = cli_fail("out of memory");
		else if (qos_exists(f))
			status = cli_fail("%s: file exists", f);
		free(f);
	}
	return status;
}

int
cli_volume_publish(struct cli_packed *pk, const qasid_seckey *sk,
    const char *out, const char *tmp, uint64_t count, int force)
{
	char *t = qasid_volume_path(tmp, 1), *f = NULL;
	uint64_t k = 1;
	int status;

	if (t == NULL)
		status = cli_fail("out of memory");
	else if ((status = names_free(out, count, force)) == 0)
		status = cli_packed_end(pk, sk, out, t);
	for (; status == 0 && k <= count; k++) {
		free(t);
		t = qasid_volume_path(tmp, k);
		f = qasid_volume_path(out, k);
		if (t == NULL || f == NULL)
			status = cli_fail("out of memory");
		else if ((force ? qos_rename(t, f) : qrename_noreplace(
		    QOS_AT_CWD, t, QOS_AT_CWD, f)) != 0)
			status = cli_fail("%s: %s", f, strerror(errno));
		free(f);
	}
	free(t);
	if (status != 0)
		remove_parts(tmp, k > 1 ? k - 1 : 1, count);
	return status;
}
