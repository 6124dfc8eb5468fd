/* SPDX-License-Identifier: ISC */
/*
 * cli_copy.c - qasid copy of one bundle: verified while it is copied (one
 * read of the source), synced, read back from the destination's medium
 * past the page cache, and only then given its name. Bundles are known by
 * their head hash, so a bundle already there under another name is not
 * copied twice (cli_mirror.c chooses what to copy).
 *
 * The read-back compares what the medium holds, byte for byte, with the
 * source that was just verified (read again from the page cache, where
 * the copy left it): a copy equal to a verified bundle is verified, and
 * this costs one read of the medium and no second verification. It runs
 * on a thread of its own while the next bundle is copied. A partial copy
 * left by a stopped run is untrusted: its bytes are compared with the
 * source's as the source is read and verified, kept as far as they match,
 * and written from there.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_copy.h"
#include "os.h"
#include "thread.h"

#define COPY_BUF ((size_t)1 << 20)
#define FLUSH_EVERY ((uint64_t)8 << 20)
#define BACK_BUF ((size_t)8 << 20)    /* O_DIRECT reads: large, no readahead */

/* ---- Reading a source while writing its copy --------------------------- */

struct tee {
	int in, out;
	unsigned char *buf, *cmp;
	int werr;                    /* errno of a failed write, or 0 */
	uint64_t kept;               /* bytes of a partial copy to compare */
	uint64_t off;                /* bytes read from the source */
	uint64_t flushed;            /* bytes whose writeback was started */
};

/* A partial copy's bytes against the source's, n of them read at off:
 * how many lead the chunk and match; DEST is cut where they stop. */
static ptrdiff_t
tee_compare(struct tee *t, size_t n)
{
	size_t want = t->kept - t->off < n ? (size_t)(t->kept - t->off) : n;
	ptrdiff_t got = qos_pread(t->out, t->cmp, want, t->off);
	size_t same = 0;

	while (got > 0 && same < (size_t)got && t->cmp[same] == t->buf[same])
		same++;
	if (same == n)
		return (ptrdiff_t)n;
	t->kept = t->off + same;
	if (qos_truncate(t->out, t->kept) != 0) {
		t->werr = errno;
		return -1;
	}
	return (ptrdiff_t)same;
}

static ptrdiff_t
tee_read(void *ud, const void **buf)
{
	struct tee *t = ud;
	ptrdiff_t n, start = 0;

	do
		n = qos_read(t->in, t->buf, COPY_BUF);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return n;
	if (t->off < t->kept && (start = tee_compare(t, (size_t)n)) < 0)
		return -1;
	if (start < n && qwrite_all(t->out, t->buf + start,
	    (size_t)(n - start)) != 0) {
		t->werr = errno;
		return -1;
	}
	t->off += (uint64_t)n;
	/* The device writes while the next chunks are verified. */
	if (t->off - t->flushed >= FLUSH_EVERY) {
		qos_writeback(t->out, t->flushed, t->off - t->flushed);
		t->flushed = t->off;
	}
	*buf = t->buf;
	return n;
}

/* Checks a bundle from an open reader: signed by a pinned key, or intact
 * where the key is not pinned; every byte the signed one. A copy passes
 * bytes on: whether they inflate to the files their hashes name is
 * checked where they are opened, so it is not paid for twice here. */
static int
check(qasid_reader *r, const struct cand *c)
{
	return qasid_reader_verify_bytes(r, c->pinned);
}

static int
tee_result(struct copy *cp, struct cand *c, qasid_reader *r, struct tee *t,
    int rc, char *why, size_t len)
{
	if (t->werr != 0) {
		snprintf(why, len, "%s: %s", cp->dest, strerror(t->werr));
		return t->werr == ENOSPC ? QASID_ERR_NOSPACE : QASID_ERR_IO;
	}
	if (rc != QASID_OK)
		cli_why_failed(&cp->seen, r, c->path, rc, &c->code, why, len);
	return rc;
}

/*
 * Copies c->path to the descriptor out (opened to append), verifying as it
 * goes; the first *kept bytes of out are a partial copy, kept as far as
 * they match (*kept is set to that).
 */
int
copy_through(struct copy *cp, struct cand *c, int out, uint64_t *kept,
    char *why, size_t len)
{
	struct tee t = {.out = out, .kept = *kept};
	qasid_reader *r = NULL;
	int rc = QASID_ERR_NOMEM;

	if ((t.in = qos_open_read(c->path)) < 0) {
		snprintf(why, len, "%s", strerror(errno));
		return QASID_ERR_IO;
	}
	if ((t.buf = malloc(COPY_BUF)) == NULL ||
	    (t.cmp = malloc(COPY_BUF)) == NULL ||
	    (r = cli_reader_new(cp->kr)) == NULL) {
		snprintf(why, len, "out of memory");
	} else {
		/* The head read may have been another file's (a stick
		 * swapped under it): judged again, as it is copied. */
		if (c->pinned && cp->seen.st != NULL)
			cli_seen_begin(&cp->seen, r, 1);
		rc = qasid_reader_open_callbacks(r, &t, tee_read, NULL,
		    c->path);
		if (rc == QASID_OK)
			rc = check(r, c);
		rc = tee_result(cp, c, r, &t, rc, why, len);
		/* What verify keeps of a verified bundle: its key's
		 * commitment to a successor, or that it contradicts it. */
		if ((rc == QASID_OK || rc == QASID_ERR_CONTRADICTION) &&
		    c->pinned)
			cli_keys_note(cp->kr, r);
	}
	*kept = t.kept < t.off ? t.kept : *kept;
	qasid_reader_free(r);
	free(t.buf);
	free(t.cmp);
	qos_close(t.in);
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
	ptrdiff_t n = qos_medium_read(m->fd, m->buf, COPY_BUF);

	if (n > 0)
		*buf = m->buf;
	return n;
}

static void
medium_close(void *ud)
{
	struct medium *m = ud;

	qos_close(m->fd);
	qos_medium_buf_free(m->buf);
	free(m);
}

/* Opens the file at path on r so that it is read from the device, not the
 * page cache (src/os/medium.c). */
int
medium_open(qasid_reader *r, const char *path)
{
	struct medium *m = calloc(1, sizeof(*m));

	if (m == NULL || (m->buf = qos_medium_buf(COPY_BUF)) == NULL) {
		free(m);
		return QASID_ERR_NOMEM;
	}
	if ((m->fd = qos_medium_open(path)) < 0) {
		qos_medium_buf_free(m->buf);
		free(m);
		return QASID_ERR_IO;
	}
	return qasid_reader_open_callbacks(r, m, medium_read, medium_close,
	    path);
}

/* The medium's bytes (m) against the source's (fd): 1 if all are equal,
 * 0 if not, -1 if one cannot be read. */
static int
same_bytes(int m, int fd, unsigned char *a, unsigned char *b,
    uint64_t *size)
{
	ptrdiff_t n, got;

	*size = 0;
	while ((n = qos_medium_read(m, a, BACK_BUF)) > 0) {
		if ((got = qread_full(fd, b, (size_t)n)) < 0)
			return -1;
		*size += (uint64_t)n;
		if (got != n || memcmp(a, b, (size_t)n) != 0)
			return 0;
	}
	if (n < 0)
		return -1;
	return qread_full(fd, b, 1) == 0;
}

/* Reads the copy at path back from the medium: it must hold exactly the
 * bytes of the source that was verified. */
int
copy_readback(struct copy *cp, struct cand *c, const char *path,
    char *why, size_t len)
{
	unsigned char *a = qos_medium_buf(BACK_BUF), *b = malloc(BACK_BUF);
	int m = -1, fd = -1, same = -1;
	uint64_t size = 0;

	c->code = "readback";
	if (a != NULL && b != NULL && (m = qos_medium_open(path)) >= 0 &&
	    (fd = qos_open_read(c->path)) >= 0)
		same = same_bytes(m, fd, a, b, &size);
	if (same < 0)
		snprintf(why, len, "%s: cannot read the copy back: %s", path,
		    strerror(errno));
	else if (same == 0)
		snprintf(why, len, "the copy read back from %s is not what was "
		    "verified (it differs within its first %" PRIu64 " bytes): "
		    "the stick may be failing or fake", cp->dest, size);
	else
		c->code = NULL;
	if (m >= 0)
		qos_close(m);
	if (fd >= 0)
		qos_close(fd);
	qos_medium_buf_free(a);
	free(b);
	return same == 1 ? QASID_OK : QASID_ERR_IO;
}

/* ---- Copying one bundle ------------------------------------------------- */

/* Opens the partial copy tmp to append to it: what a stopped run left is
 * kept to be compared, unless it is longer than the bundle. */
static int
open_part(const struct cand *c, const char *tmp, uint64_t *kept)
{
	int fd = qos_open(tmp, QOS_RDWR | QOS_CREATE | QOS_APPEND |
	    QOS_NOFOLLOW, 0644);
	struct qos_stat st;

	*kept = 0;
	if (fd < 0)
		return -1;
	if (qos_fstat(fd, &st) == 0 && st.kind == QOS_FILE &&
	    st.size <= c->size)
		*kept = st.size;
	else if (qos_truncate(fd, 0) != 0)
		*kept = 0;
	if (*kept > 0 && !cli.quiet && !cli.json)
		printf("resuming %s at %" PRIu64 " of %" PRIu64 " bytes\n",
		    cli_safe(c->path), *kept, c->size);
	return fd;
}

/*
 * Writes c to tmp, verifying on the way, and syncs it. A
 * partial copy of the same bundle left by a stopped run is continued: its
 * bytes are compared with the source's as those are verified, and kept as
 * far as they match.
 */
static int
copy_to(struct copy *cp, struct cand *c, const char *tmp, char *why,
    size_t len)
{
	uint64_t resume, kept;
	int fd, rc;

	if ((fd = open_part(c, tmp, &resume)) < 0) {
		snprintf(why, len, "%s: %s", tmp, strerror(errno));
		return errno == ENOSPC ? QASID_ERR_NOSPACE : QASID_ERR_IO;
	}
	kept = resume;
	rc = copy_through(cp, c, fd, &kept, why, len);
	if (kept < resume && !cli.quiet && !cli.json)
		printf("the partial copy of %s differs from it at byte %" PRIu64
		    ": rewritten from there\n", cli_safe(c->path), kept);
	if (rc == QASID_OK && qos_fsync(fd) != 0) {
		rc = errno == ENOSPC ? QASID_ERR_NOSPACE : QASID_ERR_IO;
		snprintf(why, len, "%s: %s", tmp, strerror(errno));
	}
	if (qos_close(fd) != 0 && rc == QASID_OK) {
		rc = QASID_ERR_IO;
		snprintf(why, len, "%s: %s", tmp, strerror(errno));
	}
	return rc;
}

/* ---- The read-back, behind the next copy ------------------------------- */

/* A copy written and synced: its read-back runs on a thread of its own
 * while the next bundle is copied, so that both sticks work at once. */
struct pending {
	struct copy *cp;
	struct cand *c;
	qthread tid;
	int threaded, rc;
	char tmp[4096], final[4096], why[WHY_MAX];
};

static void *
readback_main(void *arg)
{
	struct pending *p = arg;

	p->rc = copy_readback(p->cp, p->c, p->tmp, p->why, sizeof(p->why));
	return NULL;
}

/* Once p's copy was written (p->rc) and read back: names it, or removes
 * what must not stay, and says what became of it. */
static void
copy_finish(struct pending *p)
{
	struct copy *cp = p->cp;
	struct cand *c = p->c;
	int rc = p->rc, s;

	if (rc == QASID_OK && qos_publish(p->tmp, p->final) != 0) {
		rc = QASID_ERR_IO;
		snprintf(p->why, sizeof(p->why), "%s: %s", p->final,
		    strerror(errno));
	}
	if (rc == QASID_OK) {
		cp->copied++;
		cli_keys_pass(c->path, cp->dest);
		copy_report(cp, c, ACT_COPIED, c->dest_name);
		return;
	}
	if (c->code == NULL)
		c->code = cli_err_code(rc);
	/* Kept after an I/O error (a pulled stick) for the next run to
	 * continue; a bundle that failed, a full stick's copy and one the
	 * stick did not give back as written are gone. */
	if (cli_failed_check(rc) || rc == QASID_ERR_NOSPACE ||
	    strcmp(c->code, "readback") == 0)
		(void)qos_unlinkat(QOS_AT_CWD, p->tmp, 0);
	free(c->dest_name);
	c->dest_name = NULL;
	if (cp->done == c)
		cp->done = NULL;
	copy_report(cp, c, ACT_FAILED, p->why);
	cp->failed++;
	s = cli_failed_check(rc) ? EXIT_VERIFY : EXIT_OTHER;
	if (s > cp->worst)
		cp->worst = s;
}

static void
settle(struct copy *cp)
{
	struct pending *p = cp->pend;

	if (p == NULL)
		return;
	if (p->threaded)
		qthread_join(p->tid);
	cp->pend = NULL;
	copy_finish(p);
	free(p);
}

/* Finishes the copy being read back when what becomes of next (NULL at
 * the end) hangs on it: next is the same bundle, or with --latest of the
 * same series. */
void
copy_settle(struct copy *cp, const struct cand *next)
{
	const struct cand *c = cp->pend != NULL ? cp->pend->c : NULL;

	if (c == NULL)
		return;
	if (next == NULL || strcmp(c->id, next->id) == 0 || (cp->latest &&
	    strcmp(c->pub, next->pub) == 0 &&
	    strcmp(c->series, next->series) == 0))
		settle(cp);
}

/* Copies c into DEST: written and synced now, read back while the next
 * bundle is copied. 0, or the exit status its failure calls for. */
int
copy_one(struct copy *cp, struct cand *c)
{
	struct pending *p = calloc(1, sizeof(*p));
	char name[1100];
	int rc;

	if (p == NULL)
		return cli_fail("out of memory");
	if (cp->fat && c->size > cp->fat_max) {
		/* Refused before a byte is written: FAT32 would fail at its
		 * limit, minutes into the copy. */
		snprintf(p->why, sizeof(p->why), "%s: %" PRIu64 " bytes, and "
		    "%s is FAT32, which holds no file larger than %" PRIu64
		    ": pack it again as volumes with --volume-size (4095M for "
		    "FAT32), or copy onto exFAT", cli_safe(c->path), c->size,
		    cli_safe(cp->dest), cp->fat_max);
		c->code = "fat32";
		cp->failed++;
		copy_report(cp, c, ACT_FAILED, p->why);
		free(p);
		return EXIT_OTHER;
	}
	copy_name(cp, c, name, sizeof(name));
	if ((c->dest_name = strdup(name)) == NULL) {
		free(p);
		return cli_fail("out of memory");
	}
	p->cp = cp;
	p->c = c;
	snprintf(p->tmp, sizeof(p->tmp), "%s/" PART_PREFIX "%.32s.part",
	    cp->dest, c->id);
	snprintf(p->final, sizeof(p->final), "%s/%s", cp->dest, name);
	p->rc = copy_to(cp, c, p->tmp, p->why, sizeof(p->why));
	/* One read-back at a time, so the sticks are not read at random. */
	settle(cp);
	cp->pend = p;
	if ((rc = p->rc) != QASID_OK) {
		settle(cp);
		return cli_failed_check(rc) ? EXIT_VERIFY :
		    EXIT_OTHER;
	}
	if (qthread_start(&p->tid, readback_main, p) == 0)
		p->threaded = 1;
	else
		readback_main(p);
	return 0;
}

/* ---- Names --------------------------------------------------------------- */

static int
name_taken(const char *dir, const char *name)
{
	char path[4096];
	struct qos_stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return qos_statat(QOS_AT_CWD, path, &st, QOS_NOFOLLOW) == 0 ||
	    errno != ENOENT;
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
	if (act == ACT_PLANNED && cp->fat && c->size > cp->fat_max)
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
	if (act == ACT_PLANNED && cp->fat && c->size > cp->fat_max)
		printf("warning: %s is %" PRIu64 " bytes: FAT32 holds no file "
		    "larger than %" PRIu64 "; pack it again with --volume-size "
		    "to copy it\n", cli_safe(c->path), c->size, cp->fat_max);
}
