#!/usr/bin/env python3
"""bug_tls_client.py - lab 10's buggy clients: tls_client's command line on
Python's ssl module, right but for the one bug that BUG names:

  verify-off      the seed's commented-out line: no verification at all
  no-hostname     checks the chain but not the name (check_hostname off)
  no-sni          sends no server name (and checks the name by hand)
  ip-as-name      checks an IP address as if it were a DNS name
  no-reason       refuses bad certificates, but says only "handshake failed"
  ragged-eof      takes a stream cut without close_notify for a clean end
  no-min-version  ignores --min-version
  no-timeout      waits for the server as long as it takes
  no-facts        says nothing of the session it made
  old-versions    accepts TLS 1.0 and 1.1 (the floor and the security level lowered)

Each is caught by the check meant for it (selftest.c says which); without
BUG it is a correct client in another language."""
import argparse, ipaddress, os, socket, ssl, sys

BUG = os.environ.get("BUG", "")


def fail(status, host, port, text):
    print(f"tls_client: {host}:{port}: {text}", file=sys.stderr)
    sys.exit(status)


def context(args):
    ctx = ssl.create_default_context(cafile=args.cafile)
    if BUG == "old-versions":
        ctx.minimum_version = ssl.TLSVersion.TLSv1
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    if args.min_version and BUG != "no-min-version":
        ctx.minimum_version = {"1.2": ssl.TLSVersion.TLSv1_2, "1.3": ssl.TLSVersion.TLSv1_3}[
            args.min_version]
    if BUG in ("verify-off", "no-hostname", "no-sni", "ip-as-name"):
        ctx.check_hostname = False
    if BUG == "verify-off":
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


def check_name_by_hand(cert, name):
    """The name check that no-sni and ip-as-name do themselves."""
    names = [v for k, v in cert.get("subjectAltName", ()) if k == "DNS"]
    if BUG == "no-sni":
        names += [v for k, v in cert.get("subjectAltName", ()) if k == "IP Address"]
    return name in names


def describe(s):
    cert = s.getpeercert() or {}  # empty when nothing was verified
    print(f"version: {s.version()}\ncipher: {s.cipher()[0]}", file=sys.stderr)
    subject = ", ".join(f"{k}={v}" for rdn in cert.get("subject", ()) for k, v in rdn)
    issuer = ", ".join(f"{k}={v}" for rdn in cert.get("issuer", ()) for k, v in rdn)
    san = ", ".join(f"{k}:{v}" for k, v in cert.get("subjectAltName", ()))
    print(f"subject: {subject}\nissuer: {issuer}\nsan: {san}", file=sys.stderr)
    print(f"not before: {cert.get('notBefore')}\nnot after: {cert.get('notAfter')}",
          file=sys.stderr)


def converse(s, message):
    s.sendall(message.encode() + b"\n")
    reply = b""
    while True:
        try:
            chunk = s.recv(4096)
        except ssl.SSLEOFError:
            return reply, False
        if not chunk:
            return reply, True
        reply += chunk


def main():
    p = argparse.ArgumentParser(prog="tls_client")
    p.add_argument("--cafile")
    p.add_argument("--servername")
    p.add_argument("--min-version", choices=["1.2", "1.3"])
    p.add_argument("--message", default="hello, TLS")
    p.add_argument("--timeout", type=float, default=10)
    p.add_argument("host")
    p.add_argument("port", type=int)
    args = p.parse_args()
    name = args.servername or args.host
    try:
        ipaddress.ip_address(name)
        is_ip = True
    except ValueError:
        is_ip = False
    timeout = None if BUG == "no-timeout" else args.timeout
    try:
        ctx = context(args)
    except (OSError, ssl.SSLError) as e:
        fail(1, args.host, args.port, f"cannot read the trusted roots: {e}")
    try:
        raw = socket.create_connection((args.host, args.port), timeout=timeout)
    except socket.timeout:
        fail(7, args.host, args.port, "timed out connecting")
    except OSError as e:
        fail(3, args.host, args.port, str(e))
    sni = None if BUG == "no-sni" else name
    try:
        s = ctx.wrap_socket(raw, server_hostname=sni,
                            suppress_ragged_eofs=BUG == "ragged-eof")
        if BUG in ("no-sni", "ip-as-name") and not check_name_by_hand(s.getpeercert(), name):
            fail(4, args.host, args.port, "certificate refused: hostname mismatch")
        if BUG != "no-facts":
            describe(s)
        reply, clean = converse(s, args.message)
    except ssl.SSLCertVerificationError as e:
        why = "handshake failed" if BUG == "no-reason" else f"certificate refused: {e.verify_message}"
        fail(4, args.host, args.port, why)
    except (socket.timeout, TimeoutError):
        fail(7, args.host, args.port, "timed out")
    except ssl.SSLError as e:
        fail(5, args.host, args.port, f"handshake failed: {e.reason or e}")
    except OSError as e:
        fail(6, args.host, args.port, f"the stream was cut: {e}")
    sys.stdout.buffer.write(reply)
    if not clean:
        fail(6, args.host, args.port, "the server ended the stream without close_notify")


if __name__ == "__main__":
    main()
