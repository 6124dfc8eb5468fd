/* SPDX-License-Identifier: ISC */
/*
 * keyring.c - the recipient's pinned publisher keys.
 *
 * A keyring file is UTF-8 text: '#' starts a comment line; every other line
 * is a minisign public key string, one space, and the name the recipient
 * gave the key. A key is trusted only because it is in this file, never
 * because a bundle carries it.
 *
 * A key id is a label anyone can copy into a key of their own, so a key is
 * identified by its whole public key: several keys may carry one id, each
 * is kept, and a signature is checked against every key with its id. Keys
 * are kept in file order (for listing and saving) with an index sorted by
 * id, so a lookup is a binary search, whatever the keyring's size.
 *
 * Whoever changes the file holds an exclusive lock of FILE.lock from its
 * load to its save (qasid_keyring_edit), so that two changes at once are
 * both kept; readers take none, as a save replaces the file in one rename.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define KEYRING_LINE_MAX 1024
#define KEYRING_KEYS_MAX 100000

/* One index entry: a key's id and its position in file order. */
struct ring_ix {
	unsigned char id[QK_KEYID];
	uint32_t pos;
};

struct qasid_keyring {
	struct qerr err;
	struct qring_key *keys; /* file order */
	struct ring_ix *ix;     /* sorted by id, then file order */
	size_t n, cap;
	int lockfd;             /* FILE.lock while changing it, or -1 */
};

qasid_keyring *
qasid_keyring_new(void)
{
	qasid_keyring *kr = calloc(1, sizeof(qasid_keyring));

	if (kr != NULL)
		kr->lockfd = -1;
	return kr;
}

static void
ring_clear(qasid_keyring *kr)
{
	for (size_t i = 0; i < kr->n; i++)
		free(kr->keys[i].name);
	kr->n = 0;
}

void
qasid_keyring_free(qasid_keyring *kr)
{
	if (kr == NULL)
		return;
	qasid_keyring_unlock(kr);
	ring_clear(kr);
	free(kr->keys);
	free(kr->ix);
	free(kr);
}

static int
valid_name(const char *name)
{
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return 0;
	return strlen(name) < 256;
}

static int
ix_cmp(const void *a, const void *b)
{
	const struct ring_ix *x = a, *y = b;
	int c = memcmp(x->id, y->id, QK_KEYID);

	if (c != 0)
		return c;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* The first index slot whose id is not below id. */
static size_t
ix_lower(const qasid_keyring *kr, const unsigned char id[QK_KEYID])
{
	size_t lo = 0, hi = kr->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (memcmp(kr->ix[mid].id, id, QK_KEYID) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void
ix_rebuild(qasid_keyring *kr)
{
	for (size_t i = 0; i < kr->n; i++) {
		memcpy(kr->ix[i].id, kr->keys[i].id, QK_KEYID);
		kr->ix[i].pos = (uint32_t)i;
	}
	if (kr->n > 1)
		qsort(kr->ix, kr->n, sizeof(kr->ix[0]), ix_cmp);
}

static int
ring_grow(qasid_keyring *kr)
{
	size_t cap = kr->cap ? kr->cap * 2 : 16;
	struct qring_key *k;
	struct ring_ix *x;

	if ((k = realloc(kr->keys, cap * sizeof(*k))) == NULL)
		return QASID_ERR_NOMEM;
	kr->keys = k;
	if ((x = realloc(kr->ix, cap * sizeof(*x))) == NULL)
		return QASID_ERR_NOMEM;
	kr->ix = x;
	kr->cap = cap;
	return QASID_OK;
}

/* Appends a key in file order; the index is the caller's to update. */
static int
ring_append(qasid_keyring *kr, const unsigned char *id,
    const unsigned char *pk, const char *name)
{
	struct qring_key *k;

	if (kr->n == kr->cap && ring_grow(kr) != QASID_OK)
		return QASID_ERR_NOMEM;
	k = &kr->keys[kr->n];
	memset(k, 0, sizeof(*k));
	memcpy(k->id, id, QK_KEYID);
	memcpy(k->pk, pk, crypto_sign_PUBLICKEYBYTES);
	if ((k->name = strdup(name ? name : "")) == NULL)
		return QASID_ERR_NOMEM;
	kr->n++;
	return QASID_OK;
}

size_t
qkeyring_match(const qasid_keyring *kr, const unsigned char id[QK_KEYID],
    size_t *first)
{
	size_t lo, hi;

	if (kr == NULL || kr->n == 0)
		return 0;
	lo = hi = ix_lower(kr, id);
	while (hi < kr->n && memcmp(kr->ix[hi].id, id, QK_KEYID) == 0)
		hi++;
	*first = lo;
	return hi - lo;
}

const struct qring_key *
qkeyring_at(const qasid_keyring *kr, size_t slot)
{
	return &kr->keys[kr->ix[slot].pos];
}

/* The key equal to id and pk in full, or NULL. */
struct qring_key *
qkeyring_find_exact(const qasid_keyring *kr, const unsigned char *id,
    const unsigned char *pk)
{
	size_t first, n = qkeyring_match(kr, id, &first);

	for (size_t i = 0; i < n; i++) {
		struct qring_key *k = &kr->keys[kr->ix[first + i].pos];
		if (sodium_memcmp(k->pk, pk, crypto_sign_PUBLICKEYBYTES) == 0)
			return k;
	}
	return NULL;
}

size_t
qkeyring_nkeys(const qasid_keyring *kr)
{
	return kr->n;
}

struct qring_key *
qkeyring_key(qasid_keyring *kr, size_t i)
{
	return &kr->keys[i];
}

struct qerr *
qkeyring_err(qasid_keyring *kr)
{
	return &kr->err;
}

int
qkeyring_verify(const qasid_keyring *kr, const struct qsig *s,
    const unsigned char hash[crypto_generichash_BYTES_MAX],
    const struct qring_key **signer, struct qerr *e)
{
	size_t first, n = qkeyring_match(kr, s->keyid, &first);

	if (n == 0)
		return QASID_ERR_UNTRUSTED;
	/* Every key with the id: a copied id must not hide the real key. */
	for (size_t i = 0; i < n; i++) {
		*signer = qkeyring_at(kr, first + i);
		if (qsig_verify(s, (*signer)->pk, hash, NULL) == QASID_OK)
			return QASID_OK;
	}
	*signer = NULL;
	if (n == 1)
		return qsig_verify(s, qkeyring_at(kr, first)->pk, hash, e);
	return qerr_set(e, QASID_ERR_SIGNATURE, "signature does not verify "
	    "with any of the %zu trusted keys with its key id", n);
}

/* Drops the later copies of a key listed more than once, keeping the
 * first line's name: the same key trusted twice is trusted once. */
static void
ring_dedupe(qasid_keyring *kr)
{
	size_t i, j, out, drop = 0;

	for (i = 0; i < kr->n; i = j) {
		for (j = i + 1; j < kr->n && memcmp(kr->ix[j].id, kr->ix[i].id,
		    QK_KEYID) == 0; j++) {
			struct qring_key *b = &kr->keys[kr->ix[j].pos];
			for (size_t a = i; a < j; a++) {
				struct qring_key *k = &kr->keys[kr->ix[a].pos];
				if (k->name != NULL && memcmp(k->pk, b->pk,
				    crypto_sign_PUBLICKEYBYTES) == 0) {
					free(b->name);
					b->name = NULL;
					drop++;
					break;
				}
			}
		}
	}
	if (drop == 0)
		return;
	for (i = out = 0; i < kr->n; i++)
		if (kr->keys[i].name != NULL)
			kr->keys[out++] = kr->keys[i];
	kr->n = out;
	ix_rebuild(kr);
}

static int
load_line(qasid_keyring *kr, char *line, const char *path, size_t lineno)
{
	unsigned char id[QK_KEYID], pk[crypto_sign_PUBLICKEYBYTES];
	char *sp;

	line[strcspn(line, "\r\n")] = '\0';
	if (line[0] == '\0' || line[0] == '#')
		return QASID_OK;
	/* Keys start "RW"; a lower-case word starts a record. */
	if (line[0] >= 'a' && line[0] <= 'z') {
		ix_rebuild(kr);
		return qring_record_load(kr, line, path, lineno);
	}
	if ((sp = strchr(line, ' ')) != NULL)
		*sp++ = '\0';
	if (qkey_pub_parse(line, id, pk) != QASID_OK ||
	    (sp && !valid_name(sp)))
		return qerr_set(&kr->err, QASID_ERR_KEY,
		    "%s: line %zu: not a public key and name", path, lineno);
	if (kr->n >= KEYRING_KEYS_MAX)
		return qerr_set(&kr->err, QASID_ERR_LIMIT,
		    "%s: more than %d keys", path, KEYRING_KEYS_MAX);
	return ring_append(kr, id, pk, sp);
}

int
qasid_keyring_load(qasid_keyring *kr, const char *path)
{
	char line[KEYRING_LINE_MAX];
	size_t lineno = 0;
	FILE *f;
	int rc = QASID_OK;

	qerr_clear(&kr->err);
	if ((f = fopen(path, "re")) == NULL) {
		if (errno == ENOENT)
			return QASID_OK;
		return qerr_sys(&kr->err, QASID_ERR_IO, errno, "%s", path);
	}
	while (rc == QASID_OK && fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f))
			rc = qerr_set(&kr->err, QASID_ERR_KEY,
			    "%s: line %zu is too long", path, lineno);
		else
			rc = load_line(kr, line, path, lineno);
	}
	if (rc == QASID_OK && ferror(f))
		rc = qerr_sys(&kr->err, QASID_ERR_IO, errno, "%s", path);
	fclose(f);
	if (rc == QASID_ERR_NOMEM)
		qerr_set(&kr->err, rc, "%s", path);
	/* Sorting once after the load keeps it O(n log n). */
	ix_rebuild(kr);
	ring_dedupe(kr);
	return rc;
}

int
qasid_keyring_edit(qasid_keyring *kr, const char *path)
{
	size_t n = strlen(path) + sizeof(".lock");
	char *lock;

	qasid_keyring_unlock(kr);
	qerr_clear(&kr->err);
	if ((lock = malloc(n)) == NULL)
		return qerr_set(&kr->err, QASID_ERR_NOMEM, "%s", path);
	snprintf(lock, n, "%s.lock", path);
	/* No folder, no keyring: it is empty, and there is nothing to lock. */
	if ((kr->lockfd = qos_lock_file(lock, QOS_LOCK_EX)) < 0 &&
	    errno != ENOENT) {
		qerr_sys(&kr->err, QASID_ERR_IO, errno, "%s", lock);
		free(lock);
		return QASID_ERR_IO;
	}
	free(lock);
	ring_clear(kr);
	return qasid_keyring_load(kr, path);
}

void
qasid_keyring_unlock(qasid_keyring *kr)
{
	if (kr->lockfd >= 0)
		qos_close(kr->lockfd);
	kr->lockfd = -1;
}

static int
save_keys(const qasid_keyring *kr, int fd)
{
	char b64[64];

	for (size_t i = 0; i < kr->n; i++) {
		const struct qring_key *k = &kr->keys[i];
		qkey_pub_b64(k->id, k->pk, b64);
		if (qwrite_all(fd, b64, strlen(b64)) < 0 ||
		    qwrite_all(fd, " ", 1) < 0 ||
		    qwrite_all(fd, k->name, strlen(k->name)) < 0 ||
		    qwrite_all(fd, "\n", 1) < 0)
			return -1;
	}
	return 0;
}

int
qasid_keyring_save(qasid_keyring *kr, const char *path)
{
	static const char head[] = "# qasid trusted publisher keys: "
	    "minisign public key, a space, a name\n";
	char *tmp = NULL;
	int fd;

	qerr_clear(&kr->err);
	if ((fd = qtmp_create(path, &tmp)) < 0)
		return qerr_sys(&kr->err, QASID_ERR_IO, errno, "%s", path);
	if (qwrite_all(fd, head, sizeof(head) - 1) < 0 ||
	    save_keys(kr, fd) < 0 || qring_records_save(kr, fd) < 0) {
		qtmp_abort(fd, tmp);
		return qerr_sys(&kr->err, QASID_ERR_IO, errno, "%s", path);
	}
	if (qtmp_commit(fd, tmp, path, 1) < 0)
		return qerr_sys(&kr->err, QASID_ERR_IO, errno, "%s", path);
	return QASID_OK;
}

int
qasid_keyring_add(qasid_keyring *kr, const qasid_pubkey *pk,
    const char *name)
{
	const struct qring_key *old;
	char id[QASID_KEYID_HEX];

	qerr_clear(&kr->err);
	qkey_id_hex(pk->id, id);
	if (name && !valid_name(name))
		return qerr_set(&kr->err, QASID_ERR_ARG,
		    "key name must be under 256 bytes without control "
		    "characters");
	if ((old = qkeyring_find_exact(kr, pk->id, pk->pk)) != NULL)
		return qerr_set(&kr->err, QASID_ERR_EXISTS,
		    "key %s is already trusted%s%s%s", id, *old->name ?
		    " as \"" : "", old->name, *old->name ? "\"" : "");
	return qkeyring_append(kr, pk->id, pk->pk, name);
}

int
qkeyring_append(qasid_keyring *kr, const unsigned char *id,
    const unsigned char *pk, const char *name)
{
	char hex[QASID_KEYID_HEX];
	size_t at;

	qkey_id_hex(id, hex);
	if (kr->n >= KEYRING_KEYS_MAX)
		return qerr_set(&kr->err, QASID_ERR_LIMIT,
		    "key %s: the keyring holds %d keys already", hex,
		    KEYRING_KEYS_MAX);
	/* After the last key with this id: the index stays sorted. */
	at = ix_lower(kr, id);
	while (at < kr->n && memcmp(kr->ix[at].id, id, QK_KEYID) == 0)
		at++;
	if (ring_append(kr, id, pk, name) != QASID_OK)
		return qerr_set(&kr->err, QASID_ERR_NOMEM, "key %s", hex);
	memmove(&kr->ix[at + 1], &kr->ix[at],
	    (kr->n - 1 - at) * sizeof(kr->ix[0]));
	memcpy(kr->ix[at].id, id, QK_KEYID);
	kr->ix[at].pos = (uint32_t)(kr->n - 1);
	return QASID_OK;
}

static void
ring_delete(qasid_keyring *kr, const struct qring_key *k)
{
	size_t pos = (size_t)(k - kr->keys);

	free(kr->keys[pos].name);
	memmove(&kr->keys[pos], &kr->keys[pos + 1],
	    (kr->n - pos - 1) * sizeof(kr->keys[0]));
	kr->n--;
	ix_rebuild(kr);
}

int
qasid_keyring_remove(qasid_keyring *kr, const char *keyid)
{
	unsigned char id[QK_KEYID];
	size_t first, n;

	qerr_clear(&kr->err);
	if (qkey_id_parse(keyid, id) < 0)
		return qerr_set(&kr->err, QASID_ERR_ARG,
		    "%s: a key id is 16 hex digits", keyid);
	if ((n = qkeyring_match(kr, id, &first)) == 0)
		return qerr_set(&kr->err, QASID_ERR_NOTFOUND,
		    "%s: no such key in the keyring", keyid);
	if (n > 1)
		return qerr_set(&kr->err, QASID_ERR_ARG, "%s: %zu trusted keys "
		    "carry this key id; name the one to remove by its key "
		    "file or key string", keyid, n);
	ring_delete(kr, qkeyring_at(kr, first));
	return QASID_OK;
}

int
qasid_keyring_remove_key(qasid_keyring *kr, const qasid_pubkey *pk)
{
	const struct qring_key *k;
	char id[QASID_KEYID_HEX];

	qerr_clear(&kr->err);
	if ((k = qkeyring_find_exact(kr, pk->id, pk->pk)) == NULL) {
		qkey_id_hex(pk->id, id);
		return qerr_set(&kr->err, QASID_ERR_NOTFOUND,
		    "%s: no such key in the keyring", id);
	}
	ring_delete(kr, k);
	return QASID_OK;
}

size_t
qasid_keyring_count(const qasid_keyring *kr)
{
	return kr->n;
}

int
qasid_keyring_get(const qasid_keyring *kr, size_t i, qasid_pubkey *pk,
    const char **name)
{
	if (i >= kr->n)
		return QASID_ERR_NOTFOUND;
	memcpy(pk->id, kr->keys[i].id, QK_KEYID);
	memcpy(pk->pk, kr->keys[i].pk, crypto_sign_PUBLICKEYBYTES);
	pk->loaded = 1;
	if (name)
		*name = kr->keys[i].name;
	return QASID_OK;
}

size_t
qasid_keyring_find(const qasid_keyring *kr, const char *keyid, size_t *idx,
    size_t max)
{
	unsigned char id[QK_KEYID];
	size_t first, n;

	if (qkey_id_parse(keyid, id) < 0)
		return 0;
	n = qkeyring_match(kr, id, &first);
	for (size_t i = 0; i < n && i < max; i++)
		idx[i] = kr->ix[first + i].pos;
	return n;
}

const char *
qasid_keyring_errmsg(const qasid_keyring *kr)
{
	return qerr_msg(&kr->err);
}
