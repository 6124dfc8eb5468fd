#!/usr/bin/env python3
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
        for t in ("read", "unpack", "manifest", "sig", "keyring", "keyfile"):
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
        for t, name, data in key_seeds(key, sec, pub):
            with open(os.path.join(CORPUS, t, name), "wb") as f:
                f.write(data)


if __name__ == "__main__":
    main()
