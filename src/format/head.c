/* SPDX-License-Identifier: ISC */
/*
 * head.c - a bundle's head: member 0, the manifest with its tar headers,
 * and member 1, the signature. The packer makes them from these functions
 * and the reader makes them again to compare, so a bundle qasid writes and
 * a bundle qasid accepts can never drift apart.
 */
#include <errno.h>
#include <string.h>

#include "head.h"
#include "tar.h"

static const unsigned char zero[QF_BLOCK];

static int
emit_header(const char *name, uint64_t size, int64_t created,
    qhead_emit_fn emit, void *ud)
{
	struct qtar_entry te = {name, 0, 0644, size, created};
	struct qbuf b = {0};
	int rc = qtar_header(&te, &b);

	if (rc == QASID_OK)
		rc = emit(ud, b.p, b.len);
	qbuf_free(&b);
	return rc;
}

int
qhead_plain(uint64_t mflen, int64_t created, size_t siglen,
    qhead_read_fn read, void *read_ud, qhead_emit_fn emit, void *emit_ud)
{
	unsigned char buf[8192];
	int rc;

	if ((rc = emit_header(QF_MANIFEST_NAME, mflen, created, emit,
	    emit_ud)) != QASID_OK)
		return rc;
	for (uint64_t off = 0; off < mflen;) {
		size_t want = mflen - off < sizeof(buf) ? (size_t)(mflen -
		    off) : sizeof(buf);
		ptrdiff_t n = read(read_ud, off, buf, want);
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return QASID_ERR_IO;
		}
		if ((rc = emit(emit_ud, buf, (size_t)n)) != QASID_OK)
			return rc;
		off += (uint64_t)n;
	}
	if ((rc = emit(emit_ud, zero, qtar_padding(mflen))) != QASID_OK)
		return rc;
	return emit_header(QF_SIG_NAME, siglen, created, emit, emit_ud);
}

int
qhead_sig_member(qgz *gz, const void *sig, size_t siglen, struct qbuf *out)
{
	struct qbuf raw = {0};
	int rc;

	if ((rc = qbuf_append(&raw, sig, siglen)) == QASID_OK &&
	    (rc = qbuf_append(&raw, zero, qtar_padding(siglen))) == QASID_OK)
		rc = qgz_member(gz, raw.p, raw.len, 1, out);
	qbuf_free(&raw);
	return rc;
}
