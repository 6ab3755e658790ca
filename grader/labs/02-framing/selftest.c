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

/* Lab 02 has 21 checks: 17 server checks and 4 client checks. */
#define LAB02_ALL 21
#define LAB02_SERVER 17
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

static void test_node(void)
{
    /* Node.js keeps and frees its buffers lazily: its memory comes and goes
     * by tens of MiB whatever the file's size, which large-file must not
     * take for memory that grows with the input. */
    expect_other02("node", "grader/labs/02-framing/selftest/file_server.js", 41, "");
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
    selftest_scale("0.3"); /* one recv() waits for bytes that never come */
    expect_server02("bug_file_seed", 61,
                    "header-pieces body-with-header hostile-names name-with-bar bad-sizes "
                    "disconnect-mid-body leave-anytime");
    selftest_scale(NULL);
}

static void test_bug_direct(void)
{
    /* The cut bodies of leave-anytime stay under NAME too. */
    expect_server02("bug_file_direct", 62, "disconnect-mid-body leave-anytime");
}

static void test_bug_memory(void)
{
    /* It cannot say OK to 2^40 bytes either: malloc() refuses them. */
    expect_server02("bug_file_memory", 63, "large-file size-edges");
}

static void test_bug_client(void)
{
    expect02("--client", "build/selftest/bug_file_send {host} {port} upload.bin", 64,
             "client-slow-ack client-err client-no-done", LAB02_CLIENT);
}

/* ---- hints that follow the cause ------------------------------------------------- */

/* Grade "02 --seed SEED EXTRA OPTION 'ROOT/COMMAND'" in a fresh directory,
 * expect exactly want_failed, and every failed check's output to show the
 * cause-specific hint (words) instead of the general one (not_words, when
 * not NULL: never). */
static void expect02_hint(const char *option, const char *command, const char *extra, int seed,
                          const char *want_failed, int want_ntests, const char *words,
                          const char *not_words)
{
    /* A Python program runs as "python3 ROOT/PATH". */
    int py = strncmp(command, "python3 ", 8) == 0;
    char args[PATH_MAX + 500];
    snprintf(args, sizeof args, "02 --seed %d %s %s '%s%s/%s'", seed, extra, option,
             py ? "python3 " : "", selftest_root(), py ? command + 8 : command);
    char cwd[PATH_MAX + 64];
    CU_ASSERT_EQUAL_FATAL(selftest_fresh_dir("lab02", cwd, sizeof cwd), 0);
    selftest_expect_hint(args, cwd, want_failed, want_ntests, words, not_words);
    selftest_remove_dir(cwd);
}

/* The hint of one mode of bug_file_modes, graded on the one check it fails. */
static void expect_mode(const char *mode, const char *check, int seed, const char *words)
{
    char command[200];
    snprintf(command, sizeof command, "build/selftest/bug_file_modes %s {port} received", mode);
    char only[64];
    snprintf(only, sizeof only, "--only %s", check);
    expect02_hint("--server", command, only, seed, check, 1, words, NULL);
}

static void test_hint_names(void)
{
    /* Each hostile name a server says OK to shows the check it lacks. */
    expect_mode("slash", "hostile-names", 80, "\"../escape-...\" climbs out of the directory");
    expect_mode("dotdot", "hostile-names", 81, "an absolute path names a file anywhere");
    expect_mode("empty", "hostile-names", 82, "an empty one names the directory itself");
    expect_mode("nul", "hostile-names", 83, "A NAME holds no NUL byte");
    expect_mode("long", "hostile-names", 84, "A NAME has at most 255 bytes");
    expect_mode("dots", "hostile-names", 85, "A NAME is neither . nor ..");
    /* The seed's receiver: joined without checks. */
    expect02_hint("--server", "build/selftest/bug_file_seed {port} received",
                  "--only hostile-names", 86, "hostile-names", 1,
                  "\"../escape-...\" climbs out of the directory", NULL);
}

static void test_rules_edges(void)
{
    /* One rule of the guide broken each, either way: a value just outside
     * taken, or one just inside refused. */
    expect_mode("name256", "hostile-names", 120, "A NAME has at most 255 bytes");
    expect_mode("del", "hostile-names", 121, "bytes 1 to 31 and 127 (DEL) are refused");
    expect_mode("onedot", "hostile-names", 122, "A NAME is neither . nor ..");
    expect_mode("nopipe", "hostile-names", 129, "without a '|' there is no SIZE");
    expect_mode("ascii", "names-allowed", 123, "refuses a valid NAME is as wrong");
    expect_mode("firstbar", "name-with-bar", 124, "not the first (strchr(), strtok())");
    expect_mode("base0", "size-edges", 125, "base 0 reads 0010 as octal");
    expect_mode("nozeros", "size-edges", 133, "leading zeros included: \"0010\" is 10");
    expect_mode("max40", "size-edges", 134, "SIZE may be 2^40 (1099511627776) itself");
    /* These two never answer: a shorter deadline says the same, sooner. */
    selftest_scale("0.3");
    expect_mode("hdr1025", "long-header", 126, "once 1024 bytes have come without one");
    expect_mode("recvbody", "body-with-header", 127, "A buffered reader reads ahead");
    selftest_scale(NULL);
    expect_mode("noreplace", "replace-existing", 128, "An upload replaces a file of the same name");
}

static void test_leaving(void)
{
    /* A read of 0 taken for "try again": every client that closes keeps it
     * spinning, in leave-anytime and in fd-count's clients gone mid-header. */
    selftest_scale("0.3"); /* it never closes: its deadline is all it shows */
    expect_mode("spin", "leave-anytime", 130, "A read of 0 bytes is the end of the stream");
    selftest_scale(NULL);
    expect_mode("zombie", "leave-anytime", 131, "a child process is reaped");
    expect_mode("thread", "leave-anytime", 135, "a thread is joined or detached");
    /* The named bug: the temporary file's descriptor stays open; graded
     * whole, it loses fd-count and nothing else. */
    expect02_hint("--server", "build/selftest/bug_file_modes fdleak {port} received", "", 132,
                  "fd-count", LAB02_SERVER, "Every descriptor opened for a client is closed", NULL);
}

static void test_hint_sizes(void)
{
    /* Each way of parsing SIZE shows the size it let through and why. A
     * server that said OK to a size waits for a body that never comes: a
     * shorter deadline says the same, sooner. */
    selftest_scale("0.3");
    expect_mode("atoi", "bad-sizes", 87, "\"abc\" has no digit. In C: atoi(\"abc\") is 0");
    expect_mode("strtoull", "bad-sizes", 88, "\" 10\" starts with a space");
    expect_mode("nocount", "bad-sizes", 89, "20 digits are more than 13");
    expect_mode("nolimit", "bad-sizes", 90, "1099511627777 is more than 2^40");
    selftest_scale(NULL);
}

static void test_hint_server_ends(void)
{
    /* A server that ends on a bad header: its exit status, or Python's
     * traceback for a NUL in a path. */
    expect02_hint("--server", "build/selftest/bug_file_modes exit {port} received", "", 91,
                  "hostile-names bad-sizes long-header fd-count", LAB02_SERVER,
                  "A refused header ends that client, not the server", NULL);
    if (system("command -v python3 >/dev/null 2>&1") == 0) {
        expect02_hint("--server",
                      "python3 grader/labs/02-framing/selftest/file_server_nul.py {port} received",
                      "", 92, "hostile-names", LAB02_SERVER,
                      "the server died of Python's ValueError for a NUL byte", NULL);
    }
}

static void test_hint_python_decode(void)
{
    /* A body decoded as text: random bytes end the server, and its
     * traceback, not the bytes on the wire, says why. */
    if (system("command -v python3 >/dev/null 2>&1") != 0) {
        return;
    }
    expect02_hint(
        "--server", "python3 grader/labs/02-framing/selftest/file_server_text.py {port} received",
        "", 97,
        "header-pieces odd-chunks body-with-header large-file disconnect-mid-body "
        "leave-anytime fd-count",
        LAB02_SERVER, "A body is bytes, not text: the server's stderr shows a UnicodeDecodeError",
        "One recv() is not one header");
}

static void test_hint_partial_files(void)
{
    /* A partial file under NAME, or a temporary file left behind. */
    expect02_hint("--server", "build/selftest/bug_file_direct {port} received",
                  "--only disconnect-mid-body", 93, "disconnect-mid-body", 1,
                  "the body was written straight to NAME", NULL);
    expect02_hint("--server", "build/selftest/bug_file_modes keeptemp {port} received", "", 94,
                  "disconnect-mid-body leave-anytime", LAB02_SERVER, "the temporary file stayed",
                  NULL);
}

static void test_hint_client_early_body(void)
{
    expect02_hint("--client", "build/selftest/bug_file_send {host} {port} upload.bin",
                  "--only client-slow-ack", 95, "client-slow-ack", 1,
                  "the client sent body bytes before the server had answered", NULL);
}

/* Servers that start wrong lose start-errors (grader/tests/programs/bug_start.c). */
static void test_start_errors(void)
{
    selftest_expect("02 --seed 53 --only start-errors --server 'build/selftest/bug_start exit0 2 "
                    "{port} received'",
                    NULL, "start-errors", 1);
    selftest_expect("02 --seed 54 --only start-errors --server 'build/selftest/bug_start usage1 2 "
                    "{port} received'",
                    NULL, "start-errors", 1);
}

int register_lab02_tests(void)
{
    static const cu_test tests[] = {
        {"lab 02: the solution gets full marks", test_solution_full_marks},
        {"lab 02: a correct server in Python gets full marks", test_other_languages},
        {"lab 02: a correct server in Node.js gets full marks", test_node},
        {"lab 02: the solution as --server and --client commands", test_solution_as_command},
        {"lab 02: the skeleton does not", test_skeleton_not_full},
        {"lab 02: the seed's receiver (one recv, no name checks)", test_bug_seed},
        {"lab 02: writes straight to NAME", test_bug_direct},
        {"lab 02: reads the body into memory", test_bug_memory},
        {"lab 02: a client that never waits for a reply", test_bug_client},
        {"lab 02: hints for each hostile name let through", test_hint_names},
        {"lab 02: hints for each bad size let through", test_hint_sizes},
        {"lab 02: each rule broken at its edge, either way", test_rules_edges},
        {"lab 02: clients that leave, and descriptors", test_leaving},
        {"lab 02: hints for a server that ends on a bad header", test_hint_server_ends},
        {"lab 02: hints for a partial file and a temporary file left", test_hint_partial_files},
        {"lab 02: hint for Python's .decode() of a body", test_hint_python_decode},
        {"lab 02: hint for a body sent before OK", test_hint_client_early_body},
        {"lab 02: exit 0 on a failed bind, exit 1 for a usage error", test_start_errors},
        {NULL, NULL},
    };
    return cu_add_suite("lab02", tests);
}
