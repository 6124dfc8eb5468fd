/* SPDX-License-Identifier: ISC */
/*
 * keytime.c - what the reader asks of the keyring about keys over time
 * (docs/FORMAT.md 17.3), once a bundle's signature verified: whether its
 * key was retired or revoked, and whether it commits to the successor its
 * key's bundles committed to first.
 */
#include <inttypes.h>
#include <string.h>

#include "reader.h"

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
	if (k->status == QRING_COMPROMISED && k->series[0] == '\0')
		return qerr_set(&r->err, QASID_ERR_REVOKED, "%s: signed by key "
		    "%s, which its publisher revoked as compromised", r->path,
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
