#!/bin/sh
# SPDX-License-Identifier: ISC
# t-kit-size.sh - the kit (make kit) holds what a stick needs and fits the
# 16 MiB goal: its README.txt, a qasid for each Linux machine, and no
# build leftovers counted.
. "$QASID_TOP/tests/lib.sh"

KIT=${QASID_KIT:-$QASID_TOP/build-kit}

t_begin "the kit has its README.txt and the Linux binaries"
for f in README.txt linux-x86_64/qasid linux-x86_64/locale/C.utf8/LC_CTYPE \
    linux-aarch64/qasid linux-armhf/qasid; do
	t_exists "$KIT/$f"
done
t_end

t_begin "the kit fits in 16 MiB (tools/kit/sizes.sh)"
run 0 sh "$QASID_TOP/tools/kit/sizes.sh" "$KIT"
t_grep "linux-aarch64/qasid" "$OUT"
t_grep "total" "$OUT"
t_nogrep "obj-" "$OUT"
t_nogrep "over the" "$ERR"
total=$(awk '$2 == "total" { print $1 }' "$OUT")
[ -n "$total" ] && [ "$total" -le 16777216 ] || t_fail "the kit is $total bytes"
t_end
