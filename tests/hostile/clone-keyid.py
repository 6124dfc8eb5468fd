#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
# clone-keyid.py - makes an impostor key pair: the keys of SRC (a pair made
# with `qasid keygen -W`, no password) relabelled with the key id of VICTIM,
# as anyone can do, since a key id is only a label.
#
#   clone-keyid.py VICTIM.pub SRC.pub SRC.sec OUT.pub OUT.sec
#
# Key files are minisign's (docs/FORMAT.md, "Keys"): a comment line, then
# base64 of "Ed" || id || key, or of "Ed" 0000 "B2" || salt || ops || mem ||
# id || secret key || BLAKE2b-256 checksum of "Ed" || id || secret key.
import base64
import hashlib
import sys


def read(path):
    with open(path) as f:
        lines = f.read().splitlines()
    return base64.b64decode(lines[1], validate=True)


def write(path, comment, raw):
    with open(path, "w") as f:
        f.write("untrusted comment: %s\n%s\n" %
                (comment, base64.b64encode(raw).decode()))


def main():
    victim, spub, ssec, opub, osec = sys.argv[1:6]
    vid = read(victim)[2:10]
    pub = read(spub)
    sec = read(ssec)
    if sec[2:4] != b"\0\0":
        sys.exit("clone-keyid.py: %s is encrypted" % ssec)
    write(opub, "minisign public key %016X" % int.from_bytes(vid, "little"),
          pub[:2] + vid + pub[10:])
    at = 6 + 32 + 16
    secret = sec[at + 8:at + 8 + 64]
    chk = hashlib.blake2b(b"Ed" + vid + secret, digest_size=32).digest()
    write(osec, "minisign secret key", sec[:at] + vid + secret + chk)


main()
