#!/bin/sh
# SPDX-License-Identifier: ISC
# t-vector.sh - the test vectors of docs/FORMAT.md, section 14: packing the
# checked-in input with the checked-in key gives exactly the documented
# bundle, members, manifest and signature, in format 1 (pack --format 1)
# and in format 2.
. "$QASID_TOP/tests/lib.sh"

F="$QASID_TOP/tests/format"
DOC="$QASID_TOP/docs/FORMAT.md"

# The lines of the fenced block after the marker "<!-- $V:NAME -->", V
# "vector" for format 1 and "vector2" for format 2.
doc_block() {
	awk -v m="<!-- $V:$1 -->" '
		$0 == m { f = 1; next }
		f && /^```/ { if (++n == 2) exit; next }
		f && n == 1 { print }' "$DOC"
}
# The value after "KEY: " in the result block.
doc_value() { doc_block result | sed -n "s/^$1: //p"; }

pack_vector() {
	SOURCE_DATE_EPOCH=1700000000 "$QASID" pack -q -j "$2" -s "$F/vector.sec" \
	    -o "$1" -t "qasid test vector" -n vector -N 1 --format "$FMT" \
	    "$F/vector-input"
}

for V in vector vector2; do
FMT=1
[ "$V" = vector ] || FMT=2
rm -rf "$W/x" "$W/vector.qasid" "$W/vector4.qasid"
# Both vectors are news/1 of one key: the packer's record would call the
# second an equivocation of the first.
QASID_STATE="$W/state-$V"

t_begin "$V: FORMAT.md documents a size and a SHA-256"
[ -n "$(doc_value bundle-sha256)" ] || t_fail "no bundle-sha256 in $DOC"
[ -n "$(doc_value bundle-size)" ] || t_fail "no bundle-size in $DOC"
t_end

t_begin "$V: the bundle is byte-identical to the documented one"
run 0 pack_vector "$W/vector.qasid" 1
if [ -f "$W/vector.qasid" ]; then
	got=$(sha256sum <"$W/vector.qasid" | cut -d' ' -f1)
	size=$(wc -c <"$W/vector.qasid" | tr -d ' ')
	[ "$got" = "$(doc_value bundle-sha256)" ] ||
		t_fail "sha256 $got, FORMAT.md says $(doc_value bundle-sha256)" \
		    "(if the writer changed on purpose, update section 14)"
	[ "$size" = "$(doc_value bundle-size)" ] ||
		t_fail "size $size, FORMAT.md says $(doc_value bundle-size)"
fi
t_end

t_begin "$V: the same bundle whatever the thread count"
run 0 pack_vector "$W/vector4.qasid" 4
t_same "$W/vector.qasid" "$W/vector4.qasid"
t_end

t_begin "$V: gzip members and the first member's header as documented"
run 0 python3 "$F/refcheck.py" --members --writer "$W/vector.qasid"
grep '^member ' "$OUT" >"$W/members.got"
doc_block result | grep '^member ' >"$W/members.doc"
[ -s "$W/members.doc" ] || t_fail "no member lines in FORMAT.md"
t_same "$W/members.got" "$W/members.doc"
hdr=$(head -c 10 "$W/vector.qasid" | od -An -tx1 | tr -s ' \n' '  ' |
    sed 's/^ //; s/ $//')
[ "$hdr" = "$(doc_value first-member-header)" ] ||
	t_fail "first member header '$hdr', documented" \
	    "'$(doc_value first-member-header)'"
t_end

mkdir -p "$W/x"
tar -xzf "$W/vector.qasid" -C "$W/x" 2>"$ERR"

t_begin "$V: the documented manifest is what tar -xzf extracts"
doc_block manifest >"$W/manifest.doc"
[ -s "$W/manifest.doc" ] || t_fail "no manifest block in FORMAT.md"
t_same "$W/x/.qasid/manifest" "$W/manifest.doc"
t_end

t_begin "$V: the documented signature is what tar -xzf extracts"
doc_block signature >"$W/sig.doc"
[ -s "$W/sig.doc" ] || t_fail "no signature block in FORMAT.md"
t_same "$W/x/.qasid/manifest.minisig" "$W/sig.doc"
t_end

t_begin "$V: the documented head hash is the first member's BLAKE2b-256"
head=$(doc_block result | sed -n 's/^member 0 offset 0 clen \([0-9]*\) .*/\1/p')
want=$(sed -n "s/^trusted comment: qasid-bundle $FMT head://p" "$W/sig.doc")
got=$(head -c "${head:-0}" "$W/vector.qasid" | b2sum -l 256 | cut -d' ' -f1)
[ -n "$want" ] && [ "$got" = "$want" ] ||
	t_fail "head hash $got, trusted comment says '$want'"
t_end

t_begin "$V: verifies with vector.pub and names its key"
run 0 "$QASID" verify -p "$F/vector.pub" "$W/vector.qasid"
t_grep 'OK "qasid test vector" key A8057EF5AEFD4933' "$OUT"
t_grep "key A8057EF5AEFD4933" "$W/manifest.doc"
t_end

done

t_begin "vector: the input tree is as documented"
for f in hello.txt empty docs/README docs/run.sh "docs/تقرير.txt"; do
	[ -f "$F/vector-input/$f" ] || t_fail "vector-input/$f missing"
done
[ -x "$F/vector-input/docs/run.sh" ] || t_fail "docs/run.sh lost its x bit"
[ ! -x "$F/vector-input/hello.txt" ] || t_fail "hello.txt is executable"
t_end
