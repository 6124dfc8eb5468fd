#!/bin/sh
# SPDX-License-Identifier: ISC
# recovery.sh - how fast protect and repair go, in MB of bundle per second,
# measured with hyperfine on a bundle of the mixed corpus (page cache warm),
# beside an older build when one is given, so that the two are timed in the
# same run under the same load. "make bench-recovery" runs it.
#
#   sh bench/recovery.sh [QASID [BEFORE]]
#
# Settings, from the environment:
#   BENCH_REC_MIB=512   size of the corpus packed (with -j 0) into the bundle
#   BENCH_REC_RUNS=7    timed runs of each command
#
# Repair is timed on a copy with 40 scattered 4 KiB blocks and a 2 MiB run
# destroyed (the issue's example), restored before every run. The corpus is
# cached in bench/corpus/; scratch files go to bench/work/rec/.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
QASID=${1:-"$TOP/build/qasid"}
BEFORE=${2:-}
MIB=${BENCH_REC_MIB:-512}
RUNS=${BENCH_REC_RUNS:-7}
CORPUS="$TOP/bench/corpus/mixed-$MIB"
WORK="$TOP/bench/work/rec"

die() {
	echo "bench: $*" >&2
	exit 2
}
command -v hyperfine >/dev/null 2>&1 || die "no hyperfine (make deps)"
[ -x "$QASID" ] || die "$QASID: no such program; run make all"
[ -z "$BEFORE" ] || [ -x "$BEFORE" ] || die "$BEFORE: no such program"

mkdir -p "$TOP/bench/corpus"
[ -d "$CORPUS" ] ||
	python3 "$TOP/bench/make-corpus" mixed "$MIB" "$CORPUS" >/dev/null
rm -rf "$WORK" && mkdir -p "$WORK"
"$QASID" keygen -W -s "$WORK/k.sec" -p "$WORK/k.pub" >/dev/null 2>&1
# Format 1 when an older build is timed too, so that it can read it.
"$QASID" pack -q -j 0 ${BEFORE:+--format 1} -s "$WORK/k.sec" \
    -o "$WORK/b.qasid" "$CORPUS"
"$QASID" protect -q --redundancy 10 -p "$WORK/k.pub" "$WORK/b.qasid"
cp "$WORK/b.qasid" "$WORK/damaged.qasid"
python3 - "$WORK/damaged.qasid" <<'PY'
import os, random, sys
size = os.path.getsize(sys.argv[1])
rnd = random.Random(1)
with open(sys.argv[1], "r+b") as f:
    for _ in range(40):
        f.seek(rnd.randrange(size // 4096) * 4096)
        f.write(rnd.randbytes(4096))
    f.seek(size // 3)
    f.write(rnd.randbytes(2 << 20))
PY
SIZE=$(wc -c <"$WORK/b.qasid")
cat "$WORK/b.qasid" "$WORK/damaged.qasid" >/dev/null # the cache warm
sync

# The commands, one per build: name, then the command line.
set --
for q in "$QASID" $BEFORE; do
	tag=new
	[ "$q" = "$QASID" ] || tag=before
	set -- "$@" -n "protect ($tag)" \
	    "'$q' protect -q --redundancy 10 -p '$WORK/k.pub' '$WORK/b.qasid'"
done
hyperfine -N -w 1 -r "$RUNS" --export-json "$WORK/protect.json" "$@" >&2
set --
for q in "$QASID" $BEFORE; do
	tag=new
	[ "$q" = "$QASID" ] || tag=before
	set -- "$@" -n "repair ($tag)" "'$q' repair -q -p '$WORK/k.pub' '$WORK/d.qasid'"
done
hyperfine -N -w 1 -r "$RUNS" --prepare \
    "sh -c 'cp $WORK/damaged.qasid $WORK/d.qasid && cp $WORK/b.qasid-rec $WORK/d.qasid-rec && sync'" \
    --export-json "$WORK/repair.json" "$@" >&2
cmp -s "$WORK/d.qasid" "$WORK/b.qasid" || die "repair: not byte-identical"

python3 - "$SIZE" "$WORK/protect.json" "$WORK/repair.json" <<'PY'
import json, sys
size = int(sys.argv[1])
print("bundle: %.0f MB; load average %s" % (size / 1e6,
      open("/proc/loadavg").read().split()[0]))
print("| command | median s | MB/s | min s | max s |")
print("|---|---|---|---|---|")
for path in sys.argv[2:]:
    for r in json.load(open(path))["results"]:
        print("| %s | %.3f | %.0f | %.3f | %.3f |" % (r["command"],
              r["median"], size / 1e6 / r["median"], r["min"], r["max"]))
PY
