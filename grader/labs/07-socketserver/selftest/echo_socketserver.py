#!/usr/bin/env python3
"""Lab 07's three echo servers written on Python's own socketserver module,
from the guide: a correct server in another language, which must get full
marks on the black-box checks.

    python3 echo_socketserver.py PROG [OPTIONS] PORT|PATH

PROG is tcp_echo, udp_echo or unix_echo, with the options the guide
defines: what {args} becomes in bin/grade --server 'python3 ... {args}'.
The module has sync servers and the Threading and Forking mix-ins; the
pool is a small mix-in of our own (a fixed list of workers on a bounded
queue.Queue), as the guide's table says."""

import argparse
import queue
import signal
import socket
import socketserver
import sys
import threading


class StreamEcho(socketserver.BaseRequestHandler):
    def handle(self):
        while True:
            data = self.request.recv(16384)
            if not data:
                return
            self.request.sendall(data)


class DatagramEcho(socketserver.BaseRequestHandler):
    def handle(self):
        data, sock = self.request
        sock.sendto(data, self.client_address)


class Rules:
    """verify_request: --deny refuses an address; with --allow, only those."""

    allow = ()
    deny = ()

    def verify_request(self, request, client_address):
        if self.address_family not in (socket.AF_INET, socket.AF_INET6):
            return True
        host = client_address[0]
        return host not in self.deny and (not self.allow or host in self.allow)


class PoolMixIn:
    """A fixed set of threads fed by a bounded queue; BUSY when it is full."""

    pool_threads = 4
    pool_queue = 4

    def start_pool(self):
        self.jobs = queue.Queue(maxsize=self.pool_queue)
        self.workers = [threading.Thread(target=self.work) for _ in range(self.pool_threads)]
        for w in self.workers:
            w.start()

    def work(self):
        while True:
            job = self.jobs.get()
            if job is None:
                return
            request, client_address = job
            try:
                self.finish_request(request, client_address)
            except Exception:
                self.handle_error(request, client_address)
            finally:
                self.shutdown_request(request)

    def process_request(self, request, client_address):
        try:
            self.jobs.put_nowait((request, client_address))
        except queue.Full:
            if self.socket_type == socket.SOCK_STREAM:
                request.sendall(b"BUSY\n")
            else:
                request[1].sendto(b"BUSY\n", client_address)
            self.shutdown_request(request)

    def server_close(self):
        super().server_close()
        for _ in self.workers:
            self.jobs.put(None)
        for w in self.workers:
            w.join()


BASES = {
    "tcp_echo": socketserver.TCPServer,
    "udp_echo": socketserver.UDPServer,
    "unix_echo": socketserver.UnixStreamServer,
}
MIXINS = {
    "sync": (),
    "thread": (socketserver.ThreadingMixIn,),
    "fork": (socketserver.ForkingMixIn,),
    "pool": (PoolMixIn,),
}


def ranged(lo, hi):
    """An argparse type: a decimal number from lo to hi."""

    def number(text):
        if not (text.isascii() and text.isdigit() and lo <= int(text) <= hi):
            raise argparse.ArgumentTypeError(f"{text!r} is not a number from {lo} to {hi}")
        return int(text)

    return number


def parse(argv):
    prog = argv[0] if argv else ""
    if prog not in BASES:
        print("usage: echo_socketserver.py tcp_echo|udp_echo|unix_echo [OPTIONS] PORT|PATH",
              file=sys.stderr)
        sys.exit(2)
    # argparse exits 2 for a usage error, as the guide asks; each number is
    # held to its range there too.
    p = argparse.ArgumentParser(prog=prog)
    p.add_argument("--strategy", choices=MIXINS, default="sync")
    p.add_argument("--threads", type=ranged(1, 64), default=4)
    p.add_argument("--queue", type=ranged(1, 64), default=4)
    # The guide's default is 500 ms; any will do, and a shorter one makes
    # each shutdown (one per check) quicker.
    p.add_argument("--poll-interval", type=ranged(1, 60000), default=100)
    if prog == "unix_echo":
        p.add_argument("--dgram", action="store_true")
        p.add_argument("path")
    else:
        p.add_argument("--host", default="")
        p.add_argument("--allow", action="append", default=[])
        p.add_argument("--deny", action="append", default=[])
        p.add_argument("port", type=ranged(0, 65535))
    return prog, p.parse_args(argv[1:])


def make_server(prog, a):
    base = BASES[prog]
    if prog == "unix_echo":
        base = socketserver.UnixDatagramServer if a.dgram else base
        path = a.path
        address = "\0" + path[1:] if path.startswith("@") else path
    else:
        address = (a.host, a.port)
    stream = base in (socketserver.TCPServer, socketserver.UnixStreamServer)
    attrs = {
        "allow_reuse_address": True,
        "request_queue_size": 64,
        "pool_threads": a.threads,
        "pool_queue": a.queue,
        "allow": tuple(getattr(a, "allow", ())),
        "deny": tuple(getattr(a, "deny", ())),
    }
    cls = type("Server", MIXINS[a.strategy] + (Rules, base), attrs)
    server = cls(address, StreamEcho if stream else DatagramEcho)
    if a.strategy == "pool":
        server.start_pool()
    return server


def main():
    prog, a = parse(sys.argv[1:])
    # Block the signals in every thread; the main thread waits for them.
    stops = {signal.SIGTERM, signal.SIGINT}
    signal.pthread_sigmask(signal.SIG_BLOCK, stops)
    server = make_server(prog, a)
    serving = threading.Thread(target=server.serve_forever, args=(a.poll_interval / 1000,))
    serving.start()
    signal.sigwait(stops)
    server.shutdown()
    serving.join()
    server.server_close()


if __name__ == "__main__":
    main()
