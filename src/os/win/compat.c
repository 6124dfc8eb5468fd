/* SPDX-License-Identifier: ISC */
/*
 * compat.c - the POSIX and GNU C functions compat.h declares, for Windows:
 * a few string helpers, setenv, and getenv and fopen in UTF-8, timegm,
 * the strptime formats qasid parses (%Y %m %d %H %M %S and literal
 * characters), and sigaction over signal().
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "win.h"

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
	wchar_t *wn, *wv;
	int rc = -1;

	if (!overwrite && getenv(name) != NULL)
		return 0;
	wn = qw_wide(name);
	wv = qw_wide(value);
	if (wn != NULL && wv != NULL)
		rc = _wputenv_s(wn, wv) == 0 ? 0 : -1;
	free(wn);
	free(wv);
	if (rc != 0)
		errno = EINVAL;
	return rc;
}

/* The values given so far, by name: a caller may keep a value until the
 * variable changes, as with getenv, so none is freed. */
struct envval {
	struct envval *next;
	char *name, *value;
};
static struct envval *envvals;

static char *
env_utf8(const char *name)
{
	wchar_t *wn = qw_wide(name), *wv;

	if (wn == NULL)
		return NULL;
	wv = _wgetenv(wn);
	free(wn);
	if (wv == NULL)
		return NULL;
	return qw_utf8(wv);
}

char *
qw_getenv(const char *name)
{
	struct envval *e;
	char *v = env_utf8(name);

	if (v == NULL && strcmp(name, "HOME") == 0)
		v = env_utf8("USERPROFILE");
	if (v == NULL)
		return NULL;
	for (e = envvals; e != NULL; e = e->next)
		if (strcmp(e->name, name) == 0 && strcmp(e->value, v) == 0) {
			free(v);
			return e->value;
		}
	if ((e = malloc(sizeof(*e))) == NULL ||
	    (e->name = strdup(name)) == NULL) {
		free(e);
		free(v);
		return NULL;
	}
	e->value = v;
	e->next = envvals;
	envvals = e;
	return v;
}

FILE *
qw_fopen(const char *path, const char *mode)
{
	wchar_t wm[16], *wp;
	size_t n = 0;
	FILE *f;

	for (; *mode != '\0' && n < 14; mode++)
		wm[n++] = *mode == 'e' ? L'N' : (wchar_t)*mode;
	wm[n] = L'\0';
	if ((wp = qw_path(QOS_AT_CWD, path)) == NULL)
		return NULL;
	f = _wfopen(wp, wm);
	free(wp);
	return f;
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
