/* test_reply.c - unit tests for grader/kit/reply.c: the shapes a wrong
 * reply leaves, told apart from the bytes, and never named by chance. */
#include "cu_run.h"
#include "kit/reply.h"

#include <CUnit/CUnit.h>
#include <stdlib.h>
#include <string.h>

/* Random bytes from a fixed seed (xorshift), so every run sees the same. */
static void fill(unsigned char *buf, size_t n, unsigned seed)
{
    unsigned x = seed != 0 ? seed : 1;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        buf[i] = (unsigned char)(x >> 8);
    }
}

/* What a C-string echo of want sends: each piece of `piece` bytes cut at its
 * first NUL. Returns the reply's length. */
static size_t cstring_echo(const unsigned char *want, size_t n, size_t piece, unsigned char *out)
{
    size_t k = 0;
    for (size_t at = 0; at < n; at += piece) {
        size_t end = at + piece < n ? at + piece : n;
        for (size_t i = at; i < end && want[i] != 0; i++) {
            out[k++] = want[i];
        }
    }
    return k;
}

static void test_identical_and_prefix(void)
{
    static const char want[] = "hello, world\n";
    gr_reply_diff d;
    gr_reply_compare(want, 13, want, 13, &d);
    CU_ASSERT_EQUAL(d.rd_at, 13);
    CU_ASSERT_FALSE(d.rd_prefix);
    CU_ASSERT_FALSE(gr_reply_cut_at_nul(&d, 1));
    gr_reply_compare(want, 13, want, 5, &d);
    CU_ASSERT_TRUE(d.rd_prefix);
    CU_ASSERT_EQUAL(d.rd_at, 5);
    CU_ASSERT_FALSE(d.rd_end_at_nul);
    CU_ASSERT_FALSE(gr_reply_cut_at_nul(&d, 1));
}

static void test_stop_at_nul(void)
{
    /* lab 01's binary-safe message: text, then a NUL. */
    static const unsigned char want[] = "bytes:\0\x01\x02tail";
    gr_reply_diff d;
    gr_reply_compare(want, sizeof want - 1, want, 6, &d);
    CU_ASSERT_TRUE(d.rd_prefix);
    CU_ASSERT_TRUE(d.rd_end_at_nul);
    CU_ASSERT_TRUE(gr_reply_cut_at_nul(&d, 1));
    CU_ASSERT_FALSE(gr_reply_cut_at_nul(&d, 2)); /* one place: chance, for random data */
}

static void test_cstring_on_random_data(void)
{
    /* Every seed and recv() size: a C-string echo is named every time, on
     * the whole reply and on any part of it that holds two cuts. */
    enum { N = 1 << 20 };
    static const size_t pieces[] = {1024, 8191, 65536};
    unsigned char *want = malloc(N);
    unsigned char *got = malloc(N);
    CU_ASSERT_PTR_NOT_NULL_FATAL(want);
    CU_ASSERT_PTR_NOT_NULL_FATAL(got);
    for (unsigned seed = 1; seed <= 40; seed++) {
        fill(want, N, seed);
        for (size_t p = 0; p < sizeof pieces / sizeof pieces[0]; p++) {
            size_t n = cstring_echo(want, N, pieces[p], got);
            gr_reply_diff d;
            gr_reply_compare(want, N, got, n, &d);
            CU_EXPECT(gr_reply_cut_at_nul(&d, 2), __LINE__,
                      "seed %u, pieces of %zu: gaps %zu, "
                      "at NUL %zu, changed %d",
                      seed, pieces[p], d.rd_gaps, d.rd_gaps_at_nul, d.rd_changed);
            /* What a client has read when it stops at the first wrong byte:
             * the reply up to a little after its second cut. */
            size_t cut = d.rd_at + pieces[p] / 2;
            gr_reply_compare(want, N, got, cut < n ? cut : n, &d);
            CU_EXPECT(d.rd_gaps_at_nul >= 1 && d.rd_gaps == d.rd_gaps_at_nul, __LINE__,
                      "seed %u, pieces of %zu, cut at %zu: gaps %zu, at NUL %zu", seed, pieces[p],
                      cut, d.rd_gaps, d.rd_gaps_at_nul);
        }
    }
    free(want);
    free(got);
}

static void test_lost_bytes_are_not_nul(void)
{
    /* A send() whose count is ignored: stretches lost wherever the socket
     * was full, whatever byte they began with, NUL included now and then.
     * Never named a C string, for any seed. */
    enum { N = 400000 };
    unsigned char *want = malloc(N);
    unsigned char *got = malloc(N);
    CU_ASSERT_PTR_NOT_NULL_FATAL(want);
    CU_ASSERT_PTR_NOT_NULL_FATAL(got);
    for (unsigned seed = 1; seed <= 200; seed++) {
        fill(want, N, seed);
        unsigned char pick[N / 20000];
        fill(pick, sizeof pick, seed + 1000);
        size_t k = 0;
        size_t gaps = 0;
        for (size_t i = 0; i < N; i++) {
            if (i % 20000 == 5000) {
                i += 100 + pick[i / 20000] * 4; /* lost */
                gaps++;
            }
            got[k++] = want[i];
        }
        gr_reply_diff d;
        gr_reply_compare(want, N, got, k, &d);
        CU_EXPECT(d.rd_gaps == gaps, __LINE__, "seed %u: %zu gaps of %zu", seed, d.rd_gaps, gaps);
        CU_EXPECT(!gr_reply_cut_at_nul(&d, 2), __LINE__, "seed %u: named a C string", seed);
    }
    /* A reply that stops at a NUL of random data by chance is not named. */
    fill(want, N, 3);
    size_t at = 0;
    while (want[at] != 0) {
        at++;
    }
    gr_reply_diff d;
    gr_reply_compare(want, N, want, at, &d);
    CU_ASSERT_TRUE(d.rd_end_at_nul);
    CU_ASSERT_FALSE(gr_reply_cut_at_nul(&d, 2));
    free(want);
    free(got);
}

static void test_added_newline(void)
{
    static const char want[] = "one piece, another piece";
    gr_reply_diff d;
    /* "one piece," then "\n", then the rest. */
    static const char got[] = "one piece,\n another piece";
    gr_reply_compare(want, sizeof want - 1, got, sizeof got - 1, &d);
    CU_ASSERT_EQUAL(d.rd_at, 10);
    CU_ASSERT_EQUAL(d.rd_added, 1);
    CU_ASSERT_EQUAL(d.rd_added_byte, '\n');
    CU_ASSERT_FALSE(gr_reply_cut_at_nul(&d, 1));
    /* At the very end. */
    gr_reply_compare("x", 1, "x\n", 2, &d);
    CU_ASSERT_EQUAL(d.rd_added, 1);
    CU_ASSERT_EQUAL(d.rd_added_byte, '\n');
    /* "\r\n" for "\n". */
    gr_reply_compare("ab\ncd", 5, "ab\r\ncd", 6, &d);
    CU_ASSERT_EQUAL(d.rd_added, 1);
    CU_ASSERT_EQUAL(d.rd_added_byte, '\r');
}

static void test_changed_bytes(void)
{
    static const char want[] = "Hello, World, and more words after it";
    static const char got[] = "HELLO, WORLD, AND MORE WORDS AFTER IT";
    gr_reply_diff d;
    gr_reply_compare(want, sizeof want - 1, got, sizeof got - 1, &d);
    CU_ASSERT_EQUAL(d.rd_at, 1);
    CU_ASSERT_EQUAL(d.rd_added, 0);
    CU_ASSERT_EQUAL(d.rd_gaps, 0);
    CU_ASSERT_TRUE(d.rd_changed);
    CU_ASSERT_FALSE(gr_reply_cut_at_nul(&d, 1));
}

int register_reply_tests(void)
{
    static const cu_test tests[] = {
        {"identical replies and prefixes", test_identical_and_prefix},
        {"a reply that stops at a NUL", test_stop_at_nul},
        {"a C-string echo of random data", test_cstring_on_random_data},
        {"lost stretches are not taken for NULs", test_lost_bytes_are_not_nul},
        {"an added newline", test_added_newline},
        {"changed bytes", test_changed_bytes},
        {NULL, NULL},
    };
    return cu_add_suite("reply", tests);
}
