#!/usr/bin/env python3
"""A correct single-threaded echo server written the Python way (selectors),
used by lab 05's self-tests: a server nobody on the team wrote in C must get
full marks on every check that applies to it.

It follows seed 000's selectors example with its two bugs fixed: it asks for
EVENT_WRITE only while output is pending (the seed registers it forever, so
select() never sleeps), and it stops reading from a client whose buffer is
full (the seed's outb grows without bound when the client does not read)."""
import selectors
import socket
import sys

LIMIT = 64 * 1024  # bytes held per client before we stop reading from it

sel = selectors.DefaultSelector()


class Client:
    def __init__(self, sock):
        self.sock = sock
        self.outb = bytearray()
        self.eof = False
        self.events = selectors.EVENT_READ

    def wanted(self):
        events = 0
        if not self.eof and len(self.outb) < LIMIT:
            events |= selectors.EVENT_READ
        if self.outb:
            events |= selectors.EVENT_WRITE
        return events


def close(client):
    sel.unregister(client.sock)
    client.sock.close()


def service(client, mask):
    try:
        # A hang-up is reported as readable and writable alike: never recv()
        # into a full buffer, where b"" would look like end of file.
        if mask & selectors.EVENT_READ and client.wanted() & selectors.EVENT_READ:
            data = client.sock.recv(LIMIT - len(client.outb))
            if data:
                client.outb += data
            else:
                client.eof = True
        if client.outb:
            sent = client.sock.send(client.outb)
            del client.outb[:sent]
    except BlockingIOError:
        pass
    except OSError:  # reset, broken pipe: this client is gone
        close(client)
        return
    if client.eof and not client.outb:
        close(client)
        return
    events = client.wanted()
    if events != client.events:
        client.events = events
        sel.modify(client.sock, events, data=client)


def main():
    # A usage error exits 2; a port in use raises OSError, which exits 1.
    args = sys.argv[1:]
    if len(args) != 1 or not args[0].isascii() or not args[0].isdigit() or not 0 < int(args[0]) < 65536:
        sys.stderr.write("usage: echo_selectors.py PORT (1 to 65535)\n")
        sys.exit(2)
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("0.0.0.0", int(args[0])))
    lsock.listen(socket.SOMAXCONN)
    lsock.setblocking(False)
    sel.register(lsock, selectors.EVENT_READ, data=None)
    while True:
        for key, mask in sel.select(timeout=None):
            if key.data is None:
                while True:
                    try:
                        conn, _ = lsock.accept()
                    except (BlockingIOError, InterruptedError):
                        break
                    except OSError as e:  # EMFILE and the like: try again later
                        print(f"echo_selectors: accept: {e}", file=sys.stderr)
                        break
                    conn.setblocking(False)
                    client = Client(conn)
                    sel.register(conn, selectors.EVENT_READ, data=client)
            else:
                service(key.data, mask)


if __name__ == "__main__":
    main()
