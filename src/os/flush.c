/* SPDX-License-Identifier: ISC */
/*
 * flush.c - writing a file back to its medium while it is written. The
 * page cache takes gigabytes at memory speed, so without this a progress
 * bar reaches 100% long before a USB stick has the bytes, and the final
 * sync then sits there for tens of seconds while people pull sticks. With
 * it, at most QBEHIND_WINDOW bytes are ever written but not yet on the
 * medium, and the bar follows the medium. Linux's sync_file_range; where
 * a file system refuses it, nothing changes and the final sync still
 * makes the file durable.
 */
#include <fcntl.h>

#include "os.h"

#define QBEHIND_WINDOW ((uint64_t)32 << 20) /* bytes not yet on the medium */
#define QBEHIND_STEP ((uint64_t)8 << 20)    /* writeback started this often */

void
qwrite_behind(int fd, struct qbehind *b, uint64_t written)
{
	if (written < b->started + QBEHIND_STEP)
		return;
	(void)sync_file_range(fd, (off_t)b->started,
	    (off_t)(written - b->started), SYNC_FILE_RANGE_WRITE);
	b->started = written;
	if (written < b->waited + QBEHIND_WINDOW + QBEHIND_STEP)
		return;
	(void)sync_file_range(fd, (off_t)b->waited,
	    (off_t)(written - QBEHIND_WINDOW - b->waited),
	    SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
	    SYNC_FILE_RANGE_WAIT_AFTER);
	b->waited = written - QBEHIND_WINDOW;
}
