#!/bin/sh
# SPDX-License-Identifier: ISC
# t-completion.sh - the bash completion in completions/qasid.bash.
#
# Sources it into a bash without any start-up files, sets COMP_WORDS and
# COMP_CWORD as bash does at a <Tab>, calls the function it registered for
# qasid and compares COMPREPLY with the words expected.
. "$QASID_TOP/tests/lib.sh"

COMP="$QASID_TOP/completions/qasid.bash"
if ! command -v bash >/dev/null 2>&1; then
	t_skip "bash completion" "bash is not installed"
	exit 0
fi

t_keys
"$QASID" keygen -W -p "$W/k2.pub" -s "$W/k2.sec" >/dev/null
trusted_id() { sed -n 's/^trusted \([0-9A-F]\{16\}\) .*/\1/p'; }
id1=$(QASID_KEYRING="$W/ring" "$QASID" trust add "$W/k.pub" -n one | trusted_id)
id2=$(QASID_KEYRING="$W/ring" "$QASID" trust add "$W/k2.pub" -n two | trusted_id)
"$QASID" trust add -K "$W/other-ring" "$W/k2.pub" >/dev/null
mkdir -p "$W/cwd/out dir" "$W/cwd/outbox"
: >"$W/cwd/news 1.qasid"
: >"$W/cwd/news 2.qasid"
: >"$W/cwd/outfile"

# complete WORD... : what completing the last word gives, sorted, one per
# line. The first word is the qasid to run for key ids.
complete_words() {
	(cd "$W/cwd" && QASID_KEYRING="$W/ring" bash --norc --noprofile -c '
		. "$1" || exit 3
		shift
		complete -p qasid | grep -q -- "-F _qasid" || exit 4
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"
		COMP_POINT=${#COMP_LINE}
		_qasid "$1" "${COMP_WORDS[COMP_CWORD]}" \
		    "${COMP_WORDS[COMP_CWORD-1]}"
		printf "%s\n" "${COMPREPLY[@]}" | sort
	' sh "$COMP" "$@")
}

# expect "COMPLETIONS" WORD... : completing the last WORD (after qasid)
# gives COMPLETIONS (space-separated; "" for none).
expect() {
	# shellcheck disable=SC2086
	want=$(printf '%s\n' $1 | sort | tr '\n' ' ' | sed 's/ $//')
	shift
	got=$(complete_words "$QASID" "$@" | tr '\n' ' ' | sed 's/ $//')
	[ "$got" = "$want" ] || t_fail "'$*': got '$got', want '$want'"
}

t_begin "completion is registered and lists the commands"
[ -f "$COMP" ] || t_fail "$COMP missing"
got=$(complete_words "$QASID" "")
for c in keygen pack verify unpack protect repair list trust help; do
	printf '%s\n' "$got" | grep -qx "$c" || t_fail "'$c' not offered: $got"
done
t_end

t_begin "completion finishes a command name"
expect "verify" "ver"
expect "unpack" "un"
expect "pack" "help" "pa"
t_end

t_begin "completion offers each command's own options"
expect "--json" "verify" "--j"
expect "-p -P -K -C --salvage -q -v --help" "unpack" "-"
expect "--password-file" "keygen" "--p"
expect "--json --scrub --keep-metadata --format --password-file --help" "pack" "--"
expect "-p -P -K --json --help" "list" "-"
expect "--redundancy" "protect" "--r"
t_end

t_begin "completion offers files for bundles, folders after -C"
got=$(complete_words "$QASID" verify -p k.pub "news")
[ "$got" = "$(printf 'news 1.qasid\nnews 2.qasid')" ] ||
	t_fail "bundles: '$got'"
got=$(complete_words "$QASID" unpack -C "out")
[ "$got" = "$(printf 'out dir\noutbox')" ] || t_fail "folders: '$got'"
got=$(complete_words "$QASID" pack -s "$W/k" )
printf '%s\n' "$got" | grep -qx "$W/k.sec" || t_fail "-s: '$got'"
t_end

t_begin "completion offers trust's subcommands"
expect "add list remove show" "trust" ""
expect "remove" "trust" "-K" "$W/ring" "re"
t_end

t_begin "completion offers key ids after trust remove"
expect "$id1 $id2" "trust" "remove" ""
expect "$id1" "trust" "remove" "${id1%????????????}"
t_end

t_begin "completion reads the keyring given with -K"
expect "$id2" "trust" "-K" "$W/other-ring" "remove" ""
t_end

t_begin "completion offers nothing after options that take free text"
expect "" "pack" "-t" ""
expect "" "verify" "-P" ""
t_end
