/* test_http_fields.c - the helpers that read one field value or one part
 * of a target: each rule of the guide a row. */
#include "cu_run.h"
#include "http_parse.h"
#include "test_http_parser.h"

#include <string.h>

typedef struct cl_row {
    const char *rule, *v;
    int rc;
    uint64_t want;
} cl_row;

void test_content_length(void)
{
    static const cl_row rows[] = {
        {"0", "0", 0, 0},
        {"digits", "1048576", 0, 1048576},
        {"leading zeros are decimal", "000000000000000000000000012", 0, 12},
        {"2^63", "9223372036854775808", 0, (uint64_t)1 << 63},
        {"2^63 + 1 is too large", "9223372036854775809", HP_ERR_BAD_REQUEST, 0},
        {"far too large", "99999999999999999999999", HP_ERR_BAD_REQUEST, 0},
        {"empty", "", HP_ERR_BAD_REQUEST, 0},
        {"a sign", "-1", HP_ERR_BAD_REQUEST, 0},
        {"a space inside", "1 2", HP_ERR_BAD_REQUEST, 0},
        {"a list", "5,5", HP_ERR_BAD_REQUEST, 0},
        {"hex", "0x5", HP_ERR_BAD_REQUEST, 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        uint64_t got = 0;
        size_t n = strlen(rows[i].v);
        int rc = hp_content_length(guarded(0, rows[i].v, n), n, &got);
        CU_EXPECT(rc == rows[i].rc && (rc < 0 || got == rows[i].want), __LINE__,
                  "%s ('%s'): got %d, %llu", rows[i].rule, rows[i].v, rc, (unsigned long long)got);
    }
}

typedef struct token_row {
    const char *rule, *v, *token;
    int want;
} token_row;

void test_list_tokens(void)
{
    static const token_row rows[] = {
        {"alone", "close", "close", 1},
        {"case-insensitive", "Keep-Alive", "keep-alive", 1},
        {"in a list with spaces", "upgrade , close", "close", 1},
        {"in a list without spaces", "a,close,b", "close", 1},
        {"tabs around", "\tclose\t", "close", 1},
        {"a longer token is another", "closed", "close", 0},
        {"a prefix is another", "clo", "close", 0},
        {"empty elements", ",,close,", "close", 1},
        {"empty value", "", "close", 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        size_t n = strlen(rows[i].v);
        int got = hp_list_has_token(guarded(0, rows[i].v, n), n, rows[i].token);
        CU_EXPECT(got == rows[i].want, __LINE__, "%s ('%s' has '%s'): got %d", rows[i].rule,
                  rows[i].v, rows[i].token, got);
    }
}

typedef struct ae_row {
    const char *rule, *v;
    int want;
} ae_row;

void test_gzip_allowed(void)
{
    static const ae_row rows[] = {
        {"gzip", "gzip", 1},
        {"GZIP: case-insensitive", "GZIP", 1},
        {"x-gzip", "x-gzip", 1},
        {"in a list", "deflate, gzip, br", 1},
        {"with a weight", "gzip;q=0.5", 1},
        {"with spaces around the weight", "gzip ; q=0.001", 1},
        {"Q= in capitals", "gzip;Q=1", 1},
        {"q=0 refuses it", "gzip;q=0", 0},
        {"q=0.000 refuses it", "gzip;q=0.000", 0},
        {"q=0 refuses it even when * is welcome", "gzip;q=0, *", 0},
        {"not listed, * welcome", "br, *", 1},
        {"not listed, * refused", "*;q=0", 0},
        {"not listed, no *", "deflate, br", 0},
        {"empty", "", 0},
        {"identity only", "identity", 0},
        {"a malformed weight: that element is ignored", "gzip;q=2", 0},
        {"a malformed weight, * welcome", "gzip;q=abc, *", 1},
        {"gzip listed twice: the best weight", "gzip;q=0, gzip;q=0.2", 1},
        {"gzipx is not gzip", "gzipx", 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        size_t n = strlen(rows[i].v);
        int got = hp_gzip_allowed(guarded(0, rows[i].v, n), n);
        CU_EXPECT(got == rows[i].want, __LINE__, "%s ('%s'): got %d, expected %d", rows[i].rule,
                  rows[i].v, got, rows[i].want);
    }
}

typedef struct path_row {
    const char *rule, *target, *want; /* want NULL: 400 */
} path_row;

void test_decode_path(void)
{
    static const path_row rows[] = {
        {"a plain path", "/a/b.html", "/a/b.html"},
        {"the root", "/", "/"},
        {"escapes, hex in either case", "/a%20b%7E%7e", "/a b~~"},
        {"the query is not the path", "/a?b=%zz", "/a"},
        {"an encoded ? is a byte of the path", "/a%3fb", "/a?b"},
        {"an empty segment means nothing", "//etc/passwd", "//etc/passwd"},
        {"dots inside a name", "/a..b/.c/..d", "/a..b/.c/..d"},
        {"an encoded percent", "/100%25", "/100%"},
        {"a lone %", "/a%", NULL},
        {"% and one digit", "/a%4", NULL},
        {"% and non-hex", "/a%zz", NULL},
        {"an encoded NUL", "/a%00b", NULL},
        {"an encoded slash", "/a%2fb", NULL},
        {"an encoded slash in capitals", "/a%2Fb", NULL},
        {"a .. segment", "/a/../b", NULL},
        {"a .. at the end", "/..", NULL},
        {"a . segment", "/a/./b", NULL},
        {"a . at the end", "/a/.", NULL},
        {"an encoded .. segment", "/%2e%2e/", NULL},
        {"a half-encoded .. segment", "/.%2E/x", NULL},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const path_row *r = &rows[i];
        char out[256];
        size_t n = strlen(r->target);
        ssize_t got = hp_decode_path(guarded(0, r->target, n), n, out, sizeof out);
        if (r->want == NULL) {
            CU_EXPECT(got == HP_ERR_BAD_REQUEST, __LINE__, "%s ('%s'): got %zd, expected %d",
                      r->rule, r->target, got, HP_ERR_BAD_REQUEST);
        } else {
            CU_EXPECT(got == (ssize_t)strlen(r->want) && strcmp(out, r->want) == 0, __LINE__,
                      "%s ('%s'): got %zd '%s', expected '%s'", r->rule, r->target, got,
                      got >= 0 ? out : "", r->want);
        }
    }
    char small[4];
    CU_EXPECT(hp_decode_path("/abcd", 5, small, sizeof small) == HP_ERR_BAD_REQUEST, __LINE__,
              "a path longer than the output buffer must be refused");
}

typedef struct query_row {
    const char *rule, *target, *name;
    ssize_t rc;       /* the length, HP_PARAM_ABSENT or HP_ERR_BAD_REQUEST */
    const char *want; /* the value */
} query_row;

void test_query_param(void)
{
    static const query_row rows[] = {
        {"a name", "/api/data?name=Ada", "name", 3, "Ada"},
        {"no query", "/api/data", "name", HP_PARAM_ABSENT, NULL},
        {"another parameter", "/api/data?x=1", "name", HP_PARAM_ABSENT, NULL},
        {"an empty value", "/api/data?name=", "name", 0, ""},
        {"a name without =", "/api/data?name", "name", 0, ""},
        {"the first name wins", "/api/data?name=a&name=b", "name", 1, "a"},
        {"after another parameter", "/api/data?x=1&name=Bo", "name", 2, "Bo"},
        {"+ is a space", "/api/data?name=Ada+Lovelace", "name", 12, "Ada Lovelace"},
        {"escapes decoded", "/api/data?name=%41d%61%2B", "name", 4, "Ada+"},
        {"an escaped name", "/api/data?n%61me=x", "name", 1, "x"},
        {"a name that only starts the same", "/api/data?names=x", "name", HP_PARAM_ABSENT, NULL},
        {"a bad escape in the value", "/api/data?name=%zz", "name", HP_ERR_BAD_REQUEST, NULL},
        {"a lone % in the value", "/api/data?name=a%", "name", HP_ERR_BAD_REQUEST, NULL},
        {"a bad escape elsewhere in the query", "/api/data?name=a&b=%4", "name", HP_ERR_BAD_REQUEST,
         NULL},
        {"an encoded NUL is a byte of a query value", "/api/data?name=a%00b", "name", 3, "a\0b"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const query_row *r = &rows[i];
        char out[256];
        size_t qlen = 0, n = strlen(r->target);
        const char *t = guarded(0, r->target, n);
        const char *q = hp_target_query(t, n, &qlen);
        ssize_t got = hp_query_param(q, qlen, r->name, out, sizeof out);
        int ok = got == r->rc && (got < 0 || memcmp(out, r->want, (size_t)got + 1) == 0);
        CU_EXPECT(ok, __LINE__, "%s ('%s'): got %zd '%.*s', expected %zd '%s'", r->rule, r->target,
                  got, got > 0 ? (int)got : 0, out, r->rc, r->want ? r->want : "");
    }
}

typedef struct range_row {
    const char *rule, *v;
    uint64_t size;
    int rc;
    uint64_t first, last;
} range_row;

void test_range(void)
{
    static const range_row rows[] = {
        {"a-b", "bytes=0-4", 100, HP_RANGE_OK, 0, 4},
        {"a-b in the middle", "bytes=10-19", 100, HP_RANGE_OK, 10, 19},
        {"one byte", "bytes=5-5", 100, HP_RANGE_OK, 5, 5},
        {"b past the end is cut", "bytes=90-200", 100, HP_RANGE_OK, 90, 99},
        {"a-", "bytes=95-", 100, HP_RANGE_OK, 95, 99},
        {"-n", "bytes=-10", 100, HP_RANGE_OK, 90, 99},
        {"-n longer than the file: all of it", "bytes=-500", 100, HP_RANGE_OK, 0, 99},
        {"the unit is case-insensitive", "Bytes=0-0", 100, HP_RANGE_OK, 0, 0},
        {"a = size: unsatisfiable", "bytes=100-", 100, HP_RANGE_UNSATISFIABLE, 0, 0},
        {"a past size: unsatisfiable", "bytes=200-300", 100, HP_RANGE_UNSATISFIABLE, 0, 0},
        {"-0: unsatisfiable", "bytes=-0", 100, HP_RANGE_UNSATISFIABLE, 0, 0},
        {"an empty file: unsatisfiable", "bytes=0-", 0, HP_RANGE_UNSATISFIABLE, 0, 0},
        {"a huge start: unsatisfiable", "bytes=99999999999999999999999-", 100,
         HP_RANGE_UNSATISFIABLE, 0, 0},
        {"several ranges: ignored", "bytes=0-1,5-6", 100, HP_RANGE_IGNORE, 0, 0},
        {"another unit: ignored", "items=0-1", 100, HP_RANGE_IGNORE, 0, 0},
        {"b before a: ignored", "bytes=5-1", 100, HP_RANGE_IGNORE, 0, 0},
        {"no dash: ignored", "bytes=5", 100, HP_RANGE_IGNORE, 0, 0},
        {"only a dash: ignored", "bytes=-", 100, HP_RANGE_IGNORE, 0, 0},
        {"a space: ignored", "bytes= 0-5", 100, HP_RANGE_IGNORE, 0, 0},
        {"a sign: ignored", "bytes=+0-5", 100, HP_RANGE_IGNORE, 0, 0},
        {"empty: ignored", "", 100, HP_RANGE_IGNORE, 0, 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const range_row *r = &rows[i];
        uint64_t a = 0, b = 0;
        size_t n = strlen(r->v);
        int rc = hp_parse_range(guarded(0, r->v, n), n, r->size, &a, &b);
        int ok = rc == r->rc && (rc != HP_RANGE_OK || (a == r->first && b == r->last));
        CU_EXPECT(ok, __LINE__, "%s ('%s' of %llu bytes): got %d [%llu, %llu]", r->rule, r->v,
                  (unsigned long long)r->size, rc, (unsigned long long)a, (unsigned long long)b);
    }
}

void test_dates(void)
{
    static const struct {
        const char *rule, *v;
        int rc;
        time_t t;
    } rows[] = {
        {"RFC 9110's example", "Sun, 06 Nov 1994 08:49:37 GMT", 0, 784111777},
        {"the epoch", "Thu, 01 Jan 1970 00:00:00 GMT", 0, 0},
        {"a leap day", "Thu, 29 Feb 2024 12:00:00 GMT", 0, 1709208000},
        {"the wrong weekday", "Mon, 06 Nov 1994 08:49:37 GMT", -1, 0},
        {"31 February", "Sat, 31 Feb 2024 12:00:00 GMT", -1, 0},
        {"RFC 850's format", "Sunday, 06-Nov-94 08:49:37 GMT", -1, 0},
        {"asctime's format", "Sun Nov  6 08:49:37 1994", -1, 0},
        {"not GMT", "Sun, 06 Nov 1994 08:49:37 UTC", -1, 0},
        {"hour 24", "Sun, 06 Nov 1994 24:49:37 GMT", -1, 0},
        {"a month in capitals", "Sun, 06 NOV 1994 08:49:37 GMT", -1, 0},
        {"one space too many", "Sun, 06 Nov 1994  08:49:37 GMT", -1, 0},
        {"garbage", "yesterday", -1, 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        time_t t = 1;
        size_t n = strlen(rows[i].v);
        int rc = hp_parse_date(guarded(0, rows[i].v, n), n, &t);
        CU_EXPECT(rc == rows[i].rc && (rc < 0 || t == rows[i].t), __LINE__,
                  "%s ('%s'): got %d, %lld", rows[i].rule, rows[i].v, rc, (long long)t);
    }
    char out[HP_DATE_SIZE];
    hp_format_date(784111777, out);
    CU_EXPECT(strcmp(out, "Sun, 06 Nov 1994 08:49:37 GMT") == 0, __LINE__,
              "hp_format_date(784111777) wrote '%s'", out);
    hp_format_date(1709208000, out);
    time_t back = 0;
    CU_EXPECT(hp_parse_date(out, strlen(out), &back) == 0 && back == 1709208000, __LINE__,
              "a formatted date '%s' must parse back to itself", out);
}

void test_empty_lines(void)
{
    static const struct {
        const char *v;
        size_t want;
    } rows[] = {{"GET", 0}, {"\r\nGET", 2}, {"\n\n\r\nGET", 4}, {"\r\n\r", 2}, {"\r", 0}, {"", 0}};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        size_t n = strlen(rows[i].v);
        size_t got = hp_empty_lines(guarded(0, rows[i].v, n), n);
        CU_EXPECT(got == rows[i].want, __LINE__, "hp_empty_lines(row %zu): got %zu, expected %zu",
                  i, got, rows[i].want);
    }
}
