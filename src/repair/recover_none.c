/* SPDX-License-Identifier: ISC */
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
