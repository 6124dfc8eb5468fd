#!/bin/sh
# SPDX-License-Identifier: ISC
# t-stick.sh - qasid on a USB stick's file systems: exFAT and FAT32 images
# on loop devices, mounted with FUSE drivers (Debian's exfat-fuse and
# fusefat). The exFAT driver, like FAT on older kernels, offers neither
# rename without replace (RENAME_NOREPLACE) nor link(2) and keeps no Unix
# modes, so unpack and pack take their fallback paths there: a name is
# checked just before a plain rename, and modes are left to the file
# system. On it, qasid packs onto the stick, verifies there and unpacks
# there (a damaged bundle, a clash, kills at random moments, parallel
# unpacks, a full stick). fusefat has no chmod at all (ENOSYS); on it a
# bundle with ASCII names unpacks (the driver itself cannot make other
# names). Skipped where a loop device or FUSE cannot be had (not root, or
# a container).
. "$QASID_TOP/tests/lib.sh"

skip_all() {
	t_skip "USB stick file systems" "$1"
	exit 0
}
[ "$(id -u)" -eq 0 ] || skip_all "needs root for loop devices and mounts"
for t in mkfs.exfat mount.exfat-fuse mkfs.vfat fusefat losetup; do
	command -v "$t" >/dev/null 2>&1 || skip_all "no $t (Debian:" \
	    "exfatprogs exfat-fuse dosfstools fusefat util-linux)"
done
[ -c /dev/fuse ] || skip_all "no /dev/fuse"

LOOPS=""
MOUNTS=""
cleanup() {
	for m in $MOUNTS; do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
	done
	for l in $LOOPS; do
		losetup -d "$l" 2>/dev/null
	done
	rm -rf "$W"
}
trap cleanup EXIT
# stick KIND MNT [SIZE]: makes an image of KIND (exfat, fat32) of SIZE
# (default 128M) and mounts it on MNT; returns non-zero when that cannot be
# done here.
stick() {
	img="$W/${2##*/}.img"
	mkdir "$2" && truncate -s "${3:-128M}" "$img" || return 1
	case $1 in
	exfat) mkfs.exfat -L QASID "$img" >/dev/null 2>&1 ;;
	fat32) mkfs.vfat -F 32 -n QASID "$img" >/dev/null 2>&1 ;;
	esac || return 1
	loop=$(losetup -f --show "$img" 2>/dev/null) || return 1
	LOOPS="$LOOPS $loop"
	case $1 in
	exfat) mount.exfat-fuse "$loop" "$2" >/dev/null 2>&1 ;;
	fat32) fusefat -o rw+ "$loop" "$2" >/dev/null 2>&1 ;;
	esac || return 1
	MOUNTS="$MOUNTS $2"
	mount | grep -q " $2 "
}
MNT="$W/stick"
stick exfat "$MNT" || skip_all "cannot make and mount an exFAT image here"

t_keys
export SOURCE_DATE_EPOCH=1767225600
SRC="$W/src"
mkdir -p "$SRC/pub/Reports/2026/ملف" "$SRC/pub/photos"
printf 'statement\n' >"$SRC/pub/بيان.txt"
: >"$SRC/pub/empty.txt"
head -c 3000000 /dev/urandom >"$SRC/pub/photos/p1.jpg"
printf '#!/bin/sh\necho hi\n' >"$SRC/pub/run.sh"
chmod 755 "$SRC/pub/run.sh"
printf 'تقرير\n' >"$SRC/pub/Reports/2026/ملف/r.txt"
(cd "$SRC" && "$QASID" pack -q -s "$W/k.sec" -o "$W/b.qasid" pub) ||
	echo "FAIL t-stick: pack failed"

# stage_left DIR: fails the case if a staging folder is left in DIR.
stage_left() {
	for s in "$1"/.qasid-unpack-*; do
		[ -e "$s" ] && t_fail "staging folder left: $s"
	done
	return 0
}

t_begin "stick: the driver lacks RENAME_NOREPLACE and link(), as assumed"
python3 - "$MNT" >"$OUT" 2>&1 <<'PY' || t_fail "$(cat "$OUT")"
import ctypes, errno, os, sys
d = sys.argv[1]
open(os.path.join(d, "a"), "w").close()
libc = ctypes.CDLL(None, use_errno=True)
rc = libc.renameat2(-100, os.path.join(d, "a").encode(), -100,
                    os.path.join(d, "b").encode(), 1)  # RENAME_NOREPLACE
if rc == 0 or ctypes.get_errno() != errno.EINVAL:
    sys.exit("renameat2(RENAME_NOREPLACE) did not fail with EINVAL")
try:
    os.link(os.path.join(d, "a"), os.path.join(d, "c"))
    sys.exit("link() worked")
except PermissionError:
    pass
os.unlink(os.path.join(d, "a"))
PY
t_end

t_begin "stick: pack writes the same bundle onto the stick, no temporary left"
(cd "$SRC" && run 0 "$QASID" pack -q -s "$W/k.sec" -o "$MNT/b.qasid" pub)
t_same "$W/b.qasid" "$MNT/b.qasid"
[ "$(ls -A "$MNT")" = "b.qasid" ] || t_fail "stick holds: $(ls -A "$MNT")"
t_end

t_begin "stick: verify a bundle on the stick"
run 0 "$QASID" verify -p "$W/k.pub" "$MNT/b.qasid"
t_grep "OK" "$OUT"
t_end

t_begin "stick: unpack onto the stick gives every file, byte for byte"
run 0 "$QASID" unpack -q -p "$W/k.pub" -C "$MNT/out" "$MNT/b.qasid"
diff -r "$SRC/pub" "$MNT/out/pub" >"$W/diff" 2>&1 ||
	t_fail "trees differ: $(head -c 300 "$W/diff")"
stage_left "$MNT/out"
t_end

t_begin "stick: a second unpack is refused and changes nothing"
t_snapshot "$MNT/out" >"$W/before"
run 2 "$QASID" unpack -q -p "$W/k.pub" -C "$MNT/out" "$MNT/b.qasid"
t_grep "already exists" "$ERR"
t_lines 1 "$ERR"
t_snapshot "$MNT/out" >"$W/after"
t_same "$W/before" "$W/after"
t_end

t_begin "stick: a bundle damaged at its last byte unpacks nothing"
cp "$W/b.qasid" "$MNT/bad.qasid"
flip "$MNT/bad.qasid" -1
mkdir "$MNT/out2"
run 1 "$QASID" unpack -q -p "$W/k.pub" -C "$MNT/out2" "$MNT/bad.qasid"
t_lines 1 "$ERR"
[ -z "$(ls -A "$MNT/out2")" ] || t_fail "out2 holds: $(ls -A "$MNT/out2")"
t_end

t_begin "stick: unpack killed at random moments, then run again"
python3 - "$QASID" "$W/k.pub" "$MNT/b.qasid" "$SRC/pub" "$MNT/kill" \
    >"$OUT" 2>&1 <<'PY' || t_fail "$(tail -n 5 "$OUT" | tr '\n' ' ')"
import os, random, shutil, signal, subprocess, sys, time
qasid, pub, bundle, src, dest = sys.argv[1:6]
r = random.Random(int(os.environ.get("QASID_KILL_SEED", time.time_ns() % 1000000)))
cmd = [qasid, "unpack", "-q", "-p", pub, "-C", dest, bundle]
t0 = time.monotonic()
subprocess.run(cmd, check=True)
full = time.monotonic() - t0
for i in range(12):
    shutil.rmtree(dest)
    p = subprocess.Popen(cmd, stderr=subprocess.DEVNULL)
    time.sleep(r.uniform(0, full * 1.2))
    p.send_signal(signal.SIGKILL)
    p.wait()
    rc = subprocess.run(cmd, stderr=subprocess.PIPE).returncode
    if rc not in (0, 2):
        sys.exit("kill %d: the next unpack exited %d" % (i, rc))
    names = sorted(os.listdir(dest))
    if names != ["pub"] or subprocess.run(["diff", "-r", src, os.path.join(dest, "pub")],
                                          stdout=subprocess.DEVNULL).returncode != 0:
        sys.exit("kill %d: destination holds %s, not the bundle" % (i, names))
PY
t_end

t_begin "stick: 8 unpacks of different bundles into one folder at once"
python3 - "$QASID" "$W/k.pub" "$W/k.sec" "$W/many" "$MNT/many" \
    >"$OUT" 2>&1 <<'PY' || t_fail "$(tail -n 5 "$OUT" | tr '\n' ' ')"
import os, subprocess, sys
qasid, pub, sec, work, dest = sys.argv[1:6]
N = 8
for i in range(N):
    src = os.path.join(work, "src%d" % i, "b%d" % i)
    os.makedirs(src)
    open(os.path.join(src, "f.txt"), "w").write("bundle %d\n" % i)
    subprocess.run([qasid, "pack", "-q", "-s", sec, "-o",
                    os.path.join(work, "b%d.qasid" % i), "b%d" % i],
                   cwd=os.path.dirname(src), check=True)
os.makedirs(dest)
ps = [subprocess.Popen([qasid, "unpack", "-q", "-p", pub, "-C", dest,
                        os.path.join(work, "b%d.qasid" % i)],
                       stderr=subprocess.PIPE) for i in range(N)]
for i, p in enumerate(ps):
    err = p.stderr.read().decode()
    if p.wait() != 0 or err:
        sys.exit("unpack of b%d exited %d: %s" % (i, p.returncode, err))
if sorted(os.listdir(dest)) != sorted("b%d" % i for i in range(N)):
    sys.exit("destination holds %s" % sorted(os.listdir(dest)))
for i in range(N):
    if open(os.path.join(dest, "b%d" % i, "f.txt")).read() != "bundle %d\n" % i:
        sys.exit("b%d/f.txt is wrong" % i)
PY
t_end

SMALL="$W/small"
if stick exfat "$SMALL" 8M; then
	t_begin "stick: a full stick: unpack and pack fail with exit 2, nothing left"
	mkdir -p "$W/big/pub"
	head -c 12000000 /dev/urandom >"$W/big/pub/video.bin"
	(cd "$W/big" && run 0 "$QASID" pack -q -s "$W/k.sec" -o "$W/big.qasid" pub)
	echo old >"$SMALL/old.txt"
	ls -A "$SMALL" >"$W/small.before"
	run 2 "$QASID" unpack -q -p "$W/k.pub" -C "$SMALL/out" "$W/big.qasid"
	t_grep "^qasid: $SMALL/out: No space left on device: the bundle's files need 11.4 MiB, " "$ERR"
	t_lines 1 "$ERR"
	(cd "$W/big" && run 2 "$QASID" pack -q -s "$W/k.sec" -o "$SMALL/b.qasid" pub)
	t_grep "^qasid: $SMALL: temporary file: No space left on device" "$ERR"
	(cd "$W/big" && run 2 "$QASID" pack -q -s "$W/k.sec" --tmpdir "$SMALL" \
	    -o "$W/b2.qasid" pub)
	t_grep "^qasid: $SMALL: temporary file: No space left on device" "$ERR"
	t_absent "$W/b2.qasid"
	ls -A "$SMALL" | cmp -s - "$W/small.before" ||
		t_fail "the stick holds: $(ls -A "$SMALL" | tr '\n' ' ')"
	t_end
else
	t_skip "stick: a full stick" "cannot make and mount a small exFAT image"
fi

# No O_TMPFILE here: pack's bundle waits under a hidden name beside its
# final one. Ctrl-C, SIGTERM and SIGHUP must remove it, and unpack's staging
# folder, before qasid dies of the signal. The shim slows the writes so that
# the signal lands in the middle.
SHIM="$QASID_BUILD/tests/lockdelay.so"
t_begin "stick: SIGINT, SIGTERM, SIGHUP during pack and unpack leave nothing"
if [ -f "$SHIM" ]; then
	mkdir -p "$W/noise"
	head -c 30000000 /dev/urandom >"$W/noise/n.bin"
	python3 - "$QASID" "$W/k.sec" "$W/k.pub" "$W/noise/n.bin" "$MNT" \
	    "$W" "$SHIM" >"$OUT" 2>&1 <<'PY' || t_fail "$(tail -n 5 "$OUT" | tr '\n' ' ')"
import os, shutil, signal, subprocess, sys, time
qasid, sec, pub, src, mnt, tmp, shim = sys.argv[1:8]
env = dict(os.environ, LD_PRELOAD=shim, QASID_TEST_DELAY_COPY_MS="300",
           QASID_TEST_DELAY_IO_MS="20")

def stop(cmd, where, prefix, sig, want):
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, env=env)
    t0 = time.monotonic()
    while not any(x.startswith(prefix) for x in os.listdir(where)):
        if time.monotonic() - t0 > 60 or p.poll() is not None:
            sys.exit("%s: never saw %s*" % (sig.name, prefix))
        time.sleep(0.002)
    time.sleep(0.05)
    p.send_signal(sig)
    rc = p.wait()
    err = p.stderr.read().decode()
    if rc != -sig or err != want:
        sys.exit("%s: exit %d, said %r" % (sig.name, rc, err))

for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
    out = os.path.join(mnt, "sig")
    os.makedirs(out)
    b = os.path.join(out, "n.qasid")
    stop([qasid, "pack", "-q", "-s", sec, "--tmpdir", tmp, "-o", b, src], out,
         ".n.qasid.qasid-", sig, "qasid: %s: interrupted; nothing was "
         "written\n" % b)
    if os.listdir(out):
        sys.exit("%s: pack left %s" % (sig.name, os.listdir(out)))
    dest = os.path.join(out, "dest")
    os.makedirs(dest)
    stop([qasid, "unpack", "-q", "-p", pub, "-C", dest,
          os.path.join(mnt, "b.qasid")], dest, ".qasid-unpack-", sig,
         "qasid: %s: interrupted; nothing was unpacked\n" % dest)
    if os.listdir(dest):
        sys.exit("%s: unpack left %s" % (sig.name, os.listdir(dest)))
    shutil.rmtree(out)
PY
	t_end
else
	t_skip "stick: signals" "no $SHIM"
fi

# Root unpacking onto a stick mounted for another user (as a desktop
# mounts it): everything there belongs to that user, and that must not be
# taken for someone else's staging folder or leftover.
OTHER="$W/other"
t_begin "stick: root unpacks onto a stick mounted for another user"
if mkdir "$OTHER" && truncate -s 64M "$W/other.img" &&
    mkfs.exfat "$W/other.img" >/dev/null 2>&1 &&
    oloop=$(losetup -f --show "$W/other.img" 2>/dev/null); then
	LOOPS="$LOOPS $oloop"
	if mount.exfat-fuse -o uid=65534,gid=65534 "$oloop" "$OTHER" \
	    >/dev/null 2>&1; then
		MOUNTS="$MOUNTS $OTHER"
		run 0 "$QASID" unpack -q -p "$W/k.pub" -C "$OTHER/out" "$W/b.qasid"
		diff -r "$SRC/pub" "$OTHER/out/pub" >"$W/diff" 2>&1 ||
			t_fail "trees differ: $(head -c 300 "$W/diff")"
		stage_left "$OTHER/out"
		t_end
	else
		t_skip "stick: mounted for another user" "cannot mount it"
	fi
else
	t_skip "stick: mounted for another user" "cannot make the image"
fi

FAT="$W/fat"
if stick fat32 "$FAT"; then
	t_begin "stick: FAT32 (fusefat, no chmod at all): unpack, damage, clash"
	mkdir -p "$W/ascii/pub/a/b"
	printf 'x\n' >"$W/ascii/pub/a/b/f.txt"
	: >"$W/ascii/pub/empty.txt"
	head -c 2000000 /dev/urandom >"$W/ascii/pub/big.bin"
	(cd "$W/ascii" && run 0 "$QASID" pack -q -s "$W/k.sec" -o "$W/a.qasid" pub)
	run 0 "$QASID" unpack -q -p "$W/k.pub" -C "$FAT/out" "$W/a.qasid"
	diff -r "$W/ascii/pub" "$FAT/out/pub" >"$W/diff" 2>&1 ||
		t_fail "trees differ: $(head -c 300 "$W/diff")"
	stage_left "$FAT/out"
	run 2 "$QASID" unpack -q -p "$W/k.pub" -C "$FAT/out" "$W/a.qasid"
	t_grep "already exists" "$ERR"
	cp "$W/a.qasid" "$W/a-bad.qasid"
	flip "$W/a-bad.qasid" -1
	mkdir "$FAT/out2"
	run 1 "$QASID" unpack -q -p "$W/k.pub" -C "$FAT/out2" "$W/a-bad.qasid"
	[ -z "$(ls -A "$FAT/out2")" ] ||
		t_fail "out2 holds: $(ls -A "$FAT/out2")"
	t_end
else
	t_skip "stick: FAT32 (fusefat)" "cannot make and mount a FAT32 image here"
fi
