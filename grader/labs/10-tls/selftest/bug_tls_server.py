#!/usr/bin/env python3
"""bug_tls_server.py - lab 10's buggy servers: tls_echo_server's command
line on Python's ssl module, a thread per client, right but for the one bug
that BUG names:

  no-chain           sends its certificate without the intermediate
  no-close-notify    closes without close_notify (no unwrap())
  no-min-version     ignores --min-version
  serial             one client at a time, the handshake in the accept loop
  no-handshake-timeout  waits for a stalled handshake for ever
  dies-on-plaintext  a handshake error ends the whole server
  dies-on-reset      a client that resets ends the whole server
  want-write-drop    drops what a non-blocking write could not take
  old-versions       accepts TLS 1.0 and 1.1 (the floor and the security level lowered)
  print-key          prints the key it loaded on stderr (a debug line left in)

Each is caught by the check meant for it (selftest.c says which); without
BUG it is a correct server in another language."""
import argparse, os, select, socket, ssl, sys, tempfile, threading

BUG = os.environ.get("BUG", "")


def context(args):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    if BUG == "old-versions":
        ctx.minimum_version = ssl.TLSVersion.TLSv1
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    if args.min_version and BUG != "no-min-version":
        ctx.minimum_version = {"1.2": ssl.TLSVersion.TLSv1_2, "1.3": ssl.TLSVersion.TLSv1_3}[
            args.min_version]
    certfile = args.cert
    if args.chain and BUG != "no-chain":
        combined = tempfile.NamedTemporaryFile("w", suffix=".pem", delete=False)
        combined.write(open(args.cert).read() + open(args.chain).read())
        combined.close()
        certfile = combined.name
    ctx.load_cert_chain(certfile, args.key)
    return ctx


def echo_nonblocking(s):
    """The want-write-drop bug: what send() cannot take now is lost."""
    s.setblocking(False)
    while True:
        select.select([s], [], [])
        try:
            data = s.recv(65536)
        except ssl.SSLWantReadError:
            continue
        if not data:
            return
        try:
            s.send(data)
        except (ssl.SSLWantWriteError, BlockingIOError):
            pass  # the bug: these bytes are dropped


def serve(ctx, conn, handshake_timeout):
    conn.settimeout(None if BUG == "no-handshake-timeout" else handshake_timeout)
    s = ctx.wrap_socket(conn, server_side=True)
    s.settimeout(None)
    if BUG == "want-write-drop":
        echo_nonblocking(s)
    else:
        while True:
            data = s.recv(65536)
            if not data:
                break
            s.sendall(data)
    if BUG != "no-close-notify":
        s = s.unwrap()
    s.close()


def guarded(ctx, conn, handshake_timeout):
    try:
        serve(ctx, conn, handshake_timeout)
    except (OSError, ssl.SSLError) as e:
        print(f"tls_echo_server: a client dropped: {e}", file=sys.stderr)
        conn.close()


def main():
    p = argparse.ArgumentParser(prog="tls_echo_server")
    p.add_argument("--chain")
    p.add_argument("--min-version", choices=["1.2", "1.3"])
    p.add_argument("--handshake-timeout", type=float, default=10)
    p.add_argument("port", type=int)
    p.add_argument("cert")
    p.add_argument("key")
    argv = sys.argv[1:]
    if argv[:1] == ["tls_echo_server"]:  # {args} names the program first
        argv = argv[1:]
    args = p.parse_args(argv)
    ctx = context(args)
    if BUG == "print-key":
        print("tls_echo_server: loaded", open(args.key).read(), file=sys.stderr, flush=True)
    lsock = socket.create_server(("", args.port), family=socket.AF_INET6, dualstack_ipv6=True)
    while True:
        conn, _ = lsock.accept()
        if BUG in ("dies-on-plaintext", "dies-on-reset"):
            serve(ctx, conn, args.handshake_timeout)  # any error ends the server
        elif BUG == "serial":
            guarded(ctx, conn, args.handshake_timeout)
        else:
            threading.Thread(target=guarded, args=(ctx, conn, args.handshake_timeout),
                             daemon=True).start()


if __name__ == "__main__":
    main()
