/* test_err.c - unit tests for err.c: error buffers that library code fills.
 *
 * What matters to callers: the message is exactly what was formatted, errno
 * survives the call, NULL means "no buffer", and a long message is cut at
 * SL_ERR_LEN - 1 bytes and still NUL-terminated (never written past the end).
 */
#include "cu_run.h"
#include "err.h"

#include <CUnit/CUnit.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

/* Bytes after the SL_ERR_LEN-byte buffer that must stay untouched. */
#define GUARD_LEN 64
#define GUARD_BYTE 'Z'


/* Fill the error buffer and the guard after it with a byte no message uses. */
static void poison(char *buf)
{
    memset(buf, GUARD_BYTE, SL_ERR_LEN + GUARD_LEN);
}

static int guard_intact(const char *buf)
{
    for (size_t i = SL_ERR_LEN; i < SL_ERR_LEN + GUARD_LEN; i++) {
        if (buf[i] != GUARD_BYTE) {
            return 0;
        }
    }
    return 1;
}

/* A string of n copies of 'a' (n < sizeof out). */
static const char *repeat_a(char *out, size_t n)
{
    memset(out, 'a', n);
    out[n] = '\0';
    return out;
}

/* ---- sl_err_set ------------------------------------------------------------- */

static void test_set_formats(void)
{
    static const struct {
        const char *word;
        int number;
        const char *want;
    } cases[] = {
        {"port", 80, "port 80 is busy"},
        {"", 0, " 0 is busy"},
        {"a%sb", -1, "a%sb -1 is busy"}, /* an argument is data, not a format */
        {"two\nlines", 65535, "two\nlines 65535 is busy"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[SL_ERR_LEN + GUARD_LEN];
        poison(buf);
        errno = EADDRINUSE;
        sl_err_set(buf, "%s %d is busy", cases[i].word, cases[i].number);
        CU_EXPECT(strcmp(buf, cases[i].want) == 0, __LINE__, "row %zu: got \"%s\", want \"%s\"", i,
               buf, cases[i].want);
        CU_EXPECT(errno == EADDRINUSE, __LINE__, "row %zu: errno changed to %d", i, errno);
        CU_EXPECT(guard_intact(buf), __LINE__, "row %zu: wrote past SL_ERR_LEN", i);
    }
}

static void test_set_null_buffer(void)
{
    errno = ECONNRESET;
    sl_err_set(NULL, "ignored %d", 1);
    CU_ASSERT_EQUAL(errno, ECONNRESET);
    errno = 0;
    sl_err_set(NULL, "ignored");
    CU_ASSERT_EQUAL(errno, 0);
}

static void test_set_truncates(void)
{
    /* Message lengths around the limit: each must come out cut to at most
     * SL_ERR_LEN - 1 bytes, as a prefix of the full text, NUL-terminated. */
    static const size_t lengths[] = {
        0, 1, SL_ERR_LEN - 2, SL_ERR_LEN - 1, SL_ERR_LEN, SL_ERR_LEN + 1, 4 * SL_ERR_LEN};
    for (size_t i = 0; i < sizeof lengths / sizeof lengths[0]; i++) {
        char text[4 * SL_ERR_LEN + 1];
        repeat_a(text, lengths[i]);
        char buf[SL_ERR_LEN + GUARD_LEN];
        poison(buf);
        errno = EPIPE;
        sl_err_set(buf, "%s", text);
        size_t want = lengths[i] < SL_ERR_LEN - 1 ? lengths[i] : SL_ERR_LEN - 1;
        size_t got = strnlen(buf, SL_ERR_LEN);
        CU_EXPECT(got == want, __LINE__, "length %zu: message is %zu bytes, want %zu", lengths[i], got,
               want);
        CU_EXPECT(got < SL_ERR_LEN, __LINE__, "length %zu: not NUL-terminated", lengths[i]);
        CU_EXPECT(strncmp(buf, text, want) == 0, __LINE__, "length %zu: not a prefix", lengths[i]);
        CU_EXPECT(guard_intact(buf), __LINE__, "length %zu: wrote past SL_ERR_LEN", lengths[i]);
        CU_EXPECT(errno == EPIPE, __LINE__, "length %zu: errno changed to %d", lengths[i], errno);
    }
}

static void test_set_keeps_errno_when_formatting_fails(void)
{
    /* A wide string that the C locale cannot convert makes vsnprintf() itself
     * fail with EILSEQ; the caller's errno must still come back. */
    static const wchar_t accented[] = {0xe9, 0};
    char buf[SL_ERR_LEN + GUARD_LEN];
    poison(buf);
    errno = ECONNREFUSED;
    sl_err_set(buf, "name %ls", accented);
    CU_ASSERT_EQUAL(errno, ECONNREFUSED);
    CU_ASSERT(guard_intact(buf));
    poison(buf);
    errno = ECONNREFUSED;
    sl_err_errno(buf, "name %ls", accented);
    CU_ASSERT_EQUAL(errno, ECONNREFUSED);
    CU_ASSERT(guard_intact(buf));
}

/* ---- sl_err_errno ----------------------------------------------------------- */

static void test_errno_formats(void)
{
    static const struct {
        const char *what;
        int errnum;
    } cases[] = {
        {"connect to 127.0.0.1:9", ECONNREFUSED},
        {"bind [::]:80", EACCES},
        {"write", EPIPE},
        {"", EINVAL},
        {"odd errno", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char want[SL_ERR_LEN];
        snprintf(want, sizeof want, "%s: %s", cases[i].what, strerror(cases[i].errnum));
        char buf[SL_ERR_LEN + GUARD_LEN];
        poison(buf);
        errno = cases[i].errnum;
        sl_err_errno(buf, "%s", cases[i].what);
        CU_EXPECT(strcmp(buf, want) == 0, __LINE__, "row %zu: got \"%s\", want \"%s\"", i, buf, want);
        CU_EXPECT(errno == cases[i].errnum, __LINE__, "row %zu: errno changed from %d to %d", i,
               cases[i].errnum, errno);
        CU_EXPECT(guard_intact(buf), __LINE__, "row %zu: wrote past SL_ERR_LEN", i);
    }
}

static void test_errno_null_buffer(void)
{
    errno = ETIMEDOUT;
    sl_err_errno(NULL, "ignored %s", "too");
    CU_ASSERT_EQUAL(errno, ETIMEDOUT);
}

static void test_errno_truncates(void)
{
    /* The prefix alone may fill the buffer, or leave room for only part of
     * ": strerror". Either way the result is a prefix of the full message. */
    const char *reason = strerror(ECONNRESET);
    size_t tail = strlen(": ") + strlen(reason);
    const size_t lengths[] = {0,
                              SL_ERR_LEN - 1 - tail, /* fits exactly */
                              SL_ERR_LEN - tail,     /* one byte too many */
                              SL_ERR_LEN - 3,        /* only ": " fits */
                              SL_ERR_LEN - 1,
                              SL_ERR_LEN,
                              3 * SL_ERR_LEN};
    for (size_t i = 0; i < sizeof lengths / sizeof lengths[0]; i++) {
        char what[3 * SL_ERR_LEN + 1];
        repeat_a(what, lengths[i]);
        char full[4 * SL_ERR_LEN];
        snprintf(full, sizeof full, "%s: %s", what, reason);
        char buf[SL_ERR_LEN + GUARD_LEN];
        poison(buf);
        errno = ECONNRESET;
        sl_err_errno(buf, "%s", what);
        size_t want = strlen(full) < SL_ERR_LEN - 1 ? strlen(full) : SL_ERR_LEN - 1;
        size_t got = strnlen(buf, SL_ERR_LEN);
        CU_EXPECT(got == want, __LINE__, "prefix %zu: message is %zu bytes, want %zu", lengths[i], got,
               want);
        CU_EXPECT(strncmp(buf, full, want) == 0, __LINE__, "prefix %zu: got \"%.40s...\"", lengths[i],
               buf);
        CU_EXPECT(guard_intact(buf), __LINE__, "prefix %zu: wrote past SL_ERR_LEN", lengths[i]);
        CU_EXPECT(errno == ECONNRESET, __LINE__, "prefix %zu: errno changed to %d", lengths[i], errno);
    }
}

int register_err_tests(void)
{
    static const cu_test tests[] = {
        {"sl_err_set formats the message", test_set_formats},
        {"sl_err_set accepts a NULL buffer", test_set_null_buffer},
        {"sl_err_set truncates at SL_ERR_LEN", test_set_truncates},
        {"errno survives a failing format", test_set_keeps_errno_when_formatting_fails},
        {"sl_err_errno appends strerror(errno)", test_errno_formats},
        {"sl_err_errno accepts a NULL buffer", test_errno_null_buffer},
        {"sl_err_errno truncates at SL_ERR_LEN", test_errno_truncates},
        {NULL, NULL},
    };
    return cu_add_suite("err", tests);
}
