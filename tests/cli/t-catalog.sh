#!/bin/sh
# SPDX-License-Identifier: ISC
# t-catalog.sh - qasid catalog DIR: catalog.json (sorted, deterministic,
# a status per bundle) and index.html (self-contained, escaped, grouped by
# publisher and series, right-to-left titles aligned right), the page
# rendered in headless Chromium and its screenshot measured.
. "$QASID_TOP/tests/lib.sh"
. "$QASID_TOP/tests/cli/cli.sh"

"$QASID" keygen -W -p "$W/a.pub" -s "$W/a.sec" >/dev/null
"$QASID" keygen -W -p "$W/b.pub" -s "$W/b.sec" >/dev/null
"$QASID" trust add "$W/a.pub" -n "Northbank <circle> & co" -K "$W/ring" \
    >/dev/null
mkdir -p "$W/drop" "$W/c"
printf 'statement\n' >"$W/drop/s.txt"
pk() { "$QASID" pack -s "$W/$1.sec" -o "$W/c/$2" -n "$3" -N "$4" -t "$5" \
    "$W/drop" >/dev/null; }
pk a "news-2.qasid" news 2 "News, week 2"
pk a "news-1.qasid" news 1 "News, week 1"
cp "$W/c/news-2.qasid" "$W/c/again.qasid"
pk b "radio.qasid" radio 5 "رادیو دره، برنامهٔ پنجم"
pk b "<b>&x.qasid" radio 3 "<script>alert(1)</script>"
pk a "cut.qasid" weekly 9 "Weekly 9"
head -c 300 "$W/c/cut.qasid" >"$W/cut" && mv "$W/cut" "$W/c/cut.qasid"
printf 'notes\n' >"$W/c/notes.txt"

json() { /usr/bin/python3 - "$W/c/catalog.json" "$@"; }

t_begin "catalog writes catalog.json: every bundle, sorted, with its status"
run 0 "$QASID" catalog -K "$W/ring" "$W/c"
t_grep "^catalogued 6 bundles in $W/c/catalog.json and $W/c/index.html\$" "$OUT"
t_need python3 && json <<'EOF' || t_fail "$(cat "$W/c/catalog.json")"
import json, sys
c = json.load(open(sys.argv[1], encoding="utf-8"))
b = {e["name"]: e for e in c["bundles"]}
names = [e["name"] for e in c["bundles"]]
assert names == sorted(names), names
assert set(b) == {"news-1.qasid", "news-2.qasid", "again.qasid", "radio.qasid",
                  "<b>&x.qasid", "cut.qasid"}, names
st = {n: e["status"] for n, e in b.items()}
assert st["again.qasid"] == "verified", st
assert st["news-2.qasid"] == "duplicate", st
assert st["news-1.qasid"] == "older than another here", st
assert st["radio.qasid"] == "intact, signer not checked", st
assert st["<b>&x.qasid"] == "older than another here", st
assert st["cut.qasid"] == "damaged", st
a = b["again.qasid"]
assert a["signer"] == "Northbank <circle> & co" and a["series"] == "news"
assert a["sequence"] == 2 and a["files"] == 1 and a["bytes"] == 10
assert len(a["head"]) == 64 and a["head"] == b["news-2.qasid"]["head"]
assert b["radio.qasid"]["signer"] == "" and len(b["radio.qasid"]["keyid"]) == 16
EOF
t_end

t_begin "catalog is deterministic: a second run writes the same bytes"
cp "$W/c/catalog.json" "$W/first.json"
cp "$W/c/index.html" "$W/first.html"
run 0 "$QASID" catalog -K "$W/ring" "$W/c"
t_same "$W/first.json" "$W/c/catalog.json"
t_same "$W/first.html" "$W/c/index.html"
t_end

t_begin "index.html is self-contained and escapes every name"
t_nogrep "<script" "$W/c/index.html"
t_nogrep "http" "$W/c/index.html"
t_nogrep " src=" "$W/c/index.html"
t_grep "&lt;script&gt;alert(1)&lt;/script&gt;" "$W/c/index.html"
t_grep "Northbank &lt;circle&gt; &amp; co" "$W/c/index.html"
t_grep 'href="%3Cb%3E%26x.qasid"' "$W/c/index.html"
t_grep 'dir="auto">رادیو دره، برنامهٔ پنجم<' "$W/c/index.html"
t_grep 'name="viewport"' "$W/c/index.html"
t_nogrep "verify.html" "$W/c/index.html"
t_end

t_begin "with verify.html beside the bundles, each links to it"
: >"$W/c/verify.html"
run 0 "$QASID" catalog -K "$W/ring" "$W/c"
t_grep 'href="verify.html?bundle=radio.qasid"' "$W/c/index.html"
t_grep 'href="verify.html?bundle=%3Cb%3E%26x.qasid"' "$W/c/index.html"
rm -f "$W/c/verify.html"
t_end

# shot HTML PNG: the page as a phone shows it.
shot() {
	timeout 120 chromium --headless=new --no-sandbox --disable-gpu \
	    --disable-dev-shm-usage --hide-scrollbars --no-first-run \
	    --user-data-dir="$W/chromium" --window-size=390,900 \
	    --screenshot="$2" "file://$1" >/dev/null 2>&1
	[ -s "$2" ]
}
# right_bands PNG: how many bands of text rows hold dark pixels only in
# the right half of the page (a right-aligned right-to-left title).
right_bands() {
	/usr/bin/python3 - "$1" <<'EOF'
import sys
from PIL import Image
im = Image.open(sys.argv[1]).convert("L")
w, h = im.size
px = im.load()
# A line's dots and marks sit a few blank rows apart: one band; a band
# lower than a line of text (a link's underline) is not a line.
bands, start, last = 0, None, None
for y in list(range(h)) + [None]:
    xs = [x for x in range(w) if px[x, y] < 110] if y is not None else []
    if y is not None and not xs:
        continue
    if y is not None and min(xs) > w * 0.55:
        if start is None or y - last > 6:
            if start is not None and last - start >= 10:
                bands += 1
            start = y
        last = y
        continue
    if start is not None and last - start >= 10:
        bands += 1
    start = None
print(bands)
EOF
}

t_begin "in Chromium, right-to-left titles are aligned right, others left"
if ! command -v chromium >/dev/null 2>&1 ||
    ! /usr/bin/python3 -c 'import PIL' 2>/dev/null; then
	t_skip "$T_NAME" "no chromium or python3-pil (tools/deps.sh installs them)"
else
	mkdir "$W/rtl" "$W/ltr"
	cp "$W/c/radio.qasid" "$W/rtl/"
	"$QASID" pack -s "$W/b.sec" -o "$W/rtl/ks.qasid" -n kashmir -N 1 \
	    -t "کٲشُر خبر" "$W/drop" >/dev/null
	cp "$W/c/again.qasid" "$W/ltr/"
	"$QASID" pack -s "$W/b.sec" -o "$W/ltr/r.qasid" -n radio -N 5 \
	    -t "Valley radio" "$W/drop" >/dev/null
	"$QASID" catalog -K "$W/ring" "$W/rtl" >/dev/null &&
	    "$QASID" catalog -K "$W/ring" "$W/ltr" >/dev/null ||
	    t_fail "catalog failed"
	if shot "$W/rtl/index.html" "$W/rtl.png" &&
	    shot "$W/ltr/index.html" "$W/ltr.png"; then
		r=$(right_bands "$W/rtl.png")
		l=$(right_bands "$W/ltr.png")
		[ "$r" -eq 2 ] || t_fail "right-aligned title rows in RTL page: $r, want 2"
		[ "$l" -eq 0 ] || t_fail "right-aligned rows in LTR page: $l, want 0"
	else
		t_fail "chromium made no screenshot"
	fi
	t_end
fi
