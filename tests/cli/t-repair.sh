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

t_begin "repair: a destroyed head whose copy is damaged too is rebuilt"
wreck "$W/b.qasid" 6 0 0 65536
cp "$W/b.qasid-rec" "$W/rec.bak"
wreck "$W/b.qasid-rec" 7 0 4200 100
run 0 "$QASID" repair -p "$W/k.pub" "$W/b.qasid"
t_grep "^$W/b.qasid: repaired [0-9]* blocks of 4 KiB; it verifies$" "$OUT"
t_same "$W/b.qasid" "$W/orig.qasid"
cp "$W/rec.bak" "$W/b.qasid-rec"
t_end

# Damage the recovery file does not see: its hash of the damaged block is
# replaced by the damaged block's own. Only the signed hashes find it.
t_begin "repair checks what it rebuilt against the signed hashes"
python3 - "$W/b.qasid" "$W/b.qasid-rec" <<'PY'
import hashlib, sys
b, r = sys.argv[1], sys.argv[2]
with open(r, "rb") as f:
    hdr = f.read(4096).split(b"\0")[0].decode()
field = dict(l.split(" ", 1) for l in hdr.splitlines()[1:-1])
size, headlen = int(field["size"]), int(field["head"].split()[0])
tab = 4096 + (headlen + 4095) // 4096 * 4096
j = size // 4096 // 2
with open(b, "r+b") as f:
    f.seek(j * 4096)
    blk = bytearray(f.read(4096))
    blk[100] ^= 0xFF
    f.seek(j * 4096)
    f.write(blk)
with open(r, "r+b") as f:
    f.seek(tab + 16 * j)
    f.write(hashlib.blake2b(bytes(blk), digest_size=16).digest())
PY
cp "$W/b.qasid" "$W/unseen.qasid"
run 1 "$QASID" repair -p "$W/k.pub" "$W/b.qasid"
t_lines 1 "$ERR"
t_grep "^qasid: $W/b.qasid: the rebuilt bundle does not verify, so the damaged one was left as it was: the member at byte [0-9]* does not match its signed hash$" "$ERR"
t_same "$W/b.qasid" "$W/unseen.qasid"
cp "$W/orig.qasid" "$W/b.qasid"
cp "$W/rec.bak" "$W/b.qasid-rec"
t_end

# A recovery file is untrusted: one made for another bundle of the same
# publisher carries a head copy that verifies, and must still repair
# nothing.
t_begin "repair with another bundle's recovery file changes nothing"
printf 'other\n' >"$W/src/other.txt"
"$QASID" pack -q -s "$W/k.sec" -o "$W/b2.qasid" "$W/src"
rm "$W/src/other.txt"
"$QASID" protect -q -p "$W/k.pub" "$W/b2.qasid"
wreck "$W/b.qasid" 9 5 0 0
cp "$W/b.qasid" "$W/mixed.qasid"
cp "$W/b2.qasid-rec" "$W/b.qasid-rec"
run 1 "$QASID" repair -p "$W/k.pub" "$W/b.qasid"
t_lines 1 "$ERR"
t_same "$W/b.qasid" "$W/mixed.qasid"
cp "$W/orig.qasid" "$W/b.qasid"
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
t_lines 1 "$ERR"
t_grep "^qasid: $W/o.qasid: signed by key [0-9A-F]*, which is not trusted.*; so it was not repaired and was left as it was$" "$ERR"
t_same "$W/o.qasid" "$W/o-wrecked.qasid"
t_end

t_begin "protect refuses a damaged bundle; repair needs a recovery file"
cp "$W/o.qasid-rec" "$W/o-rec.bak"
run 1 "$QASID" protect -p "$W/o.pub" "$W/o.qasid"
t_lines 1 "$ERR"
t_grep "^qasid: $W/o.qasid: damaged: the member at byte [0-9]* does not match its signed hash; protect makes recovery data only for an intact bundle (repair it, or get another copy)$" "$ERR"
t_same "$W/o.qasid-rec" "$W/o-rec.bak"
head -c 1000000 "$W/orig.qasid" >"$W/cut.qasid"
run 1 "$QASID" protect -p "$W/k.pub" "$W/cut.qasid"
t_grep "^qasid: $W/cut.qasid: damaged: " "$ERR"
t_absent "$W/cut.qasid-rec"
run 2 "$QASID" repair -p "$W/k.pub" "$W/orig.qasid"
t_grep "^qasid: $W/orig.qasid: no recovery file" "$ERR"
run 2 "$QASID" protect --redundancy 80 -p "$W/k.pub" "$W/b.qasid"
t_grep "1 to 50" "$ERR"
t_end

# In place: a worn stick rarely has room for a second copy of the bundle.
if [ "$(id -u)" -ne 0 ]; then
	t_skip "repair on a full medium" "needs root (a small tmpfs)"
elif mkdir "$W/full" && mount -t tmpfs -o size=40M tmpfs "$W/full" 2>/dev/null
then
	t_begin "repair on a medium with no room for a second copy"
	cp "$W/orig.qasid" "$W/full/b.qasid"
	cp "$W/b.qasid-rec" "$W/full/b.qasid-rec"
	wreck "$W/full/b.qasid" 8 40 20000000 2097152
	run 0 "$QASID" repair -p "$W/k.pub" "$W/full/b.qasid"
	t_grep "repaired [0-9]* blocks of 4 KiB; it verifies$" "$OUT"
	t_same "$W/full/b.qasid" "$W/orig.qasid"
	t_end

	# The journal needs room for the rebuilt blocks; without it they are
	# written straight over the lost ones, as they were before journals.
	t_begin "repair on a medium with no room even for its journal"
	wreck "$W/full/b.qasid" 10 40 20000000 2097152
	free=$(df -B1 --output=avail "$W/full" | tail -n 1)
	head -c $((free - 65536)) /dev/zero >"$W/full/filler"
	run 0 "$QASID" repair -p "$W/k.pub" "$W/full/b.qasid"
	t_grep "repaired [0-9]* blocks of 4 KiB; it verifies$" "$OUT"
	t_same "$W/full/b.qasid" "$W/orig.qasid"
	t_absent "$W/full/.b.qasid.qasid-repair"
	umount "$W/full"
	t_end
else
	t_skip "repair on a full medium" "cannot mount a tmpfs here"
fi
