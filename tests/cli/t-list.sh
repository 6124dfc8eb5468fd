#!/bin/sh
# SPDX-License-Identifier: ISC
# t-list.sh - qasid list: a bundle's metadata and files without unpacking,
# saying plainly whether a trusted key signed what it shows.
. "$QASID_TOP/tests/lib.sh"
. "$QASID_TOP/tests/cli/cli.sh"

t_keys
"$QASID" keygen -W -p "$W/other.pub" -s "$W/other.sec" >/dev/null
ID=$(keyid "$W/k.pub")
make_drop "$W/src/drop"
SOURCE_DATE_EPOCH=1717171717 "$QASID" pack -s "$W/k.sec" -o "$W/a.qasid" \
    -t "Week 9: صندوق کمک" -n teachers -N 9 "$W/src/drop" >/dev/null
bytes=$(find "$W/src/drop" -type f -exec cat {} + | wc -c | tr -d ' ')

t_begin "list with a trusted key shows the metadata and says it is verified"
run 0 "$QASID" list -p "$W/k.pub" "$W/a.qasid"
t_grep "^title: *Week 9: صندوق کمک\$" "$OUT"
t_grep "^key: *$ID" "$OUT"
t_grep "^series: *teachers/9\$" "$OUT"
t_grep "^created: *2024-05-31 16:08:37 UTC\$" "$OUT"
t_grep "^files: *8 ($bytes bytes), 7 folders\$" "$OUT"
t_grep "^verified: manifest signed by a trusted key" "$OUT"
t_empty "$ERR"
t_end

t_begin "list shows every entry with its mode and size"
run 0 "$QASID" list -p "$W/k.pub" "$W/a.qasid"
t_grep "^dir  *drop/\$" "$OUT"
t_grep "^dir  *drop/statements/$FA_DIR/\$" "$OUT"
t_grep "^755  *$(fsize "$W/src/drop/tools/readme.sh")  drop/tools/readme.sh\$" "$OUT"
t_grep "^644  *0  drop/statements/empty.txt\$" "$OUT"
t_grep "^644  *70000  drop/media/photos/courtyard.jpg\$" "$OUT"
t_grep "  drop/statements/$FA_DIR/older/$RU_FILE\$" "$OUT"
[ "$(grep -c '^dir ' "$OUT")" -eq 7 ] || t_fail "folders listed"
[ "$(grep -c '^[67][45][45] ' "$OUT")" -eq 8 ] || t_fail "files listed"
t_end

t_begin "list with no trusted key says plainly it is not verified"
run 0 "$QASID" list "$W/a.qasid"
t_grep "^verified: NO - not signed by a trusted key" "$OUT"
t_grep "^title: *Week 9" "$OUT"
t_grep "drop/tools/readme.sh\$" "$OUT"
t_end

t_begin "list with another publisher's key: not verified, and it says why"
run 0 "$QASID" list -p "$W/other.pub" "$W/a.qasid"
t_grep "^verified: NO" "$OUT"
t_nogrep "signed by a trusted key (" "$OUT"
t_grep "not trusted" "$ERR"
t_end

t_begin "list reads only the head: a damaged body still lists"
cp "$W/a.qasid" "$W/damaged.qasid"
flip "$W/damaged.qasid" -1
run 0 "$QASID" list -p "$W/k.pub" "$W/damaged.qasid"
t_grep "^verified: manifest signed by a trusted key (content not checked" \
    "$OUT"
run 1 "$QASID" verify -p "$W/k.pub" "$W/damaged.qasid"
t_end

t_begin "list of a bundle with a changed manifest fails (exit 1)"
cp "$W/a.qasid" "$W/forged.qasid"
flip "$W/forged.qasid" 120
run 1 "$QASID" list -p "$W/k.pub" "$W/forged.qasid"
t_grep "^qasid: $W/forged.qasid: " "$ERR"
t_nogrep "signed by a trusted key" "$OUT"
t_end

t_begin "list of something that is not a bundle fails (exit 1)"
head -c 2000 /dev/urandom >"$W/noise"
run 1 "$QASID" list -p "$W/k.pub" "$W/noise"
t_grep "^qasid: $W/noise: " "$ERR"
run 2 "$QASID" list -p "$W/k.pub" "$W/missing.qasid"
t_end

t_begin "list --json gives the same facts, folders before their content"
if t_need python3; then
	run 0 "$QASID" list --json -p "$W/k.pub" "$W/a.qasid"
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["verified"] is True, d
assert d["title"] == "Week 9: صندوق کمک", d["title"]
assert d["series"] == "teachers" and d["sequence"] == 9
assert d["files"] == 8 and d["dirs"] == 7
assert len(d["entries"]) == 15
sizes = {e["path"]: e.get("size") for e in d["entries"]}
assert sizes["drop/media/photos/courtyard.jpg"] == 70000
# Each folder comes before what it holds.
seen = set()
for e in d["entries"]:
    parent = e["path"].rpartition("/")[0]
    assert parent == "" or parent in seen, e["path"]
    if e["type"] == "dir":
        seen.add(e["path"])
' "$OUT" 2>"$W/py.err" || t_fail "json: $(tail -n 1 "$W/py.err")"
	run 0 "$QASID" list --json "$W/a.qasid"
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["verified"] is False and d["signer"] == "", d
' "$OUT" || t_fail "unverified json"
	"$QASID" trust add -K "$W/ring" -n "Teachers' union" "$W/k.pub" \
	    >/dev/null 2>&1 || t_fail "trust add"
	run 0 "$QASID" list --json -K "$W/ring" "$W/a.qasid"
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["verified"] is True and d["signer"] == "Teachers\x27 union", d
' "$OUT" || t_fail "signer in json: $(head -c 300 "$OUT")"
fi
t_end

t_begin "list prints a bundle's file name escaped, verified or not"
evil=$(printf 'x\033[1A\033[2K\302\233.qasid')
cp "$W/a.qasid" "$W/$evil"
run 0 "$QASID" list "$W/$evil"
t_grep "^bundle: *$W/x\\\\x1b\[1A\\\\x1b\[2K\\\\u009b.qasid\$" "$OUT"
t_grep "^verified: NO" "$OUT"
run 0 "$QASID" list -p "$W/k.pub" "$W/$evil"
t_grep "^bundle: *$W/x\\\\x1b\[1A\\\\x1b\[2K\\\\u009b.qasid\$" "$OUT"
if LC_ALL=C grep -q "$(printf '\033')" "$OUT" "$ERR"; then
	t_fail "an escape character reached the terminal"
fi
rm -f "$W/$evil"
t_end

t_begin "list of an incomplete copy says so, trusted key or not, and lists nothing"
size=$(fsize "$W/a.qasid")
head -c 40000 "$W/a.qasid" >"$W/cut.qasid"
run 1 "$QASID" list "$W/cut.qasid"
t_grep "^qasid: $W/cut.qasid: incomplete copy: 40000 of $size bytes; copy it again from a complete one" "$ERR"
t_nogrep "^title:" "$OUT"
run 1 "$QASID" list -p "$W/k.pub" "$W/cut.qasid"
t_grep "incomplete copy: 40000 of $size bytes" "$ERR"
t_nogrep "^title:" "$OUT"
run 1 "$QASID" list --json "$W/cut.qasid"
t_grep '"ok":false,"verified":false,"error":{"code":"incomplete",' "$OUT"
t_lines 1 "$OUT"
# The whole bundle still lists, exit 0.
run 0 "$QASID" list "$W/a.qasid"
t_end
