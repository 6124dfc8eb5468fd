/* SPDX-License-Identifier: ISC */
/*
 * cli_keys.c - qasid keygen (a key and its successor) and qasid trust.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cli.h"
#include "os.h"

#define OPT_PASSWORD_FILE 1000

/* An empty password protects nothing: say so, and ask to go on. Where
 * nobody can answer, -W is how to mean it. */
static int
confirm_empty(const char *sec)
{
	char answer[16];

	fprintf(stderr, "qasid: warning: the password is empty: anyone who "
	    "copies %s can sign as you\n", cli_safe(sec));
	if (cli.password_file != NULL || !qos_isatty(QOS_STDIN))
		return cli_fail("%s: empty password; use -W to save a key "
		    "without one on purpose", sec);
	fputs("Save the keys without a password? Type yes to go on: ",
	    stderr);
	if (fgets(answer, sizeof(answer), stdin) == NULL ||
	    strcmp(answer, "yes\n") != 0)
		return cli_fail("%s: not saved", sec);
	return 0;
}

/* Makes a key pair and saves it; its public half is left in pk. */
static int
new_pair(qasid_pubkey *pk, const char *sec, const char *pub,
    const char *pw, size_t pwlen, int force)
{
	qasid_seckey *sk = qasid_seckey_new();
	int rc;

	if (sk == NULL)
		return cli_fail("out of memory");
	qasid_seckey_generate(sk, pk);
	if ((rc = qasid_seckey_save(sk, sec, pw, pwlen, force)) != QASID_OK)
		rc = cli_result(rc, qasid_seckey_errmsg(sk));
	else if ((rc = qasid_pubkey_save(pk, pub, force)) != QASID_OK)
		rc = cli_result(rc, qasid_pubkey_errmsg(pk));
	if (rc == 0 && pw == NULL)
		fprintf(stderr, "qasid: warning: %s is saved without a "
		    "password (-W)\n", cli_safe(sec));
	qasid_seckey_free(sk);
	return rc;
}

static void
keygen_report(const qasid_pubkey *pk, const qasid_pubkey *next,
    const char *sec, const char *pub, const char *nsec)
{
	char id[QASID_KEYID_HEX], nid[QASID_KEYID_HEX], fp[48];

	if (cli.quiet)
		return;
	qasid_pubkey_id(pk, id);
	qasid_pubkey_id(next, nid);
	qasid_pubkey_fingerprint(pk, fp);
	printf("key %s\nfingerprint: %s\nsecret key: %s (keep it "
	    "secret)\npublic key: %s (give it to recipients)\n", id, fp,
	    cli_safe(sec), cli_safe(pub));
	printf("successor: %s (key %s, which `qasid key rotate` moves to; "
	    "keep it off the machine that signs, so that a thief of %s "
	    "cannot rotate)\n", cli_safe(nsec), nid, cli_safe(sec));
}

/* The files keygen writes must all be new, unless -f. */
static int
keygen_clash(const char *const *files, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (qos_exists(files[i]))
			return cli_fail("%s: file exists (use -f to "
			    "overwrite)", files[i]);
	return 0;
}

static int
keygen_write(const char *sec, const char *pub, int nopw, int force)
{
	char *pw = NULL, *nsec = cli_next_path(sec, 0);
	char *npub = cli_next_path(sec, 1);
	const char *files[] = {sec, pub, nsec, npub};
	qasid_pubkey *pk = qasid_pubkey_new(), *next = qasid_pubkey_new();
	size_t pwlen = 0;
	int status;

	if (nsec == NULL || npub == NULL || pk == NULL || next == NULL)
		status = cli_fail("out of memory");
	else if ((status = force ? 0 : keygen_clash(files, 4)) != 0)
		;
	else if (!nopw && (pw = cli_password("Password for the new secret "
	    "key: ", 1, &pwlen)) == NULL)
		status = EXIT_OTHER;
	else if ((status = pw && pwlen == 0 ? confirm_empty(sec) : 0) == 0 &&
	    (status = new_pair(pk, sec, pub, pw, pwlen, force)) == 0 &&
	    (status = new_pair(next, nsec, npub, pw, pwlen, force)) == 0)
		keygen_report(pk, next, sec, pub, nsec);
	if (pw)
		sodium_free(pw);
	qasid_pubkey_free(pk);
	qasid_pubkey_free(next);
	free(nsec);
	free(npub);
	return status;
}

int
cmd_keygen(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"password-file", required_argument, NULL, OPT_PASSWORD_FILE},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *pub = NULL, *sec = NULL;
	int nopw = 0, force = 0, c;

	while ((c = getopt_long(argc, argv, "p:s:Wfqh", longopts, NULL)) != -1) {
		switch (c) {
		case 'p': pub = optarg; break;
		case 's': sec = optarg; break;
		case 'W': nopw = 1; break;
		case 'f': force = 1; break;
		case 'q': cli.quiet = 1; break;
		case OPT_PASSWORD_FILE: cli.password_file = optarg; break;
		default: return cli_usage("keygen");
		}
	}
	if (pub == NULL || sec == NULL || optind != argc)
		return cli_usage("keygen");
	return keygen_write(sec, pub, nopw, force);
}

/* Creates the keyring's folder (mode 0700) if it is missing. */
static int
make_parent(const char *path)
{
	char *copy = strdup(path);
	int e = 0;

	if (copy == NULL)
		return -1;
	for (char *p = copy + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (qos_mkdirat(QOS_AT_CWD, copy, 0700) < 0 && errno != EEXIST &&
		    e == 0)
			e = errno;
		*p = '/';
	}
	free(copy);
	/* The first failure says why; those after it follow from it. */
	errno = e;
	return e != 0 ? -1 : 0;
}

static void
print_key(const char *prefix, const qasid_pubkey *pk, const char *name)
{
	char id[QASID_KEYID_HEX], fp[48], b64[64];

	qasid_pubkey_id(pk, id);
	qasid_pubkey_fingerprint(pk, fp);
	if (cli.json) {
		qasid_pubkey_b64(pk, b64);
		printf("{\"keyid\":\"%s\",\"name\":", id);
		cli_json_str(name);
		printf(",\"fingerprint\":\"%s\",\"key\":\"%s\"}\n", fp, b64);
	} else {
		printf("%s%s  %s  %s\n", prefix, id, fp,
		    *name ? cli_safe(name) : "-");
	}
}

/* "current", "retired (rotated to ID)", "compromised after S/N". */
static void
status_text(const qasid_key_status *s, char *out, size_t cap)
{
	if (s->status == QASID_KEY_CURRENT)
		snprintf(out, cap, "current");
	else if (s->status == QASID_KEY_RETIRED && s->rotated_to[0])
		snprintf(out, cap, "retired (rotated to %s)", s->rotated_to);
	else if (s->status == QASID_KEY_RETIRED)
		snprintf(out, cap, "retired");
	else if (s->series[0])
		snprintf(out, cap, "compromised after %s/%" PRIu64, s->series,
		    s->after);
	else
		snprintf(out, cap, "compromised");
}

static void
print_key_json(const qasid_pubkey *pk, const char *name,
    const qasid_key_status *ks)
{
	char id[QASID_KEYID_HEX], fp[48], b64[64];

	qasid_pubkey_id(pk, id);
	qasid_pubkey_fingerprint(pk, fp);
	qasid_pubkey_b64(pk, b64);
	printf("{\"keyid\":\"%s\",\"name\":", id);
	cli_json_str(name);
	printf(",\"fingerprint\":\"%s\",\"key\":\"%s\",\"status\":\"%s\","
	    "\"rotated_to\":\"%s\"}\n", fp, b64, ks->status ==
	    QASID_KEY_CURRENT ? "current" : ks->status == QASID_KEY_RETIRED ?
	    "retired" : "compromised", ks->rotated_to);
}

/* Each key with its status: the current keys, and the earlier ones of a
 * publisher who rotated, which name the key they rotated to. */
static int
trust_list(qasid_keyring *kr)
{
	size_t n = qasid_keyring_count(kr);
	qasid_pubkey *pk = qasid_pubkey_new();
	qasid_key_status ks;
	char st[128];

	if (pk == NULL)
		return cli_fail("out of memory");
	for (size_t i = 0; i < n; i++) {
		const char *name;
		qasid_keyring_get(kr, i, pk, &name);
		qasid_keyring_status(kr, i, &ks);
		status_text(&ks, st, sizeof(st));
		if (cli.json) {
			print_key_json(pk, name, &ks);
		} else if (ks.status == QASID_KEY_CURRENT) {
			print_key("", pk, name);
		} else {
			char id[QASID_KEYID_HEX], fp[48];
			qasid_pubkey_id(pk, id);
			qasid_pubkey_fingerprint(pk, fp);
			printf("%s  %s  %s  [%s]\n", id, fp, *name ?
			    cli_safe(name) : "-", st);
		}
	}
	qasid_pubkey_free(pk);
	return 0;
}

/* A key file, or a key string as minisign -P takes it. */
static qasid_pubkey *
load_key_arg(const char *arg, int *status)
{
	qasid_pubkey *pk = qasid_pubkey_new();
	int rc;

	if (pk == NULL) {
		*status = cli_fail("out of memory");
		return NULL;
	}
	rc = qos_exists(arg) ? qasid_pubkey_load(pk, arg) :
	    qasid_pubkey_parse(pk, arg);
	if (rc != QASID_OK) {
		*status = cli_result(rc, qasid_pubkey_errmsg(pk));
		qasid_pubkey_free(pk);
		return NULL;
	}
	return pk;
}

/* A key id is a label anyone can copy: say so when keys share one. */
static void
warn_shared_id(const qasid_keyring *kr, const qasid_pubkey *pk)
{
	char id[QASID_KEYID_HEX], fp[48];
	size_t idx[8], n;
	qasid_pubkey *other = qasid_pubkey_new();
	const char *name;

	qasid_pubkey_id(pk, id);
	if (other == NULL || (n = qasid_keyring_find(kr, id, idx, 8)) < 2) {
		qasid_pubkey_free(other);
		return;
	}
	fprintf(stderr, "qasid: warning: %zu trusted keys carry key id %s; "
	    "only one can be the publisher's. Compare each fingerprint with "
	    "the publisher's and remove the others:\n", n, id);
	for (size_t i = 0; i < n && i < 8; i++) {
		qasid_keyring_get(kr, idx[i], other, &name);
		qasid_pubkey_fingerprint(other, fp);
		fprintf(stderr, "qasid:   %s  %s  %s\n", id, fp,
		    *name ? cli_safe(name) : "-");
	}
	qasid_pubkey_free(other);
}

static int
trust_add(qasid_keyring *kr, const char *path, const qasid_pubkey *pk,
    const char *name)
{
	int rc;

	if ((rc = qasid_keyring_add(kr, pk, name)) == QASID_OK)
		rc = qasid_keyring_save(kr, path);
	if (rc != QASID_OK)
		return cli_result(rc, qasid_keyring_errmsg(kr));
	if (!cli.quiet)
		print_key("trusted ", pk, name ? name : "");
	warn_shared_id(kr, pk);
	return 0;
}

/* By key id, or, when several keys share an id, by key file or string. */
static int
trust_remove(qasid_keyring *kr, const char *path, const char *arg)
{
	int hex = strlen(arg) == 16 &&
	    strspn(arg, "0123456789abcdefABCDEF") == 16;
	qasid_pubkey *pk = NULL;
	int rc;

	if (hex)
		rc = qasid_keyring_remove(kr, arg);
	else if ((pk = load_key_arg(arg, &rc)) == NULL)
		return rc;
	else
		rc = qasid_keyring_remove_key(kr, pk);
	if (rc == QASID_OK)
		rc = qasid_keyring_save(kr, path);
	rc = cli_result(rc, qasid_keyring_errmsg(kr));
	if (rc == 0 && !cli.quiet) {
		if (pk != NULL)
			print_key("removed ", pk, "");
		else
			printf("removed %s\n", cli_safe(arg));
	}
	qasid_pubkey_free(pk);
	return rc;
}

/* A key's id and fingerprint, to compare before trusting it. */
static int
trust_show(const char *arg)
{
	qasid_pubkey *pk;
	int rc;

	if ((pk = load_key_arg(arg, &rc)) == NULL)
		return rc;
	print_key("", pk, "");
	qasid_pubkey_free(pk);
	return 0;
}

/* The keyring, loaded; for a command that changes it (change: 1, or 2
 * to add, which makes its folder first), locked from here to its save so
 * that changes others make at once are kept. 0 or an exit status. */
static int
ring_open(qasid_keyring *kr, const char *ring, int change)
{
	int rc;

	if (change == 2 && make_parent(ring) < 0)
		return cli_fail("%s: %s", ring, strerror(errno));
	if (change)
		rc = qasid_keyring_edit(kr, ring);
	else
		rc = qasid_keyring_load(kr, ring);
	return cli_result(rc, qasid_keyring_errmsg(kr));
}

int
cmd_trust(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"json", no_argument, NULL, 'J'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *ring = NULL, *name = NULL, *sub;
	char *def = NULL;
	qasid_keyring *kr;
	qasid_pubkey *pk = NULL;
	int c, rc, change = 0;

	while ((c = getopt_long(argc, argv, "K:n:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'K': ring = optarg; break;
		case 'n': name = optarg; break;
		case 'q': cli.quiet = 1; break;
		case 'J': cli.json = 1; break;
		default: return cli_usage("trust");
		}
	}
	if (optind >= argc)
		return cli_usage("trust");
	sub = argv[optind++];
	if (ring == NULL && (ring = def = cli_keyring_path()) == NULL)
		return EXIT_OTHER;
	if ((kr = qasid_keyring_new()) == NULL) {
		free(def);
		return cli_fail("out of memory");
	}
	if (strcmp(sub, "add") == 0 && optind + 1 == argc)
		change = 2;
	else if ((strcmp(sub, "remove") == 0 && optind + 1 == argc) ||
	    (strcmp(sub, "import") == 0 && optind < argc))
		change = 1;
	/* A key that does not load changes nothing: no keyring folder or
	 * lock is made for it. */
	if (change == 2 && (pk = load_key_arg(argv[optind], &rc)) == NULL)
		goto out;
	if ((rc = ring_open(kr, ring, change)) != 0)
		goto out;
	if (strcmp(sub, "list") == 0 && optind == argc)
		rc = trust_list(kr);
	else if (change == 2)
		rc = trust_add(kr, ring, pk, name);
	else if (strcmp(sub, "remove") == 0 && optind + 1 == argc)
		rc = trust_remove(kr, ring, argv[optind]);
	else if (strcmp(sub, "show") == 0 && optind + 1 == argc)
		rc = trust_show(argv[optind]);
	else if (strcmp(sub, "import") == 0 && optind < argc) {
		cli_keys_ringfile(ring, 1);
		rc = cli_trust_import(kr, argv + optind, argc - optind);
	}
	else
		rc = cli_usage("trust");
out:
	qasid_pubkey_free(pk);
	qasid_keyring_free(kr);
	free(def);
	return rc;
}
