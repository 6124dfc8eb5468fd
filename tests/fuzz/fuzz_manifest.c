/* SPDX-License-Identifier: ISC */
/*
 * fuzz_manifest.c - any bytes as manifest text, through the parser the
 * reader uses. The manifest promises one spelling per meaning, so any text
 * it accepts from start to "end" must print back byte for byte; entries it
 * accepts must pass the path rules, and neighbours must compare sanely.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "manifest.h"
#include "paths.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_env();
	return 0;
}

static void
check_pair(const struct qmf_entry *prev, const struct qmf_entry *e)
{
	char why[300];
	int ab = qpath_cmp(prev->path, prev->pathlen, e->path,
	    e->pathlen);
	int ba = qpath_cmp(e->path, e->pathlen, prev->path,
	    prev->pathlen);

	/* An order: antisymmetric, and equal only for equal paths. */
	if ((ab < 0) != (ba > 0) || (ab == 0) != (ba == 0) ||
	    (ab == 0) != (prev->pathlen == e->pathlen &&
	    memcmp(prev->path, e->path, e->pathlen) == 0))
		abort();
	(void)qpath_collide(prev->path, prev->pathlen, e->path,
	    e->pathlen, why, sizeof(why));
}

/* Parses the text; 0 with the printed form in out if all of it is good. */
static int
parse(struct qspool *s, struct qbuf *out)
{
	struct qmf_cursor *c = malloc(sizeof(*c));
	struct qmf_entry *e = malloc(2 * sizeof(*e));
	struct qmf_header h;
	struct qmf_member m;
	struct qerr err = {0};
	char why[160];
	int rc, n = 0;

	if (c == NULL || e == NULL)
		abort();
	qmf_cursor_init(c, s, &err);
	if ((rc = qmf_get_header(c, &h)) != 0 ||
	    qmf_put_header(out, &h) != QASID_OK)
		goto out;
	while ((rc = qmf_get_entry(c, &e[n & 1])) == 1) {
		struct qmf_entry *cur = &e[n & 1];
		if (qpath_check(cur->path, cur->pathlen, why,
		    sizeof(why)) != 0 || cur->pathlen != strlen(cur->path))
			abort();
		if (n > 0)
			check_pair(&e[(n - 1) & 1], cur);
		if (qmf_put_entry(out, cur) != QASID_OK)
			abort();
		n++;
	}
	if (rc < 0)
		goto out;
	while ((rc = qmf_get_member(c, &m)) == 1)
		if (qmf_put_member(out, &m) != QASID_OK)
			abort();
	if (rc == 0 && qmf_put_end(out) != QASID_OK)
		abort();
out:
	/* A failure always says why, on one line. */
	if (rc < 0 && (err.code == QASID_OK || strchr(qerr_msg(&err), '\n')))
		abort();
	free(c);
	free(e);
	return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct qspool s;
	struct qbuf out = {0};

	memset(&s, 0, sizeof(s));
	if (qspool_write(&s, data, size) != QASID_OK)
		abort();
	if (parse(&s, &out) == 0) {
		/* Accepted text must be in its one spelling. */
		if (out.len != size || memcmp(out.p, data, size) != 0)
			abort();
		fuzz_accepted++;
	}
	qspool_free(&s);
	qbuf_free(&out);
	return 0;
}
