#!/bin/sh
# SPDX-License-Identifier: ISC
# t-copy.sh - qasid copy: three incoming sticks with two publishers,
# duplicates under other names, a truncated copy and an older week make
# one up-to-date stick; bundles known by head hash, damaged ones skipped
# with their reason, names kept unique, a plan that writes nothing, a full
# destination and copies killed midway.
. "$QASID_TOP/tests/lib.sh"
. "$QASID_TOP/tests/cli/cli.sh"

"$QASID" keygen -W -p "$W/a.pub" -s "$W/a.sec" >/dev/null
"$QASID" keygen -W -p "$W/b.pub" -s "$W/b.sec" >/dev/null
"$QASID" trust add "$W/a.pub" -n alpha >/dev/null
make_drop "$W/drop"
mkdir -p "$W/s1" "$W/s2" "$W/s3" "$W/out"
pk() { "$QASID" pack -s "$W/$1.sec" -o "$2" -n "$3" -N "$4" -t "$5" \
    "$W/drop" >/dev/null; }
pk a "$W/s1/news-1.qasid" news 1 "News 1"
pk a "$W/s1/news-2.qasid" news 2 "News 2"
cp "$W/s1/news-2.qasid" "$W/s2/copy of news.qasid"
pk b "$W/s2/radio-5.qasid" radio 5 "رادیو ۵"
head -c 40000 "$W/s2/radio-5.qasid" >"$W/s3/radio-5.qasid"
pk b "$W/s3/radio-4.qasid" radio 4 "Radio 4"
pk a "$W/s3/cut.qasid" news 7 "News 7, cut short"
head -c 50000 "$W/s3/cut.qasid" >"$W/cut" && mv "$W/cut" "$W/s3/cut.qasid"
printf 'from the courier\n' >"$W/s3/README.txt"

t_begin "copy --plan says what would be copied and the space, writes nothing"
run 1 "$QASID" copy --latest --plan "$W/s1" "$W/s2" "$W/s3" "$W/out"
t_grep "^would copy $W/s1/news-2.qasid to $W/out/news-2.qasid, [0-9]* bytes\$" "$OUT"
t_grep "^would copy $W/s2/radio-5.qasid to $W/out/radio-5.qasid, .* (key not pinned: integrity only)\$" "$OUT"
t_grep "^skipped $W/s1/news-1.qasid: older than news/2\$" "$OUT"
t_grep "^[0-9]* bytes to copy, [0-9]* bytes free in $W/out\$" "$OUT"
t_grep "^qasid: $W/s3/cut.qasid: incomplete copy: 50000 of " "$ERR"
[ -z "$(ls -A "$W/out")" ] || t_fail "plan wrote: $(ls -A "$W/out")"
t_end

t_begin "three sticks make one up-to-date stick: newest of each series, once"
run 1 "$QASID" copy --latest "$W/s1" "$W/s2" "$W/s3" "$W/out"
t_grep "^copied $W/s1/news-2.qasid to $W/out/news-2.qasid (verified, read back)\$" "$OUT"
t_grep "^copied $W/s2/radio-5.qasid to $W/out/radio-5.qasid (intact, signer not checked, read back)\$" "$OUT"
t_grep "^skipped $W/s2/copy of news.qasid: the same bundle as $W/s1/news-2.qasid\$" "$OUT"
t_grep "^qasid: $W/s3/radio-5.qasid: incomplete copy: 40000 of [0-9]* bytes; .*; not copied\$" "$ERR"
t_grep "^skipped $W/s3/radio-4.qasid: older than radio/5\$" "$OUT"
t_grep "^2 copied, 0 already in $W/out, 2 failed\$" "$OUT"
t_grep "^qasid: $W/s3/cut.qasid: incomplete copy: .*; not copied\$" "$ERR"
t_grep "^qasid: $W/s3/README.txt: not a bundle, skipped\$" "$ERR"
[ "$(ls -A "$W/out" | tr '\n' ' ')" = "news-2.qasid radio-5.qasid " ] ||
    t_fail "out holds: $(ls -A "$W/out")"
t_same "$W/s1/news-2.qasid" "$W/out/news-2.qasid"
t_same "$W/s2/radio-5.qasid" "$W/out/radio-5.qasid"
t_end

t_begin "a second run copies nothing: the bundles are there, by content"
mv "$W/out/news-2.qasid" "$W/out/renamed.qasid"
run 1 "$QASID" copy --latest "$W/s1" "$W/s2" "$W/s3" "$W/out"
t_grep "^skipped $W/s1/news-2.qasid: already in $W/out as renamed.qasid\$" "$OUT"
t_grep "^0 copied, 3 already in $W/out, 2 failed\$" "$OUT"
ls -A "$W/out" >"$W/.ls"; t_lines 2 "$W/.ls"
t_end

t_begin "--latest never puts an older bundle beside a newer one already there"
mkdir "$W/o2" && cp "$W/s1/news-2.qasid" "$W/o2/n.qasid"
run 0 "$QASID" copy --latest "$W/s1/news-1.qasid" "$W/o2"
t_grep "^skipped $W/s1/news-1.qasid: $W/o2 holds news/2 already (n.qasid)\$" "$OUT"
t_absent "$W/o2/news-1.qasid"
t_end

t_begin "without --latest every distinct bundle is copied; names kept unique"
mkdir "$W/o3" "$W/x"
pk a "$W/x/news-1.qasid" other 1 "Other"
run 0 "$QASID" copy "$W/s1" "$W/x" "$W/o3"
t_exists "$W/o3/news-1.qasid"
t_exists "$W/o3/news-1-2.qasid"
t_exists "$W/o3/news-2.qasid"
"$QASID" verify -p "$W/a.pub" "$W/o3" >/dev/null 2>&1 || t_fail "o3 does not verify"
t_end

t_begin "--rename names copies SERIES-SEQUENCE.qasid; --series selects"
mkdir "$W/o4"
run 0 "$QASID" copy --rename --series radio "$W/s2" "$W/o4"
[ "$(ls -A "$W/o4")" = "radio-5.qasid" ] || t_fail "o4: $(ls -A "$W/o4")"
mkdir "$W/o5"
run 0 "$QASID" copy --rename --key "$(keyid "$W/a.pub")" "$W/s1" "$W/o5"
[ "$(ls -A "$W/o5" | tr '\n' ' ')" = "news-1.qasid news-2.qasid " ] ||
    t_fail "o5: $(ls -A "$W/o5")"
t_end

t_begin "a damaged source is skipped with its reason, the others still copied"
mkdir "$W/s4" "$W/o6"
cp "$W/s1/news-1.qasid" "$W/s4/bad.qasid"
flip "$W/s4/bad.qasid" -200
cp "$W/s1/news-2.qasid" "$W/s4/good.qasid"
run 1 "$QASID" copy "$W/s4" "$W/o6"
t_grep "^qasid: $W/s4/bad.qasid: .*; not copied\$" "$ERR"
t_nogrep "good.qasid" "$ERR"
t_grep "^copied $W/s4/good.qasid" "$OUT"
[ "$(ls -A "$W/o6")" = "good.qasid" ] || t_fail "o6: $(ls -A "$W/o6")"
t_end

t_begin "a full destination: exit 2, no bundle and no partial copy left there"
if [ "$(id -u)" -ne 0 ] || ! mkdir "$W/full" ||
    ! mount -t tmpfs -o size=40k tmpfs "$W/full" 2>/dev/null; then
	t_skip "$T_NAME" "cannot mount a small tmpfs here"
else
	run 2 "$QASID" copy "$W/s1/news-2.qasid" "$W/full"
	t_grep "^qasid: $W/full: No space left on device; not copied\$" "$ERR"
	[ -z "$(ls -A "$W/full")" ] || t_fail "left: $(ls -A "$W/full")"
	umount "$W/full"
	t_end
fi

t_begin "a copy killed at any moment leaves no visible bundle that fails"
# Two bundles: the first is read back while the second is written, so a
# kill can land in either, or in both at once.
mkdir -p "$W/s5"
head -c 30000000 /dev/urandom >"$W/drop/big.bin"
pk a "$W/s5/big-1.qasid" big 1 "Big"
head -c 20000000 /dev/urandom >"$W/drop/big.bin"
pk a "$W/s5/film-1.qasid" film 1 "Film"
i=0
while [ $i -lt 6 ]; do
	rm -rf "$W/o7" && mkdir "$W/o7"
	"$QASID" copy "$W/s5" "$W/o7" >/dev/null 2>&1 &
	pid=$!
	sleep "$(awk -v i=$i 'BEGIN { printf "%.2f", 0.01 + i * 0.06 }')"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	for f in "$W/o7"/*; do
		[ -e "$f" ] || continue
		"$QASID" verify -p "$W/a.pub" "$f" >/dev/null 2>&1 ||
		    t_fail "visible after kill $i: $f does not verify"
	done
	run 0 "$QASID" copy "$W/s5" "$W/o7"
	for b in big-1 film-1; do
		cmp -s "$W/s5/$b.qasid" "$W/o7/$b.qasid" || t_fail "kill $i: $b differs: $(ls -la "$W/o7" | tr "\n" " ") $(cat "$OUT" "$ERR" | tr "\n" " ")"
	done
	ls -A "$W/o7" | grep -q '^\.qasid-copy-' &&
	    t_fail "rerun $i left a partial copy"
	i=$((i + 1))
done
rm -f "$W/drop/big.bin"
t_end

# part DIR BUNDLE: the name of BUNDLE's partial copy in DIR.
part() {
	"$QASID" catalog -K "$W/ring-none" "$(dirname "$2")" >/dev/null 2>&1
	h=$(/usr/bin/python3 -c 'import json,sys
c = json.load(open(sys.argv[1]))
print([b["head"] for b in c["bundles"] if b["name"] == sys.argv[2]][0])' \
	    "$(dirname "$2")/catalog.json" "$(basename "$2")")
	printf '%s/.qasid-copy-%.32s.part\n' "$1" "$h"
}

t_begin "a rerun continues a partial copy from where it stopped"
mkdir -p "$W/s6" "$W/o8"
cp "$W/s1/news-2.qasid" "$W/s6/"
p=$(part "$W/o8" "$W/s6/news-2.qasid")
head -c 30000 "$W/s6/news-2.qasid" >"$p"
run 0 "$QASID" copy "$W/s6/news-2.qasid" "$W/o8"
t_grep "^resuming $W/s6/news-2.qasid at 30000 of [0-9]* bytes\$" "$OUT"
t_grep "^copied $W/s6/news-2.qasid to $W/o8/news-2.qasid (verified, read back)\$" "$OUT"
t_same "$W/s6/news-2.qasid" "$W/o8/news-2.qasid"
t_absent "$p"
t_end

t_begin "a damaged partial copy is not trusted: rewritten from where it differs"
mkdir -p "$W/o9"
p=$(part "$W/o9" "$W/s6/news-2.qasid")
head -c 30000 "$W/s6/news-2.qasid" >"$p"
flip "$p" 20000
run 0 "$QASID" copy "$W/s6/news-2.qasid" "$W/o9"
t_grep "^resuming " "$OUT"
t_grep "^the partial copy of $W/s6/news-2.qasid differs from it at byte 20000: rewritten from there\$" "$OUT"
t_same "$W/s6/news-2.qasid" "$W/o9/news-2.qasid"
t_absent "$p"
t_end

t_begin "copy --json: one object per source, then a summary; ok never contradicts verified"
t_need python3 && mkdir -p "$W/oj" &&
run 1 "$QASID" copy --json --latest "$W/s1" "$W/s2" "$W/s3" "$W/oj" &&
python3 - "$OUT" "$W" <<'PY' || t_fail "json: $(head -c 900 "$OUT")"
import json, sys
objs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
w = sys.argv[2]
by = {o["bundle"]: o for o in objs if "bundle" in o}
assert objs[-1] == {"summary": {"copied": 2, "already": 0, "failed": 2}}, objs[-1]
for o in by.values():
    assert not (o["verified"] and not o["ok"]), o
    assert o["ok"] == ("error" not in o), o
n = by[w + "/s1/news-2.qasid"]
assert n["action"] == "copied" and n["verified"] and n["dest"] == "news-2.qasid", n
assert n["check"] == "signature" and n["series"] == "news" and n["sequence"] == 2
r = by[w + "/s2/radio-5.qasid"]
assert r["action"] == "copied" and r["ok"] and not r["verified"], r
assert r["check"] == "integrity" and len(r["keyid"]) == 16, r
c = by[w + "/s3/radio-5.qasid"]
assert c["action"] == "failed" and c["error"]["code"] == "incomplete", c
assert c["error"]["bundle"] == c["bundle"], c
s = by[w + "/s3/radio-4.qasid"]
assert s["action"] == "skipped" and s["reason"] == "older than radio/5", s
PY
t_empty "$ERR"
t_end

t_begin "copy --plan --json: the plan's bundles and the space"
t_need python3 && mkdir -p "$W/ok2" &&
run 0 "$QASID" copy --json --plan "$W/s1/news-2.qasid" "$W/ok2" &&
python3 - "$OUT" <<'PY' || t_fail "json: $(head -c 600 "$OUT")"
import json, sys
objs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
assert len(objs) == 2, objs
assert objs[0]["action"] == "planned" and objs[0]["dest"] == "news-2.qasid"
p = objs[1]["plan"]
assert p["bytes"] == objs[0]["size"] and p["enough"] is True and p["free"] > 0
PY
t_end

t_begin "copy --json fails as JSON: a bad option, a missing DEST"
t_need python3 &&
run 2 "$QASID" copy --json --bogus "$W/s1" "$W/oj" &&
python3 -c 'import json,sys; o=json.load(open(sys.argv[1]))
assert o["ok"] is False and o["error"]["code"] == "usage", o
assert o["error"]["bundle"] is None and o["error"]["message"], o' "$OUT" ||
    t_fail "bad option: $(cat "$OUT")"
run 2 "$QASID" copy --json "$W/s1" "$W/nowhere" &&
python3 -c 'import json,sys; o=json.load(open(sys.argv[1]))
assert o["ok"] is False and o["error"]["code"] == "dest", o
assert "nowhere: No such file or directory" in o["error"]["message"], o' \
    "$OUT" || t_fail "missing DEST: $(cat "$OUT")"
t_grep "^qasid: $W/nowhere: No such file or directory\$" "$ERR"
t_end

t_begin "a stick that does not keep what it was given: the read-back catches it"
SHIM="$QASID_BUILD/tests/corruptsync.so"
if [ "$(id -u)" -ne 0 ] || ! command -v mkfs.ext2 >/dev/null 2>&1; then
	t_skip "$T_NAME" "needs root and mkfs.ext2 for a loop-mounted image"
elif [ ! -f "$SHIM" ]; then
	t_skip "$T_NAME" "no $SHIM (make test builds it)"
elif ! { truncate -s 16M "$W/bad.img" && mkfs.ext2 -q "$W/bad.img" &&
    mkdir "$W/badstick" && mount -o loop "$W/bad.img" "$W/badstick"; } \
    2>/dev/null; then
	t_skip "$T_NAME" "cannot mount a loop image here"
else
	# The image is changed behind the mounted file system, between the
	# copy's fsync and its read-back (the shim picks the moment): what
	# the copy wrote is still in the page cache, the medium differs.
	mkdir -p "$W/rnd"
	head -c 2000000 /dev/urandom >"$W/rnd/r.bin"
	"$QASID" pack -s "$W/a.sec" -o "$W/s7.qasid" -n rnd -N 1 "$W/rnd" \
	    >/dev/null
	run 2 env LD_PRELOAD="$SHIM" QASID_TEST_CORRUPT_IMAGE="$W/bad.img" \
	    "$QASID" copy "$W/s7.qasid" "$W/badstick"
	t_grep "^corruptsync: changed byte " "$ERR"
	t_grep "^qasid: the copy read back from $W/badstick is not what was verified (it differs within its first [0-9]* bytes): the stick may be failing or fake; not copied\$" "$ERR"
	t_grep "^0 copied, 0 already in $W/badstick, 1 failed\$" "$OUT"
	[ -z "$(ls -A "$W/badstick" | grep -v lost+found)" ] ||
	    t_fail "left on the stick: $(ls -A "$W/badstick")"
	# A good stick: the same copy without the fault goes through.
	run 0 "$QASID" copy "$W/s7.qasid" "$W/badstick"
	t_same "$W/s7.qasid" "$W/badstick/s7.qasid"
	umount "$W/badstick"
	t_end
fi
