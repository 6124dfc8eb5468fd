/* SPDX-License-Identifier: ISC */
/*
 * fuzz_receipt.c - an update in place against a receipt someone forged.
 *
 * A folder's receipt (.qasid-receipt-KEYID-SERIES, FORMAT.md 10.2) lives
 * where anyone who can write the folder can change it, so it is untrusted
 * input. Each run lays out the folder as week 1 of series "fz" left it,
 * plus two files of the recipient, puts the input's receipt there and
 * unpacks week 2 over it. Input: one byte M, then either (M even) the
 * receipt itself, or (M odd) two bytes of offset and bytes written over
 * the genuine receipt there, so mutations reach past its header.
 *
 * Promises: the recipient's own files are never changed; a failed update
 * leaves the folder as it was (its receipt aside); a good one leaves
 * every file of week 2 with its signed content, and anything else only as
 * it was before (a receipt that leaves out a file of week 1 makes it the
 * recipient's, so it stays).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

#define TREE_MAX 8192

static struct {
	struct fuzz_env *env;
	char w1[300], w2[300], dest[300], rcpt[600];
	unsigned char *genuine;
	size_t glen;
	char before[TREE_MAX], want[TREE_MAX];
} st;

static void
put(const char *dir, const char *path, const char *text)
{
	char full[600];
	FILE *f;

	snprintf(full, sizeof(full), "%s/%s", dir, path);
	if ((f = fopen(full, "w")) == NULL || fputs(text, f) < 0 ||
	    fclose(f) != 0)
		abort();
}

static void
mk(const char *dir, const char *path)
{
	char full[600];

	snprintf(full, sizeof(full), "%s/%s", dir, path);
	if (mkdir(full, 0755) != 0)
		abort();
}

/* Week n of the series as files under top/fz. */
static void
week(const char *top, int n)
{
	mk(top, "");
	mk(top, "fz");
	mk(top, "fz/sub");
	put(top, "fz/keep.txt", "kept every week\n");
	put(top, "fz/a.txt", n == 1 ? "week one\n" : "week two, longer\n");
	if (n == 1)
		put(top, "fz/sub/c.txt", "gone in week two\n");
	else
		put(top, "fz/sub/d.txt", "new in week two\n");
}

static void
pack(const char *top, uint64_t seq, const char *out)
{
	qasid_packer *p = qasid_packer_new(st.env->sk);
	char path[400];

	if (p == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/fz", top);
	qasid_packer_set_time(p, 1700000000 + (int64_t)seq);
	qasid_packer_set_threads(p, 1);
	if (qasid_packer_set_series(p, "fz", seq) != QASID_OK ||
	    qasid_packer_add(p, path) != QASID_OK ||
	    qasid_packer_write(p, out, 1) != QASID_OK)
		abort();
	qasid_packer_free(p);
}

static int
unpack(const char *bundle, const char *dir)
{
	qasid_reader *r = qasid_reader_new(st.env->kr);
	int rc;

	if (r == NULL)
		abort();
	qasid_reader_set_threads(r, 1);
	rc = qasid_reader_open(r, bundle);
	if (rc == QASID_OK)
		rc = qasid_reader_unpack(r, dir);
	qasid_reader_free(r);
	return rc;
}

/* "path=content;" for each file under dir, sorted, without .qasid names. */
static void
tree(const char *dir, const char *rel, char *out, size_t len)
{
	struct dirent **names;
	char full[600], sub[600], buf[256];
	int n = scandir(dir, &names, NULL, alphasort);

	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		struct stat sb;
		FILE *f;
		size_t got;

		snprintf(full, sizeof(full), "%s/%s", dir, name);
		snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "", name);
		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
		    strncmp(name, ".qasid", 6) == 0 || lstat(full, &sb) != 0) {
			free(names[i]);
			continue;
		}
		if (S_ISDIR(sb.st_mode)) {
			snprintf(out + strlen(out), len - strlen(out), "%s/;",
			    sub);
			tree(full, sub, out, len);
		} else if (S_ISREG(sb.st_mode) && (f = fopen(full, "r"))) {
			got = fread(buf, 1, sizeof(buf) - 1, f);
			buf[got] = '\0';
			fclose(f);
			snprintf(out + strlen(out), len - strlen(out), "%s=%s;",
			    sub, buf);
		} else {
			snprintf(out + strlen(out), len - strlen(out), "%s?;",
			    sub);
		}
		free(names[i]);
	}
	free(names);
}

static void
snapshot(const char *dir, char *out)
{
	out[0] = '\0';
	tree(dir, "", out, TREE_MAX);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char b1[400], path[400], name[300] = "";
	struct dirent *d;
	DIR *dp;
	FILE *f;

	(void)argc;
	(void)argv;
	st.env = fuzz_env();
	snprintf(st.w1, sizeof(st.w1), "%s/w1", st.env->dir);
	snprintf(st.w2, sizeof(st.w2), "%s/w2.qasid", st.env->dir);
	snprintf(st.dest, sizeof(st.dest), "%s/dest", st.env->dir);
	snprintf(b1, sizeof(b1), "%s/w1.qasid", st.env->dir);
	snprintf(path, sizeof(path), "%s/src2", st.env->dir);
	fuzz_rm_tree(st.w1);
	fuzz_rm_tree(path);
	week(st.w1, 1);
	week(path, 2);
	pack(st.w1, 1, b1);
	pack(path, 2, st.w2);
	fuzz_rm_tree(path);
	/* Week 2 as it should land, and week 1 unpacked for its receipt. */
	fuzz_rm_tree(st.dest);
	if (unpack(st.w2, st.dest) != QASID_OK)
		abort();
	put(st.dest, "mine.txt", "the recipient's\n");
	put(st.dest, "fz/mine.txt", "the recipient's too\n");
	snapshot(st.dest, st.want);
	fuzz_rm_tree(st.dest);
	if (unpack(b1, st.dest) != QASID_OK || (dp = opendir(st.dest)) == NULL)
		abort();
	while ((d = readdir(dp)) != NULL)
		if (strncmp(d->d_name, ".qasid-receipt-", 15) == 0)
			snprintf(name, sizeof(name), "%s", d->d_name);
	closedir(dp);
	snprintf(st.rcpt, sizeof(st.rcpt), "%s/%s", st.w1, name);
	snprintf(path, sizeof(path), "%s/%s", st.dest, name);
	if ((f = fopen(path, "rb")) == NULL ||
	    (st.genuine = malloc(1 << 16)) == NULL)
		abort();
	st.glen = fread(st.genuine, 1, 1 << 16, f);
	fclose(f);
	fuzz_rm_tree(st.dest);
	return 0;
}

/* The folder as week 1 left it, with files of the recipient, and the
 * receipt the input makes. */
static void
lay_out(const uint8_t *data, size_t size)
{
	char cmd[700], path[800];
	FILE *f;

	fuzz_rm_tree(st.dest);
	snprintf(cmd, sizeof(cmd), "cp -R '%s' '%s'", st.w1, st.dest);
	if (system(cmd) != 0)
		abort();
	put(st.dest, "mine.txt", "the recipient's\n");
	put(st.dest, "fz/mine.txt", "the recipient's too\n");
	snprintf(path, sizeof(path), "%s/%s", st.dest, strrchr(st.rcpt, '/') +
	    1);
	if ((f = fopen(path, "wb")) == NULL)
		abort();
	if (data[0] % 2 == 0) {
		fwrite(data + 1, 1, size - 1, f);
	} else {
		size_t at = size >= 3 ? ((size_t)data[1] << 8 | data[2]) : 0;
		size_t n = size > 3 ? size - 3 : 0;
		if (at > st.glen)
			at = st.glen;
		fwrite(st.genuine, 1, at, f);
		fwrite(data + 3, 1, n, f);
		if (at + n < st.glen)
			fwrite(st.genuine + at + n, 1, st.glen - at - n, f);
	}
	fclose(f);
}

/* Every "entry;" of part is one of whole. */
static int
within(const char *part, const char *whole)
{
	char tok[TREE_MAX + 2];
	const char *p = part, *end;

	while ((end = strchr(p, ';')) != NULL) {
		snprintf(tok, sizeof(tok), ";%.*s;", (int)(end - p), p);
		/* whole's first entry has no ';' before it */
		if (strstr(whole, tok) == NULL && strncmp(whole, tok + 1,
		    strlen(tok + 1)) != 0)
			return 0;
		p = end + 1;
	}
	return 1;
}

/* Each entry of after that week 2 lacks was there before, as it was. */
static int
extra_kept(const char *after)
{
	char tok[TREE_MAX + 2];
	const char *p = after, *end;

	while ((end = strchr(p, ';')) != NULL) {
		snprintf(tok, sizeof(tok), "%.*s;", (int)(end - p), p);
		if (!within(tok, st.want) && !within(tok, st.before))
			return 0;
		p = end + 1;
	}
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char after[TREE_MAX];
	int rc;

	if (size == 0 || size > 1 << 15)
		return 0;
	lay_out(data, size);
	snapshot(st.dest, st.before);
	rc = unpack(st.w2, st.dest);
	snapshot(st.dest, after);
	if (strstr(after, "mine.txt=the recipient's\n;") == NULL ||
	    strstr(after, "fz/mine.txt=the recipient's too\n;") == NULL)
		abort(); /* a recipient's file changed */
	/* A receipt that leaves out a file of week 1 makes it the
	 * recipient's, so it stays: but as it was. */
	if (rc == QASID_OK && (!within(st.want, after) || !extra_kept(after)))
		abort(); /* "updated", but not to week 2 */
	if (rc != QASID_OK && strcmp(after, st.before) != 0)
		abort(); /* failed, and changed the folder */
	if (rc == QASID_OK)
		fuzz_accepted++;
	return 0;
}
