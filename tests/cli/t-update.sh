#!/bin/sh
# SPDX-License-Identifier: ISC
# t-update.sh - a later sequence of a series unpacked where an earlier one
# was updates the folder in place: unchanged files kept (not rewritten),
# changed ones replaced, removed ones removed, new ones made; the same
# bundle again is "already unpacked"; an OLDER one is refused before the
# folder is touched; files the recipient changed stop the update and are
# all listed, or are kept as NAME.local with --keep-local; other series and
# the recipient's own files are never touched.
. "$QASID_TOP/tests/lib.sh"
. "$QASID_TOP/tests/cli/cli.sh"

t_keys
P="-p $W/k.pub"
# Week 14, then week 15: a.txt changed, rm.txt and old/ removed, sub/new.txt
# added, same.txt and sub/s.txt unchanged.
mkdir -p "$W/in/news/sub" "$W/in/news/old"
echo "a, week 14" >"$W/in/news/a.txt"
echo "the same every week" >"$W/in/news/same.txt"
echo "s" >"$W/in/news/sub/s.txt"
echo "old" >"$W/in/news/old/o.txt"
echo "removed next week" >"$W/in/news/rm.txt"
"$QASID" pack -s "$W/k.sec" -n news -N 14 -o "$W/w14.qasid" \
    "$W/in/news" >/dev/null
cp -r "$W/in/news" "$W/news14"
echo "a, week 15" >"$W/in/news/a.txt"
rm -r "$W/in/news/rm.txt" "$W/in/news/old"
echo "new in 15" >"$W/in/news/sub/new.txt"
mkdir "$W/in/news/extra"
echo "a new folder in 15" >"$W/in/news/extra/e.txt"
"$QASID" pack -s "$W/k.sec" -n news -N 15 -o "$W/w15.qasid" \
    "$W/in/news" >/dev/null
mkdir -p "$W/in/radio"
echo "radio 1" >"$W/in/radio/show.txt"
"$QASID" pack -s "$W/k.sec" -n radio -N 1 -o "$W/r1.qasid" \
    "$W/in/radio" >/dev/null

# The tree qasid unpacked, without its receipt.
tree_of() {
	(cd "$1" && find . ! -name '.qasid-receipt-*' -print0 |
	    LC_ALL=C sort -z | xargs -0 stat -c '%n %F %s' &&
	    find . -type f ! -name '.qasid-receipt-*' -print0 |
	    LC_ALL=C sort -z | xargs -0 -r b2sum)
}
want15() { tree_of "$W/in" >"$W/want15"; }
fresh14() {
	rm -rf "$W/d" "$QASID_STATE"
	"$QASID" unpack -q $P -C "$W/d" "$W/w14.qasid" >/dev/null ||
	    t_fail "unpacking week 14 failed"
}
mkdir -p "$W/exp" && cp -r "$W/in/news" "$W/exp/news"
tree_of "$W/exp" >"$W/want15"

t_begin "update: week 15 over week 14 becomes exactly week 15"
fresh14
ino_same=$(stat -c '%i %Y' "$W/d/news/same.txt")
run 0 "$QASID" unpack $P -C "$W/d" "$W/w15.qasid"
t_grep "^updated $W/d from news/14: 3 files written, 2 kept, 2 removed$" \
    "$OUT"
tree_of "$W/d" >"$W/got"
t_same "$W/want15" "$W/got"
[ "$(stat -c '%i %Y' "$W/d/news/same.txt")" = "$ino_same" ] ||
    t_fail "an unchanged file was rewritten"
t_grep "^sequence 15$" "$W/d/.qasid-receipt-$(keyid "$W/k.pub")-news"
t_no_leftovers "$W/d"
t_end

t_begin "update: the same bundle again is already unpacked (exit 0)"
t_snapshot "$W/d" >"$W/before"
run 0 "$QASID" unpack $P -C "$W/d" "$W/w15.qasid"
t_grep "^already unpacked into $W/d$" "$OUT"
t_snapshot "$W/d" >"$W/after"
t_same "$W/before" "$W/after"
t_end

t_begin "update: an OLDER bundle is refused before the folder is touched"
t_snapshot "$W/d" >"$W/before"
ls -la --time-style=full-iso "$W/d" | grep -v ' \.\.$' >"$W/before.ls"
run 1 "$QASID" unpack $P -C "$W/d" "$W/w14.qasid"
t_grep "OLDER news/14" "$ERR"
t_snapshot "$W/d" >"$W/after"
ls -la --time-style=full-iso "$W/d" | grep -v ' \.\.$' >"$W/after.ls"
t_same "$W/before" "$W/after"
t_same "$W/before.ls" "$W/after.ls"
t_end

t_begin "update: every file the recipient changed is listed, nothing changes (exit 2)"
fresh14
echo "my edit" >"$W/d/news/a.txt"
echo "my edit too" >"$W/d/news/rm.txt"
rm "$W/d/news/same.txt"
echo "mine" >"$W/d/news/sub/new.txt"
echo "my own notes" >"$W/d/news/notes.txt"
echo "mine, where week 15 has a folder" >"$W/d/news/extra"
t_snapshot "$W/d" >"$W/before"
run 2 "$QASID" unpack $P -C "$W/d" "$W/w15.qasid"
t_grep "^qasid: $W/d/news/a.txt: changed here since qasid unpacked it$" "$ERR"
t_grep "^qasid: $W/d/news/rm.txt: changed here since qasid unpacked it$" \
    "$ERR"
t_grep "^qasid: $W/d/news/same.txt: removed here since qasid unpacked it$" \
    "$ERR"
t_grep "^qasid: $W/d/news/sub/new.txt: made here, at a path of the bundle$" \
    "$ERR"
t_grep "^qasid: $W/d/news/extra: made here, at a path of the bundle$" "$ERR"
t_grep "^qasid: $W/d: 5 files changed here since qasid unpacked news/14; nothing was unpacked; --keep-local keeps your versions as NAME.local and updates$" "$ERR"
t_nogrep "notes.txt" "$ERR"
t_snapshot "$W/d" >"$W/after"
t_same "$W/before" "$W/after"
t_no_leftovers "$W/d"
t_end

t_begin "update: --keep-local keeps each changed file as NAME.local, and updates"
run 0 "$QASID" unpack $P --keep-local -C "$W/d" "$W/w15.qasid"
t_grep "^$W/d/news/a.txt: your version kept as news/a.txt.local$" "$OUT"
t_grep "^$W/d/news/rm.txt: your version kept as news/rm.txt.local$" "$OUT"
t_grep "^$W/d/news/sub/new.txt: your version kept as news/sub/new.txt.local$" \
    "$OUT"
t_grep "^my edit$" "$W/d/news/a.txt.local"
t_grep "^my edit too$" "$W/d/news/rm.txt.local"
t_grep "^mine$" "$W/d/news/sub/new.txt.local"
t_grep "^mine, where week 15 has a folder$" "$W/d/news/extra.local"
t_grep "^my own notes$" "$W/d/news/notes.txt"
mv "$W/d/news/a.txt.local" "$W/d/news/rm.txt.local" \
    "$W/d/news/sub/new.txt.local" "$W/d/news/notes.txt" \
    "$W/d/news/extra.local" "$W/"
tree_of "$W/d" >"$W/got"
t_same "$W/want15" "$W/got"
t_end

t_begin "update: two series share a folder; the recipient's own files stay"
fresh14
echo "mine" >"$W/d/mine.txt"
run 0 "$QASID" unpack $P -C "$W/d" "$W/r1.qasid"
t_grep "^unpacked 1 files into $W/d$" "$OUT"
t_snapshot "$W/d/radio" >"$W/before"
run 0 "$QASID" unpack $P -C "$W/d" "$W/w15.qasid"
t_grep "^updated $W/d from news/14: " "$OUT"
t_snapshot "$W/d/radio" >"$W/after"
t_same "$W/before" "$W/after"
t_grep "^mine$" "$W/d/mine.txt"
t_exists "$W/d/.qasid-receipt-$(keyid "$W/k.pub")-radio"
t_end

t_begin "update: a receipt that is not one qasid wrote stops it (exit 2)"
fresh14
R="$W/d/.qasid-receipt-$(keyid "$W/k.pub")-news"
sed -i 's/^f 644 /f 644 x/' "$R"
t_snapshot "$W/d" >"$W/before"
run 2 "$QASID" unpack $P -C "$W/d" "$W/w15.qasid"
t_grep "^qasid: $R: not a receipt qasid wrote (line 7); nothing was unpacked; remove it to unpack as into a new folder$" "$ERR"
t_snapshot "$W/d" >"$W/after"
t_same "$W/before" "$W/after"
t_end

t_begin "update: a file edited keeping its size and times is still caught"
fresh14
R="$W/d/.qasid-receipt-$(keyid "$W/k.pub")-news"
touch -r "$W/d/news/same.txt" "$W/ref"
echo "THE SAME EVERY WEEK" >"$W/d/news/same.txt"
touch -r "$W/ref" "$W/d/news/same.txt"
touch -d '1 minute' "$R"
run 2 "$QASID" unpack $P -C "$W/d" "$W/w15.qasid"
t_grep "^qasid: $W/d/news/same.txt: changed here since qasid unpacked it$" \
    "$ERR"
t_end

t_begin "update: a bundle with no series never updates another"
fresh14
mkdir -p "$W/in/plain"
echo "x" >"$W/in/plain/x.txt"
"$QASID" pack -s "$W/k.sec" -o "$W/p1.qasid" "$W/in/plain" >/dev/null
run 0 "$QASID" unpack $P -C "$W/d" "$W/p1.qasid"
run 2 "$QASID" unpack $P -C "$W/d" "$W/p1.qasid"
t_grep "already exists; nothing was unpacked" "$ERR"
t_absent "$W/d/.qasid-receipt-$(keyid "$W/k.pub")-default"
t_end

t_begin "update: a receipt that is a link, or names a path outside, stops it"
fresh14
R="$W/d/.qasid-receipt-$(keyid "$W/k.pub")-news"
mv "$R" "$W/r.saved"
ln -s "$W/r.saved" "$R"
run 2 "$QASID" unpack $P -C "$W/d" "$W/w15.qasid"
t_grep "^qasid: $R: not a receipt qasid wrote (line 0); nothing was unpacked" "$ERR"
rm "$R"
sed 's#^d news$#d ../news#' "$W/r.saved" >"$R"
t_snapshot "$W/d" >"$W/before"
run 2 "$QASID" unpack $P -C "$W/d" "$W/w15.qasid"
t_grep "^qasid: $R: not a receipt qasid wrote (line 6); nothing was unpacked" "$ERR"
t_snapshot "$W/d" >"$W/after"
t_same "$W/before" "$W/after"
t_end

t_begin "update: a forged receipt line for the recipient's file never removes it"
fresh14
R="$W/d/.qasid-receipt-$(keyid "$W/k.pub")-news"
echo "my own file" >"$W/d/news/zz-mine.txt"
h=$(printf '%0128d' 0)
echo "f 644 12 1 1 $h news/zz-mine.txt" >>"$R"
run 2 "$QASID" unpack $P -C "$W/d" "$W/w15.qasid"
t_grep "^qasid: $W/d/news/zz-mine.txt: changed here since qasid unpacked it$" \
    "$ERR"
run 0 "$QASID" unpack $P --keep-local -C "$W/d" "$W/w15.qasid"
t_grep "^my own file$" "$W/d/news/zz-mine.txt.local"
t_end
