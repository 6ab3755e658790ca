/* selftest.c - lab 10's checks graded: the reference tls_client (as a lab
 * and as a --client command), a correct client in Python's ssl module (no
 * BUG: a client nobody on the team wrote in C), and the buggy clients of
 * selftest/bug_tls_client.py, each on the checks that must catch its bug.
 *
 * Each case runs bin/grade as a student would, reads its JSON report back
 * and compares the failed checks with the expected set exactly. */
#include "cu_run.h"
#include "tests/e2e/grade_run.h"

#include <limits.h>
#include <stdio.h>

#define LAB10_ALL 26
#define LAB10_CLIENT 15 /* the client checks: what a --client run grades */

static void expect10(const char *command, const char *extra, int seed, const char *want_failed,
                     int want_ntests)
{
    char args[PATH_MAX + 400];
    snprintf(args, sizeof args, "10 --seed %d --client '%s' %s", seed, command, extra);
    selftest_expect_fresh("lab10", args, want_failed, want_ntests);
}

static void test_solution_full_marks(void)
{
    selftest_full_marks("10", 1, LAB10_ALL);
}

static void test_skeleton_not_full(void)
{
    selftest_not_full("10-tls", "--seed 1", LAB10_ALL);
}

static void test_solution_as_command(void)
{
    char cmd[PATH_MAX];
    snprintf(cmd, sizeof cmd, "%s/solutions/10-tls/tls_client", selftest_root());
    expect10(cmd, "", 101, "", LAB10_CLIENT);
}

/* Python's ssl module behind the lab's command line: every check. */
static void test_python_client(void)
{
    if (!selftest_have("python3")) {
        return;
    }
    char cmd[PATH_MAX];
    snprintf(cmd, sizeof cmd, "python3 %s/grader/labs/10-tls/selftest/bug_tls_client.py",
             selftest_root());
    expect10(cmd, "", 102, "", LAB10_CLIENT);
}

/* Python's ssl module behind the server's command line, a thread per client. */
static void test_python_server(void)
{
    if (!selftest_have("python3")) {
        return;
    }
    char args[PATH_MAX + 200];
    snprintf(args, sizeof args,
             "10 --seed 111 --server 'python3 %s/grader/labs/10-tls/selftest/bug_tls_server.py "
             "{args}'",
             selftest_root());
    selftest_expect_fresh("lab10", args, "", 11);
}

/* The buggy servers only C can write (selftest/bug_tls_loop.c): a write
 * retried from another buffer, and "try again" taken as "at once". */
static void test_c_server_bugs(void)
{
    static const struct {
        const char *bug;
        const char *only;
        const char *failed;
    } rows[] = {
        {"moved-buffer", "server-echo,server-large", "server-large"},
        {"spin", "server-echo,server-idle-cpu", "server-idle-cpu"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char args[PATH_MAX + 300];
        snprintf(args, sizeof args,
                 "10 --seed %d --only '%s' --server '%s/build/selftest/bug_tls_loop %s {args}'",
                 121 + (int)i, rows[i].only, selftest_root(), rows[i].bug);
        selftest_expect_fresh("lab10", args, rows[i].failed, 2);
    }
}

/* The buggy servers, each on the checks it must lose and one it must keep. */
static void test_server_bugs(void)
{
    if (!selftest_have("python3")) {
        return;
    }
    static const struct {
        const char *bug;
        const char *only;
        const char *failed;
    } rows[] = {
        {"no-chain", "server-echo,server-chain", "server-chain"},
        {"no-chain", "server-echo,server-openssl", "server-openssl"},
        {"no-close-notify", "server-chain,server-echo", "server-echo"},
        {"no-min-version", "server-echo,server-min-version", "server-min-version"},
        {"serial", "server-echo,server-stalled", "server-stalled"},
        {"no-handshake-timeout", "server-echo,server-stalled", "server-stalled"},
        {"dies-on-plaintext", "server-echo,server-plaintext", "server-plaintext"},
        {"dies-on-reset", "server-echo,server-vanish", "server-vanish"},
        {"want-write-drop", "server-echo,server-large", "server-large"},
        {"old-versions", "server-echo,server-old-version", "server-old-version"},
        {"print-key", "server-echo,server-key-secret", "server-key-secret"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char args[PATH_MAX + 300];
        snprintf(args, sizeof args,
                 "10 --seed %d --only '%s' --server 'BUG=%s python3 "
                 "%s/grader/labs/10-tls/selftest/bug_tls_server.py {args}'",
                 112 + (int)i, rows[i].only, rows[i].bug, selftest_root());
        selftest_expect_fresh("lab10", args, rows[i].failed, 2);
    }
}

/* The buggy clients, each on the checks it must lose and one it must keep. */
static void test_bugs(void)
{
    if (!selftest_have("python3")) {
        return;
    }
    static const struct {
        const char *bug;
        const char *only;
        const char *failed;
        int ntests;
    } rows[] = {
        {"verify-off",
         "client-echo,client-expired,client-notyet,client-selfsigned,client-untrusted,"
         "client-incomplete,client-notca,client-purpose",
         "client-expired client-notyet client-selfsigned client-untrusted client-incomplete "
         "client-notca client-purpose",
         8},
        {"no-facts", "client-echo,client-facts", "client-facts", 2},
        {"no-hostname", "client-expired,client-wrongname", "client-wrongname", 2},
        {"no-sni", "client-ip,client-echo", "client-echo", 2},
        {"ip-as-name", "client-echo,client-ip", "client-ip", 2},
        {"no-reason", "client-echo,client-notca", "client-notca", 2},
        {"ragged-eof", "client-echo,client-truncated", "client-truncated", 2},
        {"no-min-version", "client-echo,client-min-version", "client-min-version", 2},
        {"no-timeout", "client-echo,client-timeout", "client-timeout", 2},
        {"old-versions", "client-echo,client-old-version", "client-old-version", 2},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char cmd[PATH_MAX + 64];
        char only[240];
        snprintf(cmd, sizeof cmd, "BUG=%s python3 %s/grader/labs/10-tls/selftest/bug_tls_client.py",
                 rows[i].bug, selftest_root());
        snprintf(only, sizeof only, "--only '%s'", rows[i].only);
        expect10(cmd, only, 103 + (int)i, rows[i].failed, rows[i].ntests);
    }
}

int register_lab10_tests(void)
{
    static const cu_test tests[] = {
        {"lab 10: the solution gets full marks", test_solution_full_marks},
        {"lab 10: the skeleton does not", test_skeleton_not_full},
        {"lab 10: the solution as a --client command", test_solution_as_command},
        {"lab 10: a client on Python's ssl module gets full marks", test_python_client},
        {"lab 10: buggy clients lose the checks for their bug", test_bugs},
        {"lab 10: a server on Python's ssl module gets full marks", test_python_server},
        {"lab 10: buggy servers lose the checks for their bug", test_server_bugs},
        {"lab 10: a write retried from a moved buffer, a loop that spins on WANT_READ",
         test_c_server_bugs},
        {NULL, NULL},
    };
    /* server-idle-cpu measures the server's own CPU time, which the load of
     * other suites does not raise: a correct server uses none, and one that
     * spins still gets far more than its 100 ms of a second. */
    return cu_add_suite("lab10", tests);
}
