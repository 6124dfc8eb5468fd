#!/bin/sh
# SPDX-License-Identifier: ISC
# t-scripting.sh - qasid in scripts and pipelines.
#
# --json gives one JSON object per line, one per bundle (verify, list) or
# key (trust list), with stable keys; -q makes a successful command silent;
# -v lists the entries, one per line; stdout carries only what was asked
# for and every error is one line on stderr; --version, help COMMAND, and a
# typo that suggests the command meant.
. "$QASID_TOP/tests/lib.sh"

t_keys
"$QASID" keygen -W -p "$W/k2.pub" -s "$W/k2.sec" >/dev/null
mkdir -p "$W/d/sub"
echo "alpha" >"$W/d/a.txt"
echo "beta" >"$W/d/sub/b.txt"
"$QASID" pack -q -t 'Say "hi"' -n news -N 7 -s "$W/k.sec" -o "$W/b.qasid" \
    "$W/d" || t_fail "pack failed"
cp "$W/b.qasid" "$W/b2.qasid"
# A damaged copy: every bit of one byte of the last body member flipped
# (whatever it held, so it always changes). Depending on the bytes of the
# run, the inflater then finds a broken stream (code "format") or the
# member's hash differs (code "content"): both are damage.
cp "$W/b.qasid" "$W/bad.qasid"
size=$(wc -c <"$W/b.qasid")
byte=$(od -An -tu1 -j $((size - 30)) -N1 "$W/b.qasid" | tr -d ' ')
printf "\\$(printf %03o $((byte ^ 255)))" |
    dd of="$W/bad.qasid" bs=1 seek=$((size - 30)) conv=notrunc 2>/dev/null

HAVE_PY=0
command -v python3 >/dev/null 2>&1 && HAVE_PY=1

# Checks JSON lines on stdin with a Python expression over each object o
# (and its index i); prints what failed.
json_each() {
	python3 -c '
import json, sys
expr, want = sys.argv[1], int(sys.argv[2])
lines = sys.stdin.read().splitlines()
if len(lines) != want:
    sys.exit("%d lines, want %d" % (len(lines), want))
for i, line in enumerate(lines):
    o = json.loads(line)
    if not isinstance(o, dict) or not eval("(" + expr + ")"):
        sys.exit("line %d fails %s: %s" % (i + 1, expr, line[:200]))
' "$1" "$2"
}
json_ok() {
	[ "$HAVE_PY" -eq 1 ] || return 0
	msg=$(json_each "$1" "$2" <"$OUT" 2>&1) || t_fail "$msg"
}
no_stderr() { [ -s "$ERR" ] && t_fail "stderr: $(head -c 300 "$ERR")"; return 0; }
no_stdout() { [ -s "$OUT" ] && t_fail "stdout: $(head -c 300 "$OUT")"; return 0; }

t_begin "--version prints the version on stdout"
run 0 "$QASID" --version
t_lines 1 "$OUT"
t_grep "^qasid [0-9][0-9]*\.[0-9][0-9]*\.[0-9][0-9]*" "$OUT"
no_stderr
t_end

t_begin "help lists every command"
run 0 "$QASID" help
for c in keygen pack verify unpack list trust; do
	t_grep "^ *$c " "$OUT"
done
no_stderr
t_end

t_begin "help COMMAND prints that command's options on stdout"
run 0 "$QASID" help verify
t_grep "qasid verify" "$OUT"
t_grep "--json" "$OUT"
t_grep "-q" "$OUT"
no_stderr
run 0 "$QASID" help pack
t_grep "-o BUNDLE" "$OUT"
t_grep "--password-file" "$OUT"
run 0 "$QASID" unpack --help
t_grep "-C DIR" "$OUT"
t_end

t_begin "a typo suggests the nearest command"
run 2 "$QASID" verfy "$W/b.qasid"
t_grep "did you mean 'verify'" "$ERR"
t_lines 1 "$ERR"
no_stdout
run 2 "$QASID" upnack -C "$W/o" "$W/b.qasid"
t_grep "did you mean 'unpack'" "$ERR"
run 2 "$QASID" frobnicate
t_grep "unknown command" "$ERR"
t_nogrep "did you mean" "$ERR"
t_end

t_begin "a usage error goes to stderr with exit 2"
run 2 "$QASID"
no_stdout
run 2 "$QASID" verify
t_grep "usage: qasid verify" "$ERR"
no_stdout
run 2 "$QASID" verify --no-such-option "$W/b.qasid"
no_stdout
t_end

t_begin "verify prints one line per bundle and nothing on stderr"
run 0 "$QASID" verify -p "$W/k.pub" "$W/b.qasid" "$W/b2.qasid"
t_lines 3 "$OUT"
t_grep "^2 bundles: 2 verified, 0 failed" "$OUT"
t_grep "b2.qasid: OK" "$OUT"
no_stderr
t_end

t_begin "verify -q prints nothing on success"
run 0 "$QASID" verify -q -p "$W/k.pub" "$W/b.qasid" "$W/b2.qasid"
no_stdout
no_stderr
t_end

t_begin "verify -q of a damaged bundle: exit 1, one line on stderr"
run 1 "$QASID" verify -q -p "$W/k.pub" "$W/bad.qasid"
no_stdout
t_lines 1 "$ERR"
t_grep "^qasid: .*bad.qasid: " "$ERR"
t_end

t_begin "a missing bundle is one line on stderr, nothing on stdout"
run 2 "$QASID" verify -p "$W/k.pub" "$W/nowhere.qasid"
no_stdout
t_lines 1 "$ERR"
t_grep "^qasid: .*nowhere.qasid: " "$ERR"
t_end

t_begin "verify --json: one object per bundle, stable keys"
run 1 "$QASID" verify --json -p "$W/k.pub" "$W/b.qasid" "$W/bad.qasid"
if [ "$HAVE_PY" -eq 1 ]; then
	python3 -m json.tool --json-lines <"$OUT" >/dev/null 2>"$W/jt" ||
		t_fail "json.tool: $(head -c 300 "$W/jt")"
fi
json_ok 'o["bundle"].endswith(("b.qasid", "bad.qasid")) and
    isinstance(o["ok"], bool) and o["keyid"] == o["keyid"].upper() and
    len(o["keyid"]) == 16 and o["series"] == "news" and
    o["sequence"] == 7 and isinstance(o["created"], int) and
    o["title"] == "Say \"hi\"" and isinstance(o["verified"], bool) and
    isinstance(o["signer"], str) and isinstance(o["bytes"], int) and
    (o["ok"] or (o["error"]["code"] in ("content", "format") and
    o["error"]["bundle"] == o["bundle"] and
    isinstance(o["error"]["message"], str)))' 2
json_ok '(i == 0) == o["ok"] and o["files"] == 2 and o["dirs"] == 2 and
    o["bytes"] == 11 and o["verified"] == o["ok"]' 2
t_end

t_begin "verify --json -q still prints the objects"
run 0 "$QASID" verify --json -q -p "$W/k.pub" "$W/b.qasid"
t_lines 1 "$OUT"
t_end

t_begin "list --json: one object with the entries"
run 0 "$QASID" list --json -p "$W/k.pub" "$W/b.qasid"
if [ "$HAVE_PY" -eq 1 ]; then
	python3 -m json.tool <"$OUT" >/dev/null 2>"$W/jt" ||
		t_fail "json.tool: $(head -c 300 "$W/jt")"
fi
hash=$(b2sum "$W/d/sub/b.txt" | cut -d' ' -f1)
json_ok 'o["verified"] and o["series"] == "news" and o["files"] == 2 and
    [e["path"] for e in o["entries"]] ==
    ["d", "d/a.txt", "d/sub", "d/sub/b.txt"] and
    [e["type"] for e in o["entries"]] == ["dir", "file", "dir", "file"] and
    o["entries"][3]["size"] == 5 and o["entries"][3]["mode"] == "644" and
    o["entries"][3]["blake2b"] == "'"$hash"'"' 1
no_stderr
t_end

t_begin "list of a bundle by an unknown key says it is unverified"
run 0 "$QASID" list --json -p "$W/k2.pub" "$W/b.qasid"
json_ok 'not o["verified"] and len(o["entries"]) == 4' 1
t_grep "^qasid: " "$ERR"
t_end

export QASID_KEYRING="$W/ring"

t_begin "trust list --json of an empty keyring prints no object"
run 0 "$QASID" trust list --json
json_ok 'False' 0
t_end

t_begin "trust list --json: one object per key"
run 0 "$QASID" trust add "$W/k.pub" -n "Alice"
id1=$(sed -n 's/^trusted \([0-9A-F]\{16\}\) .*/\1/p' "$OUT")
key1=$(sed -n 2p "$W/k.pub")
run 0 "$QASID" trust add "$W/k2.pub" -n 'Bob "the builder"'
run 0 "$QASID" trust list --json
if [ "$HAVE_PY" -eq 1 ]; then
	python3 -m json.tool --json-lines <"$OUT" >/dev/null 2>"$W/jt" ||
		t_fail "json.tool: $(head -c 300 "$W/jt")"
fi
json_ok 'len(o["keyid"]) == 16 and len(o["fingerprint"]) > 0 and
    o["name"] in ("Alice", "Bob \"the builder\"") and
    (o["name"] != "Alice" or (o["keyid"] == "'"$id1"'" and
    o["key"] == "'"$key1"'"))' 2
t_end

t_begin "trust remove takes a key id from trust list"
run 0 "$QASID" trust remove "$id1"
run 0 "$QASID" trust list
t_lines 1 "$OUT"
t_nogrep "$id1" "$OUT"
t_end

t_begin "pack -q and unpack -q print nothing"
run 0 "$QASID" pack -q -s "$W/k.sec" -o "$W/q.qasid" "$W/d"
no_stdout
no_stderr
run 0 "$QASID" unpack -q -p "$W/k.pub" -C "$W/outq" "$W/q.qasid"
no_stdout
no_stderr
t_exists "$W/outq/d/sub/b.txt"
t_end

t_begin "unpack -v lists what it unpacked"
run 0 "$QASID" unpack -v -p "$W/k.pub" -C "$W/outv" "$W/b.qasid"
t_grep "^ *d/a.txt$" "$OUT"
t_grep "^ *d/sub/b.txt$" "$OUT"
no_stderr
t_end

t_begin "pack -v and verify -v list the entries"
run 0 "$QASID" pack -v -s "$W/k.sec" -o "$W/v.qasid" "$W/d"
t_grep "^ *d/sub/b.txt$" "$OUT"
run 0 "$QASID" verify -v -p "$W/k.pub" "$W/v.qasid"
t_grep "^ *d/sub/b.txt$" "$OUT"
t_grep "v.qasid: OK" "$OUT"
t_end
