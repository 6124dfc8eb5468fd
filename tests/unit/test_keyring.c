/* SPDX-License-Identifier: ISC */
/*
 * test_keyring.c - unit tests for src/keys/keyring.c: the recipient's file of
 * pinned publisher keys, added to, removed from, saved and loaded;
 * malformed files refused with the file and line named; and the lock a
 * change holds from its load to its save.
 */
#include <errno.h>
#include <ftw.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "internal.h"

#define NITEMS(a) (sizeof(a) / sizeof((a)[0]))
#define KEY_A "RWQBAgMEBQYHCCAhIiMkJSYnKCkqKywtLi8wMTIzNDU2Nzg5Ojs8PT4/"

#include "testfiles.h"

static qasid_pubkey *
new_key(void)
{
	qasid_seckey *sk = qasid_seckey_new();
	qasid_pubkey *pk = qasid_pubkey_new();

	qasid_seckey_generate(sk, pk);
	qasid_seckey_free(sk);
	return pk;
}

static void
id_of(const qasid_pubkey *pk, char id[QASID_KEYID_HEX])
{
	qasid_pubkey_id(pk, id);
}

/* The trusted key equal to pk in full, or NULL. */
static const struct qring_key *
find(const qasid_keyring *kr, const qasid_pubkey *pk)
{
	size_t first, n = qkeyring_match(kr, pk->id, &first);

	for (size_t i = 0; i < n; i++) {
		const struct qring_key *k = qkeyring_at(kr, first + i);
		if (memcmp(k->pk, pk->pk, sizeof(k->pk)) == 0)
			return k;
	}
	return NULL;
}

/* A key pair of its own that carries victim's key id, as anyone can make. */
static qasid_seckey *
impostor(const qasid_pubkey *victim, qasid_pubkey *pk)
{
	qasid_seckey *sk = qasid_seckey_new();

	qasid_seckey_generate(sk, pk);
	memcpy(sk->id, victim->id, QK_KEYID);
	memcpy(pk->id, victim->id, QK_KEYID);
	return sk;
}

TEST(add_save_load)
{
	static const char *const names[] = {"Teachers' committee",
	    "کمیته معلمان", ""};
	qasid_pubkey *k[3];
	qasid_keyring *kr = qasid_keyring_new(), *back = qasid_keyring_new();
	char text[2048], b64[64], line[400];

	for (size_t i = 0; i < NITEMS(k); i++) {
		k[i] = new_key();
		CHECK(qasid_keyring_add(kr, k[i], names[i]) == QASID_OK);
	}
	CHECK(qasid_keyring_count(kr) == 3);
	CHECK(qasid_keyring_save(kr, path("ring")) == QASID_OK);
	CHECK(qasid_keyring_load(back, path("ring")) == QASID_OK);
	CHECK(qasid_keyring_count(back) == 3);
	for (size_t i = 0; i < NITEMS(k); i++) {
		const char *name = NULL;
		qasid_pubkey *got = qasid_pubkey_new();
		CHECK(qasid_keyring_get(back, i, got, &name) == QASID_OK);
		CHECK(name != NULL);
		if (name == NULL)
			continue;
		CHECK(memcmp(got->id, k[i]->id, QK_KEYID) == 0);
		CHECK(memcmp(got->pk, k[i]->pk, sizeof(got->pk)) == 0);
		CHECK_EQ_STR(name, names[i]);
		CHECK(find(back, k[i]) != NULL &&
		    strcmp(find(back, k[i])->name, names[i]) == 0);
		qasid_pubkey_free(got);
	}
	CHECK(qasid_keyring_get(back, 3, k[0], NULL) == QASID_ERR_NOTFOUND);
	/* The file is text a person can read: a comment, then key and name. */
	CHECK(read_file(path("ring"), text, sizeof(text)) > 0);
	CHECK(text[0] == '#');
	qasid_pubkey_b64(k[1], b64);
	snprintf(line, sizeof(line), "\n%s %s\n", b64, names[1]);
	CHECK(strstr(text, line) != NULL);
	for (size_t i = 0; i < NITEMS(k); i++)
		qasid_pubkey_free(k[i]);
	qasid_keyring_free(kr);
	qasid_keyring_free(back);
}

TEST(duplicate_add_refused)
{
	qasid_keyring *kr = qasid_keyring_new();
	qasid_pubkey *k = new_key(), *same = qasid_pubkey_new();
	char b64[64], id[QASID_KEYID_HEX];

	CHECK(qasid_keyring_add(kr, k, "first") == QASID_OK);
	CHECK(qasid_keyring_add(kr, k, "second") == QASID_ERR_EXISTS);
	/* The same key reached another way is still the same key. */
	qasid_pubkey_b64(k, b64);
	CHECK(qasid_pubkey_parse(same, b64) == QASID_OK);
	CHECK(qasid_keyring_add(kr, same, NULL) == QASID_ERR_EXISTS);
	id_of(k, id);
	CHECK(strstr(qasid_keyring_errmsg(kr), id) != NULL);
	CHECK(qasid_keyring_count(kr) == 1);
	qasid_pubkey_free(k);
	qasid_pubkey_free(same);
	qasid_keyring_free(kr);
}

TEST(remove_keys)
{
	qasid_keyring *kr = qasid_keyring_new(), *back = qasid_keyring_new();
	qasid_pubkey *a = new_key(), *b = new_key();
	char ida[QASID_KEYID_HEX], idb[QASID_KEYID_HEX], lower[QASID_KEYID_HEX];

	id_of(a, ida);
	id_of(b, idb);
	CHECK(qasid_keyring_add(kr, a, "a") == QASID_OK);
	CHECK(qasid_keyring_add(kr, b, "b") == QASID_OK);
	CHECK(qasid_keyring_remove(kr, "0000000000000000") ==
	    QASID_ERR_NOTFOUND);
	CHECK(strstr(qasid_keyring_errmsg(kr), "0000000000000000") != NULL);
	CHECK(qasid_keyring_remove(kr, "not-a-key-id") == QASID_ERR_ARG);
	CHECK(qasid_keyring_remove(kr, "") == QASID_ERR_ARG);
	CHECK(qasid_keyring_count(kr) == 2);
	/* Ids in any case name the same key. */
	for (int i = 0; i < QASID_KEYID_HEX; i++)
		lower[i] = (char)(ida[i] >= 'A' && ida[i] <= 'F' ?
		    ida[i] - 'A' + 'a' : ida[i]);
	CHECK(qasid_keyring_remove(kr, lower) == QASID_OK);
	CHECK(qasid_keyring_count(kr) == 1);
	CHECK(qasid_keyring_remove(kr, ida) == QASID_ERR_NOTFOUND);
	CHECK(find(kr, a) == NULL);
	CHECK(find(kr, b) != NULL && strcmp(find(kr, b)->name, "b") == 0);
	CHECK(qasid_keyring_save(kr, path("ring2")) == QASID_OK);
	CHECK(qasid_keyring_load(back, path("ring2")) == QASID_OK);
	CHECK(qasid_keyring_count(back) == 1);
	CHECK(find(back, b) != NULL);
	CHECK(qasid_keyring_remove(kr, idb) == QASID_OK);
	CHECK(qasid_keyring_count(kr) == 0);
	qasid_pubkey_free(a);
	qasid_pubkey_free(b);
	qasid_keyring_free(kr);
	qasid_keyring_free(back);
}

TEST(bad_names_refused)
{
	qasid_keyring *kr = qasid_keyring_new();
	qasid_pubkey *k = new_key();
	char longname[300];

	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	CHECK(qasid_keyring_add(kr, k, "two\nlines") == QASID_ERR_ARG);
	CHECK(qasid_keyring_add(kr, k, "tab\there") == QASID_ERR_ARG);
	CHECK(qasid_keyring_add(kr, k, "\x1b[31mred") == QASID_ERR_ARG);
	CHECK(qasid_keyring_add(kr, k, longname) == QASID_ERR_ARG);
	CHECK(qasid_keyring_count(kr) == 0);
	qasid_pubkey_free(k);
	qasid_keyring_free(kr);
}

TEST(missing_file_is_empty)
{
	qasid_keyring *kr = qasid_keyring_new();

	CHECK(qasid_keyring_load(kr, path("nothing-here")) == QASID_OK);
	CHECK(qasid_keyring_count(kr) == 0);
	/* A folder where the file should be is an error, not emptiness, and
	 * the message says which file and why. */
	CHECK(mkdir(path("a-folder"), 0700) == 0);
	CHECK(qasid_keyring_load(kr, path("a-folder")) == QASID_ERR_IO);
	CHECK(strstr(qasid_keyring_errmsg(kr), path("a-folder")) != NULL);
	CHECK(strstr(qasid_keyring_errmsg(kr), "Is a directory") != NULL);
	qasid_keyring_free(kr);
}

TEST(comments_blank_lines_and_duplicates)
{
	qasid_keyring *kr = qasid_keyring_new();
	qasid_pubkey *pk = qasid_pubkey_new();
	const char *name;

	CHECK(write_file(path("ring3"), "# pinned keys\n\n" KEY_A
	    " Teachers\r\n# " KEY_A "\n" KEY_A " again\n") == 0);
	CHECK(qasid_keyring_load(kr, path("ring3")) == QASID_OK);
	/* The same key twice is one trusted key, under its first name. */
	CHECK(qasid_keyring_count(kr) == 1);
	CHECK(qasid_keyring_get(kr, 0, pk, &name) == QASID_OK);
	CHECK_EQ_STR(name, "Teachers");
	qasid_pubkey_free(pk);
	qasid_keyring_free(kr);
}

struct bad {
	const char *name;
	const char *text;
	const char *where; /* expected in the message after the file name */
};

TEST(malformed_lines_name_file_and_line)
{
	static const struct bad t[] = {
		{"garbage", "# ok\nhello world\n", ": line 2:"},
		{"short key", KEY_A " a\nRWQBAgMEBQYHCC b\n", ": line 2:"},
		{"bad base64", "\n\n" "RWQBAgMEBQYHCCAhIiMkJSYnKCkqKywtLi8wMT"
		    "IzNDU2Nzg5Ojs8PT4! x\n", ": line 3:"},
		{"leading space", " " KEY_A " a\n", ": line 1:"},
		{"control character in name", KEY_A " a\x01b\n", ": line 1:"},
		{"secret key", "RWRTY0IykB7FywMiLsr1Juj/HH8wtVCIB/M2osmAfCHGGv"
		    "l4ILUAAAACAAAAAAAAAEAAAAAAVTHWm3C5vwQ3DVO8KhfOSdYLxaBjQZ2"
		    "tOZSqAWHRmUjl0KDps2BbxYRMAcWd3exeviGdnDPwU20R3hoh+hHlddoG/"
		    "32ONmjTaz4/FTjaYbECJvH1lyCcRI1GIY9pjX3GF4pjJInm9IA= x\n",
		    ": line 1"},
	};
	char want[600];

	for (size_t i = 0; i < NITEMS(t); i++) {
		qasid_keyring *kr = qasid_keyring_new();
		int rc;
		CHECK(write_file(path("bad-ring"), t[i].text) == 0);
		rc = qasid_keyring_load(kr, path("bad-ring"));
		snprintf(want, sizeof(want), "%s%s", path("bad-ring"),
		    t[i].where);
		if (rc != QASID_ERR_KEY ||
		    strstr(qasid_keyring_errmsg(kr), want) == NULL)
			printf("  %s: got %d \"%s\"\n", t[i].name, rc,
			    qasid_keyring_errmsg(kr));
		CHECK(rc == QASID_ERR_KEY);
		CHECK(strstr(qasid_keyring_errmsg(kr), want) != NULL);
		qasid_keyring_free(kr);
	}
}

TEST(overlong_line_names_file_and_line)
{
	qasid_keyring *kr = qasid_keyring_new();
	char text[3000], want[600];

	snprintf(text, sizeof(text), "# fine\n%s ", KEY_A);
	memset(text + strlen(text), 'x', 2000);
	text[sizeof(text) - 2] = '\n';
	text[sizeof(text) - 1] = '\0';
	CHECK(write_file(path("long-ring"), text) == 0);
	CHECK(qasid_keyring_load(kr, path("long-ring")) == QASID_ERR_KEY);
	snprintf(want, sizeof(want), "%s: line 2", path("long-ring"));
	CHECK(strstr(qasid_keyring_errmsg(kr), want) != NULL);
	qasid_keyring_free(kr);
}

/* Finding: a key with a copied id made the real key "already trusted". */
TEST(copied_id_trusted_beside_the_real_key)
{
	qasid_keyring *kr = qasid_keyring_new(), *back = qasid_keyring_new();
	qasid_pubkey *real = new_key(), *fake = qasid_pubkey_new();
	qasid_seckey *fsk = impostor(real, fake);
	char id[QASID_KEYID_HEX];
	size_t idx[4];

	id_of(real, id);
	CHECK(qasid_keyring_add(kr, fake, "impostor") == QASID_OK);
	CHECK(qasid_keyring_add(kr, real, "publisher") == QASID_OK);
	CHECK(qasid_keyring_count(kr) == 2);
	CHECK(qasid_keyring_find(kr, id, idx, 4) == 2);
	CHECK(idx[0] == 0 && idx[1] == 1);
	CHECK(qasid_keyring_add(kr, real, "again") == QASID_ERR_EXISTS);
	CHECK(strstr(qasid_keyring_errmsg(kr), "already trusted as "
	    "\"publisher\"") != NULL);
	/* Both survive a save and a load, in order, each with its name. */
	CHECK(qasid_keyring_save(kr, path("shared")) == QASID_OK);
	CHECK(qasid_keyring_load(back, path("shared")) == QASID_OK);
	CHECK(qasid_keyring_count(back) == 2);
	CHECK(find(back, fake) != NULL &&
	    strcmp(find(back, fake)->name, "impostor") == 0);
	CHECK(find(back, real) != NULL &&
	    strcmp(find(back, real)->name, "publisher") == 0);
	/* The id alone no longer says which key to remove. */
	CHECK(qasid_keyring_remove(kr, id) == QASID_ERR_ARG);
	CHECK(strstr(qasid_keyring_errmsg(kr), "2 trusted keys carry this "
	    "key id") != NULL);
	CHECK(qasid_keyring_remove_key(kr, fake) == QASID_OK);
	CHECK(qasid_keyring_count(kr) == 1 && find(kr, real) != NULL);
	CHECK(qasid_keyring_remove_key(kr, fake) == QASID_ERR_NOTFOUND);
	qasid_seckey_free(fsk);
	qasid_pubkey_free(real);
	qasid_pubkey_free(fake);
	qasid_keyring_free(kr);
	qasid_keyring_free(back);
}

/* Signs a made-up manifest hash with sk and checks it against kr. */
static int
verify_with(const qasid_keyring *kr, const qasid_seckey *sk,
    const struct qring_key **who)
{
	unsigned char hash[crypto_generichash_BYTES_MAX] = {1, 2, 3};
	char text[1024];
	size_t len = qsig_make(sk, hash, "t", text, sizeof(text));
	struct qsig s;
	struct qerr e = {0};

	if (len == 0 || qsig_parse(&s, text, len, &e) != QASID_OK)
		return -100;
	return qkeyring_verify(kr, &s, hash, who, &e);
}

/* Finding: the impostor, trusted first, made genuine bundles fail. */
TEST(lookup_tries_every_key_with_the_id)
{
	qasid_keyring *kr = qasid_keyring_new();
	qasid_seckey *rsk = qasid_seckey_new(), *fsk, *osk;
	qasid_pubkey *real = qasid_pubkey_new(), *fake = qasid_pubkey_new();
	qasid_pubkey *other = qasid_pubkey_new();
	const struct qring_key *who = NULL;

	qasid_seckey_generate(rsk, real);
	fsk = impostor(real, fake);
	osk = impostor(real, other);
	CHECK(qasid_keyring_add(kr, fake, "impostor") == QASID_OK);
	CHECK(verify_with(kr, rsk, &who) == QASID_ERR_SIGNATURE);
	CHECK(qasid_keyring_add(kr, real, "publisher") == QASID_OK);
	CHECK(verify_with(kr, rsk, &who) == QASID_OK);
	CHECK(who != NULL && strcmp(who->name, "publisher") == 0);
	CHECK(verify_with(kr, fsk, &who) == QASID_OK);
	CHECK(who != NULL && strcmp(who->name, "impostor") == 0);
	/* A third key with the id, not trusted, verifies with neither. */
	CHECK(verify_with(kr, osk, &who) == QASID_ERR_SIGNATURE);
	qasid_seckey_free(rsk);
	qasid_seckey_free(fsk);
	qasid_seckey_free(osk);
	qasid_pubkey_free(real);
	qasid_pubkey_free(fake);
	qasid_pubkey_free(other);
	qasid_keyring_free(kr);
}

/* Finding: a hand-added line with a known id was ignored, then dropped. */
TEST(hand_added_duplicate_id_line_kept)
{
	qasid_keyring *kr = qasid_keyring_new(), *back = qasid_keyring_new();
	qasid_pubkey *real = new_key(), *fake = qasid_pubkey_new();
	qasid_seckey *fsk = impostor(real, fake);
	char text[1024], a[64], b[64];

	qasid_pubkey_b64(real, a);
	qasid_pubkey_b64(fake, b);
	snprintf(text, sizeof(text), "%s first\n%s second\n", a, b);
	CHECK(write_file(path("hand"), text) == 0);
	CHECK(qasid_keyring_load(kr, path("hand")) == QASID_OK);
	CHECK(qasid_keyring_count(kr) == 2);
	CHECK(find(kr, fake) != NULL);
	CHECK(qasid_keyring_save(kr, path("hand")) == QASID_OK);
	CHECK(read_file(path("hand"), text, sizeof(text)) > 0);
	CHECK(strstr(text, b) != NULL && strstr(text, a) != NULL);
	CHECK(qasid_keyring_load(back, path("hand")) == QASID_OK);
	CHECK(qasid_keyring_count(back) == 2);
	qasid_seckey_free(fsk);
	qasid_pubkey_free(real);
	qasid_pubkey_free(fake);
	qasid_keyring_free(kr);
	qasid_keyring_free(back);
}

/* Many keys: lookups find each, whatever order they were added in. */
TEST(many_keys_indexed)
{
	qasid_keyring *kr = qasid_keyring_new();
	qasid_pubkey *k[300];

	for (size_t i = 0; i < NITEMS(k); i++) {
		k[i] = new_key();
		if (i % 3 == 2) /* some share an id with an earlier key */
			memcpy(k[i]->id, k[i / 2]->id, QK_KEYID);
		CHECK(qasid_keyring_add(kr, k[i], NULL) == QASID_OK);
	}
	for (size_t i = 0; i < NITEMS(k); i++) {
		CHECK(find(kr, k[i]) != NULL);
		CHECK(qasid_keyring_remove_key(kr, k[i]) == QASID_OK);
		CHECK(find(kr, k[i]) == NULL);
		if (i + 1 < NITEMS(k))
			CHECK(find(kr, k[NITEMS(k) - 1]) != NULL);
		qasid_pubkey_free(k[i]);
	}
	CHECK(qasid_keyring_count(kr) == 0);
	qasid_keyring_free(kr);
}

#define KEY_B "RWQJCAcGBQQDAiAhIiMkJSYnKCkqKywtLi8wMTIzNDU2Nzg5Ojs8PT4/"
#define HASH "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

/* What statements and bundles taught a keyring is saved and read back. */
TEST(records_round_trip)
{
	static const char text[] =
	    "# qasid trusted publisher keys: minisign public key, a space, "
	    "a name\n"
	    KEY_A " news\n" KEY_B " news\n"
	    "commit " KEY_A " " HASH "\n"
	    "rotated " KEY_A " " KEY_B " 1700000000\n"
	    "revoked " KEY_B " compromised 1700000100 news 41\n";
	qasid_keyring *kr = qasid_keyring_new();
	qasid_key_status ks;
	char back[2048];

	CHECK(write_file(path("rec-ring"), text) == 0);
	CHECK(qasid_keyring_load(kr, path("rec-ring")) == QASID_OK);
	CHECK(qasid_keyring_status(kr, 0, &ks) == QASID_OK);
	CHECK(ks.status == QASID_KEY_RETIRED && ks.since == 1700000000);
	CHECK(strcmp(ks.next_key, HASH) == 0 && ks.rotated_to[0] != '\0');
	CHECK(qasid_keyring_status(kr, 1, &ks) == QASID_OK);
	CHECK(ks.status == QASID_KEY_COMPROMISED && ks.after == 41);
	CHECK(strcmp(ks.series, "news") == 0);
	CHECK(qasid_keyring_save(kr, path("rec-ring2")) == QASID_OK);
	CHECK(read_file(path("rec-ring2"), back, sizeof(back)) ==
	    (long)strlen(text) && memcmp(back, text, strlen(text)) == 0);
	qasid_keyring_free(kr);
}

TEST(bad_records_refused)
{
	static const struct bad t[] = {
		{"record of an unlisted key", KEY_A " a\ncommit " KEY_B " "
		    HASH "\n", ": line 2:"},
		{"record before its key", "commit " KEY_A " " HASH "\n" KEY_A
		    " a\n", ": line 1:"},
		{"unknown record", KEY_A " a\nforgotten " KEY_A "\n",
		    ": line 2:"},
		{"short hash", KEY_A " a\ncommit " KEY_A " 0011\n", ": line 2:"},
		{"after for a retired key", KEY_A " a\nrevoked " KEY_A
		    " retired 1 news 4\n", ": line 2:"},
	};
	char want[600];

	for (size_t i = 0; i < NITEMS(t); i++) {
		qasid_keyring *kr = qasid_keyring_new();
		int rc;
		CHECK(write_file(path("bad-rec"), t[i].text) == 0);
		rc = qasid_keyring_load(kr, path("bad-rec"));
		snprintf(want, sizeof(want), "%s%s", path("bad-rec"),
		    t[i].where);
		if (rc != QASID_ERR_KEY ||
		    strstr(qasid_keyring_errmsg(kr), want) == NULL)
			printf("  %s: got %d \"%s\"\n", t[i].name, rc,
			    qasid_keyring_errmsg(kr));
		CHECK(rc == QASID_ERR_KEY);
		qasid_keyring_free(kr);
	}
}

/* 1 if another open of the lock file could lock it now, 0 if not. */
static int
lock_free(const char *lock)
{
	int fd = qos_open(lock, QOS_RDWR | QOS_NOFOLLOW, 0), ok;

	if (fd < 0)
		return -1;
	ok = qos_lock(fd, QOS_LOCK_EX | QOS_LOCK_NB) == 0;
	qos_close(fd);
	return ok;
}

/* edit takes FILE.lock before it loads, and keeps it to unlock or free. */
TEST(edit_holds_the_lock)
{
	qasid_keyring *kr = qasid_keyring_new(), *other = qasid_keyring_new();
	qasid_pubkey *a = new_key(), *b = new_key();

	CHECK(qasid_keyring_add(kr, a, "a") == QASID_OK);
	CHECK(qasid_keyring_save(kr, path("held")) == QASID_OK);
	CHECK(qasid_keyring_add(other, b, "b") == QASID_OK);
	/* What other held is replaced by the file's contents. */
	CHECK(qasid_keyring_edit(other, path("held")) == QASID_OK);
	CHECK(qasid_keyring_count(other) == 1 && find(other, a) != NULL);
	CHECK(lock_free(path("held.lock")) == 0);
	CHECK(qasid_keyring_add(other, b, "b") == QASID_OK);
	CHECK(qasid_keyring_save(other, path("held")) == QASID_OK);
	CHECK(lock_free(path("held.lock")) == 0);
	qasid_keyring_unlock(other);
	CHECK(lock_free(path("held.lock")) == 1);
	qasid_keyring_unlock(other); /* a second time: nothing */
	CHECK(qasid_keyring_edit(kr, path("held")) == QASID_OK);
	CHECK(qasid_keyring_count(kr) == 2);
	CHECK(lock_free(path("held.lock")) == 0);
	qasid_keyring_free(kr);
	CHECK(lock_free(path("held.lock")) == 1);
	qasid_keyring_free(other);
	qasid_pubkey_free(a);
	qasid_pubkey_free(b);
}

/* No folder: an empty keyring, nothing locked. A folder no lock file can
 * be made in, or a link in its place: an error naming the lock file. */
TEST(edit_without_a_lock_file)
{
	qasid_keyring *kr = qasid_keyring_new();
	qasid_pubkey *a = new_key();
	char want[600];

	CHECK(qasid_keyring_edit(kr, path("no-such/ring")) == QASID_OK);
	CHECK(qasid_keyring_count(kr) == 0);
	CHECK(mkdir(path("ro"), 0700) == 0);
	CHECK(qasid_keyring_add(kr, a, "a") == QASID_OK);
	CHECK(qasid_keyring_save(kr, path("ro/ring")) == QASID_OK);
	CHECK(chmod(path("ro"), 0500) == 0);
	snprintf(want, sizeof(want), "%s: ", path("ro/ring.lock"));
	/* Who writes there anyway (root) cannot see the refusal. */
	if (write_file(path("ro/probe"), "") != 0) {
		CHECK(qasid_keyring_edit(kr, path("ro/ring")) == QASID_ERR_IO);
		CHECK(strstr(qasid_keyring_errmsg(kr), want) ==
		    qasid_keyring_errmsg(kr));
		/* Readers need no lock. */
		CHECK(qasid_keyring_load(kr, path("ro/ring")) == QASID_OK);
	}
	CHECK(chmod(path("ro"), 0700) == 0);
	/* Nor is a lock file taken through a symbolic link. */
	CHECK(symlink(path("elsewhere"), path("ro/ring.lock")) == 0);
	CHECK(qasid_keyring_edit(kr, path("ro/ring")) == QASID_ERR_IO);
	CHECK(strstr(qasid_keyring_errmsg(kr), want) ==
	    qasid_keyring_errmsg(kr));
	CHECK(access(path("elsewhere"), F_OK) != 0);
	qasid_keyring_free(kr);
	qasid_pubkey_free(a);
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
	snprintf(dir, sizeof(dir), "%s/test_keyring.XXXXXX",
	    tmp ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL)
		return 2;
	rc = RUN_TESTS(add_save_load, duplicate_add_refused, remove_keys,
	    bad_names_refused, missing_file_is_empty,
	    comments_blank_lines_and_duplicates,
	    malformed_lines_name_file_and_line,
	    overlong_line_names_file_and_line,
	    copied_id_trusted_beside_the_real_key,
	    lookup_tries_every_key_with_the_id,
	    hand_added_duplicate_id_line_kept, many_keys_indexed,
	    records_round_trip, bad_records_refused, edit_holds_the_lock,
	    edit_without_a_lock_file);
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return rc;
}
