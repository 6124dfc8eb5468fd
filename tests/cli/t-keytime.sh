#!/bin/sh
# SPDX-License-Identifier: ISC
# t-keytime.sh - keys over time (FORMAT.md 17.3): keygen's successor and the
# bundles' commitment to it, key rotate and revoke, trust import, and a
# recipient who pinned the first key following rotations from a
# .qasid-keys folder; a thief with the current key alone, forged, corrupt
# and contradicting statements, compromise after a sequence.
. "$QASID_TOP/tests/lib.sh"
. "$QASID_TOP/tests/cli/cli.sh"

publisher_setup

t_begin "keygen makes a successor beside the secret key"
run 0 "$QASID" keygen -W -p "$P/k.pub" -s "$P/k.sec"
t_exists "$P/k.sec.next"
t_exists "$P/k.sec.next.pub"
t_grep "^untrusted comment: minisign secret key$" "$P/k.sec.next"
[ "$(stat -c %a "$P/k.sec.next")" = 600 ] || t_fail "successor mode"
t_grep "^successor: $P/k.sec.next (key " "$OUT"
t_grep "keep it off the machine that signs" "$OUT"
cmp -s "$P/k.pub" "$P/k.sec.next.pub" && t_fail "the successor is the key"
t_end

t_begin "keygen: an empty password needs a confirmation on the terminal"
if python3 -c 'import pty' 2>/dev/null; then
	printf '\n\nno\n' >"$W/answers"
	run 2 python3 -c 'import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[2], sys.argv[2:])
for line in open(sys.argv[1]):
    __import__("time").sleep(0.5); os.write(fd, line.encode())
out = b""
try:
    while True:
        b = os.read(fd, 1024)
        if not b: break
        out += b
except OSError:
    pass
sys.stderr.write(out.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))' "$W/answers" \
	    "$QASID" keygen \
	    -p "$W/e.pub" -s "$W/e.sec" 2>/dev/null
	t_grep "warning: the password is empty" "$ERR"
	t_grep "Type yes to go on" "$ERR"
	t_grep "$W/e.sec: not saved" "$ERR"
	t_absent "$W/e.sec"
	t_absent "$W/e.sec.next"
fi
t_end

t_begin "bundles commit to the successor; key show gives the same hash"
run 0 pack_at $T0 1 "$S/news-1.qasid"
mkdir "$W/x" && tar -xzf "$S/news-1.qasid" -C "$W/x"
c1=$(commitment "$P/k.sec.next.pub")
t_grep "^next-key $c1$" "$W/x/.qasid/manifest"
run 0 "$QASID" key show "$P/k.sec.next.pub"
t_grep "^commitment: $c1 " "$OUT"
t_grep "^fingerprint: " "$OUT"
t_end

t_begin "a recipient pins the first key and records its commitment"
run 0 "$QASID" trust add -n news "$P/k.pub"
cp "$P/k.pub" "$W/k1.pub"
run 0 "$QASID" verify "$S/news-1.qasid"
t_grep "^commit $(keystring "$P/k.pub") $c1$" "$QASID_KEYRING"
t_end

t_begin "key rotate: statement, files, and the publisher's next bundles"
cd "$P" || exit 1
SOURCE_DATE_EPOCH=$((T0 + 100)) run 0 "$QASID" key rotate -s k.sec -p k.pub \
    -o "$S/.qasid-keys"
cd "$W" || exit 1
k1=$(keyid "$W/k1.pub")
k2=$(keyid "$P/k.pub")
t_grep "^rotated key $k1 to key $k2$" "$OUT"
t_grep "(bundles packed with k.sec carry it from k.sec.keys;" "$OUT"
t_exists "$P/k.sec.retired-$k1"
t_exists "$P/k.pub.retired-$k1"
t_exists "$S/.qasid-keys/$k1-$k2.rotate.minisig"
t_exists "$S/.qasid-keys/$k1-$k2.rotate.old.minisig"
# Kept beside the key too, for bundles to carry: the same bytes.
cmp "$P/k.sec.keys/$k1-$k2.rotate.minisig" \
    "$S/.qasid-keys/$k1-$k2.rotate.minisig" || t_fail "SEC.keys differs"
cp "$P/k.pub" "$W/k2.pub"
run 0 pack_at $((T0 + 200)) 2 "$S/news-2.qasid"
SOURCE_DATE_EPOCH=$((T0 + 300)) run 0 "$QASID" key rotate -q -s "$P/k.sec" \
    -p "$P/k.pub" -o "$S/.qasid-keys"
k3=$(keyid "$P/k.pub")
run 0 pack_at $((T0 + 400)) 3 "$S/news-3.qasid"
t_end

t_begin "minisign -V checks a statement by hand"
if command -v minisign >/dev/null 2>&1; then
	run 0 minisign -V -p "$W/k2.pub" -m "$S/.qasid-keys/$k1-$k2.rotate"
	t_grep "Trusted comment: qasid-statement 1 kind:rotate" "$OUT"
	run 0 minisign -V -p "$W/k1.pub" -m "$S/.qasid-keys/$k1-$k2.rotate" \
	    -x "$S/.qasid-keys/$k1-$k2.rotate.old.minisig"
else
	t_skip "$T_NAME" "minisign not installed"
fi
t_end

t_begin "pinned to the first key, a bundle two rotations on verifies, told once"
mkdir "$W/only3" && cp "$S/news-3.qasid" "$W/only3/" &&
    cp -r "$S/.qasid-keys" "$W/only3/"
run 0 "$QASID" verify "$W/only3/news-3.qasid"
t_grep "OK .* key $k3 (news) series news/3" "$OUT"
t_grep "^qasid: note: the publisher rotated from key $k1 to key $k2, fingerprint " "$ERR"
t_grep "^qasid: note: the publisher rotated from key $k2 to key $k3, fingerprint " "$ERR"
run 0 "$QASID" verify "$W/only3/news-3.qasid"
t_empty "$ERR"
t_end

t_begin "trust list shows the current key and the earlier ones"
run 0 "$QASID" trust list
t_grep "^$k1 .* news  \[retired (rotated to $k2)\]$" "$OUT"
t_grep "^$k2 .* news  \[retired (rotated to $k3)\]$" "$OUT"
t_grep "^$k3 .* news$" "$OUT"
t_end

t_begin "a retired key: bundles from before the rotation verify, new ones do not"
run 0 "$QASID" verify "$S/news-1.qasid"
run 0 pack_at $((T0 + 500)) 9 "$W/late.qasid" "$P/k.sec.retired-$k1"
run 1 "$QASID" verify "$W/late.qasid"
t_grep "^qasid: $W/late.qasid: signed by key $k1, made after its publisher rotated to key $k2$" "$ERR"
t_end

t_begin "a retired key: a backdated bundle above the sequences seen is refused"
run 0 pack_at $((T0 + 50)) 9 "$W/backdated.qasid" "$P/k.sec.retired-$k1"
run 1 "$QASID" verify "$W/backdated.qasid"
t_grep "^qasid: $W/backdated.qasid: news/9 of key $k1, which its publisher rotated away from after news/1: a retired key signs nothing new$" "$ERR"
t_end

t_begin "a thief with the current key alone cannot rotate"
mkdir "$W/thief" && cp "$P/k.sec" "$P/k.pub" "$W/thief/"
cd "$W/thief" || exit 1
run 0 "$QASID" key rotate -s k.sec -p k.pub -o "$W/thief/out"
t_grep "^qasid: note: key $k3 had no successor" "$ERR"
cd "$W" || exit 1
run 1 "$QASID" trust import "$W"/thief/out/*.rotate
t_grep "rotation of key $k3 to a key its bundles did not commit to: forged" "$ERR"
run 0 "$QASID" verify "$S/news-3.qasid"
t_end

t_begin "corrupt and forged statements are refused"
f=$(ls "$S"/.qasid-keys/*.rotate | head -1)
sed 's/^created .*/created 1/' "$f" >"$W/corrupt.rotate"
cp "$f.minisig" "$W/corrupt.rotate.minisig"
run 1 "$QASID" trust import "$W/corrupt.rotate"
t_grep "signature does not verify by the key the statement names" "$ERR"
printf 'qasid-statement 1\nkind rotate\n' >"$W/half.rotate"
cp "$f.minisig" "$W/half.rotate.minisig"
run 1 "$QASID" trust import "$W/half.rotate"
t_grep "not a qasid key statement" "$ERR"
t_end

t_begin "key show prints a statement and the fingerprints it names"
run 0 "$QASID" key show "$S/.qasid-keys/$k1-$k2.rotate"
t_grep "^kind rotate$" "$OUT"
t_grep "^key $k1, fingerprint " "$OUT"
fp2=$("$QASID" trust show "$W/k2.pub" | sed 's/^[0-9A-F]*  //; s/  -$//')
t_grep "^new key $k2, fingerprint $fp2$" "$OUT"
t_grep "^signatures: valid" "$OUT"
run 1 "$QASID" key show "$W/corrupt.rotate"
t_end

t_begin "a statement arriving again changes nothing"
run 0 "$QASID" trust import "$f"
t_grep "nothing new" "$OUT"
t_end

t_begin "statements before any bundle: the old key's signature stands in"
export QASID_KEYRING="$W/fresh.keyring"
run 0 "$QASID" trust add -n news "$W/k1.pub"
run 0 "$QASID" trust import "$S/.qasid-keys/$k1-$k2.rotate"
t_grep "rotated from key $k1 to key $k2" "$ERR"
run 0 "$QASID" verify "$S/news-2.qasid"
t_end

t_begin "two rotations of one key contradict: both shown, key compromised"
# A thief who stole the old key and its successor rotates again, to a
# successor of their own.
mkdir "$W/other"
cp "$P/k.sec.retired-$k1" "$W/other/k.sec"
cp "$P/k.pub.retired-$k1" "$W/other/k.pub"
cp "$P/k.sec.retired-$k2" "$W/other/k.sec.next"
cd "$W/other" || exit 1
run 0 "$QASID" key rotate -s k.sec -p k.pub -o "$W/other/out"
cd "$W" || exit 1
run 1 "$QASID" trust import "$W"/other/out/*.rotate
t_grep "two rotations of key $k1 to key $k2 commit to different successors" "$ERR"
run 0 "$QASID" trust list
t_grep "^$k2 .*\[compromised\]$" "$OUT"
t_end

t_begin "revoked as compromised after news/2: news/2 stays good, news/3 is refused"
export QASID_KEYRING="$W/rev.keyring" QASID_STATE="$W/state-rev"
run 0 "$QASID" trust add -n news "$P/k.pub"
run 0 pack_at $((T0 + 600)) 2 "$W/r2.qasid"
run 0 pack_at $((T0 + 600)) 3 "$W/r3.qasid"
run 0 "$QASID" key revoke -s "$P/k.sec.next" -p "$P/k.pub" \
    -o "$W/rev.statement" --compromised=news/2
t_grep "^status compromised$" "$OUT"
t_grep "^after news 2$" "$OUT"
# Signed by the successor: it counts once a bundle committed to it.
run 0 "$QASID" verify "$W/r2.qasid"
run 0 "$QASID" trust import "$W/rev.statement"
run 0 "$QASID" verify "$W/r2.qasid"
run 1 "$QASID" verify "$W/r3.qasid"
t_grep "revoked as compromised after news/2: news/3 is not the publisher's" "$ERR"
t_end

t_begin "compromised after news/3: news/3 first seen after the revocation is refused"
export QASID_KEYRING="$W/rev3.keyring" QASID_STATE="$W/state-rev3"
run 0 "$QASID" trust add -n news "$P/k.pub"
run 0 "$QASID" key revoke -s "$P/k.sec.next" -p "$P/k.pub" \
    -o "$W/rev3.statement" --compromised=news/3
run 0 "$QASID" verify "$W/r2.qasid"
run 0 "$QASID" trust import "$W/rev3.statement"
run 0 "$QASID" verify "$W/r2.qasid"
t_grep ": CURRENT (seen before)$" "$OUT"
run 1 "$QASID" verify "$W/r3.qasid"
t_grep "^qasid: $W/r3.qasid: news/3 of key $k3, which its publisher revoked as compromised: a bundle of it is trusted only if it was verified before the revocation arrived, and this one was not$" "$ERR"
run 1 "$QASID" unpack -C "$W/out-r3" "$W/r3.qasid"
t_grep "verified before the revocation arrived" "$ERR"
t_absent "$W/out-r3/in"
# --allow-older cannot tell an old bundle seen before from the thief's.
run 0 pack_at $((T0 + 600)) 1 "$W/r1.qasid"
run 1 "$QASID" verify --allow-older "$W/r1.qasid"
t_grep "verified before the revocation arrived" "$ERR"
t_end

t_begin "compromised after news/3: news/3 verified before the revocation stays good"
export QASID_KEYRING="$W/rev4.keyring" QASID_STATE="$W/state-rev4"
run 0 "$QASID" trust add -n news "$P/k.pub"
run 0 "$QASID" verify "$W/r2.qasid"
run 0 "$QASID" verify "$W/r3.qasid"
run 0 "$QASID" trust import "$W/rev3.statement"
run 0 "$QASID" verify "$W/r3.qasid"
t_grep ": CURRENT (seen before)$" "$OUT"
t_end

t_begin "a revocation signed by a key that was not committed to is forged"
"$QASID" keygen -q -W -p "$W/z.pub" -s "$W/z.sec" 2>/dev/null
export QASID_KEYRING="$W/rev2.keyring" QASID_STATE="$W/state-rev2"
run 0 "$QASID" trust add -n news "$P/k.pub"
run 0 "$QASID" verify "$W/r2.qasid"
run 0 "$QASID" key revoke -s "$W/z.sec" -p "$P/k.pub" -o "$W/z.statement"
run 1 "$QASID" trust import "$W/z.statement"
t_grep "revocation of key $k3 signed by a key it did not commit to: forged" "$ERR"
t_end

t_begin "a thief revoking with the stolen key: accepted, and visible"
run 0 "$QASID" key revoke -s "$P/k.sec" -p "$P/k.pub" -o "$W/thief.revoke"
run 0 "$QASID" trust import "$W/thief.revoke"
t_grep "^qasid: note: the publisher revoked key $k3" "$ERR"
run 0 "$QASID" trust list
t_grep "^$k3 .*\[retired\]$" "$OUT"
t_end

t_begin "a bundle committing to another successor is refused, both shown"
export QASID_KEYRING="$W/two.keyring" QASID_STATE="$W/state-two"
run 0 "$QASID" trust add -n news "$P/k.pub"
run 0 "$QASID" verify "$W/r2.qasid"
mv "$P/k.sec.next.pub" "$W/saved.next.pub"
cp "$W/z.pub" "$P/k.sec.next.pub"
run 0 pack_at $((T0 + 700)) 4 "$W/r4.qasid"
mv "$W/saved.next.pub" "$P/k.sec.next.pub"
run 1 "$QASID" verify "$W/r4.qasid"
t_grep "committed to successor $(commitment "$P/k.sec.next.pub") first, and this bundle to $(commitment "$W/z.pub")" "$ERR"
t_end

t_begin "a minisign -G key signs bundles; its first rotation says it had no successor"
if command -v minisign >/dev/null 2>&1; then
	mkdir "$W/mg" && cd "$W/mg" || exit 1
	run 0 minisign -G -W -p m.pub -s m.sec
	run 0 "$QASID" pack -q -s m.sec -o m1.qasid "$P/in"
	run 0 "$QASID" verify -p m.pub m1.qasid
	run 0 "$QASID" key rotate -s m.sec -p m.pub -o keys
	t_grep "had no successor (a key made by minisign -G" "$ERR"
	echo hi >note.txt
	run 0 minisign -S -s m.sec -m note.txt
	run 0 minisign -V -p m.pub -m note.txt
	cd "$W" || exit 1
else
	t_skip "$T_NAME" "minisign not installed"
fi
t_end

t_begin "a seized laptop: the successor revokes the key and rotates to itself"
export QASID_KEYRING="$W/seized.keyring" QASID_STATE="$W/state-seized"
L="$W/laptop" && mkdir -p "$L" "$W/s2"
"$QASID" keygen -q -W -p "$L/k.pub" -s "$L/k.sec" 2>/dev/null
run 0 "$QASID" trust add -n paper "$L/k.pub"
run 0 pack_at $T0 1 "$W/s2/paper-1.qasid" "$L/k.sec"
run 0 pack_at $((T0 + 10)) 2 "$W/s2/paper-2.qasid" "$L/k.sec"
run 0 "$QASID" verify "$W/s2/paper-1.qasid"
# The laptop is taken with k.sec on it; k.sec.next was kept elsewhere.
mv "$L/k.sec" "$W/seized.sec"
run 0 "$QASID" key revoke -s "$L/k.sec.next" -p "$L/k.pub" \
    -o "$W/s2/.qasid-keys-revoke" --compromised=news/1
mkdir "$W/s2/.qasid-keys"
mv "$W/s2/.qasid-keys-revoke" "$W/s2/.qasid-keys/seized.revoke"
mv "$W/s2/.qasid-keys-revoke.minisig" "$W/s2/.qasid-keys/seized.revoke.minisig"
SOURCE_DATE_EPOCH=$((T0 + 20)) run 0 "$QASID" key rotate -s "$L/k.sec" \
    -p "$L/k.pub" -o "$W/s2/.qasid-keys"
run 0 pack_at $((T0 + 30)) 3 "$W/s2/paper-3.qasid" "$L/k.sec"
# The thief signs with the seized key.
run 0 pack_at $((T0 + 40)) 4 "$W/thief-4.qasid" "$W/seized.sec"
run 0 "$QASID" verify "$W/s2/paper-3.qasid"
t_grep "^qasid: note: the publisher revoked key" "$ERR"
t_grep "^qasid: note: the publisher rotated from key" "$ERR"
cp "$W/thief-4.qasid" "$W/s2/"
run 1 "$QASID" verify "$W/s2/thief-4.qasid"
t_grep "which its publisher revoked as compromised" "$ERR"
t_end

t_begin "unpack and list follow statements beside the bundle too"
export QASID_KEYRING="$W/follow.keyring" QASID_STATE="$W/state-follow"
run 0 "$QASID" trust add -n news "$W/k1.pub"
run 0 "$QASID" list "$W/only3/news-3.qasid"
t_grep "rotated from key $k1 to key $k2" "$ERR"
t_nogrep "not trusted" "$ERR"
export QASID_KEYRING="$W/follow2.keyring"
run 0 "$QASID" trust add -n news "$W/k1.pub"
run 0 "$QASID" unpack -C "$W/out3" "$W/only3/news-3.qasid"
t_grep "rotated from key $k2 to key $k3" "$ERR"
t_exists "$W/out3/in/news.txt"
t_end

t_begin "a bundle carries its chain: pinned to the first key, no folder, no command"
export QASID_KEYRING="$W/carried.keyring" QASID_STATE="$W/state-carried"
run 0 "$QASID" trust add -n news "$W/k1.pub"
mkdir "$W/bare" && cp "$S/news-3.qasid" "$W/bare/"
tar -tzf "$W/bare/news-3.qasid" >"$W/bare.toc"
t_grep "^\.qasid/keys/$k1-$k2\.rotate$" "$W/bare.toc"
t_grep "^\.qasid/keys/$k2-$k3\.rotate\.old\.minisig$" "$W/bare.toc"
run 0 "$QASID" verify "$W/bare/news-3.qasid"
t_grep "OK .* key $k3 (news) series news/3, 1 files, 17 bytes" "$OUT"
t_grep "^qasid: note: the publisher rotated from key $k1 to key $k2, fingerprint $fp2 ($W/bare/news-3.qasid: .qasid/keys/$k1-$k2.rotate)$" "$ERR"
t_grep "^qasid: note: the publisher rotated from key $k2 to key $k3, fingerprint " "$ERR"
run 0 "$QASID" verify "$W/bare/news-3.qasid"
t_empty "$ERR"
t_end

t_begin "carried statements: refcheck.py, the second reader, agrees"
run 0 python3 "$QASID_TOP/tests/format/refcheck.py" --writer \
    "$W/bare/news-3.qasid"
t_grep "^OK" "$OUT"
t_end

t_begin "carried statements: unpack publishes no .qasid entry, list shows none"
export QASID_KEYRING="$W/carried2.keyring" QASID_STATE="$W/state-carried2"
run 0 "$QASID" trust add -n news "$W/k1.pub"
run 0 "$QASID" unpack -C "$W/out-carried" "$W/bare/news-3.qasid"
t_grep "rotated from key $k2 to key $k3" "$ERR"
t_grep "^unpacked 1 files into " "$OUT"
t_absent "$W/out-carried/.qasid"
t_exists "$W/out-carried/in/news.txt"
run 0 "$QASID" list "$W/bare/news-3.qasid"
t_nogrep "[.]qasid/" "$OUT"
t_end

t_begin "carried statements: tar -x's .qasid beside unpack's files is no clash"
export QASID_KEYRING="$W/carried3.keyring" QASID_STATE="$W/state-carried3"
run 0 "$QASID" trust add -n news "$P/k.pub"
mkdir "$W/both" && tar -xzf "$W/bare/news-3.qasid" -C "$W/both" .qasid
run 0 "$QASID" unpack -C "$W/both" "$W/bare/news-3.qasid"
t_exists "$W/both/in/news.txt"
t_end

t_begin "carried statements: unpack --salvage keeps the content, not them"
run 0 "$QASID" unpack --salvage -C "$W/salv" "$W/bare/news-3.qasid"
t_exists "$W/salv/in/news.txt"
t_absent "$W/salv/.qasid"
t_end

t_begin "carried statements: minisign -V checks them after tar -x"
if command -v minisign >/dev/null 2>&1; then
	mkdir "$W/tx" && tar -xzf "$W/bare/news-3.qasid" -C "$W/tx"
	run 0 minisign -V -p "$W/k2.pub" -m "$W/tx/.qasid/keys/$k1-$k2.rotate"
	t_grep "Trusted comment: qasid-statement 1 kind:rotate" "$OUT"
else
	t_skip "$T_NAME" "minisign not installed"
fi
t_end

t_begin "format 1 carries no statements: a bundle of a later key is not trusted"
export QASID_KEYRING="$W/nofollow.keyring" QASID_STATE="$W/state-nofollow"
run 0 "$QASID" trust add -n news "$W/k1.pub"
SOURCE_DATE_EPOCH=$((T0 + 450)) run 0 "$QASID" pack -q -s "$P/k.sec" \
    --format 1 -o "$W/bare/old-3.qasid" "$P/in"
tar -tzf "$W/bare/old-3.qasid" | grep -q '^\.qasid/keys' && t_fail "carried"
run 1 "$QASID" verify "$W/bare/old-3.qasid"
t_grep "signed by key $k3, which is not trusted" "$ERR"
t_end

t_begin "a forged statement carried is refused and shown; the bundle stays untrusted"
export QASID_KEYRING="$W/forged.keyring" QASID_STATE="$W/state-forged"
run 0 "$QASID" trust add -n news "$W/k1.pub"
# A thief with k3 alone carries a rotation of k1 it signed itself.
mkdir -p "$W/thief2" && cp "$P/k.sec" "$W/thief2/k.sec"
mkdir "$W/thief2/k.sec.keys"
cp "$P/k.sec.keys/$k1-$k2.rotate" "$W/thief2/k.sec.keys/$k1-$k2.rotate"
cp "$P/k.sec.keys/$k2-$k3.rotate.minisig" \
    "$W/thief2/k.sec.keys/$k1-$k2.rotate.minisig"
SOURCE_DATE_EPOCH=$((T0 + 460)) run 0 "$QASID" pack -q -s "$W/thief2/k.sec" \
    -o "$W/thief2/t.qasid" "$P/in"
run 1 "$QASID" verify "$W/thief2/t.qasid"
t_grep "$W/thief2/t.qasid: .qasid/keys/$k1-$k2.rotate.minisig: signature does not verify by the key the statement names: forged or damaged" "$ERR"
t_grep "signed by key $k3, which is not trusted" "$ERR"
t_end

t_begin "a damaged carried statement fails verification like any content"
export QASID_KEYRING="$W/dmg.keyring" QASID_STATE="$W/state-dmg"
run 0 "$QASID" trust add -n news "$P/k.pub"
python3 - "$W/bare/news-3.qasid" "$W/dmg.qasid" <<'PY'
import sys, zlib
b = open(sys.argv[1], 'rb').read()
# Member 2 is the third gzip member: flip a byte inside it.
d = zlib.decompressobj(31); rest = b
offs = [0]
while rest:
    d = zlib.decompressobj(31); d.decompress(rest)
    used = len(rest) - len(d.unused_data); offs.append(offs[-1] + used)
    rest = d.unused_data
m2 = offs[2]
b = bytearray(b); b[m2 + 40] ^= 1
open(sys.argv[2], 'wb').write(bytes(b))
PY
run 1 "$QASID" verify "$W/dmg.qasid"
t_end

t_begin "pack refuses more statements than a bundle carries, or odd names"
mkdir -p "$W/lim" && cd "$W/lim" || exit 1
"$QASID" keygen -q -W -p l.pub -s l.sec 2>/dev/null
mkdir l.sec.keys
i=0
while [ $i -lt 65 ]; do echo x >"l.sec.keys/s$i"; i=$((i + 1)); done
run 2 "$QASID" pack -q -s l.sec -o l.qasid "$P/in"
t_grep "l.sec.keys: more than 64 files or 65536 bytes of statements: keep the chain alone" "$ERR"
t_absent l.qasid
rm l.sec.keys/*
echo x >"l.sec.keys/a b"
run 2 "$QASID" pack -q -s l.sec -o l.qasid "$P/in"
t_grep "l.sec.keys/a b: not a statement file a bundle can carry" "$ERR"
cd "$W" || exit 1
t_end

t_begin "bundles of one key committing to two successors: compromised, kept so"
mkdir -p "$W/two" && cd "$W/two" || exit 1
"$QASID" keygen -q -W -p t.pub -s t.sec 2>/dev/null
"$QASID" keygen -q -W -p o.pub -s o.sec 2>/dev/null
cp t.sec.next.pub mine.pub
QASID_KEYRING="$W/two/ring" QASID_STATE="$W/two/state"
export QASID_KEYRING QASID_STATE
run 0 "$QASID" trust add t.pub -n two
two_at() {
	SOURCE_DATE_EPOCH=$1 "$QASID" pack -q -s t.sec -o "$3" -n two -N "$2" \
	    "$P/in"
}
two_at $T0 1 a.qasid
run 0 "$QASID" verify a.qasid
# Someone else with the key commits to a successor of their own.
cp o.pub t.sec.next.pub
two_at $((T0 + 10)) 2 b.qasid
run 1 "$QASID" verify b.qasid
t_grep "someone else holds the key$" "$ERR"
run 0 "$QASID" trust list
t_grep "\[compromised\]" "$OUT"
# The next bundle commits to the first successor again: the keyring
# remembers the key is compromised, so it is refused all the same, and so
# is the first (which of the two is the thief's, nothing tells).
cp mine.pub t.sec.next.pub
two_at $((T0 + 20)) 3 c.qasid
run 1 "$QASID" verify c.qasid
t_grep "^qasid: c.qasid: signed by key [0-9A-F]*, which counts as compromised: its publisher revoked it, or it was seen committing to two successors\$" "$ERR"
run 1 "$QASID" verify a.qasid
unset QASID_KEYRING QASID_STATE
cd "$W" || exit 1
t_end
