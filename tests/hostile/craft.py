# SPDX-License-Identifier: ISC
"""craft.py - builds qasid bundles byte by byte, hostile ones included.

The tests under tests/hostile/ import this to make bundles that `qasid pack`
would never write: any manifest text, any tar stream, any split into gzip
members, any signature text. Whatever they hold, they can be signed
correctly with a test key, so the reader's later checks (content against
manifest, paths, types, limits) are exercised and not only the signature.

A bundle is built in this order, and each step can be replaced or edited:

    tar stream  ->  body members  ->  manifest  ->  head member  ->
    signature (its trusted comment names the head's hash)  ->  stored
    signature member  ->  head + signature member + body members (+ extra)

Canonical tar headers come from the library's own tar writer through
`hostile-helper tar` (the reader compares headers byte for byte with what
that writer makes, so they must be the same bytes); hostile headers are
made here by hand with ustar(), pax() and gnu_longname(). Signatures are
made by minisign, or for texts minisign would never write, by
`hostile-helper sign`. gzip members are made with zlib as src/format/gz.c makes
them: an honest bundle of compressible text whose body fits in one member
comes out byte-identical to `qasid pack` (t-craft.sh checks it).

Python 3 standard library only, plus minisign and the helper.
"""

import base64
import hashlib
import os
import struct
import subprocess
import tempfile
import zlib

UNTRUSTED = b"qasid bundle manifest signature"
TRUSTED_PREFIX = b"qasid-bundle 1 head:"
TRUSTED2 = b"qasid-bundle 2 head:"
MANIFEST_NAME = b".qasid/manifest"
SIG_NAME = b".qasid/manifest.minisig"
CHUNK = 1 << 20
BLOCK = 512
CREATED = 1700000000

# The order of the Ed25519 group: S + L is the non-canonical twin of S.
ED25519_L = 2 ** 252 + 27742317777372353535851937790883648493


def v2(manifest, next_key=b"none", previous=b"none", expires=b"none",
       volume=b"none", pieces=b"0"):
    """A format-1 manifest made format 2 (FORMAT.md 17.1): the four lines
    after key and pieces before members. Sign it with trusted=format2."""
    m = manifest.replace(b"qasid-manifest 1\n", b"qasid-manifest 2\n", 1)
    at = m.index(b"\nfiles ") + 1
    m = (m[:at] + b"next-key %s\nprevious %s\nexpires %s\nvolume %s\n" %
         (next_key, previous, expires, volume) + m[at:])
    return m.replace(b"\nmembers ", b"\npieces %s\nmembers " % pieces, 1)


def format2(hexhash):
    return TRUSTED2 + hexhash


def helper_path():
    build = os.environ.get("QASID_BUILD")
    if not build:
        raise SystemExit("craft.py: QASID_BUILD is not set")
    return os.path.join(build, "tests", "hostile-helper")


def b2(data, size):
    return hashlib.blake2b(data, digest_size=size).digest()


def pad(n):
    return b"\0" * ((BLOCK - n % BLOCK) % BLOCK)


# ---- gzip members --------------------------------------------------------


def _gz_level():
    """The deflate level src/format/gz.c uses (its LEVEL), so that honest bundles
    come out as qasid makes them; 6 (gzip's) if the source is not there."""
    top = os.environ.get("QASID_TOP", "")
    try:
        with open(os.path.join(top, "src", "format", "gz.c")) as f:
            for line in f:
                if line.startswith("#define LEVEL "):
                    return int(line.split()[2])
    except (OSError, ValueError, IndexError):
        pass
    return 6


LEVEL = _gz_level()


def gz(data, level=None):
    """One gzip member as src/format/gz.c writes it: no name, mtime 0, OS 255.

    level 0 gives stored blocks (the signature member); a single call
    like gz.c's one Z_FINISH, so small payloads match it exactly."""
    if level is None:
        level = LEVEL
    c = zlib.compressobj(level, zlib.DEFLATED, -15, 8, zlib.Z_DEFAULT_STRATEGY)
    body = c.compress(data) + c.flush(zlib.Z_FINISH)
    xfl = 2 if level == 9 else 4 if level < 2 else 0
    head = b"\x1f\x8b\x08\x00\x00\x00\x00\x00" + bytes([xfl, 255])
    tail = struct.pack("<II", zlib.crc32(data) & 0xFFFFFFFF,
                       len(data) & 0xFFFFFFFF)
    return head + body + tail


def gz_odd(data, mtime=0, xfl=None, os_=255, text=False, name=None,
           extra=None, comment=None, hcrc=False):
    """A gzip member with other header fields than qasid writes: any gzip
    tool reads it, the format allows none of them (FORMAT.md 2.1)."""
    plain = gz(data)
    flg = ((1 if text else 0) | (2 if hcrc else 0) | (4 if extra else 0) |
           (8 if name else 0) | (16 if comment else 0))
    head = b"\x1f\x8b\x08" + bytes([flg]) + struct.pack("<I", mtime)
    head += bytes([plain[8] if xfl is None else xfl, os_])
    if extra:
        head += struct.pack("<H", len(extra)) + extra
    if name:
        head += name + b"\0"
    if comment:
        head += comment + b"\0"
    if hcrc:
        head += struct.pack("<H", zlib.crc32(head) & 0xFFFF)
    return head + plain[10:]


def gunzip_members(raw):
    """Splits a bundle into (offset, raw member, inflated bytes)."""
    out, off = [], 0
    while off < len(raw):
        d = zlib.decompressobj(31)
        plain = d.decompress(raw[off:])
        used = len(raw) - off - len(d.unused_data)
        out.append((off, raw[off:off + used], plain))
        off += used
    return out


# ---- tar headers ---------------------------------------------------------


def _octal(v, width, term=b" \0"):
    digits = width - len(term)
    return (b"%0*o" % (digits, v)) + term


def ustar(name, size=0, mode=0o644, type=b"0", mtime=CREATED, linkname=b"",
          prefix=b"", uid=0, gid=0, devmajor=0, devminor=0, magic=None,
          size_field=None):
    """A hand-made ustar header in libarchive's number style.

    size_field replaces the 12-byte size field verbatim (for headers whose
    size disagrees with something else); magic defaults to POSIX ustar."""
    if magic is None:
        magic = b"ustar\x0000"
    h = bytearray(BLOCK)
    h[0:100] = name[:100].ljust(100, b"\0")
    h[100:108] = _octal(mode, 8)
    h[108:116] = _octal(uid, 8)
    h[116:124] = _octal(gid, 8)
    h[124:136] = size_field if size_field is not None else _octal(size, 12, b" ")
    h[136:148] = _octal(mtime, 12, b" ")
    h[148:156] = b" " * 8
    h[156:157] = type
    h[157:257] = linkname[:100].ljust(100, b"\0")
    h[257:265] = magic
    h[329:337] = _octal(devmajor, 8)
    h[337:345] = _octal(devminor, 8)
    h[345:500] = prefix[:155].ljust(155, b"\0")
    h[148:156] = b"%06o\0 " % sum(h)
    return bytes(h)


def pax(records, name=b"PaxHeader/x", mtime=CREATED):
    """A pax extended header ('x') with its records, padded."""
    data = b""
    for key, value in records:
        body = b" " + key + b"=" + value + b"\n"
        n = len(body) + 1
        while len(str(n).encode()) + len(body) != n:
            n = len(str(n).encode()) + len(body)
        data += str(n).encode() + body
    return ustar(name, len(data), type=b"x", mtime=mtime) + data + pad(len(data))


def gnu_longname(name, size=0, mode=0o644, type=b"0", mtime=CREATED):
    """A GNU ././@LongLink record carrying name, then the entry's header."""
    data = name + b"\0"
    gnu = b"ustar  \0"
    return (ustar(b"././@LongLink", len(data), type=b"L", mtime=0, magic=gnu)
            + data + pad(len(data))
            + ustar(name[:100], size, mode, type, mtime, magic=gnu))


def canonical_headers(items, mtime=CREATED):
    """Canonical headers for (path, is_dir, mode, size) tuples, from the
    library's writer; None where it refuses an entry."""
    req = b""
    for path, is_dir, mode, size in items:
        req += b"%s %o %d %d %d\n" % (b"d" if is_dir else b"f", mode, size,
                                      mtime, len(path)) + path
    out = subprocess.run([helper_path(), "tar"], input=req,
                         stdout=subprocess.PIPE, check=True).stdout
    heads, off = [], 0
    for _ in items:
        nl = out.index(b"\n", off)
        n = int(out[off:nl])
        off = nl + 1
        if n < 0:
            heads.append(None)
        else:
            heads.append(out[off:off + n])
            off += n
    return heads


# ---- keys and signatures -------------------------------------------------


class Key:
    """A minisign key pair saved without a password (qasid keygen -W)."""

    def __init__(self, sec, pub):
        self.sec, self.pub = sec, pub
        with open(pub, "rb") as f:
            raw = base64.b64decode(f.read().splitlines()[1])
        self.keyid = raw[2:10]
        self.pk = raw[10:42]
        self.keyid_hex = b"%016X" % int.from_bytes(self.keyid, "little")

    def minisign(self, data, trusted, untrusted=UNTRUSTED, legacy=False):
        """The signature file minisign -S writes for data."""
        with tempfile.TemporaryDirectory() as d:
            m, x = os.path.join(d, "m"), os.path.join(d, "m.minisig")
            with open(m, "wb") as f:
                f.write(data)
            cmd = ["minisign", "-S", "-s", self.sec, "-m", m, "-x", x,
                   "-c", untrusted.decode(), "-t", trusted.decode()]
            if legacy:
                cmd.insert(2, "-l")
            subprocess.run(cmd, stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, check=True)
            with open(x, "rb") as f:
                return f.read()

    def raw_sign(self, msg):
        """A bare Ed25519 signature of msg, for texts minisign won't make."""
        return subprocess.run([helper_path(), "sign", self.sec], input=msg,
                              stdout=subprocess.PIPE, check=True).stdout


def sig_text(alg, keyid, sig, trusted, global_sig, untrusted=UNTRUSTED):
    """Assembles a minisign signature file from its parts."""
    return (b"untrusted comment: " + untrusted + b"\n"
            + base64.b64encode(alg + keyid + sig) + b"\n"
            + b"trusted comment: " + trusted + b"\n"
            + base64.b64encode(global_sig) + b"\n")


def sig_parts(text):
    """(alg, keyid, sig, trusted, global_sig) of a signature file."""
    lines = text.split(b"\n")
    raw = base64.b64decode(lines[1])
    trusted = lines[2][len(b"trusted comment: "):]
    return raw[:2], raw[2:10], raw[10:74], trusted, base64.b64decode(lines[3])


def noncanonical(sig):
    """The same signature with S replaced by S + L (still < 2^256)."""
    s = int.from_bytes(sig[32:], "little") + ED25519_L
    return sig[:32] + s.to_bytes(32, "little")


# ---- entries and manifests -----------------------------------------------


class Entry:
    def __init__(self, path, data=None, mode=None, is_dir=False):
        self.path = path if isinstance(path, bytes) else path.encode()
        self.is_dir = is_dir
        self.data = b"" if is_dir else (data or b"")
        self.mode = mode if mode is not None else (0o755 if is_dir else 0o644)

    @property
    def size(self):
        return 0 if self.is_dir else len(self.data)

    def line(self):
        if self.is_dir:
            return b"dir " + self.path + b"\n"
        return b"file %o %d %s  %s\n" % (
            self.mode, self.size, b2(self.data, 64).hex().encode(), self.path)


def Dir(path):
    return Entry(path, is_dir=True)


def File(path, data=b"", mode=0o644):
    return Entry(path, data, mode)


class Bundle:
    """A bundle being crafted. The defaults make an honest bundle."""

    def __init__(self, key, entries=(), created=CREATED, title=b"",
                 series=b"default", sequence=1):
        self.key = key
        self.entries = list(entries)
        self.created = created
        self.title = title
        self.series = series
        self.sequence = sequence

    # -- body --

    def tar_parts(self, entries=None):
        """[(bytes of one entry: header, content, padding)] + trailer."""
        entries = self.entries if entries is None else entries
        heads = canonical_headers(
            [(e.path, e.is_dir, e.mode, e.size) for e in entries],
            self.created)
        parts = []
        for e, h in zip(entries, heads):
            if h is None:
                # The library's writer refuses it (a NUL, say): a plain
                # ustar header still lets the manifest's checks run.
                h = ustar(e.path, e.size, e.mode, b"5" if e.is_dir else b"0",
                          self.created)
            parts.append(h + e.data + (b"" if e.is_dir else pad(e.size)))
        return parts, b"\0" * 1024

    def tar(self, entries=None):
        parts, trailer = self.tar_parts(entries)
        return b"".join(parts) + trailer

    def chunks(self, entries=None):
        """The tar stream cut as src/pack/body.c cuts it: at most 1 MiB each,
        and an entry starts a new chunk unless it fits in the current one."""
        parts, trailer = self.tar_parts(entries)
        out, cur = [], b""
        for p in parts:
            if cur and len(cur) + len(p) > CHUNK:
                out.append(cur)
                cur = b""
            while len(p):
                k = min(len(p), CHUNK - len(cur))
                cur += p[:k]
                p = p[k:]
                if len(cur) == CHUNK:
                    out.append(cur)
                    cur = b""
        cur += trailer
        while len(cur) > CHUNK:
            out.append(cur[:CHUNK])
            cur = cur[CHUNK:]
        if cur:
            out.append(cur)
        return out

    @staticmethod
    def members(chunks, level=None):
        return [gz(c, level) for c in chunks]

    # -- manifest --

    def manifest(self, members, entries=None, plains=None, counts=None):
        """Manifest text for the entries and the raw body members.

        plains gives each member's inflated length when it is not what the
        member inflates to; counts overrides (files, dirs, bytes)."""
        entries = self.entries if entries is None else entries
        files = sum(1 for e in entries if not e.is_dir)
        dirs = len(entries) - files
        total = sum(e.size for e in entries)
        if counts is not None:
            files, dirs, total = counts
        t = b"qasid-manifest 1\n"
        t += b"title " + self.title + b"\n"
        t += b"series " + self.series + b"\n"
        t += b"sequence %d\ncreated %d\n" % (self.sequence, self.created)
        t += b"key " + self.key.keyid_hex + b"\n"
        t += b"files %d\ndirs %d\nbytes %d\nmembers %d\n" % (
            files, dirs, total, len(members))
        for e in entries:
            t += e.line()
        for i, m in enumerate(members):
            ulen = plains[i] if plains else len(zlib.decompress(m, 31))
            t += b"member %d %d %s\n" % (len(m), ulen, b2(m, 32).hex().encode())
        return t + b"end\n"

    # -- head and signature --

    def head_plain(self, manifest, siglen):
        h = canonical_headers([(MANIFEST_NAME, False, 0o644, len(manifest)),
                               (SIG_NAME, False, 0o644, siglen)],
                              self.created)
        return h[0] + manifest + pad(len(manifest)) + h[1]

    def sign(self, manifest, trusted):
        return self.key.minisign(manifest, trusted)

    def build(self, manifest=None, members=None, head_plain=None,
              head_raw=None, sign=None, sig_edit=None, sig_member=None,
              trusted=None, extra=b""):
        """The bundle's bytes. Each argument replaces one step:

        manifest     manifest text, or a function editing the default one
        members      the raw body members (default: chunks() compressed)
        head_plain   function(manifest, siglen) -> inflated head
        head_raw     function(inflated head) -> raw member 0
        sign         function(manifest, trusted) -> signature text
        sig_edit     function(signature text) -> text actually stored
        sig_member   function(stored text + padding) -> raw member 1
        trusted      function(head hash hex) -> trusted comment
        extra        bytes appended after the last member"""
        if members is None:
            members = self.members(self.chunks())
        if manifest is None or callable(manifest):
            mf = self.manifest(members)
            mf = manifest(mf) if manifest else mf
        else:
            mf = manifest
        edits = sig_edit is not None
        sign = sign or self.sign
        sig_edit = sig_edit or (lambda t: t)
        trusted = trusted or (lambda hexhash: TRUSTED_PREFIX + hexhash)
        head_plain = head_plain or self.head_plain
        head_raw = head_raw or gz
        sig_member = sig_member or (lambda p: gz(p, 0))
        # The head holds the signature's length and the signature names the
        # head's hash: a dummy hash of the same length breaks the circle.
        # minisign's own text has a length known in advance.
        if sign == self.sign and not edits:
            siglen = len(sig_text(b"ED", bytes(8), bytes(64),
                                  trusted(b"0" * 64), bytes(64)))
        else:
            siglen = len(sig_edit(sign(mf, trusted(b"0" * 64))))
        head = head_raw(head_plain(mf, siglen))
        sig = sig_edit(sign(mf, trusted(b2(head, 32).hex().encode())))
        return (head + sig_member(sig + pad(len(sig))) + b"".join(members)
                + extra)

    def write(self, path, **kw):
        data = self.build(**kw)
        with open(path, "wb") as f:
            f.write(data)
        return data
