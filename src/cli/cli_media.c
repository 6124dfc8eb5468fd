/* SPDX-License-Identifier: ISC */
/*
 * cli_media.c - warnings about the medium a bundle is written to, printed
 * before the password prompt: a file FAT32 cannot hold, and too little free
 * space for the bundle and for the body that waits while it is signed.
 * Warnings only: the library's sizes are upper bounds, and compressible
 * files need less; a write that does run out of space still fails cleanly.
 * Also unpack --salvage's list, and protect and repair (recovery files).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define GIB 1073741824.0
#define MIB 1048576.0

static void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
warn(const char *fmt, ...)
{
	char msg[9000];
	va_list ap;

	if (cli.quiet)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fputs("qasid: warning: ", stderr);
	cli_puts(stderr, msg);
	fputc('\n', stderr);
}

static void
warn_big(const qasid_pack_media *m)
{
	if (m->big == NULL)
		return;
	warn("%s: %.2f GiB: a recipient whose stick is FAT32 cannot hold a "
	    "file of 4 GiB or more%s; use an exFAT stick, or split the "
	    "file", m->big, m->big_size / GIB, m->out_fs && !m->volume_auto ?
	    " (and the output is on FAT32, so writing it will fail)" : "");
}

/* The largest file pack and copy take FAT32 to hold: 4 GiB - 1, unless
 * QASID_FAT32_MAX_FILE (bytes) lowers it, so that tests see the split
 * and the refusal without writing 4 GiB. 0 means the default. */
uint64_t
cli_fat_limit(void)
{
	const char *s = getenv("QASID_FAT32_MAX_FILE");
	uint64_t v;
	char *end;

	if (s == NULL || *s < '1' || *s > '9')
		return 0;
	errno = 0;
	v = strtoull(s, &end, 10);
	return errno != 0 || *end != '\0' ? 0 : v;
}

/* Before the wait, that the output's medium made pack split by itself. */
static void
say_split(const char *out, const qasid_pack_media *m)
{
	char msg[4400];

	if (m->volume_auto == 0 || cli.quiet)
		return;
	snprintf(msg, sizeof(msg), "qasid: %s: the output is on %s, which "
	    "holds no file larger than %" PRIu64 " bytes, and the bundle may "
	    "be larger: writing volumes of at most that size (.part1.qasid "
	    "and on; --volume-size sets another size)", out, m->out_fs ?
	    m->out_fs : "a medium", m->volume_auto);
	cli_puts(stderr, msg);
	fputc('\n', stderr);
}

static void
warn_space(const char *out, const char *tmpdir, const qasid_pack_media *m)
{
	if (m->need_tmp != 0 && m->need_tmp > m->free_tmp)
		warn("%s: the body waits here while it is signed and may need "
		    "up to %.1f MiB; %.1f MiB is free; choose another --tmpdir",
		    tmpdir, m->need_tmp / MIB, m->free_tmp / MIB);
	if (m->need_out <= m->free_out)
		return;
	if (m->need_tmp == 0)
		warn("%s: the bundle, and the body that waits beside it while "
		    "it is signed, may need up to %.1f MiB; %.1f MiB is free; "
		    "--tmpdir DIR keeps the body on another disk", out,
		    m->need_out / MIB, m->free_out / MIB);
	else
		warn("%s: the bundle may need up to %.1f MiB; %.1f MiB is free",
		    out, m->need_out / MIB, m->free_out / MIB);
}

void
cli_pack_media(qasid_packer *p, const char *out, const char *tmpdir)
{
	qasid_pack_media m;

	if (qasid_packer_media(p, out, &m) != QASID_OK)
		return;
	warn_big(&m);
	say_split(out, &m);
	warn_space(out, tmpdir, &m);
}

void
cli_pack_nospace_hint(void)
{
	fputs("qasid: the compressed body waits beside the output while it is "
	    "signed; --tmpdir DIR keeps it on another disk\n", stderr);
}

static void
print_lost(void *ud, const char *path)
{
	(void)ud;
	cli_progress_done();
	printf("not recovered: %s\n", cli_safe(path));
}

int
cli_salvage(qasid_reader *r, const char *dir)
{
	return qasid_reader_salvage(r, dir, print_lost, NULL);
}

/* ---- protect and repair ------------------------------------------------- */

struct recopts {
	const char *pubfile, *pubstr, *ring;
	unsigned pct;
};

static int
rec_parse(int argc, char **argv, const char *cmd, struct recopts *o)
{
	static const struct option longs[] = {
		{"redundancy", required_argument, NULL, 'r'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "p:P:K:qh", longs, NULL)) != -1) {
		switch (c) {
		case 'p': o->pubfile = optarg; break;
		case 'P': o->pubstr = optarg; break;
		case 'K': o->ring = optarg; break;
		case 'q': cli.quiet = 1; break;
		case 'r':
			errno = 0;
			o->pct = (unsigned)strtoul(optarg, &end, 10);
			if (strcmp(cmd, "protect") != 0 || errno != 0 ||
			    *end != '\0' || o->pct < 1 || o->pct > 50)
				return cli_fail("--redundancy %s: a percentage "
				    "from 1 to 50", optarg);
			break;
		default:
			return cli_usage(cmd);
		}
	}
	if (optind >= argc)
		return cli_usage(cmd);
	if (!!o->pubfile + !!o->pubstr + !!o->ring > 1)
		return cli_fail("%s: give one of -p, -P and -K", cmd);
	return 0;
}

/* Protects only a bundle signed by a trusted key: here its head, whose
 * signature is checked; protect checks that every byte matches the signed
 * hashes in the same read that makes the parity (parity of damage would
 * restore damage). */
static int
signed_first(const qasid_keyring *kr, const char *bundle)
{
	qasid_reader *r = cli_reader_new(kr);
	int rc;

	if (r == NULL)
		return EXIT_OTHER;
	rc = qasid_reader_open(r, bundle);
	if (rc == QASID_OK)
		rc = qasid_reader_list(r, 1, NULL, NULL);
	rc = cli_result(rc, qasid_reader_errmsg(r));
	qasid_reader_free(r);
	return rc;
}

/* Protects or repairs one bundle (or volume) b. Exit status. */
static int
rec_one(qasid_keyring *kr, qasid_rec *x, const char *b, int protect,
    unsigned pct)
{
	int status, rc;

	if (protect && (status = signed_first(kr, b)) == 0) {
		rc = qasid_rec_protect(x, b, pct);
		cli_progress_done();
		if ((status = cli_result(rc, qasid_rec_errmsg(x))) == 0 &&
		    !cli.quiet)
			printf("%s: wrote %s-rec (%u%% redundancy)\n",
			    cli_safe(b), cli_safe(b), pct);
	} else if (!protect) {
		rc = qasid_rec_repair(x, b, kr);
		cli_progress_done();
		/* Damage beyond the bound: the bundle failed, exit 1. */
		if ((status = cli_result(rc, qasid_rec_errmsg(x))) != 0 &&
		    rc == QASID_ERR_LIMIT)
			status = EXIT_VERIFY;
		if (status == 0 && !cli.quiet)
			printf(qasid_rec_blocks(x) ? "%s: repaired %" PRIu64
			    " blocks of 4 KiB; it verifies\n" : "%s: no damage "
			    "found\n", cli_safe(b), qasid_rec_blocks(x));
	}
	return status;
}

/* Each bundle named, the volumes of a set among them, on its own: the
 * worst exit status wins, and a failure does not stop the rest. */
static int
rec_run(int argc, char **argv, int protect)
{
	struct recopts o = {.pct = 5};
	qasid_keyring *kr;
	qasid_rec *x;
	int status, worst = 0;

	if ((status = rec_parse(argc, argv, protect ? "protect" : "repair",
	    &o)) != 0)
		return status;
	if ((kr = cli_trust(o.pubfile, o.pubstr, o.ring, &status)) == NULL)
		return status;
	if ((x = qasid_rec_new()) == NULL) {
		qasid_keyring_free(kr);
		return cli_fail("out of memory");
	}
	qasid_rec_set_progress(x, cli_progress, NULL);
	cli_catch_stop(1);
	for (int i = optind; i < argc && !cli_stop_requested(); i++)
		if ((status = rec_one(kr, x, argv[i], protect, o.pct)) > worst)
			worst = status;
	cli_catch_stop(0);
	qasid_rec_free(x);
	qasid_keyring_free(kr);
	return worst;
}

int
cmd_protect(int argc, char **argv)
{
	return rec_run(argc, argv, 1);
}

int
cmd_repair(int argc, char **argv)
{
	return rec_run(argc, argv, 0);
}

/* After a failed verify: what a recovery file beside the bundle can do. */
void
cli_rec_hint(const char *bundle)
{
	qasid_rec *x = qasid_rec_new();
	int rc;

	if (x == NULL)
		return;
	rc = qasid_rec_check(x, bundle);
	if (rc == QASID_ERR_CONTENT || rc == QASID_ERR_LIMIT)
		cli_fail("%s", qasid_rec_errmsg(x));
	qasid_rec_free(x);
}
