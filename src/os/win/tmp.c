/* SPDX-License-Identifier: ISC */
/*
 * tmp.c - temporary files and renames on Windows. A file cannot be named
 * after it is made there, so every temporary file of qtmp_create has a
 * name from the start (".NAME.qasid-XXXXXXXX" beside its target); the
 * anonymous ones of qtmp_anon are deleted by Windows when closed, however
 * the process ends. Renames are written through to the medium.
 */
#include <errno.h>
#include <io.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "win.h"

/* A new file named name + 8 random hex digits, made for reading and
 * writing; *made its malloc'd name. fd or -1/errno. */
static int
create_unique(int at, const char *prefix, DWORD extra, char **made)
{
	size_t len = strlen(prefix) + 16;
	char *name = malloc(len);
	wchar_t *w;
	HANDLE h;

	for (int tries = 0; name != NULL && tries < 100; tries++) {
		snprintf(name, len, "%s%08x", prefix, randombytes_random());
		if ((w = qw_path(at, name)) == NULL)
			break;
		h = CreateFileW(w, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ |
		    FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL, CREATE_NEW,
		    FILE_ATTRIBUTE_NORMAL | extra, NULL);
		if (h != INVALID_HANDLE_VALUE) {
			*made = name;
			return qw_fd(h, w, 0);
		}
		free(w);
		if (qw_fail() < 0 && errno != EEXIST)
			break;
	}
	free(name);
	return -1;
}

int
qtmp_create(const char *path, char **tmpname)
{
	const char *base = path, *p;
	size_t len = strlen(path) + 32;
	char *prefix = malloc(len);
	int fd;

	*tmpname = NULL;
	if (prefix == NULL)
		return -1;
	for (p = path; *p != '\0'; p++)
		if (*p == '/' || *p == '\\' || (p == path + 1 && *p == ':'))
			base = p + 1;
	snprintf(prefix, len, "%.*s.%s.qasid-", (int)(base - path), path,
	    base);
	fd = create_unique(QOS_AT_CWD, prefix, 0, tmpname);
	free(prefix);
	return fd;
}

int
qtmp_anon(const char *dir)
{
	wchar_t tmp[MAX_PATH + 1];
	char *made = NULL, *d = NULL, *prefix;
	size_t len;
	int fd;

	if (dir == NULL || *dir == '\0') {
		if (GetTempPathW(MAX_PATH + 1, tmp) == 0)
			return qw_fail();
		if ((d = qw_utf8(tmp)) == NULL)
			return -1;
		dir = d;
	}
	len = strlen(dir) + 32;
	if ((prefix = malloc(len)) == NULL) {
		free(d);
		return -1;
	}
	snprintf(prefix, len, "%s\\.qasid-spool-", dir);
	fd = create_unique(QOS_AT_CWD, prefix, FILE_FLAG_DELETE_ON_CLOSE |
	    FILE_ATTRIBUTE_TEMPORARY, &made);
	free(made);
	free(prefix);
	free(d);
	return fd;
}

void
qtmp_abort(int fd, char *tmpname)
{
	int saved = errno;
	wchar_t *w;

	if (fd >= 0)
		qos_close(fd);
	if (tmpname != NULL && (w = qw_path(QOS_AT_CWD, tmpname)) != NULL) {
		DeleteFileW(w);
		free(w);
	}
	free(tmpname);
	errno = saved;
}

/*
 * Windows replaces no file that is open, even one opened to be deleted
 * (FILE_SHARE_DELETE), where POSIX replaces any: the file being replaced
 * is renamed aside first (that, an open file allows), the new one takes
 * its name, and the old one is deleted, for good once it is closed.
 */
static int
replace_open(const wchar_t *wf, const wchar_t *wt)
{
	size_t n = wcslen(wt) + 32;
	wchar_t *aside = malloc(n * sizeof(*aside));
	int rc;

	if (aside == NULL)
		return -1;
	swprintf(aside, n, L"%ls.qasid-old-%08x", wt, randombytes_random());
	if (!MoveFileExW(wt, aside, MOVEFILE_WRITE_THROUGH)) {
		rc = qw_fail();
	} else if (!MoveFileExW(wf, wt, MOVEFILE_WRITE_THROUGH)) {
		rc = qw_fail();
		MoveFileExW(aside, wt, MOVEFILE_WRITE_THROUGH);
	} else {
		DeleteFileW(aside);
		rc = 0;
	}
	free(aside);
	return rc;
}

static int
move(int fromfd, const char *from, int tofd, const char *to, DWORD how)
{
	wchar_t *wf = qw_path(fromfd, from), *wt = NULL;
	int rc = -1;

	if (wf != NULL && (wt = qw_path(tofd, to)) != NULL) {
		rc = MoveFileExW(wf, wt, how | MOVEFILE_WRITE_THROUGH) ? 0 :
		    qw_fail();
		if (rc < 0 && errno == EACCES && (how &
		    MOVEFILE_REPLACE_EXISTING) && !(GetFileAttributesW(wt) &
		    FILE_ATTRIBUTE_DIRECTORY))
			rc = replace_open(wf, wt);
	}
	free(wf);
	free(wt);
	return rc;
}

int
qrename_noreplace_how(int fromfd, const char *from, int tofd, const char *to,
    int *how)
{
	/* Without MOVEFILE_REPLACE_EXISTING, Windows refuses to replace on
	 * every file system, FAT too. */
	*how = QRENAME_NOREPLACE;
	return move(fromfd, from, tofd, to, 0);
}

int
qrename_noreplace(int fromfd, const char *from, int tofd, const char *to)
{
	int how = 0;

	return qrename_noreplace_how(fromfd, from, tofd, to, &how);
}

int
qos_renameat(int fromfd, const char *from, int tofd, const char *to)
{
	return move(fromfd, from, tofd, to, MOVEFILE_REPLACE_EXISTING);
}

int
qos_rename(const char *from, const char *to)
{
	return qos_renameat(QOS_AT_CWD, from, QOS_AT_CWD, to);
}

int
qtmp_commit(int fd, char *tmpname, const char *path, int overwrite)
{
	int rc;

	if (qos_fsync(fd) < 0)
		goto fail;
	rc = qos_close(fd);
	fd = -1;
	if (rc < 0)
		goto fail;
	rc = overwrite ? qos_rename(tmpname, path) :
	    qrename_noreplace(QOS_AT_CWD, tmpname, QOS_AT_CWD, path);
	if (rc < 0)
		goto fail;
	free(tmpname);
	return 0;
fail:
	qtmp_abort(fd, tmpname);
	return -1;
}

int
qos_publish(const char *tmp, const char *final)
{
	return qrename_noreplace(QOS_AT_CWD, tmp, QOS_AT_CWD, final);
}
