/* SPDX-License-Identifier: ISC */
/*
 * test_tar.c - unit tests for src/format/tar.c: the canonical tar headers of a
 * bundle are the same bytes every time, in any locale, and libarchive's
 * reader, as any tar would, reads back the path, size, mode and type the
 * manifest gives.
 */
#include <locale.h>
#include <malloc.h>
#include <stdlib.h>

#include <archive.h>
#include <archive_entry.h>

#include "harness.h"
#include "tar.h"

#define NITEMS(a) (sizeof(a) / sizeof((a)[0]))
#define MTIME 1700000000

/* Persian folder, Burmese file name: well past ustar's 100 bytes. */
#define LONG_NAME "گزارش‌های دادگاه/ထုတ်ပြန်ချက်-နောက်ဆုံး-" \
    "ထုတ်ပြန်ချက်-Заявление комитета.txt"

static const struct qtar_entry entries[] = {
	{"reports", 1, 0755, 0, MTIME},
	{"reports/a.txt", 0, 0644, 6, MTIME},
	{LONG_NAME, 0, 0755, 1000, MTIME},
	{"گزارش‌ها", 1, 0755, 0, MTIME},
	{"empty", 0, 0644, 0, MTIME},
	{"exactly-one-block.bin", 0, 0644, 512, MTIME},
};

static void
fill(unsigned char *p, size_t n, size_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)('a' + (i + seed) % 26);
}

/* A whole tar stream of the entries: headers, content, padding, trailer. */
static int
build(struct qbuf *b, const struct qtar_entry *t, size_t n)
{
	static const unsigned char zero[QF_BLOCK];
	unsigned char content[1024];

	for (size_t i = 0; i < n; i++) {
		if (qtar_header(&t[i], b) != QASID_OK)
			return -1;
		if (t[i].is_dir)
			continue;
		fill(content, (size_t)t[i].size, i);
		if (qbuf_append(b, content, (size_t)t[i].size) != QASID_OK ||
		    qbuf_append(b, zero, qtar_padding(t[i].size)) != QASID_OK)
			return -1;
	}
	return qtar_trailer(b);
}

TEST(headers_are_whole_blocks)
{
	for (size_t i = 0; i < NITEMS(entries); i++) {
		struct qbuf b = {0};
		CHECK(qtar_header(&entries[i], &b) == QASID_OK);
		CHECK(b.len > 0 && b.len % QF_BLOCK == 0);
		qbuf_free(&b);
	}
}

TEST(ascii_header_is_plain_ustar)
{
	struct qbuf b = {0};

	CHECK(qtar_header(&entries[1], &b) == QASID_OK);
	CHECK(b.len == QF_BLOCK);
	CHECK(b.len == QF_BLOCK && strcmp((char *)b.p, "reports/a.txt") == 0);
	CHECK(b.len == QF_BLOCK && memcmp(b.p + 257, "ustar", 6) == 0);
	CHECK(b.len == QF_BLOCK && b.p[156] == '0');
	qbuf_free(&b);
	CHECK(qtar_header(&entries[0], &b) == QASID_OK);
	CHECK(b.len == QF_BLOCK && b.p[156] == '5');
	qbuf_free(&b);
}

TEST(long_name_has_pax_path)
{
	struct qbuf b = {0};
	char rec[600];

	CHECK(qtar_header(&entries[2], &b) == QASID_OK);
	CHECK(b.len >= 3 * QF_BLOCK);
	CHECK(b.p[156] == 'x');
	snprintf(rec, sizeof(rec), " path=%s\n", LONG_NAME);
	CHECK(memmem(b.p, b.len, rec, strlen(rec)) != NULL);
	qbuf_free(&b);
}

TEST(headers_are_deterministic)
{
	locale_t loc = qtar_locale();

	CHECK(loc != (locale_t)0);
	for (size_t i = 0; i < NITEMS(entries); i++) {
		struct qbuf a = {0}, b = {0}, c = {0};
		CHECK(qtar_header(&entries[i], &a) == QASID_OK);
		/* The caller's locale does not matter... */
		setlocale(LC_ALL, "C");
		CHECK(qtar_header(&entries[i], &b) == QASID_OK);
		setlocale(LC_ALL, "");
		/* ...nor whether the locale is the caller's own. */
		CHECK(qtar_header_in(loc, &entries[i], &c) == QASID_OK);
		CHECK(a.len == b.len && memcmp(a.p, b.p, a.len) == 0);
		CHECK(a.len == c.len && memcmp(a.p, c.p, a.len) == 0);
		qbuf_free(&a);
		qbuf_free(&b);
		qbuf_free(&c);
	}
	if (loc != (locale_t)0)
		freelocale(loc);
}

TEST(headers_differ_when_entries_do)
{
	struct qtar_entry t = entries[1];
	struct qbuf a = {0}, b = {0};

	CHECK(qtar_header(&t, &a) == QASID_OK);
	t.mode = 0755;
	CHECK(qtar_header(&t, &b) == QASID_OK);
	CHECK(a.len == b.len && memcmp(a.p, b.p, a.len) != 0);
	b.len = 0;
	t.mode = 0644;
	t.mtime = MTIME + 1;
	CHECK(qtar_header(&t, &b) == QASID_OK);
	CHECK(a.len == b.len && memcmp(a.p, b.p, a.len) != 0);
	qbuf_free(&a);
	qbuf_free(&b);
}

TEST(libarchive_reads_them_back)
{
	struct qbuf b = {0};
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	unsigned char got[1024], want[1024];
	size_t i = 0;
	int r;

	CHECK(build(&b, entries, NITEMS(entries)) == 0);
	archive_read_support_format_tar(a);
	CHECK(archive_read_open_memory(a, b.p, b.len) == ARCHIVE_OK);
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		const struct qtar_entry *t = &entries[i];
		const char *name = archive_entry_pathname_utf8(e);
		if (i >= NITEMS(entries)) {
			CHECK(0);
			break;
		}
		/* libarchive shows folders with a trailing slash. */
		CHECK(name != NULL && strncmp(name, t->path,
		    strlen(t->path)) == 0 && (name[strlen(t->path)] == '\0' ||
		    (t->is_dir && strcmp(name + strlen(t->path), "/") == 0)));
		CHECK(archive_entry_filetype(e) == (t->is_dir ? AE_IFDIR :
		    AE_IFREG));
		CHECK((unsigned)archive_entry_perm(e) == t->mode);
		CHECK(archive_entry_size(e) == (la_int64_t)t->size);
		CHECK(archive_entry_mtime(e) == t->mtime);
		CHECK(archive_entry_uid(e) == 0 && archive_entry_gid(e) == 0);
		if (!t->is_dir) {
			la_ssize_t n = archive_read_data(a, got, sizeof(got));
			fill(want, (size_t)t->size, i);
			CHECK(n == (la_ssize_t)t->size &&
			    memcmp(got, want, (size_t)t->size) == 0);
		}
		i++;
	}
	CHECK(r == ARCHIVE_EOF);
	CHECK(i == NITEMS(entries));
	archive_read_free(a);
	qbuf_free(&b);
}

/* Sizes beyond ustar's 8 GiB go into the pax header too. */
TEST(huge_size_read_back)
{
	struct qtar_entry t = {"video.mp4", 0, 0644, (uint64_t)10 << 30,
	    MTIME};
	struct qbuf b = {0};
	struct archive *a = archive_read_new();
	struct archive_entry *e;

	CHECK(qtar_header(&t, &b) == QASID_OK);
	CHECK(memmem(b.p, b.len, " size=10737418240\n", 18) != NULL);
	archive_read_support_format_tar(a);
	CHECK(archive_read_open_memory(a, b.p, b.len) == ARCHIVE_OK);
	CHECK(archive_read_next_header(a, &e) == ARCHIVE_OK);
	CHECK(archive_entry_size(e) == (la_int64_t)t.size);
	archive_read_free(a);
	qbuf_free(&b);
}

/* Bytes the allocator has handed out and not had back. */
static size_t
in_use(void)
{
	return mallinfo2().uordblks;
}

/*
 * Making a header once leaked libarchive's output state (the writer was
 * freed without being closed): a packer or a reader of two million entries
 * would grow by tens of MiB. Memory in use must not grow with the count.
 */
TEST(headers_do_not_leak)
{
	locale_t loc = qtar_locale();
	struct qbuf b = {0};
	size_t before, after;

	CHECK(loc != (locale_t)0);
	for (int i = 0; i < 200; i++) {
		b.len = 0;
		CHECK(qtar_header_in(loc, &entries[i % NITEMS(entries)], &b) ==
		    QASID_OK);
	}
	before = in_use();
	for (int i = 0; i < 20000; i++) {
		b.len = 0;
		qtar_header_in(loc, &entries[i % NITEMS(entries)], &b);
	}
	after = in_use();
	if (after > before + 65536)
		printf("  20000 headers: %zu bytes more in use\n",
		    after - before);
	CHECK(after <= before + 65536);
	qbuf_free(&b);
	freelocale(loc);
}

TEST(trailer_and_padding)
{
	static const unsigned char zero[2 * QF_BLOCK];
	static const struct {
		uint64_t size;
		size_t pad;
	} t[] = {
		{0, 0}, {1, 511}, {511, 1}, {512, 0}, {513, 511},
		{(uint64_t)1 << 40, 0}, {((uint64_t)1 << 40) + 3, 509},
	};
	struct qbuf b = {0};

	CHECK(qtar_trailer(&b) == QASID_OK);
	CHECK(b.len == sizeof(zero) && memcmp(b.p, zero, b.len) == 0);
	qbuf_free(&b);
	for (size_t i = 0; i < NITEMS(t); i++)
		CHECK(qtar_padding(t[i].size) == t[i].pad);
}

int
main(void)
{
	setlocale(LC_ALL, "");
	if (qasid_init() != QASID_OK)
		return 2;
	return RUN_TESTS(headers_are_whole_blocks, ascii_header_is_plain_ustar,
	    long_name_has_pax_path, headers_are_deterministic,
	    headers_differ_when_entries_do, libarchive_reads_them_back,
	    huge_size_read_back, headers_do_not_leak, trailer_and_padding);
}
