/* selftest.c - lab 06's checks graded: the reference solutions (built
 * with ThreadSanitizer, as every lab 06 submission is), the skeleton, a
 * correct chat server in Python, and the classic bugs of threaded and
 * forking servers.
 *
 * Each case runs bin/grade as a student would, reads its JSON report back
 * and compares the failed checks with the expected set exactly. A bug that
 * could show in several checks is graded with --only the checks that catch
 * it every time. */
#include "cu_run.h"
#include "tests/e2e/grade_run.h"

#include <stdio.h>
#include <stdlib.h>

/* Lab 06 has 26 checks, all server checks: 16 for the chat server, 5 for
 * the pool, 5 for the fork server. */
#define LAB06_ALL 26
#define LAB06_CHAT 16
#define LAB06_POOL 5
#define LAB06_FORK 5

static void expect06(const char *args, const char *want_failed, int want_ntests)
{
    selftest_expect(args, NULL, want_failed, want_ntests);
}

static void test_solution_full_marks(void)
{
    selftest_full_marks("06", 1, LAB06_ALL);
}

static void test_skeleton_not_full(void)
{
    /* One check of each server is enough (each of the others would wait
     * out its quiet time too): the skeleton serves one client at a time. */
    selftest_not_full("06-threads",
                      "--seed 1 --only chat-concurrent,pool-concurrent,fork-concurrent", 3);
}

/* A correct chat server in Node.js, written from the guide: one thread and
 * an event loop, which the chat checks must not hold against it. */
static void test_node_chat(void)
{
    if (selftest_have("node")) {
        expect06("06 --seed 72 --server 'node grader/labs/06-threads/selftest/chat_server.js "
                 "{port}' --only 'chat-*'",
                 "", LAB06_CHAT);
    }
}

static void test_python_chat(void)
{
    if (system("command -v python3 >/dev/null 2>&1") == 0) {
        expect06("06 --seed 61 --server 'python3 grader/labs/06-threads/selftest/chat_threaded.py "
                 "{port}' "
                 "--only 'chat-*'",
                 "", LAB06_CHAT);
    }
}

/* A correct chat server with asyncio: one thread, an event loop, and each
 * member's queue in its transport's write buffer. */
static void test_asyncio_chat(void)
{
    if (system("command -v python3 >/dev/null 2>&1") == 0) {
        expect06("06 --seed 79 --server 'python3 grader/labs/06-threads/selftest/chat_asyncio.py "
                 "{port}' --only 'chat-*'",
                 "", LAB06_CHAT);
    }
}

static void test_bug_sequential(void)
{
    /* One client at a time: the chat's first step, and the echo servers'
     * clients served out of order. */
    expect06("06 --seed 62 --server 'build/selftest/bug_chat sequential {port}' --only step1",
             "chat-concurrent chat-names chat-name-limits", 4);
    expect06("06 --seed 63 --server 'build/selftest/bug_echo_iterative {port}' "
             "--only pool-concurrent,fork-concurrent",
             "pool-concurrent fork-concurrent", 2);
}

static void test_bug_framing(void)
{
    /* Glued lines, a line in pieces, a long line in 1002-byte reads, half
     * a line before a reset, lines sent in random pieces. */
    expect06("06 --seed 64 --server 'build/selftest/bug_chat framing {port}' "
             "--only chat-broadcast,chat-framing,chat-line-limit,chat-abrupt,chat-many-members",
             "chat-broadcast chat-framing chat-line-limit chat-abrupt chat-many-members", 5);
}

static void test_bug_names_and_leave(void)
{
    expect06("06 --seed 68 --server 'build/selftest/bug_chat anyname {port}' --only chat-names",
             "chat-names", 1);
    expect06("06 --seed 69 --server 'build/selftest/bug_chat noleave {port}' "
             "--only chat-leave,chat-abrupt",
             "chat-leave chat-abrupt", 2);
}

/* The protocol's table at its edges (RULES.md): each bug breaks one rule,
 * on one side of it, and loses the check that probes that side, and only
 * that one of the checks about the same table. */
static void test_bug_edges(void)
{
    expect06("06 --seed 73 --server 'build/selftest/bug_chat name15 {port}' "
             "--only chat-names,chat-name-limits",
             "chat-name-limits", 2);
    expect06("06 --seed 74 --server 'build/selftest/bug_chat name8bit {port}' "
             "--only chat-names,chat-name-limits",
             "chat-name-limits", 2);
    expect06("06 --seed 75 --server 'build/selftest/bug_chat cstring {port}' "
             "--only chat-broadcast,chat-line-bytes",
             "chat-line-bytes", 2);
    /* A refusal that never comes is only seen by its silence: shorter waits. */
    selftest_scale("0.5");
    expect06("06 --seed 76 --server 'build/selftest/bug_chat crcount {port}' "
             "--only chat-line-limit,chat-line-bytes",
             "chat-line-limit", 2);
    selftest_scale(NULL);
}

/* Leaving: a half line before a close said to the room; a socket never
 * closed, which only /proc shows (the client sees end of file). */
static void test_bug_leaving(void)
{
    expect06("06 --seed 77 --server 'build/selftest/bug_chat halfline {port}' "
             "--only chat-leave,chat-abrupt",
             "chat-leave", 2);
    selftest_scale("0.5"); /* descriptors that never come back: a shorter wait */
    expect06("06 --seed 78 --server 'build/selftest/bug_chat fdleak {port}' "
             "--only chat-leave,chat-abrupt,chat-descriptors",
             "chat-descriptors", 3);
    selftest_scale(NULL);
}

static void test_bug_interleave(void)
{
    /* Its blocking sends freeze the step 5 checks, seen by their silence:
     * shorter waits. */
    selftest_scale("0.5");
    expect06("06 --seed 65 --server 'build/selftest/bug_chat interleave {port}' --only 'chat-*'",
             "chat-many-members chat-slow-flows chat-slow-dropped chat-slow-kept chat-slow-leaves",
             LAB06_CHAT);
    selftest_scale(NULL);
}

static void test_bug_slow_member(void)
{
    /* A room that freezes is only seen by its silence: shorter waits. */
    selftest_scale("0.5");
    expect06("06 --seed 66 --server 'build/selftest/bug_chat blocking {port}' "
             "--only chat-slow-flows,chat-slow-dropped",
             "chat-slow-flows chat-slow-dropped", 2);
    expect06("06 --seed 67 --server 'build/selftest/bug_chat unbounded {port}' --only step5",
             "chat-slow-dropped", 4);
    /* The other edge of the bound, and leaving while the server writes. */
    expect06("06 --seed 80 --server 'build/selftest/bug_chat tightqueue {port}' --only step5",
             "chat-slow-kept", 4);
    expect06("06 --seed 81 --server 'build/selftest/bug_chat flush {port}' "
             "--only chat-descriptors,chat-slow-kept,chat-slow-leaves",
             "chat-slow-leaves", 3);
    selftest_scale(NULL);
}

static void test_bug_unguarded(void)
{
    /* Built from a directory, so with ThreadSanitizer, which reports the
     * member list walked without its lock as soon as two members meet. */
    expect06("06 --seed 68 --dir grader/labs/06-threads/selftest/unguarded "
             "--only chat-concurrent,chat-leave",
             "chat-concurrent chat-leave", 2);
}

static void test_bug_pool_and_fork(void)
{
    expect06("06 --seed 69 --server 'build/selftest/bug_pool_unbounded {port}' --only 'pool-*'",
             "pool-busy pool-threads", LAB06_POOL);
    /* Zombies are also what the leavers leave behind. */
    expect06("06 --seed 70 --server 'build/selftest/bug_fork_zombies {port}' --only 'fork-*'",
             "fork-no-zombies fork-leavers", LAB06_FORK);
    if (system("command -v python3 >/dev/null 2>&1") == 0) {
        /* socketserver's ThreadingMixIn: a thread per client, not a process. */
        expect06("06 --seed 71 --server 'python3 grader/tests/programs/echo_threaded.py {port}' "
                 "--only 'fork-*'",
                 "fork-children", LAB06_FORK);
    }
}

/* Clients that leave by a reset while the server writes to them: a worker
 * that ends itself on the error, a child that goes back to accept(). */
static void test_bug_leavers(void)
{
    selftest_scale("0.5"); /* what never comes back: shorter waits */
    expect06("06 --seed 82 --server 'build/selftest/bug_pool dies {port}' --only 'pool-*'",
             "pool-leavers", LAB06_POOL);
    expect06("06 --seed 83 --server 'build/selftest/bug_fork_errpath {port}' --only 'fork-*'",
             "fork-leavers", LAB06_FORK);
    /* The pool's queue one short: the 16th waiting client told BUSY.
     * pool-busy waits for every waiting client's echo and sees the BUSY
     * every time; pool-threads only sees it when it comes before that
     * check moves on, so it is left out here. */
    expect06("06 --seed 84 --server 'build/selftest/bug_pool queue15 {port}' --only pool-busy",
             "pool-busy", 1);
    selftest_scale(NULL);
}

/* ---- hints that follow the cause ------------------------------------------------- */

static void test_hint_chat(void)
{
    /* A server killed by SIGPIPE when a member it dropped is written to;
     * a room frozen by a blocking send() is chat-slow-flows' cause in
     * chat-slow-dropped too; a race that ThreadSanitizer reports. The SIGPIPE
     * run is graded on the checks that write to a dropped member (when the
     * server dies in chat-slow-kept too depends on timing). */
    selftest_expect_hint("06 --seed 91 --server 'build/selftest/bug_chat sigpipe {port}' --only "
                         "chat-slow-flows,chat-slow-dropped,chat-slow-leaves",
                         NULL, "chat-slow-flows chat-slow-dropped chat-slow-leaves", 3,
                         "it died of SIGPIPE", NULL);
    selftest_scale("0.5"); /* the same run as test_bug_slow_member's */
    selftest_expect_hint("06 --seed 66 --server 'build/selftest/bug_chat blocking {port}' "
                         "--only chat-slow-flows,chat-slow-dropped",
                         NULL, "chat-slow-flows chat-slow-dropped", 2,
                         "A member who does not read must not stop the others",
                         "Bound each member");
    selftest_scale(NULL);
    selftest_expect_hint("06 --seed 68 --dir grader/labs/06-threads/selftest/unguarded "
                         "--only chat-concurrent,chat-leave",
                         NULL, "chat-concurrent chat-leave", 2,
                         "Data that threads share needs a lock",
                         "Give each connection its own thread");
}

static void test_hint_pool_and_fork(void)
{
    selftest_expect_hint("06 --seed 69 --server 'build/selftest/bug_pool_unbounded {port}' --only "
                         "pool-busy",
                         NULL, "pool-busy", 1,
                         "the server has one per connection, so its queue never fills", NULL);
    selftest_expect_hint(
        "06 --seed 92 --server 'build/selftest/bug_fork_linger {port}' --only 'fork-*'", NULL,
        "fork-no-zombies fork-leavers", LAB06_FORK, "A child ends with its client", "zombie until");
    if (system("command -v python3 >/dev/null 2>&1") == 0) {
        selftest_expect_hint(
            "06 --seed 71 --server 'python3 grader/tests/programs/echo_threaded.py "
            "{port}' --only 'fork-*'",
            NULL, "fork-children", LAB06_FORK, "serves them with threads of one process", NULL);
    }
}

/* Servers that start wrong lose each program's start-errors
 * (grader/tests/programs/bug_start.c). */
static void test_start_errors(void)
{
    expect06("06 --seed 84 --only '*-start-errors' --server 'build/selftest/bug_start ok 1 "
             "{port}'",
             "", 3);
    expect06("06 --seed 85 --only chat-start-errors --server 'build/selftest/bug_start quiet 1 "
             "{port}'",
             "chat-start-errors", 1);
    expect06("06 --seed 86 --only 'pool-start-errors,fork-start-errors' --server "
             "'build/selftest/bug_start nobind 1 {port}'",
             "pool-start-errors fork-start-errors", 2);
}

int register_lab06_tests(void)
{
    static const cu_test tests[] = {
        {"lab 06: the solutions get full marks under ThreadSanitizer", test_solution_full_marks},
        {"lab 06: the skeleton does not", test_skeleton_not_full},
        {"lab 06: a correct chat server in Python gets full marks", test_python_chat},
        {"lab 06: a correct chat server in Node.js gets full marks", test_node_chat},
        {"lab 06: a correct chat server with Python's asyncio gets full marks", test_asyncio_chat},
        {"lab 06: servers that serve one client at a time", test_bug_sequential},
        {"lab 06: one recv() taken for one line", test_bug_framing},
        {"lab 06: any name accepted; nobody told of a leave", test_bug_names_and_leave},
        {"lab 06: names and lines at the edges of the protocol's rules", test_bug_edges},
        {"lab 06: a half line said at a close; sockets never closed", test_bug_leaving},
        {"lab 06: lines written in pieces without a lock per member", test_bug_interleave},
        {"lab 06: a member who does not read: blocking send, unbounded or tight queue, flush",
         test_bug_slow_member},
        {"lab 06: the member list without its lock (ThreadSanitizer)", test_bug_unguarded},
        {"lab 06: a thread per connection; a fork server that never reaps", test_bug_pool_and_fork},
        {"lab 06: a worker that ends on an error; a child that goes back to accept()",
         test_bug_leavers},
        {"lab 06: hints for SIGPIPE, a frozen room and a data race", test_hint_chat},
        {"lab 06: hints for a thread per connection and children that never exit",
         test_hint_pool_and_fork},
        {"lab 06: servers that start wrong lose start-errors", test_start_errors},
        {NULL, NULL},
    };
    return cu_add_suite("lab06", tests);
}
