#!/bin/sh
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
(cd "$W/in" && SOURCE_DATE_EPOCH=1700000000 "$QASID" pack -q \
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
