#!/usr/bin/env python3
"""udp_echo_decode.py - a UDP echo server in Python with the tutorial's bug:
it decodes each datagram as text and encodes it again. Text comes back; the
first datagram that is not UTF-8 raises UnicodeDecodeError, which ends the
server. For the lab 03 self-tests (expected to fail: sizes)."""
import socket
import sys

sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind(("", int(sys.argv[1])))
while True:
    data, peer = sock.recvfrom(65535)
    sock.sendto(data.decode().encode(), peer)  # the bug: a datagram is bytes, not text
