#!/bin/sh
# SPDX-License-Identifier: ISC
# check-layers.sh - src/core and src/format include no system header: only
# standard C's, the three libraries' and the project's own. Whatever differs
# between systems lives in src/os, so a port touches that folder and little
# else. Run by make; prints each offending line and fails.
set -u
cd "$(dirname "$0")/.." || exit 2
std='assert|ctype|errno|float|inttypes|limits|math|stdarg|stdbool|stddef'
std="$std|stdint|stdio|stdlib|string|time|sodium|zlib|archive|archive_entry"
bad=$(grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*<' \
    src/core/*.[ch] src/format/*.[ch] |
    grep -Ev "<($std)\.h>")
if [ -n "$bad" ]; then
	echo "qasid: src/core and src/format must include no system header" \
	    "(put the call in src/os):" >&2
	printf '%s\n' "$bad" >&2
	exit 1
fi
