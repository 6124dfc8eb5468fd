/* SPDX-License-Identifier: ISC */
/*
 * test_gz.c - unit tests for src/format/gz.c: each member inflates back to its
 * input with stock zlib; the bytes depend on the input only, never on what
 * the compressor did before; media that does not compress is stored, not
 * inflated by deflate; and the signature member is one stored block.
 */
#include <stdlib.h>

#include <zlib.h>

#include "harness.h"
#include "gz.h"

#define NITEMS(a) (sizeof(a) / sizeof((a)[0]))
#define MIB ((size_t)1 << 20)

/* ---- Inputs ------------------------------------------------------------- */

enum kind { EMPTY, TEXT, RANDOM, ZEROS, MIXED, TAR_LIKE };

struct input {
	const char *name;
	enum kind kind;
	size_t n;
};

static const struct input inputs[] = {
	{"empty", EMPTY, 0},
	{"one byte", TEXT, 1},
	{"short text", TEXT, 300},
	{"a block of text", TEXT, 16384},
	{"text", TEXT, MIB},
	{"random", RANDOM, MIB},
	{"odd-sized random", RANDOM, 100003},
	{"zeros", ZEROS, 200000},
	{"text and random blocks", MIXED, MIB + 777},
	{"tar-like", TAR_LIKE, 3 * 65536 + 512},
};

/* Deterministic bytes of each kind (a fixed xorshift for "random"). */
static unsigned char *
make(const struct input *in)
{
	static const char words[] = "Statement of the teachers' committee on "
	    "the closure of the district schools, read at the assembly. ";
	unsigned char *p = malloc(in->n + 1);
	uint64_t x = 0x9e3779b97f4a7c15u;

	if (p == NULL)
		return NULL;
	for (size_t i = 0; i < in->n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		switch (in->kind) {
		case TEXT:
			p[i] = (unsigned char)words[i % (sizeof(words) - 1)];
			break;
		case RANDOM:
			p[i] = (unsigned char)(x >> 24);
			break;
		case MIXED:
			p[i] = (i / 16384) % 2 ? (unsigned char)(x >> 24) :
			    (unsigned char)words[i % (sizeof(words) - 1)];
			break;
		case TAR_LIKE:
			/* a header block, text, zero padding, repeated */
			p[i] = i % 4096 < 100 ? (unsigned char)('a' + i % 26) :
			    i % 4096 < 3000 ? (unsigned char)words[i % 50] : 0;
			break;
		default:
			p[i] = 0;
		}
	}
	return p;
}

/* ---- Checks ------------------------------------------------------------- */

/* Inflates exactly one gzip member that must fill all of m; returns 0 if
 * it gives back in[0..n). */
static int
inflates_to(const struct qbuf *m, const unsigned char *in, size_t n)
{
	z_stream z = {0};
	unsigned char *out = malloc(n + 1);
	int zr, ok;

	if (out == NULL || inflateInit2(&z, 15 + 16) != Z_OK) {
		free(out);
		return -1;
	}
	z.next_in = m->p;
	z.avail_in = (uInt)m->len;
	z.next_out = out;
	z.avail_out = (uInt)(n + 1);
	zr = inflate(&z, Z_FINISH);
	ok = zr == Z_STREAM_END && z.avail_in == 0 && z.total_out == n &&
	    memcmp(out, in, n) == 0;
	inflateEnd(&z);
	free(out);
	return ok ? 0 : -1;
}

/* A gzip header as the format fixes it: no name, no time, OS 255. */
static int
fixed_header(const struct qbuf *m)
{
	static const unsigned char want[] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0};

	return m->len >= 18 && memcmp(m->p, want, sizeof(want)) == 0 &&
	    m->p[9] == 255;
}

static int
member(qgz *g, const unsigned char *in, size_t n, int stored,
    struct qbuf *out)
{
	out->len = 0;
	return qgz_member(g, in, n, stored, out);
}

TEST(members_inflate_to_input)
{
	qgz *g = qgz_new();
	struct qbuf m = {0};

	CHECK(g != NULL);
	for (size_t i = 0; i < NITEMS(inputs); i++) {
		unsigned char *in = make(&inputs[i]);
		for (int stored = 0; stored < 2; stored++) {
			int ok = member(g, in, inputs[i].n, stored, &m) ==
			    QASID_OK && fixed_header(&m) &&
			    inflates_to(&m, in, inputs[i].n) == 0;
			if (!ok)
				printf("  %s%s: does not round-trip\n",
				    inputs[i].name, stored ? " (stored)" : "");
			CHECK(ok);
		}
		free(in);
	}
	qbuf_free(&m);
	qgz_free(g);
}

/* Appends to what out holds, as the packer's buffers do. */
TEST(member_appends)
{
	qgz *g = qgz_new();
	struct qbuf m = {0};
	const struct input *t = &inputs[3];
	unsigned char *in = make(t);
	struct qbuf tail;

	CHECK(qbuf_append(&m, "prefix", 6) == QASID_OK);
	CHECK(qgz_member(g, in, t->n, 0, &m) == QASID_OK);
	CHECK(memcmp(m.p, "prefix", 6) == 0);
	tail.p = m.p + 6;
	tail.len = m.len - 6;
	CHECK(inflates_to(&tail, in, t->n) == 0);
	free(in);
	qbuf_free(&m);
	qgz_free(g);
}

TEST(deterministic_whatever_came_before)
{
	qgz *fresh, *used = qgz_new();
	struct qbuf a = {0}, b = {0};

	for (size_t i = 0; i < NITEMS(inputs); i++) {
		unsigned char *in = make(&inputs[i]);
		for (int stored = 0; stored < 2; stored++) {
			fresh = qgz_new();
			CHECK(member(fresh, in, inputs[i].n, stored, &a) == 0);
			qgz_free(fresh);
			/* The used compressor has just made members of every
			 * kind, stored and not, ending wherever the previous
			 * input left it. */
			for (size_t j = 0; j < NITEMS(inputs); j += 3) {
				unsigned char *o = make(&inputs[(i + j) %
				    NITEMS(inputs)]);
				member(used, o, inputs[(i + j) %
				    NITEMS(inputs)].n, (int)(j % 2), &b);
				free(o);
			}
			CHECK(member(used, in, inputs[i].n, stored, &b) == 0);
			if (a.len != b.len || memcmp(a.p, b.p, a.len) != 0) {
				printf("  %s%s: bytes depend on history\n",
				    inputs[i].name, stored ? " (stored)" : "");
				CHECK(0);
			}
			/* And again on the same compressor. */
			CHECK(member(used, in, inputs[i].n, stored, &b) == 0);
			CHECK(a.len == b.len && memcmp(a.p, b.p, a.len) == 0);
		}
		free(in);
	}
	qbuf_free(&a);
	qbuf_free(&b);
	qgz_free(used);
}

/* An empty member once took the level the previous member ended at. */
TEST(empty_member_independent_of_previous_level)
{
	const struct input r = {"random", RANDOM, 100000};
	qgz *fresh = qgz_new(), *used = qgz_new();
	unsigned char *in = make(&r);
	struct qbuf a = {0}, b = {0};

	CHECK(member(fresh, in, 0, 0, &a) == QASID_OK);
	/* Random data leaves the compressor storing. */
	CHECK(member(used, in, r.n, 0, &b) == QASID_OK);
	CHECK(member(used, in, 0, 0, &b) == QASID_OK);
	CHECK(a.len == b.len && memcmp(a.p, b.p, a.len) == 0);
	CHECK(inflates_to(&b, in, 0) == 0);
	free(in);
	qbuf_free(&a);
	qbuf_free(&b);
	qgz_free(fresh);
	qgz_free(used);
}

TEST(incompressible_data_is_stored)
{
	static const struct input t[] = {
		{"random", RANDOM, MIB},
		{"odd-sized random", RANDOM, 100003},
		{"small random", RANDOM, 5000},
	};
	qgz *g = qgz_new();
	struct qbuf m = {0};

	for (size_t i = 0; i < NITEMS(t); i++) {
		unsigned char *in = make(&t[i]);
		size_t n = t[i].n;
		/* Stored blocks cost 5 bytes per 16 KiB or more, plus the
		 * gzip header and trailer. */
		size_t bound = n + 5 * (n / 16384 + 2) + 18;
		CHECK(member(g, in, n, 0, &m) == QASID_OK);
		if (m.len > bound)
			printf("  %s: %zu bytes from %zu (bound %zu)\n",
			    t[i].name, m.len, n, bound);
		CHECK(m.len <= bound);
		free(in);
	}
	qbuf_free(&m);
	qgz_free(g);
}

TEST(compressible_data_is_deflated)
{
	static const struct input t[] = {
		{"text", TEXT, MIB},
		{"zeros", ZEROS, 200000},
		{"tar-like", TAR_LIKE, 3 * 65536 + 512},
	};
	qgz *g = qgz_new();
	struct qbuf m = {0}, r = {0};
	const struct input mixed = {"mixed", MIXED, MIB + 777};
	unsigned char *in;

	for (size_t i = 0; i < NITEMS(t); i++) {
		in = make(&t[i]);
		CHECK(member(g, in, t[i].n, 0, &m) == QASID_OK);
		CHECK(m.len < t[i].n / 4);
		free(in);
	}
	/* Half text, half random: the text halves shrink, so the whole is
	 * clearly smaller than the random half stored plus the text. */
	in = make(&mixed);
	CHECK(member(g, in, mixed.n, 0, &m) == QASID_OK);
	CHECK(m.len < mixed.n * 6 / 10);
	CHECK(member(g, in, mixed.n, 1, &r) == QASID_OK);
	CHECK(r.len >= mixed.n);
	free(in);
	qbuf_free(&m);
	qbuf_free(&r);
	qgz_free(g);
}

TEST(stored_only_is_one_stored_block)
{
	static const size_t sizes[] = {1, 100, 512, 4608, 5120, 65535};
	qgz *g = qgz_new();
	struct qbuf m = {0};

	for (size_t i = 0; i < NITEMS(sizes); i++) {
		const struct input t = {"text", TEXT, sizes[i]};
		unsigned char *in = make(&t);
		size_t n = sizes[i];
		const unsigned char *d, *trail;
		uLong crc = crc32(0, in, (uInt)n);

		CHECK(member(g, in, n, 1, &m) == QASID_OK);
		/* header (10), block header (1 + LEN + NLEN), data, trailer */
		CHECK(m.len == 10 + 1 + 4 + n + 8);
		if (m.len != 10 + 1 + 4 + n + 8) {
			printf("  %zu bytes: member of %zu\n", n, m.len);
			free(in);
			continue;
		}
		d = m.p + 10;
		CHECK(fixed_header(&m));
		CHECK(d[0] == 0x01); /* BFINAL, BTYPE 00, zero padding */
		CHECK((size_t)(d[1] | d[2] << 8) == n);
		CHECK((size_t)(d[3] | d[4] << 8) == (~n & 0xffff));
		CHECK(memcmp(d + 5, in, n) == 0);
		trail = d + 5 + n;
		CHECK((uLong)(trail[0] | trail[1] << 8 | trail[2] << 16 |
		    (uLong)trail[3] << 24) == crc);
		CHECK((size_t)(trail[4] | trail[5] << 8 | trail[6] << 16 |
		    (size_t)trail[7] << 24) == n);
		free(in);
	}
	qbuf_free(&m);
	qgz_free(g);
}

int
main(void)
{
	if (qasid_init() != QASID_OK)
		return 2;
	return RUN_TESTS(members_inflate_to_input, member_appends,
	    deterministic_whatever_came_before,
	    empty_member_independent_of_previous_level,
	    incompressible_data_is_stored,
	    compressible_data_is_deflated, stored_only_is_one_stored_block);
}
