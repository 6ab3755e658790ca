#!/usr/bin/env python3
"""udp_echo.py - a correct UDP echo server in Python, for the lab 03 self-tests."""
import socket
import sys

try:
    (port,) = (int(arg, 10) for arg in sys.argv[1:])
    if not 1 <= port <= 65535:
        raise ValueError(f"port {port} is not from 1 to 65535")
except ValueError as e:
    print(f"usage: udp_echo.py PORT ({e})", file=sys.stderr)
    sys.exit(2)
sock = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
try:
    sock.bind(("::", port))
except OSError as e:
    print(f"udp_echo.py: bind port {port}: {e.strerror}", file=sys.stderr)
    sys.exit(1)
while True:
    data, peer = sock.recvfrom(65535)
    sock.sendto(data, peer)
