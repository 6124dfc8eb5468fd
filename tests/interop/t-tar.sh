#!/bin/sh
# t-tar.sh - a bundle is a .tar.gz that stock tools read, and its content can
# be checked by hand.
#
# GNU tar and bsdtar extract exactly the files that were packed, without a
# warning; sha256sum agrees with the originals. The by-hand procedure works
# step by step and catches a changed file:
#   tar -xzf BUNDLE
#   minisign -Vm .qasid/manifest -p KEY.pub
#   sed -n 's/^file [0-7]* [0-9]* //p' .qasid/manifest | b2sum -c
. "$QASID_TOP/tests/lib.sh"

umask 022
t_keys
D="$W/in/report"
mkdir -p "$D/sous dossier" "$D/bin" "$D/empty folder" "$D/ملفات"
echo "plain text" >"$D/readme.txt"
printf 'caf\303\251 au lait\n' >"$D/sous dossier/naïve café.txt"
printf 'بيان\n' >"$D/ملفات/بيان.txt"
printf '#!/bin/sh\necho hi\n' >"$D/bin/run.sh"
chmod 755 "$D/bin/run.sh"
: >"$D/zero"
# More than one body member: random bytes (stored) then text (deflated).
head -c 1500000 /dev/urandom >"$D/big.bin"
seq 1 400000 >>"$D/big.bin"
(cd "$W/in" && find . -type f -exec sha256sum {} + | sort -k2) >"$W/sums"
run 0 "$QASID" pack -t "Report" -s "$W/k.sec" -o "$W/b.qasid" "$D"
nfiles=$(find "$D" -type f | wc -l)

# Same names, types, sizes, modes and content in two trees.
same_tree() {
	t_snapshot "$1" >"$W/snap1"
	t_snapshot "$2" >"$W/snap2"
	cmp -s "$W/snap1" "$W/snap2" ||
		t_fail "$2 differs from $1: $(diff "$W/snap1" "$W/snap2" | head -5)"
}

t_begin "GNU tar -xzf extracts the content as packed"
mkdir "$W/gnu"
run 0 tar -xzf "$W/b.qasid" -C "$W/gnu"
[ -s "$ERR" ] && t_fail "tar warned: $(head -c 300 "$ERR")"
same_tree "$W/in/report" "$W/gnu/report"
t_exists "$W/gnu/.qasid/manifest"
t_exists "$W/gnu/.qasid/manifest.minisig"
(cd "$W/gnu" && sha256sum -c --quiet "$W/sums") >"$W/sha.out" 2>&1 ||
	t_fail "sha256sum -c: $(head -c 300 "$W/sha.out")"
t_end

t_begin "GNU tar lists the manifest first, then the content"
run 0 tar -tzf "$W/b.qasid"
[ "$(sed -n 1p "$OUT")" = ".qasid/manifest" ] ||
	t_fail "first entry: $(sed -n 1p "$OUT")"
[ "$(sed -n 2p "$OUT")" = ".qasid/manifest.minisig" ] ||
	t_fail "second entry: $(sed -n 2p "$OUT")"
t_grep "^report/sous dossier/naïve café.txt$" "$OUT"
t_end

t_begin "bsdtar -xf extracts the content as packed"
if ! command -v bsdtar >/dev/null 2>&1; then
	t_skip "$T_NAME" "bsdtar is not installed (libarchive-tools)"
else
	mkdir "$W/bsd"
	run 0 bsdtar -xf "$W/b.qasid" -C "$W/bsd"
	[ -s "$ERR" ] && t_fail "bsdtar warned: $(head -c 300 "$ERR")"
	same_tree "$W/in/report" "$W/bsd/report"
	(cd "$W/bsd" && sha256sum -c --quiet "$W/sums") >"$W/sha.out" 2>&1 ||
		t_fail "sha256sum -c: $(head -c 300 "$W/sha.out")"
	t_end
fi

t_begin "gzip reads a bundle as one .gz"
gzip -t <"$W/b.qasid" 2>"$ERR" || t_fail "gzip -t: $(head -c 300 "$ERR")"
t_end

# The by-hand procedure, run the way the documentation tells a person to.
by_hand() {
	(cd "$1" &&
		minisign -Vm .qasid/manifest -p "$W/k.pub" &&
		sed -n 's/^file [0-7]* [0-9]* //p' .qasid/manifest | b2sum -c)
}

if ! command -v minisign >/dev/null 2>&1; then
	t_skip "verification by hand" "minisign is not installed"
	exit 0
fi

t_begin "verification by hand: tar, minisign -V, b2sum -c"
mkdir "$W/hand"
run 0 tar -xzf "$W/b.qasid" -C "$W/hand"
run 0 by_hand "$W/hand"
t_grep "Signature and comment signature verified" "$OUT"
ok=$(grep -c ': OK$' "$OUT")
[ "$ok" -eq "$nfiles" ] || t_fail "b2sum checked $ok files, want $nfiles"
t_end

t_begin "verification by hand catches a changed file"
printf 'x' >>"$W/hand/report/ملفات/بيان.txt"
run 1 by_hand "$W/hand"
t_grep "بيان.txt: FAILED" "$OUT"
t_end

t_begin "verification by hand catches a changed manifest"
mkdir "$W/hand2"
tar -xzf "$W/b.qasid" -C "$W/hand2"
sed 's/^title .*/title not what was signed/' "$W/hand2/.qasid/manifest" \
    >"$W/m" && cat "$W/m" >"$W/hand2/.qasid/manifest"
run 1 by_hand "$W/hand2"
t_grep "Signature verification failed" "$ERR"
t_nogrep ": OK$" "$OUT"
t_end
