#!/bin/sh
# SPDX-License-Identifier: ISC
# t-replay.sh - the fuzz targets' entry points over the checked-in corpus,
# without libFuzzer: seeds (ok-*) must still be accepted, or fuzzing from
# them would stop at the first check; past crashers (crash-*) and every
# other input must run to the end without breaking a promise.
. "$QASID_TOP/tests/lib.sh"

CORPUS="$QASID_TOP/tests/fuzz/corpus"
# The targets work in a folder under TMPDIR; an input that aborts one
# leaves it behind, so keep it inside this script's own.
TMPDIR="$W"
export TMPDIR
for t in read unpack manifest leftover sig keyring keyfile meta statement receipt \
    repair; do
	bin="$QASID_BUILD/tests/replay-$t"
	t_begin "fuzz replay: $t corpus"
	if [ ! -x "$bin" ]; then
		t_fail "$bin is missing; build it with make test"
		t_end
		continue
	fi
	total=$(find "$CORPUS/$t" -type f ! -name '.*' | wc -l)
	[ "$total" -gt 0 ] || t_fail "no inputs in $CORPUS/$t"
	run 0 "$bin" "$CORPUS/$t"
	t_grep "^$total inputs replayed" "$OUT"
	t_end

	t_begin "fuzz replay: $t seeds are still accepted"
	seeds=$(find "$CORPUS/$t" -type f -name 'ok-*' | wc -l)
	# Seed names are plain words: the list splits safely.
	# shellcheck disable=SC2046
	run 0 "$bin" $(find "$CORPUS/$t" -type f -name 'ok-*' | sort)
	grep -q "^$seeds inputs replayed, $seeds accepted" "$OUT" ||
		t_fail "stale seeds ($(cat "$OUT")): remake them with" \
		    "tests/fuzz/mkcorpus.py"
	t_end
done
