#!/bin/sh
# SPDX-License-Identifier: ISC
# t-repair.sh - protect and repair: with 10% redundancy, 40 scattered 4 KiB
# blocks and a contiguous 2 MiB run destroyed are restored byte-identical;
# a destroyed head is rebuilt; damage beyond the bound is refused and the
# bundle left as it was; a rebuilt bundle that does not verify against the
# trusted keys never replaces the damaged one; verify points to repair.
. "$QASID_TOP/tests/lib.sh"
. "$QASID_TOP/tests/cli/cli.sh"

t_keys
mkdir -p "$W/src"
head -c 33000000 /dev/urandom >"$W/src/video.mp4"
printf 'notes\n' >"$W/src/notes.txt"
"$QASID" pack -q -s "$W/k.sec" -o "$W/b.qasid" "$W/src" ||
	echo "FAIL t-repair: pack failed"
cp "$W/b.qasid" "$W/orig.qasid"

# wreck FILE SEED BLOCKS RUN_AT RUN_LEN: overwrites BLOCKS random 4 KiB
# blocks and a run of RUN_LEN bytes at RUN_AT with random bytes.
wreck() {
	python3 - "$@" <<'PY'
import os, random, sys
path, seed, blocks, at, n = sys.argv[1], *map(int, sys.argv[2:])
size = os.path.getsize(path)
rnd = random.Random(seed)
with open(path, "r+b") as f:
    for _ in range(blocks):
        f.seek(rnd.randrange(size // 4096) * 4096)
        f.write(os.urandom(4096))
    f.seek(at)
    f.write(os.urandom(n))
PY
}

t_begin "protect writes BUNDLE-rec after verifying"
run 0 "$QASID" protect --redundancy 10 -p "$W/k.pub" "$W/b.qasid"
t_grep "^$W/b.qasid: wrote $W/b.qasid-rec (10% redundancy)$" "$OUT"
t_exists "$W/b.qasid-rec"
t_end

t_begin "repair: 40 scattered blocks and a 2 MiB run, byte-identical"
wreck "$W/b.qasid" 1 40 10000123 2097152
run 1 "$QASID" verify -p "$W/k.pub" "$W/b.qasid"
t_grep "^qasid: $W/b.qasid: damaged ([0-9]* blocks of 4 KiB); \`qasid repair\` can restore it$" "$ERR"
run 0 "$QASID" repair -p "$W/k.pub" "$W/b.qasid"
t_grep "^$W/b.qasid: repaired [0-9]* blocks of 4 KiB; it verifies$" "$OUT"
t_same "$W/b.qasid" "$W/orig.qasid"
run 0 "$QASID" repair -p "$W/k.pub" "$W/b.qasid"
t_grep "no damage found" "$OUT"
t_end

t_begin "repair: a destroyed head and a damaged recovery-file header"
wreck "$W/b.qasid" 2 0 0 65536
cp "$W/b.qasid-rec" "$W/rec.bak"
wreck "$W/b.qasid-rec" 3 0 100 200
run 0 "$QASID" repair -p "$W/k.pub" "$W/b.qasid"
t_same "$W/b.qasid" "$W/orig.qasid"
cp "$W/rec.bak" "$W/b.qasid-rec"
t_end

t_begin "repair: a bundle cut short by 1 MiB is made whole"
head -c $(($(wc -c <"$W/orig.qasid") - 1048576)) "$W/orig.qasid" >"$W/b.qasid"
run 0 "$QASID" repair -p "$W/k.pub" "$W/b.qasid"
t_same "$W/b.qasid" "$W/orig.qasid"
t_end

t_begin "repair beyond the bound leaves the bundle as it was"
wreck "$W/b.qasid" 4 0 5000000 8000000
cp "$W/b.qasid" "$W/wrecked.qasid"
run 1 "$QASID" repair -p "$W/k.pub" "$W/b.qasid"
t_grep "damaged beyond what .*b.qasid-rec can restore" "$ERR"
t_same "$W/b.qasid" "$W/wrecked.qasid"
run 1 "$QASID" verify -p "$W/k.pub" "$W/b.qasid"
t_grep "damaged beyond what" "$ERR"
n=$(find "$W" -maxdepth 1 -name '.*qasid-*' | wc -l)
[ "$n" -eq 0 ] || t_fail "temporary files left"
cp "$W/orig.qasid" "$W/b.qasid"
t_end

t_begin "repair never makes an untrusted bundle pass"
"$QASID" keygen -W -p "$W/o.pub" -s "$W/o.sec" >/dev/null
"$QASID" pack -q -s "$W/o.sec" -o "$W/o.qasid" "$W/src"
run 0 "$QASID" protect -q -p "$W/o.pub" "$W/o.qasid"
t_empty "$OUT"
wreck "$W/o.qasid" 5 10 0 0
cp "$W/o.qasid" "$W/o-wrecked.qasid"
run 1 "$QASID" repair -p "$W/k.pub" "$W/o.qasid"
t_grep "the rebuilt bundle does not verify, so the damaged one was left as it was" "$ERR"
t_same "$W/o.qasid" "$W/o-wrecked.qasid"
t_end

t_begin "protect refuses a damaged bundle; repair needs a recovery file"
run 1 "$QASID" protect -p "$W/o.pub" "$W/o.qasid"
run 2 "$QASID" repair -p "$W/k.pub" "$W/orig.qasid"
t_grep "^qasid: $W/orig.qasid: no recovery file" "$ERR"
run 2 "$QASID" protect --redundancy 80 -p "$W/k.pub" "$W/b.qasid"
t_grep "1 to 50" "$ERR"
t_end
