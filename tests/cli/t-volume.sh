#!/bin/sh
# SPDX-License-Identifier: ISC
# t-volume.sh - volume sets (FORMAT.md 17.4): pack --volume-size writes
# NAME.partK.qasid, each at most the size asked, each a signed bundle that
# verifies alone and that tar reads; files larger than what a volume has
# left are cut into pieces; the set file is the same in every part; list
# of one volume shows the set; one volume unpacks only its whole files;
# the whole set unpacks in any order, all or nothing, and a missing,
# doubled, foreign, untrusted or damaged part is refused.
. "$QASID_TOP/tests/lib.sh"
. "$QASID_TOP/tests/cli/cli.sh"

t_keys
V="$QASID verify -p $W/k.pub"

# vpack NAME SIZE PATH...: packs a set quietly.
vpack() {
	v_name=$1 v_size=$2
	shift 2
	"$QASID" pack -q -s "$W/k.sec" --volume-size "$v_size" \
	    -o "$W/$v_name.qasid" "$@"
}

# each_at_most SIZE FILE...: every file fits in SIZE bytes.
each_at_most() {
	e_max=$1
	shift
	for e_f in "$@"; do
		[ "$(fsize "$e_f")" -le "$e_max" ] ||
		    t_fail "$e_f is $(fsize "$e_f") bytes, over $e_max"
	done
}

mkdir -p "$W/big/sub"
head -c 600000 /dev/urandom >"$W/big/video.mp4"
echo "read me first" >"$W/big/a.txt"
head -c 3000 /dev/urandom >"$W/big/sub/photo.jpg"

t_begin "pack --volume-size writes parts, each at most the size asked"
run 0 "$QASID" pack -s "$W/k.sec" --volume-size 200K -o "$W/v.qasid" \
    "$W/big"
t_grep "^packed .*v.qasid as 4 volumes (.part1 to .part4)$" "$OUT"
t_absent "$W/v.qasid"
each_at_most 204800 "$W"/v.part*.qasid
t_exists "$W/v.part4.qasid"
t_absent "$W/v.part5.qasid"
t_end

t_begin "each volume verifies alone, and tar reads it"
for p in 1 2 3 4; do
	run 0 $V "$W/v.part$p.qasid"
	t_grep "v.part$p.qasid: OK" "$OUT"
	tar -tzf "$W/v.part$p.qasid" >"$W/tar.out" 2>&1 ||
	    t_fail "tar cannot read part $p"
	t_grep "^.qasid/set$" "$W/tar.out"
	mkdir -p "$W/tx$p"
	tar -xzf "$W/v.part$p.qasid" -C "$W/tx$p" ||
	    t_fail "tar -xzf cannot extract part $p"
done
t_end

t_begin "the set file is the same in every part and names the parts"
for p in 2 3 4; do
	t_same "$W/tx1/.qasid/set" "$W/tx$p/.qasid/set"
done
t_grep "^qasid-set 1$" "$W/tx1/.qasid/set"
t_grep "^parts 4$" "$W/tx1/.qasid/set"
t_grep "^file 644 600000 [0-9a-f]\{128\} 1 4  big/video.mp4$" \
    "$W/tx1/.qasid/set"
t_grep "^end$" "$W/tx1/.qasid/set"
t_grep "^volume [0-9a-f]\{64\} 3 4$" "$W/tx3/.qasid/manifest"
t_end

t_begin "a file spanning volumes is cut into pieces that rejoin to it"
cat "$W"/tx[1-4]/.qasid/pieces/* >"$W/joined" 2>/dev/null
t_same "$W/big/video.mp4" "$W/joined"
t_grep "^piece [0-9]* [0-9]* [0-9a-f]\{128\}  big/video.mp4$" \
    "$W/tx2/.qasid/manifest"
t_grep "^pieces 1$" "$W/tx2/.qasid/manifest"
t_end

t_begin "a file spanning three volumes and more: one piece in each"
n=0
for p in 1 2 3 4; do
	[ -n "$(ls "$W/tx$p/.qasid/pieces" 2>/dev/null)" ] && n=$((n + 1))
done
[ "$n" -ge 3 ] || t_fail "pieces in $n volumes, want at least 3"
t_end

t_begin "files that fit are whole entries, never pieces"
mkdir -p "$W/small"
for i in 1 2 3 4 5 6; do head -c 30000 /dev/urandom >"$W/small/f$i"; done
vpack s 100K "$W/small" || t_fail "pack failed"
each_at_most 102400 "$W"/s.part*.qasid
for f in "$W"/s.part*.qasid; do
	run 0 $V "$f"
done
mkdir -p "$W/sx" && for f in "$W"/s.part*.qasid; do
	tar -xzf "$f" -C "$W/sx"
done
for i in 1 2 3 4 5 6; do
	[ -e "$W/sx/small/f$i" ] && t_same "$W/small/f$i" "$W/sx/small/f$i"
done
t_end

t_begin "a boundary exactly at a file: the next file starts the next part"
mkdir -p "$W/exact"
head -c 40000 /dev/urandom >"$W/exact/a"
head -c 40000 /dev/urandom >"$W/exact/b"
vpack e 100K "$W/exact" || t_fail "pack failed"
mkdir -p "$W/ex1" "$W/ex2"
tar -xzf "$W/e.part1.qasid" -C "$W/ex1"
tar -xzf "$W/e.part2.qasid" -C "$W/ex2"
t_same "$W/exact/a" "$W/ex1/exact/a"
t_grep "^file 644 40000 [0-9a-f]* 1 1  exact/a$" "$W/ex1/.qasid/set"
t_end

t_begin "--volume-size takes K, M and G and refuses what is not a size"
run 2 "$QASID" pack -q -s "$W/k.sec" --volume-size 12X -o "$W/x.qasid" \
    "$W/small"
t_grep "^qasid: --volume-size 12X: a size in bytes, or with K, M or G$" \
    "$ERR"
run 2 "$QASID" pack -q -s "$W/k.sec" --volume-size 0 -o "$W/x.qasid" \
    "$W/small"
run 0 "$QASID" pack -q -s "$W/k.sec" --volume-size 1G -o "$W/g.qasid" \
    "$W/small"
t_exists "$W/g.part1.qasid"
t_absent "$W/g.part2.qasid"
t_end

t_begin "a volume size too small for the set file is refused, naming it"
run 2 "$QASID" pack -q -s "$W/k.sec" --volume-size 20K -o "$W/t.qasid" \
    "$W/small"
t_grep "^qasid: a volume size of 20480 bytes is too small for these files: each volume needs at least [0-9]*$" "$ERR"
t_absent "$W/t.part1.qasid"
t_end

t_begin "an existing part is not overwritten without -f; nothing is written"
: >"$W/s.part2.qasid.keep"
run 2 "$QASID" pack -q -s "$W/k.sec" --volume-size 100K -o "$W/s.qasid" \
    "$W/small"
t_grep "s.part1.qasid: file exists" "$ERR"
run 0 "$QASID" pack -q -f -s "$W/k.sec" --volume-size 100K \
    -o "$W/s.qasid" "$W/small"
t_end

t_begin "list of one volume shows the whole set and the parts beside it"
run 0 "$QASID" list -p "$W/k.pub" "$W/v.part2.qasid"
t_grep "^volume:   part 2 of 4 of set [0-9a-f]\{16\}; beside it: 1-4$" "$OUT"
t_grep "^644 *600000  big/video.mp4  (parts 1-4)$" "$OUT"
t_grep "^644 *14  big/a.txt  (part 1)$" "$OUT"
t_grep "^644 *3000  big/sub/photo.jpg  (part 1)$" "$OUT"
t_nogrep "\.qasid/" "$OUT"
t_end

t_begin "verify of one volume names the parts missing beside it"
mkdir -p "$W/one" && cp "$W/v.part1.qasid" "$W/v.part3.qasid" "$W/one/"
cp "$W/s.part1.qasid" "$W/one/"
run 0 $V "$W/one/v.part3.qasid"
t_grep "^  part 3 of 4 of set [0-9a-f]\{16\}; beside it: 1, 3; missing: 2, 4$" \
    "$OUT"
t_end

t_begin "one volume alone unpacks the files wholly inside it, no piece"
run 0 "$QASID" unpack -p "$W/k.pub" -C "$W/u1" "$W/v.part1.qasid"
t_same "$W/big/a.txt" "$W/u1/big/a.txt"
t_same "$W/big/sub/photo.jpg" "$W/u1/big/sub/photo.jpg"
t_absent "$W/u1/big/video.mp4"
t_absent "$W/u1/.qasid"
[ -z "$(find "$W/u1" -name '.qasid*')" ] || t_fail "metadata published"
t_grep "^in other parts, not unpacked from this one:$" "$OUT"
t_grep "^  big/video.mp4  (parts 1-4)$" "$OUT"
t_grep "^unpacked 2 files into " "$OUT"
t_end

t_begin "a middle volume holds only a piece: nothing of it is published"
run 0 "$QASID" unpack -p "$W/k.pub" -C "$W/u2" "$W/v.part2.qasid"
t_absent "$W/u2/big/video.mp4"
t_absent "$W/u2/big/a.txt"
[ -z "$(find "$W/u2" -type f)" ] || t_fail "a file was published"
t_grep "^unpacked 0 files into " "$OUT"
t_end

t_begin "unpack of the whole set, in any order, rejoins the split file"
run 0 "$QASID" unpack -p "$W/k.pub" -C "$W/all" "$W/v.part3.qasid" \
    "$W/v.part1.qasid" "$W/v.part4.qasid" "$W/v.part2.qasid"
t_grep "^unpacked the set of 4 volumes (3 files) into " "$OUT"
t_same "$W/big/video.mp4" "$W/all/big/video.mp4"
t_same "$W/big/a.txt" "$W/all/big/a.txt"
t_same "$W/big/sub/photo.jpg" "$W/all/big/sub/photo.jpg"
[ -z "$(find "$W/all" -name '.qasid*')" ] || t_fail "metadata published"
t_end

t_begin "a set missing a part is refused (exit 1), naming it; nothing written"
run 1 "$QASID" unpack -p "$W/k.pub" -C "$W/miss" "$W/v.part1.qasid" \
    "$W/v.part2.qasid" "$W/v.part4.qasid"
t_grep "part 3 of 4 is missing; nothing was unpacked$" "$ERR"
t_absent "$W/miss"
t_end

t_begin "a part given twice, or a volume of another set, is refused"
run 2 "$QASID" unpack -p "$W/k.pub" -C "$W/dup" "$W/v.part1.qasid" \
    "$W/v.part2.qasid" "$W/v.part2.qasid" "$W/v.part3.qasid"
t_grep "v.part2.qasid: part 2 given twice (also .*v.part2.qasid)$" "$ERR"
t_absent "$W/dup"
run 1 "$QASID" unpack -p "$W/k.pub" -C "$W/mix" "$W/v.part1.qasid" \
    "$W/s.part2.qasid" "$W/v.part3.qasid" "$W/v.part4.qasid"
t_grep "s.part2.qasid: a volume of another set than .*v.part1.qasid$" "$ERR"
t_absent "$W/mix"
"$QASID" pack -q -s "$W/k.sec" -o "$W/plain.qasid" "$W/small"
run 2 "$QASID" unpack -p "$W/k.pub" -C "$W/mix" "$W/v.part1.qasid" \
    "$W/plain.qasid"
t_grep "^qasid: .*plain.qasid: not a volume of a set: unpack it on its own$" \
    "$ERR"
t_absent "$W/mix"
t_end

t_begin "a part signed by a key not trusted fails the set (exit 1)"
"$QASID" keygen -W -s "$W/o.sec" -p "$W/o.pub" >/dev/null 2>&1
"$QASID" pack -q -s "$W/o.sec" --volume-size 200K -o "$W/o.qasid" "$W/big"
run 1 "$QASID" unpack -p "$W/k.pub" -C "$W/ot" "$W/v.part1.qasid" \
    "$W/o.part2.qasid" "$W/v.part3.qasid" "$W/v.part4.qasid"
t_grep "o.part2.qasid" "$ERR"
t_absent "$W/ot"
t_end

t_begin "a damaged later part fails the whole set: nothing is published"
cp "$W/v.part3.qasid" "$W/v3.bak"
flip "$W/v.part3.qasid" $(( $(fsize "$W/v.part3.qasid") - 5000 ))
run 1 "$QASID" unpack -p "$W/k.pub" -C "$W/dmg" "$W/v.part1.qasid" \
    "$W/v.part2.qasid" "$W/v.part3.qasid" "$W/v.part4.qasid"
[ -z "$(find "$W/dmg" -type f 2>/dev/null)" ] || t_fail "a file was published"
t_lines 1 "$ERR"
t_grep "^qasid: $W/v.part3.qasid: [^/]*$" "$ERR"
cp "$W/v3.bak" "$W/v.part3.qasid"
t_end

t_begin "a file of a later part already in the destination: nothing changes"
mkdir -p "$W/pre/big/sub" && echo mine >"$W/pre/big/sub/photo.jpg"
run 2 "$QASID" unpack -p "$W/k.pub" -C "$W/pre" "$W"/v.part*.qasid
t_grep "big/sub/photo.jpg: already exists; nothing was unpacked$" "$ERR"
t_grep "^mine$" "$W/pre/big/sub/photo.jpg"
[ "$(find "$W/pre" -type f | wc -l)" -eq 1 ] || t_fail "files were added"
t_end

t_begin "sets cut exactly at a file, and of whole files only, unpack whole"
run 0 "$QASID" unpack -q -p "$W/k.pub" -C "$W/ue" "$W"/e.part*.qasid
t_same "$W/exact/a" "$W/ue/exact/a"
t_same "$W/exact/b" "$W/ue/exact/b"
run 0 "$QASID" unpack -q -p "$W/k.pub" -C "$W/us" "$W"/s.part*.qasid
for i in 1 2 3 4 5 6; do t_same "$W/small/f$i" "$W/us/small/f$i"; done
t_end

t_begin "salvage of one volume writes its whole files, never a piece"
run 0 "$QASID" unpack --salvage -p "$W/k.pub" -C "$W/u3" "$W/v.part1.qasid"
t_same "$W/big/a.txt" "$W/u3/big/a.txt"
t_same "$W/big/sub/photo.jpg" "$W/u3/big/sub/photo.jpg"
t_grep "^unpacked 2 files into $W/u3$" "$OUT"
[ "$(find "$W/u3" -type f | wc -l)" -eq 2 ] || t_fail "$(find "$W/u3")"
t_absent "$W/u3/.qasid"
t_absent "$W/u3/big/video.mp4"
t_end

t_begin "salvage of a damaged volume: exit 1, only files that match"
cp "$W/v.part1.qasid" "$W/sv1.qasid"
zap_at=$(( $(fsize "$W/sv1.qasid") / 2 ))
head -c 3000 /dev/zero | dd of="$W/sv1.qasid" bs=1 seek=$zap_at \
    conv=notrunc 2>/dev/null
run 1 "$QASID" unpack --salvage -p "$W/k.pub" -C "$W/u4" "$W/sv1.qasid"
t_grep "^qasid: $W/sv1.qasid: damaged" "$ERR"
t_absent "$W/u4/.qasid"
t_absent "$W/u4/big/video.mp4"
for f in big/a.txt big/sub/photo.jpg; do
	[ ! -e "$W/u4/$f" ] || t_same "$W/$f" "$W/u4/$f"
done
[ -z "$(find "$W/u4" -type f ! -name a.txt ! -name photo.jpg 2>/dev/null)" ] ||
    t_fail "$(find "$W/u4" -type f)"
t_end

# A series of sets (pack -n): the record of bundles seen, and the
# publisher's, hold a set as one bundle, by its set id.
mkdir -p "$W/ser"
head -c 500000 /dev/urandom >"$W/ser/clip.mp4"

t_begin "pack -n --volume-size records the set once; its parts are one bundle"
run 0 "$QASID" pack -s "$W/k.sec" -n week --volume-size 200K \
    -o "$W/w1.qasid" "$W/ser"
t_grep "^packed .*w1.qasid as 3 volumes (.part1 to .part3)$" "$OUT"
[ "$(ls "$W" | grep -c 'qasid-pack')" -eq 0 ] || t_fail "temporary parts left"
[ "$(grep -c '^packed .* week 1 ' "$QASID_STATE/packed")" -eq 1 ] ||
    t_fail "$(cat "$QASID_STATE/packed")"
run 0 $V "$W/w1.part1.qasid" "$W/w1.part2.qasid" "$W/w1.part3.qasid"
t_grep "w1.part1.qasid: OK .*series week/1.*: NEW" "$OUT"
t_grep "w1.part2.qasid: OK .*series week/1.*: CURRENT" "$OUT"
t_grep "w1.part3.qasid: OK .*series week/1.*: CURRENT" "$OUT"
t_nogrep EQUIVOCATION "$OUT"
t_end

t_begin "another set packed with the same sequence is refused, nothing written"
echo more >"$W/ser/note.txt"
run 2 "$QASID" pack -s "$W/k.sec" -n week -N 1 --volume-size 200K \
    -o "$W/w1b.qasid" "$W/ser"
t_grep "week/1 was packed before .* EQUIVOCATION" "$ERR"
[ -z "$(ls "$W" | grep 'w1b\|qasid-pack')" ] || t_fail "$(ls "$W" | grep 'w1b\|qasid-pack')"
t_end

t_begin "a set reusing a sequence a recipient saw is an EQUIVOCATION"
run 0 "$QASID" pack -q -s "$W/k.sec" -n week -N 1 --reuse-sequence \
    --volume-size 200K -o "$W/w1b.qasid" "$W/ser"
run 1 $V "$W/w1b.part2.qasid"
t_grep "^qasid: .*w1b.part2.qasid: EQUIVOCATION week/1: " "$ERR"
t_end

t_begin "the next set: refused where the chain forked, else whole; then the older one refused"
run 0 "$QASID" pack -q -s "$W/k.sec" -n week --volume-size 200K \
    -o "$W/w2.qasid" "$W/ser"
# week 2 follows w1b (the packer's record), not the week 1 this recipient
# saw: the chain forked, and the set is refused as evidence of it.
run 1 "$QASID" unpack -p "$W/k.pub" -C "$W/uw2" "$W"/w2.part*.qasid
t_grep "EQUIVOCATION week/2: key .* as following week/1 with head" "$ERR"
t_absent "$W/uw2"
# A recipient who saw neither week 1 takes the set whole.
run 0 env QASID_STATE="$W/st2" "$QASID" unpack -p "$W/k.pub" -C "$W/uw2" \
    "$W"/w2.part*.qasid
t_same "$W/ser/clip.mp4" "$W/uw2/ser/clip.mp4"
t_same "$W/ser/note.txt" "$W/uw2/ser/note.txt"
run 1 env QASID_STATE="$W/st2" "$QASID" unpack -p "$W/k.pub" -C "$W/uw1" \
    "$W"/w1.part*.qasid
t_grep "OLDER week/1: sequence 2 .* was seen already" "$ERR"
t_absent "$W/uw1"
t_end

# zap FILE OFFSET COUNT: COUNT bytes from OFFSET become 0xff.
zap() {
	head -c "$3" /dev/zero | tr '\0' '\377' |
	    dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}

t_begin "protect and repair take every volume of a set at once"
mkdir -p "$W/rv"
for p in 1 2 3 4; do cp "$W/v.part$p.qasid" "$W/rv/"; done
run 0 "$QASID" protect -p "$W/k.pub" "$W"/rv/v.part*.qasid
for p in 1 2 3 4; do
	t_grep "^$W/rv/v.part$p.qasid: wrote $W/rv/v.part$p.qasid-rec (5% redundancy)$" "$OUT"
	t_exists "$W/rv/v.part$p.qasid-rec"
done
# Part 1's head, part 2's middle (a piece of the split video), and the
# end of part 4 (its trailer and last member).
zap "$W/rv/v.part1.qasid" 40 600
zap "$W/rv/v.part2.qasid" 100000 6000
zap "$W/rv/v.part4.qasid" $(( $(fsize "$W/rv/v.part4.qasid") - 900 )) 700
# Part 1's head unreadable: still a set, all or nothing, not volumes
# unpacked one by one.
run 1 "$QASID" unpack -p "$W/k.pub" -C "$W/rvo" "$W"/rv/v.part*.qasid
t_grep "^qasid: $W/rv/v.part1.qasid: " "$ERR"
t_absent "$W/rvo"
run 1 $V "$W/rv/v.part2.qasid"
t_grep "damaged.*qasid repair. can restore it" "$ERR"
run 0 "$QASID" repair -p "$W/k.pub" "$W"/rv/v.part*.qasid
for p in 1 2 4; do
	t_grep "^$W/rv/v.part$p.qasid: repaired [0-9]* blocks of 4 KiB; it verifies$" "$OUT"
done
t_grep "^$W/rv/v.part3.qasid: no damage found$" "$OUT"
for p in 1 2 3 4; do t_same "$W/rv/v.part$p.qasid" "$W/v.part$p.qasid"; done
run 0 "$QASID" unpack -q -p "$W/k.pub" -C "$W/rvo" "$W"/rv/v.part*.qasid
t_same "$W/big/video.mp4" "$W/rvo/big/video.mp4"
t_end

t_begin "one volume damaged beyond its recovery data: exit 1, the others repaired"
zap "$W/rv/v.part2.qasid" 20000 60000
zap "$W/rv/v.part3.qasid" 30000 3000
run 1 "$QASID" repair -p "$W/k.pub" "$W"/rv/v.part*.qasid
t_grep "v.part2.qasid" "$ERR"
t_grep "^$W/rv/v.part3.qasid: repaired [0-9]* blocks of 4 KiB; it verifies$" "$OUT"
t_same "$W/rv/v.part3.qasid" "$W/v.part3.qasid"
cmp -s "$W/rv/v.part2.qasid" "$W/v.part2.qasid" && t_fail "part 2 restored?"
t_end

t_begin "verify and list of one volume count the whole set, and say so"
run 0 $V "$W/v.part2.qasid"
t_grep "^$W/v.part2.qasid: OK .* series default/1, 3 files, 603014 bytes in the whole set$" "$OUT"
run 0 "$QASID" list -p "$W/k.pub" "$W/v.part3.qasid"
t_grep "^files:    3 (603014 bytes), 2 folders in the whole set$" "$OUT"
run 0 "$QASID" verify --integrity "$W/v.part1.qasid"
t_grep ", 3 files, 603014 bytes in the whole set$" "$OUT"
t_end

t_begin "copy --plan --sticks spreads a set over sticks, its parts in order"
mkdir -p "$W/sk/src" "$W/sk/dest"
cp "$W"/v.part*.qasid "$W/sk/src/"
run 0 "$QASID" copy --plan --sticks 250K,250K,250K,250K -p "$W/k.pub" \
    "$W/sk/src" "$W/sk/dest"
grep '^  stick [0-9]*: ' "$OUT" | sed 's/^  stick [0-9]*: \([^,]*\),.*/\1/' \
    >"$W/sk/order"
printf 'v.part1.qasid\nv.part2.qasid\nv.part3.qasid\nv.part4.qasid\n' \
    >"$W/sk/want"
t_same "$W/sk/order" "$W/sk/want"
t_grep "^  stick 1: v.part1.qasid, $(fsize "$W/v.part1.qasid") bytes$" "$OUT"
t_grep "^  stick 2: v.part2.qasid, " "$OUT"
t_grep "^stick 1 of 4: 1 bundles, $(fsize "$W/v.part1.qasid") of 256000 bytes$" "$OUT"
t_nogrep "NOT ENOUGH" "$OUT"
[ -z "$(ls -A "$W/sk/dest")" ] || t_fail "--plan wrote: $(ls -A "$W/sk/dest")"
t_end

t_begin "copy --plan --sticks names what fits on no stick"
run 0 "$QASID" copy --plan --sticks 250K -p "$W/k.pub" "$W/sk/src" \
    "$W/sk/dest"
t_grep "^  stick 1: v.part1.qasid, " "$OUT"
t_grep "^  no stick: v.part4.qasid, " "$OUT"
t_grep "^3 bundles fit on none of the 1 sticks: NOT ENOUGH SPACE$" "$OUT"
run 2 "$QASID" copy --sticks 250K -p "$W/k.pub" "$W/sk/src" "$W/sk/dest"
t_grep "^qasid: copy: --sticks goes with --plan$" "$ERR"
run 2 "$QASID" copy --plan --sticks 250K,,1G -p "$W/k.pub" "$W/sk/src" \
    "$W/sk/dest"
t_grep "^qasid: --sticks 250K,,1G: sizes separated by commas" "$ERR"
t_end

t_begin "refcheck.py, the second reader, accepts every volume of every set"
for f in "$W"/v.part*.qasid "$W"/e.part*.qasid "$W"/s.part*.qasid \
    "$W"/w2.part*.qasid; do
	run 0 python3 "$QASID_TOP/tests/format/refcheck.py" --writer "$f"
	t_grep "^OK$" "$OUT"
done
t_end

t_begin "verify --json of one volume: the set's counts, and its part"
run 0 "$QASID" verify --json -p "$W/k.pub" "$W/v.part2.qasid"
t_grep '"files":3,"dirs":2,"bytes":603014,"volume":{"set":"[0-9a-f]\{64\}","part":2,"parts":4,"counts":"set"}' "$OUT"
t_end
