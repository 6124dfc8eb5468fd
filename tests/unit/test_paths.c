/* SPDX-License-Identifier: ISC */
/*
 * test_paths.c - unit tests for src/format/paths.c: which names a bundle may carry,
 * which of them some file system would merge into one file, and the order
 * that lets a verifier find every such pair among neighbours.
 */
#include <stdlib.h>

#include "harness.h"
#include "paths.h"

/* Bytes with a length, so that test names may hold NUL. */
struct bytes {
	const char *s;
	size_t len;
};
#define B(lit) { lit, sizeof(lit) - 1 }

struct refusal {
	struct bytes path;
	const char *why;	/* NULL: any reason */
};

static int
verdict_ok(struct bytes p, int want, const char *want_why)
{
	char why[256];
	int r = qpath_check(p.s, p.len, why, sizeof(why));

	if (r == want && (r == 0 ? why[0] == '\0' : why[0] != '\0') &&
	    (want_why == NULL || strcmp(why, want_why) == 0))
		return 1;
	printf("  \"%.*s\" (%zu bytes): got %d \"%s\"\n", (int)p.len, p.s,
	    p.len, r, why);
	return 0;
}

static void
check_refusals(const struct refusal *t, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		CHECK(verdict_ok(t[i].path, -1, t[i].why));
}

static void
check_accepts(const struct bytes *t, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		CHECK(verdict_ok(t[i], 0, NULL));
}

#define NITEMS(a) (sizeof(a) / sizeof((a)[0]))

/* ---- qpath_check -------------------------------------------------- */

TEST(accepts_typical_names)
{
	static const struct bytes t[] = {
		B("photos/IMG_0001.jpg"),
		B("README"),
		B("a"),
		B("گزارش\xe2\x80\x8c" "های دادگاه.pdf"),		/* ZWNJ */
		B("گزارش دادگاه.pdf"),
		B("ထုတ်ပြန်ချက်.txt"),
		B("Заявление.txt"),
		B("رپورٹ/عدالت کی کارروائی.docx"),
		B("بيان\xe2\x80\x8f" ".pdf"),		/* RLM */
		B("\xe2\x80\x8e" "left.txt"),		/* LRM */
		B("क्\xe2\x80\x8d" "ष.txt"),		/* ZWJ */
		B("新闻稿/声明 2024.docx"),
		B("Ελληνικά/ΟΔΟΣ.txt"),
		B("\xf0\x9f\x98\x80" ".png"),		/* U+1F600 */
		B("\xef\xbf\xbd"),			/* U+FFFD */
		B("\xc2\xa0" "nbsp"),			/* U+00A0 */
		B(".hidden"), B("..foo"), B("a..b"), B("a b/c d"), B("-rf"),
		B("~"), B("#1"), B("50%"), B("a'b"), B("[x]{y}"),
		B("dir/sub/file.tar.gz"),
	};

	check_accepts(t, NITEMS(t));
}

TEST(refuses_bad_structure)
{
	static const struct refusal t[] = {
		{ B(""), "path is empty" },
		{ B("/etc/passwd"), "absolute path is not allowed" },
		{ B("/"), "absolute path is not allowed" },
		{ B("a/"), "trailing '/' is not allowed" },
		{ B("a/b/"), "trailing '/' is not allowed" },
		{ B("a//b"), "empty component (\"//\") is not allowed" },
		{ B("."), "component \".\" is not allowed" },
		{ B(".."), "component \"..\" is not allowed" },
		{ B("../etc"), "component \"..\" is not allowed" },
		{ B("a/./b"), "component \".\" is not allowed" },
		{ B("a/.."), "component \"..\" is not allowed" },
		{ B("a/../../b"), "component \"..\" is not allowed" },
	};

	check_refusals(t, NITEMS(t));
}

TEST(refuses_bad_characters)
{
	static const struct refusal t[] = {
		{ B("a\0b"),
		    "control character U+0000 at byte 1 is not allowed" },
		{ B("\x01"),
		    "control character U+0001 at byte 0 is not allowed" },
		{ B("a\tb"), NULL }, { B("a\nb"), NULL }, { B("a\rb"), NULL },
		{ B("dir/\x1b[31mred"),
		    "control character U+001B at byte 4 is not allowed" },
		{ B("a\x1f"), NULL },
		{ B("del\x7f"),
		    "control character U+007F at byte 3 is not allowed" },
		{ B("\xc2\x80"),
		    "control character U+0080 at byte 0 is not allowed" },
		{ B("a\xc2\x85"), NULL },			/* NEL */
		{ B("a\xc2\x9f"), NULL },
		{ B("a\\b"),
		    "character '\\' is not allowed (a separator on Windows)" },
		{ B("a<b"), "character '<' is not allowed on FAT/exFAT" },
		{ B("a>b"), "character '>' is not allowed on FAT/exFAT" },
		{ B("c:x"), "character ':' is not allowed on FAT/exFAT" },
		{ B("\"hi\""), "character '\"' is not allowed on FAT/exFAT" },
		{ B("a|b"), "character '|' is not allowed on FAT/exFAT" },
		{ B("why?"), "character '?' is not allowed on FAT/exFAT" },
		{ B("*.txt"), "character '*' is not allowed on FAT/exFAT" },
		/* "invoice_RLO_fdp.exe" displays as "invoice_exe.pdf" */
		{ B("invoice\xe2\x80\xae" "fdp.exe"),
		    "bidirectional control U+202E at byte 7 is not allowed" },
		{ B("\xe2\x80\xaa"), NULL }, { B("\xe2\x80\xab"), NULL },
		{ B("\xe2\x80\xac"), NULL }, { B("\xe2\x80\xad"), NULL },
		{ B("a\xe2\x81\xa6"),
		    "bidirectional control U+2066 at byte 1 is not allowed" },
		{ B("\xe2\x81\xa7"), NULL }, { B("\xe2\x81\xa8"), NULL },
		{ B("\xe2\x81\xa9"), NULL },
		{ B("\xef\xb7\x90"),
		    "noncharacter U+FDD0 at byte 0 is not allowed" },
		{ B("\xef\xb7\xaf"), NULL },			/* U+FDEF */
		{ B("\xef\xbf\xbe"), NULL }, { B("\xef\xbf\xbf"), NULL },
		{ B("x\xf0\x9f\xbf\xbe"),
		    "noncharacter U+1FFFE at byte 1 is not allowed" },
		{ B("\xf4\x8f\xbf\xbf"), NULL },		/* U+10FFFF */
	};

	check_refusals(t, NITEMS(t));
}

TEST(refuses_names_not_in_nfc)
{
	static const struct refusal t[] = {
		{ B("Cafe\xcc\x81"), "name \"Cafe\xcc\x81\" is not in Unicode NFC "
		    "(composed) form, which tar readers disagree on: rename it "
		    "in composed form" },
		{ B("d/\xd8\xa7\xd9\x94"), NULL },		/* alef + hamza */
		{ B("\xe2\x84\xab"), NULL },			/* ANGSTROM SIGN */
		{ B("a\xcc\x81\xcc\xa3"), NULL },		/* marks misordered */
		{ B("\xe1\x84\x92\xe1\x85\xa1"), NULL },	/* jamo L V */
		{ B("\xed\x95\x98\xe1\x86\xab"), NULL },	/* LV + T */
	};

	check_refusals(t, NITEMS(t));
}

TEST(accepts_nfc_names)
{
	static const struct bytes t[] = {
		B("Caf\xc3\xa9"), B("\xd8\xa3\xd8\xad\xd9\x85\xd8\xaf"),
		B("\xed\x95\x9c\xea\xb8\x80"),		/* Hangul */
		B("q\xcc\x87"),				/* no composed form */
		B("\xe1\xba\xa1\xcc\x81"),		/* U+1EA1 + acute */
		B("\xe0\xa4\x95\xe0\xa4\xbc"),	/* excluded: ka + nukta */
		B("stra\xc3\x9f" "e"),
	};

	check_accepts(t, NITEMS(t));
}

TEST(refuses_invisible_characters)
{
	static const struct refusal t[] = {
		{ B("a\xe2\x80\x8b" "b"), "invisible (default-ignorable) "
		    "character U+200B at byte 1 is not allowed" },
		{ B("\xc2\xad"), NULL },			/* soft hyphen */
		{ B("\xef\xbb\xbf" "a"), NULL },		/* BOM */
		{ B("a\xe2\x81\xa0"), NULL },		/* word joiner */
		{ B("\xe3\x85\xa4"), NULL },		/* Hangul filler */
		{ B("a\xf3\xa0\x81\x81"), NULL },		/* tag A */
		{ B("a\xe2\x81\xa6" "b"), "bidirectional control U+2066 at "
		    "byte 1 is not allowed" },
	};
	static const struct bytes ok[] = {
		B("\xd9\x85\xdb\x8c\xe2\x80\x8c\xd8\xae"),	/* ZWNJ */
		B("\xe2\x9d\xa4\xef\xb8\x8f"),		/* VS16 */
		B("\xd8\xa8\xe2\x80\x8f.pdf"),		/* RLM */
	};

	check_refusals(t, NITEMS(t));
	check_accepts(ok, NITEMS(ok));
}

TEST(refuses_invalid_utf8)
{
	static const struct refusal t[] = {
		{ B("\x80"), "invalid UTF-8 at byte 0" },
		{ B("abc\xff"), "invalid UTF-8 at byte 3" },
		{ B("\xc0\xaf"), NULL },		/* overlong '/' */
		{ B("\xc1\xbf"), NULL },
		{ B("ok/\xe0\x80\xaf"), "invalid UTF-8 at byte 3" },
		{ B("\xe0\x9f\xbf"), NULL },		/* overlong U+07FF */
		{ B("\xf0\x80\x80\xaf"), NULL },
		{ B("\xf0\x8f\xbf\xbf"), NULL },	/* overlong U+FFFF */
		{ B("\xed\xa0\x80"), NULL },			/* U+D800 */
		{ B("\xed\xbf\xbf"), NULL },			/* U+DFFF */
		{ B("\xf4\x90\x80\x80"), NULL },		/* U+110000 */
		{ B("\xf5\x80\x80\x80"), NULL },
		{ B("\xf8\x88\x80\x80\x80"), NULL },
		{ B("ab\xe2\x82"), "invalid UTF-8 at byte 2" },	/* truncated */
		{ B("\xc3"), NULL },
		{ B("\xc3/x"), NULL },
		{ B("\xf0\x9f\x98"), NULL },
		{ B("\xe2\x28\xa1"), NULL },		/* bad continuation */
		{ B("Заявл\xd0" "ение"), "invalid UTF-8 at byte 10" },
	};

	check_refusals(t, NITEMS(t));
}

TEST(refuses_names_windows_strips)
{
	static const struct refusal t[] = {
		{ B("file."),
		    "name \"file.\" ends with '.', which Windows strips" },
		{ B("dir./x"), NULL },
		{ B("..."), NULL },
		{ B("file "),
		    "name \"file \" ends with a space, which Windows strips" },
		{ B("a/b /c"), NULL },
		{ B(" "), NULL },
	};

	check_refusals(t, NITEMS(t));
}

TEST(windows_device_names)
{
	static const struct refusal t[] = {
		{ B("CON"), "name \"CON\" is reserved on Windows" },
		{ B("con"), NULL }, { B("Con"), NULL }, { B("PRN"), NULL },
		{ B("aux"), NULL },
		{ B("NUL.txt"), "name \"NUL.txt\" is reserved on Windows" },
		{ B("com1.tar.gz"), NULL }, { B("COM0"), NULL },
		{ B("COM9"), NULL }, { B("lpt1"), NULL },
		{ B("LPT0.log"), NULL }, { B("Lpt9"), NULL },
		{ B("COM\xc2\xb9"), "name \"COM¹\" is reserved on Windows" },
		{ B("com\xc2\xb2" ".txt"), NULL }, { B("LPT\xc2\xb3"), NULL },
		{ B("CON .txt"), NULL },
		{ B("dir/nul"), "name \"nul\" is reserved on Windows" },
		{ B("a/b/prn.c"), NULL },
	};
	static const struct bytes ok[] = {
		B("CONSOLE"), B("nullify.txt"), B("con_"), B("aux-file"),
		B("CON-x.txt"), B("com10"), B("COM"), B("lpt"), B("LPTx"),
		B("COM\xc2\xb9" "0"), B("COM\xc2\xb4"),	/* U+00B4 is no digit */
		B("COM\xe2\x81\xb4"),			/* superscript four */
		B("prn2.txt"), B("connect/x"), B("xcon"), B(".con"), B("co"),
		B("\xef\xbc\xa3\xef\xbc\xaf\xef\xbc\xae"),	/* ＣＯＮ */
	};

	check_refusals(t, NITEMS(t));
	check_accepts(ok, NITEMS(ok));
}

TEST(reserves_metadata_folder)
{
	static const struct refusal t[] = {
		{ B(".qasid"), "name \".qasid\" is reserved for qasid's own "
		    "use (names starting \".qasid\")" },
		{ B(".qasid/manifest"), NULL },
		{ B(".QASID/x"), "name \".QASID\" is reserved for qasid's own "
		    "use (names starting \".qasid\")" },
		{ B(".Qasid"), NULL },
		{ B(".qa\xc5\xbf" "id/x"), NULL },	/* U+017F LONG S */
		/* unpack's staging folders and commit marker */
		{ B(".qasid-unpack-x/a"), NULL },
		{ B(".qasid-committed"), NULL },
		{ B(".qasidx"), NULL },
		{ B(".qasid.txt"), NULL },
	};
	static const struct bytes ok[] = {
		B("a/.qasid"), B("a/.QASID/x"), B("a/.qasid-unpack-x"),
		B("qasid"), B("_qasid"), B(".qas"), B(".qasi"),
	};

	check_refusals(t, NITEMS(t));
	check_accepts(ok, NITEMS(ok));
}

/* Fills buf with components of `width` bytes joined by '/'. */
static size_t
make_path(char *buf, size_t ncomps, size_t width)
{
	size_t i, n = 0;

	for (i = 0; i < ncomps; i++) {
		if (i > 0)
			buf[n++] = '/';
		memset(buf + n, 'a' + (int)(i % 26), width);
		n += width;
	}
	return n;
}

TEST(enforces_limits)
{
	static char buf[8192];
	struct bytes p = { buf, 0 };

	p.len = make_path(buf, 1, QASID_NAME_MAX);
	CHECK(verdict_ok(p, 0, NULL));
	p.len = make_path(buf, 1, QASID_NAME_MAX + 1);
	CHECK(verdict_ok(p, -1, "component at byte 0 is longer than 255 "
	    "bytes"));
	p.len = make_path(buf, 2, QASID_NAME_MAX + 1);
	CHECK(verdict_ok(p, -1, NULL));
	memcpy(buf, "ab/", 3);
	p.len = 3 + make_path(buf + 3, 1, QASID_NAME_MAX + 1);
	CHECK(verdict_ok(p, -1, "component at byte 3 is longer than 255 "
	    "bytes"));

	p.len = make_path(buf, 16, QASID_NAME_MAX);	/* 16 * 256 - 1 */
	CHECK(p.len == QASID_PATH_MAX);
	CHECK(verdict_ok(p, 0, NULL));
	buf[p.len++] = 'x';
	CHECK(verdict_ok(p, -1, "path is longer than 4095 bytes"));

	p.len = make_path(buf, QASID_DEPTH_MAX, 1);
	CHECK(verdict_ok(p, 0, NULL));
	p.len = make_path(buf, QASID_DEPTH_MAX + 1, 1);
	CHECK(verdict_ok(p, -1, "path has more than 64 components"));
}

TEST(reasons_truncate_safely)
{
	char why[16];

	CHECK(qpath_check("CON", 3, NULL, 0) == -1);
	CHECK(qpath_check("ok", 2, NULL, 0) == 0);
	memset(why, 'x', sizeof(why));
	CHECK(qpath_check("CON", 3, why, 1) == -1);
	CHECK(why[0] == '\0');
	CHECK(qpath_check("CON", 3, why, 8) == -1);
	CHECK_EQ_STR(why, "name \"C");
	/* Cuts between code points: "name \"" is 6 bytes, each Ж 2. */
	CHECK(qpath_check("ЖЖЖ.", 7, why, 8) == -1);
	CHECK_EQ_STR(why, "name \"");
	CHECK(qpath_check("ЖЖЖ.", 7, why, 9) == -1);
	CHECK_EQ_STR(why, "name \"Ж");
	/* Nothing shorter is appended after a cut. */
	CHECK(qpath_check("ЖЖЖ.", 7, why, 10) == -1);
	CHECK_EQ_STR(why, "name \"Ж");
	memset(why, 'x', sizeof(why));
	CHECK(qpath_check("fine", 4, why, sizeof(why)) == 0);
	CHECK(why[0] == '\0');
}

/* ---- qpath_fold --------------------------------------------------------- */

static int
same_key(struct bytes a, struct bytes b)
{
	char ka[256], kb[256];
	size_t na = qpath_fold(a.s, a.len, ka, sizeof(ka));
	size_t nb = qpath_fold(b.s, b.len, kb, sizeof(kb));

	return na == nb && na < sizeof(ka) && memcmp(ka, kb, na) == 0;
}

TEST(fold_merges_equivalent_names)
{
	static const struct bytes t[][2] = {
		/* é precomposed (NFC) and decomposed (NFD, as macOS writes) */
		{ B("\xc3\xa9"), B("e\xcc\x81") },
		{ B("caf\xc3\xa9.txt"), B("CAFE\xcc\x81.TXT") },
		{ B("README"), B("readme") },
		{ B("ReadMe.md"), B("rEADmE.MD") },
		{ B("ΟΔΟΣ"), B("οδος") },		/* final sigma */
		{ B("Σοφία"), B("σοφι\xcc\x81" "α") },
		{ B("ЗАЯВЛЕНИЕ.TXT"), B("заявление.txt") },
		{ B("Ёлка"), B("ёлка") },
		{ B("\xd0\x81"), B("\xd0\xb5\xcc\x88") },	/* Ё, е + ̈ */
		/* Hangul syllables and their conjoining jamo: LVT, LV */
		{ B("\xed\x95\x9c"),
		    B("\xe1\x84\x92\xe1\x85\xa1\xe1\x86\xab") },
		{ B("\xea\xb0\x80"), B("\xe1\x84\x80\xe1\x85\xa1") },
		/* canonical singletons: ANGSTROM, KELVIN and OHM SIGN */
		{ B("\xc3\x85"), B("\xe2\x84\xab") },
		{ B("\xe2\x84\xab"), B("a\xcc\x8a") },
		{ B("\xe2\x84\xaa"), B("k") },
		{ B("\xe2\x84\xa6"), B("\xcf\x89") },
		/* joiners, bidirectional marks and variation selectors are
		 * left out of keys (HFS+ ignores the first two) */
		{ B("x\xe2\x80\x8c" "y"), B("xy") },		/* ZWNJ */
		{ B("x\xe2\x80\x8d" "y"), B("xy") },		/* ZWJ */
		{ B("a\xe2\x80\x8f.pdf"), B("a.pdf") },	/* RLM */
		{ B("a\xd8\x9c"), B("a") },			/* ALM */
		{ B("\xe2\x9d\xa4\xef\xb8\x8f"), B("\xe2\x9d\xa4") }, /* VS16 */
		{ B("\xe2\x80\x8c"), B("") },
		/* full folding (status F), as ext4 casefold folders do */
		{ B("stra\xc3\x9f" "e"), B("STRASSE") },
		{ B("\xe1\xba\x9e"), B("ss") },		/* capital sharp s */
		{ B("\xef\xac\x81le"), B("file") },		/* ligature fi */
		{ B("\xce\x90"), B("\xce\xb9\xcc\x88\xcc\x81") }, /* ΐ */
		/* LONG S, CAPITAL SHARP S (status S), MICRO SIGN */
		{ B("\xc5\xbf"), B("s") },
		{ B("\xe1\xba\x9e"), B("\xc3\x9f") },
		{ B("\xc2\xb5"), B("\xce\xbc") },
		/* marks typed in either order: dot below (220), acute (230) */
		{ B("a\xcc\xa3\xcc\x81"), B("a\xcc\x81\xcc\xa3") },
		{ B("\xe1\xbb\x87"), B("e\xcc\xa3\xcc\x82") },	/* ệ */
		{ B("\xe1\xbb\x87"), B("E\xcc\x82\xcc\xa3") },
		/* U+0345 (class 240) folds to ι, a starter */
		{ B("\xe1\xbe\xbc"), B("\xe1\xbe\xb3") },	/* ᾼ, ᾳ */
		{ B("\xe1\xbe\xb3"), B("\xce\xb1\xce\xb9") },
		{ B("\xe1\xbe\x8a"), B("\xe1\xbe\x82") },	/* ᾊ, ᾂ */
		/* Georgian, Cherokee, Deseret, fullwidth */
		{ B("Ⴀ"), B("ⴀ") },
		{ B("\xea\xad\xb0"), B("\xe1\x8e\xa0") },
		{ B("\xf0\x90\x90\x80"), B("\xf0\x90\x90\xa8") },
		{ B("\xef\xbc\xa1"), B("\xef\xbd\x81") },
		/* case pairs that alternate within a block */
		{ B("\xc4\x80"), B("\xc4\x81") },		/* Ā, ā */
		{ B("\xd1\xa0"), B("\xd1\xa1") },		/* Ѡ, ѡ */
	};
	size_t i;

	for (i = 0; i < NITEMS(t); i++) {
		CHECK(same_key(t[i][0], t[i][1]));
		if (!same_key(t[i][0], t[i][1]))
			printf("  pair %zu differs\n", i);
	}
}

TEST(fold_keeps_distinct_names_apart)
{
	static const struct bytes t[][2] = {
		{ B("e"), B("\xc3\xa9") },
		{ B("a"), B("\xc3\xa4") },
		{ B("\xc3\xa9"), B("\xc3\xa8") },		/* é, è */
		{ B("a\xcc\xa3\xcc\x81"), B("a\xcc\x81\xcc\x81") },
		/* marks of one class keep their order */
		{ B("a\xcc\x88\xcc\x81"), B("a\xcc\x81\xcc\x88") },
		/* Turkic (T) and compatibility mappings are not what
		 * these file systems do */
		{ B("\xc4\xb1"), B("i") },			/* dotless i */
		{ B("\xef\xbc\xa1"), B("A") },		/* fullwidth */
		{ B("\xc4\x81"), B("\xc4\x82") },		/* ā, Ă */
		{ B("\xd1\xa1"), B("\xd1\xa2") },		/* ѡ, Ѣ */
		{ B("\xd9\x8a"), B("\xdb\x8c") },		/* ي, ی */
		{ B("a.txt"), B("a.txt ") },
		{ B("a"), B("aa") },
	};
	size_t i;

	for (i = 0; i < NITEMS(t); i++) {
		CHECK(!same_key(t[i][0], t[i][1]));
		if (same_key(t[i][0], t[i][1]))
			printf("  pair %zu is equal\n", i);
	}
}

TEST(fold_key_bytes)
{
	static const struct {
		struct bytes in, key;
	} t[] = {
		{ B(""), B("") },
		{ B("README.TXT"), B("readme.txt") },
		{ B("\xc3\x89"), B("e\xcc\x81") },		/* É */
		{ B("\xed\x95\x9c"),
		    B("\xe1\x84\x92\xe1\x85\xa1\xe1\x86\xab") },
		{ B("\xe1\xbe\x8a"),				/* ᾊ */
		    B("\xce\xb1\xcc\x93\xcc\x80\xce\xb9") },
		{ B("a\xcd\x85\xcc\x81"), B("a\xcc\x81\xce\xb9") },
		{ B("\xce\x90"), B("\xce\xb9\xcc\x88\xcc\x81") },	/* ΐ */
		{ B("\xc7\x97"), B("u\xcc\x88\xcc\x81") },	/* Ǘ */
		{ B("a\xcc\x81\xcc\x88"), B("a\xcc\x81\xcc\x88") },
		{ B("Ω\xe2\x84\xa6"), B("\xcf\x89\xcf\x89") },
	};
	char key[64];
	size_t i, n;

	for (i = 0; i < NITEMS(t); i++) {
		n = qpath_fold(t[i].in.s, t[i].in.len, key, sizeof(key));
		CHECK(n == t[i].key.len && memcmp(key, t[i].key.s, n) == 0);
		CHECK(key[n] == '\0');
	}
}

TEST(fold_truncates_to_whole_code_points)
{
	char key[8];

	/* É and an acute fold to "e", U+0301, U+0301: 5 bytes. */
	memset(key, 'x', sizeof(key));
	CHECK(qpath_fold("\xc3\x89\xcc\x81", 4, key, 4) == 5);
	CHECK_EQ_STR(key, "e\xcc\x81");
	CHECK(qpath_fold("\xc3\x89\xcc\x81", 4, key, 3) == 5);
	CHECK_EQ_STR(key, "e");
	CHECK(qpath_fold("\xc3\x89\xcc\x81", 4, key, 6) == 5);
	CHECK_EQ_STR(key, "e\xcc\x81\xcc\x81");
	CHECK(qpath_fold("ABC", 3, key, 1) == 3);
	CHECK(key[0] == '\0');
	CHECK(qpath_fold("ABC", 3, NULL, 0) == 3);
	CHECK(qpath_fold("ABC", 3, key, 3) == 3);
	CHECK_EQ_STR(key, "ab");
}

TEST(fold_handles_worst_case_components)
{
	static char in[4096], key[4 * 255 * 3 + 1], want[4096];
	size_t i, n, w;

	/* 85 Hangul syllables (255 bytes) become 255 jamo (765 bytes). */
	for (i = 0; i < 85; i++)
		memcpy(in + 3 * i, "\xed\x9e\xa3", 3);	/* U+D7A3 */
	CHECK(qpath_fold(in, 255, key, sizeof(key)) == 765);
	CHECK(memcmp(key, "\xe1\x84\x92\xe1\x85\xb5\xe1\x87\x82", 9) == 0);

	/* 127 x U+0390 and a letter: three times the input, the worst. */
	for (i = 0; i < 127; i++)
		memcpy(in + 2 * i, "\xce\x90", 2);
	in[254] = 'A';
	CHECK(qpath_fold(in, 255, key, sizeof(key)) == 127 * 6 + 1);
	CHECK(key[127 * 6] == 'a' && key[127 * 6 + 1] == '\0');

	/* A letter and 127 marks, acute (class 230) and dot below (220) in
	 * turn: one long run to reorder, dots first. */
	in[0] = want[0] = 'a';
	for (i = 0; i < 127; i++)
		memcpy(in + 1 + 2 * i, i % 2 ? "\xcc\xa3" : "\xcc\x81", 2);
	for (i = 0, w = 1; i < 63; i++, w += 2)
		memcpy(want + w, "\xcc\xa3", 2);
	for (i = 0; i < 64; i++, w += 2)
		memcpy(want + w, "\xcc\x81", 2);
	n = qpath_fold(in, 255, key, sizeof(key));
	CHECK(n == 255 && n == w && memcmp(key, want, n) == 0);

	/* Longer than any valid component: still bounded and exact here. */
	memset(in, 'Q', sizeof(in));
	n = qpath_fold(in, sizeof(in), key, sizeof(key));
	CHECK(n == sizeof(in) && key[0] == 'q' && strlen(key) < sizeof(key));
	for (i = 0; i + 1 < sizeof(in); i += 2)
		memcpy(in + i, "\xcc\x81", 2);
	CHECK(qpath_fold(in, sizeof(in), key, sizeof(key)) == sizeof(in));
}

TEST(fold_tolerates_invalid_utf8)
{
	char ka[16], kb[16];

	/* A broken precondition must not crash or merge distinct bytes. */
	CHECK(qpath_fold("\xff", 1, ka, sizeof(ka)) == 3);
	CHECK(qpath_fold("\xfe", 1, kb, sizeof(kb)) == 3);
	CHECK(strcmp(ka, kb) != 0);
	CHECK(qpath_fold("A\xe2\x82", 3, ka, sizeof(ka)) == 7);
	CHECK(ka[0] == 'a');
}

/* ---- qpath_cmp and qpath_collide ----------------------------- */

static int
cmp(const char *a, const char *b)
{
	return qpath_cmp(a, strlen(a), b, strlen(b));
}

static int
sign(int v)
{
	return (v > 0) - (v < 0);
}

TEST(cmp_orders_by_component)
{
	static const char *t[][2] = {	/* first < second */
		{ "a", "a/b" },			/* a proper prefix first */
		{ "a/b", "a/b/c" },
		{ "a/b", "a.txt" },		/* strcmp would say otherwise */
		{ "a/z", "a0" },
		{ "A", "a" },			/* same key: raw bytes decide */
		{ "A/z", "a/a" },
		{ "a", "B" },			/* keys first: "a" < "b" */
		{ "B", "c" },
		{ "\xc3\xa9", "Z" },		/* é sorts with e, before z */
		{ "e\xcc\x81", "\xc3\xa9" },	/* same key, raw 0x65 < 0xc3 */
		{ "\xc3\x89", "\xc3\xa9" },	/* É, é: same key, raw */
		{ "e", "e\xcc\x81" },
		{ "\xc3\xa9", "f" },		/* é sorts with e, before f */
		{ "dir/X", "dir/x" },
	};
	size_t i;

	for (i = 0; i < NITEMS(t); i++) {
		CHECK(cmp(t[i][0], t[i][1]) < 0);
		CHECK(cmp(t[i][1], t[i][0]) > 0);
		if (cmp(t[i][0], t[i][1]) >= 0)
			printf("  \"%s\" vs \"%s\"\n", t[i][0], t[i][1]);
	}
	CHECK(cmp("a/b", "a/b") == 0);
	CHECK(cmp("README", "README") == 0);
	CHECK(qpath_cmp("", 0, "", 0) == 0);
	CHECK(qpath_cmp("", 0, "a", 1) < 0);
}

TEST(cmp_agrees_with_fold_key_bytes)
{
	static const char *c[] = {
		"a", "A", "b", "\xc3\xa9", "e\xcc\x81", "E", "\xc3\x89", "f",
		"\xe2\x84\xab", "\xc3\xa5", "\xd0\x96", "\xd0\xb6",
		"\xed\x95\x9c",
		"\xf0\x90\x90\x80", "\xef\xbf\xbd", "ab", "a b", "a.txt",
	};
	char ka[64], kb[64];
	size_t i, j, na, nb;
	int want, r;

	for (i = 0; i < NITEMS(c); i++) {
		for (j = 0; j < NITEMS(c); j++) {
			na = qpath_fold(c[i], strlen(c[i]), ka, sizeof(ka));
			nb = qpath_fold(c[j], strlen(c[j]), kb, sizeof(kb));
			r = memcmp(ka, kb, na < nb ? na : nb);
			want = r != 0 ? sign(r) : sign((int)na - (int)nb);
			if (want == 0)
				want = sign(strcmp(c[i], c[j]));
			CHECK(sign(cmp(c[i], c[j])) == want);
		}
	}
}

static int
qsort_paths(const void *a, const void *b)
{
	const struct bytes *x = a, *y = b;

	return qpath_cmp(x->s, x->len, y->s, y->len);
}

TEST(sorted_example_collides_at_neighbours)
{
	struct bytes p[] = {
		B("A/x"), B("a/y"), B("A/z"), B("a.txt"), B("a"),
	};
	static const char *want[] = { "A/x", "A/z", "a", "a/y", "a.txt" };
	char why[128];
	size_t i, hits = 0;

	qsort(p, NITEMS(p), sizeof(p[0]), qsort_paths);
	for (i = 0; i < NITEMS(p); i++)
		CHECK_EQ_STR(p[i].s, want[i]);
	for (i = 0; i + 1 < NITEMS(p); i++) {
		if (qpath_collide(p[i].s, p[i].len, p[i + 1].s,
		    p[i + 1].len, why, sizeof(why))) {
			hits++;
			CHECK_EQ_STR(p[i].s, "A/z");
			CHECK_EQ_STR(why, "\"A\" and \"a\" are the same name "
			    "on some file systems");
		}
	}
	CHECK(hits == 1);
}

TEST(collide_reports_spellings)
{
	static const struct {
		const char *a, *b, *why;	/* why NULL: no collision */
	} t[] = {
		{ "README", "readme",
		    "\"README\" and \"readme\" are the same name on some file "
		    "systems" },
		{ "docs/caf\xc3\xa9", "docs/cafe\xcc\x81",
		    "\"caf\xc3\xa9\" and \"cafe\xcc\x81\" are the same name on "
		    "some file systems" },
		{ "Dir/a", "dir/b", "\"Dir\" and \"dir\" are the same name on "
		    "some file systems" },
		/* Å, ANGSTROM SIGN */
		{ "x/\xc3\x85", "x/\xe2\x84\xab",
		    "\"\xc3\x85\" and \"\xe2\x84\xab\" are the same name on "
		    "some file systems" },
		{ "a/b", "a/c", NULL },
		{ "a", "b", NULL },
		{ "a", "a/b", NULL },		/* file vs folder, not case */
		{ "a/b", "a/b", NULL },		/* duplicate, not case */
		{ "a/x", "b/X", NULL },		/* folders differ first */
		{ "e", "\xc3\xa9", NULL },
	};
	char why[128];
	size_t i;
	int r;

	for (i = 0; i < NITEMS(t); i++) {
		r = qpath_collide(t[i].a, strlen(t[i].a), t[i].b,
		    strlen(t[i].b), why, sizeof(why));
		CHECK(r == (t[i].why != NULL));
		CHECK_EQ_STR(why, t[i].why != NULL ? t[i].why : "");
	}
	CHECK(qpath_collide("A", 1, "a", 1, NULL, 0) == 1);
	CHECK(qpath_collide("A", 1, "a", 1, why, 4) == 1);
	CHECK_EQ_STR(why, "\"A\"");
}

/* Every path of up to two components over names that partly collide. */
static size_t
all_paths(struct bytes *p, char (*store)[32])
{
	static const char *c[] = {
		"a", "A", "\xc3\xa1", "a\xcc\x81", "\xc3\x81", "b", "a.txt",
		"A.TXT",
	};
	size_t i, j, n = 0, k = NITEMS(c);

	for (i = 0; i < k; i++) {
		p[n].s = c[i];
		p[n++].len = strlen(c[i]);
		for (j = 0; j < k; j++, n++) {
			p[n].len = (size_t)snprintf(store[n], sizeof(store[n]),
			    "%s/%s", c[i], c[j]);
			p[n].s = store[n];
		}
	}
	return n;
}

TEST(neighbours_find_every_collision)
{
	static struct bytes p[8 + 8 * 8];
	static char store[8 + 8 * 8][32];
	size_t n = all_paths(p, store), i, j, k, found;
	int bad = 0;

	qsort(p, n, sizeof(p[0]), qsort_paths);
	for (i = 0; i < n; i++) {
		for (j = i + 1; j < n; j++) {
			bad |= qsort_paths(&p[i], &p[j]) >= 0;
			bad |= qsort_paths(&p[j], &p[i]) <= 0;
			if (!qpath_collide(p[i].s, p[i].len, p[j].s,
			    p[j].len, NULL, 0))
				continue;
			for (k = i, found = 0; k < j && !found; k++)
				found = (size_t)qpath_collide(p[k].s,
				    p[k].len, p[k + 1].s, p[k + 1].len,
				    NULL, 0);
			bad |= !found;
		}
	}
	CHECK(!bad);
}

/* The order spelled out: per component, fold key bytes, then raw bytes, a
 * path before the paths it is a prefix of. */
static int
reference_cmp(const struct bytes *a, const struct bytes *b)
{
	char ka[64], kb[64];
	size_t ia = 0, ib = 0, la, lb, na, nb;
	int r;

	for (;; ia += la + 1, ib += lb + 1) {
		if (ia >= a->len || ib >= b->len)
			return (ia < a->len) - (ib < b->len);
		la = strcspn(a->s + ia, "/");
		lb = strcspn(b->s + ib, "/");
		na = qpath_fold(a->s + ia, la, ka, sizeof(ka));
		nb = qpath_fold(b->s + ib, lb, kb, sizeof(kb));
		if ((r = memcmp(ka, kb, na < nb ? na : nb)) != 0)
			return sign(r);
		if (na != nb)
			return na < nb ? -1 : 1;
		if ((r = memcmp(a->s + ia, b->s + ib, la < lb ? la : lb)) != 0)
			return sign(r);
		if (la != lb)
			return la < lb ? -1 : 1;
	}
}

TEST(cmp_matches_reference_order)
{
	static struct bytes p[8 + 8 * 8];
	static char store[8 + 8 * 8][32];
	size_t n = all_paths(p, store), i, j;
	int bad = 0;

	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++)
			bad |= sign(qsort_paths(&p[i], &p[j])) !=
			    reference_cmp(&p[i], &p[j]);
	CHECK(!bad);
}

TEST(first_components_folding_equal_are_contiguous)
{
	static struct bytes p[8 + 8 * 8];
	static char store[8 + 8 * 8][32];
	char key[8 + 8 * 8][64];
	size_t n = all_paths(p, store), i, j, k, len, li, lj;
	int bad = 0, r;

	qsort(p, n, sizeof(p[0]), qsort_paths);
	for (i = 0; i < n; i++) {
		len = strcspn(p[i].s, "/");
		qpath_fold(p[i].s, len, key[i], sizeof(key[i]));
	}
	for (i = 0; i < n; i++) {
		for (j = i + 1; j < n; j++) {
			if (strcmp(key[i], key[j]) != 0)
				continue;
			for (k = i + 1; k < j; k++)
				bad |= strcmp(key[k], key[i]) != 0;
			/* within a group, by raw first component */
			li = strcspn(p[i].s, "/");
			lj = strcspn(p[j].s, "/");
			r = memcmp(p[i].s, p[j].s, li < lj ? li : lj);
			bad |= r > 0 || (r == 0 && li > lj);
		}
	}
	CHECK(!bad);
}

int
main(void)
{
	return RUN_TESTS(accepts_typical_names, refuses_bad_structure,
	    refuses_names_not_in_nfc, accepts_nfc_names,
	    refuses_invisible_characters,
	    refuses_bad_characters, refuses_invalid_utf8,
	    refuses_names_windows_strips, windows_device_names,
	    reserves_metadata_folder, enforces_limits, reasons_truncate_safely,
	    fold_merges_equivalent_names, fold_keeps_distinct_names_apart,
	    fold_key_bytes, fold_truncates_to_whole_code_points,
	    fold_handles_worst_case_components, fold_tolerates_invalid_utf8,
	    cmp_orders_by_component, cmp_agrees_with_fold_key_bytes,
	    sorted_example_collides_at_neighbours, collide_reports_spellings,
	    neighbours_find_every_collision, cmp_matches_reference_order,
	    first_components_folding_equal_are_contiguous);
}
