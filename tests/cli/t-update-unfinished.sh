#!/bin/sh
# SPDX-License-Identifier: ISC
# t-update-unfinished.sh - week 16 over week 15 killed while it put its
# files in place, and week 17 arriving before anyone unpacked 16 again:
# 17 must not call 16's files the recipient's changes, nor set them aside
# with --keep-local, but say to unpack that same bundle again (exit 2,
# nothing touched). Unpacking 16 again, then 17, ends with exactly 17.
. "$QASID_TOP/tests/lib.sh"
. "$QASID_TOP/tests/cli/cli.sh"

t_keys
PY=$(python3 -c 'import sys; print(sys.executable)') || PY=python3
for n in 15 16 17; do
	"$PY" - "$W/src/w$n/news" $n <<'PY'
import os, sys
top, n = sys.argv[1], int(sys.argv[2])
for d in range(20):
    os.makedirs(os.path.join(top, "d%d" % d), exist_ok=True)
    for f in range(100):
        open(os.path.join(top, "d%d" % d, "f%d.txt" % f), "w").write(
            "week %d file %d %d\n" % (n, d, f) * 20)
PY
	(cd "$W/src/w$n" && "$QASID" pack -q -s "$W/k.sec" -n news -N $n \
	    -o "$W/w$n.qasid" news) || t_fail "pack $n"
done

t_begin "an update killed while publishing: the next week says to finish it"
"$PY" - "$QASID" "$W/k.pub" "$W" >"$OUT" 2>&1 <<'PY' ||
import os, random, shutil, signal, subprocess, sys, time
qasid, pub, w = sys.argv[1:4]
dest = os.path.join(w, "d")
env = dict(os.environ, QASID_STATE=os.path.join(w, "state"))
r = random.Random(int(os.environ.get("QASID_KILL_SEED", "7")))

def tree(root):
    out = {}
    for d, dirs, files in os.walk(root):
        dirs[:] = [x for x in dirs if not x.startswith(".qasid")]
        for x in files:
            if not x.startswith(".qasid"):
                out[os.path.relpath(os.path.join(d, x), root)] = open(
                    os.path.join(d, x), "rb").read()
    return out

def unpack(n, *opts):
    return subprocess.Popen([qasid, "unpack", "-q", "-p", pub] + list(opts) +
                            ["-C", dest, os.path.join(w, "w%d.qasid" % n)],
                            env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)

def run(n, *opts):
    p = unpack(n, *opts)
    err = p.communicate()[1].decode()
    return p.returncode, err

def committed():
    return any(x.startswith(".qasid-unpack-") and os.path.exists(
        os.path.join(dest, x, ".qasid-committed")) for x in os.listdir(dest))

def fresh():
    shutil.rmtree(dest, ignore_errors=True)
    shutil.rmtree(env["QASID_STATE"], ignore_errors=True)
    if run(15)[0] != 0:
        sys.exit("week 15 did not unpack")

fresh()
w15 = tree(dest)
t0 = time.monotonic()
if run(16)[0] != 0:
    sys.exit("week 16 did not unpack")
span = time.monotonic() - t0
w16 = tree(dest)
for i in range(300):
    fresh()
    p = unpack(16)
    time.sleep(r.uniform(span * 0.2, span * 1.1))
    p.send_signal(signal.SIGKILL)
    p.communicate()
    got = tree(dest)
    if committed() and got != w15 and got != w16:
        break
else:
    print("SKIP: no kill landed while week 16 was being put in place")
    sys.exit(0)
before = tree(dest)
for opts in ([], ["--keep-local"]):
    rc, err = run(17, *opts)
    if rc != 2 or "an earlier unpack here was interrupted while it put " \
            "its files in place" not in err or "unpack that same bundle " \
            "again to finish it, then this one; nothing was unpacked" \
            not in err or "--keep-local keeps" in err or \
            len(err.splitlines()) != 1:
        sys.exit("week 17 %s gave %d: %s" % (opts, rc, err))
    if tree(dest) != before:
        sys.exit("week 17 %s changed the folder" % opts)
rc, err = run(16)
if rc != 0 or tree(dest) != w16:
    sys.exit("unpacking week 16 again gave %d: %s" % (rc, err))
rc, err = run(17)
if rc != 0 or tree(dest) != tree(os.path.join(w, "src", "w17", "news")) \
        and tree(os.path.join(dest, "news")) != tree(
            os.path.join(w, "src", "w17", "news")):
    sys.exit("week 17 after finishing 16 gave %d: %s" % (rc, err))
print("killed at try %d of week 16 (%.0f ms)" % (i + 1, span * 1000))
PY
	t_fail "$(tail -n 3 "$OUT" | tr '\n' ' ')"
t_end
sed -n '$p' "$OUT" | sed 's/^/  /'
