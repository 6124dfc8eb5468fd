/* SPDX-License-Identifier: ISC */
/*
 * test_os.c - the meaning os.h promises, checked through os.h alone, so
 * that a port of src/os to another system runs the same checks: opening
 * relative to a folder, status, walking a folder, removing a folder only
 * while its name still means it, locks, lengths and offsets.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "os.h"

static char root[256];
static int rootfd = -1;

/* A new file name inside the folder open as at, holding text. */
static int
put(int at, const char *name, const char *text)
{
	int fd = qos_openat(at, name, QOS_WRITE | QOS_CREATE | QOS_EXCL, 0600);

	if (fd < 0 || qwrite_all(fd, text, strlen(text)) < 0)
		return -1;
	return qos_close(fd);
}

TEST(create_excl_and_status)
{
	struct qos_stat st;
	int fd;

	CHECK(put(rootfd, "f", "hello") == 0);
	CHECK(put(rootfd, "f", "again") < 0 && errno == EEXIST);
	CHECK((fd = qos_openat(rootfd, "f", QOS_READ, 0)) >= 0);
	CHECK(qos_fstat(fd, &st) == 0);
	CHECK(st.kind == QOS_FILE && st.size == 5 && st.nlink == 1);
	CHECK((st.mode & 0777) == 0600 && st.uid == qos_euid());
	qos_close(fd);
	CHECK(qos_statat(rootfd, ".", &st, QOS_NOFOLLOW) == 0);
	CHECK(st.kind == QOS_DIR);
	CHECK(qos_statat(rootfd, "none", &st, 0) < 0 && errno == ENOENT);
	CHECK(qos_openat(rootfd, "f", QOS_READ | QOS_DIRECTORY, 0) < 0);
	CHECK(qos_open_dir(rootfd, "f") < 0 && errno == ENOTDIR);
	CHECK(qos_unlinkat(rootfd, "f", 0) == 0);
}

TEST(same_file)
{
	struct qos_stat a, b, c;
	int fa, fb;

	CHECK(put(rootfd, "x", "1") == 0 && put(rootfd, "y", "1") == 0);
	fa = qos_openat(rootfd, "x", QOS_READ, 0);
	fb = qos_openat(rootfd, "x", QOS_READ, 0);
	CHECK(qos_fstat(fa, &a) == 0 && qos_fstat(fb, &b) == 0);
	CHECK(qos_statat(rootfd, "y", &c, QOS_NOFOLLOW) == 0);
	CHECK(qos_same_file(&a, &b) && !qos_same_file(&a, &c));
	qos_close(fa);
	qos_close(fb);
	CHECK(qos_unlinkat(rootfd, "x", 0) == 0);
	CHECK(qos_unlinkat(rootfd, "y", 0) == 0);
}

/* The names of the folder open as fd, "a,b,..." in the order walked. */
static int
walk(int fd, char *out, size_t cap, int *kinds)
{
	struct qos_dir *d = qos_dir_openfd(fd);
	const char *name;
	int kind, n = 0;

	out[0] = '\0';
	if (d == NULL)
		return -1;
	while ((name = qos_dir_next(d, &kind)) != NULL) {
		snprintf(out + strlen(out), cap - strlen(out), "%s%s",
		    n++ ? "," : "", name);
		kinds[name[0] == 's'] = kind;
	}
	kind = errno;
	qos_dir_close(d);
	return kind == 0 ? n : -1;
}

TEST(walk_folder)
{
	char first[64], again[64];
	int kinds[2] = {-1, -1}, fd;

	CHECK(qos_mkdirat(rootfd, "d", 0700) == 0);
	CHECK(qos_mkdirat(rootfd, "d", 0700) < 0 && errno == EEXIST);
	CHECK((fd = qos_open_dir(rootfd, "d")) >= 0);
	CHECK(put(fd, "a", "") == 0 && qos_mkdirat(fd, "sub", 0700) == 0);
	CHECK(walk(fd, first, sizeof(first), kinds) == 2);
	CHECK(strstr(first, "a") && strstr(first, "sub"));
	CHECK(kinds[0] == QOS_FILE || kinds[0] == QOS_UNKNOWN);
	CHECK(kinds[1] == QOS_DIR || kinds[1] == QOS_UNKNOWN);
	/* A second walk of the same descriptor starts again. */
	CHECK(walk(fd, again, sizeof(again), kinds) == 2);
	CHECK_EQ_STR(first, again);
	CHECK(qos_unlinkat(fd, "sub", QOS_REMOVEDIR) == 0);
	CHECK(qos_unlinkat(fd, "a", 0) == 0);
	CHECK(walk(fd, first, sizeof(first), kinds) == 0);
	qos_close(fd);
	CHECK(qos_unlinkat(rootfd, "d", QOS_REMOVEDIR) == 0);
}

TEST(rm_dir_only_while_named)
{
	struct qos_stat st, now;
	char from[300], to[300];
	int fd, sub;

	CHECK(qos_mkdirat(rootfd, "t", 0700) == 0);
	CHECK((fd = qos_open_dir(rootfd, "t")) >= 0);
	CHECK(qos_fstat(fd, &st) == 0);
	CHECK(qos_mkdirat(fd, "in", 0700) == 0);
	CHECK((sub = qos_open_dir(fd, "in")) >= 0);
	CHECK(put(sub, "deep", "x") == 0);
	qos_close(sub);
	/* The name now means another folder: only the content goes. */
	snprintf(from, sizeof(from), "%s/t", root);
	snprintf(to, sizeof(to), "%s/moved", root);
	CHECK(qos_rename(from, to) == 0);
	CHECK(qos_mkdirat(rootfd, "t", 0700) == 0);
	CHECK(qos_rm_dir(rootfd, "t", fd, &st) == 0);
	CHECK(qos_statat(rootfd, "t", &now, QOS_NOFOLLOW) == 0);
	CHECK(qos_statat(rootfd, "moved/in", &now, 0) < 0 && errno == ENOENT);
	CHECK(qos_unlinkat(rootfd, "t", QOS_REMOVEDIR) == 0);
	/* Named as it was: it goes whole. */
	CHECK(qos_rm_dir(rootfd, "moved", fd, &st) == 0);
	CHECK(qos_statat(rootfd, "moved", &now, 0) < 0 && errno == ENOENT);
	qos_close(fd);
}

TEST(locks_conflict_between_opens)
{
	int a, b;

	CHECK(put(rootfd, "lock", "") == 0);
	a = qos_openat(rootfd, "lock", QOS_RDWR, 0);
	b = qos_openat(rootfd, "lock", QOS_RDWR, 0);
	CHECK(a >= 0 && b >= 0);
	CHECK(qos_lock(a, QOS_LOCK_EX) == 0);
	CHECK(qos_lock(b, QOS_LOCK_EX | QOS_LOCK_NB) < 0);
	CHECK(errno == EWOULDBLOCK);
	CHECK(qos_lock(b, QOS_LOCK_SH | QOS_LOCK_NB) < 0);
	qos_close(a);
	CHECK(qos_lock(b, QOS_LOCK_SH | QOS_LOCK_NB) == 0);
	a = qos_openat(rootfd, "lock", QOS_READ, 0);
	CHECK(qos_lock(a, QOS_LOCK_SH | QOS_LOCK_NB) == 0);
	CHECK(qos_lock(a, QOS_LOCK_EX | QOS_LOCK_NB) < 0);
	qos_close(a);
	qos_close(b);
	CHECK(qos_unlinkat(rootfd, "lock", 0) == 0);
}

TEST(lengths_and_offsets)
{
	struct qos_stat st;
	char buf[8] = {0};
	int fd;

	fd = qos_openat(rootfd, "len", QOS_RDWR | QOS_CREATE, 0600);
	CHECK(fd >= 0);
	CHECK(qos_pwrite(fd, "abc", 3, 10) == 3);
	CHECK(qos_fstat(fd, &st) == 0 && st.size == 13);
	CHECK(qos_seek(fd, 0, QOS_SEEK_END) == 13);
	CHECK(qos_truncate(fd, 4) == 0 && qos_seek(fd, 0, QOS_SEEK_END) == 4);
	CHECK(qos_pwrite(fd, "wxyz", 4, 0) == 4 && qos_fsync(fd) == 0);
	CHECK(qos_seek(fd, 1, QOS_SEEK_SET) == 1);
	CHECK(qread_full(fd, buf, sizeof(buf)) == 3);
	CHECK(memcmp(buf, "xyz", 3) == 0);
	CHECK(qos_seek(fd, 1, QOS_SEEK_SET) == 1);
	CHECK(qos_pread(fd, buf, 2, 2) == 2 && memcmp(buf, "yz", 2) == 0);
	CHECK(qos_pwrite(fd, "Y", 1, 2) == 1);
	/* Neither moved the file's position (Windows' own calls do). */
	CHECK(qread_full(fd, buf, sizeof(buf)) == 3);
	CHECK(memcmp(buf, "xYz", 3) == 0);
	qos_close(fd);
	CHECK(qos_cpus() >= 1);
	CHECK(qos_unlinkat(rootfd, "len", 0) == 0);
}

int
main(void)
{
	const char *tmp = getenv("TMPDIR");
	int rc;

	snprintf(root, sizeof(root), "%s/qasid-test-os.XXXXXX", tmp && *tmp ?
	    tmp : "/tmp");
	if (mkdtemp(root) == NULL || (rootfd = qos_open_dir(QOS_AT_CWD,
	    root)) < 0) {
		perror(root);
		return 2;
	}
	rc = RUN_TESTS(create_excl_and_status, same_file, walk_folder,
	    rm_dir_only_while_named, locks_conflict_between_opens,
	    lengths_and_offsets);
	qos_rm_contents(rootfd);
	qos_close(rootfd);
	qos_unlinkat(QOS_AT_CWD, root, QOS_REMOVEDIR);
	return rc;
}
