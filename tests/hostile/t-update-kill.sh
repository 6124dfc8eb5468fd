#!/bin/sh
# SPDX-License-Identifier: ISC
# t-update-kill.sh - an update in place (week 15 over week 14) killed with
# SIGKILL at random moments. After every kill each file is whole: week
# 14's or week 15's version, never a part, and never anything else; the
# folder is exactly week 14, exactly week 15, or, killed while publishing,
# holds a committed staging folder. The next unpack of week 15 then always
# ends with exactly week 15 and nothing left behind, and the recipient's
# own file is never touched.
if [ -d /dev/shm ] && [ -w /dev/shm ]; then TMPDIR=/dev/shm; export TMPDIR; fi
. "$QASID_TOP/tests/lib.sh"
. "$QASID_TOP/tests/hostile/lib-hostile.sh"

KILLS=${QASID_KILLS:-100}
"$PY" - "$W/src" <<'PY'
import os, random, shutil, sys
r = random.Random(1)
def week(top, n):
    for d in range(5):
        os.makedirs(os.path.join(top, "d%d" % d, "sub"), exist_ok=True)
        for f in range(8):
            if n == 15 and (d + f) % 7 == 0:
                continue          # removed in week 15
            size = r.choice([0, 1, 100, 5000, 60000, 200000])
            data = bytes(r.getrandbits(8) for _ in range(min(size, 4096)))
            data = (data * (size // 4096 + 1))[:size]
            p = os.path.join(top, "d%d" % d, "sub" if f % 2 else "",
                             "f%d.bin" % f)
            if n == 15 and (d * f) % 3 and os.path.exists(p.replace("w15", "w14")):
                shutil.copyfile(p.replace("w15", "w14"), p)  # unchanged
            else:
                open(p, "wb").write(data)
    if n == 15:
        os.makedirs(os.path.join(top, "d9"))
        open(os.path.join(top, "d9", "new.txt"), "w").write("new\n" * 500)
    else:
        os.makedirs(os.path.join(top, "d8", "gone"))
        open(os.path.join(top, "d8", "gone", "g.txt"), "w").write("g\n")
week(os.path.join(sys.argv[1], "w14", "news"), 14)
week(os.path.join(sys.argv[1], "w15", "news"), 15)
PY
for n in 14 15; do
	(cd "$W/src/w$n" && "$QASID" pack -q -s "$W/k.sec" -n news -N $n \
	    -o "$W/w$n.qasid" news) || echo "FAIL t-update-kill: pack failed"
done

t_begin "update kill: SIGKILL at $KILLS random moments of an update in place"
"$PY" - "$QASID" "$W/k.pub" "$W" "$KILLS" >"$OUT" 2>&1 <<'PY' ||
import os, random, shutil, signal, subprocess, sys, time

qasid, pub, w, kills = sys.argv[1:5]
kills = int(kills)
seed = int(os.environ.get("QASID_KILL_SEED", time.time_ns() % 1000000))
r = random.Random(seed)
dest = os.path.join(w, "kill", "dest")
state = os.path.join(w, "kill", "state")
env = dict(os.environ, QASID_STATE=state)

def tree(root):
    """{path: bytes, or None for folders}, without qasid's own names."""
    out = {}
    for d, dirs, files in os.walk(root):
        rel = os.path.relpath(d, root)
        if rel == ".":
            dirs[:] = [x for x in dirs if not x.startswith(".qasid")]
            files = [x for x in files if not x.startswith(".qasid")]
        for x in dirs:
            out[os.path.normpath(os.path.join(rel, x))] = None
        for x in files:
            p = os.path.join(d, x)
            out[os.path.normpath(os.path.join(rel, x))] = (
                open(p, "rb").read() if os.path.isfile(p) and
                not os.path.islink(p) else "not a file")
    return out

old = tree(os.path.join(w, "src", "w14"))
new = tree(os.path.join(w, "src", "w15"))
old["mine.txt"] = new["mine.txt"] = b"mine\n"

def unpack(n):
    return subprocess.Popen([qasid, "unpack", "-q", "-p", pub, "-C", dest,
                             os.path.join(w, "w%d.qasid" % n)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

def fresh():
    shutil.rmtree(os.path.join(w, "kill"), ignore_errors=True)
    os.makedirs(dest)
    p = unpack(14)
    if p.wait() != 0:
        fail(0, "week 14: %s" % p.stderr.read().decode())
    open(os.path.join(dest, "mine.txt"), "wb").write(b"mine\n")

def fail(i, why):
    print("seed %d, kill %d: %s" % (seed, i, why))
    sys.exit(1)

def committed():
    for x in os.listdir(dest):
        if x.startswith(".qasid-unpack-") and os.path.exists(
                os.path.join(dest, x, ".qasid-committed")):
            return True
    return False

fresh()
t0 = time.monotonic()
p = unpack(15)
if p.wait() != 0:
    fail(0, "plain update failed: %s" % p.stderr.read().decode())
span = time.monotonic() - t0
if tree(dest) != new:
    fail(0, "plain update is not week 15")

seen = {"old": 0, "mixed": 0, "new": 0, "finished": 0}
for i in range(1, kills + 1):
    fresh()
    p = unpack(15)
    time.sleep(r.uniform(0, span * 1.2))
    p.send_signal(signal.SIGKILL)
    rc = p.wait()
    got = tree(dest)
    for k, v in got.items():
        if v != old.get(k, 0) and v != new.get(k, 0):
            fail(i, "%s is neither week 14's nor week 15's after the kill" % k)
    if rc == 0:
        seen["finished"] += 1
    elif got == old:
        seen["old"] += 1
    elif got == new:
        seen["new"] += 1
    elif committed():
        seen["mixed"] += 1
    else:
        fail(i, "a mix of weeks 14 and 15 with nothing to finish it")
    p = unpack(15)
    rc = p.wait()
    err = p.stderr.read().decode()
    if rc != 0:
        fail(i, "the next unpack gave %d: %s" % (rc, err.strip()))
    if tree(dest) != new:
        fail(i, "after the next unpack the folder is not week 15")
    left = [x for x in os.listdir(dest) if x.startswith(".qasid-unpack-")]
    if left:
        fail(i, "the next unpack left %s" % left)
summary = ("seed %d, update %.0f ms; killed with week 14 whole %d, mixed "
           "and committed %d, week 15 whole %d, finished first %d" % (
           seed, span * 1000, seen["old"], seen["mixed"], seen["new"],
           seen["finished"]))
print(summary)
if kills >= 50 and (seen["old"] == 0 or
                    seen["mixed"] + seen["new"] + seen["finished"] == 0):
    print("kills did not spread over the update: " + summary)
    sys.exit(1)
PY
	t_fail "$(tail -n 5 "$OUT" | tr '\n' ' ')"
t_end
grep -q . "$OUT" && sed -n '$p' "$OUT" | sed 's/^/  /'
