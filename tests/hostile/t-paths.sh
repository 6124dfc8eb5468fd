#!/bin/sh
# SPDX-License-Identifier: ISC
# t-paths.sh - names no recipient's file system can hold safely. For each,
# a publisher packing such a file from disk is refused (where the name can
# exist on Linux at all), and a correctly signed bundle that carries it
# anyway - a malicious publisher, or a stolen key - is refused by verify,
# list and unpack, with nothing written anywhere.
# Work on a memory file system when there is one: unpack syncs, and the
# thousands of small folders these cases make cost little there.
if [ -d /dev/shm ] && [ -w /dev/shm ]; then TMPDIR=/dev/shm; export TMPDIR; fi
. "$QASID_TOP/tests/lib.sh"
. "$QASID_TOP/tests/hostile/lib-hostile.sh"

# One folder per case, holding: label; why, the reason verify and unpack
# give (a grep pattern); packwhy, the reason pack gives; bundle.qasid, a
# signed bundle carrying the paths; collision, when the case is two names
# that collide (which list, reading only the manifest, does not check);
# disk/top/ with the names on disk where Linux can hold them, and root when
# pack must be given the name itself. CASES rows: label, paths, why, how to
# put them on disk (None: cannot; "disk", "deep" through descriptors for
# paths longer than PATH_MAX, "root"), and pack's reason when it differs.
mkdir -p "$W/paths"
craft "$W/paths" <<PY
import os
W = "$W"
ABS = (W + "/abs-escaped.txt").encode()
u = lambda s: s.encode()
CASES = [
    ("absolute path", [ABS], "absolute path is not allowed", None),
    ("'..' first", [b"../escaped.txt"], 'component ".." is not allowed', None),
    ("'..' inside", [b"x/../../escaped.txt"], 'component ".." is not allowed', None),
    ("'..' last", [b"x/.."], 'component ".." is not allowed', None),
    ("backslash '..'", [b"..\\\\escaped.txt"], "character '.' is not allowed", "disk"),
    ("empty path", [b""], "malformed file line", None),
    ("empty component", [b"x//y"], "empty component", None),
    ("trailing slash", [b"x/"], "trailing '/' is not allowed", None),
    ("'.'", [b"."], 'component "." is not allowed', None),
    ("'.' inside", [b"x/./y"], 'component "." is not allowed', None),
    ("backslash", [b"x\\\\y"], "character '.' is not allowed", "disk"),
    ("drive letter", [b"C:"], "character ':' is not allowed", "disk"),
    ("drive letter path", [b"C:/Windows/evil.txt"], "character ':' is not allowed", None),
    ("NUL byte", [b"x\0y"], "control character U+0000", None),
    ("control character", [b"x\x01y"], "control character U+0001", "disk"),
    ("newline", [b"x\ny"], "manifest line", "disk", "control character U+000A"),
    ("DEL", [b"x\x7fy"], "control character U+007F", "disk"),
    ("C1 control", [u("x\u0085y")], "control character U+0085", "disk"),
    ("bidirectional override", [u("gpj\u202etxt.exe")], "bidirectional control U+202E", "disk"),
    ("invalid UTF-8", [b"\xff"], "invalid UTF-8 at byte 0", "disk",
     "invalid UTF-8 at byte [0-9]"),
    ("overlong UTF-8 '/'", [b"x\xc0\xafy"], "invalid UTF-8 at byte 1", "disk",
     "invalid UTF-8 at byte [0-9]"),
    ("UTF-8 surrogate", [b"\xed\xa0\x80"], "invalid UTF-8 at byte 0", "disk",
     "invalid UTF-8 at byte [0-9]"),
    ("name of 256 bytes", [b"n" * 256], "longer than 255 bytes", None),
    ("name of 256 bytes in 2-byte characters", [u("\u00e9") * 128], "longer than 255 bytes", None),
    ("path longer than 4095 bytes", [b"/".join([b"p" * 250] * 17)], "longer than 4095 bytes", "deep",
     "longer than 4095 bytes\\|File name too long"),
    ("depth 65", [b"/".join([b"d"] * 65)], "more than 64 components", "deep"),
    ("depth 1000", [b"/".join([b"d"] * 1000)], "more than 64 components", "deep"),
    ("trailing dot", [b"x."], "ends with '.'", "disk"),
    ("trailing dot on a folder", [b"x./y"], "ends with '.'", "disk"),
    ("trailing space", [b"x "], "ends with a space", "disk"),
    ("CON", [b"CON"], "is reserved on Windows", "disk"),
    ("nul.txt", [b"nul.txt"], "is reserved on Windows", "disk"),
    ("COM1", [b"COM1"], "is reserved on Windows", "disk"),
    ("aux folder", [b"aux/x"], "is reserved on Windows", "disk"),
    ("LPT9 with a space", [b"LPT9 .log"], "is reserved on Windows", "disk"),
    (".qasid metadata", [b".qasid/manifest"], "is reserved for qasid's own use", "root"),
    (".QASID metadata", [b".QASID"], "is reserved for qasid's own use", "root"),
] + [("FAT character %s" % c, [b"x" + c.encode() + b"y"],
      "character '%s' is not allowed on FAT" % c.replace("*", "[*]").replace("?", "[?]").replace("|", "[|]"), "disk")
     for c in '<>:"|?*'] + [
    ("README and readme", [b"README", b"readme"], "same name on some file systems", "disk"),
    ("NFD and NFC", [u("cafe\u0301"), u("caf\u00e9")], "not in Unicode NFC", "disk"),
    ("NFD name alone", [u("cafe\u0301.txt")], "not in Unicode NFC", "disk"),
    ("NFD Arabic hamza", [u("\u0627\u0654.txt")], "not in Unicode NFC", "disk"),
    ("marks out of order", [u("a\u0301\u0323")], "not in Unicode NFC", "disk"),
    ("Kelvin sign", [u("\u212a")], "not in Unicode NFC", "disk"),
    ("s and long s", [b"s", u("\u017f")], "same name on some file systems", "disk"),
    ("strasse and strasse with sharp s", [b"strasse", u("stra\u00dfe")], "same name on some file systems", "disk"),
    ("file and ligature fi", [b"file", u("\ufb01le")], "same name on some file systems", "disk"),
    ("zero width space", [u("a\u200bb")], "invisible (default-ignorable) character U+200B", "disk"),
    ("soft hyphen", [u("a\u00adb")], "invisible (default-ignorable) character U+00AD", "disk"),
    ("byte order mark", [u("\ufeffa")], "invisible (default-ignorable) character U+FEFF", "disk"),
    ("word joiner", [u("a\u2060b")], "invisible (default-ignorable) character U+2060", "disk"),
    ("tag character", [u("a\U000e0041")], "invisible (default-ignorable) character U+E0041", "disk"),
    ("bidirectional isolate", [u("a\u2066b")], "bidirectional control U+2066", "disk"),
    ("with and without ZWNJ", [u("\u0645\u06cc\u062e\u0648\u0627\u0647\u0645"),
      u("\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645")], "same name on some file systems", "disk"),
    ("with and without RLM", [u("\u0628\u064a\u0627\u0646.pdf"),
      u("\u0628\u064a\u0627\u0646\u200f.pdf")], "same name on some file systems", "disk"),
    (".qasid with a joiner", [u(".qa\u200dsid")], "is reserved for qasid's own use", "root"),
    ("folders Docs and docs", [b"Docs", b"Docs/a", b"docs", b"docs/b"], "same name on some file systems", "disk"),
]
i = 0
for label, paths, why, disk, *packwhy in CASES:
    i += 1
    d = os.path.join(OUT, "%02d" % i)
    os.makedirs(d)
    open(d + "/label", "w").write(label)
    open(d + "/why", "w").write(why)
    open(d + "/packwhy", "w").write(packwhy[0] if packwhy else why)
    if "same name" in why:
        open(d + "/collision", "w").write("")
    dirs = set()
    for p in paths:
        parts = p.split(b"/")
        for k in range(1, len(parts)):
            if all(parts[:k]):
                dirs.add(b"/".join(parts[:k]))
    ents = []
    for p in paths:
        ents.append(Dir(p) if p in dirs else File(p, b"x\n"))
    ents = [Dir(p) for p in sorted(dirs - set(paths))] + ents
    Bundle(K, ents).write(d + "/bundle.qasid")
    if disk is None:
        continue
    top = os.path.join(d.encode(), b"disk", b"top")
    os.makedirs(top)
    if disk == "root":
        # Packed by its own name, so it is the bundle's first component.
        open(d + "/root", "wb").write(paths[0].split(b"/")[0])
    for p in paths:
        if disk == "deep":
            fd = os.open(top, os.O_RDONLY)
            for comp in p.split(b"/")[:-1]:
                os.mkdir(comp, dir_fd=fd)
                fd2 = os.open(comp, os.O_RDONLY, dir_fd=fd)
                os.close(fd)
                fd = fd2
            f = os.open(p.split(b"/")[-1], os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
            os.close(f)
            os.close(fd)
        elif p in dirs:
            os.makedirs(os.path.join(top, p), exist_ok=True)
        else:
            os.makedirs(os.path.dirname(os.path.join(top, p)), exist_ok=True)
            open(os.path.join(top, p), "wb").write(b"x\n")
PY

for d in "$W"/paths/*/; do
	label=$(cat "$d/label")
	why=$(cat "$d/why")
	t_begin "path: $label: verify, list and unpack refuse"
	h_refuse 1 "$why" "$d/bundle.qasid"
	# list reads only the manifest: collisions show up when verifying.
	[ -f "$d/collision" ] ||
		run 1 "$QASID" list -p "$W/k.pub" "$d/bundle.qasid"
	t_absent "$W/abs-escaped.txt"
	t_end
	[ -d "$d/disk" ] || continue
	t_begin "path: $label: pack refuses"
	if [ -f "$d/root" ]; then
		(cd "$d/disk/top" && "$QASID" pack -q -s "$W/k.sec" \
		    -o "$d/packed.qasid" "$(cat "$d/root")") >"$OUT" 2>"$ERR"
	else
		(cd "$d/disk" && "$QASID" pack -q -s "$W/k.sec" \
		    -o "$d/packed.qasid" top) >"$OUT" 2>"$ERR"
	fi
	rc=$?
	[ "$rc" -eq 2 ] || t_fail "pack exit $rc, want 2: $(head -c 300 "$ERR")"
	h_reason "$(cat "$d/packwhy")"
	t_absent "$d/packed.qasid"
	t_end
done

t_begin "path: pack refuses '..' and '.' as names"
mkdir -p "$W/dots/in"
run 2 "$QASID" pack -s "$W/k.sec" -o "$W/dots.qasid" "$W/dots/in/.."
t_grep "by its own name" "$ERR"
run 2 "$QASID" pack -s "$W/k.sec" -o "$W/dots.qasid" "$W/dots/in/."
t_grep "by its own name" "$ERR"
t_absent "$W/dots.qasid"
t_end

# The limits themselves are allowed: 255-byte names, 64 components.
t_begin "path: names at the limits are carried"
"$PY" - "$W/lim" <<'PY'
import os, sys
top = os.path.join(sys.argv[1], "top")
os.makedirs(os.path.join(top, *(["d"] * 62)))
open(os.path.join(top, *(["d"] * 62 + ["f"])), "w").write("deep\n")
open(os.path.join(top, "n" * 255), "w").write("long\n")
open(os.path.join(top, "\u00e9" * 127), "w").write("accents\n")
PY
(cd "$W/lim" && "$QASID" pack -q -s "$W/k.sec" -o "$W/lim.qasid" top) \
    >"$OUT" 2>"$ERR" || t_fail "pack: $(cat "$ERR")"
h_accept "$W/lim.qasid"
t_exists "$W/ok/top/$(printf 'n%.0s' $(seq 1 255))"
t_end
