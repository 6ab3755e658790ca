/* common.c - what lab 08's checks share: a request on a fresh connection,
 * the properties every response has (a status, Date, Server, a body
 * framed by its length), the close after a closing status, and a set of
 * probes each answered with its own status. */
#include "lab08.h"

#include <stdio.h>
#include <string.h>

const char *lab08_get(char *out, size_t cap, const char *method, const char *target,
                      const char *extra)
{
    snprintf(out, cap, "%s %s HTTP/1.1\r\nHost: localhost\r\n%s\r\n", method, target,
             extra != NULL ? extra : "");
    return out;
}

int lab08_request(gr_ctx *ctx, const char *req, unsigned flags, gr_http_resp *r, const char *what)
{
    gr_http h;
    if (gr_http_connect(ctx, &h, what) != 0) {
        return -1;
    }
    int rc = gr_http_expect(ctx, &h, req, strlen(req), flags, r, what);
    gr_http_close(&h);
    return rc;
}

int lab08_want_status(gr_ctx *ctx, const char *req, const gr_http_resp *r, int want,
                      const char *what)
{
    if (r->hr_status != want) {
        return gr_http_fail(ctx, req, strlen(req), r, "%s: status %d, expected %d", what,
                            r->hr_status, want);
    }
    return 0;
}

int lab08_status(gr_ctx *ctx, const char *req, unsigned flags, int want, gr_http_resp *r,
                 const char *what)
{
    if (lab08_request(ctx, req, flags, r, what) != 0) {
        return -1;
    }
    return lab08_want_status(ctx, req, r, want, what);
}

int lab08_want_field(gr_ctx *ctx, const char *req, const gr_http_resp *r, const char *name,
                     const char *value, const char *what)
{
    const char *got = gr_http_field_of(r, name);
    if (value == NULL && got != NULL) {
        return gr_http_fail(ctx, req, strlen(req), r, "%s: a %s field (\"%.60s\"), expected none",
                            what, name, got);
    }
    if (value != NULL && (got == NULL || strcmp(got, value) != 0)) {
        return gr_http_fail(ctx, req, strlen(req), r, "%s: %s is %s%.80s%s, expected \"%s\"", what,
                            name, got ? "\"" : "", got ? got : "missing", got ? "\"" : "", value);
    }
    return 0;
}

int lab08_want_common(gr_ctx *ctx, const char *req, const gr_http_resp *r, const char *what)
{
    const char *date = gr_http_field_of(r, "Date");
    time_t t;
    if (date == NULL || gr_http_parse_date(date, &t) != 0) {
        gr_hint(ctx, "Every response carries Date, the time now as an IMF-fixdate (\"Sun, 06 "
                     "Nov 1994 08:49:37 GMT\"), and Server. In C: strftime(buf, n, \"%%a, %%d "
                     "%%b %%Y %%H:%%M:%%S GMT\", gmtime_r(&now, &tm)) in the C locale. In "
                     "Python: email.utils.formatdate(usegmt=True).");
        return gr_http_fail(ctx, req, strlen(req), r, "%s: Date is %s, expected an IMF-fixdate",
                            what, date != NULL ? date : "missing");
    }
    if (gr_http_field_of(r, "Server") == NULL) {
        return gr_http_fail(ctx, req, strlen(req), r, "%s: no Server field", what);
    }
    if (r->hr_status != 304 && r->hr_status >= 200 && r->hr_framing != GR_HTTP_LENGTH &&
        !(r->hr_framing == GR_HTTP_NONE && gr_http_field_of(r, "Content-Length") != NULL) &&
        r->hr_framing != GR_HTTP_CHUNKED) {
        return gr_http_fail(ctx, req, strlen(req), r,
                            "%s: the body is not framed by Content-Length", what);
    }
    return 0;
}

int lab08_want_close(gr_ctx *ctx, gr_http *h, const char *req, const gr_http_resp *r,
                     const char *what)
{
    if (!gr_http_says_close(r)) {
        return gr_http_fail(ctx, req, strlen(req), r,
                            "%s: no Connection: close in a response after which the server "
                            "must close",
                            what);
    }
    int rc = gr_http_wait_close(h, gr_soon(ctx, 2000));
    if (rc == 1) {
        gr_http_fail(ctx, req, strlen(req), r, "%s: bytes after the response (a second answer?)",
                     what);
        gr_show_bytes(gr_details(ctx), "then came", h->h_buf, h->h_len, 0, 200, NULL);
        return -1;
    }
    if (rc != 0) {
        return gr_http_fail(ctx, req, strlen(req), r,
                            "%s: the server did not close the connection after it", what);
    }
    return 0;
}

int lab08_want_open(gr_ctx *ctx, gr_http *h, const char *req, const gr_http_resp *r,
                    const char *what)
{
    if (gr_http_says_close(r)) {
        return gr_http_fail(ctx, req, strlen(req), r,
                            "%s: Connection: close, where the connection should stay open", what);
    }
    char again[256];
    lab08_get(again, sizeof again, "GET", "/hello.txt", NULL);
    gr_http_resp r2 = {0};
    int rc = 0;
    if (gr_http_expect(ctx, h, again, strlen(again), 0, &r2,
                       "a second request on the connection")) {
        gr_fail(ctx, "after %s the connection was not kept open", what);
        rc = -1;
    }
    gr_http_resp_free(&r2);
    return rc;
}

int lab08_want_nothing_after(gr_ctx *ctx, gr_http *h, const char *req, const gr_http_resp *r,
                             const char *what)
{
    if (gr_http_says_close(r)) {
        return lab08_want_close(ctx, h, req, r, what);
    }
    return lab08_want_open(ctx, h, req, r, what);
}

/* Is @p method an element of the comma list @p list (OWS around each)? */
static int list_has(const char *list, const char *method)
{
    size_t n = strlen(method);
    for (const char *p = list; *p != '\0';) {
        p += strspn(p, " \t");
        size_t len = strcspn(p, ",");
        while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t')) {
            len--;
        }
        if (len == n && strncmp(p, method, n) == 0) {
            return 1;
        }
        p += strcspn(p, ",");
        p += *p == ',';
    }
    return 0;
}

/* Is every element of the comma list @p a in @p b? */
static int list_within(const char *a, const char *b)
{
    char item[32];
    for (const char *p = a; *p != '\0';) {
        p += strspn(p, " \t,");
        size_t len = strcspn(p, ", \t");
        if (len == 0) {
            continue;
        }
        if (len >= sizeof item) {
            return 0;
        }
        memcpy(item, p, len);
        item[len] = '\0';
        if (!list_has(b, item)) {
            return 0;
        }
        p += len;
    }
    return 1;
}

int lab08_want_405(gr_ctx *ctx, const char *method, const char *target, const char *allow)
{
    char req[512], what[128];
    lab08_get(req, sizeof req, method, target,
              strcmp(method, "POST") == 0 ? "Content-Length: 0\r\n" : NULL);
    snprintf(what, sizeof what, "%s %s", method, target);
    gr_http_resp r = {0};
    int rc = lab08_status(ctx, req, 0, 405, &r, what);
    const char *got = gr_http_field_of(&r, "Allow");
    if (rc == 0 && (got == NULL || !list_within(got, allow) || !list_within(allow, got))) {
        gr_hint(ctx, "405 says which methods the resource does take, in Allow: a comma list, "
                     "in any order, exactly those methods. In C: one table of routes gives both "
                     "the answer and the Allow value. In Python: send_header('Allow', "
                     "', '.join(methods)) from the same list the handler checks.");
        rc = gr_http_fail(ctx, req, strlen(req), &r,
                          "%s: Allow is %s%.80s%s, expected the methods "
                          "%s",
                          what, got ? "\"" : "", got ? got : "missing", got ? "\"" : "", allow);
    }
    gr_http_resp_free(&r);
    return rc;
}

/* Does the contract close the connection after this status? */
static int closing(int status)
{
    return status == 400 || status == 408 || status == 411 || status == 413 || status == 414 ||
           status == 431 || status == 505;
}

/* One probe: its status, a close after a closing one. */
static int probe(gr_ctx *ctx, const lab08_probe *p)
{
    gr_http h;
    if (gr_http_connect(ctx, &h, p->pr_what) != 0) {
        return -1;
    }
    gr_http_resp r = {0};
    int rc = gr_http_expect(ctx, &h, p->pr_req, strlen(p->pr_req), 0, &r, p->pr_what);
    if (rc == 0) {
        rc = lab08_want_status(ctx, p->pr_req, &r, p->pr_status, p->pr_what);
    }
    if (rc == 0 && (closing(p->pr_status) || strstr(p->pr_req, "Transfer-Encoding") != NULL)) {
        rc = lab08_want_close(ctx, &h, p->pr_req, &r, p->pr_what);
    }
    gr_http_resp_free(&r);
    gr_http_close(&h);
    return rc;
}

int lab08_probe_set(gr_ctx *ctx, const lab08_probe *set, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (probe(ctx, &set[i]) != 0) {
            return -1;
        }
    }
    return 0;
}
