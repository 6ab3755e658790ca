/* selftest.c - lab 04's checks graded: the reference solution (as a lab and
 * as --server/--client commands), the skeleton, correct servers written in
 * Python and in Node.js, and the buggy programs of grader/selftest.
 *
 * Each case runs bin/grade as a student would, reads its JSON report back
 * and compares the failed checks with the expected set exactly. Servers run
 * in a fresh world-writable directory, where they create their Unix socket. */
#include "cu_run.h"
#include "tests/e2e/grade_run.h"

#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

/* Lab 04 has 17 checks: 7 server checks (echo_dual) and 10 client checks
 * (hostinfo 3, sockopts 2, portscan 5). */
#define LAB04_ALL 17
#define LAB04_SERVER 7
#define LAB04_HOSTINFO 3
#define LAB04_SCAN 5

/* Grade "04 --seed SEED OPTION 'ROOT/COMMAND' EXTRA" in a fresh directory. */
static void expect04(const char *option, const char *command, const char *extra, int seed,
                     const char *want_failed, int want_ntests)
{
    char args[PATH_MAX + 400];
    snprintf(args, sizeof args, "04 --seed %d %s '%s/%s' %s", seed, option, selftest_root(),
             command, extra);
    char cwd[PATH_MAX + 64];
    CU_ASSERT_EQUAL_FATAL(selftest_fresh_dir("lab04", cwd, sizeof cwd), 0);
    selftest_expect(args, cwd, want_failed, want_ntests);
    selftest_remove_dir(cwd);
}

static void test_solution_full_marks(void)
{
    selftest_full_marks("04", 1, LAB04_ALL);
}

static void test_skeleton_not_full(void)
{
    selftest_not_full("04-addressing", "--seed 1", LAB04_ALL);
}

static void test_solution_as_commands(void)
{
    expect04("--server", "solutions/04-addressing/echo_dual {port} echo.sock", "", 41, "",
             LAB04_SERVER);
    expect04("--client", "solutions/04-addressing/portscan", "--only 'scan-*'", 42, "", LAB04_SCAN);
    expect04("--client", "solutions/04-addressing/hostinfo", "--only 'hostinfo-*'", 43, "",
             LAB04_HOSTINFO);
}

static void test_python_server(void)
{
    if (system("command -v python3 >/dev/null 2>&1") == 0) {
        expect04("--server", "grader/labs/04-addressing/selftest/dual_echo.py {port} echo.sock", "",
                 44, "", LAB04_SERVER);
    }
}

/* The same server in Node.js, written from the guide: one event loop. */
static void test_node_server(void)
{
    if (selftest_have("node")) {
        expect04("--server", "grader/labs/04-addressing/selftest/dual_echo.js {port} echo.sock", "",
                 45, "", LAB04_SERVER);
    }
}

static void test_bug_dual(void)
{
    static const struct {
        const char *mode;
        const char *failed;
    } rows[] = {
        {"v4only", "ipv6-echo peer-log"}, {"v6only", "ipv4-echo peer-log"},
        {"nounlink", "unix-cleanup"},     {"nostale", "unix-stale"},
        {"buffered", "peer-log"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "build/selftest/bug_dual %s {port} echo.sock", rows[i].mode);
        expect04("--server", cmd, "", 50 + (int)i, rows[i].failed, LAB04_SERVER);
    }
    /* No Unix socket at all: each Unix check waits for it, so one is enough. */
    expect04("--server", "build/selftest/bug_dual nounix {port} echo.sock", "--only unix-echo", 56,
             "unix-echo", 1);
}

static void test_bug_hostinfo(void)
{
    static const struct {
        const char *mode;
        const char *failed;
    } rows[] = {
        {"v4only", "hostinfo-forward"},
        {"noreverse", "hostinfo-reverse"},
        {"perror", "hostinfo-errors"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "build/selftest/bug_hostinfo %s", rows[i].mode);
        expect04("--client", cmd, "--only 'hostinfo-*'", 60 + (int)i, rows[i].failed,
                 LAB04_HOSTINFO);
    }
}

/* Bugs that show only on names whose answers the check controls: the
 * grader gives hostinfo a hosts file of its own where it runs as root
 * (private mounts). Elsewhere the machine's /etc/hosts decides. */
static int can_mount_hosts(void)
{
    /* What the grader will try: a mount namespace, and a file bound over
     * /etc/hosts in it (here /etc/hosts itself). */
    pid_t pid = fork();
    if (pid == 0) {
        int ok = unshare(CLONE_NEWNS) == 0 &&
                 mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0 &&
                 mount("/etc/hosts", "/etc/hosts", NULL, MS_BIND, NULL) == 0;
        _exit(ok ? 0 : 1);
    }
    int status = 0;
    return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
           WEXITSTATUS(status) == 0;
}

static void test_bug_hostinfo_own_hosts(void)
{
    if (geteuid() != 0 || !can_mount_hosts()) {
        return;
    }
    expect04("--client", "build/selftest/bug_hostinfo first", "--only 'hostinfo-*'", 65,
             "hostinfo-forward", LAB04_HOSTINFO);
    expect04("--client", "build/selftest/bug_hostinfo noreqd", "--only 'hostinfo-*'", 66,
             "hostinfo-reverse", LAB04_HOSTINFO);
}

static void test_bug_sockopts(void)
{
    expect04("--client", "build/selftest/bug_sockopts", "--only sockopts", 70, "sockopts", 1);
}

static void test_bug_hostinfo_usage(void)
{
    /* A usage error that exits 1: only the exit status is wrong. */
    expect04("--client", "build/selftest/bug_hostinfo usage1", "--only 'hostinfo-*'", 72,
             "hostinfo-errors", LAB04_HOSTINFO);
}

static void test_bug_sockopts_args(void)
{
    /* The largest valid size refused: the limit's inside end. */
    expect04("--client", "build/selftest/bug_sockopts_args", "--only 'sockopts*'", 71,
             "sockopts-args", 2);
}

static void test_bug_scan(void)
{
    /* Each on the checks it must lose and one it must keep. */
    static const struct {
        const char *mode;
        const char *only;
        const char *failed;
        int ntests;
    } rows[] = {
        {"sequential", "scan-open,scan-concurrent", "scan-concurrent", 2},
        {"writable", "scan-*", "scan-open scan-no-answer scan-concurrent scan-large-range",
         LAB04_SCAN},
        {"leak", "scan-open,scan-large-range", "scan-large-range", 2},
        {"noargs", "scan-open,scan-bad-args", "scan-bad-args", 2},
        /* Ports that never answer, taken for open (before, a silent port
         * counted as "listening", hence open); scan-concurrent, which has
         * silent ports too, would say the same more slowly. */
        {"hangopen", "scan-open,scan-no-answer", "scan-no-answer", 2},
        /* Valid values at the ends of a range refused. */
        {"bounds", "scan-open,scan-bad-args", "scan-bad-args", 2},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char cmd[128];
        char only[128];
        snprintf(cmd, sizeof cmd, "build/selftest/bug_scan %s", rows[i].mode);
        snprintf(only, sizeof only, "--only '%s'", rows[i].only);
        expect04("--client", cmd, only, 80 + (int)i, rows[i].failed, rows[i].ntests);
    }
}

/* ---- hints that follow the cause ------------------------------------------------- */

/* expect04(), and every failed check's output shows the cause-specific
 * hint (words) instead of the general one (not_words, when not NULL: never). */
static void expect04_hint(const char *option, const char *command, const char *extra, int seed,
                          const char *want_failed, int want_ntests, const char *words,
                          const char *not_words)
{
    char args[PATH_MAX + 400];
    snprintf(args, sizeof args, "04 --seed %d %s '%s/%s' %s", seed, option, selftest_root(),
             command, extra);
    char cwd[PATH_MAX + 64];
    CU_ASSERT_EQUAL_FATAL(selftest_fresh_dir("lab04", cwd, sizeof cwd), 0);
    selftest_expect_hint(args, cwd, want_failed, want_ntests, words, not_words);
    selftest_remove_dir(cwd);
}

static void test_hint_peer_log(void)
{
    /* What the log shows instead of the client: its port's bytes swapped,
     * the server's own end, a line that comes out only at exit; or no log
     * at all for want of a connection of that family. */
    expect04_hint("--server", "build/selftest/bug_dual ntohs {port} echo.sock", "", 100, "peer-log",
                  LAB04_SERVER, "in network byte order: the log shows it with its bytes", NULL);
    expect04_hint("--server", "build/selftest/bug_dual sockname {port} echo.sock",
                  "--only peer-log", 101, "peer-log", 1,
                  "A connection has two ends: the log shows the server's own", NULL);
    expect04_hint("--server", "build/selftest/bug_dual buffered {port} echo.sock",
                  "--only peer-log", 102, "peer-log", 1, "it sat in stdout's buffer", NULL);
    expect04_hint("--server", "build/selftest/bug_dual v4only {port} echo.sock",
                  "--only ipv6-echo,peer-log", 103, "ipv6-echo peer-log", 2,
                  "An AF_INET socket reaches IPv4 only", "Each connection is logged");
    expect04_hint("--server", "build/selftest/bug_dual v6only {port} echo.sock",
                  "--only ipv4-echo,peer-log", 104, "ipv4-echo peer-log", 2,
                  "One IPv6 socket can serve IPv4 clients too", "Each connection is logged");
}

static void test_hint_unix_cleanup(void)
{
    /* How the server ended on SIGTERM: killed, or exited without unlink(). */
    expect04_hint("--server", "build/selftest/bug_dual nounlink {port} echo.sock",
                  "--only unix-cleanup", 105, "unix-cleanup", 1, "SIGTERM killed this one", NULL);
    expect04_hint("--server", "build/selftest/bug_dual keepfile {port} echo.sock", "", 106,
                  "unix-cleanup", LAB04_SERVER, "the server exited on SIGTERM but left it", NULL);
}

static void test_hint_echo(void)
{
    /* A client that connects but whose echo is cut at NUL bytes gets the
     * C-string hint, not the hint about address families. */
    expect04("--server", "build/selftest/bug_dual cstring {port} echo.sock", "", 107,
             "ipv4-echo ipv6-echo unix-echo unix-stale", LAB04_SERVER);
    expect04_hint("--server", "build/selftest/bug_dual cstring {port} echo.sock",
                  "--only ipv4-echo,ipv6-echo,unix-echo", 107, "ipv4-echo ipv6-echo unix-echo", 3,
                  "Data from recv() is bytes, not a C string", "IPV6_V6ONLY");
}

static void test_hint_hostinfo_and_scan(void)
{
    expect04_hint("--client", "build/selftest/bug_hostinfo anytype", "--only 'hostinfo-*'", 108,
                  "hostinfo-forward hostinfo-reverse", LAB04_HOSTINFO,
                  "one entry per socket type unless asked for one", NULL);
    expect04_hint("--client", "build/selftest/bug_scan writable", "--only 'scan-*'", 109,
                  "scan-open scan-no-answer scan-concurrent scan-large-range", LAB04_SCAN,
                  "Writable alone does not mean connected", NULL);
}

static void test_hint_hostinfo_own_hosts(void)
{
    /* Told apart on a name with two IPv4 addresses and one IPv6, which only
     * a hosts file of the check's own has. */
    if (geteuid() != 0 || !can_mount_hosts()) {
        return;
    }
    expect04_hint("--client", "build/selftest/bug_hostinfo v4only", "--only 'hostinfo-*'", 110,
                  "hostinfo-forward", LAB04_HOSTINFO, "ask for both families", NULL);
    expect04_hint("--client", "build/selftest/bug_hostinfo first", "--only 'hostinfo-*'", 111,
                  "hostinfo-forward", LAB04_HOSTINFO, "walk the whole list", NULL);
    expect04_hint("--client", "build/selftest/bug_hostinfo noreverse", "--only 'hostinfo-*'", 112,
                  "hostinfo-reverse", LAB04_HOSTINFO, "Each address gets its own reverse lookup",
                  NULL);
}

/* echo_dual's start: PORT 65535 refused, a failed bind ignored
 * (grader/tests/programs/bug_start.c). */
static void test_start_errors(void)
{
    expect04("--server", "build/selftest/bug_start range 2 {port} echo.sock", "--only start-errors",
             73, "start-errors", 1);
    expect04("--server", "build/selftest/bug_start nobind 2 {port} echo.sock",
             "--only start-errors", 74, "start-errors", 1);
}

int register_lab04_tests(void)
{
    /* The tests that grade a check with a time or CPU bound run alone; the
     * others two at a time (common/scripts/check.sh). */
    static const cu_test timing[] = {
        {"lab 04: the solution gets full marks", test_solution_full_marks},
        {"lab 04: the solution as --server and --client commands", test_solution_as_commands},
        {"lab 04: buggy scanners lose the checks for their bug", test_bug_scan},
        {"lab 04: hints for duplicate addresses and writable taken for open",
         test_hint_hostinfo_and_scan},
        {NULL, NULL},
    };
    static const cu_test tests[] = {
        {"lab 04: the skeleton does not", test_skeleton_not_full},
        {"lab 04: a correct Python server gets full marks", test_python_server},
        {"lab 04: a correct server in Node.js gets full marks", test_node_server},
        {"lab 04: buggy dual-stack servers lose the checks for their bug", test_bug_dual},
        {"lab 04: buggy hostinfo programs lose the checks for their bug", test_bug_hostinfo},
        {"lab 04: with a hosts file of its own, first-address-only and no NI_NAMEREQD are caught",
         test_bug_hostinfo_own_hosts},
        {"lab 04: sockopts that trusts setsockopt() loses its check", test_bug_sockopts},
        {"lab 04: sockopts that refuses the largest size", test_bug_sockopts_args},
        {"lab 04: hostinfo whose usage error exits 1", test_bug_hostinfo_usage},
        {"lab 04: hints for what the log shows", test_hint_peer_log},
        {"lab 04: hints for how the server ended on SIGTERM", test_hint_unix_cleanup},
        {"lab 04: the echo's hint when the connection works", test_hint_echo},
        {"lab 04: hints for one family and the first address only, with a hosts file",
         test_hint_hostinfo_own_hosts},
        {"lab 04: PORT 65535 refused, a failed bind ignored", test_start_errors},
        {NULL, NULL},
    };
    return cu_add_suite_alone("lab04-timing", timing) < 0 ? -1 : cu_add_suite("lab04", tests);
}
