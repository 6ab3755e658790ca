/* fuzz_http_parser.c - a libFuzzer target over lab 08's parser: the head
 * parser, the chunked decoder and the field helpers, on any bytes.
 *
 * Built with clang -fsanitize=fuzzer,address,undefined against a copy's
 * http_parse.c, http_chunked.c and http_fields.c (`make fuzz` at the top
 * of the kit). Each input is copied into a heap block of exactly its size,
 * so AddressSanitizer sees a read one byte past the length. Beyond "no
 * crash", it checks what the parser promises:
 *   - a complete head lies in the buffer, and every field of it too;
 *   - an answer is one of the documented ones;
 *   - fed in two pieces (the cut chosen by the input's first two bytes),
 *     the parser and the decoder answer what they answer at once.
 * A broken promise aborts, which libFuzzer reports with the input. */
#include "http_parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REQUIRE(cond)                                                                              \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_http_parser: %s:%d: broken: %s\n", __FILE__, __LINE__, #cond);   \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static int known_result(ssize_t r)
{
    return r > 0 || r == HP_INCOMPLETE || r == HP_ERR_BAD_REQUEST || r == HP_ERR_TARGET_TOO_LONG ||
           r == HP_ERR_FIELDS_TOO_LARGE || r == HP_ERR_NOT_IMPLEMENTED || r == HP_ERR_VERSION;
}

static int inside(const char *p, size_t n, const char *buf, size_t len)
{
    return p >= buf && p + n <= buf + len;
}

/* A complete head: everything in buf[0..head). */
static void check_head(const hp_request *rq, const char *buf, size_t head)
{
    REQUIRE(inside(rq->rq_method, rq->rq_method_len, buf, head) && rq->rq_method_len > 0 &&
            rq->rq_method_len <= HP_MAX_METHOD);
    REQUIRE(inside(rq->rq_target, rq->rq_target_len, buf, head) && rq->rq_target_len > 0 &&
            rq->rq_target_len <= HP_MAX_TARGET && rq->rq_target[0] == '/');
    REQUIRE(rq->rq_minor >= 0 && rq->rq_minor <= 9 && rq->rq_nfields <= HP_MAX_FIELDS);
    for (size_t i = 0; i < rq->rq_nfields; i++) {
        const hp_field *f = &rq->rq_fields[i];
        REQUIRE(inside(f->f_name, f->f_name_len, buf, head) && f->f_name_len > 0);
        REQUIRE(inside(f->f_value, f->f_value_len, buf, head));
    }
}

static int same_head(const hp_request *a, const hp_request *b)
{
    if (a->rq_method != b->rq_method || a->rq_method_len != b->rq_method_len ||
        a->rq_target != b->rq_target || a->rq_target_len != b->rq_target_len ||
        a->rq_minor != b->rq_minor || a->rq_nfields != b->rq_nfields) {
        return 0;
    }
    return memcmp(a->rq_fields, b->rq_fields, a->rq_nfields * sizeof a->rq_fields[0]) == 0;
}

static void fuzz_head(const char *buf, size_t len, size_t cut)
{
    static hp_request whole, parts;
    ssize_t r = hp_parse_request(buf, len, 0, &whole);
    REQUIRE(known_result(r) && r <= (ssize_t)len);
    if (r > 0) {
        check_head(&whole, buf, (size_t)r);
        hp_body body;
        int rc = hp_body_framing(&whole, &body);
        REQUIRE(rc == 0 || rc == HP_ERR_BAD_REQUEST || rc == HP_ERR_NOT_IMPLEMENTED);
    }
    ssize_t first = hp_parse_request(buf, cut, 0, &parts);
    REQUIRE(known_result(first));
    if (first != HP_INCOMPLETE) {
        /* The prefix already had the answer: the whole gives the same. */
        REQUIRE(first == r && (r < 0 || same_head(&whole, &parts)));
        return;
    }
    ssize_t second = hp_parse_request(buf, len, cut, &parts);
    REQUIRE(second == r && (r < 0 || same_head(&whole, &parts)));
}

/* Decode in[0..len) in two calls, cut at @p cut, into out. */
static ssize_t decode_two(const char *in, size_t len, size_t cut, char *out, size_t *used,
                          int *done)
{
    hp_chunked ch;
    hp_chunked_init(&ch);
    size_t u1 = 0, u2 = 0;
    ssize_t a = hp_chunked_decode(&ch, out, in, cut, &u1);
    REQUIRE(u1 <= cut && (a < 0 || (size_t)a <= u1));
    if (a < 0 || hp_chunked_done(&ch)) {
        *used = u1;
        *done = hp_chunked_done(&ch);
        return a;
    }
    REQUIRE(u1 == cut);
    ssize_t b = hp_chunked_decode(&ch, out + a, in + cut, len - cut, &u2);
    REQUIRE(u2 <= len - cut && (b < 0 || (size_t)b <= u2));
    *used = u1 + u2;
    *done = hp_chunked_done(&ch);
    return b < 0 ? b : a + b;
}

static void fuzz_chunked(const char *in, size_t len, size_t cut)
{
    char *out1 = malloc(len + 1), *out2 = malloc(len + 1);
    REQUIRE(out1 != NULL && out2 != NULL);
    size_t used1 = 0, used2 = 0;
    int done1 = 0, done2 = 0;
    ssize_t r1 = decode_two(in, len, len, out1, &used1, &done1);
    ssize_t r2 = decode_two(in, len, cut, out2, &used2, &done2);
    REQUIRE(r1 == r2 && done1 == done2);
    REQUIRE(r1 < 0 || (used1 == used2 && memcmp(out1, out2, (size_t)r1) == 0));
    REQUIRE(r1 < 0 || done1 || used1 == len);
    free(out1);
    free(out2);
}

static void fuzz_fields(const char *v, size_t len)
{
    char out[512];
    ssize_t n = hp_decode_path(v, len, out, sizeof out);
    REQUIRE(n == HP_ERR_BAD_REQUEST || (n >= 0 && (size_t)n < sizeof out && out[n] == '\0'));
    REQUIRE(n < 0 || (strstr(out, "/../") == NULL && strstr(out, "/./") == NULL));
    size_t qlen = 0;
    const char *q = hp_target_query(v, len, &qlen);
    REQUIRE(q == NULL || inside(q, qlen, v, len));
    n = hp_query_param(q, qlen, "name", out, sizeof out);
    REQUIRE(n == HP_PARAM_ABSENT || n == HP_ERR_BAD_REQUEST || (n >= 0 && (size_t)n < sizeof out));
    uint64_t a = 0, b = 0, x = 0;
    int rc = hp_parse_range(v, len, 1000, &a, &b);
    REQUIRE(rc != HP_RANGE_OK || (a <= b && b < 1000));
    rc = hp_content_length(v, len, &x);
    REQUIRE(rc == 0 || rc == HP_ERR_BAD_REQUEST);
    time_t t;
    if (hp_parse_date(v, len, &t) == 0) {
        char back[HP_DATE_SIZE];
        hp_format_date(t, back);
        REQUIRE(len == HP_DATE_LEN && memcmp(back, v, len) == 0);
    }
    (void)hp_gzip_allowed(v, len);
    (void)hp_list_has_token(v, len, "close");
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    if (size < 2) {
        return 0;
    }
    size_t len = size - 2;
    char *buf = malloc(len > 0 ? len : 1);
    if (buf == NULL) {
        return 0;
    }
    memcpy(buf, data + 2, len);
    size_t cut = ((size_t)data[0] << 8 | data[1]) % (len + 1);
    fuzz_head(buf, len, cut);
    fuzz_chunked(buf, len, cut);
    fuzz_fields(buf, len);
    free(buf);
    return 0;
}
