#!/usr/bin/env python3
"""bug_fetch.py - lab 09's buggy clients: a small fetch on raw sockets with
the lab's command line, right but for the one bug that BUG names:

  until-close    reads the body until the close, ignoring Content-Length
  chunk-decimal  takes a chunk size for a decimal number
  post-303       follows a 303 with the same method and body
  no-timeout     waits for the server as long as it takes
  partial-file   writes -o FILE in place, and leaves it when the body fails
  no-backoff     retries at once, with no wait between tries
  ignore-retry-after  waits the backoff whatever Retry-After says
  retry-off-by-one    makes --retries tries in all, one too few
  retry-post     retries a POST that reached the server
  conn-per-request    opens a new connection for every request
  reuse-always   reuses a connection after Connection: close or HTTP/1.0
  reuse-no-retry takes a kept connection the server closed for a failure
  cookie-any-path     sends every cookie to every path and domain
  cookie-redirect-lost  keeps no cookie from a redirect's response
  sequential     --parallel fetches the URLs one after another
  no-limit       --parallel starts every URL at once, whatever N says
  arrival-order  --parallel writes each body as it arrives
  parallel-stop  --parallel ends the run at the first failed URL
  parallel-no-timeout  --parallel waits for a silent server for ever
  no-connect-timeout  waits for a connect as long as the kernel does
  ipv6-brackets  looks up an IPv6 literal with its brackets on
  query-raw      appends --query pairs to the URL as they are, unencoded
  fixed-boundary builds -F bodies with the boundary "boundary"
  progress-always  draws a progress bar on stderr, terminal or not
  verify-off     https: CERT_NONE and no host name check (a line left commented in)
  no-hostname    https: the chain verified, the host name not (check_hostname = False)
  ragged-ok      https: a stream cut without close_notify taken as the end of the body

Each is caught by the check meant for it (selftest.c says which)."""
import argparse, io, os, select, socket, ssl, sys, threading, time, uuid
from urllib.parse import quote_plus
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

BUG = os.environ.get("BUG", "")
POOL = {}  # (host, port) -> (socket, reader): the connection kept alive
JAR = {}  # (name, domain, path) -> (value, host_only, expiry or None)


def store_cookie(u, text):
    pair, *attrs = [p.strip() for p in text.split(";")]
    name, eq, value = pair.partition("=")
    if not eq or not name.strip():
        return
    path = u.path.rsplit("/", 1)[0] if u.path.count("/") > 1 else "/"
    domain, host_only, expiry, max_age = u.hostname.lower(), True, None, None
    for a in attrs:
        k, _, v = a.partition("=")
        k = k.strip().lower()
        if k == "path" and v.startswith("/"):
            path = v
        elif k == "domain" and v:
            domain, host_only = v.lstrip(".").lower(), False
            if u.hostname.lower() != domain and not u.hostname.lower().endswith("." + domain):
                return
        elif k == "max-age" and v.lstrip("-").isdigit():
            max_age = time.time() + int(v)
        elif k == "expires":
            try:
                expiry = parsedate_to_datetime(v).timestamp()
            except (TypeError, ValueError):
                pass
    expiry = max_age if max_age is not None else expiry
    JAR.pop((name.strip(), domain, path), None)
    if expiry is None or expiry > time.time():
        JAR[(name.strip(), domain, path)] = (value.strip(), host_only, expiry)


def cookie_header(u):
    host, rp, sent = u.hostname.lower(), u.path or "/", []
    for (name, domain, path), (value, host_only, expiry) in JAR.items():
        dom_ok = host == domain or (not host_only and host.endswith("." + domain))
        path_ok = rp == path or (rp.startswith(path) and (path.endswith("/") or rp[len(path)] == "/"))
        if BUG == "cookie-any-path" or (dom_ok and path_ok):
            sent.append(f"{name}={value}")
    return "; ".join(sent)


class Failure(Exception):
    def __init__(self, status, text, sent=False, permanent=False):
        super().__init__(text)
        self.status = status
        self.sent = sent
        self.permanent = permanent  # an unknown host: not retried


def tls_context(args):
    """https: the roots of --cacert (or the system's), the name checked."""
    if getattr(args, "tls", None) is None:
        args.tls = ssl.create_default_context(cafile=args.cacert)
        args.tls.minimum_version = ssl.TLSVersion.TLSv1_2
        if BUG != "ragged-ok":  # some builds (Debian's 3.11) set it: a cut would read as the end
            args.tls.options &= ~getattr(ssl, "OP_IGNORE_UNEXPECTED_EOF", 0)
        if BUG in ("verify-off", "no-hostname"):
            args.tls.check_hostname = False
        if BUG == "verify-off":
            args.tls.verify_mode = ssl.CERT_NONE
    return args.tls


def start_tls(args, s, host):
    try:
        return tls_context(args).wrap_socket(s, server_hostname=host,
                                             suppress_ragged_eofs=BUG == "ragged-ok")
    except (ssl.SSLError, ssl.CertificateError) as e:
        s.close()
        raise Failure(9, f"TLS: {e}", permanent=True)
    except socket.timeout:
        s.close()
        raise Failure(5, "the TLS handshake timed out")


def connect(args, host, port, tls=False):
    """A kept connection to host:port that is still open, or a new one."""
    kept = POOL.pop((host, port, tls), None)
    if kept is not None and BUG != "conn-per-request":
        if BUG == "reuse-always" or not select.select([kept[0]], [], [], 0)[0]:
            return kept[0], kept[1], True
    if kept is not None:
        kept[0].close()
    try:
        s = socket.create_connection(
            (host, port), timeout=None if BUG == "no-connect-timeout" else args.connect_timeout)
    except socket.timeout:
        raise Failure(5, "connect timed out")
    except socket.gaierror as e:
        raise Failure(4, f"cannot resolve {host}: {e}", permanent=True)
    except OSError as e:
        raise Failure(4, str(e))
    if tls:
        s = start_tls(args, s, host)
    return s, s.makefile("rb"), False


def keeps(raw, headers, method, status):
    if BUG == "reuse-always":
        return True
    framed = (method == "HEAD" or status in (204, 304) or "content-length" in headers
              or headers.get("transfer-encoding", "").lower() == "chunked")
    options = [o.strip().lower() for o in headers.get("connection", "").split(",")]
    return raw.startswith(b"HTTP/1.1") and "close" not in options and framed


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
        data = b""
        while len(data) < n:
            piece = f.read1(min(65536, n - len(data)))
            if not piece:
                break
            data += piece
            if BUG == "progress-always":
                sys.stderr.write(f"\r{100 * len(data) // n:3d}%")
        out.write(data)
        if len(data) < n:
            raise Failure(8, "body cut short")
    else:
        out.write(f.read())


def add_query(url, params):
    if not params:
        return url
    base, hash_, frag = url.partition("#")
    enc = (lambda s: s) if BUG == "query-raw" else quote_plus
    pairs = "&".join(f"{enc(k)}={enc(v)}" for k, _, v in (p.partition("=") for p in params))
    return base + ("&" if "?" in base else "?") + pairs


def multipart(fields):
    """-F name=value and name=@file fields, as a multipart/form-data body."""
    parts, data = [], []
    for f in fields:
        name, _, value = f.partition("=")
        if value.startswith("@"):
            with open(value[1:], "rb") as fp:
                data.append((name, os.path.basename(value[1:]), fp.read()))
        else:
            data.append((name, None, value.encode()))
    b = "boundary" if BUG == "fixed-boundary" else "py-" + uuid.uuid4().hex
    for name, filename, content in data:
        head = f'--{b}\r\nContent-Disposition: form-data; name="{name}"'
        if filename is not None:
            head += f'; filename="{filename}"\r\nContent-Type: application/octet-stream'
        parts.append(head.encode() + b"\r\n\r\n" + content + b"\r\n")
    return b"".join(parts) + f"--{b}--\r\n".encode(), f"multipart/form-data; boundary={b}"


def parse_url(url):
    try:
        u = urlsplit(url)
        if u.scheme not in ("http", "https") or not u.hostname:
            raise Failure(3, "bad URL")
        port = u.port or (443 if u.scheme == "https" else 80)
    except ValueError:
        raise Failure(3, "bad port")
    if " " in url:
        raise Failure(3, "space in URL")
    return u, port


def exchange(args, u, port, method, body):
    """Send the request and read the head, on a kept connection if there is
    one (a GET sent once more on a new one when the server had closed it)."""
    target = (u.path or "/") + ("?" + u.query if u.query else "")
    lines = [f"{method} {target} HTTP/1.1", f"Host: {u.netloc}"]
    names = {h.split(":")[0].lower() for h in args.header}
    if "accept" not in names:
        lines.append("Accept: */*")
    lines += args.header
    if cookie_header(u):
        lines.append(f"Cookie: {cookie_header(u)}")
    if body is not None:
        lines += [f"Content-Type: {args.ctype}", f"Content-Length: {len(body)}"]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")
    while True:
        host = u.netloc.rsplit(":", 1)[0] if BUG == "ipv6-brackets" else u.hostname
        s, f, reused = connect(args, host, port, u.scheme == "https")
        s.settimeout(None if BUG == "no-timeout" else args.read_timeout)
        try:
            s.sendall(request)
            return s, f, read_head(f)
        except socket.timeout:
            s.close()
            raise Failure(5, "timed out", sent=True)
        except (OSError, Failure) as e:
            s.close()
            lost = isinstance(e, OSError) or str(e) == "no status line"
            if not lost:
                raise
            if not reused or method == "POST" or BUG == "reuse-no-retry":
                raise Failure(4, "the connection closed before a response", sent=True)


def request(args, url, method, body, out, may_retry):
    u, port = parse_url(url)
    s, f, (status, headers, raw) = exchange(args, u, port, method, body)
    redirect = status in (301, 302, 303, 307, 308)
    for line in raw.decode("latin-1").split("\r\n"):
        if line.lower().startswith("set-cookie:") and not (redirect and BUG == "cookie-redirect-lost"):
            store_cookie(u, line.split(":", 1)[1])
    try:
        if may_retry and status in (500, 502, 503, 504):
            after = headers.get("retry-after", "")
            return "retry", status, float(after) if after.isdigit() else None
        if args.follow and status in (301, 302, 303, 307, 308) and "location" in headers:
            return status, urljoin(url, headers["location"]), None
        if args.fail and status >= 400:
            raise Failure(6, f"HTTP {status}")
        if args.include:
            out.write(raw)
        if method != "HEAD" and status not in (204, 304):
            read_body(f, headers, out)
        if keeps(raw, headers, method, status):
            POOL[(u.hostname, port, u.scheme == "https")] = (s, f)
            s = None
        return status, None, None
    except socket.timeout:
        raise Failure(5, "timed out")
    except ssl.SSLError as e:
        raise Failure(9, f"TLS: {e}")
    finally:
        if s is not None:
            s.close()


def with_retries(args, url, method, body, out):
    """request(), tried again on a lost connection or a 5xx, as --retries says."""
    k = 0
    while True:
        tries_left = k < args.retries - (1 if BUG == "retry-off-by-one" else 0)
        post_ok = method != "POST" or BUG == "retry-post"
        backoff = 0 if BUG == "no-backoff" else args.backoff * 2 ** k
        try:
            status, location, after = request(args, url, method, body, out,
                                              tries_left and post_ok)
            if status != "retry":
                return status, location
            why = f"status {location}"
            wait = after if after is not None and BUG != "ignore-retry-after" else backoff
        except Failure as e:
            if e.status != 4 or e.permanent or not tries_left or (e.sent and not post_ok):
                raise
            why, wait = str(e), backoff
        k += 1
        print(f"fetch: {url}: {why}; retry {k} of {args.retries} in {wait:.1f} s",
              file=sys.stderr)
        time.sleep(wait)


def fetch(args, url, out):
    method = "HEAD" if args.head else "POST" if args.body is not None else "GET"
    body, seen = args.body, set()
    for _ in range(args.max_redirs + 1):
        if (url, method) in seen:
            raise Failure(7, "redirect loop")
        seen.add((url, method))
        status, location = with_retries(args, url, method, body, out)
        if location is None:
            return
        if BUG != "post-303" and (status == 303 or (status in (301, 302) and method == "POST")):
            method, body = ("HEAD" if method == "HEAD" else "GET"), None
        url = location
    raise Failure(7, "too many redirects")


def parallel(args):
    """Each URL on a thread of its own (the lab asks for one thread and
    epoll; the grader sees only the requests), at most --parallel at once."""
    results, lock = [None] * len(args.urls), threading.Lock()
    width = 1 if BUG == "sequential" else len(args.urls) if BUG == "no-limit" else args.parallel
    gate = threading.Semaphore(width)
    args.follow, args.retries = False, 0
    if BUG == "parallel-no-timeout":
        args.read_timeout = None

    def one(i, url):
        with gate:
            out = io.BytesIO()
            try:
                with lock:  # the jar and the pool are shared
                    POOL.clear()
                fetch(args, url, out)
                results[i] = (0, out.getvalue(), "")
            except Failure as e:
                results[i] = (e.status, b"", f"fetch: {url}: {e}")
            if BUG == "arrival-order" and results[i][0] == 0:
                sys.stdout.buffer.write(results[i][1])
                sys.stdout.flush()

    threads = [threading.Thread(target=one, args=(i, u)) for i, u in enumerate(args.urls)]
    for t in threads:
        t.start()
        if BUG == "sequential":
            t.join()
    for t in threads:
        t.join()
    status = 0
    for code, body, err in results:
        if BUG != "arrival-order":
            sys.stdout.buffer.write(body)
        if err:
            print(err, file=sys.stderr)
        if err and BUG == "parallel-stop":
            sys.exit(code)
        status = status or code
    sys.exit(status)


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
    p.add_argument("--retries", type=int, default=5)
    p.add_argument("--backoff", type=float, default=0.5)
    p.add_argument("-Z", "--parallel", type=int, default=0)
    p.add_argument("--query", action="append", default=[])
    p.add_argument("-F", "--form", action="append", default=[])
    p.add_argument("--cacert")
    p.add_argument("urls", nargs="+")
    args = p.parse_args()
    if any("\r" in h or "\n" in h for h in args.header):
        p.error("CR or LF in a header")
    args.body = (args.data or args.json or "").encode() if (args.data or args.json) else None
    args.ctype = "application/json" if args.json else "application/x-www-form-urlencoded"
    if any("=" not in q or q.startswith("=") for q in args.query):
        p.error("--query needs NAME=VALUE")
    if args.form:
        args.body, args.ctype = multipart(args.form)
    args.urls = [add_query(u, args.query) for u in args.urls]
    url = args.urls[0]
    if args.parallel:
        parallel(args)
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
