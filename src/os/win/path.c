/* SPDX-License-Identifier: ISC */
/*
 * path.c - names on Windows: UTF-8 to UTF-16 and back, full names relative
 * to an open folder, and the descriptor table that makes that possible.
 * Windows has no openat: a folder's descriptor keeps the full name it was
 * opened by, and a name inside it is that name, a '\', and the name.
 * (A folder renamed while open is then not followed, as POSIX would.)
 */
#include <errno.h>
#include <fcntl.h>
#include <io.h>
#include <stdlib.h>
#include <string.h>

#include "win.h"

/* What the system does not keep with a descriptor: its name, and the
 * mutex standing for a folder's lock (sys.c). */
struct slot {
	wchar_t *path;
	HANDLE lock;            /* NULL, or the folder's mutex */
	uint64_t dev, ino;      /* the folder the mutex is named for */
	int held;               /* 1 while fd holds it */
};

static SRWLOCK table_lock = SRWLOCK_INIT;
static struct slot *table;
static size_t table_len;

wchar_t *
qw_wide(const char *s)
{
	int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1,
	    NULL, 0);
	wchar_t *w;

	if (n <= 0) {
		errno = EILSEQ;
		return NULL;
	}
	if ((w = malloc((size_t)n * sizeof(*w))) == NULL)
		return NULL;
	MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, w, n);
	return w;
}

char *
qw_utf8(const wchar_t *w)
{
	int n = WideCharToMultiByte(CP_UTF8, WC_ERR_INVALID_CHARS, w, -1,
	    NULL, 0, NULL, NULL);
	char *s;

	if (n <= 0) {
		errno = EILSEQ;
		return NULL;
	}
	if ((s = malloc((size_t)n)) == NULL)
		return NULL;
	WideCharToMultiByte(CP_UTF8, WC_ERR_INVALID_CHARS, w, -1, s, n, NULL,
	    NULL);
	return s;
}

int
qw_fail(void)
{
	switch (GetLastError()) {
	case ERROR_FILE_NOT_FOUND: case ERROR_PATH_NOT_FOUND:
	case ERROR_INVALID_DRIVE: case ERROR_BAD_NETPATH:
		errno = ENOENT; break;
	case ERROR_ACCESS_DENIED: case ERROR_SHARING_VIOLATION:
	case ERROR_PRIVILEGE_NOT_HELD:
		errno = EACCES; break;
	case ERROR_FILE_EXISTS: case ERROR_ALREADY_EXISTS:
		errno = EEXIST; break;
	case ERROR_DIR_NOT_EMPTY: errno = ENOTEMPTY; break;
	case ERROR_DISK_FULL: case ERROR_HANDLE_DISK_FULL:
		errno = ENOSPC; break;
	case ERROR_LOCK_VIOLATION: errno = EWOULDBLOCK; break;
	case ERROR_INVALID_NAME: case ERROR_INVALID_PARAMETER:
	case ERROR_BAD_PATHNAME:
		errno = EINVAL; break;
	case ERROR_DIRECTORY: errno = ENOTDIR; break;
	case ERROR_NOT_SAME_DEVICE: errno = EXDEV; break;
	case ERROR_FILENAME_EXCED_RANGE: errno = ENAMETOOLONG; break;
	case ERROR_NOT_ENOUGH_MEMORY: case ERROR_OUTOFMEMORY:
		errno = ENOMEM; break;
	case ERROR_WRITE_PROTECT: errno = EROFS; break;
	case ERROR_FILE_TOO_LARGE: errno = EFBIG; break;
	case ERROR_OPERATION_ABORTED: errno = EINTR; break;
	case ERROR_INVALID_HANDLE: errno = EBADF; break;
	case ERROR_CANT_RESOLVE_FILENAME: errno = ELOOP; break;
	default: errno = EIO; break;
	}
	return -1;
}

/* 1 if name starts with a drive: "C:" */
static int
drive(const wchar_t *w)
{
	return iswalpha(w[0]) && w[1] == L':';
}

/* 1 if name is absolute: "/x", "\x", "C:\x" */
static int
absolute(const wchar_t *w)
{
	return w[0] == L'/' || w[0] == L'\\' || (drive(w) &&
	    (w[2] == L'/' || w[2] == L'\\'));
}

/* The \\?\ form of a full name, which Windows takes as it is, with no
 * limit of 260 characters: \\?\C:\x, or \\?\UNC\server\share\x. */
static wchar_t *
prefixed(const wchar_t *full)
{
	size_t n = wcslen(full) + 16;
	wchar_t *p;

	if (wcsncmp(full, L"\\\\?\\", 4) == 0)
		return _wcsdup(full);
	if ((p = malloc(n * sizeof(*p))) == NULL)
		return NULL;
	if (full[0] == L'\\' && full[1] == L'\\')
		swprintf(p, n, L"\\\\?\\UNC\\%ls", full + 2);
	else
		swprintf(p, n, L"\\\\?\\%ls", full);
	return p;
}

/* GetFullPathNameW: '/' to '\', "." and ".." resolved, the working
 * folder put before a relative name. */
static wchar_t *
full_name(const wchar_t *w)
{
	DWORD n = GetFullPathNameW(w, 0, NULL, NULL);
	wchar_t *f, *p;

	if (n == 0) {
		qw_fail();
		return NULL;
	}
	if ((f = malloc((size_t)n * sizeof(*f))) == NULL)
		return NULL;
	if (GetFullPathNameW(w, n, f, NULL) == 0) {
		qw_fail();
		free(f);
		return NULL;
	}
	p = prefixed(f);
	free(f);
	return p;
}

/* A ':' past the drive names a stream of a file, never a file; inside
 * a folder (at), a name has no drive. */
static int
has_stream(const wchar_t *w, int at)
{
	return wcschr(at == QOS_AT_CWD && drive(w) ? w + 2 : w, L':') != NULL;
}

wchar_t *
qw_path(int at, const char *name)
{
	wchar_t *w = qw_wide(name), *joined, *full;
	const wchar_t *dir;
	size_t n;

	if (w == NULL)
		return NULL;
	if (at != QOS_AT_CWD && absolute(w))
		at = QOS_AT_CWD;
	if (wcsncmp(w, L"\\\\?\\", 4) != 0 && has_stream(w, at)) {
		free(w);
		errno = EINVAL;
		return NULL;
	}
	if (at == QOS_AT_CWD) {
		full = full_name(w);
		free(w);
		return full;
	}
	AcquireSRWLockShared(&table_lock);
	dir = at >= 0 && (size_t)at < table_len ? table[at].path : NULL;
	n = dir ? wcslen(dir) + wcslen(w) + 2 : 0;
	joined = dir ? malloc(n * sizeof(*joined)) : NULL;
	if (joined != NULL)
		swprintf(joined, n, L"%ls\\%ls", dir, w);
	ReleaseSRWLockShared(&table_lock);
	free(w);
	if (joined == NULL) {
		errno = dir ? ENOMEM : EBADF;
		return NULL;
	}
	/* The folder's name is already \\?\-prefixed: resolve "." and ".."
	 * and '/' on the part after it. */
	full = full_name(joined + 4);
	free(joined);
	return full;
}

HANDLE
qw_handle(int fd)
{
	HANDLE h = (HANDLE)_get_osfhandle(fd);

	if (h == INVALID_HANDLE_VALUE)
		errno = EBADF;
	return h;
}

static int
table_put(int fd, wchar_t *path)
{
	size_t want = (size_t)fd + 1;
	struct slot *t;
	int rc = 0;

	AcquireSRWLockExclusive(&table_lock);
	if (want > table_len) {
		want = want < 64 ? 64 : want * 2;
		if ((t = realloc(table, want * sizeof(*t))) == NULL) {
			rc = -1;
			goto done;
		}
		memset(t + table_len, 0, (want - table_len) * sizeof(*t));
		table = t;
		table_len = want;
	}
	free(table[fd].path);
	table[fd].path = path;
	if (table[fd].lock != NULL) {
		/* The last use of this descriptor: its lock goes with it. */
		if (table[fd].held)
			ReleaseMutex(table[fd].lock);
		CloseHandle(table[fd].lock);
		table[fd].lock = NULL;
		table[fd].held = 0;
	}
done:
	ReleaseSRWLockExclusive(&table_lock);
	return rc;
}

int
qw_fd(HANDLE h, wchar_t *path, int crtflags)
{
	int fd = _open_osfhandle((intptr_t)h, crtflags | _O_BINARY);

	if (fd < 0) {
		CloseHandle(h);
		free(path);
		errno = EMFILE;
		return -1;
	}
	if (table_put(fd, path) < 0) {
		free(path);
		_close(fd);
		errno = ENOMEM;
		return -1;
	}
	return fd;
}

const wchar_t *
qw_fd_path(int fd)
{
	const wchar_t *p;

	AcquireSRWLockShared(&table_lock);
	p = fd >= 0 && (size_t)fd < table_len ? table[fd].path : NULL;
	ReleaseSRWLockShared(&table_lock);
	return p;
}

void
qw_fd_forget(int fd)
{
	if (fd >= 0 && (size_t)fd < table_len)
		table_put(fd, NULL);
}

void
qw_fd_copy(int fd, int to)
{
	const wchar_t *p = qw_fd_path(fd);

	table_put(to, p ? _wcsdup(p) : NULL);
}

/* 1 if a descriptor other than fd holds the lock of the folder key. */
static int
held_elsewhere(int fd, uint64_t dev, uint64_t ino)
{
	for (size_t i = 0; i < table_len; i++)
		if ((int)i != fd && table[i].held && table[i].dev == dev &&
		    table[i].ino == ino)
			return 1;
	return 0;
}

/* The mutex of the folder (dev, ino) in fd's slot, made if need be. */
static HANDLE
dir_mutex(int fd, uint64_t dev, uint64_t ino)
{
	wchar_t name[80];

	if (table[fd].lock == NULL) {
		swprintf(name, 80, L"Local\\qasid-%llx-%llx",
		    (unsigned long long)dev, (unsigned long long)ino);
		table[fd].lock = CreateMutexW(NULL, FALSE, name);
		table[fd].dev = dev;
		table[fd].ino = ino;
	}
	return table[fd].lock;
}

int
qw_dir_lock(int fd, uint64_t dev, uint64_t ino, int how)
{
	HANDLE m;
	DWORD r;

	AcquireSRWLockExclusive(&table_lock);
	if (fd < 0 || (size_t)fd >= table_len || table[fd].path == NULL) {
		ReleaseSRWLockExclusive(&table_lock);
		errno = EBADF;
		return -1;
	}
	if (how & QOS_LOCK_UN) {
		if (table[fd].held)
			ReleaseMutex(table[fd].lock);
		table[fd].held = 0;
		ReleaseSRWLockExclusive(&table_lock);
		return 0;
	}
	/* A mutex is the thread's own, taken again at will; flock's lock
	 * is the open file's, and a second open of the folder conflicts. */
	if (held_elsewhere(fd, dev, ino) || (m = dir_mutex(fd, dev, ino)) ==
	    NULL) {
		ReleaseSRWLockExclusive(&table_lock);
		errno = held_elsewhere(fd, dev, ino) ? (how & QOS_LOCK_NB ?
		    EWOULDBLOCK : EDEADLK) : ENOMEM;
		return -1;
	}
	ReleaseSRWLockExclusive(&table_lock);
	r = WaitForSingleObject(m, how & QOS_LOCK_NB ? 0 : INFINITE);
	if (r != WAIT_OBJECT_0 && r != WAIT_ABANDONED) {
		errno = r == WAIT_TIMEOUT ? EWOULDBLOCK : EIO;
		return -1;
	}
	AcquireSRWLockExclusive(&table_lock);
	if (table[fd].held)
		ReleaseMutex(m); /* already held through fd: once is enough */
	table[fd].held = 1;
	ReleaseSRWLockExclusive(&table_lock);
	return 0;
}
