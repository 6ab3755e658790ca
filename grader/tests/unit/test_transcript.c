/* test_transcript.c - unit tests for grader/text/transcript.c. */
#include "cu_run.h"
#include "text/transcript.h"

#include <CUnit/CUnit.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers --------------------------------------------------------------- */

/* Escape @p n bytes into a fresh string (free() it). */
static char *escaped(const void *data, size_t n)
{
    gr_str s = {0};
    gr_escape(&s, data, n);
    return gr_str_take(&s);
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return -1; /* uppercase is not what gr_escape writes */
}

/* Decode the escape syntax gr_escape() documents. Returns the number of bytes
 * written to @p out, or -1 if @p text is not something gr_escape() can make. */
static long unescape(const char *text, unsigned char *out, size_t cap)
{
    size_t n = 0;
    for (const char *p = text; *p != '\0'; n++) {
        if (n == cap) {
            return -1;
        }
        unsigned char c = (unsigned char)*p;
        if (c < 0x20 || c > 0x7e || c == '"') {
            return -1; /* must have been escaped */
        }
        if (c != '\\') {
            out[n] = c;
            p++;
            continue;
        }
        switch (p[1]) {
        case 'n':
            out[n] = '\n';
            break;
        case 'r':
            out[n] = '\r';
            break;
        case 't':
            out[n] = '\t';
            break;
        case '0':
            out[n] = '\0';
            break;
        case '\\':
            out[n] = '\\';
            break;
        case '"':
            out[n] = '"';
            break;
        case 'x': {
            int hi = hex_value(p[2]);
            int lo = p[2] != '\0' ? hex_value(p[3]) : -1;
            if (hi < 0 || lo < 0) {
                return -1;
            }
            out[n] = (unsigned char)(hi * 16 + lo);
            p += 2;
            break;
        }
        default:
            return -1;
        }
        p += 2;
    }
    return (long)n;
}

/* Line @p k (from 0) of @p text, without its newline, as a fresh string; NULL
 * if there is no such line. */
static char *line_at(const char *text, int k)
{
    const char *p = text;
    for (int i = 0; i < k; i++) {
        p = strchr(p, '\n');
        if (p == NULL) {
            return NULL;
        }
        p++;
    }
    if (*p == '\0') {
        return NULL;
    }
    return strndup(p, strcspn(p, "\n"));
}

static int count_lines(const char *text)
{
    int n = 0;
    for (const char *p = text; *p != '\0'; p++) {
        n += *p == '\n';
    }
    return n;
}

/* ---- escaping -------------------------------------------------------------- */

/* The documented escape of particular bytes. */
static void test_escape_table(void)
{
    static const struct {
        unsigned char byte;
        const char *want;
    } cases[] = {
        {'a', "a"},      {' ', " "},      {'~', "~"},      {'\'', "'"},     {'\\', "\\\\"},
        {'"', "\\\""},   {'\n', "\\n"},   {'\r', "\\r"},   {'\t', "\\t"},   {0x00, "\\0"},
        {0x01, "\\x01"}, {0x1b, "\\x1b"}, {0x1f, "\\x1f"}, {0x7f, "\\x7f"}, {0x80, "\\x80"},
        {0xab, "\\xab"}, {0xff, "\\xff"}, {0x0b, "\\x0b"}, {0x0c, "\\x0c"}, {0x08, "\\x08"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = escaped(&cases[i].byte, 1);
        CU_ASSERT_STRING_EQUAL(got, cases[i].want);
        free(got);
    }
}

/* Every byte escapes to something printable and distinct that decodes back. */
static void test_escape_all_bytes_round_trip(void)
{
    char *forms[256];
    for (int b = 0; b < 256; b++) {
        unsigned char byte = (unsigned char)b;
        forms[b] = escaped(&byte, 1);
        size_t len = strlen(forms[b]);
        CU_ASSERT(len >= 1 && len <= 4);
        for (size_t i = 0; i < len; i++) {
            CU_ASSERT(forms[b][i] >= 0x20 && forms[b][i] <= 0x7e);
        }
        unsigned char back[4];
        CU_ASSERT_EQUAL(unescape(forms[b], back, sizeof back), 1);
        CU_ASSERT_EQUAL(back[0], byte);
    }
    for (int a = 0; a < 256; a++) {
        for (int b = a + 1; b < 256; b++) {
            if (strcmp(forms[a], forms[b]) == 0) {
                CU_FAIL("two bytes escape the same way");
            }
        }
    }
    for (int b = 0; b < 256; b++) {
        free(forms[b]);
    }

    /* All bytes in one run, including "\0" before digits, decode back too. */
    unsigned char all[256 + 2];
    for (int b = 0; b < 256; b++) {
        all[b] = (unsigned char)(255 - b);
    }
    all[256] = '\0';
    all[257] = '7';
    char *text = escaped(all, sizeof all);
    unsigned char back[sizeof all];
    CU_ASSERT_EQUAL(unescape(text, back, sizeof back), (long)sizeof all);
    CU_ASSERT(memcmp(back, all, sizeof all) == 0);
    free(text);
}

/* gr_escape appends, and zero bytes append nothing. */
static void test_escape_appends(void)
{
    gr_str s = {0};
    gr_str_add(&s, "[");
    gr_escape(&s, NULL, 0);
    gr_escape(&s, "a\"b\n", 4);
    static const char nul_then_digit[] = {'\0', '1'};
    gr_escape(&s, nul_then_digit, sizeof nul_then_digit);
    gr_str_add(&s, "]");
    CU_ASSERT_STRING_EQUAL(gr_str_cstr(&s), "[a\\\"b\\n\\01]");
    gr_str_free(&s);
}

/* ---- first_diff ------------------------------------------------------------ */

static void test_first_diff_table(void)
{
    static const struct {
        const char *a;
        size_t alen;
        const char *b;
        size_t blen;
        size_t want;
    } cases[] = {
        {"", 0, "", 0, 0},                 /* both empty */
        {"abc", 3, "abc", 3, 3},           /* equal */
        {"", 0, "abc", 3, 0},              /* a empty */
        {"abc", 3, "", 0, 0},              /* b empty */
        {"ab", 2, "abc", 3, 2},            /* a is a prefix */
        {"abc", 3, "ab", 2, 2},            /* b is a prefix */
        {"xbc", 3, "abc", 3, 0},           /* differ at 0 */
        {"abx", 3, "abc", 3, 2},           /* differ at the last byte */
        {"a\0b", 3, "a\0c", 3, 2},         /* NUL bytes are data */
        {"a\0", 2, "a", 1, 1},             /* a NUL is not an end */
        {"\x80\xff", 2, "\x80\xfe", 2, 1}, /* high bytes */
        {"hello\n", 6, "hello\n\n", 7, 6}, /* the header's example */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t got = gr_first_diff(cases[i].a, cases[i].alen, cases[i].b, cases[i].blen);
        CU_ASSERT_EQUAL(got, cases[i].want);
        /* symmetric */
        CU_ASSERT_EQUAL(gr_first_diff(cases[i].b, cases[i].blen, cases[i].a, cases[i].alen),
                        cases[i].want);
    }
    CU_ASSERT_EQUAL(gr_first_diff(NULL, 0, NULL, 0), 0);
}

/* ---- show_bytes ------------------------------------------------------------ */

static void test_show_bytes_table(void)
{
    static const struct {
        const char *data;
        size_t n;
        size_t from;
        size_t window;
        const char *want;
        size_t column;
    } cases[] = {
        {"abc", 3, 0, 64, "  x: \"abc\"\n", 6},
        {"", 0, 0, 64, "  x: \"\"\n", 6},
        {"a\nb", 3, 1, 64, "  x: ...(1 byte) \"\\nb\", 3 bytes in all\n", 18},
        {"abcdef", 6, 0, 2, "  x: \"ab\" ...(4 bytes), 6 bytes in all\n", 6},
        {"abcdef", 6, 2, 2, "  x: ...(2 bytes) \"cd\" ...(2 bytes), 6 bytes in all\n", 19},
        {"abcdef", 6, 5, 2, "  x: ...(5 bytes) \"f\", 6 bytes in all\n", 19},
        {"abcdef", 6, 6, 2, "  x: ...(6 bytes) \"\", 6 bytes in all\n", 19},
        {"abcdef", 6, 99, 2, "  x: ...(6 bytes) \"\", 6 bytes in all\n", 19}, /* clamped */
        {"ab", 2, 0, 0, "  x: \"\" ...(2 bytes), 2 bytes in all\n", 6},
        {"\x01\"", 2, 0, 64, "  x: \"\\x01\\\"\"\n", 6},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        gr_str s = {0};
        gr_str_add(&s, "prefix that the column must not count\n");
        size_t start = s.s_len;
        size_t column = 12345;
        gr_show_bytes(&s, "x", cases[i].data, cases[i].n, cases[i].from, cases[i].window, &column);
        CU_ASSERT_STRING_EQUAL(gr_str_cstr(&s) + start, cases[i].want);
        CU_ASSERT_EQUAL(column, cases[i].column);
        /* and the column really is where byte `from` is shown */
        const char *line = gr_str_cstr(&s) + start;
        size_t from = cases[i].from < cases[i].n ? cases[i].from : cases[i].n;
        if (from < cases[i].n && cases[i].window > 0) {
            char *esc = escaped(cases[i].data + from, 1);
            CU_ASSERT(strncmp(line + column, esc, strlen(esc)) == 0);
            free(esc);
        } else {
            CU_ASSERT_EQUAL(line[column], '"');
        }
        gr_str_free(&s);
    }

    /* column may be NULL; label is used as given */
    gr_str s = {0};
    gr_show_bytes(&s, "  received", "z", 1, 0, 64, NULL);
    CU_ASSERT_STRING_EQUAL(gr_str_cstr(&s), "    received: \"z\"\n");
    gr_str_free(&s);
}

/* ---- transcript ------------------------------------------------------------ */

/* Whole transcripts, to pin down the exact wording students see. */
static void test_transcript_exact(void)
{
    static const struct {
        const char *sent;
        size_t nsent;
        const char *exp;
        size_t nexp;
        const char *rcv;
        size_t nrcv;
        const char *want;
    } cases[] = {
        {"hello\n", 6, "hello\n", 6, "hello\n\n", 7,
         "      sent: \"hello\\n\"\n"
         "  expected: \"hello\\n\"\n"
         "  received: \"hello\\n\\n\"\n"
         "                    ^ first difference at byte 6: expected end of data, got 1 extra "
         "byte: '\\n' (0x0a)\n"},
        {"hello\n", 6, "hello\n", 6, "hello\nXY", 8,
         "      sent: \"hello\\n\"\n"
         "  expected: \"hello\\n\"\n"
         "  received: \"hello\\nXY\"\n"
         "                    ^ first difference at byte 6: expected end of data, got 2 extra "
         "bytes, starting with 'X' (0x58)\n"},
        {NULL, 0, "hello\n", 6, "help\n", 5,
         "  expected: \"hello\\n\"\n"
         "  received: \"help\\n\"\n"
         "                ^ first difference at byte 3: expected 'l' (0x6c), got 'p' (0x70)\n"},
        {NULL, 0, "a'b", 3, "a\"b", 3,
         "  expected: \"a'b\"\n"
         "  received: \"a\\\"b\"\n"
         "              ^ first difference at byte 1: expected '\\'' (0x27), got '\"' (0x22)\n"},
        {"ping", 4, "pong", 4, "", 0,
         "      sent: \"ping\"\n"
         "  expected: \"pong\"\n"
         "  received: \"\"\n"
         "             ^ received nothing; expected 4 bytes\n"},
        {NULL, 0, "x", 1, "", 0,
         "  expected: \"x\"\n"
         "  received: \"\"\n"
         "             ^ received nothing; expected 1 byte\n"},
        {NULL, 0, "hello\n", 6, "hello", 5,
         "  expected: \"hello\\n\"\n"
         "  received: \"hello\"\n"
         "                  ^ received only 5 of 6 bytes; the last byte never arrived\n"},
        {NULL, 0, "hello\n", 6, "he", 2,
         "  expected: \"hello\\n\"\n"
         "  received: \"he\"\n"
         "               ^ received only 2 of 6 bytes; the remaining 4 never arrived\n"},
        {"\0", 1, "\0", 1, "\0", 1, /* equal: no caret line */
         "      sent: \"\\0\"\n"
         "  expected: \"\\0\"\n"
         "  received: \"\\0\"\n"},
        {NULL, 0, "", 0, "", 0,
         "  expected: \"\"\n"
         "  received: \"\"\n"},
        {NULL, 0, NULL, 0, NULL, 0, /* no data at all: NULL pointers are fine */
         "  expected: \"\"\n"
         "  received: \"\"\n"},
        {NULL, 0, "ab", 2, NULL, 0,
         "  expected: \"ab\"\n"
         "  received: \"\"\n"
         "             ^ received nothing; expected 2 bytes\n"},
        {NULL, 0, "", 0, "\xff", 1,
         "  expected: \"\"\n"
         "  received: \"\\xff\"\n"
         "             ^ first difference at byte 0: expected end of data, got 1 extra byte: "
         "'\\xff' (0xff)\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        gr_str s = {0};
        gr_transcript(&s, cases[i].sent, cases[i].nsent, cases[i].exp, cases[i].nexp, cases[i].rcv,
                      cases[i].nrcv);
        CU_ASSERT_STRING_EQUAL(gr_str_cstr(&s), cases[i].want);
        gr_str_free(&s);
    }
}

/* Check the caret of one transcript: it sits under the first character of
 * the differing byte's escape in the received line (or under the closing
 * quote when the data stops early), the expected line shows the expected
 * byte in the same column, and the labels' colons line up. */
static void check_caret(const char *sent, size_t nsent, const unsigned char *exp, size_t nexp,
                        const unsigned char *rcv, size_t nrcv)
{
    gr_str s = {0};
    gr_transcript(&s, sent, nsent, exp, nexp, rcv, nrcv);
    const char *text = gr_str_cstr(&s);
    int first = sent != NULL ? 1 : 0;
    char *sent_line = first ? line_at(text, 0) : NULL;
    char *exp_line = line_at(text, first);
    char *rcv_line = line_at(text, first + 1);
    char *caret_line = line_at(text, first + 2);
    CU_ASSERT_EQUAL(count_lines(text), first + 3);
    CU_ASSERT_PTR_NOT_NULL_FATAL(exp_line);
    CU_ASSERT_PTR_NOT_NULL_FATAL(rcv_line);
    CU_ASSERT_PTR_NOT_NULL_FATAL(caret_line);

    size_t colon = strcspn(exp_line, ":");
    CU_ASSERT_EQUAL(strcspn(rcv_line, ":"), colon);
    if (sent_line != NULL) {
        CU_ASSERT_EQUAL(strcspn(sent_line, ":"), colon);
    }
    size_t caret = strcspn(caret_line, "^");
    CU_ASSERT_EQUAL(strspn(caret_line, " "), caret); /* only spaces before it */
    CU_ASSERT_FATAL(caret < strlen(rcv_line));

    size_t diff = gr_first_diff(exp, nexp, rcv, nrcv);
    if (diff < nrcv) {
        char *want = escaped(&rcv[diff], 1);
        CU_ASSERT(strncmp(rcv_line + caret, want, strlen(want)) == 0);
        free(want);
    } else {
        CU_ASSERT_EQUAL(rcv_line[caret], '"'); /* just past the last byte */
    }
    if (diff < nexp) {
        CU_ASSERT_FATAL(caret < strlen(exp_line));
        char *want = escaped(&exp[diff], 1);
        CU_ASSERT(strncmp(exp_line + caret, want, strlen(want)) == 0);
        free(want);
    }
    char where[64];
    if (diff < nrcv) {
        snprintf(where, sizeof where, "first difference at byte %zu:", diff);
        CU_ASSERT_PTR_NOT_NULL(strstr(caret_line, where));
    }
    free(sent_line);
    free(exp_line);
    free(rcv_line);
    free(caret_line);
    gr_str_free(&s);
}

/* Caret placement across short data, long data with a leading elision,
 * escapes before the differing byte, and the edges of the left context. */
static void test_caret_column(void)
{
    enum { N = 4096 };
    unsigned char *text = malloc(N);
    unsigned char *binary = malloc(N);
    CU_ASSERT_FATAL(text != NULL && binary != NULL);
    for (size_t i = 0; i < N; i++) {
        text[i] = (unsigned char)('a' + i % 26);
        binary[i] = (unsigned char)(i * 37 + 11); /* every kind of escape */
    }
    static const size_t diffs[] = {0, 1, 5, 15, 16, 17, 18, 63, 64, 65, 100, 1000, N - 1};
    for (size_t k = 0; k < sizeof diffs / sizeof diffs[0]; k++) {
        size_t d = diffs[k];
        unsigned char *copy = malloc(N);
        CU_ASSERT_FATAL(copy != NULL);

        memcpy(copy, text, N);
        copy[d] = '\n';
        check_caret((const char *)text, N, text, N, copy, N);
        check_caret(NULL, 0, text, N, copy, N);

        memcpy(copy, binary, N);
        copy[d] ^= 0x5a;
        check_caret((const char *)binary, N, binary, N, copy, N);
        check_caret("req", 3, binary, N, copy, N);

        check_caret(NULL, 0, binary, N, binary, d); /* stops early */
        check_caret(NULL, 0, binary, d, binary, N); /* goes on too long */
        check_caret("x", 1, text, d + 1, text, d);  /* short by one byte */
        free(copy);
    }
    free(text);
    free(binary);
}

/* 1 MiB that differs at byte 500000: the transcript stays a few lines long
 * and says how much it left out. */
static void test_long_data_is_elided(void)
{
    size_t n = 1u << 20;
    size_t d = 500000;
    char *exp = malloc(n);
    char *rcv = malloc(n);
    CU_ASSERT_FATAL(exp != NULL && rcv != NULL);
    for (size_t i = 0; i < n; i++) {
        exp[i] = rcv[i] = (char)('a' + i % 26);
    }
    rcv[d] = '#';

    gr_str s = {0};
    gr_transcript(&s, exp, n, exp, n, rcv, n);
    const char *t = gr_str_cstr(&s);
    CU_ASSERT(s.s_len < 1000);
    CU_ASSERT_EQUAL(count_lines(t), 4);
    CU_ASSERT_PTR_NOT_NULL(strstr(t, "...(499984 bytes) \""));
    CU_ASSERT_PTR_NOT_NULL(strstr(t, "\" ...(548528 bytes), 1048576 bytes in all"));
    CU_ASSERT_PTR_NOT_NULL(strstr(t, "^ first difference at byte 500000: expected"));
    check_caret(exp, n, (unsigned char *)exp, n, (unsigned char *)rcv, n);
    gr_str_free(&s);

    /* The same data arriving only in part. */
    gr_transcript(&s, exp, n, exp, n, exp, d);
    t = gr_str_cstr(&s);
    CU_ASSERT(s.s_len < 1000);
    CU_ASSERT_PTR_NOT_NULL(strstr(t, "received only 500000 of 1048576 bytes; the remaining "
                                     "548576 never arrived"));
    CU_ASSERT_PTR_NOT_NULL(strstr(t, "500000 bytes in all"));
    gr_str_free(&s);

    /* A short request whose long reply differs: the request is shown whole. */
    gr_transcript(&s, "GET / HTTP/1.0\r\n\r\n", 18, exp, n, rcv, n);
    t = gr_str_cstr(&s);
    const char *want = "      sent: \"GET / HTTP/1.0\\r\\n\\r\\n\"\n";
    CU_ASSERT(strncmp(t, want, strlen(want)) == 0);
    gr_str_free(&s);
    free(exp);
    free(rcv);
}

int register_transcript_tests(void)
{
    static const cu_test tests[] = {
        {"escape table", test_escape_table},
        {"escape: every byte round-trips", test_escape_all_bytes_round_trip},
        {"escape appends", test_escape_appends},
        {"first_diff table", test_first_diff_table},
        {"show_bytes table", test_show_bytes_table},
        {"transcript wording", test_transcript_exact},
        {"caret column", test_caret_column},
        {"long data is elided", test_long_data_is_elided},
        {NULL, NULL},
    };
    return cu_add_suite("transcript", tests);
}
