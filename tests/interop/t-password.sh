#!/bin/sh
# SPDX-License-Identifier: ISC
# t-password.sh - passwords: on a terminal, from standard input, from a
# file, shared with minisign.
#
# On a terminal (a pseudo-terminal driven by pty-run.py) qasid asks without
# echo, twice at keygen. Otherwise it takes the first line of standard input,
# or of --password-file. A key qasid encrypted opens in minisign, which reads
# a password line by line from standard input when that is not a terminal.
# Every password costs a key derivation of a second or more and 1 GiB, so
# the cases share one key, and those tests/cli covers (wrong passwords, keys
# from minisign -G with a password) are not repeated here.
. "$QASID_TOP/tests/lib.sh"

PTY="$QASID_TOP/tests/interop/pty-run.py"
if ! command -v python3 >/dev/null 2>&1; then
	t_skip "passwords" "python3 is not installed (it drives the terminal)"
	exit 0
fi
HAVE_MINISIGN=0
command -v minisign >/dev/null 2>&1 && HAVE_MINISIGN=1

mkdir -p "$W/data"
echo "content" >"$W/data/a.txt"
echo "a note" >"$W/note.txt"
PW="s3cret-Horse"
TR="$W/transcript"

# Runs a command on a terminal, typing the answers at each password prompt.
on_tty() {
	want=$1
	shift
	python3 "$PTY" -o "$TR" "$@" >"$OUT" 2>"$ERR" </dev/null
	got=$?
	[ "$got" -eq 97 ] && t_fail "a password was typed while echo was on"
	[ "$got" -eq 96 ] && t_fail "the terminal was left with echo off"
	[ "$got" -eq "$want" ] ||
		t_fail "exit $got, want $want: $* :: $(tr '\r' ' ' <"$TR" | head -c 300)"
	return 0
}
prompts() { grep -o 'assword' "$TR" | wc -l; }

t_begin "keygen on a terminal asks twice without echo"
on_tty 0 -a "$PW" -a "$PW" -- "$QASID" keygen -p "$W/t.pub" -s "$W/t.sec"
[ "$(prompts)" -eq 2 ] || t_fail "$(prompts) password prompts, want 2"
t_nogrep "$PW" "$TR"
t_grep "^key [0-9A-F]\{16\}" "$TR"
t_exists "$W/t.pub"
t_grep "encrypted secret key" "$W/t.sec"
t_end

t_begin "keygen on a terminal refuses two different passwords"
on_tty 2 -a "$PW" -a "other" -- "$QASID" keygen -p "$W/u.pub" -s "$W/u.sec"
t_grep "^qasid: passwords do not match" "$TR"
t_nogrep "$PW" "$TR"
t_absent "$W/u.pub"
t_absent "$W/u.sec"
t_end

t_begin "Ctrl-C at the prompt puts echo back and stops keygen"
on_tty 130 -a "$PW" -i -- "$QASID" keygen -p "$W/c.pub" -s "$W/c.sec"
[ "$(prompts)" -eq 2 ] || t_fail "$(prompts) password prompts, want 2"
t_absent "$W/c.pub"
t_absent "$W/c.sec"
t_end

t_begin "pack on a terminal asks once without echo"
on_tty 0 -a "$PW" -- "$QASID" pack -s "$W/t.sec" -o "$W/t.qasid" "$W/data"
[ "$(prompts)" -eq 1 ] || t_fail "$(prompts) password prompts, want 1"
t_nogrep "$PW" "$TR"
run 0 "$QASID" verify -p "$W/t.pub" "$W/t.qasid"
t_end

t_begin "only the first line of standard input is the password"
printf '%s\nsomething else\n' "$PW" >"$W/pw-and-more"
run_in 0 "$W/pw-and-more" "$QASID" pack -s "$W/t.sec" -o "$W/s.qasid" \
    "$W/data"
run 0 "$QASID" verify -p "$W/t.pub" "$W/s.qasid"
t_end

t_begin "a missing password file is one clear line"
run 2 "$QASID" pack --password-file "$W/nowhere" -s "$W/t.sec" \
    -o "$W/w.qasid" "$W/data"
t_grep "^qasid: .*nowhere: " "$ERR"
t_lines 1 "$ERR"
t_absent "$W/w.qasid"
t_end

t_begin "an empty standard input is not taken for an empty password"
run 2 "$QASID" pack -s "$W/t.sec" -o "$W/w.qasid" "$W/data"
t_grep "^qasid: .*no password" "$ERR"
t_absent "$W/w.qasid"
t_end

if [ "$HAVE_MINISIGN" -eq 0 ]; then
	t_skip "keys with a password and minisign" "minisign is not installed"
	exit 0
fi

t_begin "minisign signs with a key qasid encrypted on a terminal"
printf '%s\n' "$PW" >"$W/pw"
run_in 0 "$W/pw" minisign -S -s "$W/t.sec" -m "$W/note.txt"
run 0 minisign -V -p "$W/t.pub" -m "$W/note.txt"
t_grep "Signature and comment signature verified" "$OUT"
t_end
