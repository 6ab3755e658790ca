/* selftest.c - lab 09's checks graded: the reference fetch (as a lab and
 * as a --client command), curl behind the lab's command line (a correct
 * client nobody on the team wrote), and the buggy clients of
 * selftest/bug_fetch.py, each on the checks that must catch its bug
 * (--only keeps the suite short: a client that hangs costs a deadline).
 *
 * Each case runs bin/grade as a student would, reads its JSON report back
 * and compares the failed checks with the expected set exactly. */
#include "cu_run.h"
#include "tests/e2e/grade_run.h"

#include <limits.h>
#include <stdio.h>

#define LAB09_ALL 47

/* Grade "09 --seed SEED --client 'ROOT/COMMAND' EXTRA" in a fresh directory. */
static void expect09(const char *command, const char *extra, int seed, const char *want_failed,
                     int want_ntests)
{
    char args[PATH_MAX + 400];
    snprintf(args, sizeof args, "09 --seed %d --client '%s' %s", seed, command, extra);
    selftest_expect_fresh("lab09", args, want_failed, want_ntests);
}

static void test_solution_full_marks(void)
{
    selftest_full_marks("09", 1, LAB09_ALL);
}

static void test_skeleton_not_full(void)
{
    selftest_not_full("09-http-client", "--seed 1", LAB09_ALL);
}

static void test_solution_as_command(void)
{
    char cmd[PATH_MAX];
    snprintf(cmd, sizeof cmd, "%s/solutions/09-http-client/fetch", selftest_root());
    expect09(cmd, "", 91, "", LAB09_ALL);
}

/* curl is lenient where the guide is strict: it takes "http:///path" for
 * a host named "path", and reads a status code of "2OO", a header line
 * without a colon and a Content-Length of "2x"; and its --retry writes
 * every retried response's body to stdout and sends a POST again after a
 * 503; and curl -Z exits with the last failure's status, not the first
 * URL's (RULES.md). */
static void test_curl(void)
{
    if (!selftest_have("curl")) {
        return;
    }
    char cmd[PATH_MAX];
    snprintf(cmd, sizeof cmd, "%s/grader/labs/09-http-client/selftest/curl_fetch.sh",
             selftest_root());
    expect09(cmd, "", 92,
             "bad-url malformed retry-backoff retry-limit retry-post parallel-errors "
             "https-truncated",
             LAB09_ALL);
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
        {"",
         "get-*,chunked,redirect-303,read-timeout,output-partial,step6,step7,step8,step9,step10,"
         "step11,step12",
         "", 28},
        {"until-close", "get-length,get-close", "get-length", 2},
        {"chunk-decimal", "get-length,chunked", "chunked", 2},
        {"post-303", "redirect-307,redirect-303", "redirect-303", 2},
        {"no-timeout", "get-length,read-timeout", "read-timeout", 2},
        {"partial-file", "output-file,output-partial", "output-partial", 2},
        {"no-backoff", "retry-limit,retry-backoff", "retry-backoff", 2},
        {"ignore-retry-after", "retry-backoff,retry-after", "retry-after", 2},
        {"retry-off-by-one", "retry-backoff,retry-limit", "retry-limit", 2},
        {"retry-post", "retry-limit,retry-post", "retry-post", 2},
        {"conn-per-request", "keep-done,keep-alive", "keep-alive", 2},
        {"reuse-always", "keep-alive,keep-done", "keep-done", 2},
        {"reuse-no-retry", "keep-alive,keep-idle", "keep-idle", 2},
        {"cookie-any-path", "cookie-redirect,cookies", "cookies", 2},
        {"cookie-redirect-lost", "cookies,cookie-redirect", "cookie-redirect", 2},
        {"sequential", "parallel-order,parallel-overlap", "parallel-overlap", 2},
        {"no-limit", "parallel-overlap,parallel-limit", "parallel-limit", 2},
        {"arrival-order", "get-length,parallel-order", "parallel-order", 2},
        {"parallel-stop", "parallel-order,parallel-errors", "parallel-errors", 2},
        {"parallel-no-timeout", "parallel-order,parallel-timeout", "parallel-timeout", 2},
        {"no-connect-timeout", "read-timeout,connect-timeout", "connect-timeout", 2},
        {"ipv6-brackets", "request-target,ipv6-literal", "ipv6-literal", 2},
        {"query-raw", "multipart,query", "query", 2},
        {"fixed-boundary", "query,multipart", "multipart", 2},
        {"progress-always", "output-file,quiet-pipe", "quiet-pipe", 2},
        {"verify-off", "https-get,https-refused", "https-refused", 2},
        {"no-hostname", "https-get,https-refused", "https-refused", 2},
        {"ragged-ok", "https-get,https-truncated", "https-truncated", 2},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char cmd[PATH_MAX + 64];
        char only[240];
        snprintf(cmd, sizeof cmd,
                 "BUG=%s python3 %s/grader/labs/09-http-client/selftest/bug_fetch.py", rows[i].bug,
                 selftest_root());
        snprintf(only, sizeof only, "--only '%s'", rows[i].only);
        expect09(cmd, only, 93 + (int)i, rows[i].failed, rows[i].ntests);
    }
}

int register_lab09_tests(void)
{
    static const cu_test tests[] = {
        {"lab 09: the solution gets full marks", test_solution_full_marks},
        {"lab 09: the skeleton does not", test_skeleton_not_full},
        {"lab 09: the solution as a --client command", test_solution_as_command},
        {"lab 09: curl behind the lab's command line passes all it can", test_curl},
        {"lab 09: buggy clients lose the checks for their bug", test_bugs},
        {NULL, NULL},
    };
    return cu_add_suite("lab09", tests);
}
