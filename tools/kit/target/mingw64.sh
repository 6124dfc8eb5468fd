# SPDX-License-Identifier: ISC
# mingw64.sh - 64-bit Windows, one static qasid.exe (build-deps.sh).
# The -posix compilers bring winpthreads, linked statically into the exe,
# for the work ring's threads. Recovery files need ISA-L, which is left
# out here: the exe says so when asked (src/repair/recover_none.c).
HOST=x86_64-w64-mingw32
CC=$HOST-gcc-posix
AR=$HOST-ar
RANLIB=$HOST-ranlib
WITH_ISAL=0
