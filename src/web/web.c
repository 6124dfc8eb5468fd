/* SPDX-License-Identifier: ISC */
/*
 * web.c - the reader's entry points for verify.html's worker (web/worker.js),
 * compiled to WebAssembly. The JavaScript moves bytes and messages only:
 * every check is the library's. Bytes come from the worker through
 * web_pull, one slice of the bundle at a time, so that memory stays
 * bounded whatever the bundle's size, and a bundle that is downloading is
 * verified as it comes.
 */
#include <emscripten.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qasid.h"

/*
 * The worker's side (web/worker.js sets Module.qasid). A pull answers at
 * once from a source the worker can read synchronously, else with a
 * promise: the reader's stack is then unwound (emscripten's Asyncify, see
 * mk/kit-web.mk) until the bytes have come, and the worker's event loop
 * runs meanwhile, downloading and reading as a stream would.
 */
EM_JS(ptrdiff_t, web_pull, (unsigned char *buf, size_t cap), {
	var q = Module.qasid;
	// Where a source can, it copies straight into the reader's buffer;
	// the view is made when it copies, as the heap may have grown.
	function into() {
		return HEAPU8.subarray(buf, buf + cap);
	}
	function put(u) {
		if (u === null)
			return -1;
		if (u.buffer !== HEAPU8.buffer || u.byteOffset !== buf)
			HEAPU8.set(u, buf);
		return u.length;
	}
	if (!q.async)
		return put(q.pull(cap, into));
	return Asyncify.handleAsync(function () {
		return q.pull(cap, into).then(put, function () { return -1; });
	});
});
EM_JS(int, web_progress, (double done, double total), {
	return Module.qasid.progress(done, total) ? 1 : 0;
});
EM_JS(void, web_entry, (const char *path, double size), {
	Module.qasid.entry(UTF8ToString(path), size);
});
EM_JS(void, web_info, (const char *title, const char *keyid,
    const char *fpr, const char *series, double seq, double created,
    int format), {
	Module.qasid.info({title: UTF8ToString(title),
	    keyid: UTF8ToString(keyid), fingerprint: UTF8ToString(fpr),
	    series: UTF8ToString(series), sequence: seq, created: created,
	    format: format});
});
EM_JS(int, web_data, (const void *p, size_t n), {
	return Module.qasid.data(HEAPU8.subarray(p, p + n)) ? 1 : 0;
});

/* What the last call said, for web_reason(); the tool's, not the
 * library's, as the command line keeps its messages. */
static char reason[1536];

/* The bytes read so far and the first two, for the explanations below. */
struct src {
	unsigned char *buf;
	size_t cap;
	double got;
	double total;            /* the bundle's size as the worker knows it,
	                          * or -1 before the end (a download without
	                          * its length) */
	int eof;                 /* the source said it has no more */
	unsigned char magic[2];
};

static ptrdiff_t
src_read(void *ud, const void **buf)
{
	struct src *s = ud;
	ptrdiff_t n = web_pull(s->buf, s->cap);

	if (n > 0 && s->got < 2)
		memcpy(s->magic + (size_t)s->got, s->buf, n == 1 ||
		    s->got == 1 ? 1 : 2);
	if (n > 0)
		s->got += (double)n;
	else if (n == 0)
		s->eof = 1;
	*buf = s->buf;
	return n;
}

static int
progress(void *ud, uint64_t done, uint64_t total)
{
	(void)ud;
	return web_progress((double)done, (double)total);
}

static int
entry(void *ud, const qasid_entry *e)
{
	(void)ud;
	if (!e->is_dir)
		web_entry(e->path, (double)e->size);
	return 0;
}

static int
data(void *ud, const void *p, size_t n)
{
	(void)ud;
	return web_data(p, n);
}

EM_JS(void, web_rewind, (void), {
	Module.qasid.rewind();
});

/*
 * The key line of a minisign public-key file, or a bare key string: the
 * first line neither blank nor a comment, trimmed. 0, or -1 if none fits.
 */
static int
key_line(const char *text, char *out, size_t cap)
{
	while (*text != '\0') {
		size_t n = strcspn(text, "\r\n");
		const char *p = text, *e = text + n;

		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (e > p && strncmp(p, "untrusted comment:", 18) != 0) {
			if ((size_t)(e - p) >= cap)
				return -1;
			memcpy(out, p, (size_t)(e - p));
			out[e - p] = '\0';
			return 0;
		}
		text += n;
		text += strspn(text, "\r\n");
	}
	return -1;
}

/* The one key the recipient gave, as a keyring; NULL with reason set. */
static qasid_keyring *
trust(const char *key)
{
	qasid_keyring *kr = qasid_keyring_new();
	qasid_pubkey *pk = qasid_pubkey_new();
	char line[256];
	int rc = QASID_ERR_NOMEM;

	if (kr != NULL && pk != NULL)
		rc = key_line(key, line, sizeof(line)) != 0 ? QASID_ERR_KEY :
		    qasid_pubkey_parse(pk, line);
	if (rc == QASID_OK)
		rc = qasid_keyring_add(kr, pk, "");
	if (rc != QASID_OK) {
		snprintf(reason, sizeof(reason), "the key: %s", rc ==
		    QASID_ERR_KEY ? "not a minisign public key string" :
		    qasid_strerror(rc));
		qasid_keyring_free(kr);
		kr = NULL;
	}
	qasid_pubkey_free(pk);
	return kr;
}

/*
 * The reason for a failure, as `qasid verify` words it (cli_explain in
 * src/cli/cli.c): the reader's message without the name it starts with,
 * except for a copy shorter than its manifest says and for what is not a
 * bundle at all, which the recipient must be told in plain words.
 */
static void
explain(const qasid_reader *r, const char *name, const struct src *s,
    int rc)
{
	const char *why = qasid_reader_errmsg(r);
	size_t nlen = strlen(name);
	double total = s->total >= 0 ? s->total : s->eof ? s->got : -1;
	uint64_t want;

	if (strncmp(why, name, nlen) == 0 && strncmp(why + nlen, ": ", 2) == 0)
		why += nlen + 2;
	if (total >= 0 && qasid_reader_expected_size(r, &want) == QASID_OK &&
	    total < (double)want)
		snprintf(reason, sizeof(reason), "incomplete copy: %.0f of "
		    "%.0f bytes; copy it again from a complete one%s%s%s",
		    total, (double)want, *why ? " (" : "", why,
		    *why ? ")" : "");
	else if (rc == QASID_ERR_FORMAT && (s->got < 2 ||
	    s->magic[0] != 0x1f || s->magic[1] != 0x8b))
		snprintf(reason, sizeof(reason), "not a qasid bundle");
	else
		snprintf(reason, sizeof(reason), "%s", why);
}

#define SLICE (4u << 20) /* bytes asked of the worker at a time */

/* A reader of the bundle the worker holds, from its first byte. */
static qasid_reader *
open_bundle(const qasid_keyring *kr, const char *name, struct src *s)
{
	qasid_reader *r = qasid_reader_new(kr);

	if (r == NULL)
		return NULL;
	qasid_reader_set_threads(r, 0);
	qasid_reader_set_progress(r, progress, NULL);
	s->got = 0;
	s->eof = 0;
	web_rewind();
	(void)qasid_reader_open_callbacks(r, s, src_read, NULL, name);
	return r;
}

/* After a verified read: the identity and every file, to the worker. */
static int
tell(const qasid_keyring *kr, const char *name, struct src *s,
    qasid_reader *r)
{
	const qasid_info *in = qasid_reader_info(r);
	qasid_reader *l;
	int rc;

	web_info(in->title, in->keyid, in->fingerprint, in->series,
	    (double)in->sequence, (double)in->created, in->format);
	/* A volume names every file of its set, from its set file. */
	if (in->volume_count > 0)
		return qasid_reader_set_list(r, entry, NULL);
	if ((l = open_bundle(kr, name, s)) == NULL)
		return QASID_ERR_NOMEM;
	if ((rc = qasid_reader_list(l, 1, entry, NULL)) != QASID_OK)
		explain(l, name, s, rc);
	qasid_reader_free(l);
	return rc;
}

/*
 * Reads the bundle the worker holds (total bytes, or -1 if not yet known;
 * called name in messages), trusting only key, the text of a public-key
 * file or a bare key string: verifies it whole, or with path, verifies it
 * and gives the worker that file's content as it is read (web_data), which
 * the worker keeps only on QASID_OK. QASID_OK, or the failure,
 * web_reason() saying why.
 */
static int
run(const char *key, const char *name, double total, const char *path)
{
	struct src s = {0};
	qasid_keyring *kr;
	qasid_reader *r = NULL;
	int rc = QASID_ERR_NOMEM;

	s.total = total;
	reason[0] = '\0';
	if (qasid_init() != QASID_OK)
		return QASID_ERR_INTERNAL;
	if ((kr = trust(key)) == NULL)
		return QASID_ERR_KEY;
	if ((s.buf = malloc(SLICE)) != NULL &&
	    (r = open_bundle(kr, name, &s)) != NULL) {
		s.cap = SLICE;
		rc = path != NULL ? qasid_reader_extract(r, path, data, NULL) :
		    qasid_reader_verify(r);
		if (rc != QASID_OK)
			explain(r, name, &s, rc);
		else if (path == NULL)
			rc = tell(kr, name, &s, r);
	}
	if (rc == QASID_ERR_NOMEM && reason[0] == '\0')
		snprintf(reason, sizeof(reason), "%s", qasid_strerror(rc));
	qasid_reader_free(r);
	qasid_keyring_free(kr);
	free(s.buf);
	return rc;
}

/* Verifies the bundle the worker holds: run() without a file. */
EMSCRIPTEN_KEEPALIVE int
qweb_verify(const char *key, const char *name, double total)
{
	return run(key, name, total, NULL);
}

/* Verifies the bundle again and hands out the content of the file path. */
EMSCRIPTEN_KEEPALIVE int
qweb_extract(const char *key, const char *name, double total,
    const char *path)
{
	return run(key, name, total, path);
}

/* Why the last call failed, in one line; "" after a success. */
EMSCRIPTEN_KEEPALIVE const char *
qweb_reason(void)
{
	return reason;
}
