/* response.c - an HTTP/1.1 response read from a connection (RFC 9112): the
 * head line by line, then the body as the head frames it. A client must be
 * strict where being lenient would cut or join messages: a Content-Length
 * that is not a number, two that disagree, a chunk size that is not hex,
 * and a body that ends early are errors, never a success. */
#define _GNU_SOURCE /* strptime(), timegm() */
#include "response.h"

#include "err.h"
#include "fetch.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define LINE_MAX_LEN 8192 /* longest head, chunk-size or trailer line */
#define MAX_FIELDS 200    /* header (or trailer) lines in one head */

/* The status of a failed read: a timeout, a lost connection, or TLS's
 * failure (a stream cut without close_notify) with its reason. */
static int read_failure(const sl_rio *rp, const char *what, char *err)
{
    if (errno == EPROTO && rp->rio_x != NULL) {
        sl_err_set(err, "reading the %s: %s", what, rp->rio_x->x_why);
        return FETCH_TLS;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
        sl_err_set(err, "timed out waiting for the %s", what);
        return FETCH_TIMEOUT;
    }
    sl_err_errno(err, "reading the %s", what);
    return FETCH_CONNECT;
}

/* Read one line into buf without its CRLF (or bare LF, which RFC 9112
 * lets a recipient accept). *len is its length. EOF before a whole line
 * is FETCH_MALFORMED, or eof_status when nothing at all came. */
static int read_line(sl_rio *rp, char *buf, size_t n, size_t *len, const char *what, int eof_status,
                     char *err)
{
    ssize_t got = sl_rio_readline(rp, buf, n);
    if (got < 0 && errno == EMSGSIZE) {
        sl_err_set(err, "the %s is longer than %zu bytes", what, n - 2);
        return FETCH_MALFORMED;
    }
    if (got < 0) {
        return read_failure(rp, what, err);
    }
    if (got == 0 || buf[got - 1] != '\n') {
        sl_err_set(err, "the connection closed %s the %s", got == 0 ? "before" : "inside", what);
        return got == 0 ? eof_status : FETCH_MALFORMED;
    }
    got--;
    if (got > 0 && buf[got - 1] == '\r') {
        got--;
    }
    buf[got] = '\0';
    if (memchr(buf, '\0', (size_t)got) != NULL || memchr(buf, '\r', (size_t)got) != NULL) {
        sl_err_set(err, "the %s holds a NUL or a bare CR", what);
        return FETCH_MALFORMED;
    }
    *len = (size_t)got;
    return FETCH_OK;
}

/* "HTTP/1.1 200 OK": version 1.x, three digits, a space, any reason. */
static int parse_status_line(const char *line, response *rs, char *err)
{
    if (strncmp(line, "HTTP/1.", 7) != 0 || !isdigit((unsigned char)line[7]) || line[8] != ' ' ||
        !isdigit((unsigned char)line[9]) || !isdigit((unsigned char)line[10]) ||
        !isdigit((unsigned char)line[11]) || (line[12] != ' ' && line[12] != '\0')) {
        sl_err_set(err, "the status line \"%.60s\" is not \"HTTP/1.x NNN reason\"", line);
        return FETCH_MALFORMED;
    }
    rs->rs_status = atoi(line + 9);
    rs->rs_http10 = line[7] == '0';
    if (rs->rs_status < 100) {
        sl_err_set(err, "the status code %d is not from 100 to 999", rs->rs_status);
        return FETCH_MALFORMED;
    }
    snprintf(rs->rs_reason, sizeof rs->rs_reason, "%.127s", line[12] == ' ' ? line + 13 : "");
    return FETCH_OK;
}

/* Content-Length: one or more equal values ("5" or "5, 5"), digits only. */
static int parse_length(const char *value, response *rs, char *err)
{
    const char *p = value;
    while (*p != '\0') {
        char *end = NULL;
        if (!isdigit((unsigned char)*p) || strspn(p, "0123456789") > 18) {
            sl_err_set(err, "Content-Length \"%.40s\" is not a number", value);
            return FETCH_MALFORMED;
        }
        long long v = strtoll(p, &end, 10);
        if (rs->rs_length >= 0 && rs->rs_length != v) {
            sl_err_set(err, "two Content-Length values disagree (%lld and %lld)", rs->rs_length, v);
            return FETCH_MALFORMED;
        }
        rs->rs_length = v;
        p = end + strspn(end, " \t");
        if (*p == ',') {
            p += 1 + strspn(p + 1, " \t");
        } else if (*p != '\0') {
            sl_err_set(err, "Content-Length \"%.40s\" is not a number", value);
            return FETCH_MALFORMED;
        }
    }
    return FETCH_OK;
}

/* Retry-After (RFC 9110 section 10.2.3): seconds, or an HTTP date. A
 * value that is neither is ignored, as the RFC allows. */
static void parse_retry_after(const char *value, response *rs)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    if (value[0] != '\0' && strspn(value, "0123456789") == strlen(value)) {
        long long s = strlen(value) > 9 ? 999999999LL : atoll(value);
        rs->rs_after_ms = (long)(s > 2000000 ? 2000000000LL : s * 1000);
        return;
    }
    const char *end = strptime(value, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (end != NULL && *end == '\0') {
        double s = difftime(timegm(&tm), time(NULL));
        rs->rs_after_ms = s <= 0 ? 0 : s > 2000000 ? 2000000000L : (long)s * 1000;
    }
}

/* Connection: a comma-separated list of options, close and keep-alive
 * among them (any case). */
static void parse_connection(const char *value, response *rs)
{
    for (const char *p = value; *p != '\0';) {
        p += strspn(p, " \t,");
        size_t n = strcspn(p, " \t,");
        rs->rs_close |= n == 5 && strncasecmp(p, "close", 5) == 0;
        rs->rs_keep_alive |= n == 10 && strncasecmp(p, "keep-alive", 10) == 0;
        p += n;
    }
}

/* Set-Cookie: kept as it is for the jar, which parses it (cookies.c);
 * one line each (RFC 6265 section 3: never folded into one with commas). */
static void keep_cookie(const char *value, response *rs)
{
    size_t n = strlen(value) + 1;
    if (rs->rs_cookies_len + n > sizeof rs->rs_cookies) {
        rs->rs_cookies_dropped++;
        return;
    }
    memcpy(rs->rs_cookies + rs->rs_cookies_len, value, n);
    rs->rs_cookies_len += n;
}

/* One header field, unfolded: "name: value". */
static int parse_field(char *line, response *rs, char *err)
{
    size_t nlen = strcspn(line, ":");
    const char *tchars = "!#$%&'*+-.^_`|~";
    for (size_t i = 0; i < nlen; i++) {
        if (!isalnum((unsigned char)line[i]) && strchr(tchars, line[i]) == NULL) {
            nlen = 0;
        }
    }
    if (line[nlen] != ':' || nlen == 0) {
        sl_err_set(err, "the header line \"%.60s\" is not \"Name: value\"", line);
        return FETCH_MALFORMED;
    }
    line[nlen] = '\0';
    char *value = line + nlen + 1;
    value += strspn(value, " \t");
    size_t vlen = strlen(value);
    while (vlen > 0 && (value[vlen - 1] == ' ' || value[vlen - 1] == '\t')) {
        value[--vlen] = '\0';
    }
    if (strcasecmp(line, "Content-Length") == 0) {
        return parse_length(value, rs, err);
    }
    if (strcasecmp(line, "Transfer-Encoding") == 0) {
        if (strcasecmp(value, "chunked") != 0) {
            sl_err_set(err, "Transfer-Encoding \"%.40s\" is not supported (only chunked)", value);
            return FETCH_MALFORMED;
        }
        rs->rs_chunked = 1;
    } else if (strcasecmp(line, "Location") == 0) {
        snprintf(rs->rs_location, sizeof rs->rs_location, "%s", value);
    } else if (strcasecmp(line, "Retry-After") == 0) {
        parse_retry_after(value, rs);
    } else if (strcasecmp(line, "Connection") == 0) {
        parse_connection(value, rs);
    } else if (strcasecmp(line, "Set-Cookie") == 0) {
        keep_cookie(value, rs);
    }
    return FETCH_OK;
}

/* Header (or trailer) lines up to the empty line. A line that starts with
 * a space or a tab continues the one before (obs-fold, which RFC 9112
 * tells a user agent to replace with a space). rs NULL: trailers, read and
 * dropped. */
static int read_fields(sl_rio *rp, response *rs, FILE *echo, const char *what, char *err)
{
    char field[LINE_MAX_LEN] = "";
    char line[LINE_MAX_LEN];
    for (int count = 0;; count++) {
        size_t len = 0;
        int rc = read_line(rp, line, sizeof line, &len, what, FETCH_MALFORMED, err);
        if (rc != FETCH_OK) {
            return rc;
        }
        if (count == MAX_FIELDS) {
            sl_err_set(err, "more than %d lines in the %s", MAX_FIELDS, what);
            return FETCH_MALFORMED;
        }
        if (echo != NULL) {
            fprintf(echo, "%s\r\n", line);
        }
        if (len > 0 && (line[0] == ' ' || line[0] == '\t') && field[0] != '\0') {
            if (strlen(field) + len + 1 >= sizeof field) {
                sl_err_set(err, "a folded header line is longer than %zu bytes", sizeof field);
                return FETCH_MALFORMED;
            }
            strcat(field, " ");
            strcat(field, line + strspn(line, " \t"));
            continue;
        }
        if (field[0] != '\0' && rs != NULL && (rc = parse_field(field, rs, err)) != FETCH_OK) {
            return rc;
        }
        if (len == 0) {
            return FETCH_OK;
        }
        if (line[0] == ' ' || line[0] == '\t') {
            sl_err_set(err, "the first header line starts with white space");
            return FETCH_MALFORMED;
        }
        memcpy(field, line, len + 1);
    }
}

int response_read_head(sl_rio *rp, response *rs, FILE *echo, char *err)
{
    for (;;) {
        memset(rs, 0, sizeof *rs);
        rs->rs_length = -1;
        rs->rs_after_ms = -1;
        char line[LINE_MAX_LEN];
        size_t len = 0;
        int rc = read_line(rp, line, sizeof line, &len, "status line", FETCH_CONNECT, err);
        if (rc == FETCH_OK) {
            rc = parse_status_line(line, rs, err);
        }
        int interim = rc == FETCH_OK && rs->rs_status < 200;
        if (rc == FETCH_OK && echo != NULL && !interim) {
            fprintf(echo, "%s\r\n", line);
        }
        if (rc == FETCH_OK) {
            rc = read_fields(rp, rs, interim ? NULL : echo, "response head", err);
        }
        if (rc != FETCH_OK || !interim) {
            return rc;
        }
        if (rs->rs_status == 101) {
            sl_err_set(err, "the server switched protocols (101), which no request asked for");
            return FETCH_MALFORMED;
        }
    }
}

int response_has_body(const response *rs, const char *method)
{
    return strcmp(method, "HEAD") != 0 && rs->rs_status != 204 && rs->rs_status != 304;
}

int response_keeps_connection(const response *rs, const char *method)
{
    int persists = !rs->rs_close && (!rs->rs_http10 || rs->rs_keep_alive);
    int framed = !response_has_body(rs, method) || rs->rs_chunked || rs->rs_length >= 0;
    return persists && framed;
}

/* Copy exactly n bytes (or to EOF when n < 0) from rp to out. */
static int copy_bytes(sl_rio *rp, long long n, FILE *out, const char *what, char *err)
{
    char buf[8192];
    long long done = 0;
    while (n < 0 || done < n) {
        size_t want = sizeof buf;
        if (n >= 0 && (long long)want > n - done) {
            want = (size_t)(n - done);
        }
        ssize_t got = sl_rio_read(rp, buf, want);
        if (got < 0) {
            return read_failure(rp, what, err);
        }
        if (got == 0 && n < 0) {
            return FETCH_OK;
        }
        if (got == 0) {
            sl_err_set(err, "the connection closed after %lld of the %lld bytes of the %s", done, n,
                       what);
            return FETCH_MALFORMED;
        }
        if (out != NULL && fwrite(buf, 1, (size_t)got, out) != (size_t)got) {
            sl_err_errno(err, "cannot write the body");
            return FETCH_LOCAL;
        }
        done += got;
    }
    return FETCH_OK;
}

/* "1a;name=value": hex digits, then optional white space and extensions. */
static int parse_chunk_size(const char *line, long long *size, char *err)
{
    size_t digits = strspn(line, "0123456789abcdefABCDEF");
    const char *rest = line + digits + strspn(line + digits, " \t");
    if (digits == 0 || digits > 15 || (*rest != '\0' && *rest != ';')) {
        sl_err_set(err, "the chunk-size line \"%.40s\" is not hex digits and extensions", line);
        return FETCH_MALFORMED;
    }
    *size = strtoll(line, NULL, 16);
    return FETCH_OK;
}

static int read_chunked(sl_rio *rp, FILE *out, char *err)
{
    char line[LINE_MAX_LEN];
    for (;;) {
        size_t len = 0;
        long long size = 0;
        int rc = read_line(rp, line, sizeof line, &len, "chunk-size line", FETCH_MALFORMED, err);
        if (rc != FETCH_OK || (rc = parse_chunk_size(line, &size, err)) != FETCH_OK) {
            return rc;
        }
        if (size == 0) {
            return read_fields(rp, NULL, NULL, "trailer", err);
        }
        if ((rc = copy_bytes(rp, size, out, "chunk", err)) != FETCH_OK ||
            (rc = read_line(rp, line, sizeof line, &len, "end of a chunk", FETCH_MALFORMED, err)) !=
                FETCH_OK) {
            return rc;
        }
        if (len != 0) {
            sl_err_set(err, "a chunk is longer than its size said (\"%.20s\" after it)", line);
            return FETCH_MALFORMED;
        }
    }
}

int response_read_body(sl_rio *rp, const response *rs, FILE *out, char *err)
{
    if (rs->rs_chunked) {
        return read_chunked(rp, out, err);
    }
    return copy_bytes(rp, rs->rs_length, out, "body", err);
}
