/* SPDX-License-Identifier: ISC */
/*
 * rec_handle.c - the qasid_rec handle, shared by the full build (recover.c,
 * repair.c) and the build without ISA-L (recover_none.c).
 */
#include <stdlib.h>

#include "recover.h"

qasid_rec *
qasid_rec_new(void)
{
	return calloc(1, sizeof(qasid_rec));
}

void
qasid_rec_free(qasid_rec *x)
{
	free(x);
}

void
qasid_rec_set_progress(qasid_rec *x, qasid_progress_fn fn, void *ud)
{
	x->progress = fn;
	x->progress_ud = ud;
}

uint64_t
qasid_rec_blocks(const qasid_rec *x)
{
	return x->blocks;
}

const char *
qasid_rec_errmsg(const qasid_rec *x)
{
	return x->err.msg;
}
