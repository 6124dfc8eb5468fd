#!/bin/sh
# SPDX-License-Identifier: ISC
# deps.sh - installs what qasid needs to build and test, if it is missing.
# On Debian and Ubuntu it uses apt-get (as root, or through sudo); elsewhere
# it says what to install.
set -eu

# Build dependencies, then what the tests run against, then the courier
# kit's (make kit): cross compilers, qemu, the tools that build Debian's
# source packages, mingw-w64 and wine, emscripten and a display for the
# browser's tests.
PKGS="build-essential pkg-config libarchive-dev libsodium-dev zlib1g-dev libexif-dev \
libisal-dev \
minisign libarchive-tools pigz coreutils util-linux time python3 groff-base man-db \
clang libclang-rt-14-dev valgrind file exfatprogs exfat-fuse dosfstools fusefat \
libimage-exiftool-perl chromium python3-pil fonts-noto-core strace \
gcc-aarch64-linux-gnu gcc-arm-linux-gnueabihf qemu-user-static \
autoconf automake libtool autopoint dpkg-dev nasm \
mingw-w64 libz-mingw-w64-dev wine wine64 \
emscripten xvfb fonts-noto-extra"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done 2>/dev/null || true

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
	if pkg-config --exists libarchive libsodium zlib libexif libisal 2>/dev/null; then
		exit 0
	fi
	echo "qasid: this is not a Debian or Ubuntu system; install the" \
	    "development files of libarchive, libsodium, zlib, libexif and ISA-L, pkg-config," \
	    "and for the tests minisign, bsdtar, pigz and python3" >&2
	exit 2
fi
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
	SUDO=""
elif command -v sudo >/dev/null 2>&1; then
	SUDO="sudo"
else
	echo "qasid: missing packages:$missing; install them as root" >&2
	exit 2
fi
echo "qasid: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >&2
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >&2
