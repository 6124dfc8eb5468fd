/* SPDX-License-Identifier: ISC */
/*
 * scrub.c - the copy of a file that pack carries instead of the original
 * when asked to remove its identifying metadata.
 *
 * The copy is the original with the byte ranges meta.c recorded dropped,
 * blanked or turned into 'free' boxes; every other byte, pixels and samples
 * above all, is copied as it is. The original is only read.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "meta.h"

#define SCRUB_BUF ((size_t)256 << 10)

static int
copy_range(const struct qsrc *s, uint64_t from, uint64_t to, int out,
    unsigned char *buf)
{
	while (from < to) {
		size_t want = to - from < SCRUB_BUF ? (size_t)(to - from) :
		    SCRUB_BUF;
		if (qsrc_at(s, from, buf, want) < 0) {
			errno = errno ? errno : EIO;
			return -1;
		}
		if (qwrite_all(out, buf, want) < 0)
			return -1;
		from += want;
	}
	return 0;
}

static int
fill(int out, unsigned char c, uint64_t len, unsigned char *buf)
{
	memset(buf, c, len < SCRUB_BUF ? (size_t)len : SCRUB_BUF);
	while (len > 0) {
		size_t n = len < SCRUB_BUF ? (size_t)len : SCRUB_BUF;
		if (qwrite_all(out, buf, n) < 0)
			return -1;
		len -= n;
	}
	return 0;
}

/* An APP1 EXIF segment holding only the orientation tag. */
static int
orientation_app1(int out, int orientation)
{
	static const unsigned char seg[] = {
		0xff, 0xe1, 0x00, 0x22, 'E', 'x', 'i', 'f', 0, 0,
		'M', 'M', 0x00, 0x2a, 0x00, 0x00, 0x00, 0x08,
		0x00, 0x01,                          /* one entry */
		0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01,
		0x00, 0x00, 0x00, 0x00,              /* SHORT, value here */
		0x00, 0x00, 0x00, 0x00,              /* no next IFD */
	};
	unsigned char s[sizeof(seg)];

	memcpy(s, seg, sizeof(s));
	s[29] = (unsigned char)orientation;
	return qwrite_all(out, s, sizeof(s));
}

static int
free_box(const struct qsrc *s, const struct qcut *c, int out,
    unsigned char *buf)
{
	unsigned char h[16];

	if (c->hdr < 8 || c->hdr > sizeof(h) || c->len < c->hdr ||
	    qsrc_at(s, c->off, h, c->hdr) < 0) {
		errno = EINVAL;
		return -1;
	}
	memcpy(h + 4, "free", 4);
	if (qwrite_all(out, h, c->hdr) < 0)
		return -1;
	return fill(out, 0, c->len - c->hdr, buf);
}

static int
apply(const struct qsrc *s, const struct qmeta *m, const struct qcut *c,
    int out, int *exif_done, unsigned char *buf)
{
	switch (c->how) {
	case QCUT_DROP:
		return 0;
	case QCUT_EXIF:
		if (*exif_done || m->orientation == 0)
			return 0;
		*exif_done = 1;
		return orientation_app1(out, m->orientation);
	case QCUT_FREE:
		return free_box(s, c, out, buf);
	case QCUT_BLANK:
		return fill(out, c->fill, c->len, buf);
	}
	errno = EINVAL;
	return -1;
}

int
qscrub_write(const struct qsrc *s, const struct qmeta *m, int out)
{
	unsigned char *buf = malloc(SCRUB_BUF);
	uint64_t pos = 0;
	int exif_done = 0, rc = 0;

	if (buf == NULL)
		return -1;
	errno = 0;
	for (size_t i = 0; rc == 0 && i < m->ncut; i++) {
		const struct qcut *c = &m->cut[i];
		if (c->off < pos || c->len > s->size - c->off) {
			errno = EINVAL;
			rc = -1;
			break;
		}
		rc = copy_range(s, pos, c->off, out, buf);
		if (rc == 0)
			rc = apply(s, m, c, out, &exif_done, buf);
		pos = c->off + c->len;
	}
	if (rc == 0)
		rc = copy_range(s, pos, s->size, out, buf);
	free(buf);
	return rc;
}

int
qscrub_checked(const struct qsrc *s, const struct qmeta *m, int out,
    struct qmeta *again)
{
	struct qsrc t;
	struct qos_stat st;

	if (qscrub_write(s, m, out) < 0 || qos_fstat(out, &st) < 0)
		return -1;
	t.fd = out;
	t.size = st.size;
	if (qmeta_scan(&t, again) < 0)
		return -1;
	return again->reveals[0] != '\0';
}
