#!/bin/sh
# SPDX-License-Identifier: ISC
# update.sh - updates in place and first unpacks of many small files.
#
# 1. Week 16 over week 15, 1% of the bytes changed (one file of 100):
#    qasid unpack into the folder holding week 15, against tar -xzf of
#    week 16 into a fresh folder. Time (hyperfine, side by side) and the
#    bytes each writes (wchar and write_bytes of /proc/self/io, children
#    included).
# 2. A first unpack of BENCH_SMALL small files (20,000) against tar -xzf
#    followed by sync, on the work folder's file system and, where an
#    image can be made and mounted with FUSE, on exFAT (exfat-fuse).
#    Medians and ratios.
#
#   sh bench/update.sh QASID [WORK]
# Settings: BENCH_UPDATE_MIB=200, BENCH_SMALL=20000, BENCH_RUNS=5.
# `make bench` runs it after bench/run.sh; `make bench-update` alone.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
Q=$1
WORK=${2:-"$TOP/bench/work"}/update
MIB=${BENCH_UPDATE_MIB:-200}
SMALL=${BENCH_SMALL:-20000}
RUNS=${BENCH_RUNS:-5}
export QASID_STATE="$WORK/state"

die() { echo "bench: update: $*" >&2; exit 2; }
command -v hyperfine >/dev/null || die "hyperfine is not installed"

rm -rf "$WORK" && mkdir -p "$WORK/w15/news" || die "no $WORK"
"$Q" keygen -W -p "$WORK/k.pub" -s "$WORK/k.sec" >/dev/null || die keygen
P="-p $WORK/k.pub"

# ---- 1. Week 16 over week 15 ---------------------------------------------

# 100 files of MIB/100 MiB of incompressible data; week 16 changes one.
each=$((MIB * 1024 / 100))
i=0
while [ $i -lt 100 ]; do
	head -c $((each * 1024)) /dev/urandom >"$WORK/w15/news/f$i.bin"
	i=$((i + 1))
done
cp -r "$WORK/w15" "$WORK/w16"
head -c $((each * 1024)) /dev/urandom >"$WORK/w16/news/f42.bin"
for n in 15 16; do
	"$Q" pack -q -s "$WORK/k.sec" -n news -N $n -o "$WORK/w$n.qasid" \
	    "$WORK/w$n/news" || die pack
	tar -C "$WORK/w$n" -czf "$WORK/w$n.tar.gz" news || die tar
done
"$Q" unpack -q $P -C "$WORK/d" "$WORK/w15.qasid" || die unpack
"$Q" unpack -q $P -C "$WORK/d" "$WORK/w16.qasid" || die update

# Bytes a command writes, its children included.
io() {
	python3 - "$@" <<'PY'
import subprocess, sys
def io():
    d = dict(l.split(": ") for l in open("/proc/self/io").read().split("\n") if l)
    return int(d["wchar"]), int(d["write_bytes"])
a = io()
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)
b = io()
print("%.1f MiB written (write_bytes %.1f MiB)" % ((b[0] - a[0]) / 2**20,
      (b[1] - a[1]) / 2**20))
PY
}
fresh15() { rm -rf "$WORK/d" "$QASID_STATE"; "$Q" unpack -q $P -C "$WORK/d" "$WORK/w15.qasid"; }
fresh15
echo "update week 16 over 15 ($MIB MiB, 1% changed): qasid $(io "$Q" unpack -q $P -C "$WORK/d" "$WORK/w16.qasid")"
rm -rf "$WORK/t" && mkdir "$WORK/t"
echo "tar -xzf week 16 into a fresh folder: $(io tar -C "$WORK/t" -xzf "$WORK/w16.tar.gz")"
hyperfine -N -r "$RUNS" -w 1 --export-markdown "$WORK/update.md" \
    --prepare "sh -c 'rm -rf $WORK/d $QASID_STATE && $Q unpack -q $P -C $WORK/d $WORK/w15.qasid'" \
    -n "qasid unpack 16 over 15" "$Q unpack -q $P -C $WORK/d $WORK/w16.qasid" \
    --prepare "rm -rf $WORK/t" \
    -n "tar -xzf 16 (fresh)" "sh -c 'mkdir $WORK/t && tar -C $WORK/t -xzf $WORK/w16.tar.gz'" \
    2>&1 | grep -v '^ *$'
rm -rf "$WORK/w15" "$WORK/w16" "$WORK"/w1[56].* "$WORK/d" "$WORK/t"

# ---- 2. Small files, first unpack ------------------------------------------

python3 "$TOP/bench/make-corpus" smallfiles "$SMALL" "$WORK/small" >/dev/null ||
    die make-corpus
"$Q" pack -q -s "$WORK/k.sec" -o "$WORK/small.qasid" "$WORK/small" || die pack
tar -C "$WORK" -czf "$WORK/small.tar.gz" small || die tar
# small DIR LABEL: both, alternating, then their medians and the ratio
# (above 1: qasid is faster).
small() {
	hyperfine -N -r "$RUNS" -w 1 --export-json "$WORK/small.json" \
	    --prepare "rm -rf $1/q $1/t" -n "qasid unpack $SMALL files ($2)" \
	    "$Q unpack -q $P -C $1/q $WORK/small.qasid" \
	    --prepare "rm -rf $1/q $1/t" -n "tar -xzf + sync ($2)" \
	    "sh -c 'mkdir $1/t && tar -C $1/t --no-same-owner -m -xzf $WORK/small.tar.gz && sync'" \
	    2>&1 | grep -v '^ *$'
	python3 - "$WORK/small.json" "$SMALL" "$2" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
q, t = r[0]["median"], r[1]["median"]
n = int(sys.argv[2])
print("small files (%s): median qasid %.3f s (%.0f files/s), tar+sync "
      "%.3f s (%.0f files/s): qasid at %.2fx tar's speed"
      % (sys.argv[3], q, n / q, t, n / t, t / q))
PY
	rm -rf "$1/q" "$1/t"
}
small "$WORK" "$(stat -f -c %T "$WORK")"
# img: a 2 GiB exFAT image on a loop device: $loop.
img() {
	rm -f "$WORK/exfat.img" && truncate -s 2G "$WORK/exfat.img" &&
	    mkfs.exfat "$WORK/exfat.img" >/dev/null 2>&1 &&
	    loop=$(losetup -f --show "$WORK/exfat.img" 2>/dev/null)
}
mkdir -p "$WORK/mnt"
if command -v mount.exfat-fuse >/dev/null && command -v mkfs.exfat \
    >/dev/null && img; then
	if mount.exfat-fuse "$loop" "$WORK/mnt" >/dev/null 2>&1; then
		small "$WORK/mnt" "exFAT, FUSE"
		umount "$WORK/mnt"
	fi
	losetup -d "$loop"
else
	echo "bench: update: no exFAT image here (needs root, exfat-fuse)"
fi
# Not on FAT32 through fusefat: at about 130 files a second for tar too,
# 20,000 files take minutes a run, and tar cannot set modes there (exit 2).
rm -rf "$WORK"
