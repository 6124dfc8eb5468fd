/* SPDX-License-Identifier: ISC */
/*
 * compat.h - what the rest of qasid takes from POSIX and GNU C beyond C11,
 * declared for Windows (mingw-w64) and given in compat.c. The Windows
 * build puts it before every file (-include), so that no file outside
 * src/os needs to know it is on Windows. Signals: Windows has SIGINT,
 * SIGTERM and SIGBREAK only; sigaction is given over signal(), SIGHUP is
 * SIGBREAK, and SIGQUIT a number signal() refuses (EINVAL), as if absent.
 */
#ifndef QASID_WIN_COMPAT_H
#define QASID_WIN_COMPAT_H

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <time.h>
#include <signal.h>

#ifndef EDQUOT
#define EDQUOT 122
#endif

void *memmem(const void *h, size_t hn, const void *n, size_t nn);
char *strsep(char **s, const char *delim);
char *strndup(const char *s, size_t n);
int setenv(const char *name, const char *value, int overwrite);
/* The C library's getenv gives values in the ANSI code page, where a
 * home folder named in Urdu is question marks: every getenv is this one,
 * which gives the value in UTF-8, and gives HOME, which Windows does not
 * set, as the user's profile folder. setenv takes UTF-8 in the same way. */
char *qw_getenv(const char *name);
#define getenv qw_getenv
/* fopen in the same way: a UTF-8 name, long names too; the mode's 'e'
 * (close on exec) is Windows' 'N'. */
FILE *qw_fopen(const char *path, const char *mode);
#define fopen qw_fopen
time_t timegm(struct tm *tm);
char *strptime(const char *s, const char *fmt, struct tm *tm);

/* Ctrl-Break, and the console window closed, come as SIGBREAK: what
 * SIGHUP means on POSIX (the terminal gone). */
#define SIGHUP  SIGBREAK
#define SIGQUIT 3
#define SA_RESTART 0x10000000
#ifndef _POSIX
typedef _sigset_t sigset_t;
#endif
struct sigaction {
	void (*sa_handler)(int);
	sigset_t sa_mask;
	int sa_flags;
};
int sigaction(int sig, const struct sigaction *sa, struct sigaction *old);
int sigemptyset(sigset_t *set);
int sigaddset(sigset_t *set, int sig);
#define SIG_UNBLOCK 1
#define SIG_BLOCK 0
#define SIG_SETMASK 2
int sigprocmask(int how, const sigset_t *set, sigset_t *old);

#endif
