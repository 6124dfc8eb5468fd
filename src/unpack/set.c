/* SPDX-License-Identifier: ISC */
/*
 * set.c - unpacking one volume of a set (docs/FORMAT.md 17.4): the files
 * wholly inside it are published as from any bundle; its own metadata
 * (.qasid/set and its folders) and the pieces of files split across
 * volumes never are. A filter stands between the body check and unpack's
 * sink, so that unpack itself knows nothing of volumes.
 */
#include <string.h>

#include "unpack.h"

static int
skipped(const struct qmf_entry *e)
{
	return e->is_piece || qmf_volume_meta(e->path, e->pathlen);
}

static int
f_dir(void *ud, const struct qmf_entry *e)
{
	struct qset_filter *f = ud;

	return skipped(e) ? QASID_OK : f->to->dir(f->to->ud, e);
}

static int
f_begin(void *ud, const struct qmf_entry *e)
{
	struct qset_filter *f = ud;

	if ((f->skip = skipped(e)))
		return QASID_OK;
	return f->to->file_begin(f->to->ud, e);
}

static int
f_data(void *ud, const unsigned char *p, size_t n)
{
	struct qset_filter *f = ud;

	return f->skip ? QASID_OK : f->to->file_data(f->to->ud, p, n);
}

static int
f_end(void *ud, const struct qmf_entry *e)
{
	struct qset_filter *f = ud;

	return f->skip ? QASID_OK : f->to->file_end(f->to->ud, e);
}

static int
f_commit(void *ud)
{
	struct qset_filter *f = ud;

	return f->to->commit(f->to->ud);
}

const struct qsink *
qset_filter(const struct qsink *to, struct qset_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->to = to;
	f->sink.ud = f;
	f->sink.dir = f_dir;
	f->sink.file_begin = f_begin;
	f->sink.file_data = f_data;
	f->sink.file_end = f_end;
	f->sink.commit = f_commit;
	return &f->sink;
}
