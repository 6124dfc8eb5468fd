#!/bin/sh
# SPDX-License-Identifier: ISC
# run.sh - the benchmark: qasid against what a publisher would otherwise use
# (tar -czf or tar -I pigz, then minisign), on the same corpus, in one run,
# the contenders alternating, over several rounds. "make bench" builds qasid
# and runs this.
#
#   sh bench/run.sh [QASID]
#
# Settings, from the environment:
#   BENCH_MIB=512        size of the mixed corpus in MiB
#   BENCH_ROUNDS=5       rounds; each times every contender once, in turn
#   BENCH_SCALE="2000 20000"  file counts for the small-file scale test
#                        ("" skips it)
#   BENCH_BIG_MIB=0      if not 0, also pack, verify and unpack a mixed corpus
#                        of this size once each for peak memory (4096: 4 GiB)
#   BENCH_KEEP_BIG=0     1 keeps the big corpus cached afterwards
#   BENCH_PROFILE=1      0 skips profiling qasid (perf, else callgrind)
#   BENCH_COLD=0         1 drops the page cache before every timed command
#                        (needs root); otherwise all run with a warm cache
#
# Corpora are made by bench/make-corpus and cached under bench/corpus/;
# scratch files go to bench/work/. The summary is printed and written to
# bench/RESULTS.md by bench/summarize.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
BENCH="$TOP/bench"
CORPUS="$BENCH/corpus"
WORK="$BENCH/work"
QASID=${1:-"$TOP/build/qasid"}
MIB=${BENCH_MIB:-512}
ROUNDS=${BENCH_ROUNDS:-5}
SCALE=${BENCH_SCALE-2000 20000}
BIG=${BENCH_BIG_MIB:-0}
KEEP_BIG=${BENCH_KEEP_BIG:-0}
PROFILE=${BENCH_PROFILE:-1}
COLD=${BENCH_COLD:-0}
TIMES="$WORK/times.tsv"
TIME=/usr/bin/time

die() {
	echo "bench: $*" >&2
	exit 2
}
say() { echo "bench: $*" >&2; }

# ---- Setting up ---------------------------------------------------------

check_tools() {
	missing=""
	for t in tar gzip pigz minisign python3 sha256sum; do
		command -v "$t" >/dev/null 2>&1 || missing="$missing $t"
	done
	[ -x "$TIME" ] || missing="$missing $TIME(package time)"
	[ -z "$missing" ] || die "missing:$missing (make deps installs them)"
	[ -x "$QASID" ] || die "$QASID: no such program; run make all"
	for v in "$MIB" "$ROUNDS" "$BIG"; do
		case "$v" in '' | *[!0-9]*) die "BENCH_MIB, BENCH_ROUNDS and" \
		    "BENCH_BIG_MIB take whole numbers" ;; esac
	done
	if [ "$MIB" -eq 0 ] || [ "$ROUNDS" -eq 0 ]; then
		die "BENCH_MIB and BENCH_ROUNDS must be at least 1"
	fi
}

# Prints the folder of a cached corpus, making it first if it is missing or
# was made by another version of the generator.
corpus() {
	dir="$CORPUS/$1-$2"
	stamp=$( (cat "$BENCH/make-corpus"; echo "$1 $2") | sha256sum |
	    cut -c1-16)
	if [ -d "$dir" ] && [ -f "$dir.desc" ] &&
	    [ "$(cat "$dir.stamp" 2>/dev/null)" = "$stamp" ]; then
		echo "$dir"
		return 0
	fi
	say "making the $1 corpus ($2) in $dir"
	rm -rf "$dir" "$dir.tmp" "$dir.desc" "$dir.stamp"
	mkdir -p "$CORPUS" || exit 2
	python3 "$BENCH/make-corpus" "$1" "$2" "$dir.tmp" >"$dir.desc" ||
		die "make-corpus $1 $2 failed"
	mv "$dir.tmp" "$dir" && echo "$stamp" >"$dir.stamp" || exit 2
	echo "$dir"
}

# Drops the page cache before a timed command if BENCH_COLD=1 and we may.
drop_cache() {
	[ "$COLD" = 1 ] || return 0
	sync
	echo 3 2>/dev/null >/proc/sys/vm/drop_caches
}

decide_cache() {
	if [ "$COLD" = 1 ]; then
		if (sync && echo 3 >/proc/sys/vm/drop_caches) 2>/dev/null; then
			CACHE="cold: page cache dropped before every timed command"
			return
		fi
		say "cannot drop the page cache here (not root?); running warm"
		COLD=0
	fi
	CACHE="warm: the page cache is not dropped (that needs root and"
	CACHE="$CACHE disturbs other users); the corpus is read once"
	CACHE="$CACHE beforehand, so every contender reads it from memory,"
	CACHE="$CACHE and writeback is flushed (sync, untimed) before each"
	CACHE="$CACHE timed command"
}

warm() {
	find "$1" -type f -exec cat {} + >/dev/null
}

machine() {
	m="$WORK/machine.tsv"
	{
		printf 'date\t%s\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
		printf 'nproc\t%s\n' "$(nproc)"
		printf 'cpu\t%s\n' "$(sed -n 's/^model name[^:]*: *//p' \
		    /proc/cpuinfo | head -n 1)"
		printf 'memory\t%s\n' "$(awk '/^MemTotal/ {
		    printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
		printf 'kernel\t%s\n' "$(uname -sr)"
		printf 'fs\t%s\n' "$(df -T "$WORK" | awk 'NR == 2 { print $2 }')"
		printf 'qasid\t%s\n' "$("$QASID" --version)"
		if git -C "$TOP" rev-parse --git-dir >/dev/null 2>&1; then
			printf 'tree\t%s\n' "$(git -C "$TOP" describe --always \
			    --dirty 2>/dev/null)"
		fi
		printf 'gzip\t%s\n' "$(gzip --version | head -n 1)"
		printf 'pigz\t%s\n' "$(pigz --version 2>&1 | head -n 1)"
		printf 'minisign\t%s\n' "$(minisign -v 2>&1 | head -n 1)"
		printf 'tar\t%s\n' "$(tar --version | head -n 1)"
		printf 'load\t%s\n' "$(cut -d ' ' -f 1-3 /proc/loadavg)"
		printf 'cache\t%s\n' "$CACHE"
		printf 'mib\t%s\nrounds\t%s\n' "$MIB" "$ROUNDS"
	} >"$m"
}

keys() {
	"$QASID" keygen -q -W -p "$WORK/q.pub" -s "$WORK/q.sec" ||
		die "qasid keygen failed"
	minisign -G -W -p "$WORK/m.pub" -s "$WORK/m.sec" </dev/null \
	    >/dev/null || die "minisign -G failed"
}

# ---- Timing -------------------------------------------------------------

# measure STEP WHO ROUND CMD...: runs CMD under GNU time, appends
# "STEP WHO ROUND elapsed maxrss_kib user sys written_blocks" to times.tsv.
measure() {
	what=$1 who=$2 round=$3
	shift 3
	sync
	drop_cache
	if ! "$TIME" -f '%e %M %U %S %O' -o "$WORK/time" "$@" >"$WORK/cmd.out" \
	    2>&1 </dev/null; then
		echo "bench: $what, $who failed: $*" >&2
		head -n 20 "$WORK/cmd.out" "$WORK/time" >&2
		exit 2
	fi
	# shellcheck disable=SC2046 # the numbers, split on purpose
	set -- $(tail -n 1 "$WORK/time")
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$what" "$who" "$round" \
	    "$1" "$2" "$3" "$4" "$5" >>"$TIMES"
	printf '  %-14s %-6s round %s: %7s s %8s KiB\n' "$what" "$who" \
	    "$round" "$1" "$2" >&2
}

# step OP WHO ROUND SRC TAG: one timed step of one contender. SRC is the
# corpus folder; TAG names its bundles in bench/work.
# shellcheck disable=SC2016 # sh -c scripts get their own arguments
step() {
	op=$1 who=$2 round=$3 src=$4 tag=$5
	par=$(dirname "$src") name=$(basename "$src")
	q="$WORK/$tag.qasid" g="$WORK/$tag.tar.gz" p="$WORK/$tag.pigz.tar.gz"
	d="$WORK/out"
	label="$op"
	[ "$tag" = main ] || label="$op@${tag#small-}"
	case "$op:$who" in
	pack:qasid)
		rm -f "$q"
		measure "$label" "$who" "$round" "$QASID" pack -q \
		    -s "$WORK/q.sec" -o "$q" -t "bench" "$src" ;;
	pack:tar)
		rm -f "$g" "$g.minisig"
		measure "$label" "$who" "$round" sh -c 'tar -czf "$1" -C "$2" \
		    "$3" && minisign -S -s "$4" -m "$1"' sh "$g" "$par" \
		    "$name" "$WORK/m.sec" ;;
	pack:pigz)
		rm -f "$p" "$p.minisig"
		measure "$label" "$who" "$round" sh -c 'tar -I pigz -cf "$1" \
		    -C "$2" "$3" && minisign -S -s "$4" -m "$1"' sh "$p" \
		    "$par" "$name" "$WORK/m.sec" ;;
	verify:qasid)
		measure "$label" "$who" "$round" "$QASID" verify -q \
		    -p "$WORK/q.pub" "$q" ;;
	verify:tar)
		measure "$label" "$who" "$round" sh -c 'minisign -Vq -p "$1" \
		    -m "$2" && tar -tzf "$2" >/dev/null' sh "$WORK/m.pub" "$g" ;;
	unpack:qasid)
		rm -rf "$d" && mkdir "$d"
		measure "$label" "$who" "$round" "$QASID" unpack -q \
		    -p "$WORK/q.pub" -C "$d" "$q"
		check_unpacked "$src" "$d" "$who" "$round" ;;
	unpack:tar)
		rm -rf "$d" && mkdir "$d"
		measure "$label" "$who" "$round" sh -c 'minisign -Vq -p "$1" \
		    -m "$2" && tar -xzf "$2" -C "$3" && sync' sh "$WORK/m.pub" \
		    "$g" "$d"
		check_unpacked "$src" "$d" "$who" "$round" ;;
	*) die "no step $op for $who" ;;
	esac
}

# A fast wrong answer is no answer: the first round compares what was
# unpacked with the corpus.
check_unpacked() {
	if [ "$4" = 1 ] && ! diff -r -q "$1" "$2/$(basename "$1")" \
	    >"$WORK/diff.out" 2>&1; then
		head -n 5 "$WORK/diff.out" >&2
		die "$3 unpacked something other than the corpus"
	fi
	rm -rf "$2"
}

# Prints its arguments after the first, rotated left by the first.
rotate() {
	n=$1
	shift
	while [ "$n" -gt 0 ]; do
		x=$1
		shift
		set -- "$@" "$x"
		n=$((n - 1))
	done
	echo "$@"
}

# rounds SRC TAG PACKERS: every round packs with each packer, then verifies
# and unpacks with qasid and tar, the order turning each round.
rounds() {
	src=$1 tag=$2 packers=$3
	np=$(echo "$packers" | wc -w)
	r=1
	while [ "$r" -le "$ROUNDS" ]; do
		# shellcheck disable=SC2086 # a list of names
		for w in $(rotate $(((r - 1) % np)) $packers); do
			step pack "$w" "$r" "$src" "$tag"
		done
		for op in verify unpack; do
			for w in $(rotate $(((r - 1) % 2)) qasid tar); do
				step "$op" "$w" "$r" "$src" "$tag"
			done
		done
		if [ "$r" = 1 ]; then
			sizes "$src" "$tag"
		fi
		r=$((r + 1))
	done
}

sizes() {
	for f in "$2.qasid" "$2.tar.gz" "$2.pigz.tar.gz"; do
		[ -f "$WORK/$f" ] &&
			printf '%s\t%s\n' "$f" "$(wc -c <"$WORK/$f")" \
			    >>"$WORK/sizes.tsv"
	done
	printf '%s.tar\t%s\n' "$2" "$(tar -cf - -C "$(dirname "$1")" \
	    "$(basename "$1")" | wc -c)" >>"$WORK/sizes.tsv"
}

# ---- Profiling ----------------------------------------------------------

# Profiles qasid's pack, verify and unpack of the mixed corpus with perf,
# or, where perf may not run, with callgrind on a smaller corpus.
profile() {
	src=$1
	rm -rf "$WORK/prof" && mkdir "$WORK/prof"
	if command -v perf >/dev/null 2>&1 && perf record -e cpu-clock \
	    -o "$WORK/prof/probe" -- true >/dev/null 2>&1; then
		tool=perf
	elif command -v valgrind >/dev/null 2>&1; then
		tool=callgrind
		src=$(corpus mixed 32)
	else
		say "neither perf nor valgrind: not profiling" \
		    "(install linux-perf or valgrind)"
		return 0
	fi
	say "profiling qasid with $tool on $(basename "$src")"
	for op in pack verify unpack; do
		rm -rf "$WORK/out" && mkdir "$WORK/out"
		case $op in
		pack) rm -f "$WORK/prof.qasid"
			set -- pack -q -s "$WORK/q.sec" -o "$WORK/prof.qasid" \
			    "$src" ;;
		verify) set -- verify -q -p "$WORK/q.pub" "$WORK/prof.qasid" ;;
		unpack) set -- unpack -q -p "$WORK/q.pub" -C "$WORK/out" \
			    "$WORK/prof.qasid" ;;
		esac
		sync
		if [ "$tool" = perf ]; then
			perf record -e cpu-clock -o "$WORK/prof/$op.data" -- \
			    "$QASID" "$@" >/dev/null 2>"$WORK/prof/$op.err" ||
				die "perf record qasid $op failed"
			perf report -i "$WORK/prof/$op.data" --stdio \
			    --no-children --sort pid,dso,sym --percent-limit 0 \
			    >"$WORK/prof/$op.perf" 2>/dev/null
			rm -f "$WORK/prof/$op.data"
		else
			valgrind --tool=callgrind -q --separate-threads=no \
			    --callgrind-out-file="$WORK/prof/$op.cg" \
			    "$QASID" "$@" >/dev/null 2>"$WORK/prof/$op.err" ||
				die "callgrind qasid $op failed"
			callgrind_annotate "$WORK/prof/$op.cg" \
			    >"$WORK/prof/$op.callgrind" 2>/dev/null
		fi
	done
	printf '%s\t%s\n' "$tool" "$(basename "$src")" >"$WORK/prof/tool"
	# The libraries' file names as perf shows them, for their symbols.
	ldd "$QASID" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' |
		while read -r lib; do
			lib=$(readlink -f "$lib")
			printf '%s\t%s\n' "$(basename "$lib")" "$lib"
		done >"$WORK/ldd.tsv"
	rm -rf "$WORK/out" "$WORK/prof.qasid"
}

# ---- The big corpus: peak memory ----------------------------------------

big() {
	src=$(corpus mixed "$BIG")
	say "peak memory on $(basename "$src"): pack, verify, unpack once each"
	warm "$src"
	b="$WORK/big.qasid"
	rm -rf "$b" "$WORK/out" && mkdir "$WORK/out"
	for op in pack verify unpack; do
		case $op in
		pack) set -- pack -q -s "$WORK/q.sec" -o "$b" "$src" ;;
		verify) set -- verify -q -p "$WORK/q.pub" "$b" ;;
		unpack) set -- unpack -q -p "$WORK/q.pub" -C "$WORK/out" "$b" ;;
		esac
		sync
		"$TIME" -v -o "$WORK/big-$op.time" "$QASID" "$@" >/dev/null \
		    2>"$WORK/big-$op.err" || die "qasid $op of the big corpus" \
		    "failed: $(cat "$WORK/big-$op.err")"
		printf '%s\t%s\t%s\n' "$op" "$(wc -c <"$b")" \
		    "$(awk -F ': ' '
			/Elapsed \(wall clock\)/ { e = $2 }
			/Maximum resident set size/ { m = $2 }
			/User time|System time/ { c += $2 }
			/File system outputs/ { o = $2 }
			END { printf "%s\t%s\t%.2f\t%s", e, m, c, o }' \
		    "$WORK/big-$op.time")" >>"$WORK/big.tsv"
		say "  $(tail -n 1 "$WORK/big.tsv" | cut -f 1,3,4)"
	done
	printf '%s\n' "$(head -n 1 "$src.desc")" >"$WORK/big.desc"
	rm -rf "$b" "$WORK/out"
	if [ "$KEEP_BIG" != 1 ]; then
		rm -rf "$src" "$src.desc" "$src.stamp"
	fi
}

# recovery BUNDLE: protect (10%), and repair after 40 scattered 4 KiB blocks
# and a 2 MiB run are destroyed, each timed once; MB/s of bundle into
# recovery.md, which is appended to RESULTS.md.
recovery() {
	b=$1
	size=$(wc -c <"$b")
	: >"$WORK/recovery.tsv"
	for op in protect repair; do
		if [ "$op" = repair ]; then
			python3 - "$b" "$size" <<'PY' || die "wrecking failed"
import os, random, sys
size = int(sys.argv[2])
rnd = random.Random(1)
with open(sys.argv[1], "r+b") as f:
    for _ in range(40):
        f.seek(rnd.randrange(size // 4096) * 4096)
        f.write(os.urandom(4096))
    f.seek(size // 3)
    f.write(os.urandom(2 << 20))
PY
		fi
		set -- -q -p "$WORK/q.pub" "$b"
		[ "$op" = protect ] && set -- --redundancy 10 "$@"
		sync
		"$TIME" -f '%e %M' -o "$WORK/rec.time" "$QASID" "$op" "$@" \
		    >/dev/null || die "qasid $op failed"
		# shellcheck disable=SC2046 # the numbers, split on purpose
		set -- $(tail -n 1 "$WORK/rec.time")
		printf '%s\t%s\t%s\t%s\n' "$op" "$size" "$1" "$2" \
		    >>"$WORK/recovery.tsv"
		say "  $op: $1 s, $2 KiB"
	done
	awk -F '\t' 'BEGIN { print "\n## Recovery files (10%, one run)\n";
	    print "| step | bundle MB | s | MB/s | peak KiB |";
	    print "|---|---|---|---|---|" }
	    { printf "| %s | %.0f | %s | %.0f | %s |\n", $1, $2 / 1e6, $3,
	    ($3 > 0 ? $2 / 1e6 / $3 : 0), $4 }' \
	    "$WORK/recovery.tsv" >"$WORK/recovery.md"
}

# ---- Main ---------------------------------------------------------------

check_tools
rm -rf "$WORK" && mkdir -p "$WORK" || exit 2
trap 'rm -rf "$WORK/out"' EXIT
decide_cache
say "qasid: $QASID; corpus $MIB MiB; $ROUNDS rounds; cache ${CACHE%%:*}"
main_src=$(corpus mixed "$MIB") || exit 2
keys
machine
printf 'step\twho\tround\telapsed\tmaxrss_kib\tuser\tsys\twritten\n' \
    >"$TIMES"
say "warming the cache and the programs (untimed)"
warm "$main_src"
"$QASID" --version >/dev/null
pigz --version >/dev/null 2>&1
say "timing pack, verify and unpack of $(basename "$main_src")"
rounds "$main_src" main "qasid tar pigz"
rm -f "$WORK/main.tar.gz" "$WORK/main.tar.gz.minisig" \
    "$WORK/main.pigz.tar.gz" "$WORK/main.pigz.tar.gz.minisig"
for n in $SCALE; do
	src=$(corpus smallfiles "$n") || exit 2
	warm "$src"
	say "scale test: $n small files"
	rounds "$src" "small-$n" "qasid tar"
	rm -f "$WORK/small-$n".*
done
[ "$PROFILE" = 1 ] && profile "$main_src"
say "protect and repair of the main bundle"
recovery "$WORK/main.qasid"
rm -f "$WORK/main.qasid" "$WORK/main.qasid-rec"
[ "$BIG" -gt 0 ] && big
sh "$BENCH/keyring.sh" "$QASID" "" "$WORK" || exit 2
printf 'load_after\t%s\n' "$(cut -d ' ' -f 1-3 /proc/loadavg)" \
    >>"$WORK/machine.tsv"
python3 "$BENCH/summarize" "$WORK" "$CORPUS" "$SCALE" \
    >"$WORK/summary.txt" || die "summarize failed"
cat "$WORK/recovery.md" >>"$BENCH/RESULTS.md"
cat "$WORK/summary.txt" "$WORK/recovery.md"
say "wrote bench/RESULTS.md"
