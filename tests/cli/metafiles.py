#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""metafiles.py - the files t-metadata.sh packs.

  metafiles.py DIR

Pillow draws the images; t-metadata.sh has exiftool write the metadata into
them afterwards, as a phone or an editor would. The containers exiftool
cannot start from (an MP4 without metadata, a HEIF, hostile files) are
built here box by box. Everything is deterministic.
"""
import os
import random
import struct
import sys

from PIL import Image


def box(kind, payload):
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def image(seed, size=(64, 48)):
    rng = random.Random(seed)
    im = Image.new("RGB", size)
    im.putdata([(rng.randrange(256), rng.randrange(256), rng.randrange(256))
                for _ in range(size[0] * size[1])])
    return im


def icc():
    try:
        from PIL import ImageCms
        return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    except Exception:  # Pillow without littlecms: no profile then
        return None


def mp4(path):
    """ftyp, moov with a movie header, then media data: exiftool adds the
    metadata."""
    mvhd = box(b"mvhd", b"\0" * 4 + struct.pack(">IIII", 0, 0, 1000, 1000) +
               b"\0\x01\0\0\x01\0" + b"\0" * 10 +
               struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0,
                           0x40000000) + b"\0" * 24 + struct.pack(">I", 2))
    data = bytes(random.Random(7).randrange(256) for _ in range(20000))
    with open(path, "wb") as f:
        f.write(box(b"ftyp", b"isom\0\0\x02\0isomiso2mp41") +
                box(b"moov", mvhd) + box(b"mdat", data))


def heif(path, exif):
    """A HEIF whose Exif item, found through the item location box, holds
    the EXIF Pillow makes."""
    infe = box(b"infe", b"\x02\0\0\0" + b"\0\x01\0\0Exif" + b"\0")
    iinf = box(b"iinf", b"\0\0\0\0" + b"\0\x01" + infe)
    hdlr = box(b"hdlr", b"\0" * 8 + b"pict" + b"\0" * 13)
    item = struct.pack(">I", 6) + exif   # offset to the TIFF header

    def meta(at):
        iloc = box(b"iloc", b"\0\0\0\0" + b"\x44\0" + b"\0\x01" +
                   b"\0\x01" + b"\0\0" + b"\0\x01" +
                   struct.pack(">II", at, len(item)))
        return box(b"meta", b"\0\0\0\0" + hdlr + iinf + iloc)
    ftyp = box(b"ftyp", b"heic\0\0\0\0mif1heic")
    at = len(ftyp) + len(meta(0)) + 8
    with open(path, "wb") as f:
        f.write(ftyp + meta(at) + box(b"mdat", item))


def gps_exif():
    e = Image.Exif()
    e[0x0112] = 1
    e[0x8825] = {1: "N", 2: (34.0, 4.0, 48.0), 3: "E", 4: (74.0, 47.0, 24.0)}
    return e.tobytes()


def ifd_bomb(path):
    """A JPEG whose EXIF IFDs point at each other in a loop and nest."""
    entries = [(0x8769, 4, 1, 8), (0x8825, 4, 1, 8), (0xa005, 4, 1, 8)]
    ifd = struct.pack(">H", len(entries))
    for tag, typ, count, value in entries:
        ifd += struct.pack(">HHII", tag, typ, count, value)
    ifd += struct.pack(">I", 8)  # the next IFD is itself
    tiff = b"MM\0*" + struct.pack(">I", 8) + ifd
    app1 = b"Exif\0\0" + tiff
    with open(path, "wb") as f:
        f.write(b"\xff\xd8" + b"\xff\xe1" + struct.pack(">H", len(app1) + 2) +
                app1 + b"\xff\xd9")


def huge_atoms(path):
    """Boxes claiming more bytes than the file holds, a 64-bit size near
    2^64 and moov nested a thousand deep."""
    deep = b"udta"
    for _ in range(1000):
        deep = box(b"moov", deep)
    with open(path, "wb") as f:
        f.write(box(b"ftyp", b"isom\0\0\0\0isom") + deep +
                struct.pack(">I", 1) + b"udta" + struct.pack(">Q", 2**64 - 9) +
                struct.pack(">I", 0xfffffff0) + b"moov" + b"\0" * 64)


def pdf(path):
    """A PDF with its information dictionary in the middle, found through
    the cross-reference table, and pages of text around it."""
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [] /Count 0 >>",
            b"<< /Length 70000 >>\nstream\n" + b"x" * 70000 +
            b"\nendstream",
            b"<< /Author (Amal \\(A.\\) Haddad) /Producer <FEFF00500044> "
            b"/Title (Minutes) >>",
            b"<< /Length 90000 >>\nstream\n" + b"y" * 90000 +
            b"\nendstream"]
    out = bytearray(b"%PDF-1.4\n")
    offs = []
    for i, o in enumerate(objs, 1):
        offs.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for o in offs:
        out += b"%010d 00000 n \n" % o
    out += (b"trailer\n<< /Size %d /Root 1 0 R /Info 4 0 R >>\n"
            b"startxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref))
    with open(path, "wb") as f:
        f.write(out)


def main(top):
    os.makedirs(top, exist_ok=True)
    j = lambda n: os.path.join(top, n)
    profile = icc()
    kw = {"icc_profile": profile} if profile else {}
    image(1).save(j("gps.jpg"), quality=90, **kw)
    image(1).save(j("clean.jpg"), quality=90)
    image(2).save(j("text.png"))
    image(2).save(j("clean.png"))
    image(3).save(j("gps.tif"))
    image(4).save(j("renamed.dat"), format="JPEG")
    image(5).save(j("orient.jpg"), quality=90)
    im = image(6)
    im.save(j("author.pdf"), author="Amal Haddad", producer="Pillow test",
            title="Minutes")
    mp4(j("gps.mp4"))
    heif(j("photo.heic"), gps_exif())
    pdf(j("info.pdf"))
    ifd_bomb(j("bomb.jpg"))
    huge_atoms(j("huge.mp4"))
    with open(j("looks.jpg"), "wb") as f:   # a name, not a JPEG
        f.write(b"GPS 34.08 N 74.79 E, camera serial 12345\n")
    with open(j("cut.jpg"), "wb") as f:     # truncated inside its EXIF
        f.write(b"\xff\xd8\xff\xe1\xff\xf0Exif\0\0MM\0*\0\0\0\x08\0\x05")
    with open(j("cut.png"), "wb") as f:     # a chunk longer than the file
        f.write(b"\x89PNG\r\n\x1a\n\x7f\xff\xff\xfftEXtAuthor\0x")


if __name__ == "__main__":
    main(sys.argv[1])
