/* SPDX-License-Identifier: ISC */
/*
 * keytime.c - what the reader asks of the keyring about keys over time
 * (docs/FORMAT.md 17.3), once a bundle's signature verified: whether its
 * key was retired or revoked, and whether it commits to the successor its
 * key's bundles committed to first; and the statements a bundle carries,
 * read before its signature is checked.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paths.h"
#include "reader.h"
#include "tar.h"

/*
 * What the keyring knows of the signing key over time (FORMAT.md 17.3): a
 * key compromised after SERIES N signs nothing above N, nor in another
 * series (a thief signs any); a retired key signs nothing made after it
 * was retired; a bundle must not commit to another successor than the
 * one its key's bundles committed to first.
 */
int
qread_key_time(qasid_reader *r)
{
	const struct qring_key *k = r->signkey;
	char id[QASID_KEYID_HEX], a[2 * QF_KEYHASH + 1], b[2 * QF_KEYHASH + 1];

	qkey_id_hex(k->id, id);
	/* Whole: revoked so by its publisher, or found out by two
	 * successors (records.c); the keyring does not say which. */
	if (k->status == QRING_COMPROMISED && k->series[0] == '\0')
		return qerr_set(&r->err, QASID_ERR_REVOKED, "%s: signed by key "
		    "%s, which counts as compromised: its publisher revoked "
		    "it, or it was seen committing to two successors", r->path,
		    id);
	if (k->status == QRING_COMPROMISED && (strcmp(k->series,
	    r->hdr.series) != 0 || r->hdr.sequence > k->after))
		return qerr_set(&r->err, QASID_ERR_REVOKED, "%s: signed by key "
		    "%s, which its publisher revoked as compromised after %s/%"
		    PRIu64 ": %s/%" PRIu64 " is not the publisher's", r->path,
		    id, k->series, k->after, r->hdr.series, r->hdr.sequence);
	qkey_id_hex(k->to_id, a);
	if (k->status == QRING_RETIRED && r->hdr.created > k->since)
		return qerr_set(&r->err, QASID_ERR_RETIRED, "%s: signed by key "
		    "%s, made after its publisher %s%s", r->path, id,
		    k->rotated ? "rotated to key " : "retired it", k->rotated ?
		    a : "");
	if (k->has_commit && r->hdr.has_next_key && sodium_memcmp(k->commit,
	    r->hdr.next_key, QF_KEYHASH) != 0) {
		qhex(k->commit, QF_KEYHASH, a);
		qhex(r->hdr.next_key, QF_KEYHASH, b);
		return qerr_set(&r->err, QASID_ERR_CONTRADICTION, "%s: key %s "
		    "committed to successor %s first, and this bundle to %s: "
		    "someone else holds the key", r->path, id, a, b);
	}
	return QASID_OK;
}

/* The format-2 fields; a format-1 header has them all none. */

int
qasid_keyring_note(qasid_keyring *kr, const qasid_reader *r)
{
	if (r->signkey == NULL || !r->info.signature_ok ||
	    !r->hdr.has_next_key)
		return 1;
	return qkeyring_commitment(kr, r->signkey->id, r->signkey->pk,
	    r->hdr.next_key);
}

/* ---- Statements a bundle carries ----------------------------------------- */

/* Member 2 when it holds the statements alone: their bytes, headers and
 * padding (FORMAT.md 17.3). */
#define CARRIED_OUT_MAX (2 * QPATH_KEYS_BYTES + QPATH_KEYS_FILES * QF_BLOCK)
#define CARRIED_RAW_MAX (CARRIED_OUT_MAX + CARRIED_OUT_MAX / 8 + 4096)

struct carried {
	char name[80];
	uint64_t size;
	unsigned char hash[QF_FILE_HASH];
};

/* The manifest's statement lines, and the first member line. */
static int
carried_list(qasid_reader *r, struct carried *k, size_t *n,
    struct qmf_member *m)
{
	struct qmf_cursor *c = malloc(sizeof(*c));
	struct qmf_entry *e = malloc(sizeof(*e));
	int rc = QASID_ERR_NOMEM;

	*n = 0;
	if (c == NULL || e == NULL)
		goto out;
	qmf_cursor_at(c, &r->spool, &r->err, &r->entries);
	while ((rc = qmf_get_entry(c, e)) == 1 && e->is_key) {
		snprintf(k[*n].name, sizeof(k[*n].name), "%s",
		    qpath_key_name(e->path, e->pathlen));
		k[*n].size = e->size;
		memcpy(k[*n].hash, e->hash, QF_FILE_HASH);
		(*n)++;
	}
	if (rc >= 0 && *n > 0 && (rc = qmf_skip_entries(c)) == 0 &&
	    (rc = qmf_get_member(c, m)) == 0)
		rc = QASID_ERR_FORMAT;
out:
	free(c);
	free(e);
	return rc < 0 ? rc : QASID_OK;
}

/* Exactly n inflated bytes of the current member. */
static int
carried_bytes(qasid_reader *r, unsigned char *p, size_t n)
{
	size_t got;
	int rc;

	while (n > 0) {
		if ((rc = qin_read(&r->in, p, n, &got)) != QASID_OK)
			return rc;
		if (got == 0)
			return qerr_set(&r->err, QASID_ERR_FORMAT, "the "
			    "statements it carries end early");
		p += got;
		n -= got;
	}
	return QASID_OK;
}

/* Member 2: for each statement its header (rebuilt and compared when the
 * bundle is verified), its bytes and their padding. */
static int
carried_read(qasid_reader *r, const struct carried *k, size_t n,
    const struct qmf_member *m, qasid_carried_fn fn, void *ud)
{
	unsigned char *buf = malloc(QPATH_KEYS_BYTES + QF_BLOCK);
	unsigned char hash[QF_FILE_HASH];
	int rc;

	if (buf == NULL)
		return QASID_ERR_NOMEM;
	if (m->ulen > CARRIED_OUT_MAX || m->clen > CARRIED_RAW_MAX)
		rc = qerr_set(&r->err, QASID_ERR_FORMAT, "the statements it "
		    "carries are larger than a reader accepts");
	else
		rc = qin_begin(&r->in, m->clen, m->ulen, 0);
	for (size_t i = 0; rc == QASID_OK && i < n; i++) {
		size_t len = (size_t)k[i].size;
		if ((rc = carried_bytes(r, buf, QF_BLOCK)) != QASID_OK ||
		    (rc = carried_bytes(r, buf, len)) != QASID_OK)
			break;
		crypto_generichash(hash, QF_FILE_HASH, buf, len, NULL, 0);
		if (sodium_memcmp(hash, k[i].hash, QF_FILE_HASH) != 0)
			rc = qerr_set(&r->err, QASID_ERR_CONTENT, "'%s%s' does "
			    "not match the manifest", QPATH_KEYS, k[i].name);
		else if ((rc = fn(ud, k[i].name, buf, len)) == 0)
			rc = carried_bytes(r, buf, qtar_padding(len));
	}
	free(buf);
	return rc;
}

int
qasid_reader_statements(qasid_reader *r, qasid_carried_fn fn, void *ud)
{
	struct carried *k;
	struct qmf_member m;
	size_t n;
	int rc;

	if (r->path == NULL)
		return qerr_set(&r->err, QASID_ERR_ARG, "no bundle is open");
	if (r->err.code != QASID_OK || r->head_read)
		return r->err.code != QASID_OK ? r->err.code : qerr_set(
		    &r->err, QASID_ERR_ARG, "%s: already read; open it again",
		    r->path);
	/* Untrusted until each statement checks out: no signature yet. */
	if ((rc = qread_head(r, QREAD_UNCHECKED)) != QASID_OK)
		return rc;
	if ((k = calloc(QPATH_KEYS_FILES, sizeof(*k))) == NULL)
		return qerr_set(&r->err, QASID_ERR_NOMEM, "%s", r->path);
	rc = carried_list(r, k, &n, &m);
	if (rc == QASID_OK && n > 0)
		rc = carried_read(r, k, n, &m, fn, ud);
	free(k);
	if (rc < 0 && r->err.code == QASID_OK)
		qerr_set(&r->err, rc, "%s", r->path);
	else if (rc < 0)
		qerr_prefix(&r->err, r->path);
	return rc;
}
