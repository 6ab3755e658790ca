#!/usr/bin/env python3
"""udp_echo_decode.py - a UDP echo server in Python with the tutorial's bug:
it decodes each datagram as text and encodes it again. Text comes back; the
first datagram that is not UTF-8 raises UnicodeDecodeError, which ends the
server. For the lab 03 self-tests (expected to fail: sizes)."""
import socket
import sys

port = int(sys.argv[1]) if len(sys.argv) == 2 and sys.argv[1].isascii() and sys.argv[1].isdigit() else 0
if not 1 <= port <= 65535:
    print("usage: udp_echo_decode.py PORT", file=sys.stderr)
    sys.exit(2)
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind(("", port))
while True:
    data, peer = sock.recvfrom(65535)
    sock.sendto(data.decode().encode(), peer)  # the bug: a datagram is bytes, not text
