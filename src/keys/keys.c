/* SPDX-License-Identifier: ISC */
/*
 * keys.c - Ed25519 key pairs in minisign's public- and secret-key file
 * formats, so keys move freely between qasid and minisign.
 *
 * Public key file: a comment line, then base64 of "Ed" || key id (8) ||
 * public key (32). Secret key file: a comment line, then base64 of
 * "Ed" || kdf "Sc" or 0000 || "B2" || salt (32) || opslimit (le64) ||
 * memlimit (le64) || { key id (8) || secret key (64) || checksum (32) },
 * where the braced part is XORed with a scrypt stream when encrypted and
 * the checksum is BLAKE2b-256 of "Ed" || key id || secret key.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define PK_RAW (2 + QK_KEYID + crypto_sign_PUBLICKEYBYTES)
#define SK_SECRET (QK_KEYID + crypto_sign_SECRETKEYBYTES + 32)
#define SK_SALT crypto_pwhash_scryptsalsa208sha256_SALTBYTES
#define SK_RAW (6 + SK_SALT + 16 + SK_SECRET)
#define KEYFILE_MAX 4096

/* minisign's defaults, so a qasid key is as hard to crack as minisign's. */
#define KDF_OPS crypto_pwhash_scryptsalsa208sha256_OPSLIMIT_SENSITIVE
#define KDF_MEM crypto_pwhash_scryptsalsa208sha256_MEMLIMIT_SENSITIVE

/* KDF cost a key file may ask for: twice what minisign writes. Beyond it a
 * key file could make loading it take hours or all the memory there is. */
#define KDF_OPS_MAX ((uint64_t)KDF_OPS * 2)
#define KDF_MEM_MAX ((uint64_t)KDF_MEM * 2)

void
qkey_id_hex(const unsigned char id[QK_KEYID], char out[QASID_KEYID_HEX])
{
	/* minisign shows the id as a little-endian 64-bit number. */
	snprintf(out, QASID_KEYID_HEX, "%016llX",
	    (unsigned long long)le64_load(id));
}

int
qkey_id_parse(const char *hex, unsigned char id[QK_KEYID])
{
	uint64_t v = 0;

	if (strlen(hex) != 16)
		return -1;
	for (int i = 0; i < 16; i++) {
		int c = hex[i], d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -1;
		v = (v << 4) | (uint64_t)d;
	}
	le64_store(id, v);
	return 0;
}

/* What a base64 line of len characters decodes to, for naming the kind of
 * file a key file really is. */
static const char *
b64_kind(const char *line, size_t len)
{
	size_t bytes;

	while (len > 0 && line[len - 1] == '=')
		len--;
	bytes = len * 3 / 4;
	if (bytes == PK_RAW)
		return "a public key file";
	if (bytes == SK_RAW)
		return "a secret key file";
	if (bytes == 2 + QK_KEYID + crypto_sign_BYTES)
		return "a signature file";
	return NULL;
}

static int
wrong_kind(struct qerr *e, const char *path, const char *line, size_t len,
    size_t rawlen)
{
	const char *kind = b64_kind(line, len);
	const char *want = rawlen == PK_RAW ? "a public key file" :
	    "a secret key file";

	if (kind != NULL && strcmp(kind, want) != 0)
		return qerr_set(e, QASID_ERR_KEY, "%s: this is %s, but %s "
		    "was expected here", path, kind, want);
	return qerr_set(e, QASID_ERR_KEY, "%s: key line is not valid base64 "
	    "of the right length for %s", path, want);
}

/*
 * Reads a key file: a first line starting "untrusted comment:", then one
 * base64 line decoding to exactly rawlen bytes.
 */
static int
read_key_file(struct qerr *e, const char *path, unsigned char *raw,
    size_t rawlen)
{
	char buf[KEYFILE_MAX + 1], *nl, *line2, *end;
	size_t got;
	ptrdiff_t n;
	int fd;

	if ((fd = qos_open(path, QOS_READ, 0)) < 0)
		return qerr_sys(e, QASID_ERR_IO, errno, "%s", path);
	n = qread_full(fd, buf, KEYFILE_MAX);
	qos_close(fd);
	if (n < 0)
		return qerr_sys(e, QASID_ERR_IO, errno, "%s", path);
	buf[n] = '\0';
	if (strncmp(buf, "untrusted comment:", 18) != 0 ||
	    (nl = strchr(buf, '\n')) == NULL)
		return qerr_set(e, QASID_ERR_KEY,
		    "%s: not a minisign key file", path);
	line2 = nl + 1;
	end = line2 + strcspn(line2, "\r\n");
	if (sodium_base642bin(raw, rawlen, line2, (size_t)(end - line2), NULL,
	    &got, NULL, sodium_base64_VARIANT_ORIGINAL) != 0 || got != rawlen)
		return wrong_kind(e, path, line2, (size_t)(end - line2),
		    rawlen);
	return QASID_OK;
}

/* Writes a two-line key file; the secret key one with mode 0600. */
static int
write_key_file(struct qerr *e, const char *path, const char *comment,
    const unsigned char *raw, size_t rawlen, unsigned mode, int overwrite)
{
	char *b64, *tmp = NULL;
	size_t b64len = sodium_base64_ENCODED_LEN(rawlen,
	    sodium_base64_VARIANT_ORIGINAL);
	int fd, rc = QASID_OK;

	if (!overwrite && qos_exists(path))
		return qerr_set(e, QASID_ERR_EXISTS,
		    "%s: file exists (use -f to overwrite)", path);
	if ((b64 = sodium_malloc(b64len)) == NULL)
		return qerr_set(e, QASID_ERR_NOMEM, "%s", path);
	sodium_bin2base64(b64, b64len, raw, rawlen,
	    sodium_base64_VARIANT_ORIGINAL);
	if ((fd = qtmp_create(path, &tmp)) < 0) {
		rc = qerr_sys(e, QASID_ERR_IO, errno, "%s", path);
		goto out;
	}
	if (qchmod(fd, mode) < 0 ||
	    qwrite_all(fd, "untrusted comment: ", 19) < 0 ||
	    qwrite_all(fd, comment, strlen(comment)) < 0 ||
	    qwrite_all(fd, "\n", 1) < 0 ||
	    qwrite_all(fd, b64, strlen(b64)) < 0 ||
	    qwrite_all(fd, "\n", 1) < 0) {
		rc = qerr_sys(e, QASID_ERR_IO, errno, "%s", path);
		qtmp_abort(fd, tmp);
		goto out;
	}
	if (qtmp_commit(fd, tmp, path, overwrite) < 0)
		rc = qerr_sys(e, errno == EEXIST ? QASID_ERR_EXISTS :
		    QASID_ERR_IO, errno, "%s", path);
out:
	sodium_free(b64);
	return rc;
}

/* ---- Public keys ------------------------------------------------------- */

qasid_pubkey *
qasid_pubkey_new(void)
{
	return calloc(1, sizeof(qasid_pubkey));
}

void
qasid_pubkey_free(qasid_pubkey *pk)
{
	free(pk);
}

static int
pubkey_from_raw(qasid_pubkey *pk, const unsigned char raw[PK_RAW],
    const char *what)
{
	if (memcmp(raw, QK_ALG_ED, 2) != 0)
		return qerr_set(&pk->err, QASID_ERR_KEY,
		    "%s: unsupported key algorithm", what);
	memcpy(pk->id, raw + 2, QK_KEYID);
	memcpy(pk->pk, raw + 2 + QK_KEYID, crypto_sign_PUBLICKEYBYTES);
	pk->loaded = 1;
	return QASID_OK;
}

int
qasid_pubkey_load(qasid_pubkey *pk, const char *path)
{
	unsigned char raw[PK_RAW];
	int rc;

	qerr_clear(&pk->err);
	if ((rc = read_key_file(&pk->err, path, raw, sizeof(raw))) != 0)
		return rc;
	return pubkey_from_raw(pk, raw, path);
}

int
qkey_pub_parse(const char *b64, unsigned char id[QK_KEYID],
    unsigned char pk[crypto_sign_PUBLICKEYBYTES])
{
	unsigned char raw[PK_RAW];
	size_t got;

	if (sodium_base642bin(raw, sizeof(raw), b64, strlen(b64), NULL, &got,
	    NULL, sodium_base64_VARIANT_ORIGINAL) != 0 || got != sizeof(raw) ||
	    memcmp(raw, QK_ALG_ED, 2) != 0)
		return QASID_ERR_KEY;
	memcpy(id, raw + 2, QK_KEYID);
	memcpy(pk, raw + 2 + QK_KEYID, crypto_sign_PUBLICKEYBYTES);
	return QASID_OK;
}

int
qasid_pubkey_parse(qasid_pubkey *pk, const char *b64)
{
	unsigned char raw[PK_RAW];
	size_t got;

	qerr_clear(&pk->err);
	if (sodium_base642bin(raw, sizeof(raw), b64, strlen(b64), NULL, &got,
	    NULL, sodium_base64_VARIANT_ORIGINAL) != 0 || got != sizeof(raw))
		return qerr_set(&pk->err, QASID_ERR_KEY,
		    "not a minisign public key string");
	return pubkey_from_raw(pk, raw, "public key string");
}

static void
key_raw(const unsigned char *id, const unsigned char *pk,
    unsigned char raw[PK_RAW])
{
	memcpy(raw, QK_ALG_ED, 2);
	memcpy(raw + 2, id, QK_KEYID);
	memcpy(raw + 2 + QK_KEYID, pk, crypto_sign_PUBLICKEYBYTES);
}

static void
pubkey_raw(const qasid_pubkey *pk, unsigned char raw[PK_RAW])
{
	key_raw(pk->id, pk->pk, raw);
}

int
qasid_pubkey_save(qasid_pubkey *pk, const char *path, int overwrite)
{
	unsigned char raw[PK_RAW];
	char comment[64], id[QASID_KEYID_HEX];

	qerr_clear(&pk->err);
	pubkey_raw(pk, raw);
	qkey_id_hex(pk->id, id);
	snprintf(comment, sizeof(comment), "minisign public key %s", id);
	return write_key_file(&pk->err, path, comment, raw, sizeof(raw),
	    0644, overwrite);
}

void
qasid_pubkey_id(const qasid_pubkey *pk, char out[QASID_KEYID_HEX])
{
	qkey_id_hex(pk->id, out);
}

void
qkey_pub_b64(const unsigned char *id, const unsigned char *pk, char out[64])
{
	unsigned char raw[PK_RAW];

	key_raw(id, pk, raw);
	sodium_bin2base64(out, 64, raw, sizeof(raw),
	    sodium_base64_VARIANT_ORIGINAL);
}

void
qasid_pubkey_b64(const qasid_pubkey *pk, char out[64])
{
	qkey_pub_b64(pk->id, pk->pk, out);
}

void
qasid_pubkey_fingerprint(const qasid_pubkey *pk, char out[48])
{
	qkey_fingerprint(pk->id, pk->pk, out);
}

void
qkey_fingerprint(const unsigned char *id, const unsigned char *pk,
    char out[48])
{
	unsigned char raw[PK_RAW], h[16];
	size_t o = 0;

	/* Digits read aloud well in any language; 8 groups of 4 from a hash of
	 * the whole key line give 104 bits to compare. */
	key_raw(id, pk, raw);
	crypto_generichash(h, sizeof(h), raw, sizeof(raw), NULL, 0);
	for (int g = 0; g < 8; g++) {
		unsigned v = ((unsigned)h[2 * g] << 8 | h[2 * g + 1]) % 10000;
		o += (size_t)snprintf(out + o, 48 - o, g ? " %04u" : "%04u", v);
	}
}

void
qkey_commitment(const unsigned char *id, const unsigned char *pk,
    unsigned char out[QF_KEYHASH])
{
	unsigned char raw[PK_RAW];

	key_raw(id, pk, raw);
	crypto_generichash(out, QF_KEYHASH, raw, sizeof(raw), NULL, 0);
}

void
qasid_pubkey_commitment(const qasid_pubkey *pk, char out[65])
{
	unsigned char h[QF_KEYHASH];

	qkey_commitment(pk->id, pk->pk, h);
	qhex(h, QF_KEYHASH, out);
}

const char *
qasid_pubkey_errmsg(const qasid_pubkey *pk)
{
	return qerr_msg(&pk->err);
}

/* ---- Secret keys ------------------------------------------------------- */

qasid_seckey *
qasid_seckey_new(void)
{
	qasid_seckey *sk = calloc(1, sizeof(*sk));

	if (sk == NULL)
		return NULL;
	if ((sk->sk = sodium_malloc(crypto_sign_SECRETKEYBYTES)) == NULL) {
		free(sk);
		return NULL;
	}
	return sk;
}

void
qasid_seckey_free(qasid_seckey *sk)
{
	if (sk == NULL)
		return;
	sodium_free(sk->sk); /* wipes */
	free(sk);
}

int
qasid_seckey_generate(qasid_seckey *sk, qasid_pubkey *pk)
{
	qerr_clear(&sk->err);
	crypto_sign_keypair(pk->pk, sk->sk);
	randombytes_buf(sk->id, QK_KEYID);
	memcpy(pk->id, sk->id, QK_KEYID);
	pk->loaded = sk->loaded = 1;
	return QASID_OK;
}

int
qasid_seckey_pubkey(const qasid_seckey *sk, qasid_pubkey *pk)
{
	if (!sk->loaded)
		return QASID_ERR_ARG;
	memcpy(pk->id, sk->id, QK_KEYID);
	crypto_sign_ed25519_sk_to_pk(pk->pk, sk->sk);
	pk->loaded = 1;
	return QASID_OK;
}

static void
secret_checksum(const unsigned char *id, const unsigned char *secret,
    unsigned char out[32])
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, 32);
	crypto_generichash_update(&st, (const unsigned char *)QK_ALG_ED, 2);
	crypto_generichash_update(&st, id, QK_KEYID);
	crypto_generichash_update(&st, secret, crypto_sign_SECRETKEYBYTES);
	crypto_generichash_final(&st, out, 32);
}

/* XORs the secret part of a key file with the scrypt stream of password. */
static int
kdf_xor(unsigned char *secret, const unsigned char *salt, uint64_t ops,
    uint64_t mem, const char *pw, size_t pwlen)
{
	unsigned char *stream = sodium_malloc(SK_SECRET);
	int rc;

	if (stream == NULL)
		return QASID_ERR_NOMEM;
	rc = crypto_pwhash_scryptsalsa208sha256(stream, SK_SECRET, pw, pwlen,
	    salt, (unsigned long long)ops, (size_t)mem);
	if (rc == 0)
		for (size_t i = 0; i < SK_SECRET; i++)
			secret[i] ^= stream[i];
	sodium_free(stream);
	return rc == 0 ? QASID_OK : QASID_ERR_NOMEM;
}

static int
seckey_from_raw(qasid_seckey *sk, unsigned char *raw, const char *path,
    const char *pw, size_t pwlen)
{
	unsigned char *secret = raw + 6 + SK_SALT + 16, chk[32];
	int encrypted = memcmp(raw + 2, "Sc", 2) == 0;

	if (memcmp(raw, QK_ALG_ED, 2) != 0 || memcmp(raw + 4, "B2", 2) != 0 ||
	    (!encrypted && memcmp(raw + 2, "\0\0", 2) != 0))
		return qerr_set(&sk->err, QASID_ERR_KEY,
		    "%s: unsupported secret key algorithms", path);
	if (encrypted) {
		uint64_t ops = le64_load(raw + 6 + SK_SALT);
		uint64_t mem = le64_load(raw + 6 + SK_SALT + 8);
		if (pw == NULL)
			return qerr_set(&sk->err, QASID_ERR_PASSWORD,
			    "%s: key is encrypted and no password was given",
			    path);
		if (ops > KDF_OPS_MAX || mem > KDF_MEM_MAX)
			return qerr_set(&sk->err, QASID_ERR_KEY, "%s: key asks "
			    "for a password hashing cost of %llu operations "
			    "and %llu MiB; more than %llu and %llu MiB is "
			    "refused", path, (unsigned long long)ops,
			    (unsigned long long)(mem >> 20),
			    (unsigned long long)KDF_OPS_MAX,
			    (unsigned long long)(KDF_MEM_MAX >> 20));
		if (kdf_xor(secret, raw + 6, ops, mem, pw, pwlen) != 0)
			return qerr_set(&sk->err, QASID_ERR_NOMEM,
			    "%s: cannot derive the key from the password",
			    path);
	}
	secret_checksum(secret, secret + QK_KEYID, chk);
	/* minisign leaves the checksum zero in keys saved without a password. */
	if (sodium_memcmp(chk, secret + QK_KEYID + crypto_sign_SECRETKEYBYTES,
	    32) != 0 && (encrypted || !sodium_is_zero(secret + QK_KEYID +
	    crypto_sign_SECRETKEYBYTES, 32)))
		return qerr_set(&sk->err, encrypted ? QASID_ERR_PASSWORD :
		    QASID_ERR_KEY, encrypted ? "%s: wrong password" :
		    "%s: secret key checksum does not match", path);
	memcpy(sk->id, secret, QK_KEYID);
	memcpy(sk->sk, secret + QK_KEYID, crypto_sign_SECRETKEYBYTES);
	sk->loaded = 1;
	return QASID_OK;
}

/* Reads a secret-key file into secure memory; *raw is sodium_free'd by the
 * caller. */
static int
read_seckey_file(qasid_seckey *sk, const char *path, unsigned char **raw)
{
	int rc;

	qerr_clear(&sk->err);
	if ((*raw = sodium_malloc(SK_RAW)) == NULL)
		return qerr_set(&sk->err, QASID_ERR_NOMEM, "%s", path);
	if ((rc = read_key_file(&sk->err, path, *raw, SK_RAW)) != QASID_OK) {
		sodium_free(*raw);
		*raw = NULL;
	}
	return rc;
}

int
qasid_seckey_load(qasid_seckey *sk, const char *path, const char *password,
    size_t password_len)
{
	unsigned char *raw;
	int rc = read_seckey_file(sk, path, &raw);

	if (rc == QASID_OK) {
		rc = seckey_from_raw(sk, raw, path, password, password_len);
		sodium_free(raw);
	}
	return rc;
}

int
qasid_seckey_file_encrypted(qasid_seckey *sk, const char *path)
{
	unsigned char *raw;
	int rc = read_seckey_file(sk, path, &raw);

	if (rc == QASID_OK) {
		rc = memcmp(raw + 2, "Sc", 2) == 0;
		sodium_free(raw);
	}
	return rc;
}

int
qasid_seckey_save(qasid_seckey *sk, const char *path, const char *password,
    size_t password_len, int overwrite)
{
	unsigned char *raw = sodium_malloc(SK_RAW), *secret;
	int rc;

	qerr_clear(&sk->err);
	if (raw == NULL)
		return qerr_set(&sk->err, QASID_ERR_NOMEM, "%s", path);
	secret = raw + 6 + SK_SALT + 16;
	memset(raw, 0, SK_RAW);
	memcpy(raw, QK_ALG_ED, 2);
	memcpy(raw + 4, "B2", 2);
	memcpy(secret, sk->id, QK_KEYID);
	memcpy(secret + QK_KEYID, sk->sk, crypto_sign_SECRETKEYBYTES);
	secret_checksum(sk->id, sk->sk, secret + QK_KEYID +
	    crypto_sign_SECRETKEYBYTES);
	rc = QASID_OK;
	if (password != NULL) {
		memcpy(raw + 2, "Sc", 2);
		randombytes_buf(raw + 6, SK_SALT);
		le64_store(raw + 6 + SK_SALT, KDF_OPS);
		le64_store(raw + 6 + SK_SALT + 8, KDF_MEM);
		if (kdf_xor(secret, raw + 6, KDF_OPS, KDF_MEM, password,
		    password_len) != 0)
			rc = qerr_set(&sk->err, QASID_ERR_NOMEM,
			    "%s: cannot derive a key from the password", path);
	}
	if (rc == QASID_OK)
		rc = write_key_file(&sk->err, path, password ?
		    "minisign encrypted secret key" : "minisign secret key",
		    raw, SK_RAW, 0600, overwrite);
	sodium_free(raw);
	return rc;
}

const char *
qasid_seckey_errmsg(const qasid_seckey *sk)
{
	return qerr_msg(&sk->err);
}
