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

