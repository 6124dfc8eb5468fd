#!/bin/sh
# SPDX-License-Identifier: ISC
# mirror.sh - the mirror's commands at scale: `qasid catalog` of
# BENCH_CATALOG bundles (1,000 by default; goal under 1 s warm), and
# `qasid copy` of BENCH_MIRROR_MIB MiB of bundles (512 by default) against
# what a careful person does today: cp, sync, drop the copy from the cache
# and verify it again (goal 0.8 of that or better). `make bench-mirror`
# runs it. Dropping the cache needs root; without it that step is skipped
# and the comparison says so.
#
#   sh bench/mirror.sh QASID [WORK]
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
Q=$1
WORK=${2:-"$TOP/bench/work"}/mirror
N=${BENCH_CATALOG:-1000}
MIB=${BENCH_MIRROR_MIB:-512}

die() { echo "bench: mirror: $*" >&2; exit 2; }
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

rm -rf "$WORK" && mkdir -p "$WORK/cat" "$WORK/src" "$WORK/drop" || die "no $WORK"
"$Q" keygen -W -p "$WORK/k.pub" -s "$WORK/k.sec" >/dev/null || die keygen
"$Q" trust add "$WORK/k.pub" -K "$WORK/ring" >/dev/null || die trust
printf 'x\n' >"$WORK/drop/x"
i=1
while [ "$i" -le "$N" ]; do
	SOURCE_DATE_EPOCH=$i "$Q" pack -s "$WORK/k.sec" -o "$WORK/cat/b-$i.qasid" \
	    -n "s$((i % 50))" -N "$i" "$WORK/drop" >/dev/null || die pack
	i=$((i + 1))
done
"$Q" catalog -K "$WORK/ring" "$WORK/cat" >/dev/null || die catalog
t0=$(now)
"$Q" catalog -K "$WORK/ring" "$WORK/cat" >/dev/null
t1=$(now)
echo "catalog of $N bundles, warm: $(secs "$t0" "$t1") s (goal < 1 s)"

# Bundles of 64 MiB of incompressible data each.
rm -rf "$WORK/drop" && mkdir "$WORK/drop"
n=$((MIB / 64))
[ "$n" -ge 1 ] || n=1
i=1
while [ "$i" -le "$n" ]; do
	head -c $((64 << 20)) /dev/urandom >"$WORK/drop/data"
	"$Q" pack -s "$WORK/k.sec" -o "$WORK/src/big-$i.qasid" -n big -N "$i" \
	    "$WORK/drop" >/dev/null || die pack
	i=$((i + 1))
done
rm -rf "$WORK/drop"
drop() { [ "$(id -u)" -eq 0 ] && sync && echo 1 >/proc/sys/vm/drop_caches; }
mkdir "$WORK/a" "$WORK/b"
t0=$(now)
cp "$WORK"/src/*.qasid "$WORK/a/" && sync && drop
"$Q" verify -q -K "$WORK/ring" "$WORK/a" >/dev/null
t1=$(now)
"$Q" copy -q -K "$WORK/ring" "$WORK/src" "$WORK/b" >/dev/null
t2=$(now)
base=$(secs "$t0" "$t1")
ours=$(secs "$t1" "$t2")
echo "copy of $n bundles ($((n * 64)) MiB): qasid copy $ours s," \
    "cp + sync + verify $base s$( [ "$(id -u)" -eq 0 ] || echo ' (cache not dropped: not root)')," \
    "ratio $(awk -v a="$ours" -v b="$base" 'BEGIN { printf "%.2f", a / b }') (goal <= 0.8)"
rm -rf "$WORK"
