#!/bin/sh
# SPDX-License-Identifier: ISC
# t-examples.sh - the examples work as their comments say: examples/demo.sh
# (what "make demo" runs), the publisher's walkthrough examples/publish.sh,
# and the C program examples/verify-bundle.c built as
# build/examples/verify-bundle.
. "$QASID_TOP/tests/lib.sh"
. "$QASID_TOP/tests/cli/cli.sh"

EX="$QASID_TOP/examples"
VB="$QASID_BUILD/examples/verify-bundle"

t_begin "examples/demo.sh runs every step, succeeds and cleans up"
mkdir -p "$W/tmp"
run 0 env TMPDIR="$W/tmp" sh "$EX/demo.sh" "$QASID"
for n in 1 2 3 4 5 6 7 8; do
	t_grep "^== $n\. " "$OUT"
done
t_grep ": OK \"Northbank Teachers' Solidarity Circle, week 14\"" "$OUT"
t_grep "series northbank-circle/14, 6 files" "$OUT"
t_grep "^\$ diff -r content inbox/content\$" "$OUT"
t_grep "refused (exit status 1)" "$OUT"
t_grep "^The demo worked" "$OUT"
t_grep "^  \./content/statements/بیانیه-کمیته.txt\$" "$OUT"
t_nogrep "FAILED" "$ERR"
[ -z "$(ls -A "$W/tmp")" ] || t_fail "left in TMPDIR: $(ls -A "$W/tmp")"
t_end

t_begin "examples/demo.sh without a qasid binary: usage, exit 2"
run 2 sh "$EX/demo.sh"
t_grep "^usage: " "$ERR"
run 2 sh "$EX/demo.sh" "$W/no-such-qasid"
t_end

t_begin "examples/publish.sh runs without a terminal given --password-file"
printf 'a pass phrase for the walkthrough\n' >"$W/pw"
run 0 sh "$EX/publish.sh" --password-file "$W/pw" --dir "$W/pub"
for n in 1 2 3 4 5; do
	t_grep "^== $n\. " "$OUT"
done
t_grep "^untrusted comment: minisign encrypted secret key" \
    "$W/pub/keys/circle.sec"
t_exists "$W/pub/stick/northbank-14.qasid"
t_exists "$W/pub/stick/circle.pub"
t_end

t_begin "the walkthrough's bundle verifies and unpacks to the example files"
run 0 "$QASID" verify -p "$W/pub/keys/circle.pub" \
    "$W/pub/stick/northbank-14.qasid"
t_grep "OK \"Northbank Teachers' Solidarity Circle, week 14\" key $(keyid "$W/pub/keys/circle.pub")" "$OUT"
t_grep "series northbank-circle/14, 6 files" "$OUT"
run 0 "$QASID" trust list -K "$W/pub/recipient/trusted"
t_grep "^$(keyid "$W/pub/keys/circle.pub")  .*  Northbank circle\$" "$OUT"
run 0 "$QASID" unpack -K "$W/pub/recipient/trusted" -C "$W/recipient" \
    "$W/pub/stick/northbank-14.qasid"
diff -r "$EX/content" "$W/recipient/content" >/dev/null ||
    t_fail "unpacked content differs from examples/content"
t_end

t_begin "examples/publish.sh run again reuses the key, stops on a failure"
cp "$W/pub/keys/circle.sec" "$W/sec.before"
# The password file is gone: packing fails before any scrypt work.
run 1 sh "$EX/publish.sh" --password-file "$W/gone-pw" --dir "$W/pub"
t_grep "using the key made before" "$OUT"
t_same "$W/sec.before" "$W/pub/keys/circle.sec"
t_grep "^qasid: $W/gone-pw: No such file" "$ERR"
t_grep "^publish: step failed: " "$ERR"
t_nogrep "^== 4\. " "$OUT"
t_end

t_begin "verify-bundle (C API example): 0 for a good bundle"
"$QASID" keygen -W -p "$W/k.pub" -s "$W/k.sec" >/dev/null
"$QASID" keygen -W -p "$W/o.pub" -s "$W/o.sec" >/dev/null
"$QASID" pack -s "$W/k.sec" -o "$W/e.qasid" -t "Example" -n ex -N 2 \
    "$EX/content" >/dev/null
if [ -x "$VB" ]; then
	run 0 "$VB" "$W/k.pub" "$W/e.qasid"
	t_grep "^$W/e.qasid: OK\$" "$OUT"
	t_grep "^  title: *Example\$" "$OUT"
	t_grep "^  key: *$(keyid "$W/k.pub")\$" "$OUT"
	t_grep "^  series: *ex, number 2\$" "$OUT"
	t_grep "^  content: *6 files, 5 folders, " "$OUT"
	t_empty "$ERR"
else
	t_fail "$VB not built (make $VB)"
fi
t_end

t_begin "verify-bundle: 1 for a tampered bundle or an untrusted key"
if [ -x "$VB" ]; then
	cp "$W/e.qasid" "$W/t.qasid"
	flip "$W/t.qasid" $(($(fsize "$W/t.qasid") / 2))
	run 1 "$VB" "$W/k.pub" "$W/t.qasid"
	t_empty "$OUT"
	t_grep "^verify-bundle: $W/t.qasid: " "$ERR"
	run 1 "$VB" "$W/o.pub" "$W/e.qasid"
	t_grep "not trusted" "$ERR"
	run 1 "$VB" "$W/k.pub" "$W/e.qasid" "$W/t.qasid"
	t_grep "^$W/e.qasid: OK\$" "$OUT"
else
	t_fail "$VB not built"
fi
t_end

t_begin "verify-bundle: 2 for usage, a missing key or bundle"
if [ -x "$VB" ]; then
	run 2 "$VB" "$W/k.pub"
	t_grep "^usage: verify-bundle " "$ERR"
	run 2 "$VB" "$W/missing.pub" "$W/e.qasid"
	t_grep "$W/missing.pub" "$ERR"
	run 2 "$VB" "$W/k.pub" "$W/missing.qasid"
	t_grep "$W/missing.qasid" "$ERR"
else
	t_fail "$VB not built"
fi
t_end

t_begin "examples/mirror.sh makes one up-to-date stick from three"
run 0 sh "$EX/mirror.sh" --dir "$W/mirror"
t_grep "^copied in1/northbank-14.qasid to out/northbank-14.qasid (verified, read back)\$" "$OUT"
t_grep "^copied in2/radio-3.qasid to out/radio-3.qasid (intact, signer not checked, read back)\$" "$OUT"
t_grep "^0 copied, 3 already in out, 1 failed\$" "$OUT"
t_grep "^out/radio-3.qasid: intact, signer not checked (key " "$OUT"
t_grep "^2 bundles: 2 good, 0 damaged, 0 duplicates, 0 superseded; 0 leftovers; " "$OUT"
t_exists "$W/mirror/out/index.html"
t_grep "incomplete copy: 3000 of " "$ERR"
[ "$(ls "$W/mirror/out" | tr '\n' ' ')" = "catalog.json index.html northbank-14.qasid radio-3.qasid " ] ||
    t_fail "out: $(ls "$W/mirror/out")"
t_end
