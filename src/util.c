/*
 * util.c - error records, growable buffers, hex and careful file writing
 * shared by the rest of the library.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

static const char *const messages[] = {
	"success",
	"out of memory",
	"input/output error",
	"invalid argument",
	"not a valid bundle",
	"bad signature",
	"untrusted key",
	"content does not match the manifest",
	"unsafe entry",
	"limit exceeded",
	"malformed key",
	"wrong password",
	"file exists",
	"no space left on device",
	"path cannot be carried safely",
	"key not found",
	"internal error",
	"unsafe destination",
	"cancelled",
	"the record of bundles seen is unusable",
	"refused",
};

const char *
qasid_strerror(int code)
{
	size_t i = (size_t)-code;

	if (code > 0 || i >= sizeof(messages) / sizeof(messages[0]))
		return "unknown error";
	return messages[i];
}

int
qasid_err_is_verification(int code)
{
	return code <= QASID_ERR_FORMAT && code >= QASID_ERR_UNSAFE;
}

const char *
qasid_version(void)
{
	return QASID_VERSION;
}

int
qasid_init(void)
{
	return sodium_init() < 0 ? QASID_ERR_INTERNAL : QASID_OK;
}

static int qerr_vset(struct qerr *e, int code, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static int
qerr_vset(struct qerr *e, int code, const char *fmt, va_list ap)
{
	/* The first failure explains the rest; later ones are consequences. */
	if (e->code != QASID_OK)
		return e->code;
	e->code = code;
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	return code;
}

int
qerr_set(struct qerr *e, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	code = qerr_vset(e, code, fmt, ap);
	va_end(ap);
	return code;
}

int
qerr_sys(struct qerr *e, int code, int errnum, const char *fmt, ...)
{
	va_list ap;
	size_t len;

	if (e->code != QASID_OK)
		return e->code;
	if (errnum == ENOSPC || errnum == EDQUOT)
		code = QASID_ERR_NOSPACE;
	else if (errnum == ENOMEM)
		code = QASID_ERR_NOMEM;
	va_start(ap, fmt);
	qerr_vset(e, code, fmt, ap);
	va_end(ap);
	len = strlen(e->msg);
	snprintf(e->msg + len, sizeof(e->msg) - len, "%s%s",
	    len ? ": " : "", strerror(errnum));
	return code;
}

void
qerr_clear(struct qerr *e)
{
	e->code = QASID_OK;
	e->msg[0] = '\0';
}

void
qerr_prefix(struct qerr *e, const char *prefix)
{
	char msg[sizeof(e->msg)];
	size_t n = strlen(prefix);

	if (e->code == QASID_OK || (strncmp(e->msg, prefix, n) == 0 &&
	    e->msg[n] == ':'))
		return;
	/* Truncated to fit, however long the prefix. */
	if (snprintf(msg, sizeof(msg), "%s: %s", prefix, e->msg) >= 0)
		memcpy(e->msg, msg, sizeof(msg));
}

int
qprogress(qasid_progress_fn fn, void *ud, uint64_t done, uint64_t total,
    struct qerr *e, const char *what)
{
	if (fn == NULL || fn(ud, done, total) == 0)
		return QASID_OK;
	return qerr_set(e, QASID_ERR_CANCELLED, "%s: cancelled", what);
}

int
qerr_io(struct qerr *e, int errnum, const char *what)
{
	if (errnum == ECANCELED)
		return qerr_set(e, QASID_ERR_CANCELLED, "%s: cancelled", what);
	return qerr_sys(e, QASID_ERR_IO, errnum, "%s", what);
}

const char *
qerr_msg(const struct qerr *e)
{
	if (e->code == QASID_OK)
		return "";
	return e->msg[0] ? e->msg : qasid_strerror(e->code);
}

int
qbuf_reserve(struct qbuf *b, size_t more)
{
	size_t want, cap;
	unsigned char *p;

	if (more > SIZE_MAX - b->len)
		return QASID_ERR_NOMEM;
	want = b->len + more;
	if (want <= b->cap)
		return QASID_OK;
	cap = b->cap ? b->cap : 4096;
	while (cap < want)
		cap = cap > SIZE_MAX / 2 ? want : cap * 2;
	if ((p = realloc(b->p, cap)) == NULL)
		return QASID_ERR_NOMEM;
	b->p = p;
	b->cap = cap;
	return QASID_OK;
}

int
qbuf_append(struct qbuf *b, const void *p, size_t n)
{
	if (qbuf_reserve(b, n) != QASID_OK)
		return QASID_ERR_NOMEM;
	if (n)
		memcpy(b->p + b->len, p, n);
	b->len += n;
	return QASID_OK;
}

void
qbuf_free(struct qbuf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

void
qhex(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

/* A read or write a signal interrupted: go on, unless fn (polled with
 * done = total = 0) says stop, which fails with ECANCELED. */
static int
interrupted(qasid_progress_fn fn, void *ud)
{
	if (fn == NULL || fn(ud, 0, 0) == 0)
		return 0;
	errno = ECANCELED;
	return -1;
}

int
qwrite_poll(int fd, const void *buf, size_t n, qasid_progress_fn fn,
    void *ud)
{
	const unsigned char *p = buf;

	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR && interrupted(fn, ud) == 0)
				continue;
			return -1;
		}
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

ssize_t
qread_poll(int fd, void *buf, size_t n, qasid_progress_fn fn, void *ud)
{
	unsigned char *p = buf;
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, p + got, n - got);
		if (r < 0) {
			if (errno == EINTR && interrupted(fn, ud) == 0)
				continue;
			return -1;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

ssize_t
qread_full(int fd, void *buf, size_t n)
{
	return qread_poll(fd, buf, n, NULL, NULL);
}

int
qchmod(int fd, mode_t mode)
{
	/* FAT and exFAT, a USB stick's usual file systems, keep no Unix modes
	 * and refuse to set them (some FUSE drivers have no way to at all:
	 * ENOSYS); what they give instead holds no setuid. */
	if (fchmod(fd, mode) == 0 || errno == EPERM || errno == ENOTSUP ||
	    errno == EOPNOTSUPP || errno == ENOSYS)
		return 0;
	return -1;
}

char *
qdirname(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

/* A named temporary file beside path: ".NAME.qasid-XXXXXX". */
static int
named_tmp(const char *path, char **tmpname)
{
	const char *slash = strrchr(path, '/');
	size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
	size_t len = dirlen + strlen(path + dirlen) + 32;
	char *name;
	int fd;

	if ((name = malloc(len)) == NULL)
		return -1;
	snprintf(name, len, "%.*s.%s.qasid-XXXXXX", (int)dirlen, path,
	    path + dirlen);
	if ((fd = mkostemp(name, O_CLOEXEC)) < 0) {
		free(name);
		return -1;
	}
	*tmpname = name;
	return fd;
}

/* An anonymous read-write file in dir (NULL: /tmp) that leaves nothing
 * behind however the process ends, but where O_TMPFILE is missing: then
 * it is named for an instant, and unlinked at once. */
int
qtmp_anon(const char *dir)
{
	char *name;
	size_t len;
	int fd;

	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	if ((fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600)) >= 0)
		return fd;
	len = strlen(dir) + 32;
	if ((name = malloc(len)) == NULL)
		return -1;
	snprintf(name, len, "%s/.qasid-spool-XXXXXX", dir);
	if ((fd = mkostemp(name, O_CLOEXEC)) >= 0)
		unlink(name);
	free(name);
	return fd;
}

int
qtmp_create(const char *path, char **tmpname)
{
	char *dir = qdirname(path);
	int fd = -1;

	*tmpname = NULL;
	if (dir == NULL)
		return -1;
	/* An anonymous file leaves nothing behind if the process is killed;
	 * naming it at the end needs /proc (or privilege), so check that. */
	if (access("/proc/self/fd", X_OK) == 0)
		fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	free(dir);
	return fd >= 0 ? fd : named_tmp(path, tmpname);
}

void
qtmp_abort(int fd, char *tmpname)
{
	int saved = errno;

	if (fd >= 0)
		close(fd);
	if (tmpname)
		unlink(tmpname);
	free(tmpname);
	errno = saved;
}

/* Gives the anonymous file fd a name. */
static int
link_anonymous(int fd, const char *path)
{
	char proc[64];

	if (linkat(fd, "", AT_FDCWD, path, AT_EMPTY_PATH) == 0)
		return 0;
	if (errno != ENOENT && errno != EPERM)
		return -1;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	return linkat(AT_FDCWD, proc, AT_FDCWD, path, AT_SYMLINK_FOLLOW);
}

static int
fsync_dir_of(const char *path)
{
	char *dir = qdirname(path);
	int fd, rc;

	if (dir == NULL)
		return -1;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (fd < 0)
		return -1;
	rc = fsync(fd);
	/* Some file systems cannot sync a folder; the rename is still done. */
	if (rc < 0 && (errno == EINVAL || errno == ENOTSUP))
		rc = 0;
	close(fd);
	return rc;
}

int
qrename_noreplace(int fromfd, const char *from, int tofd, const char *to)
{
	struct stat st;

	if (renameat2(fromfd, from, tofd, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	/* No RENAME_NOREPLACE here: link(2) refuses to replace, too. */
	if (linkat(fromfd, from, tofd, to, 0) == 0)
		return unlinkat(fromfd, from, 0);
	if (errno != EPERM && errno != ENOTSUP && errno != EOPNOTSUPP)
		return -1;
	/* FAT has neither: check, then rename (a race is possible there). */
	if (fstatat(tofd, to, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		errno = EEXIST;
		return -1;
	}
	return renameat(fromfd, from, tofd, to);
}

int
qtmp_commit(int fd, char *tmpname, const char *path, int overwrite)
{
	char *aside = NULL;
	int rc;

	if (fsync(fd) < 0)
		goto fail;
	if (tmpname == NULL) {
		/* Replacing: name it beside, then rename over the old file. */
		if (overwrite && (aside = malloc(strlen(path) + 32)) != NULL) {
			snprintf(aside, strlen(path) + 32, "%s.qasid-%08x",
			    path, randombytes_random());
			rc = link_anonymous(fd, aside) < 0 ? -1 :
			    rename(aside, path);
			if (rc < 0)
				unlink(aside);
			free(aside);
		} else {
			rc = overwrite ? -1 : link_anonymous(fd, path);
		}
		if (rc < 0)
			goto fail;
		close(fd);
		return fsync_dir_of(path);
	}
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	rc = overwrite ? rename(tmpname, path) :
	    qrename_noreplace(AT_FDCWD, tmpname, AT_FDCWD, path);
	if (rc < 0)
		goto fail;
	free(tmpname);
	return fsync_dir_of(path);
fail:
	qtmp_abort(fd, tmpname);
	return -1;
}
