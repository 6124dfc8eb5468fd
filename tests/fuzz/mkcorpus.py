#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""mkcorpus.py - (re)makes the seed inputs of tests/fuzz/corpus/.

    QASID_BUILD=build python3 tests/fuzz/mkcorpus.py

Needs the built replay drivers and hostile-helper (make test builds them)
and minisign. Seeds are signed by the fuzz targets' fixed test key, so run
this again whenever the bundle format changes (t-replay.sh says when).
Files named crash-* in the corpus are past crashers: this leaves them be.
"""
import base64
import os
import subprocess
import sys
import tempfile

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(TOP, "tests", "hostile"))
from craft import Bundle, Dir, File, Key, gz  # noqa: E402

BUILD = os.environ.get("QASID_BUILD", os.path.join(TOP, "build"))
os.environ["QASID_BUILD"] = BUILD
CORPUS = os.path.join(TOP, "tests", "fuzz", "corpus")


def bundles(key):
    yield "one-file", Bundle(key, [File("hello.txt", b"hello\n")])
    yield "tree", Bundle(key, [Dir("news"), File("news/a.txt", b"first\n"),
                               Dir("news/old"), File("news/old/b.txt", b"b" * 700),
                               File("news/run.sh", b"#!/bin/sh\n", 0o755)])
    yield "empty-file", Bundle(key, [File("empty", b"")])
    yield "unicode", Bundle(key, [Dir("caf\u00e9"),
                                  File("caf\u00e9/\u0627\u0644\u062e\u0628\u0631.txt",
                                       "\u0633\u0644\u0627\u0645\n".encode())],
                            title="Nouvelles \u00e9t\u00e9".encode(), series=b"news-2",
                            sequence=42)
    yield "long-name", Bundle(key, [Dir("d"), File("d/" + "n" * 150, b"long\n")])
    yield "deep", Bundle(key, [Dir("/".join("abcdefgh"[:i + 1])) for i in range(8)]
                         + [File("a/b/c/d/e/f/g/h/leaf", b"leaf\n")])
    yield "only-dirs", Bundle(key, [Dir("x"), Dir("x/y"), Dir("z")])


def unpack_seed(b, split):
    mf = b.manifest([gz(b"")])
    mf = mf[:mf.index(b"member ")]
    mf = mf.replace(b"\nmembers 1\n", b"\nmembers @\n")
    return bytes([split]) + mf + b"\0" + b.tar()


def stp(op, k=0, dest=False, idx=0):
    """One seeding step of fuzz_leftover.c."""
    return bytes([op, (idx << 3) | (4 if dest else 0) | k])


def extra(j):
    """The step name index of fuzz_leftover.c's extras[j]."""
    return 16 + j


def leftover_plans(b):
    """(name, steps, accepted) for fuzz_leftover: destinations to seed."""
    es = b.entries
    genuine = [stp(4 if e.is_dir else 3, 0, idx=i) for i, e in enumerate(es)]
    first = next((i for i, e in enumerate(es) if not e.is_dir), None)
    half = [stp(4, 0, idx=i) for i, e in enumerate(es) if e.is_dir] + \
           [stp(3, 0, dest=(i == first), idx=i) for i, e in enumerate(es)
            if not e.is_dir]
    yield "plain", [], True
    yield "genuine-leftover", [stp(0), stp(1, idx=1)] + genuine, True
    yield "half-published", [stp(0), stp(1, idx=1)] + half, True
    yield "plant-this", [stp(0), stp(1, idx=1), stp(5, idx=extra(1)),
                         stp(6, idx=extra(0)), stp(7, idx=extra(2)),
                         stp(8, idx=0), stp(2, idx=len(es) - 1)], True
    yield "plant-empty-marker", [stp(0, 1), stp(1, 1, idx=0),
                                 stp(2, 1, idx=0), stp(5, 1, idx=extra(4)),
                                 stp(8, 1, idx=extra(6))], True
    if first is not None:
        yield "forged-this", [stp(0, 3), stp(1, 3, idx=1),
                              stp(2, 3, idx=first)], True
        yield "forged-empty-marker", [stp(0, 3), stp(1, 3, idx=0),
                                      stp(2, 3, idx=first)], True
    yield "other-bundle", [stp(0, 2), stp(1, 2, idx=2), stp(2, 2, idx=0)], True
    yield "dest-links", [stp(5, 0, True, extra(1)), stp(6, 0, True, extra(7)),
                         stp(7, 0, True, extra(2))], True
    yield "dest-link-clash", [stp(5, 0, True, 0)], False


def key_seeds(key, sec, pub):
    """Seeds of the signature, keyring and key-file targets."""
    sig = key.minisign(b"a manifest", b"qasid-bundle 1 head:" + b"0" * 64)
    yield "sig", "ok-signature", sig
    yield "sig", "ok-short-comment", key.minisign(b"x", b"t")
    with open(pub, "rb") as f:
        pubtext = f.read()
    with open(sec, "rb") as f:
        sectext = f.read()
    line = pubtext.splitlines()[1]
    other = base64.b64encode(b"Ed" + key.keyid + bytes(range(32))).decode()
    yield "keyring", "ok-keys", ("# keys\n%s fuzz key\n%s same id\n\n"
                                 "%s fuzz key again\n" % (
                                     line.decode(), other,
                                     line.decode())).encode()
    yield "keyfile", "ok-public", pubtext
    yield "keyfile", "ok-secret", sectext
    raw = bytearray(base64.b64decode(sectext.splitlines()[1]))
    raw[2:4] = b"Sc"
    yield "keyfile", "encrypted-secret", (
        b"untrusted comment: minisign encrypted secret key\n" +
        base64.b64encode(bytes(raw)) + b"\n")


def main():
    with tempfile.TemporaryDirectory() as d:
        sec, pub = os.path.join(d, "fuzz.sec"), os.path.join(d, "fuzz.pub")
        subprocess.run([os.path.join(BUILD, "tests", "replay-read"), "--keys",
                        sec, pub], check=True)
        key = Key(sec, pub)
        for t in ("read", "unpack", "manifest", "leftover", "sig", "keyring",
                  "keyfile"):
            os.makedirs(os.path.join(CORPUS, t), exist_ok=True)
            for f in os.listdir(os.path.join(CORPUS, t)):
                if f.startswith("ok-"):
                    os.unlink(os.path.join(CORPUS, t, f))
        for name, b in bundles(key):
            data = b.build()
            with open(os.path.join(CORPUS, "read", "ok-" + name), "wb") as f:
                f.write(data)
            with open(os.path.join(CORPUS, "manifest", "ok-" + name), "wb") as f:
                f.write(b.manifest(b.members(b.chunks())))
            for split in (0, 1):
                p = os.path.join(CORPUS, "unpack", "ok-%s-%d" % (name, split))
                with open(p, "wb") as f:
                    f.write(unpack_seed(b, split))
            if name not in ("one-file", "tree", "deep", "only-dirs"):
                continue
            for plan, steps, ok in leftover_plans(b):
                p = os.path.join(CORPUS, "leftover", "%s-%s-%s" % (
                    "ok" if ok else "seed", plan, name))
                with open(p, "wb") as f:
                    f.write(bytes([len(steps)]) + b"".join(steps) +
                            unpack_seed(b, 0))
        for t, name, data in key_seeds(key, sec, pub):
            with open(os.path.join(CORPUS, t, name), "wb") as f:
                f.write(data)


if __name__ == "__main__":
    main()
