/* SPDX-License-Identifier: ISC */
/*
 * os.h - the library's calls into the operating system (src/os): files
 * (file.c), folders walked from open descriptors (dir.c), locks (lock.c),
 * the terminal (term.c), locales and threads (thread.h). Everything here
 * has one meaning on every system; the files of src/os give it on POSIX,
 * and a port gives it anew. Only types of standard C appear, so that the
 * rest of the library, which includes no system header, can call them.
 *
 * Conventions: a function returning int gives 0 (or a descriptor) on
 * success and -1 with errno set on failure, as POSIX does; errno values
 * are those of <errno.h>. Descriptors are ints, opened close-on-exec.
 *
 * Code moving off POSIX calls: open/openat -> qos_open/qos_openat with
 * QOS_* flags; O_DIRECTORY|O_NOFOLLOW folders -> qos_open_dir; fstat,
 * fstatat(AT_SYMLINK_NOFOLLOW) -> qos_fstat, qos_statat(QOS_NOFOLLOW),
 * S_ISREG/S_ISDIR -> st.kind, st_dev/st_ino compared -> qos_same_file,
 * geteuid -> qos_euid; fdopendir/readdir/closedir -> qos_dir_openfd,
 * qos_dir_next, qos_dir_close (d_type -> kind); mkdirat, unlinkat
 * (AT_REMOVEDIR) -> qos_mkdirat, qos_unlinkat(QOS_REMOVEDIR); a tree
 * removed through descriptors -> qos_rm_contents, qos_rm_dir; flock ->
 * qos_lock; fsync, lseek, ftruncate, pwrite -> qos_fsync, qos_seek,
 * qos_truncate, qos_pwrite; statvfs and FAT limits -> qmedia_probe.
 */
#ifndef QASID_OS_H
#define QASID_OS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "qasid.h"

/* ---- Files -------------------------------------------------------------- */

/* Opens path for reading, hinting a sequential read. fd or -1/errno. */
int qos_open_read(const char *path);
int qos_close(int fd);
/* Reads up to n bytes at off. Returns the count, or -1/errno. */
ptrdiff_t qos_pread(int fd, void *buf, size_t n, uint64_t off);

/* write() all of buf, retrying on EINTR and short writes. 0 or -1/errno. */
int qwrite_all(int fd, const void *buf, size_t n);
/* Reads up to n bytes; fewer only at end of file. Returns count or -1. */
ptrdiff_t qread_full(int fd, void *buf, size_t n);
/* The same, but when a signal interrupts them they poll the progress
 * callback fn (done = total = 0) and fail with ECANCELED if it says stop,
 * rather than wait on a hung device for ever. */
int qwrite_poll(int fd, const void *buf, size_t n, qasid_progress_fn fn,
    void *ud);
ptrdiff_t qread_poll(int fd, void *buf, size_t n, qasid_progress_fn fn,
    void *ud);
/* Creates a new temporary file in path's folder (same file system), mode
 * 0600: an anonymous one where the system allows (*tmpname NULL), else
 * ".NAME.qasid-XXXXXX" (*tmpname its malloc'd name). fd or -1/errno. */
int qtmp_create(const char *path, char **tmpname);
/* An anonymous temporary file in dir (NULL: /tmp). fd or -1/errno. */
int qtmp_anon(const char *dir);
/* fsyncs fd, closes it and gives it the name path, refusing to replace an
 * existing path unless overwrite; then fsyncs the folder. On failure the
 * temporary file is removed. 0 or -1/errno. Frees tmpname. */
int qtmp_commit(int fd, char *tmpname, const char *path, int overwrite);
/* Closes fd, removes tmpname and frees it; keeps errno. */
void qtmp_abort(int fd, char *tmpname);
/* renameat that never replaces an existing target: EEXIST instead. Falls
 * back to link and, on FAT, to a check before renaming. fromfd and tofd
 * may be QOS_AT_CWD. 0 or -1/errno. */
int qrename_noreplace(int fromfd, const char *from, int tofd, const char *to);
/* The same, keeping in *how (0 at first) the way that works on this file
 * system, so that many renames on FAT skip the two calls FAT lacks. */
enum { QRENAME_NOREPLACE = 1, QRENAME_LINK, QRENAME_CHECK };
int qrename_noreplace_how(int fromfd, const char *from, int tofd,
    const char *to, int *how);
/* rename: gives from the name to, replacing what had it. 0 or -1. */
int qos_rename(const char *from, const char *to);
/* fchmod, except where the file system keeps no modes (FAT). 0 or -1. */
int qchmod(int fd, unsigned mode);
/* flush.c: keeps a file being written at most a few MiB ahead of its
 * medium, so that progress follows the medium; call with the bytes
 * written so far (from offset 0), b zeroed before the first call. */
struct qbehind {
	uint64_t started, waited;
};
void qwrite_behind(int fd, struct qbehind *b, uint64_t written);
/* The folder part of path ("." if none), malloc'd. */
char *qdirname(const char *path);

/* ---- Opening, by name or relative to an open folder ------------------- */

/* The "at" argument meaning the working folder (AT_FDCWD). */
#define QOS_AT_CWD      (-100)

/* Flags of qos_openat (or'ed; one of READ, WRITE, RDWR). */
#define QOS_READ        0x0000
#define QOS_WRITE       0x0001
#define QOS_RDWR        0x0002
#define QOS_CREATE      0x0004 /* create it if missing, with mode */
#define QOS_EXCL        0x0008 /* with CREATE: fail (EEXIST) if it exists */
#define QOS_TRUNC       0x0010
#define QOS_NOFOLLOW    0x0020 /* fail (ELOOP) if the last name is a link */
#define QOS_NONBLOCK    0x0040 /* never wait: a FIFO does not hang open */
#define QOS_DIRECTORY   0x0080 /* fail (ENOTDIR) unless it is a folder */
#define QOS_APPEND      0x0100 /* every write goes to the end */

/* Opens name inside the folder open as at (or QOS_AT_CWD, or any at when
 * name is absolute); mode (e.g. 0600) only with QOS_CREATE. A terminal
 * opened so never becomes the controlling one. fd or -1. */
int qos_openat(int at, const char *name, int flags, unsigned mode);
/* The same as qos_openat(QOS_AT_CWD, ...). */
int qos_open(const char *path, int flags, unsigned mode);
/* Opens the folder name inside at for walking and *at calls, never
 * through a symbolic link (READ | DIRECTORY | NOFOLLOW). fd or -1. */
int qos_open_dir(int at, const char *name);
/* A second descriptor on the same open file (sharing its offset). */
int qos_dup(int fd);
/* Makes to a second descriptor of fd, closing what to was. to or -1. */
int qos_dup2(int fd, int to);
/* A stdio stream on fd, which it then owns (fclose closes fd), and the
 * descriptor under a stream. */
FILE *qos_fdopen(int fd, const char *mode);
int qos_fileno(FILE *f);
/* rename relative to two open folders (or QOS_AT_CWD), replacing a file
 * that has the name to. 0 or -1. */
int qos_renameat(int fromfd, const char *from, int tofd, const char *to);
/* Waits until everything written to fd's file system is on it. */
int qos_syncfs(int fd);
/* 1 if path names something, following links (access F_OK: a dangling
 * link counts as missing), else 0. */
int qos_exists(const char *path);

/* ---- File status ------------------------------------------------------- */

/* What a name is. */
enum qos_kind {
	QOS_UNKNOWN = 0, /* only from qos_dir_next: the system did not say */
	QOS_FILE,        /* a regular file */
	QOS_DIR,
	QOS_LINK,        /* a symbolic link (only when not followed) */
	QOS_FIFO,
	QOS_SOCKET,
	QOS_DEVICE,      /* a character or block device */
	QOS_OTHER
};

/* Bits of qos_stat.mode above the permissions (the POSIX values). */
#define QOS_SETUID      04000u
#define QOS_SETGID      02000u
#define QOS_STICKY      01000u
#define QOS_SPECIAL     (QOS_SETUID | QOS_SETGID | QOS_STICKY)

struct qos_stat {
	int kind;              /* enum qos_kind */
	unsigned mode;         /* permission bits and QOS_SET*: 07777 */
	uint64_t size;         /* length in bytes (of a file) */
	int64_t mtime;         /* modified: seconds since 1970 UTC */
	long mtime_ns;         /* and nanoseconds, 0..999999999 */
	int64_t ctime_ns;      /* last change of content, mode or name, in
	                        * ns since 1970: no user can set it */
	uint64_t dev;          /* device and inode: with qos_same_file, */
	uint64_t ino;          /*   tell whether two names are one file */
	uint64_t nlink;        /* names the file has (hard links) */
	unsigned long uid;     /* owner, comparable with qos_euid() */
};

/* Status of an open descriptor. 0 or -1. */
int qos_fstat(int fd, struct qos_stat *st);
/* Status of name inside at (or QOS_AT_CWD); with QOS_NOFOLLOW in flags a
 * symbolic link is described itself (lstat), else followed. 0 or -1. */
int qos_statat(int at, const char *name, struct qos_stat *st, int flags);
/* 1 if a and b describe the same file (device and inode). */
int qos_same_file(const struct qos_stat *a, const struct qos_stat *b);
/* The user the process acts as (effective uid). */
unsigned long qos_euid(void);

/* ---- Changing folders, files and descriptors ------------------------- */

/* mkdir of name inside at (or QOS_AT_CWD). 0 or -1 (EEXIST if it is). */
int qos_mkdirat(int at, const char *name, unsigned mode);
/* Flag of qos_unlinkat: remove an empty folder, not a file. */
#define QOS_REMOVEDIR   0x1
/* Removes name inside at (or QOS_AT_CWD), never following it. 0 or -1. */
int qos_unlinkat(int at, const char *name, int flags);
/* Removes what the folder open as fd holds, without following links;
 * 0, or -1 if anything could not be removed (it goes on with the rest). */
int qos_rm_contents(int fd);
/* Removes the folder open as fd (its status, from qos_fstat, in st): its
 * content through fd, then the name in at, but only if that name still
 * means the same folder (it may have been swapped). 0 or -1/errno. */
int qos_rm_dir(int at, const char *name, int fd, const struct qos_stat *st);
/* Syncs the folder that holds path, so that a name made or removed there
 * lasts (a file system that cannot sync folders counts as done). 0, or
 * -1/errno. */
int qos_sync_dir_of(const char *path);
/* Writes fd's data and metadata to the device (on a folder: its names;
 * a file system that cannot sync a folder, EINVAL, counts as synced). */
int qos_fsync(int fd);
/* Whence of qos_seek. */
#define QOS_SEEK_SET    0
#define QOS_SEEK_END    2
/* Moves fd's offset; the new offset from the start, or -1. */
int64_t qos_seek(int fd, int64_t off, int whence);
/* Sets the length of the file open as fd. 0 or -1. */
int qos_truncate(int fd, uint64_t len);
/* Writes up to n bytes at off (one call: may be short). Count or -1. */
ptrdiff_t qos_pwrite(int fd, const void *buf, size_t n, uint64_t off);
/* Tells the system fd will be read once from start to end (a hint). */
void qos_hint_sequential(int fd);
/* Copies up to n bytes from from at *off to to's offset inside the
 * system, without a trip through memory; advances *off. Count (0 at the
 * end of from) or -1: EXDEV, ENOSYS, EINVAL or EOPNOTSUPP mean "cannot
 * copy here, copy through memory", EINTR "interrupted, call again". */
ptrdiff_t qos_copy_range(int from, uint64_t *off, int to, size_t n);
/* Processors online (at least 1). */
unsigned qos_cpus(void);

/* ---- Walking a folder (dir.c) ------------------------------------------ */

struct qos_dir;
/* Walks the folder named path. NULL/errno on failure. */
struct qos_dir *qos_dir_open(const char *path);
/* Walks the folder open as fd from its first name, through a descriptor
 * of its own: fd stays the caller's, open, and usable. NULL/errno. */
struct qos_dir *qos_dir_openfd(int fd);
/* The next name ("." and ".." are skipped), valid until the next call;
 * *kind (if kind is not NULL) is its enum qos_kind as the folder tells it,
 * QOS_UNKNOWN when it does not: then ask qos_statat. NULL at the end with
 * errno 0, or NULL with errno set on error. */
const char *qos_dir_next(struct qos_dir *d, int *kind);
/* A descriptor of the folder being walked, for *at calls; owned by d. */
int qos_dir_fd(struct qos_dir *d);
/* Ends the walk; NULL is a no-op. */
void qos_dir_close(struct qos_dir *d);

/* ---- Locks (lock.c) ---------------------------------------------------- */

/* How of qos_lock: shared or exclusive, or'ed with NB not to wait. */
#define QOS_LOCK_SH     0x1
#define QOS_LOCK_EX     0x2
#define QOS_LOCK_NB     0x4
#define QOS_LOCK_UN     0x8     /* gives the lock back before the close */
/* Takes an advisory lock on the whole file open as fd, held until every
 * descriptor of that open is closed (flock semantics: not per process, so
 * a second open in the same process conflicts). 0, or -1 with errno:
 * EINTR (a signal interrupted the wait: ask whether to go on and call
 * again), EWOULDBLOCK (NB and held by another), or another error. */
int qos_lock(int fd, int how);
/* Opens the lock file path (made with mode 0600 when missing, never
 * through a link) and locks it as how asks, waiting on through signals
 * (common.c). A shared lock falls back to opening it read-only where it
 * cannot be made or written (EROFS, EACCES). Closing the fd unlocks.
 * fd or -1/errno. */
int qos_lock_file(const char *path, int how);

/* ---- The terminal and the process (term.c) ---------------------------- */

/* The standard descriptors. */
#define QOS_STDIN       0
#define QOS_STDOUT      1
#define QOS_STDERR      2

/* Reads up to n bytes, once: fewer at the end or from a terminal's line;
 * -1 with errno (EINTR when a signal came first). */
ptrdiff_t qos_read(int fd, void *buf, size_t n);
/* 1 if fd is a terminal. */
int qos_isatty(int fd);
/* Columns of the terminal open as fd, or 0 if it does not say. */
int qos_term_width(int fd);
/* A terminal's settings, saved by qos_tty_save. */
struct qos_tty {
	int fd;
	_Alignas(16) unsigned char saved[256]; /* the system's own record */
};
/* Saves the settings of the terminal fd in t. 0, or -1 if fd is not a
 * terminal. */
int qos_tty_save(int fd, struct qos_tty *t);
/* Turns echo off on t's terminal (a newline still shows), dropping what
 * was typed before. A password prompt: save, catch the signals that end
 * the program (their handler calls qos_echo_restore), echo off, read,
 * restore. */
void qos_echo_off(const struct qos_tty *t);
/* Puts back the settings t saved. Safe to call from a signal handler. */
void qos_echo_restore(const struct qos_tty *t);
/* The running program's own path, into buf. 0, or -1 if unknown. */
int qos_exe_path(char *buf, size_t cap);
/* Called first in main: where the system passes arguments otherwise
 * (Windows: UTF-16), makes *argv UTF-8, and sets the console to show
 * UTF-8 and the standard streams to carry bytes untranslated. */
void qos_main_args(int *argc, char ***argv);

/* ---- Locales ------------------------------------------------------------ */

/* A handle on a UTF-8 character-type locale (C.UTF-8 where there is one,
 * else "C", in which only ASCII names can be converted), NULL on failure;
 * made per call, freed with qos_locale_free. */
void *qos_utf8_locale(void);
void qos_locale_free(void *loc);
/* Makes loc this thread's locale; returns the one before, for the next
 * call to put back. */
void *qos_locale_use(void *loc);
/* 1 if this thread's locale encodes characters as UTF-8. */
int qos_locale_is_utf8(void);

/* ---- Media -------------------------------------------------------------- */

/* media.c: what the file system under a folder can hold. */
struct qmedia {
	uint64_t free;         /* bytes free to this user; UINT64_MAX unknown */
	uint64_t max_file;     /* largest file it holds; UINT64_MAX no limit */
	const char *fsname;    /* "FAT32" when that is the limit, else NULL */
	uint64_t dev;          /* the device, to tell two file systems apart */
};
/* Probes the file system of the folder open as fd (or named dir); on
 * failure the fields say "unknown" and -1 is returned. */
int qmedia_probe(int fd, struct qmedia *m);
int qmedia_probe_path(const char *dir, struct qmedia *m);
/* The most a body of entries holding bytes of files can take. */
uint64_t qmedia_body_max(uint64_t bytes, uint64_t entries);

/* medium.c: reading a file from the device past the page cache (O_DIRECT
 * where the file system takes it, else its cached pages dropped first),
 * for qasid copy's read-back and qasid check. Reads go into buffers from
 * qos_medium_buf (aligned as O_DIRECT wants). qos_medium_open returns a
 * descriptor or -1 (errno); qos_medium_read is read(2) that falls back
 * to the cache when O_DIRECT is refused. qos_publish gives the synced
 * file tmp the name final, never replacing one, and syncs the folder. */
void *qos_medium_buf(size_t n);
void qos_medium_buf_free(void *p);
int qos_medium_open(const char *path);
ptrdiff_t qos_medium_read(int fd, void *buf, size_t n);
void qos_drop_cache(int fd);
/* Starts writing len bytes of fd from off to the device, not waiting: a
 * later fsync then has little left to do. */
void qos_writeback(int fd, uint64_t off, uint64_t len);
int qos_publish(const char *tmp, const char *final);

#endif
