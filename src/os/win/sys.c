/* SPDX-License-Identifier: ISC */
/*
 * sys.c - the rest of src/os on Windows: locks (LockFileEx), the console
 * (echo off with SetConsoleMode, UTF-8 output, UTF-8 arguments), locales,
 * what a volume holds, and reading back from the medium.
 */
#include <errno.h>
#include <fcntl.h>
#include <io.h>
#include <locale.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "win.h"

/* ---- Locks -------------------------------------------------------------- */

/*
 * Windows locks are mandatory: a locked range cannot be read through
 * another handle. So the lock is taken on one byte far past any end of
 * file, which leaves the file readable and keeps flock's meaning: held by
 * the open file, and let go when its handle is closed or the process dies.
 */
#define LOCK_AT_HIGH 0x7fffffffu

/*
 * A folder cannot be locked on Windows: its lock is a mutex named for the
 * folder's volume and file index (path.c), so that every process locking
 * that folder meets the same one. It is exclusive even when shared was
 * asked (only unpack locks folders, always exclusively), and let go when
 * the descriptor is closed or the process ends.
 */
int
qos_lock(int fd, int how)
{
	HANDLE h = qw_handle(fd);
	struct qos_stat st;
	OVERLAPPED ov;
	DWORD fl = 0;

	if (h == INVALID_HANDLE_VALUE || qos_fstat(fd, &st) < 0)
		return -1;
	if (st.kind == QOS_DIR)
		return qw_dir_lock(fd, st.dev, st.ino, how);
	memset(&ov, 0, sizeof(ov));
	ov.OffsetHigh = LOCK_AT_HIGH;
	if (how & QOS_LOCK_UN)
		return UnlockFileEx(h, 0, 1, 0, &ov) ? 0 : qw_fail();
	if (how & QOS_LOCK_EX)
		fl |= LOCKFILE_EXCLUSIVE_LOCK;
	if (how & QOS_LOCK_NB)
		fl |= LOCKFILE_FAIL_IMMEDIATELY;
	if (LockFileEx(h, fl, 0, 1, 0, &ov))
		return 0;
	if (GetLastError() == ERROR_IO_PENDING ||
	    GetLastError() == ERROR_LOCK_VIOLATION) {
		errno = EWOULDBLOCK;
		return -1;
	}
	return qw_fail();
}

/* ---- The console -------------------------------------------------------- */

_Static_assert(sizeof(DWORD) <= sizeof(((struct qos_tty *)0)->saved),
    "struct qos_tty cannot hold the console's mode");

int
qos_isatty(int fd)
{
	HANDLE h = (HANDLE)_get_osfhandle(fd);
	DWORD mode;

	return h != INVALID_HANDLE_VALUE && GetConsoleMode(h, &mode);
}

int
qos_term_width(int fd)
{
	CONSOLE_SCREEN_BUFFER_INFO ci;
	HANDLE h = (HANDLE)_get_osfhandle(fd);

	if (h == INVALID_HANDLE_VALUE || !GetConsoleScreenBufferInfo(h, &ci))
		return 0;
	return ci.srWindow.Right - ci.srWindow.Left + 1;
}

int
qos_tty_save(int fd, struct qos_tty *t)
{
	HANDLE h = (HANDLE)_get_osfhandle(fd);
	DWORD mode;

	if (h == INVALID_HANDLE_VALUE || !GetConsoleMode(h, &mode))
		return -1;
	memcpy(t->saved, &mode, sizeof(mode));
	t->fd = fd;
	return 0;
}

void
qos_echo_off(const struct qos_tty *t)
{
	HANDLE h = (HANDLE)_get_osfhandle(t->fd);
	DWORD mode;

	memcpy(&mode, t->saved, sizeof(mode));
	FlushConsoleInputBuffer(h);
	SetConsoleMode(h, mode & ~(DWORD)ENABLE_ECHO_INPUT);
}

void
qos_echo_restore(const struct qos_tty *t)
{
	HANDLE h = (HANDLE)_get_osfhandle(t->fd);
	HANDLE err = GetStdHandle(STD_ERROR_HANDLE);
	DWORD mode, now, done;

	memcpy(&mode, t->saved, sizeof(mode));
	/* POSIX's ECHONL shows the newline typed after a password; the
	 * console shows nothing with echo off, so it is written here. */
	if (GetConsoleMode(h, &now) && !(now & ENABLE_ECHO_INPUT) &&
	    (mode & ENABLE_ECHO_INPUT) && GetConsoleMode(err, &done))
		WriteFile(err, "\r\n", 2, &done, NULL);
	SetConsoleMode(h, mode);
}

int
qos_exe_path(char *buf, size_t cap)
{
	wchar_t w[32768];
	DWORD n = GetModuleFileNameW(NULL, w, 32768);
	char *s;

	if (n == 0 || n >= 32768 || (s = qw_utf8(w)) == NULL)
		return -1;
	if (strlen(s) >= cap) {
		free(s);
		return -1;
	}
	/* The tool looks for files beside itself after the last '/'. */
	for (char *p = s; *p != '\0'; p++)
		if (*p == '\\')
			*p = '/';
	memcpy(buf, s, strlen(s) + 1);
	free(s);
	return 0;
}

/* The console's code pages before qasid set them, put back at exit: the
 * console outlives the program. */
static UINT console_out_cp, console_in_cp;

static void
console_restore(void)
{
	SetConsoleOutputCP(console_out_cp);
	SetConsoleCP(console_in_cp);
}

void
qos_main_args(int *argc, char ***argv)
{
	wchar_t **wargv;
	char **av;
	int n;

	/* Text the tool prints is UTF-8, the console shows it so; data on
	 * the standard streams is bytes, never CRLF-translated. */
	if ((console_out_cp = GetConsoleOutputCP()) != 0) {
		console_in_cp = GetConsoleCP();
		SetConsoleOutputCP(CP_UTF8);
		SetConsoleCP(CP_UTF8);
		atexit(console_restore);
	}
	_setmode(0, _O_BINARY);
	_setmode(1, _O_BINARY);
	_setmode(2, _O_BINARY);
	/* main's argv is in the ANSI code page: names outside it arrive as
	 * '?'. The UTF-16 command line holds them all. */
	if ((wargv = CommandLineToArgvW(GetCommandLineW(), &n)) == NULL)
		return;
	if ((av = calloc((size_t)n + 1, sizeof(*av))) == NULL)
		return;
	for (int i = 0; i < n; i++)
		if ((av[i] = qw_utf8(wargv[i])) == NULL)
			return; /* keep the system's: a leak, once */
	LocalFree(wargv);
	*argc = n;
	*argv = av;
}

/* ---- Locales ------------------------------------------------------------ */

/*
 * Every string qasid gives libarchive is UTF-8. libarchive on Windows
 * converts with the system's own calls, from the code page it reads off
 * the name of the C library's locale; msvcrt has no UTF-8 locale, and in
 * "C" or a national code page a name such as اردو.txt would either fail
 * or be encoded twice. So libarchive's question is answered here (the
 * link wraps setlocale): its strings are UTF-8, as on POSIX under
 * C.UTF-8, and the headers are the same bytes. Nothing else changes: the
 * C library's own locale stays "C".
 */
char *__real_setlocale(int cat, const char *name);
char *__wrap_setlocale(int cat, const char *name);

char *
__wrap_setlocale(int cat, const char *name)
{
	if (name == NULL && (cat == LC_CTYPE || cat == LC_ALL))
		return (char *)"C.utf8";
	return __real_setlocale(cat, name);
}

static int utf8_anywhere;

void *
qos_utf8_locale(void)
{
	return &utf8_anywhere;
}

void
qos_locale_free(void *loc)
{
	(void)loc;
}

void *
qos_locale_use(void *loc)
{
	return loc;
}

int
qos_locale_is_utf8(void)
{
	return 1;
}

/* ---- Media -------------------------------------------------------------- */

#define FAT32_MAX_FILE (((uint64_t)4 << 30) - 1)

int
qmedia_probe(int fd, struct qmedia *m)
{
	HANDLE h = qw_handle(fd);
	const wchar_t *path = qw_fd_path(fd);
	ULARGE_INTEGER avail;
	wchar_t fs[MAX_PATH + 1];
	DWORD serial;

	m->free = UINT64_MAX;
	m->max_file = UINT64_MAX;
	m->fsname = NULL;
	m->dev = 0;
	if (h == INVALID_HANDLE_VALUE)
		return -1;
	if (!GetVolumeInformationByHandleW(h, NULL, 0, &serial, NULL, NULL,
	    fs, MAX_PATH + 1))
		return qw_fail();
	m->dev = serial;
	if (path != NULL && GetDiskFreeSpaceExW(path, &avail, NULL, NULL))
		m->free = avail.QuadPart;
	if (wcsncmp(fs, L"FAT", 3) == 0) {
		m->max_file = FAT32_MAX_FILE;
		m->fsname = "FAT32";
	}
	return 0;
}

int
qmedia_probe_path(const char *dir, struct qmedia *m)
{
	int fd = qos_open(dir, QOS_READ | QOS_DIRECTORY, 0), rc;

	if (fd < 0) {
		m->free = m->max_file = UINT64_MAX;
		m->fsname = NULL;
		m->dev = 0;
		return -1;
	}
	rc = qmedia_probe(fd, m);
	qos_close(fd);
	return rc;
}

/* ---- Reading from the medium, writing to it ---------------------------- */

/*
 * Windows reads past its cache only with FILE_FLAG_NO_BUFFERING, which
 * wants every read a multiple of the sector size; the read-back here goes
 * through the cache, after the file was flushed to the medium.
 */
void *
qos_medium_buf(size_t n)
{
	return _aligned_malloc(n, 4096);
}

void
qos_medium_buf_free(void *p)
{
	_aligned_free(p);
}

void
qos_drop_cache(int fd)
{
	(void)fd;
}

int
qos_medium_open(const char *path)
{
	return qos_open(path, QOS_READ | QOS_NOFOLLOW, 0);
}

ptrdiff_t
qos_medium_read(int fd, void *buf, size_t n)
{
	return qos_read(fd, buf, n);
}

void
qos_writeback(int fd, uint64_t off, uint64_t len)
{
	(void)fd, (void)off, (void)len;
}

#define QBEHIND_WINDOW ((uint64_t)32 << 20)

/* Windows can only flush a whole file: once per window written, so that
 * progress follows the medium within that window. */
void
qwrite_behind(int fd, struct qbehind *b, uint64_t written)
{
	HANDLE h = (HANDLE)_get_osfhandle(fd);

	if (written < b->waited + QBEHIND_WINDOW || h == INVALID_HANDLE_VALUE)
		return;
	FlushFileBuffers(h);
	b->waited = b->started = written;
}
