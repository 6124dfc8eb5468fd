/* SPDX-License-Identifier: ISC */
/*
 * fuzz_unpack.c - a manifest and a tar stream, signed by a trusted key
 * (fuzz_sign_bundle), then verified and unpacked into a fresh folder.
 *
 * Promises checked: verify and unpack agree on whether the bundle is good;
 * a failed unpack leaves no destination behind (it did not exist before)
 * and nothing else in the run's folder; a good one holds only folders and
 * regular files, as many files as the manifest says, none writable by
 * others, none setuid.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

/* Counts regular files under fd, but for the receipt an unpack of a
 * series leaves at the top; aborts on anything unexpected. */
static uint64_t
walk(int fd, int top)
{
	struct dirent *d;
	DIR *dp = fdopendir(fd);
	uint64_t files = 0;

	if (dp == NULL)
		abort();
	while ((d = readdir(dp)) != NULL) {
		struct stat st;
		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
			continue;
		if (top && strncmp(d->d_name, ".qasid-receipt-", 15) == 0)
			continue;
		if (fstatat(dirfd(dp), d->d_name, &st, AT_SYMLINK_NOFOLLOW) !=
		    0 || (st.st_mode & (S_ISUID | S_ISGID | S_ISVTX | S_IWOTH)))
			abort();
		if (S_ISDIR(st.st_mode)) {
			int sub = openat(dirfd(dp), d->d_name, O_RDONLY |
			    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0)
				abort();
			files += walk(sub, 0);
		} else if (S_ISREG(st.st_mode)) {
			files++;
		} else {
			abort();
		}
	}
	closedir(dp);
	return files;
}

/* The run's folder must hold the input and, if wanted, the destination. */
static void
check_dir(const struct fuzz_env *env, int want_dest)
{
	struct dirent *d;
	DIR *dp = opendir(env->dir);
	int n = 0, dest = 0;

	if (dp == NULL)
		abort();
	while ((d = readdir(dp)) != NULL) {
		if (strcmp(d->d_name, ".") == 0 ||
		    strcmp(d->d_name, "..") == 0 ||
		    strcmp(d->d_name, "in.qasid") == 0)
			continue;
		n++;
		dest += strcmp(d->d_name, "dest") == 0;
	}
	closedir(dp);
	if (n != want_dest || dest != want_dest)
		abort();
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_env();
	return 0;
}

/*
 * Salvage of the same bundle: it must succeed where unpack did, and may
 * write only regular files and folders, no more files than the manifest
 * lists.
 */
static void
salvage(const struct fuzz_env *env, qasid_reader *r, int unpacked)
{
	char dest[300];
	int rs, fd;

	snprintf(dest, sizeof(dest), "%s/salvage", env->dir);
	rs = qasid_reader_open(r, env->bundle);
	if (rs == QASID_OK)
		rs = qasid_reader_salvage(r, dest, NULL, NULL);
	if (unpacked && rs != QASID_OK) {
		fprintf(stderr, "fuzz: unpack passed, salvage gave %d: %s\n",
		    rs, qasid_reader_errmsg(r));
		abort();
	}
	fd = open(dest, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return;
	if (walk(fd, 1) > qasid_reader_info(r)->files || fuzz_rm_tree(dest) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_env *env = fuzz_env();
	qasid_reader *r;
	unsigned char *bundle;
	char dest[300];
	size_t len;
	int rv, ru;

	if ((bundle = fuzz_sign_bundle(data, size, &len)) == NULL)
		return 0;
	fuzz_write(env, bundle, len);
	free(bundle);
	snprintf(dest, sizeof(dest), "%s/dest", env->dir);
	if ((r = qasid_reader_new(env->kr)) == NULL)
		abort();
	rv = qasid_reader_open(r, env->bundle);
	if (rv == QASID_OK)
		rv = qasid_reader_verify(r);
	ru = qasid_reader_open(r, env->bundle);
	if (ru == QASID_OK)
		ru = qasid_reader_unpack(r, dest);
	if ((rv == QASID_OK) != (ru == QASID_OK)) {
		fprintf(stderr, "fuzz: verify gave %d, unpack %d: %s\n", rv, ru,
		    qasid_reader_errmsg(r));
		abort();
	}
	check_dir(env, ru == QASID_OK);
	fuzz_accepted += ru == QASID_OK;
	if (ru == QASID_OK) {
		int fd = open(dest, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		if (fd < 0 || walk(fd, 1) != qasid_reader_info(r)->files)
			abort();
		if (fuzz_rm_tree(dest) != 0)
			abort();
	}
	salvage(env, r, ru == QASID_OK);
	qasid_reader_free(r);
	return 0;
}
