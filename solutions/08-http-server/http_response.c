/* http_response.c - the bytes of an answer: the status line, the headers
 * every answer has (Date, Server, Content-Length, Connection), error pages
 * whose text is HTML-escaped, and answers held whole in memory. Nothing
 * here writes to a socket: the bytes go to the connection's hs_out, which
 * http_conn.c sends as the socket takes them. */
#include "http_server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *hs_reason(int status)
{
    static const struct {
        int code;
        const char *text;
    } reasons[] = {
        {200, "OK"},
        {201, "Created"},
        {206, "Partial Content"},
        {301, "Moved Permanently"},
        {304, "Not Modified"},
        {400, "Bad Request"},
        {403, "Forbidden"},
        {404, "Not Found"},
        {405, "Method Not Allowed"},
        {408, "Request Timeout"},
        {411, "Length Required"},
        {413, "Content Too Large"},
        {414, "URI Too Long"},
        {416, "Range Not Satisfiable"},
        {431, "Request Header Fields Too Large"},
        {500, "Internal Server Error"},
        {501, "Not Implemented"},
        {503, "Service Unavailable"},
        {505, "HTTP Version Not Supported"},
    };
    for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++) {
        if (reasons[i].code == status) {
            return reasons[i].text;
        }
    }
    return "Unknown";
}

int hs_compressible(const char *type)
{
    static const char *const types[] = {"text/html",  "text/css",         "text/javascript",
                                        "text/plain", "application/json", "image/svg+xml"};
    for (size_t i = 0; type != NULL && i < sizeof types / sizeof types[0]; i++) {
        size_t n = strlen(types[i]);
        if (strncasecmp(type, types[i], n) == 0 && (type[n] == '\0' || type[n] == ';')) {
            return 1;
        }
    }
    return 0;
}

/* After these, the server cannot trust what follows on the connection
 * (or must not wait for it): it says Connection: close and closes. */
static int closes_after(int status)
{
    return status == 400 || status == 408 || status == 411 || status == 413 || status == 414 ||
           status == 431 || status == 503 || status == 505;
}

int hs_out_reserve(hs_out *o, size_t n)
{
    if (o->o_start == o->o_len) {
        o->o_start = o->o_len = 0; /* all sent: start again at the front */
    }
    if (o->o_cap - o->o_len >= n) {
        return 0;
    }
    size_t cap = o->o_cap > 0 ? o->o_cap : 4096;
    while (cap - o->o_len < n) {
        cap *= 2;
    }
    char *p = realloc(o->o_buf, cap);
    if (p == NULL) {
        return -1;
    }
    o->o_buf = p;
    o->o_cap = cap;
    return 0;
}

/* A date's text, kept for the next answer with the same date: the Date
 * field changes once a second, and a file's Last-Modified seldom. */
typedef struct date_cache {
    time_t dc_when;
    char dc_text[HP_DATE_SIZE];
} date_cache;

static const char *cached_date(date_cache *dc, time_t t)
{
    if (t != dc->dc_when) {
        hp_format_date(t, dc->dc_text);
        dc->dc_when = t;
    }
    return dc->dc_text;
}

/* Room for the status line and the headers but r_extra. */
#define HEAD_FIXED 1024

/* Append @p text to the head being written at *@p at (no printf: this is
 * every answer's hot path, and the room is reserved before). */
static void put(char **at, const char *text)
{
    size_t n = strlen(text);
    memcpy(*at, text, n);
    *at += n;
}

/* Append @p v in decimal. */
static void put_number(char **at, uint64_t v)
{
    char digits[24], *d = digits + sizeof digits;
    *--d = '\0';
    do {
        *--d = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    put(at, d);
}

/* "Name: value\r\n" when @p value is not NULL. */
static void put_field(char **at, const char *name, const char *value)
{
    if (value != NULL) {
        put(at, name);
        put(at, value);
        put(at, "\r\n");
    }
}

int hs_send_head(hs_exchange *ex, const hs_reply *r)
{
    size_t extra = r->r_extra != NULL ? strlen(r->r_extra) : 0;
    hs_out *o = ex->ex_out;
    if (hs_out_reserve(o, HEAD_FIXED + extra) < 0) {
        ex->ex_failed = 1;
        return -1;
    }
    static _Thread_local date_cache now = {.dc_when = (time_t)-1},
                                    modified = {.dc_when = (time_t)-1};
    char *start = o->o_buf + o->o_len, *at = start;
    put(&at, "HTTP/1.1 ");
    put_number(&at, (uint64_t)r->r_status);
    put(&at, " ");
    put(&at, hs_reason(r->r_status));
    put(&at, "\r\n");
    put_field(&at, "Date: ", cached_date(&now, time(NULL)));
    put_field(&at, "Server: ", HS_SERVER_NAME);
    put_field(&at, "Content-Type: ", r->r_type);
    if (!r->r_no_length) {
        put(&at, "Content-Length: ");
        put_number(&at, r->r_length);
        put(&at, "\r\n");
    }
    put_field(&at, "Content-Encoding: ", r->r_gzip ? "gzip" : NULL);
    put_field(&at, "Vary: ", hs_compressible(r->r_type) ? "Accept-Encoding" : NULL);
    if (r->r_mtime != (time_t)-1) {
        put_field(&at, "Last-Modified: ", cached_date(&modified, r->r_mtime));
    }
    put_field(&at, "Accept-Ranges: ", r->r_ranges ? "bytes" : NULL);
    put(&at, r->r_extra != NULL ? r->r_extra : "");
    put_field(&at, "Connection: ", ex->ex_close ? "close" : ex->ex_http10 ? "keep-alive" : NULL);
    put(&at, "\r\n");
    o->o_len += (size_t)(at - start);
    return 0;
}

int hs_send_body(hs_exchange *ex, const void *p, size_t n)
{
    if (ex->ex_head || n == 0) {
        return 0;
    }
    if (hs_out_reserve(ex->ex_out, n) < 0) {
        ex->ex_failed = 1;
        return -1;
    }
    memcpy(ex->ex_out->o_buf + ex->ex_out->o_len, p, n);
    ex->ex_out->o_len += n;
    return 0;
}

/* @p s with & < > " ' escaped, in a new string (NULL if out of memory). */
static char *html_escape(const char *s)
{
    size_t n = 0;
    for (const char *p = s; *p != '\0'; p++) {
        n += strchr("&<>\"'", *p) != NULL ? 6 : 1;
    }
    char *out = malloc(n + 1), *o = out;
    for (const char *p = s; out != NULL && *p != '\0'; p++) {
        const char *e = *p == '&'    ? "&amp;"
                        : *p == '<'  ? "&lt;"
                        : *p == '>'  ? "&gt;"
                        : *p == '"'  ? "&quot;"
                        : *p == '\'' ? "&#39;"
                                     : NULL;
        if (e != NULL) {
            o = stpcpy(o, e);
        } else {
            *o++ = *p;
        }
    }
    if (out != NULL) {
        *o = '\0';
    }
    return out;
}

int hs_send_error(hs_exchange *ex, int status, const char *extra, const char *detail)
{
    char *escaped = html_escape(detail != NULL ? detail : "");
    size_t cap = 512 + (escaped != NULL ? strlen(escaped) : 0);
    char *page = malloc(cap);
    int rc = -1;
    if (escaped != NULL && page != NULL) {
        const char *reason = hs_reason(status);
        int n = snprintf(page, cap,
                         "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>%d %s</title>"
                         "</head>\n<body><h1>%d %s</h1>%s%s%s</body></html>\n",
                         status, reason, status, reason, escaped[0] ? "<p>" : "", escaped,
                         escaped[0] ? "</p>" : "");
        ex->ex_close = ex->ex_close || closes_after(status);
        hs_reply r = {.r_status = status,
                      .r_type = "text/html; charset=utf-8",
                      .r_length = (uint64_t)n,
                      .r_mtime = (time_t)-1,
                      .r_extra = extra};
        rc = hs_send_head(ex, &r) < 0 || hs_send_body(ex, page, (size_t)n) < 0 ? -1 : 0;
    } else {
        ex->ex_failed = 1;
    }
    free(escaped);
    free(page);
    return rc;
}

int hs_send_buffer(hs_exchange *ex, int status, const char *type, const void *body, size_t n,
                   const char *extra)
{
    unsigned char *z = NULL;
    size_t zlen = 0;
    int gzip = ex->ex_gzip_ok && status == 200 && hs_compressible(type) &&
               hs_gzip_buffer(body, n, &z, &zlen) == 0;
    hs_reply r = {.r_status = status,
                  .r_type = type,
                  .r_length = gzip ? zlen : n,
                  .r_gzip = gzip,
                  .r_mtime = (time_t)-1,
                  .r_extra = extra};
    int rc = hs_send_head(ex, &r) < 0 ||
                     hs_send_body(ex, gzip ? (const void *)z : body, gzip ? zlen : n) < 0
                 ? -1
                 : 0;
    free(z);
    return rc;
}

size_t hs_busy_response(char *out, size_t cap)
{
    static const char page[] = "<!DOCTYPE html>\n<html><head><title>503 Service Unavailable"
                               "</title></head>\n<body><h1>503 Service Unavailable</h1>"
                               "<p>Every thread is busy: try again later.</p></body></html>\n";
    char date[HP_DATE_SIZE];
    hp_format_date(time(NULL), date);
    int n = snprintf(out, cap,
                     "HTTP/1.1 503 Service Unavailable\r\nDate: %s\r\nServer: %s\r\n"
                     "Content-Type: text/html; charset=utf-8\r\nContent-Length: %zu\r\n"
                     "Connection: close\r\n\r\n%s",
                     date, HS_SERVER_NAME, sizeof page - 1, page);
    return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}
