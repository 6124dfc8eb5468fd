#!/bin/sh
# SPDX-License-Identifier: ISC
# t-env.sh - an environment that fails under the unpacker: a full file
# system, a read-only destination, an unreadable or missing bundle. Each
# ends with exit status 2, one line naming the cause, and nothing left
# behind.
# Work on a memory file system when there is one: unpack syncs, and the
# thousands of small folders these cases make cost little there.
if [ -d /dev/shm ] && [ -w /dev/shm ]; then TMPDIR=/dev/shm; export TMPDIR; fi
. "$QASID_TOP/tests/lib.sh"
. "$QASID_TOP/tests/hostile/lib-hostile.sh"

mkdir -p "$W/in/big"
head -c 2097152 /dev/urandom >"$W/in/big/noise.bin"
echo small >"$W/in/big/small.txt"
(cd "$W/in" && "$QASID" pack -q -s "$W/k.sec" -o "$W/big.qasid" big) ||
	echo "FAIL t-env: pack failed"
# 600 files of 100 bytes: 60 KB of content, which passes unpack's check of
# the free space, but each takes a 4 KiB page of a tmpfs: 2.4 MiB.
mkdir -p "$W/in/many"
i=0
while [ "$i" -lt 600 ]; do
	head -c 100 /dev/urandom >"$W/in/many/f$i.bin"
	i=$((i + 1))
done
(cd "$W/in" && "$QASID" pack -q -s "$W/k.sec" -o "$W/many.qasid" many) ||
	echo "FAIL t-env: pack failed"
ROOT=0
[ "$(id -u)" -eq 0 ] && ROOT=1
MNT=""
cleanup() {
	[ -n "$MNT" ] && umount "$MNT" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT

t_begin "env: full file system: exit 2, nothing left behind"
if [ "$ROOT" -eq 1 ] && mkdir -p "$W/full" &&
    mount -t tmpfs -o size=1m,mode=755 qasid-test "$W/full" 2>/dev/null; then
	MNT="$W/full"
	mkdir "$W/full/dest"
	echo old >"$W/full/dest/old"
	h_snap "$W/full" >"$W/full.before"
	# Refused before anything is written: the files are larger than the
	# free space.
	run 2 "$QASID" unpack -p "$W/k.pub" -C "$W/full/dest" "$W/big.qasid"
	h_reason "No space left on device: the bundle's files need 2.0 MiB, "
	t_grep "MiB is free; nothing was unpacked" "$ERR"
	h_snap "$W/full" | cmp -s - "$W/full.before" ||
		t_fail "left behind: $(h_snap "$W/full" | diff "$W/full.before" - | head -3)"
	# The disk fills while the files are written.
	run 2 "$QASID" unpack -p "$W/k.pub" -C "$W/full/dest" "$W/many.qasid"
	h_reason "No space left on device"
	t_nogrep "the bundle's files need" "$ERR"
	h_snap "$W/full" | cmp -s - "$W/full.before" ||
		t_fail "left behind: $(h_snap "$W/full" | diff "$W/full.before" - | head -3)"
	# A destination that did not exist is not left either.
	run 2 "$QASID" unpack -p "$W/k.pub" -C "$W/full/new" "$W/big.qasid"
	h_reason "No space left on device"
	t_absent "$W/full/new"
	run 2 "$QASID" unpack -p "$W/k.pub" -C "$W/full/new" "$W/many.qasid"
	h_reason "No space left on device"
	t_absent "$W/full/new"
	[ "$(df -k "$W/full" | awk 'NR == 2 { print $3 }')" -le 8 ] ||
		t_fail "space still used: $(df -k "$W/full" | tail -1)"
	umount "$W/full" && MNT=""
	t_end
else
	t_skip "env: full file system" "needs root to mount a small tmpfs"
fi

t_begin "env: read-only destination: exit 2, nothing changed"
mkdir -p "$W/ro/dest"
echo old >"$W/ro/dest/old"
if [ "$ROOT" -eq 1 ]; then
	mount --bind "$W/ro/dest" "$W/ro/dest" 2>/dev/null &&
	    MNT="$W/ro/dest" &&
	    mount -o remount,bind,ro "$W/ro/dest" 2>/dev/null || MNT=""
else
	chmod 555 "$W/ro/dest"
fi
if [ "$ROOT" -eq 0 ] || [ -n "$MNT" ]; then
	h_snap "$W/ro" >"$W/ro.before"
	run 2 "$QASID" unpack -p "$W/k.pub" -C "$W/ro/dest" "$W/big.qasid"
	h_reason "Read-only file system\|Permission denied"
	h_snap "$W/ro" | cmp -s - "$W/ro.before" || t_fail "destination changed"
	[ -n "$MNT" ] && umount "$MNT" && MNT=""
	chmod 755 "$W/ro/dest"
	t_end
else
	t_skip "env: read-only destination" "cannot make a read-only mount"
fi

t_begin "env: unreadable bundle: exit 2"
mkdir -p "$W/pub"
cp "$W/big.qasid" "$W/k.pub" "$W/pub/"
chmod 000 "$W/pub/big.qasid"
chmod 644 "$W/pub/k.pub"
if [ "$ROOT" -eq 1 ]; then
	# root reads anything: run the tool as nobody.
	chmod 711 "$W"
	chmod 777 "$W/pub"
	AS="setpriv --reuid=65534 --regid=65534 --clear-groups"
	$AS true 2>/dev/null || AS=""
else
	AS="env"
fi
if [ -n "$AS" ] && $AS test -x "$QASID"; then
	$AS "$QASID" verify -p "$W/pub/k.pub" "$W/pub/big.qasid" >"$OUT" 2>"$ERR"
	rc=$?
	[ "$rc" -eq 2 ] || t_fail "verify exit $rc, want 2"
	h_reason "big.qasid: Permission denied"
	$AS "$QASID" unpack -p "$W/pub/k.pub" -C "$W/pub/dest" \
	    "$W/pub/big.qasid" >"$OUT" 2>"$ERR"
	rc=$?
	[ "$rc" -eq 2 ] || t_fail "unpack exit $rc, want 2"
	h_reason "big.qasid: Permission denied"
	t_absent "$W/pub/dest"
	t_end
else
	t_skip "env: unreadable bundle" "cannot run as an unprivileged user"
fi
chmod 700 "$W"

t_begin "env: missing bundle: exit 2"
run 2 "$QASID" verify -p "$W/k.pub" "$W/nonesuch.qasid"
h_reason "nonesuch.qasid: No such file or directory"
run 2 "$QASID" unpack -p "$W/k.pub" -C "$W/nd" "$W/nonesuch.qasid"
h_reason "nonesuch.qasid: No such file or directory"
t_absent "$W/nd"
t_end

t_begin "env: bundle that is a folder with no bundles in it: exit 2"
mkdir -p "$W/afolder.qasid"
run 2 "$QASID" verify -p "$W/k.pub" "$W/afolder.qasid"
h_reason "afolder.qasid: no bundles in it"
t_end

t_begin "env: destination under a missing folder: exit 2"
run 2 "$QASID" unpack -p "$W/k.pub" -C "$W/no/such/dest" "$W/big.qasid"
h_reason "No such file or directory"
t_absent "$W/no"
t_end

t_begin "env: destination is a file: exit 2"
echo x >"$W/afile"
run 2 "$QASID" unpack -p "$W/k.pub" -C "$W/afile" "$W/big.qasid"
h_reason "afile: Not a directory"
t_end

# A stick whose last sector fails: the read that looks for the end of the
# bundle is an I/O error (exit 2), not a verification failure.
t_begin "env: read error at the bundle's end: exit 2, not 1"
cp "$W/big.qasid" "$W/eio-end.qasid"
EIO="env LD_PRELOAD=$QASID_BUILD/tests/readfail.so QASID_TEST_EIO_SUFFIX=eio-end.qasid"
run 2 $EIO "$QASID" verify -p "$W/k.pub" "$W/eio-end.qasid"
h_reason "eio-end.qasid: Input/output error"
t_nogrep "data after the end" "$ERR"
run 2 $EIO "$QASID" unpack -p "$W/k.pub" -C "$W/eio-dest" "$W/eio-end.qasid"
h_reason "eio-end.qasid: Input/output error"
t_absent "$W/eio-dest"
# Without the fault the same copy is good: the shim, not the bundle, failed.
run 0 "$QASID" verify -p "$W/k.pub" "$W/eio-end.qasid"
t_end

# A manifest too large for memory waits in $TMPDIR, like every other
# temporary file of the tool: a recipient whose /tmp is small points it
# elsewhere.
t_begin "env: a large manifest waits in \$TMPDIR"
mkdir -p "$W/in/wide"
python3 - "$W/in/wide" <<'PY'
import os, sys
for i in range(13000):
    name = "statement-%05d-" % i + "x" * 180 + ".txt"
    with open(os.path.join(sys.argv[1], name), "w") as f:
        f.write("%d\n" % i)
PY
(cd "$W/in" && "$QASID" pack -q -s "$W/k.sec" -o "$W/wide.qasid" wide) ||
	t_fail "pack failed"
run 2 env TMPDIR="$W/no-such-tmp" "$QASID" verify -p "$W/k.pub" "$W/wide.qasid"
h_reason "wide.qasid: keeping its large manifest in $W/no-such-tmp: No such file or directory"
run 0 env TMPDIR="$W" "$QASID" verify -p "$W/k.pub" "$W/wide.qasid"
t_end
