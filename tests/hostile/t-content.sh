#!/bin/sh
# SPDX-License-Identifier: ISC
# t-content.sh - a correctly signed manifest against a body that says
# something else, or a body and manifest that agree on something unsafe:
# entries missing or extra, sizes, hashes, order, duplicates, tar headers
# that other tar readers would understand differently.
# Work on a memory file system when there is one: unpack syncs, and the
# thousands of small folders these cases make cost little there.
if [ -d /dev/shm ] && [ -w /dev/shm ]; then TMPDIR=/dev/shm; export TMPDIR; fi
. "$QASID_TOP/tests/lib.sh"
. "$QASID_TOP/tests/hostile/lib-hostile.sh"

PRE='
A = File("news/today.txt", b"all is well\n")
B = Bundle(K, [Dir("news"), A, File("news/zz.txt", b"last\n")])
def body(parts, trailer=b"\0" * 1024):
    return [gz(b"".join(parts) + trailer)]
'

t_begin "entry in the body but not in the manifest"
craft "$W/extra.qasid" <<PY
$PRE
parts, tr = B.tar_parts(B.entries[:2] + [File("news/planted.txt", b"x")] + B.entries[2:])
m = body(parts, tr)
B.write(OUT, members=m)
PY
h_refuse 1 "tar header of 'news/zz.txt' does not match" "$W/extra.qasid"
t_absent "$DEST/news"
t_end

t_begin "entry in the manifest but not in the body"
craft "$W/missing.qasid" <<PY
$PRE
parts, tr = B.tar_parts(B.entries[:2])
B.write(OUT, members=body(parts, tr))
PY
h_refuse 1 "tar header of 'news/zz.txt' does not match" "$W/missing.qasid"
t_end

t_begin "size in the manifest differs from the body"
craft "$W/size.qasid" <<PY
$PRE
B.write(OUT, manifest=lambda m: m.replace(b"file 644 12 ", b"file 644 13 "))
PY
h_refuse 1 "tar header of 'news/today.txt' does not match" "$W/size.qasid"
t_end

t_begin "content differs from its signed hash (same size)"
# The manifest of the old content over the body of the new.
craft "$W/hash.qasid" <<PY
$PRE
old = B.manifest(B.members(B.chunks()))
A.data = b"all is lost\n"
newm = B.members(B.chunks())
mf = old[:old.index(b"member ")] + B.manifest(newm)[B.manifest(newm).index(b"member "):]
B.write(OUT, members=newm, manifest=mf)
PY
h_refuse 1 "'news/today.txt' does not match its signed hash" "$W/hash.qasid"
t_end

t_begin "entries out of order (manifest and body agree)"
craft "$W/order.qasid" <<PY
B = Bundle(K, [Dir("b"), File("b/x", b"x"), Dir("a"), File("a/y", b"y")])
B.write(OUT)
PY
h_refuse 1 "'a' is duplicated or out of order" "$W/order.qasid"
t_end

t_begin "a file before its folder"
craft "$W/orphan.qasid" <<PY
B = Bundle(K, [File("a/y", b"y")])
B.write(OUT)
PY
h_refuse 1 "'a/y' comes without its folder" "$W/orphan.qasid"
t_end

for pair in "file file" "file dir" "dir file" "dir dir"; do
	t_begin "the same path twice: $pair"
	craft "$W/dup.qasid" <<PY
def make(kind):
    return Dir("twice") if kind == "dir" else File("twice", kind.encode())
B = Bundle(K, [make(k) for k in "$pair".split()])
B.write(OUT)
PY
	h_refuse 1 "'twice' is duplicated or out of order" "$W/dup.qasid"
	t_end
done

t_begin "file then a folder of the same name holding a file"
craft "$W/dup2.qasid" <<PY
B = Bundle(K, [File("twice", b"f"), Dir("twice"), File("twice/x", b"x")])
B.write(OUT)
PY
h_refuse 1 "'twice' is duplicated or out of order" "$W/dup2.qasid"
t_end

t_begin "manifest totals that disagree with its entries"
craft "$W/totals.qasid" <<PY
$PRE
B.write(OUT, manifest=lambda m: m.replace(b"\nfiles 2\n", b"\nfiles 3\n"))
PY
h_refuse 1 "totals do not match" "$W/totals.qasid"
t_end

t_begin "member line with the wrong compressed length"
craft "$W/clen.qasid" <<PY
$PRE
m = B.members(B.chunks())
mf = B.manifest(m).replace(b"member %d " % len(m[0]), b"member %d " % (len(m[0]) + 1))
B.write(OUT, members=m, manifest=mf)
PY
h_refuse 1 "gzip member 2 at offset [0-9]*" "$W/clen.qasid"
t_end

t_begin "body split into more members than the manifest lists"
craft "$W/split.qasid" <<PY
$PRE
t = B.tar()
m = [gz(t[:512]), gz(t[512:])]
mf = B.manifest(m)
mf = mf[:mf.index(b"member ")] + mf[mf.index(b"member ", mf.index(b"member ") + 1):]
mf = mf.replace(b"members 2\n", b"members 1\n")
B.write(OUT, members=m, manifest=mf)
PY
h_refuse 1 "gzip member 2 at offset\|does not match" "$W/split.qasid"
t_end

# ---- tar headers that mean something else to other readers ---------------

t_begin "pax size and ustar size disagree (body)"
craft "$W/paxsize.qasid" <<PY
$PRE
parts, tr = B.tar_parts()
d = A.data
parts[1] = (pax([(b"size", b"%d" % len(d))], b"news/PaxHeader/today.txt") +
            ustar(b"news/today.txt", len(d) + 512) + d + pad(len(d)))
B.write(OUT, members=body(parts, tr))
PY
h_refuse 1 "tar header of 'news/today.txt' does not match" "$W/paxsize.qasid"
t_end

t_begin "pax size and ustar size disagree (manifest entry in the head)"
craft "$W/paxhead.qasid" <<PY
$PRE
def head(mf, siglen):
    sig = canonical_headers([(SIG_NAME, False, 0o644, siglen)])[0]
    return (pax([(b"size", b"%d" % len(mf))], b".qasid/PaxHeader/manifest") +
            ustar(MANIFEST_NAME, len(mf) + 1024) + mf + pad(len(mf)) + sig)
B.write(OUT, head_plain=head)
PY
h_refuse 1 "not in canonical form\|not a qasid bundle" "$W/paxhead.qasid"
t_end

t_begin "pax header renaming an entry (body)"
craft "$W/paxpath.qasid" <<PY
$PRE
parts, tr = B.tar_parts()
parts[1] = pax([(b"path", b"../escaped.txt")]) + parts[1]
B.write(OUT, members=body(parts, tr))
PY
h_refuse 1 "tar header of 'news/today.txt' does not match" "$W/paxpath.qasid"
t_absent "$W/case/a/escaped.txt"
t_end

t_begin "GNU long name instead of pax (body)"
long=$(printf 'n%.0s' $(seq 1 150))
craft "$W/gnulong.qasid" <<PY
L = Dir("news")
F = File(b"news/" + b"$long", b"long name\n")
B = Bundle(K, [L, F])
parts, tr = B.tar_parts()
parts[1] = gnu_longname(F.path, F.size) + F.data + pad(F.size)
B.write(OUT, members=[gz(b"".join(parts) + tr)])
PY
h_refuse 1 "tar header of 'news/n*' does not match" "$W/gnulong.qasid"
t_end

t_begin "GNU long name for the manifest (head)"
craft "$W/gnuhead.qasid" <<PY
B = Bundle(K, [File("a", b"a")])
def head(mf, siglen):
    sig = canonical_headers([(SIG_NAME, False, 0o644, siglen)])[0]
    return gnu_longname(MANIFEST_NAME, len(mf)) + mf + pad(len(mf)) + sig
B.write(OUT, head_plain=head)
PY
h_refuse 1 "not in canonical form" "$W/gnuhead.qasid"
t_end

t_begin "GNU sparse entry (body)"
craft "$W/sparse.qasid" <<PY
$PRE
parts, tr = B.tar_parts()
d = A.data
parts[1] = ustar(b"news/today.txt", len(d), type=b"S", magic=b"ustar  \0") + d + pad(len(d))
B.write(OUT, members=body(parts, tr))
PY
h_refuse 1 "tar header of 'news/today.txt' does not match" "$W/sparse.qasid"
t_end

for flag in Z 7 A g; do
	t_begin "unknown or unexpected type flag '$flag' (body)"
	craft "$W/type.qasid" <<PY
$PRE
parts, tr = B.tar_parts()
d = A.data
parts[1] = ustar(b"news/today.txt", len(d), type=b"$flag") + d + pad(len(d))
B.write(OUT, members=body(parts, tr))
PY
	h_refuse 1 "tar header of 'news/today.txt' does not match" "$W/type.qasid"
	t_end
done

t_begin "unknown type flag for the manifest (head)"
craft "$W/typehead.qasid" <<PY
B = Bundle(K, [File("a", b"a")])
def head(mf, siglen):
    sig = canonical_headers([(SIG_NAME, False, 0o644, siglen)])[0]
    return ustar(MANIFEST_NAME, len(mf), type=b"Z") + mf + pad(len(mf)) + sig
B.write(OUT, head_plain=head)
PY
h_refuse 1 "not in canonical form\|not a qasid bundle" "$W/typehead.qasid"
t_end

# A NUL ended the title or series early: two signed manifests that qasid
# read as one, and a title shown shorter than the one signed.
for field in title series; do
	t_begin "manifest $field with a NUL byte"
	craft "$W/nul.qasid" <<PY
$PRE
B.title = b"Daily"
B.write(OUT, manifest=lambda m: m.replace(b"\n$field ", b"\n$field x\0", 1))
PY
	h_refuse 1 "manifest line [23]: .*$field" "$W/nul.qasid"
	t_end
done

t_begin "manifest line errors name the bundle file"
craft "$W/badline.qasid" <<PY
$PRE
B.write(OUT, manifest=lambda m: m.replace(b"dir news\n", b"dir news/../news\n"))
PY
run 1 "$QASID" verify -p "$W/k.pub" "$W/badline.qasid"
t_grep "^qasid: $W/badline.qasid: " "$ERR"
t_end
