/* SPDX-License-Identifier: ISC */
/*
 * fuzz_meta.c - any bytes as a file being packed: the metadata walkers
 * (JPEG segments, PNG chunks, TIFF/EXIF, ISO-BMFF boxes, PDF) examine it,
 * and when it reveals something that can be scrubbed, the scrubbed copy is
 * made and examined again. Promises: the walk stays inside the file, the
 * pieces a scrub removes are in order, inside the file and apart; a
 * scrubbed copy of an MP4 or a PDF keeps every offset (same size). A copy
 * that still reveals something is refused by the packer (qscrub_checked);
 * "accepted" counts the copies that reveal nothing. Seeds are the files t-metadata.sh makes
 * (Pillow and exiftool) and its hostile ones.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "meta.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static int
memfile(const void *data, size_t size)
{
	int fd = memfd_create("fuzz-meta", MFD_CLOEXEC);

	if (fd < 0 || (size > 0 && qwrite_all(fd, data, size) < 0))
		abort();
	return fd;
}

static void
check_cuts(const struct qmeta *m, uint64_t size)
{
	uint64_t end = 0;

	for (size_t i = 0; i < m->ncut; i++) {
		const struct qcut *c = &m->cut[i];
		if (c->off > size || c->len > size - c->off)
			abort();
		if (m->noscrub == NULL && c->off < end)
			abort();
		end = c->off + c->len;
	}
}

static void
check_scrub(const struct qsrc *s, const struct qmeta *m)
{
	struct qmeta *again = malloc(sizeof(*again));
	struct qsrc t;
	struct stat st;
	int rc;

	t.fd = memfile(NULL, 0);
	if (again == NULL || (rc = qscrub_checked(s, m, t.fd, again)) < 0 ||
	    fstat(t.fd, &st) < 0)
		abort();
	t.size = (uint64_t)st.st_size;
	if ((strcmp(m->type, "MP4") == 0 || strcmp(m->type, "MOV") == 0 ||
	    strcmp(m->type, "PDF") == 0) && t.size != s->size)
		abort();
	/* A copy that still reveals is refused by the packer; the walks
	 * must make that rare, so count it where the replay driver shows. */
	if (rc == 0)
		fuzz_accepted++;
	free(again);
	close(t.fd);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct qmeta *m = malloc(sizeof(*m));
	struct qsrc s;

	if (m == NULL)
		abort();
	s.fd = memfile(data, size);
	s.size = size;
	if (qmeta_scan(&s, m) < 0)
		abort();
	check_cuts(m, size);
	if (m->reveals[0] != '\0' && m->noscrub == NULL)
		check_scrub(&s, m);
	close(s.fd);
	free(m);
	return 0;
}
