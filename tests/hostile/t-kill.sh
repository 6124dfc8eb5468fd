#!/bin/sh
# SPDX-License-Identifier: ISC
# t-kill.sh - unpack killed with SIGKILL at random moments, 200 times, two
# unpacks of one bundle into one place at once, and many unpacks of
# different bundles into one place at once. After every kill the
# destination may hold only files that are complete and verified; the next
# unpack cleans up or finishes what the killed one left, and the end state
# is always the whole bundle, exactly.
# Work on a memory file system when there is one: unpack syncs, and the
# thousands of small folders these cases make cost little there.
if [ -d /dev/shm ] && [ -w /dev/shm ]; then TMPDIR=/dev/shm; export TMPDIR; fi
. "$QASID_TOP/tests/lib.sh"
. "$QASID_TOP/tests/hostile/lib-hostile.sh"

KILLS=${QASID_KILLS:-200}
"$PY" - "$W/src" <<'PY'
import os, random, sys
r = random.Random(1)
top = os.path.join(sys.argv[1], "pkg")
for d in range(6):
    os.makedirs(os.path.join(top, "d%d" % d, "sub"))
    for f in range(6):
        n = r.choice([0, 1, 100, 5000, 60000, 200000])
        data = bytes(r.getrandbits(8) for _ in range(min(n, 4096))) * (n // 4096 + 1)
        p = os.path.join(top, "d%d" % d, "sub" if f % 2 else "", "f%d.bin" % f)
        open(p, "wb").write(data[:n])
open(os.path.join(top, "readme.txt"), "w").write("read me\n" * 1000)
PY
(cd "$W/src" && "$QASID" pack -q -s "$W/k.sec" -o "$W/pkg.qasid" pkg) ||
	echo "FAIL t-kill: pack failed"

t_begin "kill: SIGKILL at $KILLS random moments of unpack"
"$PY" - "$QASID" "$W/k.pub" "$W/pkg.qasid" "$W/src/pkg" "$W/kill" "$KILLS" \
    >"$OUT" 2>&1 <<'PY' || t_fail "$(tail -n 5 "$OUT" | tr '\n' ' ')"
import os, random, shutil, signal, subprocess, sys, time

qasid, pub, bundle, src, work, kills = sys.argv[1:7]
kills = int(kills)
seed = int(os.environ.get("QASID_KILL_SEED", time.time_ns() % 1000000))
r = random.Random(seed)
dest = os.path.join(work, "dest")
STAGE = ".qasid-unpack-"

def tree(root):
    """{relative path: bytes or None for folders}, without staging folders."""
    out = {}
    for d, dirs, files in os.walk(root):
        rel = os.path.relpath(d, root)
        dirs[:] = [x for x in dirs if not (rel == "." and x.startswith(STAGE))]
        for x in dirs:
            out[os.path.normpath(os.path.join(rel, x))] = None
        for x in files:
            p = os.path.join(d, x)
            if os.path.islink(p) or not os.path.isfile(p):
                out[os.path.normpath(os.path.join(rel, x))] = "not a file"
                continue
            out[os.path.normpath(os.path.join(rel, x))] = open(p, "rb").read()
    return out

want = {os.path.normpath(os.path.join("pkg", k)): v for k, v in tree(src).items()}
want["pkg"] = None
want["old"] = b"old\n"

def fresh():
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(dest)
    open(os.path.join(dest, "old"), "wb").write(b"old\n")

def unpack():
    return subprocess.Popen([qasid, "unpack", "-q", "-p", pub, "-C", dest, bundle],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

def fail(i, why):
    print("seed %d, kill %d: %s" % (seed, i, why))
    sys.exit(1)

# How long a whole unpack takes here, to spread the kills over it.
fresh()
t0 = time.monotonic()
p = unpack()
if p.wait() != 0:
    fail(0, "plain unpack failed: %s" % p.stderr.read().decode())
span = time.monotonic() - t0
if tree(dest) != want:
    fail(0, "plain unpack is not the bundle")

seen = {"nothing": 0, "part": 0, "all": 0, "finished": 0}
for i in range(1, kills + 1):
    fresh()
    p = unpack()
    time.sleep(r.uniform(0, span * 1.2))
    p.send_signal(signal.SIGKILL)
    rc = p.wait()
    got = tree(dest)
    for k, v in got.items():
        if k not in want:
            fail(i, "unexpected %s after the kill" % k)
        if v != want[k]:
            fail(i, "%s is not complete and verified after the kill" % k)
    if rc == 0:
        seen["finished"] += 1
    elif len(got) == 1:
        seen["nothing"] += 1
    elif got == want:
        seen["all"] += 1
    else:
        seen["part"] += 1
    p = unpack()
    rc = p.wait()
    err = p.stderr.read().decode()
    if rc not in (0, 2) or (rc == 2 and "already exists" not in err):
        fail(i, "the next unpack gave %d: %s" % (rc, err.strip()))
    if tree(dest) != want:
        fail(i, "after the next unpack the destination is not the bundle")
    left = [x for x in os.listdir(dest) if x.startswith(STAGE)]
    if left:
        fail(i, "the next unpack left %s" % left)
summary = ("seed %d, unpack %.0f ms; killed with nothing published %d, "
           "part published %d, all published %d, finished first %d" % (
           seed, span * 1000, seen["nothing"], seen["part"], seen["all"],
           seen["finished"]))
print(summary)
# The kills must have hit both sides of the commit to prove anything.
if kills >= 50 and (seen["nothing"] == 0 or
                    seen["part"] + seen["all"] + seen["finished"] == 0):
    print("kills did not spread over the unpack: " + summary)
    sys.exit(1)
PY
t_end

t_begin "kill: two unpacks into one place at once"
"$PY" - "$QASID" "$W/k.pub" "$W/pkg.qasid" "$W/src/pkg" "$W/race" \
    >"$OUT" 2>&1 <<'PY' || t_fail "$(tail -n 5 "$OUT" | tr '\n' ' ')"
import filecmp, os, random, shutil, subprocess, sys, time

qasid, pub, bundle, src, work = sys.argv[1:6]
dest = os.path.join(work, "dest")
r = random.Random(2)
for i in range(8):
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(dest)
    ps = []
    for k in range(2):
        ps.append(subprocess.Popen([qasid, "unpack", "-q", "-p", pub, "-C", dest,
                                    bundle], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE))
        time.sleep(r.uniform(0, 0.01))
    rcs = [p.wait() for p in ps]
    errs = [p.stderr.read().decode() for p in ps]
    if sorted(rcs) != [0, 2]:
        print("round %d: exit statuses %s: %s" % (i, rcs, errs))
        sys.exit(1)
    bad = errs[rcs.index(2)]
    if not bad.startswith("qasid: ") or bad.count("\n") != 1:
        print("round %d: loser said %r" % (i, bad))
        sys.exit(1)
    cmp = filecmp.dircmp(src, os.path.join(dest, "pkg"))
    def same(c):
        if c.left_only or c.right_only or c.diff_files or c.funny_files:
            return False
        if filecmp.cmpfiles(c.left, c.right, c.common_files, shallow=False)[1]:
            return False
        return all(same(s) for s in c.subdirs.values())
    if not same(cmp) or sorted(os.listdir(dest)) != ["pkg"]:
        print("round %d: destination is not the bundle: %s" % (i, os.listdir(dest)))
        sys.exit(1)
PY
t_end

# A mirror may unpack a whole stick of bundles into one folder in parallel.
# Each run first clears what killed runs left, so each must tell a staging
# folder that another run has just made from a leftover.
t_begin "kill: 24 unpacks of different bundles into one place at once"
"$PY" - "$QASID" "$W/k.pub" "$W/k.sec" "$W/many" \
    >"$OUT" 2>&1 <<'PY' || t_fail "$(tail -n 5 "$OUT" | tr '\n' ' ')"
import os, shutil, subprocess, sys

qasid, pub, sec, work = sys.argv[1:5]
N = 24
os.makedirs(work)
for i in range(N):
    src = os.path.join(work, "src%d" % i)
    os.makedirs(os.path.join(src, "b%d" % i, "sub"))
    open(os.path.join(src, "b%d" % i, "sub", "f.txt"), "w").write("bundle %d\n" % i)
    subprocess.run([qasid, "pack", "-q", "-s", sec, "-o",
                    os.path.join(work, "b%d.qasid" % i), "b%d" % i],
                   cwd=src, check=True)
dest = os.path.join(work, "dest")
for rnd in range(5):
    shutil.rmtree(dest, ignore_errors=True)
    os.makedirs(dest)
    ps = [subprocess.Popen([qasid, "unpack", "-q", "-p", pub, "-C", dest,
                            os.path.join(work, "b%d.qasid" % i)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
          for i in range(N)]
    for i, p in enumerate(ps):
        err = p.stderr.read().decode()
        if p.wait() != 0 or err:
            print("round %d: unpack of b%d exited %d: %s" % (rnd, i, p.returncode, err))
            sys.exit(1)
    if sorted(os.listdir(dest)) != sorted("b%d" % i for i in range(N)):
        print("round %d: destination holds %s" % (rnd, sorted(os.listdir(dest))))
        sys.exit(1)
    for i in range(N):
        got = open(os.path.join(dest, "b%d" % i, "sub", "f.txt")).read()
        if got != "bundle %d\n" % i:
            print("round %d: b%d/sub/f.txt holds %r" % (rnd, i, got))
            sys.exit(1)
PY
t_end

# The narrowest window, held open by a shim that slows flock(): unpack A has
# moved its files into place and is about to remove its staging folder when
# unpack B, clearing leftovers, opens that folder; by the time B locks it, A
# has removed it and exited. B must take that for done, not fail.
t_begin "kill: a staging folder removed by its unpack while another looks at it"
SHIM="$QASID_BUILD/tests/lockdelay.so"
if [ -f "$SHIM" ]; then
	mkdir -p "$W/shim/a/one" "$W/shim/b/two" "$W/shim/dest"
	echo one >"$W/shim/a/one/f.txt"
	echo two >"$W/shim/b/two/f.txt"
	(cd "$W/shim/a" && "$QASID" pack -q -s "$W/k.sec" -o ../one.qasid one &&
	    cd "$W/shim/b" && "$QASID" pack -q -s "$W/k.sec" -o ../two.qasid two) ||
		t_fail "pack failed"
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
	export ASAN_OPTIONS
	# A sleeps 1.5 s after each unlock: after making its staging folder,
	# and after publishing. At 2 s it has published and still holds its
	# staging folder; B, started then, waits 2 s before each try-lock.
	LD_PRELOAD="$SHIM" QASID_TEST_DELAY_UN_MS=1500 "$QASID" unpack -q \
	    -p "$W/k.pub" -C "$W/shim/dest" "$W/shim/one.qasid" \
	    >"$W/shim/a.out" 2>&1 &
	apid=$!
	sleep 2
	seen=$(ls -A "$W/shim/dest" | sed 's/^\.qasid-unpack-.*/STAGE/' |
	    sort | tr '\n' ' ')
	LD_PRELOAD="$SHIM" QASID_TEST_DELAY_NB_MS=2000 "$QASID" unpack -q \
	    -p "$W/k.pub" -C "$W/shim/dest" "$W/shim/two.qasid" \
	    >"$OUT" 2>"$ERR" </dev/null
	brc=$?
	wait "$apid"
	arc=$?
	[ "$arc" -eq 0 ] || t_fail "unpack A exited $arc: $(cat "$W/shim/a.out")"
	[ "$brc" -eq 0 ] || t_fail "unpack B exited $brc: $(cat "$ERR")"
	# Only a meaningful run counts: B must have started in the window.
	[ "$seen" = "STAGE one " ] ||
		t_fail "at B's start the destination held: $seen (timing missed)"
	got=$(ls -A "$W/shim/dest" | tr '\n' ' ')
	[ "$got" = "one two " ] || t_fail "destination holds: $got"
	t_end
else
	t_skip "kill: staging folder removed while another looks" "no $SHIM"
fi

# Ctrl-C, SIGTERM and SIGHUP: unpack and pack clean up, say so and die of
# the signal (a shell sees 128 + its number). The shim slows writes so the
# signal lands mid-way, and takes O_TMPFILE away from pack, as a FUSE exFAT
# stick does, so pack holds a named hidden file beside the bundle.
t_begin "signals: SIGINT, SIGTERM, SIGHUP during unpack leave nothing"
if [ -f "$SHIM" ]; then
	"$PY" - "$QASID" "$W/k.pub" "$W/pkg.qasid" "$W/sig" "$SHIM" \
	    >"$OUT" 2>&1 <<'PY' || t_fail "$(tail -n 5 "$OUT" | tr '\n' ' ')"
import os, shutil, signal, subprocess, sys, time
qasid, pub, bundle, work, shim = sys.argv[1:6]
dest = os.path.join(work, "dest")
env = dict(os.environ, LD_PRELOAD=shim, QASID_TEST_DELAY_IO_MS="20")
for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(dest)
    open(os.path.join(dest, "old"), "w").write("old\n")
    p = subprocess.Popen([qasid, "unpack", "-p", pub, "-C", dest, bundle],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         env=env)
    t0 = time.monotonic()
    while not any(x.startswith(".qasid-unpack-") for x in os.listdir(dest)):
        if time.monotonic() - t0 > 20 or p.poll() is not None:
            print("%s: no staging folder seen" % sig.name)
            sys.exit(1)
        time.sleep(0.002)
    time.sleep(0.1)
    p.send_signal(sig)
    rc = p.wait()
    err = p.stderr.read().decode()
    want = "qasid: %s: interrupted; nothing was unpacked\n" % dest
    if rc != -sig or err != want:
        print("%s: exit %d, said %r" % (sig.name, rc, err))
        sys.exit(1)
    if os.listdir(dest) != ["old"]:
        print("%s: left %s" % (sig.name, os.listdir(dest)))
        sys.exit(1)
PY
	t_end
else
	t_skip "signals: during unpack" "no $SHIM"
fi

t_begin "signals: SIGINT, SIGTERM, SIGHUP during pack leave no hidden file"
if [ -f "$SHIM" ]; then
	head -c 20000000 /dev/urandom >"$W/src/noise.bin"
	"$PY" - "$QASID" "$W/k.sec" "$W/src/noise.bin" "$W/psig" "$SHIM" \
	    >"$OUT" 2>&1 <<'PY' || t_fail "$(tail -n 5 "$OUT" | tr '\n' ' ')"
import os, shutil, signal, subprocess, sys, time
qasid, sec, src, work, shim = sys.argv[1:6]
out = os.path.join(work, "out")
env = dict(os.environ, LD_PRELOAD=shim, QASID_TEST_NO_TMPFILE="1",
           QASID_TEST_DELAY_COPY_MS="400", QASID_TEST_DELAY_IO_MS="5")
env.pop("TMPDIR", None)
for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(out)
    bundle = os.path.join(out, "b.qasid")
    p = subprocess.Popen([qasid, "pack", "-q", "-s", sec, "-o", bundle, src],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         env=env)
    t0 = time.monotonic()
    # The hidden bundle appears once the body is done: the final copy.
    while not any(x.startswith(".b.qasid.qasid-") for x in os.listdir(out)):
        if time.monotonic() - t0 > 30 or p.poll() is not None:
            print("%s: no hidden temporary file seen: %s" % (sig.name,
                  p.stderr.read().decode() if p.poll() is not None else ""))
            sys.exit(1)
        time.sleep(0.002)
    p.send_signal(sig)
    rc = p.wait()
    err = p.stderr.read().decode()
    want = "qasid: %s: interrupted; nothing was written\n" % bundle
    if rc != -sig or err != want:
        print("%s: exit %d, said %r" % (sig.name, rc, err))
        sys.exit(1)
    if os.listdir(out) != []:
        print("%s: left %s" % (sig.name, os.listdir(out)))
        sys.exit(1)
PY
	t_end
else
	t_skip "signals: during pack" "no $SHIM"
fi

# A local user who can write the destination swaps a folder for a link
# while unpack undoes a failed publish: the undo must not follow it and
# delete files outside the destination. (The destination has a/b already,
# so that the files are moved into it one by one.)
t_begin "rollback never follows a folder swapped for a symbolic link"
if [ -f "$SHIM" ]; then
	mkdir -p "$W/rb/src/a/b" "$W/rb/victim/b" "$W/rb/dest/a/b"
	for f in x y z; do
		echo "$f" >"$W/rb/src/a/b/$f.txt"
		echo "not yours" >"$W/rb/victim/b/$f.txt"
	done
	(cd "$W/rb/src" && "$QASID" pack -q -s "$W/k.sec" -o ../rb.qasid a) ||
		t_fail "pack failed"
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
	export ASAN_OPTIONS
	run 2 env LD_PRELOAD="$SHIM" QASID_TEST_RACE_FSYNC="$W/rb/dest/a/b $W/rb/dest/a $W/rb/victim" \
	    "$QASID" unpack -q -p "$W/k.pub" -C "$W/rb/dest" "$W/rb/rb.qasid"
	t_grep "^qasid: $W/rb/dest/a/b: Input/output error" "$ERR"
	[ -L "$W/rb/dest/a" ] || t_fail "the race did not happen"
	for f in x y z; do
		t_grep "^not yours\$" "$W/rb/victim/b/$f.txt"
	done
	t_end
else
	t_skip "rollback never follows a link" "no $SHIM"
fi

# Folders the destination lacks are moved in whole; a publish that fails
# after that moves them back out: the destination is as it was.
t_begin "rollback takes back folders moved in whole"
if [ -f "$SHIM" ]; then
	mkdir -p "$W/rw/src/a/d" "$W/rw/src/m/c/e" "$W/rw/dest/m" "$W/rw/x"
	echo one >"$W/rw/src/a/d/1.txt"
	echo two >"$W/rw/src/m/c/e/2.txt"
	echo three >"$W/rw/src/m/3.txt"
	(cd "$W/rw/src" && "$QASID" pack -q -s "$W/k.sec" -o ../rw.qasid a m) ||
		t_fail "pack failed"
	run 2 env LD_PRELOAD="$SHIM" QASID_TEST_RACE_FSYNC="$W/rw/dest/m $W/rw/x $W/rw/y" \
	    "$QASID" unpack -q -p "$W/k.pub" -C "$W/rw/dest" "$W/rw/rw.qasid"
	t_grep "^qasid: $W/rw/dest/m: Input/output error" "$ERR"
	[ -L "$W/rw/x" ] || t_fail "the failure was not injected"
	left=$(cd "$W/rw/dest" && find . | sort | tr '\n' ' ')
	[ "$left" = ". ./m " ] || t_fail "the destination holds: $left"
	# And without the failure, the same unpack publishes it all.
	run 0 "$QASID" unpack -q -p "$W/k.pub" -C "$W/rw/dest" "$W/rw/rw.qasid"
	diff -r "$W/rw/src" "$W/rw/dest" >/dev/null || t_fail "not unpacked whole"
	t_end
else
	t_skip "rollback takes back folders moved in whole" "no $SHIM"
fi

# A signal while unpack waits for another's lock on the destination: the
# wait is interrupted and unpack stops at once, rather than wait on.
# (SIGTERM: a shell without job control starts background jobs with SIGINT
# ignored, and qasid leaves an ignored signal ignored.)
t_begin "signals: SIGTERM while waiting for the destination's lock"
if command -v flock >/dev/null 2>&1; then
	mkdir -p "$W/lk/dest"
	flock "$W/lk/dest" sleep 3 &
	holder=$!
	sleep 0.3
	"$QASID" unpack -q -p "$W/k.pub" -C "$W/lk/dest" "$W/pkg.qasid" \
	    >"$OUT" 2>"$ERR" &
	upid=$!
	sleep 0.5
	kill -TERM "$upid"
	# The shell reports a job that died of a signal; that is expected.
	{ wait "$upid"; st=$?; } 2>/dev/null
	wait "$holder"
	[ "$st" -eq 143 ] || t_fail "exit $st, want 143 (SIGTERM)"
	t_grep "^qasid: $W/lk/dest: interrupted; nothing was unpacked\$" "$ERR"
	[ -z "$(ls -A "$W/lk/dest")" ] || t_fail "left: $(ls -A "$W/lk/dest")"
	t_end
else
	t_skip "signals: while waiting for a lock" "no flock(1)"
fi
