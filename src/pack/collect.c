/* SPDX-License-Identifier: ISC */
/*
 * collect.c - what a bundle will hold: the files and folders named to
 * qasid_packer_add, walked without following links and checked by name
 * before they are opened, the statements of a key chain, and their
 * bundle order (FORMAT.md 6.3). pack.c writes them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "manifest.h"
#include "pack.h"
#include "paths.h"

/* ---- Collecting the input ---------------------------------------------- */

/* A name every system can hold, checked before the file is looked at:
 * on Windows, a name it cannot hold cannot even be opened, and the reason
 * would then be the system's, not this one. */
static int
check_name(qasid_packer *p, const char *rel, const char *src)
{
	char why[160];

	if (qpath_key_name(rel, strlen(rel)) != NULL ||
	    qpath_check(rel, strlen(rel), why, sizeof(why)) == 0)
		return QASID_OK;
	return qerr_set(&p->err, QASID_ERR_PATH, "%s: cannot be carried "
	    "safely: %s", src, why);
}

/* Adds an entry whose name check_name passed. */
static int
push(qasid_packer *p, const char *rel, const char *src, const struct qos_stat *st)
{
	struct pentry *e;
	int key = qpath_key_name(rel, strlen(rel)) != NULL;

	if (p->n + 1 > QF_FILES_MAX)
		return qerr_set(&p->err, QASID_ERR_LIMIT, "%s: more than %u "
		    "files and folders", src, QF_FILES_MAX);
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 64;
		if ((e = realloc(p->e, cap * sizeof(*e))) == NULL)
			return qerr_set(&p->err, QASID_ERR_NOMEM, "%s", src);
		p->e = e;
		p->cap = cap;
	}
	e = &p->e[p->n];
	memset(e, 0, sizeof(*e));
	e->fd = -1;
	e->is_key = key;
	e->is_dir = st->kind == QOS_DIR;
	e->mode = e->is_dir || (st->mode & 0111) ? 0755 : 0644;
	e->size = e->is_dir ? 0 : st->size;
	e->rel = strdup(rel);
	e->src = strdup(src);
	if (e->rel == NULL || e->src == NULL) {
		free(e->rel);
		free(e->src);
		return qerr_set(&p->err, QASID_ERR_NOMEM, "%s", src);
	}
	p->n++;
	p->total += e->size;
	return QASID_OK;
}

static int
refuse_type(qasid_packer *p, const char *src, int kind)
{
	const char *what = kind == QOS_LINK ? "a symbolic link" : kind ==
	    QOS_FIFO ? "a FIFO" : kind == QOS_SOCKET ? "a socket" : kind ==
	    QOS_DEVICE ? "a device" : "not a regular file or folder";

	return qerr_set(&p->err, QASID_ERR_PATH, "%s: is %s; only regular "
	    "files and folders can be carried", src, what);
}

static int add_tree(qasid_packer *p, const char *rel, const char *src,
    int depth);

static int
add_one(qasid_packer *p, const char *rel, const char *src, int depth)
{
	struct qos_stat st;

	if (check_name(p, rel, src) != QASID_OK)
		return p->err.code;
	if (qos_statat(QOS_AT_CWD, src, &st, QOS_NOFOLLOW) < 0)
		return qerr_sys(&p->err, QASID_ERR_IO, errno, "%s", src);
	if (st.kind != QOS_FILE && st.kind != QOS_DIR)
		return refuse_type(p, src, st.kind);
	if (st.mode & (QOS_SETUID | QOS_SETGID))
		return qerr_set(&p->err, QASID_ERR_PATH, "%s: is setuid or "
		    "setgid; clear the bit to carry it", src);
	if (push(p, rel, src, &st) != QASID_OK)
		return p->err.code;
	return st.kind == QOS_DIR ? add_tree(p, rel, src, depth + 1) :
	    QASID_OK;
}

static int
add_tree(qasid_packer *p, const char *rel, const char *src, int depth)
{
	struct qos_dir *dir;
	const char *name;
	int rc = QASID_OK;

	if (depth > QASID_DEPTH_MAX)
		return qerr_set(&p->err, QASID_ERR_PATH, "%s: folders nest "
		    "deeper than %d", src, QASID_DEPTH_MAX);
	if ((dir = qos_dir_open(src)) == NULL)
		return qerr_sys(&p->err, QASID_ERR_IO, errno, "%s", src);
	while (rc == QASID_OK && (name = qos_dir_next(dir, NULL)) != NULL) {
		char *r = qstr_join(rel, "/", name);
		char *s = qstr_join(src, "/", name);

		if (r == NULL || s == NULL)
			rc = qerr_set(&p->err, QASID_ERR_NOMEM, "%s", src);
		else
			rc = add_one(p, r, s, depth);
		free(r);
		free(s);
	}
	if (rc == QASID_OK && errno != 0)
		rc = qerr_sys(&p->err, QASID_ERR_IO, errno, "%s", src);
	qos_dir_close(dir);
	return rc;
}

int
qasid_packer_add(qasid_packer *p, const char *path)
{
	char *copy, *base, *end;
	int rc;

	if ((rc = qpack_begin(p)) != QASID_OK)
		return rc;
	if ((copy = strdup(path)) == NULL)
		return p->failed = qerr_set(&p->err, QASID_ERR_NOMEM, "%s",
		    path);
	p->meta_checked = 0;
	/* Stored under its last component: "a/reports/" is "reports". */
	end = copy + strlen(copy);
	while (end > copy + 1 && end[-1] == '/')
		*--end = '\0';
	base = strrchr(copy, '/');
	base = base ? base + 1 : copy;
	if (*base == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
		rc = qerr_set(&p->err, QASID_ERR_ARG, "%s: name a file or "
		    "folder by its own name, not \"%s\"", path, base);
	else
		rc = add_one(p, base, path, 0);
	free(copy);
	if (rc != QASID_OK)
		p->failed = rc;
	return rc;
}

/* Statements carried, then everything else (FORMAT.md 17.3). */
static int
entry_cmp(const void *a, const void *b)
{
	const struct pentry *x = a, *y = b;

	if (x->is_key || y->is_key)
		return x->is_key && y->is_key ? strcmp(x->rel, y->rel) :
		    y->is_key - x->is_key;
	return qpath_cmp(x->rel, strlen(x->rel), y->rel, strlen(y->rel));
}

/* Sorts into bundle order and refuses duplicates and names that would
 * collide on a recipient's file system. */
int
qpack_sort(qasid_packer *p)
{
	char why[300];

	qsort(p->e, p->n, sizeof(p->e[0]), entry_cmp);
	for (size_t i = 1; i < p->n; i++) {
		const char *a = p->e[i - 1].rel, *b = p->e[i].rel;
		if (strcmp(a, b) == 0)
			return qerr_set(&p->err, QASID_ERR_PATH, "%s: added "
			    "twice (as %s and %s)", a, p->e[i - 1].src,
			    p->e[i].src);
		if (p->e[i - 1].is_key)
			continue;
		if (qpath_collide(a, strlen(a), b, strlen(b), why,
		    sizeof(why)))
			return qerr_set(&p->err, QASID_ERR_PATH, "%s: cannot "
			    "be carried safely: %s", p->e[i].src, why);
	}
	return QASID_OK;
}

void
qasid_packer_set_metadata(qasid_packer *p, int policy)
{
	p->meta_policy = policy;
	p->meta_checked = 0;
}

int
qasid_packer_check_metadata(qasid_packer *p, qasid_meta_fn fn, void *ud)
{
	int rc;

	qerr_clear(&p->err);
	if ((rc = qpack_sort(p)) != QASID_OK)
		return rc;
	rc = qmeta_check(&p->err, p->e, p->n, p->meta_policy, fn, ud);
	p->meta_checked = rc == QASID_OK;
	return rc;
}

/* The statements of dir, under .qasid/keys/: format 2 only. */
int
qasid_packer_add_keys(qasid_packer *p, const char *dir)
{
	struct qos_stat st;
	struct qos_dir *dh;
	const char *name;
	char rel[sizeof(QPATH_KEYS) + 256], *src;
	uint64_t bytes = 0;
	int rc = QASID_OK, n = 0;

	if ((rc = qpack_begin(p)) != QASID_OK)
		return rc;
	if ((dh = qos_dir_open(dir)) == NULL)
		return p->failed = qerr_sys(&p->err, QASID_ERR_IO, errno, "%s",
		    dir);
	while (rc == QASID_OK && (name = qos_dir_next(dh, NULL)) != NULL) {
		if (name[0] == '.')
			continue;
		snprintf(rel, sizeof(rel), "%s%s", QPATH_KEYS, name);
		if ((src = qstr_join(dir, "/", name)) == NULL)
			rc = qerr_set(&p->err, QASID_ERR_NOMEM, "%s", dir);
		else if (qos_statat(QOS_AT_CWD, src, &st, QOS_NOFOLLOW) < 0 ||
		    st.kind != QOS_FILE ||
		    qpath_key_name(rel, strlen(rel)) == NULL)
			rc = qerr_set(&p->err, QASID_ERR_PATH, "%s: not a "
			    "statement file a bundle can carry", src);
		else if (++n > QPATH_KEYS_FILES || (bytes += st.size) >
		    QPATH_KEYS_BYTES)
			rc = qerr_set(&p->err, QASID_ERR_LIMIT, "%s: more than "
			    "%d files or %d bytes of statements: keep the "
			    "chain alone", dir, QPATH_KEYS_FILES,
			    QPATH_KEYS_BYTES);
		else if ((rc = push(p, rel, src, &st)) == QASID_OK)
			p->e[p->n - 1].mode = 0644;
		free(src);
	}
	qos_dir_close(dh);
	if (rc != QASID_OK)
		p->failed = rc;
	return rc;
}

/* A format-1 bundle carries no statements. */
void
qpack_drop_keys(qasid_packer *p)
{
	size_t j = 0;

	for (size_t i = 0; i < p->n; i++) {
		if (p->format >= 2 || !p->e[i].is_key) {
			p->e[j++] = p->e[i];
			continue;
		}
		p->total -= p->e[i].size;
		free(p->e[i].rel);
		free(p->e[i].src);
	}
	p->n = j;
}
