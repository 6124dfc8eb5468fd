/*
 * keyring.c - the recipient's pinned publisher keys.
 *
 * A keyring file is UTF-8 text: '#' starts a comment line; every other line
 * is a minisign public key string, one space, and the name the recipient
 * gave the key. A key is trusted only because it is in this file, never
 * because a bundle carries it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define KEYRING_LINE_MAX 1024
#define KEYRING_KEYS_MAX 100000

struct ring_key {
	qasid_pubkey key;
	char *name;
};

struct qasid_keyring {
	struct qerr err;
	struct ring_key *keys;
	size_t n, cap;
};

qasid_keyring *
qasid_keyring_new(void)
{
	return calloc(1, sizeof(qasid_keyring));
}

void
qasid_keyring_free(qasid_keyring *kr)
{
	if (kr == NULL)
		return;
	for (size_t i = 0; i < kr->n; i++)
		free(kr->keys[i].name);
	free(kr->keys);
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
ring_push(qasid_keyring *kr, const qasid_pubkey *pk, const char *name)
{
	if (kr->n == kr->cap) {
		size_t cap = kr->cap ? kr->cap * 2 : 8;
		struct ring_key *k = realloc(kr->keys, cap * sizeof(*k));
		if (k == NULL)
			return QASID_ERR_NOMEM;
		kr->keys = k;
		kr->cap = cap;
	}
	kr->keys[kr->n].key = *pk;
	qerr_clear(&kr->keys[kr->n].key.err);
	if ((kr->keys[kr->n].name = strdup(name ? name : "")) == NULL)
		return QASID_ERR_NOMEM;
	kr->n++;
	return QASID_OK;
}

const qasid_pubkey *
qkeyring_find(const qasid_keyring *kr, const unsigned char id[QK_KEYID],
    const char **name)
{
	for (size_t i = 0; kr != NULL && i < kr->n; i++) {
		if (memcmp(kr->keys[i].key.id, id, QK_KEYID) == 0) {
			if (name)
				*name = kr->keys[i].name;
			return &kr->keys[i].key;
		}
	}
	return NULL;
}

static int
load_line(qasid_keyring *kr, char *line, const char *path, size_t lineno)
{
	qasid_pubkey pk;
	char *sp;

	line[strcspn(line, "\r\n")] = '\0';
	if (line[0] == '\0' || line[0] == '#')
		return QASID_OK;
	if ((sp = strchr(line, ' ')) != NULL)
		*sp++ = '\0';
	memset(&pk, 0, sizeof(pk));
	if (qasid_pubkey_parse(&pk, line) != QASID_OK ||
	    (sp && !valid_name(sp)))
		return qerr_set(&kr->err, QASID_ERR_KEY,
		    "%s: line %zu: not a public key and name", path, lineno);
	if (qkeyring_find(kr, pk.id, NULL) != NULL)
		return QASID_OK;
	if (kr->n >= KEYRING_KEYS_MAX)
		return qerr_set(&kr->err, QASID_ERR_LIMIT,
		    "%s: too many keys", path);
	return ring_push(kr, &pk, sp);
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
	return rc;
}

int
qasid_keyring_save(qasid_keyring *kr, const char *path)
{
	static const char head[] = "# qasid trusted publisher keys: "
	    "minisign public key, a space, a name\n";
	char *tmp = NULL, b64[64];
	int fd;

	qerr_clear(&kr->err);
	if ((fd = qtmp_create(path, &tmp)) < 0)
		return qerr_sys(&kr->err, QASID_ERR_IO, errno, "%s", path);
	if (qwrite_all(fd, head, sizeof(head) - 1) < 0)
		goto fail;
	for (size_t i = 0; i < kr->n; i++) {
		qasid_pubkey_b64(&kr->keys[i].key, b64);
		if (qwrite_all(fd, b64, strlen(b64)) < 0 ||
		    qwrite_all(fd, " ", 1) < 0 ||
		    qwrite_all(fd, kr->keys[i].name,
		    strlen(kr->keys[i].name)) < 0 ||
		    qwrite_all(fd, "\n", 1) < 0)
			goto fail;
	}
	if (qtmp_commit(fd, tmp, path, 1) < 0)
		return qerr_sys(&kr->err, QASID_ERR_IO, errno, "%s", path);
	return QASID_OK;
fail:
	qtmp_abort(fd, tmp);
	return qerr_sys(&kr->err, QASID_ERR_IO, errno, "%s", path);
}

int
qasid_keyring_add(qasid_keyring *kr, const qasid_pubkey *pk,
    const char *name)
{
	char id[QASID_KEYID_HEX];

	qerr_clear(&kr->err);
	qkey_id_hex(pk->id, id);
	if (name && !valid_name(name))
		return qerr_set(&kr->err, QASID_ERR_ARG,
		    "key name must be under 256 bytes without control "
		    "characters");
	if (qkeyring_find(kr, pk->id, NULL) != NULL)
		return qerr_set(&kr->err, QASID_ERR_EXISTS,
		    "key %s is already trusted", id);
	if (ring_push(kr, pk, name) != QASID_OK)
		return qerr_set(&kr->err, QASID_ERR_NOMEM, "key %s", id);
	return QASID_OK;
}

int
qasid_keyring_remove(qasid_keyring *kr, const char *keyid)
{
	unsigned char id[QK_KEYID];

	qerr_clear(&kr->err);
	if (qkey_id_parse(keyid, id) < 0)
		return qerr_set(&kr->err, QASID_ERR_ARG,
		    "%s: a key id is 16 hex digits", keyid);
	for (size_t i = 0; i < kr->n; i++) {
		if (memcmp(kr->keys[i].key.id, id, QK_KEYID) == 0) {
			free(kr->keys[i].name);
			memmove(&kr->keys[i], &kr->keys[i + 1],
			    (kr->n - i - 1) * sizeof(kr->keys[0]));
			kr->n--;
			return QASID_OK;
		}
	}
	return qerr_set(&kr->err, QASID_ERR_NOTFOUND,
	    "%s: no such key in the keyring", keyid);
}

size_t
qasid_keyring_count(const qasid_keyring *kr)
{
	return kr->n;
}

const qasid_pubkey *
qasid_keyring_key(const qasid_keyring *kr, size_t i, const char **name)
{
	if (i >= kr->n)
		return NULL;
	if (name)
		*name = kr->keys[i].name;
	return &kr->keys[i].key;
}

const char *
qasid_keyring_errmsg(const qasid_keyring *kr)
{
	return qerr_msg(&kr->err);
}
