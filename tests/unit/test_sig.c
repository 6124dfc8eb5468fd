/* SPDX-License-Identifier: ISC */
/*
 * test_sig.c - unit tests for src/format/sig.c: minisign signature files over a
 * manifest, made, parsed back and checked; and every way of changing their
 * text refused, since no byte of a bundle may change unnoticed.
 */
#include <stdlib.h>

#include "harness.h"
#include "internal.h"

#define NITEMS(a) (sizeof(a) / sizeof((a)[0]))
#define TRUSTED "qasid-bundle 1 head:0123456789abcdef0123456789abcdef" \
    "0123456789abcdef0123456789abcdef"
#define SIG_RAW (2 + QK_KEYID + crypto_sign_BYTES)

static qasid_seckey *sk;
static qasid_pubkey *pk;
static unsigned char hash[crypto_generichash_BYTES_MAX];
static char text[2048];
static size_t textlen;

/* A signature over a fixed message, made once. */
static void
setup(void)
{
	static const char msg[] = "qasid-manifest 1\ntitle test\n";

	sk = qasid_seckey_new();
	pk = qasid_pubkey_new();
	qasid_seckey_generate(sk, pk);
	crypto_generichash(hash, sizeof(hash), (const unsigned char *)msg,
	    sizeof(msg) - 1, NULL, 0);
	textlen = qsig_make(sk, hash, TRUSTED, text, sizeof(text));
}

static int
parse(const char *t, size_t n, struct qsig *s)
{
	struct qerr e = {0};

	return qsig_parse(s, t, n, &e);
}

TEST(round_trip)
{
	struct qsig s;
	struct qerr e = {0};
	char line[256];

	CHECK(textlen > 0);
	CHECK(textlen == qsig_len(strlen(TRUSTED)));
	CHECK(strlen(text) == textlen);
	/* minisign's layout, with qasid's fixed comments. */
	snprintf(line, sizeof(line), "%s\n", QF_UNTRUSTED);
	CHECK(strncmp(text, line, strlen(line)) == 0);
	CHECK(strncmp(text + strlen(line), "RU", 2) == 0);
	CHECK(strstr(text, "\ntrusted comment: " TRUSTED "\n") != NULL);
	CHECK(text[textlen - 1] == '\n');
	CHECK(qsig_parse(&s, text, textlen, &e) == QASID_OK);
	CHECK(memcmp(s.alg, "ED", 2) == 0);
	CHECK_EQ_STR(s.trusted, TRUSTED);
	CHECK(qsig_verify(&s, pk->pk, hash, &e) == QASID_OK);
	CHECK(e.code == QASID_OK);
}

TEST(small_buffer_and_long_comment_refused)
{
	char big[QS_TRUSTED_MAX + 2], out[4096];

	CHECK(qsig_make(sk, hash, TRUSTED, out, textlen) == 0);
	CHECK(qsig_make(sk, hash, TRUSTED, out, textlen + 1) == textlen);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CHECK(qsig_make(sk, hash, big, out, sizeof(out)) == 0);
	big[QS_TRUSTED_MAX] = '\0';
	CHECK(qsig_make(sk, hash, big, out, sizeof(out)) ==
	    qsig_len(QS_TRUSTED_MAX));
}

TEST(other_message_refused)
{
	unsigned char other[sizeof(hash)];
	struct qsig s;
	struct qerr e = {0};

	memcpy(other, hash, sizeof(other));
	other[17] ^= 1;
	CHECK(parse(text, textlen, &s) == QASID_OK);
	CHECK(qsig_verify(&s, pk->pk, other, &e) == QASID_ERR_SIGNATURE);
	CHECK(strstr(e.msg, "does not verify") != NULL);
}

TEST(wrong_key_refused)
{
	qasid_pubkey *other = qasid_pubkey_new();
	qasid_seckey *osk = qasid_seckey_new();
	struct qsig s;
	struct qerr e = {0};

	CHECK(qasid_seckey_generate(osk, other) == QASID_OK);
	CHECK(parse(text, textlen, &s) == QASID_OK);
	/* Another key... */
	CHECK(qsig_verify(&s, other->pk, hash, &e) == QASID_ERR_SIGNATURE);
	CHECK(strstr(e.msg, "manifest signature does not verify") != NULL);
	/* ...and another key claiming the signer's id. */
	memcpy(other->id, pk->id, QK_KEYID);
	qerr_clear(&e);
	CHECK(qsig_verify(&s, other->pk, hash, &e) == QASID_ERR_SIGNATURE);
	CHECK(strstr(e.msg, "manifest signature does not verify") != NULL);
	qasid_pubkey_free(other);
	qasid_seckey_free(osk);
}

/* Replaces the first occurrence of from in text by to, into out. */
static size_t
edit(const char *from, const char *to, char *out, size_t cap)
{
	const char *at = strstr(text, from);
	size_t head, n;

	if (at == NULL)
		return 0;
	head = (size_t)(at - text);
	n = (size_t)snprintf(out, cap, "%.*s%s%s", (int)head, text, to,
	    at + strlen(from));
	return n < cap ? n : 0;
}

TEST(tampered_trusted_comment_refused)
{
	static const char *const variants[] = {
		"qasid-bundle 1 head:1123456789abcdef0123456789abcdef"
		    "0123456789abcdef0123456789abcdef",
		"qasid-bundle 2 head:0123456789abcdef0123456789abcdef"
		    "0123456789abcdef0123456789abcdef",
		"qasid-bundle 1 head:0123456789abcdef0123456789abcdef"
		    "0123456789abcdef0123456789abcde",
		"",
	};
	char t[2048];
	struct qsig s;

	for (size_t i = 0; i < NITEMS(variants); i++) {
		struct qerr e = {0};
		size_t n = edit(TRUSTED, variants[i], t, sizeof(t));
		CHECK(n > 0);
		/* It is well formed; only the global signature catches it. */
		CHECK(parse(t, n, &s) == QASID_OK);
		CHECK(qsig_verify(&s, pk->pk, hash, &e) == QASID_ERR_SIGNATURE);
		CHECK(strstr(e.msg, "trusted comment") != NULL);
	}
}

/* The signature line re-encoded with another algorithm name. */
static size_t
with_algorithm(const char *alg, char *out, size_t cap)
{
	unsigned char raw[SIG_RAW];
	char line[256], b64[256];
	const char *l = strchr(text, '\n') + 1;
	size_t n = strcspn(l, "\n"), got;

	memcpy(line, l, n);
	line[n] = '\0';
	if (sodium_base642bin(raw, sizeof(raw), line, n, NULL, &got, NULL,
	    sodium_base64_VARIANT_ORIGINAL) != 0 || got != sizeof(raw))
		return 0;
	memcpy(raw, alg, 2);
	sodium_bin2base64(b64, sizeof(b64), raw, sizeof(raw),
	    sodium_base64_VARIANT_ORIGINAL);
	return edit(line, b64, out, cap);
}

TEST(legacy_algorithm_refused)
{
	static const char *const algs[] = {"Ed", "ed", "EE", "\0\0"};
	char t[2048];
	struct qsig s;

	for (size_t i = 0; i < NITEMS(algs); i++) {
		struct qerr e = {0};
		size_t n = with_algorithm(algs[i], t, sizeof(t));
		CHECK(n == textlen);
		CHECK(qsig_parse(&s, t, n, &e) == QASID_ERR_SIGNATURE);
		CHECK(strstr(e.msg, "not accepted") != NULL);
	}
	/* The same re-encoding with "ED" gives the original back. */
	CHECK(with_algorithm("ED", t, sizeof(t)) == textlen);
	CHECK(memcmp(t, text, textlen) == 0);
}

struct variant {
	const char *name;
	const char *from, *to;
};

TEST(non_canonical_text_refused)
{
	static const struct variant t[] = {
		{"other untrusted comment", QF_UNTRUSTED,
		    "untrusted comment: signature from minisign secret key"},
		{"untrusted comment with a space", QF_UNTRUSTED,
		    QF_UNTRUSTED " "},
		{"CRLF after the untrusted comment", "signature\n",
		    "signature\r\n"},
		{"CRLF after the trusted comment", TRUSTED "\n",
		    TRUSTED "\r\n"},
		{"blank line before the trusted comment", "\ntrusted",
		    "\n\ntrusted"},
		{"trusted label spelt differently", "\ntrusted comment: ",
		    "\ntrusted comment:  "},
		{"trusted label upper case", "\ntrusted comment: ",
		    "\nTrusted comment: "},
		{"leading blank line", QF_UNTRUSTED, "\n" QF_UNTRUSTED},
	};
	char v[2048];
	struct qsig s;

	for (size_t i = 0; i < NITEMS(t); i++) {
		struct qerr e = {0};
		size_t n = edit(t[i].from, t[i].to, v, sizeof(v));
		int rc = n ? qsig_parse(&s, v, n, &e) : -99;
		/* A changed trusted comment may parse; then it cannot verify. */
		if (rc == QASID_OK)
			rc = qsig_verify(&s, pk->pk, hash, &e);
		if (rc != QASID_ERR_SIGNATURE)
			printf("  %s: got %d\n", t[i].name, rc);
		CHECK(rc == QASID_ERR_SIGNATURE);
	}
	/* An extra newline at the end, or none. */
	memcpy(v, text, textlen);
	v[textlen] = '\n';
	CHECK(parse(v, textlen + 1, &s) == QASID_ERR_SIGNATURE);
	CHECK(parse(text, textlen - 1, &s) == QASID_ERR_SIGNATURE);
	/* Trailing data or a NUL after the last line. */
	memcpy(v + textlen, "x\n", 2);
	CHECK(parse(v, textlen + 2, &s) == QASID_ERR_SIGNATURE);
	v[textlen] = '\0';
	CHECK(parse(v, textlen + 1, &s) == QASID_ERR_SIGNATURE);
	/* Nothing at all, or half of it. */
	CHECK(parse("", 0, &s) == QASID_ERR_SIGNATURE);
	CHECK(parse(text, textlen / 2, &s) == QASID_ERR_SIGNATURE);
	/* The untouched text still parses: the refusals are not accidents of
	 * the buffer. */
	CHECK(parse(text, textlen, &s) == QASID_OK);
}

/* Found by fuzz_sig: a first line shorter than "untrusted comment:" was
 * compared past its end. */
TEST(short_first_line_refused)
{
	static const char t[] = "untrusted n\x8c\xc5\xf5\xad\n";
	char *exact = malloc(sizeof(t) - 1); /* no NUL after it */
	struct qsig s;
	struct qerr e = {0};

	CHECK(exact != NULL);
	if (exact == NULL)
		return;
	memcpy(exact, t, sizeof(t) - 1);
	CHECK(qsig_parse(&s, exact, sizeof(t) - 1, &e) == QASID_ERR_SIGNATURE);
	CHECK_EQ_STR(e.msg, "signature is missing or malformed");
	free(exact);
}

TEST(damaged_base64_refused)
{
	char v[2048];
	struct qsig s;
	const char *gl;
	size_t at;

	/* A character of the signature (past the key id, which is only a
	 * label for the lookup), then of the global signature. */
	memcpy(v, text, textlen);
	at = strlen(QF_UNTRUSTED) + 1 + 20;
	v[at] = v[at] == 'A' ? 'B' : 'A';
	{
		struct qerr e = {0};
		CHECK(qsig_parse(&s, v, textlen, &e) == QASID_OK);
		CHECK(qsig_verify(&s, pk->pk, hash, &e) == QASID_ERR_SIGNATURE);
	}
	memcpy(v, text, textlen);
	v[at] = '*';
	CHECK(parse(v, textlen, &s) == QASID_ERR_SIGNATURE);
	memcpy(v, text, textlen);
	gl = strstr(text, TRUSTED) + strlen(TRUSTED) + 1;
	at = (size_t)(gl - text) + 3;
	v[at] = v[at] == 'A' ? 'B' : 'A';
	{
		struct qerr e = {0};
		CHECK(qsig_parse(&s, v, textlen, &e) == QASID_OK);
		CHECK(qsig_verify(&s, pk->pk, hash, &e) == QASID_ERR_SIGNATURE);
	}
	memcpy(v, text, textlen);
	v[at] = '-';
	CHECK(parse(v, textlen, &s) == QASID_ERR_SIGNATURE);
}

int
main(void)
{
	int rc;

	if (qasid_init() != QASID_OK)
		return 2;
	setup();
	rc = RUN_TESTS(round_trip, small_buffer_and_long_comment_refused,
	    other_message_refused, wrong_key_refused,
	    tampered_trusted_comment_refused, legacy_algorithm_refused,
	    non_canonical_text_refused, damaged_base64_refused,
	    short_first_line_refused);
	qasid_seckey_free(sk);
	qasid_pubkey_free(pk);
	return rc;
}
