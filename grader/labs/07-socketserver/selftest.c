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
#include <sys/stat.h>
#include <sys/wait.h>

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

/* Copy the solution into @p dir and build @p targets there with @p flags
 * (make variables, or ""). Returns 0, or -1. */
static int build_solution(const char *dir, const char *targets, const char *flags)
{
    gr_str cmd = {0};
    gr_str_add(&cmd, "cp -R");
    gr_str_add_word(&cmd, selftest_root());
    gr_str_add(&cmd, "/solutions/07-socketserver/.");
    gr_str_add_word(&cmd, dir);
    gr_str_add(&cmd, " && make -s -C");
    gr_str_add_word(&cmd, dir);
    gr_str_addf(&cmd, " clean %s %s SOCKLAB=", targets, flags);
    gr_str_add_quoted(&cmd, selftest_root());
    gr_str_add(&cmd, " >/dev/null");
    int rc = system(gr_str_cstr(&cmd)) == 0 ? 0 : -1;
    gr_str_free(&cmd);
    return rc;
}

/* What a ThreadSanitizer program in @p dir is run with: "" or, on a kernel
 * whose address-space randomisation leaves TSan no room ("unexpected
 * memory mapping"), "setarch ARCH -R " (randomisation off). */
static const char *tsan_prefix(const char *dir)
{
    gr_str cmd = {0};
    gr_str_add(&cmd, "cd");
    gr_str_add_word(&cmd, dir);
    gr_str_add(&cmd, " && SOCKLAB_SUITE=api-address ./test_socketserver 2>&1 |"
                     " grep -q 'unexpected memory mapping'");
    int needs = system(gr_str_cstr(&cmd)) == 0;
    gr_str_free(&cmd);
    return needs ? "setarch \"$(uname -m)\" -R " : "";
}

/* The API tests against the framework built with ThreadSanitizer: every
 * suite passes (the thread and pool strategies among them) with no
 * report; the log is shown when not. */
static void tsan_api_tests(const char *dir, const char *prefix)
{
    gr_str cmd = {0};
    gr_str_add(&cmd, "cd");
    gr_str_add_word(&cmd, dir);
    gr_str_addf(&cmd,
                " && { %s./test_socketserver >tsan.log 2>&1; rc=$?;"
                " ! grep -q 'WARNING: ThreadSanitizer' tsan.log || rc=66;"
                " [ $rc = 0 ] || sed 's/^/    /' tsan.log >&2; exit $rc; }",
                prefix);
    int status = system(gr_str_cstr(&cmd));
    CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    gr_str_free(&cmd);
}

/* The solution built with ThreadSanitizer: the thread and pool strategies
 * (and every other check) must pass with no report, on the wire and
 * through the API. */
static void test_solution_tsan(void)
{
    char dir[PATH_MAX];
    if (selftest_fresh_dir("tsan07", dir, sizeof dir) < 0) {
        CU_FAIL("cannot make a directory under build/tests");
        return;
    }
    int built = build_solution(dir, "all test_socketserver",
                               "EXTRA_CFLAGS='-fsanitize=thread -fno-omit-frame-pointer'"
                               " EXTRA_LDFLAGS=-fsanitize=thread") == 0;
    CU_ASSERT(built);
    if (built) {
        const char *prefix = tsan_prefix(dir);
        tsan_api_tests(dir, prefix);
        gr_str args = {0};
        gr_str_add(&args, "07 --seed 7 --server");
        gr_str cmdline = {0};
        gr_str_addf(&cmdline, "%s%s/{args}", prefix, dir);
        gr_str_add_word(&args, gr_str_cstr(&cmdline));
        expect07(gr_str_cstr(&args), "", LAB07_ALL);
        gr_str_free(&cmdline);
        gr_str_free(&args);
    }
    selftest_remove_dir(dir);
}

/* Valgrind ran (its logs, one per process, are in @p logs) and said
 * nothing (-q: only errors); what it said is shown. Returns 1 if quiet. */
static int valgrind_quiet(const char *logs)
{
    gr_str cmd = {0};
    gr_str_add(&cmd, "cd");
    gr_str_add_word(&cmd, logs);
    gr_str_add(&cmd, " && ls vg.*.log >/dev/null && ! grep -q . vg.*.log ||"
                     " { sed 's/^/    /' vg.*.log >&2; exit 1; }");
    int quiet = system(gr_str_cstr(&cmd)) == 0;
    gr_str_free(&cmd);
    return quiet;
}

/* The solution's echo programs under valgrind (built without sanitizers):
 * every family, every strategy and a clean close, with no error and no
 * block definitely lost, in the parent or in a child. Valgrind's slowness
 * gets deadlines three times as long. */
static void test_solution_valgrind(void)
{
    char dir[PATH_MAX];
    if (!selftest_have("valgrind") || selftest_fresh_dir("vg07", dir, sizeof dir) < 0) {
        return;
    }
    int built = build_solution(dir, "all", "") == 0;
    CU_ASSERT(built);
    gr_str logs = {0};
    gr_str_addf(&logs, "%s/vg", dir);
    if (built && mkdir(gr_str_cstr(&logs), 01777) == 0 && chmod(gr_str_cstr(&logs), 01777) == 0) {
        gr_str args = {0};
        gr_str_add(&args, "07 --seed 8 --only 'tcp-echo,unix-dgram-echo,*-interleave,"
                          "sigterm-drains' --server");
        gr_str cmdline = {0};
        gr_str_addf(&cmdline,
                    "valgrind -q --leak-check=full --errors-for-leak-kinds=definite "
                    "--log-file=%s/vg.%%p.log %s/{args}",
                    gr_str_cstr(&logs), dir);
        gr_str_add_word(&args, gr_str_cstr(&cmdline));
        selftest_scale("3");
        expect07(gr_str_cstr(&args), "", 6);
        selftest_scale(NULL);
        CU_ASSERT(valgrind_quiet(gr_str_cstr(&logs)));
        gr_str_free(&cmdline);
        gr_str_free(&args);
    }
    gr_str_free(&logs);
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
 * are seen only by their silence: shorter waits say the same sooner. Each
 * failed check gives the hint for the cause it saw. */
static void test_bug_shutdown(void)
{
    selftest_scale("0.5");
    selftest_expect_hint("07 --seed 66 --server 'build/selftest/bug_accept_blocks {args}' "
                         "--only sigterm-idle,sigterm-drains",
                         NULL, "sigterm-idle sigterm-drains", 2, "The loop is blocked in accept()",
                         "A shutdown must wake the loop");
    selftest_expect_hint("07 --seed 67 --server 'build/selftest/bug_close_no_join {args}' "
                         "--only sigterm-drains",
                         NULL, "sigterm-drains", 1, "A shutdown lets requests in flight finish",
                         NULL);
    selftest_scale(NULL);
}

/* SIGTERM gone wrong in four ways, each with its own hint: no handler
 * (killed), a handler that waits for the loop it interrupted (deadlock,
 * seen in /proc: the main thread in a futex, SIGTERM blocked), poll()'s
 * EINTR taken for an error (exit 1, the server says why), and the close
 * that waits for the request in flight before it closes the socket. */
static void test_hint_sigterm(void)
{
    selftest_expect_hint("07 --seed 78 --server 'build/selftest/bug_signals no-handler {args}' "
                         "--only sigterm-idle",
                         NULL, "sigterm-idle", 1, "SIGTERM's default action kills the process",
                         NULL);
    selftest_expect_hint("07 --seed 79 --server 'build/selftest/bug_eintr {args}' "
                         "--only sigterm-idle",
                         NULL, "sigterm-idle", 1, "poll() returns -1 with errno EINTR", NULL);
    selftest_scale("0.5");
    selftest_expect_hint("07 --seed 80 --server 'build/selftest/bug_signals in-handler {args}' "
                         "--only sigterm-idle",
                         NULL, "sigterm-idle", 1, "The SIGTERM handler never returns",
                         "A shutdown must wake the loop");
    selftest_expect_hint("07 --seed 81 --server 'build/selftest/bug_close_late {args}' "
                         "--only 'sigterm-*'",
                         NULL, "sigterm-drains", 3, "the close waits for a thread",
                         "A shutdown must wake the loop");
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

/* A failed request that ends the server; a pool that is a thread per
 * request, and one that refuses without a word: each with its hint. */
static void test_hint_error_and_pool(void)
{
    selftest_expect_hint("07 --seed 82 --server 'build/selftest/bug_program error-stops {args}' "
                         "--only error-goes-on",
                         NULL, "error-goes-on", 1, "The server exited after one failed request",
                         NULL);
    selftest_scale("0.5");
    selftest_expect_hint("07 --seed 83 --server 'build/selftest/bug_program unbounded {args}' "
                         "--only pool-busy",
                         NULL, "pool-busy", 1, "This server has a thread per client", NULL);
    selftest_expect_hint("07 --seed 84 --server 'build/selftest/bug_program no-busy {args}' "
                         "--only pool-busy",
                         NULL, "pool-busy", 1, "The request was refused, but without a word", NULL);
    selftest_scale(NULL);
}

/* ---- bugs only the API tests see ------------------------------------------------ */

/* Grade, with only the API checks, a copy of the solution whose
 * socketserver.c is selftest/api/BUG.c: the reference framework with one
 * mistake injected. Exactly @p want_failed fails. The mistakes are in the
 * logic, which no sanitizer sees: built without them, the copy builds in
 * half the time (the reference's sanitizer builds are graded above). */
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
        gr_str_add(&args, "07 --seed 77 --only 'api-*' --no-sanitize --dir");
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

static void test_api_bugs_address_shutdown_echo(void)
{
    expect_api_bug("bug_port_zero", "api-address");
    expect_api_bug("bug_stop_cleared", "api-shutdown-start");
    expect_api_bug("bug_no_wakeup", "api-shutdown-thread");
    expect_api_bug("bug_dgram_addrlen", "api-echo");
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
        {"lab 07: the solution under ThreadSanitizer: full marks, and the API tests pass",
         test_solution_tsan},
        {"lab 07: the solution's echo programs under valgrind: no error, no leak",
         test_solution_valgrind},
        {"lab 07: the skeleton does not", test_skeleton_not_full},
        {"lab 07: a server on Python's socketserver gets full marks", test_python_socketserver},
        {"lab 07: no SO_REUSEADDR; connections never closed", test_bug_reuse_and_close},
        {"lab 07: datagrams cut; an abstract name with its padding", test_bug_datagrams_and_unix},
        {"lab 07: a loop blocked in accept(); close without joining", test_bug_shutdown},
        {"lab 07: hints for SIGTERM: no handler, a handler that waits, EINTR, the socket "
         "closed last",
         test_hint_sigterm},
        {"lab 07: children never reaped", test_bug_reaping},
        {"lab 07: strategies that serve the wrong way; an unbounded pool", test_bug_strategies},
        {"lab 07: verify ignored, an error that stops, a leak, one recv()", test_bug_hooks},
        {"lab 07: hints for an error that ends the server, a pool that is no pool or never "
         "says BUSY",
         test_hint_error_and_pool},
        {"lab 07: through the API: waitpid(-1), a leak on a failed bind, no timeout hook",
         test_api_bugs},
        {"lab 07: through the API: port 0 kept, a shutdown lost, no wake-up, a Unix reply "
         "that never leaves",
         test_api_bugs_address_shutdown_echo},
        {"lab 07: PORT through atoi(), options clamped into their ranges", test_start_errors},
        {NULL, NULL},
    };
    return cu_add_suite("lab07", tests);
}
