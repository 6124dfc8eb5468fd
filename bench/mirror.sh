#!/bin/sh
# SPDX-License-Identifier: ISC
# mirror.sh - the mirror's commands at scale, measured with hyperfine:
# `qasid catalog` of BENCH_CATALOG bundles (1,000 by default; goal under
# 1 s warm), and `qasid copy` of BENCH_MIRROR_MIB MiB of bundles (512 by
# default) side by side with what a careful person does today: cp, sync,
# drop the copy from the cache and verify it again (goal: 0.8 of that or
# better). Both start from a cold cache (dropped before every run), so the
# sources are read from the disk on both sides. Dropping the cache needs
# root; without it the comparison says so. `make bench-mirror` runs it.
# With OLD (another build of qasid), its copy is timed in the same
# hyperfine run, so that both meet the same load.
#
#   sh bench/mirror.sh QASID [WORK [OLD]]
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
Q=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
WORK=${2:-"$TOP/bench/work"}/mirror
N=${BENCH_CATALOG:-1000}
MIB=${BENCH_MIRROR_MIB:-512}
RUNS=${BENCH_MIRROR_RUNS:-3}
OLD=""
[ -n "${3:-}" ] && OLD=$(cd "$(dirname "$3")" && pwd)/$(basename "$3")

die() { echo "bench: mirror: $*" >&2; exit 2; }
# A record of its own: verify refuses a sequence older than one it saw, and
# each run starts with none.
export QASID_STATE="$WORK/state"
command -v hyperfine >/dev/null 2>&1 || die "needs hyperfine"

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
hyperfine -N --warmup 1 --runs "$RUNS" --export-json "$WORK/catalog.json" \
    "$Q catalog -q -K $WORK/ring $WORK/cat" >/dev/null || die catalog
python3 - "$WORK/catalog.json" "$N" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print("catalog of %s bundles, warm: median %.3f s (goal < 1 s)" %
      (sys.argv[2], r["median"]))
PY

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
cold=""
[ "$(id -u)" -eq 0 ] && cold="; echo 1 >/proc/sys/vm/drop_caches"
mkdir "$WORK/a" "$WORK/b" "$WORK/c"
set -- -n cp+sync+verify \
    "cp $WORK/src/*.qasid $WORK/a/ && sync$cold; $Q verify -q -K $WORK/ring $WORK/a" \
    -n "qasid copy" "$Q copy -q -K $WORK/ring $WORK/src $WORK/b"
[ -n "$OLD" ] && set -- "$@" -n "old qasid copy" \
    "$OLD copy -q -K $WORK/ring $WORK/src $WORK/c"
hyperfine --runs "$RUNS" --export-json "$WORK/copy.json" \
    --prepare "rm -rf $WORK/state $WORK/[abc]/* $WORK/[bc]/.qasid-copy-*; sync$cold" \
    "$@" >/dev/null || die copy
python3 - "$WORK/copy.json" "$n" "$cold" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
base = r["cp+sync+verify"]["median"]
print("copy of %s bundles (%d MiB), medians%s:" % (sys.argv[2],
      int(sys.argv[2]) * 64, "" if sys.argv[3] else
      " (cache not dropped: not root)"))
for k in ("cp+sync+verify", "qasid copy", "old qasid copy"):
    if k in r:
        print("  %-16s %.2f s (user %.2f s, system %.2f s), ratio %.2f%s" % (
              k, r[k]["median"], r[k]["user"], r[k]["system"],
              r[k]["median"] / base, " (goal <= 0.8)" if k ==
              "qasid copy" else ""))
PY
rm -rf "$WORK"
