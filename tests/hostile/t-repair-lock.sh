#!/bin/sh
# SPDX-License-Identifier: ISC
# t-repair-lock.sh - two qasid at once on one damaged bundle. A first
# repair is held inside its critical section by tests/hostile/lockdelay.c
# (each write of its journal, or each pwrite of its full copy, slowed);
# meanwhile a second repair starts, or protect, or verify and check look.
# The bundle's lock (FORMAT.md 17.5) must make the second repair wait and
# then find nothing to do, protect wait and then protect the repaired
# bundle, and verify and check call the journal a running repair's, not an
# interrupted one's. Every case ends with the publisher's bundle, nothing
# beside it, and a clean verify.
if [ -d /dev/shm ] && [ -w /dev/shm ]; then TMPDIR=/dev/shm; export TMPDIR; fi
. "$QASID_TOP/tests/lib.sh"
. "$QASID_TOP/tests/hostile/lib-hostile.sh"

SHIM="$QASID_BUILD/tests/lockdelay.so"
mkdir -p "$W/k"
rec_orig
rec_damage scattered "$W/scattered.qasid"
rec_damage nohead "$W/nohead.qasid"

# race CASE: the driver; prints why it failed, or nothing.
race() {
	"$PY" - "$QASID" "$SHIM" "$W" "$1" <<'PY'
import os, re, shutil, signal, subprocess, sys, time

qasid, shim, w, case = sys.argv[1:5]
k = os.path.join(w, "k")
b = os.path.join(k, "b.qasid")
journal = os.path.join(k, ".b.qasid.qasid-repair")
pub = os.path.join(w, "k.pub")
orig = open(os.path.join(w, "orig.qasid"), "rb").read()
kind = "nohead" if case == "nohead" else "scattered"

def fail(why):
    print(why)
    sys.exit(1)

def start(cmd, env=None):
    return subprocess.Popen([qasid] + cmd + ["-p", pub, b], env=env,
                            stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)

def finish(p, what):
    try:
        out, err = p.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        p.kill()
        fail(what + " never finished")
    return p.returncode, out.decode(), err.decode()

def copying():
    """The first repair has its full copy open beside the bundle (an
    unnamed file there, or a named temporary one): it is inside its
    critical section, having taken its lock before."""
    fds = "/proc/%d/fd" % first.pid
    for fd in os.listdir(fds):
        try:
            at = os.readlink(os.path.join(fds, fd))
        except OSError:
            continue
        if os.path.dirname(at) == os.path.realpath(k) and \
                os.path.basename(at) not in ("b.qasid", "b.qasid-rec"):
            return True
    return False

def waiting():
    """Another qasid waits for the bundle's lock (a "->" line of
    /proc/locks names a request that is blocked)."""
    ino = ":%d " % os.stat(b).st_ino
    return any("->" in l and ino in l for l in open("/proc/locks"))

second = None
def wait_for(cond, what):
    end = time.time() + 20
    while not cond():
        if first.poll() is not None:
            fail("the first repair ended (exit %d) before %s" % (
                first.returncode, what))
        if second is not None and second.poll() is not None:
            why = "the second %s ended (exit %d: %s) before %s" % (
                what2, second.returncode,
                second.stderr.read().decode().strip(), what)
            rc, out, err = finish(first, "the first repair")
            fail("%s; the first repair then gave %d: %s" % (
                why, rc, (out + err).strip()))
        if time.time() > end:
            fail("no " + what + " in 20 s")
        time.sleep(0.005)

for x in os.listdir(k):
    os.unlink(os.path.join(k, x))
shutil.copyfile(os.path.join(w, kind + ".qasid"), b)
shutil.copyfile(os.path.join(w, kind + ".qasid-rec"), b + "-rec")
env = dict(os.environ, LD_PRELOAD=shim)
if kind == "nohead":
    env["QASID_TEST_DELAY_PWRITE_MS"] = "400"
else:
    env["QASID_TEST_DELAY_IO_MS"] = "1500"
what2 = "protect" if case == "protect" else "repair"
first = start(["repair"], env)
if kind == "nohead":
    wait_for(copying, "full copy beside the bundle")
else:
    wait_for(lambda: os.path.exists(journal), "journal")

if case == "look":
    p = subprocess.run([qasid, "verify", "-p", pub, b],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    err = p.stderr.decode()
    if first.poll() is not None:
        fail("the first repair ended before verify did: too fast to tell")
    if p.returncode != 1 or "interrupted" in err or \
            "another qasid is repairing it now" not in err:
        fail("verify beside a running repair gave %d: %s" % (
            p.returncode, err.strip()))
    p = subprocess.run([qasid, "check", k],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = p.stdout.decode(), p.stderr.decode()
    want = "%s: the journal of a repair under way (leave it)" % journal
    if first.poll() is None and want not in out.splitlines():
        fail("check beside a running repair says: " + out.strip())
    # The bundle, damaged until the repair is done, is said to be under
    # repair as verify says it.
    if first.poll() is None and (p.returncode != 1 or
                                 "another qasid is repairing it now"
                                 not in err):
        fail("check of a bundle under repair gave %d: %s" % (
            p.returncode, err.strip()))
    second = None
elif case == "protect":
    second = start(["protect", "-q", "--redundancy", "10"])
    wait_for(waiting, "it waited for the lock")
elif case == "cancel":
    second = start(["repair"])
    wait_for(waiting, "it waited for the lock")
    second.send_signal(signal.SIGINT)
    rc, out, err = finish(second, "the cancelled repair")
    if first.poll() is not None:
        fail("the first repair ended before the second was cancelled")
    if rc != 2 or "cancelled" not in err:
        fail("a repair cancelled while it waited gave %d: %s" % (
            rc, err.strip()))
    second = None
else:
    second = start(["repair"])
    wait_for(waiting, "it waited for the lock")

# The second waits: it must not end while the first is still at work.
while second is not None and first.poll() is None:
    if second.poll() is not None and first.poll() is None:
        why = "the second %s ended (exit %d: %s) while the first repair " \
            "ran" % (what2, second.returncode,
                     second.stderr.read().decode().strip())
        rc, out, err = finish(first, "the first repair")
        fail("%s; the first then gave %d: %s" % (why, rc, (out + err).strip()))
    time.sleep(0.01)
rc, out, err = finish(first, "the first repair")
if rc != 0 or not re.fullmatch(r"%s: repaired \d+ blocks of 4 KiB; it "
                               r"verifies\n" % re.escape(b), out):
    fail("the first repair gave %d: %s %s" % (rc, out.strip(), err.strip()))
if second is not None:
    rc, out, err = finish(second, "the second " + what2)
    if case == "protect":
        if rc != 0 or err:
            fail("protect beside a repair gave %d: %s" % (rc, err.strip()))
    elif rc != 0 or out != "%s: no damage found\n" % b or err:
        fail("the second repair gave %d: %s %s" % (rc, out.strip(),
                                                  err.strip()))
if open(b, "rb").read() != orig:
    fail("the bundle is not the publisher's")
left = sorted(x for x in os.listdir(k) if x not in ("b.qasid", "b.qasid-rec"))
if left:
    fail("left beside the bundle: %s" % left)
p = subprocess.run([qasid, "verify", "-p", pub, b],
                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
if p.returncode != 0:
    fail("verify after both gave %d: %s" % (p.returncode,
                                            p.stderr.decode().strip()))
if case == "protect":
    p = subprocess.run([qasid, "repair", "-p", pub, b],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0 or p.stdout.decode() != "%s: no damage found\n" % b:
        fail("the recovery file protect wrote does not fit: %d %s" % (
            p.returncode, p.stderr.decode().strip()))
PY
}

while IFS=: read -r case what; do
	t_begin "$what"
	race "$case" >"$OUT" 2>&1 || t_fail "$(tail -n 3 "$OUT" | tr '\n' ' ')"
	t_end
done <<'EOF'
repair:two repairs at once: the second waits, then finds no damage
look:verify and check name a running repair, not an interrupted one
protect:protect waits for a running repair, then protects the repaired bundle
cancel:a repair waiting for another stops on Ctrl-C
nohead:a repair waits while another renames a whole copy over the bundle
EOF
