/* selftest.c - lab 07's checks graded: the reference solution (with
 * AddressSanitizer, as bin/grade builds it, and with ThreadSanitizer for
 * the strategies with threads), the skeleton, a correct server on Python's
 * own socketserver module, and the classic bugs of a server framework.
 *
 * Each case runs bin/grade as a student would, reads its JSON report back
 * and compares the failed checks with the expected set exactly. The buggy
 * programs (selftest/bug_*.c) are the reference framework compiled with
 * one mistake each; a --server command with {args} plays all three echo
 * programs. */
#include "cu_run.h"
#include "tests/e2e/grade_run.h"
#include "text/strbuf.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

/* The checks a --server run grades (the black-box ones), and all. */
#define LAB07_ALL 23
#define LAB07_WITH_API 32

static void expect07(const char *args, const char *want_failed, int want_ntests)
{
    selftest_expect(args, NULL, want_failed, want_ntests);
}

static void test_solution_full_marks(void)
{
    selftest_full_marks("07", 1, LAB07_WITH_API);
}

static void test_skeleton_not_full(void)
{
    selftest_not_full("07-socketserver", "--seed 1 --only tcp-accepts", 1);
    selftest_not_full("07-socketserver", "--seed 1 --only 'api-*'", LAB07_WITH_API - LAB07_ALL);
}

/* The solution built with ThreadSanitizer: the thread and pool strategies
 * (and every other check) must pass with no report. */
static void test_solution_tsan(void)
{
    char dir[PATH_MAX];
    if (selftest_fresh_dir("tsan07", dir, sizeof dir) < 0) {
        CU_FAIL("cannot make a directory under build/tests");
        return;
    }
    gr_str cmd = {0};
    gr_str_add(&cmd, "cp -R");
    gr_str_add_word(&cmd, selftest_root());
    gr_str_add(&cmd, "/solutions/07-socketserver/.");
    gr_str_add_word(&cmd, dir);
    gr_str_add(&cmd, " && make -s -C");
    gr_str_add_word(&cmd, dir);
    gr_str_add(&cmd, " clean all SOCKLAB=");
    gr_str_add_quoted(&cmd, selftest_root());
    gr_str_add(&cmd, " EXTRA_CFLAGS='-fsanitize=thread -fno-omit-frame-pointer'"
                     " EXTRA_LDFLAGS=-fsanitize=thread >/dev/null");
    int built = system(gr_str_cstr(&cmd)) == 0;
    CU_ASSERT(built);
    gr_str_free(&cmd);
    if (built) {
        gr_str args = {0};
        gr_str_add(&args, "07 --seed 7 --server");
        gr_str cmdline = {0};
        gr_str_addf(&cmdline, "%s/{args}", dir);
        gr_str_add_word(&args, gr_str_cstr(&cmdline));
        expect07(gr_str_cstr(&args), "", LAB07_ALL);
        gr_str_free(&cmdline);
        gr_str_free(&args);
    }
    selftest_remove_dir(dir);
}

static void test_python_socketserver(void)
{
    if (selftest_have("python3")) {
        expect07("07 --seed 61 --server 'python3 "
                 "grader/labs/07-socketserver/selftest/echo_socketserver.py {args}'",
                 "", LAB07_ALL);
    }
}

/* ---- the framework's bugs ------------------------------------------------------ */

static void test_bug_reuse_and_close(void)
{
    expect07("07 --seed 62 --server 'build/selftest/bug_noreuse {args}' --only step1",
             "tcp-reuse-address", 3);
    expect07("07 --seed 63 --server 'build/selftest/bug_never_close {args}' --only tcp-accepts",
             "tcp-accepts", 1);
}

static void test_bug_datagrams_and_unix(void)
{
    expect07("07 --seed 64 --server 'build/selftest/bug_dgram_small {args}' "
             "--only udp-echo,unix-dgram-echo",
             "udp-echo unix-dgram-echo", 2);
    /* A name nobody finds: the server never seems to listen, so the checks
     * can only wait for the startup time; a shorter one says the same. */
    selftest_scale("0.2");
    expect07("07 --seed 65 --server 'build/selftest/bug_unix_len {args}' --only 'unix-*'",
             "unix-stream-echo unix-dgram-echo", 2);
    selftest_scale(NULL);
}

/* A server that never exits, a child never reaped, a client never served
 * are seen only by their silence: shorter waits say the same sooner. */
static void test_bug_shutdown(void)
{
    selftest_scale("0.5");
    expect07("07 --seed 66 --server 'build/selftest/bug_accept_blocks {args}' "
             "--only sigterm-idle,sigterm-drains",
             "sigterm-idle sigterm-drains", 2);
    expect07("07 --seed 67 --server 'build/selftest/bug_close_no_join {args}' "
             "--only sigterm-drains",
             "sigterm-drains", 1);
    selftest_scale(NULL);
}

static void test_bug_reaping(void)
{
    selftest_scale("0.5");
    expect07("07 --seed 68 --server 'build/selftest/bug_no_reap {args}' "
             "--only fork-no-zombies,sigterm-fork-drains",
             "fork-no-zombies sigterm-fork-drains", 2);
    selftest_scale(NULL);
}

/* ---- the framework used the wrong way ------------------------------------------- */

static void test_bug_strategies(void)
{
    selftest_scale("0.5");
    expect07("07 --seed 69 --server 'build/selftest/bug_program sequential {args}' "
             "--only '*-interleave'",
             "thread-interleave fork-interleave pool-interleave", 3);
    expect07("07 --seed 70 --server 'build/selftest/bug_program concurrent {args}' "
             "--only sync-in-turn",
             "sync-in-turn", 1);
    expect07("07 --seed 71 --server 'build/selftest/bug_program threads {args}' "
             "--only fork-children",
             "fork-children", 1);
    expect07("07 --seed 72 --server 'build/selftest/bug_program unbounded {args}' "
             "--only 'pool-*'",
             "pool-busy pool-threads", 3);
    selftest_scale(NULL);
}

static void test_bug_hooks(void)
{
    expect07("07 --seed 73 --server 'build/selftest/bug_program noverify {args}' "
             "--only 'verify-*'",
             "verify-deny verify-allow verify-udp", 3);
    expect07("07 --seed 74 --server 'build/selftest/bug_program error-stops {args}' "
             "--only error-goes-on",
             "error-goes-on", 1);
    expect07("07 --seed 75 --server 'build/selftest/bug_program fd-leak {args}' "
             "--only fds-constant",
             "fds-constant", 1);
    expect07("07 --seed 76 --server 'build/selftest/bug_program one-recv {args}' "
             "--only tcp-echo,unix-stream-echo",
             "tcp-echo unix-stream-echo", 2);
}

/* ---- bugs only the API tests see ------------------------------------------------ */

/* Grade, with only the API checks, a copy of the solution whose
 * socketserver.c is selftest/api/BUG.c: the reference framework with one
 * mistake injected. Exactly @p want_failed fails. */
static void expect_api_bug(const char *bug, const char *want_failed)
{
    char dir[PATH_MAX];
    if (selftest_fresh_dir("api07", dir, sizeof dir) < 0) {
        CU_FAIL("cannot make a directory under build/tests");
        return;
    }
    gr_str cmd = {0};
    gr_str_add(&cmd, "cp -R");
    gr_str_add_word(&cmd, selftest_root());
    gr_str_add(&cmd, "/solutions/07-socketserver/.");
    gr_str_add_word(&cmd, dir);
    gr_str_addf(&cmd, " && echo '#include \"%s/grader/labs/07-socketserver/selftest/api/%s.c\"' >",
                selftest_root(), bug);
    gr_str_add_word(&cmd, dir);
    gr_str_add(&cmd, "/socketserver.c");
    int made = system(gr_str_cstr(&cmd)) == 0;
    CU_ASSERT(made);
    gr_str_free(&cmd);
    if (made) {
        gr_str args = {0};
        gr_str_add(&args, "07 --seed 77 --only 'api-*' --dir");
        gr_str_add_word(&args, dir);
        expect07(gr_str_cstr(&args), want_failed, LAB07_WITH_API - LAB07_ALL);
        gr_str_free(&args);
    }
    selftest_remove_dir(dir);
}

static void test_api_bugs(void)
{
    expect_api_bug("bug_reap_all", "api-own-child");
    expect_api_bug("bug_bind_leak", "api-failed-bind");
    expect_api_bug("bug_no_timeout", "api-timeout");
    expect_api_bug("bug_no_error_hook", "api-handle-error");
    expect_api_bug("bug_no_finish", "api-finish");
}

/* A server that takes PORT through atoi() serves on the port the kernel
 * picks for atoi("") = 0 (grader/tests/programs/bug_start.c); one that
 * clamps its options serves with --threads 0. */
static void test_start_errors(void)
{
    selftest_expect("07 --seed 87 --only tcp-start-errors --server 'build/selftest/bug_start atoi "
                    "1 {port}'",
                    NULL, "tcp-start-errors", 1);
    /* The reference framework whose options are clamped into their ranges
     * (--threads 0 runs with 1): every PORT probe passes, --threads 0 not. */
    selftest_expect("07 --seed 88 --only tcp-start-errors --server 'build/selftest/bug_program "
                    "clamped {args}'",
                    NULL, "tcp-start-errors", 1);
}

int register_lab07_tests(void)
{
    static const cu_test tests[] = {
        {"lab 07: the solution gets full marks", test_solution_full_marks},
        {"lab 07: the solution under ThreadSanitizer gets full marks", test_solution_tsan},
        {"lab 07: the skeleton does not", test_skeleton_not_full},
        {"lab 07: a server on Python's socketserver gets full marks", test_python_socketserver},
        {"lab 07: no SO_REUSEADDR; connections never closed", test_bug_reuse_and_close},
        {"lab 07: datagrams cut; an abstract name with its padding", test_bug_datagrams_and_unix},
        {"lab 07: a loop blocked in accept(); close without joining", test_bug_shutdown},
        {"lab 07: children never reaped", test_bug_reaping},
        {"lab 07: strategies that serve the wrong way; an unbounded pool", test_bug_strategies},
        {"lab 07: verify ignored, an error that stops, a leak, one recv()", test_bug_hooks},
        {"lab 07: through the API: waitpid(-1), a leak on a failed bind, no timeout hook",
         test_api_bugs},
        {"lab 07: PORT through atoi(), options clamped into their ranges", test_start_errors},
        {NULL, NULL},
    };
    return cu_add_suite("lab07", tests);
}
