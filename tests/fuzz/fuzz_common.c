/* SPDX-License-Identifier: ISC */
/*
 * fuzz_common.c - the fixed test key, signing what the fuzzer makes, and
 * cleaning up after a run (fuzz.h).
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "gz.h"
#include "manifest.h"
#include "tar.h"

/* A test key made from a fixed seed. Never trust it for anything real. */
static const unsigned char key_seed[32] = "qasid fuzz key - never trust it";
static const unsigned char key_id[QK_KEYID] = {'q', 'f', 'u', 'z', 'z', 'k',
    'e', 'y'};

unsigned long fuzz_accepted;

static void
die(const char *what)
{
	fprintf(stderr, "fuzz: %s\n", what);
	abort();
}

static int
make_keys(qasid_seckey *sk, qasid_pubkey *pk)
{
	if (crypto_sign_seed_keypair(pk->pk, sk->sk, key_seed) != 0)
		return -1;
	memcpy(sk->id, key_id, QK_KEYID);
	memcpy(pk->id, key_id, QK_KEYID);
	sk->loaded = pk->loaded = 1;
	return 0;
}

static struct fuzz_env the_env;

static void
cleanup(void)
{
	if (the_env.dir[0] != '\0')
		fuzz_rm_tree(the_env.dir);
}

struct fuzz_env *
fuzz_env(void)
{
	const char *tmp = getenv("TMPDIR");

	if (the_env.kr != NULL)
		return &the_env;
	if (qasid_init() != QASID_OK)
		die("qasid_init");
	the_env.sk = qasid_seckey_new();
	the_env.pk = qasid_pubkey_new();
	the_env.kr = qasid_keyring_new();
	if (the_env.sk == NULL || the_env.pk == NULL || the_env.kr == NULL ||
	    make_keys(the_env.sk, the_env.pk) != 0 ||
	    qasid_keyring_add(the_env.kr, the_env.pk, "fuzz") != QASID_OK)
		die("keys");
	/* A memory file system keeps unpack's syncfs cheap. */
	if (tmp == NULL || *tmp == '\0')
		tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	snprintf(the_env.dir, sizeof(the_env.dir), "%s/qasid-fuzz.XXXXXX", tmp);
	if (mkdtemp(the_env.dir) == NULL)
		die("mkdtemp");
	snprintf(the_env.bundle, sizeof(the_env.bundle), "%s/in.qasid",
	    the_env.dir);
	atexit(cleanup);
	return &the_env;
}

void
fuzz_write(struct fuzz_env *env, const void *data, size_t size)
{
	int fd = open(env->bundle, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600);

	if (fd < 0 || qwrite_all(fd, data, size) != 0 || close(fd) != 0)
		die("writing the input");
}

int
fuzz_save_keys(const char *sec, const char *pub)
{
	struct fuzz_env *env = fuzz_env();

	return qasid_seckey_save(env->sk, sec, NULL, 0, 1) == QASID_OK &&
	    qasid_pubkey_save(env->pk, pub, 1) == QASID_OK ? 0 : -1;
}

/* Cuts the tar stream into members and lists them after the entries. */
static int
add_members(qgz *gz, const unsigned char *tar, size_t len, size_t step,
    struct qbuf *mf, struct qbuf *body, size_t *count)
{
	size_t off = 0;

	*count = 0;
	do {
		size_t n = step == 0 || len - off < step ? len - off : step;
		struct qmf_member m;
		size_t before = body->len;
		if (qgz_member(gz, tar + off, n, 0, body) != QASID_OK)
			return -1;
		m.clen = body->len - before;
		m.ulen = n;
		crypto_generichash(m.hash, sizeof(m.hash), body->p + before,
		    m.clen, NULL, 0);
		if (qmf_put_member(mf, &m) != QASID_OK)
			return -1;
		off += n;
		(*count)++;
	} while (off < len);
	return qmf_put_end(mf);
}

/* Puts the member count where the manifest says "members @". */
static int
fill_count(struct qbuf *mf, size_t count)
{
	static const char mark[] = "\nmembers @\n";
	char num[32];
	unsigned char *at = memmem(mf->p, mf->len, mark, sizeof(mark) - 1);
	size_t n, pos, tail;

	if (at == NULL)
		return 0;
	n = (size_t)snprintf(num, sizeof(num), "%zu", count);
	pos = (size_t)(at - mf->p) + sizeof(mark) - 3;
	tail = mf->len - pos - 1;
	if (qbuf_reserve(mf, n) != QASID_OK)
		return -1;
	memmove(mf->p + pos + n, mf->p + pos + 1, tail);
	memcpy(mf->p + pos, num, n);
	mf->len += n - 1;
	return 0;
}

/* The manifest's creation time, which its tar headers carry. */
static int64_t
created(const struct qbuf *mf)
{
	static const char key[] = "\ncreated ";
	const unsigned char *p = memmem(mf->p, mf->len, key, sizeof(key) - 1);
	int64_t t = 0;

	if (p == NULL)
		return 0;
	p += sizeof(key) - 1;
	for (int i = 0; i < 18 && p < mf->p + mf->len && *p >= '0' &&
	    *p <= '9'; i++, p++)
		t = t * 10 + (*p - '0');
	return t;
}

/* The head member: manifest entry and the signature's header. */
static int
make_head(qgz *gz, const struct qbuf *mf, size_t siglen, struct qbuf *head)
{
	static const unsigned char zero[QF_BLOCK];
	struct qtar_entry te = {QF_MANIFEST_NAME, 0, 0644, mf->len,
	    created(mf)};
	struct qbuf raw = {0};
	int rc;

	rc = qtar_header(&te, &raw) != QASID_OK ||
	    qbuf_append(&raw, mf->p, mf->len) != QASID_OK ||
	    qbuf_append(&raw, zero, qtar_padding(mf->len)) != QASID_OK;
	te.path = QF_SIG_NAME;
	te.size = siglen;
	if (rc == 0)
		rc = qtar_header(&te, &raw) != QASID_OK ||
		    qgz_member(gz, raw.p, raw.len, 0, head) != QASID_OK;
	qbuf_free(&raw);
	return rc ? -1 : 0;
}

static int
make_sig(qgz *gz, const struct qbuf *mf, const struct qbuf *head,
    struct qbuf *out)
{
	static const unsigned char zero[QF_BLOCK];
	unsigned char mh[crypto_generichash_BYTES_MAX], hh[QF_MEMBER_HASH];
	char trusted[128], sig[2048];
	struct qbuf raw = {0};
	size_t len;
	int rc;

	crypto_generichash(mh, sizeof(mh), mf->p, mf->len, NULL, 0);
	crypto_generichash(hh, sizeof(hh), head->p, head->len, NULL, 0);
	/* The comment names the manifest's own format, as the packer's. */
	qmf_trusted(mf->len > 16 && memcmp(mf->p, "qasid-manifest 2\n", 17) ==
	    0 ? 2 : 1, hh, trusted);
	len = qsig_make(fuzz_env()->sk, mh, trusted, sig, sizeof(sig));
	rc = len == 0 || qbuf_append(&raw, sig, len) != QASID_OK ||
	    qbuf_append(&raw, zero, qtar_padding(len)) != QASID_OK ||
	    qgz_member(gz, raw.p, raw.len, 1, out) != QASID_OK;
	qbuf_free(&raw);
	return rc ? -1 : 0;
}

unsigned char *
fuzz_sign_bundle(const uint8_t *data, size_t size, size_t *outlen)
{
	const uint8_t *nul = size ? memchr(data + 1, '\0', size - 1) : NULL;
	struct qbuf mf = {0}, body = {0}, head = {0}, out = {0};
	qgz *gz;
	size_t count, siglen;
	int rc;

	if (nul == NULL)
		return NULL;
	if ((gz = qgz_new()) == NULL)
		die("qgz_new");
	siglen = qsig_len(QF_TRUSTED_LEN);
	rc = qbuf_append(&mf, data + 1, (size_t)(nul - data - 1)) !=
	    QASID_OK || add_members(gz, nul + 1, (size_t)(data + size - nul -
	    1), (size_t)data[0] * QF_BLOCK, &mf, &body, &count) != 0 ||
	    fill_count(&mf, count) != 0 ||
	    make_head(gz, &mf, siglen, &head) != 0 ||
	    qbuf_append(&out, head.p, head.len) != QASID_OK ||
	    make_sig(gz, &mf, &head, &out) != 0 ||
	    qbuf_append(&out, body.p, body.len) != QASID_OK;
	qgz_free(gz);
	qbuf_free(&mf);
	qbuf_free(&body);
	qbuf_free(&head);
	if (rc)
		die("building a bundle");
	*outlen = out.len;
	return out.p;
}

static int
rm_at(int at, const char *name)
{
	struct dirent *d;
	DIR *dp;
	int fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC), rc = 0;

	if (fd < 0)
		return unlinkat(at, name, 0);
	if ((dp = fdopendir(fd)) == NULL) {
		close(fd);
		return -1;
	}
	while ((d = readdir(dp)) != NULL) {
		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
			continue;
		if (rm_at(dirfd(dp), d->d_name) != 0)
			rc = -1;
	}
	closedir(dp);
	return unlinkat(at, name, AT_REMOVEDIR) != 0 ? -1 : rc;
}

int
fuzz_rm_tree(const char *path)
{
	return rm_at(AT_FDCWD, path);
}
