#!/bin/sh
# SPDX-License-Identifier: ISC
# t-man.sh - the manual pages: qasid(1) and qasid(3) render without
# warnings, qasid(1) names every command and option the tool has, qasid(3)
# every function of include/qasid.h, and the example in qasid(3) compiles
# and works.
. "$QASID_TOP/tests/lib.sh"

D="$QASID_TOP/docs"
F="$QASID_TOP/tests/format"

if ! command -v groff >/dev/null 2>&1; then
	t_skip "manual pages" "groff is not installed (Debian: groff-base)"
	exit 0
fi

# Plain text of a page, one line per paragraph as far as possible.
render() {
	groff -man -Tascii -rLL=400n -rHY=0 -P-c -P-b -P-o -P-u "$1" 2>/dev/null
}
render "$D/qasid.1" >"$W/qasid.1.txt"
render "$D/qasid.3" >"$W/qasid.3.txt"

for page in qasid.1 qasid.3; do
	t_begin "man: $page renders without warnings"
	run 0 groff -ww -man -z "$D/$page"
	[ -s "$ERR" ] && t_fail "groff: $(head -c 300 "$ERR")"
	if command -v man >/dev/null 2>&1; then
		MANWIDTH=80 man -l "$D/$page" >"$W/man.out" 2>"$W/man.err"
		[ -s "$W/man.err" ] && t_fail "man: $(head -c 300 "$W/man.err")"
		[ -s "$W/man.out" ] || t_fail "man -l printed nothing"
	fi
	t_end
done

t_begin "man: qasid(1) has the sections a user looks for"
for s in NAME SYNOPSIS DESCRIPTION COMMANDS OPTIONS ENVIRONMENT FILES \
    "EXIT STATUS" EXAMPLES SECURITY "SEE ALSO"; do
	grep -q "^$s\$" "$W/qasid.1.txt" || t_fail "no section $s"
done
for v in QASID_KEYRING XDG_CONFIG_HOME HOME SOURCE_DATE_EPOCH \
    "minisign(1)" "tar(1)" "b2sum(1)"; do
	grep -q -- "$v" "$W/qasid.1.txt" || t_fail "$v not mentioned"
done
t_end

t_begin "man: qasid(1) describes every command of qasid help"
"$QASID" help >"$W/help" 2>&1
sed -n 's/^  \([a-z][a-z]*\)  .*/\1/p' "$W/help" >"$W/commands"
[ "$(wc -l <"$W/commands")" -ge 6 ] ||
	t_fail "qasid help lists only $(wc -l <"$W/commands") commands"
for c in $(cat "$W/commands") help --version "trust add" "trust list" \
    "trust remove"; do
	grep -q -- "^       $c" "$W/qasid.1.txt" ||
		t_fail "command '$c' has no entry under COMMANDS"
done
t_end

t_begin "man: qasid(1) names every option of qasid help COMMAND"
: >"$W/opts"
for c in $(cat "$W/commands"); do
	"$QASID" help "$c" >"$W/h.$c" 2>&1
	grep -q "$c" "$W/h.$c" || t_fail "qasid help $c says nothing about $c"
	grep -oE -- '(^|[[:space:][(|,])--?[A-Za-z][A-Za-z-]*' "$W/h.$c" |
	    sed 's/^[^-]*//' >>"$W/opts"
done
[ "$(sort -u "$W/opts" | wc -l)" -ge 10 ] || t_fail "too few options found"
for o in $(sort -u "$W/opts"); do
	grep -q -- "$o\\b" "$W/qasid.1.txt" || t_fail "option $o not in qasid.1"
done
t_end

t_begin "man: qasid(1) names every option the source parses"
sed -n -e 's/.*getopt_long(argc, argv, "\([^"]*\)".*/\1/p' \
    -e 's/.*snprintf(optstr, sizeof(optstr), "\([^"]*\)".*/\1/p' \
    -e 's/.*keyopt_parse(argc, argv, "[a-z]*", "\([^"]*\)".*/\1/p' \
    "$QASID_TOP"/src/cli/cli*.c | sed 's/%s//g; s/://g' | fold -w1 | sort -u \
    >"$W/short"
sed -n 's/.*{"\([a-z-]*\)", *\(no\|required\|optional\)_argument.*/\1/p' \
    "$QASID_TOP"/src/cli/cli*.c | sort -u >"$W/long"
[ "$(wc -l <"$W/short")" -ge 12 ] || t_fail "found only $(wc -l <"$W/short") short options in src/cli/cli*.c"
[ "$(wc -l <"$W/long")" -ge 4 ] || t_fail "found only $(wc -l <"$W/long") long options in src/cli/cli*.c"
for o in $(cat "$W/short"); do
	grep -q -- "-$o\\b" "$W/qasid.1.txt" || t_fail "option -$o not in qasid.1"
done
for o in $(cat "$W/long"); do
	grep -q -- "--$o\\b" "$W/qasid.1.txt" || t_fail "option --$o not in qasid.1"
done
t_end

t_begin "man: qasid(3) covers every function of qasid.h"
grep -o 'qasid_[a-z_]*(' "$QASID_TOP/include/qasid.h" | tr -d '(' |
    sort -u >"$W/functions"
[ "$(wc -l <"$W/functions")" -ge 40 ] || t_fail "too few functions found"
for fn in $(cat "$W/functions"); do
	grep -q "$fn()" "$W/qasid.3.txt" || t_fail "$fn() is not described"
done
for s in SYNOPSIS DESCRIPTION "RETURN VALUE" ERRORS "THREAD SAFETY" EXAMPLE; do
	grep -q "^$s\$" "$W/qasid.3.txt" || t_fail "no section $s"
done
for code in $(sed -n 's/^	\(QASID_[A-Z_]*\) = .*/\1/p' \
    "$QASID_TOP/include/qasid.h"); do
	grep -q "$code" "$W/qasid.3.txt" || t_fail "$code is not described"
done
t_end

t_begin "man: the example of qasid(3) builds and verifies a bundle"
awk '/^\.SH EXAMPLE/ { f = 1 } f && /^\.EX/ { n++; next }
    f && /^\.EE/ { exit } f && n == 1 { print }' "$D/qasid.3" |
    sed -e 's/\\e/\\/g' -e 's/\\-/-/g' -e "s/\\\\(aq/'/g" \
    -e 's/\\(dq/"/g' >"$W/example.c"
if ! command -v "${CC:-cc}" >/dev/null 2>&1; then
	t_fail "no C compiler"
else
	run 0 "${CC:-cc}" $T_SAN -std=c11 -Wall -Wextra -Werror \
	    -I"$QASID_TOP/include" -o "$W/example" "$W/example.c" \
	    "$QASID_BUILD/libqasid.a" $(pkg-config --libs libarchive libsodium zlib libexif) \
	    -lpthread -lm
	SOURCE_DATE_EPOCH=1700000000 "$QASID" pack -q -s "$F/vector.sec" \
	    -o "$W/v.qasid" -t "qasid test vector" "$F/vector-input"
	run 0 "$W/example" "$F/vector.pub" "$W/v.qasid"
	t_grep 'OK "qasid test vector" from key A8057EF5AEFD4933, 5 files' "$OUT"
	t_grep "^vector-input/docs/$" "$OUT"
	t_grep "^vector-input/hello.txt$" "$OUT"
	t_keys
	run 1 "$W/example" "$W/k.pub" "$W/v.qasid"
	t_grep "not trusted" "$ERR"
fi
t_end

t_begin "qasid(3) documents every function qasid.h exports"
sed -n 's/^QASID_API .*[ *]\(qasid_[a-z0-9_]*\)(.*/\1/p' \
    "$QASID_TOP/include/qasid.h" >"$W/api"
[ "$(wc -l <"$W/api")" -ge 40 ] || t_fail "found only $(wc -l <"$W/api") functions in qasid.h"
while IFS= read -r fn; do
	# In the text, as "fn()" or groff's ".BR fn ()".
	grep -q "$fn()\|$fn ()" "$QASID_TOP/docs/qasid.3" ||
		t_fail "qasid.3 does not describe $fn"
done <"$W/api"
t_end
