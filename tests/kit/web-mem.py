# SPDX-License-Identifier: ISC
"""web-mem.py - runs a command (a browser) and measures its peak memory.

    web-mem.py OUT CMD...

Runs CMD, its standard output passed on, and writes to OUT one line of
three numbers: the peak over time of the memory of CMD and all its descendants together (the
sum of their proportional set sizes, which counts a page shared by two
processes once, as halves), the largest single process's peak resident
set (what /usr/bin/time -v calls maximum resident set size), both in MiB,
and the wall time in seconds. A browser is many processes: the first figure is what it costs the
machine. Exits with CMD's status.
"""

import os
import subprocess
import sys
import time


def children():
    kids = {}
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % p) as f:
                st = f.read()
        except OSError:
            continue
        ppid = int(st[st.rindex(")") + 2:].split()[1])
        kids.setdefault(ppid, []).append(int(p))
    return kids


def tree(root):
    kids, out, todo = children(), [], [root]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def mem(pid):
    """(pss, rss) of pid in KiB, or (0, 0) when it is gone."""
    v = {}
    try:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                k, _, rest = line.partition(":")
                if k in ("Pss", "Rss"):
                    v[k] = int(rest.split()[0])
    except (OSError, ValueError, IndexError):
        pass
    return v.get("Pss", 0), v.get("Rss", 0)


def main(out, cmd):
    t0 = time.monotonic()
    p = subprocess.Popen(cmd)
    peak_sum = peak_one = 0
    while p.poll() is None:
        total = 0
        for pid in tree(p.pid):
            pss, rss = mem(pid)
            total += pss
            peak_one = max(peak_one, rss)
        peak_sum = max(peak_sum, total)
        time.sleep(0.2)
    wall = time.monotonic() - t0
    with open(out, "w") as f:
        f.write("%d %d %.1f\n" % (peak_sum >> 10, peak_one >> 10, wall))
    return p.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2:]))
