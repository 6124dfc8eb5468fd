#!/bin/sh
# SPDX-License-Identifier: ISC
# t-web-node.sh - verify.html's reader (the C reader compiled to
# WebAssembly, with the worker's JavaScript) run under node against the
# bundles the native tests use: it must say OK with the signed title and
# files for good ones, of format 1 and 2 and a volume, and for every
# tampered copy, wrong key and non-bundle, FAILED with the very reason
# `qasid verify` gives. A file extracted in the page's way must be the
# packed file, and nothing may come out of a tampered bundle.
#
# Needs $WB/worker.js (make web-reader; WB defaults to build-web) and
# node; skips without them.
. "$QASID_TOP/tests/lib.sh"
WB=${WB:-$QASID_TOP/build-web}
WORKER="$WB/worker.js"
if [ ! -f "$WORKER" ] || ! command -v node >/dev/null 2>&1; then
	t_skip "t-web-node" "no $WORKER or no node (make web-reader)"
	exit 0
fi
WEBJS="$QASID_TOP/tests/kit/web-node.js"
t_keys

# SOURCE=stream: the bundle read as the page reads a picked file.
SOURCE=
web() { QASID_WEB_SOURCE=$SOURCE node "$WEBJS" "$WORKER" "$@"; }

mkdir -p "$W/src/sub" "$W/src/اردو"
printf 'hello\n' >"$W/src/a.txt"
printf 'سلام\n' >"$W/src/اردو/سلام.txt"
head -c 300000 /dev/urandom >"$W/src/sub/rand.bin"
seq 1 200000 >"$W/src/sub/n.txt"
"$QASID" pack -q -s "$W/k.sec" -t "Web test" -n news -N 3 \
    -o "$W/a.qasid" "$W/src" || t_fail "pack failed"
"$QASID" pack -q --format 1 -s "$W/k.sec" -t "Old format" \
    -o "$W/f1.qasid" "$W/src" || t_fail "pack --format 1 failed"

n_same=0
# same BUNDLE [KEY]: the page's verdict is the command line's.
same() {
	key=${2:-$W/k.pub}
	# A fresh record of bundles seen: the page keeps none.
	n_same=$((n_same + 1))
	QASID_STATE="$W/state-$n_same" "$QASID" verify -p "$key" "$1" \
	    >"$W/native.out" 2>"$W/native.err"
	nrc=$?
	web verify "$1" "$key" >"$W/web.out" 2>"$W/web.err"
	wrc=$?
	if [ "$nrc" -eq 0 ]; then
		[ "$wrc" -eq 0 ] && head -n 1 "$W/web.out" | grep -qx OK ||
		    t_fail "native OK, page: $(head -c 300 "$W/web.out" "$W/web.err")"
		return 0
	fi
	want="FAILED $(sed -n "1s|^qasid: $1: ||p" "$W/native.err")"
	got=$(head -n 1 "$W/web.out")
	[ "$wrc" -eq 1 ] || t_fail "page exit $wrc: $(head -c 300 "$W/web.err")"
	[ "$want" != "FAILED " ] || t_fail "native: $(cat "$W/native.err")"
	[ "$got" = "$want" ] || t_fail "page: '$got', native: '$want'"
}

t_begin "a good bundle: OK, its title, key, series and files"
same "$W/a.qasid"
web verify "$W/a.qasid" "$W/k.pub" >"$OUT" 2>"$ERR"
t_grep "^title Web test\$" "$OUT"
t_grep "^series news\$" "$OUT"
t_grep "^sequence 3\$" "$OUT"
t_grep "^format 2\$" "$OUT"
t_grep "^progress yes\$" "$OUT"
t_grep "^file src/a.txt 6\$" "$OUT"
t_grep "^file src/sub/rand.bin 300000\$" "$OUT"
t_grep "^file src/اردو/سلام.txt 9\$" "$OUT"
[ "$(grep -c '^file ' "$OUT")" -eq 4 ] || t_fail "not 4 files: $(cat "$OUT")"
"$QASID" verify -p "$W/k.pub" "$W/a.qasid" >"$W/n.out" 2>&1
kid=$(sed -n 's/.* key \([0-9A-F]\{16\}\).*/\1/p' "$W/n.out")
t_grep "^keyid $kid\$" "$OUT"
t_end

t_begin "the key as a bare string, and with spaces around it"
web verify "$W/a.qasid" -P "  $(sed -n 2p "$W/k.pub")  " >"$OUT" 2>"$ERR"
t_grep "^OK\$" "$OUT"
t_end

t_begin "a format 1 bundle: OK, format 1"
same "$W/f1.qasid"
web verify "$W/f1.qasid" "$W/k.pub" >"$OUT" 2>"$ERR"
t_grep "^format 1\$" "$OUT"
t_grep "^title Old format\$" "$OUT"
t_end

t_begin "a wrong key: FAILED as qasid verify says"
"$QASID" keygen -W -p "$W/o.pub" -s "$W/o.sec" >/dev/null 2>&1
same "$W/a.qasid" "$W/o.pub"
t_end

t_begin "a malformed key: FAILED naming the key"
printf 'untrusted comment: x\nnot a key\n' >"$W/bad.pub"
web verify "$W/a.qasid" "$W/bad.pub" >"$OUT" 2>"$ERR"
t_grep "^FAILED the key: not a minisign public key string\$" "$OUT"
t_end

# Where the gzip members start, as t-verify.sh finds them.
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

tampered() {
	t_begin "a changed byte, FAILED as qasid verify says: $1"
	cp "$W/a.qasid" "$W/t.qasid"
	flip "$W/t.qasid" "$2"
	same "$W/t.qasid"
	t_end
}
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

t_begin "a byte appended, a gzip member appended: FAILED as qasid says"
cp "$W/a.qasid" "$W/t.qasid"
printf 'x' >>"$W/t.qasid"
same "$W/t.qasid"
cp "$W/a.qasid" "$W/t.qasid"
printf 'more' | gzip -c >>"$W/t.qasid"
same "$W/t.qasid"
t_end

t_begin "truncated copies: FAILED, an incomplete copy, as qasid says"
for n in $((SIZE - 1)) $((SIZE / 2)) "$M2" 100 0; do
	head -c "$n" "$W/a.qasid" >"$W/t.qasid"
	same "$W/t.qasid"
done
web verify "$W/t.qasid" "$W/k.pub" >"$OUT" 2>"$ERR"
t_grep "^FAILED " "$OUT"
t_end

t_begin "not a bundle: FAILED, not a qasid bundle"
head -c 5000 /dev/urandom >"$W/random.bin"
same "$W/random.bin"
web verify "$W/random.bin" "$W/k.pub" >"$OUT" 2>"$ERR"
t_grep "^FAILED not a qasid bundle\$" "$OUT"
t_end

t_begin "a volume of a set: OK, every file of the set, as qasid says"
head -c 2000000 /dev/urandom >"$W/src/sub/big.bin"
"$QASID" pack -q -s "$W/k.sec" --volume-size 1M -o "$W/v.qasid" "$W/src" ||
    t_fail "pack --volume-size failed"
for v in "$W"/v.part*.qasid; do
	same "$v"
done
web verify "$W/v.part1.qasid" "$W/k.pub" >"$OUT" 2>"$ERR"
t_grep "^file src/sub/big.bin 2000000\$" "$OUT"
t_end
rm -f "$W/src/sub/big.bin" "$W"/v.part*.qasid

t_begin "extract: the file's bytes exactly, non-ASCII names too"
web extract "$W/a.qasid" "$W/k.pub" src/sub/rand.bin "$W/x.bin" >"$OUT" 2>"$ERR"
t_grep "^OK\$" "$OUT"
t_same "$W/src/sub/rand.bin" "$W/x.bin"
web extract "$W/a.qasid" "$W/k.pub" "src/اردو/سلام.txt" "$W/y.txt" >"$OUT" 2>"$ERR"
t_same "$W/src/اردو/سلام.txt" "$W/y.txt"
t_end

t_begin "extract from a tampered bundle gives nothing"
cp "$W/a.qasid" "$W/t.qasid"
flip "$W/t.qasid" $(((M2 + SIZE) / 2))
rm -f "$W/x.bin"
web extract "$W/t.qasid" "$W/k.pub" src/a.txt "$W/x.bin" >"$OUT" 2>"$ERR"
t_grep "^FAILED " "$OUT"
t_absent "$W/x.bin"
t_end

t_begin "extract of a name the bundle lacks says so"
web extract "$W/a.qasid" "$W/k.pub" src/none "$W/x.bin" >"$OUT" 2>"$ERR"
t_grep "^FAILED no file src/none in it\$" "$OUT"
t_absent "$W/x.bin"
t_end

# The page reads a picked file, and a linked bundle as it downloads, as a
# stream: each slice is a promise the reader waits for, its stack unwound
# and rewound (Asyncify), and a rewind opens the stream again.
t_begin "read as a stream, as the page reads: the same verdicts and bytes"
SOURCE=stream
same "$W/a.qasid"
web verify "$W/a.qasid" "$W/k.pub" >"$OUT" 2>"$ERR"
t_grep "^file src/sub/rand.bin 300000\$" "$OUT"
same "$W/f1.qasid"
same "$W/a.qasid" "$W/o.pub"
cp "$W/a.qasid" "$W/t.qasid"
flip "$W/t.qasid" $(((M2 + SIZE) / 2))
same "$W/t.qasid"
for n in $((SIZE - 1)) 100 0; do
	head -c "$n" "$W/a.qasid" >"$W/t.qasid"
	same "$W/t.qasid"
done
same "$W/random.bin"
web extract "$W/a.qasid" "$W/k.pub" src/sub/rand.bin "$W/x.bin" >"$OUT" 2>"$ERR"
t_grep "^OK\$" "$OUT"
t_same "$W/src/sub/rand.bin" "$W/x.bin"
SOURCE=
t_end

t_begin "a stream of untold length: OK, and a short copy is an incomplete one"
SOURCE=unsized
same "$W/a.qasid"
for n in $((SIZE - 1)) $((SIZE / 2)); do
	head -c "$n" "$W/a.qasid" >"$W/t.qasid"
	same "$W/t.qasid"
done
web verify "$W/t.qasid" "$W/k.pub" >"$OUT" 2>"$ERR"
t_grep "^FAILED incomplete copy: $((SIZE / 2)) of $SIZE bytes" "$OUT"
SOURCE=
t_end

# Memory: the reader holds a slice of the bundle, never the bundle.
BIG=${QASID_WEB_NODE_BIG_MIB:-256}
t_begin "a $BIG MiB bundle verifies in at most 160 MiB of memory"
mkdir -p "$W/big"
head -c $((BIG << 20)) /dev/urandom >"$W/big/noise.bin"
"$QASID" pack -q -s "$W/k.sec" -o "$W/big.qasid" "$W/big" ||
    t_fail "pack failed"
rm -rf "$W/big"
for SOURCE in "" stream; do
	web verify "$W/big.qasid" "$W/k.pub" >"$OUT" 2>"$ERR"
	t_grep "^OK\$" "$OUT"
	rss=$(sed -n 's/^maxrss //p' "$OUT")
	[ -n "$rss" ] && [ "$rss" -le $((160 << 10)) ] ||
	    t_fail "${SOURCE:-slices}: peak memory ${rss:-?} KiB for a $BIG MiB bundle"
	echo "# web-node: $BIG MiB bundle, ${SOURCE:-slices}, peak memory" \
	    "$((${rss:-0} >> 10)) MiB"
done
SOURCE=
rm -f "$W/big.qasid"
t_end

# Signed bundles no packer would write (tests/hostile/craft.py), where the
# hostile suite's helper is built (make test) and minisign is installed:
# each must fail in the page for the reason it fails on the command line.
if [ ! -x "$QASID_BUILD/tests/hostile-helper" ] ||
    ! command -v minisign >/dev/null 2>&1; then
	t_skip "web: crafted bundles" "no hostile-helper (make test) or minisign"
	exit 0
fi
mkdir -p "$W/h"
PYTHONPATH="$QASID_TOP/tests/hostile" python3 - "$W/k.sec" "$W/k.pub" \
    "$W/h" <<'PY' || t_fail "crafting failed"
import os, sys
from craft import *
K = Key(sys.argv[1], sys.argv[2])
D = sys.argv[3]
A = File("news/today.txt", b"all is well\n")
B = Bundle(K, [Dir("news"), A, File("news/zz.txt", b"last\n")])
def w(name, b=None, **kw):
    (b or B).write(os.path.join(D, name + ".qasid"), **kw)
def body(parts, trailer):
    return [gz(b"".join(parts) + trailer)]
def swap(hdr, data=b""):
    parts, tr = B.tar_parts()
    parts[1] = hdr + data + pad(len(data))
    return [gz(b"".join(parts) + tr)]
def sigline(t):
    l = t.split(b"\n")
    l[1] = l[1][:20] + b"!" + l[1][21:]
    return b"\n".join(l)
def ncs(mf, t):
    a, i, s, tc, g = sig_parts(K.minisign(mf, t))
    s = noncanonical(s)
    return sig_text(a, i, s, tc, K.raw_sign(s + tc))

w("good")
parts, tr = B.tar_parts(B.entries[:2] + [File("news/planted.txt", b"x")] +
                        B.entries[2:])
w("extra", members=body(parts, tr))
parts, tr = B.tar_parts(B.entries[:2])
w("missing", members=body(parts, tr))
w("size", manifest=lambda m: m.replace(b"file 644 12 ", b"file 644 13 "))
w("totals", manifest=lambda m: m.replace(b"\nfiles 2\n", b"\nfiles 3\n"))
w("order", Bundle(K, [Dir("b"), File("b/x", b"x"), Dir("a"),
                      File("a/y", b"y")]))
w("orphan", Bundle(K, [File("a/y", b"y")]))
w("dup", Bundle(K, [File("twice", b"f"), File("twice", b"g")]))
w("dotdot", Bundle(K, [File("../escaped.txt", b"x")]))
w("absolute", Bundle(K, [File("/tmp/abs.txt", b"x")]))
w("backslash", Bundle(K, [File("x\\y", b"x")]))
w("control", Bundle(K, [File("x\x01y", b"x")]))
w("bidi", Bundle(K, [File("gpj\u202etxt.exe", b"x")]))
w("symlink", members=swap(ustar(b"news/today.txt", 0, 0o777, b"2",
                                linkname=b"/etc/passwd")))
w("sigb64", sig_edit=sigline)
w("ucomment", sign=lambda mf, t: K.minisign(mf, t,
                                           untrusted=b"signature from x"))
w("trusted0", trusted=lambda h: TRUSTED_PREFIX + b"0" * 64)
w("noncanonical", sign=ncs)
PY
t_begin "crafted bundles: the page fails each as qasid verify does"
[ -f "$W/h/good.qasid" ] && same "$W/h/good.qasid"
n=0
for b in "$W"/h/*.qasid; do
	[ "$b" = "$W/h/good.qasid" ] && continue
	same "$b"
	grep -q '^FAILED ' "$W/web.out" || t_fail "$(basename "$b"): not FAILED"
	n=$((n + 1))
done
[ "$n" -ge 17 ] || t_fail "only $n crafted bundles"
t_end
