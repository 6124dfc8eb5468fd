/* SPDX-License-Identifier: ISC */
/*
 * update.c - unpacking a later sequence of a series over an earlier one.
 *
 * DIR's receipt (receipt.c) says what qasid unpacked there for this key
 * and series. Receipt and manifest are both in bundle order, so one merge
 * walks them side by side, in bounded memory, three times: to plan (before
 * anything is written: which files are kept as they are, and which the
 * recipient changed), to publish (under DIR's lock, once every byte has
 * verified and the staging folder is committed) and, after a kill, to
 * finish (leftover.c calls unp_finish_locked as a fresh run would). A file
 * is replaced or removed only if it is still exactly what the receipt
 * describes: same size, inode and change time (and a change time before
 * the receipt's, else it is hashed), or same content hashed; anything else
 * is the recipient's and is kept aside as NAME.local, never lost. The new
 * receipt, renamed over the old one last, commits the new sequence.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "unpack.h"

#define HASH_BUF ((size_t)256 << 10)

enum { ACT_WRITE = 0, ACT_KEEP = UNP_ACT_KEEP };
enum { LOCAL_SAME, LOCAL_CHANGED, LOCAL_GONE };

struct merge;
typedef int (*merge_fn)(struct merge *m, const struct unp_rentry *old,
    const struct qmf_entry *e);

struct merge {
	struct unpack *u;
	struct unp_walk dir, stage;
	struct unp_rentry *old;
	struct qmf_entry *e;
	uint64_t index;        /* of e in the manifest */
	uint64_t changed;      /* files the recipient changed */
	merge_fn fn;
};

int
unp_hash_check(struct unpack *u, int fd, uint64_t size,
    const unsigned char *hash, uint64_t *done)
{
	unsigned char sum[QF_FILE_HASH], *buf = malloc(HASH_BUF);
	crypto_generichash_state hs;
	uint64_t total = 0;
	ptrdiff_t n = 0;
	int rc = QASID_OK;

	if (buf == NULL)
		return qerr_set(&u->r->err, QASID_ERR_NOMEM, "%s", u->dir);
	crypto_generichash_init(&hs, NULL, 0, QF_FILE_HASH);
	while (total <= size && (n = qread_poll(fd, buf, HASH_BUF,
	    u->r->progress, u->r->progress_ud)) > 0) {
		crypto_generichash_update(&hs, buf, (size_t)n);
		total += (uint64_t)n;
		*done += (uint64_t)n;
		if ((rc = unp_progress(u, *done)) != QASID_OK)
			break;
	}
	free(buf);
	crypto_generichash_final(&hs, sum, sizeof(sum));
	if (rc != QASID_OK)
		return rc;
	if (n < 0 && errno == ECANCELED)
		return qerr_io(&u->r->err, errno, u->dir);
	return n < 0 || total != size ||
	    sodium_memcmp(sum, hash, sizeof(sum)) != 0;
}

/* ---- Is it still what qasid unpacked? ------------------------------------ */

static int
local_state(struct merge *m, const struct unp_rentry *old, int *state)
{
	struct unpack *u = m->u;
	struct qos_stat st;
	const char *leaf;
	uint64_t done = 0;
	int fd = unp_walk(&m->dir, old->path, &leaf), rc;

	if (fd < 0 || qos_statat(fd, leaf, &st, QOS_NOFOLLOW) < 0) {
		if (errno != ENOENT && errno != ENOTDIR && errno != ELOOP)
			return unp_sys(u, errno, old->path);
		*state = errno == ENOENT ? LOCAL_GONE : LOCAL_CHANGED;
		return QASID_OK;
	}
	*state = LOCAL_CHANGED;
	if (old->is_dir || st.kind != QOS_FILE || st.nlink != 1 ||
	    st.size != old->size)
		return QASID_OK;
	/* A change within the receipt's own tick may not show in the times. */
	if (st.ino == old->ino && st.ctime_ns == old->ctime_ns &&
	    st.ctime_ns < u->rcpt.ctime_ns) {
		*state = LOCAL_SAME;
		return QASID_OK;
	}
	if ((fd = qos_openat(fd, leaf, QOS_READ | QOS_NOFOLLOW |
	    QOS_NONBLOCK, 0)) < 0)
		return unp_sys(u, errno, old->path);
	rc = unp_hash_check(u, fd, old->size, old->hash, &done);
	qos_close(fd);
	if (rc == 0)
		*state = LOCAL_SAME;
	return rc < 0 ? rc : QASID_OK;
}

static void
tell_local(struct unpack *u, int what, const char *path, const char *aside)
{
	/* While a killed update of another bundle is pending, what differs
	 * may be its files, not the recipient's: unp_plan says so instead. */
	if (u->r->local_fn != NULL && !u->other_pending)
		u->r->local_fn(u->r->local_ud, what, path, aside);
}

/* ---- The merge ----------------------------------------------------------- */

static int
merge_step(struct merge *m, int *have_old, int *have_new, struct qmf_cursor *c)
{
	int cmp, rc;

	if (*have_old == 2 && (*have_old = unp_rcpt_next(&m->u->rcpt,
	    m->old)) < 0)
		return qerr_set(&m->u->r->err, QASID_ERR_DEST, "%s: its receipt "
		    "changed while unpacking; nothing was unpacked",
		    m->u->dir);
	/* Statements carried (FORMAT.md 17.3) are never published. */
	while (*have_new == 2) {
		if ((*have_new = qmf_get_entry(c, m->e)) < 0)
			return *have_new;
		if (*have_new == 1 && m->e->is_key)
			*have_new = 2;
	}
	if (!*have_old && !*have_new)
		return 1;
	cmp = !*have_old ? 1 : !*have_new ? -1 : qpath_cmp(m->old->path,
	    m->old->pathlen, m->e->path, m->e->pathlen);
	rc = m->fn(m, cmp <= 0 ? m->old : NULL, cmp >= 0 ? m->e : NULL);
	if (cmp <= 0)
		*have_old = 2;
	if (cmp >= 0) {
		*have_new = 2;
		m->index++;
	}
	return rc;
}

/* Calls m->fn for each path of the receipt or the manifest, in bundle
 * order, with its old entry, its new one, or both. */
static int
merge(struct unpack *u, struct merge *m, merge_fn fn)
{
	struct qmf_cursor *c = malloc(sizeof(*c));
	int rc = QASID_ERR_NOMEM, have_old = 2, have_new = 2;

	memset(m, 0, sizeof(*m));
	m->u = u;
	m->fn = fn;
	unp_walk_init(&m->dir, u->dirfd);
	unp_walk_init(&m->stage, u->stagefd);
	m->old = malloc(sizeof(*m->old));
	m->e = malloc(sizeof(*m->e));
	if (c != NULL && m->old != NULL && m->e != NULL &&
	    unp_rcpt_rewind(&u->rcpt) == 0) {
		qmf_cursor_at(c, &u->r->spool, &u->r->err, &u->r->entries);
		while ((rc = merge_step(m, &have_old, &have_new, c)) ==
		    QASID_OK)
			;
		rc = rc == 1 ? QASID_OK : rc;
	}
	unp_walk_done(&m->dir);
	unp_walk_done(&m->stage);
	if (rc == QASID_ERR_NOMEM)
		qerr_set(&u->r->err, rc, "%s", u->dir);
	free(c);
	free(m->old);
	free(m->e);
	return rc;
}

/* ---- Planning ------------------------------------------------------------ */

/* A folder of the new sequence where something else is: only a file
 * qasid unpacked, as it was, may go. */
static int
plan_dir(struct merge *m, const struct unp_rentry *old,
    const struct qmf_entry *e, int state)
{
	struct qos_stat st;
	const char *leaf;
	int fd = unp_walk(&m->dir, e->path, &leaf);

	if (fd < 0 || qos_statat(fd, leaf, &st, QOS_NOFOLLOW) < 0 ||
	    st.kind == QOS_DIR)
		return QASID_OK;
	if (old != NULL && !old->is_dir && state == LOCAL_SAME)
		return QASID_OK;
	m->changed++;
	tell_local(m->u, old != NULL && !old->is_dir ? QASID_LOCAL_CHANGED :
	    QASID_LOCAL_ADDED, e->path, NULL);
	return QASID_OK;
}

static int
plan_one(struct merge *m, const struct unp_rentry *old,
    const struct qmf_entry *e)
{
	struct unpack *u = m->u;
	struct qos_stat st;
	const char *leaf;
	int state = LOCAL_GONE, fd, rc;

	if (old != NULL && !old->is_dir &&
	    (rc = local_state(m, old, &state)) != QASID_OK)
		return rc;
	if (e != NULL && e->is_dir) {
		u->act[m->index] = ACT_WRITE;
		return plan_dir(m, old, e, state);
	}
	if (e == NULL) {
		/* Gone from the new sequence: removed, if still as unpacked. */
		if (state == LOCAL_CHANGED) {
			m->changed++;
			tell_local(u, QASID_LOCAL_CHANGED, old->path, NULL);
		}
		return QASID_OK;
	}
	u->act[m->index] = ACT_WRITE;
	if (old == NULL || old->is_dir) {
		fd = unp_walk(&m->dir, e->path, &leaf);
		if (fd >= 0 && qos_statat(fd, leaf, &st, QOS_NOFOLLOW) == 0 &&
		    !(old != NULL && st.kind == QOS_DIR)) {
			m->changed++;
			tell_local(u, QASID_LOCAL_ADDED, e->path, NULL);
		}
		return QASID_OK;
	}
	if (state == LOCAL_SAME && old->size == e->size && old->mode ==
	    (e->mode & 07777) && memcmp(old->hash, e->hash, QF_FILE_HASH) == 0)
		u->act[m->index] = ACT_KEEP;
	else if (state != LOCAL_SAME) {
		m->changed++;
		tell_local(u, state == LOCAL_GONE ? QASID_LOCAL_REMOVED :
		    QASID_LOCAL_CHANGED, e->path, NULL);
	}
	return QASID_OK;
}

int
unp_plan(struct unpack *u)
{
	struct merge m;
	uint64_t n = u->r->hdr.files + u->r->hdr.dirs;
	int rc;

	if ((u->act = calloc(n ? n : 1, 1)) == NULL)
		return qerr_set(&u->r->err, QASID_ERR_NOMEM, "%s", u->dir);
	u->nact = n;
	u->r->upd.updated = 1;
	u->r->upd.from = u->rcpt.sequence;
	if ((rc = merge(u, &m, plan_one)) != QASID_OK)
		return rc;
	/* Files a killed update of another bundle already moved in differ
	 * from the receipt, which that update had not yet replaced: they are
	 * not the recipient's, and --keep-local must not set them aside. */
	if (m.changed > 0 && u->other_pending)
		return qerr_set(&u->r->err, QASID_ERR_UNFINISHED, "%s: an "
		    "earlier unpack here was interrupted while it put its files "
		    "in place, so %llu file%s differ from %s/%llu as qasid "
		    "unpacked it; unpack that same bundle again to finish it, "
		    "then this one; nothing was unpacked", u->dir,
		    (unsigned long long)m.changed, m.changed == 1 ? "" : "s",
		    u->r->hdr.series, (unsigned long long)u->rcpt.sequence);
	if (m.changed > 0 && !u->r->keep_local)
		return qerr_set(&u->r->err, QASID_ERR_LOCAL, "%s: %llu file%s "
		    "changed here since qasid unpacked %s/%llu; nothing was "
		    "unpacked", u->dir, (unsigned long long)m.changed,
		    m.changed == 1 ? "" : "s", u->r->hdr.series,
		    (unsigned long long)u->rcpt.sequence);
	return QASID_OK;
}

/* ---- Publishing ---------------------------------------------------------- */

/* Moves the recipient's version of path aside to NAME.local (or
 * NAME.local.2 ...), never over anything. */
static int
aside(struct merge *m, int fd, const char *leaf, const char *path)
{
	char name[300], shown[QASID_PATH_MAX + 32];

	for (int i = 1; i < 100; i++) {
		if (strlen(leaf) > 240)
			break;
		snprintf(name, sizeof(name), i == 1 ? "%s.local" :
		    "%s.local.%d", leaf, i);
		if (qrename_noreplace(fd, leaf, fd, name) == 0) {
			snprintf(shown, sizeof(shown), "%.*s%s",
			    (int)(leaf - path), path, name);
			m->u->r->upd.aside++;
			tell_local(m->u, QASID_LOCAL_KEPT, path, shown);
			return QASID_OK;
		}
		if (errno != EEXIST)
			return unp_sys(m->u, errno, path);
	}
	return qerr_set(&m->u->r->err, QASID_ERR_EXISTS, "%s/%s: no free "
	    "name to keep your version aside", m->u->dir, path);
}

/* Clears path in DIR: removes it if it is still what the receipt says,
 * else keeps it aside. With replace, one still as unpacked is left for
 * the caller to rename over (returns 1). */
static int
clear_path(struct merge *m, const struct unp_rentry *old, const char *path,
    int replace)
{
	const char *leaf;
	int state = LOCAL_CHANGED, fd, rc;

	if (old != NULL && !old->is_dir &&
	    (rc = local_state(m, old, &state)) != QASID_OK)
		return rc;
	if ((fd = unp_walk(&m->dir, path, &leaf)) < 0)
		return unp_sys(m->u, errno, path);
	if (state == LOCAL_GONE)
		return QASID_OK;
	if (state == LOCAL_SAME && replace)
		return 1;
	if (state == LOCAL_SAME) {
		m->u->r->upd.removed++;
		return qos_unlinkat(fd, leaf, 0) < 0 && errno != ENOENT ?
		    unp_sys(m->u, errno, path) : QASID_OK;
	}
	return aside(m, fd, leaf, path);
}

static int
publish_dir(struct merge *m, const struct unp_rentry *old,
    const struct qmf_entry *e)
{
	struct qos_stat st;
	const char *leaf;
	int fd = unp_walk(&m->dir, e->path, &leaf), rc;

	if (fd < 0)
		return unp_sys(m->u, errno, e->path);
	if (qos_statat(fd, leaf, &st, QOS_NOFOLLOW) == 0) {
		if (st.kind == QOS_DIR)
			return QASID_OK;
		if ((rc = clear_path(m, old, e->path, 0)) != QASID_OK)
			return rc;
		fd = unp_walk(&m->dir, e->path, &leaf);
	}
	if (qos_mkdirat(fd, leaf, 0755) < 0 && errno != EEXIST)
		return unp_sys(m->u, errno, e->path);
	return QASID_OK;
}

static int
publish_file(struct merge *m, const struct unp_rentry *old,
    const struct qmf_entry *e)
{
	struct qos_stat st;
	const char *leaf, *sleaf;
	int sfd = unp_walk(&m->stage, e->path, &sleaf), fd, rc;

	if (sfd < 0 || qos_statat(sfd, sleaf, &st, QOS_NOFOLLOW) < 0) {
		m->u->r->upd.kept++; /* kept, or moved in by a killed run */
		return QASID_OK;
	}
	if (st.kind != QOS_FILE || st.nlink != 1 || (st.mode & QOS_SPECIAL))
		return qerr_set(&m->u->r->err, QASID_ERR_UNSAFE, "%s/%s: not a "
		    "plain regular file; refusing to publish it", m->u->dir,
		    e->path);
	if ((fd = unp_walk(&m->dir, e->path, &leaf)) < 0)
		return unp_sys(m->u, errno, e->path);
	if (qos_statat(fd, leaf, &st, QOS_NOFOLLOW) == 0) {
		if ((rc = clear_path(m, old, e->path, 1)) < 0)
			return rc;
		if (rc == 1) { /* still as unpacked: replaced in one step */
			if ((fd = unp_walk(&m->dir, e->path, &leaf)) < 0 ||
			    qos_renameat(sfd, sleaf, fd, leaf) < 0)
				return unp_sys(m->u, errno, e->path);
			m->u->r->upd.written++;
			return QASID_OK;
		}
	}
	if ((fd = unp_walk(&m->dir, e->path, &leaf)) < 0 ||
	    qrename_noreplace_how(sfd, sleaf, fd, leaf,
	    &m->u->rename_how) < 0)
		return unp_sys(m->u, errno, e->path);
	m->u->r->upd.written++;
	return QASID_OK;
}

static int
publish_one(struct merge *m, const struct unp_rentry *old,
    const struct qmf_entry *e)
{
	const char *leaf;
	int fd;

	if (e != NULL && e->is_dir)
		return publish_dir(m, old, e);
	if (e != NULL)
		return publish_file(m, old, e);
	if (old->is_dir) /* removed at the end, if empty */
		return qbuf_append(&m->u->gone, old->path, old->pathlen + 1) ==
		    QASID_OK ? QASID_OK : qerr_set(&m->u->r->err,
		    QASID_ERR_NOMEM, "%s", m->u->dir);
	if ((fd = unp_walk(&m->dir, old->path, &leaf)) < 0)
		return errno == ENOENT ? QASID_OK : unp_sys(m->u, errno,
		    old->path);
	return clear_path(m, old, old->path, 0);
}

/* Removes the folders the new sequence lacks, deepest first, if nothing
 * of the recipient's is left in them. */
static void
rm_gone(struct unpack *u)
{
	struct unp_walk w;
	const char *leaf;
	size_t end = u->gone.len;

	unp_walk_init(&w, u->dirfd);
	while (end > 0) {
		size_t start = end - 1;
		int fd;
		while (start > 0 && u->gone.p[start - 1] != '\0')
			start--;
		if ((fd = unp_walk(&w, (char *)u->gone.p + start, &leaf)) >= 0)
			(void)qos_unlinkat(fd, leaf, QOS_REMOVEDIR);
		end = start;
	}
	unp_walk_done(&w);
	u->gone.len = 0;
}

/* The receipt planned against must still be DIR's: another unpack of this
 * series into DIR may have finished meanwhile. */
static int
same_receipt(struct unpack *u)
{
	char name[RCPT_NAME_MAX];
	struct qos_stat st;

	unp_rcpt_name(u->r, name);
	if (qos_statat(u->dirfd, name, &st, QOS_NOFOLLOW) == 0 &&
	    st.ino == u->rcpt.ino && st.ctime_ns == u->rcpt.ctime_ns)
		return QASID_OK;
	return qerr_set(&u->r->err, QASID_ERR_EXISTS, "%s: another unpack of "
	    "%s changed it meanwhile; nothing was unpacked; run again",
	    u->dir, u->r->hdr.series);
}

static int
update_locked(struct unpack *u, int stagefd)
{
	struct merge m;
	int rc, saved = u->stagefd;

	if ((rc = same_receipt(u)) != QASID_OK)
		return rc;
	u->stagefd = stagefd;
	u->r->upd.updated = 1;
	u->r->upd.from = u->rcpt.sequence;
	u->r->upd.written = u->r->upd.kept = 0;
	u->r->upd.removed = u->r->upd.aside = 0;
	rc = merge(u, &m, publish_one);
	u->stagefd = saved;
	if (rc == QASID_OK)
		rm_gone(u);
	if (rc == QASID_OK && qos_syncfs(u->dirfd) < 0)
		rc = unp_sys(u, errno, "");
	return rc;
}

int
unp_finish_locked(struct unpack *u, int stagefd)
{
	int rc;

	if (u->rcpt.f == NULL)
		rc = unp_publish_locked(u, stagefd);
	else
		rc = update_locked(u, stagefd);
	if (rc != QASID_OK)
		return rc;
	if (u->rcpt.f != NULL && u->r->upd.written == 0 &&
	    u->r->upd.removed == 0 && u->r->upd.aside == 0 &&
	    memcmp(u->rcpt.mhash, u->r->mhash, sizeof(u->rcpt.mhash)) == 0) {
		u->r->upd.already = 1;
		return QASID_OK;
	}
	if (!unp_rcpt_kept(u->r))
		return QASID_OK;
	return unp_rcpt_write(u, stagefd);
}
