#!/usr/bin/env python3
"""echo_client_text.py - an echo client in Python with the tutorial's bug:
it reads standard input and writes standard output as text (sys.stdin,
print()), so the first line that is not UTF-8 raises UnicodeDecodeError.
Everything else is right: sendall(), a recv() loop, errors on stderr. For
the lab 01 self-tests (expected to fail: the hidden check client-binary)."""
import socket
import sys

try:
    sock = socket.create_connection((sys.argv[1], int(sys.argv[2])))
except OSError as e:
    print(f"echo_client_text: connect: {e.strerror}", file=sys.stderr)
    sys.exit(1)
for line in sys.stdin:  # the bug: text, not bytes
    data = line.encode()
    sock.sendall(data)
    reply = b""
    while len(reply) < len(data):
        chunk = sock.recv(len(data) - len(reply))
        if not chunk:
            print(f"echo_client_text: server closed the connection after {len(reply)} of "
                  f"{len(data)} bytes", file=sys.stderr)
            sys.exit(1)
        reply += chunk
    print(reply.decode(), end="", flush=True)
sock.close()
