#!/bin/sh
# SPDX-License-Identifier: ISC
# t-unpack.sh - qasid unpack is all or nothing: a failure leaves the
# destination exactly as it was (and everything beside it untouched); it
# never overwrites; it never leaves its staging folder behind; and it
# cleans up, or finishes, what a killed run left.
. "$QASID_TOP/tests/lib.sh"
. "$QASID_TOP/tests/cli/cli.sh"

t_keys
"$QASID" keygen -W -p "$W/other.pub" -s "$W/other.sec" >/dev/null
make_drop "$W/src/drop"
# A large bundle: many members, the last one far from the first.
head -c 20000000 /dev/urandom >"$W/src/drop/media/video.bin"
yes "Minutes of the assembly, read aloud." | head -c 12000000 \
    >>"$W/src/drop/media/video.bin"
"$QASID" pack -s "$W/k.sec" -o "$W/big.qasid" -t "Week 3" "$W/src/drop" \
    >/dev/null
mkdir -p "$W/small/report"
printf 'The small report.\n' >"$W/small/report/summary.txt"
"$QASID" pack -s "$W/k.sec" -o "$W/small.qasid" "$W/small/report" >/dev/null

# A destination that already holds things, one of them a folder the bundle
# also has, and a sentinel folder beside it.
fresh_dest() {
	rm -rf "$W/u"
	mkdir -p "$W/u/dest/drop/statements" "$W/u/dest/notes" "$W/u/sentinel"
	printf 'mine\n' >"$W/u/dest/notes/todo.txt"
	printf 'also mine\n' >"$W/u/dest/drop/statements/my-notes.txt"
	printf 'beside\n' >"$W/u/sentinel/keep.txt"
}
snap() {
	t_snapshot "$W/u/dest" >"$W/$1.dest"
	t_snapshot "$W/u/sentinel" >"$W/$1.sentinel"
	find "$W/u" -mindepth 1 -maxdepth 1 -printf '%M %f\n' | LC_ALL=C sort \
	    >"$W/$1.parent"
}
same_as_before() {
	snap after
	t_same "$W/before.dest" "$W/after.dest"
	t_same "$W/before.sentinel" "$W/after.sentinel"
	t_same "$W/before.parent" "$W/after.parent"
	t_no_leftovers "$W/u"
}

t_begin "a corrupt byte at the very end of a large bundle: DIR as it was"
cp "$W/big.qasid" "$W/bad-end.qasid"
flip "$W/bad-end.qasid" -1
fresh_dest
snap before
run 1 "$QASID" unpack -p "$W/k.pub" -C "$W/u/dest" "$W/bad-end.qasid"
t_empty "$OUT"
t_grep "^qasid: $W/bad-end.qasid: " "$ERR"
same_as_before
t_end

t_begin "a corrupt byte in the last file's data: DIR as it was"
cp "$W/big.qasid" "$W/bad-data.qasid"
flip "$W/bad-data.qasid" -5000
fresh_dest
snap before
run 1 "$QASID" unpack -p "$W/k.pub" -C "$W/u/dest" "$W/bad-data.qasid"
same_as_before
t_end

t_begin "an untrusted key: DIR as it was"
fresh_dest
snap before
run 1 "$QASID" unpack -p "$W/other.pub" -C "$W/u/dest" "$W/big.qasid"
t_grep "not trusted" "$ERR"
same_as_before
t_end

t_begin "a failed unpack into a new folder does not leave the folder"
fresh_dest
snap before
run 1 "$QASID" unpack -p "$W/k.pub" -C "$W/u/new" "$W/bad-end.qasid"
t_absent "$W/u/new"
same_as_before
t_end

t_begin "unpack refuses to overwrite an existing file (exit 2, nothing new)"
fresh_dest
mkdir -p "$W/u/dest/report"
printf 'an older summary\n' >"$W/u/dest/report/summary.txt"
snap before
run 2 "$QASID" unpack -p "$W/k.pub" -C "$W/u/dest" "$W/small.qasid"
t_grep "^qasid: .*report/summary.txt.*exists" "$ERR"
same_as_before
t_end

t_begin "unpacking the same bundle twice: the second refuses (exit 2)"
fresh_dest
run 0 "$QASID" unpack -p "$W/k.pub" -C "$W/u/dest" "$W/big.qasid"
snap before
run 2 "$QASID" unpack -p "$W/k.pub" -C "$W/u/dest" "$W/big.qasid"
t_grep "exists" "$ERR"
same_as_before
t_end

t_begin "a successful unpack adds the bundle and keeps what was there"
fresh_dest
snap before
run 0 "$QASID" unpack -p "$W/k.pub" -C "$W/u/dest" "$W/big.qasid"
t_grep "unpacked 9 files into $W/u/dest" "$OUT"
t_same "$W/src/drop/media/video.bin" "$W/u/dest/drop/media/video.bin"
t_same "$W/src/drop/statements/$MY_FILE" "$W/u/dest/drop/statements/$MY_FILE"
t_grep "^mine\$" "$W/u/dest/notes/todo.txt"
t_grep "^also mine\$" "$W/u/dest/drop/statements/my-notes.txt"
rm "$W/u/dest/drop/statements/my-notes.txt"
rm -r "$W/u/dest/notes"
diff -r "$W/src/drop" "$W/u/dest/drop" >/dev/null || t_fail "trees differ"
t_no_leftovers "$W/u"
t_end

t_begin "unpacked files are identical, 0644/0755, no setuid, the user's"
(cd "$W/u/dest" && find drop -type f -exec stat -c '%a %n' {} + |
    LC_ALL=C sort) >"$W/modes.got"
(cd "$W/src" && find drop -type f -exec stat -c '%a %n' {} + |
    LC_ALL=C sort) >"$W/modes.want"
t_same "$W/modes.want" "$W/modes.got"
t_grep "^755 drop/tools/readme.sh\$" "$W/modes.got"
t_grep "^644 drop/statements/empty.txt\$" "$W/modes.got"
[ -z "$(find "$W/u/dest" -perm /7000)" ] || t_fail "special mode bits"
[ -z "$(find "$W/u/dest" ! -user "$(id -u)")" ] || t_fail "owner"
[ -z "$(find "$W/u/dest" ! -type f ! -type d)" ] || t_fail "not file/folder"
t_end

t_begin "a staging folder left without commit marker is removed"
fresh_dest
mkdir -p "$W/u/dest/.qasid-unpack-Ab12Cd/report"
printf 'half written\n' >"$W/u/dest/.qasid-unpack-Ab12Cd/report/summary.txt"
printf 'junk\n' >"$W/u/dest/.qasid-unpack-Ab12Cd/junk.txt"
chmod 0700 "$W/u/dest/.qasid-unpack-Ab12Cd"
run 0 "$QASID" unpack -p "$W/k.pub" -C "$W/u/dest" "$W/small.qasid"
t_absent "$W/u/dest/.qasid-unpack-Ab12Cd"
t_absent "$W/u/dest/junk.txt"
t_same "$W/small/report/summary.txt" "$W/u/dest/report/summary.txt"
t_no_leftovers "$W/u"
t_end

# The commit marker of a leftover of BUNDLE, as a killed unpack writes it:
# it names the bundle by the BLAKE2b-512 of its signed manifest.
mark_for() {
	printf 'qasid-committed 1 %s\n' "$(tar -xzOf "$1" .qasid/manifest 2>/dev/null |
	    b2sum | cut -d' ' -f1)"
}
# plant STAGE: a staging folder as an attacker would prepare it on a stick:
# a setuid script, a FIFO, a link to /etc, a device (as root), a hard link,
# and forged content at one of small.qasid's own paths.
plant() {
	mkdir -p "$1/report" "$1/bin"
	printf '#!/bin/sh\nid\n' >"$1/bin/evil.sh"
	chmod 4755 "$1/bin/evil.sh"
	mkfifo "$1/fifo"
	ln -s /etc "$1/etc"
	[ "$(id -u)" -ne 0 ] || mknod "$1/null" c 1 3
	printf 'forged\n' >"$1/report/summary.txt"
	ln "$1/report/summary.txt" "$1/hard.txt"
	chmod 0700 "$1"
}
planted_absent() {
	for p in bin etc fifo null hard.txt; do t_absent "$W/u/dest/$p"; done
	[ -z "$(find "$W/u/dest" -perm /7000)" ] || t_fail "setuid published"
	[ -z "$(find "$W/u/dest" ! -type f ! -type d)" ] ||
		t_fail "not file/folder published"
}

t_begin "a planted staging folder with an empty commit marker is not published"
fresh_dest
stage="$W/u/dest/.qasid-unpack-Zz98Yx"
plant "$stage"
: >"$stage/.qasid-committed"
run 0 "$QASID" unpack -p "$W/k.pub" -C "$W/u/dest" "$W/small.qasid"
planted_absent
t_same "$W/small/report/summary.txt" "$W/u/dest/report/summary.txt"
t_absent "$stage"
t_no_leftovers "$W/u"
t_end

t_begin "a planted staging folder marked as this very bundle is checked, removed"
fresh_dest
stage="$W/u/dest/.qasid-unpack-Pl4nT1"
plant "$stage"
mark_for "$W/small.qasid" >"$stage/.qasid-committed"
run 0 "$QASID" unpack -p "$W/k.pub" -C "$W/u/dest" "$W/small.qasid"
planted_absent
t_same "$W/small/report/summary.txt" "$W/u/dest/report/summary.txt"
t_no_leftovers "$W/u"
t_end

t_begin "forged content at a bundle path, marked as this bundle, is not published"
fresh_dest
stage="$W/u/dest/.qasid-unpack-F0rGed"
mkdir -p "$stage/report"
printf 'The small report!\n' >"$stage/report/summary.txt"
mark_for "$W/small.qasid" >"$stage/.qasid-committed"
chmod 0700 "$stage"
run 0 "$QASID" unpack -p "$W/k.pub" -C "$W/u/dest" "$W/small.qasid"
t_same "$W/small/report/summary.txt" "$W/u/dest/report/summary.txt"
t_no_leftovers "$W/u"
t_end

t_begin "a damaged bundle with a plant: exit 1 and nothing planted appears"
fresh_dest
snap before
stage="$W/u/dest/.qasid-unpack-Dm4g3d"
plant "$stage"
mark_for "$W/bad-end.qasid" >"$stage/.qasid-committed"
run 1 "$QASID" unpack -p "$W/k.pub" -C "$W/u/dest" "$W/bad-end.qasid"
t_grep "^qasid: $W/bad-end.qasid: " "$ERR"
planted_absent
same_as_before
t_end

t_begin "a genuine leftover killed while publishing is finished by the same bundle"
fresh_dest
stage="$W/u/dest/.qasid-unpack-K1lled"
# What a run killed halfway through publishing leaves: one file already
# moved into place, the rest still staged.
mkdir -p "$stage/drop/media" "$W/u/dest/drop/statements"
cp -p "$W/src/drop/media/video.bin" "$stage/drop/media/"
(cd "$W/src" && find drop -type d) | while read -r d; do
	mkdir -p "$stage/$d"; done
(cd "$W/src" && find drop -type f) | while read -r f; do
	cp "$W/src/$f" "$stage/$f"
	if [ -x "$W/src/$f" ]; then chmod 0755 "$stage/$f"
	else chmod 0644 "$stage/$f"; fi
done
mv "$stage/drop/statements/$MY_FILE" "$W/u/dest/drop/statements/"
mark_for "$W/big.qasid" >"$stage/.qasid-committed"
chmod 0700 "$stage"
run 0 "$QASID" unpack -p "$W/k.pub" -C "$W/u/dest" "$W/big.qasid"
t_grep "unpacked 9 files" "$OUT"
rm "$W/u/dest/drop/statements/my-notes.txt"
diff -r "$W/src/drop" "$W/u/dest/drop" >/dev/null || t_fail "trees differ"
t_no_leftovers "$W/u"
t_end

t_begin "a committed leftover of another bundle stays for that bundle's unpack"
fresh_dest
stage="$W/u/dest/.qasid-unpack-0th3rB"
mkdir -p "$stage/report"
cp "$W/small/report/summary.txt" "$stage/report/"
mark_for "$W/small.qasid" >"$stage/.qasid-committed"
chmod 0700 "$stage"
run 0 "$QASID" unpack -p "$W/k.pub" -C "$W/u/dest" "$W/big.qasid"
t_exists "$stage/report/summary.txt"
t_absent "$W/u/dest/report"
run 0 "$QASID" unpack -p "$W/k.pub" -C "$W/u/dest" "$W/small.qasid"
t_same "$W/small/report/summary.txt" "$W/u/dest/report/summary.txt"
t_no_leftovers "$W/u"
t_end

if [ "$(id -u)" -eq 0 ]; then
	t_begin "someone else's staging folder is neither published nor removed"
	fresh_dest
	stage="$W/u/dest/.qasid-unpack-N0b0dy"
	mkdir -p "$stage/report"
	cp "$W/small/report/summary.txt" "$stage/report/"
	mark_for "$W/small.qasid" >"$stage/.qasid-committed"
	chown -R 65534 "$stage"
	run 0 "$QASID" unpack -p "$W/k.pub" -C "$W/u/dest" "$W/big.qasid"
	t_exists "$stage/report/summary.txt"
	t_absent "$W/u/dest/report"
	rm -rf "$stage"
	t_end
fi

t_begin "unpacked files and folders both follow the umask, as tar's do"
rm -rf "$W/um"
(umask 027 && "$QASID" unpack -q -p "$W/k.pub" -C "$W/um" "$W/big.qasid") ||
	t_fail "unpack failed"
(cd "$W/um" && find drop -exec stat -c '%a %n' {} + | LC_ALL=C sort) \
    >"$W/um.modes"
t_grep "^750 drop/tools/readme.sh\$" "$W/um.modes"
t_grep "^640 drop/statements/empty.txt\$" "$W/um.modes"
t_grep "^750 drop/tools\$" "$W/um.modes"
t_end

t_begin "a leftover is cleaned even when the new unpack then fails"
fresh_dest
mkdir -p "$W/u/dest/.qasid-unpack-Qq11Ww"
printf 'junk\n' >"$W/u/dest/.qasid-unpack-Qq11Ww/junk.txt"
run 1 "$QASID" unpack -p "$W/k.pub" -C "$W/u/dest" "$W/bad-end.qasid"
t_no_leftovers "$W/u"
t_absent "$W/u/dest/drop/media"
t_end

t_begin "unpack never writes through a symbolic link named as DIR"
mkdir -p "$W/real"
ln -s "$W/real" "$W/link"
# Refused; whether as the bundle's fault (1) or not (2) is not the point.
"$QASID" unpack -p "$W/k.pub" -C "$W/link" "$W/small.qasid" >"$OUT" 2>"$ERR"
st=$?
[ "$st" -eq 1 ] || [ "$st" -eq 2 ] || t_fail "exit $st, want 1 or 2"
t_grep "^qasid: $W/link" "$ERR"
[ -z "$(ls -A "$W/real")" ] || t_fail "wrote into the link's target"
t_end

if ! t_perms_apply; then
	t_skip "an unwritable DIR is an error (exit 2)" "root whose capabilities cannot be dropped"
else
	t_begin "an unwritable DIR is an error (exit 2)"
	mkdir -p "$W/ro"
	chmod 0555 "$W/ro"
	run 2 $T_NOPERM "$QASID" unpack -p "$W/k.pub" -C "$W/ro" "$W/small.qasid"
	t_grep "^qasid: $W/ro" "$ERR"
	t_grep "Permission denied" "$ERR"
	chmod 0755 "$W/ro"
	[ -z "$(ls -A "$W/ro")" ] || t_fail "left something in it"
	t_end
fi

t_begin "unpack usage errors exit 2"
run 2 "$QASID" unpack -p "$W/k.pub" "$W/small.qasid"
run 2 "$QASID" unpack -p "$W/k.pub" -C "$W/x" "$W/missing.qasid"
t_grep "$W/missing.qasid" "$ERR"
t_absent "$W/x"
t_end
