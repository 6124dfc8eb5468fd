/* SPDX-License-Identifier: ISC */
/*
 * buf.c - growable byte buffers, joined strings and hex, for everything
 * the library builds in memory.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int
qbuf_reserve(struct qbuf *b, size_t more)
{
	size_t want, cap;
	unsigned char *p;

	if (more > SIZE_MAX - b->len)
		return QASID_ERR_NOMEM;
	want = b->len + more;
	if (want <= b->cap)
		return QASID_OK;
	cap = b->cap ? b->cap : 4096;
	while (cap < want)
		cap = cap > SIZE_MAX / 2 ? want : cap * 2;
	if ((p = realloc(b->p, cap)) == NULL)
		return QASID_ERR_NOMEM;
	b->p = p;
	b->cap = cap;
	return QASID_OK;
}

int
qbuf_append(struct qbuf *b, const void *p, size_t n)
{
	if (qbuf_reserve(b, n) != QASID_OK)
		return QASID_ERR_NOMEM;
	if (n)
		memcpy(b->p + b->len, p, n);
	b->len += n;
	return QASID_OK;
}

void
qbuf_free(struct qbuf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

void
qhex(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

char *
qstr_join(const char *a, const char *sep, const char *b)
{
	size_t na = strlen(a), ns = strlen(sep), nb = strlen(b);
	char *s = malloc(na + ns + nb + 1);

	if (s == NULL)
		return NULL;
	memcpy(s, a, na);
	memcpy(s + na, sep, ns);
	memcpy(s + na + ns, b, nb + 1);
	return s;
}
