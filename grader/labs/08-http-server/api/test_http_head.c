/* test_http_head.c - the request head: valid requests with every field
 * checked, malformed ones with their status, both cut at every point, and
 * the limits at both edges. */
#include "cu_run.h"
#include "http_parse.h"
#include "test_http_parser.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ROW_FIELDS 6

/* A valid request: what the parser must find in it. */
typedef struct valid_row {
    const char *rule;
    const char *req;
    size_t len;
    size_t rest; /* bytes after the head: a body or the next request */
    const char *method;
    hp_method id;
    const char *target;
    int minor;
    const char *fields[2 * MAX_ROW_FIELDS + 1]; /* name, value, ..., NULL */
} valid_row;

#define H "Host: example.test\r\n"

static const valid_row valid_rows[] = {
    {"a GET with CRLF line ends",
     LIT("GET / HTTP/1.1\r\n" H "\r\n"),
     0,
     "GET",
     HP_GET,
     "/",
     1,
     {"Host", "example.test", NULL}},
    {"HEAD and a path",
     LIT("HEAD /a/b.html HTTP/1.1\r\n" H "\r\n"),
     0,
     "HEAD",
     HP_HEAD,
     "/a/b.html",
     1,
     {"Host", "example.test", NULL}},
    {"POST with a body after the head",
     LIT("POST /api/submit HTTP/1.1\r\n" H "Content-Length: 5\r\n\r\nhello"),
     5,
     "POST",
     HP_POST,
     "/api/submit",
     1,
     {"Host", "example.test", "Content-Length", "5", NULL}},
    {"HTTP/1.0 may omit Host", LIT("GET /x HTTP/1.0\r\n\r\n"), 0, "GET", HP_GET, "/x", 0, {NULL}},
    {"HTTP/1.9 is a 1.x: served",
     LIT("GET / HTTP/1.9\r\n" H "\r\n"),
     0,
     "GET",
     HP_GET,
     "/",
     9,
     {"Host", "example.test", NULL}},
    {"bare LF line ends are CRLF",
     LIT("GET / HTTP/1.1\nHost: a\nAccept: */*\n\n"),
     0,
     "GET",
     HP_GET,
     "/",
     1,
     {"Host", "a", "Accept", "*/*", NULL}},
    {"CRLF and LF mixed",
     LIT("GET / HTTP/1.1\r\nHost: a\n\r\n"),
     0,
     "GET",
     HP_GET,
     "/",
     1,
     {"Host", "a", NULL}},
    {"empty lines before the request line are skipped",
     LIT("\r\n\n\r\nGET / HTTP/1.1\r\n" H "\r\n"),
     0,
     "GET",
     HP_GET,
     "/",
     1,
     {"Host", "example.test", NULL}},
    {"a value is trimmed of SP and HTAB at both ends",
     LIT("GET / HTTP/1.1\r\nHost: \t a b \t \r\nX:y\r\n\r\n"),
     0,
     "GET",
     HP_GET,
     "/",
     1,
     {"Host", "a b", "X", "y", NULL}},
    {"an empty value",
     LIT("GET / HTTP/1.1\r\n" H "X-Empty:\r\nX-Blank:   \r\n\r\n"),
     0,
     "GET",
     HP_GET,
     "/",
     1,
     {"Host", "example.test", "X-Empty", "", "X-Blank", "", NULL}},
    {"HTAB and bytes over 0x7f inside a value",
     LIT("GET / HTTP/1.1\r\n" H "X-T: a\tb \xc3\xa9\r\n\r\n"),
     0,
     "GET",
     HP_GET,
     "/",
     1,
     {"Host", "example.test", "X-T", "a\tb \xc3\xa9", NULL}},
    {"an unknown method token is parsed (the server says 501)",
     LIT("BREW /pot HTTP/1.1\r\n" H "\r\n"),
     0,
     "BREW",
     HP_METHOD_OTHER,
     "/pot",
     1,
     {"Host", "example.test", NULL}},
    {"methods are case-sensitive: get is not GET",
     LIT("get / HTTP/1.1\r\n" H "\r\n"),
     0,
     "get",
     HP_METHOD_OTHER,
     "/",
     1,
     {"Host", "example.test", NULL}},
    {"every tchar in a method and a name",
     LIT("!#$%&'*+-.^_`|~09azAZ / HTTP/1.1\r\n" H "!#$%&'*+-.^_`|~09azAZ: v\r\n\r\n"),
     0,
     "!#$%&'*+-.^_`|~09azAZ",
     HP_METHOD_OTHER,
     "/",
     1,
     {"Host", "example.test", "!#$%&'*+-.^_`|~09azAZ", "v", NULL}},
    {"a query and escapes stay in the target",
     LIT("GET /a%20b?x=1&y=%7e HTTP/1.1\r\n" H "\r\n"),
     0,
     "GET",
     HP_GET,
     "/a%20b?x=1&y=%7e",
     1,
     {"Host", "example.test", NULL}},
    {"pipelined: the next request is left after the head",
     LIT("GET /1 HTTP/1.1\r\n" H "\r\nGET /2 HTTP/1.1\r\n" H "\r\n"),
     39,
     "GET",
     HP_GET,
     "/1",
     1,
     {"Host", "example.test", NULL}},
    {"field names keep their case",
     LIT("GET / HTTP/1.1\r\nhOsT: a\r\nCONNECTION: close\r\n\r\n"),
     0,
     "GET",
     HP_GET,
     "/",
     1,
     {"hOsT", "a", "CONNECTION", "close", NULL}},
    {"a colon inside a value",
     LIT("GET / HTTP/1.1\r\nHost: a:8080\r\nX: :b:\r\n\r\n"),
     0,
     "GET",
     HP_GET,
     "/",
     1,
     {"Host", "a:8080", "X", ":b:", NULL}},
    {"an empty Host in HTTP/1.1 is one Host",
     LIT("GET / HTTP/1.1\r\nHost:\r\n\r\n"),
     0,
     "GET",
     HP_GET,
     "/",
     1,
     {"Host", "", NULL}},
};
#define N_VALID (sizeof valid_rows / sizeof valid_rows[0])

/* 1 if s[0..n) is the string @p want. */
static int same_str(const char *s, size_t n, const char *want)
{
    return n == strlen(want) && memcmp(s, want, n) == 0;
}

/* Check a parse of row @p r (its buffer @p buf) against the row. */
static void expect_row(const valid_row *r, const char *buf, ssize_t got, const hp_request *rq,
                       const char *how)
{
    ssize_t head = (ssize_t)(r->len - r->rest);
    CU_EXPECT(got == head, __LINE__, "%s (%s): returned %zd, expected the head's length %zd",
              r->rule, how, got, head);
    if (got != head) {
        return;
    }
    CU_EXPECT(same_str(rq->rq_method, rq->rq_method_len, r->method) && rq->rq_method_id == r->id,
              __LINE__, "%s (%s): method '%.*s' (id %d), expected '%s' (id %d)", r->rule, how,
              (int)rq->rq_method_len, rq->rq_method, rq->rq_method_id, r->method, r->id);
    CU_EXPECT(same_str(rq->rq_target, rq->rq_target_len, r->target), __LINE__,
              "%s (%s): target '%.*s', expected '%s'", r->rule, how, (int)rq->rq_target_len,
              rq->rq_target, r->target);
    CU_EXPECT(rq->rq_minor == r->minor, __LINE__, "%s (%s): HTTP/1.%d, expected HTTP/1.%d", r->rule,
              how, rq->rq_minor, r->minor);
    size_t n = 0;
    while (r->fields[2 * n] != NULL) {
        n++;
    }
    CU_EXPECT(rq->rq_nfields == n, __LINE__, "%s (%s): %zu fields, expected %zu", r->rule, how,
              rq->rq_nfields, n);
    for (size_t i = 0; i < n && i < rq->rq_nfields; i++) {
        const hp_field *f = &rq->rq_fields[i];
        int in_buf = f->f_name >= buf && f->f_value + f->f_value_len <= buf + r->len;
        CU_EXPECT(in_buf && same_str(f->f_name, f->f_name_len, r->fields[2 * i]) &&
                      same_str(f->f_value, f->f_value_len, r->fields[2 * i + 1]),
                  __LINE__, "%s (%s): field %zu is '%.*s: %.*s', expected '%s: %s'%s", r->rule, how,
                  i, (int)f->f_name_len, f->f_name, (int)f->f_value_len, f->f_value,
                  r->fields[2 * i], r->fields[2 * i + 1], in_buf ? "" : " (not in the buffer)");
    }
}

void test_parse_valid(void)
{
    for (size_t i = 0; i < N_VALID; i++) {
        const valid_row *r = &valid_rows[i];
        char *buf = guarded(0, r->req, r->len);
        hp_request rq;
        expect_row(r, buf, hp_parse_request(buf, r->len, 0, &rq), &rq, "all at once");
    }
}

void test_find_field(void)
{
    static const char req[] = "GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, Upgrade\r\n"
                              "connection: CLOSE\r\nX-A: 1\r\nx-a: 2\r\n\r\n";
    char *buf = guarded(0, req, sizeof req - 1);
    hp_request rq;
    CU_ASSERT_FATAL(hp_parse_request(buf, sizeof req - 1, 0, &rq) == (ssize_t)(sizeof req - 1));
    size_t count = 0;
    const hp_field *f = hp_find_field(&rq, "X-a", &count);
    CU_EXPECT(f != NULL && count == 2 && same_str(f->f_value, f->f_value_len, "1"), __LINE__,
              "hp_find_field(X-a): expected the first of 2 (value 1), got count %zu", count);
    CU_EXPECT(hp_find_field(&rq, "missing", &count) == NULL && count == 0, __LINE__,
              "hp_find_field(missing): expected NULL and 0, got count %zu", count);
    CU_EXPECT(hp_field_has_token(&rq, "connection", "close"), __LINE__,
              "Connection: close in the second Connection field, case-insensitive, not found");
    CU_EXPECT(hp_field_has_token(&rq, "Connection", "upgrade"), __LINE__,
              "Connection: Upgrade, the second element of a list, not found");
    CU_EXPECT(!hp_field_has_token(&rq, "Connection", "keep"), __LINE__,
              "Connection has no token 'keep' (only keep-alive)");
    CU_EXPECT(hp_is_http11(&rq), __LINE__, "HTTP/1.1 is 1.1");
}

/* ---- malformed requests ------------------------------------------------------------ */

typedef struct bad_row {
    const char *rule;
    const char *req;
    size_t len;
    int status; /* the status it must give */
} bad_row;

static const bad_row bad_rows[] = {
    {"two spaces after the method", LIT("GET  / HTTP/1.1\r\n" H "\r\n"), 400},
    {"two spaces before the version", LIT("GET /  HTTP/1.1\r\n" H "\r\n"), 400},
    {"a space after the version", LIT("GET / HTTP/1.1 \r\n" H "\r\n"), 400},
    {"a space before the method", LIT(" GET / HTTP/1.1\r\n" H "\r\n"), 400},
    {"a tab between method and target", LIT("GET\t/ HTTP/1.1\r\n" H "\r\n"), 400},
    {"a tab between target and version", LIT("GET /\tHTTP/1.1\r\n" H "\r\n"), 400},
    {"no version (HTTP/0.9's simple request)", LIT("GET /\r\n\r\n"), 400},
    {"a method alone", LIT("GET\r\n\r\n"), 400},
    {"a control byte in the target", LIT("GET /a\x01 HTTP/1.1\r\n" H "\r\n"), 400},
    {"a byte over 0x7f in the target", LIT("GET /\xc3\xa9 HTTP/1.1\r\n" H "\r\n"), 400},
    {"a control byte in the method", LIT("G\x01T / HTTP/1.1\r\n" H "\r\n"), 400},
    {"a NUL in the method", LIT("G\0T / HTTP/1.1\r\n" H "\r\n"), 400},
    {"HTTP/2.0 is another major: 505", LIT("GET / HTTP/2.0\r\n" H "\r\n"), 505},
    {"HTTP/0.9 is another major: 505", LIT("GET / HTTP/0.9\r\n" H "\r\n"), 505},
    {"HTTP/3.0 is another major: 505", LIT("GET / HTTP/3.0\r\n" H "\r\n"), 505},
    {"HTTP/1 has no minor", LIT("GET / HTTP/1\r\n" H "\r\n"), 400},
    {"http/1.1 is lower case", LIT("GET / http/1.1\r\n" H "\r\n"), 400},
    {"HTTP/1.10 has two minor digits", LIT("GET / HTTP/1.10\r\n" H "\r\n"), 400},
    {"HTTP/11 has no dot", LIT("GET / HTTP/11\r\n" H "\r\n"), 400},
    {"HTTP/1.x: not a digit", LIT("GET / HTTP/1.x\r\n" H "\r\n"), 400},
    {"absolute-form target", LIT("GET http://example.test/ HTTP/1.1\r\n" H "\r\n"), 400},
    {"asterisk-form target", LIT("OPTIONS * HTTP/1.1\r\n" H "\r\n"), 400},
    {"authority-form target", LIT("CONNECT example.test:443 HTTP/1.1\r\n" H "\r\n"), 400},
    {"a bare CR inside the request line", LIT("GET /\r HTTP/1.1\r\n" H "\r\n"), 400},
    {"a bare CR after the version", LIT("GET / HTTP/1.1\r\rHost: a\r\n\r\n"), 400},
    {"a bare CR in a value", LIT("GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n"), 400},
    {"a bare CR in an empty line before the request", LIT("\r\r\nGET / HTTP/1.1\r\n" H "\r\n"),
     400},
    {"a bare CR as the last empty line", LIT("GET / HTTP/1.1\r\n" H "\r\r\n"), 400},
    {"a space between name and colon", LIT("GET / HTTP/1.1\r\nHost : a\r\n\r\n"), 400},
    {"a tab between name and colon", LIT("GET / HTTP/1.1\r\nHost\t: a\r\n\r\n"), 400},
    {"obs-fold with SP", LIT("GET / HTTP/1.1\r\n" H "X: a\r\n b\r\n\r\n"), 400},
    {"obs-fold with HTAB", LIT("GET / HTTP/1.1\r\n" H "X: a\r\n\tb\r\n\r\n"), 400},
    {"a field line without a colon", LIT("GET / HTTP/1.1\r\n" H "NoColon\r\n\r\n"), 400},
    {"an empty field name", LIT("GET / HTTP/1.1\r\n" H ": v\r\n\r\n"), 400},
    {"a byte that is not a tchar in a name", LIT("GET / HTTP/1.1\r\n" H "X@Y: v\r\n\r\n"), 400},
    {"NUL in a value", LIT("GET / HTTP/1.1\r\n" H "X: a\0b\r\n\r\n"), 400},
    {"0x01 in a value", LIT("GET / HTTP/1.1\r\n" H "X: \x01\r\n\r\n"), 400},
    {"0x1f in a value", LIT("GET / HTTP/1.1\r\n" H "X: a\x1f\r\n\r\n"), 400},
    {"DEL in a value", LIT("GET / HTTP/1.1\r\n" H "X: a\x7f\r\n\r\n"), 400},
    {"HTTP/1.1 without Host", LIT("GET / HTTP/1.1\r\nAccept: */*\r\n\r\n"), 400},
    {"HTTP/1.1 with two Host fields", LIT("GET / HTTP/1.1\r\n" H "host: b\r\n\r\n"), 400},
    {"HTTP/1.0 with two Host fields", LIT("GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n"), 400},
    {"two Content-Length fields",
     LIT("POST / HTTP/1.1\r\n" H "Content-Length: 1\r\n"
         "Content-Length: 1\r\n\r\nx"),
     400},
    {"an empty Content-Length", LIT("POST / HTTP/1.1\r\n" H "Content-Length:\r\n\r\n"), 400},
    {"a Content-Length list", LIT("POST / HTTP/1.1\r\n" H "Content-Length: 1, 1\r\n\r\nx"), 400},
    {"a signed Content-Length", LIT("POST / HTTP/1.1\r\n" H "Content-Length: +1\r\n\r\nx"), 400},
    {"a space inside Content-Length", LIT("POST / HTTP/1.1\r\n" H "Content-Length: 1 0\r\n\r\n"),
     400},
    {"a hex Content-Length", LIT("POST / HTTP/1.1\r\n" H "Content-Length: 0x10\r\n\r\n"), 400},
    {"Content-Length over 2^63",
     LIT("POST / HTTP/1.1\r\n" H "Content-Length: 9223372036854775809\r\n\r\n"), 400},
    {"both Transfer-Encoding and Content-Length",
     LIT("POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n"), 400},
    {"Transfer-Encoding in HTTP/1.0", LIT("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"),
     400},
    {"Transfer-Encoding: gzip", LIT("POST / HTTP/1.1\r\n" H "Transfer-Encoding: gzip\r\n\r\n"),
     501},
    {"Transfer-Encoding: chunked, gzip",
     LIT("POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked, gzip\r\n\r\n"), 501},
    {"Transfer-Encoding: ,chunked",
     LIT("POST / HTTP/1.1\r\n" H "Transfer-Encoding: ,chunked\r\n\r\n"), 501},
    {"Transfer-Encoding: identity",
     LIT("POST / HTTP/1.1\r\n" H "Transfer-Encoding: identity\r\n\r\n"), 501},
};
#define N_BAD (sizeof bad_rows / sizeof bad_rows[0])

/* What the server would answer for a whole request: the parser's error,
 * then the framing's; 0 for a request it accepts. */
static int status_of(ssize_t got, const hp_request *rq)
{
    if (got < 0) {
        return (int)-got;
    }
    hp_body body;
    int rc = hp_body_framing(rq, &body);
    return rc < 0 ? -rc : 0;
}

/* Feed buf[0..len) one more byte at a time until the parser answers;
 * @p fed gets how many bytes it had then. */
static ssize_t byte_by_byte(const char *buf, size_t len, hp_request *rq, size_t *fed)
{
    ssize_t got = HP_INCOMPLETE;
    size_t n = 0;
    while (got == HP_INCOMPLETE && n < len) {
        n++;
        got = hp_parse_request(buf, n, n - 1, rq);
    }
    *fed = n;
    return got;
}

void test_parse_malformed(void)
{
    for (size_t i = 0; i < N_BAD; i++) {
        const bad_row *r = &bad_rows[i];
        char *buf = guarded(0, r->req, r->len);
        hp_request rq;
        int got = status_of(hp_parse_request(buf, r->len, 0, &rq), &rq);
        CU_EXPECT(got == r->status, __LINE__, "%s: got %d, expected %d", r->rule, got, r->status);
    }
}

/* ---- cut at every point ------------------------------------------------------------ */

/* Parse row @p r in two calls, cut after @p cut bytes; with @p moved, the
 * second call sees the bytes in the other guarded area. */
static ssize_t parse_in_two(const valid_row *r, size_t cut, int moved, hp_request *rq, char **buf)
{
    *buf = guarded(0, r->req, r->len);
    ssize_t first = hp_parse_request(*buf, cut, 0, rq);
    size_t head = r->len - r->rest;
    if (cut >= head) {
        return first; /* the head was all there */
    }
    CU_EXPECT(first == HP_INCOMPLETE, __LINE__, "%s: the first %zu bytes gave %zd, expected %d",
              r->rule, cut, first, HP_INCOMPLETE);
    if (moved) {
        *buf = guarded(1, r->req, r->len);
    }
    return hp_parse_request(*buf, r->len, cut, rq);
}

static void split_rows(int moved)
{
    char how[64];
    for (size_t i = 0; i < N_VALID; i++) {
        const valid_row *r = &valid_rows[i];
        for (size_t cut = 1; cut < r->len; cut++) {
            hp_request rq;
            char *buf;
            ssize_t got = parse_in_two(r, cut, moved, &rq, &buf);
            snprintf(how, sizeof how, "cut after %zu bytes%s", cut, moved ? ", moved" : "");
            expect_row(r, buf, got, &rq, how);
        }
    }
}

void test_split_valid(void)
{
    split_rows(0);
    for (size_t i = 0; i < N_VALID; i++) {
        const valid_row *r = &valid_rows[i];
        char *buf = guarded(0, r->req, r->len);
        hp_request rq;
        size_t n = 0;
        ssize_t got = byte_by_byte(buf, r->len, &rq, &n);
        CU_EXPECT(n == r->len - r->rest, __LINE__, "%s: byte by byte, complete after %zu bytes",
                  r->rule, n);
        expect_row(r, buf, got, &rq, "byte by byte");
    }
}

void test_split_moved(void)
{
    split_rows(1);
}

void test_split_malformed(void)
{
    for (size_t i = 0; i < N_BAD; i++) {
        const bad_row *r = &bad_rows[i];
        char *buf = guarded(0, r->req, r->len);
        hp_request rq;
        size_t n = 0;
        int status = status_of(byte_by_byte(buf, r->len, &rq, &n), &rq);
        CU_EXPECT(status == r->status, __LINE__, "%s: byte by byte, got %d, expected %d", r->rule,
                  status, r->status);
    }
}

/* ---- limits ------------------------------------------------------------------------ */

/* A request whose target is @p tlen bytes ("/aaa..."), and how long it is. */
static size_t long_target(char *out, size_t tlen, int whole)
{
    size_t n = 0;
    memcpy(out, "GET /", 5);
    n = 5;
    memset(out + n, 'a', tlen - 1);
    n += tlen - 1;
    if (whole) {
        static const char rest[] = " HTTP/1.1\r\nHost: a\r\n\r\n";
        memcpy(out + n, rest, sizeof rest - 1);
        n += sizeof rest - 1;
    }
    return n;
}

void test_limit_target(void)
{
    static char req[HP_MAX_TARGET + 64];
    hp_request rq;
    size_t n = long_target(req, HP_MAX_TARGET, 1);
    ssize_t got = hp_parse_request(guarded(0, req, n), n, 0, &rq);
    CU_EXPECT(got == (ssize_t)n && rq.rq_target_len == HP_MAX_TARGET, __LINE__,
              "a target of %d bytes: got %zd, expected the head's length %zu", HP_MAX_TARGET, got,
              n);
    n = long_target(req, HP_MAX_TARGET + 1, 1);
    got = hp_parse_request(guarded(0, req, n), n, 0, &rq);
    CU_EXPECT(got == HP_ERR_TARGET_TOO_LONG, __LINE__, "a target of %d bytes: got %zd, expected %d",
              HP_MAX_TARGET + 1, got, HP_ERR_TARGET_TOO_LONG);
    n = long_target(req, HP_MAX_TARGET, 0);
    got = hp_parse_request(guarded(0, req, n), n, 0, &rq);
    CU_EXPECT(got == HP_INCOMPLETE, __LINE__,
              "%d target bytes and nothing after: got %zd, expected %d (need more)", HP_MAX_TARGET,
              got, HP_INCOMPLETE);
    n = long_target(req, HP_MAX_TARGET + 1, 0);
    got = hp_parse_request(guarded(0, req, n), n, 0, &rq);
    CU_EXPECT(got == HP_ERR_TARGET_TOO_LONG, __LINE__,
              "%d target bytes, the line unfinished: got %zd, expected %d at once",
              HP_MAX_TARGET + 1, got, HP_ERR_TARGET_TOO_LONG);
}

/* A request whose field lines take @p bytes (the last one padded), ended
 * with its empty line when @p whole. */
static size_t big_fields(char *out, size_t bytes, int whole)
{
    static const char line[] = "GET / HTTP/1.1\r\nHost: a\r\n";
    memcpy(out, line, sizeof line - 1);
    size_t n = sizeof line - 1, left = bytes - 9; /* "Host: a\r\n" */
    memcpy(out + n, "X: ", 3);
    memset(out + n + 3, 'v', left - 5);
    n += left - 2;
    memcpy(out + n, "\r\n", 2);
    n += 2;
    if (whole) {
        memcpy(out + n, "\r\n", 2);
        n += 2;
    }
    return n;
}

void test_limit_field_bytes(void)
{
    static char req[HP_MAX_FIELD_BYTES + 64];
    hp_request rq;
    size_t n = big_fields(req, HP_MAX_FIELD_BYTES, 1);
    ssize_t got = hp_parse_request(guarded(0, req, n), n, 0, &rq);
    CU_EXPECT(got == (ssize_t)n, __LINE__, "field lines of %d bytes: got %zd, expected %zu",
              HP_MAX_FIELD_BYTES, got, n);
    n = big_fields(req, HP_MAX_FIELD_BYTES + 1, 1);
    got = hp_parse_request(guarded(0, req, n), n, 0, &rq);
    CU_EXPECT(got == HP_ERR_FIELDS_TOO_LARGE, __LINE__,
              "field lines of %d bytes: got %zd, expected %d", HP_MAX_FIELD_BYTES + 1, got,
              HP_ERR_FIELDS_TOO_LARGE);
    /* 16385 bytes of a field line whose line end has not come. */
    n = big_fields(req, HP_MAX_FIELD_BYTES + 3, 0) - 2;
    got = hp_parse_request(guarded(0, req, n), n, 0, &rq);
    CU_EXPECT(got == HP_ERR_FIELDS_TOO_LARGE, __LINE__,
              "%d bytes of field lines, the last unfinished: got %zd, expected %d at once",
              HP_MAX_FIELD_BYTES + 1, got, HP_ERR_FIELDS_TOO_LARGE);
}

/* A request with @p count fields (Host and X-N: N). */
static size_t many_fields(char *out, size_t cap, int count)
{
    size_t n = (size_t)snprintf(out, cap, "GET / HTTP/1.1\r\nHost: a\r\n");
    for (int i = 1; i < count; i++) {
        n += (size_t)snprintf(out + n, cap - n, "X-%d: %d\r\n", i, i);
    }
    n += (size_t)snprintf(out + n, cap - n, "\r\n");
    return n;
}

void test_limit_field_count(void)
{
    static char req[4096];
    hp_request rq;
    size_t n = many_fields(req, sizeof req, HP_MAX_FIELDS);
    ssize_t got = hp_parse_request(guarded(0, req, n), n, 0, &rq);
    CU_EXPECT(got == (ssize_t)n && rq.rq_nfields == HP_MAX_FIELDS, __LINE__,
              "%d fields: got %zd, %zu fields", HP_MAX_FIELDS, got, rq.rq_nfields);
    n = many_fields(req, sizeof req, HP_MAX_FIELDS + 1);
    got = hp_parse_request(guarded(0, req, n), n, 0, &rq);
    CU_EXPECT(got == HP_ERR_FIELDS_TOO_LARGE, __LINE__, "%d fields: got %zd, expected %d",
              HP_MAX_FIELDS + 1, got, HP_ERR_FIELDS_TOO_LARGE);
}

void test_limit_method(void)
{
    char req[256];
    hp_request rq;
    for (int len = HP_MAX_METHOD; len <= HP_MAX_METHOD + 1; len++) {
        memset(req, 'M', (size_t)len);
        int n =
            len + snprintf(req + len, sizeof req - (size_t)len, " / HTTP/1.1\r\nHost: a\r\n\r\n");
        ssize_t got = hp_parse_request(guarded(0, req, (size_t)n), (size_t)n, 0, &rq);
        ssize_t want = len == HP_MAX_METHOD ? n : HP_ERR_NOT_IMPLEMENTED;
        CU_EXPECT(got == want, __LINE__, "a method of %d bytes: got %zd, expected %zd", len, got,
                  want);
    }
}
