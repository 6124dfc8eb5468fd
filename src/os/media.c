/* SPDX-License-Identifier: ISC */
/*
 * media.c - what the file system under a folder can hold: free bytes, and
 * the largest file it takes. Most USB sticks are FAT32, which holds no
 * file of 4 GiB or more; writing one fails only when the file reaches
 * 4 GiB, minutes into a copy, with a bare EFBIG or EPERM. Pack and unpack
 * ask here first, so that they can refuse or warn before writing.
 *
 * The kernel's FAT driver reports MSDOS_SUPER_MAGIC. A FUSE driver
 * reports FUSE's own magic, and the driver's name shows only in
 * /proc/self/mountinfo: "fuse.fusefat" for fusefat. exfat-fuse and ntfs-3g
 * mount as plain "fuseblk" with no subtype; both hold large files, so a
 * FUSE mount whose driver cannot be named is taken to have no limit
 * (writing would still fail cleanly, only later).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "internal.h"

#define MSDOS_MAGIC 0x4d44
#define FUSE_MAGIC 0x65735546
#define FAT32_MAX_FILE (((uint64_t)4 << 30) - 1)

/* 1 if the FUSE file system on device dev is a FAT driver. */
static int
fuse_is_fat(dev_t dev)
{
	static const char *const fat[] = {"fusefat", "vfat", "msdos", "fat"};
	char line[4096], want[48], *sep, *type;
	FILE *f = fopen("/proc/self/mountinfo", "re");
	int found = 0;

	if (f == NULL)
		return 0;
	snprintf(want, sizeof(want), " %u:%u ", major(dev), minor(dev));
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		/* "ID PARENT MAJ:MIN ROOT MOUNT OPTS [TAGS] - TYPE SRC OPTS" */
		if (strstr(line, want) == NULL ||
		    (sep = strstr(line, " - ")) == NULL)
			continue;
		type = sep + 3;
		type[strcspn(type, " ")] = '\0';
		if ((type = strchr(type, '.')) == NULL)
			continue; /* plain fuse or fuseblk: driver unknown */
		for (size_t i = 0; i < sizeof(fat) / sizeof(fat[0]); i++)
			found |= strcmp(type + 1, fat[i]) == 0;
	}
	fclose(f);
	return found;
}

int
qmedia_probe(int fd, struct qmedia *m)
{
	struct statvfs sv;
	struct statfs sf;
	struct stat st;

	m->free = UINT64_MAX;
	m->max_file = UINT64_MAX;
	m->fsname = NULL;
	m->dev = 0;
	if (fstat(fd, &st) < 0)
		return -1;
	m->dev = (uint64_t)st.st_dev;
	if (fstatvfs(fd, &sv) == 0 && sv.f_blocks != 0)
		m->free = (uint64_t)(geteuid() == 0 ? sv.f_bfree :
		    sv.f_bavail) * sv.f_frsize;
	if (fstatfs(fd, &sf) < 0)
		return 0;
	if ((unsigned long)sf.f_type == MSDOS_MAGIC ||
	    ((unsigned long)sf.f_type == FUSE_MAGIC && fuse_is_fat(st.st_dev))) {
		m->max_file = FAT32_MAX_FILE;
		m->fsname = "FAT32";
	}
	return 0;
}

int
qmedia_probe_path(const char *dir, struct qmedia *m)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;

	if (fd < 0) {
		m->free = m->max_file = UINT64_MAX;
		m->fsname = NULL;
		m->dev = 0;
		return -1;
	}
	rc = qmedia_probe(fd, m);
	close(fd);
	return rc;
}
