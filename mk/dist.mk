# SPDX-License-Identifier: ISC
# dist.mk - the binary that travels on the stick, and a check of the install.
#
#   make static          build-static/qasid: one statically linked, stripped
#                        qasid for x86_64 Linux (static PIE, full RELRO)
#   make static SB=DIR   the same into DIR
#   make install-check   install into a scratch root, build examples/ against
#                        it through pkg-config, run them, uninstall
#
# The static build needs the static libraries of libarchive, libsodium, libexif, zlib
# and glibc (on Debian: libarchive-dev, libsodium-dev, libexif-dev, zlib1g-dev,
# libc6-dev).
# qasid uses only libarchive's tar reader and pax writer; --gc-sections drops
# the rest of libarchive.a, and with it every reference to its optional
# compression and crypto libraries, so those need not be installed. Where a
# libarchive.a was built without -ffunction-sections, give them all:
#   make static STATIC_LIBS="$(pkg-config --static --libs libarchive libsodium libexif zlib)"
# Linker warnings are fatal: glibc warns when a static program calls what
# needs NSS or dlopen at run time (getpwnam, getaddrinfo, dlopen), and a
# binary that must run on any Linux machine may not. What it still reads
# is glibc's C.UTF-8 character table: the system's, or the copy made into
# $(SB)/locale/ to travel beside the binary.

SB             ?= build-static
STATIC_OPT     ?= -O2 -ffunction-sections -fdata-sections
STATIC_LDFLAGS ?= -static-pie -Wl,--gc-sections -Wl,--fatal-warnings -s
STATIC_LIBS    ?= -larchive -lsodium -lexif -lz -lpthread -lm

# Debian ships no static ISA-L: the static binary is built without recovery
# files (src/repair/recover_none.c says so when asked); give STATIC_REC=isal and
# -lisal in STATIC_LIBS where a libisal.a exists.
STATIC_REC     ?= none
STATIC_LIB_SRC = $(if $(filter none,$(STATIC_REC)),$(filter-out src/repair/recover.c \
                 src/repair/repair.c src/repair/rec_members.c \
                 src/repair/repair_fast.c src/repair/journal.c,$(LIB_SRC)) \
                 src/repair/recover_none.c,$(LIB_SRC))
STATIC_OBJ = $(STATIC_LIB_SRC:src/%.c=$(SB)/%.o) $(CLI_SRC:src/%.c=$(SB)/%.o)

.PHONY: static install-check

static: $(SB)/qasid $(SB)/locale/C.utf8/LC_CTYPE

$(SB):
	mkdir -p $(SB)

$(SB)/%.o: src/%.c include/qasid.h $(SRC_H) | $(SB)
	@mkdir -p $(@D)
	$(CC) $(filter-out $(OPT),$(QCFLAGS)) $(STATIC_OPT) -c -o $@ $<

$(SB)/qasid: $(STATIC_OBJ)
	$(CC) $(STATIC_LDFLAGS) $(SOLDFLAGS) -o $@ $(STATIC_OBJ) $(STATIC_LIBS)

# The C.UTF-8 character table travels beside the binary (about 350 KiB):
# names outside ASCII need it, and not every system has it. The binary
# looks for locale/ next to itself (src/cli/cli.c).
$(SB)/locale/C.utf8/LC_CTYPE: | $(SB)
	mkdir -p $(SB)/locale/C.utf8
	cp /usr/lib/locale/C.utf8/LC_CTYPE $@

install-check: all
	@sh tests/run.sh $(B) t-install
