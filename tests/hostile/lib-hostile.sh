# SPDX-License-Identifier: ISC
# lib-hostile.sh - what the hostile-bundle scripts share; sourced after
# tests/lib.sh.
#
#   craft OUT <<'EOF'          runs Python with craft.py imported, K the
#   Bundle(K, [File("a", b"x")]).write(OUT)      script's test key, OUT
#   EOF                                          the file to write
#
#   h_refuse WANT REASON BUNDLE [TRUST...]
#       verify and unpack must both exit WANT with one line naming REASON
#       (a grep pattern); unpack must leave its destination and a sentinel
#       folder beside it exactly as they were, and make nothing else.
#   h_refuse_verify / h_refuse_unpack  the same, one command only.
#   h_reason REASON      $ERR is one line "qasid: ..." matching REASON
#   h_case, h_case_same  a destination and sentinel, and the check that
#                        neither changed ($DEST is the destination)
#   h_snap [DIR]         a listing of DIR to compare before and after
#   h_accept BUNDLE      unpacks a bundle that must be good into $W/ok
#   h_bounded MIB SECONDS WANT REASON CMD...  also checks peak memory/time
#   rec_orig             packs $W/orig.qasid (3 MB) and protects it (10%)
#   rec_damage KIND OUT  OUT and OUT-rec: orig damaged as KIND says
#
# TRUST defaults to "-p $W/k.pub". $PY is the Python interpreter, $HELPER
# the hostile-helper program (helper.c).
HELPER="$QASID_BUILD/tests/hostile-helper"
# The interpreter itself, not a version manager's wrapper script: the
# scripts start Python often.
PY=$(python3 -c 'import sys; print(sys.executable)') || PY=python3
PYTHONPATH="$QASID_TOP/tests/hostile${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONPATH

if [ ! -x "$HELPER" ]; then
	echo "FAIL $(basename "$0"): $HELPER is missing; build it with make test"
	exit 1
fi
t_keys

craft() {
	"$PY" -c 'import sys
from craft import *
K = Key(sys.argv[2], sys.argv[3])
OUT = sys.argv[1]
exec(compile(sys.stdin.read(), "craft", "exec"))' "$1" "$W/k.sec" "$W/k.pub" ||
		t_fail "crafting $(basename "$1") failed"
}

# The error must be one line, "qasid: ...", naming the reason.
h_reason() {
	{ IFS= read -r l1 || l1=""; IFS= read -r l2 && l2="more"; } <"$ERR"
	case "$l1" in
	"qasid: "*) ;;
	*) t_fail "stderr does not start with 'qasid: ': $l1" ;;
	esac
	[ "${l2:-}" != more ] || t_fail "stderr has more than one line: $l1"
	t_grep "$1" "$ERR"
}

h_refuse_verify() {
	want=$1 why=$2 bundle=$3
	shift 3
	[ $# -gt 0 ] || set -- -p "$W/k.pub"
	run "$want" "$QASID" verify "$@" "$bundle"
	h_reason "$why"
}

# A case folder: case/a/b/dest (holding "old") and case/a/b/sentinel, so a
# path that climbs out of dest by up to three levels still lands inside.
h_case() {
	rm -rf "$W/case"
	mkdir -p "$W/case/a/b/dest/keep" "$W/case/a/b/sentinel"
	echo old >"$W/case/a/b/dest/old"
	echo sentinel >"$W/case/a/b/sentinel/s"
	DEST="$W/case/a/b/dest"
	h_snap "$W/case" >"$W/case.before"
}

# Names, types, sizes and modes of everything in a folder (the case folder
# unless named), and the
# modification times of its files (a folder's changes when a staging
# folder comes and goes; its entries show what stayed).
h_snap() {
	find "${1:-$W/case}" \( -type d -printf '%P d %m\n' \) -o \
	    -printf '%P %y %s %m %T@\n' | sort
}

h_case_same() {
	h_snap "$W/case" >"$W/case.after"
	cmp -s "$W/case.before" "$W/case.after" ||
		t_fail "unpack changed the destination or beside it: $(diff \
		    "$W/case.before" "$W/case.after" | grep '^[<>]' | head -3 |
		    tr '\n' ' ')"
}

h_refuse_unpack() {
	want=$1 why=$2 bundle=$3
	shift 3
	[ $# -gt 0 ] || set -- -p "$W/k.pub"
	h_case
	run "$want" "$QASID" unpack "$@" -C "$DEST" "$bundle"
	h_reason "$why"
	h_case_same
}

h_refuse() {
	h_refuse_verify "$@"
	h_refuse_unpack "$@"
}

# Unpacks a bundle that must be good into a fresh folder.
h_accept() {
	rm -rf "$W/ok"
	run 0 "$QASID" unpack -q -p "$W/k.pub" -C "$W/ok" "$1"
}

# Sanitizer builds use far more memory and time; limits are not checked
# there (the sanitizers check other things).
H_ASAN=0
grep -q __asan_init "$QASID" 2>/dev/null && H_ASAN=1

# h_bounded MAX_MIB MAX_SECONDS WANT REASON CMD...: runs CMD (stdout and
# stderr in $OUT and $ERR) and checks its exit status, reason, peak memory
# (resident set) and time.
h_bounded() {
	mib=$1 secs=$2 want=$3 why=$4
	shift 4
	/usr/bin/time -f '%M %e' -o "$W/.time" "$@" >"$OUT" 2>"$ERR" </dev/null
	got=$?
	[ "$got" -eq "$want" ] ||
		t_fail "exit $got, want $want: $(head -c 300 "$ERR")"
	h_reason "$why"
	# time says "Command exited with non-zero status N" first.
	kib=$(tail -n 1 "$W/.time" | cut -d' ' -f1)
	elapsed=$(tail -n 1 "$W/.time" | cut -d' ' -f2)
	case "$kib" in
	'' | *[!0-9]*) t_fail "no measurement: $(cat "$W/.time")"; return ;;
	esac
	[ "$H_ASAN" -eq 1 ] && return
	[ "$kib" -le $((mib * 1024)) ] ||
		t_fail "peak memory $((kib / 1024)) MiB, limit $mib MiB"
	awk -v e="$elapsed" -v m="$secs" 'BEGIN { exit !(e <= m) }' ||
		t_fail "took $elapsed s, limit $secs s"
}

# The bundle the repair tests damage: $W/orig.qasid, 3 MB of random bytes
# and a note, with a recovery file of 10% beside it.
rec_orig() {
	mkdir -p "$W/src"
	head -c 3000000 /dev/urandom >"$W/src/video.mp4"
	printf 'notes\n' >"$W/src/notes.txt"
	"$QASID" pack -q -s "$W/k.sec" -o "$W/orig.qasid" "$W/src" ||
		echo "FAIL $(basename "$0"): pack failed"
	"$QASID" protect -q --redundancy 10 -p "$W/k.pub" "$W/orig.qasid" ||
		echo "FAIL $(basename "$0"): protect failed"
}

# rec_damage KIND OUT: the original with lost blocks (scattered: and its
# end cut off), its head destroyed (head: restored from the copy), or its
# head and the recovery file's copy of it destroyed (nohead: rebuilt from
# parity); OUT-rec is the recovery file to use.
rec_damage() {
	"$PY" - "$W/orig.qasid" "$1" "$2" <<'PY'
import random, sys
src, kind, out = sys.argv[1:4]
r = random.Random(7)
data = bytearray(open(src, "rb").read())
rec = bytearray(open(src + "-rec", "rb").read())
def spoil(buf, at, n):
    buf[at:at + n] = bytes(r.getrandbits(8) for _ in range(n))
if kind == "scattered":
    for _ in range(6):
        spoil(data, r.randrange(len(data) // 4096) * 4096, 4096)
    spoil(data, 1500000, 40000)
    del data[-5000:]                      # cut short too
else:
    spoil(data, 0, 12288)
    if kind == "nohead":
        spoil(rec, 4096 + 100, 50)        # the head copy
open(out, "wb").write(data)
open(out + "-rec", "wb").write(rec)
PY
}
