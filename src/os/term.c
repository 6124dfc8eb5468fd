/* SPDX-License-Identifier: ISC */
/*
 * term.c - the terminal on POSIX, for the command-line tool: whether a
 * descriptor is one, its width, and echo turned off while a password is
 * typed (termios). The saved settings live in the caller's struct qos_tty,
 * not here: the library keeps no state of its own.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "internal.h"

_Static_assert(sizeof(struct termios) <= sizeof(((struct qos_tty *)0)->saved),
    "struct qos_tty cannot hold the terminal's settings");

int
qos_isatty(int fd)
{
	return isatty(fd) == 1;
}

int
qos_term_width(int fd)
{
	struct winsize ws;

	if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 0;
}

int
qos_tty_save(int fd, struct qos_tty *t)
{
	struct termios saved;

	if (tcgetattr(fd, &saved) < 0)
		return -1;
	memcpy(t->saved, &saved, sizeof(saved));
	t->fd = fd;
	return 0;
}

void
qos_echo_off(const struct qos_tty *t)
{
	struct termios quiet;

	memcpy(&quiet, t->saved, sizeof(quiet));
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	quiet.c_lflag |= ECHONL;
	/* TCSAFLUSH: what was typed before the prompt is thrown away. */
	tcsetattr(t->fd, TCSAFLUSH, &quiet);
}

void
qos_echo_restore(const struct qos_tty *t)
{
	struct termios saved;

	memcpy(&saved, t->saved, sizeof(saved));
	tcsetattr(t->fd, TCSAFLUSH, &saved);
}

ptrdiff_t
qos_read(int fd, void *buf, size_t n)
{
	return read(fd, buf, n);
}

void
qos_main_args(int *argc, char ***argv)
{
	(void)argc; /* POSIX passes the bytes as they are */
	(void)argv;
}

int
qos_exe_path(char *buf, size_t cap)
{
	ssize_t n;

	if (cap == 0 || (n = readlink("/proc/self/exe", buf, cap - 1)) <= 0)
		return -1;
	buf[n] = '\0';
	return 0;
}
