#!/bin/sh
# SPDX-License-Identifier: ISC
# run.sh - runs every test: the unit-test programs, then each test script
# under tests/*/ (cli, interop, hostile, fuzz replay...). Each prints
# "PASS name", "FAIL name: why" or "SKIP name: why" lines; this counts them
# and ends with "N passed, N failed".
#
#   tests/run.sh BUILD_DIR [PATTERN]
#
# tests/kit/ tests the courier kit (make kit), not the build: with
# QASID_SUITE=kit (make test-kit) only those run, otherwise all the others.
set -u
B=${1:-build}
PAT=${2:-}
SUITE=${QASID_SUITE:-}
TOP=$(cd "$(dirname "$0")/.." && pwd)
B=$(cd "$B" && pwd)
export QASID="$B/qasid" QASID_BUILD="$B" QASID_TOP="$TOP"
log=$(mktemp)
trap 'rm -f "$log"' EXIT

for t in "$B"/tests/test_*; do
	[ -x "$t" ] && [ "$SUITE" != kit ] || continue
	case "$t" in *"$PAT"*) ;; *) continue ;; esac
	echo "== $(basename "$t")"
	"$t" 2>&1 | tee -a "$log" | grep -v '^PASS ' || true
done
for s in "$TOP"/tests/*/t-*.sh; do
	[ -f "$s" ] || continue
	case "$s" in *"$PAT"*) ;; *) continue ;; esac
	case "$SUITE:$s" in kit:"$TOP"/tests/kit/*) ;; kit:*) continue ;;
	*:"$TOP"/tests/kit/*) continue ;; esac
	echo "== ${s#"$TOP"/}"
	sh "$s" 2>&1 | tee -a "$log" | grep -v '^PASS ' || true
done
# Unit programs print their own total; count only the per-test lines.
passed=$(grep -c '^PASS ' "$log")
failed=$(grep -c '^FAIL ' "$log")
skipped=$(grep -c '^SKIP ' "$log")
grep '^FAIL ' "$log" | sed 's/^/  /'
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
