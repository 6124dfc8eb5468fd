#!/bin/sh
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

t_begin "a staging folder left with its commit marker is finished"
fresh_dest
stage="$W/u/dest/.qasid-unpack-Zz98Yx"
mkdir -p "$stage/older/sub"
printf 'verified before the crash\n' >"$stage/older/sub/minutes.txt"
printf 'also verified\n' >"$stage/older/list.txt"
: >"$stage/.qasid-committed"
chmod 0700 "$stage"
run 0 "$QASID" unpack -p "$W/k.pub" -C "$W/u/dest" "$W/small.qasid"
t_grep "^verified before the crash\$" "$W/u/dest/older/sub/minutes.txt"
t_grep "^also verified\$" "$W/u/dest/older/list.txt"
t_same "$W/small/report/summary.txt" "$W/u/dest/report/summary.txt"
t_absent "$stage"
t_absent "$W/u/dest/.qasid-committed"
t_no_leftovers "$W/u"
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
run 2 "$QASID" unpack -p "$W/k.pub" -C "$W/x" "$W/small.qasid" \
    "$W/big.qasid"
run 2 "$QASID" unpack -p "$W/k.pub" -C "$W/x" "$W/missing.qasid"
t_grep "$W/missing.qasid" "$ERR"
t_absent "$W/x"
t_end
