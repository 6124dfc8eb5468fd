# SPDX-License-Identifier: ISC
# qasid.bash - bash completion for qasid.
#
# Completes commands, each command's options, file names where a command
# takes a file, folders after -C, and key ids after "trust remove" (read
# from "qasid trust list", with the -K keyring given on the line, if any).
# Install as $(BASHCOMPDIR)/qasid, or source it from ~/.bashrc.

_qasid_keyids()
{
	local qasid=$1 ring=$2
	if [[ -n $ring ]]; then
		"$qasid" trust list -K "$ring" 2>/dev/null
	else
		"$qasid" trust list 2>/dev/null
	fi | while read -r id _; do
		[[ $id =~ ^[0-9A-F]{16}$ ]] && printf '%s\n' "$id"
	done
}

# COMPREPLY from compgen's arguments, one reply per line of its output, so
# names with spaces stay whole and nothing is globbed.
_qasid_reply()
{
	mapfile -t COMPREPLY < <(compgen "$@")
}

# Files (-f) or folders (-d) matching $2.
_qasid_files()
{
	compopt -o filenames 2>/dev/null
	_qasid_reply "$1" -- "$2"
}

_qasid()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
	local qasid=${COMP_WORDS[0]} cmd="" sub="" ring="" opts i w

	COMPREPLY=()
	# The command, trust's subcommand and any -K KEYRING before the cursor.
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		if [[ -z $cmd && $w != -* ]]; then
			cmd=$w
		elif [[ $cmd == trust && -z $sub && $w != -* &&
		    ${COMP_WORDS[i-1]} != -[Kn] ]]; then
			sub=$w
		elif [[ $w == -K ]] && ((i + 1 < COMP_CWORD)); then
			ring=${COMP_WORDS[i+1]}
		fi
	done

	if [[ -z $cmd ]]; then
		_qasid_reply -W 'keygen pack verify unpack protect repair list trust help
		    --version --help' -- "$cur"
		return 0
	fi

	# Option arguments: files, folders, or free text.
	case $prev in
	-p | -s | -o | -K | --password-file)
		_qasid_files -f "$cur"
		return 0
		;;
	-C)
		_qasid_files -d "$cur"
		return 0
		;;
	-P | -t | -n | -N | -j)
		return 0
		;;
	esac

	case $cmd in
	keygen) opts='-p -s -W -f -q --password-file --help' ;;
	pack) opts='-s -o -t -n -N -j -f -q -v --json --scrub --keep-metadata --format
		--password-file --help' ;;
	verify) opts='-p -P -K -q -v --json --help' ;;
	unpack) opts='-p -P -K -C --salvage -q -v --help' ;;
	protect) opts='-p -P -K --redundancy -q --help' ;;
	repair) opts='-p -P -K -q --help' ;;
	list) opts='-p -P -K --json --help' ;;
	trust) opts='-K -n -q --json --help' ;;
	help)
		_qasid_reply -W 'keygen pack verify unpack protect repair list trust' -- "$cur"
		return 0
		;;
	*) return 0 ;;
	esac

	if [[ $cur == -* ]]; then
		_qasid_reply -W "$opts" -- "$cur"
		return 0
	fi
	case $cmd/$sub in
	keygen/*) ;;
	trust/)
		_qasid_reply -W 'add list remove show' -- "$cur"
		;;
	trust/remove)
		_qasid_reply -W "$(_qasid_keyids "$qasid" "$ring")" -- "$cur"
		;;
	trust/add | trust/show | pack/* | verify/* | unpack/* | list/*)
		_qasid_files -f "$cur"
		;;
	esac
	return 0
}

complete -F _qasid qasid
