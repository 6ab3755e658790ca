#!/usr/bin/env python3
"""dual_echo.py - a correct lab 04 echo server written in Python, not by the
lab's reference author's hand: the grader must give it full marks on the
server checks.

usage: dual_echo.py PORT SOCKET-PATH

One selectors loop serves TCP over IPv4 and IPv6 (one AF_INET6 socket with
IPV6_V6ONLY off) and a Unix domain socket at SOCKET-PATH, logs each peer, and
removes SOCKET-PATH on SIGTERM or SIGINT."""
import os
import selectors
import signal
import socket
import stat
import sys


def unix_listener(path):
    """Listen at path, replacing a stale socket file but nothing else."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        st = None
    if st is not None:
        if not stat.S_ISSOCK(st.st_mode):
            sys.exit(f"dual_echo: {path} exists and is not a socket")
        probe = socket.socket(socket.AF_UNIX)
        try:
            probe.connect(path)
            sys.exit(f"dual_echo: a server already answers at {path}")
        except ConnectionRefusedError:
            os.unlink(path)
        finally:
            probe.close()
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    s.listen(64)
    return s


def main():
    # Usage errors exit 2, as the guide says (sys.exit("...") exits 1).
    port = int(sys.argv[1]) if len(sys.argv) == 3 and sys.argv[1].isdecimal() else 0
    if not 0 < port < 65536 or not sys.argv[1].isascii():
        print("usage: dual_echo.py PORT SOCKET-PATH", file=sys.stderr)
        sys.exit(2)
    path = sys.argv[2]

    def stop(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    tcp = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    tcp.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    tcp.bind(("::", port))
    tcp.listen(64)
    unx = unix_listener(path)
    sel = selectors.DefaultSelector()
    sel.register(tcp, selectors.EVENT_READ, "listener")
    sel.register(unx, selectors.EVENT_READ, "listener")
    try:
        while True:
            for key, _ in sel.select():
                sock = key.fileobj
                if key.data == "listener":
                    conn, peer = sock.accept()
                    if sock is tcp:
                        print(f"connection from {peer[0]} port {peer[1]}", flush=True)
                    else:
                        print(f"connection on {path}", flush=True)
                    sel.register(conn, selectors.EVENT_READ, "client")
                    continue
                try:
                    data = sock.recv(65536)
                    if data:
                        sock.sendall(data)
                        continue
                except OSError:
                    pass
                sel.unregister(sock)
                sock.close()
    finally:
        os.unlink(path)


if __name__ == "__main__":
    main()
