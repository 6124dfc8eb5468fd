#!/bin/sh
# SPDX-License-Identifier: ISC
# t-format2.sh - format 2 (FORMAT.md 17): its header read and written, the
# trusted comment's version bound to the manifest's, versions above 2 and
# a volume without its set file refused, piece lines only in a volume;
# format 1 still read.
if [ -d /dev/shm ] && [ -w /dev/shm ]; then TMPDIR=/dev/shm; export TMPDIR; fi
. "$QASID_TOP/tests/lib.sh"
. "$QASID_TOP/tests/hostile/lib-hostile.sh"

PRE='B = Bundle(K, [Dir("news"), File("news/today.txt", b"all is well\n")])'
SETID=$(printf '%064d' 7)
HK=$(printf '5a%062d' 1)

t_begin "format 2: --version names bundle format 2"
run 0 "$QASID" --version
t_grep "(bundle format 2)" "$OUT"
t_end

t_begin "format 2: qasid pack writes it, --format 1 writes format 1"
mkdir -p "$W/in/news" && echo "all is well" >"$W/in/news/today.txt"
run 0 "$QASID" pack -q -s "$W/k.sec" -o "$W/p2.qasid" "$W/in/news"
run 0 "$QASID" pack -q -s "$W/k.sec" -o "$W/p1.qasid" --format 1 \
    "$W/in/news"
mkdir "$W/x2" "$W/x1"
tar -xzf "$W/p2.qasid" -C "$W/x2" && tar -xzf "$W/p1.qasid" -C "$W/x1"
t_grep "^qasid-manifest 2$" "$W/x2/.qasid/manifest"
t_grep "^next-key [0-9a-f]\{64\}$" "$W/x2/.qasid/manifest"
t_grep "^pieces 0$" "$W/x2/.qasid/manifest"
t_grep "qasid-bundle 2 head:" "$W/x2/.qasid/manifest.minisig"
t_grep "^qasid-manifest 1$" "$W/x1/.qasid/manifest"
t_nogrep "^next-key" "$W/x1/.qasid/manifest"
t_grep "qasid-bundle 1 head:" "$W/x1/.qasid/manifest.minisig"
run 0 "$QASID" verify -p "$W/k.pub" "$W/p2.qasid" "$W/p1.qasid"
t_end

t_begin "format 2: --format takes 1 or 2 only"
run 2 "$QASID" pack -q -s "$W/k.sec" -o "$W/p3.qasid" --format 3 "$W/in/news"
t_grep "^qasid: --format 3: bundle format 1 or 2$" "$ERR"
[ ! -e "$W/p3.qasid" ] || t_fail "a bundle was written"
t_end

t_begin "format 2: a crafted bundle with every field verifies and unpacks"
craft "$W/full.qasid" <<PY
$PRE
B.write(OUT, manifest=lambda m: v2(m, next_key=b"$HK",
        previous=b"6 " + b"ab" * 32, expires=b"1800000000"), trusted=format2)
PY
run 0 "$QASID" verify -p "$W/k.pub" "$W/full.qasid"
h_accept "$W/full.qasid"
run 0 "$QASID" list --json -p "$W/k.pub" "$W/full.qasid"
t_grep '"format":2' "$OUT"
t_end

t_begin "format 2: a format-2 manifest signed as format 1 is refused"
craft "$W/m2s1.qasid" <<PY
$PRE
B.write(OUT, manifest=v2)
PY
h_refuse 1 "manifest format 2, but its signature says format 1" \
    "$W/m2s1.qasid"
t_end

t_begin "format 2: a format-1 manifest signed as format 2 is refused"
craft "$W/m1s2.qasid" <<PY
$PRE
B.write(OUT, trusted=format2)
PY
h_refuse 1 "manifest format 1, but its signature says format 2" \
    "$W/m1s2.qasid"
t_end

t_begin "format 2: a trusted comment naming format 3 is refused as such"
craft "$W/s3.qasid" <<PY
$PRE
B.write(OUT, trusted=lambda h: b"qasid-bundle 3 head:" + h)
PY
h_refuse 1 "bundle format 3 is not supported (this reads formats 1 to 2)" \
    "$W/s3.qasid"
t_end

t_begin "format 2: a volume without its set file is refused"
craft "$W/vol.qasid" <<PY
$PRE
B.write(OUT, manifest=lambda m: v2(m, volume=b"$SETID 1 2"), trusted=format2)
PY
h_refuse 1 "a volume without its set file (.qasid/set)" "$W/vol.qasid"
run 1 python3 "$QASID_TOP/tests/format/refcheck.py" "$W/vol.qasid"
t_grep "^refcheck: .*: a volume without .qasid/set$" "$OUT"
t_end

# A one-part volume of the set SET (text), whose volume line names ID.
VOL='def vol(st, sid=None):
    sid = sid or b2(st, 32).hex().encode()
    return Bundle(K, [Dir(".qasid"), File(".qasid/set", st), Dir("news"),
                      File("news/today.txt", b"all is well\n")]), sid
GOOD = (b"qasid-set 1\nparts 1\ndir news\nfile 644 12 " +
        b2(b"all is well\n", 64).hex().encode() + b" 1 1  news/today.txt\nend\n")'

t_begin "volumes: a crafted one-part volume verifies and lists its set"
craft "$W/v1.qasid" <<PY
$VOL
B, sid = vol(GOOD)
B.write(OUT, manifest=lambda m: v2(m, volume=sid + b" 1 1"), trusted=format2)
PY
run 0 "$QASID" verify -p "$W/k.pub" "$W/v1.qasid"
run 0 "$QASID" list -p "$W/k.pub" "$W/v1.qasid"
t_grep "news/today.txt  (part 1)$" "$OUT"
run 0 python3 "$QASID_TOP/tests/format/refcheck.py" "$W/v1.qasid"
t_grep "^OK$" "$OUT"
t_end

t_begin "volumes: a set file that is not the one SETID names is refused"
craft "$W/v2.qasid" <<PY
$VOL
B, sid = vol(GOOD, b"$SETID")
B.write(OUT, manifest=lambda m: v2(m, volume=sid + b" 1 1"), trusted=format2)
PY
h_refuse_verify 1 "the set file does not match the volume's set id" \
    "$W/v2.qasid"
run 1 python3 "$QASID_TOP/tests/format/refcheck.py" "$W/v2.qasid"
t_grep "^refcheck: .*: the set file is not SETID's$" "$OUT"
t_end

t_begin "volumes: a hostile set file is refused: unsafe path, bad parts"
for bad in 'dir ../up' 'file 644 1 x 1 1  a' 'parts 2' 'qasid-set 9'; do
	craft "$W/v3.qasid" <<PY
$VOL
st = GOOD.replace(b"dir news", b"$bad") if b"$bad".startswith(b"dir") or \
    b"$bad".startswith(b"file") else GOOD.replace(
    b"parts 1" if b"$bad".startswith(b"parts") else b"qasid-set 1", b"$bad")
B, sid = vol(st)
B.write(OUT, manifest=lambda m: v2(m, volume=sid + b" 1 1"), trusted=format2)
PY
	run 1 "$QASID" verify -p "$W/k.pub" "$W/v3.qasid"
	t_grep "set file line" "$ERR"
	run 1 python3 "$QASID_TOP/tests/format/refcheck.py" "$W/v3.qasid"
	t_grep "^refcheck: .*: .*set file" "$OUT"
done
t_end

# Part 1 of 2 holding the first piece (OFF 0) of news/big.bin; piece(OFF)
# names it at another offset in the piece line than in its tar name.
PIECE='import re
BIG = bytes(range(256)) * 40
NAME = (".qasid/pieces/" + b2(b"news/big.bin", 32).hex()[:32] +
        "-%020d" % 0).encode()
ST = (b"qasid-set 1\nparts 2\ndir news\nfile 644 %d " % (2 * len(BIG)) +
      b"ab" * 64 + b" 1 2  news/big.bin\nend\n")
B = Bundle(K, [Dir(".qasid"), Dir(".qasid/pieces"), File(NAME, BIG),
               File(".qasid/set", ST), Dir("news")])
SID = b2(ST, 32).hex().encode()
def piece(m, off=0, data=BIG):
    h = b2(data, 64).hex().encode()
    m = m.replace(b"file 644 %d %s  %s\n" % (len(data), h, NAME),
                  b"piece %d %d %s  news/big.bin\n" % (off, len(data), h))
    m = re.sub(rb"\nfiles (\d+)\n", lambda x: b"\nfiles %d\n" %
               (int(x.group(1)) - 1), m)
    m = re.sub(rb"\nbytes (\d+)\n", lambda x: b"\nbytes %d\n" %
               (int(x.group(1)) - len(data)), m)
    return v2(m, volume=SID + b" 1 2", pieces=b"1")'

t_begin "volumes: a crafted piece verifies; unpack never publishes it"
craft "$W/pc.qasid" <<PY
$PIECE
B.write(OUT, manifest=piece, trusted=format2)
PY
run 0 "$QASID" verify -p "$W/k.pub" "$W/pc.qasid"
h_accept "$W/pc.qasid"
[ -z "$(find "$W/ok" -type f)" ] || t_fail "a piece was published"
t_end

t_begin "volumes: a piece at another offset than its tar name is refused"
craft "$W/pc2.qasid" <<PY
$PIECE
B.write(OUT, manifest=lambda m: piece(m, off=512), trusted=format2)
PY
h_refuse 1 "does not match the manifest" "$W/pc2.qasid"
t_end

t_begin "volumes: a piece whose bytes are not its signed hash is refused"
craft "$W/pc3.qasid" <<PY
$PIECE
BAD = BIG[:-1] + b"x"
B.entries[2] = File(NAME, BAD)
B.write(OUT, manifest=lambda m: piece(m, data=BAD).replace(
    b2(BAD, 64).hex().encode(), b2(BIG, 64).hex().encode()), trusted=format2)
PY
h_refuse 1 "does not match its signed hash" "$W/pc3.qasid"
t_end

t_begin "format 2: pieces or a piece line outside a volume are refused"
craft "$W/pieces.qasid" <<PY
$PRE
B.write(OUT, manifest=lambda m: v2(m, pieces=b"1"), trusted=format2)
PY
h_refuse 1 "pieces in a bundle that is not a volume" "$W/pieces.qasid"
craft "$W/piece.qasid" <<PY
$PRE
B.write(OUT, manifest=lambda m: v2(m).replace(b"file 644 12 ",
        b"piece 0 12 "), trusted=format2)
PY
h_refuse 1 "expected a dir, file or member line" "$W/piece.qasid"
t_end

t_begin "format 2: malformed format-2 lines are refused"
for e in 'next-key NONE' 'previous 6' 'expires -1' 'volume 1 1'; do
	k=${e%% *}
	craft "$W/bad.qasid" <<PY
$PRE
import re
B.write(OUT, manifest=lambda m: re.sub(rb"\n$k [^\n]*\n", b"\n$e\n", v2(m)),
        trusted=format2)
PY
	h_refuse_verify 1 "manifest line [0-9]*: " "$W/bad.qasid"
done
t_end

t_begin "format 2: .qasid paths stay reserved in pack input"
mkdir -p "$W/res/.qasid" && echo x >"$W/res/.qasid/keys"
run 2 "$QASID" pack -q -s "$W/k.sec" -o "$W/res.qasid" "$W/res/.qasid"
t_grep "reserved for qasid's own use" "$ERR"
[ ! -e "$W/res.qasid" ] || t_fail "a bundle was written"
t_end

# Statements carried (FORMAT.md 17.3): .qasid/keys/ files first, filling
# member 2 alone, not counted as content.
KPRE='E = [File(".qasid/keys/a.rotate", b"qasid-statement 1\n"), Dir("news"),
     File("news/today.txt", b"all is well\n")]
B = Bundle(K, E)
parts, trailer = B.tar_parts()
def mf(members):
    return lambda m: v2(B.manifest(members, counts=(1, 1, 12)))'

t_begin "format 2: statements carried alone in member 2 verify, never unpacked"
craft "$W/carry.qasid" <<PY
$KPRE
ms = B.members([parts[0], b"".join(parts[1:]) + trailer])
B.write(OUT, members=ms, manifest=mf(ms), trusted=format2)
PY
run 0 "$QASID" verify -p "$W/k.pub" "$W/carry.qasid"
t_grep "1 files, 12 bytes" "$OUT"
h_accept "$W/carry.qasid"
[ -e "$W/ok/.qasid" ] && t_fail "a .qasid entry was unpacked"
t_exists "$W/ok/news/today.txt"
t_end

t_begin "format 2: statements carried beside content in one member are refused"
craft "$W/carry1.qasid" <<PY
$KPRE
ms = B.members(B.chunks())
B.write(OUT, members=ms, manifest=mf(ms), trusted=format2)
PY
h_refuse 1 "the statements it carries do not fill the first body member alone" \
    "$W/carry1.qasid"
run 1 python3 "$QASID_TOP/tests/format/refcheck.py" "$W/carry1.qasid"
t_grep "statements carried do not fill member 2 alone" "$OUT"
run 0 python3 "$QASID_TOP/tests/format/refcheck.py" "$W/carry.qasid"
t_end

t_begin "format 2: statements carried but counted as content are refused"
craft "$W/carry2.qasid" <<PY
$KPRE
ms = B.members([parts[0], b"".join(parts[1:]) + trailer])
B.write(OUT, members=ms, manifest=lambda m: v2(B.manifest(ms)),
        trusted=format2)
PY
h_refuse 1 "manifest totals do not match its entries" "$W/carry2.qasid"
t_end
