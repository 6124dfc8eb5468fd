#!/bin/sh
# SPDX-License-Identifier: ISC
# t-media.sh - the medium is checked before anything is written: pack warns,
# before the password prompt, about a file FAT32 cannot hold and about too
# little space for the bundle and the body that waits beside it (naming
# --tmpdir); unpack refuses, before writing anything, a file of 4 GiB or
# more onto FAT32, naming the file and the limit. The FAT32 cases run on a
# FAT32 image mounted with fusefat (kernel vfat cannot be loaded in every
# container; fusefat's mount shows as "fuse.fusefat"), the space cases on a
# small tmpfs; both need root and are skipped without it. Bundles that
# claim a 4 GiB file are crafted (tests/hostile/craft.py): their body is a
# few bytes, so nothing of 4 GiB is ever written or read.
. "$QASID_TOP/tests/lib.sh"
. "$QASID_TOP/tests/hostile/lib-hostile.sh"

t_begin "pack warns about a 5 GiB file before asking for the key"
mkdir -p "$W/big"
truncate -s 5G "$W/big/week.mp4"
run 2 "$QASID" pack -s "$W/missing.sec" -o "$W/big.qasid" "$W/big"
{ IFS= read -r l1; IFS= read -r l2; } <"$ERR"
case $l1 in
"qasid: warning: big/week.mp4: 5.00 GiB: "*FAT32*"4 GiB"*exFAT*) ;;
*) t_fail "first line: $l1" ;;
esac
case $l2 in
"qasid: $W/missing.sec: "*) ;;
*) t_fail "second line: $l2" ;;
esac
t_absent "$W/big.qasid"
t_end

t_begin "pack -q prints no warning"
run 2 "$QASID" pack -q -s "$W/missing.sec" -o "$W/big.qasid" "$W/big"
t_nogrep warning "$ERR"
t_end
rm -rf "$W/big"

[ "$(id -u)" -eq 0 ] || { t_skip "FAT32 and small media" "needs root"; exit 0; }

MOUNTS=""
LOOPS=""
cleanup() {
	for m in $MOUNTS; do umount "$m" 2>/dev/null || umount -l "$m"; done
	for l in $LOOPS; do losetup -d "$l" 2>/dev/null; done
	rm -rf "$W"
}
trap cleanup EXIT

head -c 3000000 /dev/urandom >"$W/clip.bin"
if mkdir "$W/small" && mount -t tmpfs -o size=4M tmpfs "$W/small" 2>/dev/null
then
	MOUNTS="$W/small"
	t_begin "pack onto a small medium: the warning names --tmpdir"
	run 2 "$QASID" pack -s "$W/missing.sec" -o "$W/small/c.qasid" \
	    "$W/clip.bin"
	t_grep "^qasid: warning: $W/small/c.qasid: .*may need up to .* MiB; .* MiB is free; --tmpdir DIR keeps the body on another disk" "$ERR"
	t_end

	t_begin "pack out of space says --tmpdir; with it the bundle fits"
	run 2 "$QASID" pack -s "$W/k.sec" -o "$W/small/c.qasid" "$W/clip.bin"
	t_grep "no space left\|No space left" "$ERR"
	t_grep "^qasid: .*--tmpdir DIR keeps it on another disk" "$ERR"
	t_absent "$W/small/c.qasid"
	run 0 "$QASID" pack -s "$W/k.sec" --tmpdir "$W" -o "$W/small/c.qasid" \
	    "$W/clip.bin"
	t_nogrep warning "$ERR"
	run 0 "$QASID" verify -p "$W/k.pub" "$W/small/c.qasid"
	t_end
else
	t_skip "small media" "cannot mount a tmpfs here"
fi

for t in mkfs.vfat fusefat losetup; do
	command -v "$t" >/dev/null 2>&1 ||
	    { t_skip "FAT32 image" "no $t (dosfstools fusefat)"; exit 0; }
done
[ -c /dev/fuse ] || { t_skip "FAT32 image" "no /dev/fuse"; exit 0; }
FAT="$W/fat"
mkdir "$FAT" && truncate -s 64M "$W/fat.img" &&
	mkfs.vfat -F 32 -n QASID "$W/fat.img" >/dev/null 2>&1 &&
	loop=$(losetup -f --show "$W/fat.img" 2>/dev/null) &&
	LOOPS=$loop && fusefat -o rw+ "$loop" "$FAT" >/dev/null 2>&1 &&
	MOUNTS="$MOUNTS $FAT" ||
	{ t_skip "FAT32 image" "cannot make and mount one here"; exit 0; }

# claim OUT SIZE: a signed bundle whose manifest says video.mp4 holds SIZE
# bytes (its body holds one byte, so the content check would refuse it).
claim() {
	craft "$1" <<PY
A = File("video.mp4", b"x")
B = Bundle(K, [Dir("news"), File("news/a.txt", b"hello\n"), A])
m = B.members(B.chunks())
mf = B.manifest(m, plains=[$2 + 8192], counts=(2, 1, $2 + 6))
mf = mf.replace(b"file 644 1 ", b"file 644 %d " % $2)
B.write(OUT, members=m, manifest=mf)
PY
}

t_begin "unpack onto FAT32 refuses a 4 GiB file before writing anything"
claim "$W/4g.qasid" 4294967296
mkdir "$FAT/dest"
run 2 "$QASID" unpack -p "$W/k.pub" -C "$FAT/dest" "$W/4g.qasid"
t_lines 1 "$ERR"
t_grep "^qasid: $FAT/dest/video.mp4: 4.00 GiB, and the destination is FAT32, which holds no file of 4 GiB or more; nothing was unpacked; unpack onto exFAT" "$ERR"
[ -z "$(ls -A "$FAT/dest")" ] || t_fail "written: $(ls -A "$FAT/dest")"
t_end

t_begin "a file of 4 GiB - 1 passes the FAT32 check (the body then fails)"
claim "$W/4g1.qasid" 4294967295
run 1 "$QASID" unpack -p "$W/k.pub" -C "$FAT/dest" "$W/4g1.qasid"
t_nogrep FAT32 "$ERR"
[ -z "$(ls -A "$FAT/dest")" ] || t_fail "written: $(ls -A "$FAT/dest")"
t_end

t_begin "copy onto FAT32 refuses a 4 GiB bundle before writing anything"
# A good bundle made 4 GiB long (sparse): its head reads, its size is 4 GiB.
mkdir "$W/big4" "$FAT/copy"
printf 'hello\n' >"$W/hello.txt"
"$QASID" pack -q -s "$W/k.sec" -o "$W/big4/big.qasid" "$W/hello.txt"
truncate -s 4G "$W/big4/big.qasid"
"$QASID" pack -q -s "$W/k.sec" -o "$W/big4/small.qasid" -t small \
    "$W/clip.bin"
run 2 "$QASID" copy -p "$W/k.pub" "$W/big4" "$FAT/copy"
t_grep "^qasid: $W/big4/big.qasid: 4.00 GiB, and $FAT/copy is FAT32, which holds no file of 4 GiB or more; copy it onto exFAT, or have it packed with --volume-size; not copied\$" "$ERR"
[ "$(ls -A "$FAT/copy")" = small.qasid ] ||
    t_fail "copy holds: $(ls -A "$FAT/copy")"
rm -f "$W/big4/big.qasid"
t_end

t_begin "off FAT32 the same 4 GiB bundle is not refused for its size"
mkdir "$W/dest"
run 1 "$QASID" unpack -p "$W/k.pub" -C "$W/dest" "$W/4g.qasid"
t_nogrep FAT32 "$ERR"
t_end

# exFAT, the other file system of sticks, holds files of 4 GiB and more:
# it must not be refused for size. exfat-fuse mounts as plain "fuseblk".
# The image is sparse: 5 GiB that take a few MiB of disk.
if command -v mount.exfat-fuse >/dev/null 2>&1 &&
    command -v mkfs.exfat >/dev/null 2>&1; then
	EX="$W/exfat"
	mkdir "$EX" && truncate -s 5G "$W/exfat.img" &&
		mkfs.exfat "$W/exfat.img" >/dev/null 2>&1 &&
		exloop=$(losetup -f --show "$W/exfat.img" 2>/dev/null) &&
		LOOPS="$LOOPS $exloop" &&
		mount.exfat-fuse "$exloop" "$EX" >/dev/null 2>&1 &&
		MOUNTS="$EX $MOUNTS" || EX=""
	if [ -n "$EX" ]; then
		t_begin "unpack onto exFAT (FUSE): a 4 GiB file is not refused for its size"
		mkdir "$EX/dest"
		run 1 "$QASID" unpack -p "$W/k.pub" -C "$EX/dest" "$W/4g.qasid"
		t_nogrep FAT32 "$ERR"
		[ -z "$(ls -A "$EX/dest")" ] || t_fail "written: $(ls -A "$EX/dest")"
		t_end

		t_begin "pack onto exFAT and unpack there: the files come back"
		mkdir -p "$W/news/docs"
		printf 'report\n' >"$W/news/docs/Report.txt"
		cp "$W/clip.bin" "$W/news/clip.bin"
		run 0 "$QASID" pack -s "$W/k.sec" -o "$EX/news.qasid" "$W/news"
		t_nogrep warning "$ERR"
		run 0 "$QASID" unpack -p "$W/k.pub" -C "$EX/out" "$EX/news.qasid"
		t_same "$EX/out/news/clip.bin" "$W/clip.bin"
		t_same "$EX/out/news/docs/Report.txt" "$W/news/docs/Report.txt"
		t_end
	else
		t_skip "exFAT image" "cannot make and mount one here"
	fi
else
	t_skip "exFAT image" "no exfat-fuse or exfatprogs"
fi

# Kernel vfat in a loop mount, where the machine allows it (containers
# often cannot load the module): the same refusal, from the kernel's
# MSDOS_SUPER_MAGIC rather than FUSE's mount table.
VF="$W/vfat"
mkdir "$VF" && truncate -s 64M "$W/vfat.img" &&
	mkfs.vfat -F 32 "$W/vfat.img" >/dev/null 2>&1 &&
	mount -t vfat -o loop "$W/vfat.img" "$VF" 2>/dev/null &&
	MOUNTS="$VF $MOUNTS" || VF=""
if [ -n "$VF" ]; then
	t_begin "unpack onto kernel vfat refuses a 4 GiB file before writing"
	mkdir "$VF/dest"
	run 2 "$QASID" unpack -p "$W/k.pub" -C "$VF/dest" "$W/4g.qasid"
	t_grep "^qasid: $VF/dest/video.mp4: 4.00 GiB, and the destination is FAT32, which holds no file of 4 GiB or more; nothing was unpacked; unpack onto exFAT" "$ERR"
	[ -z "$(ls -A "$VF/dest")" ] || t_fail "written: $(ls -A "$VF/dest")"
	t_end
else
	t_skip "kernel vfat" "no vfat loop mount here (module not loadable)"
fi
