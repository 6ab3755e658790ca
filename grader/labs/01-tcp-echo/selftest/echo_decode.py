#!/usr/bin/env python3
"""echo_decode.py - an echo server in Python with the tutorial's bug: it
decodes what it receives as text (data.decode()) and encodes it again.
Text comes back; the first byte that is not UTF-8 raises UnicodeDecodeError,
which ends the server. Everything else is right. For the lab 01 self-tests
(expected to fail: binary-safe, large-payload, and peer-reset, whose clients
send random bytes)."""
import re
import socket
import sys

if len(sys.argv) != 2 or not re.fullmatch("[0-9]{1,5}", sys.argv[1]) or not 0 < int(sys.argv[1]) < 65536:
    sys.exit(print("usage: echo_decode.py PORT", file=sys.stderr) or 2)  # the guide's status
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("", int(sys.argv[1])))
s.listen(16)
while True:
    conn, addr = s.accept()
    with conn:
        try:
            while True:
                data = conn.recv(65536)
                if not data:
                    break
                conn.sendall(data.decode().encode())  # the bug: bytes are not text
        except OSError:
            pass  # a client that vanished is that client's problem
