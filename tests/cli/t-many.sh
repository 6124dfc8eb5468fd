#!/bin/sh
# SPDX-License-Identifier: ISC
# t-many.sh - verify, list and unpack of many bundles at once: folders
# walked for bundles found by their content, one line per bundle and a
# summary, the worst exit status, JSON Lines with an error object, and
# messages that say what is wrong with a copy.
. "$QASID_TOP/tests/lib.sh"
. "$QASID_TOP/tests/cli/cli.sh"

t_keys
"$QASID" keygen -W -p "$W/other.pub" -s "$W/other.sec" >/dev/null
ID=$(keyid "$W/k.pub")
make_drop "$W/drop"
S="$W/stick"
mkdir -p "$S/older/deeper"
"$QASID" pack -s "$W/k.sec" -o "$S/week-9.qasid" -t "Week 9" -n teachers \
    -N 9 "$W/drop" >/dev/null
"$QASID" pack -s "$W/k.sec" -o "$S/older/deeper/week-8" -t "Week 8" \
    -n teachers -N 8 "$W/drop/statements" >/dev/null
"$QASID" pack -s "$W/other.sec" -o "$W/other.qasid" -t "خبر" -n news \
    -N 2 "$W/drop/tools" >/dev/null
# What else a stick holds: a key, notes, a file named like a bundle.
cp "$W/k.pub" "$S/publisher.pub"
printf 'read me first\n' >"$S/notes.txt"
printf 'not a bundle\n' >"$S/fake.qasid"
size=$(fsize "$S/week-9.qasid")
head -c 60000 "$S/week-9.qasid" >"$W/cut.qasid"

t_begin "verify DIR checks the bundles in it, skipping other files with a note"
run 0 "$QASID" verify -p "$W/k.pub" "$S"
t_lines 2 "$OUT"
t_grep "^$S/week-9.qasid: OK \"Week 9\" key $ID" "$OUT"
t_grep "^1 bundle: 1 verified, 0 failed\$" "$OUT"
t_grep "^qasid: $S/notes.txt: not a bundle, skipped\$" "$ERR"
t_grep "^qasid: $S/fake.qasid: not a bundle, skipped\$" "$ERR"
t_grep "^qasid: $S/publisher.pub: not a bundle, skipped\$" "$ERR"
t_nogrep "week-8" "$OUT"
t_end

t_begin "verify -r walks subfolders; a bundle is known by content, not name"
# The record of bundles seen has week 9 from the cases above: week 8 is
# OLDER now, which a mirror checking a whole stick accepts.
run 0 "$QASID" verify -r --allow-older -p "$W/k.pub" "$S"
t_lines 3 "$OUT"
t_grep "^$S/older/deeper/week-8: OK \"Week 8\"" "$OUT"
t_grep "^2 bundles: 2 verified, 0 failed\$" "$OUT"
t_end

t_begin "a truncated copy says it is incomplete, with how much is missing"
run 1 "$QASID" verify -p "$W/k.pub" "$W/cut.qasid"
t_grep "^qasid: $W/cut.qasid: incomplete copy: 60000 of $size bytes" "$ERR"
t_empty "$OUT"
t_end

t_begin "a file that is not a bundle, named, says so plainly"
run 1 "$QASID" verify -p "$W/k.pub" "$S/notes.txt"
t_grep "^qasid: $S/notes.txt: not a qasid bundle\$" "$ERR"
t_end

t_begin "the exit status is the worst: damaged 1, missing 2"
cp "$W/cut.qasid" "$S/cut.qasid"
run 1 "$QASID" verify -p "$W/k.pub" "$S"
t_grep "^2 bundles: 1 verified, 1 failed\$" "$OUT"
run 2 "$QASID" verify -p "$W/k.pub" "$S" "$W/missing.qasid"
t_grep "^3 bundles: 1 verified, 2 failed\$" "$OUT"
rm -f "$S/cut.qasid"
t_end

t_begin "verify --json: JSON Lines, an error object, verified never contradicts ok"
t_need python3 &&
run 2 "$QASID" verify --json -p "$W/k.pub" "$S/week-9.qasid" "$W/cut.qasid" \
    "$W/other.qasid" "$S/notes.txt" "$W/missing.qasid" &&
python3 - "$OUT" <<'EOF' || t_fail "json: $(head -c 600 "$OUT")"
import json, sys
objs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
assert len(objs) == 5, objs
for o in objs:
    assert o["verified"] == o["ok"], o
    if not o["ok"]:
        e = o["error"]
        assert e["bundle"] == o["bundle"] and e["message"], o
codes = [o.get("error", {}).get("code") for o in objs]
assert codes == [None, "incomplete", "untrusted", "not_bundle", "io"], codes
assert objs[0]["series"] == "teachers" and objs[0]["sequence"] == 9
# Untrusted: what it claims, marked unverified.
u = objs[2]
assert u["verified"] is False and u["series"] == "news", u
assert u["sequence"] == 2 and len(u["keyid"]) == 16 and u["title"] == "خبر"
assert "of" in objs[1]["error"]["message"]
EOF
t_end

t_begin "verify --json with no keys at all still names the key id claimed"
t_need python3 &&
run 1 "$QASID" verify --json "$S/week-9.qasid" &&
python3 -c 'import json,sys; o=json.load(open(sys.argv[1]))
assert o["ok"] is False and o["verified"] is False
assert o["error"]["code"] == "untrusted" and o["keyid"] == sys.argv[2]
assert o["series"] == "teachers"' "$OUT" "$ID" || t_fail "$(cat "$OUT")"
t_end

t_begin "list takes several bundles and folders"
run 0 "$QASID" list -r --allow-older -p "$W/k.pub" "$S" "$W/other.qasid"
[ "$(grep -c '^bundle: ' "$OUT")" -eq 3 ] || t_fail "bundles listed"
t_grep "^3 bundles: 3 listed, 0 failed\$" "$OUT"
t_grep "^title: *Week 8\$" "$OUT"
t_grep "^verified: NO" "$OUT"
t_end

t_begin "unpack takes several bundles into one folder"
"$QASID" pack -s "$W/k.sec" -o "$W/tools.qasid" -n t -N 1 \
    "$W/drop/tools" >/dev/null
run 0 "$QASID" unpack -p "$W/k.pub" -C "$W/out" "$S/week-9.qasid" \
    "$W/tools.qasid"
t_grep "^2 bundles: 2 unpacked, 0 failed\$" "$OUT"
t_exists "$W/out/drop/tools/readme.sh"
t_exists "$W/out/tools/readme.sh"
run 1 "$QASID" unpack -p "$W/k.pub" -C "$W/out2" "$W/cut.qasid" \
    "$W/tools.qasid"
t_grep "incomplete copy" "$ERR"
t_exists "$W/out2/tools/readme.sh"
t_end

t_begin "verify --integrity: no keys needed, says the signer was not checked"
rm -f "$QASID_KEYRING"
run 0 "$QASID" verify --integrity "$S/week-9.qasid" "$W/other.qasid"
t_grep "^$S/week-9.qasid: intact, signer not checked (key $ID) \"Week 9\" series teachers/9, 8 files" "$OUT"
t_grep "^$W/other.qasid: intact, signer not checked (key $(keyid "$W/other.pub"))" "$OUT"
t_grep "^2 bundles: 2 intact, 0 failed\$" "$OUT"
t_empty "$ERR"
t_end

t_begin "verify --integrity finds a damaged body, head or a truncated copy (exit 1)"
cp "$S/week-9.qasid" "$W/body.qasid"
flip "$W/body.qasid" -100
run 1 "$QASID" verify --integrity "$W/body.qasid"
t_grep "^qasid: $W/body.qasid: " "$ERR"
t_nogrep "incomplete" "$ERR"
t_empty "$OUT"
cp "$S/week-9.qasid" "$W/head.qasid"
flip "$W/head.qasid" 40
run 1 "$QASID" verify --integrity "$W/head.qasid"
t_grep "^qasid: $W/head.qasid: " "$ERR"
run 1 "$QASID" verify --integrity "$W/cut.qasid"
t_grep "incomplete copy: 60000 of $size bytes" "$ERR"
t_end

t_begin "verify --integrity --json: ok, never verified, marked as an integrity check"
t_need python3 &&
run 1 "$QASID" verify --integrity --json "$S/week-9.qasid" "$W/body.qasid" &&
python3 - "$OUT" <<'EOF2' || t_fail "json: $(head -c 600 "$OUT")"
import json, sys
a, b = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
assert a["ok"] is True and a["verified"] is False, a
assert a["check"] == "integrity" and a["series"] == "teachers", a
# The changed byte lies in a deflate stream of random data: it breaks the
# stream or changes the content, as the data falls.
assert b["ok"] is False and b["error"]["code"] in ("content", "format"), b
EOF2
t_end

t_begin "verify --integrity takes no key: it would not be checked"
run 2 "$QASID" verify --integrity -p "$W/k.pub" "$S/week-9.qasid"
t_grep "^qasid: verify: --integrity checks no signer" "$ERR"
t_end

t_begin "unpack --json: one object per bundle, JSON even on failure"
t_need python3 &&
run 1 "$QASID" unpack --json -p "$W/k.pub" -C "$W/out3" "$W/tools.qasid" \
    "$W/cut.qasid" &&
python3 - "$OUT" <<'EOF2' || t_fail "json: $(head -c 600 "$OUT")"
import json, sys
a, b = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
assert a["ok"] is True and a["verified"] is True and a["files"] == 1, a
assert b["ok"] is False and b["error"]["code"] == "incomplete", b
EOF2
t_empty "$ERR"
t_end

t_begin "a folder's bundles are read each series in order of sequence"
mkdir -p "$W/fresh/z" "$W/fresh/a"
cp "$S/week-9.qasid" "$W/fresh/a/x-latest.qasid"
cp "$S/older/deeper/week-8" "$W/fresh/z/b-old.qasid"
# Week 9 sorts first by name, week 8 first by sequence: neither is OLDER.
run 0 env QASID_STATE="$W/fresh-state" "$QASID" verify -r -p "$W/k.pub" \
    "$W/fresh"
t_grep "b-old.qasid: OK .*teachers/8.*NEW" "$OUT"
t_grep "x-latest.qasid: OK .*teachers/9.*NEW" "$OUT"
t_nogrep "OLDER" "$OUT"
[ "$(grep -n 'teachers/8' "$OUT" | cut -d: -f1)" -lt \
    "$(grep -n 'teachers/9' "$OUT" | cut -d: -f1)" ] ||
	t_fail "week 8 should come before week 9: $(cat "$OUT")"
t_end

t_begin "--json before any bundle is read: still one JSON error object"
t_need python3 &&
for args in "verify --json --bogus $S" "verify --bogus --json $S" \
    "list --json" "unpack --json -C $W/u-none" "check --json" \
    "catalog --json $S"; do
	# shellcheck disable=SC2086
	run 2 "$QASID" $args
	python3 -c 'import json,sys; o=json.load(open(sys.argv[1]))
assert o["ok"] is False and o["error"]["code"] == "usage", o
assert o["error"]["bundle"] is None, o
assert o["error"]["message"].startswith("usage: qasid "), o' "$OUT" ||
	    t_fail "$args: $(cat "$OUT")"
	t_grep "^usage: qasid " "$ERR"
done
t_end
