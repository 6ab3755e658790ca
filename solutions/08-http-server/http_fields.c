/* http_fields.c - the field values and target parts the server reads:
 * Content-Length, comma lists (Connection), Accept-Encoding and its
 * q-values, percent-decoded paths and queries, Range, and IMF-fixdates.
 * Each function reads one value and refuses, as the guide says, what is
 * not that value's syntax. */
#include "http_parse.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static int is_ows(char c)
{
    return c == ' ' || c == '\t';
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int hex_digit(char c)
{
    if (is_digit(c)) {
        return c - '0';
    }
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') {
        return (c | 0x20) - 'a' + 10;
    }
    return -1;
}

/* Decimal digits v[0..n) into *out, saturating at UINT64_MAX; -1 if a byte
 * is not a digit or there is none. */
static int decimal(const char *v, size_t n, uint64_t *out)
{
    uint64_t x = 0;
    if (n == 0) {
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (!is_digit(v[i])) {
            return -1;
        }
        unsigned d = (unsigned)(v[i] - '0');
        x = x > (UINT64_MAX - d) / 10 ? UINT64_MAX : x * 10 + d;
    }
    *out = x;
    return 0;
}

int hp_content_length(const char *v, size_t n, uint64_t *out)
{
    uint64_t x;
    if (decimal(v, n, &x) < 0 || x > (uint64_t)1 << 63) {
        return HP_ERR_BAD_REQUEST;
    }
    *out = x;
    return 0;
}

/* The next element of a comma list from *pos: [*b, *e) trimmed; 0 at the end. */
static int list_next(const char *v, size_t n, size_t *pos, size_t *b, size_t *e)
{
    if (*pos > n) {
        return 0;
    }
    const char *comma = memchr(v + *pos, ',', n - *pos);
    size_t end = comma != NULL ? (size_t)(comma - v) : n;
    *b = *pos;
    *e = end;
    while (*b < *e && is_ows(v[*b])) {
        (*b)++;
    }
    while (*e > *b && is_ows(v[*e - 1])) {
        (*e)--;
    }
    *pos = end + 1;
    return 1;
}

int hp_list_has_token(const char *v, size_t n, const char *token)
{
    size_t pos = 0, b, e, len = strlen(token);
    while (list_next(v, n, &pos, &b, &e)) {
        if (e - b == len && strncasecmp(v + b, token, len) == 0) {
            return 1;
        }
    }
    return 0;
}

/* A qvalue ("0", "0.5", "1.000") as thousandths, or -1. */
static int qvalue(const char *q, size_t n)
{
    if (n == 0 || n > 5 || (q[0] != '0' && q[0] != '1') || (n > 1 && q[1] != '.')) {
        return -1;
    }
    int x = (q[0] - '0') * 1000, scale = 100;
    for (size_t i = 2; i < n; i++, scale /= 10) {
        if (!is_digit(q[i])) {
            return -1;
        }
        x += (q[i] - '0') * scale;
    }
    return x > 1000 ? -1 : x;
}

/* One element of Accept-Encoding, "coding *( OWS ; OWS param )": its coding
 * [*cb, *ce) and its weight in thousandths (1000 without q=), or -1 if a
 * q= is malformed. */
static int coding_weight(const char *v, size_t b, size_t e, size_t *ce)
{
    const char *semi = memchr(v + b, ';', e - b);
    *ce = semi != NULL ? (size_t)(semi - v) : e;
    while (*ce > b && is_ows(v[*ce - 1])) {
        (*ce)--;
    }
    int q = 1000;
    while (semi != NULL) {
        size_t p = (size_t)(semi - v) + 1;
        semi = memchr(v + p, ';', e - p);
        size_t pe = semi != NULL ? (size_t)(semi - v) : e;
        while (p < pe && is_ows(v[p])) {
            p++;
        }
        while (pe > p && is_ows(v[pe - 1])) {
            pe--;
        }
        if (pe - p >= 2 && (v[p] | 0x20) == 'q' && v[p + 1] == '=') {
            q = qvalue(v + p + 2, pe - p - 2);
        }
    }
    return q;
}

int hp_gzip_allowed(const char *v, size_t n)
{
    int gzip = -1, star = -1; /* the best weight each was given; -1: not listed */
    size_t pos = 0, b, e, ce;
    while (list_next(v, n, &pos, &b, &e)) {
        int q = coding_weight(v, b, e, &ce);
        size_t len = ce - b;
        if (q < 0) {
            continue; /* a malformed weight: the element is ignored */
        }
        if ((len == 4 && strncasecmp(v + b, "gzip", 4) == 0) ||
            (len == 6 && strncasecmp(v + b, "x-gzip", 6) == 0)) {
            gzip = q > gzip ? q : gzip;
        } else if (len == 1 && v[b] == '*') {
            star = q > star ? q : star;
        }
    }
    return gzip >= 0 ? gzip > 0 : star > 0;
}

/* %XX at s (n bytes left): the byte, or -1 for a bad escape. */
static int escape_at(const char *s, size_t n)
{
    if (n < 3) {
        return -1;
    }
    int hi = hex_digit(s[1]), lo = hex_digit(s[2]);
    return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

/* 1 if the segment just ended at out[len) (after the last '/') is . or .. */
static int dot_segment(const char *out, size_t len)
{
    size_t b = len;
    while (b > 0 && out[b - 1] != '/') {
        b--;
    }
    size_t n = len - b;
    return (n == 1 && out[b] == '.') || (n == 2 && out[b] == '.' && out[b + 1] == '.');
}

ssize_t hp_decode_path(const char *target, size_t n, char *out, size_t cap)
{
    const char *q = memchr(target, '?', n);
    size_t end = q != NULL ? (size_t)(q - target) : n, len = 0;
    for (size_t i = 0; i < end; i++) {
        int c = (unsigned char)target[i];
        if (c == '%') {
            c = escape_at(target + i, end - i);
            if (c <= 0 || c == '/') {
                return HP_ERR_BAD_REQUEST; /* bad, NUL or slash */
            }
            i += 2;
        }
        if (len + 1 >= cap) {
            return HP_ERR_BAD_REQUEST;
        }
        if (c == '/' && dot_segment(out, len)) {
            return HP_ERR_BAD_REQUEST;
        }
        out[len++] = (char)c;
    }
    if (dot_segment(out, len)) {
        return HP_ERR_BAD_REQUEST;
    }
    out[len] = '\0';
    return (ssize_t)len;
}

const char *hp_target_query(const char *target, size_t n, size_t *qlen)
{
    const char *q = memchr(target, '?', n);
    if (q == NULL) {
        *qlen = 0;
        return NULL;
    }
    *qlen = n - (size_t)(q - target) - 1;
    return q + 1;
}

/* Form-decode s[0..n) ('+' is a space) into out, NUL-terminated; -1 for a
 * bad escape or no room. Without out (cap 0) it only checks. */
static ssize_t form_decode(const char *s, size_t n, char *out, size_t cap)
{
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)s[i];
        if (c == '%') {
            c = escape_at(s + i, n - i);
            if (c < 0) {
                return -1;
            }
            i += 2;
        } else if (c == '+') {
            c = ' ';
        }
        if (cap > 0 && len + 1 >= cap) {
            return -1;
        }
        if (cap > 0) {
            out[len] = (char)c;
        }
        len++;
    }
    if (cap > 0) {
        out[len] = '\0';
    }
    return (ssize_t)len;
}

ssize_t hp_query_param(const char *query, size_t qlen, const char *name, char *out, size_t cap)
{
    ssize_t found = HP_PARAM_ABSENT;
    size_t pos = 0, nlen = strlen(name);
    char key[256];
    if (form_decode(query, qlen, NULL, 0) < 0) {
        return HP_ERR_BAD_REQUEST;
    }
    while (query != NULL && pos <= qlen) {
        const char *amp = memchr(query + pos, '&', qlen - pos);
        size_t end = amp != NULL ? (size_t)(amp - query) : qlen;
        const char *eq = memchr(query + pos, '=', end - pos);
        size_t kend = eq != NULL ? (size_t)(eq - query) : end;
        ssize_t klen = form_decode(query + pos, kend - pos, key, sizeof key);
        if (found == HP_PARAM_ABSENT && klen == (ssize_t)nlen && memcmp(key, name, nlen) == 0) {
            size_t vb = eq != NULL ? kend + 1 : end;
            found = form_decode(query + vb, end - vb, out, cap);
            if (found < 0) {
                return HP_ERR_BAD_REQUEST;
            }
        }
        pos = end + 1;
    }
    return found;
}

int hp_parse_range(const char *v, size_t n, uint64_t size, uint64_t *first, uint64_t *last)
{
    if (n < 6 || strncasecmp(v, "bytes=", 6) != 0 || memchr(v, ',', n) != NULL) {
        return HP_RANGE_IGNORE;
    }
    const char *s = v + 6, *dash = memchr(s, '-', n - 6);
    if (dash == NULL) {
        return HP_RANGE_IGNORE;
    }
    size_t alen = (size_t)(dash - s), blen = n - 6 - alen - 1;
    uint64_t a, b;
    if (alen == 0) { /* -n: the last n bytes */
        if (decimal(dash + 1, blen, &b) < 0) {
            return HP_RANGE_IGNORE;
        }
        if (b == 0 || size == 0) {
            return HP_RANGE_UNSATISFIABLE;
        }
        *first = b >= size ? 0 : size - b;
        *last = size - 1;
        return HP_RANGE_OK;
    }
    if (decimal(s, alen, &a) < 0) {
        return HP_RANGE_IGNORE;
    }
    b = UINT64_MAX;
    if (blen > 0 && (decimal(dash + 1, blen, &b) < 0 || b < a)) {
        return HP_RANGE_IGNORE;
    }
    if (a >= size) {
        return HP_RANGE_UNSATISFIABLE;
    }
    *first = a;
    *last = b >= size ? size - 1 : b;
    return HP_RANGE_OK;
}

static const char weekdays[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* Two digits at s as a number, or -1. */
static int two_digits(const char *s)
{
    return is_digit(s[0]) && is_digit(s[1]) ? (s[0] - '0') * 10 + (s[1] - '0') : -1;
}

int hp_parse_date(const char *v, size_t n, time_t *out)
{
    /* "Sun, 06 Nov 1994 08:49:37 GMT" */
    if (n != HP_DATE_LEN || memcmp(v + 3, ", ", 2) != 0 || v[7] != ' ' || v[11] != ' ' ||
        v[16] != ' ' || v[19] != ':' || v[22] != ':' || memcmp(v + 25, " GMT", 4) != 0) {
        return -1;
    }
    int mon = -1;
    for (int i = 0; i < 12; i++) {
        mon = memcmp(v + 8, months[i], 3) == 0 ? i : mon;
    }
    int day = two_digits(v + 5), y1 = two_digits(v + 12), y2 = two_digits(v + 14);
    int hh = two_digits(v + 17), mm = two_digits(v + 20), ss = two_digits(v + 23);
    if (mon < 0 || day < 1 || day > 31 || y1 < 0 || y2 < 0 || hh < 0 || hh > 23 || mm < 0 ||
        mm > 59 || ss < 0 || ss > 59) {
        return -1;
    }
    struct tm tm = {.tm_year = y1 * 100 + y2 - 1900,
                    .tm_mon = mon,
                    .tm_mday = day,
                    .tm_hour = hh,
                    .tm_min = mm,
                    .tm_sec = ss};
    time_t t = timegm(&tm);
    /* timegm() normalises 31 Feb to 3 Mar: a date that moved was not one. */
    if (t == (time_t)-1 || tm.tm_mday != day || tm.tm_mon != mon ||
        memcmp(v, weekdays[tm.tm_wday], 3) != 0) {
        return -1;
    }
    *out = t;
    return 0;
}

void hp_format_date(time_t t, char out[HP_DATE_SIZE])
{
    struct tm tm;
    gmtime_r(&t, &tm);
    /* Not strftime(): its %a and %b follow the locale, and HTTP's names do not. */
    /* (The remainders only tell the compiler each number fits its width.) */
    snprintf(out, HP_DATE_SIZE, "%s, %02u %s %04u %02u:%02u:%02u GMT", weekdays[tm.tm_wday],
             (unsigned)tm.tm_mday % 100u, months[tm.tm_mon], (unsigned)(tm.tm_year + 1900) % 10000u,
             (unsigned)tm.tm_hour % 100u, (unsigned)tm.tm_min % 100u, (unsigned)tm.tm_sec % 100u);
}
