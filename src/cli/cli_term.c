/* SPDX-License-Identifier: ISC */
/*
 * cli_term.c - what the qasid command asks and shows on the terminal: a
 * password, read without echo and into memory that is wiped (or from a
 * file or standard input, never through stdio's buffers), and the
 * progress line, redrawn in place.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "cli.h"
#include "os.h"

#define PASSWORD_MAX 1024

/* ---- Passwords ---------------------------------------------------------- */

/*
 * Reads one line from fd with read(2), a byte at a time, straight into
 * locked memory that sodium_free wipes: stdio would leave copies of the
 * password in its buffers, and would read past the line.
 */
static ptrdiff_t
read_pw_line(int fd, char *pw, size_t cap)
{
	size_t n = 0;
	ptrdiff_t got;

	while (n < cap) {
		got = qos_read(fd, pw + n, 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return -1;
		if (got == 0 || pw[n++] == '\n')
			break;
	}
	pw[n] = '\0';
	return (ptrdiff_t)n;
}

static char *
read_line(int fd, const char *what, size_t *len)
{
	char *pw = sodium_malloc(PASSWORD_MAX + 3);
	ptrdiff_t got;
	size_t n;

	if (pw == NULL) {
		cli_fail("%s: out of memory", what);
		return NULL;
	}
	if ((got = read_pw_line(fd, pw, PASSWORD_MAX + 1)) <= 0) {
		sodium_free(pw);
		if (got < 0)
			cli_fail("%s: %s", what, strerror(errno));
		else
			cli_fail("%s: no password given", what);
		return NULL;
	}
	n = strcspn(pw, "\r\n");
	if (n > PASSWORD_MAX) {
		sodium_free(pw);
		cli_fail("%s: password longer than %d bytes", what,
		    PASSWORD_MAX);
		return NULL;
	}
	sodium_memzero(pw + n, (size_t)got - n);
	*len = n;
	return pw;
}

/* The terminal's settings while echo is off, for a signal to put back. */
static struct qos_tty tty_saved;
static volatile sig_atomic_t tty_quiet;
static const int tty_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };

/* Ctrl-C at a password prompt must not leave the terminal without echo:
 * put it back, then die of the signal as if it had not been caught. */
static void
tty_restore_and_die(int sig)
{
	if (tty_quiet)
		qos_echo_restore(&tty_saved);
	signal(sig, SIG_DFL);
	raise(sig);
}

#define N_TTY_SIGNALS (sizeof(tty_signals) / sizeof(*tty_signals))

/* Catches the signals that end a program at a prompt, or puts back what
 * was there before; a signal the caller ignored stays ignored. */
static void
tty_guard(int on)
{
	static struct sigaction before[N_TTY_SIGNALS];

	cli_signals(tty_signals, N_TTY_SIGNALS, tty_restore_and_die, before,
	    on);
}

static char *
ask(int tty, const char *prompt, size_t *len)
{
	char *pw;

	if (qos_tty_save(tty, &tty_saved) < 0) {
		fputs(prompt, stderr);
		return read_line(tty, "terminal", len);
	}
	tty_quiet = 1;
	tty_guard(1);
	/* Echo goes off before the prompt shows: what is typed once the
	 * prompt is there is neither echoed nor flushed away. */
	qos_echo_off(&tty_saved);
	fputs(prompt, stderr);
	fflush(stderr);
	pw = read_line(tty, "terminal", len);
	qos_echo_restore(&tty_saved);
	tty_quiet = 0;
	tty_guard(0);
	return pw;
}

char *
cli_password(const char *prompt, int confirm, size_t *len)
{
	char *pw, *again;
	size_t len2;
	int fd;

	if (cli.password_file != NULL) {
		if ((fd = qos_open(cli.password_file, QOS_READ, 0)) < 0) {
			cli_fail("%s: %s", cli.password_file, strerror(errno));
			return NULL;
		}
		pw = read_line(fd, cli.password_file, len);
		qos_close(fd);
		return pw;
	}
	if (!qos_isatty(QOS_STDIN))
		return read_line(QOS_STDIN, "standard input", len);
	if ((pw = ask(QOS_STDIN, prompt, len)) == NULL || !confirm)
		return pw;
	if ((again = ask(QOS_STDIN, "Password (again): ", &len2)) == NULL) {
		sodium_free(pw);
		return NULL;
	}
	if (len2 != *len || sodium_memcmp(pw, again, len2) != 0) {
		sodium_free(pw);
		sodium_free(again);
		cli_fail("passwords do not match");
		return NULL;
	}
	sodium_free(again);
	return pw;
}

/* ---- Progress ----------------------------------------------------------- */

static struct {
	int drawn;
	struct timespec start, last;
	uint64_t total;
} bar;

static double
seconds(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) +
	    (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

static void
human(double bytes, char *out, size_t cap)
{
	static const char *unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	int u = 0;

	while (bytes >= 1024 && u < 4) {
		bytes /= 1024;
		u++;
	}
	snprintf(out, cap, u ? "%.1f %s" : "%.0f %s", bytes, unit[u]);
}

/* Columns of the terminal on stderr; 80 if it does not say. */
static int
columns(void)
{
	int n = qos_term_width(QOS_STDERR);

	return n > 0 ? n : 80;
}

/* Seconds as m:ss or h:mm:ss. */
static void
clock_text(double s, char *out, size_t cap)
{
	unsigned long t = s > 359999.0 ? 359999 : (unsigned long)(s + 0.5);

	if (t >= 3600)
		snprintf(out, cap, "%lu:%02lu:%02lu", t / 3600, t / 60 % 60,
		    t % 60);
	else
		snprintf(out, cap, "%lu:%02lu", t / 60, t % 60);
}

/*
 * One line, redrawn in place at most five times a second:
 *   [#########           ]  45%  90.0 MiB / 200.0 MiB  185.3 MiB/s  ETA 0:01
 * The bar shrinks, then goes, so the line never wraps on a narrow terminal
 * (a wrapped line cannot be redrawn with a carriage return).
 */
int
cli_progress(void *ud, uint64_t done, uint64_t total)
{
	static const char hashes[] = "########################################";
	struct timespec now;
	char d[32], t[32], rate[32], eta[32], text[160];
	double el, pct;
	int cols, width, n;

	(void)ud;
	/* done = total = 0 is the library asking, while it waits, whether
	 * to go on: there is nothing to draw. */
	if (cli.quiet || (done == 0 && total == 0) || !qos_isatty(QOS_STDERR))
		return cli_stop_requested();
	clock_gettime(CLOCK_MONOTONIC, &now);
	/* A new total is a new phase (pack's final copy): a new rate. */
	if ((!bar.drawn && bar.start.tv_sec == 0) || total != bar.total) {
		bar.start = now;
		bar.total = total;
	}
	if (done < total && bar.drawn && seconds(&bar.last, &now) < 0.2)
		return cli_stop_requested();
	bar.last = now;
	el = seconds(&bar.start, &now);
	pct = total && done < total ? (double)done / (double)total : 1.0;
	human((double)done, d, sizeof(d));
	human((double)total, t, sizeof(t));
	/* A rate needs half a second of history to mean anything. */
	if (done > 0 && el > 0 && (el >= 0.5 || done >= total)) {
		human((double)done / el, rate, sizeof(rate));
		clock_text(done >= total ? 0 : el * (double)(total - done) /
		    (double)done, eta, sizeof(eta));
	} else {
		snprintf(rate, sizeof(rate), "-- B");
		snprintf(eta, sizeof(eta), "-:--");
	}
	/* Fixed widths, so the bar keeps its length from frame to frame. */
	n = snprintf(text, sizeof(text), "%4.0f%%  %10s / %s  %10s/s  ETA %-7s",
	    pct * 100, d, t, rate, eta);
	cols = columns();
	width = cols - n - 4;
	if (width > (int)sizeof(hashes) - 1)
		width = (int)sizeof(hashes) - 1;
	if (width >= 10)
		fprintf(stderr, "\r[%.*s%*s] %s\033[K", (int)(pct * width),
		    hashes, width - (int)(pct * width), "", text);
	else
		fprintf(stderr, "\r%.*s\033[K", cols > 1 ? cols - 1 : 0, text);
	bar.drawn = 1;
	return cli_stop_requested();
}

void
cli_progress_done(void)
{
	if (bar.drawn)
		fputs("\r\033[K", stderr);
	bar.drawn = 0;
	bar.start.tv_sec = 0;
}
