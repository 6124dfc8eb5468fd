#!/bin/sh
# SPDX-License-Identifier: ISC
# t-byhand.sh - the by-hand verification of docs/FORMAT.md, section 13, run
# exactly as documented (the commands are taken from FORMAT.md) with stock
# tar, minisign and b2sum: it accepts good bundles, catches changed content
# and a changed manifest, and - as documented - misses a rewritten gzip
# layer that its raw-bytes check and qasid verify both catch.
. "$QASID_TOP/tests/lib.sh"

F="$QASID_TOP/tests/format"
DOC="$QASID_TOP/docs/FORMAT.md"

for tool in minisign b2sum tar python3; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		t_skip "by-hand verification" "$tool is not installed"
		exit 0
	fi
done

doc_block() {
	awk -v m="<!-- byhand:$1 -->" '
		$0 == m { f = 1; next }
		f && /^```/ { if (++n == 2) exit; next }
		f && n == 1 { print }' "$DOC"
}
doc_block basic >"$W/basic.sh"
doc_block raw >"$W/raw.sh"

# A case folder holding BUNDLE and KEY.pub, as the procedure expects.
setup() {
	rm -rf "$W/$1"
	mkdir "$W/$1"
	cp "$2" "$W/$1/BUNDLE"
	cp "$3" "$W/$1/KEY.pub"
}
by_hand() { (cd "$W/$1" && sh -e "$W/basic.sh"); }
by_hand_raw() { (cd "$W/$1" && cat "$W/basic.sh" "$W/raw.sh" | sh -e); }

# Rewrites a bundle's gzip members: rewrite.py IN WHAT >OUT.
cat >"$W/rewrite.py" <<'EOF'
import sys, zlib
data = open(sys.argv[1], "rb").read()
members, off = [], 0
while off < len(data):
    z = zlib.decompressobj(31)
    plain = z.decompress(data[off:])
    used = len(data) - off - len(z.unused_data)
    members.append([data[off:off + used], plain])
    off += used
def gz(b, level):
    c = zlib.compressobj(level, zlib.DEFLATED, 31)
    return c.compress(b) + c.flush()
what = sys.argv[2]
for i, m in enumerate(members):
    if what == "content" and i == 2:      # a file's bytes
        m[0] = gz(m[1].replace(b"Hello from", b"Jello from"), 6)
    elif what == "title" and i == 0:      # the manifest, in the head
        m[0] = gz(m[1].replace(b"title qasid test vector",
                               b"title qasid test vectoR"), 6)
    elif what == "recompress":            # same content, other gzip bytes
        m[0] = gz(m[1], 9)
sys.stdout.buffer.write(b"".join(m[0] for m in members))
EOF

t_begin "by hand: FORMAT.md holds both procedures"
[ -s "$W/basic.sh" ] || t_fail "no <!-- byhand:basic --> block"
[ -s "$W/raw.sh" ] || t_fail "no <!-- byhand:raw --> block"
t_grep "minisign -Vm .qasid/manifest" "$W/basic.sh"
t_grep "b2sum -c" "$W/basic.sh"
t_end

SOURCE_DATE_EPOCH=1700000000 "$QASID" pack -q -s "$F/vector.sec" \
    -o "$W/vector.qasid" -t "qasid test vector" -n vector -N 1 --format 1 \
    "$F/vector-input"
QASID_STATE="$W/state2" SOURCE_DATE_EPOCH=1700000000 "$QASID" pack -q \
    -s "$F/vector.sec" -o "$W/vector2.qasid" -t "qasid test vector" \
    -n vector -N 1 "$F/vector-input"

t_begin "by hand: the test vector verifies step by step"
setup good "$W/vector.qasid" "$F/vector.pub"
run 0 by_hand good
t_grep "Signature and comment signature verified" "$OUT"
t_grep "qasid-bundle 1 head:" "$OUT"
t_grep "vector-input/docs/README: OK" "$OUT"
t_grep "vector-input/hello.txt: OK" "$OUT"
[ "$(grep -c ': OK$' "$OUT")" -eq 5 ] || t_fail "want 5 files OK"
t_end

t_begin "by hand: the raw-bytes check matches every member"
setup raw "$W/vector.qasid" "$F/vector.pub"
run 0 by_hand_raw raw
head=$(sed -n 's/^Trusted comment: qasid-bundle 1 head://p' "$OUT")
[ -n "$head" ] || t_fail "no trusted comment in minisign's output"
t_grep "^$head  -" "$OUT"
t_grep "member at 1298: OK" "$OUT"
t_nogrep "FAILED" "$OUT"
t_end

t_begin "by hand: the format-2 test vector, both checks"
setup good2 "$W/vector2.qasid" "$F/vector.pub"
run 0 by_hand good2
t_grep "Trusted comment: qasid-bundle 2 head:" "$OUT"
[ "$(grep -c ': OK$' "$OUT")" -eq 5 ] || t_fail "want 5 files OK"
setup raw2 "$W/vector2.qasid" "$F/vector.pub"
run 0 by_hand_raw raw2
head=$(sed -n 's/^Trusted comment: qasid-bundle 2 head://p' "$OUT")
[ -n "$head" ] || t_fail "no trusted comment in minisign's output"
t_grep "^$head  -" "$OUT"
t_grep "member at 1338: OK" "$OUT"
t_nogrep "FAILED" "$OUT"
t_end

t_begin "by hand: a bundle of a fresh key with nested folders verifies"
mkdir -p "$W/in/tree/a/b" "$W/in/tree/c" "$W/in/tree/ملفات"
printf 'one\n' >"$W/in/tree/a/b/one.txt"
head -c 300000 /dev/urandom >"$W/in/tree/c/noise.bin"
: >"$W/in/tree/empty"
printf 'بيان\n' >"$W/in/tree/ملفات/بيان.txt"
"$QASID" keygen -W -p "$W/k.pub" -s "$W/k.sec" >/dev/null
"$QASID" pack -q -s "$W/k.sec" -o "$W/tree.qasid" "$W/in/tree"
setup fresh "$W/tree.qasid" "$W/k.pub"
run 0 by_hand_raw fresh
[ "$(grep -c '^tree/.*: OK$' "$OUT")" -eq 4 ] || t_fail "want 4 files OK"
t_grep "^tree/ملفات/بيان.txt: OK$" "$OUT"
t_nogrep "FAILED" "$OUT"
t_end

t_begin "by hand: another key is refused by minisign"
setup otherkey "$W/vector.qasid" "$W/k.pub"
run 1 by_hand otherkey
t_grep "Signature key id in .*manifest.minisig is" "$ERR"
t_nogrep ": OK$" "$OUT"
t_end

t_begin "by hand: changed file content is caught by b2sum"
python3 "$W/rewrite.py" "$W/vector.qasid" content >"$W/content.qasid"
setup content "$W/content.qasid" "$F/vector.pub"
run 1 by_hand content
t_grep "Signature and comment signature verified" "$OUT"
t_grep "vector-input/hello.txt: FAILED" "$OUT"
run 1 "$QASID" verify -p "$F/vector.pub" "$W/content.qasid"
t_end

t_begin "by hand: a changed manifest is caught by minisign"
python3 "$W/rewrite.py" "$W/vector.qasid" title >"$W/title.qasid"
setup title "$W/title.qasid" "$F/vector.pub"
run 1 by_hand title
t_nogrep "signature verified" "$OUT"
run 1 "$QASID" verify -p "$F/vector.pub" "$W/title.qasid"
t_end

t_begin "by hand: a rewritten gzip layer passes the basic steps only"
python3 "$W/rewrite.py" "$W/vector.qasid" recompress >"$W/re.qasid"
cmp -s "$W/re.qasid" "$W/vector.qasid" && t_fail "rewrite changed nothing"
setup re "$W/re.qasid" "$F/vector.pub"
run 0 by_hand re
[ "$(grep -c ': OK$' "$OUT")" -eq 5 ] || t_fail "want 5 files OK"
setup re2 "$W/re.qasid" "$F/vector.pub"
run 0 by_hand_raw re2
t_grep "FAILED" "$OUT"
run 1 "$QASID" verify -p "$F/vector.pub" "$W/re.qasid"
t_end

# What qasid verified is what any tar reader sees, for every name pack
# accepts: names are NFC, which GNU tar keeps as they are and bsdtar (which
# composes names as it extracts) keeps too; and the headers hold the
# manifest's bytes. Combining marks with no composed form stay decomposed.
t_begin "by hand: qasid, GNU tar and bsdtar make the same names"
mkdir -p "$W/uni/names"
for n in 'Caf\303\251.txt' '\330\243\330\255\331\205\330\257.txt' \
    '\355\225\234\352\270\200' 'q\314\207.txt' 'q\314\243\314\201' \
    '\331\205\333\214\342\200\214\330\256\331\210\330\247\331\207\331\205'; do
	printf "content of $n\n" >"$W/uni/names/$(printf "$n")"
done
(cd "$W/uni" && "$QASID" pack -q -s "$W/k.sec" -o "$W/uni.qasid" names) ||
	t_fail "pack failed"
rm -rf "$W/uq" "$W/ug" "$W/ub"
mkdir "$W/ug" "$W/ub"
run 0 "$QASID" unpack -q -p "$W/k.pub" -C "$W/uq" "$W/uni.qasid"
(cd "$W/ug" && tar -xzf "$W/uni.qasid") || t_fail "GNU tar failed"
if command -v bsdtar >/dev/null 2>&1; then
	(cd "$W/ub" && LC_ALL=C.UTF-8 bsdtar -xzf "$W/uni.qasid") ||
		t_fail "bsdtar failed"
	(cd "$W/ub" && find names | LC_ALL=C sort) >"$W/ub.list"
else
	(cd "$W/ug" && find names | LC_ALL=C sort) >"$W/ub.list"
fi
(cd "$W/uq" && find names | LC_ALL=C sort) >"$W/uq.list"
(cd "$W/ug" && find names | LC_ALL=C sort) >"$W/ug.list"
(cd "$W/uni/" && find names | LC_ALL=C sort) >"$W/src.list"
t_same "$W/src.list" "$W/uq.list"
t_same "$W/src.list" "$W/ug.list"
t_same "$W/src.list" "$W/ub.list"
[ "$(wc -l <"$W/src.list")" -eq 7 ] || t_fail "want 7 names"
setup uni "$W/uni.qasid" "$W/k.pub"
run 0 by_hand uni
[ "$(grep -c ': OK$' "$OUT")" -eq 6 ] || t_fail "want 6 files OK"
t_end

t_begin "by hand: pack refuses a decomposed name, naming the file"
mkdir -p "$W/nfd/in"
printf 'x\n' >"$W/nfd/in/$(printf 'Cafe\314\201.txt')"
run 2 "$QASID" pack -s "$W/k.sec" -o "$W/nfd.qasid" "$W/nfd/in"
t_grep "^qasid: .*in/Caf.*: .*is not in Unicode NFC (composed) form" "$ERR"
t_absent "$W/nfd.qasid"
t_end
