/* SPDX-License-Identifier: ISC */
/*
 * fuzz_leftover.c - unpack into a destination an attacker prepared.
 *
 * Input: one byte N, then N two-byte steps that seed the destination, then
 * a bundle as fuzz_unpack takes it ("S MANIFEST\0TAR", signed here). Steps
 * make staging folders (".qasid-unpack-fuzzK") with commit markers (empty,
 * naming this bundle, naming another), and put files (forged or genuine
 * content, setuid), folders, symbolic links, FIFOs and hard links to a file
 * outside, at names of the bundle or others, in those folders or in the
 * destination itself.
 *
 * Promises checked after the unpack: everything in the destination is
 * either what the steps put there (the very same inode) or a name of the
 * manifest, a folder or a plain regular file of ours with exactly the
 * signed content, no special mode bits, no more permission than signed;
 * a failed unpack added nothing; a good one holds every name of the
 * manifest and leaves only staging folders that name another bundle; the
 * file outside, and the folder the links point to, are untouched.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "reader.h"

#define MAX_ENTRIES 64
#define MAX_SEEDED 256

struct mentry {
	char path[QF_TITLE_MAX];
	int is_dir;
	unsigned mode;
	uint64_t size;
	char hash[129];
};

struct seeded {
	char path[QF_TITLE_MAX];
	ino_t ino;
};

static struct state {
	struct fuzz_env *env;
	char dest[300], ref[300], out[300];
	struct mentry m[MAX_ENTRIES];
	size_t nm;
	int too_many;
	struct seeded s[MAX_SEEDED];
	size_t ns;
	int ref_ok;
	int other_marked[4];
	unsigned char mhash[crypto_generichash_BYTES_MAX];
} st;

static const char *const extras[] = {"x", "etc", "report", "a", "a/b",
    "a/b/c.txt", "run.sh", "dev"};

static int
collect(void *ud, const qasid_entry *e)
{
	struct mentry *m;

	(void)ud;
	if (st.nm == MAX_ENTRIES || strlen(e->path) >= sizeof(m->path)) {
		st.too_many = 1;
		return 1;
	}
	m = &st.m[st.nm++];
	snprintf(m->path, sizeof(m->path), "%s", e->path);
	m->is_dir = e->is_dir;
	m->mode = e->mode;
	m->size = e->size;
	memcpy(m->hash, e->hash, sizeof(m->hash));
	return 0;
}

static const struct mentry *
find(const char *path)
{
	for (size_t i = 0; i < st.nm; i++)
		if (strcmp(st.m[i].path, path) == 0)
			return &st.m[i];
	return NULL;
}

/* Reads the manifest's entries and its hash; 0, or -1 if the head fails. */
static int
read_manifest(void)
{
	qasid_reader *r = qasid_reader_new(st.env->kr);
	int rc;

	if (r == NULL)
		abort();
	st.nm = 0;
	st.too_many = 0;
	rc = qasid_reader_open(r, st.env->bundle);
	if (rc == QASID_OK)
		rc = qasid_reader_list(r, 1, collect, NULL);
	memcpy(st.mhash, r->mhash, sizeof(st.mhash));
	qasid_reader_free(r);
	return rc == QASID_OK && !st.too_many ? 0 : -1;
}

static int
unpack(const char *to)
{
	qasid_reader *r = qasid_reader_new(st.env->kr);
	int rc;

	if (r == NULL)
		abort();
	rc = qasid_reader_open(r, st.env->bundle);
	if (rc == QASID_OK)
		rc = qasid_reader_unpack(r, to);
	qasid_reader_free(r);
	return rc;
}

/* ---- Seeding the destination -------------------------------------------- */

/* Makes path's folders under base, never through a link; the fd of the
 * innermost, or -1. Folders made in the destination count as seeded. */
static int
parents(int base, const char *path, const char *under_dest,
    const char **leaf)
{
	char buf[QF_TITLE_MAX], *p = buf, *slash;
	int fd = dup(base);

	snprintf(buf, sizeof(buf), "%s", path);
	while (fd >= 0 && (slash = strchr(p, '/')) != NULL) {
		int sub;
		*slash = '\0';
		mkdirat(fd, p, 0755);
		sub = openat(fd, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
		close(fd);
		fd = sub;
		if (fd >= 0 && under_dest != NULL && st.ns < MAX_SEEDED) {
			struct stat sb;
			if (fstat(fd, &sb) == 0) {
				snprintf(st.s[st.ns].path, sizeof(st.s[0].path),
				    "%.*s", (int)(slash - buf), buf);
				st.s[st.ns++].ino = sb.st_ino;
			}
		}
		*slash = '/';
		p = slash + 1;
	}
	*leaf = path + (p - buf);
	return fd;
}

static void
put_file(int fd, const char *leaf, const char *name, int genuine,
    mode_t mode)
{
	char src[QF_TITLE_MAX + 400], buf[4096];
	int in = -1, out;
	ssize_t n;

	if (genuine) {
		snprintf(src, sizeof(src), "%s/%s", st.ref, name);
		if ((in = open(src, O_RDONLY | O_NOFOLLOW)) < 0)
			return;
	}
	out = openat(fd, leaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode);
	if (out >= 0 && in < 0 && write(out, "forged\n", 7) != 7)
		abort();
	while (out >= 0 && in >= 0 && (n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			abort();
	if (out >= 0) {
		fchmod(out, mode);
		close(out);
	}
	if (in >= 0)
		close(in);
}

static void
put_marker(int k, int kind)
{
	char p[400], text[256];
	int fd;

	snprintf(p, sizeof(p), "%s/.qasid-unpack-fuzz%d/.qasid-committed",
	    st.dest, k);
	if ((fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0600)) < 0)
		return;
	memcpy(text, "qasid-committed 1 ", 18);
	qhex(st.mhash, sizeof(st.mhash), text + 18);
	if (kind == 2)
		memset(text + 18, 'e', 16); /* another bundle */
	text[18 + 128] = '\n';
	if (kind != 0 && write(fd, text, 18 + 129) != 18 + 129)
		abort();
	close(fd);
	st.other_marked[k] = kind == 2;
}

/* One step: op, then arg = target (bits 0-2: staging folder 0-3, or 4+
 * the destination) and name (bits 3-7). */
static void
step(unsigned op, unsigned arg)
{
	unsigned idx = arg >> 3, k = arg & 3;
	int in_dest = (arg & 4) != 0, base, fd;
	const char *name = idx < st.nm ? st.m[idx].path :
	    extras[idx % (sizeof(extras) / sizeof(*extras))], *leaf;
	const struct mentry *me = find(name);
	char p[400], target[QF_TITLE_MAX + 400];
	struct stat sb;

	snprintf(p, sizeof(p), "%s/.qasid-unpack-fuzz%u", st.dest, k);
	if (op % 9 == 0) {
		mkdir(p, 0700);
		return;
	}
	if (op % 9 == 1) {
		put_marker((int)k, (int)(idx % 3));
		return;
	}
	base = open(in_dest ? st.dest : p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
	if (base < 0)
		return;
	fd = parents(base, name, in_dest ? st.dest : NULL, &leaf);
	close(base);
	if (fd < 0)
		return;
	snprintf(target, sizeof(target), "%s/secret", st.out);
	/* A step that cannot be done (the name is taken) is skipped. */
	if (op % 9 == 2)
		put_file(fd, leaf, name, 0, 0644);
	else if (op % 9 == 3)
		put_file(fd, leaf, name, 1, me ? me->mode : 0644);
	else if (op % 9 == 4)
		(void)!mkdirat(fd, leaf, 0755);
	else if (op % 9 == 5)
		(void)!symlinkat(st.out, fd, leaf);
	else if (op % 9 == 6)
		(void)!mkfifoat(fd, leaf, 0644);
	else if (op % 9 == 7)
		(void)!linkat(AT_FDCWD, target, fd, leaf, 0);
	else
		put_file(fd, leaf, name, idx & 1, 04755);
	if (in_dest && st.ns < MAX_SEEDED &&
	    fstatat(fd, leaf, &sb, AT_SYMLINK_NOFOLLOW) == 0) {
		snprintf(st.s[st.ns].path, sizeof(st.s[0].path), "%s", name);
		st.s[st.ns++].ino = sb.st_ino;
	}
	close(fd);
}

/* ---- Checking ------------------------------------------------------------ */

static const struct seeded *
was_seeded(const char *path)
{
	for (size_t i = st.ns; i-- > 0;)
		if (strcmp(st.s[i].path, path) == 0)
			return &st.s[i];
	return NULL;
}

static int
same_hash(int dfd, const char *leaf, const struct mentry *m)
{
	unsigned char h[QF_FILE_HASH], buf[4096];
	char hex[129];
	crypto_generichash_state hs;
	int fd = openat(dfd, leaf, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
	ssize_t n;

	if (fd < 0)
		return 0;
	crypto_generichash_init(&hs, NULL, 0, sizeof(h));
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		crypto_generichash_update(&hs, buf, (size_t)n);
	close(fd);
	crypto_generichash_final(&hs, h, sizeof(h));
	qhex(h, sizeof(h), hex);
	return n == 0 && strcmp(hex, m->hash) == 0;
}

/* Walks the destination; counts what the unpack added. */
static size_t
walk(int fd, const char *rel, int depth)
{
	struct dirent *d;
	DIR *dp = fdopendir(fd);
	size_t added = 0;

	if (dp == NULL)
		abort();
	while ((d = readdir(dp)) != NULL) {
		char path[QF_TITLE_MAX * 2];
		const struct seeded *s;
		const struct mentry *m;
		struct stat sb;
		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0 ||
		    (depth == 0 && strncmp(d->d_name, ".qasid-unpack-", 14) == 0))
			continue;
		snprintf(path, sizeof(path), "%s%s%s", rel, *rel ? "/" : "",
		    d->d_name);
		if (fstatat(dirfd(dp), d->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
			abort();
		s = was_seeded(path);
		if (s != NULL && s->ino == sb.st_ino)
			added += 0; /* put there by a step */
		else if ((m = find(path)) == NULL) {
			fprintf(stderr, "fuzz: %s appeared\n", path);
			abort();
		} else if (m->is_dir ? !S_ISDIR(sb.st_mode) :
		    !S_ISREG(sb.st_mode) || sb.st_nlink != 1 ||
		    (uint64_t)sb.st_size != m->size ||
		    (sb.st_mode & 07777 & ~m->mode) != 0 ||
		    !same_hash(dirfd(dp), d->d_name, m)) {
			fprintf(stderr, "fuzz: %s is not what was signed\n",
			    path);
			abort();
		} else {
			added++;
		}
		if (S_ISDIR(sb.st_mode)) {
			int sub = openat(dirfd(dp), d->d_name, O_RDONLY |
			    O_DIRECTORY | O_NOFOLLOW);
			if (sub < 0)
				abort();
			added += walk(sub, path, depth + 1);
		}
	}
	closedir(dp);
	return added;
}

/* After a good unpack only staging folders naming another bundle stay. */
static void
check_staging(void)
{
	for (int k = 0; k < 4; k++) {
		char p[400];
		snprintf(p, sizeof(p), "%s/.qasid-unpack-fuzz%d", st.dest, k);
		if (access(p, F_OK) == 0 && !st.other_marked[k]) {
			fprintf(stderr, "fuzz: %s left\n", p);
			abort();
		}
	}
}

static void
check_outside(void)
{
	char p[400], buf[16];
	struct dirent *d;
	DIR *dp = opendir(st.out);
	int fd, n;

	if (dp == NULL)
		abort();
	while ((d = readdir(dp)) != NULL)
		if (strcmp(d->d_name, ".") && strcmp(d->d_name, "..") &&
		    strcmp(d->d_name, "secret"))
			abort(); /* written through a link */
	closedir(dp);
	snprintf(p, sizeof(p), "%s/secret", st.out);
	if ((fd = open(p, O_RDONLY | O_NOFOLLOW)) < 0)
		abort();
	n = (int)read(fd, buf, sizeof(buf));
	close(fd);
	if (n != 7 || memcmp(buf, "secret\n", 7) != 0)
		abort();
}

static void
fresh(void)
{
	char p[400];
	int fd;

	fuzz_rm_tree(st.dest);
	fuzz_rm_tree(st.ref);
	fuzz_rm_tree(st.out);
	if (mkdir(st.dest, 0755) < 0 || mkdir(st.out, 0755) < 0)
		abort();
	snprintf(p, sizeof(p), "%s/secret", st.out);
	if ((fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0644)) < 0 ||
	    write(fd, "secret\n", 7) != 7 || close(fd) < 0)
		abort();
	st.ns = 0;
	memset(st.other_marked, 0, sizeof(st.other_marked));
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	st.env = fuzz_env();
	snprintf(st.dest, sizeof(st.dest), "%s/dest", st.env->dir);
	snprintf(st.ref, sizeof(st.ref), "%s/ref", st.env->dir);
	snprintf(st.out, sizeof(st.out), "%s/outside", st.env->dir);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *bundle;
	size_t len, nsteps = size ? data[0] : 0, added;
	int head_ok, rc, fd;

	if (st.env == NULL)
		LLVMFuzzerInitialize(NULL, NULL);
	if (size < 1 + 2 * nsteps || nsteps > 32 || (bundle =
	    fuzz_sign_bundle(data + 1 + 2 * nsteps, size - 1 - 2 * nsteps,
	    &len)) == NULL)
		return 0;
	fuzz_write(st.env, bundle, len);
	free(bundle);
	fresh();
	head_ok = read_manifest() == 0;
	st.ref_ok = head_ok && unpack(st.ref) == QASID_OK;
	for (size_t i = 0; i < nsteps; i++)
		step(data[1 + 2 * i], data[2 + 2 * i]);
	rc = unpack(st.dest);
	if ((fd = open(st.dest, O_RDONLY | O_DIRECTORY | O_NOFOLLOW)) < 0)
		abort();
	added = walk(fd, "", 0);
	if (rc != QASID_OK && added != 0) {
		fprintf(stderr, "fuzz: a failed unpack added %zu\n", added);
		abort();
	}
	if (rc == QASID_OK) {
		for (size_t i = 0; i < st.nm; i++) {
			char p[QF_TITLE_MAX + 400];
			struct stat sb;
			snprintf(p, sizeof(p), "%s/%s", st.dest, st.m[i].path);
			if (lstat(p, &sb) != 0)
				abort();
		}
		check_staging();
	}
	check_outside();
	fuzz_accepted += rc == QASID_OK;
	return 0;
}
