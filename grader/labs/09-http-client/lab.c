/* lab.c - lab 09, an HTTP client: the list of checks. Each runs the
 * student's fetch with the arguments it needs against the grader's fake
 * HTTP server (peers/http.c), scripted in routes.c, and judges the run in
 * scenario.c; RULES.md says which check probes which rule of the guide. */
#include "lab09.h"

static const char *const steps[] = {
    "",
    "one GET",
    "framing the response",
    "methods and headers",
    "the output file",
    "redirects",
    "timeouts",
    "retries",
    "keep-alive",
    "cookies",
    "concurrent mode",
    "query parameters, uploads and progress",
    "HTTPS",
};

static const gr_check checks[] = {
    {.ck_name = "get-length",
     .ck_step = 1,
     .ck_kind = GR_CLIENT,
     .ck_points = 2,
     .ck_deadline_ms = 4000,
     .ck_summary =
         "a body framed by Content-Length is printed, and fetch ends without waiting for the close",
     .ck_hint = "Content-Length frames the body: read exactly that many bytes, then stop; the "
                "server may keep the connection open. In C: parse the header with strtoll(), then "
                "loop on read() until the count is reached. In Python: resp.read(length) on "
                "http.client, or sock.makefile('rb').read(length).",
     .ck_run = lab09_check_scenario,
     .ck_arg = &lab09_get_length},
    {.ck_name = "get-close",
     .ck_step = 1,
     .ck_kind = GR_CLIENT,
     .ck_points = 2,
     .ck_deadline_ms = 10000,
     .ck_summary = "a body with no Content-Length runs until the server closes, in pieces",
     .ck_hint = "With neither Content-Length nor chunked coding, the close ends the body. In C: "
                "read() until it returns 0, writing what each read gives. In Python: while chunk "
                ":= f.read(8192): out.write(chunk).",
     .ck_run = lab09_check_scenario,
     .ck_arg = &lab09_get_close},
    {.ck_name = "request-target",
     .ck_step = 1,
     .ck_kind = GR_CLIENT,
     .ck_points = 2,
     .ck_deadline_ms = 10000,
     .ck_summary =
         "the request line holds the path and the query, never the fragment, and Host is sent",
     .ck_hint = "A URL's fragment (#...) stays in the client; the request target is path?query, "
                "and HTTP/1.1 needs a Host header. In C: split the URL at '#' first, then '?'; "
                "write \"GET %s HTTP/1.1\\r\\nHost: %s\\r\\n\". In Python: "
                "urllib.parse.urlsplit(url) gives .path, .query and .fragment.",
     .ck_run = lab09_check_scenario,
     .ck_arg = &lab09_request_target},
    {.ck_name = "bad-url",
     .ck_step = 1,
     .ck_kind = GR_CLIENT,
     .ck_points = 2,
     .ck_deadline_ms = 10000,
     .ck_summary =
         "URLs that are not http, or have a bad host, port or byte, exit 3 naming the URL",
     .ck_hint = "Check the URL before connecting: scheme http, a host (an IPv6 literal in "
                "brackets), a port from 1 to 65535, no spaces. In C: parse by hand, "
                "inet_pton(AF_INET6) for [..], strtol() with an end pointer for the port; exit 3. "
                "In Python: urlsplit() and its .port, which raises ValueError out of range.",
     .ck_run = lab09_check_scenarios,
     .ck_arg = lab09_bad_url},
    {.ck_name = "ipv6-literal",
     .ck_step = 1,
     .ck_kind = GR_CLIENT,
     .ck_points = 2,
     .ck_deadline_ms = 10000,
     .ck_summary = "http://[::ffff:127.0.0.1]:PORT/: an IPv6 literal, connected to without its "
                   "brackets, and sent in Host with them",
     .ck_hint = "In a URL an IPv6 address is written in brackets, [::1], so that its colons are "
                "not taken for the port's; the brackets belong to the URL and to the Host "
                "header, not to the address. In C: copy what is between [ and ] to "
                "getaddrinfo() (AI_NUMERICHOST), and write Host: [addr]:port. In Python: "
                "urlsplit(url).hostname has no brackets; .netloc keeps them.",
     .ck_run = lab09_check_scenario,
     .ck_arg = &lab09_ipv6_literal},
    {.ck_name = "no-server",
     .ck_step = 1,
     .ck_kind = GR_CLIENT,
     .ck_points = 2,
     .ck_deadline_ms = 10000,
     .ck_summary = "a port where nothing listens exits 4, naming the URL",
     .ck_hint = "A refused connection is its own failure, not a crash nor a timeout. In C: "
                "connect() fails with ECONNREFUSED; print the URL and strerror(errno), exit 4. In "
                "Python: except ConnectionRefusedError as e.",
     .ck_run = lab09_check_scenario,
     .ck_arg = &lab09_no_server},
    {.ck_name = "chunked",
     .ck_step = 2,
     .ck_kind = GR_CLIENT,
     .ck_points = 2,
     .ck_deadline_ms = 4000,
     .ck_summary = "chunked bodies: hex sizes, extensions, trailers, split across reads",
     .ck_hint = "A chunk size is hexadecimal, may carry ;extensions, and the last chunk (0) is "
                "followed by trailer lines and an empty line. In C: strtoll(line, &end, 16), skip "
                "from ';' on, read that many bytes and the CRLF, then read lines until an empty "
                "one. In Python: int(line.split(b';')[0], 16).",
     .ck_run = lab09_check_scenario,
     .ck_arg = &lab09_chunked},
    {.ck_name = "interim-1xx",
     .ck_step = 2,
     .ck_kind = GR_CLIENT,
     .ck_points = 2,
     .ck_deadline_ms = 4000,
     .ck_summary = "1xx interim responses (100 Continue, 102) before the final one are skipped",
     .ck_hint =
         "A 1xx response is interim: its head ends, and the real response follows on the same "
         "connection. In C: loop: read a status line and headers; while the status is below 200, "
         "read the next. In Python: http.client does this for you; a raw socket client must loop.",
     .ck_run = lab09_check_scenario,
     .ck_arg = &lab09_interim},
    {.ck_name = "short-body",
     .ck_step = 2,
     .ck_kind = GR_CLIENT,
     .ck_points = 2,
     .ck_deadline_ms = 10000,
     .ck_summary = "a body cut short of its Content-Length is an error (exit 8), not a success",
     .ck_hint =
         "When the connection closes before Content-Length bytes arrived, the transfer failed. In "
         "C: read() returning 0 before the count is reached is an error; exit 8 and say how many "
         "bytes came. In Python: http.client raises IncompleteRead; requests can too.",
     .ck_run = lab09_check_scenario,
     .ck_arg = &lab09_short_body},
    {.ck_name = "long-body",
     .ck_step = 2,
     .ck_kind = GR_CLIENT,
     .ck_points = 2,
     .ck_deadline_ms = 4000,
     .ck_summary = "bytes after Content-Length are not part of the body",
     .ck_hint = "Content-Length says where the body ends; what follows is not the body. In C: "
                "never write more than the count left, even when read() returned more. In Python: "
                "f.read(length), not f.read().",
     .ck_run = lab09_check_scenario,
     .ck_arg = &lab09_long_body},
    {.ck_name = "malformed",
     .ck_step = 2,
     .ck_kind = GR_CLIENT,
     .ck_points = 2,
     .ck_deadline_ms = 15000,
     .ck_summary = "a malformed status line, header line, Content-Length or chunk size exits 8",
     .ck_hint = "A client must refuse a response it cannot frame: \"HTTP/1.x NNN\", \"Name: "
                "value\" lines, a Content-Length of digits (two must agree), hex chunk sizes. In "
                "C: check each byte and exit 8 naming what was wrong. In Python: http.client "
                "raises BadStatusLine or HTTPException.",
     .ck_run = lab09_check_scenarios,
     .ck_arg = lab09_malformed},
    {.ck_name = "head",
     .ck_step = 3,
     .ck_kind = GR_CLIENT,
     .ck_points = 2,
     .ck_deadline_ms = 4000,
     .ck_summary = "-I sends HEAD, and its response has no body whatever Content-Length says; -i "
                   "writes the head",
     .ck_hint = "A response to HEAD never has a body: its Content-Length describes the GET's. In "
                "C: after the head of a HEAD response (and of 204 and 304), stop reading. In "
                "Python: requests.head(url); http.client knows it from the method.",
     .ck_run = lab09_check_scenarios,
     .ck_arg = lab09_head},
    {.ck_name = "post-form",
     .ck_step = 3,
     .ck_kind = GR_CLIENT,
     .ck_points = 2,
     .ck_deadline_ms = 10000,
     .ck_summary = "-d sends a form POST with its Content-Type, Content-Length and body",
     .ck_hint = "A request body needs Content-Length (or chunked coding) so that the server knows "
                "where it ends. In C: \"POST ... \\r\\nContent-Type: "
                "application/x-www-form-urlencoded\\r\\nContent-Length: %zu\\r\\n\\r\\n\" then the "
                "bytes. In Python: requests.post(url, data={...}).",
     .ck_run = lab09_check_scenario,
     .ck_arg = &lab09_post_form},
    {.ck_name = "post-json",
     .ck_step = 3,
     .ck_kind = GR_CLIENT,
     .ck_points = 2,
     .ck_deadline_ms = 10000,
     .ck_summary = "--json sends a JSON POST with Content-Type: application/json",
     .ck_hint =
         "JSON is a body like any other, labelled application/json. In C: the same request as a "
         "form, with Content-Type: application/json. In Python: requests.post(url, json=obj).",
     .ck_run = lab09_check_scenario,
     .ck_arg = &lab09_post_json},
    {.ck_name = "headers",
     .ck_step = 3,
     .ck_kind = GR_CLIENT,
     .ck_points = 2,
     .ck_deadline_ms = 10000,
     .ck_summary = "-H adds a header, and replaces fetch's own of the same name",
     .ck_hint =
         "Extra headers go between the request line and the empty line; one of the same name as a "
         "default replaces it (names compare without case). In C: strncasecmp() on the name before "
         "writing a default. In Python: requests.get(url, headers={...}).",
     .ck_run = lab09_check_scenarios,
     .ck_arg = lab09_headers},
    {.ck_name = "header-crlf",
     .ck_step = 3,
     .ck_kind = GR_CLIENT,
     .ck_points = 2,
     .ck_deadline_ms = 10000,
     .ck_summary = "a -H value with CR or LF is refused (exit 2) and nothing is sent",
     .ck_hint =
         "A CR or LF in a header value would end the header and let the caller write others "
         "(header injection). In C: strpbrk(value, \"\\r\\n\") != NULL is a usage error, exit 2, "
         "before connecting. In Python: http.client raises ValueError for the same reason.",
     .ck_run = lab09_check_scenarios,
     .ck_arg = lab09_header_crlf},
    {.ck_name = "output-file",
     .ck_step = 4,
     .ck_kind = GR_CLIENT,
     .ck_points = 2,
     .ck_deadline_ms = 4000,
     .ck_summary = "-o FILE holds the body and nothing else is left beside it",
     .ck_hint = "-o writes the body to FILE instead of stdout. In C: write to a temporary file in "
                "FILE's directory (mkstemp()), then rename() it to FILE. In Python: "
                "tempfile.NamedTemporaryFile(dir=..., delete=False), then os.replace().",
     .ck_run = lab09_check_scenario,
     .ck_arg = &lab09_output_file},
    {.ck_name = "output-partial",
     .ck_step = 4,
     .ck_kind = GR_CLIENT,
     .ck_points = 2,
     .ck_deadline_ms = 10000,
     .ck_summary = "a failed transfer leaves no FILE, and no temporary file, behind",
     .ck_hint = "A partial file looks like a whole one. In C: write under a temporary name and "
                "rename() only after the whole body arrived; on failure unlink() the temporary. In "
                "Python: os.replace(tmp, path) at the end, os.unlink(tmp) in the except.",
     .ck_run = lab09_check_scenario,
     .ck_arg = &lab09_output_partial},
    {.ck_name = "http-fail",
     .ck_step = 4,
     .ck_kind = GR_CLIENT,
     .ck_points = 2,
     .ck_deadline_ms = 10000,
     .ck_summary = "with -f, a 404 exits 6 and prints no body",
     .ck_hint = "An HTTP error is a response like any other until the caller asks otherwise: with "
                "-f, a status of 400 or more is a failure. In C: compare the status before writing "
                "the body; exit 6. In Python: resp.raise_for_status().",
     .ck_run = lab09_check_scenario,
     .ck_arg = &lab09_fail},
    {.ck_name = "redirect-relative",
     .ck_step = 5,
     .ck_kind = GR_CLIENT,
     .ck_points = 3,
     .ck_deadline_ms = 10000,
     .ck_summary = "301 and 302 are followed, relative Locations resolved with . and .. segments",
     .ck_hint =
         "A Location may be relative: resolve it against the URL it came from (RFC 3986 section "
         "5), dot segments removed. In C: keep the base path up to its last '/', append, then "
         "remove \"./\" and \"x/../\". In Python: urllib.parse.urljoin(base, location).",
     .ck_run = lab09_check_scenario,
     .ck_arg = &lab09_redirect_relative},
    {.ck_name = "redirect-303",
     .ck_step = 5,
     .ck_kind = GR_CLIENT,
     .ck_points = 3,
     .ck_deadline_ms = 10000,
     .ck_summary = "a 303 after a POST is followed with GET and no body",
     .ck_hint = "303 See Other means: GET the other URL. In C: after 303 (and after 301 or 302 "
                "following a POST) set the method to GET and drop the body and its headers. In "
                "Python: requests does it in Session.rebuild_method().",
     .ck_run = lab09_check_scenario,
     .ck_arg = &lab09_redirect_303},
    {.ck_name = "redirect-307",
     .ck_step = 5,
     .ck_kind = GR_CLIENT,
     .ck_points = 2,
     .ck_deadline_ms = 10000,
     .ck_summary = "a 307 after a POST repeats the POST, body and all",
     .ck_hint = "307 and 308 keep the method and the body. In C: follow them with the same method, "
                "body, Content-Type and Content-Length. In Python: requests keeps them on 307/308.",
     .ck_run = lab09_check_scenario,
     .ck_arg = &lab09_redirect_307},
    {.ck_name = "redirect-loop",
     .ck_step = 5,
     .ck_kind = GR_CLIENT,
     .ck_points = 2,
     .ck_deadline_ms = 10000,
     .ck_summary = "a redirect loop is reported (exit 7) instead of followed forever",
     .ck_hint = "Redirects can loop. In C: remember the URLs (and methods) visited; one seen "
                "again, or more hops than --max-redirs, is exit 7. In Python: requests raises "
                "TooManyRedirects after 30.",
     .ck_run = lab09_check_scenario,
     .ck_arg = &lab09_redirect_loop},
    {.ck_name = "redirect-limit",
     .ck_step = 5,
     .ck_kind = GR_CLIENT,
     .ck_points = 2,
     .ck_deadline_ms = 10000,
     .ck_summary =
         "--max-redirs N follows N redirects and fails (exit 7) on the one after; --no-follow none",
     .ck_hint = "The hop limit counts redirects followed: N are allowed, the N+1th is an error. In "
                "C: count before following, not after. In Python: session.max_redirects = N.",
     .ck_run = lab09_check_scenarios,
     .ck_arg = lab09_redirect_limit},
    {.ck_name = "read-timeout",
     .ck_step = 6,
     .ck_kind = GR_CLIENT,
     .ck_points = 2,
     .ck_deadline_ms = 5000,
     .ck_summary = "a server that accepts and never answers: exit 5 after --read-timeout",
     .ck_hint =
         "A connection that succeeded can still go quiet forever. In C: setsockopt(SO_RCVTIMEO), "
         "and read() failing with EAGAIN is a timeout (or poll() with a timeout before each read); "
         "exit 5. In Python: socket.settimeout(s), requests.get(url, timeout=(connect, read)).",
     .ck_run = lab09_check_scenario,
     .ck_arg = &lab09_read_timeout},
    {.ck_name = "body-timeout",
     .ck_step = 6,
     .ck_kind = GR_CLIENT,
     .ck_points = 2,
     .ck_deadline_ms = 5000,
     .ck_summary = "a body that stalls midway times out (exit 5) and leaves no -o file",
     .ck_hint = "The read timeout applies to every wait, not only the first byte; and a timed-out "
                "transfer leaves no file. In C: the same SO_RCVTIMEO covers each read() of the "
                "body; unlink the temporary file. In Python: the timeout applies to each recv().",
     .ck_run = lab09_check_scenario,
     .ck_arg = &lab09_body_timeout},
    {.ck_name = "connect-timeout",
     .ck_step = 6,
     .ck_kind = GR_CLIENT,
     .ck_points = 2,
     .ck_deadline_ms = 6000,
     .ck_summary = "a port whose connects hang (its SYNs dropped): exit 5 after --connect-timeout",
     .ck_hint = "A connect to a host that drops SYNs (a firewall, a full accept queue) hangs "
                "for minutes while the kernel retries. In C: a non-blocking connect(), then "
                "poll() for POLLOUT with the time left, and getsockopt(SO_ERROR); poll() "
                "returning 0 is exit 5. In Python: socket.create_connection(addr, "
                "timeout=connect_timeout).",
     .ck_run = lab09_check_scenario,
     .ck_arg = &lab09_connect_timeout},
    {.ck_name = "retry-backoff",
     .ck_step = 7,
     .ck_kind = GR_CLIENT,
     .ck_points = 3,
     .ck_deadline_ms = 10000,
     .ck_summary = "503 twice, then 200: retried after --backoff, then twice as long, each retry "
                   "logged; only the last body written",
     .ck_hint = "Exponential backoff: wait backoff x 2^(k-1) before retry k, so that clients "
                "that all failed at once do not all come back at once. In C: nanosleep() for "
                "backoff_ms << (k - 1), and a line on stderr per retry; read the 503's body "
                "nowhere near stdout. In Python: time.sleep(backoff * 2 ** (k - 1)), as urllib3's "
                "Retry(total=5, backoff_factor=0.5) does.",
     .ck_run = lab09_check_scenario,
     .ck_arg = &lab09_retry_backoff},
    {.ck_name = "retry-after",
     .ck_step = 7,
     .ck_kind = GR_CLIENT,
     .ck_points = 2,
     .ck_deadline_ms = 10000,
     .ck_summary = "503 with Retry-After: 1 is retried after a second, not after --backoff",
     .ck_hint = "Retry-After (RFC 9110 section 10.2.3) is the server saying when to come back: "
                "seconds, or an HTTP date. In C: strtol() on the value, or strptime() with "
                "\"%a, %d %b %Y %H:%M:%S GMT\" and timegm(), and wait that long instead of the "
                "backoff. In Python: urllib3's Retry(respect_retry_after_header=True).",
     .ck_run = lab09_check_scenario,
     .ck_arg = &lab09_retry_after},
    {.ck_name = "retry-limit",
     .ck_step = 7,
     .ck_kind = GR_CLIENT,
     .ck_points = 2,
     .ck_deadline_ms = 10000,
     .ck_summary = "always 503: --retries N makes N + 1 tries, then the last response stands",
     .ck_hint = "--retries counts the tries after the first: --retries 2 is three requests, "
                "--retries 0 is one; when they are spent, the last response is the result (its "
                "body, or exit 6 with -f). In C: for (k = 0; ; k++) { try; if (k == retries || "
                "!retryable) break; wait; }. In Python: Retry(total=2).",
     .ck_run = lab09_check_scenarios,
     .ck_arg = lab09_retry_limit},
    {.ck_name = "retry-post",
     .ck_step = 7,
     .ck_kind = GR_CLIENT,
     .ck_points = 3,
     .ck_deadline_ms = 10000,
     .ck_summary = "a POST that reached the server is never sent again (dropped, or 503); a "
                   "dropped GET is",
     .ck_hint = "POST is not idempotent (RFC 9110 section 9.2.2): once its bytes left, the "
                "server may have acted on it, and sending it again may vote twice. Retry a POST "
                "only when it was never sent (the connection was refused); retry GET and HEAD "
                "when the connection dropped before a response. In C: a flag set once "
                "write() succeeded. In Python: urllib3's Retry(allowed_methods=...) leaves POST "
                "out.",
     .ck_run = lab09_check_scenarios,
     .ck_arg = lab09_retry_post},
    {.ck_name = "keep-alive",
     .ck_step = 8,
     .ck_kind = GR_CLIENT,
     .ck_points = 3,
     .ck_deadline_ms = 10000,
     .ck_summary = "four URLs on one host, bodies framed by length, chunks or none: one "
                   "connection",
     .ck_hint = "HTTP/1.1 connections persist unless a side says Connection: close (RFC 9112 "
                "section 9.3): after a response whose end fetch knows, the next request to the "
                "same host and port goes on the same connection. In C: keep the fd (and the "
                "reader with its buffer) instead of close(); send no Connection: close. In "
                "Python: requests.Session() or http.client.HTTPConnection reused.",
     .ck_run = lab09_check_scenario,
     .ck_arg = &lab09_keep_alive},
    {.ck_name = "keep-done",
     .ck_step = 8,
     .ck_kind = GR_CLIENT,
     .ck_points = 2,
     .ck_deadline_ms = 10000,
     .ck_summary = "Connection: close, HTTP/1.0 and a body ended by the close each end their "
                   "connection",
     .ck_hint = "A connection is reused only when both sides let it persist: not after "
                "Connection: close, not after an HTTP/1.0 response without Connection: "
                "keep-alive, not after a body that only the close could end. The grader held "
                "those connections open: a request sent on one is never answered. In C: look at "
                "the status line's version and the Connection header's tokens. In Python: "
                "http.client's will_close.",
     .ck_run = lab09_check_scenario,
     .ck_arg = &lab09_keep_done},
    {.ck_name = "keep-idle",
     .ck_step = 8,
     .ck_kind = GR_CLIENT,
     .ck_points = 2,
     .ck_deadline_ms = 10000,
     .ck_summary = "the server closes a kept connection as the next GET arrives: sent once more "
                   "on a new one",
     .ck_hint = "A server may close an idle connection at any time, even as a request is on its "
                "way; the client sees the close where the response should be. An idempotent "
                "request is then sent once more on a new connection (RFC 9112 section 9.3.1), "
                "whatever the retry policy says. In C: on EOF or ECONNRESET before any byte of "
                "the response on a reused fd, close it and try once on a new one. In Python: "
                "urllib3 does this for its pooled connections.",
     .ck_run = lab09_check_scenario,
     .ck_arg = &lab09_keep_idle},
    {.ck_name = "cookies",
     .ck_step = 9,
     .ck_kind = GR_CLIENT,
     .ck_points = 3,
     .ck_deadline_ms = 10000,
     .ck_summary = "cookies sent back only where Path and Domain match, never once expired",
     .ck_hint = "A cookie goes back only to the host that set it (or its Domain, when that "
                "matches), under its Path (RFC 6265 section 5.1.4: /account covers "
                "/account/page, not /accountant; with no Path, the directory of the URL that "
                "set it), and not after Max-Age or Expires (Max-Age wins). In C: keep "
                "name, value, domain, path and expiry per cookie; filter before each request. "
                "In Python: requests.Session() keeps a cookie jar that does this.",
     .ck_run = lab09_check_scenario,
     .ck_arg = &lab09_cookies},
    {.ck_name = "cookie-redirect",
     .ck_step = 9,
     .ck_kind = GR_CLIENT,
     .ck_points = 2,
     .ck_deadline_ms = 10000,
     .ck_summary = "a cookie set by a redirect is sent on the next hop; a new value replaces it",
     .ck_hint = "Every response can set cookies, a 302 too: a login usually redirects. Store "
                "Set-Cookie from each response before following it, and let a cookie of the "
                "same name, domain and path replace the old one. In C: store the cookies as "
                "soon as the head is read, before the redirect decision. In Python: "
                "requests.Session() does it across redirects.",
     .ck_run = lab09_check_scenario,
     .ck_arg = &lab09_cookie_redirect},
    {.ck_name = "parallel-overlap",
     .ck_step = 10,
     .ck_kind = GR_CLIENT,
     .ck_points = 3,
     .ck_deadline_ms = 10000,
     .ck_summary = "--parallel 4 and four slow servers: all four requests go out before the first "
                   "answer",
     .ck_hint = "Concurrent means every request is on its way before any answer is waited for: "
                "the run takes as long as the slowest server, not the sum. In C: non-blocking "
                "sockets, connect() giving EINPROGRESS, and one epoll_wait() loop that serves "
                "whichever socket is ready. In Python: asyncio.gather() of one coroutine per URL "
                "(aiohttp), never a for loop of requests.get().",
     .ck_run = lab09_check_parallel,
     .ck_arg = &lab09_parallel_overlap},
    {.ck_name = "parallel-order",
     .ck_step = 10,
     .ck_kind = GR_CLIENT,
     .ck_points = 2,
     .ck_deadline_ms = 10000,
     .ck_summary = "answers that finish in reverse order: the bodies still come out in URL order",
     .ck_hint = "The output is the bodies in the order of the URLs, whatever order they finish "
                "in: keep each body until those before it are written. In C: a buffer per URL "
                "(open_memstream()), written out from the first not yet written while it is "
                "done. In Python: asyncio.gather() returns results in the order of its "
                "arguments.",
     .ck_run = lab09_check_parallel,
     .ck_arg = &lab09_parallel_order},
    {.ck_name = "parallel-limit",
     .ck_step = 10,
     .ck_kind = GR_CLIENT,
     .ck_points = 2,
     .ck_deadline_ms = 10000,
     .ck_summary = "--parallel 2 with four URLs: two requests at a time, never more",
     .ck_hint = "--parallel N bounds the transfers in flight: start N, and one more each time "
                "one ends, as a server's accept loop bounds its clients. In C: a count of the "
                "running transfers, checked before starting the next. In Python: an "
                "asyncio.Semaphore(N) around each fetch.",
     .ck_run = lab09_check_parallel,
     .ck_arg = &lab09_parallel_limit},
    {.ck_name = "parallel-errors",
     .ck_step = 10,
     .ck_kind = GR_CLIENT,
     .ck_points = 2,
     .ck_deadline_ms = 10000,
     .ck_summary = "a refused URL and a malformed answer among good ones: the others are "
                   "fetched, each failure named, the first one's status",
     .ck_hint = "One failed transfer must not stop or spoil the others: each URL has its own "
                "state and its own outcome. In C: a failure closes that socket only; the exit "
                "status is the first failed URL's, in URL order, and each failure is a line on "
                "stderr. In Python: asyncio.gather(..., return_exceptions=True).",
     .ck_run = lab09_check_parallel,
     .ck_arg = &lab09_parallel_errors},
    {.ck_name = "parallel-timeout",
     .ck_step = 10,
     .ck_kind = GR_CLIENT,
     .ck_points = 2,
     .ck_deadline_ms = 6000,
     .ck_summary = "a silent server among fast ones: exit 5 after --read-timeout, the others' "
                   "bodies written",
     .ck_hint = "With one thread and many sockets, SO_RCVTIMEO no longer helps: each transfer "
                "keeps its own deadline, and the loop's wait ends at the nearest one. In C: "
                "epoll_wait() with the time to the nearest deadline; then fail the transfers "
                "past theirs. In Python: asyncio.wait_for(fetch(url), timeout).",
     .ck_run = lab09_check_parallel,
     .ck_arg = &lab09_parallel_timeout},
    {.ck_name = "query",
     .ck_step = 11,
     .ck_kind = GR_CLIENT,
     .ck_points = 2,
     .ck_deadline_ms = 10000,
     .ck_summary = "--query pairs appended to the URL's query, encoded so that '&', '=', '+', "
                   "spaces and UTF-8 decode back as given",
     .ck_hint =
         "A query parameter must be percent-encoded, or its '&', '=' or '+' would split "
         "or change it, and bytes beyond ASCII are not allowed in a request line. In "
         "C: keep letters, digits and -._~, write a space as '+', every other byte as "
         "%XX (snprintf(hex, 4, \"%%%02X\", c)); join pairs with '&' after the URL's own query. "
         "In Python: urllib.parse.urlencode(), or requests' params=.",
     .ck_run = lab09_check_scenarios,
     .ck_arg = lab09_query},
    {.ck_name = "multipart",
     .ck_step = 11,
     .ck_kind = GR_CLIENT,
     .ck_points = 3,
     .ck_deadline_ms = 10000,
     .ck_summary = "-F name=value -F file=@upload.bin: a multipart/form-data body that parses "
                   "back to the value and the file's exact bytes",
     .ck_hint = "multipart/form-data (RFC 7578) puts each field between boundary lines, so the "
                "boundary must appear in no field: pick it at random (and check), never a fixed "
                "word; and a file is bytes, NULs and CRLFs included. In C: getrandom() for the "
                "boundary, fread() the file in binary, fwrite() it with its length, never "
                "strlen(). In Python: requests.post(url, files={\"file\": open(p, \"rb\")}).",
     .ck_run = lab09_check_scenario,
     .ck_arg = &lab09_multipart},
    {.ck_name = "quiet-pipe",
     .ck_step = 11,
     .ck_kind = GR_CLIENT,
     .ck_points = 1,
     .ck_deadline_ms = 10000,
     .ck_summary = "a 256 KiB download to -o with stderr on a pipe: the file, and no progress bar",
     .ck_hint = "A progress bar is for a person at a terminal; on a pipe or in a log it is "
                "noise ('\\r' and partial lines). In C: draw it only when isatty(STDERR_FILENO). "
                "In Python: sys.stderr.isatty(), as tqdm and pip do.",
     .ck_run = lab09_check_quiet,
     .ck_arg = NULL},

    {.ck_name = "https-get",
     .ck_step = 12,
     .ck_kind = GR_CLIENT,
     .ck_points = 2,
     .ck_deadline_ms = 15000,
     .ck_summary = "https:// with --cacert (the root alone): the chain verified by name and by IP "
                   "address, a body to the close_notify, two requests on one TLS connection",
     .ck_hint = "HTTPS is HTTP inside TLS: connect, then the handshake, then the same bytes "
                "through the session. In C: sl_tls_client_ctx(--cacert) once, "
                "sl_xport_tls_client() per connection (SNI and the name checked), reads and "
                "writes through the transport. In Python: "
                "ssl.create_default_context(cafile=...).wrap_socket(sock, server_hostname=host).",
     .ck_run = lab09_check_scenarios,
     .ck_arg = lab09_https_get},
    {.ck_name = "https-refused",
     .ck_step = 12,
     .ck_kind = GR_CLIENT,
     .ck_points = 2,
     .ck_deadline_ms = 15000,
     .ck_summary = "an expired, a wrong-name, a self-signed, an untrusted and an incomplete chain "
                   "each refused (exit 9) before a byte of the request goes",
     .ck_hint = "Verification is the point of TLS: without it anyone in the middle can answer. "
                "In C: SSL_VERIFY_PEER and SSL_set1_host() (or "
                "X509_VERIFY_PARAM_set1_ip_asc() for an address), and the handshake's outcome "
                "looked at before sending. In Python: never CERT_NONE nor check_hostname = "
                "False.",
     .ck_run = lab09_check_scenarios,
     .ck_arg = lab09_https_refused},
    {.ck_name = "https-truncated",
     .ck_step = 12,
     .ck_kind = GR_CLIENT,
     .ck_points = 1,
     .ck_deadline_ms = 10000,
     .ck_summary = "a body delimited by the close, cut without close_notify: exit 9, and no "
                   "output file",
     .ck_hint = "Over TLS the close is not the end: only close_notify is. A stream cut without "
                "it may be an attacker's cut. In C: SSL_read() failing with "
                "SSL_R_UNEXPECTED_EOF_WHILE_READING is an error, not EOF (and no "
                "SSL_OP_IGNORE_UNEXPECTED_EOF). In Python: clear ssl.OP_IGNORE_UNEXPECTED_EOF "
                "from the context's options (some builds set it by default), and "
                "wrap_socket(..., suppress_ragged_eofs=False).",
     .ck_run = lab09_check_scenario,
     .ck_arg = &lab09_https_truncated},
};

const gr_lab gr_lab09 = {
    .lab_id = "09",
    .lab_name = "http-client",
    .lab_title = "an HTTP client",
    .lab_server_cmd = NULL,
    .lab_client_cmd = "./fetch",
    .lab_steps = steps,
    .lab_nsteps = sizeof steps / sizeof steps[0] - 1,
    .lab_checks = checks,
    .lab_nchecks = sizeof checks / sizeof checks[0],
};
