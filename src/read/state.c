/* SPDX-License-Identifier: ISC */
/*
 * state.c - what a recipient has seen: for each publisher key and series,
 * the highest sequence that fully verified, its head hash and its created
 * time, so that an old bundle played back (rollback) is refused and two
 * bundles signed with one sequence (equivocation) are caught. A set of
 * volumes is one bundle here: its record holds the set id for a head.
 *
 * FOLDER/seen is text, one record a line (docs/SECURITY.md):
 *   qasid-seen 1
 *   seen KEYID FINGERPRINT SERIES SEQUENCE HEAD CREATED
 *   conflict KEYID FINGERPRINT SERIES SEQUENCE HEAD OTHER-HEAD
 * A publisher's own record, FOLDER/packed, is apart (packing a bundle is
 * not seeing it), one line for each sequence a key packed of a series:
 *   qasid-packed 1
 *   packed KEYID FINGERPRINT SERIES SEQUENCE HEAD CREATED
 * Each is read under a shared flock of FILE.lock and replaced whole
 * (temporary file, fsync, rename, fsync of the folder) under an exclusive
 * one, so a crash leaves the old record or the new one.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "manifest.h"

#define QS_LINE_MAX 320        /* the longest record is about 260 bytes */
#define QS_LINES_MAX 100000u   /* bounds the file near 26 MB */
#define QS_FIELDS 7

struct qasid_state {
	struct qerr err;
	char *folder, *names[4];    /* seen, its lock, packed, its lock */
	const char *file, *lock;    /* the record in use, and its lock */
	const char *magic, *kind;   /* its first line, and its lines' kind */
	int by_seq;                 /* a line for each sequence (packed) */
};

/* Works on the recipient's record (0) or the publisher's (1). */
static void
use(qasid_state *s, int packed)
{
	s->file = s->names[2 * packed];
	s->lock = s->names[2 * packed + 1];
	s->magic = packed ? "qasid-packed 1" : "qasid-seen 1";
	s->kind = packed ? "packed" : "seen";
	s->by_seq = packed;
}

/* One parsed line. */
struct qs_rec {
	int conflict;
	char keyid[QASID_KEYID_HEX], fp[33], series[QF_SERIES_MAX + 1];
	uint64_t seq;
	char head[65], other[65];
	int64_t created;
};

qasid_state *
qasid_state_new(const char *folder)
{
	qasid_state *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->folder = strdup(folder);
	s->names[0] = qstr_join(folder, "/", "seen");
	s->names[1] = qstr_join(folder, "/", "seen.lock");
	s->names[2] = qstr_join(folder, "/", "packed");
	s->names[3] = qstr_join(folder, "/", "packed.lock");
	for (int i = 0; i < 4; i++) {
		if (s->folder == NULL || s->names[i] == NULL) {
			qasid_state_free(s);
			return NULL;
		}
	}
	use(s, 0);
	return s;
}

void
qasid_state_free(qasid_state *s)
{
	if (s == NULL)
		return;
	free(s->folder);
	for (int i = 0; i < 4; i++)
		free(s->names[i]);
	free(s);
}

const char *
qasid_state_errmsg(const qasid_state *s)
{
	return qerr_msg(&s->err);
}

const char *
qasid_verdict_name(int kind)
{
	static const char *names[] = {"NEW", "CURRENT", "OLDER",
	    "EQUIVOCATION"};

	return kind >= 0 && kind < 4 ? names[kind] : "UNKNOWN";
}

/* ---- Lines ---------------------------------------------------------------- */

static int
all_of(const char *s, size_t n, const char *set)
{
	return strlen(s) == n && strspn(s, set) == n;
}

static int
parse_num(const char *s, int neg_ok, uint64_t *v)
{
	char *end;

	if (neg_ok && *s == '-')
		s++;
	if (*s < '0' || *s > '9' || (s[0] == '0' && s[1] != '\0'))
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return errno || *end ? -1 : 0;
}

static int
parse_line(char *line, const char *kind, struct qs_rec *r)
{
	static const char hex[] = "0123456789abcdef";
	char *f[QS_FIELDS], *p = line;
	uint64_t c;
	int n = 0;

	while (n < QS_FIELDS && (f[n++] = strsep(&p, " ")) != NULL && p)
		;
	if (n != QS_FIELDS || p != NULL)
		return -1;
	r->conflict = strcmp(kind, "seen") == 0 && strcmp(f[0], "conflict") == 0;
	if ((!r->conflict && strcmp(f[0], kind) != 0) ||
	    !all_of(f[1], 16, "0123456789ABCDEF") || !all_of(f[2], 32, "0123456789") ||
	    strlen(f[3]) > QF_SERIES_MAX || !qmf_valid_series(f[3]) ||
	    parse_num(f[4], 0, &r->seq) != 0 || !all_of(f[5], 64, hex))
		return -1;
	if (r->conflict ? !all_of(f[6], 64, hex) : parse_num(f[6], 1, &c) ||
	    (f[6][0] == '-' ? c > (uint64_t)INT64_MAX + 1 : c > INT64_MAX))
		return -1;
	memcpy(r->keyid, f[1], 17);
	memcpy(r->fp, f[2], 33);
	memcpy(r->series, f[3], strlen(f[3]) + 1);
	memcpy(r->head, f[5], 65);
	if (r->conflict)
		memcpy(r->other, f[6], 65);
	else
		r->created = f[6][0] == '-' ? (int64_t)(0 - c) : (int64_t)c;
	return 0;
}

/* The bundle's identity as a record has it. */
static int
rec_of(const qasid_info *in, struct qs_rec *r)
{
	size_t o = 0;

	memset(r, 0, sizeof(*r));
	for (const char *p = in->fingerprint; *p && o < 32; p++)
		if (*p != ' ')
			r->fp[o++] = *p;
	if (o != 32 || strlen(in->head) != 64 ||
	    !qmf_valid_series(in->series))
		return -1;
	memcpy(r->keyid, in->keyid, sizeof(r->keyid));
	snprintf(r->series, sizeof(r->series), "%s", in->series);
	r->seq = in->sequence;
	r->created = in->created;
	/* The volumes of a set are one bundle of the series, and their heads
	 * differ part to part: the set id, which every part's signed head
	 * carries and which binds every file of the set, stands for them. */
	memcpy(r->head, in->volume_set[0] != '\0' ? in->volume_set :
	    in->head, sizeof(r->head));
	return 0;
}

static int
same_stream(const struct qs_rec *a, const struct qs_rec *b)
{
	return strcmp(a->keyid, b->keyid) == 0 && strcmp(a->fp, b->fp) == 0 &&
	    strcmp(a->series, b->series) == 0;
}

static int
format_rec(const struct qs_rec *r, const char *kind, char *buf, size_t len)
{
	if (r->conflict)
		return snprintf(buf, len, "conflict %s %s %s %" PRIu64
		    " %s %s\n", r->keyid, r->fp, r->series, r->seq, r->head,
		    r->other);
	return snprintf(buf, len, "%s %s %s %s %" PRIu64 " %s %" PRId64
	    "\n", kind, r->keyid, r->fp, r->series, r->seq, r->head,
	    r->created);
}

/* ---- Reading ------------------------------------------------------------ */

/*
 * Reads the record line by line, calling fn on each (may be NULL). A
 * missing file is an empty record. Every line must be well formed:
 * anything else is reported, never skipped, since skipping would forget.
 */
static int
scan(qasid_state *s, int (*fn)(void *, struct qs_rec *, const char *),
    void *ud, unsigned *lines)
{
	char buf[QS_LINE_MAX + 2], raw[QS_LINE_MAX + 2];
	struct qs_rec r;
	FILE *f = fopen(s->file, "re");
	int rc = QASID_OK;

	*lines = 0;
	if (f == NULL)
		return errno == ENOENT ? QASID_OK : qerr_sys(&s->err,
		    QASID_ERR_IO, errno, "%s", s->file);
	while (rc == QASID_OK && fgets(buf, sizeof(buf), f) != NULL) {
		size_t n = strlen(buf);
		if (n == 0 || buf[n - 1] != '\n' || ++*lines > QS_LINES_MAX + 1) {
			rc = -1;
			break;
		}
		buf[n - 1] = '\0';
		memcpy(raw, buf, n + 1);
		if (*lines == 1)
			rc = strcmp(buf, s->magic) == 0 ? QASID_OK : -1;
		else if (parse_line(buf, s->kind, &r) != 0)
			rc = -1;
		else if (fn != NULL)
			rc = fn(ud, &r, raw);
	}
	if (rc == QASID_OK && ferror(f))
		rc = qerr_sys(&s->err, QASID_ERR_IO, errno, "%s", s->file);
	else if (rc == QASID_OK && *lines == 0)
		rc = -1; /* not even its first line: emptied, not new */
	fclose(f);
	if (rc == -1)
		rc = qerr_set(&s->err, QASID_ERR_STATE, "%s: line %u is not "
		    "a record of bundles seen; the record is damaged (move it "
		    "aside to start afresh, forgetting what it holds)",
		    s->file, *lines);
	return rc;
}

struct judging {
	const struct qs_rec *want;
	qasid_verdict *v;
	int dup_conflict;    /* the conflict to record is there already */
	const char *other;   /* the head of that conflict */
};

static int
judge_line(void *ud, struct qs_rec *r, const char *raw)
{
	struct judging *j = ud;
	qasid_verdict *v = j->v;

	(void)raw;
	if (!same_stream(r, j->want))
		return QASID_OK;
	if (r->conflict) {
		j->dup_conflict |= r->seq == j->want->seq && j->other &&
		    strcmp(r->other, j->other) == 0;
		return QASID_OK;
	}
	v->seen = 1;
	v->seen_sequence = r->seq;
	v->seen_created = r->created;
	memcpy(v->seen_head, r->head, sizeof(v->seen_head));
	return QASID_OK;
}

static void
verdict_of(const struct qs_rec *want, qasid_verdict *v)
{
	v->gap_first = 1;
	v->gap_last = 0;
	if (!v->seen || want->seq > v->seen_sequence) {
		v->kind = QASID_VERDICT_NEW;
		if (v->seen && want->seq - v->seen_sequence > 1) {
			v->gap_first = v->seen_sequence + 1;
			v->gap_last = want->seq - 1;
		}
	} else if (want->seq < v->seen_sequence) {
		v->kind = QASID_VERDICT_OLDER;
	} else {
		v->kind = strcmp(want->head, v->seen_head) == 0 ?
		    QASID_VERDICT_CURRENT : QASID_VERDICT_EQUIVOCATION;
	}
}

/* ---- Locking ------------------------------------------------------------ */

/* The lock file, locked; -2 when the folder does not exist (nothing is
 * recorded yet), -1 on error. */
static int
lock(qasid_state *s, int how)
{
	int fd = qos_lock_file(s->lock, how);

	if (fd < 0 && errno == ENOENT && how == QOS_LOCK_SH)
		return -2;
	if (fd < 0) {
		qerr_sys(&s->err, QASID_ERR_IO, errno, "%s", s->lock);
		return -1;
	}
	return fd;
}

static int
judge_locked(qasid_state *s, const struct qs_rec *want, const char *other,
    qasid_verdict *v, struct judging *j, unsigned *lines)
{
	int rc;

	memset(v, 0, sizeof(*v));
	memset(j, 0, sizeof(*j));
	j->want = want;
	j->other = other;
	j->v = v;
	rc = scan(s, judge_line, j, lines);
	if (rc == QASID_OK)
		verdict_of(want, v);
	return rc;
}

int
qasid_state_judge(qasid_state *s, const qasid_info *in, qasid_verdict *v)
{
	struct qs_rec want;
	struct judging j;
	unsigned lines;
	int fd, rc;

	qerr_clear(&s->err);
	use(s, 0);
	if (rec_of(in, &want) != 0)
		return qerr_set(&s->err, QASID_ERR_ARG, "the bundle's "
		    "signature has not verified");
	if ((fd = lock(s, QOS_LOCK_SH)) == -1)
		return s->err.code;
	rc = judge_locked(s, &want, NULL, v, &j, &lines);
	if (fd >= 0)
		qos_close(fd);
	return rc;
}

/* ---- Expiry (FORMAT.md 17.2) --------------------------------------------- */

static int
newest_line(void *ud, struct qs_rec *r, const char *raw)
{
	qasid_expiry *e = ud;

	(void)raw;
	if (!r->conflict && r->created > e->reference) {
		e->reference = r->created;
		e->by = QASID_EXPIRY_SEEN;
	}
	return QASID_OK;
}

int
qasid_state_expiry(qasid_state *s, const qasid_info *in, int64_t now,
    qasid_expiry *e)
{
	unsigned lines;
	int fd, rc = QASID_OK;

	e->by = QASID_EXPIRY_CLOCK;
	e->reference = now;
	if (!in->has_expires)
		return (e->by = QASID_EXPIRY_NONE, QASID_OK);
	if (in->created > e->reference) {
		e->reference = in->created;
		e->by = QASID_EXPIRY_CREATED;
	}
	if (s != NULL) {
		qerr_clear(&s->err);
		use(s, 0);
		if ((fd = lock(s, QOS_LOCK_SH)) == -1)
			return s->err.code;
		rc = scan(s, newest_line, e, &lines);
		if (fd >= 0)
			qos_close(fd);
	}
	if (rc == QASID_OK && in->expires >= e->reference)
		e->by = QASID_EXPIRY_NONE;
	return rc != QASID_OK ? rc : e->by != QASID_EXPIRY_NONE ?
	    QASID_ERR_EXPIRED : QASID_OK;
}

/* ---- Writing ------------------------------------------------------------ */

/* mkdir -p, the last folder 0700: the record tells what one has read. */
static int
make_folder(qasid_state *s)
{
	char *p = s->folder;

	for (char *q = p + 1; *q; q++) {
		if (*q != '/')
			continue;
		*q = '\0';
		if (qos_mkdirat(QOS_AT_CWD, p, 0755) < 0 && errno != EEXIST) {
			qerr_sys(&s->err, QASID_ERR_IO, errno, "%s", p);
			*q = '/';
			return s->err.code;
		}
		*q = '/';
	}
	if (qos_mkdirat(QOS_AT_CWD, p, 0700) < 0 && errno != EEXIST)
		return qerr_sys(&s->err, QASID_ERR_IO, errno, "%s", p);
	return QASID_OK;
}

struct copying {
	int fd, failed, by_seq;
	const char *kind;
	const struct qs_rec *want;
	int replace;        /* the seen line of this stream gives way */
};

static int
put(struct copying *c, const char *line)
{
	if (!c->failed && (qwrite_all(c->fd, line, strlen(line)) < 0 ||
	    qwrite_all(c->fd, "\n", 1) < 0))
		c->failed = errno ? errno : EIO;
	return QASID_OK;
}

static int
put_rec(struct copying *c, const struct qs_rec *r)
{
	char buf[QS_LINE_MAX + 2];

	format_rec(r, c->kind, buf, sizeof(buf));
	buf[strcspn(buf, "\n")] = '\0';
	return put(c, buf);
}

static int
copy_line(void *ud, struct qs_rec *r, const char *raw)
{
	struct copying *c = ud;

	if (c->replace && !r->conflict && same_stream(r, c->want) &&
	    (!c->by_seq || r->seq == c->want->seq))
		return put_rec(c, c->want);
	return put(c, raw);
}

/* Writes the record anew with want's line replaced or added, and extra
 * (a conflict) appended if not NULL. */
static int
rewrite(qasid_state *s, const struct qs_rec *want, int replace, int append,
    const struct qs_rec *extra)
{
	struct copying c = {0};
	char *tmp = NULL;
	unsigned lines;
	int rc;

	if ((c.fd = qtmp_create(s->file, &tmp)) < 0)
		return qerr_sys(&s->err, QASID_ERR_IO, errno, "%s", s->file);
	c.want = want;
	c.replace = replace;
	c.kind = s->kind;
	c.by_seq = s->by_seq;
	put(&c, s->magic);
	if ((rc = scan(s, copy_line, &c, &lines)) != QASID_OK)
		goto fail;
	if (append)
		put_rec(&c, want);
	if (extra != NULL)
		put_rec(&c, extra);
	if (c.failed) {
		rc = qerr_sys(&s->err, QASID_ERR_IO, c.failed, "%s", s->file);
		goto fail;
	}
	if (qtmp_commit(c.fd, tmp, s->file, 1) < 0)
		return qerr_sys(&s->err, QASID_ERR_IO, errno, "%s", s->file);
	return QASID_OK;
fail:
	qtmp_abort(c.fd, tmp);
	return rc;
}

/* What every write of a record starts with: the bundle's identity, the
 * folder, and the lock. The lock's fd, or -1 with the reason in s->err. */
static int
begin_write(qasid_state *s, const qasid_info *in, struct qs_rec *want,
    int packer)
{
	qerr_clear(&s->err);
	use(s, packer);
	if (rec_of(in, want) != 0) {
		qerr_set(&s->err, QASID_ERR_ARG, "the bundle's signature has "
		    "not verified");
		return -1;
	}
	if (make_folder(s) != QASID_OK)
		return -1;
	return lock(s, QOS_LOCK_EX);
}

int
qasid_state_record(qasid_state *s, const qasid_info *in, qasid_verdict *v)
{
	struct qs_rec want, conflict;
	struct judging j;
	unsigned lines;
	int fd, rc;

	if ((fd = begin_write(s, in, &want, 0)) < 0)
		return s->err.code;
	if ((rc = judge_locked(s, &want, want.head, v, &j, &lines)) !=
	    QASID_OK)
		goto out;
	if (v->kind == QASID_VERDICT_EQUIVOCATION) {
		if (j.dup_conflict)
			goto out;
		conflict = want;
		conflict.conflict = 1;
		memcpy(conflict.head, v->seen_head, sizeof(conflict.head));
		memcpy(conflict.other, want.head, sizeof(conflict.other));
	} else if (v->kind != QASID_VERDICT_NEW) {
		goto out;
	}
	if (lines + 1 > QS_LINES_MAX && (!v->seen ||
	    v->kind == QASID_VERDICT_EQUIVOCATION)) {
		rc = qerr_set(&s->err, QASID_ERR_LIMIT, "%s: full (%u "
		    "records)", s->file, QS_LINES_MAX);
		goto out;
	}
	if (v->kind == QASID_VERDICT_NEW)
		rc = rewrite(s, &want, v->seen, !v->seen, NULL);
	else
		rc = rewrite(s, &want, 0, 0, &conflict);
out:
	qos_close(fd);
	return rc;
}

/* ---- The publisher's record ------------------------------------------- */

struct finding {
	const struct qs_rec *want;
	qasid_packed *p;
};

static int
find_line(void *ud, struct qs_rec *r, const char *raw)
{
	struct finding *f = ud;

	(void)raw;
	if (!same_stream(r, f->want))
		return QASID_OK;
	if (!f->p->any || r->seq > f->p->highest)
		f->p->highest = r->seq;
	f->p->any = 1;
	if (r->seq == f->want->seq) {
		f->p->found = 1;
		f->p->created = r->created;
		memcpy(f->p->head, r->head, sizeof(f->p->head));
	}
	return QASID_OK;
}

static int
find_packed(qasid_state *s, const struct qs_rec *want, qasid_packed *p,
    unsigned *lines)
{
	struct finding f = {want, p};

	memset(p, 0, sizeof(*p));
	return scan(s, find_line, &f, lines);
}

/* A record's identity of the key and series: rec_of without a head. */
static int
stream_of(const char *keyid, const char *fingerprint, const char *series,
    uint64_t sequence, struct qs_rec *r)
{
	qasid_info in = {0};

	snprintf(in.keyid, sizeof(in.keyid), "%s", keyid);
	snprintf(in.fingerprint, sizeof(in.fingerprint), "%s", fingerprint);
	memset(in.head, '0', 64);
	in.series = series;
	in.sequence = sequence;
	return rec_of(&in, r);
}

int
qasid_state_packed(qasid_state *s, const char *keyid,
    const char *fingerprint, const char *series, uint64_t sequence,
    qasid_packed *p)
{
	struct qs_rec want;
	unsigned lines;
	int fd, rc;

	qerr_clear(&s->err);
	use(s, 1);
	if (stream_of(keyid, fingerprint, series, sequence, &want) != 0)
		return qerr_set(&s->err, QASID_ERR_ARG, "invalid key or "
		    "series");
	if ((fd = lock(s, QOS_LOCK_SH)) == -1)
		return s->err.code;
	rc = find_packed(s, &want, p, &lines);
	if (fd >= 0)
		qos_close(fd);
	return rc;
}

int
qasid_state_record_packed(qasid_state *s, const qasid_info *in)
{
	struct qs_rec want;
	qasid_packed p;
	unsigned lines;
	int fd, rc;

	if ((fd = begin_write(s, in, &want, 1)) < 0)
		return s->err.code;
	if ((rc = find_packed(s, &want, &p, &lines)) == QASID_OK &&
	    !p.found && lines + 1 > QS_LINES_MAX)
		rc = qerr_set(&s->err, QASID_ERR_LIMIT, "%s: full (%u "
		    "records)", s->file, QS_LINES_MAX);
	if (rc == QASID_OK && !(p.found && strcmp(p.head, want.head) == 0 &&
	    p.created == want.created))
		rc = rewrite(s, &want, p.found, !p.found, NULL);
	qos_close(fd);
	return rc;
}
