/*
 * recover_none.c - the recovery-file functions in a build without Intel
 * ISA-L (the static binary: Debian ships no libisal.a). Each says so;
 * everything else works as in a full build.
 */
#include <stdlib.h>

#include "recover.h"

static int
none(qasid_rec *x, const char *bundle)
{
	qerr_clear(&x->err);
	return qerr_set(&x->err, QASID_ERR_INTERNAL, "%s: this qasid was built "
	    "without ISA-L, so it cannot make or use recovery files", bundle);
}

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

int
qasid_rec_protect(qasid_rec *x, const char *bundle, unsigned pct)
{
	(void)pct;
	return none(x, bundle);
}

int
qasid_rec_check(qasid_rec *x, const char *bundle)
{
	qerr_clear(&x->err);
	(void)bundle;
	return QASID_ERR_NOTFOUND; /* no hint after a failed verify */
}

int
qasid_rec_repair(qasid_rec *x, const char *bundle, const qasid_keyring *kr)
{
	(void)kr;
	return none(x, bundle);
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
