/* test_engine.c - the engine's own behaviour, seen as users see it: through
 * bin/grade and its JSON report, with lab 01 as the vehicle. A crash is
 * named with the server's last words, a sanitizer report fails the check, a
 * server that never listens is given up on quickly, a slow starter is
 * waited for, a chatty one is drained, and the command line keeps its
 * contract. */
#include "cu_run.h"
#include "tests/e2e/grade_run.h"

#include <limits.h>
#include <stdlib.h>

/* Lab 01's server and client checks, counted from its table. */
#define LAB01_SERVER selftest_lab_count("01", ST_SERVER_CHECKS)
#define LAB01_CLIENT selftest_lab_count("01", ST_CLIENT_CHECKS)

static void grade(const char *args, run *r)
{
    selftest_grade(args, NULL, r);
}

static void expect_failures(const char *args, const char *want_failed, int want_ntests)
{
    selftest_expect(args, NULL, want_failed, want_ntests);
}

static void test_crash_is_named(void)
{
    run r;
    grade("01 --seed 18 --server 'build/selftest/bug_crash {port}'", &r);
    /* peer-reset sends random bytes too, so it meets the crash as well. */
    CU_ASSERT_STRING_EQUAL(r.failed, "binary-safe large-payload peer-reset");
    /* The report names the signal and shows the server's last words. */
    CU_ASSERT_PTR_NOT_NULL(r.outputs != NULL ? strstr(r.outputs, "SIGSEGV") : NULL);
    CU_ASSERT_PTR_NOT_NULL(r.outputs != NULL ? strstr(r.outputs, "bug_crash: about to crash")
                                             : NULL);
    free(r.outputs);
}

static void test_sanitizer_report(void)
{
    /* A submission whose server writes past a heap buffer: the grader builds
     * it with AddressSanitizer, and the report fails the check and is shown.
     * With --no-sanitize the same code passes: the bug stays hidden. */
    char cmd[3 * PATH_MAX];
    snprintf(cmd, sizeof cmd,
             "cd '%s' && rm -rf build/tests/overflow && mkdir -p build/tests/overflow && "
             "cp solutions/01-tcp-echo/Makefile solutions/01-tcp-echo/echo_client.c "
             "grader/tests/programs/selftest_server.h build/tests/overflow/ && "
             "cp grader/tests/programs/bug_overflow.c build/tests/overflow/echo_server.c",
             selftest_root());
    CU_ASSERT_EQUAL_FATAL(system(cmd), 0);
    run r;
    grade("01 --seed 42 --only accept,echo-text --dir build/tests/overflow", &r);
    CU_ASSERT_STRING_EQUAL(r.failed, "accept echo-text");
    CU_ASSERT_PTR_NOT_NULL(r.outputs != NULL ? strstr(r.outputs, "heap-buffer-overflow") : NULL);
    CU_ASSERT_PTR_NOT_NULL(r.outputs != NULL ? strstr(r.outputs, "sanitizer") : NULL);
    free(r.outputs);
    expect_failures("01 --seed 42 --only accept,echo-text --no-sanitize --dir build/tests/overflow",
                    "", 2);
    snprintf(cmd, sizeof cmd, "rm -rf '%s/build/tests/overflow'", selftest_root());
    CU_ASSERT_EQUAL(system(cmd), 0);
}

static void test_crash_and_sanitizer_hints(void)
{
    /* A crash, and a sanitizer's report, are causes the check's own hint
     * does not name: each failed check shows the hint for them. */
    run r;
    grade("01 --seed 18 --server 'build/selftest/bug_crash {port}'", &r);
    CU_ASSERT_STRING_EQUAL(r.failed, "binary-safe large-payload peer-reset");
    CU_ASSERT_EQUAL(selftest_count(r.outputs, "must not crash on what a client sends: it was "
                                              "killed by SIGSEGV"),
                    3);
    free(r.outputs);
    /* SIGPIPE has a hint of its own: a write to a client that went away. */
    grade("01 --seed 18 --server 'BUG_SIGNAL=PIPE build/selftest/bug_crash {port}'", &r);
    CU_ASSERT_STRING_EQUAL(r.failed, "binary-safe large-payload peer-reset");
    CU_ASSERT_EQUAL(selftest_count(r.outputs, "it died of SIGPIPE"), 3);
    free(r.outputs);
    char cmd[3 * PATH_MAX];
    snprintf(cmd, sizeof cmd,
             "cd '%s' && rm -rf build/tests/overflow-hint && mkdir -p build/tests/overflow-hint && "
             "cp solutions/01-tcp-echo/Makefile solutions/01-tcp-echo/echo_client.c "
             "grader/tests/programs/selftest_server.h build/tests/overflow-hint/ && "
             "cp grader/tests/programs/bug_overflow.c build/tests/overflow-hint/echo_server.c",
             selftest_root());
    CU_ASSERT_EQUAL_FATAL(system(cmd), 0);
    grade("01 --seed 42 --only accept,echo-text --dir build/tests/overflow-hint", &r);
    CU_ASSERT_STRING_EQUAL(r.failed, "accept echo-text");
    CU_ASSERT_EQUAL(selftest_count(r.outputs, "Stay inside the buffer: AddressSanitizer saw"), 2);
    free(r.outputs);
    snprintf(cmd, sizeof cmd, "rm -rf '%s/build/tests/overflow-hint'", selftest_root());
    CU_ASSERT_EQUAL(system(cmd), 0);
}

static void test_never_listens(void)
{
    /* A server that never listens fails every check, quickly: after the first
     * startup deadline the others are skipped. Deadlines scaled down to 0.2. */
    run r;
    setenv("SOCKLAB_TIMEOUT_SCALE", "0.2", 1);
    grade("01 --seed 19 --server 'sleep 876543; echo {port}'", &r);
    unsetenv("SOCKLAB_TIMEOUT_SCALE");
    CU_ASSERT_EQUAL(r.status, 1);
    CU_ASSERT_EQUAL(r.score, 0);
    CU_ASSERT_EQUAL(r.ntests, LAB01_SERVER);
    CU_ASSERT(r.seconds < 30);
    CU_ASSERT_PTR_NOT_NULL(r.outputs != NULL ? strstr(r.outputs, "did not listen") : NULL);
    CU_ASSERT_EQUAL(selftest_leftovers(), 0);
    free(r.outputs);
}

static void test_slow_start(void)
{
    /* A server that needs 2 s before it listens is waited for. */
    expect_failures("01 --seed 34 --only accept,echo-text --server 'sleep 2; exec "
                    "build/selftest/ok_chatty {port}'",
                    "", 2);
}

static void test_contract(void)
{
    run r;
    grade("01 --solution --only 'step1' --seed 5", &r);
    CU_ASSERT_EQUAL(r.ntests, LAB01_CLIENT);
    CU_ASSERT_EQUAL(r.status, 0);
    free(r.outputs);
    /* Usage errors exit 2 and write no report. */
    char cmd[PATH_MAX + 128];
    snprintf(cmd, sizeof cmd, "'%s/bin/grade' >/dev/null 2>&1", selftest_root());
    CU_ASSERT_EQUAL(WEXITSTATUS(system(cmd)), 2);
    snprintf(cmd, sizeof cmd, "'%s/bin/grade' 99 >/dev/null 2>&1", selftest_root());
    CU_ASSERT_EQUAL(WEXITSTATUS(system(cmd)), 2);
    snprintf(cmd, sizeof cmd, "'%s/bin/grade' 01 --server 'no-port-here' >/dev/null 2>&1",
             selftest_root());
    CU_ASSERT_EQUAL(WEXITSTATUS(system(cmd)), 2);
    snprintf(cmd, sizeof cmd, "'%s/bin/grade' 01 --only nothing-matches >/dev/null 2>&1",
             selftest_root());
    CU_ASSERT_EQUAL(WEXITSTATUS(system(cmd)), 2);
    snprintf(cmd, sizeof cmd, "'%s/bin/grade' 01 --seed -4 >/dev/null 2>&1", selftest_root());
    CU_ASSERT_EQUAL(WEXITSTATUS(system(cmd)), 2);
    snprintf(cmd, sizeof cmd, "'%s/bin/grade' --help >/dev/null 2>&1", selftest_root());
    CU_ASSERT_EQUAL(WEXITSTATUS(system(cmd)), 0);
    snprintf(cmd, sizeof cmd, "'%s/bin/grade' tcp-echo --list | grep -q no-fd-leak",
             selftest_root());
    CU_ASSERT_EQUAL(WEXITSTATUS(system(cmd)), 0);
}

/* A server that logs a line for every byte it receives still passes: its
 * output is drained all the time. */
static void test_chatty_server(void)
{
    expect_failures("01 --seed 33 --server 'build/selftest/ok_chatty {port}'", "", LAB01_SERVER);
}

/* A server under /tmp is found: the sandbox's private /tmp must not hide a
 * path the command names. */
static void test_command_under_tmp(void)
{
    char cmd[3 * PATH_MAX];
    char dir[] = "/tmp/socklab-test-XXXXXX";
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    snprintf(cmd, sizeof cmd, "chmod 755 '%s' && cp '%s/solutions/01-tcp-echo/echo_server' '%s/'",
             dir, selftest_root(), dir);
    CU_ASSERT_EQUAL_FATAL(system(cmd), 0);
    snprintf(cmd, sizeof cmd,
             "01 --seed 35 --only accept,echo-text --server '%s/echo_server {port}'", dir);
    expect_failures(cmd, "", 2);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CU_ASSERT_EQUAL(system(cmd), 0);
}

/* A command that cannot run is said once, up front; each check then fails
 * with one line, at once, and nothing is started. */
static void test_command_cannot_run(void)
{
    static const struct {
        const char *cmd;
        const char *says;
    } cases[] = {
        {"no-such-program-here {port}", "command not found"},
        {"python3 no-such-script.py {port}", "no-such-script.py: No such file or directory"},
        {"grader/README.md {port}", "is not executable"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char args[512];
        snprintf(args, sizeof args, "01 --seed 36 --server '%s'", cases[i].cmd);
        run r;
        grade(args, &r);
        CU_ASSERT_EQUAL(r.status, 1);
        CU_ASSERT_EQUAL(r.score, 0);
        CU_ASSERT_EQUAL(r.ntests, LAB01_SERVER);
        CU_ASSERT(r.seconds < 10);
        CU_EXPECT(r.outputs != NULL && strstr(r.outputs, cases[i].says) != NULL, __LINE__,
                  "%s: the report does not say \"%s\"", cases[i].cmd, cases[i].says);
        /* One line per check, no hint or replay: the reason was said once. */
        CU_ASSERT_PTR_NULL(r.outputs != NULL ? strstr(r.outputs, "hint:") : NULL);
        CU_ASSERT_EQUAL(selftest_leftovers(), 0);
        free(r.outputs);
    }
}

/* One program that does not compile does not sink the others: the client
 * checks of a lab whose server has a syntax error still run. */
static void test_one_program_does_not_build(void)
{
    char cmd[3 * PATH_MAX];
    snprintf(
        cmd, sizeof cmd,
        "cd '%s' && rm -rf build/tests/halfbuilt && mkdir -p build/tests/halfbuilt && "
        "cp solutions/01-tcp-echo/Makefile solutions/01-tcp-echo/*.c build/tests/halfbuilt/ && "
        "echo 'int broken(void) { return 0 }' >>build/tests/halfbuilt/echo_server.c",
        selftest_root());
    CU_ASSERT_EQUAL_FATAL(system(cmd), 0);
    run r;
    grade("01 --seed 37 --dir build/tests/halfbuilt", &r);
    /* Every server check fails, every client check passes. */
    CU_ASSERT_STRING_EQUAL(r.failed, selftest_lab_server_checks("01"));
    CU_ASSERT_EQUAL(r.score, selftest_lab_count("01", ST_CLIENT_POINTS));
    CU_ASSERT_PTR_NOT_NULL(r.outputs != NULL ? strstr(r.outputs, "the build failed:") : NULL);
    CU_ASSERT_PTR_NOT_NULL(r.outputs != NULL ? strstr(r.outputs, "echo_server was not built")
                                             : NULL);
    free(r.outputs);
    snprintf(cmd, sizeof cmd, "rm -rf '%s/build/tests/halfbuilt'", selftest_root());
    CU_ASSERT_EQUAL(system(cmd), 0);
}

/* The self-tests' skeleton is the one the kit ships, not a student's work:
 * in a repository where labs/ was changed (committed, and again in the
 * working tree) after the kit's last change to the lab, the copy still has
 * the kit's version. */
static void test_skeleton_is_the_shipped_one(void)
{
    char repo[PATH_MAX];
    CU_ASSERT_EQUAL_FATAL(selftest_fresh_dir("repo", repo, sizeof repo), 0);
    char cmd[4 * PATH_MAX];
    snprintf(cmd, sizeof cmd,
             "cd '%s' && git init -q && git config user.email t@t && git config user.name t && "
             "mkdir -p grader/labs/09-x labs/09-x && echo check >grader/labs/09-x/checks.c && "
             "echo skeleton >labs/09-x/x.c && git add -A && git commit -qm kit && "
             "echo 'work, committed' >labs/09-x/x.c && git commit -qam student && "
             "echo 'work, not committed' >labs/09-x/x.c",
             repo);
    CU_ASSERT_EQUAL_FATAL(system(cmd), 0);
    char dir[PATH_MAX];
    CU_ASSERT_EQUAL(selftest_skeleton_from(repo, "09-x", dir, sizeof dir), 0);
    snprintf(cmd, sizeof cmd, "grep -qx skeleton '%s/09-x/x.c'", dir);
    CU_ASSERT_EQUAL(system(cmd), 0);
    selftest_remove_dir(dir);
    selftest_remove_dir(repo);
}

/* Grading twice in a row in one directory gives the same verdict: what the
 * first run's server made there (lab 02's received/) belongs to the first
 * run's user, and the second run's user must still write there. */
static void test_graded_twice_in_one_directory(void)
{
    char dir[PATH_MAX];
    CU_ASSERT_EQUAL_FATAL(selftest_fresh_dir("twice", dir, sizeof dir), 0);
    char args[2 * PATH_MAX];
    snprintf(args, sizeof args,
             "02 --seed 38 --only upload-small --server "
             "'%s/solutions/02-framing/file_server {port} received'",
             selftest_root());
    for (int i = 1; i <= 2; i++) {
        selftest_forget();
        selftest_expect(args, dir, "", 1);
    }
    selftest_remove_dir(dir);
}

int register_engine_tests(void)
{
    static const cu_test tests[] = {
        {"a crash is named, with the server's stderr", test_crash_is_named},
        {"a sanitizer report fails the check", test_sanitizer_report},
        {"a crash and a sanitizer report give their own hints", test_crash_and_sanitizer_hints},
        {"a server that never listens", test_never_listens},
        {"a server that starts slowly", test_slow_start},
        {"a server that prints a line per byte", test_chatty_server},
        {"bin/grade: selection and usage errors", test_contract},
        {"a server under /tmp is found", test_command_under_tmp},
        {"a command that cannot run is said once", test_command_cannot_run},
        {"one program that does not build does not sink the others",
         test_one_program_does_not_build},
        {"the self-tests' skeleton is the one the kit ships", test_skeleton_is_the_shipped_one},
        {"graded twice in one directory, the same verdict", test_graded_twice_in_one_directory},
        {NULL, NULL},
    };
    return cu_add_suite("engine", tests);
}
