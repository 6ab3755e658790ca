/* selftest.c - lab 03's checks graded: the reference solution, the
 * skeleton, correct servers in other languages and the buggy UDP servers.
 *
 * Each case runs bin/grade as a student would, reads its JSON report back
 * and compares the failed checks with the expected set exactly. */
#include "cu_run.h"
#include "tests/e2e/grade_run.h"
#include "engine/grader.h"
#include "os/proc.h"

#include <jansson.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Lab 03 has 13 checks: 7 server checks and 6 client checks. */
#define LAB03_ALL 13
#define LAB03_SERVER 7
#define LAB03_CLIENT 6

/* Grade with ARGS in the root (grade_run.h). */
static void expect03(const char *args, const char *want_failed, int want_ntests)
{
    selftest_expect(args, NULL, want_failed, want_ntests);
}

static void test_solution_full_marks(void)
{
    selftest_full_marks("03", 1, LAB03_ALL);
}

static void test_skeleton_not_full(void)
{
    selftest_not_full("03-udp", "--seed 1", LAB03_ALL);
}

static void test_other_correct_servers(void)
{
    if (system("command -v python3 >/dev/null 2>&1") == 0) {
        expect03("03 --seed 51 --server 'python3 grader/labs/03-udp/selftest/udp_echo.py {port}'",
                 "", LAB03_SERVER);
    }
}

static void test_bug_small_buf(void)
{
    expect03("03 --seed 52 --server 'build/selftest/bug_udp_small_buf {port}'", "sizes",
             LAB03_SERVER);
}

static void test_bug_first_client(void)
{
    expect03("03 --seed 53 --server 'build/selftest/bug_udp_first_client {port}'",
             "interleaved-clients", LAB03_SERVER);
}

static void test_bug_exit_empty(void)
{
    expect03("03 --seed 54 --server 'build/selftest/bug_udp_exit_empty {port}'", "sizes burst",
             LAB03_SERVER);
}

static void test_bug_loopback(void)
{
    /* Bound to 127.0.0.1 alone: every check but the other address passes. */
    expect03("03 --seed 61 --server 'build/selftest/bug_udp_loopback {port}'", "every-address",
             LAB03_SERVER);
}

static void test_bug_split(void)
{
    expect03("03 --seed 55 --server 'build/selftest/bug_udp_split {port}'", "boundaries sizes",
             LAB03_SERVER);
}

/* The wrong clients all wait for each reply before the next probe. */
#define PING_ARGS "{host} {port} 10 --interval 100 --timeout 500'"

static void test_bug_clients(void)
{
    /* Each on the checks it must lose and on client-ping, which it must
     * keep: the whole lab says nothing more, and a pinger that waits makes
     * every check wait. */
    expect03("03 --seed 56 --only client-ping,client-duration "
             "--client 'build/selftest/bug_udp_ping serial " PING_ARGS,
             "client-duration", 2);
    expect03("03 --seed 57 --only client-ping,client-late-dup,client-duration "
             "--client 'build/selftest/bug_udp_ping any-reply " PING_ARGS,
             "client-late-dup client-duration", 3);
    expect03("03 --seed 58 --only client-ping,client-duration,client-refused "
             "--client 'build/selftest/bug_udp_ping unconnected " PING_ARGS,
             "client-duration client-refused", 3);
    /* Exits 0 with nothing received (a short --timeout: the check bounds
     * no time, and this client waits out each probe). */
    expect03("03 --seed 62 --only client-no-reply "
             "--client 'build/selftest/bug_udp_ping exit0 {host} {port} 10 --interval 100 "
             "--timeout 100'",
             "client-no-reply", 1);
}

/* A correct server in Node.js, written from the guide. */
static void test_other_languages(void)
{
    if (selftest_have("node")) {
        expect03("03 --seed 59 --server 'node grader/labs/03-udp/selftest/udp_echo.js {port}'", "",
                 LAB03_SERVER);
    }
}

/* ---- hints that follow the cause ------------------------------------------------- */

/* Grade ARGS, expect exactly want_failed, and every failed check's output
 * to show the cause-specific hint (words) instead of the general one
 * (not_words, when not NULL: never). */
static void expect03_hint(const char *args, const char *want_failed, int want_ntests,
                          const char *words, const char *not_words)
{
    selftest_expect_hint(args, NULL, want_failed, want_ntests, words, not_words);
}

static void test_hint_short_replies(void)
{
    /* A reply shorter than its datagram: the rest in pieces of their own, a
     * buffer-sized cut, or a stop at a NUL, each with its own hint. */
    expect03_hint("03 --seed 55 --only boundaries,sizes --server 'build/selftest/bug_udp_split "
                  "{port}'",
                  "boundaries sizes", 2, "the reply came in pieces, each sent as a datagram", NULL);
    expect03_hint("03 --seed 52 --only sizes --server 'build/selftest/bug_udp_small_buf {port}'",
                  "sizes", 1, "cuts a datagram to the size of its buffer, silently: here 1024",
                  NULL);
    expect03_hint("03 --seed 59 --server 'build/selftest/bug_udp_cstring {port}'", "sizes",
                  LAB03_SERVER, "A datagram is bytes, not a C string", NULL);
}

static void test_hint_empty_datagram(void)
{
    /* Stopping at an empty datagram: seen in sizes (its first datagram) and
     * in burst (echoes 1 to 9, nothing from the first empty one on). */
    expect03_hint("03 --seed 54 --only sizes,burst --server 'build/selftest/bug_udp_exit_empty "
                  "{port}'",
                  "sizes burst", 2, "An empty datagram is a datagram, not end of file",
                  "no datagram and no error may end it");
}

static void test_hint_python_decode(void)
{
    if (system("command -v python3 >/dev/null 2>&1") != 0) {
        return;
    }
    expect03_hint("03 --seed 97 --server 'python3 grader/labs/03-udp/selftest/udp_echo_decode.py "
                  "{port}'",
                  "sizes", LAB03_SERVER,
                  "A datagram is bytes, not text: the server's stderr shows a UnicodeDecodeError",
                  NULL);
}

static void test_hint_no_timeout(void)
{
    /* A ping that waits for ever: only the deadline ends it, so a short
     * one. */
    selftest_scale("0.4");
    expect03_hint("03 --seed 60 --only client-loss --client 'build/selftest/bug_udp_ping blocking "
                  "{host} {port} 10 --interval 100 --timeout 500'",
                  "client-loss", 1, "every wait for a reply needs a timeout", NULL);
    selftest_scale(NULL);
}

/* A UDP server that starts wrong loses start-errors: PORT through atoi(),
 * exit 0 on a failed bind (grader/tests/programs/bug_start.c). */
static void test_start_errors(void)
{
    expect03("03 --seed 63 --only start-errors --server 'build/selftest/bug_start --udp ok 1 "
             "{port}'",
             "", 1);
    expect03("03 --seed 64 --only start-errors --server 'build/selftest/bug_start --udp atoi 1 "
             "{port}'",
             "start-errors", 1);
    expect03("03 --seed 65 --only start-errors --server 'build/selftest/bug_start --udp exit0 1 "
             "{port}'",
             "start-errors", 1);
}

int register_lab03_tests(void)
{
    /* The tests that grade a check with a time or CPU bound run alone; the
     * others two at a time (common/scripts/check.sh). */
    static const cu_test timing[] = {
        {"lab 03: the solution gets full marks", test_solution_full_marks},
        {"lab 03: ping clients that wait, miscount, or miss ICMP", test_bug_clients},
        {"lab 03: hint for a ping without a timeout", test_hint_no_timeout},
        {NULL, NULL},
    };
    static const cu_test tests[] = {
        {"lab 03: the skeleton does not", test_skeleton_not_full},
        {"lab 03: a correct server in Python gets full marks", test_other_correct_servers},
        {"lab 03: a correct server in Node.js gets full marks", test_other_languages},
        {"lab 03: a 1 KiB receive buffer", test_bug_small_buf},
        {"lab 03: replies to the first client only", test_bug_first_client},
        {"lab 03: stops at an empty datagram", test_bug_exit_empty},
        {"lab 03: replies in 512-byte pieces", test_bug_split},
        {"lab 03: bound to 127.0.0.1 only", test_bug_loopback},
        {"lab 03: hints for replies in pieces, cut to a buffer, or at a NUL",
         test_hint_short_replies},
        {"lab 03: hint for stopping at an empty datagram", test_hint_empty_datagram},
        {"lab 03: hint for Python's .decode() of a datagram", test_hint_python_decode},
        {"lab 03: servers that start wrong lose start-errors", test_start_errors},
        {NULL, NULL},
    };
    return cu_add_suite_alone("lab03-timing", timing) < 0 ? -1 : cu_add_suite("lab03", tests);
}
