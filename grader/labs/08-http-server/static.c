/* static.c - lab 08's static files: GET and HEAD by hash with their
 * fields, the Content-Type table, index.html and the 301 for a directory,
 * 404 and 403. */
#include "lab08.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A file's bytes and its response compared; the fields GET and HEAD share. */
static int want_file_fields(gr_ctx *ctx, const char *req, const gr_http_resp *r, size_t size,
                            const char *type, const char *what)
{
    char len[32], last[32];
    snprintf(len, sizeof len, "%zu", size);
    gr_http_format_date(LAB08_MTIME, last);
    if (lab08_want_status(ctx, req, r, 200, what) || lab08_want_common(ctx, req, r, what) ||
        lab08_want_field(ctx, req, r, "Content-Length", len, what) ||
        (type != NULL && lab08_want_field(ctx, req, r, "Content-Type", type, what)) ||
        lab08_want_field(ctx, req, r, "Last-Modified", last, what)) {
        return -1;
    }
    return 0;
}

/* GET @p name: 200, the fields, the file's bytes. */
static int get_file(gr_ctx *ctx, const char *name, const char *type)
{
    size_t n = 0;
    unsigned char *want = lab08_file(ctx, name, &n);
    if (want == NULL) {
        return -1;
    }
    char target[256], req[512];
    snprintf(target, sizeof target, "/%s", name);
    lab08_get(req, sizeof req, "GET", target, NULL);
    gr_http_resp r = {0};
    int rc = lab08_request(ctx, req, 0, &r, target);
    if (rc == 0) {
        rc = want_file_fields(ctx, req, &r, n, type, target);
    }
    if (rc == 0 && (r.hr_body_len != n || memcmp(r.hr_body, want, n) != 0)) {
        rc = gr_fail_bytes(ctx, req, strlen(req), want, n, r.hr_body, r.hr_body_len,
                           "%s: the body is not the file's bytes", target);
    }
    gr_http_resp_free(&r);
    free(want);
    return rc;
}

int lab08_check_static_get(gr_ctx *ctx)
{
    return get_file(ctx, "hello.txt", "text/plain; charset=utf-8") ||
           get_file(ctx, "blob.bin", "application/octet-stream") ||
           get_file(ctx, "index.html", "text/html; charset=utf-8");
}

int lab08_check_static_head(gr_ctx *ctx)
{
    size_t n = 0;
    unsigned char *want = lab08_file(ctx, "hello.txt", &n);
    if (want == NULL) {
        return -1;
    }
    free(want);
    gr_http h;
    if (gr_http_connect(ctx, &h, "HEAD") != 0) {
        return -1;
    }
    char req[256];
    lab08_get(req, sizeof req, "HEAD", "/hello.txt", NULL);
    gr_http_resp r = {0};
    int rc = gr_http_expect(ctx, &h, req, strlen(req), GR_HTTP_HEAD, &r, "HEAD /hello.txt");
    if (rc == 0) {
        rc = want_file_fields(ctx, req, &r, n, "text/plain; charset=utf-8", "HEAD /hello.txt");
    }
    /* A body after the head would be read as the next response, or seen
     * before the close of a server that does not keep connections yet. */
    if (rc == 0) {
        rc = lab08_want_nothing_after(ctx, &h, req, &r, "HEAD /hello.txt");
        if (rc != 0) {
            gr_hint(ctx, "HEAD is GET without the body: the same status and fields, Content-Length "
                         "included, and not one byte after the empty line (the client reads "
                         "whatever follows as the next response). In C: build the head as for "
                         "GET, then skip the sendfile() when the method is HEAD. In Python: "
                         "do_HEAD sends the headers and returns before wfile.write(body).");
        }
    }
    gr_http_resp_free(&r);
    gr_http_close(&h);
    return rc;
}

int lab08_check_static_types(gr_ctx *ctx)
{
    static const char *const types[][2] = {
        {"index.html", "text/html; charset=utf-8"},
        {"page.htm", "text/html; charset=utf-8"},
        {"style.css", "text/css"},
        {"app.js", "text/javascript"},
        {"data.json", "application/json"},
        {"logo.svg", "image/svg+xml"},
        {"pixel.png", "image/png"},
        {"photo.JPG", "image/jpeg"},
        {"photo2.jpeg", "image/jpeg"},
        {"favicon.ico", "image/x-icon"},
        {"noext", "application/octet-stream"},
    };
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        char target[64], req[256];
        snprintf(target, sizeof target, "/%s", types[i][0]);
        lab08_get(req, sizeof req, "HEAD", target, NULL);
        gr_http_resp r = {0};
        int rc = lab08_status(ctx, req, GR_HTTP_HEAD, 200, &r, target);
        if (rc == 0) {
            rc = lab08_want_field(ctx, req, &r, "Content-Type", types[i][1], target);
        }
        gr_http_resp_free(&r);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

/* GET @p target must be @p want; a 404 says text/html. */
static int status_of(gr_ctx *ctx, const char *target, int want)
{
    char req[512];
    lab08_get(req, sizeof req, "GET", target, NULL);
    gr_http_resp r = {0};
    int rc = lab08_status(ctx, req, 0, want, &r, target);
    if (rc == 0) {
        rc = lab08_want_common(ctx, req, &r, target);
    }
    if (rc == 0 && want >= 400) {
        rc = lab08_want_field(ctx, req, &r, "Content-Type", "text/html; charset=utf-8", target);
    }
    gr_http_resp_free(&r);
    return rc;
}

int lab08_check_not_found(gr_ctx *ctx)
{
    return status_of(ctx, "/nothing-here.txt", 404) || status_of(ctx, "/dir/nothing", 404) ||
           status_of(ctx, "/fifo", 404) || status_of(ctx, "/hello.txt/", 404);
}

/* GET @p target is the file @p name. */
static int same_as(gr_ctx *ctx, const char *target, const char *name)
{
    size_t n = 0;
    unsigned char *want = lab08_file(ctx, name, &n);
    if (want == NULL) {
        return -1;
    }
    char req[512];
    lab08_get(req, sizeof req, "GET", target, NULL);
    gr_http_resp r = {0};
    int rc = lab08_status(ctx, req, 0, 200, &r, target);
    if (rc == 0 && (r.hr_body_len != n || memcmp(r.hr_body, want, n) != 0)) {
        rc = gr_fail_bytes(ctx, req, strlen(req), want, n, r.hr_body, r.hr_body_len,
                           "%s: not the bytes of %s", target, name);
    }
    gr_http_resp_free(&r);
    free(want);
    return rc;
}

/* GET @p target is a 301 to @p location. */
static int moved(gr_ctx *ctx, const char *target, const char *location)
{
    char req[512];
    lab08_get(req, sizeof req, "GET", target, NULL);
    gr_http_resp r = {0};
    int rc = lab08_status(ctx, req, 0, 301, &r, target);
    if (rc == 0) {
        rc = lab08_want_field(ctx, req, &r, "Location", location, target);
    }
    gr_http_resp_free(&r);
    return rc;
}

int lab08_check_index(gr_ctx *ctx)
{
    return same_as(ctx, "/", "index.html") || same_as(ctx, "/dir/", "dir/index.html") ||
           same_as(ctx, "/dir/page.html?x=1", "dir/page.html") ||
           same_as(ctx, "/a%20b.txt", "a b.txt") ||
           same_as(ctx, "//dir//page.html", "dir/page.html") || moved(ctx, "/dir", "/dir/") ||
           moved(ctx, "/dir?q=1", "/dir/?q=1") || status_of(ctx, "/empty/", 404);
}

int lab08_check_forbidden(gr_ctx *ctx)
{
    char path[4096];
    const char *root = gr_docroot(ctx);
    if (root == NULL) {
        return -1;
    }
    snprintf(path, sizeof path, "%s/locked.txt", root);
    /* Mode 0 stops everyone who may not override file permissions: root
     * may (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH), and so may root in a
     * user namespace (the unprivileged sandbox) over the grader's files.
     * Such a server reads the file, and 403 cannot be arranged. */
    pid_t pid = gr_server_pid(ctx);
    if (gr_procfs_has_cap(pid, 1) != 0 || gr_procfs_has_cap(pid, 2) != 0) {
        gr_verbose(ctx, "the server may read any file (root's capabilities): 403 not probed");
        return status_of(ctx, "/nothing-here.txt", 404);
    }
    return status_of(ctx, "/locked.txt", 403);
}
