#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""pty-run.py - runs a command on a pseudo-terminal, as a person would.

    pty-run.py [-a ANSWER | -i]... [-p PROMPT] [-c COLUMNS] [-t SECONDS]
               -o TRANSCRIPT -- CMD...

Standard input, output and error of CMD are the terminal, COLUMNS wide (80
unless told) and 24 lines high. Each time PROMPT (default "assword") appears
once more in the output, the next ANSWER is typed, followed by a newline;
before typing, it waits until the program has turned terminal echo off, the
way a password prompt must. If echo is still on after a second, it types
anyway and exits with status 97 at the end, so that a test sees the password
would have been shown. -i, in place of an answer, types Ctrl-C at that
prompt instead. Everything the terminal showed goes to TRANSCRIPT.
Exits with CMD's exit status (128 + N when a signal N ended it), 98 on a
timeout, or 96 when CMD left the terminal with echo off.
"""
import fcntl
import getopt
import os
import pty
import select
import struct
import sys
import termios
import time


def echo_on(fd):
    return bool(termios.tcgetattr(fd)[3] & termios.ECHO)


def main():
    opts, cmd = getopt.getopt(sys.argv[1:], "a:ip:c:t:o:")
    answers, prompt, limit, out, cols = [], b"assword", 60.0, None, 80
    for k, v in opts:
        if k == "-a":
            answers.append(v.encode() + b"\n")
        elif k == "-i":
            answers.append(b"\x03")  # VINTR: the terminal sends SIGINT
        elif k == "-p":
            prompt = v.encode()
        elif k == "-c":
            cols = int(v)
        elif k == "-t":
            limit = float(v)
        elif k == "-o":
            out = v
    if not cmd or out is None:
        sys.exit("usage: pty-run.py [-a ANSWER]... -o TRANSCRIPT -- CMD...")

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, cols, 0, 0))
    pid = os.fork()
    if pid == 0:
        os.close(master)
        os.setsid()
        os.close(os.open(os.ttyname(slave), os.O_RDWR))  # controlling tty
        for fd in (0, 1, 2):
            os.dup2(slave, fd)
        if slave > 2:
            os.close(slave)
        try:
            os.execvp(cmd[0], cmd)
        finally:
            os._exit(127)

    seen, sent, echoed, status = b"", 0, False, None
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.05)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the program closed the terminal
                chunk = b""
            seen += chunk
        if sent < len(answers) and seen.count(prompt) > sent:
            wait = time.monotonic() + 1.0
            while echo_on(slave) and time.monotonic() < wait:
                time.sleep(0.01)
            echoed = echoed or echo_on(slave)
            os.write(master, answers[sent])
            sent += 1
        if status is not None and not ready:
            break  # exited, and a read after that found nothing more
        if status is None:
            done, st = os.waitpid(pid, os.WNOHANG)
            if done:
                status = st  # read once more: it may have just written
    with open(out, "wb") as f:
        f.write(seen)
    if status is None:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        sys.exit(98)
    if echoed:
        sys.exit(97)
    if not echo_on(slave):
        sys.exit(96)
    code = os.waitstatus_to_exitcode(status)
    sys.exit(128 - code if code < 0 else code)


main()
