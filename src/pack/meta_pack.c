/* SPDX-License-Identifier: ISC */
/*
 * meta_pack.c - the packer's metadata pass.
 *
 * Before anything is signed, every file is examined (meta.c) and its fate
 * under the policy decided: packed as it is, refused, or scrubbed. Nothing
 * per file is kept but that decision, so memory does not grow with the
 * number of photos; the scrub examines a file again just before copying
 * it, so what is removed matches the bytes packed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "meta.h"
#include "pack.h"

/* Opens and examines one file. 0, or -1/errno. */
static int
examine(const struct pentry *e, struct qmeta *m, int *fd, struct qsrc *s)
{
	struct qos_stat st;

	if ((*fd = qos_open(e->src, QOS_READ | QOS_NOFOLLOW, 0)) < 0)
		return -1;
	if (qos_fstat(*fd, &st) < 0) {
		qos_close(*fd);
		return -1;
	}
	s->fd = *fd;
	s->size = st.size;
	if (qmeta_scan(s, m) < 0) {
		qos_close(*fd);
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

static int
decide(const struct qmeta *m, int policy)
{
	if (policy == QASID_META_KEEP || m->reveals[0] == '\0')
		return QASID_META_KEEP;
	if (policy == QASID_META_SCRUB && m->noscrub == NULL)
		return QASID_META_SCRUB;
	return QASID_META_REFUSE;
}

static void
report(const struct pentry *e, const struct qmeta *m, qasid_meta_fn fn,
    void *ud)
{
	qasid_meta_report r;

	if (fn == NULL || m->type == NULL || (m->reveals[0] == '\0' &&
	    m->other[0] == '\0'))
		return;
	r.path = e->src;
	r.type = m->type;
	r.reveals = m->reveals;
	r.other = m->other;
	r.removes = m->noscrub ? "" : m->removes;
	r.noscrub = m->noscrub ? m->noscrub : "";
	r.action = e->meta_action;
	fn(ud, &r);
}

int
qmeta_check(struct qerr *err, struct pentry *e, size_t n, int policy,
    qasid_meta_fn fn, void *ud)
{
	struct qmeta *m = malloc(sizeof(*m));
	struct qsrc s;
	size_t refused = 0;
	int fd;

	if (m == NULL)
		return qerr_set(err, QASID_ERR_NOMEM, "metadata");
	for (size_t i = 0; i < n; i++) {
		e[i].meta_action = QASID_META_KEEP;
		if (e[i].is_dir)
			continue;
		if (examine(&e[i], m, &fd, &s) < 0) {
			free(m);
			return qerr_sys(err, QASID_ERR_IO, errno, "%s", e[i].src);
		}
		qos_close(fd);
		e[i].meta_action = decide(m, policy);
		refused += e[i].meta_action == QASID_META_REFUSE;
		report(&e[i], m, fn, ud);
	}
	free(m);
	if (refused > 0)
		return qerr_set(err, QASID_ERR_METADATA, "%zu file%s would "
		    "reveal where %s made or by whom", refused, refused == 1 ?
		    "" : "s", refused == 1 ? "it was" : "they were");
	return QASID_OK;
}

/* An unlinked temporary file in tmpdir, or beside out. */
static int
scratch(const char *tmpdir, const char *out)
{
	char *path = NULL, *tmp = NULL;
	int fd;

	if (tmpdir != NULL) {
		size_t len = strlen(tmpdir) + 8;
		if ((path = malloc(len)) == NULL)
			return -1;
		snprintf(path, len, "%s/scrub", tmpdir);
	}
	fd = qtmp_create(path ? path : out, &tmp);
	free(path);
	if (fd >= 0 && tmp != NULL)
		qos_unlinkat(QOS_AT_CWD, tmp, 0);
	free(tmp);
	return fd;
}

static int
scrub_one(struct qerr *err, struct pentry *e, struct qmeta *m,
    const char *tmpdir, const char *out, uint64_t *total)
{
	struct qsrc s;
	int64_t len;
	int in, checked = 0, rc = QASID_OK;

	if (examine(e, m, &in, &s) < 0)
		return qerr_sys(err, QASID_ERR_IO, errno, "%s", e->src);
	if (m->noscrub != NULL)
		rc = qerr_set(err, QASID_ERR_METADATA, "%s: cannot be scrubbed "
		    "safely: %s", e->src, m->noscrub);
	else if (m->reveals[0] == '\0')
		;  /* changed since the check: nothing left to remove */
	else if ((e->fd = scratch(tmpdir, out)) < 0 ||
	    (checked = qscrub_checked(&s, m, e->fd, m + 1)) < 0 ||
	    (len = qos_seek(e->fd, 0, QOS_SEEK_END)) < 0 ||
	    qos_seek(e->fd, 0, QOS_SEEK_SET) < 0)
		rc = qerr_sys(err, QASID_ERR_IO, errno, "%s: making a scrubbed "
		    "copy in %s", e->src, tmpdir ? tmpdir : "the output's "
		    "folder");
	else if (checked)
		rc = qerr_set(err, QASID_ERR_METADATA, "%s: cannot be scrubbed "
		    "safely: the copy would still reveal %s", e->src,
		    m[1].reveals);
	else {
		*total = *total - e->size + (uint64_t)len;
		e->size = (uint64_t)len;
	}
	qos_close(in);
	return rc;
}

int
qmeta_apply(struct qerr *err, struct pentry *e, size_t n,
    const char *tmpdir, const char *out, uint64_t *total)
{
	struct qmeta *m = malloc(2 * sizeof(*m));  /* before and after */
	int rc = QASID_OK;

	if (m == NULL)
		return qerr_set(err, QASID_ERR_NOMEM, "metadata");
	for (size_t i = 0; rc == QASID_OK && i < n; i++)
		if (e[i].meta_action == QASID_META_SCRUB && e[i].fd < 0)
			rc = scrub_one(err, &e[i], m, tmpdir, out, total);
	free(m);
	return rc;
}
