#!/bin/sh
# SPDX-License-Identifier: ISC
# check-layers.sh - outside src/os, the library includes no system header:
# only standard C's, its libraries' (libarchive, libsodium, zlib, libexif,
# ISA-L) and the project's own. Whatever differs between systems lives in
# src/os, so a port touches that folder and little else. Run by make;
# prints each offending line and fails.
set -u
cd "$(dirname "$0")/.." || exit 2
# C11's headers (not signal.h nor threads.h), then the libraries'.
std='assert|complex|ctype|errno|fenv|float|inttypes|iso646|limits|locale'
std="$std|math|setjmp|stdalign|stdarg|stdatomic|stdbool|stddef|stdint"
std="$std|stdio|stdlib|stdnoreturn|string|tgmath|time|uchar|wchar|wctype"
std="$std|sodium|zlib|archive|archive_entry|libexif/exif-data"
std="$std|isa-l/erasure_code"
files=$(ls src/core/*.[ch] src/format/*.[ch] src/keys/*.[ch] src/pack/*.[ch] \
    src/read/*.[ch] src/unpack/*.[ch] src/repair/*.[ch])
# The tool (src/cli) may include two more: getopt.h for its command line
# (getopt_long; a port brings one) and signal.h (standard C; the POSIX
# sigaction is used only through cli_signals in cli_stop.c).
cli=$(ls src/cli/*.[ch])
# verify.html's entry points (src/web) may include emscripten.h, and they
# alone: the reader itself knows nothing of the browser.
web=$(ls src/web/*.[ch])
bad=$( (grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*<' $files |
    grep -Ev "<($std)\.h>"
    grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*<' $cli |
    grep -Ev "<($std|getopt|signal)\.h>"
    grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*<' $web |
    grep -Ev "<($std|emscripten)\.h>") )
if [ -n "$bad" ]; then
	echo "qasid: outside src/os, qasid includes no system header" \
	    "(put the call in src/os):" >&2
	printf '%s\n' "$bad" >&2
	exit 1
fi
