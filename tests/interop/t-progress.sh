#!/bin/sh
# SPDX-License-Identifier: ISC
# t-progress.sh - long work shows progress on a terminal, and only there.
#
# pack, verify and unpack of a 200 MiB bundle draw a bar with bytes, rate and
# time left on stderr when it is a terminal (a pseudo-terminal driven by
# pty-run.py); every frame fits the terminal's width, so it can be redrawn in
# place (on a narrow terminal the bar itself gives way to the numbers); the
# bar is gone before the result line. When stderr is not a terminal, a
# successful run writes nothing to it.
. "$QASID_TOP/tests/lib.sh"

PTY="$QASID_TOP/tests/interop/pty-run.py"
if ! command -v python3 >/dev/null 2>&1; then
	t_skip "progress" "python3 is not installed (it drives the terminal)"
	exit 0
fi

t_keys
mkdir -p "$W/big"
head -c 209715200 /dev/urandom >"$W/big/random.bin"
TR="$W/transcript"
FRAMES="$W/frames"

on_tty() {
	cols=$1
	shift
	python3 "$PTY" -c "$cols" -o "$TR" -- "$@" >"$OUT" 2>"$ERR" </dev/null
	got=$?
	[ "$got" -eq 0 ] ||
		t_fail "exit $got: $* :: $(tr '\r' '\n' <"$TR" | tail -c 300)"
	# Frames: what is between carriage returns, escape sequences removed.
	tr '\r' '\n' <"$TR" | sed 's/\x1b\[[0-9;]*[A-Za-z]//g' >"$FRAMES"
	return 0
}

# Frames with a percentage, bytes done of 200 MiB, a rate and a time left
# (with a bar when $3 is "bar", with or without one if not), including one with a measured rate and a
# last one at 100%; none wider than the terminal ($1 columns); the result
# line ($2) starts clean.
bar_drawn() {
	bar='(\[[# ]+\] +)?'
	[ "$3" = bar ] && bar='\[[# ]+\] +'
	grep -Eq "^$bar *[0-9]+% .*200\.0 MiB.*B/s.*ETA" "$FRAMES" ||
		t_fail "no progress bar: $(head -c 300 "$FRAMES")"
	grep -Eq '[0-9]+\.[0-9] [KMG]iB/s' "$FRAMES" ||
		t_fail "no transfer rate in any frame"
	grep -Eq '100% .*200\.0 MiB / 200\.0 MiB' "$FRAMES" ||
		t_fail "no final frame at 100%"
	wide=$(grep 'ETA' "$FRAMES" | awk -v c="$1" 'length($0) >= c' | head -1)
	[ -z "$wide" ] || t_fail "a frame as wide as the terminal ($1): $wide"
	grep -q "^$2" "$FRAMES" || t_fail "no line starting '$2'"
}

t_begin "pack draws a progress bar on a terminal"
on_tty 80 "$QASID" pack -s "$W/k.sec" -o "$W/big.qasid" "$W/big"
bar_drawn 80 "packed " bar
t_end

t_begin "verify draws a progress bar on a terminal"
on_tty 80 "$QASID" verify -p "$W/k.pub" "$W/big.qasid"
bar_drawn 80 "[^ ]*big.qasid: OK" bar
t_end

t_begin "unpack draws a progress bar on a narrow terminal"
on_tty 60 "$QASID" unpack -p "$W/k.pub" -C "$W/out" "$W/big.qasid"
bar_drawn 60 "[^ ]*big.qasid: OK" text
t_exists "$W/out/big/random.bin"
rm -rf "$W/out"
t_end

t_begin "verify -q on a terminal draws nothing"
on_tty 80 "$QASID" verify -q -p "$W/k.pub" "$W/big.qasid"
[ -s "$TR" ] && t_fail "terminal showed: $(head -c 200 "$TR")"
t_end

# The bar is drawn from the first call, whatever the size: a small bundle
# shows that the terminal test, not the size, keeps stderr clean.
t_begin "nothing on stderr when it is not a terminal"
mkdir "$W/small"
head -c 300000 /dev/urandom >"$W/small/s.bin"
run 0 "$QASID" pack -s "$W/k.sec" -o "$W/small.qasid" "$W/small"
[ -s "$ERR" ] && t_fail "pack wrote to stderr: $(head -c 200 "$ERR")"
t_lines 1 "$OUT"
run 0 "$QASID" verify -p "$W/k.pub" "$W/small.qasid"
[ -s "$ERR" ] && t_fail "verify wrote to stderr: $(head -c 200 "$ERR")"
t_lines 1 "$OUT"
run 0 "$QASID" unpack -p "$W/k.pub" -C "$W/out" "$W/small.qasid"
[ -s "$ERR" ] && t_fail "unpack wrote to stderr: $(head -c 200 "$ERR")"
t_same "$W/small/s.bin" "$W/out/small/s.bin"
t_end

t_begin "a small bundle on a terminal draws its bar too"
on_tty 80 "$QASID" verify -p "$W/k.pub" "$W/small.qasid"
grep -Eq '100% ' "$FRAMES" || t_fail "no bar: $(head -c 300 "$FRAMES")"
t_end
