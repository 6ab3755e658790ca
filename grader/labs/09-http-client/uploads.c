/* uploads.c - lab 09's checks of step 11, what the user adds to a request:
 * query parameters and multipart bodies, each decoded as a server would
 * (any correct encoding passes: %20 or + for a space, either case of hex),
 * and a download to a file that draws no progress bar on a pipe. */
#include "lab09.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define OK_ANY "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 3\r\n\r\nok\n"

static const gr_http_route r_any[] = {{.hr_target = NULL, .hr_response = OK_ANY}};

/* ---- query parameters ---------------------------------------------------------------- */

/* A parameter as it must decode: "name\0value", qp_len bytes. */
typedef struct qpair {
    const char *qp_bytes;
    size_t qp_len;
} qpair;

/* The target a request must have: the path, then these parameters. */
typedef struct query_want {
    const char *qw_path;
    qpair qw_pairs[6];
    int qw_n;
} query_want;

/* Decode n bytes of %XX and '+' into out (cap bytes); its length, or -1. */
static long decode(const char *s, size_t n, char *out, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k + 1 < cap; i++) {
        if (s[i] == '%' && i + 2 < n + 0 && isxdigit((unsigned char)s[i + 1]) &&
            isxdigit((unsigned char)s[i + 2])) {
            char hex[3] = {s[i + 1], s[i + 2], '\0'};
            out[k++] = (char)strtol(hex, NULL, 16);
            i += 2;
        } else if (s[i] == '%') {
            return -1;
        } else {
            out[k++] = s[i] == '+' ? ' ' : s[i];
        }
    }
    out[k] = '\0';
    return (long)k;
}

/* The request target of the first request line, into t. */
static int first_target(const char *got, char *t, size_t cap)
{
    const char *sp = strchr(got, ' ');
    const char *end = sp != NULL ? strchr(sp + 1, ' ') : NULL;
    if (end == NULL || (size_t)(end - sp - 1) >= cap) {
        return -1;
    }
    memcpy(t, sp + 1, (size_t)(end - sp - 1));
    t[end - sp - 1] = '\0';
    return 0;
}

/* Does parameter text p (n bytes) decode to want? */
static int pair_is(const char *p, size_t n, const qpair *want)
{
    char name[256];
    char value[512];
    const char *eq = memchr(p, '=', n);
    long nl = eq != NULL ? decode(p, (size_t)(eq - p), name, sizeof name) : -1;
    long vl = eq != NULL ? decode(eq + 1, n - (size_t)(eq - p) - 1, value, sizeof value) : -1;
    size_t wn = strlen(want->qp_bytes);
    size_t wv = want->qp_len - wn - 1;
    return nl == (long)wn && memcmp(name, want->qp_bytes, wn) == 0 && vl == (long)wv &&
           memcmp(value, want->qp_bytes + wn + 1, wv) == 0;
}

/* Does query q (after '?') decode to the wanted pairs, in order? */
static int pairs_match(const char *q, const query_want *w, char *why, size_t whylen)
{
    int i = 0;
    for (const char *p = q;; i++) {
        size_t n = strcspn(p, "&");
        if (i >= w->qw_n || !pair_is(p, n, &w->qw_pairs[i])) {
            const char *v = i < w->qw_n ? w->qw_pairs[i].qp_bytes : NULL;
            snprintf(why, whylen, "parameter %d, \"%.*s\", should decode to %s%s%s", i + 1,
                     (int)(n > 80 ? 80 : n), p, v != NULL ? v : "nothing (one too many)",
                     v != NULL ? "=" : "", v != NULL ? v + strlen(v) + 1 : "");
            return 0;
        }
        p += n;
        if (*p++ == '\0') {
            break;
        }
    }
    if (i + 1 != w->qw_n) {
        snprintf(why, whylen, "it has %d parameters; %d were asked for", i + 1, w->qw_n);
        return 0;
    }
    return 1;
}

static int judge_query(gr_ctx *ctx, const char *got, size_t n, const void *arg)
{
    (void)n;
    const query_want *w = arg;
    char t[4096];
    char why[200] = "";
    if (first_target(got, t, sizeof t) < 0) {
        return gr_fail(ctx, "the server received no request line");
    }
    char *q = strchr(t, '?');
    int ok = q != NULL && (size_t)(q - t) == strlen(w->qw_path) &&
             memcmp(t, w->qw_path, (size_t)(q - t)) == 0;
    for (const char *c = t; ok && *c != '\0'; c++) {
        ok = *c > 0x20 && *c < 0x7f;
    }
    if (ok) {
        ok = pairs_match(q + 1, w, why, sizeof why);
    } else {
        snprintf(why, sizeof why, "it should be %s? and the parameters, in printable ASCII",
                 w->qw_path);
    }
    if (!ok) {
        gr_show_text(ctx, "the server received", got, 10);
        return gr_fail(ctx, "the request target %.200s is wrong: %s", t, why);
    }
    return 0;
}

#define PAIR(s)                                                                                    \
    {                                                                                              \
        s, sizeof(s) - 1                                                                           \
    }
static const query_want q_search = {
    .qw_path = "/search",
    .qw_pairs = {PAIR("x\0001"), PAIR("q\0a b&c=d"), PAIR("lang\0C++"), PAIR("e\0\xc3\xa9")},
    .qw_n = 4};
static const query_want q_plain = {
    .qw_path = "/plain", .qw_pairs = {PAIR("empty\0"), PAIR("k\0v/w?")}, .qw_n = 2};

const lab09_scenario lab09_query[] = {
    {.sc_args =
         "--query 'q=a b&c=d' --query 'lang=C++' --query 'e=\xc3\xa9' '{url}/search?x=1#top'",
     .sc_routes = r_any,
     .sc_nroutes = N(r_any),
     .sc_stdout = "ok\n",
     .sc_requests = 1,
     .sc_not_sent = "top",
     .sc_judge = judge_query,
     .sc_judge_arg = &q_search},
    {.sc_args = "--query 'empty=' --query 'k=v/w?' {url}/plain",
     .sc_routes = r_any,
     .sc_nroutes = N(r_any),
     .sc_stdout = "ok\n",
     .sc_requests = 1,
     .sc_judge = judge_query,
     .sc_judge_arg = &q_plain},
    {.sc_args = "--query novalue {url}/plain", .sc_exit = 2, .sc_requests = 0},
    {.sc_args = NULL},
};

/* ---- multipart bodies ------------------------------------------------------------------ */

#define UPLOAD_LEN 3000

/* Every byte value, CRLFs, and lines that look like the boundaries people
 * pick by hand: a fixed boundary cuts the file short there. */
const unsigned char *lab09_upload_bytes(size_t *n)
{
    static unsigned char bytes[UPLOAD_LEN];
    static const char *const traps[] = {"\r\n--boundary\r\n", "\r\n--BOUNDARY--\r\n",
                                        "\r\n----WebKitFormBoundary7MA4YWxkTrZu0gW\r\n",
                                        "\r\n--------------------------\r\n", "\r\n--xyz\r\n"};
    size_t at = 0;
    for (int i = 0; i < 256; i++) {
        bytes[at++] = (unsigned char)i;
    }
    for (size_t k = 0; at + 64 < UPLOAD_LEN; k++) {
        const char *t = traps[k % N(traps)];
        memcpy(bytes + at, t, strlen(t));
        at += strlen(t);
        for (int i = 0; i < 40 && at < UPLOAD_LEN; i++) {
            bytes[at++] = (unsigned char)('a' + (k * 7 + (size_t)i) % 26);
        }
    }
    while (at < UPLOAD_LEN) {
        bytes[at++] = '.';
    }
    *n = UPLOAD_LEN;
    return bytes;
}

/* A parameter of a header line: name="value" or name=token, into v. */
static int header_param(const char *line, size_t len, const char *name, char *v, size_t cap)
{
    size_t nl = strlen(name);
    for (size_t i = 0; i + nl + 1 < len; i++) {
        int start = i == 0 || line[i - 1] == ';' || line[i - 1] == ' ' || line[i - 1] == '\t';
        if (!start || strncasecmp(line + i, name, nl) != 0 || line[i + nl] != '=') {
            continue;
        }
        const char *p = line + i + nl + 1;
        const char *end = line + len;
        int quoted = *p == '"';
        p += quoted;
        size_t k = 0;
        while (p < end && k + 1 < cap && (quoted ? *p != '"' : (*p != ';' && *p != ' '))) {
            v[k++] = *p++;
        }
        v[k] = '\0';
        return 0;
    }
    return -1;
}

/* The head's Content-Type line (its value), or NULL. */
static const char *find_field(const char *head, size_t headlen, const char *name, size_t *len)
{
    size_t nl = strlen(name);
    for (const char *p = head; p != NULL && p < head + headlen;
         p = memchr(p, '\n', (size_t)(head + headlen - p))) {
        p += *p == '\n';
        if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
            const char *eol = memchr(p, '\r', (size_t)(head + headlen - p));
            *len = eol != NULL ? (size_t)(eol - p) : 0;
            return p;
        }
    }
    return NULL;
}

/* One part: its headers' name and filename, and its bytes. */
typedef struct part {
    char pt_name[64];
    char pt_file[128];
    int pt_has_file;
    const char *pt_data;
    size_t pt_len;
} part;

/* Split body (n bytes) at "--boundary" lines into parts; their count, or
 * -1 with why set. */
static int split_parts(const char *body, size_t n, const char *b, part *parts, int max, char *why,
                       size_t whylen)
{
    char delim[128];
    int dl = snprintf(delim, sizeof delim, "--%s", b);
    const char *p = memmem(body, n, delim, (size_t)dl);
    int count = 0;
    while (p != NULL && count < max) {
        p += dl;
        if ((size_t)(body + n - p) >= 2 && memcmp(p, "--", 2) == 0) {
            return count;
        }
        const char *hend = memmem(p, (size_t)(body + n - p), "\r\n\r\n", 4);
        char next[132];
        int nl = snprintf(next, sizeof next, "\r\n--%s", b);
        const char *end =
            hend != NULL ? memmem(hend + 4, (size_t)(body + n - hend - 4), next, (size_t)nl) : NULL;
        if (end == NULL) {
            snprintf(why, whylen, "part %d has no end (no \"\\r\\n--%s\" after it)", count + 1, b);
            return -1;
        }
        part *pt = &parts[count++];
        memset(pt, 0, sizeof *pt);
        size_t cdl = 0;
        const char *cd = find_field(p, (size_t)(hend + 2 - p), "Content-Disposition", &cdl);
        if (cd != NULL) {
            header_param(cd, cdl, "name", pt->pt_name, sizeof pt->pt_name);
            pt->pt_has_file =
                header_param(cd, cdl, "filename", pt->pt_file, sizeof pt->pt_file) == 0;
        }
        pt->pt_data = hend + 4;
        pt->pt_len = (size_t)(end - hend - 4);
        p = end + 2;
    }
    snprintf(why, whylen, "the body does not end with \"--%s--\"", b);
    return -1;
}

/* The multipart body of the request: a title field, then upload.bin. */
static int judge_parts(gr_ctx *ctx, const part *parts, int count)
{
    size_t n = 0;
    const unsigned char *file = lab09_upload_bytes(&n);
    if (count != 2) {
        return gr_fail(ctx, "the body holds %d parts; -F twice makes 2", count);
    }
    if (strcmp(parts[0].pt_name, "title") != 0 || parts[0].pt_has_file || parts[0].pt_len != 9 ||
        memcmp(parts[0].pt_data, "two words", 9) != 0) {
        return gr_fail_bytes(ctx, NULL, 0, "two words", 9, parts[0].pt_data, parts[0].pt_len,
                             "part 1 should be name=\"title\" (no filename) holding the value");
    }
    if (strcmp(parts[1].pt_name, "file") != 0 || strcmp(parts[1].pt_file, "upload.bin") != 0) {
        return gr_fail(ctx,
                       "part 2 is name=\"%s\" filename=\"%s\"; -F file=@upload.bin makes "
                       "name=\"file\" filename=\"upload.bin\"",
                       parts[1].pt_name, parts[1].pt_file);
    }
    if (parts[1].pt_len != n || memcmp(parts[1].pt_data, file, n) != 0) {
        return gr_fail_bytes(ctx, NULL, 0, (const char *)file, n, parts[1].pt_data, parts[1].pt_len,
                             "part 2 does not hold upload.bin's bytes");
    }
    return 0;
}

static int judge_multipart(gr_ctx *ctx, const char *got, size_t n, const void *arg)
{
    (void)arg;
    const char *hend = memmem(got, n, "\r\n\r\n", 4);
    size_t ctl = 0;
    const char *ct =
        hend != NULL ? find_field(got, (size_t)(hend + 2 - got), "Content-Type", &ctl) : NULL;
    char boundary[80] = "";
    if (strncmp(got, "POST ", 5) != 0 || ct == NULL ||
        strncasecmp(ct + 13 + strspn(ct + 13, " "), "multipart/form-data", 19) != 0 ||
        header_param(ct, ctl, "boundary", boundary, sizeof boundary) < 0 || boundary[0] == '\0') {
        gr_show_text(ctx, "the server received", got, 12);
        return gr_fail(ctx, "the request should be a POST with Content-Type: multipart/form-data; "
                            "boundary=...");
    }
    part parts[4];
    char why[200] = "";
    int count =
        split_parts(hend + 4, (size_t)(got + n - hend - 4), boundary, parts, 4, why, sizeof why);
    if (count < 0) {
        gr_show_text(ctx, "the server received", got, 16);
        return gr_fail(ctx, "the multipart body does not parse: %s", why);
    }
    return judge_parts(ctx, parts, count);
}

const lab09_scenario lab09_multipart = {.sc_args = "-F 'title=two words' -F file=@upload.bin "
                                                   "{url}/upload",
                                        .sc_routes = r_any,
                                        .sc_nroutes = N(r_any),
                                        .sc_stdout = "ok\n",
                                        .sc_requests = 1,
                                        .sc_upload = 1,
                                        .sc_judge = judge_multipart};

/* ---- no progress bar on a pipe --------------------------------------------------------- */

#define BIG_LEN (256 * 1024)

int lab09_check_quiet(gr_ctx *ctx)
{
    static char response[BIG_LEN + 128];
    static gr_http_route route[1];
    static char *body;
    if (body == NULL) {
        int head =
            snprintf(response, sizeof response,
                     "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: %d\r\n\r\n", BIG_LEN);
        body = response + head;
        for (int i = 0; i < BIG_LEN; i++) {
            body[i] = (char)('a' + i % 26 + (i % 64 == 63 ? '\n' - 'a' - i % 26 : 0));
        }
        body[BIG_LEN] = '\0';
        route[0] = (gr_http_route){
            .hr_target = "/big", .hr_response = response, .hr_pieces = 16, .hr_pause_ms = 25};
    }
    lab09_scenario sc = {.sc_args = "-o dl/out.bin {url}/big",
                         .sc_routes = route,
                         .sc_nroutes = 1,
                         .sc_requests = 1,
                         .sc_file = body,
                         .sc_uses_file = 1,
                         .sc_no_cr_stderr = 1};
    return lab09_run_scenario(ctx, &sc);
}
