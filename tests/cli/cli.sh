# SPDX-License-Identifier: ISC
# cli.sh - what the scripts in tests/cli share; each sources it right after
# tests/lib.sh:
#
#   . "$QASID_TOP/tests/lib.sh"
#   . "$QASID_TOP/tests/cli/cli.sh"
#
# Every script runs with a keyring, a config folder and a home of its own
# under $W, so no test reads or writes the keys of whoever runs it.

QASID_KEYRING="$W/default.keyring"
XDG_CONFIG_HOME="$W/xdg"
HOME="$W/home"
export QASID_KEYRING XDG_CONFIG_HOME HOME
unset SOURCE_DATE_EPOCH
umask 022
mkdir -p "$HOME"

# Names in three scripts, so every test meets more than ASCII.
FA_DIR="گزارش‌ها"
FA_FILE="بیانیهٔ کمیته.txt"
MY_FILE="ထုတ်ပြန်ချက်.txt"
RU_FILE="Заявление комитета.txt"

# The key id a minisign public key file names in its comment, as 16 digits
# (minisign drops leading zeros there; qasid shows all 16).
keyid() {
	k_id=$(sed -n 's/^untrusted comment: minisign public key //p' "$1")
	while [ "${#k_id}" -lt 16 ]; do
		k_id=0$k_id
	done
	printf '%s\n' "$k_id"
}

# The key line of a public key file, as -P takes it.
keystring() { sed -n 2p "$1"; }

# make_drop DIR: a small publisher's drop with text, binary and empty files,
# nested folders, an executable and names in Persian, Burmese and Russian.
make_drop() {
	mkdir -p "$1/statements/$FA_DIR/older" "$1/media/photos" "$1/tools"
	printf 'Statement of the teachers committee, week 3.\nWe meet on ' \
	    >"$1/statements/statement-en.txt"
	printf 'Tuesday at the library.\n' >>"$1/statements/statement-en.txt"
	printf 'حقوق معلمان سه ماه است پرداخت نشده است.\n' \
	    >"$1/statements/$FA_DIR/$FA_FILE"
	printf 'ကျောင်းများ ပြန်ဖွင့်ရမည်။\n' >"$1/statements/$MY_FILE"
	printf 'Зарплата учителям не выплачивается три месяца.\n' \
	    >"$1/statements/$FA_DIR/older/$RU_FILE"
	head -c 70000 /dev/urandom >"$1/media/photos/courtyard.jpg"
	head -c 3000 /dev/urandom >"$1/media/photos/جلسه.png"
	: >"$1/statements/empty.txt"
	printf '#!/bin/sh\necho "check the bundle first"\n' >"$1/tools/readme.sh"
	chmod 0755 "$1/tools/readme.sh"
}

# The files of a tree with their content hashes, modes and sizes, for
# comparing what was packed with what was unpacked.
tree_list() {
	(cd "$1" && find . -print0 | LC_ALL=C sort -z |
	    xargs -0 stat -c '%n %F %s %a' &&
	    find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r b2sum)
}

# No staging folder or commit marker left anywhere under a folder.
t_no_leftovers() {
	l_found=$(find "$1" \( -name '.qasid-unpack-*' -o \
	    -name '.qasid-committed' \) -print 2>/dev/null | head -n 3)
	[ -z "$l_found" ] || t_fail "left behind: $l_found"
}

# t_empty FILE: the file (stdout or stderr of a case) is empty.
t_empty() { [ ! -s "$1" ] || t_fail "$(basename "$1") not empty: $(head -c 300 "$1")"; }

# Needs a tool the set-up (tools/deps.sh) installs; fails the case if not.
t_need() {
	command -v "$1" >/dev/null 2>&1 || t_fail "$1 is not installed (tools/deps.sh installs it)"
	command -v "$1" >/dev/null 2>&1
}

# Keys over time (t-keytime.sh, t-mirror-keys.sh): publisher_setup makes the
# publisher's folder P (its files in P/in) and the stick S; pack_at TIME
# SEQ OUT [SEC] packs news/SEQ created at TIME, signed by SEC (P/k.sec by
# default); commitment PUB is what bundles of the key before PUB name as
# next-key.
publisher_setup() {
	P="$W/pub"
	S="$W/stick"
	mkdir -p "$P/in" "$S"
	printf 'news of the week\n' >"$P/in/news.txt"
	T0=1700000000
}
pack_at() {
	SOURCE_DATE_EPOCH=$1 "$QASID" pack -q -s "${4:-$P/k.sec}" -o "$3" \
	    -n news -N "$2" --reuse-sequence "$P/in"
}
commitment() { sed -n 2p "$1" | base64 -d | b2sum -l 256 | cut -d' ' -f1; }
