#!/bin/sh
# SPDX-License-Identifier: ISC
# t-trust.sh - qasid trust: the recipient's keyring of pinned publisher
# keys; where it lives by default ($QASID_KEYRING, else
# $XDG_CONFIG_HOME/qasid/trusted, else ~/.config/qasid/trusted); and verify,
# unpack and list using it when no key option is given.
. "$QASID_TOP/tests/lib.sh"
. "$QASID_TOP/tests/cli/cli.sh"

t_keys
"$QASID" keygen -W -p "$W/other.pub" -s "$W/other.sec" >/dev/null
ID=$(keyid "$W/k.pub")
OID=$(keyid "$W/other.pub")
mkdir -p "$W/in/drop"
printf 'A statement.\n' >"$W/in/drop/statement.txt"
"$QASID" pack -s "$W/k.sec" -o "$W/b.qasid" -t "Week 5" "$W/in/drop" \
    >/dev/null
FP_RE='[0-9]\{4\}\( [0-9]\{4\}\)\{7\}'

t_begin "trust add pins a key; trust list shows id, fingerprint and name"
run 0 "$QASID" trust add "$W/k.pub" -n "Teachers' circle" -K "$W/ring"
t_grep "^trusted $ID  $FP_RE  Teachers' circle\$" "$OUT"
fp=$(sed -n "s/^trusted $ID  \\([0-9 ]*\\)  .*/\\1/p" "$OUT")
run 0 "$QASID" trust list -K "$W/ring"
t_lines 1 "$OUT"
t_grep "^$ID  $fp  Teachers' circle\$" "$OUT"
t_exists "$W/ring"
t_end

t_begin "the fingerprint is the same wherever the key is pinned"
run 0 "$QASID" trust add "$(keystring "$W/k.pub")" -n "by string" \
    -K "$W/ring2"
t_grep "^trusted $ID  $fp  by string\$" "$OUT"
t_end

t_begin "a second key is listed after the first; no name shows '-'"
run 0 "$QASID" trust add "$W/other.pub" -K "$W/ring"
run 0 "$QASID" trust list -K "$W/ring"
t_lines 2 "$OUT"
sed -n 1p "$OUT" | grep -q "^$ID " || t_fail "first line: $(sed -n 1p "$OUT")"
sed -n 2p "$OUT" | grep -q "^$OID  $FP_RE  -\$" ||
    t_fail "second line: $(sed -n 2p "$OUT")"
t_end

t_begin "adding a key twice is refused (exit 2), the keyring unchanged"
cp "$W/ring" "$W/ring.before"
run 2 "$QASID" trust add "$W/k.pub" -n again -K "$W/ring"
t_grep "^qasid: .*$ID.*already trusted" "$ERR"
t_same "$W/ring.before" "$W/ring"
t_end

t_begin "trust add of something that is not a key: exit 2"
printf 'hello\n' >"$W/not-a-key"
run 2 "$QASID" trust add "$W/not-a-key" -K "$W/ring"
t_grep "^qasid: $W/not-a-key: " "$ERR"
run 2 "$QASID" trust add "$W/k.sec" -K "$W/ring"
run 2 "$QASID" trust add "RWQnotakeyatall" -K "$W/ring"
run 2 "$QASID" trust add "$W/missing.pub" -K "$W/ring"
t_same "$W/ring.before" "$W/ring"
# Where there is no keyring yet, none is begun for it: no folder, no lock.
run 2 "$QASID" trust add "$W/not-a-key" -K "$W/none/ring"
t_absent "$W/none"
t_end

t_begin "trust remove takes a key id in any case"
run 0 "$QASID" trust remove "$OID" -K "$W/ring"
t_grep "^removed $OID\$" "$OUT"
run 0 "$QASID" trust list -K "$W/ring"
t_nogrep "$OID" "$OUT"
t_lines 1 "$OUT"
run 0 "$QASID" trust add "$W/other.pub" -K "$W/ring"
run 0 "$QASID" trust remove "$(echo "$OID" | tr 'A-F' 'a-f')" -K "$W/ring"
run 0 "$QASID" trust list -K "$W/ring"
t_nogrep "$OID" "$OUT"
t_end

t_begin "trust remove of an unknown key: exit 2, keyring unchanged"
cp "$W/ring" "$W/ring.before"
run 2 "$QASID" trust remove "$OID" -K "$W/ring"
t_grep "^qasid: $OID: no such key" "$ERR"
run 2 "$QASID" trust remove "not-an-id" -K "$W/ring"
t_same "$W/ring.before" "$W/ring"
t_end

t_begin "the default keyring is \$QASID_KEYRING"
run 0 "$QASID" trust add "$W/k.pub" -n env-ring
t_exists "$QASID_KEYRING"
t_absent "$XDG_CONFIG_HOME/qasid/trusted"
run 0 "$QASID" trust list
t_grep "^$ID  $fp  env-ring\$" "$OUT"
t_end

t_begin "without \$QASID_KEYRING: \$XDG_CONFIG_HOME/qasid/trusted"
run 0 env -u QASID_KEYRING "$QASID" trust add "$W/k.pub" -n xdg-ring
t_exists "$XDG_CONFIG_HOME/qasid/trusted"
[ "$(stat -c %a "$XDG_CONFIG_HOME/qasid")" = 700 ] ||
    t_fail "folder mode $(stat -c %a "$XDG_CONFIG_HOME/qasid")"
run 0 env -u QASID_KEYRING "$QASID" trust list
t_grep "  xdg-ring\$" "$OUT"
t_nogrep "env-ring" "$OUT"
t_end

t_begin "without either: ~/.config/qasid/trusted"
run 0 env -u QASID_KEYRING -u XDG_CONFIG_HOME "$QASID" trust add \
    "$W/k.pub" -n home-ring
t_exists "$HOME/.config/qasid/trusted"
run 0 env -u QASID_KEYRING -u XDG_CONFIG_HOME "$QASID" trust list
t_grep "  home-ring\$" "$OUT"
t_end

t_begin "verify with no key option uses the default keyring"
run 0 "$QASID" verify "$W/b.qasid"
t_grep "^$W/b.qasid: OK \"Week 5\" key $ID (env-ring) " "$OUT"
run 0 env -u QASID_KEYRING "$QASID" verify "$W/b.qasid"
t_grep "key $ID (xdg-ring) " "$OUT"
t_end

t_begin "unpack with no key option uses the default keyring"
run 0 "$QASID" unpack -C "$W/out" "$W/b.qasid"
t_same "$W/in/drop/statement.txt" "$W/out/drop/statement.txt"
t_end

t_begin "list with no key option says the default keyring verified it"
run 0 "$QASID" list "$W/b.qasid"
t_grep "^verified: manifest signed by a trusted key" "$OUT"
t_grep "(env-ring)" "$OUT"
t_end

t_begin "once removed, the key is no longer trusted (exit 1)"
run 0 "$QASID" trust add "$W/other.pub" -n other
run 0 "$QASID" trust remove "$ID"
run 1 "$QASID" verify "$W/b.qasid"
t_grep "^qasid: $W/b.qasid: signed by key $ID, which is not trusted" "$ERR"
run 1 "$QASID" unpack -C "$W/out2" "$W/b.qasid"
t_absent "$W/out2"
run 0 "$QASID" list "$W/b.qasid"
t_grep "^verified: NO" "$OUT"
t_end

t_begin "an untrusted key's message says how to compare and trust it"
run 1 "$QASID" verify -P "$(keystring "$W/other.pub")" \
    "$W/b.qasid"
t_grep "^qasid: $W/b.qasid: signed by key $ID, which is not trusted; to trust it, get the publisher's key file, compare the fingerprint \`qasid trust show FILE\` prints with the one the publisher gave you, then run \`qasid trust add FILE\`\$" "$ERR"
t_lines 1 "$ERR"
t_end

t_begin "a bundle carrying its own public key is not trusted for it"
cp "$W/k.pub" "$W/in/drop/publisher.pub"
"$QASID" pack -s "$W/k.sec" -o "$W/self.qasid" "$W/in/drop" >/dev/null
run 1 "$QASID" verify "$W/self.qasid"
t_grep "key $ID, which is not trusted" "$ERR"
run 1 "$QASID" unpack -C "$W/out3" "$W/self.qasid"
t_absent "$W/out3"
t_end

t_begin "a malformed keyring is an error naming the file and line (exit 2)"
printf '# keys\n%s ok\nnot a key line\n' "$(keystring "$W/k.pub")" \
    >"$W/bad-ring"
run 2 "$QASID" verify -K "$W/bad-ring" "$W/b.qasid"
t_grep "^qasid: $W/bad-ring: line 3: " "$ERR"
run 2 "$QASID" trust list -K "$W/bad-ring"
t_grep "^qasid: $W/bad-ring: line 3: " "$ERR"
run 2 env QASID_KEYRING="$W/bad-ring" "$QASID" unpack -C "$W/out4" \
    "$W/b.qasid"
t_grep "^qasid: $W/bad-ring: line 3: " "$ERR"
t_absent "$W/out4"
t_end

t_begin "a missing keyring is an empty one"
run 0 "$QASID" trust list -K "$W/no-ring"
t_empty "$OUT"
run 1 "$QASID" verify -K "$W/no-ring" "$W/b.qasid"
t_absent "$W/no-ring"
t_end

# ---- Key ids are labels: an impostor key carrying the publisher's id ------

"$QASID" keygen -W -p "$W/src.pub" -s "$W/src.sec" >/dev/null
python3 "$QASID_TOP/tests/hostile/clone-keyid.py" "$W/k.pub" "$W/src.pub" \
    "$W/src.sec" "$W/fake.pub" "$W/fake.sec"
"$QASID" pack -s "$W/fake.sec" -o "$W/fake.qasid" -t "Forged week" \
    "$W/in/drop" >/dev/null
FP=$("$QASID" trust show "$W/k.pub" | sed -n "s/^$ID  \\([0-9 ]*\\)  -\$/\\1/p")
FFP=$("$QASID" trust show "$W/fake.pub" |
    sed -n "s/^$ID  \\([0-9 ]*\\)  -\$/\\1/p")

t_begin "trust show prints a key's id and fingerprint, trusting nothing"
[ -n "$FP" ] && [ -n "$FFP" ] && [ "$FP" != "$FFP" ] ||
    t_fail "fingerprints '$FP' '$FFP'"
run 0 "$QASID" trust show "$(keystring "$W/k.pub")" -K "$W/show-ring"
t_grep "^$ID  $FP  -\$" "$OUT"
t_absent "$W/show-ring"
t_end

t_begin "the real key is trusted beside an impostor with its id, with a warning"
run 0 "$QASID" trust add "$W/fake.pub" -n "impostor" -K "$W/imp-ring"
run 0 "$QASID" trust add "$W/k.pub" -n "publisher" -K "$W/imp-ring"
t_grep "^trusted $ID  $FP  publisher\$" "$OUT"
t_grep "^qasid: warning: 2 trusted keys carry key id $ID" "$ERR"
t_grep "^qasid:   $ID  $FFP  impostor\$" "$ERR"
t_grep "^qasid:   $ID  $FP  publisher\$" "$ERR"
run 0 "$QASID" trust list -K "$W/imp-ring"
t_lines 2 "$OUT"
t_grep "^$ID  $FFP  impostor\$" "$OUT"
t_grep "^$ID  $FP  publisher\$" "$OUT"
t_end

t_begin "the genuine bundle verifies though the impostor was trusted first"
run 0 "$QASID" verify -K "$W/imp-ring" "$W/b.qasid"
t_grep "^$W/b.qasid: OK \"Week 5\" key $ID (publisher) fingerprint $FP " \
    "$OUT"
run 0 "$QASID" unpack -K "$W/imp-ring" -C "$W/imp-out" "$W/b.qasid"
t_same "$W/in/drop/statement.txt" "$W/imp-out/drop/statement.txt"
t_end

t_begin "the impostor's bundle shows the impostor's name and fingerprint"
run 0 "$QASID" verify -K "$W/imp-ring" "$W/fake.qasid"
t_grep "^$W/fake.qasid: OK \"Forged week\" key $ID (impostor) fingerprint $FFP " \
    "$OUT"
run 0 "$QASID" list -K "$W/imp-ring" "$W/fake.qasid"
t_grep "^key:      $ID (impostor) fingerprint $FFP\$" "$OUT"
run 0 "$QASID" verify --json -K "$W/imp-ring" "$W/fake.qasid"
t_grep "\"fingerprint\":\"$FFP\",\"signer\":\"impostor\"" "$OUT"
t_end

t_begin "with only the impostor trusted, the genuine bundle fails (exit 1)"
run 0 "$QASID" trust add "$W/fake.pub" -n "impostor" -K "$W/imp-only"
run 1 "$QASID" verify -K "$W/imp-only" "$W/b.qasid"
t_grep "^qasid: $W/b.qasid: .*signature does not verify" "$ERR"
t_end

t_begin "trusting either key again is refused (exit 2), naming its name"
cp "$W/imp-ring" "$W/imp-ring.before"
run 2 "$QASID" trust add "$W/k.pub" -n again -K "$W/imp-ring"
t_grep "^qasid: key $ID is already trusted as \"publisher\"" "$ERR"
run 2 "$QASID" trust add "$(keystring "$W/fake.pub")" -K "$W/imp-ring"
t_grep "already trusted as \"impostor\"" "$ERR"
t_same "$W/imp-ring.before" "$W/imp-ring"
t_end

t_begin "a shared id is removed by key file, not by id"
run 2 "$QASID" trust remove "$ID" -K "$W/imp-ring"
t_grep "^qasid: $ID: 2 trusted keys carry this key id; name the one to remove by its key file or key string" "$ERR"
t_same "$W/imp-ring.before" "$W/imp-ring"
run 0 "$QASID" trust remove "$W/fake.pub" -K "$W/imp-ring"
t_grep "^removed $ID  $FFP  -\$" "$OUT"
run 0 "$QASID" trust list -K "$W/imp-ring"
t_lines 1 "$OUT"
t_grep "^$ID  $FP  publisher\$" "$OUT"
run 1 "$QASID" verify -K "$W/imp-ring" "$W/fake.qasid"
run 0 "$QASID" verify -K "$W/imp-ring" "$W/b.qasid"
t_nogrep "fingerprint" "$OUT"
t_end

t_begin "a hand-added line with a known id is kept, and kept on saving"
printf '%s publisher\n%s hand-added\n' "$(keystring "$W/k.pub")" \
    "$(keystring "$W/fake.pub")" >"$W/hand-ring"
run 0 "$QASID" trust list -K "$W/hand-ring"
t_lines 2 "$OUT"
t_grep "^$ID  $FFP  hand-added\$" "$OUT"
run 0 "$QASID" trust add "$W/other.pub" -K "$W/hand-ring"
run 0 "$QASID" trust list -K "$W/hand-ring"
t_lines 3 "$OUT"
t_grep "^$ID  $FFP  hand-added\$" "$OUT"
run 0 "$QASID" verify -K "$W/hand-ring" "$W/fake.qasid"
t_grep "(hand-added) fingerprint $FFP " "$OUT"
t_end
