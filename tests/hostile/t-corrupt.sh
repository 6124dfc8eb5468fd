#!/bin/sh
# SPDX-License-Identifier: ISC
# t-corrupt.sh - damage as cheap media and careless copying make it: every
# single-byte change, every truncation, and data appended after the end.
# Work on a memory file system when there is one: unpack syncs, and the
# thousands of small folders these cases make cost little there.
if [ -d /dev/shm ] && [ -w /dev/shm ]; then TMPDIR=/dev/shm; export TMPDIR; fi
. "$QASID_TOP/tests/lib.sh"
. "$QASID_TOP/tests/hostile/lib-hostile.sh"

mkdir -p "$W/in/small/d"
printf 'hello\n' >"$W/in/small/a.txt"
printf 'second file %s\n' 1 2 3 >"$W/in/small/d/b.txt"
(cd "$W/in" && SOURCE_DATE_EPOCH=1700000000 "$QASID" pack -q -s "$W/k.sec" \
    -o "$W/small.qasid" small) || echo "FAIL t-corrupt: pack failed"
size=$(wc -c <"$W/small.qasid")

t_begin "every single-byte change is rejected (xor 0x01 and 0xff)"
mkdir -p "$W/mut"
"$HELPER" mutate "$W/k.pub" "$W/small.qasid" "$W/mut" >"$OUT" 2>"$ERR" ||
	t_fail "$(head -c 600 "$OUT") $(head -c 300 "$ERR")"
t_grep "^mutate: $((size * 2)) cases, 0 misbehaved" "$OUT"
t_end

t_begin "every truncation point is rejected"
mkdir -p "$W/trunc"
"$HELPER" truncate "$W/k.pub" "$W/small.qasid" "$W/trunc" >"$OUT" 2>"$ERR" ||
	t_fail "$(head -c 600 "$OUT") $(head -c 300 "$ERR")"
t_grep "^truncate: $size cases, 0 misbehaved" "$OUT"
t_end

# The same through the tool, for a sample of offsets: exit status 1 and one
# line on stderr.
t_begin "changed bytes through the tool: exit 1, one line"
"$PY" - "$W/small.qasid" "$W/flip" <<'PY'
import sys
data = bytearray(open(sys.argv[1], "rb").read())
for i in range(0, len(data), 41):
    data[i] ^= 0xFF
    open("%s.%d" % (sys.argv[2], i), "wb").write(data)
    data[i] ^= 0xFF
PY
for f in "$W"/flip.*; do
	h_refuse_verify 1 . "$f"
	[ "$T_FAILED" -eq 0 ] || break
done
h_refuse_unpack 1 . "$W/flip.41"
t_end

t_begin "appended byte is rejected"
cat "$W/small.qasid" >"$W/app1.qasid"
printf 'x' >>"$W/app1.qasid"
h_refuse 1 "data after the end" "$W/app1.qasid"
t_end

t_begin "appended 512 zero bytes are rejected"
cat "$W/small.qasid" >"$W/app2.qasid"
head -c 512 /dev/zero >>"$W/app2.qasid"
h_refuse 1 "data after the end" "$W/app2.qasid"
t_end

t_begin "appended gzip member is rejected"
cat "$W/small.qasid" >"$W/app3.qasid"
printf 'more news\n' | gzip -n >>"$W/app3.qasid"
h_refuse 1 "data after the end" "$W/app3.qasid"
t_end

t_begin "appended tar archive is rejected"
mkdir -p "$W/extra"
echo planted >"$W/extra/planted.txt"
cat "$W/small.qasid" >"$W/app4.qasid"
tar -C "$W/extra" -czf - planted.txt >>"$W/app4.qasid"
h_refuse 1 "data after the end" "$W/app4.qasid"
t_absent "$DEST/planted.txt"
t_end
