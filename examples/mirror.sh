#!/bin/sh
# SPDX-License-Identifier: ISC
# mirror.sh - a mirror's walkthrough, the counterpart of publish.sh: three
# sticks come in from couriers, one up-to-date stick goes out, each step
# explained.
#
#   sh examples/mirror.sh [--dir DIR]
#
# The incoming sticks are made up here: two publishers (one whose key the
# mirror holds, one whose key it does not), the same bundle under another
# name, a copy cut short, and last week's bundle beside this week's. Without
# --dir everything is made in a temporary folder and removed at the end.
#
# The qasid used is $QASID if set, else the one on PATH, else build/qasid
# of this source tree.
set -u

here=$(cd "$(dirname "$0")" && pwd)
dir=""
case ${1:-} in
--dir) [ $# -ge 2 ] || { echo "usage: sh examples/mirror.sh [--dir DIR]" >&2; exit 2; }
	dir=$2 ;;
"") ;;
*) echo "usage: sh examples/mirror.sh [--dir DIR]" >&2; exit 2 ;;
esac
if [ -n "${QASID:-}" ]; then
	qasid=$QASID
elif command -v qasid >/dev/null 2>&1; then
	qasid=$(command -v qasid)
else
	qasid="$here/../build/qasid"
fi
case $qasid in
/*) ;;
*/*) qasid="$(pwd)/$qasid" ;;
esac
[ -x "$qasid" ] || { echo "mirror: no qasid at $qasid; run make" >&2; exit 2; }
if [ -z "$dir" ]; then
	dir=$(mktemp -d "${TMPDIR:-/tmp}/qasid-mirror.XXXXXX") || exit 2
	trap 'rm -rf "$dir"' EXIT
	trap 'exit 2' HUP INT TERM
fi
mkdir -p "$dir" && cd "$dir" || exit 2
rm -rf in1 in2 in3 out keys mirror && mkdir in1 in2 in3 out keys mirror
qasid() { "$qasid" "$@"; }
step() { printf '\n== %s\n' "$*"; }
show() {
	printf '$'
	for a in "$@"; do printf ' %s' "$a"; done
	echo
	"$@"
}

# The couriers' sticks (made up; a real mirror just mounts them).
qasid keygen -W -p keys/circle.pub -s keys/circle.sec >/dev/null
qasid keygen -W -p keys/radio.pub -s keys/radio.sec >/dev/null
qasid trust add keys/circle.pub -n "Northbank circle" -K mirror/trusted \
    >/dev/null
pk() { qasid pack -s "keys/$1.sec" -o "$2" -n "$3" -N "$4" -t "$5" \
    "$here/content" >/dev/null; }
pk circle in1/northbank-13.qasid northbank-circle 13 "Week 13"
pk circle in1/northbank-14.qasid northbank-circle 14 "Week 14"
cp in1/northbank-14.qasid "in2/week 14 (copy).qasid"
pk radio in2/radio-3.qasid valley-radio 3 "Valley radio, programme 3"
head -c 3000 in2/radio-3.qasid >in3/radio-3.qasid
printf 'from the courier\n' >in3/notes.txt

step "1. See what came in"
# verify takes folders and finds bundles by what they hold. Bundles whose
# key the mirror has not pinned fail as untrusted; --integrity checks those
# for damage (but not who signed them).
show qasid verify -r -K mirror/trusted in1 in2 in3
show qasid verify -r --integrity in1 in2 in3

step "2. Plan the outgoing stick"
# --latest: per publisher and series, only the newest bundle that verifies.
# Nothing is written; the plan ends with the bytes against the free space.
show qasid copy -K mirror/trusted --latest --plan in1 in2 in3 out

step "3. Copy: verified while read, read back from the stick and compared"
show qasid copy -K mirror/trusted --latest in1 in2 in3 out

step "4. Run it again: nothing to do, the bundles are known by content"
show qasid copy -K mirror/trusted --latest in1 in2 in3 out

step "5. A catalogue people can read, from the bundles' heads alone"
show qasid catalog -K mirror/trusted out

step "6. Check the stick before it leaves, read back from the stick itself"
# Pinned keys are verified, others checked for damage; duplicates, older
# weeks, partial copies and stray temporary files are named.
show qasid check -K mirror/trusted out
status=$?
printf '\nOn the outgoing stick:\n'
ls -l out
exit $status
