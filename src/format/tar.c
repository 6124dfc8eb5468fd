/* SPDX-License-Identifier: ISC */
/*
 * tar.c - the tar headers of a bundle, made by libarchive.
 *
 * A bundle's tar stream is canonical: every header is exactly what
 * libarchive's restricted pax writer makes for the entry the manifest
 * describes. The packer writes these headers, and the reader makes them
 * again from the signed manifest and compares them with what it reads, so a
 * header that any tar reader could understand differently from qasid (a pax
 * size that disagrees with the ustar one, a GNU long name, an extra field)
 * never verifies.
 */
#include <string.h>

#include <archive.h>
#include <archive_entry.h>

#include "internal.h"
#include "tar.h"

static la_ssize_t
collect(struct archive *a, void *ud, const void *buf, size_t n)
{
	(void)a;
	return qbuf_append(ud, buf, n) == QASID_OK ? (la_ssize_t)n : -1;
}

static struct archive *
open_writer(struct qbuf *out)
{
	struct archive *a = archive_write_new();

	if (a == NULL)
		return NULL;
	if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
	    archive_write_set_bytes_per_block(a, 0) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
	    archive_write_open(a, out, NULL, collect, NULL) != ARCHIVE_OK) {
		archive_write_free(a);
		return NULL;
	}
	return a;
}

/*
 * 1 if a header holds the path's exact bytes where tar readers take it from:
 * the pax path record for a name outside ASCII (ASCII names libarchive never
 * changes). Whatever a libarchive version might convert, a header that
 * would not give back the manifest's name is never written or accepted.
 */
static int
holds_path(const unsigned char *h, size_t n, const struct qtar_entry *te)
{
	const char *path = te->path;
	const unsigned char *p = (const unsigned char *)path;
	size_t len = strlen(path), i, k = sizeof(" path=") - 1;
	const char *end = te->is_dir ? "/\n" : "\n";
	size_t endlen = strlen(end);

	for (i = 0; i < len && p[i] < 0x80; i++)
		;
	if (i == len)
		return 1;
	/* A folder's name ends with '/' in its record. */
	for (i = 0; i + k + len + endlen <= n; i++)
		if (memcmp(h + i, " path=", k) == 0 &&
		    memcmp(h + i + k, path, len) == 0 &&
		    memcmp(h + i + k + len, end, endlen) == 0)
			return 1;
	return 0;
}

static int
header_in_locale(const struct qtar_entry *te, struct qbuf *out)
{
	struct archive_entry *e;
	struct archive *a;
	size_t before = out->len, end;
	int rc = QASID_ERR_INTERNAL;

	if ((a = open_writer(out)) == NULL)
		return QASID_ERR_NOMEM;
	if ((e = archive_entry_new()) == NULL)
		goto done;
	/* In the locale's encoding (UTF-8 here), not as UTF-8: libarchive
	 * composes names given as UTF-8 (NFC) on the way to the locale's
	 * encoding, and the header would then hold a name the manifest does
	 * not. Given in the locale's encoding, they are copied as they are. */
	archive_entry_set_pathname(e, te->path);
	archive_entry_set_filetype(e, te->is_dir ? AE_IFDIR : AE_IFREG);
	archive_entry_set_perm(e, te->mode);
	archive_entry_set_size(e, te->is_dir ? 0 : (la_int64_t)te->size);
	archive_entry_set_mtime(e, te->mtime, 0);
	archive_entry_set_uid(e, 0);
	archive_entry_set_gid(e, 0);
	if (archive_write_header(a, e) == ARCHIVE_OK &&
	    holds_path(out->p + before, out->len - before, te))
		rc = QASID_OK;
	archive_entry_free(e);
done:
	/*
	 * Stop before the writer pads the entry: a failed writer skips that.
	 * It must still be closed, or libarchive never frees its output state
	 * (archive_write_free does not close a failed writer); the
	 * end-of-archive blocks the close writes are cut off again.
	 */
	end = rc == QASID_OK ? out->len : before;
	archive_write_fail(a);
	archive_write_close(a);
	archive_write_free(a);
	out->len = end;
	return rc;
}

/*
 * libarchive converts names through the locale. Bundles hold UTF-8 whatever
 * the caller's locale, so headers are made under C.UTF-8 on this thread
 * only: the same entry gives the same bytes everywhere.
 */
void *
qtar_locale(void)
{
	return qos_utf8_locale();
}

void
qtar_locale_free(void *loc)
{
	qos_locale_free(loc);
}

/* 1 if libarchive, under this thread's locale, takes the name for the
 * UTF-8 it is: any name under a UTF-8 locale, ASCII under any. */
static int
name_fits_locale(const char *path)
{
	if (qos_locale_is_utf8())
		return 1;
	for (; *path != '\0'; path++)
		if ((unsigned char)*path >= 0x80)
			return 0;
	return 1;
}

int
qtar_header_in(void *loc, const struct qtar_entry *te, struct qbuf *out)
{
	void *old = qos_locale_use(loc);
	int rc = QASID_ERR_INTERNAL;

	/* libarchive cannot convert such a name outside a UTF-8 locale (and
	 * 3.6 crashes trying). The codeset is asked with the locale in use:
	 * a static glibc's nl_langinfo_l() answers for the thread's current
	 * locale, not for the one it is given. */
	if (name_fits_locale(te->path))
		rc = header_in_locale(te, out);
	qos_locale_use(old);
	return rc;
}

int
qtar_header(const struct qtar_entry *te, struct qbuf *out)
{
	void *loc = qos_utf8_locale();
	int rc;

	if (loc == NULL)
		return QASID_ERR_INTERNAL;
	rc = qtar_header_in(loc, te, out);
	qos_locale_free(loc);
	return rc;
}

int
qtar_trailer(struct qbuf *out)
{
	struct archive *a = open_writer(out);

	if (a == NULL)
		return QASID_ERR_NOMEM;
	if (archive_write_close(a) != ARCHIVE_OK) {
		archive_write_free(a);
		return QASID_ERR_INTERNAL;
	}
	archive_write_free(a);
	return QASID_OK;
}

size_t
qtar_padding(uint64_t size)
{
	return (size_t)((QF_BLOCK - size % QF_BLOCK) % QF_BLOCK);
}
