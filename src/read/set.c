/* SPDX-License-Identifier: ISC */
/*
 * set.c - the set file of a volume (docs/FORMAT.md 17.4), read back.
 *
 * A volume's body check keeps its .qasid/set in a spool (check.c) once
 * its hash matched the volume's SETID; here its lines are walked with a
 * bounded buffer, each checked as strictly as a manifest line, so that a
 * listing of one volume shows the whole set.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "paths.h"
#include "reader.h"

#define LINE_MAX_SET (QASID_PATH_MAX + 256)

struct setcur {
	qasid_reader *r;
	uint64_t off, lineno;
	char *line;
	size_t len;
};

static int
bad(struct setcur *c, const char *why)
{
	return qerr_set(&c->r->err, QASID_ERR_FORMAT, "%s: set file line %"
	    PRIu64 ": %s", c->r->path, c->lineno, why);
}

/* The next line, without its LF, into c->line. */
static int
next_line(struct setcur *c)
{
	ptrdiff_t n = qspool_read(&c->r->set, c->off, c->line, LINE_MAX_SET);
	char *lf;

	if (n < 0)
		return qerr_sys(&c->r->err, QASID_ERR_IO, errno, "%s: set file",
		    c->r->path);
	c->lineno++;
	if (n == 0 || (lf = memchr(c->line, '\n', (size_t)n)) == NULL)
		return bad(c, "missing or too long");
	*lf = '\0';
	c->len = (size_t)(lf - c->line);
	c->off += c->len + 1;
	return QASID_OK;
}

static int
number(const char **s, uint64_t *v, char end)
{
	char *e;

	if (**s < '0' || **s > '9' || (**s == '0' && (*s)[1] != end))
		return -1;
	errno = 0;
	*v = strtoull(*s, &e, 10);
	if (errno || *e != end)
		return -1;
	*s = e + 1;
	return 0;
}

/* "file MODE SIZE HASH FIRST LAST  PATH" after "file ". */
static int
file_fields(struct setcur *c, const char *s, qasid_entry *e)
{
	uint64_t v;

	if (strncmp(s, "644 ", 4) != 0 && strncmp(s, "755 ", 4) != 0)
		return bad(c, "file mode must be 644 or 755");
	e->mode = s[0] == '6' ? 0644 : 0755;
	s += 4;
	if (number(&s, &e->size, ' ') < 0)
		return bad(c, "invalid file size");
	for (int i = 0; i < 2 * QF_FILE_HASH; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' &&
		    s[i] <= 'f')))
			return bad(c, "invalid file hash");
	memcpy(e->hash, s, 2 * QF_FILE_HASH);
	e->hash[2 * QF_FILE_HASH] = '\0';
	s += 2 * QF_FILE_HASH;
	if (*s++ != ' ' || number(&s, &e->first_part, ' ') < 0 ||
	    number(&s, &v, ' ') < 0 || *s++ != ' ')
		return bad(c, "malformed file line");
	e->last_part = v;
	if (e->first_part < 1 || e->first_part > v || v > c->r->hdr.count)
		return bad(c, "parts out of range");
	e->path = s;
	return QASID_OK;
}

/* One dir or file line into e; 0 at "end". */
static int
entry(struct setcur *c, qasid_entry *e)
{
	char why[160];
	int rc;

	if ((rc = next_line(c)) != QASID_OK)
		return rc;
	if (strcmp(c->line, "end") == 0)
		return c->off == c->r->set.len ? 0 : bad(c, "text after end");
	memset(e, 0, sizeof(*e));
	if (strncmp(c->line, "dir ", 4) == 0) {
		e->is_dir = 1;
		e->mode = 0755;
		e->path = c->line + 4;
	} else if (strncmp(c->line, "file ", 5) != 0)
		return bad(c, "expected a dir, file or end line");
	else if ((rc = file_fields(c, c->line + 5, e)) != QASID_OK)
		return rc;
	if (qpath_check(e->path, strlen(e->path), why, sizeof(why)) != 0)
		return qerr_set(&c->r->err, QASID_ERR_UNSAFE, "%s: set file "
		    "line %" PRIu64 ": unsafe path: %s", c->r->path,
		    c->lineno, why);
	return 1;
}

static int
header(struct setcur *c)
{
	char want[64];
	int rc;

	if ((rc = next_line(c)) != QASID_OK)
		return rc;
	if (strcmp(c->line, "qasid-set 1") != 0)
		return bad(c, "not a qasid set file, version 1");
	if ((rc = next_line(c)) != QASID_OK)
		return rc;
	snprintf(want, sizeof(want), "parts %" PRIu64, c->r->hdr.count);
	return strcmp(c->line, want) == 0 ? QASID_OK : bad(c, "the part "
	    "count is not the volume's");
}

int
qset_walk(qasid_reader *r, qasid_entry_fn fn, void *ud)
{
	struct setcur c = {r, 0, 0, NULL, 0};
	qasid_entry e;
	int rc;

	if (!r->hdr.has_volume || r->set.len == 0)
		return qerr_set(&r->err, QASID_ERR_ARG, "%s: no set file read",
		    r->path);
	if ((c.line = malloc(LINE_MAX_SET)) == NULL)
		return qerr_set(&r->err, QASID_ERR_NOMEM, "%s", r->path);
	rc = header(&c);
	while (rc == QASID_OK && (rc = entry(&c, &e)) == 1)
		rc = fn != NULL ? fn(ud, &e) : QASID_OK;
	free(c.line);
	return rc;
}

int
qasid_reader_set_list(qasid_reader *r, qasid_entry_fn fn, void *ud)
{
	return qset_walk(r, fn, ud);
}

/* ---- Unpacking a whole set ---------------------------------------------- */

static void
free_parts(qasid_reader **v, size_t n)
{
	for (size_t i = 0; v != NULL && i < n; i++)
		qasid_reader_free(v[i]);
	free(v);
}

/* Opens and checks the head of each path, as verify would. */
static int
open_parts(qasid_reader *r, const char *const *paths, size_t n,
    qasid_reader **v)
{
	for (size_t i = 0; i < n; i++) {
		int rc;
		if ((v[i] = qasid_reader_new(r->kr)) == NULL)
			return qerr_set(&r->err, QASID_ERR_NOMEM, "%s", paths[i]);
		v[i]->threads = r->threads;
		v[i]->progress = r->progress;      /* and so may cancel */
		v[i]->progress_ud = r->progress_ud;
		v[i]->spool.tmpdir = r->spool.tmpdir;
		if ((rc = qasid_reader_open(v[i], paths[i])) == QASID_OK)
			rc = qread_start(v[i], 1);
		if (rc == QASID_OK && !v[i]->hdr.has_volume)
			rc = qerr_set(&v[i]->err, QASID_ERR_ARG, "%s: not a "
			    "volume of a set: unpack it on its own", paths[i]);
		/* Its message names it already. */
		if (rc != QASID_OK)
			return qerr_set(&r->err, rc, "%s", qerr_msg(&v[i]->err));
	}
	return QASID_OK;
}

/* The first part of 1 to COUNT that no volume of v is. */
static uint64_t
first_missing(qasid_reader **v, size_t n)
{
	for (uint64_t p = 1;; p++) {
		size_t i = 0;
		while (i < n && v[i]->hdr.part != p)
			i++;
		if (i == n)
			return p;
	}
}

/* One set, each part once, none missing: v sorted by part into w. */
static int
order_parts(qasid_reader *r, qasid_reader **v, size_t n, qasid_reader **w)
{
	const struct qmf_header *h0 = &v[0]->hdr;

	for (size_t i = 0; i < n; i++)
		if (memcmp(v[i]->hdr.setid, h0->setid, QF_MEMBER_HASH) != 0 ||
		    v[i]->hdr.count != h0->count)
			return qerr_set(&r->err, QASID_ERR_FORMAT, "%s: a volume "
			    "of another set than %s", v[i]->path, v[0]->path);
	if (h0->count > n)
		return qerr_set(&r->err, QASID_ERR_FORMAT, "%s: part %" PRIu64
		    " of %" PRIu64 " is missing; nothing was unpacked",
		    v[0]->path, first_missing(v, n), h0->count);
	for (size_t i = 0; i < n; i++) {
		uint64_t p = v[i]->hdr.part;
		if (w[p - 1] != NULL)
			return qerr_set(&r->err, QASID_ERR_ARG, "%s: part %"
			    PRIu64 " given twice (also %s)", v[i]->path, p,
			    w[p - 1]->path);
		w[p - 1] = v[i];
	}
	return QASID_OK;
}

int
qasid_reader_unpack_set(qasid_reader *r, const char *const *paths, size_t n,
    const char *dir)
{
	qasid_reader **v = calloc(n ? n : 1, sizeof(*v));
	qasid_reader **w = calloc(n ? n : 1, sizeof(*w));
	int rc;

	if (v == NULL || w == NULL)
		rc = qerr_set(&r->err, QASID_ERR_NOMEM, "%s", dir);
	else if (n == 0)
		rc = qerr_set(&r->err, QASID_ERR_ARG, "no volumes");
	else if ((rc = open_parts(r, paths, n, v)) == QASID_OK &&
	    (rc = order_parts(r, v, n, w)) == QASID_OK &&
	    (rc = qasid_reader_open(r, w[0]->path)) == QASID_OK) {
		r->parts = w + 1;
		r->nparts = n - 1;
		rc = qasid_reader_unpack(r, dir);
		r->parts = NULL;
		r->nparts = 0;
	}
	free(w);
	free_parts(v, n);
	return rc;
}
