# SPDX-License-Identifier: ISC
# kit.mk - the courier kit: what a publisher copies onto every stick.
#
#   make kit         build-kit/: a qasid for each platform, README.txt, and a
#                    table of every file's size against the 16 MiB goal
#   make kit-linux   only the three static Linux binaries
#   make test-kit    make kit, then every tests/kit/t-*.sh
#
# All three are built from Debian's own source packages of zlib, libsodium,
# libarchive, libexif and ISA-L, by tools/kit/build-deps.sh, and cached
# outside the tree (QASID_KIT_CACHE): linux-x86_64/qasid is make static's
# binary (glibc) with its locale/ folder; linux-aarch64/qasid and
# linux-armhf/qasid are static on musl, cross-built with Debian's cross
# compilers. docs/KIT.md says why musl and how the kit is tested.
#
# Other parts of the kit add their own targets to KIT_PARTS in their own
# mk/kit-*.mk (KIT_PARTS += kit-windows); make kit runs whatever is there,
# so the Linux part builds alone.

KIT         ?= build-kit
KIT_LINUX    = x86_64 aarch64 armhf
KIT_PARTS   += kit-linux
KIT_README  ?= docs/kit/README.txt

.PHONY: kit kit-linux kit-sizes test-kit $(KIT_LINUX:%=kit-linux-%)

kit:
	@$(MAKE) --no-print-directory $(KIT_PARTS)
	@mkdir -p $(KIT)
	@# CRLF line ends, so that an old Windows Notepad shows the lines too.
	sed 's/$$/\r/' $(KIT_README) > $(KIT)/README.txt
	@sh tools/kit/sizes.sh $(KIT)

kit-linux: $(KIT_LINUX:%=kit-linux-%)

# For each target, build-deps.sh prints the prefix of its static libraries
# (a lookup once they are built), and src/ is compiled against them alone
# into the kit's object folder. x86_64 is make static's binary (glibc,
# static PIE), with ISA-L, which Debian ships no static library of, and
# the locale/ folder beside it, where the binary looks (src/cli/cli.c).
# The ARM targets compile with musl's gcc wrapper; musl's static binaries
# are not PIE (the wrapper has no static-PIE start file) and need no locale.
KIT_MUSL = CC="$$prefix/bin/musl-gcc" \
    STATIC_LDFLAGS="-static -Wl,--gc-sections -Wl,--fatal-warnings -s"
KIT_MAKE_aarch64 = $(KIT_MUSL)
KIT_MAKE_armhf   = $(KIT_MUSL)
KIT_LOCALE_x86_64 = yes

$(KIT_LINUX:%=kit-linux-%): kit-linux-%:
	@prefix=$$(sh tools/kit/build-deps.sh $*) && \
	isal=$$(test -f "$$prefix/lib/libisal.a" && echo isal || echo none) && \
	$(MAKE) --no-print-directory SB=$(KIT)/obj-$* KIT_PREFIX="$$prefix" \
	    PKG_CONFIG_LIBDIR="$$prefix/lib/pkgconfig" PKG_CONFIG_PATH= \
	    STATIC_REC=$$isal STATIC_LIBS="-L$$prefix/lib -larchive -lsodium \
	    -lexif -lz $$(test $$isal = isal && echo -lisal) -lpthread -lm" \
	    $(KIT_MAKE_$*) static
	rm -rf $(KIT)/linux-$*
	mkdir -p $(KIT)/linux-$*
	cp $(KIT)/obj-$*/qasid $(KIT)/linux-$*/qasid
	$(if $(KIT_LOCALE_$*),cp -R $(KIT)/obj-$*/locale $(KIT)/linux-$*/)

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
	@QASID_SUITE=kit QASID_KIT_REQUIRED=1 QASID_KIT="$(abspath $(KIT))" \
	    sh tests/run.sh $(B)

.PHONY: FORCE
FORCE:

clean: clean-kit
.PHONY: clean-kit
clean-kit:
	rm -rf $(KIT)
