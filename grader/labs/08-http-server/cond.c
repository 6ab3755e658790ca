/* cond.c - lab 08's conditional requests, gzip and ranges: 304 with no
 * body at and after the mtime, gzip decoded with zlib equal to the file
 * with the compressed length, Accept-Encoding's lists and weights, Vary,
 * and byte ranges at their edges. And curl, a real client, on all of it. */
#include "lab08.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* GET (or HEAD) @p target with @p extra fields. */
static int ask(gr_ctx *ctx, const char *method, const char *target, const char *extra,
               gr_http_resp *r, char *req, size_t cap)
{
    lab08_get(req, cap, method, target, extra);
    return lab08_request(ctx, req, strcmp(method, "HEAD") == 0 ? GR_HTTP_HEAD : 0, r, target);
}

/* The response is 304 (no body: the next response on the connection is whole). */
static int want_304(gr_ctx *ctx, const char *since)
{
    char extra[128], req[512], last[32];
    snprintf(extra, sizeof extra, "If-Modified-Since: %s\r\n", since);
    lab08_get(req, sizeof req, "GET", "/hello.txt", extra);
    gr_http h;
    if (gr_http_connect(ctx, &h, "If-Modified-Since") != 0) {
        return -1;
    }
    gr_http_resp r = {0};
    int rc = gr_http_expect(ctx, &h, req, strlen(req), 0, &r, "If-Modified-Since") ||
             lab08_want_status(ctx, req, &r, 304, "If-Modified-Since at or after the mtime") ||
             lab08_want_field(ctx, req, &r, "Last-Modified", gr_http_format_date(LAB08_MTIME, last),
                              "a 304");
    if (rc == 0 && lab08_want_open(ctx, &h, req, &r, "a 304") != 0) {
        gr_hint(ctx, "A 304 has no body, ever: the client reads what follows its head as the "
                     "next response. In C: send the head (Last-Modified, Date) and stop; no "
                     "sendfile(). In Python: send_response(304), end_headers(), return.");
        rc = -1;
    }
    gr_http_resp_free(&r);
    gr_http_close(&h);
    return rc;
}

static int want_200_since(gr_ctx *ctx, const char *since)
{
    char extra[128], req[512];
    snprintf(extra, sizeof extra, "If-Modified-Since: %s\r\n", since);
    gr_http_resp r = {0};
    int rc = ask(ctx, "GET", "/hello.txt", extra, &r, req, sizeof req) ||
             lab08_want_status(ctx, req, &r, 200, since);
    gr_http_resp_free(&r);
    return rc;
}

int lab08_check_conditional(gr_ctx *ctx)
{
    char at[32], after[32], before[32];
    gr_http_format_date(LAB08_MTIME, at);
    gr_http_format_date(LAB08_MTIME + 3600, after);
    gr_http_format_date(LAB08_MTIME - 1, before);
    return want_304(ctx, at) || want_304(ctx, after) || want_200_since(ctx, before) ||
           want_200_since(ctx, "yesterday") || want_200_since(ctx, "Tue, 14 Nov 2023 99:13:20 GMT");
}

/* GET /zip.txt with @p ae: gzipped (decoded equal, compressed length) or not. */
static int gzip_with(gr_ctx *ctx, const char *ae, int want_gzip, const unsigned char *file,
                     size_t n)
{
    char extra[160], req[512];
    snprintf(extra, sizeof extra, "Accept-Encoding: %s\r\n", ae);
    gr_http_resp r = {0};
    int rc = ask(ctx, "GET", "/zip.txt", extra, &r, req, sizeof req) ||
             lab08_want_status(ctx, req, &r, 200, ae);
    const char *ce = gr_http_field_of(&r, "Content-Encoding");
    int gz = ce != NULL && strcmp(ce, "gzip") == 0;
    if (rc == 0 && !gr_http_has_token(gr_http_field_of(&r, "Vary"), "Accept-Encoding")) {
        rc = gr_http_fail(ctx, req, strlen(req), &r,
                          "Accept-Encoding: %s: no Vary: "
                          "Accept-Encoding on a text file",
                          ae);
    } else if (rc == 0 && gz != want_gzip) {
        rc = gr_http_fail(ctx, req, strlen(req), &r, "Accept-Encoding: %s: %s", ae,
                          want_gzip ? "not gzipped, where gzip is allowed"
                                    : "gzipped, where gzip is refused");
    }
    unsigned char *plain = NULL;
    size_t pn = 0;
    if (rc == 0 && gz && gr_http_gunzip(r.hr_body, r.hr_body_len, &plain, &pn) != 0) {
        gr_hint(ctx, "Content-Length counts the bytes sent: for a gzipped body, the compressed "
                     "ones. In C: compress into a buffer with zlib (deflateInit2 with 16 + "
                     "MAX_WBITS for the gzip wrapper), then Content-Length is that buffer's "
                     "length. In Python: data = gzip.compress(body); Content-Length: len(data).");
        rc = gr_http_fail(ctx, req, strlen(req), &r,
                          "Accept-Encoding: %s: the body (%zu bytes "
                          "by its Content-Length) is not one gzip stream",
                          ae, r.hr_body_len);
    } else if (rc == 0 && gz && (pn != n || memcmp(plain, file, n) != 0)) {
        rc = gr_fail_bytes(ctx, req, strlen(req), file, n, plain, pn,
                           "Accept-Encoding: %s: the body, gunzipped, is not the file", ae);
    } else if (rc == 0 && !gz && (r.hr_body_len != n || memcmp(r.hr_body, file, n) != 0)) {
        rc = gr_fail_bytes(ctx, req, strlen(req), file, n, r.hr_body, r.hr_body_len,
                           "Accept-Encoding: %s: the body is not the file", ae);
    }
    free(plain);
    gr_http_resp_free(&r);
    return rc;
}

int lab08_check_gzip(gr_ctx *ctx)
{
    size_t n = 0;
    unsigned char *file = lab08_file(ctx, "zip.txt", &n);
    if (file == NULL) {
        return -1;
    }
    int rc = gzip_with(ctx, "gzip", 1, file, n) || gzip_with(ctx, "identity", 0, file, n);
    /* HEAD: the same fields as the gzipped GET. */
    char req[512];
    gr_http_resp r = {0};
    if (rc == 0) {
        rc = ask(ctx, "HEAD", "/zip.txt", "Accept-Encoding: gzip\r\n", &r, req, sizeof req) ||
             lab08_want_field(ctx, req, &r, "Content-Encoding", "gzip", "HEAD with gzip");
    }
    gr_http_resp_free(&r);
    free(file);
    return rc;
}

int lab08_check_gzip_choice(gr_ctx *ctx)
{
    static const struct {
        const char *ae;
        int gzip;
    } lists[] = {
        {"gzip;q=0", 0}, {"deflate, gzip;q=0.5", 1}, {"*", 1},    {"*;q=0", 0},
        {"br, *", 1},    {"gzip;q=0, *", 0},         {"GZIP", 1}, {"x-gzip", 1},
        {"deflate", 0},  {"identity;q=1, *;q=0", 0},
    };
    size_t n = 0;
    unsigned char *file = lab08_file(ctx, "zip.txt", &n);
    int rc = file == NULL ? -1 : 0;
    for (size_t i = 0; i < sizeof lists / sizeof lists[0] && rc == 0; i++) {
        rc = gzip_with(ctx, lists[i].ae, lists[i].gzip, file, n);
    }
    free(file);
    return rc;
}

/* GET /range.bin with Range @p range: @p status, and bytes [a, b]. */
static int range(gr_ctx *ctx, const char *range, int status, long a, long b,
                 const unsigned char *file, size_t n)
{
    char extra[128], req[512], cr[64];
    snprintf(extra, sizeof extra, "Range: %s\r\n", range);
    gr_http_resp r = {0};
    int rc = ask(ctx, "GET", "/range.bin", extra, &r, req, sizeof req) ||
             lab08_want_status(ctx, req, &r, status, range);
    if (rc == 0 && status == 206) {
        snprintf(cr, sizeof cr, "bytes %ld-%ld/%zu", a, b, n);
        rc = lab08_want_field(ctx, req, &r, "Content-Range", cr, range);
        if (rc == 0 &&
            (r.hr_body_len != (size_t)(b - a + 1) || memcmp(r.hr_body, file + a, r.hr_body_len))) {
            rc = gr_fail_bytes(ctx, req, strlen(req), file + a, (size_t)(b - a + 1), r.hr_body,
                               r.hr_body_len, "Range: %s: not bytes %ld to %ld", range, a, b);
        }
    } else if (rc == 0 && status == 416) {
        snprintf(cr, sizeof cr, "bytes */%zu", n);
        rc = lab08_want_field(ctx, req, &r, "Content-Range", cr, range);
    } else if (rc == 0 && (r.hr_body_len != n || memcmp(r.hr_body, file, n) != 0)) {
        rc = gr_fail_bytes(ctx, req, strlen(req), file, n, r.hr_body, r.hr_body_len,
                           "Range: %s (ignored): not the whole file", range);
    }
    gr_http_resp_free(&r);
    return rc;
}

int lab08_check_ranges(gr_ctx *ctx)
{
    size_t n = 0;
    unsigned char *f = lab08_file(ctx, "range.bin", &n);
    if (f == NULL) {
        return -1;
    }
    long last = (long)n - 1;
    int rc =
        range(ctx, "bytes=0-99", 206, 0, 99, f, n) ||
        range(ctx, "bytes=100-100", 206, 100, 100, f, n) ||
        range(ctx, "bytes=900-", 206, 900, last, f, n) ||
        range(ctx, "bytes=-10", 206, last - 9, last, f, n) ||
        range(ctx, "bytes=-5000", 206, 0, last, f, n) ||
        range(ctx, "bytes=990-2000", 206, 990, last, f, n) ||
        range(ctx, "bytes=1000-", 416, 0, 0, f, n) ||
        range(ctx, "bytes=5000-6000", 416, 0, 0, f, n) || range(ctx, "bytes=-0", 416, 0, 0, f, n) ||
        range(ctx, "bytes=0-1,5-6", 200, 0, 0, f, n) || range(ctx, "bytes=5-1", 200, 0, 0, f, n) ||
        range(ctx, "items=0-1", 200, 0, 0, f, n) || range(ctx, "bytes=a-b", 200, 0, 0, f, n);
    free(f);
    return rc;
}
