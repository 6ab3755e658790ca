/* routes.c - lab 09's scenarios of steps 1 to 6: for each check, the fake
 * server's script and what fetch must do with it (sessions.c has those of
 * steps 7 to 9). The rules they probe are in RULES.md. */
#include "lab09.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
/* The fake serves one request per connection (keep-alive comes with a
 * later step): a response it closes after says Connection: close; one it
 * holds open after the body (GR_HTTP_HOLD) does not, as a keep-alive
 * server would. */
#define OK_HEAD "HTTP/1.1 200 OK\r\nConnection: close\r\n"
#define OK_KEPT "HTTP/1.1 200 OK\r\n"

/* ---- step 1: one GET --------------------------------------------------------------- */

static const gr_http_route r_length[] = {
    {.hr_target = "/hello.txt",
     .hr_response =
         OK_KEPT "Content-Type: text/plain\r\nContent-Length: 20\r\n\r\nhello, fetch world!\n",
     .hr_after = GR_HTTP_HOLD},
};
const lab09_scenario lab09_get_length = {.sc_args = "{url}/hello.txt",
                                         .sc_routes = r_length,
                                         .sc_nroutes = N(r_length),
                                         .sc_stdout = "hello, fetch world!\n",
                                         .sc_requests = 1,
                                         .sc_sent = {"GET /hello.txt HTTP/1.1\r\n", "\r\n\r\n"}};

static const gr_http_route r_close[] = {
    {.hr_target = "/stream",
     .hr_response =
         "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nno length here:\nthe close ends it\n",
     .hr_pieces = 4,
     .hr_pause_ms = 30},
};
const lab09_scenario lab09_get_close = {.sc_args = "{url}/stream",
                                        .sc_routes = r_close,
                                        .sc_nroutes = N(r_close),
                                        .sc_stdout = "no length here:\nthe close ends it\n",
                                        .sc_requests = 1};

static const gr_http_route r_target[] = {
    {.hr_target = "/a/b.txt?x=1&y=two", .hr_response = OK_HEAD "Content-Length: 3\r\n\r\nyes"},
};
const lab09_scenario lab09_request_target = {
    .sc_args = "'{url}/a/b.txt?x=1&y=two#section-2'",
    .sc_routes = r_target,
    .sc_nroutes = N(r_target),
    .sc_stdout = "yes",
    .sc_requests = 1,
    .sc_sent = {"GET /a/b.txt?x=1&y=two HTTP/1.1\r\n", "\r\nHost: 127.0.0.1:", "\r\n\r\n"},
    .sc_not_sent = "section-2"};

const lab09_scenario lab09_bad_url[] = {
    {.sc_args = "'ftp://127.0.0.1/file'", .sc_exit = 3, .sc_requests = 0},
    {.sc_args = "'http://[::1/'", .sc_exit = 3, .sc_requests = 0},
    {.sc_args = "'http://127.0.0.1:65536/'", .sc_exit = 3, .sc_requests = 0},
    {.sc_args = "'http://127.0.0.1/a b'", .sc_exit = 3, .sc_requests = 0},
    {.sc_args = "'http:///path'", .sc_exit = 3, .sc_requests = 0},
    {.sc_args = NULL},
};

/* An IPv6 literal, reachable without ::1: the IPv4-mapped address of
 * 127.0.0.1, which an IPv6 socket reaches through IPv4. */
static const gr_http_route r_v6[] = {
    {.hr_target = "/v6?x=1", .hr_response = OK_HEAD "Content-Length: 4\r\n\r\nsix\n"},
};
const lab09_scenario lab09_ipv6_literal = {
    .sc_args = "'http://[::ffff:127.0.0.1]:{port}/v6?x=1'",
    .sc_routes = r_v6,
    .sc_nroutes = N(r_v6),
    .sc_stdout = "six\n",
    .sc_requests = 1,
    .sc_sent = {"GET /v6?x=1 HTTP/1.1\r\n", "Host: [::ffff:127.0.0.1]:"}};

const lab09_scenario lab09_no_server = {
    .sc_args = "--retries 0 {closed}/", .sc_exit = 4, .sc_requests = 0, .sc_max_ms = 5000};

/* ---- step 2: framing ---------------------------------------------------------------- */

/* Sizes 0x1a and 0x10: a size read as decimal takes 1 or 10 bytes. */
static const gr_http_route r_chunked[] = {
    {.hr_target = "/chunked",
     .hr_response = OK_KEPT "Transfer-Encoding: chunked\r\n\r\n"
                            "1a;name=value\r\nabcdefghijklmnopqrstuvwxyz\r\n"
                            "10 ; x=\"y\"\r\n0123456789ABCDEF\r\n"
                            "3\r\n!\n!\r\n"
                            "0\r\nX-Checksum: 42\r\nX-Other: 1\r\n\r\n",
     .hr_pieces = 23,
     .hr_pause_ms = 15,
     .hr_after = GR_HTTP_HOLD},
};
const lab09_scenario lab09_chunked = {.sc_args = "{url}/chunked",
                                      .sc_routes = r_chunked,
                                      .sc_nroutes = N(r_chunked),
                                      .sc_stdout = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEF!\n!",
                                      .sc_requests = 1};

static const gr_http_route r_interim[] = {
    {.hr_target = "/slow-start",
     .hr_response = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\nX-A: 1\r\n\r\n" OK_KEPT
                    "Content-Length: 6\r\n\r\nfinal\n",
     .hr_after = GR_HTTP_HOLD},
};
const lab09_scenario lab09_interim = {.sc_args = "{url}/slow-start",
                                      .sc_routes = r_interim,
                                      .sc_nroutes = N(r_interim),
                                      .sc_stdout = "final\n",
                                      .sc_requests = 1};

static const gr_http_route r_short[] = {
    {.hr_target = "/short",
     .hr_response = OK_HEAD "Content-Length: 100\r\n\r\nonly forty bytes of the hundred promised"},
};
const lab09_scenario lab09_short_body = {.sc_args = "{url}/short",
                                         .sc_routes = r_short,
                                         .sc_nroutes = N(r_short),
                                         .sc_exit = 8,
                                         .sc_requests = 1};

static const gr_http_route r_long[] = {
    {.hr_target = "/long",
     .hr_response = OK_KEPT "Content-Length: 5\r\n\r\nfive!and these bytes are not the body",
     .hr_after = GR_HTTP_HOLD},
};
const lab09_scenario lab09_long_body = {.sc_args = "{url}/long",
                                        .sc_routes = r_long,
                                        .sc_nroutes = N(r_long),
                                        .sc_stdout = "five!",
                                        .sc_requests = 1};

static const gr_http_route r_bad_status[] = {
    {.hr_target = "/a", .hr_response = "HTTP/1.1 2OO OK\r\nContent-Length: 0\r\n\r\n"},
    {.hr_target = "/b", .hr_response = "ICY 200 OK\r\nContent-Length: 0\r\n\r\n"},
    {.hr_target = "/c",
     .hr_response = OK_HEAD "Content-Length: 2\r\nthis line has no colon\r\n\r\nhi"},
    {.hr_target = "/d", .hr_response = OK_HEAD "Content-Length: 2x\r\n\r\nhi"},
    {.hr_target = "/e", .hr_response = OK_HEAD "Content-Length: 2\r\nContent-Length: 3\r\n\r\nhi!"},
    {.hr_target = "/f",
     .hr_response = OK_HEAD "Transfer-Encoding: chunked\r\n\r\nzz\r\nhi\r\n0\r\n\r\n"},
};
const lab09_scenario lab09_malformed[] = {
    {.sc_args = "{url}/a",
     .sc_routes = r_bad_status,
     .sc_nroutes = N(r_bad_status),
     .sc_exit = 8,
     .sc_requests = 1},
    {.sc_args = "{url}/b",
     .sc_routes = r_bad_status,
     .sc_nroutes = N(r_bad_status),
     .sc_exit = 8,
     .sc_requests = 1},
    {.sc_args = "{url}/c",
     .sc_routes = r_bad_status,
     .sc_nroutes = N(r_bad_status),
     .sc_exit = 8,
     .sc_requests = 1},
    {.sc_args = "{url}/d",
     .sc_routes = r_bad_status,
     .sc_nroutes = N(r_bad_status),
     .sc_exit = 8,
     .sc_requests = 1},
    {.sc_args = "{url}/e",
     .sc_routes = r_bad_status,
     .sc_nroutes = N(r_bad_status),
     .sc_exit = 8,
     .sc_requests = 1},
    {.sc_args = "{url}/f",
     .sc_routes = r_bad_status,
     .sc_nroutes = N(r_bad_status),
     .sc_exit = 8,
     .sc_requests = 1},
    {.sc_args = NULL},
};

/* ---- step 3: methods and headers ------------------------------------------------------ */

static const gr_http_route r_head[] = {
    {.hr_target = "/big",
     .hr_response = OK_KEPT "Content-Length: 1000\r\n\r\n",
     .hr_after = GR_HTTP_HOLD},
};
const lab09_scenario lab09_head[] = {
    {.sc_args = "-I {url}/big",
     .sc_routes = r_head,
     .sc_nroutes = N(r_head),
     .sc_stdout = "",
     .sc_requests = 1,
     .sc_sent = {"HEAD /big HTTP/1.1\r\n"}},
    /* -i: the head as it came, then the body. */
    {.sc_args = "-i {url}/hello.txt",
     .sc_routes = r_length,
     .sc_nroutes = N(r_length),
     .sc_stdout =
         OK_KEPT "Content-Type: text/plain\r\nContent-Length: 20\r\n\r\nhello, fetch world!\n",
     .sc_requests = 1},
    {.sc_args = NULL},
};

static const gr_http_route r_post[] = {
    {.hr_target = "/form", .hr_response = OK_HEAD "Content-Length: 8\r\n\r\nthanks!\n"},
};
const lab09_scenario lab09_post_form = {
    .sc_args = "-d 'name=Ada+Lovelace&lang=C' {url}/form",
    .sc_routes = r_post,
    .sc_nroutes = N(r_post),
    .sc_stdout = "thanks!\n",
    .sc_requests = 1,
    .sc_sent = {"POST /form HTTP/1.1\r\n",
                "\r\nContent-Type: application/x-www-form-urlencoded\r\n",
                "\r\n\r\nname=Ada+Lovelace&lang=C"}};
const lab09_scenario lab09_post_json = {.sc_args = "--json '{\"id\": 9, \"ok\": true}' {url}/form",
                                        .sc_routes = r_post,
                                        .sc_nroutes = N(r_post),
                                        .sc_stdout = "thanks!\n",
                                        .sc_requests = 1,
                                        .sc_sent = {"POST /form HTTP/1.1\r\n",
                                                    "\r\nContent-Type: application/json\r\n",
                                                    "\r\n\r\n{\"id\": 9, \"ok\": true}"}};

const lab09_scenario lab09_headers[] = {
    {.sc_args = "-H 'X-Lab: 09' {url}/form",
     .sc_routes = r_post,
     .sc_nroutes = N(r_post),
     .sc_stdout = "thanks!\n",
     .sc_requests = 1,
     .sc_sent = {"GET /form HTTP/1.1\r\n", "\r\nX-Lab: 09\r\n"}},
    {.sc_args = "-H 'Accept: text/plain' {url}/form",
     .sc_routes = r_post,
     .sc_nroutes = N(r_post),
     .sc_stdout = "thanks!\n",
     .sc_requests = 1,
     .sc_sent = {"GET /form HTTP/1.1\r\n", "\r\nAccept: text/plain\r\n"},
     .sc_not_sent = "*/*"},
    {.sc_args = NULL},
};
const lab09_scenario lab09_header_crlf[] = {
    {.sc_args = "-H \"$(printf 'X-A: 1\\r\\nX-Injected: 2')\" {url}/form",
     .sc_routes = r_post,
     .sc_nroutes = N(r_post),
     .sc_exit = 2,
     .sc_requests = 0},
    {.sc_args = "-H \"$(printf 'X-A: 1\\nX-Injected: 2')\" {url}/form",
     .sc_routes = r_post,
     .sc_nroutes = N(r_post),
     .sc_exit = 2,
     .sc_requests = 0},
    {.sc_args = NULL},
};

/* ---- step 4: output ----------------------------------------------------------------- */

const lab09_scenario lab09_output_file = {.sc_args = "-o dl/out.bin {url}/hello.txt",
                                          .sc_routes = r_length,
                                          .sc_nroutes = N(r_length),
                                          .sc_stdout = "",
                                          .sc_requests = 1,
                                          .sc_uses_file = 1,
                                          .sc_file = "hello, fetch world!\n"};
const lab09_scenario lab09_output_partial = {.sc_args = "-o dl/out.bin {url}/short",
                                             .sc_routes = r_short,
                                             .sc_nroutes = N(r_short),
                                             .sc_exit = 8,
                                             .sc_requests = 1,
                                             .sc_uses_file = 1};

static const gr_http_route r_missing[] = {
    {.hr_target = "/missing",
     .hr_response =
         "HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 10\r\n\r\nnot here.\n"},
};
const lab09_scenario lab09_fail = {.sc_args = "-f {url}/missing",
                                   .sc_routes = r_missing,
                                   .sc_nroutes = N(r_missing),
                                   .sc_exit = 6,
                                   .sc_stdout = "",
                                   .sc_requests = 1};

/* ---- step 5: redirects --------------------------------------------------------------- */

static const gr_http_route r_redirects[] = {
    {.hr_target = "/old/page",
     .hr_response = "HTTP/1.1 301 Moved Permanently\r\nConnection: close\r\nLocation: "
                    "../new/./x/../page?from=old\r\nContent-Length: 0\r\n\r\n"},
    {.hr_target = "/new/page?from=old",
     .hr_response = "HTTP/1.1 302 Found\r\nConnection: close\r\nLocation: "
                    "/final\r\nContent-Length: 5\r\n\r\nmoved"},
    {.hr_target = "/final", .hr_response = OK_HEAD "Content-Length: 8\r\n\r\narrived\n"},
    {.hr_target = "/submit",
     .hr_response = "HTTP/1.1 303 See Other\r\nConnection: close\r\nLocation: "
                    "/result\r\nContent-Length: 0\r\n\r\n"},
    {.hr_target = "/result", .hr_response = OK_HEAD "Content-Length: 7\r\n\r\nresult\n"},
    {.hr_target = "/upload",
     .hr_response = "HTTP/1.1 307 Temporary Redirect\r\nConnection: close\r\nLocation: "
                    "upload2\r\nContent-Length: 0\r\n\r\n"},
    {.hr_target = "/upload2", .hr_response = OK_HEAD "Content-Length: 7\r\n\r\nstored\n"},
    {.hr_target = "/loop/a",
     .hr_response =
         "HTTP/1.1 302 Found\r\nConnection: close\r\nLocation: b\r\nContent-Length: 0\r\n\r\n"},
    {.hr_target = "/loop/b",
     .hr_response = "HTTP/1.1 302 Found\r\nConnection: close\r\nLocation: "
                    "/loop/a\r\nContent-Length: 0\r\n\r\n"},
    {.hr_target = "/hop/1",
     .hr_response = "HTTP/1.1 308 Permanent Redirect\r\nConnection: close\r\nLocation: "
                    "2\r\nContent-Length: 0\r\n\r\n"},
    {.hr_target = "/hop/2",
     .hr_response = "HTTP/1.1 308 Permanent Redirect\r\nConnection: close\r\nLocation: "
                    "3\r\nContent-Length: 0\r\n\r\n"},
    {.hr_target = "/hop/3",
     .hr_response = "HTTP/1.1 308 Permanent Redirect\r\nConnection: close\r\nLocation: "
                    "4\r\nContent-Length: 0\r\n\r\n"},
    {.hr_target = "/hop/4", .hr_response = OK_HEAD "Content-Length: 4\r\n\r\nend\n"},
};
const lab09_scenario lab09_redirect_relative = {.sc_args = "{url}/old/page",
                                                .sc_routes = r_redirects,
                                                .sc_nroutes = N(r_redirects),
                                                .sc_stdout = "arrived\n",
                                                .sc_requests = 3,
                                                .sc_sent = {"GET /old/page HTTP/1.1\r\n",
                                                            "GET /new/page?from=old HTTP/1.1\r\n",
                                                            "GET /final HTTP/1.1\r\n"}};
const lab09_scenario lab09_redirect_303 = {
    .sc_args = "-d 'vote=yes' {url}/submit",
    .sc_routes = r_redirects,
    .sc_nroutes = N(r_redirects),
    .sc_stdout = "result\n",
    .sc_requests = 2,
    .sc_sent = {"POST /submit HTTP/1.1\r\n", "vote=yes", "GET /result HTTP/1.1\r\n", "\r\n\r\n"},
    .sc_not_sent = "POST /result"};
const lab09_scenario lab09_redirect_307 = {.sc_args = "--json '[1,2,3]' {url}/upload",
                                           .sc_routes = r_redirects,
                                           .sc_nroutes = N(r_redirects),
                                           .sc_stdout = "stored\n",
                                           .sc_requests = 2,
                                           .sc_sent = {"POST /upload HTTP/1.1\r\n", "[1,2,3]",
                                                       "POST /upload2 HTTP/1.1\r\n",
                                                       "Content-Length: 7\r\n", "[1,2,3]"}};
const lab09_scenario lab09_redirect_loop = {.sc_args = "{url}/loop/a",
                                            .sc_routes = r_redirects,
                                            .sc_nroutes = N(r_redirects),
                                            .sc_exit = 7,
                                            .sc_max_ms = 5000,
                                            .sc_requests = -1};
const lab09_scenario lab09_redirect_limit[] = {
    /* --no-follow: the 3xx response's body, as it is. */
    {.sc_args = "--no-follow '{url}/new/page?from=old'",
     .sc_routes = r_redirects,
     .sc_nroutes = N(r_redirects),
     .sc_stdout = "moved",
     .sc_requests = 1},
    {.sc_args = "--max-redirs 3 {url}/hop/1",
     .sc_routes = r_redirects,
     .sc_nroutes = N(r_redirects),
     .sc_stdout = "end\n",
     .sc_requests = 4},
    {.sc_args = "--max-redirs 2 {url}/hop/1",
     .sc_routes = r_redirects,
     .sc_nroutes = N(r_redirects),
     .sc_exit = 7,
     .sc_requests = 3},
    {.sc_args = NULL},
};

/* ---- step 6: timeouts ---------------------------------------------------------------- */

static const gr_http_route r_silent[] = {
    {.hr_target = NULL, .hr_response = "", .hr_after = GR_HTTP_SILENT},
};
const lab09_scenario lab09_read_timeout = {.sc_args = "--read-timeout 1 {url}/",
                                           .sc_routes = r_silent,
                                           .sc_nroutes = N(r_silent),
                                           .sc_exit = 5,
                                           .sc_requests = 1,
                                           .sc_max_ms = 4000};
static const gr_http_route r_stall[] = {
    {.hr_target = NULL,
     .hr_response = OK_KEPT "Content-Length: 100\r\n\r\nten bytes.",
     .hr_after = GR_HTTP_HOLD},
};
const lab09_scenario lab09_body_timeout = {.sc_args = "--read-timeout 1 -o dl/out.bin {url}/",
                                           .sc_routes = r_stall,
                                           .sc_nroutes = N(r_stall),
                                           .sc_exit = 5,
                                           .sc_requests = 1,
                                           .sc_max_ms = 4000,
                                           .sc_uses_file = 1};

/* A port whose connects hang: the SYN is dropped, as behind a firewall. */
const lab09_scenario lab09_connect_timeout = {.sc_args =
                                                  "--connect-timeout 1 --retries 0 {silent}/",
                                              .sc_exit = 5,
                                              .sc_requests = 0,
                                              .sc_max_ms = 4000};
