/* SPDX-License-Identifier: ISC */
/*
 * replay.c - runs a fuzz target's entry point over files, without
 * libFuzzer: `make test` replays the checked-in corpus (seeds and past
 * crashers) through the same code the fuzzers run.
 *
 *   replay-TARGET FILE_OR_FOLDER...     each file once; exit 0 if all ran
 *   replay-TARGET --keys SECKEY PUBKEY  saves the fixed test key pair
 *
 * An input that breaks a promise aborts, so the exit status says it.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int
run_file(const char *path)
{
	struct qbuf b = {0};
	unsigned char buf[65536];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (f == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		if (qbuf_append(&b, buf, n) != QASID_OK)
			abort();
	fclose(f);
	LLVMFuzzerTestOneInput(b.p ? b.p : buf, b.len);
	qbuf_free(&b);
	return 0;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every file of a folder, in name order so runs repeat exactly. */
static int
run_dir(const char *path, unsigned long *count)
{
	char **names = NULL, full[4096];
	size_t n = 0, cap = 0;
	struct dirent *d;
	DIR *dp = opendir(path);
	int rc = 0;

	if (dp == NULL)
		return -1;
	while ((d = readdir(dp)) != NULL) {
		if (d->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			names = realloc(names, cap * sizeof(*names));
			if (names == NULL)
				abort();
		}
		if ((names[n++] = strdup(d->d_name)) == NULL)
			abort();
	}
	closedir(dp);
	qsort(names, n, sizeof(*names), cmp_names);
	for (size_t i = 0; i < n; i++) {
		snprintf(full, sizeof(full), "%s/%s", path, names[i]);
		if (run_file(full) != 0)
			rc = -1;
		(*count)++;
		free(names[i]);
	}
	free(names);
	return rc;
}

int
main(int argc, char **argv)
{
	unsigned long count = 0;
	int rc = 0;

	if (argc == 4 && strcmp(argv[1], "--keys") == 0)
		return fuzz_save_keys(argv[2], argv[3]) == 0 ? 0 : 1;
	LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			if (run_dir(argv[i], &count) != 0)
				rc = 1;
		} else {
			if (run_file(argv[i]) != 0)
				rc = 1;
			count++;
		}
	}
	printf("%lu inputs replayed, %lu accepted\n", count, fuzz_accepted);
	return rc;
}
