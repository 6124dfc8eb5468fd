/* SPDX-License-Identifier: ISC */
/*
 * dir.c - names and folders on Windows: status from the handle (a reparse
 * point, when not followed, is a link, as POSIX calls a symbolic link),
 * folders made and removed by full name, and walks with FindFirstFileExW.
 * A folder's descriptor holds its name (path.c), from which the names
 * inside it are made.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "win.h"

/* 100 ns ticks from 1601 to 1970. */
#define EPOCH_DIFF 116444736000000000LL

struct qos_dir {
	HANDLE find;
	WIN32_FIND_DATAW fd;
	int first, dirfd;
	char *name;
};

static int64_t
ticks(FILETIME ft)
{
	return (int64_t)(((uint64_t)ft.dwHighDateTime << 32) |
	    ft.dwLowDateTime) - EPOCH_DIFF;
}

static int
kind_of(DWORD attr)
{
	return attr & FILE_ATTRIBUTE_REPARSE_POINT ? QOS_LINK :
	    attr & FILE_ATTRIBUTE_DIRECTORY ? QOS_DIR : QOS_FILE;
}

static void
stat_pipe(HANDLE h, struct qos_stat *st)
{
	memset(st, 0, sizeof(*st));
	st->kind = GetFileType(h) == FILE_TYPE_CHAR ? QOS_DEVICE : QOS_FIFO;
	st->mode = 0600;
	st->nlink = 1;
}

int
qos_fstat(int fd, struct qos_stat *st)
{
	HANDLE h = qw_handle(fd);
	BY_HANDLE_FILE_INFORMATION fi;
	FILE_BASIC_INFO bi;
	int64_t t;

	if (h == INVALID_HANDLE_VALUE)
		return -1;
	if (GetFileType(h) != FILE_TYPE_DISK) {
		stat_pipe(h, st);
		return 0;
	}
	if (!GetFileInformationByHandle(h, &fi))
		return qw_fail();
	memset(st, 0, sizeof(*st));
	st->kind = kind_of(fi.dwFileAttributes);
	st->mode = st->kind == QOS_DIR ? 0755 : 0644;
	if (fi.dwFileAttributes & FILE_ATTRIBUTE_READONLY)
		st->mode &= ~0222u;
	st->size = ((uint64_t)fi.nFileSizeHigh << 32) | fi.nFileSizeLow;
	t = ticks(fi.ftLastWriteTime);
	st->mtime = t >= 0 ? t / 10000000 : -((-t + 9999999) / 10000000);
	st->mtime_ns = (long)((t - st->mtime * 10000000) * 100);
	/* ChangeTime is NTFS's ctime; FAT has none: then the write time. */
	st->ctime_ns = t * 100;
	if (GetFileInformationByHandleEx(h, FileBasicInfo, &bi, sizeof(bi)) &&
	    bi.ChangeTime.QuadPart != 0)
		st->ctime_ns = (bi.ChangeTime.QuadPart - EPOCH_DIFF) * 100;
	st->dev = fi.dwVolumeSerialNumber;
	st->ino = ((uint64_t)fi.nFileIndexHigh << 32) | fi.nFileIndexLow;
	st->nlink = fi.nNumberOfLinks;
	st->uid = 0;
	return 0;
}

int
qos_statat(int at, const char *name, struct qos_stat *st, int flags)
{
	wchar_t *w = qw_path(at, name);
	HANDLE h;
	int fd;

	if (w == NULL)
		return -1;
	h = CreateFileW(w, FILE_READ_ATTRIBUTES, FILE_SHARE_READ |
	    FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL, OPEN_EXISTING,
	    FILE_FLAG_BACKUP_SEMANTICS | (flags & QOS_NOFOLLOW ?
	    FILE_FLAG_OPEN_REPARSE_POINT : 0), NULL);
	if (h == INVALID_HANDLE_VALUE) {
		free(w);
		return qw_fail();
	}
	if ((fd = qw_fd(h, w, 0)) < 0)
		return -1;
	if (qos_fstat(fd, st) < 0) {
		int e = errno;
		qos_close(fd);
		errno = e;
		return -1;
	}
	qos_close(fd);
	return 0;
}

int
qos_same_file(const struct qos_stat *a, const struct qos_stat *b)
{
	return a->dev == b->dev && a->ino == b->ino;
}

unsigned long
qos_euid(void)
{
	return 0; /* files have no Unix owner: qos_fstat gives 0 too */
}

int
qos_exists(const char *path)
{
	wchar_t *w = qw_path(QOS_AT_CWD, path);
	int rc = w != NULL && GetFileAttributesW(w) != INVALID_FILE_ATTRIBUTES;

	free(w);
	return rc;
}

int
qos_mkdirat(int at, const char *name, unsigned mode)
{
	wchar_t *w = qw_path(at, name);
	int rc;

	(void)mode;
	if (w == NULL)
		return -1;
	rc = CreateDirectoryW(w, NULL) ? 0 : qw_fail();
	free(w);
	return rc;
}

int
qos_unlinkat(int at, const char *name, int flags)
{
	wchar_t *w = qw_path(at, name);
	DWORD attr;
	int rc;

	if (w == NULL)
		return -1;
	if (flags & QOS_REMOVEDIR) {
		rc = RemoveDirectoryW(w) ? 0 : qw_fail();
	} else {
		/* A read-only file is removed, as POSIX removes one. */
		attr = GetFileAttributesW(w);
		if (attr != INVALID_FILE_ATTRIBUTES &&
		    (attr & FILE_ATTRIBUTE_READONLY))
			SetFileAttributesW(w, attr & ~FILE_ATTRIBUTE_READONLY);
		rc = DeleteFileW(w) ? 0 : qw_fail();
		/* A link to a folder (or a junction) is removed as a folder
		 * is, which removes the link, never what it points to. */
		if (rc < 0 && attr != INVALID_FILE_ATTRIBUTES &&
		    (attr & FILE_ATTRIBUTE_REPARSE_POINT) &&
		    (attr & FILE_ATTRIBUTE_DIRECTORY))
			rc = RemoveDirectoryW(w) ? 0 : qw_fail();
		else if (rc < 0 && errno == EACCES &&
		    attr != INVALID_FILE_ATTRIBUTES &&
		    (attr & FILE_ATTRIBUTE_DIRECTORY))
			errno = EISDIR;
	}
	free(w);
	return rc;
}

/* ---- Walking ------------------------------------------------------------ */

struct qos_dir *
qos_dir_openfd(int fd)
{
	const wchar_t *dir = qw_fd_path(fd);
	struct qos_dir *d;
	size_t n;
	wchar_t *pat;

	if (dir == NULL) {
		errno = EBADF;
		return NULL;
	}
	n = wcslen(dir) + 3;
	if ((d = calloc(1, sizeof(*d))) == NULL ||
	    (pat = malloc(n * sizeof(*pat))) == NULL) {
		free(d);
		return NULL;
	}
	swprintf(pat, n, L"%ls\\*", dir);
	d->find = FindFirstFileExW(pat, FindExInfoBasic, &d->fd,
	    FindExSearchNameMatch, NULL, FIND_FIRST_EX_LARGE_FETCH);
	free(pat);
	if (d->find == INVALID_HANDLE_VALUE ||
	    (d->dirfd = qos_dup(fd)) < 0) {
		qw_fail();
		if (d->find != INVALID_HANDLE_VALUE)
			FindClose(d->find);
		free(d);
		return NULL;
	}
	d->first = 1;
	return d;
}

struct qos_dir *
qos_dir_open(const char *path)
{
	int fd = qos_open_dir(QOS_AT_CWD, path);
	struct qos_dir *d;

	if (fd < 0)
		return NULL;
	d = qos_dir_openfd(fd);
	qos_close(fd);
	return d;
}

const char *
qos_dir_next(struct qos_dir *d, int *kind)
{
	const wchar_t *n;

	for (;;) {
		if (!d->first && !FindNextFileW(d->find, &d->fd)) {
			if (GetLastError() == ERROR_NO_MORE_FILES)
				errno = 0;
			else
				qw_fail();
			return NULL;
		}
		d->first = 0;
		n = d->fd.cFileName;
		if (wcscmp(n, L".") != 0 && wcscmp(n, L"..") != 0)
			break;
	}
	free(d->name);
	if ((d->name = qw_utf8(n)) == NULL)
		return NULL;
	if (kind != NULL)
		*kind = kind_of(d->fd.dwFileAttributes);
	errno = 0;
	return d->name;
}

int
qos_dir_fd(struct qos_dir *d)
{
	return d->dirfd;
}

void
qos_dir_close(struct qos_dir *d)
{
	if (d == NULL)
		return;
	FindClose(d->find);
	qos_close(d->dirfd);
	free(d->name);
	free(d);
}
