/* SPDX-License-Identifier: ISC */
/*
 * journal.c - the repair journal (FORMAT.md 17.5): what makes an in-place
 * repair atomic.
 *
 * Before a repair writes over the lost blocks of a bundle it writes the
 * mended blocks to ".NAME.qasid-repair" beside it: a header naming the
 * bundle (its size and the hash of its signed head, as the recovery file
 * gives them), the blocks, each after its offset, and a BLAKE2b-256 of all
 * that as the commit mark. The journal and its folder are synced, the
 * blocks written over the bundle, the bundle synced and the journal
 * removed. A repair that finds a journal replays it if it is whole and
 * made for this bundle (writing the same blocks twice is harmless), else
 * removes it: a journal without its mark was cut short before the bundle
 * was touched. A journal may have been written by anyone, so it is read
 * as untrusted input, in two passes (check all, then write): every block
 * is at a block boundary inside the bundle, in increasing order, and what
 * replaying wrote is verified like the rest of the bundle afterwards.
 *
 * Only one qasid uses the journal at a time: a repair holds an exclusive
 * lock on the bundle itself (a file that exists anyway, so nothing is
 * left beside it) from before it looks for a journal until it is done,
 * and protect a shared one while it reads the bundle (qrec_lock).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "os.h"
#include "recover.h"

#define J_MAGIC "qasid-repair 1\n" /* and a NUL: 16 bytes */
#define J_HEADER 56u               /* magic, size, head hash */
#define J_MARK 32u                 /* BLAKE2b-256 of the rest */
#define J_BUF ((size_t)64 << 10)   /* bytes written at once */

/* The bytes of the block at off in a bundle of size bytes. */
static size_t
block_len(uint64_t size, uint64_t off)
{
	return size - off < QREC_BLOCK ? (size_t)(size - off) : QREC_BLOCK;
}

char *
qjrn_path(const char *bundle)
{
	const char *slash = strrchr(bundle, '/');
	size_t dirlen = slash != NULL ? (size_t)(slash - bundle) + 1 : 0;
	size_t n = strlen(bundle) + 16;
	char *p = malloc(n);

	if (p != NULL)
		snprintf(p, n, "%.*s.%s.qasid-repair", (int)dirlen, bundle,
		    bundle + dirlen);
	return p;
}

/* Removes the journal's name and makes that last. */
static int
drop(struct qrep *p, const char *path)
{
	if ((qos_unlinkat(QOS_AT_CWD, path, 0) < 0 && errno != ENOENT) ||
	    qos_sync_dir_of(path) < 0)
		return qrep_io(p, path);
	return QASID_OK;
}

/* ---- Locking ------------------------------------------------------------ */

/* Waits for the lock how on fd; QASID_OK also where the file system has
 * no locks (a repair there is unguarded, as before locks were taken).
 * Asked first without waiting, and the progress callback polled before
 * the wait: a stop asked for by a signal that came just before the call
 * that blocks is not missed. */
static int
wait_lock(qasid_rec *x, const char *bundle, int fd, int how)
{
	int nb = QOS_LOCK_NB, rc;

	while (qos_lock(fd, how | nb) < 0) {
		if (errno == ENOLCK || errno == ENOSYS || errno == EOPNOTSUPP ||
		    errno == EBADF)
			return QASID_OK;
		if (errno == EWOULDBLOCK && (how & QOS_LOCK_NB))
			return qerr_set(&x->err, QASID_ERR_CONTENT, "%s: another "
			    "qasid is repairing it now: try again once it is "
			    "done", bundle);
		if (errno != EINTR && errno != EWOULDBLOCK)
			return qerr_sys(&x->err, QASID_ERR_IO, errno, "%s",
			    bundle);
		/* Held by another, or a signal: the caller may want to stop
		 * waiting. */
		if ((rc = qprogress(x->progress, x->progress_ud, 0, 0,
		    &x->err, bundle)) != QASID_OK)
			return rc;
		nb = 0;
	}
	return QASID_OK;
}

int
qrec_lock(qasid_rec *x, const char *bundle, int how, int *fdp)
{
	struct qos_stat a, b;
	int fd, rc;

	for (;;) {
		if ((fd = qos_open(bundle, QOS_READ, 0)) < 0)
			return qerr_sys(&x->err, QASID_ERR_IO, errno, "%s",
			    bundle);
		if ((rc = wait_lock(x, bundle, fd, how)) != QASID_OK) {
			qos_close(fd);
			return rc;
		}
		if (qos_fstat(fd, &a) < 0 ||
		    qos_statat(QOS_AT_CWD, bundle, &b, 0) < 0) {
			rc = qerr_sys(&x->err, QASID_ERR_IO, errno, "%s",
			    bundle);
			qos_close(fd);
			return rc;
		}
		if (qos_same_file(&a, &b)) {
			*fdp = fd;
			return QASID_OK;
		}
		/* A repair through a full copy renamed a new bundle over
		 * the one this waited for: that one is locked now. */
		qos_close(fd);
	}
}

int
qrep_open_write(struct qrep *p)
{
	struct qos_stat a, b;
	int fd = qos_open(p->bundle, QOS_WRITE, 0);

	if (fd < 0) {
		qrep_io(p, p->bundle);
		return -1;
	}
	if (qos_fstat(fd, &a) < 0 || qos_fstat(p->bfd, &b) < 0) {
		qrep_io(p, p->bundle);
		qos_close(fd);
		return -1;
	}
	if (!qos_same_file(&a, &b)) {
		qerr_set(&p->x->err, QASID_ERR_IO, "%s: replaced by another "
		    "file while it was repaired; it was left as it is now",
		    p->bundle);
		qos_close(fd);
		return -1;
	}
	return fd;
}

/* ---- Writing ------------------------------------------------------------ */

static int
flush(struct qjrn *j)
{
	if (j->n > 0 && qwrite_all(j->fd, j->buf, j->n) < 0)
		return -1;
	j->n = 0;
	return 0;
}

static int
put(struct qjrn *j, const unsigned char *b, size_t n)
{
	crypto_generichash_update(&j->st, b, n);
	while (n > 0) {
		size_t k = J_BUF - j->n < n ? J_BUF - j->n : n;
		memcpy(j->buf + j->n, b, k);
		j->n += k;
		b += k;
		n -= k;
		if (j->n == J_BUF && flush(j) < 0)
			return -1;
	}
	return 0;
}

int
qjrn_create(struct qjrn *j, struct qrep *p)
{
	unsigned char hdr[J_HEADER];

	memset(j, 0, sizeof(*j));
	j->fd = -1;
	if ((j->path = qjrn_path(p->bundle)) == NULL ||
	    (j->buf = malloc(J_BUF)) == NULL)
		return qerr_set(&p->x->err, QASID_ERR_NOMEM, "%s", p->bundle);
	if ((j->fd = qos_open(j->path, QOS_WRITE | QOS_CREATE | QOS_EXCL |
	    QOS_NOFOLLOW, 0600)) < 0)
		return qrep_io(p, j->path);
	memset(hdr, 0, sizeof(hdr));
	memcpy(hdr, J_MAGIC, sizeof(J_MAGIC));
	le64_store(hdr + 16, p->h.size);
	memcpy(hdr + 24, p->h.headhash, 32);
	crypto_generichash_init(&j->st, NULL, 0, J_MARK);
	return put(j, hdr, sizeof(hdr)) < 0 ? qrep_io(p, j->path) : QASID_OK;
}

int
qjrn_add(void *ud, uint64_t off, const unsigned char *b, size_t n)
{
	struct qjrn *j = ud;
	unsigned char o[8];

	le64_store(o, off);
	return put(j, o, sizeof(o)) < 0 || put(j, b, n) < 0 ? -1 : 0;
}

int
qjrn_commit(struct qjrn *j, struct qrep *p)
{
	unsigned char mark[J_MARK];
	int rc;

	crypto_generichash_final(&j->st, mark, sizeof(mark));
	if (put(j, mark, sizeof(mark)) < 0 || flush(j) < 0 ||
	    qos_fsync(j->fd) < 0)
		return qrep_io(p, j->path);
	rc = qos_close(j->fd);
	j->fd = -1;
	if (rc == 0 && qos_sync_dir_of(j->path) == 0)
		return QASID_OK;
	rc = qrep_io(p, j->path);
	(void)qos_unlinkat(QOS_AT_CWD, j->path, 0);
	return rc;
}

void
qjrn_abort(struct qjrn *j)
{
	int saved = errno;

	if (j->fd >= 0) {
		qos_close(j->fd);
		(void)qos_unlinkat(QOS_AT_CWD, j->path, 0);
	}
	j->fd = -1;
	free(j->buf);
	free(j->path);
	j->buf = NULL;
	j->path = NULL;
	errno = saved;
}

/* ---- Reading and replaying --------------------------------------------- */

/* One pass over the journal open as fd, of len bytes: checks it, and
 * with out >= 0 writes its blocks there too. Its blocks, or -1 if it is
 * not a whole journal for the bundle of h's size and head hash; -2 if
 * writing failed. */
static int64_t
walk(int fd, uint64_t len, const struct qrec *h, int out,
    unsigned char *buf)
{
	crypto_generichash_state st;
	unsigned char mark[J_MARK];
	uint64_t pos = J_HEADER, next = 0, n = 0;

	if (len < J_HEADER + J_MARK || qrec_pread(fd, buf, J_HEADER, 0) !=
	    J_HEADER || memcmp(buf, J_MAGIC, sizeof(J_MAGIC)) != 0 ||
	    le64_load(buf + 16) != h->size ||
	    sodium_memcmp(buf + 24, h->headhash, 32) != 0)
		return -1;
	crypto_generichash_init(&st, NULL, 0, J_MARK);
	crypto_generichash_update(&st, buf, J_HEADER);
	while (pos < len - J_MARK) {
		uint64_t off;
		size_t k;
		if (len - J_MARK - pos < 8 ||
		    qrec_pread(fd, buf, 8, pos) != 8)
			return -1;
		off = le64_load(buf);
		if (off % QREC_BLOCK != 0 || off >= h->size || off < next)
			return -1;
		k = block_len(h->size, off);
		if (len - J_MARK - pos - 8 < k ||
		    qrec_pread(fd, buf + 8, k, pos + 8) != (ptrdiff_t)k)
			return -1;
		crypto_generichash_update(&st, buf, 8 + k);
		if (out >= 0 && qrec_pwrite(out, buf + 8, k, off) < 0)
			return -2;
		next = off + QREC_BLOCK;
		pos += 8 + k;
		n++;
	}
	crypto_generichash_final(&st, mark, sizeof(mark));
	if (qrec_pread(fd, buf, J_MARK, pos) != J_MARK ||
	    sodium_memcmp(buf, mark, J_MARK) != 0)
		return -1;
	return (int64_t)n;
}

/* Writes the journal's blocks over the bundle, cuts it to size and syncs
 * it. The blocks written, or -1 (an error set). */
static int64_t
replay(struct qrep *p, int fd, uint64_t len, unsigned char *buf)
{
	int out = qrep_open_write(p);
	int64_t n;

	if (out < 0)
		return -1;
	n = walk(fd, len, &p->h, out, buf);
	if (n >= 0 && (qos_truncate(out, p->h.size) < 0 ||
	    qos_fsync(out) < 0))
		n = -2;
	if (qos_close(out) < 0 && n >= 0)
		n = -2;
	if (n == -2)
		qrep_io(p, p->bundle);
	else if (n == -1)
		qerr_set(&p->x->err, QASID_ERR_IO, "%s: the repair journal "
		    "changed while it was replayed", p->bundle);
	return n;
}

/* Opens the journal if there is one: 1 with *fd and *len, 0 when none,
 * 2 when the name holds something that is not a journal (a link, a
 * device), or an error. */
static int
open_journal(struct qrep *p, const char *path, int *fd, uint64_t *len)
{
	struct qos_stat st;

	*fd = qos_open(path, QOS_READ | QOS_NOFOLLOW | QOS_NONBLOCK, 0);
	if (*fd < 0)
		return errno == ENOENT ? 0 : errno == ELOOP ? 2 :
		    qrep_io(p, path);
	if (qos_fstat(*fd, &st) < 0) {
		qos_close(*fd);
		return qrep_io(p, path);
	}
	if (st.kind != QOS_FILE) {
		qos_close(*fd);
		return 2;
	}
	*len = st.size;
	return 1;
}

int
qjrn_recover(struct qrep *p, const char *path)
{
	unsigned char *buf;
	uint64_t len = 0;
	int64_t n = -1;
	int fd, rc;

	if ((rc = open_journal(p, path, &fd, &len)) <= 0)
		return rc;
	if (rc == 2)
		return drop(p, path);
	if ((buf = malloc(8 + QREC_BLOCK)) == NULL) {
		qos_close(fd);
		return qerr_set(&p->x->err, QASID_ERR_NOMEM, "%s", p->bundle);
	}
	rc = QASID_OK;
	if (walk(fd, len, &p->h, -1, buf) >= 0 &&
	    (n = replay(p, fd, len, buf)) < 0)
		rc = p->x->err.code;
	qos_close(fd);
	free(buf);
	if (rc != QASID_OK)
		return rc;
	p->replayed = n > 0 ? (uint64_t)n : 0;
	return drop(p, path);
}

int
qjrn_apply(struct qrep *p, const char *path)
{
	unsigned char *buf = malloc(8 + QREC_BLOCK);
	uint64_t len = 0;
	int fd, rc;

	if (buf == NULL)
		return qerr_set(&p->x->err, QASID_ERR_NOMEM, "%s", p->bundle);
	if ((rc = open_journal(p, path, &fd, &len)) == 1) {
		rc = replay(p, fd, len, buf) < 0 ? p->x->err.code : QASID_OK;
		qos_close(fd);
	} else if (rc >= 0) {
		rc = qerr_set(&p->x->err, QASID_ERR_IO, "%s: the repair "
		    "journal went missing", path);
	}
	free(buf);
	return rc == QASID_OK ? drop(p, path) : rc;
}
