#!/usr/bin/env python3
"""A correct echo server written the Python way (socketserver, a thread per
client), used by the grader's self-tests: a server nobody on the team wrote
in C must get full marks too."""
import socketserver
import sys


class Echo(socketserver.BaseRequestHandler):
    def handle(self):
        while True:
            data = self.request.recv(65536)
            if not data:
                return
            self.request.sendall(data)


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client that resets mid-echo is normal here; say so briefly.
        print(f"echo_threaded: {client_address}: {sys.exc_info()[1]}", file=sys.stderr)


if __name__ == "__main__":
    # PORT 1 to 65535, else a usage error: exit 2 (a port in use: OSError, exit 1).
    port = sys.argv[1] if len(sys.argv) == 2 else ""
    if not (port.isascii() and port.isdigit() and 1 <= int(port) <= 65535):
        sys.exit(print("usage: echo_threaded.py PORT", file=sys.stderr) or 2)
    with Server(("0.0.0.0", int(port)), Echo) as server:
        server.serve_forever()
