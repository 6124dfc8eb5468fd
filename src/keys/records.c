/* SPDX-License-Identifier: ISC */
/*
 * records.c - what a keyring remembers of its keys over time
 * (docs/FORMAT.md 15 and 17.3): the first successor commitment seen for
 * each key, rotations and revocations. They are lines of the keyring file
 * after the keys, each naming a key listed above it in full:
 *
 *     commit KEY HASH
 *     rotated KEY NEWKEY CREATED
 *     revoked KEY retired CREATED
 *     revoked KEY compromised CREATED [SERIES N]
 *
 * qasid_keyring_apply() takes a statement: only a rotation signed by the
 * successor the old key committed to, or a revocation by the key or its
 * committed successor, changes anything.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "manifest.h"

/* The key named by the key string at *p, moving *p past it and a space. */
static struct qring_key *
rec_key(qasid_keyring *kr, char **p, unsigned char *id, unsigned char *pk)
{
	char *sp = strchr(*p, ' ');

	if (sp != NULL)
		*sp = '\0';
	if (qkey_pub_parse(*p, id, pk) != QASID_OK)
		return NULL;
	*p = sp != NULL ? sp + 1 : *p + strlen(*p);
	return qkeyring_find_exact(kr, id, pk);
}

static int
rec_num(const char *s, uint64_t *v)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return errno == 0 && (*end == '\0' || *end == ' ') ? 0 : -1;
}

static int
rec_revoked(struct qring_key *k, char *p)
{
	char *sp;
	uint64_t t;

	if (strncmp(p, "retired ", 8) == 0)
		k->status = QRING_RETIRED, p += 8;
	else if (strncmp(p, "compromised ", 12) == 0)
		k->status = QRING_COMPROMISED, p += 12;
	else
		return -1;
	if (rec_num(p, &t) != 0 || t > INT64_MAX)
		return -1;
	k->since = (int64_t)t;
	if ((sp = strchr(p, ' ')) == NULL)
		return 0;
	p = sp + 1;
	if ((sp = strchr(p, ' ')) == NULL || k->status != QRING_COMPROMISED)
		return -1;
	*sp = '\0';
	snprintf(k->series, sizeof(k->series), "%s", p);
	return qmf_valid_series(k->series) && rec_num(sp + 1, &k->after) == 0 ?
	    0 : -1;
}

static int
rec_rotated(qasid_keyring *kr, struct qring_key *k, char *p)
{
	char to[57];
	uint64_t t;

	(void)kr;
	if (strlen(p) < 58 || p[56] != ' ')
		return -1;
	memcpy(to, p, 56);
	to[56] = '\0';
	if (qkey_pub_parse(to, k->to_id, k->to_pk) != QASID_OK ||
	    rec_num(p + 57, &t) != 0 || t > INT64_MAX)
		return -1;
	k->rotated = 1;
	if (k->status == QRING_CURRENT)
		k->since = (int64_t)t;
	if (k->status == QRING_CURRENT)
		k->status = QRING_RETIRED;
	return 0;
}

int
qring_record_load(qasid_keyring *kr, char *line, const char *path,
    size_t lineno)
{
	unsigned char id[QK_KEYID], pk[crypto_sign_PUBLICKEYBYTES];
	struct qring_key *k;
	char *p = strchr(line, ' ');
	int rc = -1;

	if (p != NULL) {
		*p++ = '\0';
		k = rec_key(kr, &p, id, pk);
		if (k != NULL && strcmp(line, "commit") == 0)
			rc = strlen(p) == 2 * QF_KEYHASH && sodium_hex2bin(
			    k->commit, QF_KEYHASH, p, strlen(p), NULL, NULL,
			    NULL) == 0 ? (k->has_commit = 1, 0) : -1;
		else if (k != NULL && strcmp(line, "rotated") == 0)
			rc = rec_rotated(kr, k, p);
		else if (k != NULL && strcmp(line, "revoked") == 0)
			rc = rec_revoked(k, p);
	}
	if (rc != 0)
		return qerr_set(qkeyring_err(kr), QASID_ERR_KEY, "%s: line %zu: "
		    "not a record this version of qasid reads, or about a key "
		    "not listed above it", path, lineno);
	return QASID_OK;
}

static int
put_line(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
put_line(int fd, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= sizeof(buf) ? -1 :
	    qwrite_all(fd, buf, (size_t)n);
}

static int
save_one(const struct qring_key *k, int fd)
{
	char key[64], to[64], hex[2 * QF_KEYHASH + 1];
	int rc = 0;

	qkey_pub_b64(k->id, k->pk, key);
	if (k->has_commit) {
		qhex(k->commit, QF_KEYHASH, hex);
		rc = put_line(fd, "commit %s %s\n", key, hex);
	}
	qkey_pub_b64(k->to_id, k->to_pk, to);
	if (rc == 0 && k->rotated)
		rc = put_line(fd, "rotated %s %s %" PRId64 "\n", key, to,
		    k->since);
	if (rc == 0 && k->status == QRING_RETIRED && !k->rotated)
		rc = put_line(fd, "revoked %s retired %" PRId64 "\n", key,
		    k->since);
	if (rc == 0 && k->status == QRING_COMPROMISED)
		rc = k->series[0] ? put_line(fd, "revoked %s compromised %"
		    PRId64 " %s %" PRIu64 "\n", key, k->since, k->series,
		    k->after) : put_line(fd, "revoked %s compromised %" PRId64
		    "\n", key, k->since);
	return rc;
}

int
qring_records_save(const qasid_keyring *kr, int fd)
{
	qasid_keyring *w = (qasid_keyring *)kr;

	for (size_t i = 0; i < qkeyring_nkeys(kr); i++)
		if (save_one(qkeyring_key(w, i), fd) < 0)
			return -1;
	return 0;
}

/* ---- Statements --------------------------------------------------------- */

static int
committed_to(const struct qring_key *k, const unsigned char *id,
    const unsigned char *pk)
{
	unsigned char h[QF_KEYHASH];

	qkey_commitment(id, pk, h);
	return k->has_commit && sodium_memcmp(h, k->commit, QF_KEYHASH) == 0;
}

/* Two rotations of one key: a successor was stolen, or the old key. */
static int
two_rotations(qasid_keyring *kr, struct qring_key *old,
    const struct qstmt_view *v)
{
	char o[QASID_KEYID_HEX], a[QASID_KEYID_HEX], b[QASID_KEYID_HEX];

	qkey_id_hex(old->id, o);
	qkey_id_hex(old->to_id, a);
	qkey_id_hex(v->new_id, b);
	old->status = QRING_COMPROMISED;
	old->series[0] = '\0';
	return qerr_set(qkeyring_err(kr), QASID_ERR_CONTRADICTION, "key %s "
	    "was rotated to key %s, and this statement rotates it to key %s: "
	    "two successors of one key mean a key was stolen; key %s now "
	    "counts as compromised", o, a, b, o);
}

/* The same rotation again: with another next-key, someone who holds the
 * new key (a stolen successor) made one of the two. */
static int
same_rotation(qasid_keyring *kr, const struct qstmt_view *v)
{
	struct qring_key *k = qkeyring_find_exact(kr, v->new_id, v->new_pk);
	char o[QASID_KEYID_HEX], n[QASID_KEYID_HEX];
	char a[2 * QF_KEYHASH + 1] = "none", b[2 * QF_KEYHASH + 1] = "none";

	if (k == NULL || (k->has_commit == (v->next != NULL) &&
	    (v->next == NULL || sodium_memcmp(k->commit, v->next,
	    QF_KEYHASH) == 0)))
		return 1;
	qkey_id_hex(v->key_id, o);
	qkey_id_hex(v->new_id, n);
	if (k->has_commit)
		qhex(k->commit, QF_KEYHASH, a);
	if (v->next != NULL)
		qhex(v->next, QF_KEYHASH, b);
	k->status = QRING_COMPROMISED;
	k->series[0] = '\0';
	return qerr_set(qkeyring_err(kr), QASID_ERR_CONTRADICTION, "two "
	    "rotations of key %s to key %s commit to different successors, "
	    "%s known and %s now: someone else holds key %s; it now counts "
	    "as compromised", o, n, a, b, n);
}

static int
apply_rotate(qasid_keyring *kr, struct qring_key *old,
    const struct qstmt_view *v)
{
	struct qerr *e = qkeyring_err(kr);
	char o[QASID_KEYID_HEX], name[256];
	struct qring_key *k;

	qkey_id_hex(old->id, o);
	if (old->rotated && sodium_memcmp(old->to_pk, v->new_pk,
	    crypto_sign_PUBLICKEYBYTES) == 0)
		return same_rotation(kr, v);
	if (old->has_commit && !committed_to(old, v->new_id, v->new_pk))
		return qerr_set(e, QASID_ERR_SIGNATURE, "rotation of key %s "
		    "to a key its bundles did not commit to: forged (only the "
		    "committed successor can rotate it)", o);
	if (!old->has_commit && !v->signed_old)
		return qerr_set(e, QASID_ERR_SIGNATURE, "rotation of key %s "
		    "cannot be checked: no bundle of it committed to a "
		    "successor here, and the old key did not sign it", o);
	if (old->rotated)
		return two_rotations(kr, old, v);
	old->rotated = 1;
	memcpy(old->to_id, v->new_id, QK_KEYID);
	memcpy(old->to_pk, v->new_pk, crypto_sign_PUBLICKEYBYTES);
	old->since = v->created;
	/* A compromise already known stands: a rotation never lifts it. */
	if (old->status != QRING_COMPROMISED)
		old->status = v->compromised ? QRING_COMPROMISED :
		    QRING_RETIRED;
	snprintf(name, sizeof(name), "%s", old->name);
	/* Appending may move the keys: old is not used after this. */
	if ((k = qkeyring_find_exact(kr, v->new_id, v->new_pk)) == NULL &&
	    qkeyring_append(kr, v->new_id, v->new_pk, name) != QASID_OK)
		return e->code;
	k = qkeyring_find_exact(kr, v->new_id, v->new_pk);
	if (k != NULL && v->next != NULL && !k->has_commit) {
		memcpy(k->commit, v->next, QF_KEYHASH);
		k->has_commit = 1;
	}
	return QASID_OK;
}

static int
apply_revoke(qasid_keyring *kr, struct qring_key *k,
    const struct qstmt_view *v)
{
	char id[QASID_KEYID_HEX];

	qkey_id_hex(k->id, id);
	if (v->signed_by_new && !committed_to(k, v->new_id, v->new_pk))
		return qerr_set(qkeyring_err(kr), QASID_ERR_SIGNATURE,
		    "revocation of key %s signed by a key it did not commit "
		    "to: forged", id);
	if (!v->compromised && k->status != QRING_CURRENT)
		return 1;
	if (!v->compromised) {
		k->status = QRING_RETIRED;
		k->since = v->created;
		return QASID_OK;
	}
	if (k->status != QRING_COMPROMISED) {
		snprintf(k->series, sizeof(k->series), "%s", v->series);
		k->after = v->after;
		k->status = QRING_COMPROMISED;
		k->since = v->created;
		return QASID_OK;
	}
	/* Of two compromise points the earlier; of two series, all. */
	if (k->series[0] == '\0' || (strcmp(k->series, v->series) == 0 &&
	    k->after <= v->after))
		return 1;
	if (strcmp(k->series, v->series) != 0)
		k->series[0] = '\0';
	else
		k->after = v->after;
	return QASID_OK;
}

int
qasid_keyring_apply(qasid_keyring *kr, const qasid_statement *st)
{
	struct qstmt_view v;
	struct qring_key *k;
	char id[QASID_KEYID_HEX];

	qerr_clear(qkeyring_err(kr));
	qstmt_view(st, &v);
	if ((k = qkeyring_find_exact(kr, v.key_id, v.key_pk)) == NULL) {
		qkey_id_hex(v.key_id, id);
		return qerr_set(qkeyring_err(kr), QASID_ERR_NOTFOUND, "the "
		    "statement is about key %s, which is not trusted", id);
	}
	return v.kind == QASID_STATEMENT_ROTATE ? apply_rotate(kr, k, &v) :
	    apply_revoke(kr, k, &v);
}

int
qasid_keyring_status(const qasid_keyring *kr, size_t i, qasid_key_status *s)
{
	const struct qring_key *k;

	memset(s, 0, sizeof(*s));
	if (i >= qkeyring_nkeys(kr))
		return QASID_ERR_NOTFOUND;
	k = qkeyring_key((qasid_keyring *)kr, i);
	s->status = k->status;
	if (k->rotated)
		qkey_id_hex(k->to_id, s->rotated_to);
	snprintf(s->series, sizeof(s->series), "%s", k->series);
	s->after = k->after;
	s->since = k->since;
	if (k->has_commit)
		qhex(k->commit, QF_KEYHASH, s->next_key);
	return QASID_OK;
}

int
qkeyring_commitment(qasid_keyring *kr, const unsigned char *id,
    const unsigned char *pk, const unsigned char next[QF_KEYHASH])
{
	struct qring_key *k = qkeyring_find_exact(kr, id, pk);
	char hex[QASID_KEYID_HEX], a[2 * QF_KEYHASH + 1], b[2 * QF_KEYHASH + 1];

	if (k == NULL)
		return QASID_ERR_NOTFOUND;
	if (!k->has_commit) {
		memcpy(k->commit, next, QF_KEYHASH);
		k->has_commit = 1;
		return QASID_OK;
	}
	if (sodium_memcmp(k->commit, next, QF_KEYHASH) == 0)
		return 1;
	qkey_id_hex(id, hex);
	qhex(k->commit, QF_KEYHASH, a);
	qhex(next, QF_KEYHASH, b);
	k->status = QRING_COMPROMISED;
	k->series[0] = '\0';
	return qerr_set(qkeyring_err(kr), QASID_ERR_CONTRADICTION, "bundles "
	    "of key %s commit to two different successors, %s seen first and "
	    "%s now: someone else holds the key; it now counts as "
	    "compromised", hex, a, b);
}
