/* SPDX-License-Identifier: ISC */
/*
 * recover.c - recovery files (FORMAT.md 17.5): Reed-Solomon parity beside a
 * bundle, made by qasid_rec_protect(), and the repair that uses it.
 *
 * The bundle is seen as a matrix of 4 KiB blocks, K rows of S columns
 * (block j is row j / S, column j % S; blocks past the end are zeros). A
 * stripe is a column: its K data blocks get M parity blocks, computed with
 * Intel ISA-L (a Cauchy matrix over GF(2^8)). Because consecutive blocks
 * fall in consecutive columns, a contiguous run of damage costs each
 * stripe only a block per S blocks of run. A row is contiguous in the
 * bundle and the coefficients of a row are the same for every column, so
 * protect reads the bundle once, a band of columns at a time, and hands
 * ISA-L whole row slices (ec_encode_data_update); memory stays bounded by
 * BAND_MAX whatever the bundle's size; a small band keeps the parity being
 * updated in the CPU's cache (64 MiB bands were a third slower, bound by
 * memory). Every block's BLAKE2b-128 is stored,
 * so repair finds damage to the sector in one read; a repaired bundle is
 * verified like any bundle before it replaces the damaged one.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <isa-l/erasure_code.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "os.h"
#include "recover.h"
#include "thread.h"

#define BAND_MAX ((uint64_t)2 << 20) /* parity bytes held at once */
#define CHECK_CHUNK ((size_t)1 << 20)  /* the checker's reads */
/* The checker hashes the blocks of the first K / CHECK_SHARE rows, so
 * that both cores finish together: it hashes every byte once for the
 * members and a fifth of the blocks, the band pass the rest of the blocks
 * and all the parity (measured with bench/recovery.sh). */
#define CHECK_SHARE 5u

/* The byte offsets of the sections, from the shape. */
void
qrec_layout(struct qrec *h)
{
	uint64_t headpad = (h->headlen + QREC_BLOCK - 1) / QREC_BLOCK;
	uint64_t entries = h->d + (uint64_t)h->m * h->s;
	uint64_t tab = (entries * QREC_HASH + QREC_BLOCK - 1) / QREC_BLOCK;

	h->off_head = QREC_BLOCK;
	h->off_tab = h->off_head + headpad * QREC_BLOCK;
	h->off_par = h->off_tab + tab * QREC_BLOCK;
	h->total = h->off_par + (uint64_t)h->m * h->s * QREC_BLOCK +
	    QREC_BLOCK;
}

/* The shape for a bundle of size bytes at pct percent. */
void
qrec_shape(struct qrec *h, uint64_t size, unsigned pct)
{
	h->size = size;
	h->d = (size + QREC_BLOCK - 1) / QREC_BLOCK;
	h->k = h->d < QREC_K_MAX ? (unsigned)h->d : QREC_K_MAX;
	if (h->k == 0)
		h->k = 1;
	h->m = (h->k * pct + 99) / 100;
	if (h->m == 0)
		h->m = 1;
	h->s = (h->d + h->k - 1) / h->k;
	if (h->s == 0)
		h->s = 1;
	qrec_layout(h);
}

/* The header block: text lines, the last a hash of those before it. */
void
qrec_format(const struct qrec *h, unsigned char blk[QREC_BLOCK])
{
	unsigned char check[32];
	char hex[65];
	int n;

	memset(blk, 0, QREC_BLOCK);
	sodium_bin2hex(hex, sizeof(hex), h->headhash, 32);
	n = snprintf((char *)blk, QREC_BLOCK, "qasid-recovery 1\nsize %" PRIu64
	    "\nblock %u\ndata-rows %u\nparity-rows %u\nstripes %" PRIu64
	    "\nhead %" PRIu64 " %s\n", h->size, QREC_BLOCK, h->k, h->m, h->s,
	    h->headlen, hex);
	crypto_generichash(check, sizeof(check), blk, (size_t)n, NULL, 0);
	sodium_bin2hex(hex, sizeof(hex), check, 32);
	snprintf((char *)blk + n, QREC_BLOCK - (size_t)n, "check %s\nend\n",
	    hex);
}

static int
field(const char **p, const char *name, uint64_t *v)
{
	size_t n = strlen(name);
	char *end;

	if (strncmp(*p, name, n) != 0 || (*p)[n] != ' ' ||
	    (*p)[n + 1] < '0' || (*p)[n + 1] > '9')
		return -1;
	errno = 0;
	*v = strtoull(*p + n + 1, &end, 10);
	if (errno != 0 || (*end != '\n' && *end != ' '))
		return -1;
	*p = end + (*end == '\n');
	return 0;
}

/* Parses and checks a header block; 0 or -1. */
int
qrec_parse(struct qrec *h, const unsigned char blk[QREC_BLOCK])
{
	unsigned char want[QREC_BLOCK];
	const char *p = (const char *)blk, *hex;
	uint64_t bs, k, m;
	size_t len;

	if (memchr(blk, '\0', QREC_BLOCK) == NULL ||
	    strncmp(p, "qasid-recovery 1\n", 17) != 0)
		return -1;
	p += 17;
	if (field(&p, "size", &h->size) < 0 || field(&p, "block", &bs) < 0 ||
	    field(&p, "data-rows", &k) < 0 ||
	    field(&p, "parity-rows", &m) < 0 ||
	    field(&p, "stripes", &h->s) < 0 ||
	    field(&p, "head", &h->headlen) < 0 || bs != QREC_BLOCK)
		return -1;
	hex = p + 1;
	if (sodium_hex2bin(h->headhash, 32, hex, 64, NULL, &len, NULL) != 0 ||
	    len != 32 || k == 0 || k > QREC_K_MAX || m == 0 ||
	    k + m > QREC_N_MAX || h->headlen > h->size ||
	    h->size > ((uint64_t)1 << 50))
		return -1;
	h->k = (unsigned)k;
	h->m = (unsigned)m;
	h->d = (h->size + QREC_BLOCK - 1) / QREC_BLOCK;
	if (h->s != (h->d > 0 ? (h->d + k - 1) / k : 1))
		return -1;
	qrec_layout(h);
	qrec_format(h, want); /* the canonical text, check line included */
	return memcmp(want, blk, QREC_BLOCK) == 0 ? 0 : -1;
}

/* The generator: K x K identity over M Cauchy rows; tables for the rows. */
int
qrec_tables(unsigned k, unsigned m, unsigned char **matrix,
    unsigned char **tbls)
{
	*matrix = malloc((size_t)(k + m) * k);
	*tbls = malloc((size_t)32 * k * m);
	if (*matrix == NULL || *tbls == NULL)
		return -1;
	gf_gen_cauchy1_matrix(*matrix, (int)(k + m), (int)k);
	ec_init_tables((int)k, (int)m, *matrix + (size_t)k * k, *tbls);
	return 0;
}

ptrdiff_t
qrec_pread(int fd, void *buf, size_t n, uint64_t off)
{
	size_t got = 0;

	while (got < n) {
		ptrdiff_t r = qos_pread(fd, (char *)buf + got, n - got,
		    off + got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ptrdiff_t)got;
}

int
qrec_pwrite(int fd, const void *buf, size_t n, uint64_t off)
{
	size_t done = 0;

	while (done < n) {
		ptrdiff_t w = qos_pwrite(fd, (const char *)buf + done,
		    n - done, off + done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		done += (size_t)w;
	}
	return 0;
}

/* The raw length of the head: gzip members 0 and 1. */
int
qrec_head_length(int fd, uint64_t *len)
{
	unsigned char in[16384], out[16384];
	uint64_t off = 0;
	z_stream z;
	int members = 0, zr = Z_OK;

	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 15 + 16) != Z_OK)
		return -1;
	while (members < 2) {
		ptrdiff_t got = qrec_pread(fd, in, sizeof(in), off);
		if (got <= 0)
			break;
		z.next_in = in;
		z.avail_in = (uInt)got;
		while (z.avail_in > 0 && members < 2) {
			z.next_out = out;
			z.avail_out = sizeof(out);
			zr = inflate(&z, Z_NO_FLUSH);
			if (zr == Z_STREAM_END) {
				members++;
				inflateReset(&z);
			} else if (zr != Z_OK && zr != Z_BUF_ERROR) {
				break;
			}
		}
		if (zr != Z_OK && zr != Z_BUF_ERROR && zr != Z_STREAM_END)
			break;
		off += (uint64_t)got - z.avail_in;
	}
	inflateEnd(&z);
	*len = off;
	return members == 2 ? 0 : -1;
}

char *
qrec_path(const char *bundle)
{
	size_t n = strlen(bundle) + 5;
	char *p = malloc(n);

	if (p != NULL)
		snprintf(p, n, "%s-rec", bundle);
	return p;
}

/* ---- protect ------------------------------------------------------------ */

struct prot {
	qasid_rec *x;
	const char *bundle;
	int bfd, rfd;
	struct qrec h;
	unsigned char *matrix, *tbls, *row, *par, *hashes;
	uint64_t done, todo;
	uint64_t hrows;        /* rows whose block hashes the checker makes */
	atomic_int stop;       /* one side failed: the other stops */
};

/* The second core's share: the bundle in file order, checked against its
 * signed hashes, and the block hashes of the first rows. */
struct checker {
	struct prot *p;
	struct qrec_mem mem;
	unsigned char *buf, *hashes;
	uint64_t bad_at;       /* the first member that does not match */
	int rc;
};

static int
prot_io(struct prot *p, const char *what)
{
	return qerr_sys(&p->x->err, errno == ENOSPC ? QASID_ERR_NOSPACE :
	    QASID_ERR_IO, errno, "%s", what);
}

/* Hashes n blocks of buf into the table from entry first. */
static int
put_hashes(struct prot *p, unsigned char *tab, const unsigned char *buf,
    uint64_t n, uint64_t first)
{
	for (uint64_t i = 0; i < n; i++)
		crypto_generichash(tab + i * QREC_HASH, QREC_HASH,
		    buf + i * QREC_BLOCK, QREC_BLOCK, NULL, 0);
	return qrec_pwrite(p->rfd, tab, (size_t)n * QREC_HASH,
	    p->h.off_tab + first * QREC_HASH);
}

/* One band of g columns from s0: every row once, then its parity. */
static int
band(struct prot *p, uint64_t s0, uint64_t g)
{
	const struct qrec *h = &p->h;
	size_t len = (size_t)g * QREC_BLOCK;
	unsigned char *coding[QREC_N_MAX];
	int rc;

	memset(p->par, 0, len * h->m);
	for (unsigned i = 0; i < h->m; i++)
		coding[i] = p->par + len * i;
	for (unsigned r = 0; r < h->k; r++) {
		uint64_t j0 = r * h->s + s0;
		ptrdiff_t got;
		if (j0 >= h->d)
			break; /* zeros beyond the end change no parity */
		if ((got = qrec_pread(p->bfd, p->row, len, j0 * QREC_BLOCK)) < 0)
			return prot_io(p, p->bundle);
		memset(p->row + got, 0, len - (size_t)got);
		if (r >= p->hrows && put_hashes(p, p->hashes, p->row, h->d - j0 <
		    g ? h->d - j0 : g, j0) < 0)
			return prot_io(p, p->bundle);
		ec_encode_data_update((int)len, (int)h->k, (int)h->m, (int)r,
		    p->tbls, p->row, coding);
		p->done += (uint64_t)got;
		if (p->stop)
			return QASID_ERR_CONTENT; /* the checker says why */
		if ((rc = qprogress(p->x->progress, p->x->progress_ud, p->done,
		    p->todo, &p->x->err, p->bundle)) != QASID_OK)
			return rc;
	}
	for (unsigned i = 0; i < h->m; i++) {
		uint64_t at = (uint64_t)i * h->s + s0;
		if (qrec_pwrite(p->rfd, coding[i], len, h->off_par + at *
		    QREC_BLOCK) < 0 || put_hashes(p, p->hashes, coding[i], g,
		    h->d + at) < 0)
			return prot_io(p, p->bundle);
	}
	return QASID_OK;
}

/* The head copy and both header blocks. */
static int
head_and_headers(struct prot *p)
{
	crypto_generichash_state st;
	unsigned char blk[QREC_BLOCK];
	uint64_t off = 0;

	crypto_generichash_init(&st, NULL, 0, 32);
	while (off < p->h.headlen) {
		size_t n = p->h.headlen - off < QREC_BLOCK ?
		    (size_t)(p->h.headlen - off) : QREC_BLOCK;
		if (qrec_pread(p->bfd, blk, n, off) != (ptrdiff_t)n ||
		    qrec_pwrite(p->rfd, blk, n, p->h.off_head + off) < 0)
			return prot_io(p, p->bundle);
		crypto_generichash_update(&st, blk, n);
		off += n;
	}
	crypto_generichash_final(&st, p->h.headhash, 32);
	qrec_format(&p->h, blk);
	if (qrec_pwrite(p->rfd, blk, QREC_BLOCK, 0) < 0 ||
	    qrec_pwrite(p->rfd, blk, QREC_BLOCK, p->h.total - QREC_BLOCK) < 0)
		return prot_io(p, p->bundle);
	return QASID_OK;
}

static int
check_bad(void *ud, uint64_t start, uint64_t end,
    const unsigned char want[QF_MEMBER_HASH])
{
	struct checker *c = ud;

	(void)end;
	(void)want;
	c->bad_at = start;
	return QASID_ERR_CONTENT;
}

/* The block hashes of the checker's rows in a chunk read at off. */
static int
check_hashes(struct checker *c, uint64_t off, size_t n)
{
	struct prot *p = c->p;
	uint64_t j0 = off / QREC_BLOCK, end = p->hrows * p->h.s, nb;

	end = end < p->h.d ? end : p->h.d;
	if (j0 >= end)
		return 0;
	nb = (n + QREC_BLOCK - 1) / QREC_BLOCK;
	nb = end - j0 < nb ? end - j0 : nb;
	if (nb * QREC_BLOCK > n)
		memset(c->buf + n, 0, (size_t)nb * QREC_BLOCK - n);
	return put_hashes(p, c->hashes, c->buf, nb, j0);
}

/* The checker: the bundle in file order against its signed hashes. */
static void *
check_run(void *arg)
{
	struct checker *c = arg;
	struct prot *p = c->p;
	uint64_t off = 0;
	int rc = QASID_OK;

	while (rc == QASID_OK && off < p->h.size && !p->stop) {
		ptrdiff_t got = qrec_pread(p->bfd, c->buf, CHECK_CHUNK, off);
		if (got <= 0) {
			rc = QASID_ERR_IO;
			break;
		}
		if (check_hashes(c, off, (size_t)got) < 0)
			rc = QASID_ERR_IO;
		else
			rc = qrec_mem_feed(&c->mem, c->buf, (size_t)got,
			    check_bad, c);
		off += (uint64_t)got;
	}
	if (rc == QASID_OK && !p->stop)
		rc = qrec_mem_finish(&c->mem, p->h.size, check_bad, c);
	if ((c->rc = rc) != QASID_OK)
		p->stop = 1;
	return NULL;
}

/* What the checker found, as the error of protect. */
static int
check_result(struct prot *p, struct checker *c, int rc)
{
	if (c->rc == QASID_OK || (rc != QASID_OK && rc != QASID_ERR_CONTENT))
		return rc;
	if (c->rc == QASID_ERR_IO)
		return prot_io(p, p->bundle);
	if (c->rc != QASID_ERR_CONTENT)
		return qerr_set(&p->x->err, c->rc, "%s", qrec_mem_errmsg(
		    &c->mem));
	if (c->bad_at == UINT64_MAX)
		return qerr_set(&p->x->err, QASID_ERR_CONTENT, "%s: damaged: "
		    "not the size its manifest gives it; protect makes recovery "
		    "data only for an intact bundle", p->bundle);
	return qerr_set(&p->x->err, QASID_ERR_CONTENT, "%s: damaged: the "
	    "member at byte %" PRIu64 " does not match its signed hash; "
	    "protect makes recovery data only for an intact bundle (repair "
	    "it, or get another copy)", p->bundle, c->bad_at);
}

/* The band pass here, the checker on the second core. */
static int
protect_bands(struct prot *p, uint64_t g)
{
	struct checker c = {.p = p, .bad_at = UINT64_MAX};
	qthread t;
	int rc = QASID_OK, threaded;

	c.buf = malloc(CHECK_CHUNK);
	c.hashes = malloc(CHECK_CHUNK / QREC_BLOCK * QREC_HASH);
	if (c.buf == NULL || c.hashes == NULL)
		rc = qerr_set(&p->x->err, QASID_ERR_NOMEM, "%s", p->bundle);
	else if ((c.rc = qrec_mem_open(&c.mem, p->bfd, NULL, 0, NULL,
	    p->bundle)) != QASID_OK)
		rc = qerr_set(&p->x->err, c.rc, "%s", qrec_mem_errmsg(&c.mem));
	if (rc == QASID_OK) {
		p->hrows = p->h.k / CHECK_SHARE;
		if (!(threaded = qthread_start(&t, check_run, &c) == 0))
			check_run(&c);
		for (uint64_t s0 = 0; rc == QASID_OK && s0 < p->h.s; s0 += g)
			rc = band(p, s0, p->h.s - s0 < g ? p->h.s - s0 : g);
		p->stop |= rc != QASID_OK;
		if (threaded)
			qthread_join(t);
		rc = check_result(p, &c, rc);
	}
	qrec_mem_close(&c.mem);
	free(c.buf);
	free(c.hashes);
	return rc;
}

static int
protect_run(struct prot *p, unsigned pct)
{
	struct qos_stat st;
	uint64_t g, headlen;
	int rc;

	if (qos_fstat(p->bfd, &st) < 0)
		return prot_io(p, p->bundle);
	if (qrec_head_length(p->bfd, &headlen) < 0)
		return qerr_set(&p->x->err, QASID_ERR_FORMAT, "%s: not a "
		    "bundle (no head)", p->bundle);
	qrec_shape(&p->h, st.size, pct);
	p->h.headlen = headlen;
	qrec_layout(&p->h);
	g = BAND_MAX / ((uint64_t)p->h.m * QREC_BLOCK);
	g = g < p->h.s ? g : p->h.s;
	g = g > 0 ? g : 1;
	p->todo = st.size;
	p->row = malloc((size_t)g * QREC_BLOCK);
	p->par = malloc((size_t)g * QREC_BLOCK * p->h.m);
	p->hashes = malloc((size_t)g * QREC_HASH);
	if (p->row == NULL || p->par == NULL || p->hashes == NULL ||
	    qrec_tables(p->h.k, p->h.m, &p->matrix, &p->tbls) < 0)
		return qerr_set(&p->x->err, QASID_ERR_NOMEM, "%s", p->bundle);
	if ((rc = protect_bands(p, g)) != QASID_OK)
		return rc;
	return head_and_headers(p);
}

int
qasid_rec_protect(qasid_rec *x, const char *bundle, unsigned pct)
{
	struct prot p = {.x = x, .bundle = bundle, .rfd = -1};
	char *rpath = NULL, *tmp = NULL;
	int rc;

	qerr_clear(&x->err);
	if (pct < 1 || pct > 50)
		return qerr_set(&x->err, QASID_ERR_ARG, "redundancy must be "
		    "1-50%%");
	/* Shared: protects may run together, each renaming its own whole
	 * file into place, but a repair writing the bundle is waited for. */
	if ((rc = qrec_lock(x, bundle, QOS_LOCK_SH, &p.bfd)) != QASID_OK)
		return rc;
	if ((rpath = qrec_path(bundle)) == NULL) {
		rc = qerr_set(&x->err, QASID_ERR_NOMEM, "%s", bundle);
		goto out;
	}
	if ((p.rfd = qtmp_create(rpath, &tmp)) < 0) {
		rc = prot_io(&p, rpath);
		goto out;
	}
	rc = protect_run(&p, pct);
	if (rc == QASID_OK && (qchmod(p.rfd, 0644) < 0 ||
	    qtmp_commit(p.rfd, tmp, rpath, 1) < 0))
		rc = prot_io(&p, rpath);
	else if (rc != QASID_OK)
		qtmp_abort(p.rfd, tmp);
out:
	qos_close(p.bfd);
	free(rpath);
	free(p.matrix);
	free(p.tbls);
	free(p.row);
	free(p.par);
	free(p.hashes);
	return rc;
}
