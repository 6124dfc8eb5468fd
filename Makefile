# SPDX-License-Identifier: ISC
# qasid - signed, compressed bundles for carrying by hand.
#
#   make            build the library and the tool
#   make demo       set up, then make a key, pack examples/, verify, unpack
#   make test       set up, then run every test ("N passed, N failed" last)
#   make asan       the whole suite under AddressSanitizer and UBSan
#   make fuzz       libFuzzer targets (clang)
#   make bench      the benchmark against tar, pigz and minisign
#   make bench-mirror  catalog of 1,000 bundles; copy against cp + sync + verify
#   make bench-recovery  protect and repair in MB/s (hyperfine)
#   make bench-update  updates in place, and 20,000 small files, against tar
#   make static     one statically linked qasid for x86_64 Linux
#   make install    PREFIX, DESTDIR, BINDIR, LIBDIR, INCLUDEDIR, MANDIR

VERSION    = 0.1.0
SOVERSION  = 0
PREFIX    ?= /usr/local
BINDIR    ?= $(PREFIX)/bin
LIBDIR    ?= $(PREFIX)/lib
INCLUDEDIR?= $(PREFIX)/include
MANDIR    ?= $(PREFIX)/share/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions

CC        ?= cc
PKG_CONFIG ?= pkg-config
B         ?= build

WARN      = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wformat=2 -Wvla
HARDEN    = -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIC
# Only what qasid.h marks QASID_API leaves the library (and mk/libqasid.map).
VISIBILITY = -fvisibility=hidden
OPT       ?= -O2 -g
ifeq ($(WERROR),1)
WARN     += -Werror
endif
DEPS_CFLAGS = $(shell $(PKG_CONFIG) --cflags libarchive libsodium zlib libexif libisal 2>/dev/null)
DEPS_LIBS   = $(shell $(PKG_CONFIG) --libs libarchive libsodium zlib libexif libisal 2>/dev/null) -lpthread -lm
QCFLAGS   = -std=c11 -D_GNU_SOURCE $(OPT) $(WARN) $(HARDEN) $(VISIBILITY) -Iinclude \
            $(addprefix -Isrc/,$(LAYERS)) $(DEPS_CFLAGS) $(CFLAGS)
SOLDFLAGS = -Wl,-z,relro,-z,now $(LDFLAGS)
QLDFLAGS  = -pie $(SOLDFLAGS)

# The library by layer: core (no system calls), format (the bytes of a
# bundle), os (every call that differs between POSIX and Windows), keys,
# the three jobs (pack, read, unpack) and repair. The tool is src/cli.
LAYERS    = core format os keys pack read unpack repair cli
LIB_SRC = src/core/error.c src/core/buf.c src/core/queue.c src/core/source.c \
          src/format/unicode.c src/format/paths.c src/format/sig.c \
          src/format/gz.c src/format/tar.c src/format/manifest.c \
          src/format/manifest_write.c src/format/head.c \
          src/os/file.c src/os/dir.c src/os/lock.c src/os/locale.c \
          src/os/media.c src/os/term.c src/os/flush.c \
          src/os/medium.c src/os/common.c \
          src/keys/keys.c src/keys/keyring.c src/keys/statement.c \
          src/keys/records.c \
          src/pack/pack.c src/pack/collect.c src/pack/body.c src/pack/meta.c \
          src/pack/meta_exif.c src/pack/meta_bmff.c src/pack/meta_pdf.c \
          src/pack/meta_pack.c src/pack/scrub.c src/pack/volume.c \
          src/read/read.c src/read/inflate.c src/read/feed.c \
          src/read/hasher.c src/read/check.c src/read/state.c \
          src/read/keytime.c src/read/set.c src/read/extract.c \
          src/unpack/unpack.c src/unpack/publish.c src/unpack/leftover.c \
          src/unpack/salvage.c src/unpack/receipt.c src/unpack/update.c \
          src/unpack/set.c \
          src/repair/recover.c src/repair/repair.c src/repair/rec_handle.c \
          src/repair/rec_members.c src/repair/repair_fast.c \
          src/repair/journal.c
CLI_SRC = src/cli/cli.c src/cli/cli_term.c src/cli/cli_keys.c src/cli/cli_bundle.c \
          src/cli/cli_pack.c \
          src/cli/cli_stop.c src/cli/cli_media.c src/cli/cli_seen.c \
          src/cli/cli_many.c src/cli/cli_copy.c src/cli/cli_mirror.c \
          src/cli/cli_catalog.c src/cli/cli_check.c src/cli/cli_keytime.c \
          src/cli/cli_volume.c src/cli/cli_sticks.c \
          src/cli/cli_follow.c
SRC_H   = $(wildcard src/*/*.h)
LIB_OBJ = $(LIB_SRC:src/%.c=$(B)/%.o)
CLI_OBJ = $(CLI_SRC:src/%.c=$(B)/%.o)
UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)

.PHONY: all layers demo test check asan fuzz bench bench-keyring bench-mirror bench-recovery bench-update static install uninstall clean deps

all: layers $(B)/qasid $(B)/libqasid.a $(B)/libqasid.so.$(SOVERSION) $(B)/qasid.pc

# Outside src/os nothing includes a system header (tools/check-layers.sh).
layers:
	@sh tools/check-layers.sh

deps:
	@sh tools/deps.sh

$(B)/%.o: src/%.c include/qasid.h $(SRC_H) | $(B)
	@mkdir -p $(@D)
	$(CC) $(QCFLAGS) -c -o $@ $<

$(B):
	mkdir -p $(B)/tests

$(B)/libqasid.a: $(LIB_OBJ)
	rm -f $@ && $(AR) rcs $@ $(LIB_OBJ)

$(B)/libqasid.so.$(SOVERSION): $(LIB_OBJ) mk/libqasid.map
	$(CC) -shared -Wl,-soname,libqasid.so.$(SOVERSION) \
	    -Wl,--version-script=mk/libqasid.map $(SOLDFLAGS) -o $@ \
	    $(LIB_OBJ) $(DEPS_LIBS)
	ln -sf libqasid.so.$(SOVERSION) $(B)/libqasid.so

$(B)/qasid: $(CLI_OBJ) $(B)/libqasid.a
	$(CC) $(QCFLAGS) $(QLDFLAGS) -o $@ $(CLI_OBJ) $(B)/libqasid.a $(DEPS_LIBS)

$(B)/qasid.pc: qasid.pc.in Makefile | $(B)
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|' \
	    qasid.pc.in > $@

$(B)/tests/%: tests/unit/%.c tests/unit/*.h $(B)/libqasid.a | $(B)
	$(CC) $(QCFLAGS) $(QLDFLAGS) -o $@ $< $(B)/libqasid.a $(DEPS_LIBS)

$(B)/examples/verify-bundle: examples/verify-bundle.c $(B)/libqasid.a | $(B)
	mkdir -p $(B)/examples
	$(CC) $(QCFLAGS) $(QLDFLAGS) -o $@ $< $(B)/libqasid.a $(DEPS_LIBS)

demo: deps
	@$(MAKE) --no-print-directory all
	@sh examples/demo.sh $(B)/qasid

test: deps
	@$(MAKE) --no-print-directory all $(UNIT_BIN) $(B)/examples/verify-bundle
	@sh tests/run.sh $(B)

check: test

asan: deps
	@$(MAKE) --no-print-directory B=build-asan CC=clang \
	    OPT="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	    LDFLAGS="-fsanitize=address,undefined" test

-include $(wildcard mk/*.mk)

clean:
	rm -rf build build-asan build-fuzz build-static

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) \
	    $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(PKGCONFIGDIR) \
	    $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man3 \
	    $(DESTDIR)$(BASHCOMPDIR)
	install -m 755 $(B)/qasid $(DESTDIR)$(BINDIR)/qasid
	install -m 644 $(B)/libqasid.a $(DESTDIR)$(LIBDIR)/libqasid.a
	install -m 755 $(B)/libqasid.so.$(SOVERSION) \
	    $(DESTDIR)$(LIBDIR)/libqasid.so.$(SOVERSION)
	ln -sf libqasid.so.$(SOVERSION) $(DESTDIR)$(LIBDIR)/libqasid.so
	install -m 644 include/qasid.h $(DESTDIR)$(INCLUDEDIR)/qasid.h
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|' \
	    qasid.pc.in > $(DESTDIR)$(PKGCONFIGDIR)/qasid.pc
	chmod 644 $(DESTDIR)$(PKGCONFIGDIR)/qasid.pc
	install -m 644 docs/qasid.1 $(DESTDIR)$(MANDIR)/man1/qasid.1
	install -m 644 docs/qasid.3 $(DESTDIR)$(MANDIR)/man3/qasid.3
	install -m 644 completions/qasid.bash $(DESTDIR)$(BASHCOMPDIR)/qasid

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/qasid $(DESTDIR)$(LIBDIR)/libqasid.a \
	    $(DESTDIR)$(LIBDIR)/libqasid.so.$(SOVERSION) \
	    $(DESTDIR)$(LIBDIR)/libqasid.so $(DESTDIR)$(INCLUDEDIR)/qasid.h \
	    $(DESTDIR)$(PKGCONFIGDIR)/qasid.pc \
	    $(DESTDIR)$(MANDIR)/man1/qasid.1 $(DESTDIR)$(MANDIR)/man3/qasid.3 \
	    $(DESTDIR)$(BASHCOMPDIR)/qasid
