#!/bin/sh
# SPDX-License-Identifier: ISC
# t-pack.sh - what pack refuses, at pack time, with exit 2 and the path in
# the message: symbolic links, FIFOs and other special files, and names a
# FAT/exFAT stick or a Windows machine cannot hold; and bad metadata. A
# refused pack leaves no bundle behind.
. "$QASID_TOP/tests/lib.sh"
. "$QASID_TOP/tests/cli/cli.sh"

t_keys

# refused NAME WHY: a folder holding one good file and the named thing
# cannot be packed; exit 2, the thing's path and WHY in one line on stderr.
refused() {
	run 2 "$QASID" pack -s "$W/k.sec" -o "$W/r.qasid" "$W/r"
	t_lines 1 "$ERR"
	case $(cat "$ERR") in
	"qasid: $W/r/$1: "*"$2"*) ;;
	*) t_fail "message: $(cat "$ERR")" ;;
	esac
	t_empty "$OUT"
	t_absent "$W/r.qasid"
	r_tmp=$(find "$W" -maxdepth 1 -name '*.qasid-*')
	[ -z "$r_tmp" ] || t_fail "temporary file left: $r_tmp"
}
fresh() {
	rm -rf "$W/r"
	mkdir -p "$W/r"
	printf 'fine\n' >"$W/r/fine.txt"
}

t_begin "pack refuses a symbolic link"
fresh
ln -s fine.txt "$W/r/link.txt"
refused link.txt "symbolic link"
t_end

t_begin "pack refuses a symbolic link to a folder, and a dangling one"
fresh
mkdir -p "$W/elsewhere"
ln -s "$W/elsewhere" "$W/r/shortcut"
refused shortcut "symbolic link"
fresh
ln -s "$W/nowhere" "$W/r/dangling"
refused dangling "symbolic link"
t_end

t_begin "pack refuses a symbolic link named on the command line"
ln -s "$W/r" "$W/r-link"
run 2 "$QASID" pack -s "$W/k.sec" -o "$W/r.qasid" "$W/r-link"
t_grep "^qasid: $W/r-link: .*symbolic link" "$ERR"
t_absent "$W/r.qasid"
t_end

t_begin "pack refuses a FIFO"
fresh
mkfifo "$W/r/pipe"
refused pipe "FIFO"
t_end

t_begin "pack refuses a name with ':'"
fresh
printf 'x\n' >"$W/r/minutes 10:30.txt"
refused "minutes 10:30.txt" "':'"
t_end

t_begin "pack refuses a name with a trailing dot"
fresh
printf 'x\n' >"$W/r/report."
refused "report." "ends with '.'"
t_end

t_begin "pack refuses a name with a trailing space"
fresh
printf 'x\n' >"$W/r/report "
refused "report " "ends with a space"
t_end

t_begin "pack refuses a Windows device name: CON.txt"
fresh
printf 'x\n' >"$W/r/CON.txt"
refused CON.txt "reserved on Windows"
t_end

t_begin "pack refuses other reserved names in any case"
for n in nul aux.md Com1 LPT9.log; do
	fresh
	printf 'x\n' >"$W/r/$n"
	refused "$n" "reserved on Windows"
done
t_end

t_begin "pack refuses characters FAT cannot hold"
for n in 'a<b' 'a>b' 'what?' 'star*' 'pipe|d' 'quote"d' 'back\slash'; do
	fresh
	printf 'x\n' >"$W/r/$n"
	refused "$n" "not allowed"
done
t_end

t_begin "pack refuses a bad name deep inside a folder"
fresh
mkdir -p "$W/r/a/b/c"
printf 'x\n' >"$W/r/a/b/c/late:name.txt"
refused "a/b/c/late:name.txt" "':'"
t_end

t_begin "pack refuses two names only case tells apart"
fresh
printf 'x\n' >"$W/r/Report.txt"
printf 'y\n' >"$W/r/report.txt"
run 2 "$QASID" pack -s "$W/k.sec" -o "$W/r.qasid" "$W/r"
t_grep "^qasid: " "$ERR"
t_grep "eport.txt" "$ERR"
t_absent "$W/r.qasid"
t_end

t_begin "pack refuses a folder named .qasid"
fresh
mkdir -p "$W/r/.qasid"
printf 'x\n' >"$W/r/.qasid/manifest"
run 2 "$QASID" pack -s "$W/k.sec" -o "$W/r.qasid" "$W/r/.qasid"
t_grep "\.qasid" "$ERR"
t_absent "$W/r.qasid"
t_end

t_begin "pack refuses a bad title, series or sequence (exit 2)"
fresh
run 2 "$QASID" pack -s "$W/k.sec" -o "$W/r.qasid" -t "$(printf 'two\nlines')" \
    "$W/r"
t_grep "title" "$ERR"
run 2 "$QASID" pack -s "$W/k.sec" -o "$W/r.qasid" -n "news/2024" "$W/r"
t_grep "series" "$ERR"
run 2 "$QASID" pack -s "$W/k.sec" -o "$W/r.qasid" -n "" "$W/r"
run 2 "$QASID" pack -s "$W/k.sec" -o "$W/r.qasid" -N -1 "$W/r"
run 2 "$QASID" pack -s "$W/k.sec" -o "$W/r.qasid" -N 12abc "$W/r"
t_grep "12abc" "$ERR"
run 2 "$QASID" pack -s "$W/k.sec" -o "$W/r.qasid" -j 1000 "$W/r"
t_absent "$W/r.qasid"
t_end

t_begin "pack of nothing, or of a missing path, is an error (exit 2)"
run 2 "$QASID" pack -s "$W/k.sec" -o "$W/r.qasid"
run 2 "$QASID" pack -s "$W/k.sec" -o "$W/r.qasid" "$W/missing"
t_grep "^qasid: $W/missing: No such file" "$ERR"
run 2 "$QASID" pack -s "$W/k.sec" -o "$W/no/such/dir/r.qasid" "$W/r"
t_grep "$W/no/such/dir" "$ERR"
t_absent "$W/r.qasid"
t_end

t_begin "the good names around the refused ones pack fine"
fresh
printf 'x\n' >"$W/r/minutes 10.30.txt"
printf 'x\n' >"$W/r/.hidden"
printf 'x\n' >"$W/r/console.txt"
printf 'x\n' >"$W/r/$FA_FILE"
run 0 "$QASID" pack -s "$W/k.sec" -o "$W/r.qasid" "$W/r"
run 0 "$QASID" verify -p "$W/k.pub" "$W/r.qasid"
t_grep " 5 files" "$OUT"
t_end

if ! t_perms_apply; then
	t_skip "an unreadable file is an error (exit 2)" "root whose capabilities cannot be dropped"
else
	t_begin "an unreadable file is an error (exit 2)"
	fresh
	printf 'secret\n' >"$W/r/locked.txt"
	chmod 0000 "$W/r/locked.txt"
	run 2 $T_NOPERM "$QASID" pack -s "$W/k.sec" -o "$W/u.qasid" "$W/r"
	t_grep "^qasid: $W/r/locked.txt: Permission denied" "$ERR"
	t_absent "$W/u.qasid"
	chmod 0644 "$W/r/locked.txt"
	t_end
fi
