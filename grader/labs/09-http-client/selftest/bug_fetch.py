#!/usr/bin/env python3
"""bug_fetch.py - lab 09's buggy clients: a small fetch on raw sockets with
the lab's command line, right but for the one bug that BUG names:

  until-close    reads the body until the close, ignoring Content-Length
  chunk-decimal  takes a chunk size for a decimal number
  post-303       follows a 303 with the same method and body
  no-timeout     waits for the server as long as it takes
  partial-file   writes -o FILE in place, and leaves it when the body fails

Each is caught by the check meant for it (selftest.c says which)."""
import argparse, os, socket, sys
from urllib.parse import urljoin, urlsplit

BUG = os.environ.get("BUG", "")


class Failure(Exception):
    def __init__(self, status, text):
        super().__init__(text)
        self.status = status


def read_head(f):
    while True:
        line = f.readline(8192)
        raw = [line]
        if not line:
            raise Failure(8, "no status line")
        parts = line.decode("latin-1").rstrip("\r\n").split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
            raise Failure(8, "bad status line")
        headers = {}
        while True:
            raw.append(f.readline(8192))
            h = raw[-1].decode("latin-1").rstrip("\r\n")
            if not h:
                break
            if ":" not in h:
                raise Failure(8, "bad header line")
            k, v = h.split(":", 1)
            k, v = k.strip().lower(), v.strip()
            if k == "content-length" and headers.get(k, v) != v:
                raise Failure(8, "two Content-Length values")
            headers[k] = v
        if int(parts[1]) >= 200:
            return int(parts[1]), headers, b"".join(raw)


def read_body(f, headers, out):
    if headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = f.readline(8192).split(b";")[0].strip()
            try:
                n = int(size, 10 if BUG == "chunk-decimal" else 16)
            except ValueError:
                raise Failure(8, "bad chunk size")
            if n == 0:
                while f.readline(8192) not in (b"\r\n", b"\n", b""):
                    pass
                return
            data = f.read(n)
            if len(data) < n:
                raise Failure(8, "short chunk")
            out.write(data)
            f.readline(8192)
    elif "content-length" in headers and BUG != "until-close":
        if not headers["content-length"].isdigit():
            raise Failure(8, "bad Content-Length")
        n = int(headers["content-length"])
        data = f.read(n)
        out.write(data)
        if len(data) < n:
            raise Failure(8, "body cut short")
    else:
        out.write(f.read())


def request(args, url, method, body, out):
    try:
        u = urlsplit(url)
        if u.scheme != "http" or not u.hostname:
            raise Failure(3, "bad URL")
        port = u.port or 80
    except ValueError:
        raise Failure(3, "bad port")
    if " " in url:
        raise Failure(3, "space in URL")
    try:
        s = socket.create_connection((u.hostname, port), timeout=args.connect_timeout)
    except socket.timeout:
        raise Failure(5, "connect timed out")
    except OSError as e:
        raise Failure(4, str(e))
    s.settimeout(None if BUG == "no-timeout" else args.read_timeout)
    target = (u.path or "/") + ("?" + u.query if u.query else "")
    lines = [f"{method} {target} HTTP/1.1", f"Host: {u.netloc}", "Connection: close"]
    names = {h.split(":")[0].lower() for h in args.header}
    if "accept" not in names:
        lines.append("Accept: */*")
    lines += args.header
    if body is not None:
        lines += [f"Content-Type: {args.ctype}", f"Content-Length: {len(body)}"]
    s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b""))
    f = s.makefile("rb")
    try:
        status, headers, raw = read_head(f)
        if args.follow and status in (301, 302, 303, 307, 308) and "location" in headers:
            return status, urljoin(url, headers["location"])
        if args.fail and status >= 400:
            raise Failure(6, f"HTTP {status}")
        if args.include:
            out.write(raw)
        if method != "HEAD" and status not in (204, 304):
            read_body(f, headers, out)
        return status, None
    except socket.timeout:
        raise Failure(5, "timed out")
    finally:
        s.close()


def fetch(args, url, out):
    method = "HEAD" if args.head else "POST" if args.body is not None else "GET"
    body, seen = args.body, set()
    for _ in range(args.max_redirs + 1):
        if (url, method) in seen:
            raise Failure(7, "redirect loop")
        seen.add((url, method))
        status, location = request(args, url, method, body, out)
        if location is None:
            return
        if BUG != "post-303" and (status == 303 or (status in (301, 302) and method == "POST")):
            method, body = ("HEAD" if method == "HEAD" else "GET"), None
        url = location
    raise Failure(7, "too many redirects")


def main():
    p = argparse.ArgumentParser(prog="fetch")
    p.add_argument("-o", "--output")
    p.add_argument("-I", "--head", action="store_true")
    p.add_argument("-d", "--data")
    p.add_argument("--json")
    p.add_argument("-H", "--header", action="append", default=[])
    p.add_argument("-f", "--fail", action="store_true")
    p.add_argument("-i", "--include", action="store_true")
    p.add_argument("--no-follow", dest="follow", action="store_false")
    p.add_argument("--max-redirs", type=int, default=10)
    p.add_argument("--connect-timeout", type=float, default=10)
    p.add_argument("--read-timeout", type=float, default=30)
    p.add_argument("urls", nargs="+")
    args = p.parse_args()
    if any("\r" in h or "\n" in h for h in args.header):
        p.error("CR or LF in a header")
    args.body = (args.data or args.json or "").encode() if (args.data or args.json) else None
    args.ctype = "application/json" if args.json else "application/x-www-form-urlencoded"
    url = args.urls[0]
    try:
        if args.output is None:
            for url in args.urls:
                fetch(args, url, sys.stdout.buffer)
        elif BUG == "partial-file":
            with open(args.output, "wb") as out:
                fetch(args, url, out)
        else:
            tmp = args.output + ".part"
            try:
                with open(tmp, "wb") as out:
                    fetch(args, url, out)
                os.replace(tmp, args.output)
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)
    except Failure as e:
        print(f"fetch: {url}: {e}", file=sys.stderr)
        sys.exit(e.status)


if __name__ == "__main__":
    main()
