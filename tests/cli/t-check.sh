#!/bin/sh
# SPDX-License-Identifier: ISC
# t-check.sh - qasid check DIR: every bundle checked in full from the
# medium, duplicates, superseded sequences, partial copies and stray
# temporary files named, and the free space; a stick altered behind the
# page cache is caught.
. "$QASID_TOP/tests/lib.sh"
. "$QASID_TOP/tests/cli/cli.sh"

"$QASID" keygen -W -p "$W/a.pub" -s "$W/a.sec" >/dev/null
"$QASID" keygen -W -p "$W/b.pub" -s "$W/b.sec" >/dev/null
"$QASID" trust add "$W/a.pub" -n alpha -K "$W/ring" >/dev/null
make_drop "$W/drop"
S="$W/stick"
mkdir -p "$S"
pk() { "$QASID" pack -s "$W/$1.sec" -o "$2" -n "$3" -N "$4" -t "$5" \
    "$W/drop" >/dev/null; }
pk a "$S/news-2.qasid" news 2 "News 2"
pk a "$S/news-1.qasid" news 1 "News 1"
pk b "$S/radio.qasid" radio 5 "Radio"
ID_B=$(keyid "$W/b.pub")

t_begin "check of a good stick: each bundle and the free space, exit 0"
run 0 "$QASID" check -K "$W/ring" "$S"
t_grep "^$S/news-2.qasid: verified\$" "$OUT"
t_grep "^$S/news-1.qasid: verified; superseded by a newer sequence here\$" "$OUT"
t_grep "^$S/radio.qasid: intact, signer not checked (key $ID_B)\$" "$OUT"
t_grep "^3 bundles: 3 good, 0 damaged, 0 duplicates, 1 superseded; 0 leftovers; [0-9]* bytes free\$" "$OUT"
t_empty "$ERR"
t_end

t_begin "check names damage, duplicates, partial copies and stray files"
cp "$S/news-2.qasid" "$S/zz-again.qasid"
cp "$S/radio.qasid" "$S/bad.qasid"
flip "$S/bad.qasid" -300
head -c 5000 "$S/news-1.qasid" >"$S/.qasid-copy-0123.part"
: >"$S/.catalog.json.tmp"
run 1 "$QASID" check -K "$W/ring" "$S"
t_grep "^qasid: $S/bad.qasid: " "$ERR"
t_grep "^$S/zz-again.qasid: verified; a duplicate\$" "$OUT"
t_grep "^$S/.qasid-copy-0123.part: a partial copy" "$OUT"
t_grep "^$S/.catalog.json.tmp: a stray temporary file\$" "$OUT"
t_grep "^5 bundles: 4 good, 1 damaged, 1 duplicates, 1 superseded; 2 leftovers; " "$OUT"
rm -f "$S/bad.qasid" "$S/zz-again.qasid" "$S/.qasid-copy-0123.part" \
    "$S/.catalog.json.tmp"
t_end

t_begin "check reads the stick, not the cache: damage behind the cache is found"
if [ "$(id -u)" -ne 0 ] || ! command -v mkfs.ext2 >/dev/null 2>&1; then
	t_skip "$T_NAME" "needs root and mkfs.ext2 for a loop-mounted image"
elif ! { truncate -s 8M "$W/img" && mkfs.ext2 -q "$W/img" &&
    mkdir "$W/mnt" && mount -o loop "$W/img" "$W/mnt"; } 2>/dev/null; then
	t_skip "$T_NAME" "cannot mount a loop image here"
else
	cp "$S/news-2.qasid" "$W/mnt/" && sync
	"$QASID" verify -p "$W/a.pub" "$W/mnt/news-2.qasid" >/dev/null 2>&1 ||
	    t_fail "copy on the image does not verify"
	# Change one byte of the bundle in the image file, behind the
	# mounted file system's cache of it.
	/usr/bin/python3 - "$W/img" "$S/news-2.qasid" <<'EOF' || t_fail "not found in image"
import sys
img, b = sys.argv[1], open(sys.argv[2], "rb").read()
probe = b[len(b) - 700:len(b) - 636]
with open(img, "r+b") as f:
    data = f.read()
    at = data.find(probe)
    assert at > 0
    f.seek(at + 10)
    f.write(bytes([data[at + 10] ^ 0xff]))
EOF
	run 0 "$QASID" verify -p "$W/a.pub" "$W/mnt/news-2.qasid"
	run 1 "$QASID" check -K "$W/ring" "$W/mnt"
	t_grep "^qasid: $W/mnt/news-2.qasid: " "$ERR"
	umount "$W/mnt"
	t_end
fi

t_begin "check --json: an object per bundle and leftover, then a summary"
cp "$S/radio.qasid" "$S/bad.qasid"
flip "$S/bad.qasid" -300
: >"$S/.x.tmp"
t_need python3 &&
run 1 "$QASID" check --json -K "$W/ring" "$S" &&
python3 - "$OUT" "$S" <<'PY' || t_fail "json: $(head -c 900 "$OUT")"
import json, sys
objs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
s = sys.argv[2]
by = {o["bundle"]: o for o in objs if "bundle" in o}
for o in by.values():
    assert not (o["verified"] and not o["ok"]), o
    assert o["ok"] == ("error" not in o), o
assert by[s + "/news-2.qasid"]["status"] == "verified"
assert by[s + "/news-1.qasid"]["status"] == "older"
r = by[s + "/radio.qasid"]
assert r["status"] == "intact" and r["ok"] and not r["verified"], r
b = by[s + "/bad.qasid"]
assert b["status"] == "damaged" and b["error"]["code"] in ("content", "format"), b
assert {"leftover": ".x.tmp", "what": "a stray temporary file"} in objs
t = objs[-1]["summary"]
assert (t["bundles"], t["good"], t["damaged"], t["leftovers"]) == (4, 3, 1, 1), t
PY
t_empty "$ERR"
rm -f "$S/bad.qasid" "$S/.x.tmp"
t_end

t_begin "check --json fails as JSON: a folder that is not there"
t_need python3 &&
run 2 "$QASID" check --json "$W/nowhere" &&
python3 -c 'import json,sys; o=json.load(open(sys.argv[1]))
assert o["ok"] is False and o["error"]["bundle"] is None, o
assert "nowhere" in o["error"]["message"], o' "$OUT" ||
    t_fail "$(cat "$OUT")"
t_end

t_begin "check and catalog of a folder that is not there say so, exit 2"
run 2 "$QASID" check "$W/nowhere"
t_grep "^qasid: $W/nowhere: No such file or directory\$" "$ERR"
t_empty "$OUT"
run 2 "$QASID" catalog "$W/nowhere"
t_grep "^qasid: $W/nowhere: No such file or directory\$" "$ERR"
t_lines 1 "$ERR"
run 2 "$QASID" check "$S/news-1.qasid"
t_grep "^qasid: $S/news-1.qasid: not a folder\$" "$ERR"
t_end
