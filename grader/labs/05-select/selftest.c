/* selftest.c - lab 05's checks graded: the reference solution, the
 * skeleton, a correct server in Python, and one buggy server per classic
 * mistake of an event-driven server, each caught by the check meant for it.
 *
 * Each case runs bin/grade as a student would, reads its JSON report back
 * and compares the failed checks with the expected set exactly. A buggy
 * server is graded as one of the three programs (--only 'select-*', ...),
 * which is all its bug needs and keeps the suite short. */
#include "cu_run.h"
#include "tests/e2e/grade_run.h"

#include <stdio.h>
#include <stdlib.h>

/* Lab 05 has 26 checks, all server checks: 8 for each of echo_select and
 * echo_poll, 10 for echo_epoll. */
#define LAB05_ALL 26
#define LAB05_SELECT 8
#define LAB05_POLL 8
#define LAB05_EPOLL 10

static void expect05(const char *args, const char *want_failed, int want_ntests)
{
    selftest_expect(args, NULL, want_failed, want_ntests);
}

static void test_solution_full_marks(void)
{
    selftest_full_marks("05", 1, LAB05_ALL);
}

static void test_skeleton_not_full(void)
{
    selftest_not_full("05-select", "--seed 1", LAB05_ALL);
}

static void test_python_selectors(void)
{
    if (system("command -v python3 >/dev/null 2>&1") == 0) {
        expect05("05 --seed 61 --server 'python3 grader/labs/05-select/selftest/echo_selectors.py "
                 "{port}'",
                 "", LAB05_ALL);
    }
}

static void test_bug_busy_write(void)
{
    expect05("05 --seed 62 --only 'select-*' --server 'build/selftest/bug_mux_busy_write {port}'",
             "select-idle-cpu", LAB05_SELECT);
}

static void test_bug_poll_zero(void)
{
    expect05("05 --seed 63 --only 'poll-*' --server 'build/selftest/bug_mux_poll_zero {port}'",
             "poll-idle-cpu", LAB05_POLL);
}

static void test_bug_wait_line(void)
{
    expect05("05 --seed 64 --only 'select-*' --server 'build/selftest/bug_mux_wait_line {port}'",
             "select-stalled-client", LAB05_SELECT);
}

static void test_bug_blocking(void)
{
    expect05("05 --seed 65 --only 'select-*' --server 'build/selftest/bug_mux_blocking {port}'",
             "select-nonblocking select-slow-reader", LAB05_SELECT);
}

static void test_bug_unbounded(void)
{
    expect05("05 --seed 66 --only 'poll-*' --server 'build/selftest/bug_mux_unbounded {port}'",
             "poll-slow-reader", LAB05_POLL);
}

static void test_bug_errors(void)
{
    expect05("05 --seed 67 --only 'select-*' --server 'build/selftest/bug_mux_errors {port}'",
             "select-reset-pending", LAB05_SELECT);
}

static void test_bug_eagain(void)
{
    expect05("05 --seed 71 --only 'select-*' --server 'build/selftest/bug_mux_eagain {port}'",
             "select-echo select-slow-reader", LAB05_SELECT);
}

static void test_iterative(void)
{
    /* Lab 01's server: correct, one client at a time. */
    expect05("05 --seed 72 --only 'poll-echo,poll-interleaved' --server "
             "'solutions/01-tcp-echo/echo_server {port}'",
             "poll-interleaved", 2);
}

static void test_bug_fork_and_threads(void)
{
    expect05("05 --seed 68 --only 'select-*' --server 'build/selftest/bug_mux_fork {port}'",
             "select-nonblocking select-one-thread", LAB05_SELECT);
    if (system("command -v python3 >/dev/null 2>&1") == 0) {
        expect05(
            "05 --seed 69 --only 'poll-*' --server 'python3 grader/tests/programs/echo_threaded.py "
            "{port}'",
            "poll-one-thread poll-nonblocking", LAB05_POLL);
    }
}

static void test_select_as_epoll(void)
{
    /* The select() server is correct, but it is no epoll server, and
     * FD_SETSIZE stops it far short of 10,000 clients. */
    expect05("05 --seed 70 --only 'epoll-*' --server 'solutions/05-select/echo_select {port}'",
             "epoll-fd epoll-10k", LAB05_EPOLL);
}

int register_lab05_tests(void)
{
    static const cu_test tests[] = {
        {"lab 05: the solution gets full marks", test_solution_full_marks},
        {"lab 05: the skeleton does not", test_skeleton_not_full},
        {"lab 05: a correct selectors server in Python gets full marks", test_python_selectors},
        {"lab 05: always asks for write readiness (seed 000)", test_bug_busy_write},
        {"lab 05: poll() with a timeout of 0", test_bug_poll_zero},
        {"lab 05: waits on one client for a whole line", test_bug_wait_line},
        {"lab 05: blocking sockets and a send-all loop", test_bug_blocking},
        {"lab 05: buffers without bound", test_bug_unbounded},
        {"lab 05: takes every error for EAGAIN", test_bug_errors},
        {"lab 05: takes EAGAIN for an error", test_bug_eagain},
        {"lab 05: one client at a time (lab 01's server)", test_iterative},
        {"lab 05: a process or a thread per client", test_bug_fork_and_threads},
        {"lab 05: the select() server graded as the epoll one", test_select_as_epoll},
        {NULL, NULL},
    };
    return cu_add_suite_alone("lab05", tests);
}
