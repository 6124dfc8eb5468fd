/*
 * cli_keys.c - qasid keygen and qasid trust.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "cli.h"

#define OPT_PASSWORD_FILE 1000

int
cmd_keygen(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"password-file", required_argument, NULL, OPT_PASSWORD_FILE},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *pub = NULL, *sec = NULL;
	int nopw = 0, force = 0, c, rc, status;
	qasid_seckey *sk;
	qasid_pubkey *pk;
	char *pw = NULL, id[QASID_KEYID_HEX], fp[48];
	size_t pwlen = 0;

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
	if (!force && (access(pub, F_OK) == 0 || access(sec, F_OK) == 0))
		return cli_fail("%s: file exists (use -f to overwrite)",
		    access(sec, F_OK) == 0 ? sec : pub);
	if (!nopw && (pw = cli_password("Password for the new secret key: ",
	    1, &pwlen)) == NULL)
		return EXIT_OTHER;
	sk = qasid_seckey_new();
	pk = qasid_pubkey_new();
	if (sk == NULL || pk == NULL) {
		status = cli_fail("out of memory");
		goto out;
	}
	qasid_seckey_generate(sk, pk);
	if ((rc = qasid_seckey_save(sk, sec, pw, pwlen, force)) != QASID_OK) {
		status = cli_result(rc, qasid_seckey_errmsg(sk));
		goto out;
	}
	if ((rc = qasid_pubkey_save(pk, pub, force)) != QASID_OK) {
		status = cli_result(rc, qasid_pubkey_errmsg(pk));
		goto out;
	}
	qasid_pubkey_id(pk, id);
	qasid_pubkey_fingerprint(pk, fp);
	if (!cli.quiet)
		printf("key %s\nfingerprint: %s\nsecret key: %s (keep it "
		    "secret)\npublic key: %s (give it to recipients)\n", id, fp,
		    sec, pub);
	status = 0;
out:
	if (pw)
		sodium_free(pw);
	qasid_seckey_free(sk);
	qasid_pubkey_free(pk);
	return status;
}

/* Creates the keyring's folder (mode 0700) if it is missing. */
static int
make_parent(const char *path)
{
	char *copy = strdup(path);
	int rc = 0;

	if (copy == NULL)
		return -1;
	for (char *p = copy + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, 0700) < 0 && errno != EEXIST)
			rc = -1;
		*p = '/';
	}
	free(copy);
	return rc;
}

static int
trust_list(qasid_keyring *kr)
{
	size_t n = qasid_keyring_count(kr);

	for (size_t i = 0; i < n; i++) {
		const char *name;
		const qasid_pubkey *pk = qasid_keyring_key(kr, i, &name);
		char id[QASID_KEYID_HEX], fp[48], b64[64];
		qasid_pubkey_id(pk, id);
		qasid_pubkey_fingerprint(pk, fp);
		qasid_pubkey_b64(pk, b64);
		if (cli.json) {
			printf("{\"keyid\":\"%s\",\"name\":", id);
			cli_json_str(name);
			printf(",\"fingerprint\":\"%s\",\"key\":\"%s\"}\n",
			    fp, b64);
		} else {
			printf("%s  %s  %s\n", id, fp, *name ? name : "-");
		}
	}
	return 0;
}

static int
trust_add(qasid_keyring *kr, const char *path, const char *arg,
    const char *name)
{
	qasid_pubkey *pk = qasid_pubkey_new();
	char id[QASID_KEYID_HEX], fp[48];
	int rc;

	if (pk == NULL)
		return cli_fail("out of memory");
	/* A key file, or a key string as minisign -P takes it. */
	rc = access(arg, F_OK) == 0 ? qasid_pubkey_load(pk, arg) :
	    qasid_pubkey_parse(pk, arg);
	if (rc != QASID_OK) {
		rc = cli_result(rc, qasid_pubkey_errmsg(pk));
		qasid_pubkey_free(pk);
		return rc;
	}
	if ((rc = qasid_keyring_add(kr, pk, name)) == QASID_OK) {
		if (make_parent(path) < 0)
			rc = QASID_ERR_IO;
		else
			rc = qasid_keyring_save(kr, path);
	}
	if (rc != QASID_OK) {
		rc = cli_result(rc, rc == QASID_ERR_IO && !*qasid_keyring_errmsg(
		    kr) ? path : qasid_keyring_errmsg(kr));
		qasid_pubkey_free(pk);
		return rc;
	}
	qasid_pubkey_id(pk, id);
	qasid_pubkey_fingerprint(pk, fp);
	if (!cli.quiet)
		printf("trusted %s  %s  %s\n", id, fp, name ? name : "-");
	qasid_pubkey_free(pk);
	return 0;
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
	int c, rc;

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
	if ((rc = qasid_keyring_load(kr, ring)) != QASID_OK)
		rc = cli_result(rc, qasid_keyring_errmsg(kr));
	else if (strcmp(sub, "list") == 0 && optind == argc)
		rc = trust_list(kr);
	else if (strcmp(sub, "add") == 0 && optind + 1 == argc)
		rc = trust_add(kr, ring, argv[optind], name);
	else if (strcmp(sub, "remove") == 0 && optind + 1 == argc) {
		rc = qasid_keyring_remove(kr, argv[optind]);
		if (rc == QASID_OK)
			rc = qasid_keyring_save(kr, ring);
		rc = cli_result(rc, qasid_keyring_errmsg(kr));
		if (rc == 0 && !cli.quiet)
			printf("removed %s\n", argv[optind]);
	} else
		rc = cli_usage("trust");
	qasid_keyring_free(kr);
	free(def);
	return rc;
}
