/* SPDX-License-Identifier: ISC */
/*
 * cli_follow.c - statements into the keyring (docs/FORMAT.md 17.3): qasid
 * trust import, the .qasid-keys folder beside bundles, and the statements
 * a bundle carries, which verify, unpack and list follow when its key is
 * not trusted; each change is told once and kept in the keyring file. The
 * mirror's commands (copy, check, catalog) read heads the same way here,
 * and copy hands the statements beside its bundles on to DEST.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "os.h"

/* ---- Statements into the keyring ---------------------------------------- */

/* The keyring file the command trusts, to keep what statements and
 * bundles taught it; NULL when keys came from -p or -P. ringheld: the
 * command loaded it under its lock (trust import), which it still holds. */
static char *ringfile;
static int ringheld;

void
cli_keys_ringfile(const char *path, int held)
{
	free(ringfile);
	ringfile = path != NULL ? strdup(path) : NULL;
	ringheld = held;
}

/* What taught kr something, done again by redo to the keyring file as it
 * is now: another qasid may have changed it since this one read it. */
typedef void (*redo_fn)(qasid_keyring *kr, const void *what);

/* Saves what kr learnt. Unless the command holds the lock, the file is
 * read again under it and taught the same, so that nothing another qasid
 * saved meanwhile (a key trusted, a revocation) is lost. */
static void
keep(qasid_keyring *kr, redo_fn redo, const void *what)
{
	qasid_keyring *now;
	int rc;

	if (ringfile == NULL)
		return;
	if (ringheld || redo == NULL) {
		if ((rc = qasid_keyring_save(kr, ringfile)) != QASID_OK)
			cli_result(rc, qasid_keyring_errmsg(kr));
		return;
	}
	if ((now = qasid_keyring_new()) == NULL) {
		cli_fail("%s: out of memory", ringfile);
		return;
	}
	if ((rc = qasid_keyring_edit(now, ringfile)) == QASID_OK) {
		redo(now, what);
		rc = qasid_keyring_save(now, ringfile);
	}
	if (rc != QASID_OK)
		cli_result(rc, qasid_keyring_errmsg(now));
	qasid_keyring_free(now);
}

/* Statements that changed the keyring, slot by slot (NULL: none). */
struct taught {
	qasid_statement **st;
	size_t n;
};

/* Chains come in any order: again, until a round changes nothing. */
static void
redo_statements(qasid_keyring *kr, const void *what)
{
	const struct taught *t = what;
	int more = 1;

	for (size_t round = 0; more && round < t->n; round++) {
		more = 0;
		for (size_t i = 0; i < t->n; i++)
			if (t->st[i] != NULL &&
			    qasid_keyring_apply(kr, t->st[i]) == QASID_OK)
				more = 1;
	}
}

static void
redo_note(qasid_keyring *kr, const void *what)
{
	(void)qasid_keyring_note(kr, what);
}

static void
taught_free(struct taught *t)
{
	for (size_t i = 0; i < t->n; i++)
		qasid_statement_free(t->st[i]);
	free(t->st);
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
 * library error (printed when loud). A statement that changed it goes to
 * *kept, when kept is given and *kept is NULL. */
static int
apply_file(qasid_keyring *kr, const char *path, int loud,
    qasid_statement **kept)
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
	if ((rc == 1 || rc == QASID_ERR_CONTRADICTION) && kept != NULL &&
	    *kept == NULL)
		*kept = st;
	else
		qasid_statement_free(st);
	return rc;
}

int
cli_trust_import(qasid_keyring *kr, char **files, int n)
{
	int worst = 0, changed = 0;

	for (int i = 0; i < n; i++) {
		int rc = apply_file(kr, files[i], 1, NULL), s = 0;
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
	/* trust import holds the lock: there is nothing to redo. */
	if (changed)
		keep(kr, NULL, NULL);
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
	struct qos_dir *d = qos_dir_open(dir);
	const char *name;
	char **v = NULL, **nv;

	*n = 0;
	if (d == NULL)
		return NULL;
	while ((name = qos_dir_next(d, NULL)) != NULL && *n < 4096) {
		if (!not_signature(name))
			continue;
		if ((nv = realloc(v, (*n + 1) * sizeof(*v))) == NULL)
			break;
		v = nv;
		if ((v[*n] = cli_path3(dir, "/", name)) != NULL)
			(*n)++;
	}
	qos_dir_close(d);
	return v;
}

/* The .qasid-keys folder beside bundle, or NULL when it is the one
 * before (*last names the folder bundle is in; it is kept there). */
static char *
keys_folder(const char *bundle, char **last)
{
	const char *slash = strrchr(bundle, '/');
	char *dir = slash ? cli_path3("", "", bundle) : cli_path3(".", "", "");

	if (dir == NULL)
		return NULL;
	if (slash)
		dir[slash - bundle] = '\0';
	if (*last != NULL && strcmp(*last, dir) == 0) {
		free(dir);
		return NULL;
	}
	free(*last);
	*last = dir;
	return cli_path3(dir, "/.qasid-keys", "");
}

void
cli_keys_beside(qasid_keyring *kr, const char *bundle)
{
	static char *last;
	struct taught t = {NULL, 0};
	char *dir, **files;
	size_t n;
	int changed = 0, more = 1;

	if ((dir = keys_folder(bundle, &last)) == NULL ||
	    (files = statement_files(dir, &n)) == NULL) {
		free(dir);
		return;
	}
	if ((t.st = calloc(n, sizeof(*t.st))) == NULL) {
		cli_fail("%s: out of memory", dir);
		goto out;
	}
	t.n = n;
	/* Chains come in any order: again, until a round changes nothing. */
	for (size_t round = 0; more && round < n; round++) {
		more = 0;
		for (size_t i = 0; i < n; i++) {
			int rc = apply_file(kr, files[i], 0, &t.st[i]);
			if (rc == 1 || rc == QASID_ERR_CONTRADICTION)
				more = changed = 1;
		}
	}
	if (changed)
		keep(kr, redo_statements, &t);
	taught_free(&t);
out:
	for (size_t i = 0; i < n; i++)
		free(files[i]);
	free(files);
	free(dir);
}

/* ---- Statements passed on beside the bundles --------------------------- */

#define STATEMENT_FILE_MAX ((size_t)64 << 10)

/* Copies the file from to the path to, unless to is there: written
 * beside it, synced, then renamed without replacing anything. */
static int
pass_file(const char *from, const char *to)
{
	unsigned char *buf = malloc(STATEMENT_FILE_MAX);
	const char *b = strrchr(to, '/');
	char tmp[4200];
	int in = -1, out = -1, rc = -1;
	ptrdiff_t n = -1;

	/* Hidden while it is written: readers skip dot files. */
	snprintf(tmp, sizeof(tmp), "%.*s/.%s.tmp", (int)(b - to), to, b + 1);
	if (buf != NULL && !qos_exists(to) &&
	    (in = qos_open_read(from)) >= 0)
		n = qread_full(in, buf, STATEMENT_FILE_MAX);
	if (n >= 0 && (size_t)n < STATEMENT_FILE_MAX && (out = qos_open(tmp,
	    QOS_WRITE | QOS_CREATE | QOS_TRUNC | QOS_NOFOLLOW, 0644)) >= 0)
		rc = qwrite_all(out, buf, (size_t)n) != 0 || qos_fsync(out) != 0;
	if (out >= 0 && (qos_close(out) != 0 || rc != 0 ||
	    qrename_noreplace(QOS_AT_CWD, tmp, QOS_AT_CWD, to) != 0))
		(void)qos_unlinkat(QOS_AT_CWD, tmp, 0);
	if (in >= 0)
		qos_close(in);
	free(buf);
	return rc;
}

/* The statement at path, its signature and the old key's, into dir. */
static void
pass_statement(const char *path, const char *dir)
{
	static const char *const ext[] = {"", ".minisig", ".old.minisig"};
	qasid_statement *st = qasid_statement_new();
	const char *base = strrchr(path, '/') + 1;

	/* Only what checks out is handed on. */
	if (st == NULL || qasid_statement_load(st, path) != QASID_OK) {
		qasid_statement_free(st);
		return;
	}
	qasid_statement_free(st);
	for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		char *from = cli_path3(path, ext[i], "");
		char *to = cli_path3(dir, "/", base);
		char *to2 = to != NULL ? cli_path3(to, ext[i], "") : NULL;
		if (from != NULL && to2 != NULL && qos_exists(from))
			(void)pass_file(from, to2);
		free(from);
		free(to);
		free(to2);
	}
}

void
cli_keys_pass(const char *bundle, const char *dest)
{
	static char *last;
	char *src, *to = NULL;
	char **files;
	size_t n;

	if ((src = keys_folder(bundle, &last)) == NULL ||
	    (to = cli_path3(dest, "/.qasid-keys", "")) == NULL ||
	    (files = statement_files(src, &n)) == NULL) {
		free(src);
		free(to);
		return;
	}
	if (qos_mkdirat(QOS_AT_CWD, to, 0755) == 0 || qos_exists(to))
		for (size_t i = 0; i < n; i++)
			pass_statement(files[i], to);
	for (size_t i = 0; i < n; i++)
		free(files[i]);
	free(files);
	free(src);
	free(to);
}

/*
 * What a bundle whose signature held teaches the keyring: its key's
 * commitment to a successor; or, where it committed to another successor
 * than its key's bundles did first (the reader refused it so), that
 * someone else holds the key, which then counts as compromised. The
 * keyring keeps both; the reader has already said the second.
 */
void
cli_keys_note(qasid_keyring *kr, const qasid_reader *r)
{
	int rc = qasid_keyring_note(kr, r);

	if (rc == QASID_OK || rc == QASID_ERR_CONTRADICTION)
		keep(kr, redo_note, r);
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

/* Applies statement i: QASID_OK if the keyring changed, 1 if not, or an
 * error (printed, but for a statement about a key not trusted here). A
 * statement that changed it goes to *kept, if that is NULL. */
static int
carried_apply(qasid_keyring *kr, const struct carried *c, size_t i,
    const char *bundle, qasid_statement **kept)
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
	if ((rc == QASID_OK || rc == QASID_ERR_CONTRADICTION) && *kept == NULL)
		*kept = st;
	else
		qasid_statement_free(st);
	return rc;
}

int
cli_keys_inside(qasid_keyring *kr, const char *bundle)
{
	qasid_reader *r = qasid_reader_new(kr);
	struct carried c = {.n = 0};
	qasid_statement *got[64] = {NULL};
	struct taught t = {got, 0};
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
			int rc1 = carried_apply(kr, &c, i, bundle, &got[i]);
			if (rc1 == QASID_OK)
				more = changed = 1;
			/* A contradiction marks the key compromised: keep it. */
			else if (rc1 == QASID_ERR_CONTRADICTION)
				changed = 1;
		}
	}
	t.n = c.n;
	if (changed)
		keep(kr, redo_statements, &t);
	for (size_t i = 0; i < c.n; i++) {
		qasid_statement_free(got[i]);
		free(c.name[i]);
		free(c.data[i]);
	}
	qasid_reader_free(r);
	return changed;
}

/* ---- Heads read as verify reads them ------------------------------------ */

int
cli_head_followed(qasid_keyring *kr, qasid_reader *r, const char *path,
    struct cli_seen *s)
{
	int rc;

	if (qasid_keyring_count(kr) == 0)
		return QASID_ERR_UNTRUSTED;
	cli_keys_beside(kr, path);
	if (s != NULL && s->st != NULL)
		cli_seen_begin(s, r, 1);
	if ((rc = qasid_reader_open(r, path)) == QASID_OK)
		rc = qasid_reader_list(r, 1, NULL, NULL);
	if (rc == QASID_ERR_UNTRUSTED && cli_keys_inside(kr, path) &&
	    (rc = qasid_reader_open(r, path)) == QASID_OK)
		rc = qasid_reader_list(r, 1, NULL, NULL);
	return rc;
}

int
cli_key_refused(int rc)
{
	return rc == QASID_ERR_REFUSED || rc == QASID_ERR_RETIRED ||
	    rc == QASID_ERR_REVOKED || rc == QASID_ERR_CONTRADICTION;
}

int
cli_failed_check(int rc)
{
	return qasid_err_is_verification(rc) || cli_key_refused(rc);
}

void
cli_why_failed(const struct cli_seen *s, const qasid_reader *r,
    const char *path, int rc, const char **code, char *buf, size_t len)
{
	char why[1024];

	if (rc == QASID_ERR_REFUSED && s != NULL && s->judged) {
		cli_seen_reason(s, qasid_reader_info(r), why, sizeof(why));
		snprintf(buf, len, "%s: %s", path, why);
		*code = cli_err_code(rc);
	} else {
		snprintf(buf, len, "%s", cli_explain(r, path, rc, code));
	}
}

/* ---- A publisher across rotations --------------------------------------- */

void
cli_key_root(const qasid_keyring *kr, const char *keyid,
    char root[QASID_KEYID_HEX])
{
	qasid_pubkey *pk = qasid_pubkey_new();
	size_t n = qasid_keyring_count(kr), step = 0;
	qasid_key_status ks;
	int found = 1;

	snprintf(root, QASID_KEYID_HEX, "%s", keyid);
	/* Back along the rotations, a few at most; a loop ends at n. */
	while (pk != NULL && found && step++ < n) {
		found = 0;
		for (size_t i = 0; i < n && !found; i++) {
			if (qasid_keyring_status(kr, i, &ks) != QASID_OK ||
			    strcmp(ks.rotated_to, root) != 0 ||
			    qasid_keyring_get(kr, i, pk, NULL) != QASID_OK)
				continue;
			qasid_pubkey_id(pk, root);
			found = 1;
		}
	}
	qasid_pubkey_free(pk);
}
