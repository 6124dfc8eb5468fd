# SPDX-License-Identifier: ISC
# kit.mk - the courier kit: what a publisher copies onto every stick.
#
#   make kit         build-kit/: a qasid for each platform, README.txt, and a
#                    table of every file's size against the 16 MiB goal
#   make kit-linux   only the three static Linux binaries
#   make test-kit    make kit, then every tests/kit/t-*.sh
#
# linux-x86_64/qasid is make static's binary (glibc, static PIE) with its
# locale/ folder. linux-aarch64/qasid and linux-armhf/qasid are static on
# musl, cross-built with Debian's cross compilers against zlib, libsodium,
# libarchive, libexif and ISA-L built from Debian's sources by
# tools/kit/build-deps.sh (cached outside the tree, in QASID_KIT_CACHE).
# docs/KIT.md says why musl and how the kit is tested.
#
# Other parts of the kit add their own targets to KIT_PARTS in their own
# mk/kit-*.mk (KIT_PARTS += kit-windows); make kit runs whatever is there,
# so the Linux part builds alone.

KIT         ?= build-kit
KIT_CROSS    = aarch64 armhf
KIT_PARTS   += kit-linux
KIT_README  ?= docs/kit/README.txt

.PHONY: kit kit-linux kit-sizes test-kit $(KIT_CROSS:%=kit-linux-%)

kit:
	@$(MAKE) --no-print-directory $(KIT_PARTS)
	@mkdir -p $(KIT)
	cp $(KIT_README) $(KIT)/README.txt
	@sh tools/kit/sizes.sh $(KIT)

kit-linux: $(KIT)/linux-x86_64/qasid $(KIT_CROSS:%=kit-linux-%)

# make static into the kit's object folder; the binary and its locale/
# are copied beside each other, as the binary looks for them (src/cli/cli.c).
$(KIT)/linux-x86_64/qasid: FORCE
	@$(MAKE) --no-print-directory SB=$(KIT)/obj-x86_64 static
	mkdir -p $(KIT)/linux-x86_64/locale/C.utf8
	cp $(KIT)/obj-x86_64/qasid $@
	cp $(KIT)/obj-x86_64/locale/C.utf8/LC_CTYPE \
	    $(KIT)/linux-x86_64/locale/C.utf8/LC_CTYPE

# The cross builds: build-deps.sh prints the prefix of the target's static
# libraries (a lookup once they are built); its musl-gcc compiles src/ with
# the prefix's headers only. musl's static binaries are not PIE: its gcc
# wrapper has no static-PIE start file, and a static binary needs no loader.
$(KIT_CROSS:%=kit-linux-%): kit-linux-%:
	@prefix=$$(sh tools/kit/build-deps.sh $*) && \
	$(MAKE) --no-print-directory SB=$(KIT)/obj-$* KIT_PREFIX="$$prefix" \
	    CC="$$prefix/bin/musl-gcc" PKG_CONFIG_LIBDIR="$$prefix/lib/pkgconfig" \
	    PKG_CONFIG_PATH= STATIC_REC=$$(test -f "$$prefix/lib/libisal.a" && \
	    echo isal || echo none) \
	    STATIC_LDFLAGS="-static -Wl,--gc-sections -Wl,--fatal-warnings -s" \
	    STATIC_LIBS="-L$$prefix/lib -larchive -lsodium -lexif -lz \
	    $$(test -f "$$prefix/lib/libisal.a" && echo -lisal)" \
	    $(KIT)/obj-$*/qasid
	mkdir -p $(KIT)/linux-$*
	cp $(KIT)/obj-$*/qasid $(KIT)/linux-$*/qasid

# Objects built against one prefix are rebuilt when build-deps.sh hands out
# another (a new Debian version, a changed flag).
ifneq ($(KIT_PREFIX),)
$(STATIC_OBJ): $(SB)/.prefix
$(SB)/.prefix: FORCE | $(SB)
	@test "$$(cat $@ 2>/dev/null)" = "$(KIT_PREFIX)" || \
	    echo "$(KIT_PREFIX)" >$@
endif

kit-sizes:
	@sh tools/kit/sizes.sh $(KIT)

test-kit: all kit
	@QASID_SUITE=kit QASID_KIT="$(abspath $(KIT))" sh tests/run.sh $(B)

.PHONY: FORCE
FORCE:

clean: clean-kit
.PHONY: clean-kit
clean-kit:
	rm -rf $(KIT)
