/*
 * lockdelay.c - an LD_PRELOAD shim that slows flock(2), to hold open the
 * windows in which two unpacks into one folder could race:
 *
 *   QASID_TEST_DELAY_NB_MS   sleep this long before a non-blocking lock
 *   QASID_TEST_DELAY_UN_MS   sleep this long after an unlock
 *
 * Used by tests/hostile/t-kill.sh.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <sys/file.h>
#include <unistd.h>

static void
delay(const char *name)
{
	const char *v = getenv(name);

	if (v != NULL && atoi(v) > 0)
		usleep((useconds_t)atoi(v) * 1000);
}

int
flock(int fd, int op)
{
	static int (*real)(int, int);
	int rc;

	if (real == NULL &&
	    (real = (int (*)(int, int))dlsym(RTLD_NEXT, "flock")) == NULL)
		abort();
	if (op & LOCK_NB)
		delay("QASID_TEST_DELAY_NB_MS");
	rc = real(fd, op);
	if (op == LOCK_UN)
		delay("QASID_TEST_DELAY_UN_MS");
	return rc;
}
