/* SPDX-License-Identifier: ISC */
/*
 * leftover.c - what killed unpacks left in a destination.
 *
 * A staging folder is private while its unpack runs, but once that run is
 * gone the folder is just a folder in the destination, which anyone who
 * can write there (or who prepared the stick) may have made or changed. So
 * a leftover is untrusted input. One without a valid commit marker is
 * removed. A committed one names, in its marker, the signed hash of the
 * manifest of the bundle it came from; only an unpack of that same bundle
 * may finish it, and only after checking it like a bundle: nothing but
 * folders and regular files of ours, each a name of the manifest with its
 * size and BLAKE2b-512, and every other name of the manifest already in
 * place (a run killed while publishing moved those). A committed leftover
 * of another bundle is left for that bundle's next unpack: removing it
 * would strand the half of that bundle already published.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "unpack.h"

#define MARK_TAG "qasid-committed 1 "
#define MARK_LEN (sizeof(MARK_TAG) - 1 + 2 * crypto_generichash_BYTES_MAX + 1)
#define HASH_BUF ((size_t)256 << 10)

enum { MARK_NONE, MARK_BAD, MARK_THIS, MARK_OTHER };

static void
mark_text(const struct unpack *u, char out[MARK_LEN + 1])
{
	memcpy(out, MARK_TAG, sizeof(MARK_TAG) - 1);
	qhex(u->r->mhash, sizeof(u->r->mhash), out + sizeof(MARK_TAG) - 1);
	out[MARK_LEN - 1] = '\n';
	out[MARK_LEN] = '\0';
}

int
unp_mark(struct unpack *u)
{
	char text[MARK_LEN + 1];
	int fd = qos_openat(u->stagefd, COMMIT_MARK, QOS_WRITE | QOS_CREATE |
	    QOS_EXCL | QOS_NOFOLLOW, 0600);

	mark_text(u, text);
	if (fd < 0)
		return unp_sys(u, errno, u->stage);
	if (qwrite_all(fd, text, MARK_LEN) < 0 || qos_fsync(fd) < 0) {
		int saved = errno;
		qos_close(fd);
		return unp_sys(u, saved, u->stage);
	}
	if (qos_close(fd) < 0 || qos_fsync(u->stagefd) < 0)
		return unp_sys(u, errno, u->stage);
	return QASID_OK;
}

/* Which bundle a leftover's marker names, if it is a valid one. */
static int
read_mark(struct unpack *u, int stagefd)
{
	char want[MARK_LEN + 1], got[MARK_LEN + 1];
	struct qos_stat st;
	ptrdiff_t n;
	int fd = qos_openat(stagefd, COMMIT_MARK, QOS_READ | QOS_NOFOLLOW |
	    QOS_NONBLOCK, 0);

	if (fd < 0)
		return errno == ENOENT ? MARK_NONE : MARK_BAD;
	n = qos_fstat(fd, &st) == 0 && st.kind == QOS_FILE && st.nlink == 1 &&
	    unp_ours(u, st.uid) && st.size == MARK_LEN ?
	    qread_full(fd, got, MARK_LEN) : -1;
	qos_close(fd);
	if (n != (ptrdiff_t)MARK_LEN)
		return MARK_BAD;
	mark_text(u, want);
	if (memcmp(got, want, MARK_LEN) == 0)
		return MARK_THIS;
	if (memcmp(got, MARK_TAG, sizeof(MARK_TAG) - 1) != 0 ||
	    got[MARK_LEN - 1] != '\n')
		return MARK_BAD;
	for (size_t i = sizeof(MARK_TAG) - 1; i < MARK_LEN - 1; i++)
		if (strchr("0123456789abcdef", got[i]) == NULL || !got[i])
			return MARK_BAD;
	return MARK_OTHER;
}

/* ---- Checking a leftover of this bundle --------------------------------- */

struct check {
	struct unpack *u;
	int stagefd;
	uint64_t staged;  /* folders and files in the staging folder */
	uint64_t found;   /* names of the manifest found there */
	uint64_t done;    /* bytes hashed, for progress */
	unsigned char *buf;
};

/* A folder, or a regular file with one link; ours; no special bits. */
static int
plain_ours(const struct unpack *u, const struct qos_stat *st)
{
	if (!unp_ours(u, st->uid) ||
	    (st->mode & (QOS_SETUID | QOS_SETGID | QOS_STICKY)))
		return 0;
	return st->kind == QOS_DIR || (st->kind == QOS_FILE &&
	    st->nlink == 1);
}

/* Counts what the staging folder holds: 0, 1 if anything in it is not
 * plain and ours, or an error. */
static int
count_tree(struct check *k, int fd, int depth)
{
	struct qos_stat st;
	struct qos_dir *dp;
	const char *name;
	int rc = 0;

	if ((dp = qos_dir_openfd(fd)) == NULL)
		return 1;
	while (rc == 0 && (name = qos_dir_next(dp, NULL)) != NULL) {
		if (depth == 0 && (strcmp(name, COMMIT_MARK) == 0 ||
		    strncmp(name, RCPT_PREFIX, strlen(RCPT_PREFIX)) == 0))
			continue;
		k->staged++;
		if (qos_statat(fd, name, &st, QOS_NOFOLLOW) < 0 ||
		    !plain_ours(k->u, &st) || depth > QASID_DEPTH_MAX)
			rc = 1;
		else if (st.kind == QOS_DIR) {
			int sub = unp_open_dir(fd, name);
			rc = sub < 0 ? 1 : count_tree(k, sub, depth + 1);
			if (sub >= 0)
				qos_close(sub);
		}
	}
	qos_dir_close(dp);
	return rc;
}

/* Opens path under base one component at a time, never through a link, and
 * never a FIFO or a device: the fd, -1 if it is missing, -2 if it is
 * something else than a folder or a regular file. */
static int
open_under(int base, const char *path, struct qos_stat *st)
{
	char buf[QASID_PATH_MAX + 1], *leaf = buf, *slash;
	struct qos_stat now;
	int fd = qos_dup(base), sub;

	snprintf(buf, sizeof(buf), "%s", path);
	while (fd >= 0 && (slash = strchr(leaf, '/')) != NULL) {
		*slash = '\0';
		sub = unp_open_dir(fd, leaf);
		qos_close(fd);
		fd = sub;
		leaf = slash + 1;
	}
	if (fd < 0)
		return errno == ENOENT ? -1 : -2;
	if (qos_statat(fd, leaf, st, QOS_NOFOLLOW) < 0) {
		sub = errno == ENOENT ? -1 : -2;
		qos_close(fd);
		return sub;
	}
	sub = st->kind == QOS_FILE || st->kind == QOS_DIR ? qos_openat(fd,
	    leaf, QOS_READ | QOS_NOFOLLOW | QOS_NONBLOCK, 0) : -2;
	qos_close(fd);
	if (sub >= 0 && (qos_fstat(sub, &now) < 0 ||
	    !qos_same_file(&now, st))) {
		qos_close(sub);
		return -2;
	}
	return sub < 0 ? -2 : sub;
}

/* 0 if the open file fd holds exactly e's content, else 1 (or an error). */
static int
same_content(struct check *k, int fd, const struct qmf_entry *e)
{
	unsigned char hash[QF_FILE_HASH];
	crypto_generichash_state hs;
	uint64_t total = 0;
	ptrdiff_t n;
	int rc;

	crypto_generichash_init(&hs, NULL, 0, QF_FILE_HASH);
	while ((n = qread_poll(fd, k->buf, HASH_BUF, k->u->r->progress,
	    k->u->r->progress_ud)) > 0) {
		crypto_generichash_update(&hs, k->buf, (size_t)n);
		total += (uint64_t)n;
		k->done += (uint64_t)n;
		if ((rc = unp_progress(k->u, k->done)) != QASID_OK)
			return rc;
		if (total > e->size)
			return 1;
	}
	crypto_generichash_final(&hs, hash, sizeof(hash));
	if (n < 0 && errno == ECANCELED)
		return qerr_io(&k->u->r->err, errno, k->u->dir);
	return n < 0 || total != e->size ||
	    sodium_memcmp(hash, e->hash, sizeof(hash)) != 0;
}

/* 0 if the manifest entry e is in the staging folder or, already moved,
 * in the destination, as the manifest says; else 1 (or an error). */
static int
check_entry(struct check *k, const struct qmf_entry *e)
{
	struct qos_stat st;
	int staged = 1, fd, rc;

	/* Statements carried are never staged nor published. */
	if (e->is_key)
		return 0;
	fd = open_under(k->stagefd, e->path, &st);
	if (fd == -1) {
		staged = 0;
		fd = open_under(k->u->dirfd, e->path, &st);
	}
	if (fd < 0)
		return 1;
	k->found += staged;
	if (e->is_dir)
		rc = st.kind != QOS_DIR || (staged && !plain_ours(k->u, &st));
	else if (st.kind != QOS_FILE || !plain_ours(k->u, &st) ||
	    st.size != e->size)
		rc = 1;
	else if ((rc = same_content(k, fd, e)) == 0 &&
	    (st.mode & 0777 & ~e->mode) != 0)
		/* Never more permission than the manifest gives. */
		rc = qchmod(fd, st.mode & e->mode & 0777) < 0;
	qos_close(fd);
	return rc;
}

/* 0 if a leftover of this bundle can be published, 1 if it must go. */
static int
check_leftover(struct unpack *u, int stagefd)
{
	struct check k = {u, stagefd, 0, 0, 0, malloc(HASH_BUF)};
	struct qmf_cursor *c = malloc(sizeof(*c));
	struct qmf_entry *e = malloc(sizeof(*e));
	int rc = QASID_ERR_NOMEM;

	if (k.buf == NULL || c == NULL || e == NULL)
		goto out;
	if ((rc = count_tree(&k, stagefd, 0)) != 0)
		goto out;
	qmf_cursor_at(c, &u->r->spool, &u->r->err, &u->r->entries);
	while ((rc = qmf_get_entry(c, e)) == 1)
		if ((rc = check_entry(&k, e)) != 0)
			goto out;
	/* Every name staged is a name of the manifest. */
	if (rc == QASID_OK && k.found != k.staged)
		rc = 1;
out:
	if (rc == QASID_ERR_NOMEM)
		qerr_set(&u->r->err, rc, "%s", u->dir);
	free(k.buf);
	free(c);
	free(e);
	return rc;
}

/* ---- Clearing ----------------------------------------------------------- */

static int
recover_one(struct unpack *u, const char *name, int *finished)
{
	struct qos_stat st;
	int fd = unp_open_dir(u->dirfd, name), rc = QASID_OK, mark;

	if (fd < 0)
		return QASID_OK;
	/* Someone else's folder is theirs to clear, and must not stop this
	 * unpack; a staging folder still locked belongs to a running one. */
	if (qos_fstat(fd, &st) < 0 || !unp_ours(u, st.uid) ||
	    qos_lock(fd, QOS_LOCK_EX | QOS_LOCK_NB) < 0) {
		qos_close(fd);
		return QASID_OK;
	}
	mark = read_mark(u, fd);
	if (mark == MARK_OTHER) {
		u->other_pending = 1;
		qos_close(fd);
		return QASID_OK;
	}
	if (mark == MARK_THIS && !*finished &&
	    (rc = check_leftover(u, fd)) == 0 &&
	    (rc = unp_finish_locked(u, fd)) == QASID_OK)
		*finished = 1;
	if (rc == 1)
		rc = QASID_OK; /* it failed its check: it goes */
	/* An unpack removes its own staging folder before it lets go of its
	 * lock, so one that has gone meanwhile was finished with. */
	if (rc == QASID_OK && qos_rm_dir(u->dirfd, name, fd, &st) < 0 &&
	    errno != ENOENT)
		rc = unp_sys(u, errno, name);
	qos_close(fd);
	return rc;
}

int
unp_recover(struct unpack *u, int *finished)
{
	struct qos_dir *dp;
	const char *name;
	int rc = QASID_OK;

	*finished = 0;
	if ((dp = qos_dir_openfd(u->dirfd)) == NULL)
		return unp_sys(u, errno, "");
	while (rc == QASID_OK && (name = qos_dir_next(dp, NULL)) != NULL)
		if (strncmp(name, STAGE_PREFIX, strlen(STAGE_PREFIX)) == 0)
			rc = recover_one(u, name, finished);
	qos_dir_close(dp);
	return rc;
}
