/* persist.c - lab 08's connections: persistent in 1.1, Connection: close
 * honoured, 1.0 closing unless it asks for keep-alive, a pipelined burst
 * answered in order, and a request split at every byte boundary. */
#include "lab08.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Send @p req on @p h and read its response into @p r. */
static int ask(gr_ctx *ctx, gr_http *h, const char *req, gr_http_resp *r, const char *what)
{
    gr_http_resp_free(r);
    return gr_http_expect(ctx, h, req, strlen(req), 0, r, what) ||
           lab08_want_status(ctx, req, r, 200, what);
}

int lab08_check_keep_alive(gr_ctx *ctx)
{
    gr_http h;
    if (gr_http_connect(ctx, &h, "keep-alive") != 0) {
        return -1;
    }
    char req[256];
    lab08_get(req, sizeof req, "GET", "/hello.txt", NULL);
    gr_http_resp r = {0};
    int rc = 0;
    for (int i = 0; i < 5 && rc == 0; i++) {
        char what[64];
        snprintf(what, sizeof what, "request %d on one connection", i + 1);
        rc = ask(ctx, &h, req, &r, what);
        if (rc == 0 && gr_http_says_close(&r)) {
            rc = gr_http_fail(ctx, req, strlen(req), &r,
                              "%s: Connection: close, in HTTP/1.1 without being asked", what);
        }
    }
    gr_http_resp_free(&r);
    gr_http_close(&h);
    return rc;
}

int lab08_check_connection_close(gr_ctx *ctx)
{
    static const char *const asks[] = {"Connection: close\r\n",
                                       "Connection: Keep-Alive, CLOSE\r\n"};
    for (size_t i = 0; i < 2; i++) {
        gr_http h;
        if (gr_http_connect(ctx, &h, "Connection: close") != 0) {
            return -1;
        }
        char req[256];
        lab08_get(req, sizeof req, "GET", "/hello.txt", asks[i]);
        gr_http_resp r = {0};
        int rc = ask(ctx, &h, req, &r, "a request with Connection: close");
        if (rc == 0) {
            rc = lab08_want_close(ctx, &h, req, &r, "a request with Connection: close");
        }
        gr_http_resp_free(&r);
        gr_http_close(&h);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

int lab08_check_http10(gr_ctx *ctx)
{
    static const char plain[] = "GET /hello.txt HTTP/1.0\r\n\r\n";
    static const char keep[] = "GET /hello.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n";
    gr_http h;
    if (gr_http_connect(ctx, &h, "HTTP/1.0") != 0) {
        return -1;
    }
    gr_http_resp r = {0};
    int rc = ask(ctx, &h, plain, &r, "an HTTP/1.0 request");
    if (rc == 0) {
        rc = lab08_want_close(ctx, &h, plain, &r, "an HTTP/1.0 request");
    }
    gr_http_close(&h);
    if (rc == 0 && gr_http_connect(ctx, &h, "HTTP/1.0 keep-alive") == 0) {
        rc = ask(ctx, &h, keep, &r, "HTTP/1.0 with Connection: keep-alive");
        if (rc == 0 && !gr_http_has_token(gr_http_field_of(&r, "Connection"), "keep-alive")) {
            rc = gr_http_fail(ctx, keep, sizeof keep - 1, &r,
                              "HTTP/1.0 with Connection: keep-alive: the response does not say "
                              "Connection: keep-alive");
        }
        if (rc == 0) {
            rc = lab08_want_open(ctx, &h, keep, &r, "HTTP/1.0 with Connection: keep-alive");
        }
        gr_http_close(&h);
    } else if (rc == 0) {
        rc = -1;
    }
    gr_http_resp_free(&r);
    return rc;
}

int lab08_check_pipelining(gr_ctx *ctx)
{
    static const char *const names[] = {"hello.txt",  "style.css", "app.js",        "data.json",
                                        "index.html", "blob.bin",  "dir/page.html", "logo.svg"};
    enum { N = sizeof names / sizeof names[0] };
    gr_str burst = {0};
    for (size_t i = 0; i < N; i++) {
        gr_str_addf(&burst, "%s /%s HTTP/1.1\r\nHost: localhost\r\n\r\n", i == 3 ? "HEAD" : "GET",
                    names[i]);
    }
    gr_http h;
    if (gr_http_connect(ctx, &h, "pipelined") != 0) {
        gr_str_free(&burst);
        return -1;
    }
    const char *req = gr_str_cstr(&burst);
    int rc =
        gr_http_send(&h, req, burst.s_len, gr_deadline(ctx)) == 0
            ? 0
            : gr_fail(ctx, "the server did not take %zu bytes of pipelined requests", burst.s_len);
    for (size_t i = 0; i < N && rc == 0; i++) {
        size_t n = 0;
        unsigned char *want = lab08_file(ctx, names[i], &n);
        gr_http_resp r = {0};
        int got = gr_http_read(&h, i == 3 ? GR_HTTP_HEAD : 0, gr_soon(ctx, 3000), &r);
        if (got != GR_HTTP_OK || r.hr_status != 200 ||
            (i != 3 && (r.hr_body_len != n || memcmp(r.hr_body, want, n) != 0))) {
            gr_hint(ctx, "Requests may come back to back in one read: parse one, answer it, and "
                         "keep the bytes after it for the next (they are its start). In C: a "
                         "per-connection buffer; after a request, memmove() what is left to the "
                         "front and parse again before the next recv(). In Python: read from "
                         "self.rfile, which buffers, never socket.recv() into a throwaway.");
            rc = gr_http_fail(ctx, req, burst.s_len, &r,
                              "%d requests sent at once: response %zu (to /%s) is %s", (int)N,
                              i + 1, names[i], got == GR_HTTP_OK ? "not that file" : "missing");
        }
        gr_http_resp_free(&r);
        free(want);
    }
    gr_http_close(&h);
    gr_str_free(&burst);
    return rc;
}

/* The request split at @p cut: the first part, then (once the server has
 * had it) the rest; one whole response. */
static int split_at(gr_ctx *ctx, const char *req, size_t cut, const unsigned char *want, size_t n)
{
    gr_http h;
    if (gr_http_connect(ctx, &h, "split") != 0) {
        return -1;
    }
    size_t len = strlen(req);
    int rc = gr_http_send(&h, req, cut, gr_deadline(ctx));
    /* Nothing may come for half a request; a short look, not a wait. */
    if (rc == 0 && gr_http_quiet_until(&h, gr_soon(ctx, 20)) != 1) {
        rc = gr_fail(ctx,
                     "after the first %zu of %zu bytes of a request, the server answered "
                     "or closed before the rest came",
                     cut, len);
    } else if (rc == 0) {
        gr_http_resp r = {0};
        rc = gr_http_expect(ctx, &h, req + cut, len - cut, 0, &r, "the rest of a split request");
        if (rc == 0 && (r.hr_status != 200 || r.hr_body_len != n || memcmp(r.hr_body, want, n))) {
            rc = gr_http_fail(ctx, req, len, &r, "a request split after byte %zu: not the file",
                              cut);
        }
        gr_http_resp_free(&r);
    }
    if (rc != 0) {
        gr_hint(ctx, "TCP is a stream: a request can arrive in any number of pieces, cut "
                     "anywhere. In C: recv() into the connection's buffer and parse again until "
                     "the empty line (and the body) are there; a parser that returns 'need more' "
                     "and resumes. In Python: read with self.rfile.readline(), never one "
                     "socket.recv() taken as the request.");
    }
    gr_http_close(&h);
    return rc;
}

int lab08_check_split(gr_ctx *ctx)
{
    static const char req[] = "GET /data.json HTTP/1.1\r\nHost: localhost\r\nX-A: b\r\n\r\n";
    size_t n = 0;
    unsigned char *want = lab08_file(ctx, "data.json", &n);
    int rc = want == NULL ? -1 : 0;
    for (size_t cut = 1; cut < sizeof req - 1 && rc == 0; cut++) {
        rc = split_at(ctx, req, cut, want, n);
    }
    free(want);
    return rc;
}
