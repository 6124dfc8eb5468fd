/* SPDX-License-Identifier: ISC */
/*
 * cli_keytime.c - keys over time (docs/FORMAT.md 17.3): qasid key rotate,
 * key revoke and key show. What a keyring takes from statements is in
 * cli_follow.c.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "cli.h"
#include "os.h"

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

char *
cli_path3(const char *a, const char *b, const char *c)
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
	return cli_path3(sec, ".next", pub ? ".pub" : "");
}

char *
cli_keys_folder(const char *sec)
{
	return cli_path3(sec, ".keys", "");
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
	if (!qos_exists(a->sec) && qos_exists(nsec)) {
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
	if (qos_exists(nsec)) {
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

	if (dir == NULL || (where = cli_path3(dir, name, "")) == NULL) {
		free(dir);
		return cli_fail("out of memory");
	}
	if (qos_mkdirat(QOS_AT_CWD, dir, 0755) < 0 && errno != EEXIST)
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
	if (qos_mkdirat(QOS_AT_CWD, a->out, 0755) < 0 && errno != EEXIST) {
		qasid_statement_free(st);
		return cli_fail("%s: %s", a->out, strerror(errno));
	}
	qasid_pubkey_id(r->oldpk, oid);
	qasid_pubkey_id(r->succpk, nid);
	snprintf(name, sizeof(name), "/%s-%s.rotate", oid, nid);
	if ((*where = cli_path3(a->out, name, "")) == NULL) {
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
	if (qos_rename(from, to) < 0)
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
	osec = cli_path3(a->sec, ext, "");
	opub = cli_path3(a->pub, ext, "");
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
	    "(bundles packed with %s carry it from %s.keys; a .qasid-keys "
	    "folder beside older bundles helps too)\n"
	    "secret key: %s, public key: %s (the new key)\nold key: kept as "
	    "%s.retired-%s\nsuccessor: %s (keep it off the machine that "
	    "signs)\n", oid, nid, fp, cli_safe(where), cli_safe(a->sec),
	    cli_safe(a->sec), cli_safe(a->sec), cli_safe(a->pub),
	    cli_safe(a->sec), oid, cli_safe(nsec));
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

