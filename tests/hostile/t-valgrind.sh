#!/bin/sh
# SPDX-License-Identifier: ISC
# t-valgrind.sh - the tool's commands once each under valgrind: no invalid
# access, no uninitialised value used, no definite or indirect leak, on the
# good paths and on a few refusals. Skipped without valgrind, and in the
# sanitizer build (which checks the same things its own way).
# Work on a memory file system when there is one: unpack syncs, and the
# thousands of small folders these cases make cost little there.
if [ -d /dev/shm ] && [ -w /dev/shm ]; then TMPDIR=/dev/shm; export TMPDIR; fi
. "$QASID_TOP/tests/lib.sh"

if ! command -v valgrind >/dev/null 2>&1; then
	t_skip "valgrind" "valgrind is not installed"
	exit 0
fi
if grep -q __asan_init "$QASID" 2>/dev/null; then
	t_skip "valgrind" "the tool is built with AddressSanitizer"
	exit 0
fi

VG="valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect \
--error-exitcode=99 --track-origins=yes --log-file=$W/vg.%p"
# vg WANT NAME CMD...: CMD under valgrind must exit WANT and report nothing.
vg() {
	want=$1 name=$2
	shift 2
	t_begin "valgrind: $name"
	rm -f "$W"/vg.*
	# shellcheck disable=SC2086
	$VG "$@" >"$OUT" 2>"$ERR" </dev/null
	got=$?
	[ "$got" -ne 99 ] || t_fail "valgrind found errors: $(cat "$W"/vg.* |
	    grep -v '^==[0-9]*== *$' | head -c 600)"
	[ "$got" -eq "$want" ] || [ "$got" -eq 99 ] ||
		t_fail "exit $got, want $want: $(head -c 300 "$ERR")"
	if cat "$W"/vg.* 2>/dev/null | grep -q .; then
		t_fail "valgrind said: $(head -c 600 "$W"/vg.*)"
	fi
	t_end
}

mkdir -p "$W/in/docs/sub"
echo hello >"$W/in/docs/a.txt"
head -c 300000 /dev/urandom >"$W/in/docs/sub/noise.bin"
printf 'text %s\n' $(seq 1 3000) >"$W/in/docs/sub/b.txt"
export QASID_KEYRING="$W/ring"

vg 0 "keygen" "$QASID" keygen -W -p "$W/k.pub" -s "$W/k.sec"
vg 0 "pack" "$QASID" pack -q -j 2 -s "$W/k.sec" -o "$W/b.qasid" "$W/in/docs"
vg 0 "trust add" "$QASID" trust add -n valgrind "$W/k.pub"
vg 0 "verify" "$QASID" verify "$W/b.qasid"
vg 0 "list" "$QASID" list "$W/b.qasid"
vg 0 "unpack" "$QASID" unpack -C "$W/out" "$W/b.qasid"
cmp -s "$W/in/docs/sub/noise.bin" "$W/out/docs/sub/noise.bin" ||
	echo "FAIL valgrind: unpack: content differs"
vg 2 "unpack refusing to overwrite" "$QASID" unpack -C "$W/out" "$W/b.qasid"

head -c 1000 "$W/b.qasid" >"$W/trunc.qasid"
vg 1 "verify of a truncated bundle" "$QASID" verify "$W/trunc.qasid"
cp "$W/b.qasid" "$W/flip.qasid"
printf 'Z' | dd of="$W/flip.qasid" bs=1 seek=600 conv=notrunc 2>/dev/null
vg 1 "unpack of a damaged bundle" "$QASID" unpack -C "$W/out2" "$W/flip.qasid"
"$QASID" keygen -W -p "$W/k2.pub" -s "$W/k2.sec" >/dev/null
"$QASID" pack -q -s "$W/k2.sec" -o "$W/other.qasid" "$W/in/docs"
vg 1 "verify by an untrusted key" "$QASID" verify "$W/other.qasid"
vg 0 "list of an untrusted bundle" "$QASID" list "$W/other.qasid"
id=$(sed -n 's/^untrusted comment: minisign public key //p' "$W/k.pub")
vg 0 "trust remove" "$QASID" trust remove "$id"
