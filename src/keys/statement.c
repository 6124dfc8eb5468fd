/* SPDX-License-Identifier: ISC */
/*
 * statement.c - rotation and revocation statements (docs/FORMAT.md 17.3):
 * small texts signed in minisign's format, so that they authenticate
 * themselves and travel any untrusted way, and `minisign -V` checks them
 * by hand.
 *
 * A statement is read only in the one spelling qasid writes: the text is
 * parsed, written again from what was parsed and compared, as for
 * manifests and signature files.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "manifest.h"

#define ST_MAX 2048
#define SIG_FILE_MAX 4096
#define KEYSTR 56 /* a key line: base64 of 42 bytes */

struct qasid_statement {
	struct qerr err;
	int kind;                       /* QASID_STATEMENT_* */
	unsigned char key_id[QK_KEYID], key_pk[crypto_sign_PUBLICKEYBYTES];
	int has_new;
	unsigned char new_id[QK_KEYID], new_pk[crypto_sign_PUBLICKEYBYTES];
	int has_next;
	unsigned char next[QF_KEYHASH];
	int compromised;
	char series[QF_SERIES_MAX + 1]; /* "" when after is none */
	uint64_t after;
	int64_t created;
	int signed_old;                 /* a rotation the old key signed too */
	int signed_by_new;              /* .minisig is new-key's */
	char text[ST_MAX];
	size_t len;
};

qasid_statement *
qasid_statement_new(void)
{
	return calloc(1, sizeof(qasid_statement));
}

void
qasid_statement_free(qasid_statement *st)
{
	free(st);
}

/* The text of st's fields, into st->text. */
static int
st_format(qasid_statement *st)
{
	char key[64], nkey[64] = "none", next[2 * QF_KEYHASH + 1] = "none";
	char after[QF_SERIES_MAX + 32] = "none";
	int n;

	qkey_pub_b64(st->key_id, st->key_pk, key);
	if (st->has_new)
		qkey_pub_b64(st->new_id, st->new_pk, nkey);
	if (st->has_next)
		qhex(st->next, QF_KEYHASH, next);
	if (st->series[0] != '\0')
		snprintf(after, sizeof(after), "%s %" PRIu64, st->series,
		    st->after);
	n = snprintf(st->text, sizeof(st->text), "qasid-statement 1\nkind "
	    "%s\nkey %s\nnew-key %s\nnext-key %s\nstatus %s\nafter %s\n"
	    "created %" PRId64 "\nend\n", st->kind == QASID_STATEMENT_ROTATE ?
	    "rotate" : "revoke", key, nkey, next, st->compromised ?
	    "compromised" : "retired", after, st->created);
	if (n < 0 || (size_t)n >= sizeof(st->text))
		return QASID_ERR_INTERNAL;
	st->len = (size_t)n;
	return QASID_OK;
}

int
qasid_statement_rotate(qasid_statement *st, const qasid_pubkey *old,
    const qasid_pubkey *new_key, const qasid_pubkey *next, int64_t created)
{
	qerr_clear(&st->err);
	st->kind = QASID_STATEMENT_ROTATE;
	memcpy(st->key_id, old->id, QK_KEYID);
	memcpy(st->key_pk, old->pk, sizeof(st->key_pk));
	st->has_new = 1;
	memcpy(st->new_id, new_key->id, QK_KEYID);
	memcpy(st->new_pk, new_key->pk, sizeof(st->new_pk));
	if ((st->has_next = next != NULL))
		qkey_commitment(next->id, next->pk, st->next);
	st->compromised = 0;
	st->series[0] = '\0';
	st->created = created < 0 ? 0 : created;
	return st_format(st);
}

int
qasid_statement_revoke(qasid_statement *st, const qasid_pubkey *key,
    int compromised, const char *series, uint64_t after, int64_t created)
{
	qerr_clear(&st->err);
	if (series != NULL && (!compromised || !qmf_valid_series(series)))
		return qerr_set(&st->err, QASID_ERR_ARG, "a series is given "
		    "only for a compromised key, and must be a series name");
	st->kind = QASID_STATEMENT_REVOKE;
	memcpy(st->key_id, key->id, QK_KEYID);
	memcpy(st->key_pk, key->pk, sizeof(st->key_pk));
	st->has_new = st->has_next = 0;
	st->compromised = compromised != 0;
	snprintf(st->series, sizeof(st->series), "%s", series ? series : "");
	st->after = after;
	st->created = created < 0 ? 0 : created;
	return st_format(st);
}

void
qasid_statement_set_compromised(qasid_statement *st)
{
	st->compromised = 1;
	st_format(st);
}

/* ---- Files -------------------------------------------------------------- */

#define ST_UNTRUSTED "untrusted comment: qasid key statement signature"

static int
write_file(struct qerr *e, const char *path, const void *p, size_t n)
{
	char *tmp = NULL;
	int fd = qtmp_create(path, &tmp);

	if (fd < 0)
		return qerr_sys(e, QASID_ERR_IO, errno, "%s", path);
	if (qchmod(fd, 0644) < 0 || qwrite_all(fd, p, n) < 0) {
		qtmp_abort(fd, tmp);
		return qerr_sys(e, QASID_ERR_IO, errno, "%s", path);
	}
	if (qtmp_commit(fd, tmp, path, 0) < 0)
		return qerr_sys(e, errno == EEXIST ? QASID_ERR_EXISTS :
		    QASID_ERR_IO, errno, "%s", path);
	return QASID_OK;
}

/* Reads a small file whole into buf[cap]; its length, or -1 with e set. */
static ptrdiff_t
read_small(struct qerr *e, const char *path, char *buf, size_t cap)
{
	int fd = qos_open_read(path);
	ptrdiff_t n;

	if (fd < 0) {
		qerr_sys(e, QASID_ERR_IO, errno, "%s", path);
		return -1;
	}
	n = qread_full(fd, buf, cap);
	qos_close(fd);
	if (n < 0)
		qerr_sys(e, QASID_ERR_IO, errno, "%s", path);
	else if ((size_t)n == cap) {
		qerr_set(e, QASID_ERR_FORMAT, "%s: too large for a statement",
		    path);
		n = -1;
	}
	return n;
}

/* Signs the text with sk into PATH EXT; trusted names the kind. */
static int
sign_to(qasid_statement *st, const qasid_seckey *sk, const char *path,
    const char *ext)
{
	unsigned char h[crypto_generichash_BYTES_MAX];
	char trusted[64], sig[1024], *file = qstr_join(path, "", ext);
	size_t len;
	int rc;

	if (file == NULL)
		return qerr_set(&st->err, QASID_ERR_NOMEM, "%s", path);
	snprintf(trusted, sizeof(trusted), "qasid-statement 1 kind:%s",
	    st->kind == QASID_STATEMENT_ROTATE ? "rotate" : "revoke");
	crypto_generichash(h, sizeof(h), (const unsigned char *)st->text,
	    st->len, NULL, 0);
	len = qsig_make_as(sk, h, ST_UNTRUSTED, trusted, sig, sizeof(sig));
	rc = len == 0 ? qerr_set(&st->err, QASID_ERR_INTERNAL, "signing") :
	    write_file(&st->err, file, sig, len);
	free(file);
	return rc;
}

/* A revocation names the successor that signs it, so that a reader can
 * check it against the commitment; none when the key signs itself. */
static void
revoked_by(qasid_statement *st, const qasid_seckey *signer)
{
	struct qasid_pubkey pk;

	memset(&pk, 0, sizeof(pk));
	qasid_seckey_pubkey(signer, &pk);
	st->has_new = memcmp(pk.id, st->key_id, QK_KEYID) != 0 ||
	    memcmp(pk.pk, st->key_pk, sizeof(pk.pk)) != 0;
	memcpy(st->new_id, pk.id, QK_KEYID);
	memcpy(st->new_pk, pk.pk, sizeof(st->new_pk));
	st_format(st);
}

int
qasid_statement_save(qasid_statement *st, const char *path,
    const qasid_seckey *signer, const qasid_seckey *old)
{
	int rc;

	qerr_clear(&st->err);
	if (signer == NULL || !signer->loaded || (old != NULL && !old->loaded))
		return qerr_set(&st->err, QASID_ERR_ARG, "%s: no key to sign "
		    "the statement with", path);
	if (st->kind == QASID_STATEMENT_REVOKE)
		revoked_by(st, signer);
	if ((rc = write_file(&st->err, path, st->text, st->len)) ==
	    QASID_OK && (rc = sign_to(st, signer, path, ".minisig")) ==
	    QASID_OK && old != NULL)
		rc = sign_to(st, old, path, ".old.minisig");
	return rc;
}

/* ---- Reading ------------------------------------------------------------ */

/* The value after "NAME " on the line at *p, NUL-terminated in place. */
static char *
st_field(char **p, const char *name)
{
	size_t n = strlen(name);
	char *l = *p, *nl = strchr(l, '\n');

	if (nl == NULL || strncmp(l, name, n) != 0 || l[n] != ' ')
		return NULL;
	*nl = '\0';
	*p = nl + 1;
	return l + n + 1;
}

static int
st_key(const char *v, int none_ok, int *has, unsigned char *id,
    unsigned char *pk)
{
	if (none_ok && strcmp(v, "none") == 0) {
		*has = 0;
		return 0;
	}
	*has = 1;
	return strlen(v) == KEYSTR && qkey_pub_parse(v, id, pk) == 0 ? 0 : -1;
}

static int
st_hex(const char *v, unsigned char *out, size_t n)
{
	size_t got;

	return strlen(v) == 2 * n && sodium_hex2bin(out, n, v, 2 * n, NULL,
	    &got, NULL) == 0 && got == n ? 0 : -1;
}

static int
st_after(qasid_statement *st, char *v)
{
	char *sp = strrchr(v, ' '), *end;

	if (strcmp(v, "none") == 0)
		return 0;
	if (sp == NULL || (size_t)(sp - v) > QF_SERIES_MAX)
		return -1;
	*sp = '\0';
	snprintf(st->series, sizeof(st->series), "%s", v);
	errno = 0;
	st->after = strtoull(sp + 1, &end, 10);
	return qmf_valid_series(st->series) && *end == '\0' && errno == 0 &&
	    sp[1] >= '0' && sp[1] <= '9' ? 0 : -1;
}

/* Fields of the text in buf; the caller compares a rewrite with it. */
static int
st_fields(qasid_statement *st, char *p)
{
	char *v;
	int has;

	if (strncmp(p, "qasid-statement 1\n", 18) != 0)
		return -1;
	p += 18;
	if ((v = st_field(&p, "kind")) == NULL)
		return -1;
	st->kind = strcmp(v, "rotate") == 0 ? QASID_STATEMENT_ROTATE :
	    strcmp(v, "revoke") == 0 ? QASID_STATEMENT_REVOKE : -1;
	if (st->kind < 0 || (v = st_field(&p, "key")) == NULL ||
	    st_key(v, 0, &has, st->key_id, st->key_pk) != 0 ||
	    (v = st_field(&p, "new-key")) == NULL ||
	    st_key(v, 1, &st->has_new, st->new_id, st->new_pk) != 0 ||
	    (v = st_field(&p, "next-key")) == NULL)
		return -1;
	if ((st->has_next = strcmp(v, "none") != 0) &&
	    st_hex(v, st->next, QF_KEYHASH) != 0)
		return -1;
	if ((v = st_field(&p, "status")) == NULL)
		return -1;
	st->compromised = strcmp(v, "compromised") == 0;
	if ((!st->compromised && strcmp(v, "retired") != 0) ||
	    (v = st_field(&p, "after")) == NULL || st_after(st, v) != 0 ||
	    (v = st_field(&p, "created")) == NULL || v[0] < '0' || v[0] > '9')
		return -1;
	st->created = (int64_t)strtoll(v, NULL, 10);
	return strcmp(p, "end\n") == 0 ? 0 : -1;
}

/* What the fields may say together (FORMAT.md 17.3). */
static const char *
st_rules(const qasid_statement *st)
{
	if (st->kind == QASID_STATEMENT_ROTATE && !st->has_new)
		return "a rotation names no new key";
	if (st->kind == QASID_STATEMENT_REVOKE && st->has_next)
		return "a revocation names a next key";
	if (st->series[0] != '\0' && !st->compromised)
		return "\"after\" is given for a key that is not compromised";
	if (st->has_new && memcmp(st->new_pk, st->key_pk,
	    sizeof(st->key_pk)) == 0)
		return "the new key is the key itself";
	return NULL;
}

static int
st_parse(qasid_statement *st, const char *path, const char *text,
    size_t len)
{
	char copy[ST_MAX];
	const char *why;

	memcpy(copy, text, len);
	copy[len] = '\0';
	if (memchr(text, '\0', len) != NULL || st_fields(st, copy) != 0)
		return qerr_set(&st->err, QASID_ERR_FORMAT, "%s: not a qasid "
		    "key statement", path);
	if (st_format(st) != QASID_OK || st->len != len ||
	    memcmp(st->text, text, len) != 0)
		return qerr_set(&st->err, QASID_ERR_FORMAT, "%s: statement is "
		    "not in canonical form", path);
	if ((why = st_rules(st)) != NULL)
		return qerr_set(&st->err, QASID_ERR_FORMAT, "%s: %s", path,
		    why);
	return QASID_OK;
}

/*
 * Checks a signature file's text (file names it) against the statement: 1
 * if it verifies by the key whose id it names (key, or new-key), else an
 * error: a statement whose signature fails is forged or damaged.
 */
static int
check_sig_text(qasid_statement *st, const char *file, const char *text,
    size_t n, int *by_new)
{
	unsigned char h[crypto_generichash_BYTES_MAX];
	struct qsig s;
	int rc = qsig_parse_as(&s, text, n, ST_UNTRUSTED, &st->err);

	if (rc != QASID_OK) {
		qerr_prefix(&st->err, file);
		return rc;
	}
	crypto_generichash(h, sizeof(h), (const unsigned char *)st->text,
	    st->len, NULL, 0);
	*by_new = st->has_new && memcmp(s.keyid, st->new_id, QK_KEYID) == 0;
	if ((!*by_new && memcmp(s.keyid, st->key_id, QK_KEYID) != 0) ||
	    qsig_verify(&s, *by_new ? st->new_pk : st->key_pk, h, NULL) !=
	    QASID_OK)
		return qerr_set(&st->err, QASID_ERR_SIGNATURE, "%s: signature "
		    "does not verify by the key the statement names: forged "
		    "or damaged", file);
	return 1;
}

/* As check_sig_text for the file PATH EXT; 0 if it is absent (optional
 * only). */
static int
check_sig(qasid_statement *st, const char *path, const char *ext,
    int optional, int *by_new)
{
	char text[SIG_FILE_MAX], *file = qstr_join(path, "", ext);
	ptrdiff_t n;
	int rc;

	if (file == NULL)
		return qerr_set(&st->err, QASID_ERR_NOMEM, "%s", path);
	if (optional) {
		int fd = qos_open_read(file);
		if (fd < 0 && errno == ENOENT) {
			free(file);
			return 0;
		}
		if (fd >= 0)
			qos_close(fd);
	}
	n = read_small(&st->err, file, text, sizeof(text));
	rc = n < 0 ? st->err.code : check_sig_text(st, file, text,
	    (size_t)n, by_new);
	free(file);
	return rc;
}

/* Who signed what: a rotation by its new key (and maybe the old one),
 * a revocation by the key or its successor. old is 1 if the old key's
 * signature was there and verified, 0 if absent; old_new whether the
 * key that made it is the new key. */
static int
st_signers(qasid_statement *st, const char *path, int by_new, int old,
    int old_new)
{
	if (st->kind == QASID_STATEMENT_ROTATE && !by_new)
		return qerr_set(&st->err, QASID_ERR_SIGNATURE, "%s.minisig: "
		    "a rotation must be signed by its new key", path);
	if (st->kind == QASID_STATEMENT_ROTATE && old == 1 && old_new)
		return qerr_set(&st->err, QASID_ERR_SIGNATURE, "%s"
		    ".old.minisig: not signed by the old key", path);
	st->signed_old = st->kind == QASID_STATEMENT_ROTATE && old == 1;
	st->signed_by_new = by_new;
	return QASID_OK;
}

int
qasid_statement_load(qasid_statement *st, const char *path)
{
	char text[ST_MAX];
	ptrdiff_t n;
	int rc, by_new = 0, old_new = 1, old = 0;

	qerr_clear(&st->err);
	if ((n = read_small(&st->err, path, text, sizeof(text))) < 0)
		return st->err.code;
	if ((rc = st_parse(st, path, text, (size_t)n)) != QASID_OK)
		return rc;
	if ((rc = check_sig(st, path, ".minisig", 0, &by_new)) < 0)
		return rc;
	/* A rotation is signed by its new key, and by the old one too where
	 * the publisher still has it. */
	if (st->kind == QASID_STATEMENT_ROTATE && by_new &&
	    (old = check_sig(st, path, ".old.minisig", 1, &old_new)) < 0)
		return old;
	return st_signers(st, path, by_new, old, old_new);
}

int
qasid_statement_load_memory(qasid_statement *st, const char *name,
    const void *text, size_t len, const void *sig, size_t siglen,
    const void *old, size_t oldlen)
{
	char file[300];
	int rc, by_new = 0, old_new = 1, oldrc = 0;

	qerr_clear(&st->err);
	if (len >= ST_MAX)
		return qerr_set(&st->err, QASID_ERR_FORMAT, "%s: too large for "
		    "a statement", name);
	if ((rc = st_parse(st, name, text, len)) != QASID_OK)
		return rc;
	if (sig == NULL)
		return qerr_set(&st->err, QASID_ERR_SIGNATURE, "%s: no "
		    "signature beside it", name);
	snprintf(file, sizeof(file), "%s.minisig", name);
	if ((rc = check_sig_text(st, file, sig, siglen, &by_new)) < 0)
		return rc;
	snprintf(file, sizeof(file), "%s.old.minisig", name);
	if (st->kind == QASID_STATEMENT_ROTATE && by_new && old != NULL &&
	    (oldrc = check_sig_text(st, file, old, oldlen, &old_new)) < 0)
		return oldrc;
	return st_signers(st, name, by_new, oldrc, old_new);
}

/* ---- Accessors ---------------------------------------------------------- */

int
qasid_statement_kind(const qasid_statement *st)
{
	return st->kind;
}

int
qasid_statement_key(const qasid_statement *st, qasid_pubkey *pk)
{
	memcpy(pk->id, st->key_id, QK_KEYID);
	memcpy(pk->pk, st->key_pk, sizeof(pk->pk));
	pk->loaded = 1;
	return QASID_OK;
}

int
qasid_statement_new_key(const qasid_statement *st, qasid_pubkey *pk)
{
	if (!st->has_new)
		return QASID_ERR_NOTFOUND;
	memcpy(pk->id, st->new_id, QK_KEYID);
	memcpy(pk->pk, st->new_pk, sizeof(pk->pk));
	pk->loaded = 1;
	return QASID_OK;
}

const char *
qasid_statement_text(const qasid_statement *st)
{
	return st->text;
}

const char *
qasid_statement_errmsg(const qasid_statement *st)
{
	return qerr_msg(&st->err);
}

/* For the keyring (keyring.c): the statement's parts it records. */
const struct qasid_statement *
qstmt_view(const qasid_statement *st, struct qstmt_view *v)
{
	v->kind = st->kind;
	v->key_id = st->key_id;
	v->key_pk = st->key_pk;
	v->new_id = st->has_new ? st->new_id : NULL;
	v->new_pk = st->has_new ? st->new_pk : NULL;
	v->next = st->has_next ? st->next : NULL;
	v->compromised = st->compromised;
	v->series = st->series;
	v->after = st->after;
	v->created = st->created;
	v->signed_old = st->signed_old;
	v->signed_by_new = st->signed_by_new;
	return st;
}
