/* test_hostile.c - hostile submissions are contained and graded.
 *
 * Servers that fork-bomb, spin, ignore SIGTERM, flood their output,
 * daemonise, close their stdio, eat memory or look for network interfaces:
 * each gets a verdict with a clear reason, within bounded wall time, with no
 * process left behind. Deadlines are scaled down to keep this quick. */
#include "cu_run.h"
#include "tests/e2e/grade_run.h"
#include "engine/grader.h"
#include "os/proc.h"
#include "os/sandbox.h"

#include <fcntl.h>
#include <jansson.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* From test_proc.c. */
int count_processes_with_env(const char *tag);

/* The environment tag of the last run: its programs inherit it. */
static char run_tag[64];

static char root[PATH_MAX];

typedef struct verdict {
    int status;      /* exit status of bin/grade */
    int passed;      /* checks passed */
    int ntests;      /* checks run */
    double seconds;  /* wall time */
    char text[8192]; /* the text report */
} verdict;

/* Grade hostile MODE on two checks, deadlines scaled by scale. */
static void grade_hostile(const char *mode, const char *scale, verdict *v)
{
    memset(v, 0, sizeof *v);
    v->status = -1;
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "SOCKLAB_TIMEOUT_SCALE=%s bin/grade 01 --seed 3 --only accept,echo-text "
             "--server 'build/selftest/hostile %s {port}' 2>&1",
             scale, mode);
    gr_proc p;
    memset(&p, 0, sizeof p);
    gr_spawn_opts so = {.so_cwd = root, .so_keep_stdout = sizeof v->text - 1};
    static int runs;
    snprintf(run_tag, sizeof run_tag, "SOCKLAB_HOSTILE_RUN=%d-%d", (int)getpid(), ++runs);
    putenv(run_tag);
    long t0 = gr_now_ms();
    int spawned = gr_proc_spawn(&p, cmd, &so, NULL);
    unsetenv("SOCKLAB_HOSTILE_RUN");
    if (spawned < 0) {
        return;
    }
    int done = gr_proc_wait(&p, 120000);
    gr_proc_stop(&p, 1000);
    v->seconds = (double)(gr_now_ms() - t0) / 1000.0;
    if (done && WIFEXITED(p.pr_status)) {
        v->status = WEXITSTATUS(p.pr_status);
    }
    size_t len;
    char *out = gr_proc_output(&p, 0, &len, NULL);
    if (out != NULL) {
        snprintf(v->text, sizeof v->text, "%s", out);
        free(out);
    }
    gr_proc_free(&p);
    for (const char *s = v->text; (s = strstr(s, "  PASS  ")) != NULL; s++) {
        v->passed++;
    }
    v->ntests = v->passed;
    for (const char *s = v->text; (s = strstr(s, "  FAIL  ")) != NULL; s++) {
        v->ntests++;
    }
}

static void expect(const char *mode, const char *scale, int want_passed, const char *reason,
                   double max_seconds)
{
    verdict v;
    grade_hostile(mode, scale, &v);
    int ok = v.ntests == 2 && v.passed == want_passed && v.status == (want_passed == 2 ? 0 : 1) &&
             (reason == NULL || strstr(v.text, reason) != NULL) && v.seconds < max_seconds;
    if (!ok) {
        fprintf(stderr,
                "\nhostile %s: passed %d of %d, exit %d, %.1f s; wanted %d passed%s%s\n%s\n", mode,
                v.passed, v.ntests, v.status, v.seconds, want_passed,
                reason != NULL ? " and: " : "", reason != NULL ? reason : "", v.text);
    }
    CU_ASSERT(ok);
    CU_ASSERT_EQUAL(count_processes_with_env(run_tag), 0);
}

/* Is a private network namespace available here (root or user namespaces)? */
static int have_netns(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        gr_sandbox sb;
        gr_sandbox_init(&sb, 1);
        _exit(sb.sb_netns ? 0 : 1);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* A run whose first pick of uid is held by another run takes another one.
 * The child holds the lock of the uid its pid would pick, as a second run
 * would, then asks the sandbox for a uid: 0 if it got a different one. */
static void test_uid_claimed(void)
{
    if (geteuid() != 0) {
        CU_PASS("skipped: not root, so runs do not get a uid of their own");
        return;
    }
    pid_t pid = fork();
    if (pid == 0) {
        char path[64];
        unsigned first = GR_SANDBOX_UID_BASE + (unsigned)getpid() % GR_SANDBOX_UIDS;
        mkdir(GR_SANDBOX_UID_LOCKS, 0700);
        snprintf(path, sizeof path, GR_SANDBOX_UID_LOCKS "/%u", first);
        int fd = open(path, O_RDWR | O_CREAT, 0600);
        if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0) {
            _exit(2);
        }
        gr_sandbox sb;
        gr_sandbox_init(&sb, 1);
        _exit(sb.sb_uid != first && sb.sb_uid >= GR_SANDBOX_UID_BASE &&
                      sb.sb_uid < GR_SANDBOX_UID_BASE + GR_SANDBOX_UIDS
                  ? 0
                  : 1);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void test_forkbomb(void)
{
    /* Only safe where the process limit applies: a dedicated uid (root). */
    if (geteuid() != 0) {
        CU_PASS("skipped: not root, so RLIMIT_NPROC cannot contain a fork bomb");
        return;
    }
    expect("forkbomb", "0.3", 0, "did not listen", 60);
}

static void test_spin(void)
{
    expect("spin", "0.3", 0, "did not listen", 30);
}

static void test_noterm(void)
{
    expect("noterm", "0.3", 2, NULL, 30);
}

static void test_flood(void)
{
    expect("flood", "1", 2, NULL, 30);
}

static void test_daemon(void)
{
    expect("daemon", "0.3", 0, "exited with status 0", 30);
}

static void test_closestdio(void)
{
    expect("closestdio", "1", 2, NULL, 30);
}

static void test_hog(void)
{
    expect("hog", "0.6", 0, "more than 1024 MiB of memory", 60);
}

static void test_netlist(void)
{
    if (!have_netns()) {
        CU_PASS("skipped: no private network namespace on this machine");
        return;
    }
    expect("netlist", "1", 2, NULL, 30);
}

int register_hostile_tests(void)
{
    snprintf(root, sizeof root, "%s", selftest_root());
    static const cu_test tests[] = {
        {"parallel runs never share a uid", test_uid_claimed},
        {"fork bomb", test_forkbomb},
        {"loops forever before listening", test_spin},
        {"ignores SIGTERM", test_noterm},
        {"floods stdout and stderr", test_flood},
        {"daemonises and leaves a child", test_daemon},
        {"closes its stdio", test_closestdio},
        {"allocates memory without bound", test_hog},
        {"sees only loopback", test_netlist},
        {NULL, NULL},
    };
    /* Solo: a fork bomb and a memory hog load the whole machine for a few
     * seconds, which would slow the checks of any suite running beside them
     * (CI saw lab 03's 500 ms ping timeout missed beside it). */
    return cu_add_suite_solo("hostile", tests);
}
