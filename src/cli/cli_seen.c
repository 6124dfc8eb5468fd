/* SPDX-License-Identifier: ISC */
/*
 * cli_seen.c - the recipient's memory on the command line: where the
 * record of bundles seen lives, the verdict verify, unpack and list give
 * (NEW, CURRENT, OLDER, EQUIVOCATION) and how it is told.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

/* The verdict on the bundle being read, for print_info_json. */
static struct cli_seen *current;

/* $QASID_STATE, else $XDG_STATE_HOME/qasid, else ~/.local/state/qasid. */
static int
state_folder(char *buf, size_t len)
{
	const char *e = getenv("QASID_STATE");
	int n;

	*buf = '\0';
	if (e != NULL && *e != '\0')
		n = snprintf(buf, len, "%s", e);
	else if ((e = getenv("XDG_STATE_HOME")) != NULL && *e == '/')
		n = snprintf(buf, len, "%s/qasid", e);
	else if ((e = getenv("HOME")) != NULL && *e != '\0')
		n = snprintf(buf, len, "%s/.local/state/qasid", e);
	else
		return -1;
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

int
cli_seen_open(struct cli_seen *s, int allow_older, int allow_expired)
{
	char folder[4096];

	memset(s, 0, sizeof(*s));
	s->allow_older = allow_older;
	s->allow_expired = allow_expired;
	/* Without a folder, only bundles of no series can be read. */
	if (state_folder(folder, sizeof(folder)) != 0)
		return 0;
	if ((s->st = qasid_state_new(folder)) == NULL)
		return cli_fail("%s: out of memory", folder);
	return 0;
}

void
cli_seen_close(struct cli_seen *s)
{
	qasid_state_free(s->st);
	s->st = NULL;
	current = NULL;
}

void
cli_seen_begin(struct cli_seen *s, qasid_reader *r, int may_refuse)
{
	s->judged = 0;
	s->failed = 0;
	s->retired = 0;
	s->late = 0;
	s->expired = 0;
	s->has_expires = 0;
	s->may_refuse = may_refuse;
	current = s;
	qasid_reader_set_head_check(r, cli_seen_check, s);
}

/* A refused bundle is refused before anything of it is read or written. */
int
cli_seen_check(void *ud, const qasid_info *in)
{
	struct cli_seen *s = ud;
	qasid_verdict ev;
	int rc;

	/* Any bundle may expire, of a series or not (FORMAT.md 17.2). */
	s->has_expires = in->has_expires;
	s->expires = in->expires;
	rc = qasid_state_expiry(s->st, in, (int64_t)time(NULL), &s->exp);
	s->expired = rc == QASID_ERR_EXPIRED;
	if (rc != QASID_OK && !s->expired) {
		s->failed = 1;
		return 1;
	}
	/* What pack names a bundle packed without -n is no series. */
	if (strcmp(in->series, CLI_NO_SERIES) == 0)
		return s->may_refuse && cli_seen_refused(s);
	if (s->st == NULL ||
	    qasid_state_judge(s->st, in, &s->v) != QASID_OK) {
		s->failed = 1;
		return 1;
	}
	s->judged = 1;
	memcpy(s->head, in->head, sizeof(s->head));
	/* A key rotated away from signs no sequence above those seen of
	 * it (FORMAT.md 17.3), whatever its created time says. */
	s->retired = in->key_status == QASID_KEY_RETIRED &&
	    s->v.kind == QASID_VERDICT_NEW && s->v.seen;
	/* A compromised key's bundle that got this far is at or below what
	 * its revocation vouches for; it stays good only if this record held
	 * it before the revocation arrived (FORMAT.md 17.3): seen, the same
	 * head. The record keeps only the highest sequence, so an older one
	 * cannot be told from the thief's either, --allow-older or not. */
	s->late = in->key_status == QASID_KEY_COMPROMISED &&
	    s->v.kind != QASID_VERDICT_CURRENT;
	/* The chain forked: the sequence seen had another head than the one
	 * this bundle follows. Both are signed by the key. */
	s->forked = s->v.kind == QASID_VERDICT_NEW && s->v.seen &&
	    *in->previous_head != '\0' &&
	    in->previous_sequence == s->v.seen_sequence &&
	    strcmp(in->previous_head, s->v.seen_head) != 0;
	memcpy(s->prev_head, in->previous_head, sizeof(s->prev_head));
	/* Both heads are signed: the evidence is kept at once. */
	if (s->v.kind == QASID_VERDICT_EQUIVOCATION &&
	    qasid_state_record(s->st, in, &ev) != QASID_OK) {
		s->failed = 1;
		return 1;
	}
	return s->may_refuse && cli_seen_refused(s);
}

int
cli_seen_refused(const struct cli_seen *s)
{
	if (s->expired && !s->allow_expired)
		return 1;
	if (!s->judged)
		return 0;
	return s->v.kind == QASID_VERDICT_EQUIVOCATION || s->retired ||
	    s->late || s->forked ||
	    (s->v.kind == QASID_VERDICT_OLDER && !s->allow_older);
}

/* What showed an expired bundle to be past its time. */
static const char *
expired_by(const struct cli_seen *s)
{
	return s->exp.by == QASID_EXPIRY_SEEN ? "seen" : s->exp.by ==
	    QASID_EXPIRY_CREATED ? "created" : "clock";
}

static void
expired_reason(const struct cli_seen *s, char *buf, size_t len)
{
	char until[64], ref[64];

	cli_time(s->expires, until, sizeof(until));
	cli_time(s->exp.reference, ref, sizeof(ref));
	snprintf(buf, len, "EXPIRED: its publisher stood by it until %s, and "
	    "%s %s is later; an expired bundle is refused (--allow-expired "
	    "accepts it)", until, s->exp.by == QASID_EXPIRY_SEEN ?
	    "a bundle verified here was created" : s->exp.by ==
	    QASID_EXPIRY_CREATED ? "its own created time" :
	    "this computer's clock says", ref);
}

void
cli_seen_reason(const struct cli_seen *s, const qasid_info *in, char *buf,
    size_t len)
{
	char when[64];

	cli_time(s->v.seen_created, when, sizeof(when));
	if (s->expired && !s->allow_expired)
		expired_reason(s, buf, len);
	else if (s->retired)
		snprintf(buf, len, "%s/%" PRIu64 " of key %s, which its "
		    "publisher rotated away from after %s/%" PRIu64 ": a retired "
		    "key signs nothing new", in->series, in->sequence,
		    in->keyid, in->series, s->v.seen_sequence);
	else if (s->late && s->v.kind != QASID_VERDICT_EQUIVOCATION)
		snprintf(buf, len, "%s/%" PRIu64 " of key %s, which its "
		    "publisher revoked as compromised: a bundle of it is trusted "
		    "only if it was verified before the revocation arrived, and "
		    "this one was not", in->series, in->sequence, in->keyid);
	else if (s->forked)
		snprintf(buf, len, "EQUIVOCATION %s/%" PRIu64 ": key %s signed "
		    "it as following %s/%" PRIu64 " with head %s, but the %s/%"
		    PRIu64 " seen has head %s; the key may be stolen, or the "
		    "publisher erred", in->series, in->sequence, in->keyid,
		    in->series, in->previous_sequence, in->previous_head,
		    in->series, s->v.seen_sequence, s->v.seen_head);
	else if (s->v.kind == QASID_VERDICT_OLDER)
		snprintf(buf, len, "OLDER %s/%" PRIu64 ": sequence %" PRIu64
		    " (created %s) of this key and series was seen already; an "
		    "old bundle played back is refused (--allow-older accepts "
		    "it)", in->series, in->sequence, s->v.seen_sequence, when);
	else
		snprintf(buf, len, "EQUIVOCATION %s/%" PRIu64 ": key %s signed "
		    "two different bundles as this sequence: head %s (seen "
		    "before) and head %s (this one); the key may be stolen, or "
		    "the publisher erred", in->series, in->sequence, in->keyid,
		    s->v.seen_head, in->head);
}

static void
say_refused(const struct cli_seen *s, const char *path, const qasid_info *in)
{
	char why[1024];

	cli_seen_reason(s, in, why, sizeof(why));
	cli_fail("%s: %s", path, why);
}

/* The verdict after its name: " (15 not seen)", " (seen before)". */
static void
say_details(const struct cli_seen *s)
{
	char when[64];

	if (s->v.kind == QASID_VERDICT_CURRENT)
		printf(" (seen before)");
	if (s->v.gap_first == s->v.gap_last)
		printf(" (%" PRIu64 " not seen)", s->v.gap_first);
	else if (s->v.gap_first < s->v.gap_last)
		printf(" (%" PRIu64 " to %" PRIu64 " not seen)",
		    s->v.gap_first, s->v.gap_last);
	if (s->v.kind == QASID_VERDICT_OLDER) {
		cli_time(s->v.seen_created, when, sizeof(when));
		printf(", %s: sequence %" PRIu64 " (created %s) was seen",
		    s->allow_older ? "accepted by --allow-older" : "refused",
		    s->v.seen_sequence, when);
	}
}

/* The end of verify's and unpack's OK line: ": NEW (15 not seen)". */
void
cli_seen_suffix(void)
{
	if (current != NULL && current->expired)
		printf(": EXPIRED (accepted by --allow-expired)");
	if (current == NULL || !current->judged)
		return;
	printf(": %s", qasid_verdict_name(current->v.kind));
	say_details(current);
}

/* list's header line: "seen:     NEW news/16 (15 not seen)". */
void
cli_seen_header(const qasid_info *in)
{
	if (current == NULL || !current->judged)
		return;
	printf("seen:     %s %s/%" PRIu64, qasid_verdict_name(current->v.kind),
	    in->series, in->sequence);
	say_details(current);
	printf("\n");
}

/*
 * After the read: records a fully verified bundle (record set) and tells
 * the verdict. rc is the read's result. Returns the exit status.
 */
int
cli_seen_end(struct cli_seen *s, const char *path, const qasid_info *in,
    int rc, int record)
{
	if (s->failed && s->st == NULL)
		return cli_fail("%s: no folder for the record of bundles seen: "
		    "set QASID_STATE or HOME", path);
	if (s->failed)
		return cli_fail("%s", qasid_state_errmsg(s->st));
	if (!s->judged && !s->expired)
		return -1;
	if (rc == QASID_OK && record && s->judged && !cli_seen_refused(s) &&
	    qasid_state_record(s->st, in, &s->v) != QASID_OK)
		return cli_fail("%s", qasid_state_errmsg(s->st));
	if (rc != QASID_OK && rc != QASID_ERR_REFUSED)
		return -1;
	if (cli_seen_refused(s)) {
		if (!cli.json)
			say_refused(s, path, in);
		return EXIT_VERIFY;
	}
	return 0;
}

/* The verdict's fields of a --json object, if there is one. */
void
cli_seen_json(void)
{
	const struct cli_seen *s = current;

	if (s != NULL && s->has_expires) {
		printf(",\"expires\":%" PRId64 ",\"expired\":", s->expires);
		if (s->expired)
			printf("{\"by\":\"%s\",\"against\":%" PRId64
			    ",\"accepted\":%s}", expired_by(s),
			    s->exp.reference, s->allow_expired ? "true" :
			    "false");
		else
			printf("false");
	}
	if (s == NULL || !s->judged)
		return;
	printf(",\"head\":\"%s\",\"verdict\":\"%s\"", s->head,
	    qasid_verdict_name(s->forked ? QASID_VERDICT_EQUIVOCATION :
	    s->v.kind));
	if (s->forked)
		printf(",\"forked\":{\"previous\":\"%s\"}", s->prev_head);
	if (s->v.seen)
		printf(",\"seen\":{\"sequence\":%" PRIu64 ",\"created\":%"
		    PRId64 ",\"head\":\"%s\"}", s->v.seen_sequence,
		    s->v.seen_created, s->v.seen_head);
	if (s->v.gap_first <= s->v.gap_last)
		printf(",\"not_seen\":{\"first\":%" PRIu64 ",\"last\":%"
		    PRIu64 "}", s->v.gap_first, s->v.gap_last);
	if (s->v.kind == QASID_VERDICT_OLDER)
		printf(",\"accepted\":%s", s->allow_older ? "true" : "false");
}

/* ---- pack -n: what this key packed ---------------------------------------- */

/* The key's id and fingerprint, from its secret key. */
static int
key_names(const qasid_seckey *sk, char id[QASID_KEYID_HEX], char fp[48])
{
	qasid_pubkey *pk = qasid_pubkey_new();
	int ok = pk != NULL && qasid_seckey_pubkey(sk, pk) == 0;

	if (ok) {
		qasid_pubkey_id(pk, id);
		qasid_pubkey_fingerprint(pk, fp);
	}
	qasid_pubkey_free(pk);
	return ok ? 0 : cli_fail("out of memory");
}

/*
 * Before pack -n: takes the next sequence when none is given, and for a
 * sequence packed before, its created time, so that a retry of the same
 * files gives the same bytes (unless SOURCE_DATE_EPOCH says otherwise).
 */
int
cli_packed_begin(struct cli_packed *pk, const qasid_seckey *sk,
    const char *series, uint64_t *seq, int64_t *created)
{
	char id[QASID_KEYID_HEX], fp[48];
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	int status;

	if ((status = cli_seen_open(&pk->seen, 0, 0)) != 0)
		return status;
	if (pk->seen.st == NULL)
		return cli_fail("no folder for the record of bundles packed: "
		    "set QASID_STATE or HOME");
	if ((status = key_names(sk, id, fp)) != 0)
		return status;
	if (qasid_state_packed(pk->seen.st, id, fp, series, *seq,
	    &pk->before) != QASID_OK)
		return cli_fail("%s", qasid_state_errmsg(pk->seen.st));
	if (!pk->have_seq) {
		*seq = pk->before.any ? pk->before.highest + 1 : 1;
		if (*seq == 0)
			return cli_fail("%s: no sequence after %" PRIu64,
			    series, pk->before.highest);
		if (qasid_state_packed(pk->seen.st, id, fp, series, *seq,
		    &pk->before) != QASID_OK)
			return cli_fail("%s", qasid_state_errmsg(pk->seen.st));
	}
	/* The bundle names the one it follows, if this key packed it. */
	if (*seq > 1 && qasid_state_packed(pk->seen.st, id, fp, series,
	    *seq - 1, &pk->prev) != QASID_OK)
		return cli_fail("%s", qasid_state_errmsg(pk->seen.st));
	if (pk->before.found && (sde == NULL || *sde == '\0'))
		*created = pk->before.created;
	return 0;
}

/* Reads the bundle just packed back, verifying it with the packer's key. */
static int
packed_info(const qasid_seckey *sk, const char *path, qasid_reader **r,
    qasid_keyring **kr)
{
	qasid_pubkey *pk = qasid_pubkey_new();
	int rc = QASID_ERR_NOMEM;

	*kr = qasid_keyring_new();
	*r = NULL;
	if (pk != NULL && *kr != NULL && qasid_seckey_pubkey(sk, pk) == 0 &&
	    (rc = qasid_keyring_add(*kr, pk, NULL)) == QASID_OK &&
	    (*r = cli_reader_new(*kr)) != NULL &&
	    (rc = qasid_reader_open(*r, path)) == QASID_OK)
		rc = qasid_reader_list(*r, 1, NULL, NULL);
	qasid_pubkey_free(pk);
	return rc;
}

/*
 * After pack -n wrote tmp: refuses a sequence packed before with other
 * content unless reuse, else records it. 0 or an exit status (tmp is then
 * for the caller to remove).
 */
int
cli_packed_end(struct cli_packed *pk, const qasid_seckey *sk,
    const char *out, const char *tmp)
{
	qasid_keyring *kr;
	qasid_reader *r;
	const qasid_info *in;
	char when[64];
	int status = 0;

	if (packed_info(sk, tmp, &r, &kr) != QASID_OK) {
		status = cli_fail("%s: %s", out, r ? qasid_reader_errmsg(r) :
		    "out of memory");
		goto out;
	}
	in = qasid_reader_info(r);
	if (pk->before.found && strcmp(pk->before.head, *in->volume_set ?
	    in->volume_set : in->head) != 0 && !pk->reuse) {
		cli_time(pk->before.created, when, sizeof(when));
		status = cli_fail("%s: %s/%" PRIu64 " was packed before (created "
		    "%s) with other content: two different bundles with one "
		    "sequence are an EQUIVOCATION to every recipient who has "
		    "the first; leave out -N to take the next sequence, or use "
		    "--reuse-sequence only if the first was never handed out; "
		    "nothing was written", out, in->series, in->sequence, when);
		goto out;
	}
	if (qasid_state_record_packed(pk->seen.st, in) != QASID_OK)
		status = cli_fail("%s", qasid_state_errmsg(pk->seen.st));
out:
	qasid_reader_free(r);
	qasid_keyring_free(kr);
	return status;
}
