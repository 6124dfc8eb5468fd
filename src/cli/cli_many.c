/* SPDX-License-Identifier: ISC */
/*
 * cli_many.c - many bundles at once: folders walked for bundles (found by
 * what they hold, never by name), one stable error code per failure for
 * --json, and the summary line after several bundles.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "cli.h"
#include "os.h"

#define SNIFF_RAW 4096
#define MANIFEST_NAME ".qasid/manifest"

/*
 * 1 if the file starts as a bundle does: a gzip member whose first tar
 * entry is .qasid/manifest; 0 if not; -1 with errno if it cannot be read.
 */
int
cli_is_bundle(const char *path)
{
	unsigned char raw[SNIFF_RAW], tar[512];
	z_stream z = {0};
	ptrdiff_t n;
	int fd, ok;

	if ((fd = qos_open(path, QOS_READ, 0)) < 0)
		return -1;
	n = qos_read(fd, raw, sizeof(raw));
	qos_close(fd);
	if (n < 0)
		return -1;
	if (n < 2 || raw[0] != 0x1f || raw[1] != 0x8b)
		return 0;
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return 0;
	z.next_in = raw;
	z.avail_in = (uInt)n;
	z.next_out = tar;
	z.avail_out = sizeof(tar);
	ok = inflate(&z, Z_SYNC_FLUSH);
	ok = (ok == Z_OK || ok == Z_STREAM_END) && z.avail_out == 0 &&
	    memcmp(tar, MANIFEST_NAME, sizeof(MANIFEST_NAME)) == 0;
	inflateEnd(&z);
	return ok;
}

static const char *
base_name(const char *path)
{
	const char *b = strrchr(path, '/');

	return b != NULL ? b + 1 : path;
}

/* 1 if the file starts with gzip's magic bytes. */
static int
gzip_magic(const char *path)
{
	unsigned char m[2];
	int fd = qos_open(path, QOS_READ, 0);
	ptrdiff_t n = fd >= 0 ? qos_read(fd, m, 2) : -1;

	if (fd >= 0)
		qos_close(fd);
	return n == 2 && m[0] == 0x1f && m[1] == 0x8b;
}

static int walk(const char *dir, int recursive, cli_bundle_fn fn, void *ud,
    int *worst);

static int
walk_one(const char *path, int recursive, cli_bundle_fn fn, void *ud,
    int *worst)
{
	struct qos_stat st;
	int is;

	if (qos_statat(QOS_AT_CWD, path, &st, QOS_NOFOLLOW) != 0)
		return cli_fail("%s: %s", path, strerror(errno));
	if (st.kind == QOS_DIR)
		return recursive ? walk(path, recursive, fn, ud, worst) : 0;
	if (st.kind != QOS_FILE)
		return 0;
	/* qasid copy's unfinished work: the next copy continues it. */
	if (strncmp(base_name(path), ".qasid-copy-", 12) == 0) {
		if (!cli.quiet && !cli.json)
			fprintf(stderr, "qasid: %s: a partial copy, skipped\n",
			    cli_safe(path));
		return 0;
	}
	if ((is = cli_is_bundle(path)) < 0)
		return cli_fail("%s: %s", path, strerror(errno));
	if (is == 0) {
		if (!cli.quiet && !cli.json)
			fprintf(stderr, "qasid: %s: not a bundle, skipped\n",
			    cli_safe(path));
		return 0;
	}
	return fn(ud, path);
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A folder's names, sorted so the output does not depend on the disk. */
static char **
read_names(const char *dir, size_t *count)
{
	struct qos_dir *d = qos_dir_open(dir);
	const char *e;
	char **v = NULL, **nv;
	size_t n = 0;

	if (d == NULL)
		return NULL;
	while ((e = qos_dir_next(d, NULL)) != NULL) {
		if ((nv = realloc(v, (n + 1) * sizeof(*v))) == NULL)
			break;
		v = nv;
		if ((v[n] = strdup(e)) == NULL)
			break;
		n++;
	}
	qos_dir_close(d);
	if (v != NULL)
		qsort(v, n, sizeof(*v), name_cmp);
	*count = n;
	return v != NULL ? v : calloc(1, sizeof(*v));
}

static int
walk(const char *dir, int recursive, cli_bundle_fn fn, void *ud, int *worst)
{
	size_t n = 0, i;
	char **names = read_names(dir, &n);
	char *path;
	int st;

	if (names == NULL)
		return cli_fail("%s: %s", dir, strerror(errno));
	for (i = 0; i < n; i++) {
		size_t len = strlen(dir) + strlen(names[i]) + 2;
		if ((path = malloc(len)) == NULL) {
			st = cli_fail("out of memory");
		} else {
			snprintf(path, len, "%s%s%s", dir,
			    dir[strlen(dir) - 1] == '/' ? "" : "/", names[i]);
			st = walk_one(path, recursive, fn, ud, worst);
			free(path);
		}
		if (st > *worst)
			*worst = st;
		free(names[i]);
	}
	free(names);
	return 0;
}

/*
 * Calls fn for each bundle the arguments name: a file as it is (so a file
 * that is not a bundle is reported by the reader), a folder for the bundles
 * in it, and in its subfolders with recursive. Returns the worst status.
 */
int
cli_each_bundle(char **args, int nargs, int recursive, cli_bundle_fn fn,
    void *ud)
{
	struct qos_stat st;
	int worst = 0, s;

	for (int i = 0; i < nargs; i++) {
		if (qos_statat(QOS_AT_CWD, args[i], &st, 0) == 0 &&
		    st.kind == QOS_DIR)
			s = walk(args[i], recursive, fn, ud, &worst) ? EXIT_OTHER : 0;
		else
			s = fn(ud, args[i]);
		if (s > worst)
			worst = s;
	}
	return worst;
}

/* A bundle found, and what its head claims, to put a series in order. */
struct found {
	char *path;
	char keyid[QASID_KEYID_HEX];
	char series[65];
	uint64_t sequence;
	size_t index;              /* where it was found, to keep ties */
};

struct founds {
	struct found *f;
	size_t n, cap;
};

static int
collect(void *ud, const char *path)
{
	struct founds *fs = ud;
	struct found *f;
	qasid_reader *r;

	if (fs->n == fs->cap) {
		size_t cap = fs->cap ? fs->cap * 2 : 64;
		if ((f = realloc(fs->f, cap * sizeof(*f))) == NULL)
			return cli_fail("out of memory");
		fs->f = f;
		fs->cap = cap;
	}
	f = &fs->f[fs->n];
	memset(f, 0, sizeof(*f));
	if ((f->path = strdup(path)) == NULL)
		return cli_fail("out of memory");
	f->index = fs->n++;
	/* What the head claims, unverified: only an order, never trust. */
	if ((r = qasid_reader_new(NULL)) != NULL &&
	    qasid_reader_open(r, path) == QASID_OK &&
	    qasid_reader_list(r, 0, NULL, NULL) == QASID_OK) {
		const qasid_info *in = qasid_reader_info(r);
		snprintf(f->keyid, sizeof(f->keyid), "%s", in->keyid);
		snprintf(f->series, sizeof(f->series), "%s", in->series);
		f->sequence = in->sequence;
	}
	qasid_reader_free(r);
	return 0;
}

static int
found_cmp(const void *a, const void *b)
{
	const struct found *x = a, *y = b;
	int d;

	if ((d = strcmp(x->keyid, y->keyid)) != 0 ||
	    (d = strcmp(x->series, y->series)) != 0)
		return d;
	if (x->sequence != y->sequence)
		return x->sequence < y->sequence ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

int
cli_each_bundle_in_order(char **args, int nargs, int recursive,
    cli_bundle_fn fn, void *ud)
{
	struct qos_stat st;
	int worst = 0, s;

	for (int i = 0; i < nargs; i++) {
		struct founds fs = {0};
		/* Bundles named one by one keep the order they were given. */
		if (qos_statat(QOS_AT_CWD, args[i], &st, 0) != 0 ||
		    st.kind != QOS_DIR) {
			if ((s = fn(ud, args[i])) > worst)
				worst = s;
			continue;
		}
		if ((s = cli_each_bundle(&args[i], 1, recursive, collect,
		    &fs)) > worst)
			worst = s;
		if (fs.n > 1)
			qsort(fs.f, fs.n, sizeof(*fs.f), found_cmp);
		for (size_t j = 0; j < fs.n; j++) {
			if ((s = fn(ud, fs.f[j].path)) > worst)
				worst = s;
			free(fs.f[j].path);
		}
		free(fs.f);
	}
	return worst;
}

/* The stable name of a library error for --json. */
const char *
cli_err_code(int rc)
{
	static const char *const codes[] = {
		"ok", "nomem", "io", "arg", "format", "signature", "untrusted",
		"content", "unsafe", "limit", "key", "password", "exists",
		"nospace", "path", "notfound", "internal", "dest", "cancelled",
		"metadata", "state", "refused", "local", "expired", "unfinished",
	};

	if (rc <= 0 && -rc < (int)(sizeof(codes) / sizeof(codes[0])))
		return codes[-rc];
	if (rc == QASID_ERR_REVOKED)
		return "revoked";
	if (rc == QASID_ERR_RETIRED)
		return "retired";
	if (rc == QASID_ERR_CONTRADICTION)
		return "contradiction";
	return "internal";
}

/* {"code":..,"message":..,"bundle":..} */
void
cli_json_error(const char *code, const char *msg, const char *bundle)
{
	printf("{\"code\":\"%s\",\"message\":", code);
	cli_json_str(msg);
	printf(",\"bundle\":");
	cli_json_str(bundle);
	printf("}");
}

/* After several bundles: how many, and how they fared. */
void
cli_summary(const char *verb, unsigned ok, unsigned failed)
{
	if (cli.json || cli.quiet)
		return;
	printf("%u bundle%s: %u %s, %u failed\n", ok + failed,
	    ok + failed == 1 ? "" : "s", ok, verb, failed);
}

/*
 * Why a read of the bundle at path failed, in words that say what to do
 * next, and the stable code --json gives it: a short file whose manifest
 * promised more is an incomplete copy, a file that does not start as a
 * bundle is not one. The result lasts until the next call.
 */
const char *
cli_explain(const qasid_reader *r, const char *path, int rc,
    const char **code)
{
	static char msg[1536];
	const char *why = qasid_reader_errmsg(r);
	size_t plen = strlen(path);
	struct qos_stat st;
	uint64_t want;

	*code = cli_err_code(rc);
	if (rc == QASID_OK)
		return "";
	/* The reader's own reason, without the name it starts with. */
	if (strncmp(why, path, plen) == 0 && strncmp(why + plen, ": ", 2) == 0)
		why += plen + 2;
	if (qasid_reader_expected_size(r, &want) == QASID_OK &&
	    qos_statat(QOS_AT_CWD, path, &st, 0) == 0 && st.size < want) {
		*code = "incomplete";
		snprintf(msg, sizeof(msg), "%s: incomplete copy: %jd of %"
		    PRIu64 " bytes; copy it again from a complete one%s%s%s",
		    path, (intmax_t)st.size, want, *why ? " (" : "", why,
		    *why ? ")" : "");
		return msg;
	}
	if (rc == QASID_ERR_FORMAT && !gzip_magic(path)) {
		*code = "not_bundle";
		snprintf(msg, sizeof(msg), "%s: not a qasid bundle", path);
		return msg;
	}
	return qasid_reader_errmsg(r);
}
