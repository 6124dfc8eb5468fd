/* SPDX-License-Identifier: ISC */
/*
 * extract.c - one file of a bundle handed to the caller as it is read,
 * for readers that have no file system to unpack into (the browser's
 * verify.html): the whole bundle is verified in the same pass, and the
 * caller keeps the bytes only when the call succeeds.
 */
#include <stdlib.h>
#include <string.h>

#include "reader.h"

struct extract {
	qasid_reader *r;
	const char *path;
	qasid_write_fn fn;
	void *ud;
	int in_file;             /* the current entry is the one asked for */
	int found;
};

static int
x_dir(void *ud, const struct qmf_entry *e)
{
	(void)ud;
	(void)e;
	return QASID_OK;
}

static int
x_begin(void *ud, const struct qmf_entry *e)
{
	struct extract *x = ud;

	/* A piece of a file split across volumes is not the file; a
	 * volume's set file (.qasid/set) is the library's, not content. */
	x->in_file = !e->is_piece && !qmf_volume_meta(e->path, e->pathlen) &&
	    strcmp(e->path, x->path) == 0;
	x->found |= x->in_file;
	return QASID_OK;
}

static int
x_data(void *ud, const unsigned char *p, size_t n)
{
	struct extract *x = ud;

	if (!x->in_file || n == 0)
		return QASID_OK;
	if (x->fn(x->ud, p, n) != 0)
		return qerr_set(&x->r->err, QASID_ERR_CANCELLED, "%s: "
		    "stopped", x->path);
	return QASID_OK;
}

static int
x_end(void *ud, const struct qmf_entry *e)
{
	struct extract *x = ud;

	(void)e;
	x->in_file = 0;
	return QASID_OK;
}

/* The whole bundle has verified: only now may a missing file be told. */
static int
x_commit(void *ud)
{
	struct extract *x = ud;

	if (!x->found)
		return qerr_set(&x->r->err, QASID_ERR_NOTFOUND, "no file %s "
		    "in it", x->path);
	return QASID_OK;
}

int
qasid_reader_extract(qasid_reader *r, const char *path, qasid_write_fn fn,
    void *ud)
{
	struct extract x = {r, path, fn, ud, 0, 0};
	struct qsink sink = {&x, x_dir, x_begin, x_data, x_end, x_commit};
	int rc;

	if (path == NULL || fn == NULL)
		return qerr_set(&r->err, QASID_ERR_ARG, "extract: no file "
		    "named, or nowhere to give it");
	rc = qread_start(r, QREAD_SIGNED);
	return qread_done(r, rc != QASID_OK ? rc : qread_body(r, &sink));
}
