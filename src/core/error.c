/* SPDX-License-Identifier: ISC */
/*
 * error.c - result codes, their messages, and the error record each handle
 * keeps: the first failure's code and a one-line reason.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const char *const messages[] = {
	"success",
	"out of memory",
	"input/output error",
	"invalid argument",
	"not a valid bundle",
	"bad signature",
	"untrusted key",
	"content does not match the manifest",
	"unsafe entry",
	"limit exceeded",
	"malformed key",
	"wrong password",
	"file exists",
	"no space left on device",
	"path cannot be carried safely",
	"key not found",
	"internal error",
	"unsafe destination",
	"cancelled",
	"identifying metadata",
	"the record of bundles seen is unusable",
	"refused",
	"files changed since they were unpacked",
	"expired",
	"an interrupted unpack must be finished first",
};

/* From QASID_ERR_REVOKED on. */
static const char *const key_messages[] = {
	"key revoked as compromised",
	"key retired by a rotation",
	"contradicting key statements",
};

const char *
qasid_strerror(int code)
{
	size_t i = (size_t)-code;

	if (code <= QASID_ERR_REVOKED && code >= QASID_ERR_CONTRADICTION)
		return key_messages[QASID_ERR_REVOKED - code];
	if (code > 0 || i >= sizeof(messages) / sizeof(messages[0]))
		return "unknown error";
	return messages[i];
}

int
qasid_err_is_verification(int code)
{
	return (code <= QASID_ERR_FORMAT && code >= QASID_ERR_UNSAFE) ||
	    code == QASID_ERR_EXPIRED ||
	    (code <= QASID_ERR_REVOKED && code >= QASID_ERR_CONTRADICTION);
}

const char *
qasid_version(void)
{
	return QASID_VERSION;
}

int
qasid_init(void)
{
	return sodium_init() < 0 ? QASID_ERR_INTERNAL : QASID_OK;
}

static int qerr_vset(struct qerr *e, int code, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static int
qerr_vset(struct qerr *e, int code, const char *fmt, va_list ap)
{
	/* The first failure explains the rest; later ones are consequences. */
	if (e->code != QASID_OK)
		return e->code;
	e->code = code;
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	return code;
}

int
qerr_set(struct qerr *e, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	code = qerr_vset(e, code, fmt, ap);
	va_end(ap);
	return code;
}

int
qerr_sys(struct qerr *e, int code, int errnum, const char *fmt, ...)
{
	va_list ap;
	size_t len;

	if (e->code != QASID_OK)
		return e->code;
	if (errnum == ENOSPC || errnum == EDQUOT)
		code = QASID_ERR_NOSPACE;
	else if (errnum == ENOMEM)
		code = QASID_ERR_NOMEM;
	va_start(ap, fmt);
	qerr_vset(e, code, fmt, ap);
	va_end(ap);
	len = strlen(e->msg);
	snprintf(e->msg + len, sizeof(e->msg) - len, "%s%s",
	    len ? ": " : "", strerror(errnum));
	return code;
}

void
qerr_clear(struct qerr *e)
{
	e->code = QASID_OK;
	e->msg[0] = '\0';
}

void
qerr_prefix(struct qerr *e, const char *prefix)
{
	char msg[sizeof(e->msg)];
	size_t n = strlen(prefix);

	if (e->code == QASID_OK || (strncmp(e->msg, prefix, n) == 0 &&
	    e->msg[n] == ':'))
		return;
	/* Truncated to fit, however long the prefix. */
	if (snprintf(msg, sizeof(msg), "%s: %s", prefix, e->msg) >= 0)
		memcpy(e->msg, msg, sizeof(msg));
}

int
qprogress(qasid_progress_fn fn, void *ud, uint64_t done, uint64_t total,
    struct qerr *e, const char *what)
{
	if (fn == NULL || fn(ud, done, total) == 0)
		return QASID_OK;
	return qerr_set(e, QASID_ERR_CANCELLED, "%s: cancelled", what);
}

int
qerr_io(struct qerr *e, int errnum, const char *what)
{
	if (errnum == ECANCELED)
		return qerr_set(e, QASID_ERR_CANCELLED, "%s: cancelled", what);
	return qerr_sys(e, QASID_ERR_IO, errnum, "%s", what);
}

const char *
qerr_msg(const struct qerr *e)
{
	if (e->code == QASID_OK)
		return "";
	return e->msg[0] ? e->msg : qasid_strerror(e->code);
}
