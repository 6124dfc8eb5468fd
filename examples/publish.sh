#!/bin/sh
# SPDX-License-Identifier: ISC
# publish.sh - a publisher's walkthrough: from a new key to a signed bundle
# on a memory stick, one explained step at a time.
#
#   sh examples/publish.sh [--password-file FILE] [--dir DIR] [CONTENT...]
#
# CONTENT defaults to examples/content. The key's password is asked on the
# terminal, or read from the first line of FILE with --password-file (for
# scripts and tests; on a real machine prefer the terminal). Without --dir
# everything is made in a temporary folder and removed at the end; with it,
# the keys, the recipient's keyring and the stick folder stay in DIR.
#
# The qasid used is $QASID if set, else the one on PATH, else build/qasid
# of this source tree.
set -u

usage() {
	echo "usage: sh examples/publish.sh [--password-file FILE]" \
	    "[--dir DIR] [CONTENT...]" >&2
	exit 2
}

here=$(cd "$(dirname "$0")" && pwd)
pwfile=""
dir=""
while [ $# -gt 0 ]; do
	case $1 in
	--password-file) [ $# -ge 2 ] || usage; pwfile=$2; shift 2 ;;
	--dir) [ $# -ge 2 ] || usage; dir=$2; shift 2 ;;
	--) shift; break ;;
	-*) usage ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || set -- "$here/content"

if [ -n "${QASID:-}" ]; then
	qasid=$QASID
elif command -v qasid >/dev/null 2>&1; then
	qasid=$(command -v qasid)
else
	qasid="$here/../build/qasid"
fi
[ -x "$qasid" ] || { echo "publish: no qasid at $qasid; run make" >&2; exit 2; }

if [ -z "$dir" ]; then
	dir=$(mktemp -d "${TMPDIR:-/tmp}/qasid-publish.XXXXXX") || exit 2
	trap 'rm -rf "$dir"' EXIT
	trap 'exit 2' HUP INT TERM
fi
mkdir -p "$dir" || exit 2
# Names given relative to here must keep their meaning after the cd below.
abs() {
	case $1 in
	/*) printf '%s\n' "$1" ;;
	*) printf '%s/%s\n' "$(pwd)" "$1" ;;
	esac
}
[ -n "$pwfile" ] && pwfile=$(abs "$pwfile")
for c in "$@"; do
	set -- "$@" "$(abs "$c")"
	shift
done
case $qasid in
*/*) qasid=$(abs "$qasid") ;;
esac
cd "$dir" || exit 2
pwopt=""
[ -n "$pwfile" ] && pwopt="--password-file=$pwfile"
qasid() { "$qasid" "$@"; }

step() { printf '\n== %s\n' "$*"; }
# Shows a command, runs it, and stops the walkthrough if it fails.
run() {
	printf '$'
	for a in "$@"; do
		case $a in
		*[[:space:]\'\"]*) printf ' "%s"' "$a" ;;
		*) printf ' %s' "$a" ;;
		esac
	done
	echo
	"$@" || { echo "publish: step failed: $*" >&2; exit 1; }
}

# ---------------------------------------------------------------------------
step "1. Make the publisher's key pair, protected by a password"
# Do this once, on a machine that stays offline. The secret key signs every
# bundle: whoever holds it (and its password) can publish in your name. The
# public key is what recipients pin. Both are minisign key files, so
# minisign can use them too.
mkdir -p keys
if [ -f keys/circle.sec ]; then
	# qasid never overwrites a key (unless told to with -f): a publisher
	# keeps one key for years.
	echo "keys/circle.sec exists: using the key made before"
else
	# shellcheck disable=SC2086
	run qasid keygen $pwopt -p keys/circle.pub -s keys/circle.sec
fi

# ---------------------------------------------------------------------------
step "2. A recipient pins the public key, as they would on their machine"
# Hand over circle.pub in person, or read its fingerprint to each other over
# the phone: the eight groups of digits printed here must match on both
# sides. Recipients trust a key only because they pinned it; a bundle never
# makes its own key trusted. (-K names a keyring file; without it qasid uses
# $QASID_KEYRING or ~/.config/qasid/trusted.)
mkdir -p recipient
if [ -f recipient/trusted ]; then
	run qasid trust list -K recipient/trusted
else
	run qasid trust add keys/circle.pub -n "Northbank circle" \
	    -K recipient/trusted
fi

# ---------------------------------------------------------------------------
step "3. Pack this week's files into one signed bundle"
# Title, series and sequence number are signed with the content. Number the
# bundles of a series in order: recipients can then tell a newer bundle from
# an old one passed around again. The password is asked for (or read from
# the file) to unlock the secret key.
mkdir -p out
rm -f out/northbank-14.qasid
# shellcheck disable=SC2086
run qasid pack $pwopt -s keys/circle.sec \
    -o out/northbank-14.qasid \
    -t "Northbank Teachers' Solidarity Circle, week 14" \
    -n northbank-circle -N 14 "$@"

# ---------------------------------------------------------------------------
step "4. Check the bundle as a recipient will"
# verify reads every byte: the signature by a pinned key, then each file
# against its signed hash.
run qasid verify -K recipient/trusted out/northbank-14.qasid

# ---------------------------------------------------------------------------
step "5. Copy it to the memory stick, and check the copy"
# Here "stick" is a folder; on a real machine it is where the stick is
# mounted, e.g. /media/$USER/STICK. Checking the copy catches a failing
# stick before the stick leaves your hands. Put the public key beside the
# bundle only as a convenience: recipients must still compare fingerprints.
mkdir -p stick
run cp out/northbank-14.qasid keys/circle.pub stick/
run sync stick/northbank-14.qasid
run qasid verify -K recipient/trusted stick/northbank-14.qasid
printf '\nOn the stick:\n'
ls -l stick
printf '\nDone. The recipient runs: qasid unpack -C DIR northbank-14.qasid\n'
