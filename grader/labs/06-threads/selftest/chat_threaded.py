#!/usr/bin/env python3
"""A correct lab 06 chat server written the Python way (socketserver with a
thread per client, a queue and a writer thread per member), used by the
grader's self-tests: a chat server nobody on the team wrote in C must get
full marks on the chat checks too. The protocol is in labs/06-threads/README.md."""
import re
import socket
import socketserver
import sys
import threading

LINE_MAX = 1000
QUEUE_MAX = 256 * 1024
TOO_LONG = object()
NAME = re.compile(rb"[A-Za-z0-9_-]{1,16}")

room_lock = threading.Lock()
room = {}  # name -> Member, guarded by room_lock


class Member:
    def __init__(self, sock):
        self.sock = sock
        self.name = None
        self.cond = threading.Condition()
        self.lines = []  # guarded by cond
        self.queued = 0
        self.stop = False
        self.writer = threading.Thread(target=self.write_all, daemon=True)
        self.writer.start()

    def put(self, data):
        """Queue a line; a member with too much waiting is disconnected."""
        with self.cond:
            if self.stop:
                return
            if self.queued + len(data) > QUEUE_MAX:
                self.halt()
                return
            self.lines.append(data)
            self.queued += len(data)
            self.cond.notify()

    def halt(self):
        # Called with self.cond held.
        self.stop = True
        self.cond.notify()
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def write_all(self):
        while True:
            with self.cond:
                while not self.lines and not self.stop:
                    self.cond.wait()
                if self.stop:
                    return
                data = self.lines.pop(0)
                self.queued -= len(data)
            try:
                self.sock.sendall(data)
            except OSError:
                with self.cond:
                    self.halt()
                return


def read_line(rfile):
    """One line without its newline (and CR); TOO_LONG for a line too long; None at the end."""
    line = rfile.readline(LINE_MAX + 2)
    if not line:
        return None
    if not line.endswith(b"\n"):
        while line and not line.endswith(b"\n"):  # too long: skip to its end
            line = rfile.readline(LINE_MAX + 2)
        return TOO_LONG if line else None
    line = line[:-1]
    if line.endswith(b"\r"):
        line = line[:-1]
    return line if len(line) <= LINE_MAX else TOO_LONG


class Chat(socketserver.StreamRequestHandler):
    def handle(self):
        me = Member(self.request)
        try:
            self.serve(me)
        finally:
            with me.cond:
                me.halt()
            me.writer.join()

    def serve(self, me):
        while me.name is None:
            line = read_line(self.rfile)
            if line is None:
                return
            if line is TOO_LONG or not NAME.fullmatch(line):
                me.put(b"ERR invalid name\n")
                continue
            with room_lock:
                if line in room:
                    me.put(b"ERR name taken\n")
                    continue
                me.name = line
                me.put(b"OK " + line + b"\n")
                for other in room.values():
                    other.put(b"* " + line + b" joined\n")
                room[line] = me
        try:
            while True:
                line = read_line(self.rfile)
                if line is None:
                    return
                if line is TOO_LONG:
                    me.put(b"ERR line too long\n")
                    continue
                if line == b"":
                    continue
                with room_lock:
                    for name, other in room.items():
                        if other is not me:
                            other.put(me.name + b": " + line + b"\n")
        except OSError:
            pass
        finally:
            with room_lock:
                del room[me.name]
                for other in room.values():
                    other.put(b"* " + me.name + b" left\n")


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


if __name__ == "__main__":
    try:
        (port,) = map(int, sys.argv[1:])  # exactly one argument, a number
        assert 1 <= port <= 65535
    except (ValueError, AssertionError):
        print("usage: chat_threaded.py PORT (1 to 65535)", file=sys.stderr)
        sys.exit(2)
    with Server(("0.0.0.0", port), Chat) as server:
        server.serve_forever()
