/* SPDX-License-Identifier: ISC */
/* testfiles.h - scratch files for unit tests that read and write them.
 * The test sets dir (a fresh temporary folder) before using path(). */
#ifndef QASID_TEST_FILES_H
#define QASID_TEST_FILES_H

#include <stdio.h>

static char dir[256];

/* dir/name, in one of four rotating buffers. */
static const char *
path(const char *name)
{
	static char buf[4][512];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

static int
write_file(const char *p, const char *text)
{
	FILE *f = fopen(p, "w");

	if (f == NULL)
		return -1;
	fputs(text, f);
	return fclose(f);
}

/* Reads a whole small file into buf; returns its length or -1. */
static long
read_file(const char *p, char *buf, size_t cap)
{
	FILE *f = fopen(p, "r");
	size_t n;

	if (f == NULL)
		return -1;
	n = fread(buf, 1, cap - 1, f);
	fclose(f);
	buf[n] = '\0';
	return (long)n;
}

#endif
