#!/bin/sh
# SPDX-License-Identifier: ISC
# fetch-src.sh - a Debian source package, unpacked once and cached.
#
#   sh tools/kit/fetch-src.sh PACKAGE      prints the unpacked tree's path
#
# The kit's cross builds use the same upstream sources, with Debian's
# patches, as the machine's own packages. apt-get source needs "deb-src"
# lines; rather than touch the system's apt configuration, this derives
# them from the system's "deb" lines into a scratch configuration under
# the cache. Trees are kept by version in $QASID_KIT_CACHE/src/PKG_VERSION
# (default ~/.cache/qasid-kit), so a second build needs no network; set
# QASID_KIT_REFRESH=1 to look for a newer version.
set -eu

pkg=${1:?usage: fetch-src.sh PACKAGE}
cache=${QASID_KIT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/qasid-kit}
src=$cache/src
mkdir -p "$src"

if [ "${QASID_KIT_REFRESH:-0}" != 1 ]; then
	# The newest tree already unpacked, if any.
	have=$(ls -d "$src/${pkg}_"* 2>/dev/null | sort -V | tail -n 1 || true)
	if [ -n "$have" ] && [ -f "$have/.qasid-complete" ]; then
		printf '%s\n' "$have"
		exit 0
	fi
fi

# One fetch at a time: the kit's parts build side by side under make -j,
# and two of them may want the same package, or the apt lists, at once.
if [ -z "${QASID_KIT_FETCH_LOCKED:-}" ] && command -v flock >/dev/null 2>&1; then
	QASID_KIT_FETCH_LOCKED=1 exec flock "$cache/.fetch-lock" sh "$0" "$@"
fi

apt=$cache/apt
if [ ! -f "$apt/updated" ] || [ "${QASID_KIT_REFRESH:-0}" = 1 ]; then
	rm -rf "$apt"
	mkdir -p "$apt/sources.list.d" "$apt/lists/partial" "$apt/cache/archives/partial"
	# deb822 files: "Types: deb" becomes "Types: deb-src".
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		sed -e 's/^Types:.*/Types: deb-src/' "$f" >"$apt/sources.list.d/${f##*/}"
	done
	# One-line files: "deb URI ..." becomes "deb-src URI ...".
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		sed -n -e 's/^[[:space:]]*deb[[:space:]]/deb-src /p' "$f" \
		    >"$apt/sources.list.d/$(echo "$f" | tr / _).list"
	done
fi
set -- -o Dir::Etc::SourceList=/dev/null \
    -o "Dir::Etc::SourceParts=$apt/sources.list.d" \
    -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache" \
    -o Debug::NoLocking=1 -o APT::Sandbox::User=root
if [ ! -f "$apt/updated" ]; then
	apt-get "$@" -qq update >&2
	touch "$apt/updated"
fi

ver=$(apt-cache "$@" showsrc "$pkg" | sed -n 's/^Version: //p' | sort -V | tail -n 1)
if [ -z "$ver" ]; then
	echo "fetch-src.sh: $pkg: no source package in the machine's archives" >&2
	exit 2
fi
dest=$src/${pkg}_${ver#*:}
if [ -f "$dest/.qasid-complete" ]; then
	printf '%s\n' "$dest"
	exit 0
fi

work=$src/.dl-$pkg-$$
rm -rf "$work" "$dest"
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get "$@" -qq source --download-only "$pkg=$ver" >&2 &&
    dpkg-source --no-check -x ./*.dsc tree >&2)
mv "$work/tree" "$dest"
touch "$dest/.qasid-complete"
printf '%s\n' "$dest"
