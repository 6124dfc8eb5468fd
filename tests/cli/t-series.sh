#!/bin/sh
# SPDX-License-Identifier: ISC
# t-series.sh - the recipient's memory of a series: NEW, CURRENT, OLDER and
# EQUIVOCATION verdicts with their exit statuses, gaps noted, the record's
# folder from QASID_STATE / XDG_STATE_HOME / HOME, and a damaged or
# unwritable record refused with a clear error, never forgotten.
. "$QASID_TOP/tests/lib.sh"
. "$QASID_TOP/tests/cli/cli.sh"

t_keys
mkdir -p "$W/in"
for n in 14 15 17; do
	echo "week $n" >"$W/in/news.txt"
	"$QASID" pack -s "$W/k.sec" -n news -N $n -o "$W/w$n.qasid" \
	    "$W/in" >/dev/null
done
echo "another week 15" >"$W/in/news.txt"
"$QASID" pack -s "$W/k.sec" -n news -N 15 --reuse-sequence \
    -o "$W/w15x.qasid" "$W/in" >/dev/null
V="$QASID verify -p $W/k.pub"
S="$QASID_STATE"

t_begin "a first bundle of a series is NEW, and recorded"
run 0 $V "$W/w14.qasid"
t_grep "news/14, .*: NEW$" "$OUT"
t_grep "^seen [0-9A-F]* [0-9]* news 14 [0-9a-f]* [0-9]*$" "$S/seen"
t_end

t_begin "the same bundle again is CURRENT (exit 0)"
run 0 $V "$W/w14.qasid"
t_grep ": CURRENT (seen before)$" "$OUT"
t_end

t_begin "a gap is accepted and noted: 15 and 16 not seen"
run 0 $V "$W/w17.qasid"
t_grep ": NEW (15 to 16 not seen)$" "$OUT"
t_end

t_begin "an OLDER bundle is refused (exit 1), saying which was seen"
run 1 $V "$W/w15.qasid"
t_grep "^qasid: $W/w15.qasid: OLDER news/15: sequence 17 (created " "$ERR"
t_grep "(--allow-older accepts it)" "$ERR"
run 1 "$QASID" unpack -p "$W/k.pub" -C "$W/out" "$W/w15.qasid"
t_absent "$W/out"
t_end

t_begin "--allow-older accepts it, and the record keeps 17"
run 0 $V --allow-older "$W/w15.qasid"
t_grep ": OLDER, accepted by --allow-older: sequence 17 " "$OUT"
t_grep " news 17 " "$S/seen"
t_end

t_begin "list tells the verdict and fails for an OLDER bundle"
run 1 "$QASID" list -p "$W/k.pub" "$W/w14.qasid"
t_grep "^seen:     OLDER news/14, refused: sequence 17 " "$OUT"
t_end

t_begin "--json carries the verdict, the head and what was seen"
run 0 $V --json "$W/w17.qasid"
t_grep '"head":"[0-9a-f]\{64\}","verdict":"CURRENT","seen":{"sequence":17' \
    "$OUT"
t_end

t_begin "EQUIVOCATION: the same sequence, another head (exit 1, both kept)"
rm -rf "$S"
run 0 $V "$W/w15.qasid"
run 1 $V --allow-older "$W/w15x.qasid"
t_grep "^qasid: $W/w15x.qasid: EQUIVOCATION news/15: key .* signed two different bundles as this sequence: head [0-9a-f]\{64\} (seen before) and head [0-9a-f]\{64\} (this one)" "$ERR"
t_grep "^conflict .* news 15 [0-9a-f]\{64\} [0-9a-f]\{64\}$" "$S/seen"
run 1 "$QASID" unpack -p "$W/k.pub" -C "$W/out" "$W/w15x.qasid"
t_absent "$W/out"
t_end

t_begin "a damaged record is an error (exit 2), not forgotten"
printf 'qasid-seen 1\nseen garbage\n' >"$S/seen"
run 2 $V "$W/w17.qasid"
t_grep "^qasid: $S/seen: line 2 is not a record of bundles seen" "$ERR"
t_grep "^seen garbage$" "$S/seen"
t_end

t_begin "an unwritable record folder is an error (exit 2)"
rm -rf "$S"
mkdir -p "$W/ro"
chmod 0555 "$W/ro"
QASID_STATE="$W/ro/state" run 2 setpriv \
    --bounding-set=-dac_override,-dac_read_search $V "$W/w17.qasid"
t_grep "^qasid: $W/ro/state: Permission denied" "$ERR"
chmod 0755 "$W/ro"
t_end

t_begin "two recipients on one machine keep separate records"
rm -rf "$S"
mkdir -p "$W/ann" "$W/bob"
(unset QASID_STATE XDG_STATE_HOME; HOME="$W/ann" run 0 $V "$W/w17.qasid")
(unset QASID_STATE; XDG_STATE_HOME="$W/bob" run 0 $V "$W/w14.qasid")
t_grep " news 17 " "$W/ann/.local/state/qasid/seen"
t_grep " news 14 " "$W/bob/qasid/seen"
(unset QASID_STATE; XDG_STATE_HOME="$W/bob" run 0 $V "$W/w15.qasid")
t_absent "$S"
t_end

t_begin "a bundle packed without -n is no series: no verdict"
"$QASID" pack -s "$W/k.sec" -o "$W/plain.qasid" "$W/in" >/dev/null
run 0 $V "$W/plain.qasid"
t_nogrep "NEW" "$OUT"
t_end

t_begin "recipients verifying at once all land in the record (locked)"
rm -rf "$S"
for s in a b c d e f; do
	echo "$s" >"$W/in/news.txt"
	"$QASID" pack -s "$W/k.sec" -n "s-$s" -N 3 -o "$W/s-$s.qasid" \
	    "$W/in" >/dev/null
done
for s in a b c d e f; do
	$V "$W/s-$s.qasid" >/dev/null 2>&1 &
done
wait
for s in a b c d e f; do
	t_grep " s-$s 3 " "$S/seen"
done
t_lines 7 "$S/seen"
t_end

t_begin "pack -n without -N takes the next sequence this key packed"
export QASID_STATE="$W/pub"
run 0 "$QASID" pack -s "$W/k.sec" -n weekly -o "$W/p1.qasid" "$W/in"
run 0 "$QASID" pack -s "$W/k.sec" -n weekly -o "$W/p2.qasid" "$W/in"
run 0 "$QASID" list -p "$W/k.pub" "$W/p2.qasid"
t_grep "^series:   weekly/2$" "$OUT"
t_grep "^packed [0-9A-F]* [0-9]* weekly 2 [0-9a-f]\{64\} [0-9]*$" \
    "$W/pub/packed"
t_absent "$W/pub/seen"
t_end

t_begin "a retry of the same files under one -N gives the same bytes"
sleep 1 # a second later: the recorded created time is reused
run 0 "$QASID" pack -s "$W/k.sec" -n weekly -N 1 -o "$W/p1b.qasid" "$W/in"
t_same "$W/p1.qasid" "$W/p1b.qasid"
t_end

t_begin "pack refuses -N of other content (exit 2) unless --reuse-sequence"
echo "changed" >"$W/in/news.txt"
run 2 "$QASID" pack -s "$W/k.sec" -n weekly -N 1 -o "$W/p1c.qasid" "$W/in"
t_grep "^qasid: $W/p1c.qasid: weekly/1 was packed before (created .*) with other content: two different bundles with one sequence are an EQUIVOCATION" "$ERR"
t_grep "nothing was written$" "$ERR"
t_absent "$W/p1c.qasid"
[ -z "$(ls "$W" | grep qasid-pack)" ] || t_fail "a temporary bundle is left"
run 0 "$QASID" pack -s "$W/k.sec" -n weekly -N 1 --reuse-sequence \
    -o "$W/p1c.qasid" "$W/in"
t_exists "$W/p1c.qasid"
"$QASID" help pack >"$W/help" 2>&1
t_grep "--reuse-sequence  pack other content" "$W/help"
t_grep "dangerous: two bundles with one sequence are an" "$W/help"
t_end
