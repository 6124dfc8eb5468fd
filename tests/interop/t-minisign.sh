#!/bin/sh
# SPDX-License-Identifier: ISC
# t-minisign.sh - qasid and minisign share keys and signatures.
#
# Keys made by minisign sign bundles with qasid; keys made by qasid sign and
# verify with minisign; a bundle's manifest signature checks with minisign
# after a plain tar extraction. Keys with a password are in t-password.sh,
# which keeps the slow key derivations in one place.
. "$QASID_TOP/tests/lib.sh"

if ! command -v minisign >/dev/null 2>&1; then
	t_skip "minisign interop" "minisign is not installed"
	exit 0
fi

mkdir -p "$W/data/docs"
echo "first" >"$W/data/docs/one.txt"
head -c 100000 /dev/urandom >"$W/data/two.bin"
echo "a file minisign signs" >"$W/note.txt"

# The key id in a public key's comment line, as 16 digits: minisign 0.11
# writes it without leading zeros.
comment_id() {
	c_id=$(sed -n '1s/^untrusted comment: minisign public key //p' "$1")
	while [ -n "$c_id" ] && [ "${#c_id}" -lt 16 ]; do
		c_id=0$c_id
	done
	printf '%s\n' "$c_id"
}
key_line() { sed -n 2p "$1"; }
json_field() {
	python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())[sys.argv[1]])' "$1"
}

t_begin "a key made by minisign -G -W signs a bundle"
run 0 minisign -G -W -p "$W/m.pub" -s "$W/m.sec"
run 0 "$QASID" pack -s "$W/m.sec" -o "$W/m.qasid" "$W/data"
t_exists "$W/m.qasid"
run 0 "$QASID" verify --json -p "$W/m.pub" "$W/m.qasid"
id=$(json_field keyid <"$OUT")
if [ -z "$id" ] || [ "$id" != "$(comment_id "$W/m.pub")" ]; then
	t_fail "bundle key id '$id', minisign's '$(comment_id "$W/m.pub")'"
fi
t_end

t_begin "qasid verify -P takes the key string minisign prints"
run 0 "$QASID" verify -P "$(key_line "$W/m.pub")" "$W/m.qasid"
t_grep ": OK" "$OUT"
t_end

t_begin "minisign -V checks a bundle's manifest after tar -xzf"
mkdir "$W/x"
run 0 tar -xzf "$W/m.qasid" -C "$W/x"
run 0 minisign -V -p "$W/m.pub" -m "$W/x/.qasid/manifest"
t_grep "Signature and comment signature verified" "$OUT"
t_grep "Trusted comment: qasid-bundle 2 head:[0-9a-f]\{64\}$" "$OUT"
t_end

t_begin "minisign -V rejects a manifest changed after extraction"
sed 's/^title .*/title forged/' "$W/x/.qasid/manifest" >"$W/forged"
cp "$W/x/.qasid/manifest.minisig" "$W/forged.minisig"
cmp -s "$W/forged" "$W/x/.qasid/manifest" && t_fail "manifest unchanged"
run 1 minisign -V -p "$W/m.pub" -m "$W/forged"
t_grep "Signature verification failed" "$ERR"
t_end

t_begin "minisign -V rejects a bundle signed by another key"
run 0 minisign -G -W -p "$W/other.pub" -s "$W/other.sec"
run 1 minisign -V -p "$W/other.pub" -m "$W/x/.qasid/manifest"
# minisign prints the id as its key file's comment does: no leading zeros.
raw_id=$(sed -n '1s/^untrusted comment: minisign public key //p' "$W/m.pub")
t_grep "Signature key id in .*manifest.minisig is $raw_id\$" "$ERR"
t_end

t_begin "minisign signs and verifies with a key made by qasid keygen -W"
run 0 "$QASID" keygen -W -p "$W/q.pub" -s "$W/q.sec"
run 0 minisign -S -s "$W/q.sec" -m "$W/note.txt"
run 0 minisign -V -p "$W/q.pub" -m "$W/note.txt"
t_grep "Signature and comment signature verified" "$OUT"
run 0 minisign -V -P "$(key_line "$W/q.pub")" -m "$W/note.txt"
t_end

t_begin "minisign -R makes the same public key from a qasid secret key"
run 0 minisign -R -s "$W/q.sec" -p "$W/q-again.pub"
[ "$(key_line "$W/q-again.pub")" = "$(key_line "$W/q.pub")" ] ||
	t_fail "minisign made $(key_line "$W/q-again.pub"), qasid $(key_line "$W/q.pub")"
[ "$(comment_id "$W/q-again.pub")" = "$(comment_id "$W/q.pub")" ] ||
	t_fail "key ids differ in the comment lines"
t_end

t_begin "a signature minisign makes with a qasid key fails on a changed file"
echo "changed" >>"$W/note.txt"
run 1 minisign -V -p "$W/q.pub" -m "$W/note.txt"
t_grep "Signature verification failed" "$ERR"
t_end
