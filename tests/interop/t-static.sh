#!/bin/sh
# SPDX-License-Identifier: ISC
# t-static.sh - the statically linked qasid that travels with the bundles.
#
# Builds build-static/qasid with make static (make does nothing if it is up
# to date), checks that it needs no dynamic loader and no shared library,
# and runs keygen, pack, verify, unpack and list with an empty environment
# (env -i). Its bundles are byte for byte those of the regular build. Where
# the test may make a private mount namespace (unshare, as root), it also
# runs on a system without glibc's locale files, as on Android or a musl
# distribution. Skipped when the static libraries are not installed.
. "$QASID_TOP/tests/lib.sh"

CC=${CC:-cc}
SQ="$QASID_TOP/build-static/qasid"

missing=""
for lib in libarchive.a libsodium.a libexif.a libz.a libc.a; do
	case $("$CC" -print-file-name="$lib") in
	/*) ;;
	*) missing="$missing $lib" ;;
	esac
done
if [ -n "$missing" ]; then
	t_skip "static qasid" "no$missing (Debian: libarchive-dev libsodium-dev libexif-dev zlib1g-dev libc6-dev)"
	exit 0
fi

t_begin "make static builds one statically linked qasid"
# Not the flags of the build under test: make asan passes sanitizers, which
# cannot link statically.
run 0 env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u OPT -u CFLAGS -u LDFLAGS \
    -u B make --no-print-directory -C "$QASID_TOP" -j2 static
t_exists "$SQ"
if command -v file >/dev/null 2>&1; then
	file -L "$SQ" >"$W/file.out" 2>&1
	grep -Eq 'statically linked|static-pie linked' "$W/file.out" ||
		t_fail "file says: $(cat "$W/file.out")"
fi
# No program interpreter (the dynamic loader) and no shared library.
readelf -h -l -d "$SQ" >"$W/elf.out" 2>&1 || t_fail "readelf failed"
t_grep "Machine: *Advanced Micro Devices X86-64" "$W/elf.out"
t_nogrep "INTERP" "$W/elf.out"
t_nogrep "(NEEDED)" "$W/elf.out"
t_end

if [ ! -x "$SQ" ]; then
	t_skip "static qasid runs" "build-static/qasid was not built"
	exit 0
fi

mkdir -p "$W/in/news/ملف" "$W/in/news/sub"
echo "bulletin" >"$W/in/news/sub/today.txt"
printf 'نص\n' >"$W/in/news/ملف/نص.txt"
head -c 2000000 /dev/urandom >"$W/in/news/photo.bin"

t_begin "the static qasid keygen, pack, verify, unpack with env -i"
cd "$W" || exit 2
run 0 env -i "$SQ" keygen -W -p "$W/s.pub" -s "$W/s.sec"
run 0 env -i "$SQ" pack -s "$W/s.sec" -o "$W/s.qasid" "$W/in/news"
run 0 env -i "$SQ" verify -p "$W/s.pub" "$W/s.qasid"
t_grep "s.qasid: OK" "$OUT"
run 0 env -i "$SQ" list -p "$W/s.pub" "$W/s.qasid"
t_grep "news/ملف/نص.txt" "$OUT"
run 0 env -i "$SQ" unpack -p "$W/s.pub" -C "$W/out" "$W/s.qasid"
t_snapshot "$W/in" >"$W/snap1"
t_snapshot "$W/out" >"$W/snap2"
t_same "$W/snap1" "$W/snap2"
t_end

t_begin "the static qasid makes the regular build's bytes"
run 0 env -i SOURCE_DATE_EPOCH=1700000000 "$SQ" pack -s "$W/s.sec" \
    -o "$W/a.qasid" "$W/in/news"
run 0 env SOURCE_DATE_EPOCH=1700000000 "$QASID" pack -s "$W/s.sec" \
    -o "$W/b.qasid" "$W/in/news"
t_same "$W/a.qasid" "$W/b.qasid"
run 0 "$QASID" verify -p "$W/s.pub" "$W/s.qasid"
t_end

t_begin "the static qasid with env -i says how to name a keyring"
run 2 env -i "$SQ" verify "$W/s.qasid"
t_grep "QASID_KEYRING" "$ERR"
t_lines 1 "$ERR"
t_end

# A system without glibc's locale files: an empty folder mounted over them
# in a private mount namespace.
no_locales() {
	# shellcheck disable=SC2016
	unshare -m sh -c 'mount --bind "$1" /usr/lib/locale || exit 97
		shift; exec "$@"' sh "$W/empty" "$@"
}
mkdir -p "$W/empty" "$W/ascii/docs"
echo "plain" >"$W/ascii/docs/a.txt"
if [ -d /usr/lib/locale ] && command -v unshare >/dev/null 2>&1 &&
    no_locales true 2>/dev/null; then
	t_begin "the static qasid works without locale files (ASCII names)"
	env SOURCE_DATE_EPOCH=1700000000 "$QASID" pack -q -s "$W/s.sec" \
	    -o "$W/ascii.qasid" "$W/ascii/docs"
	run 0 no_locales env -i "$SQ" verify -p "$W/s.pub" "$W/ascii.qasid"
	run 0 no_locales env -i "$SQ" unpack -p "$W/s.pub" -C "$W/out2" \
	    "$W/ascii.qasid"
	t_same "$W/ascii/docs/a.txt" "$W/out2/docs/a.txt"
	run 0 no_locales env -i SOURCE_DATE_EPOCH=1700000000 "$SQ" pack \
	    -s "$W/s.sec" -o "$W/ascii2.qasid" "$W/ascii/docs"
	t_same "$W/ascii.qasid" "$W/ascii2.qasid"
	t_end

	t_begin "the static qasid without locale files: other names use the travelling table"
	t_exists "$QASID_TOP/build-static/locale/C.utf8/LC_CTYPE"
	run 0 no_locales env -i "$SQ" verify -p "$W/s.pub" "$W/s.qasid"
	t_end

	t_begin "the static qasid alone without locale files: other names fail cleanly"
	mkdir -p "$W/alone"
	cp "$SQ" "$W/alone/qasid"
	run 2 no_locales env -i "$W/alone/qasid" verify -p "$W/s.pub" \
	    "$W/s.qasid"
	t_lines 1 "$ERR"
	t_grep "^qasid: .*s.qasid: .*C.UTF-8" "$ERR"
	t_end
else
	t_skip "static qasid without locale files" \
	    "cannot make a private mount namespace here (needs root)"
fi
