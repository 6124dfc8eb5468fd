/* SPDX-License-Identifier: ISC */
/*
 * rec_members.c - the signed hashes that protect and repair check a bundle
 * against, in the one read they make of it.
 *
 * The head's hash is named by the signature and every body member's raw
 * BLAKE2b-256 is in the signed manifest (FORMAT.md 1), so a bundle whose
 * head verifies and whose members all match is, byte for byte, what the
 * publisher signed. Checking that costs one hash of each byte, in file
 * order; it is what protect needs (parity of damage restores damage) and
 * what repair needs (only what it rebuilt can have changed, and a member
 * that does not match is where the damage is). Inflating the body and
 * hashing the files, as verify does, would add nothing to either.
 */
#include <stdlib.h>
#include <string.h>

#include "recover.h"
#include "reader.h"

/* Reads and checks the head from fd (or the memory at mem) with the keys
 * (NULL: only that the signature names this head), then sets up the walk
 * of the members. */
int
qrec_mem_open(struct qrec_mem *m, int fd, const void *mem, size_t len,
    const qasid_keyring *kr, const char *name)
{
	int rc;

	memset(m, 0, sizeof(*m));
	if ((m->r = qasid_reader_new(kr)) == NULL ||
	    (m->c = malloc(sizeof(*m->c))) == NULL)
		return QASID_ERR_NOMEM;
	rc = mem != NULL ? qasid_reader_open_memory(m->r, mem, len, name) :
	    qasid_reader_open_fd(m->r, fd, name);
	if (rc == QASID_OK)
		rc = qread_head(m->r, kr != NULL ? QREAD_SIGNED :
		    QREAD_INTEGRITY);
	if (rc != QASID_OK)
		return rc;
	qmf_cursor_init(m->c, &m->r->spool, &m->r->err);
	if ((rc = qmf_get_header(m->c, &m->hdr)) == QASID_OK)
		rc = qmf_skip_entries(m->c);
	m->pos = 0;
	m->start = m->end = m->r->body_off;
	return rc;
}

/*
 * A second walker b over m's manifest, from the first member that starts
 * at or after at (b->pos says where), so that two threads can check the
 * two parts of the file; m then stops there. m must not have been fed.
 */
int
qrec_mem_split(struct qrec_mem *m, struct qrec_mem *b, uint64_t at)
{
	struct qmf_member mm;
	uint64_t off = m->end;
	int rc = 1;

	memset(b, 0, sizeof(*b));
	if ((b->c = malloc(sizeof(*b->c))) == NULL)
		return QASID_ERR_NOMEM;
	*b->c = *m->c; /* a cursor of its own over the same spool */
	b->r = m->r;
	b->borrowed = 1;
	while (off < at && (rc = qmf_get_member(b->c, &mm)) == 1)
		off += mm.clen;
	if (rc < 0)
		return rc;
	b->done = rc == 0;
	b->pos = b->start = b->end = off;
	m->limit = off;
	return QASID_OK;
}

void
qrec_mem_close(struct qrec_mem *m)
{
	if (!m->borrowed)
		qasid_reader_free(m->r);
	free(m->c);
	m->r = NULL;
	m->c = NULL;
}

const char *
qrec_mem_errmsg(const struct qrec_mem *m)
{
	return m->r != NULL ? qasid_reader_errmsg(m->r) : "out of memory";
}

/* The next member: its range and hash. 0 past the last, <0 malformed. */
static int
next_member(struct qrec_mem *m)
{
	struct qmf_member mm;
	int rc = m->limit != 0 && m->end >= m->limit ? 0 :
	    qmf_get_member(m->c, &mm);

	if (rc != 1) {
		m->done = 1;
		return rc;
	}
	m->start = m->end;
	m->end = m->start + mm.clen;
	memcpy(m->want, mm.hash, sizeof(m->want));
	crypto_generichash_init(&m->st, NULL, 0, QF_MEMBER_HASH);
	return 1;
}

/*
 * Feeds the next n bytes of the file, in order from offset 0. Bytes of
 * the head are skipped (the reader checked it). Each member that ends is
 * passed to bad(), with its signed hash, if its hash does not match; bad()
 * returns non-zero to stop. Returns QASID_OK, bad()'s code, or a code for a malformed list.
 */
int
qrec_mem_feed(struct qrec_mem *m, const unsigned char *p, size_t n,
    qrec_bad_fn bad, void *ud)
{
	unsigned char got[QF_MEMBER_HASH];
	int rc;

	if (m->pos < m->r->body_off) {
		uint64_t skip = m->r->body_off - m->pos;
		skip = skip < n ? skip : n;
		p += skip;
		n -= (size_t)skip;
		m->pos += skip;
	}
	while (n > 0 && !m->done) {
		uint64_t take;
		if (m->pos == m->end && (rc = next_member(m)) != 1) {
			if (rc < 0)
				return rc;
			break; /* bytes past the last member: the size check */
		}
		take = m->end - m->pos < n ? m->end - m->pos : n;
		crypto_generichash_update(&m->st, p, (size_t)take);
		p += take;
		n -= (size_t)take;
		m->pos += take;
		if (m->pos < m->end)
			continue;
		crypto_generichash_final(&m->st, got, sizeof(got));
		if (sodium_memcmp(got, m->want, sizeof(got)) != 0 &&
		    (rc = bad(ud, m->start, m->end, m->want)) != 0)
			return rc;
	}
	return QASID_OK;
}

/* After the last byte of a file of size bytes: a member cut short is bad,
 * and so is every member past the end. The members must end at size. */
int
qrec_mem_finish(struct qrec_mem *m, uint64_t size,
    qrec_bad_fn bad, void *ud)
{
	int rc = QASID_OK;

	if (m->pos < m->end && (rc = bad(ud, m->start, m->end, m->want)) != 0)
		return rc;
	while (!m->done && (rc = next_member(m)) == 1)
		if ((rc = bad(ud, m->start, m->end, m->want)) != 0)
			return rc;
	if (rc < 0)
		return rc;
	return m->end == (m->limit != 0 ? m->limit : size) ? QASID_OK :
	    QASID_ERR_CONTENT;
}

/* Hashes the member [start, end) of fd and compares it with want; 1 if it
 * matches. */
int
qrec_member_matches(int fd, uint64_t start, uint64_t end,
    const unsigned char want[QF_MEMBER_HASH], unsigned char *buf,
    size_t buflen)
{
	crypto_generichash_state st;
	unsigned char got[QF_MEMBER_HASH];

	crypto_generichash_init(&st, NULL, 0, QF_MEMBER_HASH);
	while (start < end) {
		size_t n = end - start < buflen ? (size_t)(end - start) : buflen;
		if (qrec_pread(fd, buf, n, start) != (ptrdiff_t)n)
			return 0;
		crypto_generichash_update(&st, buf, n);
		start += n;
	}
	crypto_generichash_final(&st, got, sizeof(got));
	return sodium_memcmp(got, want, sizeof(got)) == 0;
}
