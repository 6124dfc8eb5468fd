#!/bin/sh
# SPDX-License-Identifier: ISC
# t-repair-kill.sh - repair in place stopped by SIGKILL before each of its
# changes to the file system in turn (tests/hostile/killat.c), with lost
# blocks alone, with a damaged head restored from its copy, and with a
# head rebuilt from parity. After every kill the bundle is the damaged
# original, the repaired one, or part mended with a repair journal beside
# it; verify passes it only when it is byte for byte the publisher's (and
# names the interrupted repair when there is a journal); the next repair
# always ends with the publisher's bundle and nothing left beside it.
# Then journals that are not what a repair wrote: cut short, made for
# another bundle, hostile (offsets past the end, out of order, a count of
# bytes that runs past the file), a link, and one that writes garbage.
if [ -d /dev/shm ] && [ -w /dev/shm ]; then TMPDIR=/dev/shm; export TMPDIR; fi
. "$QASID_TOP/tests/lib.sh"
. "$QASID_TOP/tests/hostile/lib-hostile.sh"

SHIM="$QASID_BUILD/tests/killat.so"
mkdir -p "$W/k"
rec_orig
cp "$W/orig.qasid-rec" "$W/k/b.qasid-rec"

for kind in scattered head nohead; do
	t_begin "repair kill: SIGKILL before each step, $kind"
	rec_damage $kind "$W/damaged-$kind.qasid"
	cp "$W/damaged-$kind.qasid-rec" "$W/k/b.qasid-rec"
	"$PY" - "$QASID" "$SHIM" "$W" "$kind" >"$OUT" 2>&1 <<'PY' ||
import os, re, subprocess, sys

qasid, shim, w, kind = sys.argv[1:5]
k = os.path.join(w, "k")
b = os.path.join(k, "b.qasid")
journal = os.path.join(k, ".b.qasid.qasid-repair")
orig = open(os.path.join(w, "orig.qasid"), "rb").read()
damaged = open(os.path.join(w, "damaged-%s.qasid" % kind), "rb").read()
pub = os.path.join(w, "k.pub")

def fail(n, why):
    print("%s, kill at step %d: %s" % (kind, n, why))
    sys.exit(1)

def run(cmd, env=None):
    p = subprocess.run([qasid] + cmd + ["-p", pub, b], env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return p.returncode, p.stdout.decode(), p.stderr.decode()

def content():
    return open(b, "rb").read()

def leftovers():
    """What lies beside the bundle, but for the complete copy that
    qtmp_commit (src/os/file.c) names ".b.qasid.qasid-XXXXXXXX" for an
    instant before renaming it over the bundle: a kill in that instant
    leaves it (counted, and it must be the publisher's bundle)."""
    left = []
    for x in sorted(os.listdir(k)):
        p = os.path.join(k, x)
        if x in ("b.qasid", "b.qasid-rec"):
            continue
        if re.fullmatch(r"\.b\.qasid\.qasid-[0-9a-f]{8}", x) and \
                open(p, "rb").read() == orig:
            asides.add(x)
            continue
        left.append(x)
    return left

seen = {"untouched": 0, "part mended": 0, "mended": 0}
asides = set()
n = 0
while True:
    n += 1
    if n > 2000:
        fail(n, "repair never finished")
    open(b, "wb").write(damaged)
    env = dict(os.environ, LD_PRELOAD=shim, QASID_TEST_KILL_AT=str(n))
    rc, out, err = run(["repair"], env)
    if rc != -9:
        if rc != 0 or content() != orig or leftovers():
            fail(n, "unkilled repair: exit %d, %s, left %s" % (
                rc, err.strip(), leftovers()))
        break
    now = content()
    if now == damaged:
        seen["untouched"] += 1
    elif now == orig:
        seen["mended"] += 1
    elif os.path.exists(journal):
        seen["part mended"] += 1
    else:
        fail(n, "the bundle is part mended and there is no journal")
    rc, out, err = run(["verify"])
    if rc == 0 and now != orig:
        fail(n, "verify passed a bundle that is not the publisher's")
    if rc != 0 and (now == orig or rc != 1):
        fail(n, "verify gave %d: %s" % (rc, err.strip()))
    if rc != 0 and os.path.exists(journal) and \
            "an interrupted repair left" not in err:
        fail(n, "verify does not name the interrupted repair: " + err)
    rc, out, err = run(["repair"])
    if rc != 0 or content() != orig:
        fail(n, "the next repair gave %d (%s) and %s the original" % (
            rc, err.strip(), "is" if content() == orig else "is not"))
    if now != orig and "repaired" not in out:
        fail(n, "the next repair says: " + out.strip())
    if leftovers():
        fail(n, "the next repair left %s" % leftovers())
print("%s: %d steps; killed with the bundle untouched %d, part mended %d, "
      "mended %d; a whole copy left beside it %d" % (
      kind, n - 1, seen["untouched"], seen["part mended"], seen["mended"],
      len(asides)))
if seen["untouched"] == 0 or seen["mended"] == 0 or \
        (kind != "nohead" and seen["part mended"] == 0):
    print("the kills missed a phase of the repair")
    sys.exit(1)
PY
		t_fail "$(tail -n 3 "$OUT" | tr '\n' ' ')"
	t_end
	grep -q . "$OUT" && sed -n '$p' "$OUT" | sed 's/^/  /'
done

# ---- Journals a repair did not write, or not for this bundle ----------

# journal OUT DAMAGED [how]: a journal (FORMAT.md 17.5) that mends
# DAMAGED into the original, made as the format says, then spoilt: torn
# (cut short), other (another bundle's head hash), beyond (an offset past
# the end), order (a zeroed block again, at an earlier offset), huge (an offset near 2^64,
# whose block would run past any file),
# garbage (well formed, but its blocks are random bytes).
journal() {
	"$PY" - "$W/orig.qasid" "$1" "$2" "${3:-}" <<'PY'
import hashlib, os, random, struct, sys
orig_path, out, damaged_path, how = sys.argv[1:5]
orig = open(orig_path, "rb").read()
damaged = open(damaged_path, "rb").read()
hdr = open(orig_path + "-rec", "rb").read(4096).split(b"\0")[0].decode()
field = dict(l.split(" ", 1) for l in hdr.splitlines()[1:-1])
size = int(field["size"])
headhash = bytes.fromhex(field["head"].split()[1])
if how == "other":
    headhash = hashlib.blake2b(b"another bundle", digest_size=32).digest()
blocks = [off for off in range(0, size, 4096)
          if damaged[off:off + 4096] != orig[off:off + 4096]]
body = b"qasid-repair 1\n\0" + struct.pack("<Q", size) + headhash
r = random.Random(3)
for off in blocks:
    data = orig[off:off + 4096]
    if how == "garbage":
        data = bytes(r.getrandbits(8) for _ in range(len(data)))
    elif how:
        data = bytes(len(data))    # were it replayed, the count shows it
    body += struct.pack("<Q", off) + data
if how == "order":
    body += struct.pack("<Q", blocks[0]) + bytes(4096)
if how == "beyond":
    body += struct.pack("<Q", size + 4096 * 1000) + b"\0" * 4096
if how == "huge":
    body += struct.pack("<Q", 0xFFFFFFFFFFFFF000) + b"x" * 100
mark = hashlib.blake2b(body, digest_size=32).digest()
data = body + mark
if how == "torn":
    data = data[:-8]
open(out, "wb").write(data)
PY
}

JR="$W/k/.b.qasid.qasid-repair"
rec_damage scattered "$W/dmg.qasid"
cp "$W/orig.qasid-rec" "$W/k/b.qasid-rec"

# A journal replayed counts its blocks, and a repair after it counts what
# it still found: a journal that is refused leaves the count of a repair
# with no journal, one that wrote wrong blocks makes it larger.
cp "$W/dmg.qasid" "$W/k/b.qasid"
"$QASID" repair -p "$W/k.pub" "$W/k/b.qasid" >"$W/plain.out"
N0=$(sed -n 's/.*: repaired \([0-9]*\) blocks .*/\1/p' "$W/plain.out")

t_begin "repair replays a whole journal; verify and unpack name it"
[ "${N0:-0}" -gt 0 ] || t_fail "a plain repair gave: $(cat "$W/plain.out")"
cp "$W/dmg.qasid" "$W/k/b.qasid"
journal "$JR" "$W/dmg.qasid"
run 1 "$QASID" verify -p "$W/k.pub" "$W/k/b.qasid"
t_grep "^qasid: $W/k/b.qasid: an interrupted repair left $JR: run \`qasid repair\` to finish it$" "$ERR"
run 1 "$QASID" unpack -p "$W/k.pub" -C "$W/out" "$W/k/b.qasid"
t_grep "^qasid: $W/k/b.qasid: an interrupted repair left $JR: run \`qasid repair\` to finish it$" "$ERR"
t_absent "$W/out/video.mp4"
run 0 "$QASID" repair -p "$W/k.pub" "$W/k/b.qasid"
t_grep "^$W/k/b.qasid: repaired $N0 blocks of 4 KiB; it verifies$" "$OUT"
t_same "$W/k/b.qasid" "$W/orig.qasid"
t_absent "$JR"
t_end

t_begin "a journal replayed over a bundle it already mended changes nothing"
journal "$JR" "$W/dmg.qasid"
run 0 "$QASID" repair -p "$W/k.pub" "$W/k/b.qasid"
t_same "$W/k/b.qasid" "$W/orig.qasid"
t_absent "$JR"
t_end

for how in torn other beyond order huge garbage; do
	t_begin "a $how journal: removed or replayed, and the bundle restored"
	cp "$W/dmg.qasid" "$W/k/b.qasid"
	journal "$JR" "$W/dmg.qasid" $how
	run 0 "$QASID" repair -p "$W/k.pub" "$W/k/b.qasid"
	# garbage is replayed (N0 blocks), then found lost and mended again.
	n=$N0
	[ $how != garbage ] || n=$((N0 * 2))
	t_grep "^$W/k/b.qasid: repaired $n blocks of 4 KiB; it verifies$" "$OUT"
	t_lines 0 "$ERR"
	t_same "$W/k/b.qasid" "$W/orig.qasid"
	t_absent "$JR"
	t_end
done

t_begin "a journal that is a link: the name removed, its target untouched"
cp "$W/dmg.qasid" "$W/k/b.qasid"
journal "$W/target" "$W/dmg.qasid"
cp "$W/target" "$W/target.bak"
ln -s "$W/target" "$JR"
run 0 "$QASID" repair -p "$W/k.pub" "$W/k/b.qasid"
t_same "$W/k/b.qasid" "$W/orig.qasid"
t_same "$W/target" "$W/target.bak"
[ ! -L "$JR" ] || t_fail "the link is still there"
t_end

t_begin "a journal with no recovery file stays, and repair says why"
cp "$W/dmg.qasid" "$W/k/b.qasid"
journal "$JR" "$W/dmg.qasid"
mv "$W/k/b.qasid-rec" "$W/rec.aside"
run 2 "$QASID" repair -p "$W/k.pub" "$W/k/b.qasid"
t_grep "^qasid: $W/k/b.qasid: no recovery file" "$ERR"
t_same "$W/k/b.qasid" "$W/dmg.qasid"
t_exists "$JR"
run 1 "$QASID" check "$W/k"
t_grep "^$W/k/.b.qasid.qasid-repair: an interrupted repair's journal (rerun qasid repair on the bundle)$" "$OUT"
mv "$W/rec.aside" "$W/k/b.qasid-rec"
run 0 "$QASID" repair -p "$W/k.pub" "$W/k/b.qasid"
t_same "$W/k/b.qasid" "$W/orig.qasid"
t_end
