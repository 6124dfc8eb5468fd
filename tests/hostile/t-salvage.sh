#!/bin/sh
# SPDX-License-Identifier: ISC
# t-salvage.sh - unpack --salvage of a damaged bundle writes every file
# whose content matches its signed hash and nothing else, lists the rest
# and exits 1; with damage in each region of the body: the first member,
# a member in the middle of a file that spans several, the last member
# (which holds several small files), the gzip trailer only, a cut-off
# bundle; and crafted bundles: members cut where the packer would not cut
# them, and a signed hash that does not match. A damaged head, an
# untrusted key, or plain unpack give nothing.
. "$QASID_TOP/tests/lib.sh"
. "$QASID_TOP/tests/hostile/lib-hostile.sh"

# The layout (body.c cuts members at 1 MiB; an entry starts a new member
# unless it fits in the current one): member 0 holds pub/ and a.bin;
# members 1-3 hold b.bin; member 4 holds c.bin, small/ with 40 small files,
# z.bin and the end of the archive.
SRC="$W/src"
mkdir -p "$SRC/pub/small"
head -c 300000 /dev/urandom >"$SRC/pub/a.bin"
head -c 3000000 /dev/urandom >"$SRC/pub/b.bin"
head -c 300000 /dev/urandom >"$SRC/pub/c.bin"
i=0
while [ $i -lt 40 ]; do
	head -c 2000 /dev/urandom >"$SRC/pub/small/s$i.txt"
	i=$((i + 1))
done
head -c 200000 /dev/urandom >"$SRC/pub/z.bin"
"$QASID" pack -q -s "$W/k.sec" -o "$W/good.qasid" "$SRC/pub" ||
	echo "FAIL t-salvage: pack failed"
ALL=$(cd "$SRC" && find pub -type f | sort)

# damage OUT BODY_MEMBER [AT [LEN]]: a copy of the good bundle with LEN
# bytes (default 64) changed at AT (a fraction of the member's raw length,
# default its middle) of body member BODY_MEMBER (0 is the first after the
# head and signature); AT "trailer" changes its last 8 bytes.
damage() {
	"$PY" - "$W/good.qasid" "$1" "$2" "${3:-0.5}" "${4:-64}" <<'PY'
import sys
from craft import gunzip_members
raw = bytearray(open(sys.argv[1], "rb").read())
off, m, _ = gunzip_members(bytes(raw))[int(sys.argv[3]) + 2]
if sys.argv[4] == "trailer":
    at, n = off + len(m) - 8, 8
else:
    at, n = off + int(len(m) * float(sys.argv[4])), int(sys.argv[5])
for i in range(at, at + n):
    raw[i] ^= 0x5A
open(sys.argv[2], "wb").write(raw)
PY
}

# salvaged BUNDLE LOST...: salvage must exit 1, print "not recovered: F"
# for exactly the LOST files, say the result is incomplete, and leave
# every other file byte-identical and no trace of the lost ones.
salvaged() {
	b=$1
	shift
	rm -rf "$W/out"
	run 1 "$QASID" unpack --salvage -p "$W/k.pub" -C "$W/out" "$b"
	for f in "$@"; do echo "not recovered: $f"; done >"$W/want"
	sort "$OUT" | cmp -s - "$W/want" ||
		t_fail "listed: $(tr '\n' ' ' <"$OUT") want: $*"
	t_lines 1 "$ERR"
	t_grep "^qasid: $b: damaged: $# of 44 files could not be recovered; the $((44 - $#)) that match their signed hashes were unpacked into $W/out; the result is incomplete$" "$ERR"
	intact "$@"
}
# intact LOST...: every file but LOST is in $W/out as it was packed; none
# of LOST is there, nor any working file.
intact() {
	for f in $ALL; do
		case " $* " in
		*" $f "*) t_absent "$W/out/$f" ;;
		*) cmp -s "$SRC/$f" "$W/out/$f" || t_fail "$f: not intact" ;;
		esac
	done
	ls -a "$W/out" | grep -q qasid && t_fail "working files left"
	return 0
}
SMALL=$(i=0; while [ $i -lt 40 ]; do echo pub/small/s$i.txt; i=$((i + 1)); done | sort)

t_begin "salvage: damage in the first body member"
damage "$W/d0.qasid" 0
salvaged "$W/d0.qasid" pub/a.bin
t_end

t_begin "salvage: damage in the middle of a file spanning three members"
damage "$W/d2.qasid" 2
salvaged "$W/d2.qasid" pub/b.bin
t_end

t_begin "salvage: damage in the last member, in c.bin before small files"
damage "$W/d4.qasid" 4 0.3
salvaged "$W/d4.qasid" pub/c.bin
t_end

# Where exactly 20000 changed bytes among the small files end, and whether
# they break a deflate block header (which costs the rest of the member),
# depends on how the files compressed: only some small files, at most all
# after the damage, may be lost; the files of other members never.
t_begin "salvage: a run of damage among many small files in one member"
damage "$W/ds.qasid" 4 0.6 20000
rm -rf "$W/out"
run 1 "$QASID" unpack --salvage -p "$W/k.pub" -C "$W/out" "$W/ds.qasid"
lost=$(sed -n 's/^not recovered: //p' "$OUT")
n=$(echo "$lost" | grep -c small/) || t_fail "no small file lost: $lost"
t_nogrep "a.bin\|b.bin\|c.bin" "$OUT"
t_grep "^qasid: $W/ds.qasid: damaged: $(echo "$lost" | wc -l) of 44 files" "$ERR"
# shellcheck disable=SC2086
intact $lost
t_end

t_begin "salvage: a cut-off bundle keeps what came before the cut"
head -c 1600000 "$W/good.qasid" >"$W/cut.qasid"
# shellcheck disable=SC2086
salvaged "$W/cut.qasid" pub/b.bin pub/c.bin $SMALL pub/z.bin
t_end

t_begin "salvage: damage only in a gzip trailer loses no file, still exit 1"
damage "$W/dt.qasid" 4 trailer
rm -rf "$W/out"
run 1 "$QASID" unpack --salvage -p "$W/k.pub" -C "$W/out" "$W/dt.qasid"
t_grep "^qasid: $W/dt.qasid: damaged, but all 44 files match their signed hashes and were unpacked into $W/out$" "$ERR"
for f in $ALL; do cmp -s "$SRC/$f" "$W/out/$f" || t_fail "$f: not intact"; done
t_end

t_begin "salvage: an intact bundle unpacks whole, exit 0"
rm -rf "$W/out"
run 0 "$QASID" unpack --salvage -p "$W/k.pub" -C "$W/out" "$W/good.qasid"
for f in $ALL; do cmp -s "$SRC/$f" "$W/out/$f" || t_fail "$f: not intact"; done
t_end

t_begin "plain unpack of a damaged bundle stays all or nothing"
h_refuse_unpack 1 "gzip member" "$W/d2.qasid"
t_nogrep "not recovered" "$OUT"
t_end

t_begin "salvage needs a trusted key and an intact head"
h_case
"$QASID" keygen -W -p "$W/o.pub" -s "$W/o.sec" >/dev/null
run 1 "$QASID" unpack --salvage -p "$W/o.pub" -C "$DEST" "$W/d2.qasid"
h_reason "not trusted\|untrusted\|not signed by"
[ -s "$OUT" ] && t_fail "listed: $(cat "$OUT")"
cp "$W/good.qasid" "$W/dh.qasid"
printf 'XXXXXXXX' | dd of="$W/dh.qasid" bs=1 seek=100 conv=notrunc 2>/dev/null
run 1 "$QASID" unpack --salvage -p "$W/k.pub" -C "$DEST" "$W/dh.qasid"
[ -s "$OUT" ] && t_fail "listed: $(cat "$OUT")"
h_case_same
t_end

t_begin "salvage never writes a file whose signed hash does not match"
craft "$W/lie.qasid" <<'PY'
A = File("a.txt", b"first\n")
Bd = File("b.txt", b"second\n")
B = Bundle(K, [A, Bd])
m = B.members(B.chunks())
mf = B.manifest(m).replace(b2(b"second\n", 64).hex().encode(),
                           b2(b"other\n", 64).hex().encode())
B.write(OUT, members=m, manifest=mf)
PY
rm -rf "$W/out"
run 1 "$QASID" unpack --salvage -p "$W/k.pub" -C "$W/out" "$W/lie.qasid"
t_grep "^not recovered: b.txt$" "$OUT"
t_grep "damaged: 1 of 2 files could not be recovered" "$ERR"
t_absent "$W/out/b.txt"
[ "$(cat "$W/out/a.txt")" = first ] || t_fail "a.txt not unpacked"
t_end

t_begin "salvage follows the manifest's members wherever a writer cut them"
craft "$W/cuts.qasid" <<'PY'
import random
rnd = random.Random(7)
files = [File("d/f%d.bin" % i, bytes(rnd.getrandbits(8) for _ in range(
    150000 + 777 * i))) for i in range(6)]
B = Bundle(K, [Dir("d")] + files)
tar = B.tar()
cuts = [tar[i:i + 65536] for i in range(0, len(tar), 65536)]
m = B.members(cuts)
raw = bytearray(B.build(members=m))
bad = 5
start = len(raw) - sum(len(x) for x in m[bad:])
for i in range(start + 30, start + 90):
    raw[i] ^= 0x5A
open(OUT, "wb").write(raw)
# The files whose content lies in member bad's part of the tar stream.
lo, hi, pos, lost = bad * 65536, (bad + 1) * 65536, 512, []
for f in files:
    data = pos + 512
    if data < hi and data + f.size > lo:
        lost.append(f.path.decode())
    pos = data + f.size + len(pad(f.size))
open(OUT + ".lost", "w").write("".join("not recovered: %s\n" % p
                                       for p in sorted(lost)))
PY
rm -rf "$W/out"
run 1 "$QASID" unpack --salvage -p "$W/k.pub" -C "$W/out" "$W/cuts.qasid"
sort "$OUT" | cmp -s - "$W/cuts.qasid.lost" ||
	t_fail "listed: $(tr '\n' ' ' <"$OUT") want: $(tr '\n' ' ' \
	    <"$W/cuts.qasid.lost")"
n=$(find "$W/out/d" -type f | wc -l)
[ "$n" -eq $((6 - $(wc -l <"$W/cuts.qasid.lost"))) ] ||
	t_fail "$n files unpacked"
t_end
