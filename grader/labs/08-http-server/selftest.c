/* selftest.c - lab 08's checks graded: the reference solution (with
 * AddressSanitizer, as bin/grade builds it, and its thread strategy with
 * ThreadSanitizer) gets full marks, the skeleton does not and fails every
 * parser API check, a correct server on Python's http.server gets full
 * marks on every black-box check, and the same server with one classic
 * mistake (BUG=NAME, see selftest/http_server.py) loses the checks meant
 * for that mistake, exactly those; a correct server on Node's http module
 * gets full marks on the checks its parser lets it pass. */
#include "cu_run.h"
#include "tests/e2e/grade_run.h"
#include "text/strbuf.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

/* The checks a --server run grades (the black-box ones), and all. */
#define LAB08_SERVER 35
#define LAB08_ALL 41
/* The parser's API checks (step 1), every one of which the skeleton fails. */
#define LAB08_API                                                                                  \
    "api-parse-valid api-parse-malformed api-parse-split api-parse-limits "                        \
    "api-chunked api-fields"

#define PY "python3 grader/labs/08-http-server/selftest/http_server.py {port} {docroot}"

/* Grade http_server.py with BUG=@p bug on the checks @p only: exactly
 * @p want_failed fail, of @p n. */
static void expect_bug(const char *bug, int seed, const char *only, const char *want_failed, int n)
{
    gr_str args = {0};
    gr_str_addf(&args, "08 --seed %d --only %s --server 'BUG=%s " PY "'", seed, only, bug);
    selftest_expect(gr_str_cstr(&args), NULL, want_failed, n);
    gr_str_free(&args);
}

static void test_solution_full_marks(void)
{
    selftest_full_marks("08", 1, LAB08_ALL);
}

/* The skeleton answers 501 to everything, and its parser is all TODOs. */
static void test_skeleton_not_full(void)
{
    selftest_not_full("08-http-server", "--seed 1 --only static-get", 1);
    char dir[PATH_MAX];
    if (selftest_skeleton("08-http-server", dir, sizeof dir) < 0) {
        CU_FAIL("cannot copy the skeleton");
        return;
    }
    gr_str args = {0};
    gr_str_add(&args, "08 --seed 1 --only step1 --dir");
    gr_str_add_word(&args, dir);
    gr_str_add(&args, "/08-http-server");
    selftest_expect(gr_str_cstr(&args), NULL, LAB08_API, LAB08_ALL - LAB08_SERVER);
    gr_str_free(&args);
    selftest_remove_dir(dir);
}

/* The solution and the lab 07 framework it builds with, copied to a fresh
 * directory (@p dir, "" if none could be made) and built with @p sanitize
 * (e.g. "thread"). 0 or -1. */
static int build_solution(const char *tag, const char *sanitize, char *dir, size_t len)
{
    if (selftest_fresh_dir(tag, dir, len) < 0) {
        CU_FAIL("cannot make a directory under build/tests");
        dir[0] = '\0'; /* nothing to remove */
        return -1;
    }
    gr_str cmd = {0};
    gr_str_add(&cmd, "cd");
    gr_str_add_word(&cmd, selftest_root());
    gr_str_add(&cmd, "/solutions && cp -R 07-socketserver 08-http-server");
    gr_str_add_word(&cmd, dir);
    gr_str_add(&cmd, " && make -s -C");
    gr_str_add_word(&cmd, dir);
    gr_str_add(&cmd, "/08-http-server clean all SOCKLAB=");
    gr_str_add_quoted(&cmd, selftest_root());
    gr_str_addf(&cmd,
                " EXTRA_CFLAGS='-fsanitize=%s -fno-omit-frame-pointer'"
                " EXTRA_LDFLAGS=-fsanitize=%s >/dev/null",
                sanitize, sanitize);
    int built = system(gr_str_cstr(&cmd)) == 0;
    CU_ASSERT(built);
    gr_str_free(&cmd);
    return built ? 0 : -1;
}

/* Grade the solution built in @p dir, run with @p options: full marks on
 * the black-box checks. */
static void expect_built_full_marks(const char *dir, int seed, const char *options)
{
    gr_str args = {0}, cmdline = {0};
    gr_str_addf(&args, "08 --seed %d --server", seed);
    gr_str_addf(&cmdline, "%s/08-http-server/http_server %s {port} {docroot}", dir, options);
    gr_str_add_word(&args, gr_str_cstr(&cmdline));
    selftest_expect(gr_str_cstr(&args), NULL, "", LAB08_SERVER);
    gr_str_free(&cmdline);
    gr_str_free(&args);
}

/* The solution built with ThreadSanitizer, beside the lab 07 framework it
 * builds with: the thread strategy (a thread per connection, the default)
 * gets full marks on the black-box checks with no report. */
static void test_solution_tsan(void)
{
    char dir[PATH_MAX];
    if (build_solution("tsan08", "thread", dir, sizeof dir) == 0) {
        expect_built_full_marks(dir, 8, "--strategy thread");
    }
    selftest_remove_dir(dir);
}

static void test_python_full_marks(void)
{
    if (selftest_have("python3")) {
        selftest_expect("08 --seed 81 --server '" PY "'", NULL, "", LAB08_SERVER);
    }
}

/* Node's http module parses the head and the chunks itself (llhttp), and
 * parts of malformed and framing are beyond what its handler can see
 * (RULES.md says which probes): the server is graded on the other checks. */
#define NODE "node grader/labs/08-http-server/selftest/http_server.js {port} {docroot}"
#define NODE_ONLY                                                                                  \
    "step2,step4,step5,step7,step8,step9,methods,uri-limit,header-limits,"                         \
    "bodies,body-limits,json-routes,json-escaping,json-users"

static void test_node_full_marks(void)
{
    if (selftest_have("node")) {
        selftest_expect("08 --seed 80 --only " NODE_ONLY " --server '" NODE "'", NULL, "",
                        LAB08_SERVER - 2);
    }
}

static void test_bug_reading(void)
{
    if (selftest_have("python3")) {
        expect_bug("one-recv", 82, "split,truncated", "split truncated", 2);
        expect_bug("pipeline-drop", 83, "pipelining", "pipelining", 1);
        expect_bug("bad-length", 84, "static-get", "static-get", 1);
        expect_bug("head-body", 85, "static-head", "static-head", 1);
    }
}

static void test_bug_connections(void)
{
    if (selftest_have("python3")) {
        expect_bug("no-keepalive", 86, "keep-alive,http10", "keep-alive http10", 2);
        expect_bug("ignore-close", 87, "connection-close", "connection-close", 1);
        expect_bug("iterative", 88, "concurrent,slowloris", "concurrent slowloris", 2);
        expect_bug("slow-lock", 89, "slowloris", "slowloris", 1);
    }
}

static void test_bug_paths(void)
{
    if (selftest_have("python3")) {
        expect_bug("dotdot", 90, "traversal", "traversal", 1);
        expect_bug("decode-late", 91, "traversal", "traversal", 1);
        expect_bug("prefix", 92, "symlinks", "symlinks", 1);
        expect_bug("symlink", 93, "symlinks", "symlinks", 1);
        expect_bug("unescaped", 94, "html-escape", "html-escape", 1);
    }
}

static void test_bug_content(void)
{
    if (selftest_have("python3")) {
        expect_bug("string-json", 95, "json-escaping", "json-escaping", 1);
        expect_bug("304-body", 96, "conditional", "conditional", 1);
        expect_bug("gzip-length", 97, "gzip", "gzip", 1);
        expect_bug("whole-file", 98, "big-file", "big-file", 1);
        expect_bug("case-types", 100, "static-types", "static-types", 1);
        expect_bug("users-sign", 101, "json-users", "json-users", 1);
        expect_bug("no-416", 102, "ranges", "ranges", 1);
        expect_bug("gzip-q0", 103, "gzip-choice", "gzip-choice", 1);
    }
}

/* A server that takes PORT through atoi() serves on the port the kernel
 * picks for atoi("") = 0 (grader/tests/programs/bug_start.c, with PORT and
 * DOCROOT as its two arguments). */
static void test_bug_start(void)
{
    selftest_expect("08 --seed 99 --only start-errors --server 'build/selftest/bug_start atoi 2 "
                    "{port} {docroot}'",
                    NULL, "start-errors", 1);
}

/* The fast variant, one thread on an epoll loop (--strategy epoll), built
 * with AddressSanitizer and UndefinedBehaviorSanitizer as bin/grade builds
 * the default: full marks on the black-box checks. */
static void test_solution_epoll(void)
{
    char dir[PATH_MAX];
    if (build_solution("epoll08", "address,undefined", dir, sizeof dir) == 0) {
        expect_built_full_marks(dir, 9, "--strategy epoll");
    }
    if (dir[0] != '\0') {
        selftest_remove_dir(dir);
    }
}

int register_lab08_tests(void)
{
    static const cu_test tests[] = {
        {"lab 08: the solution gets full marks", test_solution_full_marks},
        {"lab 08: PORT through atoi()", test_bug_start},
        {"lab 08: the solution's thread strategy under ThreadSanitizer gets full marks",
         test_solution_tsan},
        {"lab 08: the skeleton does not, and fails every parser API check", test_skeleton_not_full},
        {"lab 08: a server on Python's http.server gets full marks", test_python_full_marks},
        {"lab 08: a server on Node's http module gets full marks on what its parser lets it "
         "follow",
         test_node_full_marks},
        {"lab 08: one recv(), pipelining dropped, a wrong Content-Length, HEAD with a body",
         test_bug_reading},
        {"lab 08: no keep-alive, close ignored, one client at a time, a lock across reads",
         test_bug_connections},
        {"lab 08: traversal, a prefix test, links followed out, unescaped HTML", test_bug_paths},
        {"lab 08: string-formatted JSON, a 304 with a body, gzip's length, the whole file read, "
         "types by case, a signed user id, no 416, gzip;q=0 ignored",
         test_bug_content},
        {"lab 08: the solution's epoll strategy under ASan and UBSan gets full marks",
         test_solution_epoll},
        {NULL, NULL},
    };
    return cu_add_suite("lab08", tests);
}
