#!/bin/sh
# SPDX-License-Identifier: ISC
# t-linux-arm.sh - the kit's three Linux binaries do a recipient's work.
#
# Each static qasid of build-kit/ (make kit) runs with an empty environment:
# linux-x86_64 directly, linux-aarch64 and linux-armhf under qemu-user. Each
# makes a key, packs a folder with names in Urdu, verifies (exit 0), catches
# a tampered bundle (exit 1), lists, unpacks the same bytes and names, and
# repairs a damaged bundle from its recovery file.
# Bundles made on one platform verify on the others. An ARM binary is
# skipped, saying so, only where its qemu is not installed.
. "$QASID_TOP/tests/lib.sh"

KIT=${QASID_KIT:-$QASID_TOP/build-kit}

mkdir -p "$W/in/news/اردو" "$W/in/news/sub"
printf 'خبر\n' >"$W/in/news/اردو.txt"
printf 'نص\n' >"$W/in/news/اردو/نص.txt"
echo "bulletin" >"$W/in/news/sub/today.txt"
head -c 300000 /dev/urandom >"$W/in/news/photo.bin"
t_keys
SOURCE_DATE_EPOCH=1700000000 "$QASID" pack -q -s "$W/k.sec" \
    -o "$W/native.qasid" "$W/in/news" || echo "FAIL the native build packs"
t_snapshot "$W/in/news" >"$W/want"

# kq ARGS...: the binary under test with an empty environment but $KQ_ENV,
# under $KQ_QEMU where it is for another machine.
KQ_ENV=""
kq() {
	# shellcheck disable=SC2086
	env -i $KQ_ENV $KQ_QEMU "$q" "$@"
}

# kit_case NAME MACHINE [QEMU]: the binary linux-NAME/qasid, whose ELF
# header names MACHINE, run directly or under QEMU.
kit_case() {
	name=$1
	machine=$2
	KQ_QEMU=${3:-}
	q="$KIT/linux-$name/qasid"
	d="$W/$name"
	mkdir -p "$d"

	t_begin "kit linux-$name: one static binary for $machine"
	t_exists "$q"
	readelf -h -l -d "$q" >"$d/elf" 2>&1 || t_fail "readelf $q failed"
	t_grep "Machine: *$machine" "$d/elf"
	t_nogrep "INTERP" "$d/elf"
	t_nogrep "(NEEDED)" "$d/elf"
	t_end
	[ -x "$q" ] || return 0

	t_begin "kit linux-$name: keygen, pack, verify, list, unpack Urdu names"
	run 0 kq keygen -W -p "$d/k.pub" -s "$d/k.sec"
	run 0 kq pack -s "$d/k.sec" -o "$d/b.qasid" "$W/in/news"
	run 0 kq verify -p "$d/k.pub" "$d/b.qasid"
	t_grep "b.qasid: OK" "$OUT"
	run 0 kq list -p "$d/k.pub" "$d/b.qasid"
	t_grep "news/اردو.txt" "$OUT"
	t_grep "news/اردو/نص.txt" "$OUT"
	run 0 kq unpack -p "$d/k.pub" -C "$d/out" "$d/b.qasid"
	t_snapshot "$d/out/news" >"$d/got"
	t_same "$W/want" "$d/got"
	t_end

	t_begin "kit linux-$name: a tampered bundle fails verification (exit 1)"
	cp "$d/b.qasid" "$d/bad.qasid"
	flip "$d/bad.qasid" $(($(fsize "$d/bad.qasid") / 2))
	run 1 kq verify -p "$d/k.pub" "$d/bad.qasid"
	t_grep "bad.qasid" "$ERR"
	run 1 kq unpack -p "$d/k.pub" -C "$d/out2" "$d/bad.qasid"
	[ -e "$d/out2/news/اردو.txt" ] && t_fail "a file of a tampered bundle was unpacked"
	t_end

	# Each carries ISA-L, built by tools/kit/build-deps.sh.
	t_begin "kit linux-$name: protect, then repair a damaged bundle"
	cp "$d/b.qasid" "$d/r.qasid"
	run 0 kq protect -p "$d/k.pub" "$d/r.qasid"
	t_exists "$d/r.qasid-rec"
	dd if=/dev/zero of="$d/r.qasid" bs=1 seek=100000 count=64 \
	    conv=notrunc 2>/dev/null
	run 1 kq verify -p "$d/k.pub" "$d/r.qasid"
	run 0 kq repair -p "$d/k.pub" "$d/r.qasid"
	t_same "$d/b.qasid" "$d/r.qasid"
	t_end

	t_begin "kit linux-$name: bundles cross between platforms"
	run 0 "$QASID" verify -p "$d/k.pub" "$d/b.qasid"
	run 0 kq verify -p "$W/k.pub" "$W/native.qasid"
	# The same bytes as the regular build, given the same time.
	KQ_ENV=SOURCE_DATE_EPOCH=1700000000
	run 0 kq pack -s "$W/k.sec" -o "$d/same.qasid" "$W/in/news"
	KQ_ENV=""
	t_same "$W/native.qasid" "$d/same.qasid"
	t_end
}

kit_case x86_64 "Advanced Micro Devices X86-64"
for arch in aarch64:AArch64:qemu-aarch64-static armhf:ARM:qemu-arm-static; do
	name=${arch%%:*}
	qemu=${arch##*:}
	machine=${arch#*:}
	machine=${machine%:*}
	if ! command -v "$qemu" >/dev/null 2>&1; then
		t_skip "kit linux-$name" "$qemu is not installed (Debian: qemu-user-static)"
		continue
	fi
	kit_case "$name" "$machine" "$(command -v "$qemu")"
done
