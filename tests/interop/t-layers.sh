#!/bin/sh
# SPDX-License-Identifier: ISC
# t-layers.sh - tools/check-layers.sh, which make runs, keeps system headers
# in src/os: on a copy of the tree it passes as the tree is, and fails,
# naming the line, when a library folder or the tool includes a POSIX
# header; the tool's getopt.h and the files being reworked are let through.
. "$QASID_TOP/tests/lib.sh"

T="$W/tree"
mkdir -p "$T" && cp -R "$QASID_TOP/src" "$QASID_TOP/tools" "$T/" ||
	exit 2

layers() { sh "$T/tools/check-layers.sh" >"$OUT" 2>"$ERR"; }
# add FILE LINE: appends an include to a copy of FILE, for one check.
add() { cp "$T/$1" "$W/saved" && echo "$2" >>"$T/$1"; }
undo() { cp "$W/saved" "$T/$1"; }

t_begin "the tree as it is passes"
layers || t_fail "exit $?: $(cat "$ERR")"
t_end

for f in src/keys/keys.c src/pack/pack.c src/read/state.c \
    src/unpack/leftover.c src/repair/repair.c src/core/buf.c \
    src/cli/cli.c; do
	t_begin "a POSIX header in $f is refused"
	add "$f" "#include <unistd.h>"
	layers && t_fail "check-layers passed"
	t_grep "^qasid: outside src/os" "$ERR"
	t_grep "^$f:[0-9]*:#include <unistd.h>" "$ERR"
	undo "$f"
	t_end
done

t_begin "the library's own libraries and src/os are let through"
add src/os/dir.c "#include <sys/mman.h>"
layers || t_fail "exit $?: $(cat "$ERR")"
undo src/os/dir.c
add src/pack/meta_exif.c "#include <libexif/exif-data.h>"
layers || t_fail "exit $?: $(cat "$ERR")"
undo src/pack/meta_exif.c
t_end

t_begin "the tool may include getopt.h, the library may not"
add src/cli/cli_keys.c "#include <getopt.h>"
layers || t_fail "exit $?: $(cat "$ERR")"
undo src/cli/cli_keys.c
add src/read/read.c "#include <getopt.h>"
layers && t_fail "check-layers passed"
t_grep "^src/read/read.c:[0-9]*:#include <getopt.h>" "$ERR"
undo src/read/read.c
t_end
