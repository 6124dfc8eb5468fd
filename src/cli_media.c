/*
 * cli_media.c - warnings about the medium a bundle is written to, printed
 * before the password prompt: a file FAT32 cannot hold, and too little free
 * space for the bundle and for the body that waits while it is signed.
 * Warnings only: the library's sizes are upper bounds, and compressible
 * files need less; a write that does run out of space still fails cleanly.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

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
	    "file", m->big, m->big_size / GIB, m->out_fs ? " (and the "
	    "output is on FAT32, so writing it will fail)" : "");
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
