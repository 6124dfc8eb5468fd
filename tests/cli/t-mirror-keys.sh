#!/bin/sh
# SPDX-License-Identifier: ISC
# t-mirror-keys.sh - a mirror that pinned a publisher's first key follows
# the publisher's statements as verify does (FORMAT.md 17.3): copy, check
# and catalog count a bundle two rotations on as pinned, whether the chain
# travels inside it or in a .qasid-keys folder beside it, and refuse a
# retired key's new bundles, a revoked key's bundles and a contradicted
# commitment, with verify's reasons.
. "$QASID_TOP/tests/lib.sh"
. "$QASID_TOP/tests/cli/cli.sh"

publisher_setup
# fresh NAME: a keyring pinning only the first key, and a record of its own.
fresh() {
	QASID_KEYRING="$W/$1.keyring" QASID_STATE="$W/state-$1"
	export QASID_KEYRING QASID_STATE
	"$QASID" trust add -n news "$W/k1.pub" >/dev/null
}

# The publisher: news/1 with K1, rotates to K2, news/2, rotates to K3,
# news/3 (which carries the chain K1 -> K2 -> K3).
"$QASID" keygen -q -W -p "$P/k.pub" -s "$P/k.sec" 2>/dev/null
cp "$P/k.pub" "$W/k1.pub"
k1=$(keyid "$W/k1.pub")
pack_at $T0 1 "$S/news-1.qasid"
(cd "$P" && SOURCE_DATE_EPOCH=$((T0 + 100)) "$QASID" key rotate -q \
    -s k.sec -p k.pub -o "$S/.qasid-keys")
k2=$(keyid "$P/k.pub")
pack_at $((T0 + 200)) 2 "$S/news-2.qasid"
SOURCE_DATE_EPOCH=$((T0 + 300)) "$QASID" key rotate -q -s "$P/k.sec" \
    -p "$P/k.pub" -o "$S/.qasid-keys"
k3=$(keyid "$P/k.pub")
pack_at $((T0 + 400)) 3 "$S/news-3.qasid"

t_begin "copy: pinned to the first key, a bundle carrying its chain is verified"
fresh carried
mkdir "$W/bare" "$W/out1" && cp "$S/news-3.qasid" "$W/bare/"
run 0 "$QASID" copy "$W/bare" "$W/out1"
t_grep "^copied $W/bare/news-3.qasid to $W/out1/news-3.qasid (verified, read back)\$" "$OUT"
t_grep "^qasid: note: the publisher rotated from key $k1 to key $k2, fingerprint .*news-3.qasid: .qasid/keys/$k1-$k2.rotate)\$" "$ERR"
t_grep "^qasid: note: the publisher rotated from key $k2 to key $k3, " "$ERR"
t_same "$S/news-3.qasid" "$W/out1/news-3.qasid"
# Told once: the keyring file keeps what the statements taught it.
rm "$W/out1/news-3.qasid"
run 0 "$QASID" copy "$W/bare" "$W/out1"
t_empty "$ERR"
run 0 "$QASID" trust list
t_grep "^$k3 .* news\$" "$OUT"
t_end

t_begin "copy --json: a followed chain says verified, check signature"
fresh carried-json
mkdir "$W/out2"
run 0 "$QASID" copy --json "$W/bare" "$W/out2"
t_grep '"ok":true,"verified":true,"check":"signature","action":"copied"' "$OUT"
t_grep "\"keyid\":\"$k3\"" "$OUT"
t_end

t_begin "copy: the chain in a .qasid-keys folder beside the bundle is followed"
fresh beside
# A K3 bundle that carries no statements: packed without SEC.keys.
mv "$P/k.sec.keys" "$P/keys.aside"
pack_at $((T0 + 450)) 4 "$W/news-4.qasid"
mv "$P/keys.aside" "$P/k.sec.keys"
tar -tzf "$W/news-4.qasid" >"$W/toc4"
t_nogrep "\.qasid/keys/" "$W/toc4"
mkdir "$W/near" "$W/out3" && cp "$W/news-4.qasid" "$W/near/" &&
    cp -r "$S/.qasid-keys" "$W/near/"
run 0 "$QASID" copy "$W/near" "$W/out3"
t_grep "^copied $W/near/news-4.qasid to $W/out3/news-4.qasid (verified, read back)\$" "$OUT"
t_grep "rotated from key $k2 to key $k3" "$ERR"
t_end

t_begin "copy passes the statements on: the next recipient follows them too"
for f in "$S"/.qasid-keys/*; do
	t_same "$f" "$W/out3/.qasid-keys/$(basename "$f")"
done
ls -A "$W/out3/.qasid-keys" >"$W/passed"
t_nogrep "tmp" "$W/passed"
fresh next
run 0 "$QASID" verify "$W/out3/news-4.qasid"
t_grep "OK .* key $k3 (news) series news/4" "$OUT"
# A forged statement beside the bundles is not handed on.
mkdir "$W/near2" "$W/out3b" && cp "$W/news-4.qasid" "$W/near2/" &&
    cp -r "$S/.qasid-keys" "$W/near2/"
sed 's/^created .*/created 1/' "$W/near2/.qasid-keys/$k1-$k2.rotate" \
    >"$W/near2/.qasid-keys/forged.rotate"
cp "$W/near2/.qasid-keys/$k1-$k2.rotate.minisig" \
    "$W/near2/.qasid-keys/forged.rotate.minisig"
run 0 "$QASID" copy "$W/near2" "$W/out3b"
t_exists "$W/out3b/.qasid-keys/$k1-$k2.rotate"
t_absent "$W/out3b/.qasid-keys/forged.rotate"
t_absent "$W/out3b/.qasid-keys/forged.rotate.minisig"
t_end

t_begin "copy: without the chain the same bundle is only intact"
fresh nochain
mkdir "$W/alone" "$W/out4" && cp "$W/news-4.qasid" "$W/alone/"
run 0 "$QASID" copy "$W/alone" "$W/out4"
t_grep "^copied $W/alone/news-4.qasid to $W/out4/news-4.qasid (intact, signer not checked, read back)\$" "$OUT"
t_end

t_begin "check and catalog count a followed bundle as verified"
fresh check
run 0 "$QASID" check "$W/bare"
t_grep "^$W/bare/news-3.qasid: verified\$" "$OUT"
run 0 "$QASID" catalog "$W/bare"
t_grep '"status":"verified"' "$W/bare/catalog.json"
t_grep "\"keyid\":\"$k3\",\"signer\":\"news\"" "$W/bare/catalog.json"
rm "$W/bare/catalog.json" "$W/bare/index.html"
t_end

t_begin "--latest: a series goes on across the publisher's rotations"
fresh latest
mkdir "$W/out-latest"
run 0 "$QASID" copy --latest "$S" "$W/out-latest"
t_grep "^copied $S/news-3.qasid to $W/out-latest/news-3.qasid (verified, read back)\$" "$OUT"
t_grep "^skipped $S/news-2.qasid: older than news/3\$" "$OUT"
t_grep "^skipped $S/news-1.qasid: older than news/3\$" "$OUT"
ls -A "$W/out-latest" >"$W/latest.ls"
t_grep "^news-3.qasid\$" "$W/latest.ls"
t_nogrep "^news-[12]" "$W/latest.ls"
# Without the statements the three keys are three publishers.
export QASID_KEYRING="$W/latest-none.keyring"
mkdir "$W/latest-none" "$W/out-none" && cp "$S"/news-*.qasid "$W/latest-none/"
run 0 "$QASID" copy --latest "$W/latest-none" "$W/out-none"
t_grep "^3 copied" "$OUT"
t_end

t_begin "check and catalog: an older sequence of an earlier key is superseded"
fresh latest-check
run 0 "$QASID" check "$S"
t_grep "^$S/news-1.qasid: verified; superseded by a newer sequence here\$" "$OUT"
t_grep "^$S/news-2.qasid: verified; superseded by a newer sequence here\$" "$OUT"
t_grep "^$S/news-3.qasid: verified\$" "$OUT"
run 0 "$QASID" catalog "$S"
t_grep '"name":"news-2.qasid","size":[0-9]*,"status":"older than another here"' "$S/catalog.json"
rm "$S/catalog.json" "$S/index.html"
t_end

t_begin "a retired key's bundle made after the rotation: refused, not copied"
fresh retired
pack_at $((T0 + 500)) 9 "$W/late.qasid" "$P/k.sec.retired-$k1"
mkdir "$W/lsrc" "$W/out5" && cp "$W/late.qasid" "$S/news-3.qasid" "$W/lsrc/"
run 1 "$QASID" copy "$W/lsrc" "$W/out5"
t_grep "^qasid: $W/lsrc/late.qasid: signed by key $k1, made after its publisher rotated to key $k2; not copied\$" "$ERR"
t_grep "^copied $W/lsrc/news-3.qasid to " "$OUT"
t_absent "$W/out5/late.qasid"
run 1 "$QASID" check "$W/lsrc"
t_grep "^qasid: $W/lsrc/late.qasid: signed by key $k1, made after its publisher rotated to key $k2\$" "$ERR"
run 1 "$QASID" check --json "$W/lsrc"
t_grep '"status":"refused","error":{"code":"' "$OUT"
run 0 "$QASID" catalog "$W/lsrc"
t_grep '"name":"late.qasid","size":[0-9]*,"status":"refused"' "$W/lsrc/catalog.json"
t_grep '<span class="s refused">refused</span>' "$W/lsrc/index.html"
t_end

t_begin "a retired key's backdated bundle above what was seen of it: refused"
fresh backdated
run 0 "$QASID" verify "$S/news-1.qasid"
pack_at $((T0 + 50)) 9 "$W/backdated.qasid" "$P/k.sec.retired-$k1"
mkdir "$W/bsrc" "$W/out6" && cp "$W/backdated.qasid" "$S/news-3.qasid" \
    "$W/bsrc/"
run 1 "$QASID" copy "$W/bsrc" "$W/out6"
t_grep "^qasid: $W/bsrc/backdated.qasid: news/9 of key $k1, which its publisher rotated away from after news/1: a retired key signs nothing new; not copied\$" "$ERR"
t_absent "$W/out6/backdated.qasid"
# verify says the same of it.
run 1 "$QASID" verify "$W/bsrc/backdated.qasid"
t_grep "a retired key signs nothing new\$" "$ERR"
# Bundles from before the rotation are still good.
mkdir "$W/osrc" "$W/out7" && cp "$S/news-1.qasid" "$W/osrc/"
run 0 "$QASID" copy "$W/osrc" "$W/out7"
t_grep "(verified, read back)\$" "$OUT"
t_end

t_begin "revoked as compromised after news/3: news/5 refused, news/3 seen before kept"
fresh revoked
pack_at $((T0 + 600)) 5 "$W/r5.qasid"
run 0 "$QASID" verify "$W/bare/news-3.qasid"
run 0 "$QASID" key revoke -s "$P/k.sec.next" -p "$P/k.pub" \
    -o "$W/rev.statement" --compromised=news/3
run 0 "$QASID" trust import "$W/rev.statement"
mkdir "$W/rsrc" "$W/out8" && cp "$W/r5.qasid" "$S/news-3.qasid" "$W/rsrc/"
run 1 "$QASID" copy "$W/rsrc" "$W/out8"
t_grep "^qasid: $W/rsrc/r5.qasid: signed by key $k3, which its publisher revoked as compromised after news/3: news/5 is not the publisher's; not copied\$" "$ERR"
t_grep "^copied $W/rsrc/news-3.qasid to .* (verified, read back)\$" "$OUT"
t_absent "$W/out8/r5.qasid"
t_end

t_begin "revoked: a bundle at or below news/3 not seen before is refused"
fresh revoked-late
run 0 "$QASID" trust import "$S/.qasid-keys/$k1-$k2.rotate" \
    "$S/.qasid-keys/$k2-$k3.rotate"
run 0 "$QASID" trust import "$W/rev.statement"
mkdir "$W/out9"
run 1 "$QASID" copy "$W/bare" "$W/out9"
t_grep "^qasid: $W/bare/news-3.qasid: news/3 of key $k3, which its publisher revoked as compromised: a bundle of it is trusted only if it was verified before the revocation arrived, and this one was not; not copied\$" "$ERR"
t_absent "$W/out9/news-3.qasid"
run 1 "$QASID" copy --json "$W/bare" "$W/out9"
t_grep '"ok":false,"verified":false,.*"error":{"code":"' "$OUT"
run 1 "$QASID" check "$W/bare"
t_grep "which its publisher revoked as compromised" "$ERR"
t_end

t_begin "a bundle committing to another successor: a contradiction, refused"
fresh contra
"$QASID" keygen -q -W -p "$W/z.pub" -s "$W/z.sec" 2>/dev/null
# Copying news/3 keeps the successor K3's bundles committed to first.
mkdir "$W/out10"
run 0 "$QASID" copy "$W/bare" "$W/out10"
mv "$P/k.sec.next.pub" "$W/saved.next.pub"
cp "$W/z.pub" "$P/k.sec.next.pub"
pack_at $((T0 + 700)) 6 "$W/csrc-6.qasid"
mv "$W/saved.next.pub" "$P/k.sec.next.pub"
mkdir "$W/csrc" && mv "$W/csrc-6.qasid" "$W/csrc/news-6.qasid"
run 1 "$QASID" copy "$W/csrc" "$W/out10"
t_grep "committed to successor $(commitment "$P/k.sec.next.pub") first, and this bundle to $(commitment "$W/z.pub"): someone else holds the key; not copied\$" "$ERR"
t_absent "$W/out10/news-6.qasid"
t_end

t_begin "a minisign -G key pinned, rotated: the mirror follows it"
if command -v minisign >/dev/null 2>&1; then
	fresh minisign
	mkdir "$W/mg" "$W/mgs" "$W/out11" && cd "$W/mg" || exit 1
	run 0 minisign -G -W -p m.pub -s m.sec
	QASID_KEYRING="$W/mg.keyring"
	run 0 "$QASID" trust add -n paper m.pub
	run 0 "$QASID" pack -q -s m.sec -n paper -N 1 -o "$W/mgs/paper-1.qasid" \
	    "$P/in"
	run 0 "$QASID" key rotate -s m.sec -p m.pub -o keys
	run 0 "$QASID" pack -q -s m.sec -n paper -N 2 -o "$W/mgs/paper-2.qasid" \
	    "$P/in"
	cd "$W" || exit 1
	run 0 "$QASID" copy "$W/mgs" "$W/out11"
	t_grep "^copied $W/mgs/paper-2.qasid to .* (verified, read back)\$" "$OUT"
	t_grep "^copied $W/mgs/paper-1.qasid to .* (verified, read back)\$" "$OUT"
	t_grep "rotated from key $(keyid "$W/mg/m.pub.retired-"*) to key " "$ERR"
	run 0 minisign -V -p "$W/mg/m.pub.retired-$(keyid "$W/mg/m.pub.retired-"*)" \
	    -m "$W/mg/keys/"*.rotate -x "$W/mg/keys/"*.rotate.old.minisig
else
	t_skip "$T_NAME" "minisign not installed"
fi
t_end

