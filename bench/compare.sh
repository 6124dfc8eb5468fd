#!/bin/sh
# SPDX-License-Identifier: ISC
# compare.sh - two builds of qasid side by side, in one run, with hyperfine:
# pack (-j 0 and -j 1), verify, unpack and list of the same corpora. Each
# round runs hyperfine once per step with both builds, the order turning
# each round, so that the machine's load falls on both alike; the table
# gives each build's median over all runs and the median of the per-round
# ratios NEW/OLD (below 1: NEW is faster). verify, unpack and list read
# the same bundle (packed by NEW), so they time the reader alone.
#
#   sh bench/compare.sh OLD_QASID NEW_QASID [CORPUS_DIR...]
#
# Without CORPUS_DIR it makes bench/make-corpus's 512 MiB mixed corpus and
# its 5,000 small files in WORK. Environment: ROUNDS (3), RUNS (runs of
# each build per round, 2), WORK (bench/work/compare), STEPS ("pack-j0
# pack-j1 verify unpack list").
#
# With CALLGRIND=1 it counts instead the instructions each step runs
# (valgrind --tool=callgrind, once per build and step; pack-j0 is left
# out, its threads make the count vary): slow, but free of the noise of
# a shared machine, and the per-function profiles stay in WORK/callgrind
# for callgrind_annotate.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
OLD=${1:?usage: compare.sh OLD_QASID NEW_QASID [CORPUS_DIR...]}
NEW=${2:?usage: compare.sh OLD_QASID NEW_QASID [CORPUS_DIR...]}
shift 2
ROUNDS=${ROUNDS:-3}
RUNS=${RUNS:-2}
WORK=${WORK:-"$TOP/bench/work/compare"}
STEPS=${STEPS:-"pack-j0 pack-j1 verify unpack list"}

die() { echo "bench: compare: $*" >&2; exit 2; }

command -v hyperfine >/dev/null || die "hyperfine is not installed"
for q in "$OLD" "$NEW"; do
	[ -x "$q" ] || die "$q: no such program"
done
mkdir -p "$WORK/json" "$WORK/state" || exit 2
rm -f "$WORK"/json/*.json
# The packer's series record goes to a scratch folder, not the user's.
export QASID_STATE="$WORK/state"
if [ $# -eq 0 ]; then
	[ -d "$WORK/mixed" ] || python3 "$TOP/bench/make-corpus" mixed 512 \
	    "$WORK/mixed" >&2 || die "cannot make the mixed corpus"
	[ -d "$WORK/small" ] || python3 "$TOP/bench/make-corpus" smallfiles \
	    5000 "$WORK/small" >&2 || die "cannot make the small corpus"
	set -- "$WORK/mixed" "$WORK/small"
fi
"$NEW" keygen -q -W -f -p "$WORK/k.pub" -s "$WORK/k.sec" ||
	die "keygen failed"

# cmd BUILD STEP CORPUS: the command line hyperfine runs.
cmd() {
	q=$1 tag=$2
	case "$3" in
	pack-j0) echo "$q pack -q -j 0 -f -s $WORK/k.sec -o $WORK/p-$tag.qasid -t bench $4" ;;
	pack-j1) echo "$q pack -q -j 1 -f -s $WORK/k.sec -o $WORK/p-$tag.qasid -t bench $4" ;;
	verify) echo "$q verify -q -p $WORK/k.pub $WORK/b.qasid" ;;
	unpack) echo "$q unpack -q -p $WORK/k.pub -C $WORK/u-$tag $WORK/b.qasid" ;;
	list) echo "$q list -p $WORK/k.pub $WORK/b.qasid" ;;
	*) die "unknown step $3" ;;
	esac
}

# counted CORPUS: instructions of each step under callgrind, both builds.
counted() {
	name=$(basename "$1")
	mkdir -p "$WORK/callgrind"
	for step in $STEPS; do
		[ "$step" = pack-j0 ] && continue
		for who in old new; do
			q=$OLD
			[ "$who" = new ] && q=$NEW
			rm -rf "$WORK/u-$who" && mkdir "$WORK/u-$who"
			out="$WORK/callgrind/$name.$step.$who"
			valgrind --tool=callgrind --callgrind-out-file="$out" \
			    $(cmd "$q" "$who" "$step" "$1") >/dev/null \
			    2>"$WORK/cg.err" || die "callgrind $step failed"
			printf '%s %s ' "$step" "$who"
			awk '/^summary:/ { print $2 }' "$out"
		done
	done | awk -v c="$name" 'BEGIN { print "| corpus | step | old Ir |" \
	    " new Ir | new/old |"; print "|---|---|---:|---:|---:|" }
	    $2 == "old" { o[$1] = $3; order[++n] = $1 }
	    $2 == "new" { w[$1] = $3 }
	    END { for (i = 1; i <= n; i++) { s = order[i];
	    printf "| %s | %s | %.0f | %.0f | %.4f |\n", c, s, o[s], w[s],
	    w[s] / o[s] } }'
}

for src in "$@"; do
	name=$(basename "$src")
	if [ "${CALLGRIND:-0}" = 1 ]; then
		"$NEW" pack -q -f -s "$WORK/k.sec" -o "$WORK/b.qasid" \
		    -t bench "$src" || die "packing $src failed"
		counted "$src"
		continue
	fi
	"$NEW" pack -q -f -s "$WORK/k.sec" -o "$WORK/b.qasid" -t bench "$src" ||
		die "packing $src failed"
	tar -cf - -C "$src" . >/dev/null # both read it from the page cache
	r=1
	while [ "$r" -le "$ROUNDS" ]; do
		for step in $STEPS; do
			a=$(cmd "$OLD" old "$step" "$src")
			b=$(cmd "$NEW" new "$step" "$src")
			if [ $((r % 2)) -eq 0 ]; then t=$a; a=$b; b=$t; fi
			hyperfine -N -w 0 -r "$RUNS" --style none \
			    --prepare "sh -c 'rm -rf $WORK/u-old $WORK/u-new && mkdir $WORK/u-old $WORK/u-new && sync'" \
			    --export-json "$WORK/json/$name.$step.$r.json" \
			    "$a" "$b" >/dev/null 2>"$WORK/hf.err" ||
				die "hyperfine $step failed: $(tail -3 "$WORK/hf.err")"
		done
		echo "bench: compare: $name round $r of $ROUNDS done" >&2
		r=$((r + 1))
	done
done
rm -rf "$WORK/u-old" "$WORK/u-new" "$WORK"/p-*.qasid
[ "${CALLGRIND:-0}" = 1 ] && exit 0

python3 - "$WORK/json" "$OLD" "$NEW" <<'PY'
import glob, json, os, statistics as st, sys
d, old, new = sys.argv[1:4]
rows = {}
for f in sorted(glob.glob(os.path.join(d, "*.json"))):
    corpus, step, _r, _ = os.path.basename(f).rsplit(".", 3)
    res = json.load(open(f))["results"]
    t = {("new" if r["command"].startswith(new + " ") else "old"): r
         for r in res}
    row = rows.setdefault((corpus, step), {"old": [], "new": [], "ratio": [],
                                           "ucpu": {"old": [], "new": []}})
    for who in ("old", "new"):
        row[who] += t[who]["times"]
        row["ucpu"][who].append(t[who]["user"] + t[who]["system"])
    row["ratio"].append(st.median(t["new"]["times"]) /
                        st.median(t["old"]["times"]))
print("| corpus | step | old median s | new median s | new/old (median of"
      " rounds) | old CPU s | new CPU s | runs |")
print("|---|---|---:|---:|---:|---:|---:|---:|")
for (corpus, step), r in rows.items():
    print("| %s | %s | %.3f | %.3f | %.3f (%.3f-%.3f) | %.3f | %.3f | %d |" % (
        corpus, step, st.median(r["old"]), st.median(r["new"]),
        st.median(r["ratio"]), min(r["ratio"]), max(r["ratio"]),
        st.median(r["ucpu"]["old"]), st.median(r["ucpu"]["new"]),
        len(r["old"])))
PY
