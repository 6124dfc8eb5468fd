/* SPDX-License-Identifier: ISC */
/*
 * unpack.c - all-or-nothing extraction.
 *
 * Content is written into a private staging folder inside the destination
 * (".qasid-unpack-" and 12 random letters, mode 0700, made on the
 * destination's descriptor) while the body is verified. Only when every
 * byte has verified are the files synced, a commit marker naming the
 * bundle written, and the staged tree moved into place with renames that
 * never replace anything, under a lock on the destination. Only regular
 * files and folders are ever made or moved, never through a symbolic link:
 * every step goes through descriptors, so a race in a folder others can
 * write cannot redirect it. publish.c moves the staged tree into place (and
 * undoes that if it fails); a run that fails (or is cancelled) removes its
 * staging folder; leftover.c deals with what killed runs left. When DIR
 * holds a receipt of an earlier sequence of the same series (receipt.c),
 * update.c plans the update first, files it keeps are only verified, and
 * it publishes in place of publish.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "unpack.h"

#define WRITEBACK_EVERY ((uint64_t)16 << 20)

int
unp_sys(struct unpack *u, int errnum, const char *what)
{
	return qerr_sys(&u->r->err, QASID_ERR_IO, errnum, "%s%s%s", u->dir,
	    what[0] ? "/" : "", what);
}

int
unp_open_dir(int at, const char *name)
{
	return qos_open_dir(at, name);
}

/* Who may own what unpack uses: the user, or the destination's owner, who
 * can change anything in it anyway. On a FAT or exFAT stick everything
 * belongs to whom the stick was mounted for, which may not be the user
 * (root unpacking onto a stick mounted for someone). */
int
unp_ours(const struct unpack *u, uint64_t uid)
{
	return uid == qos_euid() || uid == u->dirst.uid;
}

int
unp_progress(struct unpack *u, uint64_t done)
{
	return qprogress(u->r->progress, u->r->progress_ud, done,
	    u->r->hdr.bytes, &u->r->err, u->dir);
}

int
unp_lock(struct unpack *u, int fd)
{
	int rc;

	while (qos_lock(fd, QOS_LOCK_EX) < 0) {
		if (errno != EINTR)
			return unp_sys(u, errno, "");
		/* Polled with done = total = 0: nothing to draw. */
		if ((rc = qprogress(u->r->progress, u->r->progress_ud, 0, 0,
		    &u->r->err, u->dir)) != QASID_OK)
			return rc;
	}
	return QASID_OK;
}

/* ---- The sink the body checker feeds ------------------------------------ */

static int
sink_dir(void *ud, const struct qmf_entry *e)
{
	struct unpack *u = ud;

	u->ient++;
	/* As publishing would make it: the staging folder (0700) keeps it
	 * private meanwhile, and it may be moved in whole (publish.c). */
	if (qos_mkdirat(u->stagefd, e->path, 0755) < 0)
		return unp_sys(u, errno, e->path);
	return QASID_OK;
}

static int
sink_file_begin(void *ud, const struct qmf_entry *e)
{
	struct unpack *u = ud;

	/* An update keeps a file that has not changed: its bytes are only
	 * verified. */
	if (u->act != NULL && u->ient < u->nact &&
	    u->act[u->ient++] == UNP_ACT_KEEP) {
		u->skip = 1;
		return QASID_OK;
	}
	/* Made with its final mode less the umask, as folders are (and as
	 * tar does for a user): the staging folder keeps others out. */
	u->fd = qos_openat(u->stagefd, e->path, QOS_WRITE | QOS_CREATE |
	    QOS_EXCL | QOS_NOFOLLOW, e->mode);
	u->fpos = 0;
	memset(&u->behind, 0, sizeof(u->behind));
	return u->fd < 0 ? unp_sys(u, errno, e->path) : QASID_OK;
}

static int
sink_file_data(void *ud, const unsigned char *p, size_t n)
{
	struct unpack *u = ud;

	if (u->skip)
		return QASID_OK;
	if (qwrite_poll(u->fd, p, n, u->r->progress, u->r->progress_ud) < 0)
		return errno == ECANCELED ? qerr_io(&u->r->err, errno, u->dir) :
		    unp_sys(u, errno, u->stage);
	u->unsynced += n;
	/* A large file stays close behind on the medium, so that the bar
	 * does not wait at 100% for the commit's sync. */
	qwrite_behind(u->fd, &u->behind, u->fpos += n);
	return QASID_OK;
}

static int
sink_file_end(void *ud, const struct qmf_entry *e)
{
	struct unpack *u = ud;
	int fd = u->fd;

	(void)e;
	if (u->skip) {
		u->skip = 0;
		return QASID_OK;
	}
	u->fd = -1;
	/* Start writeback every 16 MiB or so, not for every small file; one
	 * syncfs at the commit waits for it all. */
	if (u->unsynced >= WRITEBACK_EVERY) {
		qos_writeback(fd, 0, 0);
		u->unsynced = 0;
	}
	if (qos_close(fd) < 0)
		return unp_sys(u, errno, e->path);
	return QASID_OK;
}

static int
sink_commit(void *ud)
{
	struct unpack *u = ud;
	int rc;

	if (qos_syncfs(u->stagefd) < 0)
		return unp_sys(u, errno, u->stage);
	/* Syncing a stick can take long: the last chance to stop cleanly. */
	if ((rc = unp_progress(u, u->r->hdr.bytes)) != QASID_OK ||
	    (rc = unp_mark(u)) != QASID_OK)
		return rc;
	if ((rc = unp_lock(u, u->dirfd)) != QASID_OK)
		return rc;
	rc = unp_finish_locked(u, u->stagefd);
	qos_lock(u->dirfd, QOS_LOCK_UN);
	/* An update cannot be undone: the next run finishes it. */
	u->keep_stage = rc != QASID_OK && u->rcpt.f != NULL;
	return rc;
}

/* ---- Before anything is written ----------------------------------------- */

/*
 * Refuses at once, rather than after writing all that fits, a bundle whose
 * files alone hold more bytes than the destination has free. File system
 * overhead is not counted, so this never refuses a bundle that would fit
 * (short of a file system that compresses); a bundle that passes may still
 * run out of space while it is written, which fails as cleanly, only later.
 */
static int
check_space(struct unpack *u, const struct qmedia *m, uint64_t need)
{
	uint64_t avail = m->free;

	if (avail == UINT64_MAX || need <= avail)
		return QASID_OK; /* or cannot tell: writing will say */
	return qerr_set(&u->r->err, QASID_ERR_NOSPACE, "%s: %s: the bundle's "
	    "files need %.1f MiB, %.1f MiB is free; nothing was unpacked",
	    u->dir, strerror(ENOSPC), (double)need / 1048576,
	    (double)avail / 1048576);
}

/* Refuses a file the destination's file system cannot hold (4 GiB or
 * more on FAT32) before anything is written, rather than minutes into it. */
static int
check_fits(struct unpack *u, const struct qmedia *m, const struct qmf_entry *e)
{
	if (e->is_dir || e->size <= m->max_file)
		return QASID_OK;
	return qerr_set(&u->r->err, QASID_ERR_DEST, "%s/%s: %.2f GiB, and "
	    "the destination is %s, which holds no file of %.0f GiB or more; "
	    "nothing was unpacked; unpack onto exFAT (or another file "
	    "system), or to another destination", u->dir, e->path,
	    (double)e->size / 1073741824, m->fsname,
	    ((double)m->max_file + 1) / 1073741824);
}

/* Refuses at once if a file of the bundle is already in the destination,
 * or if the bundle cannot fit. */
static int
precheck(struct unpack *u)
{
	struct qmf_cursor *c = malloc(sizeof(*c));
	struct qmf_entry *e = malloc(sizeof(*e));
	struct qmedia media;
	struct qos_stat st;
	uint64_t need = 0;
	int rc = QASID_ERR_NOMEM;

	if (c == NULL || e == NULL)
		goto out;
	qmedia_probe(u->dirfd, &media);
	qmf_cursor_at(c, &u->r->spool, &u->r->err, &u->r->entries);
	while ((rc = qmf_get_entry(c, e)) == 1) {
		/* Statements carried are never published (FORMAT.md 17.3). */
		if (e->is_key)
			continue;
		if (!e->is_dir)
			need = e->size > UINT64_MAX - need ? UINT64_MAX :
			    need + e->size;
		if ((rc = check_fits(u, &media, e)) != QASID_OK)
			break;
		/* A folder this run made holds nothing yet; a clash made
		 * meanwhile is refused when publishing. */
		if (u->created_dir || qos_statat(u->dirfd, e->path, &st, QOS_NOFOLLOW) < 0)
			continue;
		if (st.kind == QOS_LINK) {
			rc = qerr_set(&u->r->err, QASID_ERR_DEST, "%s/%s: is a "
			    "symbolic link; refusing to unpack through it; "
			    "nothing was unpacked", u->dir, e->path);
			break;
		}
		if (!e->is_dir || st.kind != QOS_DIR) {
			rc = qerr_set(&u->r->err, QASID_ERR_EXISTS, "%s/%s: "
			    "already exists%s; nothing was unpacked", u->dir,
			    e->path, e->is_dir ? " and is not a folder" : "");
			break;
		}
	}
	/* A manifest whose files claim more bytes than its members inflate
	 * to is damaged or forged: verifying the body says so (exit status
	 * 1), so the space it claims is not held against it here. */
	if (rc == QASID_OK) {
		struct qmf_member m;
		uint64_t plain = 0;
		while ((rc = qmf_get_member(c, &m)) == 1)
			plain = m.ulen > UINT64_MAX - plain ? UINT64_MAX :
			    plain + m.ulen;
		if (rc == QASID_OK && need <= plain)
			rc = check_space(u, &media, need);
	}
out:
	if (rc == QASID_ERR_NOMEM)
		qerr_set(&u->r->err, rc, "%s", u->dir);
	free(c);
	free(e);
	return rc;
}

static int
open_dest(struct unpack *u)
{
	struct qos_stat st;
	int saved;

	if (qos_mkdirat(QOS_AT_CWD, u->dir, 0755) == 0)
		u->created_dir = 1;
	else if (errno != EEXIST)
		return unp_sys(u, errno, "");
	u->dirfd = qos_open_dir(QOS_AT_CWD, u->dir);
	if (u->dirfd >= 0)
		return qos_fstat(u->dirfd, &u->dirst) < 0 ? unp_sys(u, errno,
		    "") : QASID_OK;
	saved = errno;
	if (qos_statat(QOS_AT_CWD, u->dir, &st, QOS_NOFOLLOW) == 0 &&
	    st.kind == QOS_LINK)
		return qerr_set(&u->r->err, QASID_ERR_DEST, "%s: is a "
		    "symbolic link; refusing to unpack through it", u->dir);
	return unp_sys(u, saved, "");
}

/* A fresh staging folder with a random name, made on the destination's
 * descriptor and locked; it must be the one made, and ours. */
static int
make_stage(struct unpack *u)
{
	static const char letters[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789";
	size_t n = strlen(STAGE_PREFIX);

	memcpy(u->stage, STAGE_PREFIX, n);
	for (int tries = 1;; tries++) {
		for (size_t i = 0; i < 12; i++)
			u->stage[n + i] = letters[randombytes_uniform(
			    sizeof(letters) - 1)];
		u->stage[n + 12] = '\0';
		if (qos_mkdirat(u->dirfd, u->stage, 0700) == 0)
			break;
		if (errno != EEXIST || tries == 100) {
			int saved = errno;
			u->stage[0] = '\0';
			return unp_sys(u, saved, "");
		}
	}
	if ((u->stagefd = unp_open_dir(u->dirfd, u->stage)) < 0 ||
	    qos_fstat(u->stagefd, &u->stagest) < 0 ||
	    qos_lock(u->stagefd, QOS_LOCK_EX) < 0)
		return unp_sys(u, errno, u->stage);
	if (!unp_ours(u, u->stagest.uid)) {
		qos_close(u->stagefd);
		u->stagefd = -1;
		return qerr_set(&u->r->err, QASID_ERR_DEST, "%s/%s: replaced "
		    "by someone else's folder", u->dir, u->stage);
	}
	unp_probe_dirmove(u);
	return QASID_OK;
}

/* Removes this run's staging folder. */
static int
rm_stage(struct unpack *u)
{
	if (u->stagefd >= 0)
		return qos_rm_dir(u->dirfd, u->stage, u->stagefd, &u->stagest);
	if (u->stage[0] != '\0' &&
	    qos_unlinkat(u->dirfd, u->stage, QOS_REMOVEDIR) < 0 &&
	    errno != ENOENT)
		return -1;
	return 0;
}

/*
 * Cleans up after killed runs, checks for clashes and makes the staging
 * folder, all under the lock on the destination: otherwise another unpack's
 * clean-up could take a new staging folder, made but not yet locked, for a
 * leftover and remove it.
 */
static int
prepare(struct unpack *u, int *finished)
{
	int rc;

	if ((rc = unp_lock(u, u->dirfd)) != QASID_OK)
		return rc;
	if (unp_rcpt_kept(u->r) && (rc = unp_rcpt_open(u, &u->rcpt)) !=
	    QASID_OK)
		goto out;
	if ((rc = unp_recover(u, finished)) == QASID_OK && !*finished &&
	    (rc = u->rcpt.f ? unp_plan(u) : precheck(u)) == QASID_OK)
		rc = make_stage(u);
out:
	qos_lock(u->dirfd, QOS_LOCK_UN);
	return rc;
}

/* Removes the destination this run made, if it is still the same one. */
static void
rm_dest(struct unpack *u)
{
	struct qos_stat st;

	if (qos_statat(QOS_AT_CWD, u->dir, &st, QOS_NOFOLLOW) == 0 &&
	    st.dev == u->dirst.dev && st.ino == u->dirst.ino)
		(void)qos_unlinkat(QOS_AT_CWD, u->dir, QOS_REMOVEDIR);
}

int
qunpack(qasid_reader *r, const char *dir)
{
	struct unpack u = {.r = r, .dir = dir, .dirfd = -1, .stagefd = -1,
	    .fd = -1};
	struct qsink sink = {&u, sink_dir, sink_file_begin, sink_file_data,
	    sink_file_end, sink_commit};
	struct qset_filter vf;
	int rc, finished = 0;

	if ((rc = open_dest(&u)) == QASID_OK && (rc = prepare(&u,
	    &finished)) == QASID_OK && !finished)
		rc = r->salvage ? qsalvage(r, &u) : r->nparts > 0 ?
		    qset_unpack(r, &u, &sink) : qread_body(r,
		    r->hdr.has_volume ? qset_filter(&sink, &vf) : &sink);
	if (u.fd >= 0)
		qos_close(u.fd);
	if (!u.keep_stage && rm_stage(&u) < 0 && rc == QASID_OK)
		rc = unp_sys(&u, errno, u.stage);
	if (u.stagefd >= 0)
		qos_close(u.stagefd);
	if (rc != QASID_OK && u.created_dir)
		rm_dest(&u);
	if (u.dirfd >= 0)
		qos_close(u.dirfd);
	qbuf_free(&u.journal);
	qbuf_free(&u.jpaths);
	qbuf_free(&u.gone);
	unp_rcpt_close(&u.rcpt);
	free(u.act);
	return rc;
}

/* ---- The reader's unpack calls ---------------------------------------- */

int
qasid_reader_unpack(qasid_reader *r, const char *dir)
{
	int rc = qread_start(r, 1);

	/* A volume unpacks the files wholly inside it (unpack/set.c), and
	 * salvages them (salvage.c). */
	r->dest = dir;
	memset(&r->upd, 0, sizeof(r->upd));
	return qread_done(r, rc != QASID_OK ? rc : qunpack(r, dir));
}

void
qasid_reader_set_local(qasid_reader *r, int keep_local, qasid_local_fn fn,
    void *ud)
{
	r->keep_local = keep_local;
	r->local_fn = fn;
	r->local_ud = ud;
}

const qasid_update *
qasid_reader_update(const qasid_reader *r)
{
	return &r->upd;
}
