# SPDX-License-Identifier: ISC
# x86_64.sh - 64-bit PC Linux, static on glibc, as make static builds it,
# but with ISA-L (build-deps.sh): Debian ships no libisal.a, and without it
# the kit's most common binary could not write or use recovery files.
HOST=x86_64-linux-gnu
CC=gcc
AR=ar
RANLIB=ranlib
WITH_ISAL=1
