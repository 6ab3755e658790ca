#!/usr/bin/env python3
"""file_server_text.py - lab 02's file server in Python with the tutorial's
bug: it takes the body for text, decodes each chunk and writes it to a file
opened in text mode. Text files arrive; the first body byte that is not
UTF-8 raises UnicodeDecodeError, which ends the server. Everything else is
right. For the lab 02 self-tests (expected to fail: header-pieces,
odd-chunks, body-with-header, large-file, disconnect-mid-body, leave-anytime
and fd-count, whose bodies are random bytes).

usage: file_server_text.py PORT DIR"""
import os
import re
import socket
import sys

try:
    port, top = int(sys.argv[1]), sys.argv[2]
    if len(sys.argv) != 3 or not sys.argv[1].isdigit() or not 1 <= port <= 65535:
        raise ValueError(sys.argv[1])
except (IndexError, ValueError):
    sys.exit(print("usage: file_server_text.py PORT DIR", file=sys.stderr) or 2)
os.makedirs(top, exist_ok=True)
uploads = 0


def check(name, size):
    """The reason to refuse a header, or None."""
    if not 1 <= len(name) <= 255 or name in (b".", b".."):
        return b"bad name"
    if b"/" in name or any(b < 0x20 or b == 0x7F for b in name):
        return b"bad name"
    if not re.fullmatch(rb"[0-9]{1,13}", size) or int(size) > 2**40:
        return b"bad size"
    return None


def serve(conn):
    global uploads
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
    uploads += 1
    tmp = os.path.join(top, f".partial-{os.getpid()}-{uploads}")
    left = int(size)
    try:
        with open(tmp, "x", encoding="utf-8", newline="") as out:
            conn.sendall(b"OK\n")
            while left > 0:
                chunk = f.read1(min(65536, left))
                if not chunk:
                    break
                out.write(chunk.decode())  # the bug: a body is bytes, not text
                left -= len(chunk)
        if left == 0:
            os.replace(tmp, os.path.join(top, os.fsdecode(name)))
    finally:
        if left > 0:
            os.unlink(tmp)
    if left == 0:
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
