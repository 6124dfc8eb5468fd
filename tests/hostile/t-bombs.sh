#!/bin/sh
# SPDX-License-Identifier: ISC
# t-bombs.sh - bundles made to exhaust memory, time or disk: members that
# inflate far beyond what the manifest says, millions of entries, huge pax
# headers, files larger than claimed. Each must fail with a clear reason in
# bounded memory (peak resident set under 64 MiB) and time.
# Work on a memory file system when there is one: unpack syncs, and the
# thousands of small folders these cases make cost little there.
if [ -d /dev/shm ] && [ -w /dev/shm ]; then TMPDIR=/dev/shm; export TMPDIR; fi
. "$QASID_TOP/tests/lib.sh"
. "$QASID_TOP/tests/hostile/lib-hostile.sh"

MIB=64
PRE='
A = File("news/today.txt", b"all is well\n")
B = Bundle(K, [Dir("news"), A])
def big_member(prefix, count, suffix=b"", block=bytes(1 << 20), level=9):
    """One gzip member of prefix, count copies of block, then suffix. After
    a full flush deflate starts afresh, so every copy compresses to the
    same bytes: compressed once, repeated."""
    c = zlib.compressobj(level, zlib.DEFLATED, -15)
    seg = [c.compress(prefix) + c.flush(zlib.Z_FULL_FLUSH)]
    seg.append((c.compress(block) + c.flush(zlib.Z_FULL_FLUSH)) * count)
    seg.append(c.compress(suffix) + c.flush())
    crc = zlib.crc32(prefix)
    for _ in range(count):
        crc = zlib.crc32(block, crc)
    crc = zlib.crc32(suffix, crc)
    n = len(prefix) + count * len(block) + len(suffix)
    return (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff" + b"".join(seg) +
            struct.pack("<II", crc, n & 0xFFFFFFFF))
def zeros_member(prefix, n):
    return big_member(prefix, n >> 20)
def pax_bomb(name, mib):
    """The start and end of a pax header holding a comment of mib MiB."""
    body = b" comment=" + b"A" * (mib << 20) + b"\n"
    rec = str(len(body) + 10).encode()
    assert len(rec) == 9
    data_len = len(rec) + len(body)
    hdr = ustar(name, data_len, type=b"x") + rec + b" comment="
    return hdr, b"\n" + pad(data_len)
'

t_begin "bomb: body member inflating to 1 GiB, manifest says 2 KiB"
craft "$W/zip.qasid" <<PY
$PRE
t = B.tar()
m = [zeros_member(t[:-1024], 1 << 30)]
B.write(OUT, members=m, manifest=B.manifest(m, plains=[len(t)]))
PY
h_bounded $MIB 20 1 "larger than the manifest allows\|holds more data" \
    "$QASID" verify -p "$W/k.pub" "$W/zip.qasid"
h_case
h_bounded $MIB 20 1 "larger than the manifest allows\|holds more data" \
    "$QASID" unpack -p "$W/k.pub" -C "$DEST" "$W/zip.qasid"
h_case_same
t_end

t_begin "bomb: body member inflating to 1 GiB, manifest says so"
craft "$W/zip2.qasid" <<PY
$PRE
t = B.tar()
m = [zeros_member(t[:-1024], 1 << 30)]
B.write(OUT, members=m, manifest=B.manifest(m, plains=[len(t) - 1024 + (1 << 30)]))
PY
h_bounded $MIB 20 1 "manifest member too large\|holds more data\|does not match" \
    "$QASID" verify -p "$W/k.pub" "$W/zip2.qasid"
t_end

t_begin "bomb: member line declaring 8 GiB"
craft "$W/ulen.qasid" <<PY
$PRE
m = B.members(B.chunks())
B.write(OUT, members=m, manifest=B.manifest(m, plains=[8 << 30]))
PY
h_bounded $MIB 10 1 "member larger than a reader accepts" \
    "$QASID" verify -p "$W/k.pub" "$W/ulen.qasid"
t_end

t_begin "bomb: head member inflating to 1 GiB"
craft "$W/head.qasid" <<PY
$PRE
B.write(OUT, head_raw=lambda plain: zeros_member(plain, 1 << 30))
PY
h_bounded $MIB 20 1 "larger than the manifest allows\|not in canonical form\|more data" \
    "$QASID" verify -p "$W/k.pub" "$W/head.qasid"
t_end

t_begin "bomb: 2,000,000 entries in the manifest"
craft "$W/many.qasid" <<PY
$PRE
n = 2000000
B.entries = [Dir("d%07d" % i) for i in range(3)]
m = B.members(B.chunks())
mf = B.manifest(m, counts=(0, n, 0))
head, tail = mf[:mf.index(b"dir ")], mf[mf.index(b"member "):]
mf = head + b"".join(b"dir d%07d\n" % i for i in range(n)) + tail
B.write(OUT, members=m, manifest=mf, head_raw=lambda p: gz(p, 1))
PY
h_bounded $MIB 30 1 "tar header of 'd0000003' does not match\|end of archive" \
    "$QASID" verify -p "$W/k.pub" "$W/many.qasid"
h_case
h_bounded $MIB 30 1 "tar header of 'd0000003' does not match\|end of archive" \
    "$QASID" unpack -p "$W/k.pub" -C "$DEST" "$W/many.qasid"
h_case_same
t_end

t_begin "bomb: manifest claiming more entries than a bundle may hold"
craft "$W/toomany.qasid" <<PY
$PRE
B.write(OUT, manifest=lambda m: m.replace(b"\ndirs 1\n", b"\ndirs 2000001\n"))
PY
h_bounded $MIB 10 1 "more entries than a bundle may hold" \
    "$QASID" verify -p "$W/k.pub" "$W/toomany.qasid"
t_end

t_begin "bomb: manifest claiming 20,000,001 members"
craft "$W/members.qasid" <<PY
$PRE
B.write(OUT, manifest=lambda m: m.replace(b"\nmembers 1\n", b"\nmembers 20000001\n"))
PY
h_bounded $MIB 10 1 "more entries than a bundle may hold" \
    "$QASID" verify -p "$W/k.pub" "$W/members.qasid"
t_end

t_begin "bomb: a manifest line of 1 MiB"
craft "$W/line.qasid" <<PY
$PRE
B.write(OUT, manifest=lambda m: m.replace(b"dir news\n", b"dir news" + b"x" * (1 << 20) + b"\n"))
PY
h_bounded $MIB 10 1 "line too long" "$QASID" verify -p "$W/k.pub" "$W/line.qasid"
t_end

t_begin "bomb: manifest entry declared larger than 256 MiB"
craft "$W/bigmf.qasid" <<PY
$PRE
def head(mf, siglen):
    h = canonical_headers([(MANIFEST_NAME, False, 0o644, 1 << 30),
                           (SIG_NAME, False, 0o644, siglen)])
    return h[0] + mf + pad(len(mf)) + h[1]
B.write(OUT, head_plain=head)
PY
h_bounded $MIB 10 1 "expected .qasid/manifest first" \
    "$QASID" verify -p "$W/k.pub" "$W/bigmf.qasid"
t_end

t_begin "bomb: 100 MiB pax header before the manifest (head)"
craft "$W/paxbomb.qasid" <<PY
$PRE
def head_raw(plain):
    start, end = pax_bomb(b".qasid/PaxHeader/manifest", 100)
    return big_member(start, 100, end + plain, block=b"A" * (1 << 20))
B.write(OUT, head_raw=head_raw)
PY
h_bounded $MIB 20 1 "." "$QASID" verify -p "$W/k.pub" "$W/paxbomb.qasid"
t_end

t_begin "bomb: 768 KiB pax header before the manifest (head)"
craft "$W/paxmid.qasid" <<PY
$PRE
def head_plain(mf, siglen):
    h = canonical_headers([(MANIFEST_NAME, False, 0o644, len(mf)),
                           (SIG_NAME, False, 0o644, siglen)])
    return (pax([(b"comment", b"A" * (768 << 10))], b".qasid/PaxHeader/manifest")
            + h[0] + mf + pad(len(mf)) + h[1])
B.write(OUT, head_plain=head_plain)
PY
h_bounded $MIB 10 1 "not in canonical form" "$QASID" verify -p "$W/k.pub" "$W/paxmid.qasid"
t_end

t_begin "bomb: 100 MiB pax header in the body"
craft "$W/paxbody.qasid" <<PY
$PRE
parts, tr = B.tar_parts()
start, end = pax_bomb(b"news/PaxHeader/today.txt", 100)
t = b"".join(parts[1:]) + tr
m = [big_member(parts[0] + start, 100, end + t, block=b"A" * (1 << 20))]
B.write(OUT, members=m, manifest=B.manifest(m, plains=[len(parts[0]) + len(t) +
        len(start) + len(end) + (100 << 20)]))
PY
h_bounded $MIB 20 1 "tar header of 'news/today.txt' does not match" \
    "$QASID" verify -p "$W/k.pub" "$W/paxbody.qasid"
t_end

t_begin "bomb: tar header claiming 8 GiB for a 12-byte file"
craft "$W/bigfile.qasid" <<PY
$PRE
parts, tr = B.tar_parts()
parts[1] = canonical_headers([(A.path, False, 0o644, 8 << 30)])[0] + A.data + pad(A.size)
B.write(OUT, members=[gz(b"".join(parts) + tr)])
PY
h_bounded $MIB 10 1 "tar header of 'news/today.txt' does not match" \
    "$QASID" verify -p "$W/k.pub" "$W/bigfile.qasid"
t_end

t_begin "bomb: 100 MiB more content than the manifest says"
craft "$W/longer.qasid" <<PY
$PRE
t = B.tar()
m = [zeros_member(t, 100 << 20)]
B.write(OUT, members=m, manifest=B.manifest(m, plains=[len(t) + (100 << 20)]))
PY
h_case
h_bounded $MIB 20 1 "holds more data\|does not match" \
    "$QASID" unpack -p "$W/k.pub" -C "$DEST" "$W/longer.qasid"
h_case_same
t_end

t_begin "bomb: file declared at 16 TiB with 12 bytes of content"
craft "$W/huge.qasid" <<PY
$PRE
size = 1 << 44
parts, tr = B.tar_parts()
parts[1] = canonical_headers([(A.path, False, 0o644, size)])[0] + A.data
t = b"".join(parts)
m = [gz(t)]
mf = B.manifest(m, plains=[len(t)]).replace(b"file 644 12 ", b"file 644 %d " % size)
mf = mf.replace(b"\nbytes 12\n", b"\nbytes %d\n" % size)
B.write(OUT, members=m, manifest=mf)
PY
h_case
h_bounded $MIB 10 1 "past the last member" \
    "$QASID" unpack -p "$W/k.pub" -C "$DEST" "$W/huge.qasid"
h_case_same
t_end

t_begin "bomb: file declared beyond the 16 TiB limit"
craft "$W/huger.qasid" <<PY
$PRE
B.write(OUT, manifest=lambda m: m.replace(b"file 644 12 ", b"file 644 17592186044417 "))
PY
h_bounded $MIB 10 1 "invalid file size" "$QASID" verify -p "$W/k.pub" "$W/huger.qasid"
t_end
