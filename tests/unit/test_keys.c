/* SPDX-License-Identifier: ISC */
/*
 * test_keys.c - unit tests for src/keys/keys.c: key pairs in minisign's file
 * formats, saved and loaded with and without a password, malformed files
 * refused, key ids and fingerprints.
 *
 * Keys encrypted the way qasid_seckey_save does cost about 1 GiB and a few
 * seconds of scrypt each, so only two such operations run here; the other
 * password cases use a key file encrypted by this test with scrypt's
 * smallest parameters, which the loader honours just as minisign does.
 */
#include <fcntl.h>
#include <ftw.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "internal.h"

#define NITEMS(a) (sizeof(a) / sizeof((a)[0]))

/* Layout of a secret key file's decoded line (see keys.c). */
#define SK_SALT crypto_pwhash_scryptsalsa208sha256_SALTBYTES
#define SK_SECRET (QK_KEYID + crypto_sign_SECRETKEYBYTES + 32)
#define SK_RAW (6 + SK_SALT + 16 + SK_SECRET)
#define PK_RAW (2 + QK_KEYID + crypto_sign_PUBLICKEYBYTES)

#include "testfiles.h"

/* The decoded second line of a key file. */
static int
decode_key_file(const char *p, unsigned char *raw, size_t rawlen)
{
	char text[1024], *line2, *end;
	size_t got;

	if (read_file(p, text, sizeof(text)) < 0 ||
	    (line2 = strchr(text, '\n')) == NULL)
		return -1;
	line2++;
	end = line2 + strcspn(line2, "\n");
	return sodium_base642bin(raw, rawlen, line2, (size_t)(end - line2),
	    NULL, &got, NULL, sodium_base64_VARIANT_ORIGINAL) == 0 &&
	    got == rawlen ? 0 : -1;
}

static int
encode_key_file(const char *p, const char *comment, const unsigned char *raw,
    size_t rawlen)
{
	char b64[512], text[700];

	sodium_bin2base64(b64, sizeof(b64), raw, rawlen,
	    sodium_base64_VARIANT_ORIGINAL);
	snprintf(text, sizeof(text), "untrusted comment: %s\n%s\n", comment,
	    b64);
	return write_file(p, text);
}

/* Two public keys are the same key when their key lines are. */
static int
same_pubkey(const qasid_pubkey *a, const qasid_pubkey *b)
{
	char x[64], y[64];

	qasid_pubkey_b64(a, x);
	qasid_pubkey_b64(b, y);
	return strcmp(x, y) == 0;
}

/* A fresh key pair saved without a password as name.pub / name.sec. */
static int
make_pair(const char *name, qasid_pubkey *pk)
{
	qasid_seckey *sk = qasid_seckey_new();
	char pub[300], sec[300];
	int rc;

	snprintf(pub, sizeof(pub), "%s/%s.pub", dir, name);
	snprintf(sec, sizeof(sec), "%s/%s.sec", dir, name);
	rc = sk == NULL ? -1 : qasid_seckey_generate(sk, pk);
	if (rc == 0)
		rc = qasid_seckey_save(sk, sec, NULL, 0, 1);
	if (rc == 0)
		rc = qasid_pubkey_save(pk, pub, 1);
	qasid_seckey_free(sk);
	return rc;
}

/* ---- Round trips --------------------------------------------------------- */

TEST(unencrypted_round_trip)
{
	qasid_pubkey *pk = qasid_pubkey_new(), *pk2 = qasid_pubkey_new();
	qasid_pubkey *pk3 = qasid_pubkey_new();
	qasid_seckey *sk = qasid_seckey_new();
	char id[QASID_KEYID_HEX], want[128], text[512];
	struct stat st;

	CHECK(make_pair("plain", pk) == QASID_OK);
	CHECK(qasid_seckey_file_encrypted(sk, path("plain.sec")) == 0);
	CHECK(qasid_seckey_load(sk, path("plain.sec"), NULL, 0) == QASID_OK);
	CHECK(qasid_seckey_pubkey(sk, pk2) == QASID_OK);
	CHECK(same_pubkey(pk, pk2));
	CHECK(qasid_pubkey_load(pk3, path("plain.pub")) == QASID_OK);
	CHECK(same_pubkey(pk, pk3));

	/* The files are minisign's: comment lines, modes. */
	qasid_pubkey_id(pk, id);
	CHECK(read_file(path("plain.pub"), text, sizeof(text)) > 0);
	snprintf(want, sizeof(want), "untrusted comment: minisign public key "
	    "%s\n", id);
	CHECK(strncmp(text, want, strlen(want)) == 0);
	CHECK(strncmp(text + strlen(want), "RW", 2) == 0);
	CHECK(read_file(path("plain.sec"), text, sizeof(text)) > 0);
	CHECK(strncmp(text, "untrusted comment: minisign secret key\n",
	    39) == 0);
	CHECK(stat(path("plain.sec"), &st) == 0 && (st.st_mode & 0777) ==
	    0600);
	CHECK(stat(path("plain.pub"), &st) == 0 && (st.st_mode & 0777) ==
	    0644);
	qasid_pubkey_free(pk);
	qasid_pubkey_free(pk2);
	qasid_pubkey_free(pk3);
	qasid_seckey_free(sk);
}

TEST(save_refuses_to_overwrite)
{
	qasid_pubkey *pk = qasid_pubkey_new();
	qasid_seckey *sk = qasid_seckey_new();
	char before[512], after[512];

	CHECK(qasid_seckey_generate(sk, pk) == QASID_OK);
	CHECK(write_file(path("taken.sec"), "precious\n") == 0);
	CHECK(write_file(path("taken.pub"), "precious\n") == 0);
	CHECK(qasid_seckey_save(sk, path("taken.sec"), NULL, 0, 0) ==
	    QASID_ERR_EXISTS);
	CHECK(strstr(qasid_seckey_errmsg(sk), "taken.sec") != NULL);
	CHECK(qasid_pubkey_save(pk, path("taken.pub"), 0) == QASID_ERR_EXISTS);
	CHECK(read_file(path("taken.sec"), before, sizeof(before)) > 0);
	CHECK_EQ_STR(before, "precious\n");
	CHECK(qasid_seckey_save(sk, path("taken.sec"), NULL, 0, 1) ==
	    QASID_OK);
	CHECK(read_file(path("taken.sec"), after, sizeof(after)) > 0);
	CHECK(strcmp(after, "precious\n") != 0);
	qasid_pubkey_free(pk);
	qasid_seckey_free(sk);
}

/* The two costly operations: qasid's own encryption, then decryption. */
TEST(encrypted_round_trip)
{
	qasid_pubkey *pk = qasid_pubkey_new(), *pk2 = qasid_pubkey_new();
	qasid_seckey *sk = qasid_seckey_new(), *sk2 = qasid_seckey_new();
	static const char pw[] = "correct horse";
	unsigned char raw[SK_RAW];
	char text[512];
	uint64_t ops = 0, mem = 0;

	CHECK(qasid_seckey_generate(sk, pk) == QASID_OK);
	CHECK(qasid_seckey_save(sk, path("enc.sec"), pw, strlen(pw), 0) ==
	    QASID_OK);
	CHECK(read_file(path("enc.sec"), text, sizeof(text)) > 0);
	CHECK(strncmp(text, "untrusted comment: minisign encrypted secret "
	    "key\n", 49) == 0);
	CHECK(qasid_seckey_file_encrypted(sk2, path("enc.sec")) == 1);
	CHECK(decode_key_file(path("enc.sec"), raw, sizeof(raw)) == 0);
	CHECK(memcmp(raw, "EdScB2", 6) == 0);
	for (int i = 7; i >= 0; i--) {
		ops = ops << 8 | raw[6 + SK_SALT + i];
		mem = mem << 8 | raw[6 + SK_SALT + 8 + i];
	}
	/* As hard to crack as a key minisign makes. */
	CHECK(ops == crypto_pwhash_scryptsalsa208sha256_OPSLIMIT_SENSITIVE);
	CHECK(mem == crypto_pwhash_scryptsalsa208sha256_MEMLIMIT_SENSITIVE);
	/* No byte of the secret key is stored in the clear. */
	CHECK(memmem(raw, sizeof(raw), sk->sk, 32) == NULL);
	CHECK(qasid_seckey_load(sk2, path("enc.sec"), pw, strlen(pw)) ==
	    QASID_OK);
	CHECK(qasid_seckey_pubkey(sk2, pk2) == QASID_OK);
	CHECK(same_pubkey(pk, pk2));
	qasid_pubkey_free(pk);
	qasid_pubkey_free(pk2);
	qasid_seckey_free(sk);
	qasid_seckey_free(sk2);
}

/*
 * Encrypts plain.sec the way minisign does, with scrypt's smallest cost, as
 * cheap.sec.
 */
static int
make_cheap_encrypted(const char *pw)
{
	unsigned char raw[SK_RAW], stream[SK_SECRET];
	uint64_t ops = crypto_pwhash_scryptsalsa208sha256_OPSLIMIT_MIN;
	uint64_t mem = crypto_pwhash_scryptsalsa208sha256_MEMLIMIT_MIN;

	if (decode_key_file(path("plain.sec"), raw, sizeof(raw)) != 0)
		return -1;
	memcpy(raw + 2, "Sc", 2);
	randombytes_buf(raw + 6, SK_SALT);
	for (int i = 0; i < 8; i++) {
		raw[6 + SK_SALT + i] = (unsigned char)(ops >> (8 * i));
		raw[6 + SK_SALT + 8 + i] = (unsigned char)(mem >> (8 * i));
	}
	if (crypto_pwhash_scryptsalsa208sha256(stream, sizeof(stream), pw,
	    strlen(pw), raw + 6, ops, (size_t)mem) != 0)
		return -1;
	for (size_t i = 0; i < SK_SECRET; i++)
		raw[6 + SK_SALT + 16 + i] ^= stream[i];
	return encode_key_file(path("cheap.sec"), "minisign encrypted secret "
	    "key", raw, sizeof(raw));
}

TEST(wrong_password_is_password_error)
{
	qasid_pubkey *pk = qasid_pubkey_new(), *pk2 = qasid_pubkey_new();
	qasid_seckey *sk = qasid_seckey_new();

	CHECK(make_pair("plain", pk) == QASID_OK);
	CHECK(make_cheap_encrypted("s3cret") == 0);
	CHECK(qasid_seckey_file_encrypted(sk, path("cheap.sec")) == 1);
	CHECK(qasid_seckey_load(sk, path("cheap.sec"), "s3cret!", 7) ==
	    QASID_ERR_PASSWORD);
	CHECK(strstr(qasid_seckey_errmsg(sk), "wrong password") != NULL);
	CHECK(strstr(qasid_seckey_errmsg(sk), "cheap.sec") != NULL);
	CHECK(qasid_seckey_load(sk, path("cheap.sec"), "", 0) ==
	    QASID_ERR_PASSWORD);
	CHECK(qasid_seckey_load(sk, path("cheap.sec"), NULL, 0) ==
	    QASID_ERR_PASSWORD);
	/* The length counts, not a terminating NUL. */
	CHECK(qasid_seckey_load(sk, path("cheap.sec"), "s3cretXX", 6) ==
	    QASID_OK);
	CHECK(qasid_seckey_pubkey(sk, pk2) == QASID_OK);
	CHECK(same_pubkey(pk, pk2));
	qasid_pubkey_free(pk);
	qasid_pubkey_free(pk2);
	qasid_seckey_free(sk);
}

/* ---- Malformed files ------------------------------------------------------ */

struct badfile {
	const char *name;
	const char *text;
};

TEST(malformed_public_keys)
{
	static const struct badfile t[] = {
		{"empty", ""},
		{"no comment", "RWQBAgMEBQYHCCAhIiMkJSYnKCkqKywtLi8wMTIzNDU2Nzg5Ojs8"
		    "PT4/\n"},
		{"comment only", "untrusted comment: minisign public key\n"},
		{"no key line", "untrusted comment: x"},
		{"bad base64", "untrusted comment: x\nRWQBAgMEBQYHCCAhIiMkJSYn"
		    "KCkqKywtLi8wMTIzNDU2Nzg5Ojs8PT4!\n"},
		{"too short", "untrusted comment: x\nRWQBAgMEBQYHCCAhIiMkJSYnK"
		    "CkqKywtLi8wMTIzNDU2Nzg5Ojs8PQ==\n"},
		{"too long", "untrusted comment: x\nRWQBAgMEBQYHCCAhIiMkJSYnKC"
		    "kqKywtLi8wMTIzNDU2Nzg5Ojs8PT4/QA==\n"},
		{"secret key", "untrusted comment: x\nRWRTY0IykB7FywMiLsr1Juj/"
		    "HH8wtVCIB/M2osmAfCHGGvl4ILUAAAACAAAAAAAAAEAAAAAAVTHWm3C5v"
		    "wQ3DVO8KhfOSdYLxaBjQZ2tOZSqAWHRmUjl0KDps2BbxYRMAcWd3exeviG"
		    "dnDPwU20R3hoh+hHlddoG/32ONmjTaz4/FTjaYbECJvH1lyCcRI1GIY9pj"
		    "X3GF4pjJInm9IA=\n"},
		/* "Xd" in place of "Ed" */
		{"wrong algorithm", "untrusted comment: x\nXWQBAgMEBQYHCCAhIiM"
		    "kJSYnKCkqKywtLi8wMTIzNDU2Nzg5Ojs8PT4/\n"},
	};
	qasid_pubkey *pk = qasid_pubkey_new();

	for (size_t i = 0; i < NITEMS(t); i++) {
		int rc;
		CHECK(write_file(path("bad.pub"), t[i].text) == 0);
		rc = qasid_pubkey_load(pk, path("bad.pub"));
		if (rc != QASID_ERR_KEY ||
		    strstr(qasid_pubkey_errmsg(pk), "bad.pub") == NULL)
			printf("  %s: got %d \"%s\"\n", t[i].name, rc,
			    qasid_pubkey_errmsg(pk));
		CHECK(rc == QASID_ERR_KEY);
	}
	CHECK(qasid_pubkey_load(pk, path("missing.pub")) == QASID_ERR_IO);
	CHECK(strstr(qasid_pubkey_errmsg(pk), "missing.pub") != NULL);
	qasid_pubkey_free(pk);
}

/* A secret key file with bytes at off replaced (set) or flipped (!set). */
struct skmut {
	const char *name;
	size_t off;
	const char *bytes;
	size_t n;
	int set;
};

TEST(malformed_secret_keys)
{
	static const struct skmut t[] = {
		{"key algorithm", 0, "Xd", 2, 1},
		{"prehash algorithm as key algorithm", 0, "ED", 2, 1},
		{"kdf", 2, "Zz", 2, 1},
		{"checksum algorithm", 4, "B3", 2, 1},
		{"checksum", SK_RAW - 1, "\x01", 1, 0},
		{"secret byte", 6 + SK_SALT + 16 + QK_KEYID, "\x01", 1, 0},
	};
	qasid_pubkey *pk = qasid_pubkey_new();
	qasid_seckey *sk = qasid_seckey_new();
	unsigned char raw[SK_RAW], mut[SK_RAW];

	CHECK(make_pair("plain", pk) == QASID_OK);
	CHECK(decode_key_file(path("plain.sec"), raw, sizeof(raw)) == 0);
	for (size_t i = 0; i < NITEMS(t); i++) {
		int rc;
		memcpy(mut, raw, sizeof(raw));
		for (size_t k = 0; k < t[i].n; k++)
			mut[t[i].off + k] = (unsigned char)(t[i].set ?
			    t[i].bytes[k] : mut[t[i].off + k] ^ t[i].bytes[k]);
		CHECK(encode_key_file(path("bad.sec"), "x", mut,
		    sizeof(mut)) == 0);
		rc = qasid_seckey_load(sk, path("bad.sec"), NULL, 0);
		if (rc != QASID_ERR_KEY)
			printf("  %s: got %d \"%s\"\n", t[i].name, rc,
			    qasid_seckey_errmsg(sk));
		CHECK(rc == QASID_ERR_KEY);
	}
	/* A truncated line, and a public key where a secret one belongs. */
	CHECK(encode_key_file(path("bad.sec"), "x", raw, sizeof(raw) - 1) ==
	    0);
	CHECK(qasid_seckey_load(sk, path("bad.sec"), NULL, 0) ==
	    QASID_ERR_KEY);
	CHECK(qasid_seckey_load(sk, path("plain.pub"), NULL, 0) ==
	    QASID_ERR_KEY);
	CHECK(qasid_seckey_file_encrypted(sk, path("plain.pub")) ==
	    QASID_ERR_KEY);
	qasid_pubkey_free(pk);
	qasid_seckey_free(sk);
}

/* minisign leaves the checksum of a key saved without a password zero. */
TEST(zero_checksum_accepted_when_unencrypted)
{
	qasid_pubkey *pk = qasid_pubkey_new(), *pk2 = qasid_pubkey_new();
	qasid_seckey *sk = qasid_seckey_new();
	unsigned char raw[SK_RAW];

	CHECK(make_pair("plain", pk) == QASID_OK);
	CHECK(decode_key_file(path("plain.sec"), raw, sizeof(raw)) == 0);
	memset(raw + SK_RAW - 32, 0, 32);
	CHECK(encode_key_file(path("zero.sec"), "x", raw, sizeof(raw)) == 0);
	CHECK(qasid_seckey_load(sk, path("zero.sec"), NULL, 0) == QASID_OK);
	CHECK(qasid_seckey_pubkey(sk, pk2) == QASID_OK);
	CHECK(same_pubkey(pk, pk2));
	qasid_pubkey_free(pk);
	qasid_pubkey_free(pk2);
	qasid_seckey_free(sk);
}

/*
 * A key file may ask for at most twice the scrypt cost minisign writes
 * (OPSLIMIT_SENSITIVE, MEMLIMIT_SENSITIVE); the old limits, 2^32 ops and
 * 4 GiB, let one key file cost hours or all the memory there is.
 */
TEST(kdf_bomb_refused)
{
	static const uint64_t ops_cap =
	    crypto_pwhash_scryptsalsa208sha256_OPSLIMIT_SENSITIVE * 2ull;
	static const uint64_t mem_cap =
	    crypto_pwhash_scryptsalsa208sha256_MEMLIMIT_SENSITIVE * 2ull;
	static const struct {
		uint64_t ops, mem;
		const char *cost;
	} t[] = {
		{(uint64_t)1 << 32, 16384, "4294967296 operations and 0 MiB"},
		{1 << 20, (uint64_t)4 << 30, "1048576 operations and 4096 MiB"},
		{ops_cap + 1, 16384, "67108865 operations"},
		{1 << 20, mem_cap + (1 << 20), "and 2049 MiB"},
		{UINT64_MAX, UINT64_MAX, "18446744073709551615 operations"},
	};
	qasid_pubkey *pk = qasid_pubkey_new();
	qasid_seckey *sk = qasid_seckey_new();
	unsigned char raw[SK_RAW];
	char want[600];

	CHECK(make_pair("plain", pk) == QASID_OK);
	for (size_t i = 0; i < NITEMS(t); i++) {
		CHECK(decode_key_file(path("plain.sec"), raw, sizeof(raw)) ==
		    0);
		memcpy(raw + 2, "Sc", 2);
		for (int b = 0; b < 8; b++) {
			raw[6 + SK_SALT + b] = (unsigned char)(t[i].ops >>
			    (8 * b));
			raw[6 + SK_SALT + 8 + b] = (unsigned char)(t[i].mem >>
			    (8 * b));
		}
		CHECK(encode_key_file(path("bomb.sec"), "x", raw,
		    sizeof(raw)) == 0);
		CHECK(qasid_seckey_load(sk, path("bomb.sec"), "pw", 2) ==
		    QASID_ERR_KEY);
		snprintf(want, sizeof(want), "%s: key asks for a password "
		    "hashing cost of ", path("bomb.sec"));
		CHECK(strstr(qasid_seckey_errmsg(sk), want) != NULL);
		CHECK(strstr(qasid_seckey_errmsg(sk), t[i].cost) != NULL);
		CHECK(strstr(qasid_seckey_errmsg(sk), "more than 67108864 and "
		    "2048 MiB is refused") != NULL);
	}
	qasid_pubkey_free(pk);
	qasid_seckey_free(sk);
}

/* ---- Key strings, ids, fingerprints --------------------------------------- */

/* "Ed", id 01..08, key bytes 0x20..0x3f. */
#define FIXED_KEY "RWQBAgMEBQYHCCAhIiMkJSYnKCkqKywtLi8wMTIzNDU2Nzg5Ojs8PT4/"

TEST(key_strings_parse)
{
	static const struct {
		const char *s;
		int want;
	} t[] = {
		{FIXED_KEY, QASID_OK},
		{"", QASID_ERR_KEY},
		{"RWQ", QASID_ERR_KEY},
		{FIXED_KEY "=", QASID_ERR_KEY},
		{FIXED_KEY "AAAA", QASID_ERR_KEY},
		{" " FIXED_KEY, QASID_ERR_KEY},
		{"XWQBAgMEBQYHCCAhIiMkJSYnKCkqKywtLi8wMTIzNDU2Nzg5Ojs8PT4/",
		    QASID_ERR_KEY},
		{"RWQBAgMEBQYHCCAhIiMkJSYnKCkqKywtLi8wMTIzNDU2Nzg5Ojs8PT4_",
		    QASID_ERR_KEY},
		{"untrusted comment: minisign public key", QASID_ERR_KEY},
	};
	qasid_pubkey *pk = qasid_pubkey_new();
	char b64[64], id[QASID_KEYID_HEX];

	for (size_t i = 0; i < NITEMS(t); i++) {
		int rc = qasid_pubkey_parse(pk, t[i].s);
		if (rc != t[i].want)
			printf("  \"%s\": got %d\n", t[i].s, rc);
		CHECK(rc == t[i].want);
	}
	CHECK(qasid_pubkey_parse(pk, FIXED_KEY) == QASID_OK);
	qasid_pubkey_b64(pk, b64);
	CHECK_EQ_STR(b64, FIXED_KEY);
	qasid_pubkey_id(pk, id);
	CHECK_EQ_STR(id, "0807060504030201");
	qasid_pubkey_free(pk);
}

TEST(key_ids_in_hex)
{
	static const unsigned char id[QK_KEYID] = {
		0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0xab};
	static const struct {
		const char *s;
		int ok;
	} t[] = {
		{"AB07060504030201", 1},
		{"ab07060504030201", 1},
		{"Ab07060504030201", 1},
		{"AB0706050403020", 0},
		{"AB070605040302011", 0},
		{"AB0706050403020G", 0},
		{"AB07060504030 01", 0},
		{"", 0},
	};
	unsigned char back[QK_KEYID];
	char hex[QASID_KEYID_HEX];

	/* Shown as minisign shows it: a little-endian number, upper case. */
	qkey_id_hex(id, hex);
	CHECK_EQ_STR(hex, "AB07060504030201");
	for (size_t i = 0; i < NITEMS(t); i++) {
		int rc;
		memset(back, 0, sizeof(back));
		rc = qkey_id_parse(t[i].s, back);
		CHECK((rc == 0) == t[i].ok);
		if (t[i].ok)
			CHECK(memcmp(back, id, QK_KEYID) == 0);
	}
}

TEST(fingerprint_stable)
{
	qasid_pubkey *pk = qasid_pubkey_new(), *other = qasid_pubkey_new();
	qasid_seckey *sk = qasid_seckey_new();
	char fp[48], fp2[48];

	/* Derived by hand from the documented rule: BLAKE2b-128 of the raw
	 * key, eight big-endian 16-bit numbers modulo 10000. People compare
	 * these over the phone, so they must never change. */
	CHECK(qasid_pubkey_parse(pk, FIXED_KEY) == QASID_OK);
	qasid_pubkey_fingerprint(pk, fp);
	CHECK_EQ_STR(fp, "7936 6119 6315 4434 6942 5312 1308 0310");

	/* Saved and loaded again, the same; another key, another print. */
	CHECK(qasid_pubkey_save(pk, path("fixed.pub"), 1) == QASID_OK);
	CHECK(qasid_pubkey_load(other, path("fixed.pub")) == QASID_OK);
	qasid_pubkey_fingerprint(other, fp2);
	CHECK_EQ_STR(fp, fp2);
	CHECK(qasid_seckey_generate(sk, other) == QASID_OK);
	qasid_pubkey_fingerprint(other, fp2);
	CHECK(strcmp(fp, fp2) != 0);
	CHECK(strlen(fp2) == 39);
	for (int i = 0; i < 39; i++)
		CHECK(i % 5 == 4 ? fp2[i] == ' ' :
		    (fp2[i] >= '0' && fp2[i] <= '9'));
	qasid_pubkey_free(pk);
	qasid_pubkey_free(other);
	qasid_seckey_free(sk);
}

static int
rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(p);
}

int
main(void)
{
	const char *tmp = getenv("TMPDIR");
	int rc;

	if (qasid_init() != QASID_OK)
		return 2;
	snprintf(dir, sizeof(dir), "%s/test_keys.XXXXXX", tmp ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL)
		return 2;
	rc = RUN_TESTS(unencrypted_round_trip, save_refuses_to_overwrite,
	    encrypted_round_trip, wrong_password_is_password_error,
	    malformed_public_keys, malformed_secret_keys,
	    zero_checksum_accepted_when_unencrypted, kdf_bomb_refused,
	    key_strings_parse, key_ids_in_hex, fingerprint_stable);
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return rc;
}
