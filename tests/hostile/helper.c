/* SPDX-License-Identifier: ISC */
/*
 * helper.c - the native half of the hostile-bundle tests.
 *
 *   hostile-helper tar                     canonical tar headers
 *   hostile-helper sign SECKEY             raw Ed25519 signature of stdin
 *   hostile-helper mutate PUBKEY BUNDLE WORKDIR
 *   hostile-helper truncate PUBKEY BUNDLE WORKDIR
 *
 * "tar" reads records "KIND MODE SIZE MTIME LEN\n" followed by LEN bytes of
 * path (KIND d or f, MODE octal) and answers each with "LEN\n" and the
 * header bytes the library's tar writer makes, or "-1\n" if it refuses the
 * entry; craft.py builds bundle bodies from them. "sign" signs whatever it
 * is given with a minisign secret key saved without a password, so tests
 * can make signatures that minisign itself would never write.
 *
 * "mutate" changes every byte of BUNDLE in turn (XOR 0x01, then XOR 0xFF)
 * and "truncate" cuts it at every length; each damaged copy must fail both
 * verification and unpacking with a verification error and a one-line
 * message, and unpacking must leave its destination, and a sentinel folder
 * beside it, as they were. They run in-process against libqasid, which
 * takes seconds where starting the tool thousands of times would take
 * minutes. Exit status 0 when every case
 * behaved, 1 when some did not (each printed), 2 on a usage or setup error.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "tar.h"

#define PATH_CAP 8192
#define SHOW_MAX 10

static int
usage(void)
{
	fprintf(stderr, "usage: hostile-helper tar | sign SECKEY | "
	    "mutate PUBKEY BUNDLE WORKDIR | truncate PUBKEY BUNDLE WORKDIR\n");
	return 2;
}

/* ---- tar ---------------------------------------------------------------- */

static int
read_record(char *kind, unsigned *mode, uint64_t *size, int64_t *mtime,
    char *path, size_t cap)
{
	char line[256], *end;
	unsigned long long len;

	if (fgets(line, sizeof(line), stdin) == NULL)
		return 0;
	if (sscanf(line, "%c %o %" SCNu64 " %" SCNd64 " %llu", kind, mode,
	    size, mtime, &len) != 5 || len >= cap)
		return -1;
	if (fread(path, 1, (size_t)len, stdin) != (size_t)len)
		return -1;
	path[len] = '\0';
	end = memchr(path, '\0', (size_t)len);
	return end == NULL ? 1 : -1; /* a NUL cannot reach a C string */
}

static int
cmd_tar(void)
{
	char *path = malloc(PATH_CAP), kind;
	struct qbuf out = {0};
	unsigned mode;
	uint64_t size;
	int64_t mtime;
	int rc;

	if (path == NULL)
		return 2;
	while ((rc = read_record(&kind, &mode, &size, &mtime, path,
	    PATH_CAP)) != 0) {
		struct qtar_entry te = {path, kind == 'd', mode, size, mtime};
		out.len = 0;
		if (rc < 0 || qtar_header(&te, &out) != QASID_OK) {
			printf("-1\n");
		} else {
			printf("%zu\n", out.len);
			fwrite(out.p, 1, out.len, stdout);
		}
		fflush(stdout);
	}
	qbuf_free(&out);
	free(path);
	return 0;
}

/* ---- sign --------------------------------------------------------------- */

static int
cmd_sign(const char *keyfile)
{
	qasid_seckey *sk = qasid_seckey_new();
	unsigned char sig[crypto_sign_BYTES], buf[65536];
	struct qbuf msg = {0};
	size_t n;
	int rc = 2;

	if (sk == NULL || qasid_seckey_load(sk, keyfile, NULL, 0) != QASID_OK) {
		fprintf(stderr, "hostile-helper: %s: %s\n", keyfile,
		    sk ? qasid_seckey_errmsg(sk) : "out of memory");
		goto out;
	}
	while ((n = fread(buf, 1, sizeof(buf), stdin)) > 0)
		if (qbuf_append(&msg, buf, n) != QASID_OK)
			goto out;
	crypto_sign_detached(sig, NULL, msg.p ? msg.p : buf, msg.len, sk->sk);
	rc = fwrite(sig, 1, sizeof(sig), stdout) == sizeof(sig) ? 0 : 2;
out:
	qbuf_free(&msg);
	qasid_seckey_free(sk);
	return rc;
}

/* ---- mutate, truncate --------------------------------------------------- */

struct damage {
	qasid_keyring *kr;
	char work[4096];       /* holds only the three below */
	char file[4096];       /* the damaged copy */
	char dest[4096];       /* unpack destination, holding "old" only */
	char sentinel[4096];   /* a folder beside it, holding "s" only */
	unsigned long cases, bad;
};

static void
report(struct damage *d, const char *what, const char *op, int rc,
    const char *msg)
{
	d->bad++;
	if (d->bad <= SHOW_MAX)
		printf("%s: %s gave %d (%s): %s\n", what, op, rc,
		    qasid_strerror(rc), msg);
}

/* Whether folder path holds exactly the names in want (NULL-terminated). */
static int
holds_only(const char *path, const char *const *want)
{
	struct dirent *e;
	DIR *dp = opendir(path);
	int n = 0, ok = 1, k;

	if (dp == NULL)
		return 0;
	while ((e = readdir(dp)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		n++;
		for (k = 0; want[k] != NULL && strcmp(want[k], e->d_name); k++)
			;
		if (want[k] == NULL)
			ok = 0;
	}
	closedir(dp);
	for (k = 0; want[k] != NULL; k++)
		;
	return ok && n == k;
}

static int
size_is(const char *dir, const char *name, off_t size)
{
	char path[4096 + 8];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_size == size;
}

/* The destination must hold exactly the one file it started with, and
 * nothing beside it may have changed. */
static int
dest_untouched(struct damage *d)
{
	static const char *const work[] = {"damaged.qasid", "dest", "sentinel",
	    NULL};
	static const char *const old[] = {"old", NULL};
	static const char *const s[] = {"s", NULL};

	return holds_only(d->work, work) && holds_only(d->dest, old) &&
	    holds_only(d->sentinel, s) && size_is(d->dest, "old", 4) &&
	    size_is(d->sentinel, "s", 9);
}

static int
one_line(const char *msg)
{
	return msg[0] != '\0' && strchr(msg, '\n') == NULL;
}

/* Verifies and unpacks the damaged copy; both must refuse it. */
static void
check_copy(struct damage *d, const char *what)
{
	qasid_reader *r = qasid_reader_new(d->kr);
	int rc;

	d->cases++;
	if (r == NULL) {
		report(d, what, "setup", QASID_ERR_NOMEM, "");
		return;
	}
	rc = qasid_reader_open(r, d->file);
	if (rc == QASID_OK)
		rc = qasid_reader_verify(r);
	if (!qasid_err_is_verification(rc) || !one_line(qasid_reader_errmsg(r)))
		report(d, what, "verify", rc, qasid_reader_errmsg(r));
	rc = qasid_reader_open(r, d->file);
	if (rc == QASID_OK)
		rc = qasid_reader_unpack(r, d->dest);
	if (!qasid_err_is_verification(rc) || !one_line(qasid_reader_errmsg(r)))
		report(d, what, "unpack", rc, qasid_reader_errmsg(r));
	else if (!dest_untouched(d))
		report(d, what, "unpack", rc, "changed the destination");
	qasid_reader_free(r);
}

static int
write_file(const char *path, const unsigned char *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0)
		return -1;
	if (qwrite_all(fd, p, n) < 0) {
		close(fd);
		return -1;
	}
	return close(fd);
}

static unsigned char *
read_file(const char *path, size_t *len)
{
	struct qbuf b = {0};
	unsigned char buf[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return NULL;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (qbuf_append(&b, buf, (size_t)n) != QASID_OK)
			break;
	close(fd);
	*len = b.len;
	if (n != 0) {
		qbuf_free(&b);
		return NULL;
	}
	return b.p ? b.p : calloc(1, 1);
}

static int
setup(struct damage *d, const char *pubfile, const char *work)
{
	qasid_pubkey *pk = qasid_pubkey_new();
	char old[4096 + 8];
	int rc;

	if (qasid_init() != QASID_OK || pk == NULL ||
	    (d->kr = qasid_keyring_new()) == NULL)
		return -1;
	if ((rc = qasid_pubkey_load(pk, pubfile)) != QASID_OK ||
	    (rc = qasid_keyring_add(d->kr, pk, "test")) != QASID_OK) {
		fprintf(stderr, "hostile-helper: %s: %s\n", pubfile,
		    qasid_pubkey_errmsg(pk));
		qasid_pubkey_free(pk);
		return -1;
	}
	qasid_pubkey_free(pk);
	snprintf(d->work, sizeof(d->work), "%s", work);
	snprintf(d->file, sizeof(d->file), "%s/damaged.qasid", work);
	snprintf(d->dest, sizeof(d->dest), "%s/dest", work);
	snprintf(d->sentinel, sizeof(d->sentinel), "%s/sentinel", work);
	snprintf(old, sizeof(old), "%s/old", d->dest);
	if ((mkdir(d->dest, 0755) < 0 && errno != EEXIST) ||
	    write_file(old, (const unsigned char *)"old\n", 4) < 0)
		return -1;
	snprintf(old, sizeof(old), "%s/s", d->sentinel);
	if ((mkdir(d->sentinel, 0755) < 0 && errno != EEXIST) ||
	    write_file(old, (const unsigned char *)"sentinel\n", 9) < 0)
		return -1;
	return 0;
}

/* A good copy must pass, or the damaged ones prove nothing. */
static int
baseline(struct damage *d, const unsigned char *p, size_t n)
{
	qasid_reader *r = qasid_reader_new(d->kr);
	int rc = QASID_ERR_NOMEM;

	if (r != NULL && write_file(d->file, p, n) == 0 &&
	    (rc = qasid_reader_open(r, d->file)) == QASID_OK)
		rc = qasid_reader_verify(r);
	if (rc != QASID_OK)
		fprintf(stderr, "hostile-helper: the undamaged bundle does not "
		    "verify: %s\n", r ? qasid_reader_errmsg(r) : "no memory");
	qasid_reader_free(r);
	return rc == QASID_OK ? 0 : -1;
}

static int
finish(struct damage *d, const char *kind)
{
	printf("%s: %lu cases, %lu misbehaved\n", kind, d->cases, d->bad);
	qasid_keyring_free(d->kr);
	return d->bad ? 1 : 0;
}

static int
cmd_mutate(const char *pubfile, const char *bundle, const char *work)
{
	static const unsigned char flips[] = {0x01, 0xff};
	struct damage d = {0};
	unsigned char *p;
	size_t n;
	char what[64];

	if ((p = read_file(bundle, &n)) == NULL || setup(&d, pubfile, work) <
	    0 || baseline(&d, p, n) < 0) {
		free(p);
		return 2;
	}
	for (size_t i = 0; i < n; i++) {
		for (size_t f = 0; f < sizeof(flips); f++) {
			p[i] ^= flips[f];
			snprintf(what, sizeof(what), "offset %zu xor 0x%02x", i,
			    flips[f]);
			if (write_file(d.file, p, n) < 0)
				report(&d, what, "write", QASID_ERR_IO, "");
			else
				check_copy(&d, what);
			p[i] ^= flips[f];
		}
	}
	free(p);
	return finish(&d, "mutate");
}

static int
cmd_truncate(const char *pubfile, const char *bundle, const char *work)
{
	struct damage d = {0};
	unsigned char *p;
	size_t n;
	char what[64];

	if ((p = read_file(bundle, &n)) == NULL || setup(&d, pubfile, work) <
	    0 || baseline(&d, p, n) < 0) {
		free(p);
		return 2;
	}
	for (size_t len = 0; len < n; len++) {
		snprintf(what, sizeof(what), "length %zu of %zu", len, n);
		if (write_file(d.file, p, len) < 0)
			report(&d, what, "write", QASID_ERR_IO, "");
		else
			check_copy(&d, what);
	}
	free(p);
	return finish(&d, "truncate");
}

int
main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "tar") == 0)
		return cmd_tar();
	if (qasid_init() != QASID_OK)
		return 2;
	if (argc == 3 && strcmp(argv[1], "sign") == 0)
		return cmd_sign(argv[2]);
	if (argc == 5 && strcmp(argv[1], "mutate") == 0)
		return cmd_mutate(argv[2], argv[3], argv[4]);
	if (argc == 5 && strcmp(argv[1], "truncate") == 0)
		return cmd_truncate(argv[2], argv[3], argv[4]);
	return usage();
}
