#!/bin/sh
# SPDX-License-Identifier: ISC
# build-deps.sh - static zlib, libsodium, libarchive, libexif (and ISA-L
# where the target has it) for one of the kit's targets, from Debian's own
# source packages (fetch-src.sh).
#
#   sh tools/kit/build-deps.sh TARGET      prints the install prefix
#
# TARGET names a file in tools/kit/target/ that sets, for the generic
# steps below:
#   HOST        the configure --host triplet
#   CC AR RANLIB  the cross tools (exported for every package)
#   CONF_WRAP   a command put before ./configure (emconfigure), or empty
#   MAKE_WRAP   a command put before make (emmake), or empty
#   WITH_ISAL   1 to build ISA-L, 0 to leave recovery files out
#   target_setup  a shell function run once before the packages (it may
#               build a C library, as the ARM targets build musl)
#   ZLIB_CONF SODIUM_CONF ARCHIVE_CONF EXIF_CONF ISAL_CONF  extra options
# The prefix is $QASID_KIT_CACHE/TARGET-KEY, KEY a hash of the packages'
# versions and of these scripts: a second build with nothing changed is a
# lookup, and a new Debian version or a changed flag builds afresh.
set -eu

target=${1:?usage: build-deps.sh TARGET}
here=$(cd "$(dirname "$0")" && pwd)
tfile=$here/target/$target.sh
if [ ! -f "$tfile" ]; then
	echo "build-deps.sh: $target: no such target (see $here/target/)" >&2
	exit 2
fi
cache=${QASID_KIT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/qasid-kit}
export QASID_KIT_CACHE="$cache"
jobs=${QASID_KIT_JOBS:-$(nproc 2>/dev/null || echo 2)}

HOST= CONF_WRAP= MAKE_WRAP= WITH_ISAL=0
ZLIB_CONF= SODIUM_CONF= ARCHIVE_CONF= EXIF_CONF= ISAL_CONF=
target_setup() { :; }

# musl_prefix TRIPLET: musl from Debian's source, built with TRIPLET-gcc
# into $prefix, and CC set to its wrapper (musl-gcc with the cross gcc
# beneath), for the targets that link statically against musl.
musl_prefix() {
	tree=$(sh "$here/fetch-src.sh" musl)
	rm -rf "$work" && cp -a "$tree" "$work"
	(
		cd "$work"
		./configure --target="$1" CROSS_COMPILE="$1-" --prefix="$prefix" \
		    --syslibdir="$prefix/lib" --disable-shared
		make -j"$jobs"
		make install
	)
	# The kernel's own headers (asm/hwcap.h for ISA-L's CPU detection),
	# from the cross compiler's multiarch tree: musl ships none, and the
	# musl-gcc wrapper hides the system's include directories.
	for d in linux asm asm-generic mtd; do
		[ -d "/usr/$1/include/$d" ] && cp -a "/usr/$1/include/$d" "$prefix/include/"
	done
	REALGCC=$1-gcc
	export REALGCC
	CC=$prefix/bin/musl-gcc
	AR=$1-ar
	RANLIB=$1-ranlib
}
# shellcheck disable=SC1090
. "$tfile"

pkgs="zlib libsodium libarchive libexif"
[ "$WITH_ISAL" = 1 ] && pkgs="$pkgs libisal"
trees=""
for p in $pkgs; do
	trees="$trees $(sh "$here/fetch-src.sh" "$p")"
done
key=$( { echo "$trees"; cat "$0" "$tfile"; } | sha256sum | cut -c1-16)
prefix=$cache/$target-$key
mkdir -p "$cache"
# One build of a prefix at a time: a second one started meanwhile (two
# worktrees, two make runs) waits for it, then finds the prefix built,
# instead of removing it under the first.
exec 9>"$prefix.lock"
flock 9
if [ -f "$prefix/.qasid-complete" ]; then
	printf '%s\n' "$prefix"
	exit 0
fi
rm -rf "$prefix"
mkdir -p "$prefix/lib" "$prefix/include"
log=$cache/$target-$key.log
: >"$log"
echo "build-deps.sh: building $pkgs for $target (log: $log)" >&2

# A copy of the cached tree, so that the cache stays pristine.
work=$cache/.work-$target-$$
trap 'rm -rf "$work"' EXIT
target_setup >>"$log" 2>&1 || {
	echo "build-deps.sh: setting up $target failed; see $log" >&2
	exit 2
}
export CC AR RANLIB
export CPPFLAGS="-I$prefix/include ${CPPFLAGS:-}"
export LDFLAGS="-L$prefix/lib ${LDFLAGS:-}"
export PKG_CONFIG_LIBDIR="$prefix/lib/pkgconfig"
export PKG_CONFIG_PATH=

build() {
	name=$1
	shift
	tree=$(sh "$here/fetch-src.sh" "$name")
	rm -rf "$work"
	cp -a "$tree" "$work"
	echo "== $name" >>"$log"
	(
		cd "$work"
		# As Debian's own build does (dh_autoreconf): the generated
		# files shipped in a tarball may not match this libtool.
		autoreconf -fi >>"$log" 2>&1
		$CONF_WRAP ./configure "$@" >>"$log" 2>&1
		$MAKE_WRAP make -j"$jobs" >>"$log" 2>&1
		$MAKE_WRAP make install >>"$log" 2>&1
	) || {
		echo "build-deps.sh: $name failed for $target; the end of $log:" >&2
		tail -n 30 "$log" >&2
		exit 2
	}
}

# zlib's configure is its own, not autoconf's: no --host.
(
	tree=$(sh "$here/fetch-src.sh" zlib)
	rm -rf "$work" && cp -a "$tree" "$work" && cd "$work"
	echo "== zlib" >>"$log"
	CHOST=$HOST $CONF_WRAP ./configure --static --prefix="$prefix" $ZLIB_CONF >>"$log" 2>&1
	$MAKE_WRAP make -j"$jobs" libz.a >>"$log" 2>&1
	$MAKE_WRAP make install >>"$log" 2>&1
) || { echo "build-deps.sh: zlib failed for $target; see $log" >&2; exit 2; }

common="--host=$HOST --prefix=$prefix --enable-static --disable-shared"
# shellcheck disable=SC2086
build libsodium $common --disable-dependency-tracking $SODIUM_CONF
# qasid uses libarchive's tar reader and pax writer, with its own gzip
# and crypto: every optional library is left out.
# shellcheck disable=SC2086
build libarchive $common --disable-dependency-tracking --disable-bsdtar \
    --disable-bsdcpio --disable-bsdcat --without-openssl --without-xml2 \
    --without-expat --without-bz2lib --without-lzma --without-zstd \
    --without-lz4 --without-lzo2 --without-libb2 --without-nettle \
    --without-mbedtls --without-cng --disable-acl --disable-xattr \
    --without-iconv $ARCHIVE_CONF
# shellcheck disable=SC2086
build libexif $common --disable-dependency-tracking --disable-nls \
    --disable-docs $EXIF_CONF
if [ "$WITH_ISAL" = 1 ]; then
	# shellcheck disable=SC2086
	build libisal $common $ISAL_CONF
fi
touch "$prefix/.qasid-complete"
printf '%s\n' "$prefix"
