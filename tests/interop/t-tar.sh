#!/bin/sh
# SPDX-License-Identifier: ISC
# t-tar.sh - a bundle is a .tar.gz that stock tools read.
#
# GNU tar and bsdtar extract exactly the files that were packed, without a
# warning; sha256sum agrees with the originals; gzip reads it as one .gz.
# Checking the content by hand with these tools is tests/format/t-byhand.sh.
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
