/* SPDX-License-Identifier: ISC */
/*
 * compat.c - the POSIX and GNU C functions compat.h declares, for Windows:
 * a few string helpers, setenv, timegm, the strptime formats qasid parses
 * (%Y %m %d %H %M %S and literal characters), and sigaction over signal().
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"

void *
memmem(const void *h, size_t hn, const void *n, size_t nn)
{
	const unsigned char *p = h;

	if (nn == 0)
		return (void *)h;
	for (size_t i = 0; nn <= hn && i <= hn - nn; i++)
		if (p[i] == *(const unsigned char *)n &&
		    memcmp(p + i, n, nn) == 0)
			return (void *)(p + i);
	return NULL;
}

char *
strsep(char **s, const char *delim)
{
	char *start = *s, *end;

	if (start == NULL)
		return NULL;
	end = start + strcspn(start, delim);
	if (*end == '\0') {
		*s = NULL;
	} else {
		*end = '\0';
		*s = end + 1;
	}
	return start;
}

char *
strndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *d = malloc(len + 1);

	if (d == NULL)
		return NULL;
	memcpy(d, s, len);
	d[len] = '\0';
	return d;
}

int
setenv(const char *name, const char *value, int overwrite)
{
	if (!overwrite && getenv(name) != NULL)
		return 0;
	if (_putenv_s(name, value) != 0) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

time_t
timegm(struct tm *tm)
{
	return _mkgmtime(tm);
}

/* Reads a number of at most width digits into *v. */
static const char *
number(const char *s, int width, int *v)
{
	int n = 0, i;

	for (i = 0; i < width && s[i] >= '0' && s[i] <= '9'; i++)
		n = n * 10 + (s[i] - '0');
	if (i == 0)
		return NULL;
	*v = n;
	return s + i;
}

char *
strptime(const char *s, const char *fmt, struct tm *tm)
{
	int v = 0;

	for (; s != NULL && *fmt != '\0'; fmt++) {
		if (*fmt != '%') {
			s = *s == *fmt ? s + 1 : NULL;
			continue;
		}
		switch (*++fmt) {
		case 'Y': s = number(s, 4, &v); tm->tm_year = v - 1900; break;
		case 'm': s = number(s, 2, &v); tm->tm_mon = v - 1; break;
		case 'd': s = number(s, 2, &v); tm->tm_mday = v; break;
		case 'H': s = number(s, 2, &v); tm->tm_hour = v; break;
		case 'M': s = number(s, 2, &v); tm->tm_min = v; break;
		case 'S': s = number(s, 2, &v); tm->tm_sec = v; break;
		default: return NULL;
		}
	}
	return (char *)s;
}

int
sigaction(int sig, const struct sigaction *sa, struct sigaction *old)
{
	void (*before)(int);

	if (sig != SIGINT && sig != SIGTERM && sig != SIGBREAK) {
		errno = EINVAL;
		return -1;
	}
	if (sa == NULL) {
		/* Asking only: put back what was there. */
		before = signal(sig, SIG_DFL);
		signal(sig, before);
	} else {
		before = signal(sig, sa->sa_handler);
	}
	if (before == SIG_ERR)
		return -1;
	if (old != NULL) {
		memset(old, 0, sizeof(*old));
		old->sa_handler = before;
	}
	return 0;
}

int
sigemptyset(sigset_t *set)
{
	*set = 0;
	return 0;
}

int
sigaddset(sigset_t *set, int sig)
{
	*set |= (sigset_t)1 << sig;
	return 0;
}

int
sigprocmask(int how, const sigset_t *set, sigset_t *old)
{
	/* Windows blocks no signals: nothing to change. */
	(void)how;
	(void)set;
	if (old != NULL)
		*old = 0;
	return 0;
}
