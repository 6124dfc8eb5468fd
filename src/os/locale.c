/* SPDX-License-Identifier: ISC */
/*
 * locale.c - the UTF-8 locale tar headers are made under (format/tar.c):
 * libarchive converts names through the calling thread's locale.
 */
#include <langinfo.h>
#include <locale.h>
#include <string.h>

#include "internal.h"

void *
qos_utf8_locale(void)
{
	static const char *const names[] = {"C.UTF-8", "C.utf8",
	    "en_US.UTF-8"};
	locale_t loc;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if ((loc = newlocale(LC_CTYPE_MASK, names[i], (locale_t)0)) !=
		    (locale_t)0)
			return loc;
	/* Without one, names in ASCII still work; others fail clearly. */
	loc = newlocale(LC_CTYPE_MASK, "C", (locale_t)0);
	return loc == (locale_t)0 ? NULL : loc;
}

void
qos_locale_free(void *loc)
{
	if (loc != NULL)
		freelocale((locale_t)loc);
}

void *
qos_locale_use(void *loc)
{
	return uselocale((locale_t)loc);
}

int
qos_locale_is_utf8(void)
{
	return strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
}
