#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""refcheck.py - a second, independent reader of the qasid bundle format.

Written from docs/FORMAT.md alone, with Python's standard library (zlib,
hashlib): it shares no code with libqasid. If qasid and this script agree
on a bundle, the specification describes what qasid writes and reads.

    python3 refcheck.py [--writer] [--members] BUNDLE

Checks every rule of docs/FORMAT.md except the two Ed25519 signatures, which
need a key (the by-hand procedure checks those with minisign). --writer also
checks the choices the format leaves to writers but qasid always makes the
same way (member cutting, gzip header fields, which 16 KiB blocks are stored:
each member's deflate blocks are walked to see which are stored and which are
Huffman-coded). --members first prints one line per gzip member:
"member N offset O clen C ulen U". Prints "OK" or one line
"refcheck: BUNDLE: reason" and exits 0 or 1.

Limitation: the fold key uses Python's unicodedata and str.casefold() (full
case folding) with the Unicode version of this Python, which may be older
than the specified 15.0; exact for the names the tests use.
"""

import base64
import collections
import hashlib
import math
import re
import sys
import unicodedata
import zlib

BLOCK = 512
CHUNK = 1 << 20
SIG_MEMBER_LEN = 535
UNTRUSTED = "untrusted comment: qasid bundle manifest signature"
TRUSTED_PREFIX = "qasid-bundle %d head:"


class Bad(Exception):
    pass


def need(ok, why):
    if not ok:
        raise Bad(why)


# ---- Tar headers (FORMAT.md, "Tar headers") ------------------------------

def octal(v, width):
    s = format(v, "o")
    need(len(s) <= width, "number too large for its field")
    return s.rjust(width, "0").encode()


def number(v, digits, maxlen, strict):
    if strict:
        return octal(v, digits)
    if v >= 0:
        for n in range(digits, maxlen + 1):
            if v < 1 << (3 * n):
                return octal(v, n)
    b = bytearray((v & ((1 << (8 * maxlen)) - 1)).to_bytes(maxlen, "big"))
    b[0] |= 0x80
    return bytes(b)


def ustar(name, mode, size, mtime, typeflag, strict):
    h = bytearray(BLOCK)
    if len(name) <= 100:
        h[0:len(name)] = name
    else:
        i = name.find(b"/", len(name) - 101)
        if i == 0:
            i = name.find(b"/", 1)
        need(0 < i <= 155 and i + 1 < len(name), "name does not fit")
        h[345:345 + i] = name[:i]
        h[0:len(name) - i - 1] = name[i + 1:]
    for off, digits, maxlen, v in ((100, 6, 8, mode), (108, 6, 8, 0),
                                   (116, 6, 8, 0), (124, 11, 12, size),
                                   (136, 11, 11, mtime), (329, 6, 8, 0),
                                   (337, 6, 8, 0)):
        h[off + digits] = 0x20
        b = number(v, digits, maxlen, strict)
        h[off:off + len(b)] = b
    h[148:156] = b" " * 8
    h[156] = typeflag
    h[257:265] = b"ustar\x0000"
    h[148:156] = octal(sum(h), 6) + b"\x00 "
    return bytes(h)


def shorten(src, insert):
    """The ustar name of an entry that needs a pax 'path' record."""
    if len(src) < 100 and insert is None:
        return src
    end, slash = len(src), False
    while end > 0 and src[end - 1:end] == b"/":
        end, slash = end - 1, True
    room = 98 - (1 if slash else 0)
    base = src.rfind(b"/", 0, end) + 1
    room -= len(insert) + 2 if insert is not None else 0
    end = min(end, base + room)
    room -= end - base
    pre = min(154, base)
    while pre > 0 and src[pre:pre + 1] != b"/":
        pre -= 1
    if pre < base and src[pre:pre + 1] == b"/":
        pre += 1
    mid = min(pre + room, base)
    while mid > pre and src[mid:mid + 1] != b"/":
        mid -= 1
    if mid < base and src[mid:mid + 1] == b"/":
        mid += 1
    out = src[:pre] + src[pre:mid]
    if insert is not None:
        out += insert + b"/"
    return out + src[base:end] + (b"/" if slash else b"")


def record(key, value):
    body = b" " + key + b"=" + value + b"\n"
    n = len(body) + 1
    while len(str(n)) + len(body) != n:
        n += 1
    return str(n).encode() + body


def fits_ustar(name):
    if len(name) <= 100:
        return True
    i = name.find(b"/", len(name) - 101)
    if i == 0:
        i = name.find(b"/", 1)
    return i != -1 and i + 1 < len(name) and i <= 155


def tar_header(path, is_dir, mode, size, mtime):
    name = path + b"/" if is_dir else path
    recs, ustar_name = b"", name
    if any(c >= 0x80 for c in name) or not fits_ustar(name):
        recs += record(b"path", name)
        ustar_name = shorten(name, None)
    if mtime < 0 or mtime >= 0x7FFFFFFF:
        recs += record(b"mtime", str(mtime).encode())
    if size >= 1 << 33:
        recs += record(b"size", str(size).encode())
    out = b""
    if recs:
        xname = shorten(name.rstrip(b"/"), b"PaxHeader")
        out = ustar(xname, mode, len(recs), min(max(mtime, 0), 0x7FFFFFFF),
                    ord("x"), True) + recs + pad(len(recs))
    return out + ustar(ustar_name, mode, size, mtime,
                       ord("5") if is_dir else ord("0"), False)


def pad(n):
    return b"\0" * ((BLOCK - n % BLOCK) % BLOCK)


# ---- Paths (FORMAT.md, "Paths") ------------------------------------------

RESERVED = re.compile(r"(?i)^(con|prn|aux|nul|(com|lpt)[0-9\u00b9\u00b2\u00b3])$")


# Default_Ignorable_Code_Point, Unicode 15.0 (FORMAT.md 6.1).
IGNORABLE = [(0xAD, 0xAD), (0x34F, 0x34F), (0x61C, 0x61C), (0x115F, 0x1160),
             (0x17B4, 0x17B5), (0x180B, 0x180F), (0x200B, 0x200F),
             (0x202A, 0x202E), (0x2060, 0x206F), (0x3164, 0x3164),
             (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF), (0xFFA0, 0xFFA0),
             (0xFFF0, 0xFFF8), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A),
             (0xE0000, 0xE0FFF)]
# The ones names may hold, left out of fold keys.
KEPT = [(0x61C, 0x61C), (0x180B, 0x180D), (0x180F, 0x180F), (0x200C, 0x200F),
        (0xFE00, 0xFE0F), (0xE0100, 0xE01EF)]


def among(o, ranges):
    return any(lo <= o <= hi for lo, hi in ranges)


def unsafe(o):
    """Code points no title may hold and no terminal is shown (5, 6.1)."""
    return (o < 0x20 or 0x7F <= o <= 0x9F or 0x202A <= o <= 0x202E or
            0x2066 <= o <= 0x2069 or o in (0x200E, 0x200F, 0x61C) or
            0xFDD0 <= o <= 0xFDEF or o & 0xFFFE == 0xFFFE)


def fold(comp):
    s = unicodedata.normalize("NFD", comp)
    s = "".join(c for c in s if not among(ord(c), KEPT))
    s = s.casefold()    # full folding, statuses C and F
    return unicodedata.normalize("NFD", s).encode()


def check_path(raw):
    need(0 < len(raw) <= 4095, "path length")
    need(raw[:1] != b"/", "absolute path")
    try:
        p = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Bad("invalid UTF-8 in a path")
    for c in p:
        o = ord(c)
        need(not (o < 0x20 or 0x7F <= o <= 0x9F), "control character")
        need(c not in '\\<>:"|?*', "character refused on FAT")
        need(not (0x202A <= o <= 0x202E or 0x2066 <= o <= 0x2069),
             "bidirectional control")
        need(not (0xFDD0 <= o <= 0xFDEF or o & 0xFFFE == 0xFFFE),
             "noncharacter")
        need(not among(o, IGNORABLE) or among(o, KEPT),
             "invisible (default-ignorable) character")
    comps = p.split("/")
    need(len(comps) <= 64, "too deep")
    for i, c in enumerate(comps):
        need(c != "", "empty component")
        need(len(c.encode()) <= 255, "component too long")
        need(c not in (".", ".."), "dot component")
        need(unicodedata.normalize("NFC", c) == c, "name not in NFC")
        need(c[-1] not in ". ", "trailing dot or space")
        need(not RESERVED.match(c.split(".")[0].rstrip(" ")),
             "reserved Windows name")
        need(i > 0 or not fold(c).startswith(b".qasid"), "reserved name")
    return comps


def path_key(comps):
    return [(fold(c), c.encode()) for c in comps]


# ---- Manifest (FORMAT.md, "Manifest") ------------------------------------

NUM = r"(0|[1-9][0-9]{0,19})"
HASH = r"[0-9a-f]{64}"
HEADER = [("qasid-manifest", "1"), ("title", r"[^\x00-\x1f\x7f]{0,1024}"),
          ("series", r"[A-Za-z0-9._-]{1,64}"), ("sequence", NUM),
          ("created", NUM), ("key", r"[0-9A-F]{16}"), ("files", NUM),
          ("dirs", NUM), ("bytes", NUM), ("members", NUM)]
# Format 2 (FORMAT.md 17.1): four lines after key, pieces before members.
HEADER2 = (HEADER[:6] +
           [("next-key", "(" + HASH + "|none)"),
            ("previous", "(" + NUM + " " + HASH + "|none)"),
            ("expires", "(" + NUM + "|none)"),
            ("volume", "(" + HASH + " " + NUM + " " + NUM + "|none)")] +
           HEADER[6:9] + [("pieces", NUM), HEADER[9]])
HEADER2[0] = ("qasid-manifest", "2")


# FORMAT.md 17.4: what only a volume's manifest lists, (path, is_dir).
VOLUME_META = {(b".qasid", True), (b".qasid/set", False),
               (b".qasid/pieces", True)}


def piece_entry(h, vol, m):
    """A piece line as the tar entry that holds its bytes, named
    .qasid/pieces/P-OFFSET (P: 32 hex digits of BLAKE2b-256 of PATH)."""
    need(vol, "a piece line outside a volume")
    off, length, path = int(m.group(1)), int(m.group(2)), m.group(4)
    check_path(path)
    need(length > 0 and off + length <= 1 << 44, "piece out of range")
    name = b".qasid/pieces/%s-%020d" % (b2(path, 32)[:32].encode(), off)
    need(name not in h["pieces_at"], "a piece given twice")
    h["pieces_at"].add(name)
    return (name, False, 0o644, length, m.group(3).decode(), False)


def parse_manifest(text):
    need(text.endswith(b"\n"), "manifest does not end with a newline")
    lines = text[:-1].split(b"\n")
    header = HEADER2 if lines[0] == b"qasid-manifest 2" else HEADER
    h = {"format": 2 if header is HEADER2 else 1}
    for i, (key, pat) in enumerate(header):
        m = re.fullmatch((key + " " + pat).encode(), lines[i]) if i < len(
            lines) else None
        need(m, "manifest line %d: expected %s" % (i + 1, key))
        h[key] = lines[i][len(key) + 1:]
    vol = h["format"] == 2 and h["volume"] != b"none"
    h["pieces_at"] = set()
    if h["format"] == 2:
        # FORMAT.md 17.4: a bundle that is not a volume has no pieces.
        need(vol or h["pieces"] == b"0", "pieces outside a volume")
        need(h["expires"] == b"none" or int(h["expires"]) < 1 << 63,
             "expires out of range")
    if vol:
        setid, part, count = h["volume"].split(b" ")
        h["setid"], h["part"], h["count"] = setid, int(part), int(count)
        need(1 <= h["part"] <= h["count"] < 1 << 64, "volume part range")
    need(len(h["title"]) <= 1024, "title too long")
    need(not any(unsafe(ord(c)) for c in h["title"].decode("utf-8")),
         "title holds a control character, bidirectional control or mark, "
         "or noncharacter")
    for k in ("sequence", "created", "files", "dirs", "bytes", "members"):
        h[k] = int(h[k])
        need(h[k] < 1 << 64, "number out of range")
    need(h["created"] < 1 << 63, "created out of range")
    need(h["dirs"] <= 2000000 and h["files"] + h["dirs"] <= 2000000 and
         h["members"] <= 20000000,
         "manifest over the limits")
    entries, members, i = [], [], len(header)
    # FORMAT.md 17.3: statements carried come first, in byte order.
    keys, keybytes = [], 0
    while i < len(lines) and not lines[i].startswith(b"member ") and \
            lines[i] != b"end":
        ln = lines[i]
        m = re.fullmatch(rb"file (644|755) " + NUM.encode() +
                         rb" ([0-9a-f]{128})  (.+)", ln, re.S)
        k = m and re.fullmatch(rb"\.qasid/keys/([A-Za-z0-9_-][A-Za-z0-9._-]"
                               rb"{0,63})", m.group(4))
        if k and h["format"] == 2 and len(keys) == len(entries) and \
                not k.group(1).endswith(b"."):
            size = int(m.group(2))
            keybytes += size
            need(m.group(1) == b"644" and len(keys) < 64 and
                 keybytes <= 65536 and (not keys or keys[-1] < k.group(1)),
                 "statements carried: limits or order")
            keys.append(k.group(1))
            entries.append((m.group(4), False, 0o644, size,
                            m.group(3).decode(), True))
            i += 1
            continue
        p = re.fullmatch(rb"piece " + NUM.encode() + b" " + NUM.encode() +
                         rb" ([0-9a-f]{128})  (.+)", ln, re.S)
        if p:
            entries.append(piece_entry(h, vol, p))
        elif m:
            size = int(m.group(2))
            need(size <= 1 << 44, "file too large")
            entries.append((m.group(4), False, int(m.group(1), 8), size,
                            m.group(3).decode(), False))
        else:
            need(ln.startswith(b"dir ") and len(ln) > 4,
                 "manifest line %d: not an entry" % (i + 1))
            entries.append((ln[4:], True, 0o755, 0, "", False))
        # A volume's own metadata takes the reserved .qasid names.
        if not (vol and (entries[-1][0], entries[-1][1]) in VOLUME_META) \
                and not p:
            check_path(entries[-1][0])
        i += 1
    need(len(h["pieces_at"]) == int(h.get("pieces", b"0")), "piece count")
    while i < len(lines) and lines[i] != b"end":
        m = re.fullmatch(rb"member " + NUM.encode() + b" " + NUM.encode() +
                         rb" ([0-9a-f]{64})", lines[i])
        need(m, "manifest line %d: not a member line" % (i + 1))
        members.append((int(m.group(1)), int(m.group(2)), m.group(3)))
        need(members[-1][1] > 0, "empty member")
        i += 1
    need(i == len(lines) - 1 and lines[i] == b"end",
         "manifest does not end with \"end\"")
    need(len(members) == h["members"], "member count")
    return h, entries, members


# ---- Members (FORMAT.md, "Gzip members") ---------------------------------

def split_members(data):
    out, off = [], 0
    while off < len(data):
        z = zlib.decompressobj(31)
        plain = z.decompress(data[off:])
        need(z.eof, "truncated gzip member at offset %d" % off)
        used = len(data) - off - len(z.unused_data)
        out.append((data[off:off + used], plain))
        off += used
    return out


def gzip_header_ok(raw, xfl):
    return raw[:10] == b"\x1f\x8b\x08\x00\x00\x00\x00\x00" + \
        bytes([xfl]) + b"\xff"


def any_gzip_header_ok(raw):
    """FORMAT.md 2.1: the one header, with XFL 00, 02 or 04."""
    return any(gzip_header_ok(raw, x) for x in (0, 2, 4))


def stored_member(plain):
    need(len(plain) < 65536, "signature too long")
    n = len(plain)
    return (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x04\xff\x01" +
            n.to_bytes(2, "little") + (n ^ 0xFFFF).to_bytes(2, "little") +
            plain + zlib.crc32(plain).to_bytes(4, "little") +
            n.to_bytes(4, "little"))


def b2(data, n):
    return hashlib.blake2b(data, digest_size=n).hexdigest()


def check_head(members):
    need(len(members) >= 3, "fewer than three gzip members")
    (raw0, plain0), (raw1, plain1) = members[0], members[1]
    need(any_gzip_header_ok(raw0), "member 0: gzip header")
    at = 0
    if plain0[156:157] == b"x":     # mtime record: creation time >= 2^31-1
        at = BLOCK + len(pad(int(plain0[124:135], 8))) + int(
            plain0[124:135], 8)
    need(plain0[at + 257:at + 263] == b"ustar\0", "member 0: no tar header")
    mlen = int(plain0[at + 124:at + 135], 8)
    manifest = plain0[at + BLOCK:at + BLOCK + mlen]
    h, entries, mem = parse_manifest(manifest)
    siglen = len(plain1.rstrip(b"\0"))
    sig = plain1[:siglen]
    want0 = (tar_header(b".qasid/manifest", False, 0o644, mlen,
                        h["created"]) + manifest + pad(mlen) +
             tar_header(b".qasid/manifest.minisig", False, 0o644, siglen,
                        h["created"]))
    need(plain0 == want0, "member 0 is not the canonical head")
    need(plain1 == sig + pad(siglen), "member 1: signature padding")
    need(raw1 == stored_member(plain1), "member 1 is not the stored member")
    lines = sig.decode().split("\n")
    need(len(lines) == 5 and lines[4] == "", "signature: four lines")
    need(lines[0] == UNTRUSTED, "signature: untrusted comment")
    blob = base64.b64decode(lines[1], validate=True)
    need(len(blob) == 74 and blob[:2] == b"ED", "signature: algorithm")
    keyid = format(int.from_bytes(blob[2:10], "little"), "016X")
    need(keyid.encode() == h["key"], "signature key id is not the manifest's")
    need(lines[2] == "trusted comment: " + TRUSTED_PREFIX % h["format"] +
         b2(raw0, 32),
         "trusted comment does not carry the head's hash")
    need(len(base64.b64decode(lines[3], validate=True)) == 64,
         "signature: global signature")
    need(base64.b64encode(blob).decode() == lines[1], "signature: base64")
    return h, entries, mem


def check_content(stream, off, path, size, hx, h):
    """A carried statement's tar header, content and padding at off; the
    offset after them."""
    hdr = tar_header(path, False, 0o644, size, h["created"])
    need(stream[off:off + len(hdr)] == hdr, "tar header of %r" % path)
    off += len(hdr)
    need(b2(bytes(stream[off:off + size]), 64) == hx, "content of %r" % path)
    off += size
    need(stream[off:off + len(pad(size))] == pad(size), "padding")
    return off + len(pad(size))


def check_body(members, h, entries, mem):
    body = members[2:]
    need(len(body) == len(mem), "gzip members do not match the manifest")
    stream = bytearray()
    for i, ((raw, plain), (clen, ulen, hx)) in enumerate(zip(body, mem)):
        need(len(raw) == clen and len(plain) == ulen and
             b2(raw, 32).encode() == hx,
             "member %d does not match the manifest" % (i + 2))
        need(any_gzip_header_ok(raw), "member %d: gzip header" % (i + 2))
        stream += plain
    off, prev, dirs = 0, None, set()
    files = ndirs = nbytes = 0
    keys = sum(1 for e in entries if e[5])
    for n, (path, is_dir, mode, size, hx, is_key) in enumerate(entries):
        if n == keys and keys:
            need(off == len(body[0][1]),
                 "statements carried do not fill member 2 alone")
        if is_key:
            off = check_content(stream, off, path, size, hx, h)
            continue
        key = path_key(path.decode().split("/"))
        if prev is not None:
            need(prev < key, "entries out of order: %r" % path)
            for (fa, ra), (fb, rb) in zip(prev, key):
                if ra == rb:
                    continue
                need(fa != fb, "names collide: %r" % path)
                break
        prev = key
        parent = path.rpartition(b"/")[0]
        need(parent == b"" or parent in dirs, "no folder for %r" % path)
        if is_dir:
            dirs.add(path)
        hdr = tar_header(path, is_dir, mode, size, h["created"])
        need(stream[off:off + len(hdr)] == hdr, "tar header of %r" % path)
        off += len(hdr)
        if is_dir:
            ndirs += 1
            continue
        need(b2(bytes(stream[off:off + size]), 64) == hx,
             "content of %r" % path)
        if "setid" in h and path == b".qasid/set":
            h["setfile"] = bytes(stream[off:off + size])
        off += size
        need(stream[off:off + len(pad(size))] == pad(size), "padding")
        off += len(pad(size))
        if path not in h["pieces_at"]:
            files, nbytes = files + 1, nbytes + size
    need((files, ndirs, nbytes) == (h["files"], h["dirs"], h["bytes"]),
         "manifest totals")
    need(stream[off:] == b"\0" * 1024, "end of archive")
    if "setid" in h:
        check_set(h)


def check_set(h):
    """FORMAT.md 17.4: the set file, named by SETID, lists the whole set
    as strictly as a manifest lists a bundle."""
    need("setfile" in h, "a volume without .qasid/set")
    text = h["setfile"]
    need(b2(text, 32).encode() == h["setid"], "the set file is not SETID's")
    need(text.endswith(b"\nend\n"), "set file does not end with \"end\"")
    lines = text[:-1].split(b"\n")
    need(lines[0] == b"qasid-set 1" and len(lines) >= 3 and
         lines[1] == b"parts %d" % h["count"], "set file header")
    prev = None
    for ln in lines[2:-1]:
        m = re.fullmatch(rb"file (644|755) " + NUM.encode() +
                         rb" ([0-9a-f]{128}) " + NUM.encode() + b" " +
                         NUM.encode() + rb"  (.+)", ln, re.S)
        if m:
            first, last, path = int(m.group(4)), int(m.group(5)), m.group(6)
            need(1 <= first <= last <= h["count"], "set file: parts range")
        else:
            need(ln.startswith(b"dir ") and len(ln) > 4, "set file line")
            path = ln[4:]
        try:
            key = path_key(check_path(path))
        except Bad as e:
            raise Bad("set file: %s" % e)
        need(prev is None or prev < key, "set file out of order")
        prev = key


# ---- qasid's compression choice (FORMAT.md 2.4) --------------------------

STORE_BLOCK = 16 * 1024


def stored_by_qasid(block):
    """True if qasid's rule stores this block: its order-0 entropy says
    deflate could not save 2%."""
    n = len(block)
    if n < 256:
        return False
    counts = collections.Counter(block)
    bits = 0.0
    for c in range(256):
        k = counts.get(c, 0)
        if k:
            bits -= k * math.log2(k / n)
    return not bits < 0.98 * 8.0 * n


class Bits:
    """Reads a deflate stream LSB first (RFC 1951, 3.1.1)."""

    def __init__(self, data, byte):
        self.data, self.pos = data, byte * 8

    def get(self, n):
        v = 0
        for i in range(n):
            p = self.pos + i
            need(p >> 3 < len(self.data), "deflate stream runs past its member")
            v |= (self.data[p >> 3] >> (p & 7) & 1) << i
        self.pos += n
        return v

    def align(self):
        self.pos = (self.pos + 7) & ~7


def huffman(lengths):
    """The canonical code of RFC 1951, 3.2.2, as {(length, code): symbol}."""
    count = [0] * 16
    for n in lengths:
        count[n] += 1
    count[0] = 0
    code, first = 0, [0] * 16
    for n in range(1, 16):
        code = (code + count[n - 1]) << 1
        first[n] = code
    table = {}
    for sym, n in enumerate(lengths):
        if n:
            table[(n, first[n])] = sym
            first[n] += 1
    return table


def symbol(bits, table):
    code = 0
    for n in range(1, 16):
        code = code << 1 | bits.get(1)
        if (n, code) in table:
            return table[(n, code)]
    raise Bad("invalid Huffman code")


LEN_EXTRA = [0] * 8 + [n for n in range(1, 6) for _ in range(4)] + [0]
LEN_BASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43,
            51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
DIST_EXTRA = [0, 0] + [n for n in range(14) for _ in range(2)]
FIXED_LIT = huffman([8] * 144 + [9] * 112 + [7] * 24 + [8] * 8)
FIXED_DIST = huffman([5] * 30)
CL_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]


def dynamic_tables(bits):
    hlit, hdist, hclen = bits.get(5) + 257, bits.get(5) + 1, bits.get(4) + 4
    cl = [0] * 19
    for i in range(hclen):
        cl[CL_ORDER[i]] = bits.get(3)
    cl = huffman(cl)
    lengths = []
    while len(lengths) < hlit + hdist:
        sym = symbol(bits, cl)
        if sym < 16:
            lengths.append(sym)
        elif sym == 16:
            need(lengths, "deflate: repeat with no previous length")
            lengths += [lengths[-1]] * (3 + bits.get(2))
        elif sym == 17:
            lengths += [0] * (3 + bits.get(3))
        else:
            lengths += [0] * (11 + bits.get(7))
    need(len(lengths) == hlit + hdist, "deflate: code lengths overrun")
    return huffman(lengths[:hlit]), huffman(lengths[hlit:])


def deflate_blocks(raw):
    """The deflate blocks of one gzip member (fixed 10-byte header) as
    (stored, first inflated offset, end offset); checks that they end where
    the member's trailer starts."""
    bits, out, blocks, final = Bits(raw, 10), 0, [], 0
    while not final:
        final, btype, start = bits.get(1), bits.get(2), out
        if btype == 0:
            bits.align()
            n, nn = bits.get(16), bits.get(16)
            need(n ^ nn == 0xFFFF, "deflate: stored block length")
            bits.pos += 8 * n
            out += n
        else:
            need(btype != 3, "deflate: reserved block type")
            lit, dist = (FIXED_LIT, FIXED_DIST) if btype == 1 else \
                dynamic_tables(bits)
            while True:
                sym = symbol(bits, lit)
                if sym < 256:
                    out += 1
                elif sym == 256:
                    break
                else:
                    need(sym < 286, "deflate: length code")
                    out += LEN_BASE[sym - 257] + bits.get(LEN_EXTRA[sym - 257])
                    d = symbol(bits, dist)
                    need(d < 30, "deflate: distance code")
                    bits.get(DIST_EXTRA[d])
        blocks.append((btype == 0, start, out))
    bits.align()
    need(bits.pos // 8 == len(raw) - 8, "deflate stream does not end at the "
         "member's trailer")
    return blocks


def check_compression(i, raw, plain):
    """A block qasid's rule stores is in stored deflate blocks; a Huffman
    block holds only bytes the rule deflates; no deflate block spans a change
    of level; XFL says what the first block was."""
    store = [stored_by_qasid(plain[o:o + STORE_BLOCK])
             for o in range(0, len(plain), STORE_BLOCK)]
    need(gzip_header_ok(raw, 4 if store and store[0] else 0),
         "member %d: gzip XFL is not qasid's" % i)
    blocks = deflate_blocks(raw)
    need(blocks[-1][2] == len(plain), "member %d: deflate blocks" % i)
    for stored, start, end in blocks:
        if start == end:
            continue
        kinds = set(store[start // STORE_BLOCK:(end - 1) // STORE_BLOCK + 1])
        need(len(kinds) == 1, "member %d: a deflate block spans a change "
             "between stored and deflated" % i)
        need(stored or kinds == {False}, "member %d: bytes qasid stores "
             "are Huffman-coded" % i)


def check_writer(members, h, entries, mem):
    """qasid's own choices: member cutting, gzip header fields, stored or
    deflated blocks."""
    cuts, cur = [], 0
    for n, (path, is_dir, mode, size, hx, is_key) in enumerate(entries):
        # Statements carried fill the first member alone (FORMAT.md 17.3).
        if n > 0 and entries[n - 1][5] and not is_key:
            cuts.append(cur)
            cur = 0
        whole = len(tar_header(path, is_dir, mode, size, h["created"]))
        whole += 0 if is_dir else size + len(pad(size))
        if cur > 0 and cur + whole > CHUNK:
            cuts.append(cur)
            cur = 0
        cur += whole
        while cur >= CHUNK:
            cuts.append(CHUNK)
            cur -= CHUNK
    cur += 1024
    while cur >= CHUNK:
        cuts.append(CHUNK)
        cur -= CHUNK
    if cur:
        cuts.append(cur)
    need([m[1] for m in mem] == cuts, "members are not cut as qasid cuts")
    for i, (raw, plain) in enumerate(members):
        if i != 1:
            check_compression(i, raw, plain)


def main(argv):
    writer, table = "--writer" in argv, "--members" in argv
    args = [a for a in argv if a not in ("--writer", "--members")]
    if len(args) != 1:
        sys.exit("usage: refcheck.py [--writer] [--members] BUNDLE")
    try:
        with open(args[0], "rb") as f:
            members = split_members(f.read())
        off = 0
        for i, (raw, plain) in enumerate(members if table else []):
            print("member %d offset %d clen %d ulen %d" % (i, off, len(raw),
                                                          len(plain)))
            off += len(raw)
        h, entries, mem = check_head(members)
        check_body(members, h, entries, mem)
        if writer:
            check_writer(members, h, entries, mem)
        need(len(members[0][0]) + SIG_MEMBER_LEN + sum(m[0] for m in mem)
             == sum(len(r) for r, p in members), "total length")
    except (Bad, ValueError, UnicodeDecodeError, zlib.error) as e:
        print("refcheck: %s: %s" % (args[0], e))
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
