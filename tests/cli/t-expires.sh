#!/bin/sh
# SPDX-License-Identifier: ISC
# t-expires.sh - a series over time, signed: pack --expires and the
# EXPIRED refusal (judged against the newest created time seen, the
# bundle's own and the clock, never the clock alone), and `previous`, which
# shows a forked chain as EQUIVOCATION.
. "$QASID_TOP/tests/lib.sh"
. "$QASID_TOP/tests/cli/cli.sh"

t_keys
mkdir -p "$W/in"
echo "news" >"$W/in/news.txt"
V="$QASID verify -p $W/k.pub"
S="$QASID_STATE"
NOW=$(date +%s)

t_begin "pack --expires 30d signs created + 30 days; list shows it"
SOURCE_DATE_EPOCH=$NOW run 0 "$QASID" pack -s "$W/k.sec" -n a --expires 30d \
    -o "$W/a.qasid" "$W/in"
tar -xzOf "$W/a.qasid" .qasid/manifest >"$W/m" 2>/dev/null
t_grep "^expires $((NOW + 30 * 86400))$" "$W/m"
run 0 "$QASID" list -p "$W/k.pub" "$W/a.qasid"
t_grep "^expires:  [0-9-]* [0-9:]* UTC$" "$OUT"
run 0 $V "$W/a.qasid"
t_grep ": NEW$" "$OUT"
t_end

t_begin "pack --expires: a date is the end of that day in UTC"
SOURCE_DATE_EPOCH=1600000000 run 0 "$QASID" pack -s "$W/k.sec" \
    --expires 2020-09-15 -o "$W/old.qasid" "$W/in"
tar -xzOf "$W/old.qasid" .qasid/manifest >"$W/m" 2>/dev/null
t_grep "^expires 1600214399$" "$W/m"
t_end

t_begin "pack --expires refuses what is not a time (exit 2), before a key"
for bad in 30x 2026-02-30 2026-1-1 -3d 2026-12-31T25:00:00Z; do
	run 2 "$QASID" pack -s "$W/nokey" --expires "$bad" -o "$W/x.qasid" \
	    "$W/in"
	t_grep "^qasid: --expires $bad: a time after it is made" "$ERR"
done
run 2 "$QASID" pack -s "$W/k.sec" --format 1 --expires 3d \
    -o "$W/x.qasid" "$W/in"
t_grep "expires needs bundle format 2" "$ERR"
t_absent "$W/x.qasid"
t_end

t_begin "EXPIRED by the clock: exit 1, nothing unpacked, --json says so"
run 1 $V "$W/old.qasid"
t_grep "^qasid: $W/old.qasid: EXPIRED: its publisher stood by it until 2020-09-15 23:59:59 UTC, and this computer's clock says .* is later; an expired bundle is refused (--allow-expired accepts it)$" "$ERR"
run 1 "$QASID" unpack -p "$W/k.pub" -C "$W/out" "$W/old.qasid"
t_absent "$W/out"
run 1 $V --json "$W/old.qasid"
t_grep '"expires":1600214399,"expired":{"by":"clock","against":[0-9]*,"accepted":false}' "$OUT"
t_end

t_begin "--allow-expired accepts it, and says so; its help says why not to"
run 0 $V --allow-expired "$W/old.qasid"
t_grep ": EXPIRED (accepted by --allow-expired)" "$OUT"
"$QASID" help verify >"$W/help" 2>&1
t_grep "dangerous: an expired bundle played back is" "$W/help"
t_end

t_begin "a bundle not yet expired, and one with none, verify as before"
run 0 $V --json "$W/a.qasid"
t_grep '"expired":false' "$OUT"
run 0 "$QASID" pack -s "$W/k.sec" -o "$W/none.qasid" "$W/in"
run 0 $V --json "$W/none.qasid"
t_nogrep '"expired"' "$OUT"
t_end

t_begin "EXPIRED by a newer bundle seen: setting the clock back revives nothing"
# Made far ahead of this clock, as if this computer's clock were set back.
rm -rf "$S"
T=$((NOW + 400 * 86400))
SOURCE_DATE_EPOCH=$T run 0 "$QASID" pack -s "$W/k.sec" -n b -N 2 \
    -o "$W/b2.qasid" "$W/in"
SOURCE_DATE_EPOCH=$((T - 100 * 86400)) run 0 "$QASID" pack -s "$W/k.sec" \
    -n c --expires 10d -o "$W/c1.qasid" "$W/in"
run 0 $V "$W/c1.qasid"
run 0 $V "$W/b2.qasid"
run 1 $V "$W/c1.qasid"
t_grep ": EXPIRED: its publisher stood by it until .*, and a bundle verified here was created .* is later" "$ERR"
run 1 $V --json "$W/c1.qasid"
t_grep "\"expired\":{\"by\":\"seen\",\"against\":$T," "$OUT"
run 1 $V "$W/a.qasid"
t_grep "EXPIRED" "$ERR"
t_end

t_begin "pack -n names the sequence before it as previous, with its head"
rm -rf "$S"
run 0 "$QASID" pack -s "$W/k.sec" -n p -o "$W/p1.qasid" "$W/in"
run 0 "$QASID" pack -s "$W/k.sec" -n p -o "$W/p2.qasid" "$W/in"
tar -xzOf "$W/p1.qasid" .qasid/manifest >"$W/m1" 2>/dev/null
tar -xzOf "$W/p2.qasid" .qasid/manifest >"$W/m2" 2>/dev/null
t_grep "^previous none$" "$W/m1"
h1=$("$QASID" verify --json -p "$W/k.pub" "$W/p1.qasid" |
    sed 's/.*"head":"\([0-9a-f]*\)".*/\1/')
t_grep "^previous 1 $h1$" "$W/m2"
t_end

t_begin "a forked chain is EQUIVOCATION (exit 1): both heads are printed"
echo "other" >"$W/in/news.txt"
run 0 "$QASID" pack -s "$W/k.sec" -n p -N 1 --reuse-sequence \
    -o "$W/p1x.qasid" "$W/in"
run 0 "$QASID" pack -s "$W/k.sec" -n p -N 2 --reuse-sequence \
    -o "$W/p2x.qasid" "$W/in"
rm -rf "$S"
run 0 $V "$W/p1.qasid"
run 1 $V "$W/p2x.qasid"
t_grep "^qasid: $W/p2x.qasid: EQUIVOCATION p/2: key .* signed it as following p/1 with head [0-9a-f]\{64\}, but the p/1 seen has head $h1;" "$ERR"
run 1 $V --json "$W/p2x.qasid"
t_grep '"verdict":"EQUIVOCATION","forked":{"previous":"[0-9a-f]\{64\}"}' "$OUT"
run 1 "$QASID" unpack -p "$W/k.pub" -C "$W/out" "$W/p2x.qasid"
t_absent "$W/out"
run 0 $V "$W/p2.qasid"
t_grep ": NEW$" "$OUT"
t_end
