#!/bin/sh
# SPDX-License-Identifier: ISC
# t-writeback.sh - the progress bar covers the final copy: pack writes the
# bundle, and unpack each large file, no more than a few MiB ahead of the
# medium, waiting for the writeback of what is further behind as it goes,
# rather than filling the page cache at memory speed and then sitting at
# 100% in one final sync for as long as a stick takes. Seen through strace
# (a USB stick's slowness cannot be had in a test): waits for writeback
# (sync_file_range with WAIT_AFTER) come before the final fsync or syncfs.
. "$QASID_TOP/tests/lib.sh"

command -v strace >/dev/null 2>&1 ||
	{ t_skip "write-behind" "no strace"; exit 0; }
# LeakSanitizer cannot run under ptrace: the sanitizer build's leak check
# is left out here (the rest of the suite has it).
if grep -q __asan_init "$QASID" 2>/dev/null; then
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
	export ASAN_OPTIONS
fi
t_keys
mkdir -p "$W/src"
head -c 104857600 /dev/urandom >"$W/src/video.mp4"

# waits_first LOG CALL: a writeback wait before the first CALL, and a wait
# for at least 64 MiB of the file in all.
waits_first() {
	awk -v last="$2" '
	/sync_file_range\(.*WAIT_AFTER/ {
		split($0, a, ", "); waited += a[3]; if (!done) early++ }
	$0 ~ last"\\(" { done = 1 }
	END { exit !(early > 0 && waited >= 67108864) }' "$1" ||
		t_fail "no writeback while writing: $(grep -c sync_file_range "$1") calls"
}

t_begin "pack keeps the bundle close behind on the medium"
strace -f -o "$W/pack.log" -e trace=sync_file_range,fsync \
    "$QASID" pack -q -s "$W/k.sec" -o "$W/b.qasid" "$W/src" ||
	t_fail "pack failed"
waits_first "$W/pack.log" fsync
run 0 "$QASID" verify -p "$W/k.pub" "$W/b.qasid"
t_end

t_begin "unpack keeps a large file close behind on the medium"
strace -f -o "$W/unpack.log" -e trace=sync_file_range,syncfs \
    "$QASID" unpack -q -p "$W/k.pub" -C "$W/out" "$W/b.qasid" ||
	t_fail "unpack failed"
waits_first "$W/unpack.log" syncfs
t_same "$W/out/src/video.mp4" "$W/src/video.mp4"
t_end
