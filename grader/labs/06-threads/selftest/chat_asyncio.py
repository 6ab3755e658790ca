#!/usr/bin/env python3
"""A correct lab 06 chat server written with asyncio, from the guide's
protocol alone, for the grader's self-tests: one thread and an event loop,
a transport's write buffer for each member's queue. The protocol is in
labs/06-threads/README.md.

usage: chat_asyncio.py PORT
"""
import asyncio
import re
import sys

LINE_MAX = 1000
QUEUE_MAX = 256 * 1024
NAME = re.compile(rb"[A-Za-z0-9_-]{1,16}")

room = {}  # name (bytes) -> Member; one thread, so no lock


class Member(asyncio.Protocol):
    def __init__(self):
        self.transport = None
        self.name = None
        self.buf = b""
        self.skipping = False  # in the middle of a line too long
        self.gone = False

    # ---- the connection's life -------------------------------------------

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        self.buf += data
        while not self.gone:
            nl = self.buf.find(b"\n")
            if nl < 0:
                # No newline yet: a line already too long is refused once
                # its newline comes; keep only what tells us so.
                if len(self.buf) > LINE_MAX + 1:
                    self.skipping = True
                    self.buf = b""
                return
            line, self.buf = self.buf[:nl], self.buf[nl + 1 :]
            if line.endswith(b"\r"):
                line = line[:-1]
            if self.skipping or len(line) > LINE_MAX:
                self.skipping = False
                self.send(b"ERR line too long\n" if self.name else b"ERR invalid name\n")
                continue
            self.on_line(line)

    def eof_received(self):
        self.leave()
        return False  # asyncio closes the transport

    def connection_lost(self, exc):
        self.leave()

    # ---- the protocol -----------------------------------------------------

    def on_line(self, line):
        if self.name is None:
            if not NAME.fullmatch(line):
                self.send(b"ERR invalid name\n")
            elif line in room:
                self.send(b"ERR name taken\n")
            else:
                self.name = line
                room[line] = self
                self.send(b"OK " + line + b"\n")
                self.to_others(b"* " + line + b" joined\n")
        elif line:
            self.to_others(self.name + b": " + line + b"\n")

    def to_others(self, data):
        for other in list(room.values()):
            if other is not self:
                other.send(data)

    def send(self, data):
        """Queue data for this member, or disconnect it if more than
        QUEUE_MAX bytes would wait."""
        if self.gone:
            return
        if self.transport.get_write_buffer_size() + len(data) > QUEUE_MAX:
            self.leave()
            return
        self.transport.write(data)

    def leave(self):
        if self.gone:
            return
        self.gone = True
        if self.name is not None and room.get(self.name) is self:
            del room[self.name]
            self.to_others(b"* " + self.name + b" left\n")
        # abort(), not close(): close() would first send what waits, to a
        # member who may never read it.
        self.transport.abort()


async def main(port):
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Member, host=None, port=port, reuse_address=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    arg = sys.argv[1] if len(sys.argv) == 2 else ""
    if not arg.isascii() or not arg.isdigit() or int(arg) not in range(1, 65536):
        sys.stderr.write("usage: chat_asyncio.py PORT (1 to 65535)\n")
        sys.exit(2)
    try:
        asyncio.run(main(int(arg)))
    except KeyboardInterrupt:
        pass
