/* test_lab03.c - lab 03's checks graded: the reference solution, the
 * skeleton, correct servers in other languages and the buggy UDP servers.
 *
 * Each case runs bin/grade as a student would, reads its JSON report back
 * and compares the failed checks with the expected set exactly. */
#include "cu_run.h"
#include "grader.h"
#include "proc.h"

#include <jansson.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Lab 03 has 10 checks: 5 server checks and 5 client checks. */
#define LAB03_ALL 10
#define LAB03_SERVER 5
#define LAB03_CLIENT 5

static char root[PATH_MAX];

/* What a grading run produced. */
typedef struct lab03_run {
    int lr_status; /* exit status of bin/grade, -1 if it did not exit */
    int lr_score;
    int lr_max_score;
    int lr_ntests;
    char lr_failed[512]; /* names of failed checks in run order, space-separated */
} lab03_run;

/* Run bin/grade with extra arguments (already shell-quoted) and read its report. */
static void grade03(const char *args, lab03_run *r)
{
    memset(r, 0, sizeof *r);
    r->lr_status = -1;
    char rel[64];
    snprintf(rel, sizeof rel, "build/tests/lab03-%d.json", (int)getpid());
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "bin/grade %s --format json --output %s >/dev/null 2>&1", args, rel);
    gr_proc p;
    memset(&p, 0, sizeof p);
    gr_spawn_opts so = {.so_cwd = root};
    if (gr_proc_spawn(&p, cmd, &so, NULL) < 0) {
        return;
    }
    int done = gr_proc_wait(&p, 300000);
    gr_proc_stop(&p, 1000);
    if (done && WIFEXITED(p.pr_status)) {
        r->lr_status = WEXITSTATUS(p.pr_status);
    }
    gr_proc_free(&p);

    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    json_error_t jerr;
    json_t *doc = json_load_file(path, 0, &jerr);
    unlink(path);
    if (doc == NULL) {
        fprintf(stderr, "lab03: no JSON report from: %s\n", cmd);
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

static void expect03(const char *args, const char *want_failed, int want_ntests)
{
    lab03_run r;
    grade03(args, &r);
    if (strcmp(r.lr_failed, want_failed) != 0 || r.lr_ntests != want_ntests) {
        fprintf(stderr, "\nlab03: bin/grade %s\n  failed: [%s]\n  wanted: [%s] (%d ran)\n", args,
                r.lr_failed, want_failed, r.lr_ntests);
    }
    CU_ASSERT_STRING_EQUAL(r.lr_failed, want_failed);
    CU_ASSERT_EQUAL(r.lr_ntests, want_ntests);
    CU_ASSERT_EQUAL(r.lr_status, want_failed[0] == '\0' ? 0 : 1);
}

static void test_solution_full_marks(void)
{
    for (int seed = 1; seed <= 3; seed++) {
        char args[64];
        snprintf(args, sizeof args, "03 --solution --seed %d", seed);
        lab03_run r;
        grade03(args, &r);
        CU_ASSERT_EQUAL(r.lr_status, 0);
        CU_ASSERT_EQUAL(r.lr_ntests, LAB03_ALL);
        CU_ASSERT_EQUAL(r.lr_max_score, 100);
        CU_ASSERT_EQUAL(r.lr_score, r.lr_max_score);
        if (r.lr_failed[0] != '\0') {
            fprintf(stderr, "\nlab03: the solution failed: %s (seed %d)\n", r.lr_failed, seed);
        }
    }
}

static void test_skeleton_not_full(void)
{
    lab03_run r;
    grade03("03 --seed 1", &r);
    CU_ASSERT_EQUAL(r.lr_status, 1);
    CU_ASSERT_EQUAL(r.lr_ntests, LAB03_ALL);
    CU_ASSERT(r.lr_score < r.lr_max_score);
}

static void test_other_correct_servers(void)
{
    if (system("command -v python3 >/dev/null 2>&1") == 0) {
        expect03("03 --seed 51 --server 'python3 grader/selftest/udp_echo.py {port}'", "",
                 LAB03_SERVER);
    }
}

static void test_bug_small_buf(void)
{
    expect03("03 --seed 52 --server 'build/selftest/bug_udp_small_buf {port}'", "sizes",
             LAB03_SERVER);
}

static void test_bug_first_client(void)
{
    expect03("03 --seed 53 --server 'build/selftest/bug_udp_first_client {port}'",
             "interleaved-clients", LAB03_SERVER);
}

static void test_bug_exit_empty(void)
{
    expect03("03 --seed 54 --server 'build/selftest/bug_udp_exit_empty {port}'", "sizes burst",
             LAB03_SERVER);
}

static void test_bug_split(void)
{
    expect03("03 --seed 55 --server 'build/selftest/bug_udp_split {port}'", "boundaries sizes",
             LAB03_SERVER);
}

/* The wrong clients all wait for each reply before the next probe. */
#define PING_ARGS "{host} {port} 10 --interval 100 --timeout 500'"

static void test_bug_clients(void)
{
    expect03("03 --seed 56 --client 'build/selftest/bug_udp_ping serial " PING_ARGS,
             "client-duration", LAB03_CLIENT);
    expect03("03 --seed 57 --client 'build/selftest/bug_udp_ping any-reply " PING_ARGS,
             "client-late-dup client-duration", LAB03_CLIENT);
    expect03("03 --seed 58 --client 'build/selftest/bug_udp_ping unconnected " PING_ARGS,
             "client-duration client-refused", LAB03_CLIENT);
}

int register_lab03_tests(void)
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
        {"lab 03: the solution gets full marks, 3 runs", test_solution_full_marks},
        {"lab 03: the skeleton does not", test_skeleton_not_full},
        {"lab 03: a correct server in Python gets full marks", test_other_correct_servers},
        {"lab 03: a 1 KiB receive buffer", test_bug_small_buf},
        {"lab 03: replies to the first client only", test_bug_first_client},
        {"lab 03: stops at an empty datagram", test_bug_exit_empty},
        {"lab 03: replies in 512-byte pieces", test_bug_split},
        {"lab 03: ping clients that wait, miscount, or miss ICMP", test_bug_clients},
        {NULL, NULL},
    };
    return cu_add_suite("lab03", tests);
}
