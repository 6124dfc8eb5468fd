#!/bin/sh
# SPDX-License-Identifier: ISC
# t-spec.sh - docs/FORMAT.md against the code: refcheck.py, a reader written
# from the specification alone, must accept what qasid writes (long and
# non-ASCII names, pax headers, several members, late creation times) and
# refuse what qasid refuses; qasid stores or deflates each block by the rule
# of section 2.4; the path examples of section 6 must hold.
. "$QASID_TOP/tests/lib.sh"

F="$QASID_TOP/tests/format"
REF="$F/refcheck.py"

if ! command -v python3 >/dev/null 2>&1; then
	t_skip "format specification" "python3 is not installed"
	exit 0
fi
# t_keys, and craft for bundles qasid would not write.
. "$QASID_TOP/tests/hostile/lib-hostile.sh"

# A tree that exercises every header form of section 4.
T="$W/in/tree"
long=$(printf 'l%.0s' $(seq 120))
e99=$(printf 'e%.0s' $(seq 99))
ar60=$(printf 'ع%.0s' $(seq 60))
mkdir -p "$T/$long" "$T/split/$e99" "$T/نص/$ar60" "$T/deep/a/b/c/d"
printf 'long\n' >"$T/$long/$(printf 'f%.0s' $(seq 130))"
printf 'split\n' >"$T/split/$e99/g"
printf 'arabic\n' >"$T/نص/$ar60/$(printf 'ف%.0s' $(seq 70)).txt"
printf 'Café\n' >"$T/Café.txt"
printf 'deep\n' >"$T/deep/a/b/c/d/e"
head -c 2500000 /dev/urandom >"$T/big.bin"
head -c 1048000 /dev/zero >"$T/nearly-1MiB.bin"
printf 'A' >"$T/A.txt"
printf 'b' >"$T/b.txt"
: >"$T/empty"
chmod 755 "$T/b.txt"

for t in 1700000000 2147483647 4102444800; do
	t_begin "spec: refcheck.py accepts a bundle created at $t"
	run 0 env SOURCE_DATE_EPOCH="$t" "$QASID" pack -q -s "$W/k.sec" \
	    -o "$W/t$t.qasid" "$T"
	run 0 python3 "$REF" --writer "$W/t$t.qasid"
	t_grep "^OK" "$OUT"
	run 0 "$QASID" verify -p "$W/k.pub" "$W/t$t.qasid"
	t_end
done

t_begin "spec: a late creation time puts a pax mtime record first"
gzip -dc "$W/t4102444800.qasid" 2>/dev/null | head -c 1024 >"$W/late.head"
t_grep "mtime=4102444800" "$W/late.head"
gzip -dc "$W/t1700000000.qasid" 2>/dev/null | head -c 1024 >"$W/early.head"
t_nogrep "mtime=" "$W/early.head"
t_end

t_begin "spec: the big tree has several members, cut as documented"
run 0 python3 "$REF" --members --writer "$W/t1700000000.qasid"
n=$(grep -c '^member ' "$OUT")
[ "$n" -ge 6 ] || t_fail "only $n gzip members"
t_grep "clen 535 ulen 512" "$OUT"
t_grep "ulen 1048576" "$OUT"
t_end

# Flips one byte at an offset; both readers must refuse the result.
flip() {
	python3 -c '
import sys
d = bytearray(open(sys.argv[1], "rb").read())
d[int(sys.argv[2]) % len(d)] ^= 0x20
open(sys.argv[3], "wb").write(d)' "$1" "$2" "$3"
}

for off in 5 600 2000 1500000 -2; do
	t_begin "spec: a byte flipped at offset $off fails both readers"
	flip "$W/t1700000000.qasid" "$off" "$W/flip.qasid"
	run 1 python3 "$REF" "$W/flip.qasid"
	t_grep "^refcheck: " "$OUT"
	run 1 "$QASID" verify -p "$W/k.pub" "$W/flip.qasid"
	# Whichever check catches it names the member and where it starts.
	t_grep "^qasid: .*flip.qasid: gzip member [0-9]* at offset [0-9]*" "$ERR"
	t_end
done

t_begin "spec: bytes after the last member fail both readers"
cp "$W/t1700000000.qasid" "$W/tail.qasid"
printf '\037\213\010\000\000\000\000\000\000\377\003\000\000\000\000\000\000\000\000\000' \
    >>"$W/tail.qasid"
run 1 python3 "$REF" "$W/tail.qasid"
t_grep "^refcheck: .*tail.qasid: " "$OUT"
run 1 "$QASID" verify -p "$W/k.pub" "$W/tail.qasid"
t_grep "tail.qasid: data after the end of the bundle" "$ERR"
t_end

# Section 6.1, item 8 and 9: the examples the text gives.
pack_name() {
	rm -rf "$W/n"
	mkdir -p "$W/n/d"
	: >"$W/n/d/$1"
	"$QASID" pack -q -s "$W/k.sec" -o "$W/n/out.qasid" "$W/n/d"
}
for name in con Con.txt "NUL .tar.gz" com1 "LPT¹.doc" "a:b" "trail." \
    "trail " "x|y"; do
	t_begin "spec: the name '$name' is refused at pack time"
	run 2 pack_name "$name"
	t_grep "cannot be carried safely" "$ERR"
	t_end
done
# Below the top level a name may start with ".qasid" (item 9).
for name in console com10 aux_data " lead" ".qasid" ".qasidx"; do
	t_begin "spec: the name '$name' is allowed"
	run 0 pack_name "$name"
	t_end
done

# Item 9: no first component whose fold key starts with ".qasid", however
# it is spelt ("ſ" folds to "s").
for name in .QASID .qasidx .Qasid-notes .qasid-unpack-abc123 .qaſid; do
	t_begin "spec: a top-level folder named $name is refused"
	rm -rf "$W/m" "$W/m.qasid"
	mkdir -p "$W/m/$name"
	: >"$W/m/$name/f"
	run 2 "$QASID" pack -q -s "$W/k.sec" -o "$W/m.qasid" "$W/m/$name"
	t_grep "reserved for qasid.s own use" "$ERR"
	t_absent "$W/m.qasid"
	t_end
done

t_begin "spec: README and readme collide"
mkdir -p "$W/c/d"
: >"$W/c/d/README"
: >"$W/c/d/readme"
run 2 "$QASID" pack -q -s "$W/k.sec" -o "$W/c.qasid" "$W/c/d"
t_grep "same name on some file systems" "$ERR"
t_end

# Section 2.4: a block is stored when its byte statistics say deflate could
# not save 2%, whatever deflate would actually do. 8 KiB of random bytes
# repeated eight times: deflate shrinks it to an eighth, but all byte values
# are equally frequent, so qasid stores it.
t_begin "spec: repeated random bytes are stored, judged by entropy"
mkdir -p "$W/rep"
head -c 8192 /dev/urandom >"$W/r8"
cat "$W/r8" "$W/r8" "$W/r8" "$W/r8" "$W/r8" "$W/r8" "$W/r8" "$W/r8" \
    >"$W/rep/rep.bin"
gz=$(gzip -c "$W/rep/rep.bin" | wc -c)
[ "$gz" -lt 16384 ] ||
	t_fail "gzip made $gz bytes of it; the case needs data deflate shrinks"
run 0 env SOURCE_DATE_EPOCH=1700000000 "$QASID" pack -q -s "$W/k.sec" \
    -o "$W/rep.qasid" "$W/rep/rep.bin"
run 0 python3 "$REF" --members --writer "$W/rep.qasid"
t_grep "^OK" "$OUT"
clen=$(sed -n 's/^member 2 offset [0-9]* clen \([0-9]*\) .*/\1/p' "$OUT")
[ "${clen:-0}" -gt 65536 ] ||
	t_fail "the body member has ${clen:-no} raw bytes; stored, it has" \
	    "more than the file's 65536"
t_end

# The --writer check of section 2.4 can fail: the same bytes Huffman-coded
# by another deflate, or stored and deflated blocks in one deflate block.
t_begin "spec: refcheck.py --writer refuses compression qasid does not write"
cat >"$W/gzcheck.py" <<'EOF'
import os, sys, zlib
sys.path.insert(0, sys.argv[1])
import refcheck


def member(data, level, xfl):
    z = zlib.compressobj(level, zlib.DEFLATED, 31)
    raw = bytearray(z.compress(data) + z.flush())
    raw[8:10] = bytes([xfl, 0xff])  # the header fields qasid writes
    return bytes(raw)


r8 = os.urandom(8192)
text = b"".join(b"line %d of prose that repeats\n" % i for i in range(700))
for name, data, level, xfl in (("stored", r8 * 2, 0, 4),
                               ("deflated", r8 * 2, 4, 4),
                               ("mixed", text[:16384] + r8 * 2, 4, 0)):
    try:
        refcheck.check_compression(2, member(data, level, xfl), data)
        print(name, "accepted")
    except refcheck.Bad as e:
        print(name, "refused:", e)
EOF
run 0 python3 "$W/gzcheck.py" "$F"
t_grep "^stored accepted" "$OUT"
t_grep "^deflated refused: .*qasid stores are Huffman-coded" "$OUT"
t_grep "^mixed refused: " "$OUT"
t_end

# What issue-by-issue the spec tightened: both readers refuse each.
t_begin "spec: both readers refuse what sections 2, 5 and 6 forbid"
craft "$W/forbid" <<'PY'
ok = [File("a.txt", b"a\n")]
b = Bundle(K, ok)
b.write(OUT + "-fname.qasid",                                   # 2.1
        members=[gz_odd(c, name=b"../../evil") for c in b.chunks()])
b.write(OUT + "-head-mtime.qasid", head_raw=lambda p: gz_odd(p, mtime=1))
b.write(OUT + "-empty.qasid",                                   # 2.4
        members=[gz(c) for c in b.chunks()] + [gz(b"")])
Bundle(K, ok, title=u"\u202eevil".encode()).write(OUT + "-rlo.qasid")   # 5
Bundle(K, ok, title=u"x\u0085".encode()).write(OUT + "-c1.qasid")
Bundle(K, ok, title=u"x\u200f".encode()).write(OUT + "-rlm.qasid")
Bundle(K, [File(u"cafe\u0301".encode(), b"x")]).write(OUT + "-nfd.qasid")  # 6.1
Bundle(K, [File(u"a\u200bb".encode(), b"x")]).write(OUT + "-zwsp.qasid")
Bundle(K, [File(u"\u0645\u06cc\u062e".encode(), b"x"),          # 6.2
           File(u"\u0645\u06cc\u200c\u062e".encode(), b"x")]).write(
    OUT + "-zwnj.qasid")
PY
for c in fname head-mtime empty rlo c1 rlm nfd zwsp zwnj; do
	run 1 python3 "$REF" "$W/forbid-$c.qasid"
	t_grep "^refcheck: " "$OUT"
	run 1 "$QASID" verify -p "$W/k.pub" "$W/forbid-$c.qasid"
done
t_end
