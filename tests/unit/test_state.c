/* SPDX-License-Identifier: ISC */
/* test_state.c - the record of bundles seen (src/state.c): verdicts, the
 * record after each, damaged records refused line by line, and the
 * publisher's record kept apart. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qasid.h"
#include "harness.h"

static char folder[] = "/tmp/qasid-state-XXXXXX";

static qasid_info
info(const char *series, uint64_t seq, char headdigit)
{
	qasid_info in;

	memset(&in, 0, sizeof(in));
	snprintf(in.keyid, sizeof(in.keyid), "0123456789ABCDEF");
	snprintf(in.fingerprint, sizeof(in.fingerprint),
	    "1111 2222 3333 4444 5555 6666 7777 8888");
	memset(in.head, headdigit, 64);
	in.series = series;
	in.sequence = seq;
	in.created = 1700000000 + (int64_t)seq;
	return in;
}

static void
write_seen(const char *text)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "%s/seen", folder);
	if ((f = fopen(path, "w")) != NULL) {
		fputs(text, f);
		fclose(f);
	}
}

static int
judge(qasid_state *s, const char *series, uint64_t seq, char head)
{
	qasid_info in = info(series, seq, head);
	qasid_verdict v;
	int rc = qasid_state_judge(s, &in, &v);

	return rc != QASID_OK ? rc : v.kind;
}

static int
record(qasid_state *s, const char *series, uint64_t seq, char head,
    qasid_verdict *v)
{
	qasid_info in = info(series, seq, head);

	return qasid_state_record(s, &in, v);
}

TEST(verdicts_follow_the_record)
{
	qasid_state *s = qasid_state_new(folder);
	qasid_verdict v;

	CHECK(judge(s, "news", 14, 'a') == QASID_VERDICT_NEW);
	CHECK(record(s, "news", 14, 'a', &v) == QASID_OK);
	CHECK(v.kind == QASID_VERDICT_NEW && !v.seen);
	CHECK(judge(s, "news", 14, 'a') == QASID_VERDICT_CURRENT);
	CHECK(judge(s, "news", 14, 'b') == QASID_VERDICT_EQUIVOCATION);
	CHECK(judge(s, "news", 13, 'a') == QASID_VERDICT_OLDER);
	CHECK(judge(s, "other", 1, 'a') == QASID_VERDICT_NEW);
	CHECK(record(s, "news", 17, 'c', &v) == QASID_OK);
	CHECK(v.kind == QASID_VERDICT_NEW && v.seen && v.seen_sequence == 14);
	CHECK(v.gap_first == 15 && v.gap_last == 16);
	/* An older one recorded changes nothing. */
	CHECK(record(s, "news", 15, 'd', &v) == QASID_OK);
	CHECK(v.kind == QASID_VERDICT_OLDER && v.seen_sequence == 17);
	CHECK(v.seen_created == 1700000017);
	CHECK(judge(s, "news", 17, 'c') == QASID_VERDICT_CURRENT);
	qasid_state_free(s);
}

TEST(equivocation_keeps_both_heads_once)
{
	qasid_state *s = qasid_state_new(folder);
	qasid_verdict v;
	char path[64], line[512];
	int conflicts = 0;
	FILE *f;

	CHECK(record(s, "eq", 5, 'a', &v) == QASID_OK);
	CHECK(record(s, "eq", 5, 'b', &v) == QASID_OK);
	CHECK(v.kind == QASID_VERDICT_EQUIVOCATION);
	CHECK(record(s, "eq", 5, 'b', &v) == QASID_OK);
	snprintf(path, sizeof(path), "%s/seen", folder);
	if ((f = fopen(path, "r")) != NULL) {
		while (fgets(line, sizeof(line), f) != NULL)
			conflicts += strncmp(line, "conflict ", 9) == 0 &&
			    strstr(line, " eq 5 ") != NULL;
		fclose(f);
	}
	CHECK(conflicts == 1);
	CHECK(judge(s, "eq", 5, 'a') == QASID_VERDICT_CURRENT);
	qasid_state_free(s);
}

TEST(damaged_records_are_refused)
{
	static const char *bad[] = {
	    "",
	    "qasid-seen 2\n",
	    "qasid-seen 1\nseen\n",
	    "qasid-seen 1\nseen 0123456789abcdef 11112222333344445555666677778888 "
	    "news 1 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa "
	    "1\n",
	    "qasid-seen 1\nseen 0123456789ABCDEF 11112222333344445555666677778888 "
	    "news 01 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa "
	    "1\n",
	    "qasid-seen 1\nseen 0123456789ABCDEF 11112222333344445555666677778888 "
	    "news 1 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa "
	    "1 extra\n",
	    "qasid-seen 1\nseen 0123456789ABCDEF 11112222333344445555666677778888 "
	    "news 1 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa "
	    "1",
	    "qasid-seen 1\npacked 0123456789ABCDEF 11112222333344445555666677778888 "
	    "news 1 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa "
	    "1\n",
	};
	qasid_state *s = qasid_state_new(folder);
	qasid_verdict v;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_seen(bad[i]);
		CHECK(judge(s, "news", 2, 'a') == QASID_ERR_STATE);
		CHECK(record(s, "news", 2, 'a', &v) == QASID_ERR_STATE);
		CHECK(strstr(qasid_state_errmsg(s), "is not a record") != NULL);
	}
	write_seen("qasid-seen 1\nseen 0123456789ABCDEF "
	    "11112222333344445555666677778888 news 1 "
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa "
	    "-5\n");
	CHECK(judge(s, "news", 1, 'a') == QASID_VERDICT_CURRENT);
	qasid_state_free(s);
}

TEST(the_packers_record_is_apart)
{
	qasid_state *s = qasid_state_new(folder);
	qasid_info in = info("weekly", 3, 'e');
	qasid_packed p;

	write_seen("qasid-seen 1\n");
	CHECK(qasid_state_record_packed(s, &in) == QASID_OK);
	CHECK(qasid_state_packed(s, in.keyid, in.fingerprint, "weekly", 3,
	    &p) == QASID_OK);
	CHECK(p.found && p.any && p.highest == 3 && p.created == 1700000003);
	CHECK(qasid_state_packed(s, in.keyid, in.fingerprint, "weekly", 4,
	    &p) == QASID_OK);
	CHECK(!p.found && p.highest == 3);
	CHECK(judge(s, "weekly", 3, 'e') == QASID_VERDICT_NEW);
	qasid_state_free(s);
}

int
main(void)
{
	int rc;

	if (mkdtemp(folder) == NULL)
		return 2;
	rc = RUN_TESTS(verdicts_follow_the_record,
	    equivocation_keeps_both_heads_once, damaged_records_are_refused,
	    the_packers_record_is_apart);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", folder);
	if (system(cmd) != 0)
		rc = 2;
	return rc;
}
