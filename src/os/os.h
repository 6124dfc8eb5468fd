/* SPDX-License-Identifier: ISC */
/*
 * os.h - the library's calls into the operating system (src/os): files,
 * locales and threads (thread.h). Everything here has one meaning on every
 * system; the files of src/os give it on POSIX, and a port gives it anew. Only types
 * of standard C appear, so that src/core and src/format, which include no
 * system header, can call them.
 */
#ifndef QASID_OS_H
#define QASID_OS_H

#include <stddef.h>
#include <stdint.h>

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
 * back to link and, on FAT, to a check before renaming. 0 or -1/errno. */
int qrename_noreplace(int fromfd, const char *from, int tofd, const char *to);
/* The same, keeping in *how (0 at first) the way that works on this file
 * system, so that many renames on FAT skip the two calls FAT lacks. */
enum { QRENAME_NOREPLACE = 1, QRENAME_LINK, QRENAME_CHECK };
int qrename_noreplace_how(int fromfd, const char *from, int tofd,
    const char *to, int *how);
/* fchmod, except where the file system keeps no modes (FAT). 0 or -1. */
int qchmod(int fd, unsigned mode);
/* The folder part of path ("." if none), malloc'd. */
char *qdirname(const char *path);

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

/* ---- Names in a folder (tree.c) ----------------------------------------- */

enum { QOS_REG = 1, QOS_DIR, QOS_LNK, QOS_OTHER };
struct qos_stat {
	uint64_t dev, ino, size, nlink, uid;
	int64_t ctime_ns;      /* last change of the file (content, mode,
	                        * name), which no user can set */
	int type;              /* QOS_REG... */
	int special;           /* set-id or sticky bits */
};
/* What name in the folder at is, not following a link. 0 or -1/errno. */
int qos_stat_at(int at, const char *name, struct qos_stat *st);
int qos_fstat(int fd, struct qos_stat *st);
/* Opens a folder, or a file for reading (never a FIFO's wait), never
 * through a symbolic link. fd or -1/errno. */
int qos_open_dir_at(int at, const char *name);
int qos_open_file_at(int at, const char *name);
/* A new file for writing, refusing an existing name. fd or -1/errno. */
int qos_create_at(int at, const char *name, unsigned mode);
int qos_mkdir_at(int at, const char *name, unsigned mode);
/* Removes a file, or an empty folder if is_dir. 0 or -1/errno. */
int qos_unlink_at(int at, const char *name, int is_dir);
/* rename, replacing a file at to. 0 or -1/errno. */
int qos_rename_at(int fromfd, const char *from, int tofd, const char *to);
int qos_dup(int fd);
/* fsync; a folder that cannot be synced so counts as synced. */
int qos_fsync(int fd);
/* Waits until everything written to fd's file system is on it. */
int qos_syncfs(int fd);
/* Starts writing fd's content out, without waiting for it. */
void qos_writeback(int fd);
/* Lists the folder open as fd from its start, without "." and "..": each
 * name with its type (QOS_DIR, QOS_REG, QOS_OTHER, or 0 if the file
 * system does not say). NULL/errno; names last until the next call. */
void *qos_dir_begin(int fd);
const char *qos_dir_next(void *d, int *type);
void qos_dir_end(void *d);
/* An exclusive lock on an open file or folder (flock): waits, or fails
 * with EWOULDBLOCK (trylock); -1/EINTR when a signal interrupts it. */
int qos_lock(int fd);
int qos_trylock(int fd);
int qos_unlock(int fd);
/* The user the program acts as. */
uint64_t qos_euid(void);
/* The same as the _at calls, for a path as given (a relative one from the
 * working folder); qos_open_dir never through a link in its last name. */
int qos_open_dir(const char *path);
int qos_mkdir(const char *path, unsigned mode);
int qos_stat_path(const char *path, struct qos_stat *st);
int qos_rmdir_path(const char *path);

#endif
