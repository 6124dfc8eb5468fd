/* SPDX-License-Identifier: ISC */
/*
 * fuzz.h - what the fuzz targets share (fuzz_common.c).
 *
 * Each target defines LLVMFuzzerTestOneInput (and LLVMFuzzerInitialize);
 * libFuzzer drives them under `make fuzz`, and replay.c drives them over
 * the checked-in corpus in `make test`. A target calls abort() when the
 * library breaks a promise (a crash, a write outside the destination, an
 * unpack that accepts what verify refuses), so both drivers catch it.
 *
 * Bundles are signed by a fixed test key whose secret is in this file's
 * source: a fuzzer cannot forge signatures, so to reach the checks behind
 * the signature the unpack target signs what it is given - the position of
 * a thief who holds a publisher's key.
 */
#ifndef QASID_FUZZ_H
#define QASID_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "internal.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Inputs a target found good (a bundle that verified, a manifest that
 * parsed); the replay driver reports it, so stale seeds show. */
extern unsigned long fuzz_accepted;

/* The fixed key pair, and a keyring trusting its public half. */
struct fuzz_env {
	qasid_seckey *sk;
	qasid_pubkey *pk;
	qasid_keyring *kr;
	char dir[256];     /* a private folder for files of one run */
	char bundle[300];  /* dir/in.qasid */
};

/* Sets up the key, the keyring and the folder once; aborts on failure. */
struct fuzz_env *fuzz_env(void);
/* Writes data to env->bundle. */
void fuzz_write(struct fuzz_env *env, const void *data, size_t size);
/* Saves the key pair as minisign files (for making seeds); 0 or -1. */
int fuzz_save_keys(const char *sec, const char *pub);
/*
 * Builds a correctly signed bundle around a manifest text and an inflated
 * tar stream given as "S MANIFEST\0TAR": S (one byte) chooses how the tar
 * stream is cut into gzip members (0: one member; else every S * 512
 * bytes); the line "members @" in MANIFEST gets the real count, and the
 * member lines and "end" are appended. Returns the bundle in a malloc'd
 * buffer or NULL if the input has no NUL.
 */
unsigned char *fuzz_sign_bundle(const uint8_t *data, size_t size,
    size_t *outlen);
/* Removes a folder tree (no links followed); 0 or -1. */
int fuzz_rm_tree(const char *path);

#endif
