#!/bin/sh
# SPDX-License-Identifier: ISC
# demo.sh - what "make demo" shows: a publisher makes a key and packs the
# example drop in examples/content; a recipient verifies, lists and unpacks
# it; and a bundle with one byte changed is refused.
#
#   sh examples/demo.sh QASID_BINARY
#
# Everything happens in a temporary folder that is removed at the end. The
# script stops with a non-zero status as soon as a step does not behave as
# it should.
set -u

if [ $# -ne 1 ] || [ ! -x "$1" ]; then
	echo "usage: sh examples/demo.sh QASID_BINARY" >&2
	exit 2
fi
case "$1" in
/*) qasid=$1 ;;
*) qasid=$(pwd)/$1 ;;
esac
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/qasid-demo.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
trap 'exit 2' HUP INT TERM
# The demo never touches the keyring of the person running it.
QASID_KEYRING="$work/recipient/trusted"
export QASID_KEYRING

n=0
step() {
	n=$((n + 1))
	printf '\n== %d. %s\n' "$n" "$*"
}
# Shows a command, runs it in the work folder and checks its exit status.
expect() {
	want=$1
	shift
	printf '$'
	for a in "$@"; do
		case $a in
		*[[:space:]\'\"]*) printf ' "%s"' "$a" ;;
		*) printf ' %s' "$a" ;;
		esac
	done
	echo
	(cd "$work" && "$@")
	got=$?
	if [ "$got" -ne "$want" ]; then
		echo "demo: FAILED: exit status $got, expected $want" >&2
		exit 1
	fi
}
qasid() { "$qasid" "$@"; }

step "The publisher makes a key pair (-W: no password, for this demo only)"
expect 0 qasid keygen -W -p publisher.pub -s publisher.sec

step "The publisher packs this week's drop into one signed bundle"
(cd "$here" && find content -print | LC_ALL=C sort | sed 's/^/  /')
cp -R "$here/content" "$work/content"
expect 0 qasid pack -s publisher.sec -o drop-14.qasid \
    -t "Northbank Teachers' Solidarity Circle, week 14" \
    -n northbank-circle -N 14 content
printf '  content: %s bytes; bundle: %s bytes\n' \
    "$(find "$work/content" -type f -exec cat {} + | wc -c | tr -d ' ')" \
    "$(wc -c <"$work/drop-14.qasid" | tr -d ' ')"

step "The recipient pins the publisher's key, after comparing fingerprints"
expect 0 qasid trust add publisher.pub -n "Northbank circle"
expect 0 qasid trust list

step "The recipient verifies the bundle: every byte, against the pinned key"
expect 0 qasid verify drop-14.qasid

step "The recipient lists it without unpacking"
expect 0 qasid list drop-14.qasid

step "The recipient unpacks it: verified first, then all or nothing"
expect 0 qasid unpack -C inbox drop-14.qasid
(cd "$work/inbox" && find . -print | LC_ALL=C sort | sed 's/^/  /')

step "What was unpacked is exactly what was packed"
expect 0 diff -r content inbox/content
echo "  no differences"

step "A copy with one byte changed is refused"
cp "$work/drop-14.qasid" "$work/tampered.qasid"
size=$(wc -c <"$work/tampered.qasid")
at=$((size / 2))
old=$(od -An -tu1 -j "$at" -N1 "$work/tampered.qasid" | tr -d ' ')
# shellcheck disable=SC2059
printf "\\$(printf '%03o' $(((old + 1) % 256)))" |
    dd of="$work/tampered.qasid" bs=1 seek="$at" conv=notrunc 2>/dev/null
echo "  changed byte $at of $size"
expect 1 qasid verify tampered.qasid
expect 1 qasid unpack -C inbox2 tampered.qasid
if [ -e "$work/inbox2" ]; then
	echo "demo: FAILED: a refused unpack left inbox2 behind" >&2
	exit 1
fi
echo "  refused (exit status 1), and nothing was unpacked"

printf '\nThe demo worked. Next: "make test", and README.md for the workflows.\n'
