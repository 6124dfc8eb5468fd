/* SPDX-License-Identifier: ISC */
/*
 * shim.h - what the LD_PRELOAD shims of tests/hostile share: the C
 * library's own function of a name, behind the shim's. A shim that cannot
 * find it aborts: a test must not go on with a call that does nothing.
 */
#ifndef QASID_TEST_SHIM_H
#define QASID_TEST_SHIM_H

#include <dlfcn.h>
#include <stdlib.h>

static inline void *
shim_real(const char *name)
{
	void *f = dlsym(RTLD_NEXT, name);

	if (f == NULL)
		abort();
	return f;
}

#endif
