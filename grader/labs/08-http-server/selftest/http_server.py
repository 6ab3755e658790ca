#!/usr/bin/env python3
"""http_server.py - lab 08's contract written with Python's http.server.

A correct server for the grader's self-tests: ThreadingHTTPServer (a thread
per connection) with a BaseHTTPRequestHandler whose protocol_version is
HTTP/1.1. The handler reads each request itself, from the socket, rather
than through BaseHTTPRequestHandler.parse_request(): the standard parser
accepts what the contract refuses (obs-fold, a space before the colon, a
bare CR, any Content-Length) and has no 431 or 408, so following the
contract means writing the head's rules out, as the C solution does.

    python3 http_server.py [http_server] [--strategy thread|pool] [--threads N]
                           [--cert FILE --key FILE [--chain FILE]] PORT DOCROOT

(a first word http_server is skipped: bin/grade's {args} names the program).

BUG=NAME in the environment plants one classic mistake (see BUGS), so that
each check is shown to catch the bug it is meant for.
"""
import email.utils
import gzip
import html
import json
import os
import re
import signal
import socket
import ssl
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer, ThreadingHTTPServer

BUGS = {
    "": "none",
    "one-recv": "one recv() taken for the whole request",
    "bad-length": "a Content-Length one more than the body",
    "string-json": "JSON built by string formatting",
    "iterative": "one client at a time",
    "slow-lock": "a lock held while a request head arrives: a slow client blocks the others",
    "dotdot": "'..' segments not refused: the path is joined as it comes",
    "decode-late": "'..' looked for before percent-decoding",
    "prefix": "inside DOCROOT means 'starts with DOCROOT' (a sibling DOCROOT-secret passes)",
    "symlink": "links followed out of DOCROOT",
    "no-keepalive": "every response closes the connection",
    "ignore-close": "Connection: close ignored",
    "pipeline-drop": "bytes after the first request in a read are dropped",
    "head-body": "HEAD sends the body",
    "304-body": "a 304 with the file's body",
    "gzip-length": "gzip with the uncompressed Content-Length",
    "whole-file": "the whole file read into memory",
    "unescaped": "the path echoed into the 404 page unescaped",
    "case-types": "the extension compared case-sensitively (.JPG is octet-stream)",
    "users-sign": "a sign taken in /api/users/N (-1 is a user)",
    "no-416": "an unsatisfiable range served whole, 200, instead of 416",
    "gzip-q0": "gzip whenever Accept-Encoding names it, gzip;q=0 included",
    "no-isreg": "any file that opens is served: a FIFO is a 200 with no bytes",
    "split-ws": "the request line split on any run of whitespace (two spaces, a tab pass)",
    "unknown-405": "an unknown method is 405 with Allow, not 501",
    "no-uri-limit": "no limit on the target's length",
    "fields-101": "the field count compared with > where >= is meant: 101 fields pass",
    "redirect-query": "the 301 to a directory's slash drops the query",
    "forbidden-404": "a file that cannot be read is 404 (PermissionError not told apart)",
    "no-chain": "HTTPS: the leaf sent without its intermediate (--chain ignored)",
    "no-close-notify": "HTTPS: the connection closed without close_notify (no unwrap())",
    "one-write": "HTTPS: a body written with one partial write whose count is not looked at",
    "handshake-in-accept": "HTTPS: the handshake done in the accepting thread",
    "accept-exit": "HTTPS: the server exits when a handshake fails",
    "alpn-h2": "HTTPS: ALPN offers h2, which the server does not speak",
    "chunk-decimal": "chunk sizes parsed as decimal",
    "cl-int": "Content-Length taken with int(), so +1 passes",
    "body-limit-off": "the body limit compared with >= : exactly 1 MiB is 413",
    "plus-literal": "a + in the query kept, not decoded as a space",
    "no-408": "a request cut and left is closed without the 408",
    "fixed-host": "the 301's Location an absolute URL on a fixed http://localhost:8080",
    "allow-all": "405's Allow lists every method the server knows, not the resource's",
    "docroot-unchecked": "DOCROOT not checked at start: a file as DOCROOT serves 404s",
    "term-exit": "SIGTERM exits at once (os._exit(0)): the answer in flight is cut",
    "pool-leak": "the pool's place is never given back when a connection ends",
    "css-plain": "a stylesheet served as text/plain (a browser refuses to apply it)",
    "latin1-name": "/api/data's name decoded as latin-1: Zo%C3%AB comes back as ZoÃ«",
}
BUG = os.environ.get("BUG", "")
if BUG not in BUGS:
    sys.exit(f"http_server.py: unknown BUG={BUG!r}")

TCHAR = rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
REQUEST_LINE = re.compile(rb"(" + TCHAR + rb") ([\x21-\x7e\x80-\xff]+) (HTTP/[0-9]\.[0-9])")
FIELD_NAME = re.compile(TCHAR)
CHUNK_SIZE = re.compile(rb"([0-9A-Fa-f]{1,15})(;[^\r\n]*)?")
BODY_MAX = 1 << 20
TARGET_MAX = 8000
FIELDS_BYTES, FIELDS_MAX = 16384, 100
IDLE_S = 5.0
TYPES = {
    "html": "text/html; charset=utf-8", "htm": "text/html; charset=utf-8", "css": "text/css",
    "js": "text/javascript", "json": "application/json", "txt": "text/plain; charset=utf-8",
    "svg": "image/svg+xml", "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg",
    "ico": "image/x-icon",
}
COMPRESSIBLE = ("text/html", "text/css", "text/javascript", "text/plain", "application/json",
                "image/svg+xml")
REASONS = {200: "OK", 201: "Created", 206: "Partial Content", 301: "Moved Permanently",
           304: "Not Modified", 400: "Bad Request", 403: "Forbidden", 404: "Not Found",
           405: "Method Not Allowed", 408: "Request Timeout", 411: "Length Required",
           413: "Content Too Large", 414: "URI Too Long", 416: "Range Not Satisfiable",
           431: "Request Header Fields Too Large", 501: "Not Implemented",
           505: "HTTP Version Not Supported"}
CLOSING = {400, 408, 411, 413, 414, 431, 505}
LOCK = threading.Lock()


class Stop:
    """SIGTERM's stop: the connections waiting for a request, woken to close."""

    def __init__(self):
        self.lock, self.stopping, self.idle = threading.Lock(), False, set()

    def wait_for_request(self, sock):
        """Mark sock as waiting for a request; False once the server stops."""
        with self.lock:
            if self.stopping:
                return False
            self.idle.add(sock)
            return True

    def request_came(self, sock):
        with self.lock:
            self.idle.discard(sock)

    def stop(self, server):
        """Stop accepting (shutdown() waits for serve_forever), wake the idle."""
        with self.lock:
            self.stopping = True
            for sock in self.idle:
                try:
                    sock.shutdown(socket.SHUT_RD)  # its recv() returns b"": a close
                except OSError:
                    pass
        server.shutdown()


STOP = Stop()


class Fail(Exception):
    """A request answered with an error status (and maybe a close)."""

    def __init__(self, status, close=True):
        super().__init__(status)
        self.status, self.close = status, close


class Idle(Exception):
    """No byte of a new request came in time: close without a word."""


class Reader:
    """The connection's bytes, read with recv() into a buffer of our own."""

    def __init__(self, sock):
        self.sock, self.buf, self.started, self.one_shot = sock, b"", False, False

    def more(self):
        if self.one_shot:
            raise Fail(400)  # BUG one-recv: what one recv() gave is the request
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            raise Fail(408) if (self.started or self.buf) and BUG != "no-408" else Idle()
        except OSError:
            raise Idle()
        if not data:
            if self.started or self.buf:
                raise Fail(400)
            raise Idle()
        self.buf += data

    def line(self, limit, status):
        """A line with its end (LF, maybe after CR), at most limit bytes."""
        while True:
            nl = self.buf.find(b"\n")
            if nl >= 0:
                if nl + 1 > limit:
                    raise Fail(status)
                out, self.buf = self.buf[:nl + 1], self.buf[nl + 1:]
                return out
            if len(self.buf) > limit:
                raise Fail(status)
            self.more()

    def take(self, n):
        while len(self.buf) < n:
            self.more()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out


def strip_eol(line):
    body = line[:-2] if line.endswith(b"\r\n") else line[:-1]
    if b"\r" in body:
        raise Fail(400)  # a bare CR
    return body


def read_head(rd):
    """The request line and fields: (method, target, minor, [(name, value)])."""
    rd.started = False
    while True:
        line = rd.line(TARGET_MAX + 64 * 1024, 414)
        rd.started = True
        if line not in (b"\r\n", b"\n"):
            break
    text = strip_eol(line)
    if BUG == "split-ws" and len(text.split()) == 3:
        text = b" ".join(text.split())
    m = REQUEST_LINE.fullmatch(text)
    if not m:
        if re.fullmatch(rb"\S+ (\S{8001,}) \S+\r?\n", line):
            raise Fail(414)
        raise Fail(400)
    method, target, version = m.groups()
    if len(target) > TARGET_MAX and BUG != "no-uri-limit":
        raise Fail(414)
    if version[5:6] != b"1":
        raise Fail(505)
    fields, used = [], 0
    while True:
        line = rd.line(FIELDS_BYTES - used + 2, 431)
        if line in (b"\r\n", b"\n"):
            break
        used += len(line)
        if used > FIELDS_BYTES or len(fields) == FIELDS_MAX + (BUG == "fields-101"):
            raise Fail(431)
        body = strip_eol(line)
        name, colon, value = body.partition(b":")
        if not colon or not FIELD_NAME.fullmatch(name):
            raise Fail(400)  # no colon, obs-fold, a space before the colon
        value = value.strip(b" \t")
        if re.search(rb"[\x00-\x08\x0a-\x1f\x7f]", value):
            raise Fail(400)
        fields.append((name.decode("latin-1").lower(), value.decode("latin-1")))
    if not target.startswith(b"/"):
        raise Fail(400)
    return method.decode(), target.decode("latin-1"), int(version[7:8]), fields


def read_chunked(rd):
    body = b""
    while True:
        line = rd.line(4096, 400)
        m = CHUNK_SIZE.fullmatch(line[:-2]) if line.endswith(b"\r\n") else None
        if not m:
            raise Fail(400)
        try:
            size = int(m.group(1), 10 if BUG == "chunk-decimal" else 16)
        except ValueError:
            raise Fail(400)
        if size == 0:
            break
        if len(body) + size > BODY_MAX:
            raise Fail(413)
        body += rd.take(size)
        if rd.take(2) != b"\r\n":
            raise Fail(400)
    while rd.line(FIELDS_BYTES, 431) not in (b"\r\n", b"\n"):
        pass  # trailer fields, read and dropped
    return body


def read_body(rd, method, minor, fields):
    get = lambda n: [v for k, v in fields if k == n]
    te, cl = get("transfer-encoding"), get("content-length")
    hosts = get("host")
    if len(hosts) > 1 or (minor == 1 and len(hosts) != 1):
        raise Fail(400)
    if te and (cl or minor == 0):
        raise Fail(400)
    if te:
        if ",".join(te).strip().lower() != "chunked":
            raise Fail(501)
        return read_chunked(rd)
    if len(cl) > 1 or (cl and not re.fullmatch(r"[0-9]+", cl[0]) and BUG != "cl-int"):
        raise Fail(400)
    if cl:
        try:
            n = int(cl[0])
        except ValueError:
            raise Fail(400)
        if n < 0:
            raise Fail(400)
        if n >= 1 << 63:
            raise Fail(400)
        if n > BODY_MAX - (BUG == "body-limit-off"):
            raise Fail(413)
        return rd.take(n)
    if method == "POST":
        raise Fail(411)
    return b""


def percent_decode(s, plus=False):
    """Bytes of s with %XX decoded; None for a bad escape."""
    out, i, raw = bytearray(), 0, s.encode("latin-1")
    while i < len(raw):
        c = raw[i]
        if c == 0x25:
            h = raw[i + 1:i + 3]
            if len(h) < 2 or not re.fullmatch(rb"[0-9A-Fa-f]{2}", h):
                return None
            out.append(int(h, 16))
            i += 3
        else:
            out.append(0x20 if plus and c == 0x2B else c)
            i += 1
    return bytes(out)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "socklab-python/1.0"
    timeout = IDLE_S

    def handle(self):
        if isinstance(self.connection, ssl.SSLSocket) and BUG != "handshake-in-accept":
            try:
                self.connection.do_handshake()
            except (ssl.SSLError, OSError):
                if BUG == "accept-exit":
                    os._exit(1)
                return
        rd = Reader(self.connection)
        while self.one(rd):
            if BUG == "pipeline-drop":
                rd.buf = b""
            if BUG == "no-keepalive":
                break

    def one(self, rd):
        self.head_only, self.minor, self.close = False, 1, False
        if not rd.buf and not STOP.wait_for_request(self.connection):
            return False
        try:
            if BUG == "slow-lock":
                with LOCK:
                    method, target, self.minor, fields = read_head(rd)
            else:
                rd.one_shot = False
                if BUG == "one-recv":
                    if not rd.buf:
                        rd.more()
                    rd.one_shot = True
                method, target, self.minor, fields = read_head(rd)
            STOP.request_came(self.connection)
            self.head_only = method == "HEAD"
            conn = ",".join(v for k, v in fields if k == "connection").lower()
            tokens = [t.strip() for t in conn.split(",")]
            if self.minor == 0:
                self.close = "keep-alive" not in tokens
            else:
                self.close = "close" in tokens and BUG != "ignore-close"
            body = read_body(rd, method, self.minor, fields)
            self.fields = dict(reversed(fields))
            self.route(method, target, body)
        except Idle:
            return False
        except Fail as e:
            status = e.status
            self.close = self.close or status in CLOSING or e.close
            try:
                self.error(status)
            except OSError:
                return False
        except OSError:
            return False
        finally:
            STOP.request_came(self.connection)
        return not self.close and not STOP.stopping

    # ---- responses --------------------------------------------------------------
    def send(self, status, headers, body=b"", length=None):
        lines = [f"HTTP/1.1 {status} {REASONS[status]}",
                 "Date: " + email.utils.formatdate(usegmt=True),
                 "Server: " + self.server_version]
        lines += [f"{k}: {v}" for k, v in headers]
        if status != 304:
            lines.append(f"Content-Length: {len(body) if length is None else length}")
        if self.close or BUG == "no-keepalive":
            lines.append("Connection: close")
        elif self.minor == 0:
            lines.append("Connection: keep-alive")
        out = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        if not self.head_only or BUG == "head-body":
            out += body if isinstance(body, bytes) else b""
        self.connection.sendall(out)

    def error(self, status, path=None, headers=()):
        text = f"{status} {REASONS[status]}"
        if path is not None:
            shown = path if BUG == "unescaped" else html.escape(path, quote=True)
            text += f": {shown}"
        page = f"<!DOCTYPE html>\n<html><body><h1>{text}</h1></body></html>\n".encode()
        self.send(status, [("Content-Type", "text/html; charset=utf-8"), *headers], page)

    def json(self, status, value, text=None):
        body = (text if text is not None else json.dumps(value)).encode()
        self.send(status, [("Content-Type", "application/json"),
                           ("Vary", "Accept-Encoding")], body)

    # ---- routing ------------------------------------------------------------------
    def route(self, method, target, body):
        path, _, query = target.partition("?")
        if method not in ("GET", "HEAD", "POST"):
            if BUG == "unknown-405":
                return self.error(405, headers=[("Allow", "GET, HEAD, POST")])
            raise Fail(501, close=False)
        if path == "/api" or path.startswith("/api/"):
            return self.api(method, path, query, body)
        if method == "POST":
            allow = "GET, HEAD, POST" if BUG == "allow-all" else "GET, HEAD"
            return self.error(405, headers=[("Allow", allow)])
        return self.static(target, path, query, method)

    def api(self, method, path, query, body):
        m = re.fullmatch(r"/api/users/(-?[0-9]{1,18})" if BUG == "users-sign" else
                         r"/api/users/([0-9]{1,18})", path)
        allow = {"/api": "GET, HEAD", "/api/data": "GET, HEAD", "/api/submit": "POST",
                 "/api/users": "POST"}.get(path, "GET, HEAD" if m else None)
        if allow is None:
            return self.error(404, path)
        if method not in allow:
            return self.error(405, headers=[("Allow", "GET, HEAD, POST" if BUG == "allow-all"
                                                      else allow)])
        if path == "/api":
            return self.json(200, {"message": "Hello from API"})
        if path == "/api/data":
            return self.api_data(query)
        if m:
            n = int(m.group(1))
            return self.json(200, {"user_id": n, "name": f"User {n}"})
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise Fail(400, close=False)
        if path == "/api/submit":
            if BUG == "string-json":
                return self.json(200, None, '{"received": "%s"}' % text)
            return self.json(200, {"received": text})
        try:
            value = json.loads(text, parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))
        except ValueError:
            raise Fail(400, close=False)
        return self.json(201, {"user": value, "status": "created"})

    def api_data(self, query):
        name = None
        for part in query.split("&") if query else []:
            k, _, v = part.partition("=")
            plus = BUG != "plus-literal"
            k, v = percent_decode(k, plus), percent_decode(v, plus)
            if k is None or v is None:
                raise Fail(400, close=False)
            if k == b"name" and name is None:
                name = v
        try:
            name = "Guest" if name is None else \
                name.decode("latin-1" if BUG == "latin1-name" else "utf-8")
        except UnicodeDecodeError:
            raise Fail(400, close=False)
        return self.json(200, {"message": f"Hello, {name}!"})

    # ---- static files -------------------------------------------------------------
    def resolve(self, path):
        """The file's real path, or a Fail."""
        root = os.path.realpath(self.server.docroot)
        if BUG == "dotdot":
            return os.path.join(root, path.lstrip("/"))
        if BUG == "decode-late" and any(s in (".", "..") for s in path.split("/")):
            raise Fail(400, close=False)
        raw = percent_decode(path)
        if raw is None or b"\0" in raw or (BUG != "decode-late" and re.search("%2[fF]", path)):
            raise Fail(400, close=False)
        segs = raw.split(b"/")
        if BUG != "decode-late" and any(s in (b".", b"..") for s in segs):
            raise Fail(400, close=False)
        joined = os.path.join(os.fsencode(root), *[s for s in segs if s])
        if BUG == "symlink":
            return os.path.abspath(joined)
        real = os.path.realpath(joined)
        inside = real.startswith(os.fsencode(root)) if BUG == "prefix" else \
            (real == os.fsencode(root) or real.startswith(os.fsencode(root) + b"/"))
        if not inside:
            raise Fail(404, close=False)
        return real

    def static(self, target, path, query, method):
        try:
            real = self.resolve(path)
        except Fail as f:
            if f.status == 404:
                return self.error(404, path)
            raise
        if path.endswith("/") and not os.path.isdir(real):
            return self.error(404, path)  # a file with a slash after it: ENOTDIR
        if os.path.isdir(real):
            if not path.endswith("/"):
                keep = "?" in target and BUG != "redirect-query"
                loc = path + "/" + ("?" + query if keep else "")
                loc = "http://localhost:8080" + loc if BUG == "fixed-host" else loc
                return self.error(301, headers=[("Location", loc)])
            real = os.path.join(real, b"index.html")
            if os.path.islink(real) and not os.path.realpath(real).startswith(
                    os.fsencode(os.path.realpath(self.server.docroot)) + b"/"):
                return self.error(404, path)
        try:  # O_NONBLOCK: opening a FIFO must not wait for a writer
            fd = os.open(real, os.O_RDONLY | os.O_NONBLOCK)
        except PermissionError:
            return self.error(404 if BUG == "forbidden-404" else 403)
        except OSError:
            return self.error(404, path)
        with open(fd, "rb") as f:
            st = os.fstat(fd)
            if not os.path.stat.S_ISREG(st.st_mode) and BUG != "no-isreg":
                return self.error(404, path)
            os.set_blocking(fd, True)
            self.file(f, os.fsdecode(real), st)

    def file(self, f, name, st):
        ext = name.rsplit(".", 1)[-1] if "." in os.path.basename(name) else ""
        ext = ext if BUG == "case-types" else ext.lower()
        ctype = TYPES.get(ext, "application/octet-stream")
        ctype = "text/plain; charset=utf-8" if BUG == "css-plain" and ext == "css" else ctype
        size, mtime = st.st_size, int(st.st_mtime)
        last = email.utils.formatdate(mtime, usegmt=True)
        headers = [("Content-Type", ctype), ("Last-Modified", last), ("Accept-Ranges", "bytes")]
        squeeze = ctype.split(";")[0] in COMPRESSIBLE
        if squeeze:
            headers.append(("Vary", "Accept-Encoding"))
        ims = self.fields.get("if-modified-since")
        if ims and valid_date(ims) and email.utils.parsedate_to_datetime(ims).timestamp() >= mtime:
            body = f.read() if BUG == "304-body" else b""
            return self.send(304, headers, body, len(body) if body else None)
        rng = self.fields.get("range") if not self.head_only else None
        span = parse_range(rng, size) if rng else None
        if span == "unsatisfiable" and BUG == "no-416":
            span = None
        if span == "unsatisfiable":
            return self.error(416, headers=[("Content-Range", f"bytes */{size}")])
        if span:
            a, b = span
            f.seek(a)
            headers.append(("Content-Range", f"bytes {a}-{b}/{size}"))
            return self.send(206, headers, f.read(b - a + 1))
        if squeeze and gzip_allowed(self.fields.get("accept-encoding", "")):
            data = f.read()
            packed = gzip.compress(data, mtime=0)
            headers.append(("Content-Encoding", "gzip"))
            return self.send(200, headers, packed,
                             len(data) if BUG == "gzip-length" else len(packed))
        length = size + 1 if BUG == "bad-length" else size
        if BUG == "whole-file":
            return self.send(200, headers, f.read(), length)
        self.send(200, headers, b"", length)
        if size > 0 and (not self.head_only or BUG == "head-body"):
            if BUG == "one-write" and isinstance(self.connection, ssl.SSLSocket):
                return self.connection.sendall(f.read(16384))  # a record's worth, the rest lost
            self.connection.sendfile(f, 0, size)  # a count of 0 is refused


def valid_date(s):
    try:
        return bool(re.fullmatch(r"[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT", s)
                    and email.utils.parsedate_to_datetime(s))
    except (TypeError, ValueError):
        return False


def parse_range(value, size):
    m = re.fullmatch(r"bytes=(\d+)-(\d*)|bytes=-(\d+)", value)
    if not m:
        return None
    if m.group(3) is not None:
        n = int(m.group(3))
        return "unsatisfiable" if n == 0 or size == 0 else (max(0, size - n), size - 1)
    a = int(m.group(1))
    b = int(m.group(2)) if m.group(2) else max(a, size - 1)
    if b < a:
        return None
    return "unsatisfiable" if a >= size else (a, min(b, size - 1))


def gzip_allowed(value):
    q = {}
    for item in value.split(","):
        coding, _, params = item.strip().partition(";")
        weight = 1.0
        m = re.search(r"q=([0-9.]+)", params)
        if m:
            try:
                weight = float(m.group(1))
            except ValueError:
                weight = 0.0
        if coding.strip():
            q[coding.strip().lower()] = weight
    for name in ("gzip", "x-gzip"):
        if name in q:
            return q[name] > 0 or BUG == "gzip-q0"
    return q.get("*", 0) > 0


def tls_context(cert, key, chain):
    """The server's TLS context: the leaf, its intermediates (--chain), its key."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    if BUG == "alpn-h2":
        ctx.set_alpn_protocols(["h2", "http/1.1"])
    with open(cert, "rb") as f:
        pem = f.read()
    if chain and BUG != "no-chain":
        with open(chain, "rb") as f:
            pem += b"\n" + f.read()
    with tempfile.NamedTemporaryFile(suffix=".pem") as both:  # load_cert_chain() takes one file
        both.write(pem)
        both.flush()
        ctx.load_cert_chain(both.name, key)
    return ctx


def serve_tls(cls, ctx):
    """cls whose accepted sockets speak TLS, each handshake in its handler."""
    class TLSServer(cls):
        def get_request(self):
            sock, addr = self.socket.accept()
            lazy = BUG != "handshake-in-accept"
            return ctx.wrap_socket(sock, server_side=True, do_handshake_on_connect=not lazy), addr

        def shutdown_request(self, request):
            if isinstance(request, ssl.SSLSocket) and BUG != "no-close-notify":
                try:
                    request.settimeout(1)
                    request.unwrap()  # close_notify, then the peer's
                except (ssl.SSLError, OSError, ValueError):
                    pass
            super().shutdown_request(request)
    return TLSServer


class PoolServer(ThreadingHTTPServer):
    """--strategy pool: at most `threads` connections served, 503 beyond."""

    threads, busy, count_lock = 16, 0, threading.Lock()

    def verify_request(self, request, client_address):
        with self.count_lock:
            full = self.busy >= self.threads
            self.busy += not full
        if full:
            page = b"<!DOCTYPE html>\n<html><body><h1>503 Service Unavailable</h1></body></html>\n"
            head = (f"HTTP/1.1 503 Service Unavailable\r\nDate: "
                    f"{email.utils.formatdate(usegmt=True)}\r\nServer: {Handler.server_version}"
                    f"\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {len(page)}"
                    "\r\nConnection: close\r\n\r\n")
            try:
                request.sendall(head.encode() + page)
            except OSError:
                pass
        return not full  # False: socketserver closes it

    def process_request_thread(self, request, client_address):
        try:
            super().process_request_thread(request, client_address)
        finally:
            if BUG != "pool-leak":
                with self.count_lock:
                    self.busy -= 1


USAGE = ("usage: http_server.py [--strategy thread|pool] [--threads N] "
         "[--cert FILE --key FILE [--chain FILE]] PORT DOCROOT "
         "(PORT 1..65535, N 1..1024, default 16)")


def usage_error(why):
    print(f"http_server.py: {why}\n{USAGE}", file=sys.stderr)
    sys.exit(2)


def parse_args(args):
    """(strategy, threads, port, docroot, tls files) from the command line, or exit 2."""
    args = args[1:] if args[:1] == ["http_server"] else args
    if args[:1] in (["--help"], ["-h"]):
        print(USAGE)
        sys.exit(0)
    strategy, threads, tls = "thread", 16, {}
    while args[:1] in (["--strategy"], ["--threads"], ["--cert"], ["--key"], ["--chain"]):
        opt, value, args = args[0], args[1] if len(args) > 1 else "", args[2:]
        if opt in ("--cert", "--key", "--chain") and value:
            tls[opt[2:]] = value
        elif opt == "--strategy" and value in ("thread", "pool"):
            strategy = value
        elif opt == "--threads" and value.isdigit() and 1 <= int(value) <= 1024:
            threads = int(value)
        else:
            usage_error(f"bad {opt} {value!r}")
    if tls and ("cert" not in tls or "key" not in tls):
        usage_error("--cert and --key go together")
    if len(args) != 2 or not args[0].isdigit() or not 0 < int(args[0]) < 65536:
        usage_error("PORT and DOCROOT expected")
    if not os.path.isdir(args[1]) and BUG != "docroot-unchecked":
        usage_error(f"DOCROOT {args[1]!r} is not a directory")
    return strategy, threads, int(args[0]), args[1], tls


def main():
    strategy, threads, port, docroot, tls = parse_args(sys.argv[1:])
    cls = HTTPServer if BUG == "iterative" else PoolServer if strategy == "pool" else \
        ThreadingHTTPServer
    if tls:
        try:
            cls = serve_tls(cls, tls_context(tls["cert"], tls["key"], tls.get("chain")))
        except (OSError, ssl.SSLError) as e:
            print(f"http_server.py: cannot serve HTTPS: {e}", file=sys.stderr)
            sys.exit(1)
    cls.allow_reuse_address = True
    cls.request_queue_size = 128
    cls.threads = threads
    server = cls(("127.0.0.1", port), Handler)
    server.docroot = docroot
    server.daemon_threads = False  # server_close() joins them: the answers in flight end
    def on_term(signo, frame):
        if BUG == "term-exit":
            os._exit(0)
        threading.Thread(target=STOP.stop, args=(server,)).start()
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    server.serve_forever(poll_interval=0.05)  # shutdown() waits for a turn of its loop
    server.server_close()


if __name__ == "__main__":
    main()
