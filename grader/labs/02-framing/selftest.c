/* selftest.c - lab 02's checks graded: the reference solution, the
 * skeleton and the buggy file servers.
 *
 * Each case runs bin/grade as a student would, reads its JSON report back
 * and compares the failed checks with the expected set exactly. A --server
 * command runs where bin/grade runs, as an unprivileged user: each such run
 * gets a fresh, world-writable directory under build/tests, where the
 * server creates "received" (and where a server that lets names escape
 * would write). */
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
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Lab 02 has 13 checks: 9 server checks and 4 client checks. */
#define LAB02_ALL 13
#define LAB02_SERVER 9
#define LAB02_CLIENT 4

static void expect02(const char *option, const char *command, int seed, const char *want_failed,
                     int want_ntests)
{
    char args[PATH_MAX + 400];
    snprintf(args, sizeof args, "02 --seed %d %s '%s/%s'", seed, option, selftest_root(), command);
    char cwd[PATH_MAX + 64];
    CU_ASSERT_EQUAL_FATAL(selftest_fresh_dir("lab02", cwd, sizeof cwd), 0);
    selftest_expect(args, cwd, want_failed, want_ntests);
    selftest_remove_dir(cwd);
}

/* Grade a self-test server build/selftest/BIN. */
static void expect_server02(const char *bin, int seed, const char *want_failed)
{
    char command[200];
    snprintf(command, sizeof command, "build/selftest/%s {port} received", bin);
    expect02("--server", command, seed, want_failed, LAB02_SERVER);
}

/* Grade a server written in another language, from the guide: COMMAND is
 * run in a fresh directory, with ROOT in it standing for the kit's root. */
static void expect_other02(const char *interpreter, const char *script, int seed,
                           const char *want_failed)
{
    if (!selftest_have(interpreter)) {
        return;
    }
    char args[PATH_MAX + 400];
    snprintf(args, sizeof args, "02 --seed %d --server '%s %s/%s {port} received'", seed,
             interpreter, selftest_root(), script);
    char cwd[PATH_MAX + 64];
    CU_ASSERT_EQUAL_FATAL(selftest_fresh_dir("lab02", cwd, sizeof cwd), 0);
    selftest_expect(args, cwd, want_failed, LAB02_SERVER);
    selftest_remove_dir(cwd);
}

static void test_other_languages(void)
{
    expect_other02("python3", "grader/labs/02-framing/selftest/file_server.py", 40, "");
}

static void test_solution_full_marks(void)
{
    selftest_full_marks("02", 1, LAB02_ALL);
}

static void test_solution_as_command(void)
{
    expect02("--server", "solutions/02-framing/file_server {port} received", 4, "", LAB02_SERVER);
    expect02("--client", "solutions/02-framing/file_send {host} {port} upload.bin", 5, "",
             LAB02_CLIENT);
}

static void test_skeleton_not_full(void)
{
    selftest_not_full("02-framing", "--seed 1", LAB02_ALL);
}

static void test_bug_seed(void)
{
    expect_server02("bug_file_seed", 61,
                    "header-pieces hostile-names bad-sizes disconnect-mid-body");
}

static void test_bug_direct(void)
{
    expect_server02("bug_file_direct", 62, "disconnect-mid-body");
}

static void test_bug_memory(void)
{
    expect_server02("bug_file_memory", 63, "large-file");
}

static void test_bug_client(void)
{
    expect02("--client", "build/selftest/bug_file_send {host} {port} upload.bin", 64,
             "client-slow-ack client-err client-no-done", LAB02_CLIENT);
}

int register_lab02_tests(void)
{
    static const cu_test tests[] = {
        {"lab 02: the solution gets full marks", test_solution_full_marks},
        {"lab 02: a correct server in Python gets full marks", test_other_languages},
        {"lab 02: the solution as --server and --client commands", test_solution_as_command},
        {"lab 02: the skeleton does not", test_skeleton_not_full},
        {"lab 02: the seed's receiver (one recv, no name checks)", test_bug_seed},
        {"lab 02: writes straight to NAME", test_bug_direct},
        {"lab 02: reads the body into memory", test_bug_memory},
        {"lab 02: a client that never waits for a reply", test_bug_client},
        {NULL, NULL},
    };
    return cu_add_suite("lab02", tests);
}
