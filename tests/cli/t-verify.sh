#!/bin/sh
# SPDX-License-Identifier: ISC
# t-verify.sh - qasid verify: one OK line per good bundle with its title, key
# id, series/sequence and file count; exit 1 for a changed byte anywhere,
# an untrusted key or something that is not a bundle; exit 2 for anything
# that is not the bundle's fault.
. "$QASID_TOP/tests/lib.sh"
. "$QASID_TOP/tests/cli/cli.sh"

t_keys
"$QASID" keygen -W -p "$W/other.pub" -s "$W/other.sec" >/dev/null
ID=$(keyid "$W/k.pub")
make_drop "$W/src/drop"
"$QASID" pack -s "$W/k.sec" -o "$W/a.qasid" -t "Week 3: statements" \
    -n teachers -N 3 "$W/src/drop" >/dev/null
"$QASID" pack -s "$W/k.sec" -o "$W/b.qasid" -t "Week 4" -n teachers -N 4 \
    "$W/src/drop/statements" >/dev/null
"$QASID" pack -s "$W/k.sec" -o "$W/c.qasid" -t "Report" -n reports-2 \
    -N 17 "$W/src/drop/tools/readme.sh" >/dev/null

t_begin "verify prints one OK line: title, key id, series/sequence, files"
run 0 "$QASID" verify -p "$W/k.pub" "$W/a.qasid"
t_lines 1 "$OUT"
t_grep "^$W/a.qasid: OK \"Week 3: statements\" key $ID" "$OUT"
t_grep " series teachers/3, 8 files, " "$OUT"
t_empty "$ERR"
t_end

t_begin "verify checks several bundles in one call, one line each"
run 0 "$QASID" verify -p "$W/k.pub" "$W/a.qasid" "$W/b.qasid" "$W/c.qasid"
t_lines 4 "$OUT"
sed -n 4p "$OUT" | grep -q "^3 bundles: 3 verified, 0 failed\$" ||
    t_fail "summary: $(sed -n 4p "$OUT")"
sed -n 1p "$OUT" | grep -q "^$W/a.qasid: OK \"Week 3: statements\" .* teachers/3, 8 files" ||
    t_fail "line 1: $(sed -n 1p "$OUT")"
sed -n 2p "$OUT" | grep -q "^$W/b.qasid: OK \"Week 4\" key $ID.* teachers/4, 5 files" ||
    t_fail "line 2: $(sed -n 2p "$OUT")"
sed -n 3p "$OUT" | grep -q "^$W/c.qasid: OK \"Report\" key $ID.* reports-2/17, 1 files" ||
    t_fail "line 3: $(sed -n 3p "$OUT")"
t_empty "$ERR"
t_end

# The cases below verify week 3 after week 4: --allow-older, as they are
# not about the order of a series (t-series.sh is).
t_begin "verify with the key as a string (-P) and in a keyring (-K)"
run 0 "$QASID" verify --allow-older -P "$(keystring "$W/k.pub")" "$W/a.qasid"
t_grep ": OK " "$OUT"
"$QASID" trust add "$W/k.pub" -n "Teachers" -K "$W/ring" >/dev/null
run 0 "$QASID" verify --allow-older -K "$W/ring" "$W/a.qasid"
t_grep "key $ID (Teachers) series" "$OUT"
t_end

# Offsets of the gzip members: the head, the signature, the body.
# shellcheck disable=SC2046 # one number per word
set -- $(python3 -c '
import sys
d = open(sys.argv[1], "rb").read()
magic = b"\x1f\x8b\x08\x00\x00\x00\x00\x00"
i = d.find(magic)
while i >= 0 and i < len(d):
    print(i)
    i = d.find(magic, i + 1)
' "$W/a.qasid")
M1=$2
M2=$3
SIZE=$(fsize "$W/a.qasid")

# tampered NAME OFFSET: a copy of a.qasid with the byte at OFFSET changed
# must fail verification, with a message naming the file and no OK line.
tampered() {
	t_begin "a changed byte fails verification (exit 1): $1"
	cp "$W/a.qasid" "$W/t.qasid"
	flip "$W/t.qasid" "$2"
	cmp -s "$W/a.qasid" "$W/t.qasid" && t_fail "byte $2 did not change"
	run 1 "$QASID" verify -p "$W/k.pub" "$W/t.qasid"
	t_empty "$OUT"
	t_grep "^qasid: $W/t.qasid: " "$ERR"
	t_lines 1 "$ERR"
	t_end
}
if [ -z "${M2:-}" ]; then
	t_begin "bundle has three gzip members or more"
	t_fail "found members at: $*"
	t_end
else
	tampered "gzip magic of the head" 0
	tampered "gzip mtime of the head" 4
	tampered "gzip OS byte of the head" 9
	tampered "inside the manifest" 120
	tampered "CRC of the head member" $((M1 - 8))
	tampered "gzip mtime of the signature member" $((M1 + 5))
	tampered "signature text" $((M1 + 60))
	tampered "zero padding after the signature" $((M2 - 8 - 20))
	tampered "gzip mtime of the first body member" $((M2 + 4))
	tampered "gzip extra flags of the first body member" $((M2 + 8))
	tampered "first byte of body data" $((M2 + 10))
	tampered "middle of the body" $(((M2 + SIZE) / 2))
	tampered "CRC of the last member" -8
	tampered "last byte (length of the last member)" -1
fi

t_begin "a bundle with a byte appended fails (exit 1)"
cp "$W/a.qasid" "$W/t.qasid"
printf 'x' >>"$W/t.qasid"
run 1 "$QASID" verify -p "$W/k.pub" "$W/t.qasid"
t_empty "$OUT"
t_grep "^qasid: $W/t.qasid: " "$ERR"
t_end

t_begin "a bundle with a gzip member appended fails (exit 1)"
cp "$W/a.qasid" "$W/t.qasid"
printf 'more' | gzip -c >>"$W/t.qasid"
run 1 "$QASID" verify -p "$W/k.pub" "$W/t.qasid"
t_grep "^qasid: $W/t.qasid: " "$ERR"
t_end

t_begin "a truncated bundle fails (exit 1)"
head -c $((SIZE - 1)) "$W/a.qasid" >"$W/t.qasid"
run 1 "$QASID" verify -p "$W/k.pub" "$W/t.qasid"
head -c $((SIZE / 2)) "$W/a.qasid" >"$W/t.qasid"
run 1 "$QASID" verify -p "$W/k.pub" "$W/t.qasid"
head -c "$M2" "$W/a.qasid" >"$W/t.qasid"
run 1 "$QASID" verify -p "$W/k.pub" "$W/t.qasid"
t_grep "^qasid: $W/t.qasid: " "$ERR"
t_end

t_begin "with one bad bundle among good ones: exit 1, OK for the good ones"
cp "$W/a.qasid" "$W/t.qasid"
flip "$W/t.qasid" -1
run 1 "$QASID" verify --allow-older -p "$W/k.pub" "$W/a.qasid" "$W/t.qasid" "$W/b.qasid"
t_lines 3 "$OUT"
t_grep "^3 bundles: 2 verified, 1 failed\$" "$OUT"
t_grep "^$W/a.qasid: OK " "$OUT"
t_grep "^$W/b.qasid: OK " "$OUT"
t_nogrep "t.qasid" "$OUT"
t_lines 1 "$ERR"
t_grep "^qasid: $W/t.qasid: " "$ERR"
t_end

t_begin "an untrusted key fails verification (exit 1)"
run 1 "$QASID" verify -p "$W/other.pub" "$W/a.qasid"
t_empty "$OUT"
t_grep "^qasid: $W/a.qasid: .*$ID.*not trusted" "$ERR"
run 1 "$QASID" verify -P "$(keystring "$W/other.pub")" "$W/a.qasid"
t_grep "not trusted" "$ERR"
"$QASID" trust add "$W/other.pub" -K "$W/other-ring" >/dev/null
run 1 "$QASID" verify -K "$W/other-ring" "$W/a.qasid"
t_grep "not trusted" "$ERR"
t_end

t_begin "a key with the signer's id but other key bytes fails (exit 1)"
# The other key's line, with the signer's key id put in: looked up as the
# signer, it cannot verify the signature.
forged=$(python3 -c '
import base64, sys
good = base64.b64decode(sys.argv[1])
other = base64.b64decode(sys.argv[2])
print(base64.b64encode(other[:2] + good[2:10] + other[10:]).decode())
' "$(keystring "$W/k.pub")" "$(keystring "$W/other.pub")")
run 1 "$QASID" verify -P "$forged" "$W/a.qasid"
t_empty "$OUT"
t_grep "signature" "$ERR"
t_end

t_begin "no trusted key at all fails verification (exit 1)"
run 1 "$QASID" verify "$W/a.qasid"
t_grep "^qasid: $W/a.qasid: no trusted keys" "$ERR"
t_end

t_begin "what is not a bundle fails verification (exit 1)"
head -c 5000 /dev/urandom >"$W/random.bin"
: >"$W/empty.qasid"
tar -czf "$W/plain.tar.gz" -C "$W/src" drop
printf 'hello\n' | gzip -c >"$W/hello.gz"
for f in random.bin empty.qasid plain.tar.gz hello.gz; do
	run 1 "$QASID" verify -p "$W/k.pub" "$W/$f"
	t_grep "^qasid: $W/$f: " "$ERR"
done
t_end

t_begin "a missing bundle is an error, not a verdict (exit 2)"
run 2 "$QASID" verify -p "$W/k.pub" "$W/missing.qasid"
t_grep "^qasid: $W/missing.qasid: No such file" "$ERR"
# Any error outranks a failed verification, and good ones still print.
run 2 "$QASID" verify --allow-older -p "$W/k.pub" "$W/t.qasid" "$W/missing.qasid" \
    "$W/a.qasid"
t_lines 2 "$OUT"
t_grep "^$W/a.qasid: OK " "$OUT"
t_end

t_begin "usage and key errors exit 2"
run 2 "$QASID" verify -p "$W/k.pub" -K "$W/ring" "$W/a.qasid"
t_grep "^qasid: " "$ERR"
run 2 "$QASID" verify -p "$W/k.pub"
run 2 "$QASID" verify -p "$W/nokey.pub" "$W/a.qasid"
t_grep "$W/nokey.pub" "$ERR"
run 2 "$QASID" verify -p "$W/k.sec" "$W/a.qasid"
t_grep "$W/k.sec" "$ERR"
run 2 "$QASID" verify -P "RWQnotakey" "$W/a.qasid"
t_end

# A mirror may rename bundles: a name holding ESC[1A ESC[2K would move the
# cursor up and erase the error line of the damaged bundle before it.
t_begin "bundle names are printed escaped: no name can hide another's error"
cp "$W/a.qasid" "$W/bad.qasid"
flip "$W/bad.qasid" -1
evil=$(printf '\033[1A\033[2K\342\200\256x\302\233.qasid')
cp "$W/b.qasid" "$W/$evil"
run 1 "$QASID" verify -p "$W/k.pub" "$W/bad.qasid" "$W/$evil"
t_grep "^qasid: $W/bad.qasid: " "$ERR"
t_grep "^$W/\\\\x1b\[1A\\\\x1b\[2K\\\\u202ex\\\\u009b.qasid: OK \"Week 4\"" "$OUT"
if LC_ALL=C grep -q "$(printf '\033')" "$OUT" "$ERR"; then
	t_fail "an escape character reached the terminal"
fi
rm -f "$W/$evil"
printf 'not a bundle' >"$W/$evil"
run 1 "$QASID" verify -p "$W/k.pub" "$W/$evil"
t_grep "^qasid: $W/\\\\x1b\[1A\\\\x1b\[2K\\\\u202ex\\\\u009b.qasid: " "$ERR"
rm -f "$W/$evil"
# A lone byte 0x9b (not UTF-8) is CSI to a terminal in an 8-bit mode.
evil=$(printf 'y\233[2K.qasid')
cp "$W/b.qasid" "$W/$evil"
run 0 "$QASID" verify -p "$W/k.pub" "$W/$evil"
t_grep "^$W/y\\\\x9b\[2K.qasid: OK" "$OUT"
rm -f "$W/$evil"
t_end

t_begin "pack refuses a title a terminal would obey or reorder (exit 2)"
# C1 CSI, RLO, LRI, RLM, ALM, ESC
for oct in '\302\233' '\342\200\256' '\342\201\246' '\342\200\217' \
    '\330\234' '\033'; do
	run 2 "$QASID" pack -s "$W/k.sec" -o "$W/title.qasid" \
	    -t "$(printf "news ${oct}x")" -n teachers -N 5 "$W/src/drop/tools"
	t_grep "^qasid: .*title must be UTF-8 text" "$ERR"
	t_absent "$W/title.qasid"
done
t_end

t_begin "--json escapes what a terminal would obey in bundle names"
evil=$(printf 'x\033[2K\342\200\256.qasid')
cp "$W/b.qasid" "$W/$evil"
run 0 "$QASID" verify --json -p "$W/k.pub" "$W/$evil"
t_grep '"bundle":"'"$W"'/x\\u001b\[2K\\u202e.qasid"' "$OUT"
rm -f "$W/$evil"
t_end
