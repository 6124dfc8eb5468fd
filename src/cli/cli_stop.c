/* SPDX-License-Identifier: ISC */
/*
 * cli_stop.c - Ctrl-C, SIGTERM and SIGHUP during a long command.
 *
 * The library keeps no globals and installs no handlers: it asks its
 * progress callback, about once per MiB, whether to go on. So while pack,
 * verify or unpack runs, these signals only set a flag; the progress
 * callback returns it; the library stops, removes what it made (the hidden
 * temporary bundle, the staging folder) and returns QASID_ERR_CANCELLED.
 * Then the command says so and dies of the signal it got, as a shell
 * expects of an interrupted program (status 128 + the signal's number).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP };
#define N_STOP (sizeof(stop_signals) / sizeof(*stop_signals))

static volatile sig_atomic_t stop_signal;

static void
on_stop(int sig)
{
	stop_signal = sig;
}

void
cli_signals(const int *sigs, size_t n, void (*fn)(int),
    struct sigaction *before, int on)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a call blocked on a lock returns EINTR, and the
	 * library then asks the progress callback whether to stop. */
	sa.sa_handler = fn;
	for (size_t i = 0; i < n; i++) {
		if (!on) {
			sigaction(sigs[i], &before[i], NULL);
			continue;
		}
		sigaction(sigs[i], NULL, &before[i]);
		/* A signal the caller ignored (nohup) stays ignored. */
		if (before[i].sa_handler != SIG_IGN)
			sigaction(sigs[i], &sa, NULL);
	}
}

void
cli_catch_stop(int on)
{
	static struct sigaction before[N_STOP];

	cli_signals(stop_signals, N_STOP, on_stop, before, on);
}

int
cli_stop_requested(void)
{
	return stop_signal != 0;
}

int
cli_stopped(const char *what, const char *outcome)
{
	int sig = stop_signal;
	sigset_t set;

	cli_fail("%s: interrupted; %s", what, outcome);
	fflush(stdout);
	signal(sig, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(sig);
	return EXIT_OTHER; /* not reached */
}
