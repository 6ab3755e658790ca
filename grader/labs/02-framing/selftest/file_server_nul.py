#!/usr/bin/env python3
"""file_server_nul.py - lab 02's file server in Python, right in every way
but one: it never checks NAME for a NUL byte. Its temporary file's name is
made from NAME, and Python's open() refuses a path with a NUL in it: the
ValueError ("embedded null byte") is not caught, and the server dies. For
the lab 02 self-tests (expected to fail: hostile-names).

usage: file_server_nul.py PORT DIR"""
import os
import re
import socket
import sys

if len(sys.argv) != 3 or not re.fullmatch(rb"[1-9][0-9]{0,4}", os.fsencode(sys.argv[1])) or int(sys.argv[1]) > 65535:
    print("usage: file_server_nul.py PORT DIR", file=sys.stderr)
    sys.exit(2)  # a usage error, as the guide says
port, top = int(sys.argv[1]), sys.argv[2].encode()
os.makedirs(top, exist_ok=True)


def check(name, size):
    """The reason to refuse a header, or None."""
    if not 1 <= len(name) <= 255 or name in (b".", b".."):
        return b"bad name"
    if b"/" in name or any(b < 0x20 or b == 0x7F for b in name if b != 0):
        return b"bad name"  # the bug: a NUL (byte 0) is let through
    if not re.fullmatch(rb"[0-9]{1,13}", size) or int(size) > 2**40:
        return b"bad size"
    return None


def serve(conn):
    f = conn.makefile("rb")
    line = f.readline(1024)  # the line, or 1024 bytes without its newline
    if not line.endswith(b"\n"):
        if len(line) == 1024:
            conn.sendall(b"ERR header too long\n")
        return
    name, bar, size = line[:-1].rpartition(b"|")
    why = check(name, size) if bar else b"no pipe"
    if why is not None:
        conn.sendall(b"ERR " + why + b"\n")
        return
    tmp = os.path.join(top, b".partial-" + name[:32])  # raises ValueError for a NUL
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    left = int(size)
    try:
        with os.fdopen(fd, "wb") as out:
            conn.sendall(b"OK\n")
            while left > 0:
                chunk = f.read1(min(65536, left))
                if not chunk:
                    break
                out.write(chunk)
                left -= len(chunk)
        if left == 0:
            os.replace(tmp, os.path.join(top, name))
    finally:
        if left > 0:
            os.unlink(tmp)  # the client left early (or reset): no file at all
    if left > 0:
        return
    conn.sendall(b"DONE %d\n" % int(size))


s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("", port))
s.listen(16)
while True:
    conn, _ = s.accept()
    with conn:
        try:
            serve(conn)
        except OSError:
            pass  # a client that vanished, a file that cannot be written
