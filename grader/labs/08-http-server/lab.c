/* lab.c - checks for Lab 08, an HTTP/1.1 server: static files, a small
 * JSON API, persistence, limits and slow clients.
 *
 * Every check is black-box and comes from the contract the guide states
 * (RULES.md lists each rule with its probes): the server is started as
 * `http_server PORT DOCROOT` on a document root the grader fills
 * (docroot.c), and any server in any language is graded with --server
 * 'CMD {port} {docroot}', or 'CMD {args}' for the pool check's options too
 * (--strategy pool --threads 2). The api-* checks run the parser's CUnit suites
 * (api/test_http_parser.c) built against the submission. */
#include "lab08.h"

static const char *const steps[] = {
    "",
    "the request parser",
    "one static file",
    "errors and limits",
    "safe paths, index.html and 301",
    "persistence and pipelining",
    "bodies, chunked, 411/413 and the API",
    "timeouts and concurrency",
    "conditional requests and gzip",
    "ranges",
    "HTTPS",
};

#define API_DEADLINE_MS 60000
#define API_SUITE(NAME)                                                                            \
    {                                                                                              \
        "test_http_parser", "api-" NAME                                                            \
    }
static const gr_unit_suite api_valid = API_SUITE("parse-valid");
static const gr_unit_suite api_malformed = API_SUITE("parse-malformed");
static const gr_unit_suite api_split = API_SUITE("parse-split");
static const gr_unit_suite api_limits = API_SUITE("parse-limits");
static const gr_unit_suite api_chunked = API_SUITE("chunked");
static const gr_unit_suite api_fields = API_SUITE("fields");

#define API_CHECK(NAME, ARG, SUMMARY, HINT)                                                        \
    {                                                                                              \
        .ck_name = NAME, .ck_step = 1, .ck_kind = GR_SOURCE, .ck_points = 1,                       \
        .ck_deadline_ms = API_DEADLINE_MS, .ck_summary = SUMMARY, .ck_hint = HINT,                 \
        .ck_run = gr_check_unit_suite, .ck_arg = &(ARG)                                            \
    }

#define HINT_PARSER                                                                                \
    "The parser is a function of bytes, not of sockets: given what has arrived, it says "          \
    "'complete', 'need more' or 'malformed', and never reads past its buffer. In C: "              \
    "http_parse_request() over (buf, len), restartable, no allocation. In Python: "                \
    "http.server's parse_request() reads from rfile; here the bytes are handed in."

/* DOCROOT is an existing directory: a file, a missing path or a FIFO is a
 * usage error; another directory is served. */
static const gr_docroot_probe docroot_probes[] = {
    {"hello.txt", GR_START_USAGE, "DOCROOT a regular file"},
    {"nothing-here", GR_START_USAGE, "DOCROOT a path that does not exist"},
    {"fifo", GR_START_USAGE, "DOCROOT a FIFO"},
    {"dir", GR_START_LISTENS, "DOCROOT another directory (dir/ under the document root)"},
};
static const gr_start_rules start_rules = {
    .sr_docroots = docroot_probes,
    .sr_ndocroots = sizeof docroot_probes / sizeof docroot_probes[0],
};

/* The pool strategy with two threads: the third connection is beyond it. */
static const gr_program pool_of_two = {"./http_server --strategy pool --threads 2 {port} {docroot}",
                                       NULL};

/* HTTPS (step 10): the test CA's leaf, its key and its intermediate, from
 * the folder beside the document root (kit/ca_run.h). */
#define TLS_FILES "{docroot}/../" LAB08_TLS_DIR
static const gr_program https_server = {
    "./http_server --cert " TLS_FILES "/server.pem --key " TLS_FILES
    "/server.key --chain " TLS_FILES "/intermediate.pem {port} {docroot}",
    NULL};

#define HINT_HTTPS                                                                                 \
    "HTTPS is the same server with TLS between the socket and HTTP: every byte goes through "      \
    "the TLS session, and the session's \"try again\" (WANT_READ, WANT_WRITE) is the socket's "    \
    "EAGAIN. In C: the transport table of xport.h, sl_xport_tls_server() per connection. In "      \
    "Python: ssl.SSLContext.wrap_socket(sock, server_side=True)."

static const char set_malformed[] = "malformed";
static const char set_methods[] = "methods";
static const char set_framing[] = "framing";

static const gr_check checks[] = {
    API_CHECK("api-parse-valid", api_valid, "the parser: valid requests, every part read back",
              HINT_PARSER),
    API_CHECK("api-parse-malformed", api_malformed, "the parser: every malformed case refused",
              HINT_PARSER),
    API_CHECK("api-parse-split", api_split, "the parser: requests split at every byte",
              HINT_PARSER),
    API_CHECK("api-parse-limits", api_limits, "the parser: the target and header limits",
              HINT_PARSER),
    API_CHECK("api-chunked", api_chunked, "the parser: chunked bodies decoded and refused",
              HINT_PARSER),
    API_CHECK("api-fields", api_fields, "the parser: field lookup and values", HINT_PARSER),

    {.ck_name = "start-errors",
     .ck_step = 2,
     .ck_points = 2,
     .ck_summary = GR_START_ERRORS_SUMMARY,
     GR_START_ERRORS_CHECK,
     .ck_arg = &start_rules},
    {.ck_name = "static-get",
     .ck_step = 2,
     .ck_points = 3,
     .ck_deadline_ms = 10000,
     .ck_summary = "GET a file: 200, its bytes, Content-Length, Content-Type, Last-Modified, Date, "
                   "Server",
     .ck_hint = "A response is a status line, fields, an empty line, then exactly "
                "Content-Length bytes. In C: fstat() for the size and mtime, write the head, then "
                "sendfile() the file. In Python: self.send_response(200), send_header(...) for "
                "each field, end_headers(), then the bytes.",
     .ck_run = lab08_check_static_get},
    {.ck_name = "static-head",
     .ck_step = 2,
     .ck_points = 2,
     .ck_deadline_ms = 10000,
     .ck_summary = "HEAD: the fields GET sends, Content-Length included, and no body",
     .ck_hint = "HEAD is GET without the body. In C: the same head, and no sendfile() for "
                "HEAD. In Python: do_HEAD sends the headers only.",
     .ck_run = lab08_check_static_head},
    {.ck_name = "static-types",
     .ck_step = 2,
     .ck_points = 2,
     .ck_deadline_ms = 10000,
     .ck_summary = "Content-Type by extension, case-insensitive, as the guide's table says",
     .ck_hint = "The type comes from the extension after the last dot, compared without case. "
                "In C: strrchr(name, '.') and strcasecmp() over a table. In Python: a dict "
                "looked up with ext.lower() (mimetypes guesses differently).",
     .ck_run = lab08_check_static_types},
    {.ck_name = "not-found",
     .ck_step = 2,
     .ck_points = 2,
     .ck_deadline_ms = 10000,
     .ck_summary = "404 with an HTML body for a missing file, a FIFO, a file with a slash after it",
     .ck_hint = "Only regular files are served: open() then fstat() and S_ISREG(); anything "
                "else is 404 with a small text/html page. In Python: os.path.isfile() and "
                "send_error(404).",
     .ck_run = lab08_check_not_found},

    {.ck_name = "malformed",
     .ck_step = 3,
     .ck_points = 3,
     .ck_deadline_ms = 15000,
     .ck_summary = "malformed request lines and fields (h1spec-style) get 400 and a close; "
                   "versions 2.0, 0.9, 3.0 get 505; the edges just inside are served",
     .ck_hint = "Refuse what the grammar does not allow, and close: a server that guesses "
                "reads the next request from the wrong byte. In C: check each byte of the "
                "request line and of each field against tchar, SP and the version's digits; "
                "on error send 400 with Connection: close and close(). In Python: "
                "re.fullmatch() on the line, then close_connection = True.",
     .ck_run = lab08_check_probes,
     .ck_arg = set_malformed},
    {.ck_name = "methods",
     .ck_step = 3,
     .ck_points = 3,
     .ck_deadline_ms = 10000,
     .ck_summary = "unknown methods (PUT, get, BREW) get 501; POST on a file gets 405",
     .ck_hint = "Methods are case-sensitive tokens: GET, HEAD, POST are implemented, any other "
                "is 501; a known method a resource does not take is 405 with Allow. In C: "
                "strcmp() on the method. In Python: no do_PUT means 501.",
     .ck_run = lab08_check_probes,
     .ck_arg = set_methods},
    {.ck_name = "uri-limit",
     .ck_step = 3,
     .ck_points = 2,
     .ck_deadline_ms = 10000,
     .ck_summary = "a target of 8000 bytes is served, 8001 gets 414 and a close",
     .ck_hint = "Limits protect the server: a target of 8001 bytes or more is 414. In C: count "
                "the target's bytes as they are parsed. In Python: len(path) > 8000.",
     .ck_run = lab08_check_uri_limit},
    {.ck_name = "header-limits",
     .ck_step = 3,
     .ck_points = 2,
     .ck_deadline_ms = 10000,
     .ck_summary = "16384 bytes and 100 fields are served; 16385 bytes or 101 fields get 431",
     .ck_hint = "The field lines (each with its CRLF) may total 16384 bytes and 100 fields; "
                "more is 431. In C: add each line's length to a counter as it is parsed. In "
                "Python: count while reading lines from rfile.",
     .ck_run = lab08_check_header_limits},

    {.ck_name = "index",
     .ck_step = 4,
     .ck_points = 3,
     .ck_deadline_ms = 10000,
     .ck_summary = "/ and /dir/ serve index.html; /dir gets 301 to /dir/ (query kept); %20 and "
                   "// are decoded",
     .ck_hint = "A directory is served by its index.html; without its slash it is a 301 to the "
                "path with one. In C: S_ISDIR() after stat(), then Location: path + \"/\". In "
                "Python: os.path.isdir(), send_response(301), send_header('Location', ...).",
     .ck_run = lab08_check_index},
    {.ck_name = "traversal",
     .ck_step = 4,
     .ck_points = 4,
     .ck_deadline_ms = 15000,
     .ck_summary = "'..' in many encodings, %2f, NUL and bad escapes get 400; never a byte from "
                   "outside DOCROOT",
     .ck_hint = "Decode first, then judge the path: '..' written as %2e%2e is still '..'. In C: "
                "percent-decode into a buffer, refuse %00 and %2f, split on '/', refuse \".\" "
                "and \"..\". In Python: urllib.parse.unquote(), then the same checks.",
     .ck_run = lab08_check_traversal},
    {.ck_name = "symlinks",
     .ck_step = 4,
     .ck_points = 3,
     .ck_deadline_ms = 10000,
     .ck_summary = "links out of DOCROOT (to a sibling DOCROOT-secret too) get 404; a link "
                   "inside is followed",
     .ck_hint = "Where a file really is decides: realpath() it and compare with the document "
                "root's realpath() plus '/', or \"www-secret\" passes for \"www\". In Python: "
                "os.path.realpath(p).startswith(root + os.sep).",
     .ck_run = lab08_check_symlinks},
    {.ck_name = "forbidden",
     .ck_step = 4,
     .ck_points = 2,
     .ck_deadline_ms = 10000,
     .ck_summary = "a file the server cannot read gets 403",
     .ck_hint = "open() failing with EACCES is 403, not 404 or 500. In C: look at errno after "
                "open(). In Python: except PermissionError.",
     .ck_run = lab08_check_forbidden},
    {.ck_name = "html-escape",
     .ck_step = 4,
     .ck_points = 2,
     .ck_deadline_ms = 10000,
     .ck_summary = "the 404 page names the path HTML-escaped (<script> is not run)",
     .ck_hint = "Request data in HTML is escaped: & < > \" '. In C: a small escaping writer. "
                "In Python: html.escape(path, quote=True).",
     .ck_run = lab08_check_html_escape},

    {.ck_name = "keep-alive",
     .ck_step = 5,
     .ck_points = 2,
     .ck_deadline_ms = 10000,
     .ck_summary = "HTTP/1.1: five requests, one connection",
     .ck_hint = "HTTP/1.1 connections are persistent: after a response, read the next request "
                "on the same socket. In C: loop over requests until the client closes or asks "
                "to. In Python: protocol_version = 'HTTP/1.1'.",
     .ck_run = lab08_check_keep_alive},
    {.ck_name = "connection-close",
     .ck_step = 5,
     .ck_points = 3,
     .ck_deadline_ms = 10000,
     .ck_summary = "Connection: close (in a list, any case) gets Connection: close and a close",
     .ck_hint = "Connection is a comma list: look for the token close in it, case-insensitive; "
                "then say Connection: close and close after the response. In C: split on ',' "
                "and strcasecmp() each trimmed token. In Python: close_connection = True.",
     .ck_run = lab08_check_connection_close},
    {.ck_name = "http10",
     .ck_step = 5,
     .ck_points = 2,
     .ck_deadline_ms = 10000,
     .ck_summary = "HTTP/1.0 closes after the response; with Connection: keep-alive it stays open",
     .ck_hint = "HTTP/1.0 closes by default, unless the request says Connection: keep-alive; "
                "then the response says it too. In C: the default depends on the minor "
                "version. In Python: BaseHTTPRequestHandler does the same for request_version.",
     .ck_run = lab08_check_http10},
    {.ck_name = "pipelining",
     .ck_step = 5,
     .ck_points = 2,
     .ck_deadline_ms = 10000,
     .ck_summary = "eight requests sent at once are answered in order, each whole",
     .ck_hint = "Keep the bytes after a request: they are the next request. In C: a buffer per "
                "connection, memmove() the rest to its front. In Python: read from rfile.",
     .ck_run = lab08_check_pipelining},
    {.ck_name = "split",
     .ck_step = 5,
     .ck_points = 3,
     .ck_deadline_ms = 20000,
     .ck_summary = "a request split at every byte boundary is served each time",
     .ck_hint = "A request arrives in any number of pieces. In C: recv() and parse again until "
                "it is whole. In Python: rfile.readline().",
     .ck_run = lab08_check_split},

    {.ck_name = "bodies",
     .ck_step = 6,
     .ck_points = 2,
     .ck_deadline_ms = 10000,
     .ck_summary = "bodies by Content-Length and by chunks (extensions, trailers) are read; a "
                   "GET's body is read and ignored",
     .ck_hint = "The body is framed by Content-Length or by chunks (hex size, CRLF, data, CRLF; "
                "0 ends; trailers follow). In C: a decoder that keeps its state across "
                "recv()s. In Python: rfile.read(n), or readline() for each chunk size.",
     .ck_run = lab08_check_bodies},
    {.ck_name = "framing",
     .ck_step = 6,
     .ck_points = 3,
     .ck_deadline_ms = 15000,
     .ck_summary = "ambiguous framing (HTTP Garden-style: CL+TE, two or bad Content-Length, "
                   "0_2e, ,chunked) gets 400 or 501 and a close; POST without a length 411",
     .ck_hint = "When the body's length is ambiguous, refuse and close: two parsers that guess "
                "differently let one request hide another (request smuggling). In C: "
                "Content-Length is 1*DIGIT and one field; Transfer-Encoding exactly chunked. "
                "In Python: re.fullmatch(r'[0-9]+', v) and a count of the fields.",
     .ck_run = lab08_check_probes,
     .ck_arg = set_framing},
    {.ck_name = "body-limits",
     .ck_step = 6,
     .ck_points = 3,
     .ck_deadline_ms = 20000,
     .ck_summary = "a body of 1 MiB is taken; Content-Length 1 MiB + 1 gets 413 before the body; "
                   "chunks growing past 1 MiB get 413",
     .ck_hint = "The body limit is 1048576 bytes, checked from Content-Length before reading, "
                "and as chunks add up. In C: compare before recv(). In Python: before "
                "rfile.read().",
     .ck_run = lab08_check_body_limits},
    {.ck_name = "json-routes",
     .ck_step = 6,
     .ck_points = 3,
     .ck_deadline_ms = 10000,
     .ck_summary = "GET /api and /api/data?name= at their edges (decoded, +, first name, Guest); "
                   "404 and 405 around them",
     .ck_hint = "The query is name=value pairs split on &, each percent-decoded with + as a "
                "space. In C: a decoder shared with the path's. In Python: "
                "urllib.parse.parse_qs(query, keep_blank_values=True)['name'][0].",
     .ck_run = lab08_check_api_routes},
    {.ck_name = "json-escaping",
     .ck_step = 6,
     .ck_points = 3,
     .ck_deadline_ms = 10000,
     .ck_summary = "POST /api/submit echoes quotes, backslashes, control bytes and UTF-8 as "
                   "valid JSON; not UTF-8 gets 400",
     .ck_hint = "JSON comes from a JSON library: json_pack() and json_dumps() in C (jansson), "
                "json.dumps() in Python; never '{\"received\": \"%s\"}'.",
     .ck_run = lab08_check_api_escaping},
    {.ck_name = "json-users",
     .ck_step = 6,
     .ck_points = 3,
     .ck_deadline_ms = 10000,
     .ck_summary = "POST /api/users gets 201 with the JSON back (400 if not JSON); "
                   "/api/users/N for 1 to 18 digits, 404 otherwise",
     .ck_hint = "Parse the body as JSON and put the value back, as a value: json_loadb() then "
                "json_pack(\"{s:O,s:s}\") in C; json.loads() then json.dumps() in Python. N is "
                "1 to 18 ASCII digits (no sign, no slash).",
     .ck_run = lab08_check_api_users},

    {.ck_name = "truncated",
     .ck_step = 7,
     .ck_points = 2,
     .ck_deadline_ms = 10000,
     .ck_summary = "requests cut at 11 points (line, fields, body) get no response yet",
     .ck_hint = "A request is not complete until its empty line and its body have come: wait "
                "for more. In C: 'need more' from the parser. In Python: readline() waits.",
     .ck_run = lab08_check_truncated},
    {.ck_name = "timeouts",
     .ck_step = 7,
     .ck_points = 2,
     .ck_deadline_ms = 25000,
     .ck_summary = "after 5 s of silence: a cut request gets 408 and a close, an idle connection "
                   "is closed with no response",
     .ck_hint = "Silence is bounded at 5 s: poll() with a timeout, or SO_RCVTIMEO, in C; "
                "settimeout(5) in Python. A part of a request then gets 408; nothing, a close.",
     .ck_run = lab08_check_timeouts},
    {.ck_name = "concurrent",
     .ck_step = 7,
     .ck_points = 2,
     .ck_deadline_ms = 20000,
     .ck_summary = "100 keep-alive clients at once, three rounds each, answered in any order",
     .ck_hint = "Each connection is served on its own. In C: a thread per connection (lab 07's "
                "framework). In Python: ThreadingHTTPServer.",
     .ck_run = lab08_check_concurrent},
    {.ck_name = "slowloris",
     .ck_step = 7,
     .ck_points = 2,
     .ck_deadline_ms = 20000,
     .ck_summary = "64 clients dripping their heads a byte at a time do not delay a normal client",
     .ck_hint = "A slow client must not hold others up: no lock across reads, a thread each. "
                "In Python: ThreadingHTTPServer.",
     .ck_run = lab08_check_slowloris},
    {.ck_name = "big-file",
     .ck_step = 7,
     .ck_points = 2,
     .ck_deadline_ms = 40000,
     .ck_summary = "a 64 MiB file by SHA-256, twice; the server grows by at most 16 MiB the "
                   "second time",
     .ck_hint = "Files go out in pieces: sendfile() or a bounded buffer in C; socket.sendfile() "
                "or shutil.copyfileobj() in Python.",
     .ck_run = lab08_check_big_file},
    {.ck_name = "pool",
     .ck_step = 7,
     .ck_points = 2,
     .ck_deadline_ms = 15000,
     .ck_summary = "--strategy pool --threads 2: two kept-alive connections served, a third gets "
                   "503 and a close; after one closes, a new one is served",
     .ck_hint = "A connection holds a pool thread as long as it is open; beyond N, 503 at "
                "once. In C: admit() counts the connections being served. In Python: a "
                "counter in verify_request().",
     .ck_program = &pool_of_two,
     .ck_run = lab08_check_pool},
    {.ck_name = "sigterm",
     .ck_step = 7,
     .ck_points = 2,
     .ck_deadline_ms = 20000,
     .ck_flags = GR_OWN_SERVER,
     .ck_summary = "SIGTERM: the port closed, an idle connection closed at once, the 64 MiB "
                   "answer in flight finished, exit 0",
     .ck_hint = "A shutdown is a stop to accepting and to waiting, not to answering. In C: the "
                "SIGTERM handler writes the stop pipe that every poll() also waits on. In "
                "Python: a thread calls server.shutdown(); server_close() joins the handlers.",
     .ck_run = lab08_check_sigterm},
    {.ck_name = "browser",
     .ck_step = 7,
     .ck_points = 1,
     .ck_deadline_ms = 25000,
     .ck_summary = "headless chromium loads a page with a stylesheet, a script and PNG, SVG and "
                   "ICO images, all taken; its script's fetch of /api/data?name=Zo%C3%AB%20Ann"
                   "%2BBo reads back the message",
     .ck_hint = "A browser is the client the server is for: it opens several connections at "
                "once and believes Content-Type. Open http://127.0.0.1:PORT/browser/ in a "
                "browser and read its developer tools' Network and Console tabs.",
     .ck_run = lab08_check_browser},

    {.ck_name = "conditional",
     .ck_step = 8,
     .ck_points = 2,
     .ck_deadline_ms = 10000,
     .ck_summary = "If-Modified-Since at or after the mtime gets 304 with no body; before, or "
                   "an invalid date, 200",
     .ck_hint = "Compare the date with the file's mtime in whole seconds. In C: parse the "
                "IMF-fixdate with strptime() and timegm(). In Python: "
                "email.utils.parsedate_to_datetime().",
     .ck_run = lab08_check_conditional},
    {.ck_name = "gzip",
     .ck_step = 8,
     .ck_points = 2,
     .ck_deadline_ms = 10000,
     .ck_summary = "Accept-Encoding: gzip gets a gzip body that decodes to the file, with the "
                   "compressed Content-Length and Vary; identity does not",
     .ck_hint = "Compress the body, then its length is the compressed one. In C: zlib's "
                "deflateInit2(..., 16 + MAX_WBITS, ...). In Python: gzip.compress().",
     .ck_run = lab08_check_gzip},
    {.ck_name = "gzip-choice",
     .ck_step = 8,
     .ck_points = 1,
     .ck_deadline_ms = 10000,
     .ck_summary = "Accept-Encoding lists with q-values and *: gzip;q=0 refuses, * allows",
     .ck_hint = "Accept-Encoding is a list of codings with weights: gzip is allowed when its q "
                "is above 0, or when it is absent and * is above 0. In C: split on ',' and ';', "
                "strtod() the q. In Python: a small loop over value.split(',').",
     .ck_run = lab08_check_gzip_choice},

    {.ck_name = "ranges",
     .ck_step = 9,
     .ck_points = 3,
     .ck_deadline_ms = 15000,
     .ck_summary = "Range a-b, a-, -n, past the end cut; 416 with */size; several ranges or a "
                   "malformed one ignored",
     .ck_hint = "One bytes= range gives 206 with Content-Range: bytes a-b/size. In C: "
                "sendfile() from offset a, b - a + 1 bytes. In Python: f.seek(a); f.read(n).",
     .ck_run = lab08_check_ranges},
    {.ck_name = "curl",
     .ck_step = 9,
     .ck_points = 1,
     .ck_deadline_ms = 20000,
     .ck_summary = "curl gets a file, a HEAD, a gzipped file (--compressed), a range, a 301 "
                   "followed",
     .ck_hint = "A real client reads what the contract says: if curl fails, run the same curl "
                "command with -v and read its trace.",
     .ck_run = lab08_check_curl},

    {.ck_name = "https-get",
     .ck_step = 10,
     .ck_points = 2,
     .ck_deadline_ms = 10000,
     .ck_summary = "--cert/--key/--chain: a client trusting only the test root verifies the chain "
                   "and the name localhost; three GETs on one TLS connection, each exactly its "
                   "Content-Length; Connection: close ends with close_notify",
     .ck_hint = HINT_HTTPS " Content-Length counts the body's bytes as sent, over TLS as over "
                           "TCP: count what is written, never a string written elsewhere.",
     .ck_program = &https_server,
     .ck_run = lab08_check_https_get},
    {.ck_name = "https-big",
     .ck_step = 10,
     .ck_points = 1,
     .ck_deadline_ms = 20000,
     .ck_summary = "a 2 MiB file over TLS through a small receive window, every byte",
     .ck_hint = "A TLS write may take part of its bytes, or say WANT_WRITE: send the rest, and "
                "after \"try again\" send the same bytes again. In C: loop on SSL_write_ex()'s "
                "count (with SSL_MODE_ENABLE_PARTIAL_WRITE), retry with the same buffer. In "
                "Python: sock.sendall().",
     .ck_program = &https_server,
     .ck_run = lab08_check_https_big},
    {.ck_name = "https-stalled",
     .ck_step = 10,
     .ck_points = 1,
     .ck_deadline_ms = 4000,
     .ck_summary = "a client that stops in the middle of its ClientHello does not stop another "
                   "from being served meanwhile",
     .ck_hint = "A handshake is a conversation: run it where a slow client blocks only "
                "itself (its connection's thread, or the event loop's state machine), never in "
                "the accepting thread. In C: SSL_accept() after accept(), in the handler. In "
                "Python: wrap_socket(..., do_handshake_on_connect=False), then do_handshake() "
                "in the handler.",
     .ck_program = &https_server,
     .ck_run = lab08_check_https_stalled},
    {.ck_name = "https-plaintext",
     .ck_step = 10,
     .ck_points = 1,
     .ck_deadline_ms = 10000,
     .ck_summary = "a plain HTTP request to the HTTPS port neither kills the server nor stops "
                   "it: an HTTPS client is served after it",
     .ck_hint = "A failed handshake is one connection's failure, not the server's. In C: when "
                "SSL_accept() or the first SSL_read() fails, free the session and close that "
                "connection, never exit(). In Python: catch ssl.SSLError in the handler.",
     .ck_program = &https_server,
     .ck_run = lab08_check_https_plaintext},
    {.ck_name = "https-curl",
     .ck_step = 10,
     .ck_points = 1,
     .ck_deadline_ms = 20000,
     .ck_summary = "curl --cacert (the root) gets a file, a HEAD and a gzipped file over HTTPS",
     .ck_hint = "A real client offers what it can (ALPN h2 and http/1.1): the server picks "
                "only what it speaks. If curl fails, run the same curl command with -v.",
     .ck_program = &https_server,
     .ck_run = lab08_check_https_curl},
};

const gr_lab gr_lab08 = {
    .lab_id = "08",
    .lab_name = "http-server",
    .lab_title = "HTTP/1.1 server",
    .lab_server_cmd = "./http_server {port} {docroot}",
    .lab_steps = steps,
    .lab_nsteps = sizeof steps / sizeof steps[0] - 1,
    .lab_checks = checks,
    .lab_nchecks = sizeof checks / sizeof checks[0],
    .lab_quiet_ms = 3000,
    .lab_sibling = "07-socketserver",
    .lab_docroot = lab08_docroot,
};
