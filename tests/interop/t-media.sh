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
t_grep "^qasid: $W/big4/big.qasid: 4294967296 bytes, and $FAT/copy is FAT32, which holds no file larger than 4294967295: pack it again as volumes with --volume-size (4095M for FAT32), or copy onto exFAT; not copied\$" "$ERR"
[ "$(ls -A "$FAT/copy")" = small.qasid ] ||
    t_fail "copy holds: $(ls -A "$FAT/copy")"
rm -f "$W/big4/big.qasid"
t_end

t_begin "off FAT32 the same 4 GiB bundle is not refused for its size"
mkdir "$W/dest"
run 1 "$QASID" unpack -p "$W/k.pub" -C "$W/dest" "$W/4g.qasid"
t_nogrep FAT32 "$ERR"
t_end

# Packing onto FAT32 splits by itself a bundle that could pass the largest
# file FAT32 holds. QASID_FAT32_MAX_FILE lowers that limit from 4 GiB - 1
# to 1 MiB, so the split is seen with a 3 MB file; the FAT32 detection is
# the real one (off FAT32 the lowered limit changes nothing). The body
# waits in --tmpdir: fusefat loses the tail of a file unlinked while open,
# which kernel vfat does not.
LIM=1048576
mkdir -p "$W/news/docs"
printf 'report\n' >"$W/news/docs/Report.txt"
cp "$W/clip.bin" "$W/news/clip.bin"

t_begin "pack onto FAT32 splits a bundle too big for one file, and says so"
run 0 env QASID_FAT32_MAX_FILE=$LIM "$QASID" pack -s "$W/k.sec" \
    --tmpdir "$W" -o "$FAT/news.qasid" "$W/news"
t_lines 1 "$ERR"
t_grep "^qasid: $FAT/news.qasid: the output is on FAT32, which holds no file larger than $LIM bytes, and the bundle may be larger: writing volumes of at most that size" "$ERR"
t_grep "^packed $FAT/news.qasid as [0-9]* volumes (.part1 to .part[0-9]*), split to fit the output's file system$" "$OUT"
t_absent "$FAT/news.qasid"
t_exists "$FAT/news.part3.qasid"
for f in "$FAT"/news.part*.qasid; do
	[ "$(fsize "$f")" -le $LIM ] || t_fail "$f: $(fsize "$f") bytes"
	run 0 "$QASID" verify -p "$W/k.pub" "$f"
done
t_end

t_begin "the set packed onto FAT32 unpacks whole"
run 0 "$QASID" unpack -p "$W/k.pub" -C "$W/fatout" "$FAT"/news.part*.qasid
t_same "$W/fatout/news/clip.bin" "$W/clip.bin"
t_same "$W/fatout/news/docs/Report.txt" "$W/news/docs/Report.txt"
t_end

t_begin "pack onto FAT32 of a bundle that fits writes one bundle"
run 0 env QASID_FAT32_MAX_FILE=$LIM "$QASID" pack -s "$W/k.sec" \
    --tmpdir "$W" -o "$FAT/docs.qasid" "$W/news/docs"
t_grep "^packed $FAT/docs.qasid$" "$OUT"
t_nogrep volumes "$ERR"
t_absent "$FAT/docs.part1.qasid"
t_end

t_begin "off FAT32 the same limit splits nothing"
run 0 env QASID_FAT32_MAX_FILE=$LIM "$QASID" pack -s "$W/k.sec" \
    -o "$W/news1.qasid" "$W/news"
t_grep "^packed $W/news1.qasid$" "$OUT"
t_absent "$W/news1.part1.qasid"
t_end

t_begin "pack --format 1 onto FAT32 of a bundle too big is refused"
run 2 env QASID_FAT32_MAX_FILE=$LIM "$QASID" pack --format 1 \
    -s "$W/k.sec" -o "$FAT/old.qasid" "$W/news"
t_grep "^qasid: $FAT/old.qasid: the bundle may not fit in one file on this medium (FAT32), and only bundle format 2 can be split into volumes$" "$ERR"
t_absent "$FAT/old.qasid"
t_absent "$FAT/old.part1.qasid"
t_end

t_begin "copy onto FAT32 refuses a bundle too big for it before writing"
mkdir "$FAT/vcopy"
run 2 env QASID_FAT32_MAX_FILE=$LIM "$QASID" copy -p "$W/k.pub" \
    "$W/news1.qasid" "$FAT/vcopy"
t_grep "^qasid: $W/news1.qasid: [0-9]* bytes, and $FAT/vcopy is FAT32, which holds no file larger than $LIM: pack it again as volumes with --volume-size (4095M for FAT32), or copy onto exFAT; not copied$" "$ERR"
t_lines 1 "$ERR"
t_grep "^0 copied, 0 already in $FAT/vcopy, 1 failed$" "$OUT"
[ -z "$(ls -A "$FAT/vcopy")" ] || t_fail "written: $(ls -A "$FAT/vcopy")"
run 0 env QASID_FAT32_MAX_FILE=$LIM "$QASID" copy --plan -p "$W/k.pub" \
    "$W/news1.qasid" "$FAT/vcopy"
t_grep "^warning: $W/news1.qasid is [0-9]* bytes: FAT32 holds no file larger than $LIM; pack it again with --volume-size to copy it$" "$OUT"
t_end

t_begin "copy onto FAT32 takes the volumes of the set"
run 0 env QASID_FAT32_MAX_FILE=$LIM "$QASID" copy -p "$W/k.pub" \
    "$FAT"/news.part*.qasid "$FAT/vcopy"
t_grep "^[0-9]* copied, 0 already in $FAT/vcopy, 0 failed$" "$OUT"
run 0 "$QASID" unpack -p "$W/k.pub" -C "$W/fatout2" "$FAT"/vcopy/news.part*.qasid
t_same "$W/fatout2/news/clip.bin" "$W/clip.bin"
t_end
rm -rf "$W/news" "$W/fatout" "$W/fatout2" "$W/news1.qasid"

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
