/* SPDX-License-Identifier: ISC */
/*
 * volume.c - packing a set of volumes (docs/FORMAT.md 17.4).
 *
 * Every size is known before anything is compressed, so the split is
 * planned first: the sorted files are laid into volumes in order, and a
 * file larger than what a volume has left is cut into pieces. The budget
 * assumes nothing compresses (a stored member costs its bytes and a little
 * framing) and counts each entry's tar headers and manifest line at their
 * largest, so no volume can exceed the size asked for. The set file, which
 * lists every file with its whole hash and the parts holding it, needs
 * every hash before the first volume is written: the files are hashed in a
 * first pass, then each volume is packed by the ordinary packer.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "manifest.h"
#include "pack.h"
#include "paths.h"
#include "tar.h"

#define ITEM_COST 2048        /* tar headers, member and manifest framing */
#define FIXED_COST 16384      /* head, signature, trailer and slack */
#define PIECE_MIN 4096        /* a smaller piece waits for the next volume */

struct item {
	size_t idx;           /* into p->e */
	uint64_t part, off, len;
	int piece;
	char name[QF_PIECE_NAME];
};

struct plan {
	struct item *it;
	size_t n, cap;
	uint64_t parts;
	uint64_t *first, *last;      /* per entry of p->e */
	unsigned char (*whole)[QF_FILE_HASH]; /* per entry: pass-1 hashes */
	struct qbuf set;
	unsigned char setid[QF_MEMBER_HASH];
};

static uint64_t
item_cost(const struct pentry *e, uint64_t len)
{
	return ITEM_COST + 2 * strlen(e->rel) + len + qtar_padding(len);
}

static int
add_item(qasid_packer *p, struct plan *pl, size_t idx, uint64_t off,
    uint64_t len, int piece)
{
	struct item *it;

	if (pl->n == pl->cap) {
		size_t cap = pl->cap ? pl->cap * 2 : 64;
		if ((it = realloc(pl->it, cap * sizeof(*it))) == NULL)
			return qerr_set(&p->err, QASID_ERR_NOMEM, "volumes");
		pl->it = it;
		pl->cap = cap;
	}
	it = &pl->it[pl->n++];
	it->idx = idx;
	it->part = pl->parts;
	it->off = off;
	it->len = len;
	it->piece = piece;
	if (piece)
		qmf_piece_name(p->e[idx].rel, strlen(p->e[idx].rel), off,
		    it->name);
	return QASID_OK;
}

/* Lays file idx into the volumes from the current one on. */
static int
place(qasid_packer *p, struct plan *pl, size_t idx, uint64_t room_max,
    uint64_t *room)
{
	const struct pentry *e = &p->e[idx];
	uint64_t off = 0, left = e->size, fit;
	int rc;

	pl->first[idx] = pl->parts;
	while (off > 0 || item_cost(e, left) > *room) {
		fit = *room > item_cost(e, 0) + QF_BLOCK ? *room -
		    item_cost(e, 0) - QF_BLOCK : 0;
		if (fit >= PIECE_MIN || (fit > 0 && fit >= left)) {
			uint64_t len = fit < left ? fit : left;
			if ((rc = add_item(p, pl, idx, off, len, 1)) != QASID_OK)
				return rc;
			*room -= item_cost(e, len);
			off += len;
			left -= len;
			if (left == 0)
				break;
		}
		pl->parts++;
		*room = room_max;
	}
	if (off == 0) {
		*room -= item_cost(e, left);
		if ((rc = add_item(p, pl, idx, 0, left, 0)) != QASID_OK)
			return rc;
	}
	pl->last[idx] = pl->parts;
	return QASID_OK;
}

/* The set file's size at most, with every part number at its longest. */
static uint64_t
set_max(const qasid_packer *p)
{
	uint64_t n = 64;

	for (size_t i = 0; i < p->n; i++)
		n += strlen(p->e[i].rel) + (p->e[i].is_dir ? 8 :
		    48 + 2 * QF_FILE_HASH + 40);
	return n;
}

static int
plan_parts(qasid_packer *p, struct plan *pl)
{
	uint64_t fixed = FIXED_COST + 2 * set_max(p) + 3 * ITEM_COST;
	uint64_t room_max, room, least, size = p->volume_size != 0 ?
	    p->volume_size : p->volume_auto;
	int rc;

	for (size_t i = 0; i < p->n; i++)
		if (p->e[i].is_dir)
			fixed += item_cost(&p->e[i], 0);
	least = fixed + size / 1024 + ITEM_COST + 2 * QASID_PATH_MAX +
	    QF_BLOCK + PIECE_MIN;
	if (size < least)
		return qerr_set(&p->err, QASID_ERR_ARG, "a volume size of "
		    "%" PRIu64 " bytes is too small for these files: each "
		    "volume needs at least %" PRIu64, size, least);
	room_max = room = size - fixed - size / 1024;
	pl->parts = 1;
	for (size_t i = 0; i < p->n; i++)
		if (!p->e[i].is_dir &&
		    (rc = place(p, pl, i, room_max, &room)) != QASID_OK)
			return rc;
	return QASID_OK;
}

uint64_t
qvol_bundle_max(const qasid_packer *p)
{
	/* The body behind a head that holds a manifest line per entry. */
	return qmedia_body_max(p->total, p->n) + p->n * 512 + 65536;
}

/*
 * A FAT32 stick holds no file of 4 GiB or more, and a write finds that
 * out only when the file reaches 4 GiB, minutes in: a bundle that could
 * grow past the largest file the output's medium holds is split into
 * volumes of that size. The bound counts nothing as compressing, so a
 * bundle that would just have fit may still be split: a set costs little
 * more than one bundle, a failed write costs the whole wait.
 */
uint64_t
qvol_auto_size(const qasid_packer *p, const char *out)
{
	struct qmedia m;
	uint64_t limit;
	char *dir;

	if (p->volume_size != 0 || (dir = qdirname(out)) == NULL)
		return 0;
	qmedia_probe_path(dir, &m);
	free(dir);
	if (m.max_file == UINT64_MAX)
		return 0;
	limit = p->fat_limit != 0 && p->fat_limit < m.max_file ?
	    p->fat_limit : m.max_file;
	return qvol_bundle_max(p) > limit ? limit : 0;
}

int
qvol_auto(qasid_packer *p, const char *out)
{
	if ((p->volume_auto = qvol_auto_size(p, out)) != 0 && p->format < 2)
		return qerr_set(&p->err, QASID_ERR_ARG, "%s: the bundle may "
		    "not fit in one file on this medium (FAT32), and only "
		    "bundle format 2 can be split into volumes", out);
	return QASID_OK;
}

/* ---- The set file ------------------------------------------------------- */

static int
hash_file(qasid_packer *p, const struct pentry *e, unsigned char *out,
    unsigned char *buf, size_t bufsize)
{
	crypto_generichash_state st;
	uint64_t off = 0;
	int fd = e->fd >= 0 ? e->fd : qos_open_read(e->src);

	if (fd < 0)
		return qerr_sys(&p->err, QASID_ERR_IO, errno, "%s", e->src);
	crypto_generichash_init(&st, NULL, 0, QF_FILE_HASH);
	while (off < e->size) {
		uint64_t want = e->size - off < bufsize ? e->size - off :
		    bufsize;
		ptrdiff_t got = qos_pread(fd, buf, (size_t)want, off);
		if (got <= 0) {
			if (e->fd < 0)
				qos_close(fd);
			return got < 0 ? qerr_sys(&p->err, QASID_ERR_IO, errno,
			    "%s", e->src) : qerr_set(&p->err, QASID_ERR_IO,
			    "%s: file shrank while being packed", e->src);
		}
		crypto_generichash_update(&st, buf, (size_t)got);
		off += (uint64_t)got;
	}
	if (e->fd < 0)
		qos_close(fd);
	crypto_generichash_final(&st, out, QF_FILE_HASH);
	return QASID_OK;
}

static int
hash_all(qasid_packer *p, struct plan *pl)
{
	static const size_t bufsize = (size_t)1 << 20;
	unsigned char *buf = malloc(bufsize);
	int rc = QASID_OK;

	if (buf == NULL)
		return qerr_set(&p->err, QASID_ERR_NOMEM, "volumes");
	for (size_t i = 0; rc == QASID_OK && i < p->n; i++)
		if (!p->e[i].is_dir)
			rc = hash_file(p, &p->e[i], pl->whole[i], buf, bufsize);
	free(buf);
	return rc;
}

static int
set_line(struct qbuf *b, const struct pentry *e, const unsigned char *hash,
    uint64_t first, uint64_t last)
{
	char line[256], hex[2 * QF_FILE_HASH + 1];
	int n;

	if (e->is_dir)
		n = snprintf(line, sizeof(line), "dir ");
	else {
		qhex(hash, QF_FILE_HASH, hex);
		n = snprintf(line, sizeof(line), "file %o %" PRIu64 " %s "
		    "%" PRIu64 " %" PRIu64 "  ", e->mode, e->size, hex, first,
		    last);
	}
	if (n < 0 || (size_t)n >= sizeof(line))
		return QASID_ERR_INTERNAL;
	if (qbuf_append(b, line, (size_t)n) != QASID_OK ||
	    qbuf_append(b, e->rel, strlen(e->rel)) != QASID_OK ||
	    qbuf_append(b, "\n", 1) != QASID_OK)
		return QASID_ERR_NOMEM;
	return QASID_OK;
}

static int
make_set(qasid_packer *p, struct plan *pl)
{
	char head[64];
	int rc, n;

	n = snprintf(head, sizeof(head), "qasid-set 1\nparts %" PRIu64 "\n",
	    pl->parts);
	rc = qbuf_append(&pl->set, head, (size_t)n);
	for (size_t i = 0; rc == QASID_OK && i < p->n; i++)
		rc = set_line(&pl->set, &p->e[i], pl->whole[i], pl->first[i],
		    pl->last[i]);
	if (rc == QASID_OK)
		rc = qbuf_append(&pl->set, "end\n", 4);
	if (rc != QASID_OK)
		return qerr_set(&p->err, rc, "the set file");
	crypto_generichash(pl->setid, QF_MEMBER_HASH, pl->set.p, pl->set.len,
	    NULL, 0);
	return QASID_OK;
}

/* ---- Writing each volume ----------------------------------------------- */

static int
entry_cmp(const void *a, const void *b)
{
	const struct pentry *x = a, *y = b;

	return qpath_cmp(x->rel, strlen(x->rel), y->rel, strlen(y->rel));
}

static void
meta_entry(struct pentry *v, const char *rel, int is_dir, int fd,
    uint64_t size)
{
	memset(v, 0, sizeof(*v));
	v->rel = (char *)rel;
	v->src = (char *)rel;
	v->is_dir = is_dir;
	v->mode = is_dir ? 0755 : 0644;
	v->size = size;
	v->fd = fd;
}

/* The entries of one part, in bundle order; v has room for them all. */
static size_t
part_entries(qasid_packer *p, struct plan *pl, uint64_t part, int setfd,
    struct pentry *v)
{
	size_t n = 0, pieces = 0;

	meta_entry(&v[n++], ".qasid", 1, -1, 0);
	meta_entry(&v[n++], QF_SET_NAME, 0, setfd, pl->set.len);
	for (size_t i = 0; i < p->n; i++)
		if (p->e[i].is_dir)
			v[n++] = p->e[i];
	for (size_t i = 0; i < pl->n; i++) {
		const struct item *it = &pl->it[i];
		if (it->part != part)
			continue;
		v[n] = p->e[it->idx];
		if (it->piece) {
			v[n].rel = (char *)it->name;
			v[n].whole = p->e[it->idx].rel;
			v[n].off = it->off;
			v[n].size = it->len;
			pieces++;
		}
		n++;
	}
	if (pieces > 0)
		meta_entry(&v[n++], ".qasid/pieces", 1, -1, 0);
	qsort(v, n, sizeof(*v), entry_cmp);
	return n;
}

/* A whole file packed must be the file hashed for the set: p->e is in
 * bundle order, so each is found by bsearch. */
static int
same_as_hashed(qasid_packer *p, struct plan *pl, const struct pentry *v,
    size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct pentry *e;
		if (v[i].is_dir || v[i].whole != NULL ||
		    (e = bsearch(&v[i], p->e, p->n, sizeof(*e),
		    entry_cmp)) == NULL)
			continue;
		if (sodium_memcmp(pl->whole[e - p->e], v[i].hash,
		    QF_FILE_HASH) != 0)
			return qerr_set(&p->err, QASID_ERR_IO, "%s: file "
			    "changed while being packed", e->src);
	}
	return QASID_OK;
}

char *
qasid_volume_path(const char *out_path, uint64_t part)
{
	size_t len = strlen(out_path), n;
	char *s;

	if (len > 6 && strcmp(out_path + len - 6, ".qasid") == 0)
		len -= 6;
	n = len + 48;
	if ((s = malloc(n)) != NULL)
		snprintf(s, n, "%.*s.part%" PRIu64 ".qasid", (int)len,
		    out_path, part);
	return s;
}

static int
write_parts(qasid_packer *p, struct plan *pl, int setfd, int overwrite,
    char **names)
{
	struct pentry *v = calloc(p->n + pl->n + 3, sizeof(*v));
	struct qvol_head vh;
	int rc = QASID_OK;

	if (v == NULL)
		return qerr_set(&p->err, QASID_ERR_NOMEM, "volumes");
	memcpy(vh.setid, pl->setid, QF_MEMBER_HASH);
	vh.count = pl->parts;
	for (uint64_t part = 1; rc == QASID_OK && part <= pl->parts; part++) {
		size_t n = part_entries(p, pl, part, setfd, v);
		vh.part = part;
		rc = qpack_entries(p, v, n, &vh, names[part - 1], overwrite);
		if (rc == QASID_OK)
			rc = same_as_hashed(p, pl, v, n);
		if (rc != QASID_OK)
			while (part > 0)
				qos_unlinkat(QOS_AT_CWD, names[--part], 0);
	}
	free(v);
	return rc;
}

static int
name_parts(qasid_packer *p, const char *out, int overwrite, char **names,
    uint64_t parts)
{
	for (uint64_t i = 0; i < parts; i++) {
		if ((names[i] = qasid_volume_path(out, i + 1)) == NULL)
			return qerr_set(&p->err, QASID_ERR_NOMEM, "%s", out);
		if (!overwrite && qos_exists(names[i]))
			return qerr_set(&p->err, QASID_ERR_EXISTS, "%s: file "
			    "exists", names[i]);
	}
	return QASID_OK;
}

/* A temporary file for the set file, in tmpdir or beside out. */
static int
set_tmp(const qasid_packer *p, const char *out, char **name)
{
	size_t n = p->tmpdir ? strlen(p->tmpdir) + 8 : 0;
	char *where = n ? malloc(n) : NULL;
	int fd;

	if (n != 0 && where == NULL)
		return -1;
	if (where != NULL)
		snprintf(where, n, "%s/set", p->tmpdir);
	fd = qtmp_create(where ? where : out, name);
	free(where);
	return fd;
}

static int
pack_set(qasid_packer *p, struct plan *pl, const char *out, int overwrite)
{
	char **names = NULL, *setname = NULL;
	int rc, setfd = -1;

	if ((rc = plan_parts(p, pl)) != QASID_OK ||
	    (rc = hash_all(p, pl)) != QASID_OK ||
	    (rc = make_set(p, pl)) != QASID_OK)
		return rc;
	if ((names = calloc(pl->parts, sizeof(*names))) == NULL)
		return qerr_set(&p->err, QASID_ERR_NOMEM, "%s", out);
	if ((rc = name_parts(p, out, overwrite, names, pl->parts)) != QASID_OK)
		goto out;
	/* Named while it is written where the system has no anonymous
	 * files, as the body is: FAT through FUSE loses an unlinked file's
	 * content while it is still open. */
	setfd = set_tmp(p, out, &setname);
	if (setfd < 0 || qwrite_all(setfd, pl->set.p, pl->set.len) < 0) {
		rc = qerr_sys(&p->err, QASID_ERR_IO, errno, "%s", out);
		goto out;
	}
	rc = write_parts(p, pl, setfd, overwrite, names);
out:
	if (setfd >= 0)
		qtmp_abort(setfd, setname);
	for (uint64_t i = 0; i < pl->parts; i++)
		free(names[i]);
	free(names);
	return rc;
}

int
qvol_write(qasid_packer *p, const char *out, int overwrite)
{
	struct plan pl;
	int rc;

	if (p->format < 2)
		return qerr_set(&p->err, QASID_ERR_ARG, "volumes need bundle "
		    "format 2");
	memset(&pl, 0, sizeof(pl));
	pl.first = calloc(p->n, sizeof(*pl.first));
	pl.last = calloc(p->n, sizeof(*pl.last));
	pl.whole = calloc(p->n, sizeof(*pl.whole));
	if (pl.first == NULL || pl.last == NULL || pl.whole == NULL)
		rc = qerr_set(&p->err, QASID_ERR_NOMEM, "volumes");
	else
		rc = pack_set(p, &pl, out, overwrite);
	p->volumes = rc == QASID_OK ? pl.parts : 0;
	free(pl.it);
	free(pl.first);
	free(pl.last);
	free(pl.whole);
	qbuf_free(&pl.set);
	return rc;
}
