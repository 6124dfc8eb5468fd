#!/bin/sh
# SPDX-License-Identifier: ISC
# t-signature.sh - signatures that are missing, malformed, by the wrong or
# an untrusted key, of another bundle, in a legacy or unknown algorithm,
# non-canonical, or for an older format. Each bundle is otherwise well made.
# Work on a memory file system when there is one: unpack syncs, and the
# thousands of small folders these cases make cost little there.
if [ -d /dev/shm ] && [ -w /dev/shm ]; then TMPDIR=/dev/shm; export TMPDIR; fi
. "$QASID_TOP/tests/lib.sh"
. "$QASID_TOP/tests/hostile/lib-hostile.sh"

"$QASID" keygen -W -p "$W/k2.pub" -s "$W/k2.sec" >/dev/null
"$QASID" keygen -W -p "$W/k3.pub" -s "$W/k3.sec" >/dev/null
RING="$W/ring"
"$QASID" trust add -K "$RING" -n one "$W/k.pub" >/dev/null
"$QASID" trust add -K "$RING" -n two "$W/k2.pub" >/dev/null

# Every case starts from this bundle; the prelude is Python run by craft.
PRE='B = Bundle(K, [Dir("news"), File("news/today.txt", b"all is well\n")])'

t_begin "the undamaged crafted bundle verifies"
craft "$W/good.qasid" <<PY
$PRE
B.write(OUT)
PY
run 0 "$QASID" verify -p "$W/k.pub" "$W/good.qasid"
t_end

t_begin "missing signature entry and member"
craft "$W/nosig.qasid" <<PY
$PRE
def head(mf, siglen):
    h = canonical_headers([(MANIFEST_NAME, False, 0o644, len(mf))])[0]
    return h + mf + pad(len(mf))
B.write(OUT, head_plain=head, sig_member=lambda p: b"")
PY
h_refuse 1 "manifest.minisig" "$W/nosig.qasid"
t_end

t_begin "missing signature member"
craft "$W/nosigm.qasid" <<PY
$PRE
B.write(OUT, sig_member=lambda p: b"")
PY
h_refuse 1 "signature is missing or malformed" "$W/nosigm.qasid"
t_end

t_begin "empty signature"
craft "$W/empty.qasid" <<PY
$PRE
B.write(OUT, sign=lambda mf, t: b"")
PY
h_refuse 1 "signature is missing or malformed" "$W/empty.qasid"
t_end

t_begin "signature that is not base64"
craft "$W/b64.qasid" <<PY
$PRE
def edit(t):
    l = t.split(b"\n")
    l[1] = l[1][:20] + b"!" + l[1][21:]
    return b"\n".join(l)
B.write(OUT, sig_edit=edit)
PY
h_refuse 1 "not valid base64" "$W/b64.qasid"
t_end

t_begin "signature of the wrong length"
craft "$W/len.qasid" <<PY
$PRE
def edit(t):
    a, i, s, tc, g = sig_parts(t)
    l = t.split(b"\n")
    l[1] = base64.b64encode(a + i + s[:-1])
    return b"\n".join(l)
B.write(OUT, sig_edit=edit)
PY
h_refuse 1 "not valid base64 of the right length" "$W/len.qasid"
t_end

t_begin "altered untrusted comment"
craft "$W/ucomm.qasid" <<PY
$PRE
B.write(OUT, sign=lambda mf, t: K.minisign(mf, t, untrusted=b"signature from minisign"))
PY
h_refuse 1 "not in canonical form" "$W/ucomm.qasid"
t_end

t_begin "signature key id naming another trusted key"
craft "$W/kid.qasid" <<PY
$PRE
K2 = Key("$W/k2.sec", "$W/k2.pub")
def sign(mf, t):
    a, i, s, tc, g = sig_parts(K.minisign(mf, t))
    return sig_text(a, K2.keyid, s, tc, g)
B.write(OUT, sign=sign)
PY
h_refuse 1 "does not verify\|names another key" "$W/kid.qasid" -K "$RING"
t_end

t_begin "signature key id of an unknown key"
craft "$W/kid3.qasid" <<PY
$PRE
def sign(mf, t):
    a, i, s, tc, g = sig_parts(K.minisign(mf, t))
    return sig_text(a, b"\x01\x02\x03\x04\x05\x06\x07\x08", s, tc, g)
B.write(OUT, sign=sign)
PY
h_refuse 1 "0807060504030201, which is not trusted" "$W/kid3.qasid"
t_end

t_begin "manifest naming another key than the signature"
craft "$W/mkey.qasid" <<PY
$PRE
K2 = Key("$W/k2.sec", "$W/k2.pub")
B.write(OUT, manifest=lambda m: m.replace(K.keyid_hex, K2.keyid_hex))
PY
h_refuse 1 "names another key than the signature" "$W/mkey.qasid" -K "$RING"
t_end

t_begin "signed by a key that is not trusted"
craft "$W/untrusted.qasid" <<PY
$PRE
B.key = Key("$W/k3.sec", "$W/k3.pub")
B.write(OUT)
PY
run 0 "$QASID" verify -p "$W/k3.pub" "$W/untrusted.qasid"
h_refuse 1 "which is not trusted" "$W/untrusted.qasid"
h_refuse 1 "which is not trusted" "$W/untrusted.qasid" -K "$RING"
t_end

t_begin "legacy Ed signature (not prehashed)"
craft "$W/legacy.qasid" <<PY
$PRE
B.write(OUT, sign=lambda mf, t: K.minisign(mf, t, legacy=True))
PY
h_refuse 1 "algorithm 'Ed' is not accepted" "$W/legacy.qasid"
t_end

t_begin "unknown signature algorithm"
craft "$W/alg.qasid" <<PY
$PRE
def sign(mf, t):
    a, i, s, tc, g = sig_parts(K.minisign(mf, t))
    return sig_text(b"EX", i, s, tc, K.raw_sign(s + tc))
B.write(OUT, sign=sign)
PY
h_refuse 1 "algorithm 'EX' is not accepted" "$W/alg.qasid"
t_end

t_begin "another bundle's signature (mix and match)"
craft "$W/mix.qasid" <<PY
$PRE
other = Bundle(K, [Dir("news"), File("news/today.txt", b"all is lost\n")])
theirs = {}
def steal(mf, t):
    theirs.setdefault("sig", other.sign(other.manifest(other.members(other.chunks())), t))
    return theirs["sig"]
B.write(OUT, sign=steal)
PY
h_refuse 1 "does not verify\|does not match its signature" "$W/mix.qasid"
t_end

t_begin "another bundle's head and signature on this body"
craft "$W/mix2.qasid" <<PY
$PRE
other = Bundle(K, [Dir("news"), File("news/today.txt", b"all is lost\n")])
mine, theirs = gunzip_members(B.build()), gunzip_members(other.build())
open(OUT, "wb").write(theirs[0][1] + theirs[1][1] + b"".join(m[1] for m in mine[2:]))
PY
h_refuse 1 "does not match" "$W/mix2.qasid"
t_end

t_begin "non-canonical signature (S + L) with a valid trusted-comment signature"
craft "$W/ncs.qasid" <<PY
$PRE
def sign(mf, t):
    a, i, s, tc, g = sig_parts(K.minisign(mf, t))
    s = noncanonical(s)
    return sig_text(a, i, s, tc, K.raw_sign(s + tc))
B.write(OUT, sign=sign)
PY
h_refuse 1 "manifest signature does not verify" "$W/ncs.qasid"
t_end

t_begin "non-canonical trusted-comment signature (S + L)"
craft "$W/ncg.qasid" <<PY
$PRE
def sign(mf, t):
    a, i, s, tc, g = sig_parts(K.minisign(mf, t))
    return sig_text(a, i, s, tc, noncanonical(g))
B.write(OUT, sign=sign)
PY
h_refuse 1 "trusted comment signature does not verify" "$W/ncg.qasid"
t_end

# A small-order public key with R = identity and S = 0 "verifies" any
# message under a lax Ed25519 verifier; libsodium's strict one refuses both
# the key and the point. The second key encodes the same point
# non-canonically (y = p + 1).
for pk in identity:01 noncanonical:eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f; do
	name=${pk%%:*}
	t_begin "forgery under a small-order public key ($name encoding)"
	craft "$W/weak-$name.qasid" <<PY
pk = bytes.fromhex("${pk#*:}".ljust(64, "0"))
kid = b"\x11" * 8
open("$W/weak-$name.pub", "wb").write(b"untrusted comment: weak key\n" +
    base64.b64encode(b"Ed" + kid + pk) + b"\n")
K.keyid, K.keyid_hex = kid, b"%016X" % int.from_bytes(kid, "little")
ident = bytes.fromhex("01".ljust(64, "0")) + bytes(32)
B = Bundle(K, [Dir("news"), File("news/today.txt", b"forged\n")])
B.write(OUT, sign=lambda mf, t: sig_text(b"ED", kid, ident, t, ident))
PY
	h_refuse 1 "signature does not verify" "$W/weak-$name.qasid" \
	    -p "$W/weak-$name.pub"
	t_end
done

t_begin "format downgrade in the manifest (qasid-manifest 0)"
craft "$W/down.qasid" <<PY
$PRE
B.write(OUT, manifest=lambda m: m.replace(b"qasid-manifest 1\n", b"qasid-manifest 0\n"))
PY
h_refuse 1 "manifest format 0 is not supported" "$W/down.qasid"
t_end

t_begin "format upgrade in the manifest (qasid-manifest 3)"
craft "$W/up.qasid" <<PY
$PRE
B.write(OUT, manifest=lambda m: m.replace(b"qasid-manifest 1\n", b"qasid-manifest 3\n"))
PY
h_refuse 1 "manifest format 3 is not supported" "$W/up.qasid"
t_end

t_begin "format downgrade in the trusted comment (qasid-bundle 0)"
craft "$W/downtc.qasid" <<PY
$PRE
B.write(OUT, trusted=lambda h: b"qasid-bundle 0 head:" + h)
PY
h_refuse 1 "head does not match its signature" "$W/downtc.qasid"
t_end

t_begin "trusted comment naming another head"
craft "$W/tchead.qasid" <<PY
$PRE
B.write(OUT, trusted=lambda h: TRUSTED_PREFIX + b"0" * 64)
PY
h_refuse 1 "head does not match its signature" "$W/tchead.qasid"
t_end

# A recipient with several bundles must learn which one failed.
t_begin "signature and manifest refusals name the bundle file"
for b in empty b64 legacy ncs down; do
	run 1 "$QASID" verify -p "$W/k.pub" "$W/$b.qasid"
	t_grep "^qasid: $W/$b.qasid: " "$ERR"
done
t_end
