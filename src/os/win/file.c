/* SPDX-License-Identifier: ISC */
/*
 * file.c - files on Windows: opening by UTF-16 name (CreateFileW, shared
 * for reading, writing and deleting, as POSIX files are), reads and
 * writes on the handle, temporary files, renames that never replace
 * (MoveFileExW without MOVEFILE_REPLACE_EXISTING) and fsync as
 * FlushFileBuffers. Descriptors are the C library's, over the handles.
 */
#include <errno.h>
#include <fcntl.h>
#include <io.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "win.h"

#define SHARE_ALL (FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE)

static DWORD
access_of(int flags)
{
	DWORD a = FILE_READ_ATTRIBUTES | SYNCHRONIZE;

	if (flags & QOS_APPEND)
		a |= FILE_APPEND_DATA | FILE_WRITE_ATTRIBUTES;
	else if (flags & (QOS_WRITE | QOS_RDWR))
		a |= GENERIC_WRITE;
	if (!(flags & QOS_WRITE))
		a |= GENERIC_READ;
	return a;
}

static DWORD
disposition_of(int flags)
{
	if (flags & QOS_CREATE)
		return flags & QOS_EXCL ? CREATE_NEW : flags & QOS_TRUNC ?
		    CREATE_ALWAYS : OPEN_ALWAYS;
	return flags & QOS_TRUNC ? TRUNCATE_EXISTING : OPEN_EXISTING;
}

/* Refuses what POSIX would: a reparse point (a symbolic link or a
 * junction) under NOFOLLOW, a file for DIRECTORY, a folder to write. */
static int
check_opened(HANDLE h, int flags)
{
	BY_HANDLE_FILE_INFORMATION fi;

	if (GetFileType(h) != FILE_TYPE_DISK)
		return flags & QOS_DIRECTORY ? (errno = ENOTDIR, -1) : 0;
	if (!GetFileInformationByHandle(h, &fi))
		return qw_fail();
	if ((flags & QOS_NOFOLLOW) &&
	    (fi.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT)) {
		errno = ELOOP;
		return -1;
	}
	if (fi.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) {
		if (flags & (QOS_WRITE | QOS_RDWR | QOS_APPEND)) {
			errno = EISDIR;
			return -1;
		}
	} else if (flags & QOS_DIRECTORY) {
		errno = ENOTDIR;
		return -1;
	}
	return 0;
}

static int
open_path(wchar_t *path, int flags, DWORD extra)
{
	DWORD fl = FILE_FLAG_BACKUP_SEMANTICS | extra;
	HANDLE h;

	if (path == NULL)
		return -1;
	if (flags & QOS_NOFOLLOW)
		fl |= FILE_FLAG_OPEN_REPARSE_POINT;
	h = CreateFileW(path, access_of(flags), SHARE_ALL, NULL,
	    disposition_of(flags), fl | FILE_ATTRIBUTE_NORMAL, NULL);
	if (h == INVALID_HANDLE_VALUE) {
		qw_fail();
		/* Windows says "access denied" for a folder opened to write. */
		if (errno == EACCES && (flags & (QOS_WRITE | QOS_RDWR)) &&
		    (GetFileAttributesW(path) & FILE_ATTRIBUTE_DIRECTORY) &&
		    GetFileAttributesW(path) != INVALID_FILE_ATTRIBUTES)
			errno = EISDIR;
		free(path);
		return -1;
	}
	if (check_opened(h, flags) < 0) {
		int e = errno;
		CloseHandle(h);
		free(path);
		errno = e;
		return -1;
	}
	return qw_fd(h, path, flags & QOS_APPEND ? _O_APPEND : 0);
}

int
qos_openat(int at, const char *name, int flags, unsigned mode)
{
	(void)mode; /* Windows keeps no Unix modes */
	return open_path(qw_path(at, name), flags, 0);
}

int
qos_open(const char *path, int flags, unsigned mode)
{
	return qos_openat(QOS_AT_CWD, path, flags, mode);
}

int
qos_open_read(const char *path)
{
	return open_path(qw_path(QOS_AT_CWD, path), QOS_READ,
	    FILE_FLAG_SEQUENTIAL_SCAN);
}

int
qos_open_dir(int at, const char *name)
{
	return qos_openat(at, name, QOS_READ | QOS_DIRECTORY | QOS_NOFOLLOW,
	    0);
}

int
qos_close(int fd)
{
	qw_fd_forget(fd);
	return _close(fd);
}

int
qos_dup(int fd)
{
	int to = _dup(fd);

	if (to >= 0)
		qw_fd_copy(fd, to);
	return to;
}

int
qos_dup2(int fd, int to)
{
	if (_dup2(fd, to) < 0)
		return -1;
	qw_fd_copy(fd, to);
	return to;
}

FILE *
qos_fdopen(int fd, const char *mode)
{
	return _fdopen(fd, mode);
}

int
qos_fileno(FILE *f)
{
	return _fileno(f);
}

/*
 * One ReadFile or WriteFile, at off unless off is UINT64_MAX. On a handle
 * opened for synchronous use, Windows moves the file pointer past what an
 * OVERLAPPED offset read or wrote; pread and pwrite leave it, so it is
 * put back.
 */
static ptrdiff_t
io(int fd, void *buf, size_t n, uint64_t off, int wr)
{
	HANDLE h = qw_handle(fd);
	OVERLAPPED ov, *o = NULL;
	DWORD done = 0, want = n > 0x40000000 ? 0x40000000 : (DWORD)n;
	LARGE_INTEGER zero = {0}, at;
	BOOL ok;

	if (h == INVALID_HANDLE_VALUE)
		return -1;
	if (off != UINT64_MAX) {
		if (!SetFilePointerEx(h, zero, &at, FILE_CURRENT))
			return qw_fail();
		memset(&ov, 0, sizeof(ov));
		ov.Offset = (DWORD)off;
		ov.OffsetHigh = (DWORD)(off >> 32);
		o = &ov;
	}
	ok = wr ? WriteFile(h, buf, want, &done, o) :
	    ReadFile(h, buf, want, &done, o);
	if (!ok) {
		DWORD e = GetLastError();
		if (o != NULL)
			SetFilePointerEx(h, at, NULL, FILE_BEGIN);
		/* The end of a pipe, or a read past the end at an offset. */
		if (!wr && (e == ERROR_BROKEN_PIPE || e == ERROR_HANDLE_EOF))
			return 0;
		SetLastError(e);
		return qw_fail();
	}
	if (o != NULL && !SetFilePointerEx(h, at, NULL, FILE_BEGIN))
		return qw_fail();
	return (ptrdiff_t)done;
}

ptrdiff_t
qos_read(int fd, void *buf, size_t n)
{
	return io(fd, buf, n, UINT64_MAX, 0);
}

ptrdiff_t
qos_pread(int fd, void *buf, size_t n, uint64_t off)
{
	return io(fd, buf, n, off, 0);
}

ptrdiff_t
qos_pwrite(int fd, const void *buf, size_t n, uint64_t off)
{
	return io(fd, (void *)buf, n, off, 1);
}

int
qwrite_poll(int fd, const void *buf, size_t n, qasid_progress_fn fn,
    void *ud)
{
	const unsigned char *p = buf;

	(void)fn; /* Windows interrupts no call with a signal */
	(void)ud;
	while (n > 0) {
		ptrdiff_t w = io(fd, (void *)p, n, UINT64_MAX, 1);
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int
qwrite_all(int fd, const void *buf, size_t n)
{
	return qwrite_poll(fd, buf, n, NULL, NULL);
}

ptrdiff_t
qread_poll(int fd, void *buf, size_t n, qasid_progress_fn fn, void *ud)
{
	unsigned char *p = buf;
	size_t got = 0;

	(void)fn;
	(void)ud;
	while (got < n) {
		ptrdiff_t r = io(fd, p + got, n - got, UINT64_MAX, 0);
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ptrdiff_t)got;
}

ptrdiff_t
qread_full(int fd, void *buf, size_t n)
{
	return qread_poll(fd, buf, n, NULL, NULL);
}

int
qos_fsync(int fd)
{
	HANDLE h = qw_handle(fd);
	BY_HANDLE_FILE_INFORMATION fi;

	if (h == INVALID_HANDLE_VALUE)
		return -1;
	if (FlushFileBuffers(h))
		return 0;
	/* A folder cannot be flushed; its names are written through by the
	 * renames (MOVEFILE_WRITE_THROUGH). A console or pipe has nothing to
	 * flush. */
	if (GetFileType(h) != FILE_TYPE_DISK || (GetFileInformationByHandle(h,
	    &fi) && (fi.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY)))
		return 0;
	return qw_fail();
}

/* Flushes every file under the folder open as fd, never through a link;
 * -1 if one could not be. */
static int
flush_tree(int fd, int depth)
{
	struct qos_dir *d = qos_dir_openfd(fd);
	const char *name;
	int kind, sub, rc = 0;

	if (d == NULL)
		return -1;
	while ((name = qos_dir_next(d, &kind)) != NULL) {
		if (kind == QOS_DIR && depth < 256)
			sub = qos_open_dir(qos_dir_fd(d), name);
		else if (kind == QOS_FILE)
			sub = qos_openat(qos_dir_fd(d), name, QOS_WRITE |
			    QOS_NOFOLLOW, 0);
		else
			continue;
		/* A file no one may write (read-only, or another's) holds
		 * nothing written here. */
		if (sub < 0 && errno == EACCES)
			continue;
		if (sub < 0 || (kind == QOS_DIR ? flush_tree(sub, depth + 1) :
		    qos_fsync(sub)) < 0)
			rc = -1;
		if (sub >= 0)
			qos_close(sub);
	}
	qos_dir_close(d);
	return rc;
}

int
qos_syncfs(int fd)
{
	struct qos_stat st;

	/* Flushing a whole volume needs administrator rights: what the
	 * callers wrote, under the folder they name, is flushed instead,
	 * file by file. */
	if (qos_fstat(fd, &st) < 0)
		return -1;
	return st.kind == QOS_DIR ? flush_tree(fd, 0) : qos_fsync(fd);
}

int64_t
qos_seek(int fd, int64_t off, int whence)
{
	HANDLE h = qw_handle(fd);
	LARGE_INTEGER d, now;

	if (h == INVALID_HANDLE_VALUE)
		return -1;
	d.QuadPart = off;
	if (!SetFilePointerEx(h, d, &now, whence == QOS_SEEK_END ? FILE_END :
	    FILE_BEGIN))
		return qw_fail();
	return now.QuadPart;
}

int
qos_truncate(int fd, uint64_t len)
{
	HANDLE h = qw_handle(fd);
	FILE_END_OF_FILE_INFO eof;

	if (h == INVALID_HANDLE_VALUE)
		return -1;
	eof.EndOfFile.QuadPart = (LONGLONG)len;
	if (!SetFileInformationByHandle(h, FileEndOfFileInfo, &eof,
	    sizeof(eof)))
		return qw_fail();
	return 0;
}

void
qos_hint_sequential(int fd)
{
	(void)fd; /* given at open (FILE_FLAG_SEQUENTIAL_SCAN) */
}

ptrdiff_t
qos_copy_range(int from, uint64_t *off, int to, size_t n)
{
	(void)from, (void)off, (void)to, (void)n;
	errno = ENOSYS;
	return -1;
}

unsigned
qos_cpus(void)
{
	DWORD n = GetActiveProcessorCount(ALL_PROCESSOR_GROUPS);

	return n == 0 ? 1 : n > 65535 ? 65535 : (unsigned)n;
}

int
qchmod(int fd, unsigned mode)
{
	/* No Unix modes on Windows, as on FAT: nothing to set, no setuid. */
	(void)fd, (void)mode;
	return 0;
}

char *
qdirname(const char *path)
{
	const char *sep = NULL, *p;

	for (p = path; *p != '\0'; p++)
		if (*p == '/' || *p == '\\')
			sep = p;
	if (sep == NULL)
		return strdup(".");
	if (sep == path || (sep == path + 2 && path[1] == ':'))
		return strndup(path, (size_t)(sep - path) + 1);
	return strndup(path, (size_t)(sep - path));
}
