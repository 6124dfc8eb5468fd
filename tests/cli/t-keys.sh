#!/bin/sh
# SPDX-License-Identifier: ISC
# t-keys.sh - qasid keygen: minisign's key files, never overwritten without
# -f; and a wrong password, from --password-file or from standard input,
# gives one clear line and exit 2.
#
# An encrypted key costs about 1 GiB and seconds of scrypt for each use, so
# this script makes one and uses it three times. The right password is
# tested by the publisher's walkthrough (t-examples.sh) and on a minisign
# key (t-minisign.sh).
. "$QASID_TOP/tests/lib.sh"
. "$QASID_TOP/tests/cli/cli.sh"

mkdir -p "$W/in"
printf 'A statement.\n' >"$W/in/statement.txt"

t_begin "keygen -W writes a minisign key pair"
run 0 "$QASID" keygen -W -p "$W/k.pub" -s "$W/k.sec"
id=$(keyid "$W/k.pub")
echo "$id" | grep -Eq '^[0-9A-F]{16}$' || t_fail "key id '$id'"
t_grep "^key $id\$" "$OUT"
t_grep "$W/k.sec" "$OUT"
t_grep "$W/k.pub" "$OUT"
t_lines 2 "$W/k.pub"
sed -n 2p "$W/k.pub" | grep -Eq '^RW[QRST][A-Za-z0-9+/]{53}$' ||
    t_fail "key line: $(sed -n 2p "$W/k.pub")"
t_grep "^untrusted comment: minisign secret key\$" "$W/k.sec"
t_lines 2 "$W/k.sec"
[ "$(stat -c %a "$W/k.sec")" = 600 ] || t_fail "secret key mode"
# -W warns once for each key it writes: the key and its successor.
t_grep "^qasid: warning: $W/k.sec is saved without a password (-W)\$" "$ERR"
t_grep "^qasid: warning: $W/k.sec.next is saved without a password (-W)\$" \
    "$ERR"
t_lines 2 "$ERR"
t_end

t_begin "keygen refuses to overwrite a key without -f (exit 2)"
cp "$W/k.pub" "$W/k.pub.before"
cp "$W/k.sec" "$W/k.sec.before"
run 2 "$QASID" keygen -W -p "$W/k.pub" -s "$W/k.sec"
t_grep "^qasid: $W/k.sec: .*exists" "$ERR"
t_lines 1 "$ERR"
t_same "$W/k.pub.before" "$W/k.pub"
t_same "$W/k.sec.before" "$W/k.sec"
t_end

t_begin "keygen refuses when only one of the two files exists"
run 2 "$QASID" keygen -W -p "$W/k.pub" -s "$W/new.sec"
t_grep "$W/k.pub" "$ERR"
t_absent "$W/new.sec"
run 2 "$QASID" keygen -W -p "$W/new.pub" -s "$W/k.sec"
t_grep "$W/k.sec" "$ERR"
t_absent "$W/new.pub"
t_same "$W/k.pub.before" "$W/k.pub"
t_same "$W/k.sec.before" "$W/k.sec"
t_end

t_begin "keygen -f replaces the key pair"
run 0 "$QASID" keygen -W -f -p "$W/k.pub" -s "$W/k.sec"
cmp -s "$W/k.pub.before" "$W/k.pub" && t_fail "public key unchanged"
cmp -s "$W/k.sec.before" "$W/k.sec" && t_fail "secret key unchanged"
[ "$(keyid "$W/k.pub")" != "$id" ] || t_fail "same key id"
t_end

t_begin "a key made by keygen signs bundles its public key verifies"
run 0 "$QASID" pack -s "$W/k.sec" -o "$W/k.qasid" "$W/in"
run 0 "$QASID" verify -p "$W/k.pub" "$W/k.qasid"
t_grep "key $(keyid "$W/k.pub")" "$OUT"
run 1 "$QASID" verify -p "$W/k.pub.before" "$W/k.qasid"
t_end

t_begin "keygen usage errors exit 2"
run 2 "$QASID" keygen -W -p "$W/only.pub"
run 2 "$QASID" keygen -W -s "$W/only.sec"
run 2 "$QASID" keygen -W -p "$W/a.pub" -s "$W/a.sec" extra
t_absent "$W/a.pub"
run 2 "$QASID" keygen -W -p "$W/no/such/dir/a.pub" -s "$W/a.sec"
t_grep "$W/no/such/dir" "$ERR"
t_end

printf 'correct horse battery\n' >"$W/pw"
printf 'correct horse batteries\n' >"$W/wrong-pw"

t_begin "keygen with --password-file writes an encrypted key"
run 0 "$QASID" keygen --password-file "$W/pw" -p "$W/e.pub" -s "$W/e.sec"
t_grep "^untrusted comment: minisign encrypted secret key\$" "$W/e.sec"
[ "$(stat -c %a "$W/e.sec")" = 600 ] || t_fail "secret key mode"
t_end

t_begin "a wrong password from --password-file: one clear line, exit 2"
run 2 "$QASID" pack --password-file "$W/wrong-pw" -s "$W/e.sec" \
    -o "$W/e.qasid" "$W/in"
t_lines 1 "$ERR"
t_grep "^qasid: $W/e.sec: wrong password\$" "$ERR"
t_empty "$OUT"
t_absent "$W/e.qasid"
t_end

t_begin "a wrong password on standard input: one clear line, exit 2"
run_in 2 "$W/wrong-pw" "$QASID" pack -s "$W/e.sec" -o "$W/e.qasid" "$W/in"
t_lines 1 "$ERR"
t_grep "^qasid: $W/e.sec: wrong password\$" "$ERR"
t_absent "$W/e.qasid"
t_end

t_begin "no password at all for an encrypted key: exit 2"
run 2 "$QASID" pack -s "$W/e.sec" -o "$W/e.qasid" "$W/in"
t_grep "^qasid: standard input: no password given" "$ERR"
run 2 "$QASID" pack --password-file "$W/no-such-file" -s "$W/e.sec" \
    -o "$W/e.qasid" "$W/in"
t_grep "^qasid: $W/no-such-file: No such file" "$ERR"
t_absent "$W/e.qasid"
t_end

t_begin "a malformed secret key file: exit 2, file named"
printf 'untrusted comment: minisign secret key\nRWRTY0Iy\n' >"$W/bad.sec"
run 2 "$QASID" pack -s "$W/bad.sec" -o "$W/bad.qasid" "$W/in"
t_grep "^qasid: $W/bad.sec: " "$ERR"
run 2 "$QASID" pack -s "$W/k.pub" -o "$W/bad.qasid" "$W/in"
t_grep "^qasid: $W/k.pub: " "$ERR"
run 2 "$QASID" pack -s "$W/missing.sec" -o "$W/bad.qasid" "$W/in"
t_grep "^qasid: $W/missing.sec: No such file" "$ERR"
t_absent "$W/bad.qasid"
t_end

# rewrite_sec IN OUT OPS MEM: IN (saved without a password) marked as
# encrypted with scrypt cost OPS and MEM, as a key file may claim.
rewrite_sec() {
	python3 - "$@" <<'PY'
import base64, sys
src, out, ops, mem = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
raw = bytearray(base64.b64decode(open(src).read().splitlines()[1]))
raw[2:4] = b"Sc"
raw[38:46] = ops.to_bytes(8, "little")
raw[46:54] = mem.to_bytes(8, "little")
with open(out, "w") as f:
    f.write("untrusted comment: minisign encrypted secret key\n%s\n" %
            base64.b64encode(bytes(raw)).decode())
PY
}

t_begin "a key file asking for more than twice minisign's KDF cost is refused"
rewrite_sec "$W/k.sec" "$W/bomb.sec" 4294967296 16777216
run 2 "$QASID" pack --password-file "$W/pw" -s "$W/bomb.sec" \
    -o "$W/bomb.qasid" "$W/in"
t_grep "^qasid: $W/bomb.sec: key asks for a password hashing cost of 4294967296 operations and 16 MiB; more than 67108864 and 2048 MiB is refused\$" "$ERR"
rewrite_sec "$W/k.sec" "$W/bomb.sec" 33554432 4294967296
run 2 "$QASID" pack --password-file "$W/pw" -s "$W/bomb.sec" \
    -o "$W/bomb.qasid" "$W/in"
t_grep "^qasid: $W/bomb.sec: .* 33554432 operations and 4096 MiB; " "$ERR"
t_absent "$W/bomb.qasid"
t_end

t_begin "a password on standard input is read to its newline and no further"
# stdio would read a whole block of the pipe into a buffer never wiped;
# read(2) takes the line only, so what follows is still there.
rewrite_sec "$W/k.sec" "$W/cheap.sec" 32768 16777216
run 2 sh -c 'printf "not the password\nwhat follows\n" |
    { "$1" pack -s "$2" -o "$3" "$4"; s=$?; cat; exit $s; }' sh \
    "$QASID" "$W/cheap.sec" "$W/cheap.qasid" "$W/in"
t_grep "^qasid: $W/cheap.sec: wrong password\$" "$ERR"
t_grep "^what follows\$" "$OUT"
t_absent "$W/cheap.qasid"
t_end

t_begin "a public key given as a secret key, and the other way round, say so"
run 2 "$QASID" pack -s "$W/k.pub" -o "$W/bad.qasid" "$W/in"
t_grep "^qasid: $W/k.pub: this is a public key file, but a secret key file was expected here\$" "$ERR"
run 2 "$QASID" trust add "$W/k.sec" -K "$W/ring"
t_grep "^qasid: $W/k.sec: this is a secret key file, but a public key file was expected here\$" "$ERR"
"$QASID" pack -s "$W/k.sec" -o "$W/s.qasid" "$W/in" >/dev/null
tar -xzf "$W/s.qasid" -C "$W" .qasid/manifest.minisig 2>/dev/null ||
    t_fail "no signature in the bundle"
run 2 "$QASID" verify -p "$W/.qasid/manifest.minisig" "$W/s.qasid"
t_grep "this is a signature file, but a public key file was expected here\$" "$ERR"
t_absent "$W/ring"
t_end

t_begin "a public key file's comment names its id in 16 hex digits"
run 0 "$QASID" keygen -W -p "$W/c.pub" -s "$W/c.sec"
cid=$(sed -n 's/^key //p' "$OUT")
t_grep "^untrusted comment: minisign public key $cid\$" "$W/c.pub"
# The comment is untrusted: the id is read from the key line, whatever the
# comment says, so minisign's form without leading zeros loads the same.
printf 'untrusted comment: minisign public key 1\n%s\n' \
    "$(sed -n 2p "$W/c.pub")" >"$W/c2.pub"
run 0 "$QASID" trust show "$W/c2.pub"
t_grep "^$cid  " "$OUT"
t_end
