#!/bin/sh
# SPDX-License-Identifier: ISC
# t-roundtrip.sh - what goes into a bundle comes out byte for byte: text and
# binary files, an empty file, a large file, nested folders, names in
# Persian, Burmese and Russian; with safe modes; and the same input, key and
# SOURCE_DATE_EPOCH always make the same bundle.
. "$QASID_TOP/tests/lib.sh"
. "$QASID_TOP/tests/cli/cli.sh"

t_keys
make_drop "$W/src/drop"

t_begin "round trip: text, binary, empty, nested and non-ASCII names"
run 0 "$QASID" pack -s "$W/k.sec" -o "$W/drop.qasid" -t "Week 3" "$W/src/drop"
t_grep "packed $W/drop.qasid" "$OUT"
run 0 "$QASID" verify -p "$W/k.pub" "$W/drop.qasid"
t_grep ": OK " "$OUT"
t_grep " 8 files" "$OUT"
run 0 "$QASID" unpack -p "$W/k.pub" -C "$W/out" "$W/drop.qasid"
t_grep "unpacked 8 files into $W/out" "$OUT"
diff -r "$W/src/drop" "$W/out/drop" >/dev/null || t_fail "trees differ"
tree_list "$W/src" >"$W/src.list"
tree_list "$W/out" >"$W/out.list"
t_same "$W/src.list" "$W/out.list"
t_grep "$FA_FILE" "$W/out.list"
t_grep "$MY_FILE" "$W/out.list"
t_grep "$RU_FILE" "$W/out.list"
t_exists "$W/out/drop/statements/$FA_DIR/older/$RU_FILE"
t_end

t_begin "round trip: the empty file stays an empty file"
if [ ! -f "$W/out/drop/statements/empty.txt" ] ||
    [ -s "$W/out/drop/statements/empty.txt" ]; then
	t_fail "empty.txt missing or not empty"
fi
t_end

t_begin "list shows the non-ASCII names as they were packed"
run 0 "$QASID" list -p "$W/k.pub" "$W/drop.qasid"
t_grep "drop/statements/$FA_DIR/$FA_FILE\$" "$OUT"
t_grep "drop/statements/$MY_FILE\$" "$OUT"
t_grep "drop/statements/$FA_DIR/older/$RU_FILE\$" "$OUT"
t_end

t_begin "unpacked modes: 0755 kept, others 0644, folders 0755, no setuid"
mkdir -p "$W/modes/m"
printf 'a\n' >"$W/modes/m/private.txt"
chmod 0600 "$W/modes/m/private.txt"
printf 'b\n' >"$W/modes/m/owner-exec.sh"
chmod 0700 "$W/modes/m/owner-exec.sh"
printf 'c\n' >"$W/modes/m/group-write.txt"
chmod 0664 "$W/modes/m/group-write.txt"
printf 'd\n' >"$W/modes/m/plain.sh"
chmod 0755 "$W/modes/m/plain.sh"
chmod 0700 "$W/modes/m"
run 0 "$QASID" pack -s "$W/k.sec" -o "$W/modes.qasid" "$W/modes/m"
run 0 "$QASID" unpack -p "$W/k.pub" -C "$W/modes-out" "$W/modes.qasid"
(cd "$W/modes-out" && stat -c '%a %n' m m/*) >"$W/modes.got"
printf '%s\n' "755 m" "644 m/group-write.txt" "755 m/owner-exec.sh" \
    "755 m/plain.sh" "644 m/private.txt" >"$W/modes.want"
t_same "$W/modes.want" "$W/modes.got"
[ -z "$(find "$W/modes-out" -perm /7000)" ] || t_fail "setuid/setgid/sticky"
[ -z "$(find "$W/modes-out" ! -user "$(id -u)")" ] ||
    t_fail "not owned by the user who unpacked"
t_end

t_begin "pack refuses a setuid file (exit 2, path named)"
mkdir -p "$W/suid"
printf 'x\n' >"$W/suid/tool"
chmod 4755 "$W/suid/tool"
run 2 "$QASID" pack -s "$W/k.sec" -o "$W/suid.qasid" "$W/suid"
t_grep "$W/suid/tool" "$ERR"
t_grep "setuid" "$ERR"
t_absent "$W/suid.qasid"
t_end

t_begin "a large file (64 MiB, half random, half text) round trip"
mkdir -p "$W/big"
head -c 33554432 /dev/urandom >"$W/big/video.bin"
yes "A line of the weekly report, repeated to fill the file." |
    head -c 33554432 >>"$W/big/video.bin"
run 0 "$QASID" pack -s "$W/k.sec" -o "$W/big.qasid" -j 2 "$W/big/video.bin"
size=$(fsize "$W/big.qasid")
# The random half is stored, the text half deflated.
if [ "$size" -le 33554432 ] || [ "$size" -ge 36000000 ]; then
	t_fail "bundle of $size bytes for 32 MiB random + 32 MiB text"
fi
run 0 "$QASID" verify -p "$W/k.pub" "$W/big.qasid"
t_grep "1 files, 67108864 bytes" "$OUT"
run 0 "$QASID" unpack -p "$W/k.pub" -C "$W/big-out" "$W/big.qasid"
t_same "$W/big/video.bin" "$W/big-out/video.bin"
t_no_leftovers "$W/big-out"
t_end
rm -rf "$W/big-out" "$W/big"

t_begin "several paths in one bundle, each under its last component"
run 0 "$QASID" pack -s "$W/k.sec" -o "$W/multi.qasid" \
    "$W/src/drop/statements" "$W/src/drop/tools/readme.sh"
run 0 "$QASID" unpack -p "$W/k.pub" -C "$W/multi" "$W/multi.qasid"
t_same "$W/src/drop/tools/readme.sh" "$W/multi/readme.sh"
t_same "$W/src/drop/statements/$MY_FILE" "$W/multi/statements/$MY_FILE"
t_absent "$W/multi/drop"
t_end

t_begin "same input, key and SOURCE_DATE_EPOCH give the same bytes"
# Several 1 MiB chunks, stored and deflated, so threads have work to split.
head -c 3000000 /dev/urandom >"$W/src/drop/media/clip.bin"
yes "Minutes of the assembly." | head -c 3000000 >>"$W/src/drop/media/clip.bin"
SOURCE_DATE_EPOCH=1700000000
export SOURCE_DATE_EPOCH
run 0 "$QASID" pack -s "$W/k.sec" -o "$W/r1.qasid" -t "Week 3" -n news -N 3 \
    -j 1 "$W/src/drop"
run 0 "$QASID" pack -s "$W/k.sec" -o "$W/r2.qasid" -t "Week 3" -n news -N 3 \
    -j 4 "$W/src/drop"
t_same "$W/r1.qasid" "$W/r2.qasid"
# A copy elsewhere, made later (other mtimes and inodes): the same bundle.
cp -R "$W/src/drop" "$W/copy-of-drop"
mkdir -p "$W/elsewhere"
mv "$W/copy-of-drop" "$W/elsewhere/drop"
touch "$W/elsewhere/drop/statements/statement-en.txt"
run 0 "$QASID" pack -s "$W/k.sec" -o "$W/r3.qasid" -t "Week 3" -n news -N 3 \
    "$W/elsewhere/drop"
t_same "$W/r1.qasid" "$W/r3.qasid"
run 0 "$QASID" list -p "$W/k.pub" "$W/r1.qasid"
t_grep "created:  2023-11-14 22:13:20 UTC" "$OUT"
t_end

t_begin "another SOURCE_DATE_EPOCH, title or sequence gives other bytes"
# Other bytes under news/3 again: only with --reuse-sequence (t-series.sh).
run 0 env SOURCE_DATE_EPOCH=1700000001 "$QASID" pack -s "$W/k.sec" \
    -o "$W/d1.qasid" -t "Week 3" -n news -N 3 --reuse-sequence "$W/src/drop"
run 0 "$QASID" pack -s "$W/k.sec" -o "$W/d2.qasid" -t "Week 4" -n news -N 3 \
    --reuse-sequence "$W/src/drop"
run 0 "$QASID" pack -s "$W/k.sec" -o "$W/d3.qasid" -t "Week 3" -n news -N 4 \
    "$W/src/drop"
for d in d1 d2 d3; do
	cmp -s "$W/r1.qasid" "$W/$d.qasid" && t_fail "$d.qasid is r1.qasid"
done
t_end
unset SOURCE_DATE_EPOCH

t_begin "pack never overwrites a bundle unless -f"
cp "$W/drop.qasid" "$W/drop.before"
run 2 "$QASID" pack -s "$W/k.sec" -o "$W/drop.qasid" "$W/modes/m"
t_grep "$W/drop.qasid" "$ERR"
t_grep "exists" "$ERR"
t_same "$W/drop.before" "$W/drop.qasid"
run 0 "$QASID" pack -f -s "$W/k.sec" -o "$W/drop.qasid" "$W/modes/m"
cmp -s "$W/drop.before" "$W/drop.qasid" && t_fail "-f did not replace it"
t_end
