/* SPDX-License-Identifier: ISC */
/*
 * sig.c - minisign signature files over a bundle's manifest.
 *
 * The manifest is signed the way `minisign -S` signs a file: Ed25519 over
 * BLAKE2b-512 of its bytes (algorithm "ED"), plus a global signature over
 * that signature and the trusted comment. A reader accepts only the exact
 * text qsig_format writes, so no byte of the signature file can change
 * without the change being caught.
 */
#include <string.h>

#include "internal.h"

#define SIG_RAW (2 + QK_KEYID + crypto_sign_BYTES)
#define SIG_B64 sodium_base64_ENCODED_LEN(SIG_RAW, \
    sodium_base64_VARIANT_ORIGINAL)
#define GSIG_B64 sodium_base64_ENCODED_LEN(crypto_sign_BYTES, \
    sodium_base64_VARIANT_ORIGINAL)
#define TRUSTED_LABEL "trusted comment: "

static size_t
sig_len(const char *untrusted, size_t tlen)
{
	/* Encoded lengths count a NUL that stands for the newline here. */
	return strlen(untrusted) + 1 + SIG_B64 + strlen(TRUSTED_LABEL) +
	    tlen + 1 + GSIG_B64;
}

size_t
qsig_len(size_t tlen)
{
	return sig_len(QF_UNTRUSTED, tlen);
}

static size_t
qsig_format(const struct qsig *s, const char *untrusted, char *out,
    size_t cap)
{
	unsigned char raw[SIG_RAW];
	char b64[SIG_B64], gb64[GSIG_B64];
	size_t len = sig_len(untrusted, strlen(s->trusted));
	int n;

	if (cap <= len)
		return 0;
	memcpy(raw, s->alg, 2);
	memcpy(raw + 2, s->keyid, QK_KEYID);
	memcpy(raw + 2 + QK_KEYID, s->sig, crypto_sign_BYTES);
	sodium_bin2base64(b64, sizeof(b64), raw, sizeof(raw),
	    sodium_base64_VARIANT_ORIGINAL);
	sodium_bin2base64(gb64, sizeof(gb64), s->global_sig,
	    crypto_sign_BYTES, sodium_base64_VARIANT_ORIGINAL);
	n = snprintf(out, cap, "%s\n%s\n%s%s\n%s\n", untrusted, b64,
	    TRUSTED_LABEL, s->trusted, gb64);
	return n < 0 || (size_t)n != len ? 0 : len;
}

/* The message the global signature covers: signature || trusted comment. */
static void
global_message(const struct qsig *s, unsigned char *msg, size_t *len)
{
	size_t tlen = strlen(s->trusted);

	memcpy(msg, s->sig, crypto_sign_BYTES);
	memcpy(msg + crypto_sign_BYTES, s->trusted, tlen);
	*len = crypto_sign_BYTES + tlen;
}

size_t
qsig_make(const qasid_seckey *sk,
    const unsigned char hash[crypto_generichash_BYTES_MAX],
    const char *trusted, char *out, size_t cap)
{
	return qsig_make_as(sk, hash, QF_UNTRUSTED, trusted, out, cap);
}

size_t
qsig_make_as(const qasid_seckey *sk,
    const unsigned char hash[crypto_generichash_BYTES_MAX],
    const char *untrusted, const char *trusted, char *out, size_t cap)
{
	struct qsig s;
	unsigned char msg[crypto_sign_BYTES + QS_TRUSTED_MAX];
	size_t mlen;

	if (strlen(trusted) > QS_TRUSTED_MAX)
		return 0;
	memcpy(s.alg, QK_ALG_PREHASH, 2);
	memcpy(s.keyid, sk->id, QK_KEYID);
	snprintf(s.trusted, sizeof(s.trusted), "%s", trusted);
	crypto_sign_detached(s.sig, NULL, hash, crypto_generichash_BYTES_MAX,
	    sk->sk);
	global_message(&s, msg, &mlen);
	crypto_sign_detached(s.global_sig, NULL, msg, mlen, sk->sk);
	return qsig_format(&s, untrusted, out, cap);
}

/* Splits off the next line (without its newline) or fails. */
static int
next_line(const char **p, const char *end, const char **line, size_t *len)
{
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));

	if (nl == NULL)
		return -1;
	*line = *p;
	*len = (size_t)(nl - *p);
	*p = nl + 1;
	return 0;
}

static int
b64_exact(const char *in, size_t inlen, unsigned char *out, size_t outlen)
{
	size_t got;

	return sodium_base642bin(out, outlen, in, inlen, NULL, &got, NULL,
	    sodium_base64_VARIANT_ORIGINAL) == 0 && got == outlen ? 0 : -1;
}

int
qsig_parse(struct qsig *s, const char *text, size_t len, struct qerr *e)
{
	return qsig_parse_as(s, text, len, QF_UNTRUSTED, e);
}

int
qsig_parse_as(struct qsig *s, const char *text, size_t len,
    const char *untrusted, struct qerr *e)
{
	const char *p = text, *end, *l;
	unsigned char raw[SIG_RAW];
	char again[2048];
	size_t n, tl = strlen(TRUSTED_LABEL);

	if (text == NULL || len == 0)
		return qerr_set(e, QASID_ERR_SIGNATURE,
		    "signature is missing or malformed");
	end = text + len;
	/* Lines are not NUL-terminated: compare within the line only. */
	if (next_line(&p, end, &l, &n) < 0 || n < 18 ||
	    memcmp(l, "untrusted comment:", 18) != 0 ||
	    next_line(&p, end, &l, &n) < 0 || n == 0)
		return qerr_set(e, QASID_ERR_SIGNATURE,
		    "signature is missing or malformed");
	if (b64_exact(l, n, raw, sizeof(raw)) < 0)
		return qerr_set(e, QASID_ERR_SIGNATURE,
		    "signature is not valid base64 of the right length");
	memcpy(s->alg, raw, 2);
	memcpy(s->keyid, raw + 2, QK_KEYID);
	memcpy(s->sig, raw + 2 + QK_KEYID, crypto_sign_BYTES);
	if (memcmp(s->alg, QK_ALG_PREHASH, 2) != 0)
		return qerr_set(e, QASID_ERR_SIGNATURE, "signature algorithm "
		    "'%.2s' is not accepted (only prehashed ED)", s->alg);
	if (next_line(&p, end, &l, &n) < 0 || n < tl ||
	    memcmp(l, TRUSTED_LABEL, tl) != 0 || n - tl > QS_TRUSTED_MAX)
		return qerr_set(e, QASID_ERR_SIGNATURE,
		    "signature has no valid trusted comment");
	memcpy(s->trusted, l + tl, n - tl);
	s->trusted[n - tl] = '\0';
	if (next_line(&p, end, &l, &n) < 0 ||
	    b64_exact(l, n, s->global_sig, crypto_sign_BYTES) < 0)
		return qerr_set(e, QASID_ERR_SIGNATURE,
		    "signature has no valid global signature");
	/* Anything but the exact canonical text could hide altered bytes. */
	if (qsig_format(s, untrusted, again, sizeof(again)) != len ||
	    memcmp(again, text, len) != 0)
		return qerr_set(e, QASID_ERR_SIGNATURE,
		    "signature file is not in canonical form");
	return QASID_OK;
}

int
qsig_verify(const struct qsig *s,
    const unsigned char pk[crypto_sign_PUBLICKEYBYTES],
    const unsigned char hash[crypto_generichash_BYTES_MAX], struct qerr *e)
{
	unsigned char msg[crypto_sign_BYTES + QS_TRUSTED_MAX];
	size_t mlen;

	if (crypto_sign_verify_detached(s->sig, hash,
	    crypto_generichash_BYTES_MAX, pk) != 0)
		return e ? qerr_set(e, QASID_ERR_SIGNATURE,
		    "manifest signature does not verify") :
		    QASID_ERR_SIGNATURE;
	global_message(s, msg, &mlen);
	if (crypto_sign_verify_detached(s->global_sig, msg, mlen, pk) != 0)
		return e ? qerr_set(e, QASID_ERR_SIGNATURE,
		    "trusted comment signature does not verify") :
		    QASID_ERR_SIGNATURE;
	return QASID_OK;
}
