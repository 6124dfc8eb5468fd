#!/bin/sh
# SPDX-License-Identifier: ISC
# sizes.sh - the size of every file of the kit, and the whole against the
# 16 MiB a stick's kit should fit in.
#
#   sh tools/kit/sizes.sh KIT_DIR
#
# The obj-* folders are the build's own, not the kit's: a publisher copies
# everything else. Over the goal, it says so (tests/kit/t-kit-size.sh
# fails then); the build itself goes on.
set -eu

kit=${1:?usage: sizes.sh KIT_DIR}
goal=$((16 * 1024 * 1024))
cd "$kit"
find . -path './obj-*' -prune -o -type f -print | sed 's|^\./||' | LC_ALL=C sort |
while IFS= read -r f; do
	printf '%10d  %s\n' "$(wc -c <"$f")" "$f"
done >.sizes
total=$(awk '{ s += $1 } END { print s + 0 }' .sizes)
cat .sizes
rm -f .sizes
printf '%10d  total (%d.%02d MiB of the %d MiB goal)\n' "$total" \
    $((total / 1048576)) $((total % 1048576 * 100 / 1048576)) $((goal / 1048576))
if [ "$total" -gt "$goal" ]; then
	echo "sizes.sh: $kit: over the $((goal / 1048576)) MiB goal" >&2
fi
