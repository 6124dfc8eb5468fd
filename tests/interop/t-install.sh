#!/bin/sh
# SPDX-License-Identifier: ISC
# t-install.sh - make install and make uninstall, as a packager runs them.
#
# Installs the build under test into a scratch root with DESTDIR and
# PREFIX=/usr, checks every file a C library and its tool should install,
# builds examples/verify-bundle.c against the installed copy through
# pkg-config (PKG_CONFIG_SYSROOT_DIR points it into the scratch root), once
# linked with the shared library and once with the static one, runs both,
# then checks that make uninstall leaves no file behind. A second install
# checks that PREFIX, BINDIR and LIBDIR move what they name.
. "$QASID_TOP/tests/lib.sh"

ROOT="$W/root"
EX="$QASID_TOP/examples/verify-bundle.c"
CC=${CC:-cc}

mk() {
	make --no-print-directory -C "$QASID_TOP" B="$QASID_BUILD" "$@"
}
pc() {
	PKG_CONFIG_PATH="$ROOT/usr/lib/pkgconfig" \
	    PKG_CONFIG_SYSROOT_DIR="$ROOT" pkg-config "$@"
}

missing=""
for f in docs/qasid.1 docs/qasid.3; do
	[ -f "$QASID_TOP/$f" ] || missing="$missing $f"
done
if [ -n "$missing" ]; then
	t_skip "make install" "missing:$missing (make install installs them)"
	exit 0
fi
# An instrumented build (make asan) needs the same flags to link against.
SAN=$T_SAN

t_keys
mkdir "$W/d"
echo "installed" >"$W/d/f.txt"
"$QASID" pack -q -s "$W/k.sec" -o "$W/b.qasid" "$W/d"
cp "$W/b.qasid" "$W/bad.qasid"
printf 'X' | dd of="$W/bad.qasid" bs=1 seek=$(($(wc -c <"$W/b.qasid") - 40)) \
    conv=notrunc 2>/dev/null

t_begin "make install DESTDIR PREFIX=/usr installs every file"
run 0 mk install DESTDIR="$ROOT" PREFIX=/usr
for f in bin/qasid lib/libqasid.a lib/libqasid.so.0 include/qasid.h \
    lib/pkgconfig/qasid.pc share/man/man1/qasid.1 share/man/man3/qasid.3; do
	t_exists "$ROOT/usr/$f"
done
[ -x "$ROOT/usr/bin/qasid" ] || t_fail "qasid is not executable"
[ "$(readlink "$ROOT/usr/lib/libqasid.so")" = libqasid.so.0 ] ||
	t_fail "libqasid.so -> '$(readlink "$ROOT/usr/lib/libqasid.so")'"
readelf -d "$ROOT/usr/lib/libqasid.so.0" | grep -q 'SONAME.*\[libqasid.so.0\]' ||
	t_fail "libqasid.so.0 has no SONAME libqasid.so.0"
t_same "$QASID_TOP/include/qasid.h" "$ROOT/usr/include/qasid.h"
t_end

t_begin "the installed qasid runs"
run 0 "$ROOT/usr/bin/qasid" verify -p "$W/k.pub" "$W/b.qasid"
t_grep "b.qasid: OK" "$OUT"
t_end

t_begin "the shared library exports the API of qasid.h and nothing else"
so="$ROOT/usr/lib/libqasid.so.0"
nm -D --defined-only "$so" | awk '$2 ~ /^[TDBR]$/ {sub(/@.*/, "", $3); print $3}' | sort \
    >"$W/exported"
# Every function qasid.h declares, by the QASID_API mark on its line.
sed -n 's/^QASID_API .*[ *]\(qasid_[a-z0-9_]*\)(.*/\1/p' \
    "$QASID_TOP/include/qasid.h" | sort >"$W/declared"
[ -s "$W/declared" ] || t_fail "found no QASID_API declaration in qasid.h"
if ! cmp -s "$W/exported" "$W/declared"; then
	t_fail "exported and declared differ: $(diff "$W/declared" "$W/exported" | grep '^[<>]' | head -5 | tr '\n' ' ')"
fi
t_end

t_begin "the installed man pages format without warnings"
if command -v man >/dev/null 2>&1; then
	for p in man1/qasid.1 man3/qasid.3; do
		MANWIDTH=80 man --warnings -l "$ROOT/usr/share/man/$p" \
		    >"$W/man.out" 2>"$W/man.err" ||
			t_fail "man $p failed: $(head -c 200 "$W/man.err")"
		[ -s "$W/man.err" ] && t_fail "man $p: $(head -c 300 "$W/man.err")"
	done
	t_end
else
	t_skip "$T_NAME" "man is not installed"
fi

t_begin "the bash completion is installed"
if mk -n install DESTDIR="$ROOT" PREFIX=/usr | grep -q 'qasid.bash'; then
	t_same "$QASID_TOP/completions/qasid.bash" \
	    "$ROOT/usr/share/bash-completion/completions/qasid"
	t_end
else
	t_skip "$T_NAME" "the Makefile does not install completions/qasid.bash"
fi

t_begin "pkg-config finds the installed qasid.pc"
run 0 pc --modversion qasid
want=$(sed -n 's/^#define QASID_VERSION "\(.*\)"$/\1/p' \
    "$QASID_TOP/include/qasid.h")
[ "$(cat "$OUT")" = "$want" ] || t_fail "version '$(cat "$OUT")', want '$want'"
# Without the sysroot, which some pkg-config versions add to variables.
for v in prefix=/usr libdir=/usr/lib includedir=/usr/include; do
	got=$(PKG_CONFIG_PATH="$ROOT/usr/lib/pkgconfig" pkg-config \
	    --variable="${v%%=*}" qasid)
	[ "$got" = "${v#*=}" ] || t_fail "qasid.pc: ${v%%=*}=$got, want ${v#*=}"
done
run 0 pc --cflags --libs qasid
t_grep "-I$ROOT/usr/include" "$OUT"
t_grep "-L$ROOT/usr/lib" "$OUT"
t_grep "-lqasid" "$OUT"
run 0 pc --static --libs qasid
t_grep "-larchive" "$OUT"
t_grep "-lsodium" "$OUT"
t_grep "-lexif" "$OUT"
t_grep "-lz" "$OUT"
t_end

if [ ! -f "$EX" ]; then
	t_skip "examples against the installed copy" "$EX is missing"
else
	t_begin "examples/verify-bundle.c builds against the shared library"
	# shellcheck disable=SC2046
	run 0 "$CC" $SAN -o "$W/vb-shared" "$EX" $(pc --cflags --libs qasid)
	readelf -d "$W/vb-shared" | grep -q 'NEEDED.*\[libqasid.so.0\]' ||
		t_fail "vb-shared does not load libqasid.so.0"
	LD_LIBRARY_PATH="$ROOT/usr/lib" ldd "$W/vb-shared" >"$W/ldd" 2>&1
	t_grep "libqasid.so.0 => $ROOT/usr/lib/libqasid.so.0" "$W/ldd"
	run 0 env LD_LIBRARY_PATH="$ROOT/usr/lib" "$W/vb-shared" "$W/k.pub" \
	    "$W/b.qasid"
	t_grep "b.qasid: OK" "$OUT"
	run 1 env LD_LIBRARY_PATH="$ROOT/usr/lib" "$W/vb-shared" "$W/k.pub" \
	    "$W/bad.qasid"
	t_end

	t_begin "examples/verify-bundle.c builds against the static library"
	# libqasid.a itself, its dependencies as the system has them (their own
	# static private libraries are not all installed everywhere), and the
	# system libraries qasid.pc names for static linking.
	# (Read from qasid.pc itself: pkg-config drops a library both qasid and
	# a dependency name privately, as -lm of libexif.)
	deps=$(pc --print-requires-private qasid)
	own=$(sed -n 's/^Libs.private: //p' "$ROOT/usr/lib/pkgconfig/qasid.pc")
	# shellcheck disable=SC2046,SC2086
	run 0 "$CC" $SAN -o "$W/vb-static" "$EX" $(pc --cflags qasid) \
	    -Wl,-Bstatic $(pc --libs qasid) -Wl,-Bdynamic \
	    $(pc --libs $deps) $own
	readelf -d "$W/vb-static" | grep -q 'NEEDED.*libqasid' &&
		t_fail "vb-static still loads libqasid"
	run 0 "$W/vb-static" "$W/k.pub" "$W/b.qasid"
	t_grep "b.qasid: OK" "$OUT"
	run 1 "$W/vb-static" "$W/k.pub" "$W/bad.qasid"
	t_end
fi

t_begin "make uninstall removes every file it installed"
run 0 mk uninstall DESTDIR="$ROOT" PREFIX=/usr
left=$(find "$ROOT" ! -type d | head -5)
[ -z "$left" ] || t_fail "left behind: $left"
t_end

t_begin "PREFIX, BINDIR and LIBDIR place the files"
rm -rf "$ROOT"
run 0 mk install DESTDIR="$ROOT" PREFIX=/opt/qasid BINDIR=/opt/bin \
    LIBDIR=/opt/qasid/lib64
t_exists "$ROOT/opt/bin/qasid"
t_exists "$ROOT/opt/qasid/lib64/libqasid.so.0"
t_exists "$ROOT/opt/qasid/lib64/pkgconfig/qasid.pc"
t_exists "$ROOT/opt/qasid/include/qasid.h"
t_exists "$ROOT/opt/qasid/share/man/man1/qasid.1"
t_grep "^libdir=/opt/qasid/lib64$" "$ROOT/opt/qasid/lib64/pkgconfig/qasid.pc"
t_grep "^includedir=/opt/qasid/include$" \
    "$ROOT/opt/qasid/lib64/pkgconfig/qasid.pc"
run 0 mk uninstall DESTDIR="$ROOT" PREFIX=/opt/qasid BINDIR=/opt/bin \
    LIBDIR=/opt/qasid/lib64
left=$(find "$ROOT" ! -type d | head -5)
[ -z "$left" ] || t_fail "left behind: $left"
t_end
