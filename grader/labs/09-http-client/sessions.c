/* sessions.c - lab 09's scenarios of steps 7 to 9, what lasts beyond one
 * request: retries (the waits between tries, and what is never sent
 * twice), connections kept alive, and cookies. The rules they probe are in
 * RULES.md. */
#include "lab09.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define CLOSE_HEAD(status) "HTTP/1.1 " status "\r\nConnection: close\r\n"
#define BUSY CLOSE_HEAD("503 Service Unavailable")

/* ---- step 7: retries ------------------------------------------------------------------ */

/* Two 503s, then the body: --backoff 0.2 waits 0.2 s, then 0.4 s. */
static const gr_http_route r_flaky[] = {
    {.hr_target = "/flaky", .hr_response = BUSY "Content-Length: 5\r\n\r\nbusy\n", .hr_times = 2},
    {.hr_target = "/flaky",
     .hr_response = CLOSE_HEAD("200 OK") "Content-Length: 9\r\n\r\nat last!\n"},
};
const lab09_scenario lab09_retry_backoff = {.sc_args = "--retries 3 --backoff 0.2 {url}/flaky",
                                            .sc_routes = r_flaky,
                                            .sc_nroutes = N(r_flaky),
                                            .sc_stdout = "at last!\n",
                                            .sc_requests = 3,
                                            .sc_min_gap_ms = {150, 300},
                                            .sc_retry_lines = 2,
                                            .sc_max_ms = 8000};

/* Retry-After: 1 asks for more than --backoff 0.05. */
static const gr_http_route r_busy[] = {
    {.hr_target = "/busy",
     .hr_response = BUSY "Retry-After: 1\r\nContent-Length: 0\r\n\r\n",
     .hr_times = 1},
    {.hr_target = "/busy", .hr_response = CLOSE_HEAD("200 OK") "Content-Length: 6\r\n\r\nready\n"},
};
const lab09_scenario lab09_retry_after = {.sc_args = "--retries 2 --backoff 0.05 {url}/busy",
                                          .sc_routes = r_busy,
                                          .sc_nroutes = N(r_busy),
                                          .sc_stdout = "ready\n",
                                          .sc_requests = 2,
                                          .sc_min_gap_ms = {900},
                                          .sc_retry_lines = 1,
                                          .sc_max_ms = 8000};

/* Always 503: --retries N is N + 1 tries, then the last response. */
static const gr_http_route r_down[] = {
    {.hr_target = "/down", .hr_response = BUSY "Content-Length: 5\r\n\r\ndown\n"},
};
const lab09_scenario lab09_retry_limit[] = {
    {.sc_args = "--retries 2 --backoff 0.05 -f {url}/down",
     .sc_routes = r_down,
     .sc_nroutes = N(r_down),
     .sc_exit = 6,
     .sc_requests = 3,
     .sc_retry_lines = 2},
    {.sc_args = "--retries 2 --backoff 0.05 {url}/down",
     .sc_routes = r_down,
     .sc_nroutes = N(r_down),
     .sc_stdout = "down\n",
     .sc_requests = 3},
    {.sc_args = "--retries 0 --backoff 0.05 -f {url}/down",
     .sc_routes = r_down,
     .sc_nroutes = N(r_down),
     .sc_exit = 6,
     .sc_requests = 1},
    {.sc_args = NULL},
};

/* A request read and its connection closed unanswered; a 503 to a POST. */
static const gr_http_route r_drop[] = {
    {.hr_target = "/drop", .hr_response = ""},
    {.hr_target = "/drop-once", .hr_response = "", .hr_times = 1},
    {.hr_target = "/drop-once",
     .hr_response = CLOSE_HEAD("200 OK") "Content-Length: 9\r\n\r\nsecond!\n\n"},
    {.hr_target = "/vote", .hr_response = BUSY "Content-Length: 5\r\n\r\nbusy\n"},
};
const lab09_scenario lab09_retry_post[] = {
    {.sc_args = "--retries 3 --backoff 0.05 -d 'vote=yes' {url}/drop",
     .sc_routes = r_drop,
     .sc_nroutes = N(r_drop),
     .sc_exit = 4,
     .sc_requests = 1},
    {.sc_args = "--retries 3 --backoff 0.05 -d 'vote=yes' {url}/vote",
     .sc_routes = r_drop,
     .sc_nroutes = N(r_drop),
     .sc_stdout = "busy\n",
     .sc_requests = 1},
    {.sc_args = "--retries 3 --backoff 0.05 {url}/drop-once",
     .sc_routes = r_drop,
     .sc_nroutes = N(r_drop),
     .sc_stdout = "second!\n\n",
     .sc_requests = 2,
     .sc_retry_lines = 1},
    {.sc_args = NULL},
};

/* ---- step 8: keep-alive --------------------------------------------------------------- */

/* Three URLs on one host, framed three ways: one connection. */
static const gr_http_route r_keep[] = {
    {.hr_target = "/k/1",
     .hr_response = "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\none\n",
     .hr_after = GR_HTTP_KEEP},
    {.hr_target = "/k/2",
     .hr_response = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "4\r\ntwo\n\r\n0\r\n\r\n",
     .hr_after = GR_HTTP_KEEP},
    {.hr_target = "/k/3",
     .hr_response = "HTTP/1.1 204 No Content\r\n\r\n",
     .hr_after = GR_HTTP_KEEP},
    {.hr_target = "/k/4",
     .hr_response = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfour\n",
     .hr_after = GR_HTTP_KEEP},
};
const lab09_scenario lab09_keep_alive = {.sc_args = "{url}/k/1 {url}/k/2 {url}/k/3 {url}/k/4",
                                         .sc_routes = r_keep,
                                         .sc_nroutes = N(r_keep),
                                         .sc_stdout = "one\ntwo\nfour\n",
                                         .sc_requests = 4,
                                         .sc_connections = 1,
                                         .sc_not_sent = "Connection: close"};

/* Connection: close, an HTTP/1.0 response, and a body the close ends:
 * each connection is done, and the next URL needs a new one. The first
 * two are held open all the same: a request sent on them is never
 * answered, and the read timeout ends fetch. */
static const gr_http_route r_done[] = {
    {.hr_target = "/d/1",
     .hr_response = CLOSE_HEAD("200 OK") "Content-Length: 2\r\n\r\n1\n",
     .hr_after = GR_HTTP_HOLD},
    {.hr_target = "/d/2",
     .hr_response = "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n2\n",
     .hr_after = GR_HTTP_HOLD},
    {.hr_target = "/d/3", .hr_response = "HTTP/1.1 200 OK\r\n\r\n3\n"},
    {.hr_target = "/d/4", .hr_response = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n4\n"},
};
const lab09_scenario lab09_keep_done = {.sc_args = "--read-timeout 2 {url}/d/1 {url}/d/2 {url}/d/3 "
                                                   "{url}/d/4",
                                        .sc_routes = r_done,
                                        .sc_nroutes = N(r_done),
                                        .sc_stdout = "1\n2\n3\n4\n",
                                        .sc_requests = 4,
                                        .sc_connections = 4};

/* The server closes the kept connection as the second request comes: it
 * reads it and closes without a word. A GET is sent once more, on a new
 * connection, whatever --retries says. */
static const gr_http_route r_idle[] = {
    {.hr_target = "/i/1",
     .hr_response = "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nfirst\n",
     .hr_after = GR_HTTP_KEEP},
    {.hr_target = "/i/2", .hr_response = "", .hr_times = 1},
    {.hr_target = "/i/2", .hr_response = CLOSE_HEAD("200 OK") "Content-Length: 7\r\n\r\nsecond\n"},
};
const lab09_scenario lab09_keep_idle = {.sc_args = "--retries 0 {url}/i/1 {url}/i/2",
                                        .sc_routes = r_idle,
                                        .sc_nroutes = N(r_idle),
                                        .sc_stdout = "first\nsecond\n",
                                        .sc_requests = 3,
                                        .sc_connections = 2};

/* ---- step 9: cookies ------------------------------------------------------------------- */

/* One login sets cookies of every kind; three pages ask for them back. */
static const gr_http_route r_cookies[] = {
    {.hr_target = "/account/login",
     .hr_response =
         CLOSE_HEAD("200 OK") "Set-Cookie: sid=abc123; Path=/account; HttpOnly\r\n"
                              "Set-Cookie: theme=dark; Path=/\r\n"
                              "Set-Cookie: lang=c\r\n"
                              "Set-Cookie: gone=1; Max-Age=0\r\n"
                              "Set-Cookie: old=1; Expires=Thu, 01 Jan 1970 00:00:00 GMT\r\n"
                              "Set-Cookie: elsewhere=1; Domain=example.com\r\n"
                              "Set-Cookie: both=1; Expires=Fri, 01 Jan 2100 00:00:00 "
                              "GMT; Max-Age=0\r\n"
                              "Set-Cookie: far=1; Path=/; Expires=Fri, 01 Jan 2100 "
                              "00:00:00 GMT\r\n"
                              "Content-Length: 3\r\n\r\nin\n"},
    {.hr_target = "/account/page",
     .hr_response = CLOSE_HEAD("200 OK") "Content-Length: 5\r\n\r\npage\n"},
    {.hr_target = "/other", .hr_response = CLOSE_HEAD("200 OK") "Content-Length: 6\r\n\r\nother\n"},
    {.hr_target = "/accountant",
     .hr_response = CLOSE_HEAD("200 OK") "Content-Length: 11\r\n\r\naccountant\n"},
};
const lab09_scenario lab09_cookies = {
    .sc_args = "{url}/account/login {url}/account/page {url}/other {url}/accountant",
    .sc_routes = r_cookies,
    .sc_nroutes = N(r_cookies),
    .sc_stdout = "in\npage\nother\naccountant\n",
    .sc_requests = 4,
    .sc_req = {{.rq_lacks = {"Cookie:"}},
               {.rq_has = {"sid=abc123", "theme=dark", "lang=c", "far=1"},
                .rq_lacks = {"gone=", "old=", "elsewhere=", "both="}},
               {.rq_has = {"theme=dark", "far=1"},
                .rq_lacks = {"sid=", "lang=", "gone=", "old=", "elsewhere=", "both="}},
               {.rq_has = {"theme=dark", "far=1"}, .rq_lacks = {"sid=", "lang="}}}};

/* A cookie set by a redirect, then replaced by the page it leads to. */
static const gr_http_route r_cookie_hops[] = {
    {.hr_target = "/login",
     .hr_response = CLOSE_HEAD("302 Found") "Set-Cookie: token=t1; Path=/\r\n"
                                            "Location: /home\r\nContent-Length: 0\r\n\r\n"},
    {.hr_target = "/home",
     .hr_response = CLOSE_HEAD("200 OK") "Set-Cookie: token=t2; Path=/\r\n"
                                         "Content-Length: 5\r\n\r\nhome\n"},
    {.hr_target = "/again", .hr_response = CLOSE_HEAD("200 OK") "Content-Length: 6\r\n\r\nagain\n"},
};
const lab09_scenario lab09_cookie_redirect = {
    .sc_args = "{url}/login {url}/again",
    .sc_routes = r_cookie_hops,
    .sc_nroutes = N(r_cookie_hops),
    .sc_stdout = "home\nagain\n",
    .sc_requests = 3,
    .sc_req = {{.rq_lacks = {"Cookie:"}},
               {.rq_has = {"Cookie: token=t1\r\n"}},
               {.rq_has = {"Cookie: token=t2\r\n"}, .rq_lacks = {"t1"}}}};
