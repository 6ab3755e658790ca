/* test_http_body.c - request bodies: the framing a head announces, and
 * chunked bodies decoded whole, cut at every point, byte by byte and in
 * place. */
#include "cu_run.h"
#include "http_parse.h"
#include "test_http_parser.h"

#include <stdio.h>
#include <string.h>

/* ---- framing ----------------------------------------------------------------------- */

typedef struct framing_row {
    const char *rule;
    const char *req;
    size_t len;
    int result; /* 0, or the status */
    hp_body_kind kind;
    uint64_t length;
} framing_row;

#define H "Host: a\r\n"

static const framing_row framing_rows[] = {
    {"no body fields: no body", LIT("GET / HTTP/1.1\r\n" H "\r\n"), 0, HP_BODY_NONE, 0},
    {"Content-Length: 5", LIT("POST / HTTP/1.1\r\n" H "Content-Length: 5\r\n\r\n"), 0,
     HP_BODY_LENGTH, 5},
    {"Content-Length: 0", LIT("POST / HTTP/1.1\r\n" H "content-length: 0\r\n\r\n"), 0,
     HP_BODY_LENGTH, 0},
    {"leading zeros are decimal", LIT("POST / HTTP/1.1\r\n" H "Content-Length: 0010\r\n\r\n"), 0,
     HP_BODY_LENGTH, 10},
    {"2^63 is the largest length",
     LIT("POST / HTTP/1.1\r\n" H "Content-Length: 9223372036854775808\r\n\r\n"), 0, HP_BODY_LENGTH,
     (uint64_t)1 << 63},
    {"chunked", LIT("POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\n\r\n"), 0,
     HP_BODY_CHUNKED, 0},
    {"CHUNKED: case-insensitive", LIT("POST / HTTP/1.1\r\n" H "transfer-encoding: CHUNKED\r\n\r\n"),
     0, HP_BODY_CHUNKED, 0},
    {"two Transfer-Encoding fields are a list: not chunked alone",
     LIT("POST / HTTP/1.1\r\n" H
         "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"),
     501, HP_BODY_NONE, 0},
    {"Transfer-Encoding in HTTP/1.0", LIT("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"),
     400, HP_BODY_NONE, 0},
    {"both fields",
     LIT("POST / HTTP/1.1\r\n" H "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"), 400,
     HP_BODY_NONE, 0},
    {"two Content-Lengths, even equal",
     LIT("POST / HTTP/1.1\r\n" H "Content-Length: 3\r\nContent-Length: 3\r\n\r\n"), 400,
     HP_BODY_NONE, 0},
};

void test_body_framing(void)
{
    for (size_t i = 0; i < sizeof framing_rows / sizeof framing_rows[0]; i++) {
        const framing_row *r = &framing_rows[i];
        char *buf = guarded(0, r->req, r->len);
        hp_request rq;
        CU_ASSERT_FATAL(hp_parse_request(buf, r->len, 0, &rq) == (ssize_t)r->len);
        hp_body body;
        int rc = hp_body_framing(&rq, &body);
        int ok =
            rc == -r->result && (rc < 0 || (body.b_kind == r->kind && body.b_length == r->length));
        CU_EXPECT(ok, __LINE__, "%s: got %d (kind %d, length %llu), expected %d (kind %d, %llu)",
                  r->rule, rc, body.b_kind, (unsigned long long)body.b_length, -r->result, r->kind,
                  (unsigned long long)r->length);
    }
}

/* ---- chunked bodies ---------------------------------------------------------------- */

typedef struct chunk_row {
    const char *rule;
    const char *in;
    size_t len;
    size_t rest; /* bytes after the body */
    const char *data;
} chunk_row;

static const chunk_row chunk_rows[] = {
    {"one chunk", LIT("5\r\nhello\r\n0\r\n\r\n"), 0, "hello"},
    {"no chunk: the last one alone", LIT("0\r\n\r\n"), 0, ""},
    {"two chunks, hex sizes in both cases", LIT("a\r\n0123456789\r\nB\r\nabcdefghijk\r\n0\r\n\r\n"),
     0, "0123456789abcdefghijk"},
    {"extensions are ignored", LIT("5;name=value\r\nhello\r\n0;last\r\n\r\n"), 0, "hello"},
    {"an extension with spaces, quotes and hex digits", LIT("3;a = \"b c\";ff\r\nabc\r\n0\r\n\r\n"),
     0, "abc"},
    {"trailer fields are read and dropped", LIT("3\r\nabc\r\n0\r\nX-T: 1\r\nY: two\r\n\r\n"), 0,
     "abc"},
    {"bare LF line ends", LIT("5\nhello\n0\nX: 1\n\n"), 0, "hello"},
    {"leading zeros", LIT("0005\r\nhello\r\n000\r\n\r\n"), 0, "hello"},
    {"15 hex digits", LIT("000000000000003\r\nabc\r\n0\r\n\r\n"), 0, "abc"},
    {"data holding CRLF and NUL", LIT("6\r\n\r\n\0\r\n\n\r\n0\r\n\r\n"), 0, "\r\n\0\r\n\n"},
    {"the next request is left after the body", LIT("2\r\nhi\r\n0\r\n\r\nGET / HTTP/1.1\r\n"), 16,
     "hi"},
};
#define N_CHUNK (sizeof chunk_rows / sizeof chunk_rows[0])

/* The data of a row (it may hold NUL bytes): its length. */
static size_t row_data_len(const chunk_row *r)
{
    if (strcmp(r->rule, "data holding CRLF and NUL") == 0) {
        return 6;
    }
    return strlen(r->data);
}

/* Decode in[0..n) in pieces whose ends are @p cuts (the last is n), into
 * out; 0 and the bytes used in total, or the first error. */
static ssize_t decode_pieces(const char *in, const size_t *cuts, size_t ncuts, char *out,
                             size_t *used_all, size_t *out_len)
{
    hp_chunked ch;
    hp_chunked_init(&ch);
    size_t at = 0, produced = 0;
    for (size_t i = 0; i < ncuts && !hp_chunked_done(&ch); i++) {
        size_t used = 0;
        ssize_t got = hp_chunked_decode(&ch, out + produced, in + at, cuts[i] - at, &used);
        if (got < 0) {
            return got;
        }
        produced += (size_t)got;
        at += used;
        if (!hp_chunked_done(&ch) && used != cuts[i] - (at - used)) {
            return -9999; /* it stopped before the end without being done */
        }
    }
    *used_all = at;
    *out_len = produced;
    return hp_chunked_done(&ch) ? 0 : HP_INCOMPLETE;
}

static void expect_chunks(const chunk_row *r, ssize_t rc, size_t used, const char *out,
                          size_t out_len, const char *how)
{
    size_t want_len = row_data_len(r);
    CU_EXPECT(rc == 0 && used == r->len - r->rest && out_len == want_len &&
                  memcmp(out, r->data, want_len) == 0,
              __LINE__,
              "%s (%s): result %zd, used %zu of %zu (expected %zu), %zu data bytes '%.*s'", r->rule,
              how, rc, used, r->len, r->len - r->rest, out_len, (int)out_len, out);
}

void test_chunked_valid(void)
{
    for (size_t i = 0; i < N_CHUNK; i++) {
        const chunk_row *r = &chunk_rows[i];
        char *in = guarded(0, r->in, r->len);
        char out[256];
        size_t used = 0, out_len = 0;
        size_t cut = r->len;
        ssize_t rc = decode_pieces(in, &cut, 1, out, &used, &out_len);
        expect_chunks(r, rc, used, out, out_len, "all at once");
    }
}

void test_chunked_split(void)
{
    char how[64];
    size_t cuts[512];
    for (size_t i = 0; i < N_CHUNK; i++) {
        const chunk_row *r = &chunk_rows[i];
        char out[256];
        size_t used = 0, out_len = 0;
        for (size_t cut = 1; cut < r->len; cut++) {
            char *in = guarded(0, r->in, r->len);
            size_t two[2] = {cut, r->len};
            ssize_t rc = decode_pieces(in, two, 2, out, &used, &out_len);
            snprintf(how, sizeof how, "cut after %zu bytes", cut);
            expect_chunks(r, rc, used, out, out_len, how);
        }
        for (size_t k = 0; k < r->len; k++) {
            cuts[k] = k + 1;
        }
        char *in = guarded(0, r->in, r->len);
        ssize_t rc = decode_pieces(in, cuts, r->len, out, &used, &out_len);
        expect_chunks(r, rc, used, out, out_len, "byte by byte");
        /* In place: the data written over the input it came from. */
        in = guarded(0, r->in, r->len);
        rc = decode_pieces(in, cuts, r->len, in, &used, &out_len);
        expect_chunks(r, rc, used, in, out_len, "in place, byte by byte");
    }
}

typedef struct chunk_bad_row {
    const char *rule;
    const char *in;
    size_t len;
    int status;
} chunk_bad_row;

static const chunk_bad_row chunk_bad_rows[] = {
    {"a size with a byte that is not hex (0_2e)", LIT("0_2e\r\n\r\n"), 400},
    {"a space before the size", LIT(" 5\r\nhello\r\n0\r\n\r\n"), 400},
    {"a space after the size", LIT("5 \r\nhello\r\n0\r\n\r\n"), 400},
    {"0x5", LIT("0x5\r\nhello\r\n0\r\n\r\n"), 400},
    {"an empty size", LIT("\r\nhello\r\n0\r\n\r\n"), 400},
    {"a sign", LIT("+5\r\nhello\r\n0\r\n\r\n"), 400},
    {"an extension without a size", LIT(";x\r\n"), 400},
    {"16 hex digits", LIT("0000000000000005\r\nhello\r\n0\r\n\r\n"), 400},
    {"data longer than its size", LIT("3\r\nhello\r\n0\r\n\r\n"), 400},
    {"data not followed by CRLF", LIT("5\r\nhelloX\r\n0\r\n\r\n"), 400},
    {"a CR not followed by LF after the data", LIT("5\r\nhello\rX0\r\n\r\n"), 400},
    {"a bare CR after the size", LIT("5\rhello\r\n0\r\n\r\n"), 400},
    {"a control byte in an extension", LIT("5;a\x01\r\nhello\r\n0\r\n\r\n"), 400},
    {"a control byte in a trailer", LIT("0\r\nX: \x01\r\n\r\n"), 400},
    {"a bare CR in a trailer", LIT("0\r\nX: 1\rY\r\n\r\n"), 400},
    {"a bare CR at the end", LIT("0\r\n\rX"), 400},
};

void test_chunked_malformed(void)
{
    for (size_t i = 0; i < sizeof chunk_bad_rows / sizeof chunk_bad_rows[0]; i++) {
        const chunk_bad_row *r = &chunk_bad_rows[i];
        char out[256];
        size_t used = 0, out_len = 0, cut = r->len, cuts[64];
        ssize_t rc = decode_pieces(guarded(0, r->in, r->len), &cut, 1, out, &used, &out_len);
        CU_EXPECT(rc == -r->status, __LINE__, "%s: got %zd, expected %d", r->rule, rc, -r->status);
        for (size_t k = 0; k < r->len; k++) {
            cuts[k] = k + 1;
        }
        rc = decode_pieces(guarded(0, r->in, r->len), cuts, r->len, out, &used, &out_len);
        CU_EXPECT(rc == -r->status, __LINE__, "%s (byte by byte): got %zd, expected %d", r->rule,
                  rc, -r->status);
    }
    /* A trailer section that never ends is refused, not read for ever. */
    static char big[HP_MAX_CHUNK_EXT + 64];
    memcpy(big, "0\r\nX: ", 6);
    memset(big + 6, 'v', sizeof big - 6);
    char out[8];
    size_t used = 0, out_len = 0, cut = sizeof big;
    ssize_t rc = decode_pieces(guarded(0, big, sizeof big), &cut, 1, out, &used, &out_len);
    CU_EXPECT(rc == HP_ERR_FIELDS_TOO_LARGE, __LINE__,
              "a trailer of more than %d bytes: got %zd, expected %d", HP_MAX_CHUNK_EXT, rc,
              HP_ERR_FIELDS_TOO_LARGE);
}
