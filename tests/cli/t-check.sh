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
