#!/bin/sh
# SPDX-License-Identifier: ISC
# t-craft.sh - the crafting helper itself: an honest bundle it builds is the
# very bundle `qasid pack` writes, so every hostile variant differs from a
# real bundle only where the test means it to.
# Work on a memory file system when there is one: unpack syncs, and the
# thousands of small folders these cases make cost little there.
if [ -d /dev/shm ] && [ -w /dev/shm ]; then TMPDIR=/dev/shm; export TMPDIR; fi
. "$QASID_TOP/tests/lib.sh"
. "$QASID_TOP/tests/hostile/lib-hostile.sh"

mkdir -p "$W/in/docs/sub"
printf 'hello\n' >"$W/in/docs/a.txt"
printf 'line %s\n' $(seq 1 400) >"$W/in/docs/sub/b.txt"
: >"$W/in/docs/empty"
printf '#!/bin/sh\necho hi\n' >"$W/in/docs/run.sh"
chmod 755 "$W/in/docs/run.sh"

t_begin "crafted honest bundle is byte-identical to qasid pack"
(cd "$W/in" && SOURCE_DATE_EPOCH=1700000000 "$QASID" pack -q --format 1 \
    -s "$W/k.sec" -t "Crafted" -n news -N 7 -o "$W/packed.qasid" docs) ||
	t_fail "pack failed"
craft "$W/crafted.qasid" <<'PY'
Bundle(K, [Dir("docs"), File("docs/a.txt", b"hello\n"), File("docs/empty"),
           File("docs/run.sh", b"#!/bin/sh\necho hi\n", 0o755), Dir("docs/sub"),
           File("docs/sub/b.txt", b"".join(b"line %d\n" % i for i in range(1, 401)))],
       title=b"Crafted", series=b"news", sequence=7).write(OUT)
PY
t_same "$W/packed.qasid" "$W/crafted.qasid"
t_end

t_begin "crafted honest format-2 bundle is byte-identical to qasid pack"
(cd "$W/in" && QASID_STATE="$W/state2" SOURCE_DATE_EPOCH=1700000000 \
    "$QASID" pack -q -s "$W/k.sec" -t "Crafted" -n news -N 7 \
    -o "$W/packed2.qasid" docs) || t_fail "pack failed"
craft "$W/crafted2.qasid" <<'PY'
Bundle(K, [Dir("docs"), File("docs/a.txt", b"hello\n"), File("docs/empty"),
           File("docs/run.sh", b"#!/bin/sh\necho hi\n", 0o755), Dir("docs/sub"),
           File("docs/sub/b.txt", b"".join(b"line %d\n" % i for i in range(1, 401)))],
       title=b"Crafted", series=b"news", sequence=7).write(OUT, manifest=v2,
                                                          trusted=format2)
PY
t_same "$W/packed2.qasid" "$W/crafted2.qasid"
t_end

t_begin "crafted honest bundle verifies and unpacks"
run 0 "$QASID" verify -p "$W/k.pub" "$W/crafted.qasid"
h_accept "$W/crafted.qasid"
t_same "$W/in/docs/sub/b.txt" "$W/ok/docs/sub/b.txt"
t_end

t_begin "crafted bundle with several members verifies"
craft "$W/multi.qasid" <<'PY'
import random
r = random.Random(7)
big = bytes(r.getrandbits(8) for _ in range(1300000))
Bundle(K, [Dir("m"), File("m/big", big), File("m/small", b"s" * 70000)]).write(OUT)
PY
run 0 "$QASID" verify -p "$W/k.pub" "$W/multi.qasid"
n=$(tar -xzOf "$W/multi.qasid" .qasid/manifest | grep -c '^member ')
[ "$n" -eq 3 ] || t_fail "expected 3 members, manifest lists $n"
t_end

t_begin "a crafted signature is what minisign verifies"
(cd "$W" && tar -xzf crafted.qasid .qasid/manifest .qasid/manifest.minisig &&
    minisign -V -q -p k.pub -m .qasid/manifest) >"$OUT" 2>"$ERR" ||
	t_fail "minisign -V: $(cat "$ERR")"
t_end

t_begin "list shows a forged creation time near 2^63 as a number, not a crash"
craft "$W/late.qasid" <<'PY'
Bundle(K, [File("a.txt", b"a\n")], created=2**63 - 1).write(OUT)
PY
run 0 "$QASID" list -p "$W/k.pub" "$W/late.qasid"
t_grep "^created: *9223372036854775807 (not a date)\$" "$OUT"
run 0 "$QASID" list "$W/late.qasid"
t_grep "^created: *9223372036854775807 (not a date)\$" "$OUT"
t_end

t_begin "entry counts whose sum wraps are refused as too many"
craft "$W/wrap.qasid" <<'PY'
b = Bundle(K, [File("a.txt", b"a\n")])
b.write(OUT, manifest=lambda m: m.replace(b"\nfiles 1\ndirs 0\n",
        b"\nfiles 18446744073709551615\ndirs 1\n"))
PY
h_refuse 1 "more entries than a bundle may hold" "$W/wrap.qasid"
run 1 "$QASID" list "$W/wrap.qasid"
h_reason "more entries than a bundle may hold"
t_end

# A title is shown even for a bundle no trusted key signed: whatever a
# terminal would obey or reorder is refused, signed or not.
for t in 'C1 CSI:c29b' 'RLO:e280ae' 'LRI:e281a6' 'RLM:e2808f' 'ALM:d89c' \
    'NEL:c285' 'noncharacter:efbfbe'; do
	name=${t%%:*} hex=${t#*:}
	t_begin "a signed title holding $name is a format error"
	craft "$W/title.qasid" <<PY
Bundle(K, [File("a.txt", b"a\n")], title=b"news " + bytes.fromhex("$hex") + b"[2J").write(OUT)
PY
	h_refuse 1 "title has control characters, bidirectional" "$W/title.qasid"
	run 1 "$QASID" list "$W/title.qasid"
	h_reason "title has control characters, bidirectional"
	t_end
done

# The manifest says one name, the tar header another that looks the same:
# GNU tar would make the header's name, and b2sum -c would find no file.
# (Old versions wrote the second kind themselves, from a decomposed name.)
t_begin "a tar header whose name differs from the manifest's bytes is refused"
craft "$W/hdr" <<'PY'
nfc, nfd = "Caf\u00e9.txt".encode(), "Cafe\u0301.txt".encode()
for name, said, held in (("nfd-header", nfc, nfd), ("nfc-header", nfd, nfc)):
    b = Bundle(K, [File(said, b"x\n")])
    b.write(OUT + "-" + name + ".qasid",
            members=b.members(b.chunks([File(held, b"x\n")])))
PY
h_refuse 1 "tar header of 'Caf.*' does not match the manifest" \
    "$W/hdr-nfd-header.qasid"
h_refuse 1 "is not in Unicode NFC" "$W/hdr-nfc-header.qasid"
t_end

# FORMAT.md 2.1: one gzip header, in every member. zlib reads the others,
# and other gzip tools act on a name such as ../../evil.
for t in 'FNAME ../../evil:name=b"../../evil"' 'FCOMMENT:comment=b"hi"' \
    'FEXTRA:extra=b"AB\x02\x00hi"' 'FHCRC:hcrc=True' 'FTEXT:text=True' \
    'MTIME:mtime=1700000000' 'OS 3 (Unix):os_=3' 'XFL 6:xfl=6'; do
	what=${t%%:*} kw=${t#*:}
	t_begin "a member header with $what is refused, in the head and the body"
	craft "$W/gzh" <<PY
b = Bundle(K, [File("a.txt", b"a\n")])
b.write(OUT + "-head.qasid", head_raw=lambda p: gz_odd(p, $kw))
b.write(OUT + "-body.qasid", members=[gz_odd(c, $kw) for c in b.chunks()])
PY
	h_refuse 1 "gzip header has fields the format does not allow" \
	    "$W/gzh-head.qasid"
	run 1 "$QASID" list -p "$W/k.pub" "$W/gzh-head.qasid"
	h_reason "gzip member 0 at offset 0: gzip header has fields"
	h_refuse 1 "gzip member 2 .*: gzip header has fields the format" \
	    "$W/gzh-body.qasid"
	t_end
done

t_begin "XFL 0, 2 and 4 are all accepted (zlib's values for any level)"
craft "$W/xfl" <<'PY'
b = Bundle(K, [File("a.txt", b"a\n")])
for x in (0, 2, 4):
    b.write(OUT + "-%d.qasid" % x, head_raw=lambda p: gz_odd(p, xfl=x),
            members=[gz_odd(c, xfl=x) for c in b.chunks()])
PY
for x in 0 2 4; do
	run 0 "$QASID" verify -p "$W/k.pub" "$W/xfl-$x.qasid"
done
t_end

# FORMAT.md 2.4: every body member holds part of the tar stream.
t_begin "an empty body member is refused wherever it is"
craft "$W/empty" <<'PY'
b = Bundle(K, [File("a.txt", b"a\n" * 2000), File("b.txt", b"b\n")])
ch = b.chunks()
tar = b"".join(ch)
cut = [tar[:1024], tar[1024:]]
for where, parts in (("first", [b""] + cut), ("middle", [cut[0], b"", cut[1]]),
                     ("last", cut + [b""])):
    b.write(OUT + "-" + where + ".qasid", members=[gz(p) for p in parts])
PY
for where in first middle last; do
	h_refuse 1 "empty member" "$W/empty-$where.qasid"
done
t_end
