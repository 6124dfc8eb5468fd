#!/bin/sh
# t-byhand.sh - where qasid is not installed, stock tools still get the
# content out and check it: tar -xzf, then minisign -Vm .qasid/manifest,
# then the manifest's file lines through b2sum -c.
. "$QASID_TOP/tests/lib.sh"
. "$QASID_TOP/tests/cli/cli.sh"

t_keys
"$QASID" keygen -W -p "$W/other.pub" -s "$W/other.sec" >/dev/null
make_drop "$W/src/drop"
"$QASID" pack -s "$W/k.sec" -o "$W/drop.qasid" -t "Week 3" -n news -N 3 \
    "$W/src/drop" >/dev/null

t_begin "tar -xzf unpacks a bundle: the manifest first, then the files"
mkdir -p "$W/x"
run 0 tar -xzf "$W/drop.qasid" -C "$W/x"
t_exists "$W/x/.qasid/manifest"
t_exists "$W/x/.qasid/manifest.minisig"
diff -r "$W/src/drop" "$W/x/drop" >/dev/null || t_fail "content differs"
run 0 tar -tzf "$W/drop.qasid"
[ "$(sed -n 1p "$OUT")" = ".qasid/manifest" ] ||
    t_fail "first entry: $(sed -n 1p "$OUT")"
[ "$(sed -n 2p "$OUT")" = ".qasid/manifest.minisig" ] ||
    t_fail "second entry: $(sed -n 2p "$OUT")"
t_grep "^drop/statements/$FA_DIR/$FA_FILE\$" "$OUT"
t_end

t_begin "bsdtar and gzip read it too"
run 0 bsdtar -tzf "$W/drop.qasid"
t_grep "^drop/statements/$MY_FILE\$" "$OUT"
run 0 gzip -t "$W/drop.qasid"
gzip -dc "$W/drop.qasid" >"$W/drop.tar" || t_fail "gzip -dc"
run 0 tar -tf "$W/drop.tar"
t_grep "^drop/tools/readme.sh\$" "$OUT"
t_end

t_begin "minisign -Vm .qasid/manifest checks the signature"
if t_need minisign; then
	cd "$W/x" || exit 2
	run 0 minisign -Vm .qasid/manifest -p "$W/k.pub"
	t_grep "^Trusted comment: qasid-bundle 1 head:[0-9a-f]\{64\}\$" "$OUT"
	run 1 minisign -Vm .qasid/manifest -p "$W/other.pub"
	cd "$W" || exit 2
fi
t_end

t_begin "the manifest's file lines check every file with b2sum -c"
cd "$W/x" || exit 2
sed -n 's/^file [0-7]* [0-9]* //p' .qasid/manifest >"$W/sums"
t_lines 8 "$W/sums"
run 0 b2sum -c "$W/sums"
t_lines 8 "$OUT"
t_grep "^drop/statements/$FA_DIR/older/$RU_FILE: OK\$" "$OUT"
t_grep "^drop/media/photos/courtyard.jpg: OK\$" "$OUT"
cd "$W" || exit 2
t_end

t_begin "by hand, a changed file or manifest is caught"
cd "$W/x" || exit 2
printf 'forged\n' >>drop/statements/statement-en.txt
run 1 b2sum -c "$W/sums"
t_grep "^drop/statements/statement-en.txt: FAILED\$" "$OUT"
if t_need minisign; then
	sed 's/^title Week 3$/title Week 4/' .qasid/manifest >"$W/m2"
	cp "$W/m2" .qasid/manifest
	run 1 minisign -Vm .qasid/manifest -p "$W/k.pub"
fi
cd "$W" || exit 2
t_end
