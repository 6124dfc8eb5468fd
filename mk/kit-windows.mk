# SPDX-License-Identifier: ISC
# kit-windows.mk - the kit's qasid.exe for 64-bit Windows.
#
#   make kit-windows     build-kit/windows-x86_64/qasid.exe: one static,
#                        stripped exe, no DLL beside it (the system's only)
#
# Cross-built with mingw-w64 (the -posix compiler: its winpthreads is
# linked in) against static zlib, libsodium, libarchive and libexif made
# from Debian's sources by tools/kit/build-deps.sh mingw64. src/os/win/
# takes the place of the POSIX files of src/os; src/os/win/compat.h comes
# before every file, giving the few POSIX functions the rest uses. ISA-L
# is left out: the exe makes and reads bundles, but no recovery files
# (src/repair/recover_none.c says so when asked).

KIT        ?= build-kit
WIN_CC     ?= x86_64-w64-mingw32-gcc-posix
WIN_OBJDIR  = $(KIT)/obj-windows
WIN_EXE     = $(KIT)/windows-x86_64/qasid.exe
WIN_POSIX_OS = src/os/file.c src/os/dir.c src/os/lock.c src/os/locale.c \
               src/os/media.c src/os/term.c src/os/flush.c src/os/medium.c
WIN_OS_SRC  = $(wildcard src/os/win/*.c)
WIN_NO_REC  = src/repair/recover.c src/repair/repair.c \
              src/repair/rec_members.c src/repair/repair_fast.c \
              src/repair/journal.c
WIN_SRC     = $(filter-out $(WIN_POSIX_OS) $(WIN_NO_REC),$(LIB_SRC)) \
              src/repair/recover_none.c $(WIN_OS_SRC) $(CLI_SRC)
WIN_OBJ     = $(WIN_SRC:src/%.c=$(WIN_OBJDIR)/%.o)
# Windows 7's API is the floor (GetActiveProcessorCount, SRW locks);
# C99 printf (%zu, %lld) from mingw's own stdio rather than msvcrt's; the
# compiler checks format(printf) against msvcrt's, so those checks are the
# Linux build's.
WIN_CFLAGS  = -std=c11 -O2 $(WARN) -Wno-format -ffunction-sections -fdata-sections \
              -D_WIN32_WINNT=0x0601 -D__USE_MINGW_ANSI_STDIO=1 \
              -D_POSIX_THREAD_SAFE_FUNCTIONS -DLIBARCHIVE_STATIC \
              -DSODIUM_STATIC -include src/os/win/compat.h \
              -Iinclude $(addprefix -Isrc/,$(LAYERS)) -I$(WIN_DEPS)/include
# setlocale is wrapped: libarchive learns from it that qasid's strings are
# UTF-8 (src/os/win/sys.c).
WIN_LDFLAGS = -static -s -Wl,--gc-sections -Wl,--wrap=setlocale
WIN_LIBS    = -L$(WIN_DEPS)/lib -larchive -lsodium -lexif -lz -lpthread \
              -lshell32 -ladvapi32 -lbcrypt

.PHONY: kit-windows kit-windows-exe
KIT_PARTS += kit-windows

# The dependencies first (cached: a lookup when nothing changed), then
# the exe against their prefix.
kit-windows:
	@prefix=$$(sh tools/kit/build-deps.sh mingw64) && \
	    $(MAKE) --no-print-directory kit-windows-exe WIN_DEPS="$$prefix"

kit-windows-exe: $(WIN_EXE)

$(WIN_OBJDIR)/%.o: src/%.c include/qasid.h $(SRC_H) $(wildcard src/os/win/*.h)
	@mkdir -p $(@D)
	$(WIN_CC) $(WIN_CFLAGS) -c -o $@ $<

$(WIN_EXE): $(WIN_OBJ)
	@mkdir -p $(@D)
	$(WIN_CC) $(WIN_LDFLAGS) -o $@ $(WIN_OBJ) $(WIN_LIBS)
