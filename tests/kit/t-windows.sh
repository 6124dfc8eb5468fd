#!/bin/sh
# SPDX-License-Identifier: ISC
# t-windows.sh - the kit's qasid.exe, run under wine: one exe needing only
# Windows' own DLLs; keys, pack, verify, list, unpack and trust through
# UTF-16 names (Urdu, Persian); a tampered bundle caught; names Windows
# refuses refused; bundles the same bytes as the POSIX build makes, and
# read by it both ways.
#
# What wine cannot show, and is therefore not tested here: reparse points
# (wine shows a Unix symbolic link as the file it points to), the console
# (echo off for a password needs a real console; --password-file is
# tested), and FAT (wine's drives are the host's file systems).
#
# QASID_WINE_SUITE=1 runs, besides, every tests/cli script with qasid.exe
# (tests/kit/wine-suite.sh; docs/WINDOWS.md lists what differs there).
set -u
: "${QASID_TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
KIT=${QASID_KIT:-$QASID_TOP/build-kit}
EXE=$KIT/windows-x86_64/qasid.exe
POSIX=${QASID:-$QASID_TOP/build/qasid}
: "${QASID_BUILD:=$(dirname "$POSIX")}"
export QASID_BUILD
if ! command -v wine >/dev/null 2>&1; then
	echo "SKIP windows: wine is not installed (tools/deps.sh installs it)"
	exit 0
fi
# tests/run.sh (make test) meets this script too, where no kit was built:
# then it is skipped, unless the kit is wanted (QASID_KIT_REQUIRED=1).
if [ ! -f "$EXE" ]; then
	if [ "${QASID_KIT_REQUIRED:-0}" = 1 ]; then
		echo "FAIL windows: $EXE missing (make kit-windows)"
	else
		echo "SKIP windows: no $EXE (make kit-windows)"
	fi
	exit 0
fi
QASID=$POSIX
. "$QASID_TOP/tests/lib.sh"

# A prefix of our own, booted once (the first start of wine is slow); no
# Mono or Gecko installer, no messages.
WINEPREFIX="$W/wine"
WINEDEBUG=-all
WINEDLLOVERRIDES="mscoree,mshtml="
export WINEPREFIX WINEDEBUG WINEDLLOVERRIDES
unset DISPLAY
wine wineboot -i >/dev/null 2>&1
WQ="$W/qasid-wine"
printf '#!/bin/sh\nexec wine "%s" "$@"\n' "$EXE" >"$WQ"
chmod +x "$WQ"

t_begin "qasid.exe is one exe: it imports only Windows' own DLLs"
if command -v x86_64-w64-mingw32-objdump >/dev/null 2>&1; then
	x86_64-w64-mingw32-objdump -p "$EXE" | sed -n 's/.*DLL Name: //p' \
	    >"$W/dlls"
	[ -s "$W/dlls" ] || t_fail "no imports read from $EXE"
	bad=$(grep -viE '^(kernel32|msvcrt|ucrtbase|api-ms-win-.*|advapi32|shell32|bcrypt|user32|ws2_32)\.dll$' "$W/dlls")
	[ -z "$bad" ] || t_fail "imports DLLs Windows lacks: $bad"
else
	t_skip "imports" "x86_64-w64-mingw32-objdump missing"
fi
t_end

t_begin "qasid.exe --version"
run 0 "$WQ" --version
t_grep "^qasid " "$OUT"
t_end

UR="اردو.txt"
FA="گزارش‌ها"
mkdir -p "$W/drop/$FA/sub" "$W/drop/empty"
printf 'salaam\n' >"$W/drop/$UR"
printf 'report\n' >"$W/drop/$FA/sub/r.txt"
head -c 300000 /dev/urandom >"$W/drop/$FA/data.bin"
: >"$W/drop/zero.txt"
printf 'secret words\n' >"$W/pw"
cd "$W" || exit 2

t_begin "keygen, with the password from a file"
run 0 "$WQ" keygen -p k.pub -s k.sec --password-file pw
t_exists k.pub
t_exists k.sec
t_end

t_begin "pack a folder with Urdu and Persian names (UTF-16 arguments and names)"
run 0 "$WQ" pack -s k.sec --password-file pw -t "کتاب" -o b.qasid drop
t_exists b.qasid
t_end

t_begin "verify: exit 0 and the OK line; the POSIX build agrees"
run 0 "$WQ" verify -p k.pub b.qasid
t_grep "b.qasid: OK \"کتاب\"" "$OUT"
run 0 "$POSIX" verify -p k.pub b.qasid
t_end

t_begin "list shows the names in UTF-8"
run 0 "$WQ" list -p k.pub b.qasid
t_grep "drop/$UR" "$OUT"
t_grep "drop/$FA/sub/r.txt" "$OUT"
t_end

t_begin "unpack: the files as they were, Urdu names included"
run 0 "$WQ" unpack -p k.pub -C out b.qasid
t_same "$W/drop/$UR" "out/drop/$UR"
t_same "$W/drop/$FA/data.bin" "out/drop/$FA/data.bin"
t_same "$W/drop/$FA/sub/r.txt" "out/drop/$FA/sub/r.txt"
t_exists out/drop/zero.txt
[ -d out/drop/empty ] || t_fail "the empty folder was not made"
[ -z "$(find out -name '.*')" ] || t_fail "left behind: $(find out -name '.*')"
t_end

t_begin "unpack into a folder more than 260 characters deep"
deep=$W/$(printf 'd%.0s' $(seq 60))/$(printf 'e%.0s' $(seq 60))/$(printf 'f%.0s' $(seq 60))/$(printf 'g%.0s' $(seq 60))/$(printf 'h%.0s' $(seq 60))
mkdir -p "$deep"
[ "${#deep}" -gt 300 ] || t_fail "the test's path is only ${#deep} long"
run 0 "$WQ" unpack -p k.pub -C "$deep/out" b.qasid
t_same "$W/drop/$FA/sub/r.txt" "$deep/out/drop/$FA/sub/r.txt"
t_end

t_begin "unpack of a bundle the POSIX build packed"
run 0 "$POSIX" pack -s k.sec --password-file pw -o p.qasid drop
run 0 "$WQ" unpack -p k.pub -C out2 p.qasid
t_same "$W/drop/$FA/data.bin" "out2/drop/$FA/data.bin"
t_same "$W/drop/$UR" "out2/drop/$UR"
t_end

t_begin "the same files give the same bundle, byte for byte, on both"
mkdir -p same/"$FA"
printf 'one\n' >same/"$UR"
printf 'two\n' >same/"$FA"/b.txt
touch -d 2024-01-02T03:04:05Z same/"$UR" same/"$FA"/b.txt same/"$FA" same
SOURCE_DATE_EPOCH=1700000000 run 0 "$WQ" pack -s k.sec --password-file pw -o sw.qasid same
SOURCE_DATE_EPOCH=1700000000 run 0 "$POSIX" pack -s k.sec --password-file pw -o sp.qasid same
t_same sw.qasid sp.qasid
t_end

t_begin "a tampered bundle fails verification (exit 1) and unpacks nothing"
cp b.qasid bad.qasid
size=$(wc -c <bad.qasid)
printf 'X' | dd of=bad.qasid bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
run 1 "$WQ" verify -p k.pub bad.qasid
t_grep "^qasid: bad.qasid: .*\(CRC\|does not match\|corrupt\|damaged\)" "$ERR"
run 1 "$WQ" unpack -p k.pub -C out3 bad.qasid
[ -z "$(find out3 -type f 2>/dev/null)" ] || t_fail "files left in out3"
t_end

t_begin "an untrusted key fails (exit 1); a missing bundle is an error (exit 2)"
run 0 "$WQ" keygen -W -p o.pub -s o.sec
run 1 "$WQ" verify -p o.pub b.qasid
run 2 "$WQ" verify -p k.pub missing.qasid
t_grep "missing.qasid" "$ERR"
t_end

# Windows refuses these names (a stream, a device, a dot it strips): pack
# names the rule, as on Linux, rather than the system's error, and makes
# no bundle.
for name in 'a:b' 'CON' 'x.'; do
	t_begin "pack refuses the name '$name' Windows cannot hold (exit 2)"
	rm -rf one && mkdir one && printf 'x\n' >"one/$name"
	run 2 "$WQ" pack -s k.sec --password-file pw -o one.qasid one
	t_grep "^qasid: one/$name: cannot be carried safely: " "$ERR"
	t_absent one.qasid
	t_end
done

t_begin "trust add and list, in a keyring under the profile folder"
run 0 "$WQ" trust add k.pub -n "ناشر" -K ring
run 0 "$WQ" trust list -K ring
t_grep "ناشر" "$OUT"
run 0 "$WQ" verify -K ring b.qasid
t_end

t_begin "an environment variable names a folder in Urdu (QASID_KEYRING)"
# The C library's getenv would give it in the ANSI code page, as "????".
mkdir -p "$W/کلید"
QASID_KEYRING="کلید/ring"
export QASID_KEYRING
run 0 "$WQ" trust add k.pub -n "ناشر"
[ -s "$W/کلید/ring" ] || t_fail "no keyring in کلید/: $(cat "$ERR")"
run 0 "$WQ" verify b.qasid
unset QASID_KEYRING
t_end

t_begin "two verifies at once share the record of bundles seen (its lock)"
"$WQ" verify -p k.pub b.qasid >v1.out 2>&1 &
p1=$!
"$WQ" verify -p k.pub p.qasid >v2.out 2>&1 &
p2=$!
wait $p1 || t_fail "the first verify failed: $(cat v1.out)"
wait $p2 || t_fail "the second verify failed: $(cat v2.out)"
t_end

if [ "${QASID_WINE_SUITE:-0}" = 1 ]; then
	QASID_EXE="$EXE" sh "$QASID_TOP/tests/kit/wine-suite.sh"
fi
wineserver -k 2>/dev/null
exit 0
