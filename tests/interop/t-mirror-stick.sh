#!/bin/sh
# SPDX-License-Identifier: ISC
# t-mirror-stick.sh - qasid copy from and to sticks: an exFAT image on a
# loop device through FUSE (Debian's exfat-fuse). The source stick is
# pulled mid-copy (its FUSE driver killed): the copy says so, exits 2 and
# leaves no visible bundle; the next run, from another copy of the bundle,
# continues the partial copy and finishes. Skipped where a loop device or
# FUSE cannot be had.
. "$QASID_TOP/tests/lib.sh"

skip_all() {
	t_skip "qasid copy on stick file systems" "$1"
	exit 0
}
[ "$(id -u)" -eq 0 ] || skip_all "needs root for loop devices and mounts"
for t in mkfs.exfat mount.exfat-fuse losetup; do
	command -v "$t" >/dev/null 2>&1 || skip_all "no $t"
done
[ -c /dev/fuse ] || skip_all "no /dev/fuse"

LOOP=""
FPID=""
cleanup() {
	[ -n "$FPID" ] && kill "$FPID" 2>/dev/null
	umount -l "$W/in" 2>/dev/null
	[ -n "$LOOP" ] && losetup -d "$LOOP" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
mkdir "$W/in" "$W/out" "$W/drop" "$W/other"
truncate -s 256M "$W/in.img" && mkfs.exfat "$W/in.img" >/dev/null 2>&1 &&
    LOOP=$(losetup -f --show "$W/in.img" 2>/dev/null) ||
    skip_all "cannot make a loop device here"
# In the foreground (-d), so its process id is known and it can be killed:
# the stick pulled.
mount.exfat-fuse -d "$LOOP" "$W/in" >/dev/null 2>&1 &
FPID=$!
i=0
while ! mount | grep -q " $W/in " && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
mount | grep -q " $W/in " || skip_all "cannot mount exFAT through FUSE here"

"$QASID" keygen -W -p "$W/k.pub" -s "$W/k.sec" >/dev/null
"$QASID" trust add "$W/k.pub" -K "$W/ring" >/dev/null
head -c 100000000 /dev/urandom >"$W/drop/film.bin"
"$QASID" pack -s "$W/k.sec" -o "$W/other/film.qasid" -n film -N 1 \
    "$W/drop" >/dev/null
cp "$W/other/film.qasid" "$W/in/" && sync

t_begin "a source stick pulled mid-copy: exit 2, no visible bundle left"
echo 3 >/proc/sys/vm/drop_caches
"$QASID" copy -K "$W/ring" "$W/in/film.qasid" "$W/out" >"$OUT" 2>"$ERR" &
cpid=$!
sleep 0.1
kill "$FPID"
wait "$FPID" 2>/dev/null
FPID=""
wait "$cpid"
got=$?
pulled=0
finished=0
if [ -e "$W/out/film.qasid" ]; then
	finished=1
	t_skip "$T_NAME" "the copy finished before the stick was pulled"
else
	[ "$got" -eq 2 ] || t_fail "exit $got, want 2: $(cat "$ERR")"
	t_grep "^qasid: $W/in/film.qasid: .*; not copied\$" "$ERR"
	[ -z "$(ls "$W/out")" ] || t_fail "visible: $(ls "$W/out")"
	ls -A "$W/out" | grep -q '^\.qasid-copy-.*\.part$' && pulled=1
	t_end
fi

t_begin "the next run, from another copy, continues the partial copy"
if [ "$finished" -eq 1 ]; then
	t_skip "$T_NAME" "the first copy was not interrupted"
else
	run 0 "$QASID" copy -K "$W/ring" "$W/other/film.qasid" "$W/out"
	t_grep "^copied $W/other/film.qasid to $W/out/film.qasid (verified, read back)\$" "$OUT"
	t_same "$W/other/film.qasid" "$W/out/film.qasid"
	[ "$pulled" -eq 0 ] ||
	    t_grep "^resuming $W/other/film.qasid at [1-9][0-9]* of " "$OUT"
	[ -z "$(ls -A "$W/out" | grep '^\.qasid-copy-')" ] ||
	    t_fail "partial left"
	t_end
fi
