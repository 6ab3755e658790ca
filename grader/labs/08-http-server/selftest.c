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
#include <unistd.h>

/* The checks a --server run grades (the black-box ones), and all. */
#define LAB08_SERVER 43
#define LAB08_ALL 49
/* The parser's API checks (step 1), every one of which the skeleton fails. */
#define LAB08_API                                                                                  \
    "api-parse-valid api-parse-malformed api-parse-split api-parse-limits "                        \
    "api-chunked api-fields"

/* {args}: the check's own command line (http_server [--strategy pool
 * --threads 2] PORT DOCROOT), which http_server.py and .js take. */
#define PY "python3 grader/labs/08-http-server/selftest/http_server.py {args}"

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

/* Grade the solution built in @p dir, started as @p server under it (shell
 * text, {args} and {port} as --server takes them): the black-box checks
 * fail @p want_failed alone. */
static void expect_built(const char *dir, int seed, const char *server, const char *want_failed)
{
    gr_str args = {0}, cmdline = {0};
    gr_str_addf(&args, "08 --seed %d --server", seed);
    gr_str_addf(&cmdline, "%s/08-http-server/%s", dir, server);
    gr_str_add_word(&args, gr_str_cstr(&cmdline));
    selftest_expect(gr_str_cstr(&args), NULL, want_failed, LAB08_SERVER);
    gr_str_free(&cmdline);
    gr_str_free(&args);
}

/* The solution built with ThreadSanitizer, beside the lab 07 framework it
 * builds with: the thread strategy (a thread per connection, the default)
 * and the pool (the pool check's) get full marks on the black-box checks
 * with no report. */
static void test_solution_tsan(void)
{
    char dir[PATH_MAX];
    if (build_solution("tsan08", "thread", dir, sizeof dir) == 0) {
        expect_built(dir, 8, "{args}", "");
    }
    if (dir[0] != '\0') {
        selftest_remove_dir(dir);
    }
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
#define NODE "node grader/labs/08-http-server/selftest/http_server.js {args}"
#define NODE_ONLY                                                                                  \
    "step2,step4,step5,step7,step8,step9,step10,methods,uri-limit,header-limits,"                  \
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

/* The checks no other bug loses, each graded alone with the bug it targets
 * (seeds 104 to 118). */
static void test_bug_refusals(void)
{
    if (selftest_have("python3")) {
        expect_bug("no-isreg", 104, "not-found", "not-found", 1);
        expect_bug("split-ws", 105, "malformed", "malformed", 1);
        expect_bug("unknown-405", 106, "methods", "methods", 1);
        expect_bug("no-uri-limit", 107, "uri-limit", "uri-limit", 1);
        expect_bug("fields-101", 108, "header-limits", "header-limits", 1);
        expect_bug("allow-all", 109, "methods,json-routes", "methods json-routes", 2);
    }
}

static void test_bug_more_content(void)
{
    if (selftest_have("python3")) {
        expect_bug("redirect-query", 110, "index", "index", 1);
        expect_bug("chunk-decimal", 111, "bodies", "bodies", 1);
        expect_bug("cl-int", 112, "framing", "framing", 1);
        expect_bug("body-limit-off", 113, "body-limits", "body-limits", 1);
        expect_bug("plus-literal", 114, "json-routes", "json-routes", 1);
        expect_bug("fixed-host", 115, "curl", "curl", 1);
        expect_bug("no-408", 116, "timeouts", "timeouts", 1);
        expect_bug("docroot-unchecked", 118, "start-errors", "start-errors", 1);
    }
}

/* HTTPS (step 10): the seed's wrong Content-Length over TLS, a chain
 * without its intermediate, no close_notify, a partial write taken whole,
 * the handshake in the accepting thread, an exit on a failed handshake,
 * and ALPN offering h2 to curl (seeds 123 to 129). */
static void test_bug_https(void)
{
    if (selftest_have("python3")) {
        expect_bug("bad-length", 123, "https-get", "https-get", 1);
        expect_bug("no-chain", 124, "https-get", "https-get", 1);
        expect_bug("no-close-notify", 125, "https-curl,https-get", "https-get", 2);
        expect_bug("one-write", 126, "https-get,https-big", "https-big", 2);
        expect_bug("handshake-in-accept", 127, "https-stalled", "https-stalled", 1);
        expect_bug("accept-exit", 128, "https-get,https-plaintext", "https-plaintext", 2);
        expect_bug("alpn-h2", 129, "https-get,https-curl", "https-curl", 2);
    }
}

/* Mode 0 stops every user but root: forbidden is probed when the server
 * runs as the sandbox's own user, which needs an interpreter that user can
 * reach (a python3 under /usr/bin, as CI installs it; not one under a
 * home directory of mode 700). */
static void test_bug_forbidden(void)
{
    if (access("/usr/bin/python3", X_OK) == 0 && getuid() == 0) {
        selftest_expect("08 --seed 117 --only forbidden --server 'BUG=forbidden-404 "
                        "/usr/bin/python3 grader/labs/08-http-server/selftest/http_server.py "
                        "{args}'",
                        NULL, "forbidden", 1);
    }
}

/* SIGTERM goes to the server's own process: a command that starts with
 * VAR=value is a shell that waits for it (dash forks for it), so env runs
 * the interpreter in the shell's place. */
static void test_bug_sigterm(void)
{
    if (selftest_have("python3")) {
        selftest_expect("08 --seed 119 --only sigterm --server 'env BUG=term-exit " PY "'", NULL,
                        "sigterm", 1);
        expect_bug("pool-leak", 120, "pool", "pool", 1);
    }
}

/* What a browser trips on: a stylesheet it refuses for its type (strict
 * MIME checking), and a name whose UTF-8 bytes come back as latin-1
 * letters (json-routes sends ASCII names only). */
static void test_bug_browser(void)
{
    if (selftest_have("python3")) {
        expect_bug("css-plain", 121, "browser", "browser", 1);
        expect_bug("latin1-name", 122, "browser", "browser", 1);
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
 * the default: full marks on the black-box checks, HTTPS included. */
static void test_solution_epoll(void)
{
    char dir[PATH_MAX];
    if (build_solution("epoll08", "address,undefined", dir, sizeof dir) == 0) {
        /* One thread and no pool: the pool check, which asks for
         * --strategy pool, it cannot pass; started without --cert, nor
         * the HTTPS ones, which it then passes started with it. */
        expect_built(dir, 9, "http_server --strategy epoll {port} {docroot}",
                     "pool https-get https-big https-stalled https-plaintext https-curl");
        gr_str args = {0}, cmdline = {0};
        gr_str_add(&args, "08 --seed 10 --only step10 --server");
        gr_str_addf(&cmdline,
                    "%s/08-http-server/http_server --strategy epoll --cert {docroot}/../tls/"
                    "server.pem --key {docroot}/../tls/server.key --chain {docroot}/../tls/"
                    "intermediate.pem {port} {docroot}",
                    dir);
        gr_str_add_word(&args, gr_str_cstr(&cmdline));
        selftest_expect(gr_str_cstr(&args), NULL, "", 5);
        gr_str_free(&cmdline);
        gr_str_free(&args);
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
        {"lab 08: a FIFO served, whitespace split, 405 for an unknown method, no URI limit, "
         "101 fields, Allow listing every method",
         test_bug_refusals},
        {"lab 08: a 301 without its query, decimal chunk sizes, int() lengths, a limit off by "
         "one, + kept, a fixed host in Location, no 408, DOCROOT unchecked",
         test_bug_more_content},
        {"lab 08: a file that cannot be read is 404", test_bug_forbidden},
        {"lab 08: SIGTERM exits at once, the answer in flight cut; a pool's place never given "
         "back",
         test_bug_sigterm},
        {"lab 08: in a browser, a stylesheet as text/plain, a name decoded as latin-1",
         test_bug_browser},
        {"lab 08: HTTPS: a wrong Content-Length, no intermediate, no close_notify, a partial "
         "write taken whole, the handshake in accept, an exit on a bad handshake, ALPN h2",
         test_bug_https},
        {"lab 08: the solution's epoll strategy under ASan and UBSan gets full marks",
         test_solution_epoll},
        {NULL, NULL},
    };
    return cu_add_suite("lab08", tests);
}
