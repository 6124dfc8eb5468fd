# SPDX-License-Identifier: ISC
# lib.sh - helpers for the test scripts under tests/*/t-*.sh.
#
# A script sources this, then runs cases:
#
#   . "$QASID_TOP/tests/lib.sh"
#   t_begin "verify rejects a flipped byte"
#   run 1 "$QASID" verify -p "$W/k.pub" "$W/bad.qasid"
#   t_grep "does not match" "$ERR"
#   t_end
#
# run EXPECTED CMD... runs CMD with stdout in $OUT and stderr in $ERR (file
# names) and fails the case unless it exits EXPECTED. Each case prints one
# PASS, FAIL or SKIP line. $W is a fresh work folder per script.
set -u
: "${QASID:?run through tests/run.sh or make test}"
W=$(mktemp -d "${TMPDIR:-/tmp}/qasid-test.XXXXXX")
OUT="$W/.out"
ERR="$W/.err"
trap 'rm -rf "$W"' EXIT
# Whatever keyring, state or configuration the user running the tests has
# must not change what the tests see, nor be changed by them.
# Each script remembers bundles seen in its own record.
HOME="$W/home"
mkdir -p "$HOME"
unset QASID_KEYRING XDG_CONFIG_HOME XDG_STATE_HOME
QASID_STATE="$W/state"
export HOME QASID_STATE
T_NAME=""
T_FAILED=0

t_begin() { T_NAME="$1"; T_FAILED=0; }
t_fail() {
	[ "$T_FAILED" -eq 0 ] && echo "FAIL $T_NAME: $*"
	T_FAILED=1
}
t_end() { [ "$T_FAILED" -eq 0 ] && echo "PASS $T_NAME"; T_NAME=""; }
t_skip() { echo "SKIP $1: $2"; }

run() {
	want=$1
	shift
	"$@" >"$OUT" 2>"$ERR" </dev/null
	got=$?
	[ "$got" -eq "$want" ] ||
		t_fail "exit $got, want $want: $* :: $(head -c 300 "$ERR")"
	return 0
}
# Like run, with standard input from a file.
run_in() {
	want=$1
	input=$2
	shift 2
	"$@" >"$OUT" 2>"$ERR" <"$input"
	got=$?
	[ "$got" -eq "$want" ] ||
		t_fail "exit $got, want $want: $* :: $(head -c 300 "$ERR")"
	return 0
}
t_grep() { grep -q -- "$1" "$2" || t_fail "'$1' not in $(basename "$2"): $(head -c 300 "$2")"; }
t_nogrep() { ! grep -q -- "$1" "$2" || t_fail "'$1' unexpectedly in $(basename "$2")"; }
t_lines() { n=$(wc -l <"$2"); [ "$n" -eq "$1" ] || t_fail "$(basename "$2") has $n lines, want $1"; }
t_same() { cmp -s "$1" "$2" || t_fail "$1 and $2 differ"; }
t_exists() { [ -e "$1" ] || t_fail "$1 missing"; }
t_absent() { [ ! -e "$1" ] || t_fail "$1 should not exist"; }
# Sets T_NOPERM to a command prefix under which file permissions apply:
# nothing for an ordinary user; for root, one without the capabilities that
# override them (CI runs as root). Fails when neither is possible.
t_perms_apply() {
	T_NOPERM=""
	[ "$(id -u)" -ne 0 ] && return 0
	T_NOPERM="setpriv --bounding-set=-dac_override,-dac_read_search"
	d=$(mktemp -d) || return 1
	chmod 0555 "$d"
	if $T_NOPERM sh -c ": >'$d/x'" 2>/dev/null; then
		rm -rf "$d"
		return 1
	fi
	rmdir "$d"
}
# The size of a file in bytes.
fsize() { wc -c <"$1" | tr -d ' '; }

# flip FILE OFFSET: changes the byte at OFFSET (from the end if negative).
flip() {
	f_at=$2
	[ "$f_at" -lt 0 ] && f_at=$(($(fsize "$1") + f_at))
	f_old=$(od -An -tu1 -j "$f_at" -N1 "$1" | tr -d ' ')
	# shellcheck disable=SC2059
	printf "\\$(printf '%03o' $(((f_old + 1) % 256)))" |
	    dd of="$1" bs=1 seek="$f_at" conv=notrunc 2>/dev/null
}

# A listing of a folder tree (names, types, sizes, modes, hashes) to compare
# before and after.
t_snapshot() {
	(cd "$1" && find . -print0 | sort -z | xargs -0 stat -c '%n %F %s %a' &&
		find . -type f -print0 | sort -z | xargs -0 -r b2sum) 2>/dev/null
}

# A key pair without a password, made once per script.
t_keys() {
	[ -f "$W/k.sec" ] ||
	    "$QASID" keygen -W -p "$W/k.pub" -s "$W/k.sec" >/dev/null 2>&1
}

# Flags a program linked with this build's libqasid.a needs too: the
# sanitizers, in the build make asan makes.
T_SAN=""
nm "$QASID_BUILD/libqasid.a" 2>/dev/null | grep -q '__asan_' &&
	T_SAN="-fsanitize=address,undefined"
