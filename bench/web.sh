#!/bin/sh
# SPDX-License-Identifier: ISC
# web.sh - verify.html against the native qasid verify: the same bundle
# (a mixed corpus, as bench/run.sh makes), the two alternating over several
# rounds, medians side by side. The page runs in headless Chromium, served
# over HTTP from beside the bundle, as a mirror serves it, and is timed
# three ways:
# - linked (?bundle=) as a test does it, with --virtual-time-budget and
#   --dump-dom: the whole browser run (start, fetch, verify, verdict), and
#   that less the same run with a one-file bundle (the browser's start and
#   the page's load);
# - linked as a person's browser opens it (web-page.py link), from the
#   start of the page's load to the verdict, less the same with the
#   one-file bundle;
# - the bundle picked from the file input, as from a stick, from the
#   press of Verify to the verdict.
# The goal: at most 3 times native.
#
#   sh bench/web.sh QASID VERIFY.HTML [OTHER.HTML]
#
# OTHER.HTML, another build of the page (an older one, to compare), is
# timed the first and last ways in the same rounds, interleaved with the
# first (it must set data-reader as page.js does):
# on a shared machine only runs side by side compare.
#
# BENCH_WEB_MIB (512) the corpus size, BENCH_WEB_ROUNDS (5) the rounds,
# BENCH_WEB_PLAIN=1 serves with Python's http.server as it is (see below).
# Results: printed, and bench/work/web.tsv (one row per timed run).
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
QASID=${1:?usage: web.sh QASID VERIFY.HTML}
PAGE=${2:?usage: web.sh QASID VERIFY.HTML [OTHER.HTML]}
OTHER=${3:-}
MIB=${BENCH_WEB_MIB:-512}
ROUNDS=${BENCH_WEB_ROUNDS:-5}
WORK="$TOP/bench/work"
S="$WORK/web"
die() { echo "bench-web: $*" >&2; exit 2; }
for t in chromium python3; do
	command -v "$t" >/dev/null 2>&1 || die "$t is not installed"
done
[ -x "$QASID" ] || die "$QASID: no such program"
case "$QASID" in /*) ;; *) QASID="$(pwd)/$QASID" ;; esac
[ -f "$PAGE" ] || die "$PAGE: no such file (make kit-web)"
[ -z "$OTHER" ] || [ -f "$OTHER" ] || die "$OTHER: no such file"

rm -rf "$S"
mkdir -p "$S/www" || exit 2
trap 'kill $SRV 2>/dev/null; rm -rf "$S"' EXIT
SRV=""
cp "$PAGE" "$S/www/verify.html"
[ -z "$OTHER" ] || cp "$OTHER" "$S/www/other.html"
echo "bench-web: a $MIB MiB mixed corpus, packed" >&2
python3 "$TOP/bench/make-corpus" mixed "$MIB" "$S/corpus" >/dev/null ||
	die "make-corpus failed"
"$QASID" keygen -W -p "$S/k.pub" -s "$S/k.sec" >/dev/null 2>&1 ||
	die "keygen failed"
(cd "$S" && "$QASID" pack -q -s "$S/k.sec" -o "$S/www/b.qasid" \
    -t bench corpus) || die "pack failed"
# A bundle of one short file: the linked page's run with it is what the
# browser's start and the page's load cost, whatever the bundle.
mkdir -p "$S/small" && echo small >"$S/small/a.txt"
(cd "$S" && "$QASID" pack -q -s "$S/k.sec" -o "$S/www/s.qasid" \
    -t small small) || die "pack failed"
rm -rf "$S/corpus"
KEY=$(tail -n 1 "$S/k.pub")
QKEY=$(python3 -c 'import sys, urllib.parse
print(urllib.parse.quote(sys.argv[1], safe=""))' "$KEY")

# The mirror's server, on this same machine: Python's own, but sending
# files with sendfile(2), as the servers a mirror would run do (busybox
# httpd, lighttpd, nginx). Python's default copies each 64 KiB through
# the interpreter, and on two processors that would time the server as
# much as the page. BENCH_WEB_PLAIN=1 serves with it all the same.
if [ "${BENCH_WEB_PLAIN:-0}" = 1 ]; then
	python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$S/www" \
	    >"$S/http.out" 2>/dev/null &
else
	python3 -u - "$S/www" >"$S/http.out" 2>/dev/null <<'PY' &
import functools, http.server, sys


class Handler(http.server.SimpleHTTPRequestHandler):
    def copyfile(self, source, outputfile):
        self.wfile.flush()
        self.connection.sendfile(source)

    def log_message(self, *args):
        pass


h = functools.partial(Handler, directory=sys.argv[1])
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), h)
print("serving on port %d" % s.server_address[1], flush=True)
s.serve_forever()
PY
fi
SRV=$!
PORT=""
while [ -z "$PORT" ] && kill -0 "$SRV" 2>/dev/null; do
	sleep 0.2
	PORT=$(sed -n 's/.* port \([0-9]*\).*/\1/p' "$S/http.out")
done
[ -n "$PORT" ] || die "the HTTP server did not start"
Q="key=$QKEY&bundle"

now() { date +%s.%N; }
# minus A B [DIV]: (A - B) / DIV, in seconds to the millisecond.
minus() { awk -v a="$1" -v b="$2" -v d="${3:-1}" 'BEGIN { printf "%.3f", (a - b) / d }'; }

native() {
	t0=$(now)
	"$QASID" verify -q -P "$KEY" "$S/www/b.qasid" >/dev/null 2>&1 ||
		die "qasid verify failed on the bench bundle"
	echo "native	$(minus "$(now)" "$t0")"
}

# page ROW HTML BUNDLE: the page linked as a catalogue links it: the whole
# browser run (start, fetch over HTTP, verify, verdict).
page() {
	p_html=$2
	prof=$(mktemp -d "$S/prof.XXXXXX")
	t0=$(now)
	chromium --headless --no-sandbox --disable-gpu --user-data-dir="$prof" \
	    --virtual-time-budget=600000 --dump-dom \
	    "http://127.0.0.1:$PORT/$p_html?$Q=$3" >"$S/dom" \
	    2>/dev/null
	t1=$(now)
	rm -rf "$prof"
	grep -q 'id="verdict" class="verdict ok">OK' "$S/dom" ||
		die "verify.html did not say OK: $(grep -o \
		    'id="verdict"[^<]*' "$S/dom")"
	echo "$1	$(minus "$t1" "$t0")"
}

# linked ROW BUNDLE: the page linked, opened as a person's browser opens
# it (web-page.py link: none of the requests page.js sends only to hold
# headless Chromium's virtual time), from the start of the page's load to
# the verdict, by the page's clock; the browser already open.
linked() {
	python3 "$TOP/tests/kit/web-page.py" link \
	    "http://127.0.0.1:$PORT/verify.html?$Q=$2" >"$S/link" 2>/dev/null
	grep -q '^OK' "$S/link" || die "verify.html did not say OK: \
	    $(head -n 1 "$S/link")"
	echo "$1	$(sed -n 2p "$S/link")"
}

# picked [other]: the bundle picked with the file input, as from a stick:
# from the press of Verify to the verdict, the browser already open.
picked() {
	p_html=${1:+other.html}
	python3 "$TOP/tests/kit/web-page.py" pick \
	    "http://127.0.0.1:$PORT/${p_html:-verify.html}" "$S/www/b.qasid" "$KEY" \
	    >"$S/pick" 2>/dev/null
	grep -q '^OK' "$S/pick" || die "verify.html did not say OK: \
	    $(head -n 1 "$S/pick")"
	echo "picked${1:+-$1}	$(sed -n 2p "$S/pick")"
}

: >"$WORK/web.tsv"
# a first run, untimed: the browser's files into the cache
page page verify.html b.qasid >/dev/null
r=1
while [ "$r" -le "$ROUNDS" ]; do
	echo "bench-web: round $r of $ROUNDS" >&2
	native >>"$WORK/web.tsv"
	page start verify.html s.qasid >>"$WORK/web.tsv"
	page page verify.html b.qasid >>"$WORK/web.tsv"
	[ -z "$OTHER" ] || page page-other other.html b.qasid >>"$WORK/web.tsv"
	linked linked-start s.qasid >>"$WORK/web.tsv"
	linked linked b.qasid >>"$WORK/web.tsv"
	picked >>"$WORK/web.tsv"
	[ -z "$OTHER" ] || picked other >>"$WORK/web.tsv"
	r=$((r + 1))
done
python3 - "$WORK/web.tsv" "$MIB" "$OTHER" <<'PY'
import statistics, sys
rows = [l.split("\t") for l in open(sys.argv[1]) if l.strip()]
med = {}
for k in ("native", "start", "page", "picked", "page-other", "picked-other",
          "linked", "linked-start"):
    v = [float(t) for n, t in rows if n == k]
    if v:
        med[k] = statistics.median(v)
mib = int(sys.argv[2])
n = sum(1 for r in rows if r[0] == "native")


def row(what, t, ratio=True):
    line = "  %-38s %7.2f s  %6.0f MiB/s" % (what, t, mib / t)
    print(line + ("  %.2fx native" % (t / med["native"]) if ratio else ""))


print("verify of a %d MiB bundle, median of %d rounds:" % (mib, n))
row("qasid verify (native)", med["native"], False)
for k, what in (("page", "verify.html linked, whole run"),
                ("page-other", "  the other page, linked"),
                ("linked", "verify.html linked, a person's browser"),
                ("picked", "verify.html, a picked file"),
                ("picked-other", "  the other page, picked")):
    if k in med:
        row(what, med[k])
    if k in ("page", "page-other") and k in med:
        row("    less the start", med[k] - med["start"])
    if k == "linked" and k in med:
        row("    less the page's start", med[k] - med["linked-start"])
print("  %-38s %7.2f s" % ("the start (a one-file bundle, linked)",
                           med["start"]))
print("  %-38s %7.2f s" % ("the page's start (the same, a person's)",
                           med["linked-start"]))
if sys.argv[3]:
    print("(the other page: %s)" % sys.argv[3])
PY
