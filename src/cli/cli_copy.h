/* SPDX-License-Identifier: ISC */
/*
 * cli_copy.h - what the mirror's commands share: cli_copy.c copies and
 * checks one bundle, cli_mirror.c chooses which, cli_catalog.c reads a
 * folder's heads, cli_check.c checks a stick.
 */
#ifndef QASID_CLI_COPY_H
#define QASID_CLI_COPY_H

#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "qasid.h"

/* A bundle found in a source or in DEST, from its head only. */
struct cand {
	char *path;
	char id[65];                 /* head hash */
	char keyid[QASID_KEYID_HEX];
	char pub[QASID_KEYID_HEX];   /* the publisher: its key's first */
	char series[256];
	uint64_t sequence, size;
	uint64_t part;               /* a volume: its part, else 0 */
	int64_t created;
	int pinned;                  /* its key is trusted here */
	int ok;                      /* its head could be read */
	char *dest_name;             /* planned name in DEST, or NULL */
	const char *code;            /* --json's code of its failure */
};

struct copy {
	qasid_keyring *kr;
	const char *dest;
	int rename, latest, plan, recursive;
	int fat;                     /* DEST is FAT32: */
	uint64_t fat_max;            /*   the largest file it holds */
	const char *key, *series;
	int64_t since;
	struct cand *src, *have;     /* sources; bundles already in DEST */
	size_t nsrc, nhave;
	unsigned copied, there, failed;
	int worst;                   /* of copies finished behind */
	const struct cand *done;     /* --latest: the series' copy made */
	struct pending *pend;        /* a copy being read back */
	uint64_t *sticks;            /* --sticks: their sizes */
	size_t nsticks;
	struct cli_seen seen;        /* the record of bundles seen, judged
	                              * but not added to: a copy is not a
	                              * reading */
};

#define PART_PREFIX ".qasid-copy-"
#define WHY_MAX 8448

int copy_one(struct copy *cp, struct cand *c);
void copy_settle(struct copy *cp, const struct cand *next);

int copy_through(struct copy *cp, struct cand *c, int out, uint64_t *kept,
    char *why, size_t len);
int copy_readback(struct copy *cp, struct cand *c, const char *path,
    char *why, size_t len);
int medium_open(qasid_reader *r, const char *path);
void copy_name(const struct copy *cp, const struct cand *c, char *out,
    size_t len);
int copy_planned(const struct copy *cp, const char *name);
int copy_free_space(const char *dir, uint64_t *avail);
/* cli_sticks.c: --sticks SIZES parsed; the plan spread over them. */
int copy_parse_sticks(struct copy *cp, const char *arg);
void copy_spread(const struct copy *cp);

/* What became of a source bundle: a line of text, or with --json an
 * object (JSON Lines). detail is DEST's name (copied, planned), why it
 * was skipped, or why it failed. */
enum copy_act { ACT_COPIED, ACT_SKIPPED, ACT_PLANNED, ACT_FAILED };
void copy_report(const struct copy *cp, const struct cand *c,
    enum copy_act act, const char *detail);

/* The bundles of one folder, from their heads (cli_catalog.c); qasid
 * check (cli_check.c) shares them. */
struct centry {
	char *name, *title, *signer;
	char keyid[QASID_KEYID_HEX], series[256], head[65];
	char pub[QASID_KEYID_HEX];   /* the publisher: its key's first */
	uint64_t size, sequence, files, bytes;
	int64_t created;
	int head_ok, pinned;
	const char *status;
	char *why;                   /* why it was refused, if it was */
};

struct catalog {
	qasid_keyring *kr;
	struct cli_seen seen;
	const char *dir;
	struct centry *v;
	size_t n;
};

extern const char ST_VERIFIED[], ST_INTACT[], ST_DAMAGED[], ST_DUP[],
    ST_OLDER[], ST_REFUSED[];
int catalog_dir(const char *dir);
int catalog_scan(struct catalog *cat);
void catalog_free(struct catalog *cat);

#endif
