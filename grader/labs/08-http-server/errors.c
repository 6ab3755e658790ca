/* errors.c - lab 08's refusals, at their edges: malformed request lines
 * and fields (an h1spec-style set), versions, methods, Host, the framing
 * of a body (an HTTP Garden-style set of ambiguous requests), and the
 * limits on the target and the header section, each with the request just
 * inside accepted. Each probe goes on a connection of its own and must get
 * its status, a close after a closing one, and never a second answer. */
#include "lab08.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define H "Host: localhost\r\n"

static const lab08_probe malformed[] = {
    {"two spaces after the method", "GET  /hello.txt HTTP/1.1\r\n" H "\r\n", 400},
    {"a tab for a space", "GET\t/hello.txt HTTP/1.1\r\n" H "\r\n", 400},
    {"no version", "GET /hello.txt\r\n" H "\r\n", 400},
    {"a space at the end of the request line", "GET /hello.txt HTTP/1.1 \r\n" H "\r\n", 400},
    {"a control byte in the method", "G\x01T /hello.txt HTTP/1.1\r\n" H "\r\n", 400},
    {"a method that is not a token", "GE(T /hello.txt HTTP/1.1\r\n" H "\r\n", 400},
    {"a bare CR in the request line", "GET /hello.txt\rHTTP/1.1\r\n" H "\r\n", 400},
    {"version HTTP/1", "GET /hello.txt HTTP/1\r\n" H "\r\n", 400},
    {"version http/1.1", "GET /hello.txt http/1.1\r\n" H "\r\n", 400},
    {"version HTTP/1.10", "GET /hello.txt HTTP/1.10\r\n" H "\r\n", 400},
    {"version HTTP/11", "GET /hello.txt HTTP/11\r\n" H "\r\n", 400},
    {"an absolute-form target", "GET http://localhost/hello.txt HTTP/1.1\r\n" H "\r\n", 400},
    {"the asterisk-form", "GET * HTTP/1.1\r\n" H "\r\n", 400},
    {"an authority-form target", "GET localhost:80 HTTP/1.1\r\n" H "\r\n", 400},
    {"a space before the colon", "GET /hello.txt HTTP/1.1\r\nHost : localhost\r\n\r\n", 400},
    {"obs-fold", "GET /hello.txt HTTP/1.1\r\n" H "X-A: 1\r\n  2\r\n\r\n", 400},
    {"a field line without a colon", "GET /hello.txt HTTP/1.1\r\n" H "NoColon\r\n\r\n", 400},
    {"a field name that is not a token", "GET /hello.txt HTTP/1.1\r\n" H "X(A): 1\r\n\r\n", 400},
    {"an empty field name", "GET /hello.txt HTTP/1.1\r\n" H ": 1\r\n\r\n", 400},
    {"a bare CR in a field", "GET /hello.txt HTTP/1.1\r\n" H "X-A: 1\r2\r\n\r\n", 400},
    {"a DEL in a value", "GET /hello.txt HTTP/1.1\r\n" H "X-A: a\x7f\r\n\r\n", 400},
    {"a control byte in a value", "GET /hello.txt HTTP/1.1\r\n" H "X-A: a\x01z\r\n\r\n", 400},
    {"no Host in HTTP/1.1", "GET /hello.txt HTTP/1.1\r\n\r\n", 400},
    {"two Host fields", "GET /hello.txt HTTP/1.1\r\n" H "Host: other\r\n\r\n", 400},
    {"a head ending \\r\\n\\rX", "GET /hello.txt HTTP/1.1\r\n" H "\rX\r\n\r\n", 400},
    {"version HTTP/2.0", "GET /hello.txt HTTP/2.0\r\n" H "\r\n", 505},
    {"version HTTP/0.9", "GET /hello.txt HTTP/0.9\r\n" H "\r\n", 505},
    {"version HTTP/3.0", "GET /hello.txt HTTP/3.0\r\n" H "\r\n", 505},
};

/* Accepted: the edges just inside. */
static const lab08_probe accepted[] = {
    {"empty lines before the request line", "\r\n\r\nGET /hello.txt HTTP/1.1\r\n" H "\r\n", 200},
    {"bare LF line ends", "GET /hello.txt HTTP/1.1\n" H "\n", 200},
    {"HTTP/1.0 without Host", "GET /hello.txt HTTP/1.0\r\n\r\n", 200},
    {"HTTP/1.9, served as 1.1", "GET /hello.txt HTTP/1.9\r\n" H "\r\n", 200},
    {"a value with tabs and spaces around it",
     "GET /hello.txt HTTP/1.1\r\n" H "X-A: \t a b \t\r\n\r\n", 200},
    {"a value with a tab inside and obs-text",
     "GET /hello.txt HTTP/1.1\r\n" H "X-A: a\tb\xe9\r\n\r\n", 200},
    {"field names in any case", "GET /hello.txt HTTP/1.1\r\nhOsT: localhost\r\n\r\n", 200},
};

static const lab08_probe methods[] = {
    {"PUT", "PUT /hello.txt HTTP/1.1\r\n" H "Content-Length: 0\r\n\r\n", 501},
    {"DELETE", "DELETE /hello.txt HTTP/1.1\r\n" H "\r\n", 501},
    {"OPTIONS", "OPTIONS /hello.txt HTTP/1.1\r\n" H "\r\n", 501},
    {"get in lowercase", "get /hello.txt HTTP/1.1\r\n" H "\r\n", 501},
    {"BREW", "BREW /hello.txt HTTP/1.1\r\n" H "\r\n", 501},
};

/* The framing of a body, ambiguous in ways real servers got wrong. */
static const lab08_probe framing[] = {
    {"Content-Length and Transfer-Encoding",
     "POST /api/submit HTTP/1.1\r\n" H "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
     "0\r\n\r\n",
     400},
    {"two Content-Length fields",
     "POST /api/submit HTTP/1.1\r\n" H "Content-Length: 1\r\nContent-Length: 1\r\n\r\nab", 400},
    {"a Content-Length list", "POST /api/submit HTTP/1.1\r\n" H "Content-Length: 1, 1\r\n\r\nab",
     400},
    {"an empty Content-Length", "POST /api/submit HTTP/1.1\r\n" H "Content-Length:\r\n\r\n", 400},
    {"a negative Content-Length", "POST /api/submit HTTP/1.1\r\n" H "Content-Length: -1\r\n\r\n",
     400},
    {"a signed Content-Length", "POST /api/submit HTTP/1.1\r\n" H "Content-Length: +1\r\n\r\na",
     400},
    {"a space inside Content-Length",
     "POST /api/submit HTTP/1.1\r\n" H "Content-Length: 1 0\r\n\r\n", 400},
    {"a Content-Length in hex", "POST /api/submit HTTP/1.1\r\n" H "Content-Length: 0x1\r\n\r\na",
     400},
    {"a Content-Length over 2^63",
     "POST /api/submit HTTP/1.1\r\n" H "Content-Length: 99999999999999999999\r\n\r\n", 400},
    {"a NUL in Content-Length",
     "POST /api/submit HTTP/1.1\r\n" H "Content-Length: 1\x00"
     "0\r\n\r\n",
     400},
    {"chunk size 0_2e",
     "POST /api/submit HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\n\r\n0_2e\r\n\r\n", 400},
    {"chunk size with a space before",
     "POST /api/submit HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\n\r\n 5\r\nhello\r\n0\r\n\r\n",
     400},
    {"chunk size with a space after",
     "POST /api/submit HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\n\r\n5 \r\nhello\r\n0\r\n\r\n",
     400},
    {"chunk size 0x5",
     "POST /api/submit HTTP/1.1\r\n" H
     "Transfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n",
     400},
    {"an empty chunk size",
     "POST /api/submit HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\n\r\n\r\nhello\r\n0\r\n\r\n",
     400},
    {"a chunk size of 16 digits",
     "POST /api/submit HTTP/1.1\r\n" H
     "Transfer-Encoding: chunked\r\n\r\n0000000000000005\r\nhello\r\n0\r\n\r\n",
     400},
    {"chunk data not followed by CRLF",
     "POST /api/submit HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\n\r\n3\r\nhelXX\r\n0\r\n\r\n",
     400},
    {"Transfer-Encoding in HTTP/1.0",
     "POST /api/submit HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
    {"Transfer-Encoding: gzip", "POST /api/submit HTTP/1.1\r\n" H "Transfer-Encoding: gzip\r\n\r\n",
     501},
    {"Transfer-Encoding: chunked, gzip",
     "POST /api/submit HTTP/1.1\r\n" H "Transfer-Encoding: chunked, gzip\r\n\r\n", 501},
    {"Transfer-Encoding: ,chunked",
     "POST /api/submit HTTP/1.1\r\n" H "Transfer-Encoding: ,chunked\r\n\r\n", 501},
    {"Transfer-Encoding: identity",
     "POST /api/submit HTTP/1.1\r\n" H "Transfer-Encoding: identity\r\n\r\n", 501},
    {"POST without a length", "POST /api/submit HTTP/1.1\r\n" H "\r\n", 411},
};

/* A probe's bytes may hold a NUL: the framing set's "NUL in Content-Length". */
static int probe_nul(gr_ctx *ctx)
{
    static const char req[] = "POST /api/submit HTTP/1.1\r\n" H "Content-Length: 1\x00"
                              "0\r\n\r\n";
    gr_http h;
    if (gr_http_connect(ctx, &h, "a NUL in Content-Length") != 0) {
        return -1;
    }
    gr_http_resp r = {0};
    int rc = gr_http_expect(ctx, &h, req, sizeof req - 1, 0, &r, "a NUL in Content-Length");
    if (rc == 0) {
        rc = lab08_want_status(ctx, req, &r, 400, "a NUL in Content-Length");
    }
    gr_http_resp_free(&r);
    gr_http_close(&h);
    return rc;
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

int lab08_check_probes(gr_ctx *ctx)
{
    const char *set = gr_arg(ctx);
    if (strcmp(set, "malformed") == 0) {
        return lab08_probe_set(ctx, accepted, N(accepted)) ||
               lab08_probe_set(ctx, malformed, N(malformed));
    }
    if (strcmp(set, "methods") == 0) {
        return lab08_probe_set(ctx, methods, N(methods)) ||
               lab08_want_405(ctx, "POST", "/hello.txt", "GET, HEAD") ||
               lab08_want_405(ctx, "POST", "/dir/", "GET, HEAD");
    }
    /* The NUL probe is sent with its length (a C string would stop at it). */
    return lab08_probe_set(ctx, framing, 9) || probe_nul(ctx) ||
           lab08_probe_set(ctx, framing + 10, N(framing) - 10);
}

/* A request for a target of @p len bytes ("/hello.txt?aaaa..."). */
static char *long_target(size_t len)
{
    char *req = malloc(len + 128);
    if (req != NULL) {
        int k = sprintf(req, "GET /hello.txt?");
        memset(req + k, 'a', len - (size_t)(k - 4));
        sprintf(req + k + len - (size_t)(k - 4), " HTTP/1.1\r\n" H "\r\n");
    }
    return req;
}

static int want_target(gr_ctx *ctx, size_t len, int status)
{
    char *req = long_target(len);
    if (req == NULL) {
        return gr_fail(ctx, "the grader ran out of memory");
    }
    char what[64];
    snprintf(what, sizeof what, "a target of %zu bytes", len);
    lab08_probe p = {what, req, status};
    int rc = lab08_probe_set(ctx, &p, 1);
    free(req);
    return rc;
}

int lab08_check_uri_limit(gr_ctx *ctx)
{
    return want_target(ctx, LAB08_TARGET_MAX, 200) || want_target(ctx, LAB08_TARGET_MAX + 1, 414);
}

/* A request whose field lines total @p bytes in @p nfields fields (Host
 * among them). */
static char *many_fields(size_t bytes, size_t nfields)
{
    char *req = malloc(bytes + 256);
    if (req == NULL || nfields < 2) {
        free(req);
        return NULL;
    }
    size_t k = (size_t)sprintf(req, "GET /hello.txt HTTP/1.1\r\n" H);
    size_t left = bytes - (sizeof H - 1);
    for (size_t i = 1; i < nfields; i++) {
        size_t line = left / (nfields - i); /* "X-N: vvv\r\n" */
        int head = sprintf(req + k, "X-%zu: ", i);
        memset(req + k + (size_t)head, 'v', line - (size_t)head - 2);
        memcpy(req + k + line - 2, "\r\n", 2);
        k += line;
        left -= line;
    }
    memcpy(req + k, "\r\n", 3);
    return req;
}

static int want_fields(gr_ctx *ctx, size_t bytes, size_t nfields, int status)
{
    char *req = many_fields(bytes, nfields);
    if (req == NULL) {
        return gr_fail(ctx, "the grader ran out of memory");
    }
    char what[96];
    snprintf(what, sizeof what, "%zu fields in %zu bytes of field lines", nfields, bytes);
    lab08_probe p = {what, req, status};
    int rc = lab08_probe_set(ctx, &p, 1);
    free(req);
    return rc;
}

int lab08_check_header_limits(gr_ctx *ctx)
{
    return want_fields(ctx, LAB08_FIELDS_BYTES, 10, 200) ||
           want_fields(ctx, LAB08_FIELDS_BYTES + 1, 10, 431) ||
           want_fields(ctx, 2000, LAB08_FIELDS_MAX, 200) ||
           want_fields(ctx, 2000, LAB08_FIELDS_MAX + 1, 431);
}
