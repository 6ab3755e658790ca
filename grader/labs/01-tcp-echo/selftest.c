/* selftest.c - lab 01's checks graded: the reference solution, the skeleton,
 * buggy servers and clients, and correct servers nobody on the team wrote.
 *
 * Every check must be shown to fail on a program with the bug it targets and
 * to pass on correct programs, ours and others. Each case runs bin/grade as a
 * student would, reads its JSON report back, and compares the set of failed
 * checks with the expected set exactly: a buggy server must lose points in
 * the check meant to catch it, and only there. */
#include "cu_run.h"
#include "tests/e2e/grade_run.h"
#include "engine/grader.h"
#include "os/proc.h"

#include <limits.h>
#include <stdlib.h>

static void grade(const char *args, run *r)
{
    selftest_grade(args, NULL, r);
}

static void expect_failures(const char *args, const char *want_failed, int want_ntests)
{
    selftest_expect(args, NULL, want_failed, want_ntests);
}

/* Lab 01 has 20 checks: 6 client checks and 14 server checks. */
#define LAB01_ALL 20
#define LAB01_SERVER 14
#define LAB01_CLIENT 6
#define LAB01_HIDDEN 1

static void test_solution_full_marks(void)
{
    selftest_full_marks("01", 1, LAB01_ALL);
}

static void test_skeleton_not_full(void)
{
    selftest_not_full("01-tcp-echo", "--seed 1", LAB01_ALL);
}

static void test_solution_sanitized(void)
{
    /* The reference solution, built with AddressSanitizer and UBSan (any
     * report aborts the program), still gets full marks. */
    char cmd[3 * PATH_MAX];
    snprintf(cmd, sizeof cmd,
             "cd '%s' && rm -rf build/sanitized && mkdir -p build/sanitized && "
             "cp -r solutions/01-tcp-echo build/sanitized/ && "
             "make -s -C build/sanitized/01-tcp-echo clean all SOCKLAB='%s' "
             "EXTRA_CFLAGS='-fsanitize=address,undefined -fno-sanitize-recover=all' "
             "EXTRA_LDFLAGS='-fsanitize=address,undefined' >/dev/null",
             selftest_root(), selftest_root());
    CU_ASSERT_EQUAL_FATAL(system(cmd), 0);
    expect_failures("01 --seed 41 --dir build/sanitized/01-tcp-echo", "", LAB01_ALL);
}

static void test_bug_cstring(void)
{
    expect_failures("01 --seed 11 --server 'build/selftest/bug_cstring {port}'",
                    "binary-safe large-payload", LAB01_SERVER);
}

static void test_bug_first_recv(void)
{
    expect_failures("01 --seed 12 --server 'build/selftest/bug_first_recv {port}'",
                    "many-messages byte-at-a-time large-payload half-close", LAB01_SERVER);
}

static void test_bug_partial_send(void)
{
    expect_failures("01 --seed 13 --server 'build/selftest/bug_partial_send {port}'",
                    "large-payload", LAB01_SERVER);
}

static void test_bug_sigpipe(void)
{
    expect_failures("01 --seed 14 --server 'build/selftest/bug_sigpipe {port}'", "peer-reset",
                    LAB01_SERVER);
}

static void test_bug_fd_leak(void)
{
    expect_failures("01 --seed 15 --server 'build/selftest/bug_fd_leak {port}'",
                    "half-close no-fd-leak peer-leaves", LAB01_SERVER);
}

static void test_bug_no_reuseaddr(void)
{
    expect_failures("01 --seed 16 --server 'build/selftest/bug_no_reuseaddr {port}'", "restart",
                    LAB01_SERVER);
}

static void test_bug_loopback_only(void)
{
    expect_failures("01 --seed 29 --server 'build/selftest/bug_loopback_only {port}'",
                    "every-address", LAB01_SERVER);
}

static void test_bug_one_client(void)
{
    expect_failures("01 --seed 19 --only clients-in-turn,no-fd-leak "
                    "--server 'build/selftest/bug_one_client {port}'",
                    "clients-in-turn no-fd-leak", 2);
}

static void test_bug_newline(void)
{
    expect_failures("01 --seed 17 --server 'build/selftest/bug_newline {port}'",
                    "byte-at-a-time large-payload half-close peer-leaves", LAB01_SERVER);
}

static void test_bug_clients(void)
{
    expect_failures("01 --seed 21 --client 'build/selftest/bug_client one-recv {host} {port}'",
                    "client-pieces client-long-line", LAB01_CLIENT);
    expect_failures("01 --seed 22 --client 'build/selftest/bug_client own-copy {host} {port}'",
                    "client-prints-reply", LAB01_CLIENT);
    expect_failures("01 --seed 23 --client 'build/selftest/bug_client quiet {host} {port}'",
                    "client-refused client-hangup", LAB01_CLIENT);
}

static void test_hidden_checks(void)
{
    /* Students' runs leave hidden checks out; instructors' runs include them. */
    expect_failures("01 --seed 24 --client 'build/selftest/bug_client cstring {host} {port}'", "",
                    LAB01_CLIENT);
    expect_failures("01 --seed 24 --instructor "
                    "--client 'build/selftest/bug_client cstring {host} {port}'",
                    "client-binary", LAB01_CLIENT + LAB01_HIDDEN);
    run r;
    grade("01 --seed 25 --solution --instructor", &r);
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_EQUAL(r.ntests, LAB01_ALL + LAB01_HIDDEN);
    free(r.outputs);
}

static void test_other_correct_servers(void)
{
    /* Correct echo servers nobody on the team wrote get full marks; socat,
     * whose command line is its own and not the guide's echo_server's,
     * loses start-errors alone. */
    expect_failures("01 --seed 31 --server 'socat TCP-LISTEN:{port},reuseaddr,fork EXEC:cat'",
                    "start-errors", LAB01_SERVER);
    if (system("command -v python3 >/dev/null 2>&1") == 0) {
        expect_failures(
            "01 --seed 32 --server 'python3 grader/tests/programs/echo_threaded.py {port}'", "",
            LAB01_SERVER);
    }
}

/* Correct servers in other languages, written from the guide. */
static void test_other_languages(void)
{
    if (selftest_have("node")) {
        expect_failures(
            "01 --seed 39 --server 'node grader/labs/01-tcp-echo/selftest/echo_server.js "
            "{port}'",
            "", LAB01_SERVER);
    }
}

/* ---- hints that follow the cause ------------------------------------------------- */

/* Grade ARGS, expect exactly want_failed, and every failed check's output
 * to show the cause-specific hint (words, once per failed check) instead of
 * the general one (not_words, when not NULL: never). */
static void expect_hint(const char *args, const char *want_failed, int want_ntests,
                        const char *words, const char *not_words)
{
    selftest_expect_hint(args, NULL, want_failed, want_ntests, words, not_words);
}

static void test_bug_peer_gone(void)
{
    /* Skips, without closing it, a client whose address it cannot get:
     * one that reset while it waited in the listen queue. */
    expect_hint("01 --seed 28 --server 'build/selftest/bug_peer_gone {port}'", "peer-leaves",
                LAB01_SERVER, "A client may be gone before accept() returns it", NULL);
}

static void test_hint_cstring(void)
{
    /* Stops at the NUL of binary-safe; skips ahead at every NUL of 4 MiB:
     * the C-string hint, not large-payload's about send(). */
    expect_hint("01 --seed 11 --only binary-safe,large-payload "
                "--server 'build/selftest/bug_cstring {port}'",
                "binary-safe large-payload", 2,
                "not a C string: the reply stopped or skipped ahead exactly at NUL bytes",
                "send() may send fewer bytes");
}

static void test_hint_first_recv(void)
{
    /* One recv(), one send(), close: the server hung up on a client that
     * was not done, which is not about send() or close(). */
    expect_hint("01 --seed 12 --only byte-at-a-time,large-payload,half-close "
                "--server 'build/selftest/bug_first_recv {port}'",
                "byte-at-a-time large-payload half-close", 3,
                "the server closed it before it had echoed everything the client sent",
                "send() may send fewer bytes");
}

static void test_hint_newline(void)
{
    expect_hint("01 --seed 17 --only byte-at-a-time,large-payload,half-close "
                "--server 'build/selftest/bug_newline {port}'",
                "byte-at-a-time large-payload half-close", 3,
                "Echo adds nothing: the reply holds a newline (\\n) the client never sent", NULL);
}

static void test_hint_general_kept(void)
{
    /* Where the bytes show no other cause, the general hint stands: bytes
     * lost to an unlooped send(); a server that never closes. */
    expect_hint("01 --seed 13 --only large-payload --server 'build/selftest/bug_partial_send "
                "{port}'",
                "large-payload", 1, "send() may send fewer bytes than asked", NULL);
    expect_hint("01 --seed 15 --only half-close --server 'build/selftest/bug_fd_leak {port}'",
                "half-close", 1, "When recv() returns 0 the client has finished sending", NULL);
}

static void test_hint_line_echo(void)
{
    /* A server that echoes whole lines loses what follows the last newline. */
    expect_hint("01 --seed 18 --server 'build/selftest/bug_line_echo {port}'",
                "large-payload half-close peer-leaves", LAB01_SERVER,
                "Echo bytes, not lines: the bytes after the last newline never came back", NULL);
}

static void test_start_errors(void)
{
    /* A server that starts the way the guide says gets the check's points;
     * one with one mistake in its start loses them, with the hint for what
     * the check saw (grader/tests/programs/bug_start.c). */
    expect_failures("01 --seed 51 --only start-errors --server 'build/selftest/bug_start ok 1 "
                    "{port}'",
                    "", 1);
    static const struct {
        const char *mode;
        const char *hint;
    } bugs[] = {
        {"atoi", "A bad PORT must be refused, not guessed at"},
        {"usage1", "2 for a usage error"},
        {"quiet", "2 for a usage error"},
        {"exit0", "A server that cannot bind its port cannot serve"},
        {"nobind", "A server that cannot bind its port cannot serve"},
        {"range", "A range includes its ends"},
    };
    for (size_t i = 0; i < sizeof bugs / sizeof bugs[0]; i++) {
        char args[256];
        snprintf(args, sizeof args,
                 "01 --seed 52 --only start-errors --server 'build/selftest/bug_start %s 1 "
                 "{port}'",
                 bugs[i].mode);
        expect_hint(args, "start-errors", 1, bugs[i].hint, NULL);
    }
}

static void test_hint_peer_reset(void)
{
    /* How the server ended says why: killed by SIGPIPE, or exited on one
     * client's error. */
    expect_hint("01 --seed 14 --only peer-reset --server 'build/selftest/bug_sigpipe {port}'",
                "peer-reset", 1, "it died of SIGPIPE", NULL);
    expect_hint("01 --seed 26 --server 'build/selftest/bug_exit_on_error {port}'",
                "peer-reset peer-leaves", LAB01_SERVER,
                "One client's error ends that client, not the server", "SIGPIPE");
}

static void test_hint_python_decode(void)
{
    /* The tutorial's data.decode(): its traceback, not the bytes, names it. */
    if (system("command -v python3 >/dev/null 2>&1") != 0) {
        return;
    }
    expect_hint("01 --seed 27 --server 'python3 grader/labs/01-tcp-echo/selftest/echo_decode.py "
                "{port}'",
                "binary-safe large-payload peer-reset", LAB01_SERVER,
                "Data is bytes, not text: the server's stderr shows a UnicodeDecodeError",
                "strcpy()");
    expect_hint("01 --seed 28 --instructor --client 'python3 "
                "grader/labs/01-tcp-echo/selftest/echo_client_text.py {host} {port}'",
                "client-binary", LAB01_CLIENT + LAB01_HIDDEN,
                "Data is bytes, not text: the client's stderr shows a Unicode", NULL);
}

int register_lab01_tests(void)
{
    static const cu_test tests[] = {
        {"lab 01: the solution gets full marks", test_solution_full_marks},
        {"lab 01: the skeleton does not", test_skeleton_not_full},
        {"lab 01: the solution under ASan and UBSan", test_solution_sanitized},
        {"lab 01: data as a C string", test_bug_cstring},
        {"lab 01: echoes only the first recv", test_bug_first_recv},
        {"lab 01: send() without a loop", test_bug_partial_send},
        {"lab 01: dies of SIGPIPE", test_bug_sigpipe},
        {"lab 01: never closes client sockets", test_bug_fd_leak},
        {"lab 01: listens on 127.0.0.1 only", test_bug_loopback_only},
        {"lab 01: skips a client that left in the queue, unclosed", test_bug_peer_gone},
        {"lab 01: no SO_REUSEADDR", test_bug_no_reuseaddr},
        {"lab 01: adds a newline", test_bug_newline},
        {"lab 01: serves one client and exits", test_bug_one_client},
        {"lab 01: buggy clients", test_bug_clients},
        {"lab 01: hidden checks", test_hidden_checks},
        {"lab 01: other correct servers get full marks", test_other_correct_servers},
        {"lab 01: a correct server in Node.js gets full marks", test_other_languages},
        {"lab 01: hint for data as a C string", test_hint_cstring},
        {"lab 01: hint for a server that hangs up early", test_hint_first_recv},
        {"lab 01: hint for an added newline", test_hint_newline},
        {"lab 01: the general hint where nothing else is clear", test_hint_general_kept},
        {"lab 01: echoes whole lines only, with its hint", test_hint_line_echo},
        {"lab 01: hints for SIGPIPE and for exiting on an error", test_hint_peer_reset},
        {"lab 01: servers that start wrong lose start-errors, with its hint", test_start_errors},
        {"lab 01: hints for Python's .decode() in a server and a client", test_hint_python_decode},
        {NULL, NULL},
    };
    return cu_add_suite("lab01", tests);
}
