/* http.c - the grader's HTTP/1.1 client side: responses read whole, with
 * a read-ahead buffer for pipelined answers, each read with a deadline
 * (see http.h). The reader is strict where the contract is (CRLF lines, a
 * three-digit status, one framing) and says what it saw otherwise. */
#include "kit/http.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

/* Bytes asked of the socket at a time. */
#define READ_CHUNK (64 * 1024)
/* Most bytes of a body the reader keeps in memory (without a digest). */
#define BODY_MAX (8 * 1024 * 1024)
/* Most bytes of a response shown in a failure's details. */
#define SHOW_MAX 600

void gr_http_none(gr_http *h, size_t n)
{
    memset(h, 0, n * sizeof *h);
    for (size_t i = 0; i < n; i++) {
        gr_conn_none(&h[i].h_conn, 1);
    }
}

int gr_http_connect(gr_ctx *ctx, gr_http *h, const char *label)
{
    gr_http_none(h, 1);
    gr_conn_opts o = {.co_nodelay = 1};
    return gr_connect(ctx, &h->h_conn, label, &o);
}

int gr_http_connect_xport(gr_ctx *ctx, gr_http *h, const char *label, const gr_xport_ops *ops,
                          int rcvbuf)
{
    gr_http_none(h, 1);
    gr_conn_opts o = {.co_nodelay = 1, .co_xport = ops, .co_rcvbuf = rcvbuf};
    return gr_connect(ctx, &h->h_conn, label, &o);
}

void gr_http_close(gr_http *h)
{
    gr_close(&h->h_conn);
    free(h->h_buf);
    h->h_buf = NULL;
    h->h_len = h->h_cap = 0;
}

void gr_http_close_all(gr_http *h, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        gr_http_close(&h[i]);
    }
}

int gr_http_send(gr_http *h, const void *buf, size_t n, long deadline)
{
    return gr_send_all(&h->h_conn, buf, n, deadline);
}

/* ---- the read-ahead ------------------------------------------------------------ */

/* Read more into the buffer. Returns bytes read, 0 at EOF, GR_CONN_CLOSED or
 * GR_CONN_TIMEOUT. */
static ssize_t fill(gr_http *h, long deadline)
{
    if (h->h_eof) {
        return 0;
    }
    if (h->h_cap - h->h_len < READ_CHUNK) {
        size_t cap = h->h_cap * 2 > h->h_len + READ_CHUNK ? h->h_cap * 2 : h->h_len + READ_CHUNK;
        unsigned char *nb = realloc(h->h_buf, cap);
        if (nb == NULL) {
            errno = ENOMEM;
            return GR_CONN_CLOSED;
        }
        h->h_buf = nb;
        h->h_cap = cap;
    }
    ssize_t got = gr_recv_some(&h->h_conn, h->h_buf + h->h_len, READ_CHUNK, deadline);
    if (got > 0) {
        h->h_len += (size_t)got;
    } else if (got == 0) {
        h->h_eof = 1;
    } else if (got == GR_CONN_CLOSED) {
        h->h_reset = 1;
    }
    return got;
}

/* Drop the first @p n bytes of the buffer. */
static void consume(gr_http *h, size_t n)
{
    memmove(h->h_buf, h->h_buf + n, h->h_len - n);
    h->h_len -= n;
}

/* Take @p n bytes into @p dst (or the digest when @p dst is NULL). Returns
 * 0, or a fill() outcome (0 becomes GR_HTTP_BAD: the body was cut). */
static int take(gr_http *h, unsigned char *dst, gr_digest *dg, size_t n, long deadline)
{
    while (n > 0) {
        if (h->h_len == 0) {
            ssize_t got = fill(h, deadline);
            if (got <= 0) {
                return got == 0 ? GR_HTTP_BAD : (int)got;
            }
        }
        size_t k = h->h_len < n ? h->h_len : n;
        if (dst != NULL) {
            memcpy(dst, h->h_buf, k);
            dst += k;
        } else if (dg != NULL) {
            gr_digest_add(dg, h->h_buf, k);
        }
        consume(h, k);
        n -= k;
    }
    return 0;
}

/* Read a CRLF-ended line (without it) into @p line. Returns 0, GR_HTTP_BAD
 * (too long, a bare LF, or the close), or a fill() outcome. */
static int take_line(gr_http *h, char *line, size_t cap, long deadline)
{
    for (;;) {
        unsigned char *nl = memchr(h->h_buf, '\n', h->h_len);
        if (nl != NULL) {
            size_t n = (size_t)(nl - h->h_buf);
            if (n == 0 || h->h_buf[n - 1] != '\r' || n > cap) {
                return GR_HTTP_BAD;
            }
            memcpy(line, h->h_buf, n - 1);
            line[n - 1] = '\0';
            consume(h, n + 1);
            return 0;
        }
        if (h->h_len > cap) {
            return GR_HTTP_BAD;
        }
        ssize_t got = fill(h, deadline);
        if (got <= 0) {
            return got == 0 ? GR_HTTP_BAD : (int)got;
        }
    }
}

/* ---- the head -------------------------------------------------------------- */

static int bad(gr_http_resp *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(gr_http_resp *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->hr_why, sizeof r->hr_why, fmt, ap);
    va_end(ap);
    return GR_HTTP_BAD;
}

/* Wait for a whole head in the buffer; its length (with the empty line)
 * into *@p n. */
static int wait_head(gr_http *h, long deadline, gr_http_resp *r, size_t *n)
{
    for (;;) {
        unsigned char *end = h->h_len >= 4 ? memmem(h->h_buf, h->h_len, "\r\n\r\n", 4) : NULL;
        if (end != NULL) {
            *n = (size_t)(end - h->h_buf) + 4;
            return 0;
        }
        if (h->h_len > GR_HTTP_MAX_HEAD) {
            return bad(r, "no end of the response head in %d KiB", GR_HTTP_MAX_HEAD / 1024);
        }
        size_t had = h->h_len;
        ssize_t got = fill(h, deadline);
        if (got == 0) {
            return had == 0 ? GR_HTTP_EOF : bad(r, "the server closed in the middle of a head");
        }
        if (got < 0) {
            return (int)got;
        }
    }
}

/* "HTTP/1.x DDD reason": the status and the minor version. */
static int parse_status(const char *line, gr_http_resp *r)
{
    if (strncmp(line, "HTTP/1.", 7) != 0 || (line[7] != '0' && line[7] != '1') || line[8] != ' ' ||
        !isdigit((unsigned char)line[9]) || !isdigit((unsigned char)line[10]) ||
        !isdigit((unsigned char)line[11]) || (line[12] != ' ' && line[12] != '\0')) {
        return bad(r, "the status line is not \"HTTP/1.1 DDD reason\"");
    }
    r->hr_minor = line[7] - '0';
    r->hr_status = atoi(line + 9);
    return 0;
}

/* Split the head (a NUL-terminated copy) into status and fields. */
static int parse_head(gr_http_resp *r)
{
    char *p = r->hr_fields_buf;
    char *eol = strstr(p, "\r\n");
    *eol = '\0';
    if (parse_status(p, r) != 0) {
        return GR_HTTP_BAD;
    }
    for (p = eol + 2; *p != '\0' && strncmp(p, "\r\n", 2) != 0; p = eol + 2) {
        eol = strstr(p, "\r\n");
        *eol = '\0';
        char *colon = strchr(p, ':');
        if (colon == NULL || colon == p || strchr(p, '\r') != NULL || p[0] == ' ' || p[0] == '\t') {
            return bad(r, "a field line is not \"name: value\": \"%.60s\"", p);
        }
        if (r->hr_nfields == GR_HTTP_MAX_FIELDS) {
            return bad(r, "more than %d fields", GR_HTTP_MAX_FIELDS);
        }
        *colon = '\0';
        char *v = colon + 1;
        while (*v == ' ' || *v == '\t') {
            v++;
        }
        for (char *e = v + strlen(v); e > v && (e[-1] == ' ' || e[-1] == '\t'); e--) {
            e[-1] = '\0';
        }
        r->hr_fields[r->hr_nfields].hf_name = p;
        r->hr_fields[r->hr_nfields++].hf_value = v;
    }
    return 0;
}

/* ---- the body -------------------------------------------------------------- */

static int read_chunked(gr_http *h, long deadline, gr_http_resp *r, size_t *cap)
{
    for (;;) {
        char line[256];
        int rc = take_line(h, line, sizeof line, deadline);
        if (rc != 0) {
            return rc == GR_HTTP_BAD ? bad(r, "a chunk-size line is cut or not CRLF-ended") : rc;
        }
        char *end;
        errno = 0;
        unsigned long long size = strtoull(line, &end, 16);
        if (end == line || errno != 0 || (*end != '\0' && *end != ';') ||
            !isxdigit((unsigned char)line[0])) {
            return bad(r, "a chunk size is not hexadecimal: \"%.40s\"", line);
        }
        if (size == 0) {
            break;
        }
        if (r->hr_digest == NULL && r->hr_body_len + size > BODY_MAX) {
            return bad(r, "a chunked body over %d MiB", BODY_MAX / MiB);
        }
        if (r->hr_digest == NULL && r->hr_body_len + size > *cap) {
            *cap = r->hr_body_len + (size_t)size;
            unsigned char *nb = realloc(r->hr_body, *cap + 1);
            if (nb == NULL) {
                return bad(r, "the grader ran out of memory");
            }
            r->hr_body = nb;
        }
        rc = take(h, r->hr_digest != NULL ? NULL : r->hr_body + r->hr_body_len, r->hr_digest,
                  (size_t)size, deadline);
        if (rc != 0) {
            return rc == GR_HTTP_BAD ? bad(r, "the server closed inside a chunk") : rc;
        }
        r->hr_body_len += (size_t)size;
        if ((rc = take_line(h, line, sizeof line, deadline)) != 0 || line[0] != '\0') {
            return rc == 0 || rc == GR_HTTP_BAD ? bad(r, "a chunk's data is not followed by CRLF")
                                                : rc;
        }
    }
    for (;;) { /* trailer fields, then the empty line */
        char line[1024];
        int rc = take_line(h, line, sizeof line, deadline);
        if (rc != 0) {
            return rc == GR_HTTP_BAD ? bad(r, "the chunked body does not end with CRLF") : rc;
        }
        if (line[0] == '\0') {
            return 0;
        }
    }
}

/* Read @p n bytes of body, or to the close when @p to_close. */
static int read_plain(gr_http *h, long deadline, gr_http_resp *r, size_t n, int to_close)
{
    if (to_close) {
        while (!h->h_eof) {
            ssize_t got = fill(h, deadline);
            if (got < 0) {
                return (int)got;
            }
            if (h->h_len > BODY_MAX) {
                return bad(r, "a body to the close over %d MiB", BODY_MAX / MiB);
            }
        }
        n = h->h_len;
    }
    if (r->hr_digest == NULL) {
        if (n > BODY_MAX) {
            return bad(r, "Content-Length %zu is over the %d MiB the grader keeps", n,
                       BODY_MAX / MiB);
        }
        r->hr_body = malloc(n + 1);
        if (r->hr_body == NULL) {
            return bad(r, "the grader ran out of memory");
        }
    }
    int rc = take(h, r->hr_body, r->hr_digest, n, deadline);
    if (rc == GR_HTTP_BAD) {
        return bad(r, "the server closed before the Content-Length's last byte");
    }
    r->hr_body_len = rc == 0 ? n : 0;
    return rc;
}

static int read_body(gr_http *h, unsigned flags, long deadline, gr_http_resp *r)
{
    int s = r->hr_status;
    if ((flags & GR_HTTP_HEAD) || (s >= 100 && s < 200) || s == 204 || s == 304) {
        r->hr_framing = GR_HTTP_NONE;
        return 0;
    }
    const char *te = gr_http_field_of(r, "Transfer-Encoding");
    const char *cl = gr_http_field_of(r, "Content-Length");
    if (te != NULL && cl != NULL) {
        return bad(r, "both Transfer-Encoding and Content-Length");
    }
    if (te != NULL) {
        if (strcasecmp(te, "chunked") != 0) {
            return bad(r, "Transfer-Encoding \"%.40s\" (the grader reads chunked only)", te);
        }
        r->hr_framing = GR_HTTP_CHUNKED;
        size_t cap = 0;
        return read_chunked(h, deadline, r, &cap);
    }
    if (cl != NULL) {
        char *end;
        errno = 0;
        unsigned long long n = strtoull(cl, &end, 10);
        if (!isdigit((unsigned char)cl[0]) || *end != '\0' || errno != 0 ||
            gr_http_field_count(r, "Content-Length") > 1) {
            return bad(r, "Content-Length \"%.40s\" is not one number", cl);
        }
        r->hr_framing = GR_HTTP_LENGTH;
        return read_plain(h, deadline, r, (size_t)n, 0);
    }
    r->hr_framing = GR_HTTP_TO_CLOSE;
    return read_plain(h, deadline, r, 0, 1);
}

int gr_http_read(gr_http *h, unsigned flags, long deadline, gr_http_resp *r)
{
    gr_digest *dg = r->hr_digest;
    memset(r, 0, sizeof *r);
    r->hr_digest = dg;
    size_t n = 0;
    int rc = wait_head(h, deadline, r, &n);
    if (rc != 0) {
        return rc;
    }
    r->hr_head = malloc(n + 1);
    r->hr_fields_buf = malloc(n + 1);
    if (r->hr_head == NULL || r->hr_fields_buf == NULL) {
        return bad(r, "the grader ran out of memory");
    }
    memcpy(r->hr_head, h->h_buf, n);
    memcpy(r->hr_fields_buf, h->h_buf, n);
    r->hr_head[n] = r->hr_fields_buf[n] = '\0';
    r->hr_head_len = n;
    if (memchr(r->hr_head, '\0', n) != NULL) {
        return bad(r, "a NUL byte in the response head");
    }
    consume(h, n);
    if ((rc = parse_head(r)) != 0) {
        return rc;
    }
    rc = read_body(h, flags, deadline, r);
    if (rc == 0 && r->hr_body != NULL) {
        r->hr_body[r->hr_body_len] = '\0';
    }
    return rc;
}

void gr_http_resp_free(gr_http_resp *r)
{
    free(r->hr_head);
    free(r->hr_fields_buf);
    free(r->hr_body);
    r->hr_head = r->hr_fields_buf = NULL;
    r->hr_body = NULL;
    r->hr_nfields = 0;
    r->hr_body_len = 0;
}

/* ---- a request and its response, failing the check ------------------------------ */

/* Append at most SHOW_MAX bytes of @p p under @p title, escaped. */
static void show_bytes(gr_str *d, const char *title, const void *p, size_t n)
{
    gr_show_bytes(d, title, p, n, 0, SHOW_MAX, NULL);
}

int gr_http_fail(gr_ctx *ctx, const char *req, size_t nreq, const gr_http_resp *r, const char *fmt,
                 ...)
{
    char headline[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(headline, sizeof headline, fmt, ap);
    va_end(ap);
    int rc = gr_fail(ctx, "%s", headline);
    gr_str *d = gr_details(ctx);
    if (req != NULL) {
        show_bytes(d, "sent", req, nreq);
    }
    if (r != NULL && r->hr_head != NULL) {
        show_bytes(d, "response head", r->hr_head, r->hr_head_len);
        if (r->hr_body_len > 0) {
            show_bytes(d, "response body", r->hr_body, r->hr_body_len);
        }
    }
    return rc;
}

int gr_http_expect(gr_ctx *ctx, gr_http *h, const char *req, size_t nreq, unsigned flags,
                   gr_http_resp *r, const char *what)
{
    int rc = gr_http_send(h, req, nreq, gr_deadline(ctx));
    if (rc == GR_CONN_TIMEOUT) {
        return gr_http_fail(ctx, req, nreq, NULL, "%s: the server took no more bytes", what);
    }
    long by = gr_now_ms() + gr_quiet_ms(ctx);
    rc = gr_http_read(h, flags, by < gr_deadline(ctx) ? by : gr_deadline(ctx), r);
    if (rc == GR_HTTP_OK) {
        return 0;
    }
    const char *why = rc == GR_HTTP_EOF       ? "the server closed with no response"
                      : rc == GR_CONN_CLOSED  ? "the connection was reset"
                      : rc == GR_CONN_TIMEOUT ? "no whole response came"
                                              : r->hr_why;
    int frc = gr_http_fail(ctx, req, nreq, r, "%s: %s", what, why);
    if (rc != GR_HTTP_OK && h->h_len > 0) {
        show_bytes(gr_details(ctx), "received and not read", h->h_buf, h->h_len);
    }
    return frc;
}

int gr_http_wait_close(gr_http *h, long deadline)
{
    while (h->h_len == 0) {
        ssize_t got = fill(h, deadline);
        if (got == 0 || got == GR_CONN_CLOSED) {
            return 0;
        }
        if (got == GR_CONN_TIMEOUT) {
            return GR_CONN_TIMEOUT;
        }
    }
    return 1;
}

int gr_http_quiet_until(gr_http *h, long deadline)
{
    if (h->h_len > 0) {
        return 0;
    }
    ssize_t got = fill(h, deadline);
    if (got == GR_CONN_TIMEOUT) {
        return 1;
    }
    return got > 0 ? 0 : -1;
}

/* ---- fields ---------------------------------------------------------------- */

const char *gr_http_field_of(const gr_http_resp *r, const char *name)
{
    for (size_t i = 0; i < r->hr_nfields; i++) {
        if (strcasecmp(r->hr_fields[i].hf_name, name) == 0) {
            return r->hr_fields[i].hf_value;
        }
    }
    return NULL;
}

int gr_http_field_count(const gr_http_resp *r, const char *name)
{
    int n = 0;
    for (size_t i = 0; i < r->hr_nfields; i++) {
        n += strcasecmp(r->hr_fields[i].hf_name, name) == 0;
    }
    return n;
}

int gr_http_has_token(const char *value, const char *token)
{
    size_t tn = strlen(token);
    for (const char *p = value; p != NULL && *p != '\0';) {
        while (*p == ' ' || *p == '\t' || *p == ',') {
            p++;
        }
        size_t n = strcspn(p, ",;");
        size_t k = n;
        while (k > 0 && (p[k - 1] == ' ' || p[k - 1] == '\t')) {
            k--;
        }
        if (k == tn && strncasecmp(p, token, tn) == 0) {
            return 1;
        }
        p += n;
        p += strcspn(p, ",");
    }
    return 0;
}

int gr_http_says_close(const gr_http_resp *r)
{
    for (size_t i = 0; i < r->hr_nfields; i++) {
        if (strcasecmp(r->hr_fields[i].hf_name, "Connection") == 0 &&
            gr_http_has_token(r->hr_fields[i].hf_value, "close")) {
            return 1;
        }
    }
    return 0;
}

/* ---- dates and gzip ------------------------------------------------------------ */

int gr_http_parse_date(const char *s, time_t *t)
{
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    char day[4], mon[4];
    int d, y, hh, mm, ss, used = 0;
    if (strlen(s) != 29 ||
        sscanf(s, "%3s, %2d %3s %4d %2d:%2d:%2d GMT%n", day, &d, mon, &y, &hh, &mm, &ss, &used) !=
            7 ||
        used != 29 || s[3] != ',' || s[4] != ' ' || s[7] != ' ' || s[11] != ' ') {
        return -1;
    }
    struct tm tm = {
        .tm_mday = d, .tm_year = y - 1900, .tm_hour = hh, .tm_min = mm, .tm_sec = ss, .tm_mon = -1};
    for (int i = 0; i < 12; i++) {
        tm.tm_mon = strcmp(mon, months[i]) == 0 ? i : tm.tm_mon;
    }
    if (tm.tm_mon < 0 || d < 1 || d > 31 || hh > 23 || mm > 59 || ss > 60) {
        return -1;
    }
    *t = timegm(&tm);
    struct tm back;
    gmtime_r(t, &back);
    return strcmp(day, days[back.tm_wday]) == 0 && back.tm_mday == d ? 0 : -1;
}

const char *gr_http_format_date(time_t t, char out[32])
{
    struct tm tm;
    gmtime_r(&t, &tm);
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    snprintf(out, 32, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday], tm.tm_mday,
             months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return out;
}

int gr_http_gunzip(const void *in, size_t n, unsigned char **out, size_t *outn)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (n < 18 || ((const unsigned char *)in)[0] != 0x1f ||
        inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
        return -1;
    }
    size_t cap = n * 4 + 1024, len = 0;
    unsigned char *buf = malloc(cap);
    int rc = Z_OK;
    z.next_in = (unsigned char *)in;
    z.avail_in = (uInt)n;
    while (buf != NULL && rc == Z_OK) {
        if (cap - len < 1024) {
            unsigned char *nb = cap > BODY_MAX * 2 ? NULL : realloc(buf, cap * 2);
            if (nb == NULL) {
                break;
            }
            buf = nb;
            cap *= 2;
        }
        z.next_out = buf + len;
        z.avail_out = (uInt)(cap - len);
        rc = inflate(&z, Z_NO_FLUSH);
        len = cap - z.avail_out;
    }
    inflateEnd(&z);
    if (rc != Z_STREAM_END || z.avail_in != 0) {
        free(buf);
        return -1;
    }
    *out = buf;
    *outn = len;
    return 0;
}
