#!/bin/sh
# SPDX-License-Identifier: ISC
# wine-suite.sh - every tests/cli script, with qasid.exe under wine as
# $QASID. The cases listed below test what Windows does otherwise, on
# purpose (docs/WINDOWS.md says why); they are shown as SKIP with the
# reason. Any other failure is a FAIL. Called by t-windows.sh with
# QASID_WINE_SUITE=1 (about 10 minutes), with WINEPREFIX set up.
#
#   QASID_EXE=build-kit/windows-x86_64/qasid.exe sh tests/kit/wine-suite.sh [PATTERN]
#
# PATTERN, a substring of the scripts' names, runs only those.
set -u
: "${QASID_TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${QASID_EXE:?the qasid.exe to test}"
: "${QASID_BUILD:=$QASID_TOP/build}"
QASID_EXE=$(cd "$(dirname "$QASID_EXE")" && pwd)/$(basename "$QASID_EXE")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/qasid-wine.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# A call that waits on wine's console for ever (its input a terminal)
# ends, failing its case; any other is the exe itself, so that a test's
# kill reaches it.
cat >"$tmp/qasid" <<EOF
#!/bin/sh
[ -t 0 ] && exec timeout 120 wine "$QASID_EXE" "\$@"
exec wine "$QASID_EXE" "\$@"
EOF
chmod +x "$tmp/qasid"

# "case name prefix|reason", one a line; "t-NAME.sh|reason" for every
# case of a script; "*TEXT|reason" for a failure whose line holds TEXT.
cat >"$tmp/expected" <<'LIST'
t-repair.sh|this qasid.exe has no recovery files (no ISA-L)
keygen makes a successor beside the secret key: successor mode|Windows keeps no Unix modes
list shows every entry with its mode and size|Windows keeps no Unix modes
list prints a bundle's file name escaped|Windows refuses control characters in file names
pack refuses a symbolic link:|wine shows a Unix symbolic link as the file it points to
pack refuses a symbolic link to a folder|wine shows a Unix symbolic link as the file it points to
pack refuses a symbolic link named on the command line|wine shows a Unix symbolic link as the file it points to
pack refuses a FIFO|wine shows a FIFO as a file
*r.qasid should not exist|t-pack.sh: r.qasid is left by the symbolic-link case above, which wine cannot refuse
*r.qasid: file exists|t-pack.sh: r.qasid is left by the symbolic-link case above, which wine cannot refuse
update: a receipt that is a link|wine shows a Unix symbolic link as the file it points to
an unreadable file is an error|wine opens as root what a Unix mode forbids
an unwritable record folder is an error|wine opens as root what a Unix mode forbids
round trip: text, binary, empty, nested and non-ASCII names|the list compared holds Unix modes, which Windows does not keep (t-windows.sh compares the content)
unpacked modes|Windows keeps no Unix modes
pack refuses a setuid file|Windows has no setuid
without $QASID_KEYRING: $XDG_CONFIG_HOME/qasid/trusted: folder mode|Windows keeps no Unix modes
without either: ~/.config/qasid/trusted|wine gives Windows programs no HOME (qasid then takes the profile folder)
two recipients on one machine keep separate records|wine gives Windows programs no HOME (qasid then takes the profile folder)
bundle names are printed escaped|Windows refuses control characters in file names
--json escapes what a terminal would obey|Windows refuses control characters in file names
catalog writes catalog.json|Windows refuses < > in file names: one bundle of the case cannot be made
index.html is self-contained and escapes|Windows refuses < > in file names
with verify.html beside the bundles|Windows refuses < > in file names
check reads the stick, not the cache|Windows reads back through its cache (no O_DIRECT)
a stick that does not keep what it was given: the read-back catches it|Windows reads back through its cache (no O_DIRECT)
examples/demo.sh|the C examples are built for the host, not for Windows
verify-bundle|the C examples are built for the host, not for Windows
keygen -W writes a minisign key pair: secret key mode|Windows keeps no Unix modes
keygen with --password-file writes an encrypted key: secret key mode|Windows keeps no Unix modes
keygen: an empty password needs a confirmation on the terminal|wine's console over a Unix terminal is not Windows' console
a keyring folder no lock file can be made in|wine's server makes files with its own rights, which a Unix mode does not stop
protect and repair take every volume of a set at once|this qasid.exe has no recovery files (no ISA-L)
one volume damaged beyond its recovery data|this qasid.exe has no recovery files (no ISA-L)
LIST

for s in "$QASID_TOP"/tests/cli/t-*.sh; do
	case "$s" in *"${1:-}"*) ;; *) continue ;; esac
	# t-unpack plants a symbolic link to /etc in a folder unpack then
	# removes. Windows shows a link as a reparse point, never followed;
	# wine shows it as the folder it points to, and as root qasid.exe
	# would remove what /etc holds. Not under wine, then.
	if [ "${s##*/}" = t-unpack.sh ]; then
		echo "SKIP wine: t-unpack.sh: plants a link to /etc, which wine would follow"
		continue
	fi
	QASID="$tmp/qasid" QASID_TOP="$QASID_TOP" QASID_BUILD="$QASID_BUILD" \
	    sh "$s" 2>/dev/null | grep -E '^(PASS|FAIL|SKIP) ' |
	while IFS= read -r line; do
		case "$line" in
		"FAIL "*)
			name=${line#FAIL }
			why=$(while IFS='|' read -r pre reason; do
				case "$pre" in
				"*"*) case "$name" in *"${pre#?}"*)
					echo "$reason"; break ;; esac ;;
				*) case "$name" in "$pre"*)
					echo "$reason"; break ;; esac ;;
				esac
				[ "$pre" = "${s##*/}" ] && { echo "$reason"; break; }
			done <"$tmp/expected")
			if [ -n "$why" ]; then
				echo "SKIP wine: ${name%%:*}: $why"
			else
				echo "FAIL wine: $name"
			fi
			;;
		*) echo "${line%% *} wine: ${line#* }" ;;
		esac
	done
done
