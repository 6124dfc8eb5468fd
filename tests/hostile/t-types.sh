#!/bin/sh
# SPDX-License-Identifier: ISC
# t-types.sh - entries that are not plain files and folders: links, devices,
# FIFOs, sockets, special permission bits; destinations with planted
# symbolic links; names that collide with unpack's own bookkeeping.
# Work on a memory file system when there is one: unpack syncs, and the
# thousands of small folders these cases make cost little there.
if [ -d /dev/shm ] && [ -w /dev/shm ]; then TMPDIR=/dev/shm; export TMPDIR; fi
. "$QASID_TOP/tests/lib.sh"
. "$QASID_TOP/tests/hostile/lib-hostile.sh"

PRE='
A = File("news/today.txt", b"all is well\n")
B = Bundle(K, [Dir("news"), A])
def swap(hdr, data=b""):
    parts, tr = B.tar_parts()
    parts[1] = hdr + data + pad(len(data))
    return [gz(b"".join(parts) + tr)]
'
mkdir -p "$W/outside"
echo "outside" >"$W/outside/keep.txt"

# ---- types in the body where the manifest says "file" ----------------------
for spec in "symlink:2:/etc/passwd" "hardlink:1:news" "character device:3:" \
    "block device:4:" "FIFO:6:" "socket-like unknown:s:"; do
	label=${spec%%:*}
	rest=${spec#*:}
	flag=${rest%%:*}
	link=${rest#*:}
	t_begin "type: $label entry in the body"
	craft "$W/type.qasid" <<PY
$PRE
B.write(OUT, members=swap(ustar(b"news/today.txt", 0, 0o777, b"$flag",
                               linkname=b"$link", devmajor=1, devminor=3)))
PY
	h_refuse 1 "tar header of 'news/today.txt' does not match" "$W/type.qasid"
	t_end
done

t_begin "type: manifest line of an unknown kind (link)"
craft "$W/linkline.qasid" <<PY
$PRE
B.write(OUT, manifest=lambda m: m.replace(b"dir news\n", b"dir news\nlink news/l -> /etc/passwd\n"))
PY
h_refuse 1 "expected a dir, file or member line" "$W/linkline.qasid"
t_end

for mode in 4755 2755 1755 6755 777 600 0644; do
	t_begin "type: file mode $mode in the manifest"
	craft "$W/mode.qasid" <<PY
$PRE
B.write(OUT, manifest=lambda m: m.replace(b"file 644 ", b"file $mode "))
PY
	h_refuse 1 "file mode must be 644 or 755" "$W/mode.qasid"
	t_end
done

for mode in 4644 2644 1644 4755; do
	t_begin "type: mode $mode in the body's tar header"
	craft "$W/hmode.qasid" <<PY
$PRE
d = A.data
B.write(OUT, members=swap(ustar(b"news/today.txt", len(d), 0o$mode), d))
PY
	h_refuse 1 "tar header of 'news/today.txt' does not match" "$W/hmode.qasid"
	t_end
done

t_begin "type: sticky folder in the body's tar header"
craft "$W/sticky.qasid" <<PY
$PRE
parts, tr = B.tar_parts()
parts[0] = ustar(b"news/", 0, 0o1777, b"5")
B.write(OUT, members=[gz(b"".join(parts) + tr)])
PY
h_refuse 1 "tar header of 'news' does not match" "$W/sticky.qasid"
t_end

# ---- pack refuses what it cannot carry -------------------------------------
mkdir -p "$W/p"
t_begin "type: pack refuses a symbolic link"
mkdir -p "$W/p/sl"
ln -s /etc/passwd "$W/p/sl/link"
run 2 "$QASID" pack -s "$W/k.sec" -o "$W/p/sl.qasid" "$W/p/sl"
h_reason "is a symbolic link; only regular files and folders"
t_absent "$W/p/sl.qasid"
t_end

t_begin "type: pack refuses a FIFO"
mkdir -p "$W/p/fifo"
mkfifo "$W/p/fifo/pipe"
run 2 "$QASID" pack -s "$W/k.sec" -o "$W/p/fifo.qasid" "$W/p/fifo"
h_reason "is a FIFO"
t_absent "$W/p/fifo.qasid"
t_end

t_begin "type: pack refuses a socket"
mkdir -p "$W/p/sock"
"$PY" -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' \
    "$W/p/sock/s"
run 2 "$QASID" pack -s "$W/k.sec" -o "$W/p/sock.qasid" "$W/p/sock"
h_reason "is a socket"
t_absent "$W/p/sock.qasid"
t_end

if mknod "$W/p/null" c 1 3 2>/dev/null; then
	t_begin "type: pack refuses a device"
	mkdir -p "$W/p/dev"
	mv "$W/p/null" "$W/p/dev/null"
	run 2 "$QASID" pack -s "$W/k.sec" -o "$W/p/dev.qasid" "$W/p/dev"
	h_reason "is a device"
	t_absent "$W/p/dev.qasid"
	t_end
else
	t_skip "type: pack refuses a device" "mknod needs root"
fi

for bit in 4755 2755; do
	t_begin "type: pack refuses a file with mode $bit"
	mkdir -p "$W/p/suid$bit"
	echo x >"$W/p/suid$bit/f"
	chmod "$bit" "$W/p/suid$bit/f"
	run 2 "$QASID" pack -s "$W/k.sec" -o "$W/p/suid.qasid" "$W/p/suid$bit"
	h_reason "is setuid or setgid"
	t_absent "$W/p/suid.qasid"
	t_end
done

t_begin "type: hard links and odd modes are carried as plain files"
mkdir -p "$W/p/hl/sticky"
echo same >"$W/p/hl/one"
ln "$W/p/hl/one" "$W/p/hl/two"
chmod 1777 "$W/p/hl/sticky"
echo secret >"$W/p/hl/private"
chmod 600 "$W/p/hl/private"
run 0 "$QASID" pack -q -s "$W/k.sec" -o "$W/p/hl.qasid" "$W/p/hl"
h_accept "$W/p/hl.qasid"
[ "$(stat -c %h "$W/ok/hl/one")" = 1 ] || t_fail "one is still hard-linked"
[ "$(stat -c %a "$W/ok/hl/sticky")" = 755 ] ||
	t_fail "folder mode $(stat -c %a "$W/ok/hl/sticky"), want 755"
[ "$(stat -c %a "$W/ok/hl/private")" = 644 ] ||
	t_fail "file mode $(stat -c %a "$W/ok/hl/private"), want 644"
t_end

# ---- planted symbolic links in the destination ------------------------------
craft "$W/news.qasid" <<PY
$PRE
B.write(OUT)
PY
snap_outside() { find "$W/outside" -printf '%P %y %s %T@\n' | sort; }

t_begin "type: destination is a symbolic link"
rm -rf "$W/d1"
mkdir -p "$W/d1"
ln -s "$W/outside" "$W/d1/dest"
snap_outside >"$W/out.before"
run 2 "$QASID" unpack -p "$W/k.pub" -C "$W/d1/dest" "$W/news.qasid"
h_reason "is a symbolic link; refusing to unpack through it"
snap_outside | cmp -s - "$W/out.before" || t_fail "outside changed"
[ -L "$W/d1/dest" ] || t_fail "the link was replaced"
t_end

t_begin "type: a folder inside the destination is a symbolic link"
rm -rf "$W/d2"
mkdir -p "$W/d2/dest"
ln -s "$W/outside" "$W/d2/dest/news"
snap_outside >"$W/out.before"
run 2 "$QASID" unpack -p "$W/k.pub" -C "$W/d2/dest" "$W/news.qasid"
h_reason "dest/news: is a symbolic link; refusing"
snap_outside | cmp -s - "$W/out.before" || t_fail "outside changed"
t_absent "$W/outside/today.txt"
t_end

t_begin "type: a file inside the destination is a symbolic link"
rm -rf "$W/d3"
mkdir -p "$W/d3/dest/news"
ln -s "$W/outside/keep.txt" "$W/d3/dest/news/today.txt"
snap_outside >"$W/out.before"
run 2 "$QASID" unpack -p "$W/k.pub" -C "$W/d3/dest" "$W/news.qasid"
h_reason "dest/news/today.txt: is a symbolic link; refusing"
snap_outside | cmp -s - "$W/out.before" || t_fail "outside changed"
t_end

t_begin "type: a dangling symbolic link where a file goes"
rm -rf "$W/d4"
mkdir -p "$W/d4/dest/news"
ln -s "$W/outside/new.txt" "$W/d4/dest/news/today.txt"
run 2 "$QASID" unpack -p "$W/k.pub" -C "$W/d4/dest" "$W/news.qasid"
h_reason "dest/news/today.txt: is a symbolic link; refusing"
t_absent "$W/outside/new.txt"
t_end

# ---- names unpack uses for itself -------------------------------------------
# Staging folders (".qasid-unpack-*") are removed, or committed ones
# checked and finished, by the next unpack; a bundle must not be able to
# leave one.
t_begin "type: bundle folder named like a staging folder"
craft "$W/stage.qasid" <<PY
Bundle(K, [Dir(".qasid-unpack-abc123"),
           File(".qasid-unpack-abc123/notes.txt", b"keep me\n")]).write(OUT)
PY
h_refuse 1 "reserved" "$W/stage.qasid"
t_end

t_begin "type: bundle file named like the commit marker"
craft "$W/commit.qasid" <<PY
Bundle(K, [File(".qasid-committed", b"x\n"), File("b", b"b\n")]).write(OUT)
PY
h_refuse 1 "reserved" "$W/commit.qasid"
t_end

t_begin "type: pack refuses a folder named like a staging folder"
mkdir -p "$W/p/.qasid-unpack-x"
echo x >"$W/p/.qasid-unpack-x/f"
run 2 "$QASID" pack -s "$W/k.sec" -o "$W/p/st.qasid" "$W/p/.qasid-unpack-x"
h_reason "reserved"
t_absent "$W/p/st.qasid"
t_end
