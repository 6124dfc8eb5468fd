#!/bin/sh
# SPDX-License-Identifier: ISC
# t-web-chromium.sh - the kit's verify.html in headless Chromium, as a
# recipient and a mirror's catalogue use it: served over plain HTTP with
# ?bundle=NAME&key=KEY, and opened from a file. Good bundles say OK with
# their title, publisher, series and files; every kind of damage the
# native tests make, and a wrong key, say FAILED with the reason the
# native `qasid verify` gives. A recipient's steps by hand (pick, paste,
# save, remember a key, switch to Urdu, save from a linked bundle),
# phone-sized screenshots in both languages, and a large bundle, picked and
# linked, with Chromium's peak memory measured against a small one's.
#
# QASID_KIT is the kit folder (default build-kit/: when it has no
# verify.html and QASID_KIT is not set, the script skips);
# QASID_WEB_BIG_MIB the large bundle's size in MiB (default 256, 0: none).
. "$QASID_TOP/tests/lib.sh"

KIT=${QASID_KIT:-$QASID_TOP/build-kit}
PAGE="$KIT/verify.html"
BIG_MIB=${QASID_WEB_BIG_MIB:-256}
WP="$QASID_TOP/tests/kit/web-page.py"
if [ ! -f "$PAGE" ]; then
	[ -n "${QASID_KIT:-}" ] && { echo "FAIL web: $PAGE is missing"; exit 1; }
	t_skip "web: verify.html in Chromium" "no $PAGE (make kit-web)"
	exit 0
fi
if ! command -v chromium >/dev/null 2>&1; then
	t_skip "web: verify.html in Chromium" "chromium is not installed"
	exit 0
fi

# The screenshots are read with Pillow (Debian's python3-pil), which a
# Python of a version manager may not have.
PYPIL=""
for p in python3 /usr/bin/python3; do
	"$p" -c 'import PIL' 2>/dev/null && { PYPIL=$p; break; }
done

WWW="$W/www"
mkdir -p "$WWW"
cp "$PAGE" "$WWW/verify.html"
t_keys
"$QASID" keygen -W -p "$W/k2.pub" -s "$W/k2.sec" >/dev/null 2>&1
KEY=$(tail -n 1 "$W/k.pub")
KEY2=$(tail -n 1 "$W/k2.pub")
"$QASID" trust show "$W/k.pub" >"$W/show" 2>&1
KEYID=$(awk '{ print $1 }' "$W/show")
FP=$(awk '{ print $2, $3, $4, $5, $6, $7, $8, $9 }' "$W/show")

# A plain HTTP server on a free port, like a mirror on a local network.
python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$WWW" \
    >"$W/http.out" 2>"$W/http.log" &
SRV=$!
trap 'kill $SRV 2>/dev/null; rm -rf "$W"' EXIT
PORT=""
for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
	PORT=$(sed -n 's/.* port \([0-9]*\).*/\1/p' "$W/http.out")
	[ -n "$PORT" ] && break
	sleep 0.25
done
[ -n "$PORT" ] || { echo "FAIL web: the HTTP server did not start"; exit 1; }
BASE="http://127.0.0.1:$PORT/verify.html"

# urlenc TEXT: TEXT for a query string.
urlenc() {
	python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"
}

# dump URL OUT [FLAG...]: the page's DOM once it has settled, as the issue's
# command line gives it. A fresh profile each time: nothing remembered.
dump() {
	d_url=$1 d_out=$2
	shift 2
	d_prof=$(mktemp -d "$W/prof.XXXXXX")
	timeout 300 chromium --headless --no-sandbox --disable-gpu \
	    --user-data-dir="$d_prof" "$@" --virtual-time-budget=60000 \
	    --dump-dom "$d_url" >"$d_out" 2>"$W/chromium.log"
	rm -rf "$d_prof"
}

# verdict NAME [KEY]: the verdict verify.html gives for www/NAME.
verdict() {
	dump "$BASE?bundle=$(urlenc "$1")&key=$(urlenc "${2:-$KEY}")" "$W/dom"
	python3 "$WP" verdict "$W/dom"
}

# native NAME [KEY]: the reason `qasid verify` gives for www/NAME, without
# its "qasid: FILE: " prefix.
native() {
	"$QASID" verify -P "${2:-$KEY}" "$WWW/$1" >/dev/null 2>"$W/native"
	sed -n "1s|^qasid: $WWW/$1: ||p" "$W/native"
}

# refused NAME [KEY]: FAILED, with the native reason.
refused() {
	r_want=$(native "$1" "${2:-$KEY}")
	r_got=$(verdict "$1" "${2:-$KEY}")
	[ -n "$r_want" ] || t_fail "qasid verify accepted $1"
	case "$r_got" in
	"FAILED"*"$r_want"*) ;;
	*) t_fail "verdict '$r_got', want FAILED with '$r_want'" ;;
	esac
}

# ---- good bundles ----------------------------------------------------------
mkdir -p "$W/src/news" "$W/src/خبریں"
echo "all is well" >"$W/src/news/today.txt"
printf 'آج کی خبریں\n' >"$W/src/خبریں/آج.txt"
head -c 300000 /dev/urandom >"$W/src/news/photo.bin"
(cd "$W/src" && "$QASID" pack -q -s "$W/k.sec" -o "$WWW/b.qasid" \
    -t "Daily news" -n news -N 3 news خبریں) || t_fail "pack"
(cd "$W/src" && "$QASID" pack -q --format 1 -s "$W/k.sec" \
    -o "$WWW/f1.qasid" -t "Old format" news) || t_fail "pack --format 1"

t_begin "web: a good bundle over HTTP: OK, title, publisher, series, files"
v=$(verdict b.qasid)
case "$v" in OK*) ;; *) t_fail "verdict '$v'" ;; esac
for f in "r-title:Daily news" "r-keyid:$KEYID" "r-fp:$FP" "r-series:news" \
    "r-seq:3"; do
	got=$(python3 "$WP" field "$W/dom" "${f%%:*}")
	[ "$got" = "${f#*:}" ] || t_fail "${f%%:*} is '$got', want '${f#*:}'"
done
python3 "$WP" field "$W/dom" files >"$W/files"
t_grep "news/today.txt" "$W/files"
t_grep "خبریں/آج.txt" "$W/files"
[ "$(python3 "$WP" count "$W/dom" save)" -ge 3 ] ||
	t_fail "fewer than 3 Save buttons"
t_end

t_begin "web: the key as typed in a link (+ unescaped) and a format-1 bundle"
dump "$BASE?bundle=f1.qasid&key=$KEY" "$W/dom"
v=$(python3 "$WP" verdict "$W/dom")
case "$v" in OK*) ;; *) t_fail "verdict '$v'" ;; esac
t_end

t_begin "web: a wrong key: FAILED with qasid's reason, no file offered"
refused b.qasid "$KEY2"
[ "$(python3 "$WP" count "$W/dom" save)" -eq 0 ] || t_fail "Save offered"
t_nogrep "Daily news" "$W/dom"
t_end

t_begin "web: a bundle that is not there: FAILED"
v=$(verdict missing.qasid)
case "$v" in FAILED*) ;; *) t_fail "verdict '$v'" ;; esac
t_end

# ---- damage, as the native tests make it -----------------------------------
n=$(fsize "$WWW/b.qasid")
for spec in "head:60" "signature:1100" "body:$((n / 2))" "trailer:-1" \
    "trailer size:-3"; do
	t_begin "web: a changed byte in the ${spec%%:*}: FAILED as qasid says"
	cp "$WWW/b.qasid" "$WWW/flip.qasid"
	flip "$WWW/flip.qasid" "${spec#*:}"
	refused flip.qasid
	t_end
done
t_begin "web: a truncated bundle, half and one byte short: FAILED"
head -c $((n / 2)) "$WWW/b.qasid" >"$WWW/half.qasid"
head -c $((n - 1)) "$WWW/b.qasid" >"$WWW/short.qasid"
refused half.qasid
refused short.qasid
t_end
t_begin "web: a byte, zeros or a gzip member appended: FAILED"
{ cat "$WWW/b.qasid"; printf x; } >"$WWW/plus.qasid"
{ cat "$WWW/b.qasid"; head -c 512 /dev/zero; } >"$WWW/zeros.qasid"
{ cat "$WWW/b.qasid"; printf x | gzip; } >"$WWW/gz.qasid"
refused plus.qasid
refused zeros.qasid
refused gz.qasid
t_end
t_begin "web: what is not a bundle, and an empty file: FAILED"
head -c 4096 /dev/urandom >"$WWW/noise.qasid"
: >"$WWW/empty.qasid"
refused noise.qasid
refused empty.qasid
t_end

t_begin "web: a download that breaks off: FAILED, could not read the bundle"
# A 3 MiB bundle: the reader asks for 4 MiB at a time, and the first
# slice must wait for bytes that never come.
mkdir -p "$W/mid"
head -c 3000000 /dev/urandom >"$W/mid/data.bin"
(cd "$W/mid" && "$QASID" pack -q -s "$W/k.sec" -o "$WWW/mid.qasid" \
    -t Mid data.bin) || t_fail "pack"
python3 "$WP" cut "$WWW" "$W/cut.port" 2>"$W/cut.log" &
CUT=$!
trap 'kill $SRV $CUT 2>/dev/null; rm -rf "$W"' EXIT
for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
	[ -s "$W/cut.port" ] && break
	sleep 0.25
done
CUTURL="http://127.0.0.1:$(cat "$W/cut.port")/verify.html"
dump "$CUTURL?bundle=cut/mid.qasid&key=$(urlenc "$KEY")" "$W/dom"
v=$(python3 "$WP" verdict "$W/dom")
case "$v" in
"FAILED: could not read the bundle: "*) ;;
*) t_fail "verdict '$v'" ;;
esac
[ "$(python3 "$WP" count "$W/dom" save)" -eq 0 ] || t_fail "Save offered"
kill $CUT 2>/dev/null
t_end

# Bundles no honest qasid writes, signed correctly (tests/hostile/craft.py).
if [ -x "$QASID_BUILD/tests/hostile-helper" ]; then
	. "$QASID_TOP/tests/hostile/lib-hostile.sh"
	"$QASID" keygen -W -p "$W/k3.pub" -s "$W/k3.sec" >/dev/null 2>&1
	craft "$WWW" <<PY
import os
def one(name, entries=None, key=None, **kw):
    b = Bundle(K, entries or [Dir("news"), File("news/today.txt", b"all is well\n")])
    b.key = key or K
    b.write(os.path.join(OUT, name), **kw)
# content against its signed hash (t-content)
A = File("news/today.txt", b"all is well\n")
B = Bundle(K, [Dir("news"), A])
old = B.manifest(B.members(B.chunks()))
A.data = b"all is lost\n"
newm = B.members(B.chunks())
mf = old[:old.index(b"member ")] + B.manifest(newm)[B.manifest(newm).index(b"member "):]
B.write(os.path.join(OUT, "hash.qasid"), members=newm, manifest=mf)
# a size the body does not have (t-content)
one("size.qasid", manifest=lambda m: m.replace(b"file 644 12 ", b"file 644 13 "))
# a path out of the destination (t-paths)
one("dotdot.qasid", [File(b"../escaped.txt", b"x\n")])
# signatures (t-signature)
def b64(t):
    l = t.split(b"\n")
    l[1] = l[1][:20] + b"!" + l[1][21:]
    return b"\n".join(l)
one("b64.qasid", sig_edit=b64)
one("ucomm.qasid", sign=lambda mf, t: K.minisign(mf, t, untrusted=b"signature from minisign"))
one("other.qasid", key=Key("$W/k3.sec", "$W/k3.pub"))
one("downgrade.qasid", manifest=lambda m: m.replace(b"qasid-manifest 2\n", b"qasid-manifest 0\n").replace(b"qasid-manifest 1\n", b"qasid-manifest 0\n"))
PY
	for b in hash size dotdot b64 ucomm other downgrade; do
		t_begin "web: crafted bundle $b: FAILED as qasid says"
		refused "$b.qasid"
		t_end
	done
else
	t_skip "web: crafted hostile bundles" "no hostile-helper (make test)"
fi

# ---- opened from a file -----------------------------------------------------
t_begin "web: opened from file://, a link to a bundle beside it verifies"
dump "file://$WWW/verify.html?bundle=b.qasid&key=$(urlenc "$KEY")" \
    "$W/dom" --allow-file-access-from-files
v=$(python3 "$WP" verdict "$W/dom")
case "$v" in OK*) ;; *) t_fail "verdict '$v'" ;; esac
dump "file://$WWW/verify.html?bundle=flip.qasid&key=$(urlenc "$KEY")" \
    "$W/dom" --allow-file-access-from-files
v=$(python3 "$WP" verdict "$W/dom")
case "$v" in FAILED*) ;; *) t_fail "damaged: verdict '$v'" ;; esac
t_end

t_begin "web: from file:// a browser that may not read beside it says FAILED"
dump "file://$WWW/verify.html?bundle=b.qasid&key=$(urlenc "$KEY")" "$W/dom"
v=$(python3 "$WP" verdict "$W/dom")
case "$v" in FAILED*) ;; *) t_fail "verdict '$v'" ;; esac
t_end

# ---- a recipient's hands ----------------------------------------------------
python3 "$WP" ui "$BASE" "$WWW/b.qasid" "$WWW/flip.qasid" "$KEY" "$W" \
    >"$W/ui" 2>"$W/ui.err" || echo "FAIL web: ui: $(tail -n 3 "$W/ui.err")"
grep -v '^SAVED ' "$W/ui"
grep '^SAVED ' "$W/ui" >"$W/ui.tmp"; mv "$W/ui.tmp" "$W/ui"
t_begin "web: a file saved from the page is the file packed, picked and linked"
[ "$(wc -l <"$W/ui")" -eq 2 ] || t_fail "saved: $(cat "$W/ui")"
while read -r _ path saved; do
	if [ -n "$saved" ] && [ -f "$saved" ]; then
		t_same "$W/src/$path" "$saved"
	else
		t_fail "$path: nothing saved"
	fi
done <"$W/ui"
t_end

# ---- phone screenshots --------------------------------------------------------
for lang in en ur; do
	t_begin "web: a phone screenshot in $lang shows the verdict"
	prof=$(mktemp -d "$W/prof.XXXXXX")
	timeout 300 chromium --headless --no-sandbox --disable-gpu \
	    --user-data-dir="$prof" --hide-scrollbars --window-size=412,915 \
	    --virtual-time-budget=60000 --screenshot="$W/$lang.png" \
	    "$BASE?bundle=b.qasid&key=$(urlenc "$KEY")&lang=$lang" \
	    >/dev/null 2>&1
	t_exists "$W/$lang.png"
	if [ -z "$PYPIL" ]; then
		t_fail "no Python with Pillow (python3-pil) to read it"
	else
		why=$("$PYPIL" "$WP" shot "$W/$lang.png" 412 915) || t_fail "$why"
	fi
	t_end
done
t_begin "web: the two languages look different"
cmp -s "$W/en.png" "$W/ur.png" && t_fail "the same picture"
t_end

# ---- a large bundle, memory measured -------------------------------------------
# mem NAME CMD...: runs CMD under web-mem.py; sets PSS, RSS (MiB) and SECS.
mem() {
	m_name=$1
	shift
	python3 "$QASID_TOP/tests/kit/web-mem.py" "$W/mem" "$@" >"$W/dom" \
	    2>/dev/null
	read -r PSS RSS SECS <"$W/mem"
	echo "INFO web: $m_name: peak $PSS MiB in all of Chromium's" \
	    "processes (PSS), $RSS MiB in the largest (RSS), $SECS s"
}
# Both ways the bundle is read as a stream, a slice at a time, and a
# linked one as it downloads: what Chromium holds must not grow with the
# bundle. It is measured for a bundle of half the size and for the
# whole size; the second may hold no more than a third of the difference
# in size more (42 MiB for 256). Read in fresh ArrayBuffers (FileReaderSync's
# slices, or a download kept whole) it grew by 0.4 to 0.7 of the bundle's
# size; streamed into buffers that are reused, what the collector leaves
# is bounded, and the two sizes differ by noise.
if [ "$BIG_MIB" -gt 0 ]; then
	t_begin "web: $BIG_MIB MiB, picked and linked, in memory not growing with it"
	mid=$((BIG_MIB / 2))
	more=$(((BIG_MIB - mid) / 3))
	for n in "$mid" "$BIG_MIB"; do
		mkdir -p "$W/big"
		head -c $((n * 1048576)) /dev/urandom >"$W/big/data.bin"
		(cd "$W/big" && "$QASID" pack -q -s "$W/k.sec" \
		    -o "$WWW/big$n.qasid" -t Big data.bin) || t_fail "pack $n"
		rm -rf "$W/big"
	done
	for n in "$mid" "$BIG_MIB"; do
		mem "$n MiB, picked from the file input" \
		    python3 "$WP" pick "$BASE" "$WWW/big$n.qasid" "$KEY"
		case "$(cat "$W/dom")" in
		OK*) ;;
		*) t_fail "picked $n MiB: $(cat "$W/dom")" ;;
		esac
		eval "pick$n=\$PSS"
	done
	for n in "$mid" "$BIG_MIB"; do
		rm -rf "$W/prof-big"
		mem "$n MiB, linked (?bundle=)" sh -c "$(command -v chromium) \
		    --headless --no-sandbox --disable-gpu \
		    --user-data-dir=$W/prof-big --virtual-time-budget=60000 \
		    --dump-dom '$BASE?bundle=big$n.qasid&key=$(urlenc "$KEY")'"
		v=$(python3 "$WP" verdict "$W/dom")
		case "$v" in OK*) ;; *) t_fail "linked $n MiB: verdict '$v'" ;; esac
		eval "link$n=\$PSS"
	done
	eval "pm=\$pick$mid pb=\$pick$BIG_MIB lm=\$link$mid lb=\$link$BIG_MIB"
	[ $((pb - pm)) -le "$more" ] ||
		t_fail "picked: $pb MiB for $BIG_MIB MiB, $pm for $mid: grows with the bundle"
	[ $((lb - lm)) -le "$more" ] ||
		t_fail "linked: $lb MiB for $BIG_MIB MiB, $lm for $mid: grows with the bundle"
	rm -f "$WWW/big$mid.qasid" "$WWW/big$BIG_MIB.qasid"
	t_end
fi
