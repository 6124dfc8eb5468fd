/* SPDX-License-Identifier: ISC */
/*
 * cli_copy.c - qasid copy: bundles from sticks to a stick, each verified
 * while it is copied (one read of the source), read back from the
 * destination's medium past the page cache and verified again, and only
 * then given its name. Bundles are known by their head hash, so a bundle
 * already there under another name is not copied twice.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cli_copy.h"
#include "os.h"

#define COPY_BUF ((size_t)1 << 20)

/* ---- Reading a source while writing its copy --------------------------- */

struct tee {
	int in, out;
	unsigned char *buf;
	int werr;                    /* errno of a failed write, or 0 */
	uint64_t resume;             /* bytes of an earlier partial copy */
	uint64_t done;               /* of them, given to the reader */
};

/* A resumed copy: the bytes already in DEST come first, read from there
 * and checked with the rest, not written again. */
static ptrdiff_t
tee_resume(struct tee *t, const void **buf)
{
	size_t want = t->resume - t->done < COPY_BUF ?
	    (size_t)(t->resume - t->done) : COPY_BUF;
	ssize_t n;

	do
		n = pread(t->out, t->buf, want, (off_t)t->done);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return -1;
	t->done += (uint64_t)n;
	if (t->done == t->resume && lseek(t->in, (off_t)t->resume,
	    SEEK_SET) < 0)
		return -1;
	*buf = t->buf;
	return n;
}

static ptrdiff_t
tee_read(void *ud, const void **buf)
{
	struct tee *t = ud;
	ssize_t n, w;

	if (t->done < t->resume)
		return tee_resume(t, buf);

	do
		n = read(t->in, t->buf, COPY_BUF);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return n;
	for (ssize_t off = 0; off < n; off += w) {
		if ((w = write(t->out, t->buf + off, (size_t)(n - off))) < 0) {
			if (errno == EINTR) {
				w = 0;
				continue;
			}
			t->werr = errno;
			return -1;
		}
	}
	*buf = t->buf;
	return n;
}

/* Checks a bundle from an open reader: signed by a pinned key, or intact
 * where the key is not pinned. */
static int
check(qasid_reader *r, const struct cand *c)
{
	return c->pinned ? qasid_reader_verify(r) :
	    qasid_reader_verify_integrity(r);
}

/* Copies c->path to the descriptor out, verifying as it goes; the first
 * resume bytes are already in out (the end of out is where writing
 * goes on). */
int
copy_through(struct copy *cp, struct cand *c, int out, uint64_t resume,
    char *why, size_t len)
{
	struct tee t = {.out = out, .resume = resume};
	qasid_reader *r;
	int rc;

	if ((t.in = open(c->path, O_RDONLY | O_CLOEXEC)) < 0) {
		snprintf(why, len, "%s", strerror(errno));
		return QASID_ERR_IO;
	}
	if ((t.buf = malloc(COPY_BUF)) == NULL ||
	    (r = cli_reader_new(cp->kr)) == NULL) {
		free(t.buf);
		close(t.in);
		snprintf(why, len, "out of memory");
		return QASID_ERR_NOMEM;
	}
	rc = qasid_reader_open_callbacks(r, &t, tee_read, NULL, c->path);
	if (rc == QASID_OK)
		rc = check(r, c);
	if (t.werr != 0) {
		rc = t.werr == ENOSPC ? QASID_ERR_NOSPACE : QASID_ERR_IO;
		snprintf(why, len, "%s: %s", cp->dest, strerror(t.werr));
	} else if (rc != QASID_OK) {
		snprintf(why, len, "%s", cli_explain(r, c->path, rc,
		    &c->code));
	}
	qasid_reader_free(r);
	free(t.buf);
	close(t.in);
	return rc;
}

/* ---- Reading from the medium ------------------------------------------ */

struct medium {
	int fd;
	unsigned char *buf;          /* aligned, as O_DIRECT wants */
};

static ptrdiff_t
medium_read(void *ud, const void **buf)
{
	struct medium *m = ud;
	ssize_t n;
	int fl;

	do
		n = read(m->fd, m->buf, COPY_BUF);
	while (n < 0 && errno == EINTR);
	/* A file system that takes O_DIRECT at open but not for reads:
	 * read through the cache, dropped first. */
	if (n < 0 && errno == EINVAL && (fl = fcntl(m->fd, F_GETFL)) >= 0 &&
	    (fl & O_DIRECT) && fcntl(m->fd, F_SETFL, fl & ~O_DIRECT) == 0) {
		(void)posix_fadvise(m->fd, 0, 0, POSIX_FADV_DONTNEED);
		return medium_read(ud, buf);
	}
	if (n > 0)
		*buf = m->buf;
	return n;
}

static void
medium_close(void *ud)
{
	struct medium *m = ud;

	close(m->fd);
	free(m->buf);
	free(m);
}

/*
 * Opens the file at path on r so that it is read from the device, not the
 * page cache: with O_DIRECT where the file system supports it, else with
 * the file's cached pages dropped first (they are clean once synced).
 */
int
medium_open(qasid_reader *r, const char *path)
{
	struct medium *m = calloc(1, sizeof(*m));
	void *p = NULL;

	if (m == NULL || posix_memalign(&p, 4096, COPY_BUF) != 0) {
		free(m);
		return QASID_ERR_NOMEM;
	}
	m->buf = p;
	m->fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_DIRECT);
	if (m->fd < 0 && errno == EINVAL)
		m->fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (m->fd < 0) {
		free(m->buf);
		free(m);
		return QASID_ERR_IO;
	}
	(void)posix_fadvise(m->fd, 0, 0, POSIX_FADV_DONTNEED);
	return qasid_reader_open_callbacks(r, m, medium_read, medium_close,
	    path);
}

/* Reads the copy at path back from the medium and checks it again. */
int
copy_readback(struct copy *cp, struct cand *c, const char *path, char *why,
    size_t len)
{
	qasid_reader *r;
	int rc;

	if ((r = cli_reader_new(cp->kr)) == NULL) {
		snprintf(why, len, "out of memory");
		return QASID_ERR_NOMEM;
	}
	rc = medium_open(r, path);
	if (rc == QASID_OK)
		rc = check(r, c);
	if (rc != QASID_OK) {
		c->code = "readback";
		snprintf(why, len, "the copy read back from %s does not verify "
		    "(%s): the stick may be failing or fake", cp->dest,
		    *qasid_reader_errmsg(r) ? qasid_reader_errmsg(r) :
		    strerror(errno));
	}
	qasid_reader_free(r);
	return rc;
}

/* ---- Names --------------------------------------------------------------- */

static int
name_taken(const char *dir, const char *name)
{
	char path[4096];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return lstat(path, &st) == 0 || errno != ENOENT;
}

/* The name c gets in DEST: its source's, or SERIES-SEQUENCE.qasid, with
 * -2, -3... before the extension when another file has it. */
void
copy_name(const struct copy *cp, const struct cand *c, char *out,
    size_t len)
{
	char base[1024], ext[16] = "";
	const char *b = strrchr(c->path, '/'), *dot;

	if (cp->rename) {
		snprintf(base, sizeof(base), "%s-%" PRIu64, c->series,
		    c->sequence);
		snprintf(ext, sizeof(ext), ".qasid");
	} else {
		b = b != NULL ? b + 1 : c->path;
		dot = strrchr(b, '.');
		if (dot != NULL && dot != b && strlen(dot) < sizeof(ext)) {
			snprintf(ext, sizeof(ext), "%s", dot);
			snprintf(base, sizeof(base), "%.*s", (int)(dot - b), b);
		} else {
			snprintf(base, sizeof(base), "%s", b);
		}
	}
	snprintf(out, len, "%s%s", base, ext);
	for (unsigned i = 2; name_taken(cp->dest, out) ||
	    copy_planned(cp, out); i++)
		snprintf(out, len, "%s-%u%s", base, i, ext);
}

/* ---- Space --------------------------------------------------------------- */

/* The bytes free in dir, as pack's warnings see them (src/os). */
int
copy_free_space(const char *dir, uint64_t *avail)
{
	struct qmedia m;

	if (qmedia_probe_path(dir, &m) != 0)
		return -1;
	*avail = m.free;
	return 0;
}

/* ---- What became of each bundle ------------------------------------------ */

static const char *const act_name[] = {"copied", "skipped", "planned",
    "failed"};

/* {"bundle":..,"ok":..,"verified":..,"check":..,"action":..,...}: ok is
 * false only when it failed; verified only when it was copied, read back
 * and its signer is trusted. */
static void
report_json(const struct copy *cp, const struct cand *c, enum copy_act act,
    const char *detail)
{
	printf("{\"bundle\":");
	cli_json_str(c->path);
	printf(",\"ok\":%s,\"verified\":%s,\"check\":\"%s\",\"action\":\"%s\"",
	    act == ACT_FAILED ? "false" : "true", act == ACT_COPIED &&
	    c->pinned ? "true" : "false", c->pinned ? "signature" :
	    "integrity", act_name[act]);
	if (act == ACT_COPIED || act == ACT_PLANNED) {
		printf(",\"dest\":");
		cli_json_str(detail);
	} else if (act == ACT_SKIPPED) {
		printf(",\"reason\":");
		cli_json_str(detail);
	} else {
		printf(",\"error\":");
		cli_json_error(c->code != NULL ? c->code : "io", detail,
		    c->path);
	}
	if (c->ok) {
		printf(",\"keyid\":\"%s\",\"series\":", c->keyid);
		cli_json_str(c->series);
		printf(",\"sequence\":%" PRIu64 ",\"created\":%" PRId64
		    ",\"head\":\"%s\",\"size\":%" PRIu64, c->sequence,
		    c->created, c->id, c->size);
	}
	if (act == ACT_PLANNED && cp->fat && c->size >= FAT_FILE_MAX)
		printf(",\"warning\":\"fat32\"");
	printf("}\n");
}

void
copy_report(const struct copy *cp, const struct cand *c, enum copy_act act,
    const char *detail)
{
	if (cli.json) {
		report_json(cp, c, act, detail);
		return;
	}
	if (act == ACT_FAILED) {
		cli_fail("%s; not copied", detail);
		return;
	}
	if (cli.quiet && act != ACT_PLANNED)
		return;
	if (act == ACT_SKIPPED)
		printf("skipped %s: %s\n", cli_safe(c->path), cli_safe(detail));
	else if (act == ACT_COPIED)
		printf("copied %s to %s/%s (%s, read back)\n",
		    cli_safe(c->path), cli_safe(cp->dest), cli_safe(detail),
		    c->pinned ? "verified" : "intact, signer not checked");
	else
		printf("would copy %s to %s/%s, %" PRIu64 " bytes%s\n",
		    cli_safe(c->path), cli_safe(cp->dest), cli_safe(detail),
		    c->size, c->pinned ? "" : " (key not pinned: integrity "
		    "only)");
	if (act == ACT_PLANNED && cp->fat && c->size >= FAT_FILE_MAX)
		printf("warning: %s is 4 GiB or more: FAT32 cannot hold it\n",
		    cli_safe(c->path));
}
