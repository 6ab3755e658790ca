/* http_fields.c - the field values and target parts the server reads:
 * Content-Length, comma lists (Connection), Accept-Encoding and its
 * q-values, percent-decoded paths and queries, Range, and IMF-fixdates.
 * Each function reads one value and refuses what is not its syntax. */
#include "http_parse.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

int hp_content_length(const char *v, size_t n, uint64_t *out)
{
    /* TODO(step 1): 1*DIGIT, leading zeros allowed, at most 2^63 (watch
     * the overflow: compare before you multiply). */
    (void)v;
    (void)n;
    (void)out;
    return HP_ERR_BAD_REQUEST;
}

int hp_list_has_token(const char *v, size_t n, const char *token)
{
    /* TODO(step 1): split v at the commas, trim SP and HTAB, compare each
     * element with token, case-insensitively. */
    (void)v;
    (void)n;
    (void)token;
    return 0;
}

int hp_gzip_allowed(const char *v, size_t n)
{
    /* TODO(step 1): the elements of the list, each "coding;q=W": gzip or
     * x-gzip with the best q > 0, or neither listed and * with q > 0. */
    (void)v;
    (void)n;
    return 0;
}

ssize_t hp_decode_path(const char *target, size_t n, char *out, size_t cap)
{
    /* TODO(step 1): percent-decode (a bad escape, %00 and %2f are 400) and
     * refuse . and .. segments after decoding. Until then the path is
     * copied as it came, which is as unsafe as it sounds. */
    const char *q = memchr(target, '?', n);
    size_t len = q != NULL ? (size_t)(q - target) : n;
    if (len + 1 > cap) {
        return HP_ERR_BAD_REQUEST;
    }
    memcpy(out, target, len);
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

ssize_t hp_query_param(const char *query, size_t qlen, const char *name, char *out, size_t cap)
{
    /* TODO(step 1): name=value pairs split at '&', names and values
     * decoded ('+' is a space, %XX a byte), the first name wins; a bad
     * escape anywhere in the query is 400. */
    (void)query;
    (void)qlen;
    (void)name;
    (void)out;
    (void)cap;
    return HP_PARAM_ABSENT;
}

int hp_parse_range(const char *v, size_t n, uint64_t size, uint64_t *first, uint64_t *last)
{
    /* TODO(step 1): "bytes=a-b", "bytes=a-", "bytes=-n" of a file of size
     * bytes; several ranges or a malformed one are ignored. */
    (void)v;
    (void)n;
    (void)size;
    (void)first;
    (void)last;
    return HP_RANGE_IGNORE;
}

static const char weekdays[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

int hp_parse_date(const char *v, size_t n, time_t *out)
{
    /* TODO(step 1): exactly "Sun, 06 Nov 1994 08:49:37 GMT" (HP_DATE_LEN
     * bytes): check every separator, the month's name, each number's
     * range, then timegm(); a date timegm() had to move (31 Feb) or whose
     * weekday is wrong is not one. */
    (void)v;
    (void)n;
    (void)out;
    return -1;
}

void hp_format_date(time_t t, char out[HP_DATE_SIZE])
{
    struct tm tm;
    gmtime_r(&t, &tm);
    /* Not strftime(): its %a and %b follow the locale, and HTTP's names do not.
     * (The remainders only tell the compiler each number fits its width.) */
    snprintf(out, HP_DATE_SIZE, "%s, %02u %s %04u %02u:%02u:%02u GMT", weekdays[tm.tm_wday],
             (unsigned)tm.tm_mday % 100u, months[tm.tm_mon], (unsigned)(tm.tm_year + 1900) % 10000u,
             (unsigned)tm.tm_hour % 100u, (unsigned)tm.tm_min % 100u, (unsigned)tm.tm_sec % 100u);
}
