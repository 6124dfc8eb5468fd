/* SPDX-License-Identifier: ISC */
/*
 * win.h - what the Windows files of src/os share: names converted between
 * UTF-8 and the UTF-16 Windows takes (with the \\?\ prefix that lifts the
 * 260-character limit), errno from GetLastError, and the table that keeps
 * beside each descriptor the full name it was opened as, so that the
 * "at" calls of os.h can be given relative to an open folder.
 */
#ifndef QASID_OS_WIN_H
#define QASID_OS_WIN_H

#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <shellapi.h>

#include "internal.h"

/* UTF-8 to UTF-16 and back, malloc'd; NULL/errno (EILSEQ, ENOMEM). */
wchar_t *qw_wide(const char *s);
char *qw_utf8(const wchar_t *w);
/* The full, \\?\-prefixed name of name inside the folder open as at (or
 * QOS_AT_CWD); names holding ':' (a stream, not a file) are refused with
 * EINVAL. malloc'd, or NULL/errno. */
wchar_t *qw_path(int at, const char *name);
/* Sets errno from GetLastError(); returns -1. */
int qw_fail(void);
/* The handle under fd, or INVALID_HANDLE_VALUE (EBADF). */
HANDLE qw_handle(int fd);
/* A descriptor owning h, opened as path (kept, may be NULL). fd or -1;
 * on failure h is closed and path freed. */
int qw_fd(HANDLE h, wchar_t *path, int crtflags);
/* The name fd was opened as (owned by the table), or NULL. */
const wchar_t *qw_fd_path(int fd);
/* Forgets fd's name (before it is closed). */
void qw_fd_forget(int fd);
/* qos_lock of the folder (dev, ino) open as fd: a mutex named for it,
 * held by fd until unlocked or closed. 0 or -1/errno. */
int qw_dir_lock(int fd, uint64_t dev, uint64_t ino, int how);
/* Shares the name of fd with its copy to. */
void qw_fd_copy(int fd, int to);

#endif
