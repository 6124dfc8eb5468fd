/* SPDX-License-Identifier: ISC */
/*
 * cli_keytime.c - keys over time (docs/FORMAT.md 17.3): qasid key rotate,
 * key revoke and key show, qasid trust import, and the statements verify,
 * unpack and list take from a .qasid-keys folder beside the bundles.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "cli.h"

#define OPT_PASSWORD_FILE 1000
#define OPT_COMPROMISED 1041

struct keyargs {
	const char *sec, *pub, *out, *after;
	int compromised, force;
};

static int64_t
now(void)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");

	/* Reproducible statements for tests, as bundles. */
	if (sde != NULL && *sde >= '0' && *sde <= '9')
		return (int64_t)strtoll(sde, NULL, 10);
	return (int64_t)time(NULL);
}

static char *
path_with(const char *a, const char *b, const char *c)
{
	size_t n = strlen(a) + strlen(b) + strlen(c) + 1;
	char *p = malloc(n);

	if (p != NULL)
		snprintf(p, n, "%s%s%s", a, b, c);
	return p;
}

char *
cli_next_path(const char *sec, int pub)
{
	return path_with(sec, ".next", pub ? ".pub" : "");
}

char *
cli_keys_folder(const char *sec)
{
	return path_with(sec, ".keys", "");
}

/* Loads a secret key, asking for its password once into *pw if needed. */
static int
load_sec(qasid_seckey *sk, const char *path, char **pw, size_t *pwlen)
{
	int enc = qasid_seckey_file_encrypted(sk, path), rc;

	if (enc < 0)
		return cli_result(enc, qasid_seckey_errmsg(sk));
	if (enc && *pw == NULL &&
	    (*pw = cli_password("Password: ", 0, pwlen)) == NULL)
		return EXIT_OTHER;
	rc = qasid_seckey_load(sk, path, enc ? *pw : NULL, enc ? *pwlen : 0);
	return cli_result(rc, qasid_seckey_errmsg(sk));
}

/* ---- key rotate --------------------------------------------------------- */

struct rotation {
	qasid_seckey *old, *succ, *next;
	qasid_pubkey *oldpk, *succpk, *nextpk;
	char *pw;
	size_t pwlen;
	int made_succ;    /* the key had no successor: made now */
};

static void
rotation_free(struct rotation *r)
{
	qasid_seckey_free(r->old);
	qasid_seckey_free(r->succ);
	qasid_seckey_free(r->next);
	qasid_pubkey_free(r->oldpk);
	qasid_pubkey_free(r->succpk);
	qasid_pubkey_free(r->nextpk);
	if (r->pw)
		sodium_free(r->pw);
}

/* The old key, its successor (made now if it has none) and a new one. */
static int
rotation_keys(struct rotation *r, const struct keyargs *a, const char *nsec)
{
	int status;

	if ((r->old = qasid_seckey_new()) == NULL ||
	    (r->succ = qasid_seckey_new()) == NULL ||
	    (r->next = qasid_seckey_new()) == NULL ||
	    (r->oldpk = qasid_pubkey_new()) == NULL ||
	    (r->succpk = qasid_pubkey_new()) == NULL ||
	    (r->nextpk = qasid_pubkey_new()) == NULL)
		return cli_fail("out of memory");
	/* A seized key is gone: its successor alone signs the rotation. */
	if (access(a->sec, F_OK) != 0 && errno == ENOENT &&
	    access(nsec, F_OK) == 0) {
		qasid_seckey_free(r->old);
		r->old = NULL;
		if ((status = qasid_pubkey_load(r->oldpk, a->pub)) != QASID_OK)
			return cli_result(status, qasid_pubkey_errmsg(r->oldpk));
	} else if ((status = load_sec(r->old, a->sec, &r->pw, &r->pwlen)) !=
	    0) {
		return status;
	} else {
		qasid_seckey_pubkey(r->old, r->oldpk);
	}
	if (access(nsec, F_OK) == 0) {
		if ((status = load_sec(r->succ, nsec, &r->pw, &r->pwlen)) != 0)
			return status;
		qasid_seckey_pubkey(r->succ, r->succpk);
	} else {
		r->made_succ = 1;
		qasid_seckey_generate(r->succ, r->succpk);
	}
	qasid_seckey_generate(r->next, r->nextpk);
	return 0;
}

/* Keeps the statement in SEC.keys too, which qasid pack -s SEC carries in
 * every bundle. */
static int
keep_beside(qasid_statement *st, struct rotation *r, const char *sec,
    const char *name)
{
	char *dir = cli_keys_folder(sec), *where;
	int rc;

	if (dir == NULL || (where = path_with(dir, name, "")) == NULL) {
		free(dir);
		return cli_fail("out of memory");
	}
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		rc = cli_fail("%s: %s", dir, strerror(errno));
	else if ((rc = qasid_statement_save(st, where, r->succ, r->old)) ==
	    QASID_ERR_EXISTS)
		rc = 0;  /* -o named this folder */
	else
		rc = cli_result(rc, qasid_statement_errmsg(st));
	free(dir);
	free(where);
	return rc;
}

/* The statement: by the successor, and by the old key, which we hold. */
static int
rotation_statement(struct rotation *r, const struct keyargs *a,
    char **where)
{
	qasid_statement *st = qasid_statement_new();
	char oid[QASID_KEYID_HEX], nid[QASID_KEYID_HEX], name[64];
	int rc;

	if (st == NULL)
		return cli_fail("out of memory");
	if (mkdir(a->out, 0755) < 0 && errno != EEXIST) {
		qasid_statement_free(st);
		return cli_fail("%s: %s", a->out, strerror(errno));
	}
	qasid_pubkey_id(r->oldpk, oid);
	qasid_pubkey_id(r->succpk, nid);
	snprintf(name, sizeof(name), "/%s-%s.rotate", oid, nid);
	if ((*where = path_with(a->out, name, "")) == NULL) {
		qasid_statement_free(st);
		return cli_fail("out of memory");
	}
	rc = qasid_statement_rotate(st, r->oldpk, r->succpk, r->nextpk, now());
	if (rc == QASID_OK && a->compromised)
		qasid_statement_set_compromised(st);
	if (rc == QASID_OK)
		rc = qasid_statement_save(st, *where, r->succ, r->old);
	rc = cli_result(rc, qasid_statement_errmsg(st));
	/* The same bytes (Ed25519 signs deterministically) for bundles to
	 * carry. */
	if (rc == 0)
		rc = keep_beside(st, r, a->sec, name);
	qasid_statement_free(st);
	return rc;
}

/* Saves sk and pk under sec and pub, encrypted as the others. */
static int
save_pair(struct rotation *r, qasid_seckey *sk, qasid_pubkey *pk,
    const char *sec, const char *pub)
{
	int rc = qasid_seckey_save(sk, sec, r->pw, r->pw ? r->pwlen : 0, 1);

	if (rc != QASID_OK)
		return cli_result(rc, qasid_seckey_errmsg(sk));
	if (r->pw == NULL)
		fprintf(stderr, "qasid: warning: %s is saved without a "
		    "password\n", cli_safe(sec));
	rc = qasid_pubkey_save(pk, pub, 1);
	return cli_result(rc, qasid_pubkey_errmsg(pk));
}

static int
move(const char *from, const char *to)
{
	if (rename(from, to) < 0)
		return cli_fail("%s: cannot move to %s: %s", from, to,
		    strerror(errno));
	return 0;
}

/* SEC and PUB become the successor's; the old pair is kept as
 * SEC.retired-ID and PUB.retired-ID; SEC.next is the new successor. */
static int
rotation_files(struct rotation *r, const struct keyargs *a, const char *nsec,
    const char *npub)
{
	char oid[QASID_KEYID_HEX], ext[32], *osec, *opub;
	int status;

	qasid_pubkey_id(r->oldpk, oid);
	snprintf(ext, sizeof(ext), ".retired-%s", oid);
	osec = path_with(a->sec, ext, "");
	opub = path_with(a->pub, ext, "");
	if (osec == NULL || opub == NULL)
		status = cli_fail("out of memory");
	else if ((r->old == NULL || (status = move(a->sec, osec)) == 0) &&
	    (status = move(a->pub, opub)) == 0)
		status = save_pair(r, r->succ, r->succpk, a->sec, a->pub);
	if (status == 0)
		status = save_pair(r, r->next, r->nextpk, nsec, npub);
	free(osec);
	free(opub);
	return status;
}

static void
rotation_report(struct rotation *r, const struct keyargs *a,
    const char *where, const char *nsec)
{
	char oid[QASID_KEYID_HEX], nid[QASID_KEYID_HEX], fp[48];

	qasid_pubkey_id(r->oldpk, oid);
	qasid_pubkey_id(r->succpk, nid);
	qasid_pubkey_fingerprint(r->succpk, fp);
	if (r->made_succ)
		fprintf(stderr, "qasid: note: key %s had no successor (a key "
		    "made by minisign -G, or before qasid made successors): "
		    "key %s was made now, and this rotation rests on the old "
		    "key's signature alone\n", oid, nid);
	if (cli.quiet)
		return;
	printf("rotated key %s to key %s\nfingerprint: %s\nstatement: %s "
	    "(put it in a .qasid-keys folder beside the bundles)\n"
	    "secret key: %s, public key: %s (the new key)\nold key: kept as "
	    "%s.retired-%s\nsuccessor: %s (keep it off the machine that "
	    "signs)\n", oid, nid, fp, cli_safe(where), cli_safe(a->sec),
	    cli_safe(a->pub), cli_safe(a->sec), oid, cli_safe(nsec));
}

static int
key_rotate(const struct keyargs *a)
{
	struct rotation r = {0};
	char *nsec = cli_next_path(a->sec, 0), *npub = cli_next_path(a->sec, 1);
	char *where = NULL;
	int status;

	if (nsec == NULL || npub == NULL)
		status = cli_fail("out of memory");
	else if ((status = rotation_keys(&r, a, nsec)) == 0 &&
	    (status = rotation_statement(&r, a, &where)) == 0 &&
	    (status = rotation_files(&r, a, nsec, npub)) == 0)
		rotation_report(&r, a, where, nsec);
	rotation_free(&r);
	free(nsec);
	free(npub);
	free(where);
	return status;
}

/* ---- key revoke --------------------------------------------------------- */

/* "SERIES/N": what stays good of a compromised key. */
static int
parse_after(const char *arg, char *series, size_t cap, uint64_t *n)
{
	const char *slash = strrchr(arg, '/');
	char *end;

	if (slash == NULL || (size_t)(slash - arg) >= cap || slash == arg ||
	    slash[1] < '0' || slash[1] > '9')
		return -1;
	memcpy(series, arg, (size_t)(slash - arg));
	series[slash - arg] = '\0';
	errno = 0;
	*n = strtoull(slash + 1, &end, 10);
	return *end == '\0' && errno == 0 ? 0 : -1;
}

static int
key_revoke(const struct keyargs *a)
{
	qasid_seckey *sk = qasid_seckey_new();
	qasid_pubkey *pk = qasid_pubkey_new();
	qasid_statement *st = qasid_statement_new();
	char series[80] = "", *pw = NULL;
	size_t pwlen = 0;
	uint64_t after = 0;
	int status, rc;

	if (sk == NULL || pk == NULL || st == NULL)
		status = cli_fail("out of memory");
	else if (a->after != NULL && parse_after(a->after, series,
	    sizeof(series), &after) != 0)
		status = cli_fail("--compromised %s: SERIES/SEQUENCE, the last "
		    "bundle that is yours", a->after);
	else if ((rc = qasid_pubkey_load(pk, a->pub)) != QASID_OK)
		status = cli_result(rc, qasid_pubkey_errmsg(pk));
	else if ((status = load_sec(sk, a->sec, &pw, &pwlen)) == 0) {
		rc = qasid_statement_revoke(st, pk, a->compromised,
		    *series ? series : NULL, after, now());
		if (rc == QASID_OK)
			rc = qasid_statement_save(st, a->out, sk, NULL);
		status = cli_result(rc, qasid_statement_errmsg(st));
	}
	/* Our own text: keys, hashes, numbers and a checked series. */
	if (status == 0 && !cli.quiet)
		fputs(qasid_statement_text(st), stdout);
	if (pw)
		sodium_free(pw);
	qasid_seckey_free(sk);
	qasid_pubkey_free(pk);
	qasid_statement_free(st);
	return status;
}

/* ---- key show ----------------------------------------------------------- */

static int
is_statement(const char *path)
{
	char head[18] = "";
	FILE *f = fopen(path, "re");

	if (f == NULL)
		return 0;
	if (fread(head, 1, sizeof(head), f) != sizeof(head))
		head[0] = '\0';
	fclose(f);
	return memcmp(head, "qasid-statement 1\n", 18) == 0;
}

/* The keys a statement names, as people compare them. */
static void
show_keys(const qasid_statement *st)
{
	qasid_pubkey *pk = qasid_pubkey_new();
	char id[QASID_KEYID_HEX], fp[48];

	if (pk == NULL)
		return;
	qasid_statement_key(st, pk);
	qasid_pubkey_id(pk, id);
	qasid_pubkey_fingerprint(pk, fp);
	printf("key %s, fingerprint %s\n", id, fp);
	if (qasid_statement_new_key(st, pk) == QASID_OK) {
		qasid_pubkey_id(pk, id);
		qasid_pubkey_fingerprint(pk, fp);
		printf("new key %s, fingerprint %s\n", id, fp);
	}
	qasid_pubkey_free(pk);
}

static int
show_statement(const char *path)
{
	qasid_statement *st = qasid_statement_new();
	int rc;

	if (st == NULL)
		return cli_fail("out of memory");
	rc = qasid_statement_load(st, path);
	/* Canonical, so only keys, hashes, numbers and a series name. */
	if (rc == QASID_OK) {
		fputs(qasid_statement_text(st), stdout);
		show_keys(st);
		printf("signatures: valid (who may make it is the keyring's to "
		    "judge: qasid trust import %s)\n", cli_safe(path));
	}
	rc = cli_result(rc, qasid_statement_errmsg(st));
	qasid_statement_free(st);
	return rc;
}

static int
show_key(const char *path)
{
	qasid_pubkey *pk = qasid_pubkey_new();
	char id[QASID_KEYID_HEX], fp[48], hash[65];
	int rc;

	if (pk == NULL)
		return cli_fail("out of memory");
	if ((rc = qasid_pubkey_load(pk, path)) == QASID_OK) {
		qasid_pubkey_id(pk, id);
		qasid_pubkey_fingerprint(pk, fp);
		qasid_pubkey_commitment(pk, hash);
		printf("key %s\nfingerprint: %s\ncommitment: %s (the next-key "
		    "of bundles of the key it succeeds)\n", id, fp, hash);
	}
	rc = cli_result(rc, qasid_pubkey_errmsg(pk));
	qasid_pubkey_free(pk);
	return rc;
}

int
cmd_key(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"password-file", required_argument, NULL, OPT_PASSWORD_FILE},
		{"compromised", optional_argument, NULL, OPT_COMPROMISED},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct keyargs a = {.out = NULL};
	const char *sub = argc > 1 ? argv[1] : "";
	int c;

	optind = 2;
	while ((c = getopt_long(argc, argv, "s:p:o:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 's': a.sec = optarg; break;
		case 'p': a.pub = optarg; break;
		case 'o': a.out = optarg; break;
		case 'q': cli.quiet = 1; break;
		case OPT_PASSWORD_FILE: cli.password_file = optarg; break;
		case OPT_COMPROMISED: a.compromised = 1; a.after = optarg;
			break;
		default: return cli_usage("key");
		}
	}
	if (strcmp(sub, "show") == 0 && optind + 1 == argc)
		return is_statement(argv[optind]) ? show_statement(
		    argv[optind]) : show_key(argv[optind]);
	if (a.sec == NULL || a.pub == NULL || optind != argc)
		return cli_usage("key");
	if (strcmp(sub, "rotate") == 0 && a.after == NULL) {
		if (a.out == NULL)
			a.out = ".qasid-keys";
		return key_rotate(&a);
	}
	if (strcmp(sub, "revoke") == 0 && a.out != NULL)
		return key_revoke(&a);
	return cli_usage("key");
}

/* ---- Statements into the keyring ---------------------------------------- */

/* The keyring file the command trusts, to keep what statements and
 * bundles taught it; NULL when keys came from -p or -P. */
static char *ringfile;

void
cli_keys_ringfile(const char *path)
{
	free(ringfile);
	ringfile = path != NULL ? strdup(path) : NULL;
}

static void
keep(qasid_keyring *kr)
{
	int rc;

	if (ringfile != NULL && (rc = qasid_keyring_save(kr, ringfile)) !=
	    QASID_OK)
		cli_result(rc, qasid_keyring_errmsg(kr));
}

/* Says what a statement changed, once: the keyring file remembers. */
static void
told(const qasid_statement *st, const char *path)
{
	qasid_pubkey *a = qasid_pubkey_new(), *b = qasid_pubkey_new();
	char ida[QASID_KEYID_HEX], idb[QASID_KEYID_HEX], fp[48];

	if (a == NULL || b == NULL || cli.json)
		goto out;
	qasid_statement_key(st, a);
	qasid_pubkey_id(a, ida);
	if (qasid_statement_kind(st) == QASID_STATEMENT_ROTATE &&
	    qasid_statement_new_key(st, b) == QASID_OK) {
		qasid_pubkey_id(b, idb);
		qasid_pubkey_fingerprint(b, fp);
		fprintf(stderr, "qasid: note: the publisher rotated from key %s "
		    "to key %s, fingerprint %s (%s)\n", ida, idb, fp,
		    cli_safe(path));
	} else {
		fprintf(stderr, "qasid: note: the publisher revoked key %s "
		    "(%s)\n", ida, cli_safe(path));
	}
out:
	qasid_pubkey_free(a);
	qasid_pubkey_free(b);
}

/* Applies one statement file: 1 if the keyring changed, 0 if not, or a
 * library error (printed when loud). */
static int
apply_file(qasid_keyring *kr, const char *path, int loud)
{
	qasid_statement *st = qasid_statement_new();
	int rc;

	if (st == NULL)
		return QASID_ERR_NOMEM;
	if ((rc = qasid_statement_load(st, path)) != QASID_OK) {
		cli_result(rc, qasid_statement_errmsg(st));
	} else if ((rc = qasid_keyring_apply(kr, st)) < 0) {
		if (loud || rc != QASID_ERR_NOTFOUND)
			cli_fail("%s: %s", path, qasid_keyring_errmsg(kr));
	} else {
		if (rc == QASID_OK)
			told(st, path);
		rc = rc == QASID_OK;
	}
	qasid_statement_free(st);
	return rc;
}

int
cli_trust_import(qasid_keyring *kr, char **files, int n)
{
	int worst = 0, changed = 0;

	for (int i = 0; i < n; i++) {
		int rc = apply_file(kr, files[i], 1), s = 0;
		if (rc < 0)
			s = qasid_err_is_verification(rc) ? 1 : 2;
		if (s > worst)
			worst = s;
		/* A contradiction marks the key compromised: keep that. */
		if (rc == 1 || rc == QASID_ERR_CONTRADICTION)
			changed = 1;
		if (rc == 0 && !cli.quiet)
			printf("%s: nothing new\n", cli_safe(files[i]));
	}
	if (changed)
		keep(kr);
	return worst;
}

static int
not_signature(const char *name)
{
	size_t n = strlen(name);

	return name[0] != '.' && (n < 8 || strcmp(name + n - 8,
	    ".minisig") != 0);
}

/* The statement files of a folder, sorted; NULL if there is none. */
static char **
statement_files(const char *dir, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **v = NULL, **nv;

	*n = 0;
	if (d == NULL)
		return NULL;
	while ((de = readdir(d)) != NULL && *n < 4096) {
		if (!not_signature(de->d_name))
			continue;
		if ((nv = realloc(v, (*n + 1) * sizeof(*v))) == NULL)
			break;
		v = nv;
		if ((v[*n] = path_with(dir, "/", de->d_name)) != NULL)
			(*n)++;
	}
	closedir(d);
	return v;
}

void
cli_keys_beside(qasid_keyring *kr, const char *bundle)
{
	static char *last;
	const char *slash = strrchr(bundle, '/');
	char *dir, **files;
	size_t n;
	int changed = 0, more = 1;

	dir = slash ? path_with("", "", bundle) : path_with(".", "", "");
	if (dir == NULL)
		return;
	if (slash)
		dir[slash - bundle] = '\0';
	if (last != NULL && strcmp(last, dir) == 0) {
		free(dir);
		return;
	}
	free(last);
	last = dir;
	if ((dir = path_with(last, "/.qasid-keys", "")) == NULL ||
	    (files = statement_files(dir, &n)) == NULL) {
		free(dir);
		return;
	}
	/* Chains come in any order: again, until a round changes nothing. */
	for (size_t round = 0; more && round < n; round++) {
		more = 0;
		for (size_t i = 0; i < n; i++) {
			int rc = apply_file(kr, files[i], 0);
			if (rc == 1 || rc == QASID_ERR_CONTRADICTION)
				more = changed = 1;
		}
	}
	if (changed)
		keep(kr);
	for (size_t i = 0; i < n; i++)
		free(files[i]);
	free(files);
	free(dir);
}

void
cli_keys_note(qasid_keyring *kr, const qasid_reader *r)
{
	int rc = qasid_keyring_note(kr, r);

	if (rc == QASID_OK)
		keep(kr);
	else if (rc < 0)
		cli_result(rc, qasid_keyring_errmsg(kr));
}

/* ---- Statements a bundle carries ---------------------------------------- */

struct carried {
	char *name[64];
	unsigned char *data[64];
	size_t len[64], n;
};

static int
carried_take(void *ud, const char *name, const void *data, size_t len)
{
	struct carried *c = ud;

	if (c->n == 64)
		return QASID_ERR_LIMIT;
	if ((c->name[c->n] = strdup(name)) == NULL ||
	    (c->data[c->n] = malloc(len ? len : 1)) == NULL) {
		free(c->name[c->n]);
		return QASID_ERR_NOMEM;
	}
	memcpy(c->data[c->n], data, len);
	c->len[c->n++] = len;
	return 0;
}

/* The carried file called a followed by b, or -1. */
static ptrdiff_t
carried_find(const struct carried *c, const char *a, const char *b)
{
	size_t na = strlen(a);

	for (size_t i = 0; i < c->n; i++)
		if (strncmp(c->name[i], a, na) == 0 &&
		    strcmp(c->name[i] + na, b) == 0)
			return (ptrdiff_t)i;
	return -1;
}

/* Applies statement i: 1 if the keyring changed, 0 if not, or an error
 * (printed, but for a statement about a key not trusted here). */
static int
carried_apply(qasid_keyring *kr, const struct carried *c, size_t i,
    const char *bundle)
{
	qasid_statement *st = qasid_statement_new();
	ptrdiff_t s = carried_find(c, c->name[i], ".minisig");
	ptrdiff_t o = carried_find(c, c->name[i], ".old.minisig");
	char label[4200];
	int rc;

	if (st == NULL)
		return QASID_ERR_NOMEM;
	snprintf(label, sizeof(label), "%s: .qasid/keys/%s", bundle,
	    c->name[i]);
	rc = qasid_statement_load_memory(st, label, c->data[i], c->len[i],
	    s < 0 ? NULL : c->data[s], s < 0 ? 0 : c->len[s],
	    o < 0 ? NULL : c->data[o], o < 0 ? 0 : c->len[o]);
	if (rc != QASID_OK)
		cli_result(rc, qasid_statement_errmsg(st));
	else if ((rc = qasid_keyring_apply(kr, st)) < 0 &&
	    rc != QASID_ERR_NOTFOUND)
		cli_fail("%s: %s", label, qasid_keyring_errmsg(kr));
	else if (rc == QASID_OK)
		told(st, label);
	qasid_statement_free(st);
	return rc == QASID_OK;
}

int
cli_keys_inside(qasid_keyring *kr, const char *bundle)
{
	qasid_reader *r = qasid_reader_new(kr);
	struct carried c = {.n = 0};
	int rc = QASID_ERR_NOMEM, changed = 0, more = 1;

	if (r != NULL && (rc = qasid_reader_open(r, bundle)) == QASID_OK)
		rc = qasid_reader_statements(r, carried_take, &c);
	if (rc != QASID_OK && r != NULL && cli.verbose)
		cli_fail("%s", qasid_reader_errmsg(r));
	/* Chains come in any order: again, until a round changes nothing. */
	for (size_t round = 0; more && round < c.n; round++) {
		more = 0;
		for (size_t i = 0; i < c.n; i++) {
			size_t k = strlen(c.name[i]);
			if (k >= 8 && strcmp(c.name[i] + k - 8, ".minisig") ==
			    0)
				continue;
			if (carried_apply(kr, &c, i, bundle) == 1)
				more = changed = 1;
		}
	}
	if (changed)
		keep(kr);
	for (size_t i = 0; i < c.n; i++) {
		free(c.name[i]);
		free(c.data[i]);
	}
	qasid_reader_free(r);
	return changed;
}
