#!/bin/sh
# SPDX-License-Identifier: ISC
# keyring.sh - the keyring at scale: times `trust list`, `trust add` and a
# verify against a keyring of BENCH_KEYS keys (50,000 by default), and their
# peak memory, under /usr/bin/time -v. make bench runs it (its figures go
# into bench/RESULTS.md); `make bench-keyring` runs it alone.
#
#   sh bench/keyring.sh QASID [OTHER_QASID] [WORK]
#
# With OTHER_QASID (for example a build of an older tree), both run the same
# steps in turn, round by round, and both are reported side by side.
# Appends "step who round elapsed_s maxrss_kib" to WORK/keyring.tsv.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
NEW=$1
OLD=${2:-}
WORK=${3:-"$TOP/bench/work"}
KEYS=${BENCH_KEYS:-50000}
ROUNDS=${BENCH_KEY_ROUNDS:-3}
K="$WORK/keyring"
TSV="$WORK/keyring.tsv"

die() { echo "bench: keyring: $*" >&2; exit 2; }

# A keyring of KEYS random keys with the signer's key in the middle: the
# parser checks a key's form, not that it is a point on the curve.
make_ring() {
	python3 - "$KEYS" "$(sed -n 2p "$K/q.pub")" >"$K/ring" <<'PY' ||
import base64, random, sys
n, signer = int(sys.argv[1]), sys.argv[2]
rnd = random.Random(1)
print("# bench keyring")
for i in range(n):
    if i == n // 2:
        print(signer, "the signer")
    raw = b"Ed" + bytes(rnd.getrandbits(8) for _ in range(40))
    print(base64.b64encode(raw).decode(), "publisher %d" % i)
PY
	die "cannot make the keyring"
}

# timed STEP WHO ROUND CMD...: one run under GNU time.
timed() {
	step=$1 who=$2 round=$3
	shift 3
	/usr/bin/time -v -o "$K/time" "$@" >"$K/out" 2>"$K/err" ||
		die "$who $step failed: $(head -c 300 "$K/err")"
	set -- $(awk -F ': ' '/Elapsed \(wall clock\)/ { split($2, a, ":");
		e = a[1] * 60 + a[2] } /Maximum resident set size/ { m = $2 }
		END { printf "%.2f %s", e, m }' "$K/time")
	printf '%s\t%s\t%s\t%s\t%s\n' "$step" "$who" "$round" "$1" "$2" \
	    >>"$TSV"
	printf '  %-12s %-6s round %s: %6s s %8s KiB\n' "$step" "$who" \
	    "$round" "$1" "$2" >&2
}

steps() {
	who=$1 q=$2 round=$3
	timed "trust list" "$who" "$round" "$q" trust list -K "$K/ring"
	[ "$(wc -l <"$K/out")" -eq $((KEYS + 1)) ] ||
		die "$who trust list printed $(wc -l <"$K/out") lines"
	timed verify "$who" "$round" "$q" verify -q -K "$K/ring" "$K/b.qasid"
	cp "$K/ring" "$K/ring.add"
	timed "trust add" "$who" "$round" "$q" trust add -q "$K/new.pub" \
	    -K "$K/ring.add"
}

rm -rf "$K" && mkdir -p "$K" || exit 2
"$NEW" keygen -W -p "$K/q.pub" -s "$K/q.sec" >/dev/null &&
	"$NEW" keygen -W -p "$K/new.pub" -s "$K/new.sec" >/dev/null ||
	die "keygen failed"
mkdir "$K/drop" && echo "bench" >"$K/drop/a.txt"
"$NEW" pack -q -s "$K/q.sec" -o "$K/b.qasid" "$K/drop" || die "pack failed"
make_ring
echo "bench: keyring of $KEYS keys: trust list, verify, trust add" >&2
r=1
while [ "$r" -le "$ROUNDS" ]; do
	steps qasid "$NEW" "$r"
	[ -n "$OLD" ] && steps before "$OLD" "$r"
	r=$((r + 1))
done
rm -rf "$K"
