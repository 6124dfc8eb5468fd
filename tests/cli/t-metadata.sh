#!/bin/sh
# SPDX-License-Identifier: ISC
# t-metadata.sh - pack and identifying metadata. Photos, videos and PDFs
# made by Pillow, with GPS positions, serial numbers and names written into
# them by exiftool (or built box by box where exiftool needs a start): pack
# refuses them before asking for a password, --scrub carries copies whose
# pixels and samples are the originals' and in which exiftool finds none of
# it, --keep-metadata carries them as they are. Files without such metadata,
# files that only look like a type and hostile ones pass untouched.
. "$QASID_TOP/tests/lib.sh"
. "$QASID_TOP/tests/cli/cli.sh"

PY=""
for p in python3 /usr/bin/python3; do
	if "$p" -c 'import PIL' 2>/dev/null; then
		PY=$p
		break
	fi
done
if [ -z "$PY" ] || ! command -v exiftool >/dev/null 2>&1; then
	t_skip "identifying metadata" "needs Pillow and exiftool (Debian:" \
	    "python3-pil libimage-exiftool-perl)"
	exit 0
fi

t_keys
M=$W/m
"$PY" "$QASID_TOP/tests/cli/metafiles.py" "$M" || {
	echo "FAIL metafiles.py could not make the test files"
	exit 0
}
et() { exiftool -q -q -overwrite_original "$@" >/dev/null 2>&1; }
GPS="-GPSLatitude=34.08 -GPSLatitudeRef=N -GPSLongitude=74.79 -GPSLongitudeRef=E"
# shellcheck disable=SC2086
et $GPS -SerialNumber=12345 -Artist="Amal Haddad" -Make=Canon \
    -Model="EOS 5D" -Orientation#=6 -Comment="from the square" "$M/gps.jpg"
# shellcheck disable=SC2086
et $GPS "$M/renamed.dat" "$M/gps.tif"
et -PNG:Author="Amal Haddad" -XMP:City=Srinagar "$M/text.png"
et -Orientation#=6 -Make=Canon -Model="EOS 5D" "$M/orient.jpg"
et '-Keys:GPSCoordinates=34.08, 74.79, 0' \
    '-UserData:GPSCoordinates=34.08, 74.79, 0' '-Keys:Author=Amal Haddad' \
    "$M/gps.mp4"
IDENT="gps.jpg text.png gps.tif renamed.dat gps.mp4 photo.heic author.pdf info.pdf"
CLEAN="clean.jpg clean.png orient.jpg looks.jpg cut.jpg cut.png bomb.jpg huge.mp4"
BEFORE=$(t_snapshot "$M")

# in_m FILES...: the paths of files in $M.
in_m() { for f in "$@"; do printf '%s\n' "$M/$f"; done; }

t_begin "pack refuses files that reveal a place, a device or a person, before any password"
printf 'secret\n' >"$W/pw"
"$QASID" keygen -p "$W/e.pub" -s "$W/e.sec" --password-file "$W/pw" \
    >/dev/null 2>&1 || t_fail "keygen with a password failed"
# shellcheck disable=SC2046
run 2 "$QASID" pack -s "$W/e.sec" --password-file "$W/no-such-pw" \
    -o "$W/r.qasid" $(in_m $IDENT)
t_lines 10 "$ERR"
t_grep "^qasid: $M/gps.jpg: GPS 34.08 N 74.79 E; camera serial 12345; artist Amal Haddad$" "$ERR"
t_grep "^qasid: $M/renamed.dat: GPS 34.08 N 74.79 E$" "$ERR"
t_grep "^qasid: $M/gps.tif: GPS 34.08 N 74.79 E; cannot be scrubbed safely: " "$ERR"
t_grep "^qasid: $M/text.png: Author \"Amal Haddad\"; XMP city Srinagar$" "$ERR"
t_grep "^qasid: $M/gps.mp4: GPS 34.08 N 74.79 E; author$" "$ERR"
t_grep "^qasid: $M/photo.heic: GPS 34.08 N 74.79 E; cannot be scrubbed safely: in HEIF" "$ERR"
t_grep "^qasid: $M/author.pdf: author Amal Haddad$" "$ERR"
t_grep "^qasid: $M/info.pdf: author Amal" "$ERR"
t_grep "^qasid: 8 files would reveal where they were made or by whom$" "$ERR"
t_grep "^qasid: pack --scrub removes identifying metadata; --keep-metadata keeps it on purpose$" "$ERR"
t_nogrep "no-such-pw" "$ERR"
t_empty "$OUT"
t_absent "$W/r.qasid"
t_end

t_begin "files without identifying metadata, lookalikes and hostile ones pack untouched"
# shellcheck disable=SC2046
run 0 timeout 60 "$QASID" pack -q -s "$W/k.sec" -o "$W/c.qasid" $(in_m $CLEAN)
t_empty "$ERR"
run 0 "$QASID" unpack -q -p "$W/k.pub" -C "$W/c" "$W/c.qasid"
for f in $CLEAN; do
	t_same "$M/$f" "$W/c/$f"
done
t_end

t_begin "pack --scrub carries copies without it; pixels, samples and originals unchanged"
SCRUB="gps.jpg text.png renamed.dat gps.mp4 author.pdf info.pdf"
mkdir -p "$W/tmp"
# shellcheck disable=SC2046
run 0 "$QASID" pack -q --scrub --tmpdir "$W/tmp" -s "$W/k.sec" \
    -o "$W/s.qasid" $(in_m $SCRUB)
[ -z "$(ls -A "$W/tmp")" ] || t_fail "left in the tmpdir: $(ls -A "$W/tmp")"
run 0 "$QASID" unpack -q -p "$W/k.pub" -C "$W/s" "$W/s.qasid"
[ "$(t_snapshot "$M")" = "$BEFORE" ] || t_fail "an original changed"
for f in $SCRUB; do
	exiftool -q -q -s -s -s -GPSLatitude -GPSCoordinates -SerialNumber \
	    -Artist -Author -Creator -City -Comment -Make "$W/s/$f" >"$W/et.out"
	grep -q '[^[:space:]]' "$W/et.out" && t_fail "exiftool still finds in $f: $(cat "$W/et.out")"
done
[ "$(exiftool -s -s -s -n -Orientation "$W/s/gps.jpg")" = 6 ] ||
	t_fail "the orientation was not kept"
if exiftool -s -s -s -ICC_Profile:ProfileDescription "$M/gps.jpg" | grep -q .; then
	exiftool -s -s -s -ICC_Profile:ProfileDescription "$W/s/gps.jpg" |
	    grep -q . || t_fail "the colour profile was not kept"
fi
"$PY" - "$M" "$W/s" gps.jpg text.png renamed.dat >"$W/px.out" 2>&1 <<'EOF' ||
import sys
from PIL import Image
for f in sys.argv[3:]:
    a, b = Image.open(sys.argv[1] + "/" + f), Image.open(sys.argv[2] + "/" + f)
    if a.size != b.size or a.tobytes() != b.tobytes():
        sys.exit(f + ": decoded pixels differ")
EOF
	t_fail "$(cat "$W/px.out")"
for f in gps.mp4 author.pdf info.pdf; do
	[ "$(fsize "$M/$f")" = "$(fsize "$W/s/$f")" ] ||
		t_fail "$f changed size: offsets would move"
done
tail -c 20000 "$M/gps.mp4" >"$W/mdat.a"
tail -c 20000 "$W/s/gps.mp4" >"$W/mdat.b"
t_same "$W/mdat.a" "$W/mdat.b"
exiftool -Warning "$W/s/info.pdf" "$W/s/author.pdf" >"$W/et.out" 2>&1
t_nogrep "Warning" "$W/et.out"
t_end

t_begin "pack --scrub refuses what it cannot scrub safely"
run 2 "$QASID" pack --scrub -s "$W/k.sec" -o "$W/r.qasid" "$M/gps.tif" \
    "$M/photo.heic" "$M/clean.jpg"
t_grep "^qasid: $M/gps.tif: GPS 34.08 N 74.79 E; cannot be scrubbed safely: a TIFF" "$ERR"
t_grep "^qasid: $M/photo.heic: .*cannot be scrubbed safely: in HEIF" "$ERR"
t_lines 4 "$ERR"
t_absent "$W/r.qasid"
t_end

t_begin "pack --keep-metadata carries it as it is"
run 0 "$QASID" pack -q --keep-metadata -s "$W/k.sec" -o "$W/k.qasid" \
    "$M/gps.jpg" "$M/gps.tif"
run 0 "$QASID" unpack -q -p "$W/k.pub" -C "$W/k" "$W/k.qasid"
t_same "$M/gps.jpg" "$W/k/gps.jpg"
t_same "$M/gps.tif" "$W/k/gps.tif"
t_end

t_begin "pack -v and --json list what was found and removed"
run 0 "$QASID" pack -v --scrub -s "$W/k.sec" -o "$W/v.qasid" "$M/gps.jpg" \
    "$M/orient.jpg"
t_grep "^$M/gps.jpg: JPEG: GPS 34.08 N 74.79 E; camera serial 12345; artist Amal Haddad; camera make Canon; camera model EOS 5D; comment \"from the square\"; removing EXIF (orientation kept), comment$" "$OUT"
t_grep "^$M/orient.jpg: JPEG: camera make Canon; camera model EOS 5D; kept$" "$OUT"
run 0 "$QASID" pack --json --scrub -f -s "$W/k.sec" -o "$W/v.qasid" \
    "$M/gps.mp4"
"$PY" - "$OUT" >"$W/json.out" 2>&1 <<'EOF' ||
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
r = rows[0]
assert len(rows) == 1 and r["type"] == "MP4" and r["action"] == "scrub", rows
assert r["reveals"] == "GPS 34.08 N 74.79 E; author", r
assert "udta" in r["removes"] and "meta" in r["removes"], r
EOF
	t_fail "json: $(cat "$W/json.out")"
t_end

t_begin "a scrubbed bundle is reproducible"
for i in 1 2; do
	SOURCE_DATE_EPOCH=1700000000 "$QASID" pack -q --scrub -j 2 \
	    -s "$W/k.sec" -o "$W/rep$i.qasid" "$M/gps.jpg" "$M/gps.mp4" \
	    "$M/info.pdf" || t_fail "pack $i failed"
done
t_same "$W/rep1.qasid" "$W/rep2.qasid"
t_end

t_begin "pack --scrub refuses a copy that would still reveal something"
# A PDF whose author key sits before an XMP packet its value runs into:
# blanking the packet makes the author readable (found by fuzz_meta).
cp "$QASID_TOP/tests/fuzz/corpus/meta/pdf-author-behind-xmp" "$W/h.pdf"
run 2 "$QASID" pack --scrub -s "$W/k.sec" -o "$W/h.qasid" "$W/h.pdf"
t_grep "^qasid: $W/h.pdf: cannot be scrubbed safely: the copy would still reveal author" "$ERR"
t_absent "$W/h.qasid"
t_end
