/* test_strbuf.c - unit tests for grader/text/strbuf.c. */
#include "cu_run.h"
#include "text/strbuf.h"

#include <CUnit/CUnit.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* An empty string reads as "", hands out a fresh "" and frees cleanly. */
static void test_empty(void)
{
    gr_str s = {0};
    CU_ASSERT_STRING_EQUAL(gr_str_cstr(&s), "");
    CU_ASSERT_EQUAL(s.s_len, 0);

    gr_str_add(&s, "");
    gr_str_addn(&s, NULL, 0);
    gr_str_add(&s, NULL);
    gr_str_addf(&s, "%s", "");
    CU_ASSERT_PTR_NULL(s.s_buf); /* nothing was appended, nothing allocated */
    CU_ASSERT_STRING_EQUAL(gr_str_cstr(&s), "");

    char *taken = gr_str_take(&s);
    CU_ASSERT_PTR_NOT_NULL_FATAL(taken);
    CU_ASSERT_STRING_EQUAL(taken, "");
    free(taken);

    gr_str_free(&s);
    gr_str_free(&s); /* freeing twice is harmless: free resets */
    CU_ASSERT_PTR_NULL(s.s_buf);
}

/* Sequences of appends and the text they must build. */
static void test_append_table(void)
{
    static const struct {
        const char *parts[4];
        const char *want;
    } cases[] = {
        {{"a", NULL}, "a"},
        {{"hello", ", ", "world", NULL}, "hello, world"},
        {{"", "x", "", NULL}, "x"},
        {{"line\n", "\t", "\\", NULL}, "line\n\t\\"},
        {{"\xff\xfe", "\x01", NULL}, "\xff\xfe\x01"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        gr_str s = {0};
        for (size_t j = 0; cases[i].parts[j] != NULL; j++) {
            gr_str_add(&s, cases[i].parts[j]);
        }
        CU_ASSERT_STRING_EQUAL(gr_str_cstr(&s), cases[i].want);
        CU_ASSERT_EQUAL(s.s_len, strlen(cases[i].want));
        CU_ASSERT(s.s_cap > s.s_len);
        CU_ASSERT_FALSE(s.s_oom);
        gr_str_free(&s);
    }
}

/* addn copies exactly n bytes, NULs included, and keeps a NUL after them. */
static void test_addn_with_nul(void)
{
    gr_str s = {0};
    gr_str_addn(&s, "a\0b", 3);
    gr_str_addn(&s, "\0", 1);
    gr_str_addn(&s, "cdef", 2);
    CU_ASSERT_EQUAL_FATAL(s.s_len, 6);
    CU_ASSERT(memcmp(s.s_buf, "a\0b\0cd", 6) == 0);
    CU_ASSERT_EQUAL(s.s_buf[6], '\0');
    gr_str_free(&s);
}

/* Formatted appends, including ones far larger than the first allocation. */
static void test_addf_table(void)
{
    gr_str s = {0};
    gr_str_addf(&s, "%d-%s", 42, "x");
    CU_ASSERT_STRING_EQUAL(gr_str_cstr(&s), "42-x");
    gr_str_addf(&s, "[%5s|%-3d]", "ab", 7);
    CU_ASSERT_STRING_EQUAL(gr_str_cstr(&s), "42-x[   ab|7  ]");
    gr_str_addf(&s, "%zu", (size_t)SIZE_MAX);
    CU_ASSERT_EQUAL(s.s_len, strlen(s.s_buf));

    gr_str big = {0};
    gr_str_add(&big, "<");
    gr_str_addf(&big, "%*s", 10000, "!");
    gr_str_add(&big, ">");
    CU_ASSERT_EQUAL_FATAL(big.s_len, 10002);
    CU_ASSERT_EQUAL(big.s_buf[0], '<');
    CU_ASSERT_EQUAL(big.s_buf[1], ' ');
    CU_ASSERT_EQUAL(big.s_buf[10000], '!');
    CU_ASSERT_EQUAL(big.s_buf[10001], '>');
    CU_ASSERT_EQUAL(big.s_buf[10002], '\0');
    gr_str_free(&big);
    gr_str_free(&s);
}

static void vaddf_through(gr_str *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void vaddf_through(gr_str *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    gr_str_vaddf(s, fmt, ap);
    va_end(ap);
}

static void test_vaddf(void)
{
    gr_str s = {0};
    vaddf_through(&s, "%s=%u", "n", 5u);
    vaddf_through(&s, "%c", '!');
    CU_ASSERT_STRING_EQUAL(gr_str_cstr(&s), "n=5!");
    gr_str_free(&s);
}

/* Many small appends grow the buffer without losing anything. */
static void test_many_appends(void)
{
    gr_str s = {0};
    for (int i = 0; i < 100000; i++) {
        gr_str_addn(&s, &"0123456789"[i % 10], 1);
    }
    CU_ASSERT_EQUAL_FATAL(s.s_len, 100000);
    int ok = 1;
    for (size_t i = 0; i < s.s_len; i++) {
        ok = ok && s.s_buf[i] == (char)('0' + i % 10);
    }
    CU_ASSERT(ok);
    CU_ASSERT_EQUAL(strlen(s.s_buf), 100000);
    gr_str_free(&s);
}

/* take hands over the buffer and leaves an empty, reusable string. */
static void test_take(void)
{
    gr_str s = {0};
    gr_str_add(&s, "first");
    char *p = gr_str_take(&s);
    CU_ASSERT_STRING_EQUAL(p, "first");
    CU_ASSERT_PTR_NULL(s.s_buf);
    CU_ASSERT_EQUAL(s.s_len, 0);
    CU_ASSERT_EQUAL(s.s_cap, 0);
    gr_str_add(&s, "second");
    CU_ASSERT_STRING_EQUAL(gr_str_cstr(&s), "second");
    CU_ASSERT_STRING_EQUAL(p, "first");
    free(p);
    gr_str_free(&s);
}

/* An append too large for memory marks the string truncated, keeps what fits
 * in the buffer already held, and makes later appends no-ops. (A length near
 * SIZE_MAX is the portable way to make allocation impossible.) */
static void test_oom_keeps_prefix(void)
{
    char source[256];
    memset(source, 'z', sizeof source);

    gr_str s = {0};
    gr_str_add(&s, "abc");
    size_t room = s.s_cap - s.s_len - 1;
    CU_ASSERT_FATAL(room < sizeof source);
    gr_str_addn(&s, source, SIZE_MAX); /* only `room` bytes of source are read */
    CU_ASSERT_TRUE(s.s_oom);
    CU_ASSERT_EQUAL(s.s_len, 3 + room);
    CU_ASSERT_EQUAL(s.s_len, strlen(gr_str_cstr(&s)));
    CU_ASSERT(strncmp(gr_str_cstr(&s), "abczzz", 6) == 0);

    size_t len = s.s_len;
    gr_str_add(&s, "later");
    gr_str_addf(&s, "%d", 1);
    CU_ASSERT_EQUAL(s.s_len, len); /* no hole: later appends are dropped */

    gr_str_free(&s);
    CU_ASSERT_FALSE(s.s_oom); /* free resets the flag too */

    gr_str empty = {0};
    gr_str_addn(&empty, source, SIZE_MAX);
    CU_ASSERT_TRUE(empty.s_oom);
    CU_ASSERT_STRING_EQUAL(gr_str_cstr(&empty), "");
    gr_str_free(&empty);
}

int register_strbuf_tests(void)
{
    static const cu_test tests[] = {
        {"empty string", test_empty},
        {"append table", test_append_table},
        {"addn with NUL bytes", test_addn_with_nul},
        {"addf table and large output", test_addf_table},
        {"vaddf", test_vaddf},
        {"many small appends", test_many_appends},
        {"take resets", test_take},
        {"out of memory keeps a prefix", test_oom_keeps_prefix},
        {NULL, NULL},
    };
    return cu_add_suite("strbuf", tests);
}
