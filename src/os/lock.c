/* SPDX-License-Identifier: ISC */
/*
 * lock.c - advisory whole-file locks on POSIX (flock): the series record
 * (read/state.c), the keyring (keys/keyring.c) and an unpack's
 * destination take them. A port keeps the meaning: held by the open file,
 * not the process, and released when its last descriptor closes, even
 * when the process is killed.
 */
#include <errno.h>
#include <sys/file.h>

#include "internal.h"

int
qos_lock(int fd, int how)
{
	int op = how & QOS_LOCK_UN ? LOCK_UN : how & QOS_LOCK_EX ? LOCK_EX :
	    LOCK_SH;

	if (how & QOS_LOCK_NB)
		op |= LOCK_NB;
	return flock(fd, op);
}
