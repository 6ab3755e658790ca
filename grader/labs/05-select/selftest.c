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
#include <string.h>

/* Lab 05 has 35 checks, all server checks: 11 for each of echo_select and
 * echo_poll, 13 for echo_epoll. */
#define LAB05_ALL 35
#define LAB05_SELECT 11
#define LAB05_POLL 11
#define LAB05_EPOLL 13

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

/* Graded on the check meant for it: whether the server, stuck in one
 * client's line, also starves select-slow-reader depends on timing (CI saw
 * it once). */
static void test_bug_wait_line(void)
{
    expect05("05 --seed 64 --only select-stalled-client --server "
             "'build/selftest/bug_mux_wait_line {port}'",
             "select-stalled-client", 1);
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
    /* Never closes a failed client: those reset with output pending, and
     * those that leave by a reset at any other point. */
    expect05("05 --seed 67 --only 'select-*' --server 'build/selftest/bug_mux_errors {port}'",
             "select-reset-pending select-clients-leave", LAB05_SELECT);
}

static void test_bug_eagain(void)
{
    expect05("05 --seed 71 --only 'select-*' --server 'build/selftest/bug_mux_eagain {port}'",
             "select-echo select-slow-reader", LAB05_SELECT);
}

static void test_bug_lazy_close(void)
{
    /* A reset client's socket is closed only when the next client comes:
     * caught where clients leave one by one, not where they keep coming.
     * (select-reset-pending, whose resets may reach the server after its
     * last new client, catches it in some runs: it is left out.) */
    expect05("05 --seed 73 --only 'select-echo,select-clients-leave,select-fd-churn' "
             "--server 'build/selftest/bug_mux_lazy_close {port}'",
             "select-clients-leave", 3);
}

static void test_bug_timer_leak(void)
{
    /* A descriptor that is not a socket leaks per client. */
    expect05("05 --seed 74 --only 'epoll-clients-leave,epoll-fd-churn' --server "
             "'build/selftest/bug_mux_timer_leak {port}'",
             "epoll-fd-churn", 2);
}

static void test_node_leaves(void)
{
    /* Node.js serves from one event loop too (its other threads rule it
     * out of the one-thread checks): the checks of clients that leave and
     * of descriptors must pass it. */
    if (system("command -v node >/dev/null 2>&1") == 0) {
        expect05("05 --seed 75 --only '*-clients-leave,*-fd-churn' --server 'node "
                 "grader/labs/01-tcp-echo/selftest/echo_server.js {port}'",
                 "", 6);
    }
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

/* ---- hints that follow the cause ------------------------------------------------- */

/* Grade ARGS, expect exactly want_failed, and the outputs to hold each of
 * words (NULL-terminated) as many times as the list names it: once per
 * failed check that must show that cause-specific hint. not_words, when
 * not NULL, must not appear (the general hint it replaced). */
static void expect05_hints(const char *args, const char *want_failed, int want_ntests,
                           const char *const *words, const char *not_words)
{
    run r;
    selftest_expect_run(args, NULL, want_failed, want_ntests, &r);
    for (size_t i = 0; words[i] != NULL; i++) {
        int listed = 0;
        for (size_t k = 0; words[k] != NULL; k++) {
            listed += strcmp(words[k], words[i]) == 0;
        }
        int seen = selftest_count(r.outputs, words[i]);
        if (seen != listed) {
            fprintf(stderr, "\nselftest: bin/grade %s\n  \"%s\" %d times, wanted %d\n", args,
                    words[i], seen, listed);
        }
        CU_ASSERT_EQUAL(seen, listed);
    }
    if (not_words != NULL) {
        CU_ASSERT_EQUAL(selftest_count(r.outputs, not_words), 0);
    }
    free(r.outputs);
}

#define NEVER_ACCEPTED "A server waits on its listening socket too: no client was ever accepted"

static void test_hint_select_nfds(void)
{
    /* select(maxfd, ...): the listening socket is never looked at. Every
     * check says nothing was accepted, and none blames O_NONBLOCK or
     * "others" being served. */
    /* A server that accepts nobody fails every check the same way; three of
     * them, of three kinds, say it. */
    static const char *const words[] = {NEVER_ACCEPTED, NEVER_ACCEPTED, NEVER_ACCEPTED, NULL};
    expect05_hints("05 --seed 80 --only select-nonblocking,select-echo,select-interleaved "
                   "--server 'build/selftest/bug_mux_select_nfds {port}'",
                   "select-nonblocking select-echo select-interleaved", 3, words,
                   "while it serves others");
}

#define FULL_BUFFER "A full buffer is not the end of a connection"

static void test_hint_full_buffer(void)
{
    /* recv() into a full buffer (0 bytes: "end of file"), and EAGAIN taken
     * for an error: both close a client whose buffers filled. */
    static const char *const words[] = {FULL_BUFFER, FULL_BUFFER, NULL};
    expect05_hints("05 --seed 81 --only 'select-*' --server 'build/selftest/bug_mux_read_full "
                   "{port}'",
                   "select-echo select-slow-reader", LAB05_SELECT, words, NULL);
    expect05_hints("05 --seed 82 --only select-echo,select-slow-reader --server "
                   "'build/selftest/bug_mux_eagain {port}'",
                   "select-echo select-slow-reader", 2, words, NULL);
}

static void test_hint_blocking(void)
{
    /* Which sockets are blocking, from /proc: the accepted ones (the flag
     * is not inherited), or the listener alone. */
    static const char *const accepted[] = {
        "needs O_NONBLOCK of its own", "Never block on one client: the server's client sockets are",
        NULL};
    expect05_hints("05 --seed 83 --only select-nonblocking,select-slow-reader --server "
                   "'build/selftest/bug_mux_blocking {port}'",
                   "select-nonblocking select-slow-reader", 2, accepted, NULL);
    static const char *const listener[] = {"The listening socket must be non-blocking too", NULL};
    expect05_hints("05 --seed 84 --only 'select-*' --server "
                   "'build/selftest/bug_mux_blocking_listener {port}'",
                   "select-nonblocking", LAB05_SELECT, listener, NULL);
}

static void test_hint_buffers_and_errors(void)
{
    static const char *const unbounded[] = {"the server kept reading from a client it could not",
                                            NULL};
    expect05_hints("05 --seed 85 --only poll-slow-reader --server "
                   "'build/selftest/bug_mux_unbounded {port}'",
                   "poll-slow-reader", 1, unbounded, NULL);
    static const char *const errors[] = {"still holds the sockets of the connections that were",
                                         NULL};
    expect05_hints("05 --seed 86 --only select-reset-pending --server "
                   "'build/selftest/bug_mux_errors {port}'",
                   "select-reset-pending", 1, errors, NULL);
}

static void test_hint_spin(void)
{
    /* With the clients gone, a server that asks for write readiness always
     * sleeps; one that waits with a timeout of 0 spins on. */
    static const char *const write[] = {"spins only while clients are connected", NULL};
    expect05_hints("05 --seed 87 --only select-idle-cpu --server "
                   "'build/selftest/bug_mux_busy_write {port}'",
                   "select-idle-cpu", 1, write, NULL);
    static const char *const zero[] = {"spins even with no client connected", NULL};
    expect05_hints("05 --seed 88 --only poll-idle-cpu --server 'build/selftest/bug_mux_poll_zero "
                   "{port}'",
                   "poll-idle-cpu", 1, zero, NULL);
}

static void test_hint_fd_setsize(void)
{
    static const char *const words[] = {"select() stops at FD_SETSIZE", NULL};
    expect05_hints("05 --seed 89 --only epoll-fd,epoll-10k --server "
                   "'solutions/05-select/echo_select {port}'",
                   "epoll-fd epoll-10k", 2, words, NULL);
}

/* Servers that start wrong lose each program's start-errors
 * (grader/tests/programs/bug_start.c). */
static void test_start_errors(void)
{
    expect05("05 --seed 76 --only select-start-errors --server 'build/selftest/bug_start atoi 1 "
             "{port}'",
             "select-start-errors", 1);
    expect05("05 --seed 77 --only 'poll-start-errors,epoll-start-errors' --server "
             "'build/selftest/bug_start exit0 1 {port}'",
             "poll-start-errors epoll-start-errors", 2);
}

int register_lab05_tests(void)
{
    /* The tests that grade a check with a time or CPU bound run alone; the
     * others two at a time (common/scripts/check.sh). */
    static const cu_test timing[] = {
        {"lab 05: the solution gets full marks", test_solution_full_marks},
        {"lab 05: a correct selectors server in Python gets full marks", test_python_selectors},
        {"lab 05: always asks for write readiness (seed 000)", test_bug_busy_write},
        {"lab 05: poll() with a timeout of 0", test_bug_poll_zero},
        {"lab 05: the select() server graded as the epoll one", test_select_as_epoll},
        {"lab 05: hints for write readiness always and a zero timeout", test_hint_spin},
        {"lab 05: hint for FD_SETSIZE", test_hint_fd_setsize},
        {NULL, NULL},
    };
    static const cu_test tests[] = {
        {"lab 05: the skeleton does not", test_skeleton_not_full},
        {"lab 05: waits on one client for a whole line", test_bug_wait_line},
        {"lab 05: blocking sockets and a send-all loop", test_bug_blocking},
        {"lab 05: buffers without bound", test_bug_unbounded},
        {"lab 05: takes every error for EAGAIN", test_bug_errors},
        {"lab 05: takes EAGAIN for an error", test_bug_eagain},
        {"lab 05: one client at a time (lab 01's server)", test_iterative},
        {"lab 05: closes a reset client only at the next accept", test_bug_lazy_close},
        {"lab 05: a timer descriptor leaks per client", test_bug_timer_leak},
        {"lab 05: a Node.js server, clients leaving and descriptors", test_node_leaves},
        {"lab 05: a process or a thread per client", test_bug_fork_and_threads},
        {"lab 05: select(maxfd): nothing accepted, with its hint", test_hint_select_nfds},
        {"lab 05: hints for a full buffer taken for the end", test_hint_full_buffer},
        {"lab 05: hints for blocking sockets, accepted or listening", test_hint_blocking},
        {"lab 05: hints for unbounded buffers and unclosed errors", test_hint_buffers_and_errors},
        {"lab 05: servers that start wrong lose start-errors", test_start_errors},
        {NULL, NULL},
    };
    return cu_add_suite_alone("lab05-timing", timing) < 0 ? -1 : cu_add_suite("lab05", tests);
}
