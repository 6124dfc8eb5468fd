/* SPDX-License-Identifier: ISC */
/*
 * repair.c - finding a bundle's damage with its recovery file, and
 * rebuilding it (FORMAT.md 17.5).
 *
 * One read of the bundle compares every 4 KiB block with its BLAKE2b-128
 * in the recovery file (the head copy stands in for the head), so damage
 * is found to the block. A stripe (a column of the block matrix) with lost
 * blocks is rebuilt from any K of its surviving data and parity blocks
 * with ISA-L; only an e x e matrix is inverted for e lost blocks
 * (decode_rows). The repaired bundle
 * is written to a temporary file beside the damaged one, verified like any
 * bundle against the trusted keys, and only then renamed over it: repair
 * can rebuild bytes, but never make a forgery pass.
 */
#include <errno.h>
#include <inttypes.h>
#include <isa-l/erasure_code.h>
#include <stdlib.h>
#include <string.h>

#include "os.h"
#include "recover.h"

#define HEADCOPY_MAX ((uint64_t)64 << 20)
/* Columns rebuilt together: each row is then one read of 64 KiB rather
 * than sixteen of 4 KiB (a band of 160 rows is 10 MiB). */
#define REBUILD_COLS 16u

int
qrep_io(struct qrep *p, const char *what)
{
	return qerr_sys(&p->x->err, errno == ENOSPC ? QASID_ERR_NOSPACE :
	    QASID_ERR_IO, errno, "%s", what);
}

/* The header, or its copy at the end if the first is damaged. */
static int
read_header(struct qrep *p)
{
	unsigned char blk[QREC_BLOCK];
	struct qos_stat st;

	if (qos_fstat(p->rfd, &st) < 0)
		return qrep_io(p, p->rpath);
	if ((qrec_pread(p->rfd, blk, QREC_BLOCK, 0) == QREC_BLOCK &&
	    qrec_parse(&p->h, blk) == 0) || (st.size >= QREC_BLOCK &&
	    qrec_pread(p->rfd, blk, QREC_BLOCK, st.size -
	    QREC_BLOCK) == QREC_BLOCK && qrec_parse(&p->h, blk) == 0))
		return QASID_OK;
	return qerr_set(&p->x->err, QASID_ERR_FORMAT, "%s: not a recovery "
	    "file, or both its headers are damaged", p->rpath);
}

/* Loads the head copy; kept only if it matches its hash. */
static int
read_head_copy(struct qrep *p)
{
	unsigned char h[32];

	if (p->h.headlen > HEADCOPY_MAX)
		return QASID_OK;
	if ((p->head = malloc(p->h.headlen + 1)) == NULL)
		return qerr_set(&p->x->err, QASID_ERR_NOMEM, "%s", p->rpath);
	if (qrec_pread(p->rfd, p->head, p->h.headlen, p->h.off_head) !=
	    (ptrdiff_t)p->h.headlen)
		goto bad;
	crypto_generichash(h, sizeof(h), p->head, p->h.headlen, NULL, 0);
	if (sodium_memcmp(h, p->h.headhash, sizeof(h)) == 0)
		return QASID_OK;
bad:
	free(p->head);
	p->head = NULL;
	return QASID_OK;
}

/* Puts the verified head copy over the bytes of the head in buf, n bytes
 * read at off. */
void
qrep_overlay_head(const struct qrep *p, unsigned char *buf, uint64_t off,
    size_t n)
{
	if (p->head == NULL || off >= p->h.headlen)
		return;
	memcpy(buf, p->head + off, p->h.headlen - off < n ?
	    (size_t)(p->h.headlen - off) : n);
}

/* Checks n blocks from block j0 (in buf) against the table; lost ones are
 * marked and zeroed. */
int
qrep_check_blocks(struct qrep *p, unsigned char *buf, uint64_t j0, uint64_t n)
{
	unsigned char want[QREP_CHUNK * QREC_HASH], got[QREC_HASH];

	if (qrec_pread(p->rfd, want, (size_t)n * QREC_HASH, p->h.off_tab +
	    j0 * QREC_HASH) != (ptrdiff_t)(n * QREC_HASH))
		memset(want, 0, sizeof(want)); /* a cut table: all suspect */
	for (uint64_t i = 0; i < n; i++) {
		unsigned char *b = buf + i * QREC_BLOCK;
		if (p->bad[j0 + i])
			continue; /* in two damaged members: counted once */
		crypto_generichash(got, sizeof(got), b, QREC_BLOCK, NULL, 0);
		if (sodium_memcmp(got, want + i * QREC_HASH, QREC_HASH) == 0)
			continue;
		memset(b, 0, QREC_BLOCK);
		p->bad[j0 + i] = 1;
		if (p->lost[(j0 + i) % p->h.s]++ == 0)
			p->stripes_bad++;
		p->nbad++;
	}
	return QASID_OK;
}

/* One read of the bundle: marks lost blocks, copies the rest to tfd. */
int
qrep_scan(struct qrep *p)
{
	size_t len = QREP_CHUNK * QREC_BLOCK;
	unsigned char *buf = malloc(len);
	int rc = QASID_OK;

	if (buf == NULL)
		return qerr_set(&p->x->err, QASID_ERR_NOMEM, "%s", p->bundle);
	for (uint64_t j0 = 0; rc == QASID_OK && j0 < p->h.d;
	    j0 += QREP_CHUNK) {
		uint64_t n = p->h.d - j0 < QREP_CHUNK ? p->h.d - j0 :
		    QREP_CHUNK, off = j0 * QREC_BLOCK;
		ptrdiff_t got = qrec_pread(p->bfd, buf, (size_t)n * QREC_BLOCK,
		    off);
		if (got < 0)
			got = 0; /* unreadable: every block of it is lost */
		memset(buf + got, 0, (size_t)n * QREC_BLOCK - (size_t)got);
		if (off + (uint64_t)got > p->h.size) /* past the end: zeros */
			memset(buf + (p->h.size - off), 0, (size_t)(off +
			    (uint64_t)got - p->h.size));
		if (p->head != NULL && off < p->h.headlen)
			memcpy(buf, p->head + off, p->h.headlen - off < n *
			    QREC_BLOCK ? (size_t)(p->h.headlen - off) :
			    (size_t)n * QREC_BLOCK);
		qrep_check_blocks(p, buf, j0, n);
		if (p->tfd >= 0 && qrec_pwrite(p->tfd, buf, (size_t)n *
		    QREC_BLOCK, off) < 0)
			rc = qrep_io(p, p->bundle);
		p->done += (uint64_t)n * QREC_BLOCK;
		if (rc == QASID_OK)
			rc = qprogress(p->x->progress, p->x->progress_ud,
			    p->done, p->h.size, &p->x->err, p->bundle);
	}
	free(buf);
	return rc;
}

/* Parity block i of stripe s into buf; 1 if it matches its hash. */
static int
read_parity(struct qrep *p, unsigned i, uint64_t s, unsigned char *buf)
{
	uint64_t at = (uint64_t)i * p->h.s + s;
	unsigned char want[QREC_HASH], got[QREC_HASH];

	if (qrec_pread(p->rfd, buf, QREC_BLOCK, p->h.off_par + at *
	    QREC_BLOCK) != QREC_BLOCK || qrec_pread(p->rfd, want, QREC_HASH,
	    p->h.off_tab + (p->h.d + at) * QREC_HASH) != QREC_HASH)
		return 0;
	crypto_generichash(got, sizeof(got), buf, QREC_BLOCK, NULL, 0);
	return sodium_memcmp(got, want, QREC_HASH) == 0;
}

/* Row slice r of a band: g blocks from column s0, zeros past the end. A
 * slice that cannot be read is read block by block, and a block that
 * still cannot is lost too. */
static void
read_slice(struct qrep *p, unsigned r, uint64_t s0, uint64_t g,
    unsigned char *b)
{
	uint64_t j0 = r * p->h.s + s0, off = j0 * QREC_BLOCK;
	size_t len = (size_t)g * QREC_BLOCK;
	ptrdiff_t got = off < p->h.size ? qrec_pread(p->datafd, b, len, off) : 0;

	if (got < 0 && g > 1) {
		for (uint64_t i = 0; i < g; i++)
			read_slice(p, r, s0 + i, 1, b + i * QREC_BLOCK);
		return;
	}
	if (got < 0 && j0 < p->h.d && !p->bad[j0]) {
		p->bad[j0] = 1; /* unreadable now: lost after all */
		p->lost[s0]++;
		p->nbad++;
	}
	got = got < 0 ? 0 : got;
	if (off >= p->h.size)
		got = 0;
	else if (off + (uint64_t)got > p->h.size)
		got = (ptrdiff_t)(p->h.size - off); /* bytes past the bundle */
	memset(b + got, 0, len - (size_t)got);
	qrep_overlay_head(p, b, off, len);
}

/* Stripes whose lost blocks outnumber their intact parity cannot be
 * rebuilt; says which. */
int
qrep_analyse(struct qrep *p, unsigned char *buf)
{
	for (uint64_t s = 0; s < p->h.s; s++) {
		unsigned good = 0;
		if (p->lost[s] == 0)
			continue;
		for (unsigned i = 0; i < p->h.m && good < p->lost[s]; i++)
			good += (unsigned)read_parity(p, i, s, buf);
		if (good < p->lost[s])
			return qerr_set(&p->x->err, QASID_ERR_LIMIT, "%s: damaged "
			    "beyond what %s can restore: stripe %" PRIu64 " lost "
			    "%u blocks and has %u intact parity blocks (%" PRIu64
			    " blocks of 4 KiB lost in all)", p->bundle, p->rpath,
			    s, (unsigned)p->lost[s], good, p->nbad);
	}
	return QASID_OK;
}

/*
 * The decode rows for the lost data rows lost[] from the sources: the
 * intact data rows, then e intact parity rows par[]. Only the e x e
 * matrix of the parity rows' coefficients on the lost rows is inverted
 * (X): lost = X^-1 (parity + known contributions), so the coefficient of a
 * known row r is sum_a X^-1[x][a] A[par[a]][r], of parity a X^-1[x][a].
 */
static int
decode_rows(struct qrep *p, const unsigned *lost, const unsigned *par,
    unsigned e, unsigned char *mat)
{
	unsigned k = p->h.k;
	unsigned char *x = mat, *xinv = mat + e * e, *dec = xinv + e * e;
	const unsigned char *a = p->matrix;

	for (unsigned i = 0; i < e; i++)
		for (unsigned j = 0; j < e; j++)
			x[i * e + j] = a[(size_t)par[i] * k + lost[j]];
	if (gf_invert_matrix(x, xinv, (int)e) != 0)
		return -1;
	for (unsigned i = 0; i < e; i++) {
		unsigned char *row = dec + (size_t)i * k;
		unsigned n = 0, l = 0;
		for (unsigned r = 0; r < k; r++) {
			unsigned char c = 0;
			if (l < e && lost[l] == r) {
				l++;
				continue;
			}
			for (unsigned j = 0; j < e; j++)
				c ^= gf_mul(xinv[i * e + j],
				    a[(size_t)par[j] * k + r]);
			row[n++] = c;
		}
		for (unsigned j = 0; j < e; j++)
			row[n++] = xinv[i * e + j];
	}
	ec_init_tables((int)k, (int)e, dec, p->tbls);
	return 0;
}

/* Rebuilds the lost data blocks of stripe s, whose rows are in band
 * (column s - s0 of g), into tfd. */
static int
rebuild(struct qrep *p, uint64_t s, const unsigned char *band, uint64_t s0,
    uint64_t g, unsigned char *blocks, unsigned char *mat)
{
	unsigned k = p->h.k, m = p->h.m, n = 0, e = 0, np = 0;
	unsigned char *src[QREC_N_MAX], *dst[QREC_N_MAX];
	unsigned par[QREC_N_MAX], lost[QREC_N_MAX];

	for (unsigned r = 0; r < k; r++) {
		uint64_t j = (uint64_t)r * p->h.s + s;
		if (j < p->h.d && p->bad[j])
			lost[e++] = r;
		else
			src[n++] = (unsigned char *)band + ((size_t)r * g +
			    (s - s0)) * QREC_BLOCK;
	}
	for (unsigned i = 0; i < m && np < e; i++) {
		unsigned char *b = blocks + (size_t)np * QREC_BLOCK;
		if (read_parity(p, i, s, b)) {
			src[n++] = b;
			par[np++] = k + i;
		}
	}
	if (np < e)
		return qerr_set(&p->x->err, QASID_ERR_LIMIT, "%s: damaged "
		    "beyond what %s can restore: stripe %" PRIu64 " cannot be "
		    "rebuilt", p->bundle, p->rpath, s);
	if (decode_rows(p, lost, par, e, mat) < 0)
		return qerr_set(&p->x->err, QASID_ERR_INTERNAL, "%s: stripe %"
		    PRIu64 ": singular matrix", p->bundle, s);
	for (unsigned i = 0; i < e; i++)
		dst[i] = blocks + (size_t)(m + i) * QREC_BLOCK;
	ec_encode_data(QREC_BLOCK, (int)k, (int)e, p->tbls, src, dst);
	for (unsigned i = 0; i < e; i++) {
		uint64_t j = (uint64_t)lost[i] * p->h.s + s;
		if (qrec_pwrite(p->tfd, dst[i], QREC_BLOCK, j * QREC_BLOCK) < 0)
			return qrep_io(p, p->bundle);
	}
	return QASID_OK;
}

/* A band of g columns from s0 that holds damage: its rows read once, a
 * slice each, then each damaged stripe rebuilt from them. */
static int
rebuild_band(struct qrep *p, uint64_t s0, uint64_t g, unsigned char *band,
    unsigned char *blocks, unsigned char *mat)
{
	int rc = QASID_OK;

	for (unsigned r = 0; r < p->h.k; r++)
		read_slice(p, r, s0, g, band + (size_t)r * g * QREC_BLOCK);
	for (uint64_t s = s0; rc == QASID_OK && s < s0 + g; s++)
		if (p->lost[s] > 0)
			rc = rebuild(p, s, band, s0, g, blocks, mat);
	return rc;
}

int
qrep_rebuild_all(struct qrep *p)
{
	size_t k = p->h.k, m = p->h.m;
	uint64_t g = REBUILD_COLS < p->h.s ? REBUILD_COLS : p->h.s;
	unsigned char *band = malloc(k * g * QREC_BLOCK);
	unsigned char *blocks = malloc(2 * m * QREC_BLOCK);
	unsigned char *mat = malloc(2 * m * m + m * k);
	int rc = QASID_OK;

	free(p->tbls);
	p->tbls = malloc(32 * k * m);
	if (band == NULL || blocks == NULL || mat == NULL || p->tbls == NULL)
		rc = qerr_set(&p->x->err, QASID_ERR_NOMEM, "%s", p->bundle);
	for (uint64_t s0 = 0; rc == QASID_OK && s0 < p->h.s; s0 += g) {
		uint64_t n = p->h.s - s0 < g ? p->h.s - s0 : g, s;
		for (s = s0; s < s0 + n && p->lost[s] == 0; s++)
			;
		if (s < s0 + n)
			rc = rebuild_band(p, s0, n, band, blocks, mat);
	}
	free(band);
	free(blocks);
	free(mat);
	return rc;
}

int
qrep_verify_rebuilt(struct qrep *p, const qasid_keyring *kr)
{
	qasid_reader *r = qasid_reader_new(kr);
	int rc;

	if (r == NULL)
		return qerr_set(&p->x->err, QASID_ERR_NOMEM, "%s", p->bundle);
	if (qos_truncate(p->tfd, p->h.size) < 0 ||
	    qos_seek(p->tfd, 0, QOS_SEEK_SET) < 0)
		rc = qrep_io(p, p->bundle);
	else if ((rc = qasid_reader_open_fd(r, p->tfd, p->bundle)) !=
	    QASID_OK || (rc = qasid_reader_verify(r)) != QASID_OK)
		rc = qerr_set(&p->x->err, rc, "%s: the rebuilt bundle does not "
		    "verify, so the damaged one was left as it was: %s",
		    p->bundle, qasid_reader_errmsg(r));
	qasid_reader_free(r);
	return rc;
}

/* Opens the recovery file: its header, head copy and tables. */
int
qrep_open(struct qrep *p)
{
	int rc;

	if ((p->rpath = qrec_path(p->bundle)) == NULL)
		return qerr_set(&p->x->err, QASID_ERR_NOMEM, "%s", p->bundle);
	if ((p->rfd = qos_open(p->rpath, QOS_READ, 0)) < 0)
		return errno == ENOENT ? qerr_set(&p->x->err,
		    QASID_ERR_NOTFOUND, "%s: no recovery file (%s)", p->bundle,
		    p->rpath) : qrep_io(p, p->rpath);
	if ((rc = read_header(p)) != QASID_OK ||
	    (rc = read_head_copy(p)) != QASID_OK)
		return rc;
	p->bad = calloc(p->h.d + 1, 1);
	p->lost = calloc(p->h.s, sizeof(*p->lost));
	if (p->bad == NULL || p->lost == NULL ||
	    qrec_tables(p->h.k, p->h.m, &p->matrix, &p->tbls) < 0)
		return qerr_set(&p->x->err, QASID_ERR_NOMEM, "%s", p->bundle);
	return QASID_OK;
}

/* Finds the damage block by block, all of the bundle read and hashed
 * (without its signed hashes: qasid_rec_check, and a repair whose head
 * cannot be read). */
static int
check_start(struct qrep *p)
{
	unsigned char *buf = malloc(QREC_BLOCK);
	int rc;

	if (buf == NULL)
		rc = qerr_set(&p->x->err, QASID_ERR_NOMEM, "%s", p->bundle);
	else if ((rc = qrep_open(p)) == QASID_OK &&
	    (rc = qrep_scan(p)) == QASID_OK)
		rc = qrep_analyse(p, buf);
	free(buf);
	p->x->blocks = p->nbad;
	return rc;
}

void
qrep_end(struct qrep *p)
{
	if (p->bfd >= 0)
		qos_close(p->bfd);
	if (p->rfd >= 0)
		qos_close(p->rfd);
	free(p->rpath);
	free(p->head);
	free(p->bad);
	free(p->lost);
	free(p->matrix);
	free(p->tbls);
	free(p->dmg);
	qrec_mem_close(&p->mem);
}

/* A repair journal beside the bundle: a repair was interrupted, and the
 * bundle may be part mended until the next one replays it. */
static int
interrupted(qasid_rec *x, const char *bundle)
{
	char *path = qjrn_path(bundle);
	struct qos_stat st;
	int rc = QASID_OK;

	if (path == NULL)
		return qerr_set(&x->err, QASID_ERR_NOMEM, "%s", bundle);
	if (qos_statat(QOS_AT_CWD, path, &st, QOS_NOFOLLOW) == 0)
		rc = qerr_set(&x->err, QASID_ERR_CONTENT, "%s: an interrupted "
		    "repair left %s: run `qasid repair` to finish it", bundle,
		    path);
	free(path);
	return rc;
}

int
qasid_rec_check(qasid_rec *x, const char *bundle)
{
	struct qrep p = {.x = x, .bundle = bundle, .rfd = -1, .tfd = -1};
	int rc;

	qerr_clear(&x->err);
	x->blocks = 0;
	/* Not waited for: a repair under way is said to be, and its
	 * journal not taken for one an interrupted repair left. */
	if ((rc = qrec_lock(x, bundle, QOS_LOCK_SH | QOS_LOCK_NB, &p.bfd)) !=
	    QASID_OK)
		return rc;
	if ((rc = interrupted(x, bundle)) != QASID_OK) {
		qos_close(p.bfd);
		return rc;
	}
	if ((rc = check_start(&p)) == QASID_OK && p.nbad > 0)
		rc = qerr_set(&x->err, QASID_ERR_CONTENT, "%s: damaged (%"
		    PRIu64 " blocks of 4 KiB); `qasid repair` can restore it",
		    bundle, p.nbad);
	qrep_end(&p);
	return rc;
}

/* The head cannot be read: every block is checked and copied to the
 * temporary file, the head rebuilt from parity there, and the result
 * verified in full before it replaces the bundle. */
int
qrep_slow(struct qrep *p, const qasid_keyring *kr)
{
	unsigned char *buf = malloc(QREC_BLOCK);
	int rc;

	if (buf == NULL)
		return qerr_set(&p->x->err, QASID_ERR_NOMEM, "%s", p->bundle);
	p->datafd = p->tfd;
	if ((rc = qrep_scan(p)) == QASID_OK)
		rc = qrep_analyse(p, buf);
	free(buf);
	p->x->blocks = p->nbad;
	if (rc == QASID_OK && p->nbad > 0)
		rc = qrep_rebuild_all(p);
	/* Verified even when no block differs from the recovery file's
	 * hashes: the head did not verify, so something is wrong. */
	if (rc == QASID_OK)
		rc = qrep_verify_rebuilt(p, kr);
	return rc;
}
