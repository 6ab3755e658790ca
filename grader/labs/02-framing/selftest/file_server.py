#!/usr/bin/env python3
"""file_server.py - a correct lab 02 file server in Python, written from the
guide's protocol, for the self-tests: the grader must give it full marks.
One client at a time; the body goes to a temporary file, renamed at the end.

usage: python3 file_server.py PORT DIR
"""
import os
import re
import secrets
import socket
import sys

HEADER_MAX = 1024
SIZE_MAX = 2**40


def refusal(name, size):
    """Why a header is refused, or None when it is good."""
    if not name:
        return "empty name"
    if len(name) > 255:
        return "name too long"
    if name in (b".", b".."):
        return "name is . or .."
    if b"/" in name:
        return "slash in name"
    if b"\0" in name:
        return "NUL byte in name"
    if any(b < 32 or b == 127 for b in name):
        return "control character in name"
    if not re.fullmatch(rb"[0-9]{1,13}", size) or int(size) > SIZE_MAX:
        return "bad size"
    return None


def read_header(conn):
    """The header line and the bytes after it, or (None, why)."""
    data = b""
    while b"\n" not in data:
        if len(data) >= HEADER_MAX:
            return None, "header too long"
        chunk = conn.recv(4096)
        if not chunk:
            return None, None
        data += chunk
    line, rest = data.split(b"\n", 1)
    if len(line) + 1 > HEADER_MAX:
        return None, "header too long"
    return (line, rest), None


def serve(conn, directory):
    header, why = read_header(conn)
    if header is None:
        if why:
            conn.sendall(f"ERR {why}\n".encode())
        return
    line, rest = header
    if b"|" not in line:
        conn.sendall(b'ERR malformed header: no "|"\n')
        return
    name, size = line.rsplit(b"|", 1)
    why = refusal(name, size)
    if why:
        conn.sendall(f"ERR {why}\n".encode())
        return
    size = int(size)
    tmp = os.path.join(directory.encode(), b".partial-" + secrets.token_hex(8).encode())
    try:
        f = open(tmp, "xb")
    except OSError:
        conn.sendall(b"ERR cannot create file\n")
        return
    # From here on the temporary file goes on every path but the rename,
    # whether the client leaves (a reset raises while we send OK) or not.
    stored = False
    try:
        with f:
            conn.sendall(b"OK\n")
            got = 0
            while True:
                take = rest[: size - got]
                f.write(take)
                got += len(take)
                if got == size:
                    break
                rest = conn.recv(65536)
                if not rest:
                    break
        if got < size:
            return
        os.replace(tmp, os.path.join(directory.encode(), name))
        stored = True
    except ConnectionError:
        return
    except OSError:
        conn.sendall(b"ERR write failed\n")
        return
    finally:
        if not stored:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
    conn.sendall(f"DONE {size}\n".encode())


def main():
    # A usage error exits 2 (sys.exit("...") would exit 1), a failed bind 1.
    text = sys.argv[1] if len(sys.argv) == 3 else ""
    if not (text.isascii() and text.isdigit() and 1 <= int(text) <= 65535):
        print("usage: python3 file_server.py PORT DIR (PORT 1 to 65535)", file=sys.stderr)
        sys.exit(2)
    port, directory = int(text), sys.argv[2]
    os.makedirs(directory, exist_ok=True)
    srv = socket.create_server(("", port), reuse_port=False)
    while True:
        conn, _ = srv.accept()
        with conn:
            try:
                serve(conn, directory)
            except OSError as e:
                print(f"file_server.py: {e}", file=sys.stderr)


if __name__ == "__main__":
    main()
