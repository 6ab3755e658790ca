/* test_lab02.c - lab 02's checks graded: the reference solution, the
 * skeleton and the buggy file servers.
 *
 * Each case runs bin/grade as a student would, reads its JSON report back
 * and compares the failed checks with the expected set exactly. A --server
 * command runs where bin/grade runs, as an unprivileged user: each such run
 * gets a fresh, world-writable directory under build/tests, where the
 * server creates "received" (and where a server that lets names escape
 * would write). */
#include "cu_run.h"
#include "grader.h"
#include "proc.h"

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

static char root[PATH_MAX];

typedef struct lab02_run {
    int lr_status; /* exit status of bin/grade, -1 if it did not exit */
    int lr_score;
    int lr_max_score;
    int lr_ntests;
    char lr_failed[512]; /* names of failed checks in run order, space-separated */
} lab02_run;

/* Run bin/grade with extra arguments (already shell-quoted) in a fresh
 * directory (with a --server command) or in the root, and read its report. */
static void grade02(const char *args, int fresh_dir, lab02_run *r)
{
    static int runs;
    memset(r, 0, sizeof *r);
    r->lr_status = -1;
    char cwd[PATH_MAX + 64];
    snprintf(cwd, sizeof cwd, "%s", root);
    if (fresh_dir) {
        snprintf(cwd, sizeof cwd, "%s/build/tests/lab02-%d-%d", root, (int)getpid(), ++runs);
        char rm[PATH_MAX + 80];
        snprintf(rm, sizeof rm, "rm -rf '%s'", cwd);
        if (system(rm) != 0 || mkdir(cwd, 0777) < 0 || chmod(cwd, 0777) < 0) {
            return;
        }
    }
    char json[PATH_MAX + 64];
    snprintf(json, sizeof json, "%s/build/tests/lab02-%d.json", root, (int)getpid());
    char cmd[3 * PATH_MAX + 512];
    snprintf(cmd, sizeof cmd, "'%s/bin/grade' %s --format json --output '%s' >/dev/null 2>&1",
             root, args, json);
    gr_proc p;
    memset(&p, 0, sizeof p);
    gr_spawn_opts so = {.so_cwd = cwd};
    if (gr_proc_spawn(&p, cmd, &so, NULL) < 0) {
        return;
    }
    int done = gr_proc_wait(&p, 300000);
    gr_proc_stop(&p, 1000);
    if (done && WIFEXITED(p.pr_status)) {
        r->lr_status = WEXITSTATUS(p.pr_status);
    }
    gr_proc_free(&p);
    if (fresh_dir) {
        char rm[PATH_MAX + 80];
        snprintf(rm, sizeof rm, "rm -rf '%s'", cwd);
        (void)system(rm);
    }

    json_error_t jerr;
    json_t *doc = json_load_file(json, 0, &jerr);
    unlink(json);
    if (doc == NULL) {
        fprintf(stderr, "lab02: no JSON report from: %s\n", cmd);
        return;
    }
    r->lr_score = (int)json_integer_value(json_object_get(doc, "score"));
    r->lr_max_score = (int)json_integer_value(json_object_get(doc, "max_score"));
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(doc, "tests"), i, t)
    {
        r->lr_ntests++;
        const char *status = json_string_value(json_object_get(t, "status"));
        if (status == NULL || strcmp(status, "failed") != 0) {
            continue;
        }
        const char *name = json_string_value(json_object_get(t, "name"));
        size_t have = strlen(r->lr_failed);
        snprintf(r->lr_failed + have, sizeof r->lr_failed - have, "%s%s", have > 0 ? " " : "",
                 name != NULL ? name : "?");
    }
    json_decref(doc);
}

/* Grade a command (a --server or --client option, with ROOT in place of
 * {root}) in a fresh directory and compare the failed checks. */
static void expect02(const char *option, const char *command, int seed, const char *want_failed,
                     int want_ntests)
{
    char args[PATH_MAX + 400];
    snprintf(args, sizeof args, "02 --seed %d %s '%s/%s'", seed, option, root, command);
    lab02_run r;
    grade02(args, 1, &r);
    if (strcmp(r.lr_failed, want_failed) != 0 || r.lr_ntests != want_ntests) {
        fprintf(stderr, "\nlab02: bin/grade %s\n  failed: [%s]\n  wanted: [%s] (%d ran)\n", args,
                r.lr_failed, want_failed, r.lr_ntests);
    }
    CU_ASSERT_STRING_EQUAL(r.lr_failed, want_failed);
    CU_ASSERT_EQUAL(r.lr_ntests, want_ntests);
    CU_ASSERT_EQUAL(r.lr_status, want_failed[0] == '\0' ? 0 : 1);
}

/* Grade a self-test server build/selftest/BIN. */
static void expect_server02(const char *bin, int seed, const char *want_failed)
{
    char command[200];
    snprintf(command, sizeof command, "build/selftest/%s {port} received", bin);
    expect02("--server", command, seed, want_failed, LAB02_SERVER);
}

static void test_solution_full_marks(void)
{
    for (int seed = 1; seed <= 3; seed++) {
        char args[64];
        snprintf(args, sizeof args, "02 --solution --seed %d", seed);
        lab02_run r;
        grade02(args, 0, &r);
        CU_ASSERT_EQUAL(r.lr_status, 0);
        CU_ASSERT_EQUAL(r.lr_ntests, LAB02_ALL);
        CU_ASSERT_EQUAL(r.lr_max_score, 100);
        CU_ASSERT_EQUAL(r.lr_score, r.lr_max_score);
        if (r.lr_failed[0] != '\0') {
            fprintf(stderr, "\nlab02: the solution failed: %s (seed %d)\n", r.lr_failed, seed);
        }
    }
}

static void test_solution_as_command(void)
{
    expect02("--server", "solutions/02-framing/file_server {port} received", 4, "",
             LAB02_SERVER);
    expect02("--client", "solutions/02-framing/file_send {host} {port} upload.bin", 5, "",
             LAB02_CLIENT);
}

static void test_skeleton_not_full(void)
{
    lab02_run r;
    grade02("02 --seed 1", 0, &r);
    CU_ASSERT_EQUAL(r.lr_status, 1);
    CU_ASSERT_EQUAL(r.lr_ntests, LAB02_ALL);
    CU_ASSERT(r.lr_score < r.lr_max_score);
}

static void test_bug_seed(void)
{
    expect_server02("bug_file_seed", 61, "header-pieces hostile-names bad-sizes disconnect-mid-body");
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
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n < 0) {
        return -1;
    }
    exe[n] = '\0';
    /* ROOT/build/tests/test_grader */
    snprintf(root, sizeof root, "%s", dirname(dirname(dirname(exe))));
    static const cu_test tests[] = {
        {"lab 02: the solution gets full marks, 3 runs", test_solution_full_marks},
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
