/* SPDX-License-Identifier: ISC */
/*
 * test_manifest.c - unit tests for src/format/manifest.c: the manifest's text
 * written and read back; every other spelling of the same manifest refused;
 * and manifests too big for memory read from a spool file by two cursors
 * at once.
 */
#include <stdlib.h>

#include "harness.h"
#include "manifest.h"

#define NITEMS(a) (sizeof(a) / sizeof((a)[0]))

#define H1 "ab0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f" \
    "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3eff"
#define H2 "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff" \
    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define HM "cd0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1eef"

/* What the put functions must write for the sample below. */
static const char canonical[] =
    "qasid-manifest 1\n"
    "title Weekly statements\n"
    "series news\n"
    "sequence 3\n"
    "created 1700000000\n"
    "key AB07060504030201\n"
    "files 2\n"
    "dirs 1\n"
    "bytes 9\n"
    "members 1\n"
    "dir reports\n"
    "file 644 6 " H1 "  reports/a.txt\n"
    "file 755 3 " H2 "  run.sh\n"
    "member 187 4608 " HM "\n"
    "end\n";

static void
unhex(const char *s, unsigned char *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		sscanf(s + 2 * i, "%2x", &v);
		out[i] = (unsigned char)v;
	}
}

static int
put_sample(struct qbuf *b)
{
	struct qmf_header h = {.format = 1, .sequence = 3,
	    .created = 1700000000,
	    .keyid = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0xab},
	    .files = 2, .dirs = 1, .bytes = 9, .members = 1};
	struct qmf_entry *e = calloc(1, sizeof(*e));
	struct qmf_member m = {.clen = 187, .ulen = 4608};
	int rc;

	if (e == NULL)
		return QASID_ERR_NOMEM;
	snprintf(h.title, sizeof(h.title), "Weekly statements");
	snprintf(h.series, sizeof(h.series), "news");
	rc = qmf_put_header(b, &h);
	e->is_dir = 1;
	e->pathlen = (size_t)snprintf(e->path, sizeof(e->path), "reports");
	rc = rc ? rc : qmf_put_entry(b, e);
	e->is_dir = 0;
	e->mode = 0644;
	e->size = 6;
	unhex(H1, e->hash, QF_FILE_HASH);
	e->pathlen = (size_t)snprintf(e->path, sizeof(e->path),
	    "reports/a.txt");
	rc = rc ? rc : qmf_put_entry(b, e);
	e->mode = 0755;
	e->size = 3;
	unhex(H2, e->hash, QF_FILE_HASH);
	e->pathlen = (size_t)snprintf(e->path, sizeof(e->path), "run.sh");
	rc = rc ? rc : qmf_put_entry(b, e);
	unhex(HM, m.hash, QF_MEMBER_HASH);
	rc = rc ? rc : qmf_put_member(b, &m);
	rc = rc ? rc : qmf_put_end(b);
	free(e);
	return rc;
}

/* What a parse found. */
struct parsed {
	struct qmf_header h;
	struct qmf_entry e[4];
	size_t nentries;
	struct qmf_member m[4];
	size_t nmembers;
	struct qerr err;
};

/* Parses text completely as the reader does; 0 or the first error. */
static int
parse(const char *text, size_t len, struct parsed *p)
{
	struct qspool s = {0};
	struct qmf_cursor c;
	struct qmf_entry e;
	struct qmf_member m;
	int rc;

	memset(p, 0, sizeof(*p));
	if (qspool_write(&s, text, len) != QASID_OK)
		return QASID_ERR_NOMEM;
	qmf_cursor_init(&c, &s, &p->err);
	if ((rc = qmf_get_header(&c, &p->h)) != 0)
		goto out;
	while ((rc = qmf_get_entry(&c, &e)) == 1)
		if (p->nentries < NITEMS(p->e))
			p->e[p->nentries++] = e;
	if (rc < 0)
		goto out;
	while ((rc = qmf_get_member(&c, &m)) == 1)
		if (p->nmembers < NITEMS(p->m))
			p->m[p->nmembers++] = m;
out:
	qspool_free(&s);
	return rc;
}

TEST(put_writes_canonical_text)
{
	struct qbuf b = {0};

	CHECK(put_sample(&b) == QASID_OK);
	CHECK(b.len == sizeof(canonical) - 1);
	CHECK(b.len == sizeof(canonical) - 1 &&
	    memcmp(b.p, canonical, b.len) == 0);
	qbuf_free(&b);
}

TEST(parse_round_trip)
{
	struct parsed *p = calloc(1, sizeof(*p));
	unsigned char h[QF_FILE_HASH];

	CHECK(parse(canonical, sizeof(canonical) - 1, p) == 0);
	CHECK(p->err.code == QASID_OK);
	CHECK_EQ_STR(p->h.title, "Weekly statements");
	CHECK_EQ_STR(p->h.series, "news");
	CHECK(p->h.sequence == 3 && p->h.created == 1700000000);
	CHECK(p->h.keyid[0] == 0x01 && p->h.keyid[7] == 0xab);
	CHECK(p->h.files == 2 && p->h.dirs == 1 && p->h.bytes == 9 &&
	    p->h.members == 1);
	CHECK(p->nentries == 3 && p->nmembers == 1);
	CHECK(p->e[0].is_dir && strcmp(p->e[0].path, "reports") == 0);
	CHECK(!p->e[1].is_dir && p->e[1].mode == 0644 && p->e[1].size == 6);
	CHECK_EQ_STR(p->e[1].path, "reports/a.txt");
	CHECK(p->e[1].pathlen == 13);
	unhex(H1, h, sizeof(h));
	CHECK(memcmp(p->e[1].hash, h, sizeof(h)) == 0);
	CHECK(p->e[2].mode == 0755 && p->e[2].size == 3);
	CHECK_EQ_STR(p->e[2].path, "run.sh");
	CHECK(p->m[0].clen == 187 && p->m[0].ulen == 4608);
	unhex(HM, h, QF_MEMBER_HASH);
	CHECK(memcmp(p->m[0].hash, h, QF_MEMBER_HASH) == 0);
	free(p);
}

/* The canonical text with one substring replaced. */
struct variant {
	const char *name;
	const char *from, *to;
	int want;
};

/* The text variants are made of: format 1's, or format 2's below. */
static const char *base = canonical;

static size_t
edit(const struct variant *v, char *out, size_t cap)
{
	const char *at = strstr(base, v->from);
	size_t head;
	int n;

	if (at == NULL)
		return 0;
	head = (size_t)(at - base);
	n = snprintf(out, cap, "%.*s%s%s", (int)head, base, v->to,
	    at + strlen(v->from));
	return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

static void
check_variants(const struct variant *t, size_t n)
{
	static char text[sizeof(canonical) + 16384];
	struct parsed *p = calloc(1, sizeof(*p));

	for (size_t i = 0; i < n; i++) {
		size_t len = edit(&t[i], text, sizeof(text));
		int rc = len ? parse(text, len, p) : -99;
		if (rc != t[i].want) {
			printf("  %s: got %d \"%s\", want %d\n", t[i].name, rc,
			    p->err.msg, t[i].want);
		} else if (rc != 0 && p->err.msg[0] == '\0') {
			printf("  %s: no message\n", t[i].name);
			rc = -99;
		}
		CHECK(rc == t[i].want);
	}
	free(p);
}

#define FMT QASID_ERR_FORMAT
#define UNSAFE QASID_ERR_UNSAFE

TEST(non_canonical_numbers_refused)
{
	static const struct variant t[] = {
		{"leading zero", "sequence 3\n", "sequence 03\n", FMT},
		{"zero padded zero", "sequence 3\n", "sequence 00\n", FMT},
		{"plus sign", "files 2\n", "files +2\n", FMT},
		{"minus sign", "created 1700000000\n",
		    "created -1700000000\n", FMT},
		{"trailing space", "files 2\n", "files 2 \n", FMT},
		{"two spaces", "files 2\n", "files  2\n", FMT},
		{"empty number", "bytes 9\n", "bytes \n", FMT},
		{"hex number", "bytes 9\n", "bytes 0x9\n", FMT},
		{"overflow", "sequence 3\n", "sequence 18446744073709551616\n",
		    FMT},
		{"leading zero in size", "file 644 6 ", "file 644 06 ", FMT},
		{"leading zero in member", "member 187 ", "member 0187 ", FMT},
		{"version 2 with format-1 lines", "qasid-manifest 1\n",
		    "qasid-manifest 2\n", FMT},
		{"version 3", "qasid-manifest 1\n", "qasid-manifest 3\n", FMT},
		{"version 0", "qasid-manifest 1\n", "qasid-manifest 0\n", FMT},
		{"version 01", "qasid-manifest 1\n", "qasid-manifest 01\n",
		    FMT},
		{"created beyond int64", "created 1700000000\n",
		    "created 9223372036854775808\n", FMT},
		{"too many files", "files 2\n", "files 2000001\n", FMT},
		{"too many members", "members 1\n", "members 20000001\n",
		    FMT},
	};

	check_variants(t, NITEMS(t));
}

TEST(non_canonical_hex_refused)
{
	static const struct variant t[] = {
		{"upper-case file hash", "file 644 6 ab", "file 644 6 AB",
		    FMT},
		{"upper-case last hex digit", "3eff  reports", "3efF  reports",
		    FMT},
		{"upper-case member hash", "4608 cd", "4608 CD", FMT},
		{"short file hash", "3eff  reports", "3ef  reports", FMT},
		{"long member hash", "1eef\n", "1eef0\n", FMT},
		{"non-hex digit", "4608 cd", "4608 cg", FMT},
		{"lower-case key id", "key AB07", "key ab07", FMT},
		{"short key id", "key AB07060504030201", "key AB0706050403020",
		    FMT},
	};

	check_variants(t, NITEMS(t));
}

TEST(missing_or_reordered_fields_refused)
{
	static const struct variant t[] = {
		{"missing dirs", "dirs 1\n", "", FMT},
		{"missing title", "title Weekly statements\n", "", FMT},
		{"missing magic", "qasid-manifest 1\n", "", FMT},
		{"missing members", "members 1\n", "", FMT},
		{"title and series swapped",
		    "title Weekly statements\nseries news\n",
		    "series news\ntitle Weekly statements\n", FMT},
		{"files and dirs swapped", "files 2\ndirs 1\n",
		    "dirs 1\nfiles 2\n", FMT},
		{"unknown field", "members 1\n", "members 1\nextra 1\n", FMT},
		{"field without value", "series news\n", "series\n", FMT},
		{"upper-case field name", "series news\n", "Series news\n",
		    FMT},
		{"missing end", "end\n", "", FMT},
		{"missing final newline", "end\n", "end", FMT},
		{"entry after the members", "end\n", "dir later\nend\n", FMT},
		{"unknown entry kind", "dir reports\n", "folder reports\n",
		    FMT},
		{"one space before the path", "3eff  reports", "3eff reports",
		    FMT},
		{"member without hash", "member 187 4608 " HM "\n",
		    "member 187 4608\n", FMT},
		{"bad series name", "series news\n", "series news/old\n",
		    FMT},
		{"title with CR", "title Weekly statements\n",
		    "title Weekly statements\r\n", FMT},
		{"title with a tab", "title Weekly statements\n",
		    "title Weekly\tstatements\n", FMT},
		{"title not UTF-8", "title Weekly statements\n",
		    "title Weekly \xff statements\n", FMT},
		{"CRLF line", "files 2\n", "files 2\r\n", FMT},
	};

	check_variants(t, NITEMS(t));
}

TEST(bad_modes_refused)
{
	static const struct variant t[] = {
		{"mode 600", "file 644 ", "file 600 ", FMT},
		{"mode 0644", "file 644 ", "file 0644 ", FMT},
		{"mode 777", "file 755 ", "file 777 ", FMT},
		{"setuid mode", "file 755 ", "file 4755 ", FMT},
		{"mode rw-r--r--", "file 644 ", "file rw-r--r-- ", FMT},
		{"no mode", "file 644 ", "file ", FMT},
	};

	check_variants(t, NITEMS(t));
}

TEST(unsafe_paths_refused)
{
	static const struct variant t[] = {
		{"parent", "  reports/a.txt", "  ../a.txt", UNSAFE},
		{"inner parent", "  reports/a.txt", "  reports/../../a.txt",
		    UNSAFE},
		{"absolute", "  run.sh", "  /etc/passwd", UNSAFE},
		{"dot", "dir reports\n", "dir .\n", UNSAFE},
		{"trailing slash", "dir reports\n", "dir reports/\n", UNSAFE},
		{"empty component", "  reports/a.txt", "  reports//a.txt",
		    UNSAFE},
		{"colon", "  run.sh", "  run:sh", UNSAFE},
		{"reserved name", "  run.sh", "  CON.txt", UNSAFE},
		{"trailing dot", "  run.sh", "  run.", UNSAFE},
		{"escape character", "  run.sh", "  run\x1b[2J.sh", UNSAFE},
		{"backslash", "  run.sh", "  a\\run.sh", UNSAFE},
		{"empty path", "  run.sh\n", "  \n", FMT},
	};

	check_variants(t, NITEMS(t));
}

TEST(trailing_data_after_end_refused)
{
	static const struct variant t[] = {
		{"byte after end", "end\n", "end\nx", FMT},
		{"newline after end", "end\n", "end\n\n", FMT},
		{"second end", "end\n", "end\nend\n", FMT},
	};
	static char text[sizeof(canonical) + 8];
	struct parsed *p = calloc(1, sizeof(*p));

	check_variants(t, NITEMS(t));
	/* A NUL after "end": the string edit cannot make it. */
	memcpy(text, canonical, sizeof(canonical));
	CHECK(parse(text, sizeof(canonical), p) == FMT);
	CHECK(strstr(p->err.msg, "after \"end\"") != NULL);
	free(p);
}

TEST(accepted_variants)
{
	static const struct variant t[] = {
		{"empty title", "title Weekly statements\n", "title \n", 0},
		{"non-ASCII title", "title Weekly statements\n",
		    "title بیانیه هفتگی\n", 0},
		{"largest sequence", "sequence 3\n",
		    "sequence 18446744073709551615\n", 0},
		{"sequence 0", "sequence 3\n", "sequence 0\n", 0},
		{"non-ASCII path", "  run.sh", "  گزارش/بیانیه.txt", 0},
		/* Three spaces: the name begins with a space, as b2sum reads
		 * it too. */
		{"name with a leading space", "  run.sh", "   run.sh", 0},
	};

	check_variants(t, NITEMS(t));
}

TEST(errors_name_the_line)
{
	struct parsed *p = calloc(1, sizeof(*p));
	static const struct variant v = {"x", "sequence 3\n", "sequence 03\n",
	    FMT};
	static const struct variant w = {"y", "  run.sh", "  ../x", UNSAFE};
	char text[sizeof(canonical) + 64];
	size_t n;

	n = edit(&v, text, sizeof(text));
	CHECK(parse(text, n, p) == FMT);
	CHECK(strstr(p->err.msg, "manifest line 4:") != NULL);
	n = edit(&w, text, sizeof(text));
	CHECK(parse(text, n, p) == UNSAFE);
	CHECK(strstr(p->err.msg, "manifest line 13:") != NULL);
	free(p);
}

TEST(overlong_line_refused)
{
	struct qbuf b = {0};
	struct parsed *p = calloc(1, sizeof(*p));
	const char *rest = strstr(canonical, "series ");

	CHECK(qbuf_append(&b, "qasid-manifest 1\ntitle ", 23) == QASID_OK);
	for (int i = 0; i < 9000; i++)
		CHECK(qbuf_append(&b, "a", 1) == QASID_OK);
	CHECK(qbuf_append(&b, "\n", 1) == QASID_OK);
	CHECK(qbuf_append(&b, rest, strlen(rest)) == QASID_OK);
	CHECK(parse((const char *)b.p, b.len, p) == FMT);
	qbuf_free(&b);
	free(p);
}

/* ---- A manifest bigger than the in-memory spool ------------------------- */

#define BIG_FILES 30000
#define BIG_MEMBERS 300

static void
big_path(struct qmf_entry *e, size_t i)
{
	e->pathlen = (size_t)snprintf(e->path, sizeof(e->path),
	    "folder-%03zu/statement-%06zu.txt", i / 1000, i);
}

static int
put_big(struct qbuf *b)
{
	struct qmf_header h = {.format = 1, .sequence = 9, .created = 1,
	    .files = BIG_FILES, .members = BIG_MEMBERS};
	struct qmf_entry *e = calloc(1, sizeof(*e));
	struct qmf_member m = {0};
	int rc;

	if (e == NULL)
		return QASID_ERR_NOMEM;
	snprintf(h.series, sizeof(h.series), "big");
	rc = qmf_put_header(b, &h);
	e->mode = 0644;
	for (size_t i = 0; rc == 0 && i < BIG_FILES; i++) {
		big_path(e, i);
		e->size = i;
		memset(e->hash, (int)(i & 0xff), sizeof(e->hash));
		rc = qmf_put_entry(b, e);
	}
	for (size_t i = 0; rc == 0 && i < BIG_MEMBERS; i++) {
		m.clen = i + 1;
		m.ulen = 2 * i + 1;
		memset(m.hash, (int)(i & 0xff), sizeof(m.hash));
		rc = qmf_put_member(b, &m);
	}
	free(e);
	return rc ? rc : qmf_put_end(b);
}

TEST(spool_beyond_memory_two_cursors)
{
	struct qbuf b = {0};
	struct qspool s = {0};
	struct qerr err = {0};
	struct qmf_cursor *c1 = malloc(sizeof(*c1)), *c2 = malloc(sizeof(*c2));
	struct qmf_entry *e = malloc(sizeof(*e)), *want = malloc(sizeof(*want));
	struct qmf_header h1, h2;
	struct qmf_member m;
	size_t files = 0, members = 0, bad = 0;
	int rc1, rc2 = 1;

	CHECK(put_big(&b) == QASID_OK);
	CHECK(b.len > ((size_t)4 << 20) + 65536);
	/* Written in pieces as the reader spools what it inflates. */
	for (size_t off = 0; off < b.len; off += 65536) {
		size_t n = b.len - off < 65536 ? b.len - off : 65536;
		CHECK(qspool_write(&s, b.p + off, n) == QASID_OK);
	}
	CHECK(s.len == b.len);
	CHECK(s.on_disk);
	CHECK(s.mem.len == 0);

	qmf_cursor_init(c1, &s, &err);
	qmf_cursor_init(c2, &s, &err);
	CHECK(qmf_get_header(c1, &h1) == 0);
	CHECK(qmf_get_header(c2, &h2) == 0);
	CHECK(h1.files == BIG_FILES && h2.members == BIG_MEMBERS);
	CHECK(qmf_skip_entries(c2) == 0);
	/* One cursor walks the entries while the other walks the members. */
	while ((rc1 = qmf_get_entry(c1, e)) == 1) {
		big_path(want, files);
		if (strcmp(e->path, want->path) != 0 || e->size != files ||
		    e->hash[0] != (unsigned char)(files & 0xff))
			bad++;
		if (++files % 100 == 0 && rc2 == 1) {
			rc2 = qmf_get_member(c2, &m);
			if (rc2 == 1 && (m.clen != members + 1 ||
			    m.ulen != 2 * members + 1 ||
			    m.hash[31] != (unsigned char)(members & 0xff)))
				bad++;
			if (rc2 == 1)
				members++;
		}
	}
	CHECK(rc1 == 0);
	CHECK(files == BIG_FILES);
	CHECK(members == BIG_MEMBERS);
	CHECK(bad == 0);
	/* The last member was read; "end" comes next, then nothing. */
	CHECK(qmf_get_member(c2, &m) == 0);
	CHECK(err.code == QASID_OK);
	/* And the first cursor can still read the members itself. */
	members = 0;
	while (qmf_get_member(c1, &m) == 1)
		members++;
	CHECK(members == BIG_MEMBERS);

	/* Reading at any offset gives the bytes written. */
	{
		unsigned char buf[100];
		uint64_t at = ((uint64_t)4 << 20) - 50;
		CHECK(qspool_read(&s, at, buf, sizeof(buf)) == 100);
		CHECK(memcmp(buf, b.p + at, sizeof(buf)) == 0);
		CHECK(qspool_read(&s, s.len - 10, buf, sizeof(buf)) == 10);
		CHECK(qspool_read(&s, s.len, buf, sizeof(buf)) == 0);
	}
	qspool_free(&s);
	CHECK(!s.on_disk && s.len == 0);
	qbuf_free(&b);
	free(c1);
	free(c2);
	free(e);
	free(want);
}

/* The spool's file goes where the caller says (the tool passes $TMPDIR),
 * not always to /tmp. */
TEST(spool_file_in_tmpdir)
{
	static unsigned char chunk[65536];
	struct qspool s = {0};
	int rc = QASID_OK;

	s.tmpdir = "/nonexistent-qasid-tmpdir";
	for (size_t off = 0; rc == QASID_OK && off <= ((size_t)4 << 20);
	    off += sizeof(chunk))
		rc = qspool_write(&s, chunk, sizeof(chunk));
	CHECK(rc == QASID_ERR_IO);
	CHECK(!s.on_disk);
	qspool_free(&s);
	CHECK(s.tmpdir != NULL && strcmp(s.tmpdir, "/nonexistent-qasid-tmpdir")
	    == 0);
	s.tmpdir = "/tmp";
	rc = QASID_OK;
	for (size_t off = 0; rc == QASID_OK && off <= ((size_t)4 << 20);
	    off += sizeof(chunk))
		rc = qspool_write(&s, chunk, sizeof(chunk));
	CHECK(rc == QASID_OK);
	CHECK(s.on_disk);
	qspool_free(&s);
}

/* ---- Format 2 (FORMAT.md 17.1) ------------------------------------------ */

#define HK "5a0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

static const char canonical2[] =
    "qasid-manifest 2\n"
    "title Weekly statements\n"
    "series news\n"
    "sequence 3\n"
    "created 1700000000\n"
    "key AB07060504030201\n"
    "next-key " HK "\n"
    "previous 2 " HM "\n"
    "expires 1800000000\n"
    "volume none\n"
    "files 2\n"
    "dirs 1\n"
    "bytes 9\n"
    "pieces 0\n"
    "members 1\n"
    "dir reports\n"
    "file 644 6 " H1 "  reports/a.txt\n"
    "file 755 3 " H2 "  run.sh\n"
    "member 187 4608 " HM "\n"
    "end\n";

/* The format-2 header of canonical2 into a buffer. */
static int
put_header2_sample(struct qbuf *b)
{
	struct qmf_header h = {.format = 2, .sequence = 3,
	    .created = 1700000000,
	    .keyid = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0xab},
	    .has_next_key = 1, .has_previous = 1, .prev_sequence = 2,
	    .has_expires = 1, .expires = 1800000000,
	    .files = 2, .dirs = 1, .bytes = 9, .members = 1};

	snprintf(h.title, sizeof(h.title), "Weekly statements");
	snprintf(h.series, sizeof(h.series), "news");
	unhex(HK, h.next_key, QF_KEYHASH);
	unhex(HM, h.prev_head, QF_MEMBER_HASH);
	return qmf_put_header(b, &h);
}

TEST(format2_header_written_and_read)
{
	struct qbuf b = {0};
	struct parsed *p = calloc(1, sizeof(*p));
	const char *end = strstr(canonical2, "dir reports\n");
	unsigned char k[QF_KEYHASH];

	CHECK(put_header2_sample(&b) == QASID_OK);
	CHECK(b.len == (size_t)(end - canonical2) &&
	    memcmp(b.p, canonical2, b.len) == 0);
	CHECK(parse(canonical2, sizeof(canonical2) - 1, p) == 0);
	CHECK(p->h.format == 2 && p->h.has_next_key && p->h.has_previous);
	unhex(HK, k, sizeof(k));
	CHECK(memcmp(p->h.next_key, k, sizeof(k)) == 0);
	CHECK(p->h.prev_sequence == 2 && p->h.has_expires &&
	    p->h.expires == 1800000000);
	CHECK(!p->h.has_volume && p->h.pieces == 0);
	CHECK(p->nentries == 3 && p->nmembers == 1);
	CHECK(parse(canonical, sizeof(canonical) - 1, p) == 0);
	CHECK(p->h.format == 1 && !p->h.has_next_key && !p->h.has_previous &&
	    !p->h.has_expires && !p->h.has_volume);
	free(p);
	qbuf_free(&b);
}

TEST(format2_fields_refused_in_format1)
{
	struct qmf_header h = {.format = 1, .has_next_key = 1};
	struct qbuf b = {0};

	snprintf(h.series, sizeof(h.series), "news");
	CHECK(qmf_put_header(&b, &h) == QASID_ERR_ARG);
	h.format = 3;
	h.has_next_key = 0;
	CHECK(qmf_put_header(&b, &h) == QASID_ERR_ARG);
	qbuf_free(&b);
}

#define SETID HK

TEST(format2_variants)
{
	static const struct variant t[] = {
		{"as written", "", "", 0},
		{"nones", "next-key " HK "\nprevious 2 " HM "\nexpires "
		    "1800000000\n", "next-key none\nprevious none\n"
		    "expires none\n", 0},
		{"format-1 header", "next-key " HK "\nprevious 2 " HM "\n"
		    "expires 1800000000\nvolume none\n", "", FMT},
		{"missing pieces", "pieces 0\n", "", FMT},
		{"missing next-key", "next-key " HK "\n", "", FMT},
		{"next-key upper case", "next-key 5a", "next-key 5A", FMT},
		{"next-key short", HK "\nprevious", "5a01\nprevious", FMT},
		{"next-key NONE", "next-key " HK, "next-key NONE", FMT},
		{"previous without hash", "previous 2 " HM, "previous 2", FMT},
		{"previous leading zero", "previous 2 ", "previous 02 ", FMT},
		{"expires negative", "expires 1800000000",
		    "expires -1800000000", FMT},
		{"expires beyond int64", "expires 1800000000",
		    "expires 9223372036854775808", FMT},
		{"volume and next-key swapped", "next-key " HK "\nprevious 2 "
		    HM "\nexpires 1800000000\nvolume none\n", "volume none\n"
		    "previous 2 " HM "\nexpires 1800000000\nnext-key " HK "\n",
		    FMT},
		{"a volume", "volume none\n", "volume " SETID " 2 3\n", 0},
		{"volume part 0", "volume none\n", "volume " SETID " 0 3\n",
		    FMT},
		{"volume part past count", "volume none\n", "volume " SETID
		    " 4 3\n", FMT},
		{"volume without count", "volume none\n", "volume " SETID
		    " 1\n", FMT},
		{"pieces without a volume", "pieces 0\n", "pieces 1\n", FMT},
		{"piece line without a volume", "file 755 3 ", "piece 0 3 ",
		    FMT},
		{"piece line in a volume", "volume none\nfiles 2\ndirs 1\n"
		    "bytes 9\npieces 0\n", "volume " SETID " 1 2\nfiles 2\n"
		    "dirs 1\nbytes 9\npieces 1\n", 0},
	};

	base = canonical2;
	check_variants(t, NITEMS(t));
	base = canonical;
}

TEST(format2_piece_lines)
{
	static const char text[] =
	    "qasid-manifest 2\ntitle \nseries s\nsequence 1\ncreated 0\n"
	    "key AB07060504030201\nnext-key none\nprevious none\n"
	    "expires none\nvolume " SETID " 1 2\nfiles 0\ndirs 0\n"
	    "bytes 0\npieces 1\nmembers 1\n"
	    "piece 4096 100 " H1 "  big.bin\n"
	    "member 187 4608 " HM "\nend\n";
	struct parsed *p = calloc(1, sizeof(*p));
	struct qbuf b = {0};

	CHECK(parse(text, sizeof(text) - 1, p) == 0);
	CHECK(p->h.has_volume && p->h.part == 1 && p->h.count == 2 &&
	    p->h.pieces == 1);
	CHECK(p->nentries == 1 && p->e[0].is_piece && !p->e[0].is_dir);
	CHECK(p->e[0].offset == 4096 && p->e[0].size == 100);
	CHECK_EQ_STR(p->e[0].path, "big.bin");
	CHECK(qmf_put_entry(&b, &p->e[0]) == QASID_OK);
	CHECK(b.len == strlen("piece 4096 100 " H1 "  big.bin\n") &&
	    memcmp(b.p, "piece 4096 100 " H1 "  big.bin\n", b.len) == 0);
	qbuf_free(&b);
	free(p);
}

/* Statements a bundle carries (FORMAT.md 17.3): the first file lines,
 * under .qasid/keys/, in byte order, within limits; format 2 only. */
#define KL(mode, size, name) "file " mode " " size " " H1 "  .qasid/keys/" \
    name "\n"
TEST(format2_carried_statements)
{
	static const struct variant t[] = {
		{"one", "dir reports\n", KL("644", "279", "a-b.rotate")
		    "dir reports\n", 0},
		{"three in order", "dir reports\n", KL("644", "279", "a.rotate")
		    KL("644", "286", "a.rotate.minisig") KL("644", "286",
		    "a.rotate.old.minisig") "dir reports\n", 0},
		{"out of order", "dir reports\n", KL("644", "1", "b")
		    KL("644", "1", "a") "dir reports\n", FMT},
		{"twice", "dir reports\n", KL("644", "1", "a") KL("644", "1",
		    "a") "dir reports\n", FMT},
		{"mode 755", "dir reports\n", KL("755", "1", "a")
		    "dir reports\n", FMT},
		{"over 64 KiB", "dir reports\n", KL("644", "65537", "a")
		    "dir reports\n", FMT},
		{"after another entry", "file 755 3 " H2 "  run.sh\n",
		    "file 755 3 " H2 "  run.sh\n" KL("644", "1", "z"), UNSAFE},
		{"a hidden name", "dir reports\n", KL("644", "1", ".a")
		    "dir reports\n", UNSAFE},
		{"a name ending in a dot", "dir reports\n", KL("644", "1", "a.")
		    "dir reports\n", UNSAFE},
		{"in a subfolder", "dir reports\n", KL("644", "1", "a/b")
		    "dir reports\n", UNSAFE},
		{"as a folder", "dir reports\n", "dir .qasid/keys/a\n"
		    "dir reports\n", UNSAFE},
	};
	static const struct variant one = {"format 1", "dir reports\n",
	    KL("644", "1", "a") "dir reports\n", UNSAFE};
	static char text[sizeof(canonical2) + 1024];
	struct parsed *p = calloc(1, sizeof(*p));
	size_t len;

	base = canonical2;
	check_variants(t, NITEMS(t));
	len = edit(&t[0], text, sizeof(text));
	CHECK(len > 0 && parse(text, len, p) == 0);
	CHECK(p->nentries == 4 && p->e[0].is_key && !p->e[1].is_key);
	CHECK_EQ_STR(p->e[0].path, ".qasid/keys/a-b.rotate");
	base = canonical;
	check_variants(&one, 1);
	free(p);
}

int
main(void)
{
	if (qasid_init() != QASID_OK)
		return 2;
	return RUN_TESTS(put_writes_canonical_text, parse_round_trip,
	    non_canonical_numbers_refused, non_canonical_hex_refused,
	    missing_or_reordered_fields_refused, bad_modes_refused,
	    unsafe_paths_refused, trailing_data_after_end_refused,
	    accepted_variants, errors_name_the_line, overlong_line_refused,
	    spool_beyond_memory_two_cursors, spool_file_in_tmpdir,
	    format2_header_written_and_read, format2_fields_refused_in_format1,
	    format2_variants, format2_piece_lines,
	    format2_carried_statements);
}
