/* test_handout.c - the kit as instructors ship it: the students' hand-out,
 * the Gradescope autograder and the GitHub Classroom workflow.
 *
 * Each is built with its make target, then tried the way it will be used:
 * the hand-out is unpacked elsewhere, built on its own and grades the
 * skeleton; the autograder is unpacked under a stand-in for /autograder
 * (AUTOGRADER_ROOT), built by its setup.sh (without apt-get) and run on the
 * reference solution and on code that does not compile; the workflow is
 * checked to be YAML that grades the right lab. */
#include "cu_run.h"
#include "tests/e2e/grade_run.h"
#include "engine/grader.h"
#include "os/proc.h"
#include "text/strbuf.h"

#include <jansson.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Lab 01: the checks students see, and the hidden ones the instructor adds. */
#define LAB01_CHECKS selftest_lab_count("01", ST_CHECKS)
#define LAB01_HIDDEN_CHECKS selftest_lab_count("01", ST_HIDDEN_CHECKS)

/* Builds of the whole kit get minutes; everything else, seconds. */
#define BUILD_MS (300 * 1000)
#define QUICK_MS (60 * 1000)

/* run_cmd()'s expected status when any status is fine. */
#define ANY (-100)

static char root[PATH_MAX];

/* The kit's root, as the self-tests find it (grade_run.h). */
static int find_root(void)
{
    snprintf(root, sizeof root, "%s", selftest_root());
    return 0;
}

/* Run a shell command in the kit's top directory and return its exit status
 * (-1 if it did not exit in time). Its stdout and stderr, merged, go to *out
 * (malloc'd) when out is not NULL, and are printed when the status is not
 * @p want (ANY: never), so that a failure shows why. A make running this test must not
 * pass its jobserver or its variables on to the makes run here. */
static int run_cmd(const char *cmd, int timeout_ms, int want, char **out)
{
    gr_str full = {0};
    gr_str_addf(&full,
                "unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES SOCKLAB_ROOT AUTOGRADER_ROOT; "
                "exec 2>&1; %s",
                cmd);
    gr_proc p;
    memset(&p, 0, sizeof p);
    gr_spawn_opts so = {.so_cwd = root, .so_keep_stdout = 256 * 1024};
    int status = -1;
    if (gr_proc_spawn(&p, gr_str_cstr(&full), &so, NULL) == 0) {
        int done = gr_proc_wait(&p, timeout_ms);
        gr_proc_stop(&p, 1000);
        if (done && WIFEXITED(p.pr_status)) {
            status = WEXITSTATUS(p.pr_status);
        }
        size_t len = 0;
        char *text = gr_proc_output(&p, 0, &len, NULL);
        if (want != ANY && status != want) {
            fprintf(stderr, "\nhandout: `%s` gave status %d, not %d; its output ends:\n%s\n", cmd,
                    status, want, text != NULL ? text : "");
        }
        if (out != NULL) {
            *out = text;
        } else {
            free(text);
        }
        gr_proc_free(&p);
    } else if (out != NULL) {
        *out = NULL;
    }
    gr_str_free(&full);
    return status;
}

/* Does this shell command succeed (e.g. is a tool installed)? */
static int have(const char *cmd)
{
    return run_cmd(cmd, QUICK_MS, ANY, NULL) == 0;
}

static int contains(const char *text, const char *needle)
{
    return text != NULL && strstr(text, needle) != NULL;
}

/* ---- the students' hand-out ------------------------------------------------- */

static void test_handout(void)
{
    long started = gr_now_ms();
    char dir[64];
    snprintf(dir, sizeof dir, "build/tests/handout-%d", (int)getpid());
    gr_str cmd = {0};
    char *out = NULL;

    CU_ASSERT_EQUAL_FATAL(run_cmd("make --no-print-directory handout", QUICK_MS, 0, &out), 0);
    CU_ASSERT(contains(out, "build/handout/socklab-handout.tar.gz"));
    CU_ASSERT(contains(out, "KiB"));
    free(out);

    gr_str_addf(&cmd,
                "rm -rf %s && mkdir -p %s && tar xzf build/handout/socklab-handout.tar.gz -C %s",
                dir, dir, dir);
    CU_ASSERT_EQUAL_FATAL(run_cmd(gr_str_cstr(&cmd), QUICK_MS, 0, NULL), 0);
    gr_str_free(&cmd);

    /* What must not be there, and what must. */
    gr_str_addf(
        &cmd,
        "cd %s && ls && test -f socklab/Makefile && test -f socklab/labs/01-tcp-echo/echo_server.c",
        dir);
    CU_ASSERT_EQUAL(run_cmd(gr_str_cstr(&cmd), QUICK_MS, 0, &out), 0);
    CU_ASSERT_STRING_EQUAL(out != NULL ? out : "", "socklab\n"); /* one top directory */
    free(out);
    gr_str_free(&cmd);
    gr_str_addf(
        &cmd,
        "cd %s/socklab && test ! -e solutions && test -z \"$(find grader -name selftest)\" && "
        "test -z \"$(find grader -name hidden.c)\"",
        dir);
    CU_ASSERT_EQUAL(run_cmd(gr_str_cstr(&cmd), QUICK_MS, 0, NULL), 0);
    gr_str_free(&cmd);
    gr_str_addf(&cmd, "grep -q \"students' copy\" %s/socklab/README.md", dir);
    CU_ASSERT_EQUAL(run_cmd(gr_str_cstr(&cmd), QUICK_MS, 0, NULL), 0);
    gr_str_free(&cmd);

    /* It builds on its own: its own library and grader, no hidden checks. */
    gr_str_addf(&cmd, "make -C %s/socklab -j2 --no-print-directory", dir);
    CU_ASSERT_EQUAL_FATAL(run_cmd(gr_str_cstr(&cmd), BUILD_MS, 0, NULL), 0);
    gr_str_free(&cmd);

    /* demo and check say they need the full kit, at once. */
    gr_str_addf(&cmd, "make -C %s/socklab --no-print-directory demo", dir);
    CU_ASSERT_NOT_EQUAL(run_cmd(gr_str_cstr(&cmd), QUICK_MS, 2, &out), 0);
    CU_ASSERT(contains(out, "need the full kit"));
    free(out);
    gr_str_free(&cmd);
    gr_str_addf(&cmd, "make -C %s/socklab --no-print-directory check", dir);
    CU_ASSERT_NOT_EQUAL(run_cmd(gr_str_cstr(&cmd), QUICK_MS, 2, &out), 0);
    CU_ASSERT(contains(out, "need the full kit"));
    free(out);
    gr_str_free(&cmd);

    /* So does the grader, asked for the solution. */
    gr_str_addf(&cmd, "cd %s/socklab && bin/grade 01 --solution", dir);
    CU_ASSERT_EQUAL(run_cmd(gr_str_cstr(&cmd), QUICK_MS, 3, &out), 3);
    CU_ASSERT(contains(out, "solutions are not part of this copy"));
    free(out);
    gr_str_free(&cmd);

    /* The list has no hidden checks. */
    gr_str_addf(&cmd, "cd %s/socklab && bin/grade 01 --list", dir);
    CU_ASSERT_EQUAL(run_cmd(gr_str_cstr(&cmd), QUICK_MS, 0, &out), 0);
    CU_ASSERT(contains(out, "half-close"));
    CU_ASSERT(!contains(out, "hidden"));
    free(out);
    gr_str_free(&cmd);

    /* Its grader grades its skeleton: not full marks, the 17 checks. (The
     * hand-out carries labs/ as it is, maybe with a student's work: put the
     * skeleton as shipped in its place first.) */
    char skel[PATH_MAX];
    CU_ASSERT_FATAL(selftest_skeleton("01-tcp-echo", skel, sizeof skel) >= 0);
    gr_str_addf(&cmd,
                "cd %s/socklab && rm -rf labs/01-tcp-echo && cp -R '%s/01-tcp-echo' labs/ && "
                "bin/grade 01 --seed 7 --format json --output grade.json",
                dir, skel);
    CU_ASSERT_EQUAL(run_cmd(gr_str_cstr(&cmd), BUILD_MS, 1, NULL), 1);
    selftest_remove_dir(skel);
    gr_str_free(&cmd);
    gr_str_addf(&cmd, "%s/%s/socklab/grade.json", root, dir);
    json_error_t jerr;
    json_t *doc = json_load_file(gr_str_cstr(&cmd), 0, &jerr);
    gr_str_free(&cmd);
    CU_ASSERT_PTR_NOT_NULL(doc);
    if (doc != NULL) {
        json_int_t score = json_integer_value(json_object_get(doc, "score"));
        json_int_t max = json_integer_value(json_object_get(doc, "max_score"));
        json_t *tests = json_object_get(doc, "tests");
        CU_ASSERT(max > 0);
        CU_ASSERT(score < max);
        CU_ASSERT_EQUAL(json_array_size(tests), LAB01_CHECKS);
        size_t i;
        json_t *t;
        json_array_foreach(tests, i, t)
        {
            CU_ASSERT(!json_is_true(json_object_get(t, "hidden")));
        }
        json_decref(doc);
    }

    gr_str_addf(&cmd, "rm -rf %s", dir);
    CU_ASSERT_EQUAL(run_cmd(gr_str_cstr(&cmd), QUICK_MS, 0, NULL), 0);
    gr_str_free(&cmd);
    fprintf(stderr, "\n  (hand-out built, unpacked, built and graded: %.1f s) ",
            (double)(gr_now_ms() - started) / 1000.0);
}

/* ---- the Gradescope autograder ---------------------------------------------- */

/* Run the autograder under GS (a stand-in for /autograder) and read its
 * results.json. */
static json_t *autograde(const char *gs)
{
    gr_str cmd = {0};
    gr_str_addf(&cmd, "rm -rf %s/results && AUTOGRADER_ROOT=%s/%s %s/source/run_autograder", gs,
                root, gs, gs);
    CU_ASSERT_EQUAL(run_cmd(gr_str_cstr(&cmd), BUILD_MS, 0, NULL), 0);
    gr_str_free(&cmd);
    gr_str_addf(&cmd, "%s/%s/results/results.json", root, gs);
    json_error_t jerr;
    json_t *doc = json_load_file(gr_str_cstr(&cmd), 0, &jerr);
    if (doc == NULL) {
        fprintf(stderr, "\nhandout: %s is not JSON: %s (line %d)\n", gr_str_cstr(&cmd), jerr.text,
                jerr.line);
    }
    gr_str_free(&cmd);
    return doc;
}

static void test_gradescope(void)
{
    long started = gr_now_ms();
    char gs[64];
    snprintf(gs, sizeof gs, "build/tests/gs-%d", (int)getpid());
    gr_str cmd = {0};
    char *out = NULL;

    /* LAB is required. */
    CU_ASSERT_EQUAL(run_cmd("make --no-print-directory gradescope", QUICK_MS, 2, &out), 2);
    CU_ASSERT(contains(out, "usage: make gradescope LAB="));
    free(out);

    CU_ASSERT_EQUAL_FATAL(run_cmd("make --no-print-directory gradescope LAB=01", QUICK_MS, 0, &out),
                          0);
    CU_ASSERT(contains(out, "build/gradescope/socklab-01-autograder.zip"));
    free(out);

    gr_str_addf(&cmd,
                "rm -rf %s && mkdir -p %s/source %s/submission && "
                "unzip -q build/gradescope/socklab-01-autograder.zip -d %s/source",
                gs, gs, gs, gs);
    CU_ASSERT_EQUAL_FATAL(run_cmd(gr_str_cstr(&cmd), QUICK_MS, 0, NULL), 0);
    gr_str_free(&cmd);

    /* Gradescope's two scripts at the top; hidden checks in, solutions out. */
    gr_str_addf(&cmd,
                "cd %s/source && test -x setup.sh && test -x run_autograder && "
                "test -f grader/labs/01-tcp-echo/hidden.c && test ! -e solutions",
                gs);
    CU_ASSERT_EQUAL(run_cmd(gr_str_cstr(&cmd), QUICK_MS, 0, NULL), 0);
    gr_str_free(&cmd);

    /* setup.sh without apt-get: it builds the kit. */
    gr_str_addf(&cmd, "cd %s/source && SOCKLAB_SKIP_APT=1 ./setup.sh", gs);
    CU_ASSERT_EQUAL_FATAL(run_cmd(gr_str_cstr(&cmd), BUILD_MS, 0, NULL), 0);
    gr_str_free(&cmd);

    /* The reference solution, uploaded as two files: full marks, with the
     * hidden check, which students see once grades are published. */
    gr_str_addf(&cmd,
                "cp solutions/01-tcp-echo/echo_server.c solutions/01-tcp-echo/echo_client.c "
                "%s/submission/",
                gs);
    CU_ASSERT_EQUAL_FATAL(run_cmd(gr_str_cstr(&cmd), QUICK_MS, 0, NULL), 0);
    gr_str_free(&cmd);
    json_t *doc = autograde(gs);
    CU_ASSERT_PTR_NOT_NULL(doc);
    if (doc != NULL) {
        json_t *score = json_object_get(doc, "score");
        json_t *max = json_object_get(doc, "max_score");
        CU_ASSERT(json_is_number(score) && json_is_number(max));
        CU_ASSERT(json_number_value(max) > 0);
        CU_ASSERT_DOUBLE_EQUAL(json_number_value(score), json_number_value(max), 1e-9);
        json_t *tests = json_object_get(doc, "tests");
        CU_ASSERT_EQUAL(json_array_size(tests), LAB01_CHECKS + LAB01_HIDDEN_CHECKS);
        size_t i;
        json_t *t;
        int after_published = 0;
        json_array_foreach(tests, i, t)
        {
            const char *vis = json_string_value(json_object_get(t, "visibility"));
            if (vis != NULL && strcmp(vis, "after_published") == 0) {
                after_published++;
            }
        }
        CU_ASSERT_EQUAL(after_published, LAB01_HIDDEN_CHECKS);
        /* The top of the results says which files were graded. */
        CU_ASSERT(contains(json_string_value(json_object_get(doc, "output")), "echo_server.c") ||
                  !have("command -v python3"));
        json_decref(doc);
    }

    /* A server that does not compile: still valid results, no point for a
     * server check, and the compiler's words (the client, which compiles,
     * is graded as it is). */
    gr_str_addf(&cmd,
                "printf 'int main(void)\\n{\\n    return socklab_nope;\\n}\\n' "
                ">%s/submission/echo_server.c",
                gs);
    CU_ASSERT_EQUAL_FATAL(run_cmd(gr_str_cstr(&cmd), QUICK_MS, 0, NULL), 0);
    gr_str_free(&cmd);
    doc = autograde(gs);
    CU_ASSERT_PTR_NOT_NULL(doc);
    if (doc != NULL) {
        json_t *tests = json_object_get(doc, "tests");
        CU_ASSERT_EQUAL(json_array_size(tests), LAB01_CHECKS + LAB01_HIDDEN_CHECKS);
        int words = 0;
        size_t i;
        json_t *t;
        json_array_foreach(tests, i, t)
        {
            const char *output = json_string_value(json_object_get(t, "output"));
            /* Gradescope's tags are the step and the kind. */
            const char *kind = json_string_value(json_array_get(json_object_get(t, "tags"), 1));
            if (kind != NULL && strcmp(kind, "server") == 0) {
                CU_ASSERT(json_number_value(json_object_get(t, "score")) == 0);
            }
            words += contains(output, "socklab_nope");
        }
        CU_ASSERT(words >= 1);
        /* With python3 (which setup.sh installs) run_autograder lifts the
         * compiler's words to the top-level output too. */
        const char *top = json_string_value(json_object_get(doc, "output"));
        CU_ASSERT(contains(top, "socklab_nope") || !have("command -v python3"));
        json_decref(doc);
    }

    /* Nothing the autograder knows: valid results that say what to upload. */
    gr_str_addf(&cmd, "rm -f %s/submission/* && echo notes >%s/submission/notes.txt", gs, gs);
    CU_ASSERT_EQUAL_FATAL(run_cmd(gr_str_cstr(&cmd), QUICK_MS, 0, NULL), 0);
    gr_str_free(&cmd);
    doc = autograde(gs);
    CU_ASSERT_PTR_NOT_NULL(doc);
    if (doc != NULL) {
        CU_ASSERT(json_number_value(json_object_get(doc, "score")) == 0);
        CU_ASSERT(contains(json_string_value(json_object_get(doc, "output")), "echo_server.c"));
        json_decref(doc);
    }

    gr_str_addf(&cmd, "rm -rf %s", gs);
    CU_ASSERT_EQUAL(run_cmd(gr_str_cstr(&cmd), QUICK_MS, 0, NULL), 0);
    gr_str_free(&cmd);
    fprintf(stderr, "\n  (autograder zipped, set up and run 3 times: %.1f s) ",
            (double)(gr_now_ms() - started) / 1000.0);
}

/* ---- the GitHub Classroom workflow ------------------------------------------- */

static void test_classroom(void)
{
    long started = gr_now_ms();
    char *out = NULL;
    CU_ASSERT_EQUAL(run_cmd("make --no-print-directory classroom", QUICK_MS, 2, &out), 2);
    CU_ASSERT(contains(out, "usage: make classroom LAB="));
    free(out);

    CU_ASSERT_EQUAL_FATAL(run_cmd("make --no-print-directory classroom LAB=01", QUICK_MS, 0, NULL),
                          0);
    const char *path = "build/classroom/01/.github/workflows/socklab-01.yml";
    gr_str cmd = {0};
    gr_str_addf(&cmd, "cat %s", path);
    CU_ASSERT_EQUAL_FATAL(run_cmd(gr_str_cstr(&cmd), QUICK_MS, 0, &out), 0);
    gr_str_free(&cmd);
    CU_ASSERT(contains(out, "lab 01"));
    CU_ASSERT(contains(out, "bin/grade 01 --format json --output grade.json"));
    CU_ASSERT(contains(out, "upload-artifact"));
    CU_ASSERT(contains(out, "autograding-grading-reporter"));
    CU_ASSERT(contains(out, "Points "));
    free(out);
    CU_ASSERT_EQUAL(run_cmd("test -f build/classroom/01/README-classroom.md", QUICK_MS, 0, NULL),
                    0);

    /* Valid YAML with the job's steps, where python3 has the yaml module. */
    if (have("python3 -c 'import yaml'")) {
        gr_str_addf(&cmd,
                    "python3 -c 'import sys, yaml; d = yaml.safe_load(open(sys.argv[1])); "
                    "steps = d[\"jobs\"][\"run-autograding-tests\"][\"steps\"]; "
                    "assert any(\"bin/grade 01\" in s.get(\"run\", \"\") for s in steps)' %s",
                    path);
        CU_ASSERT_EQUAL(run_cmd(gr_str_cstr(&cmd), QUICK_MS, 0, NULL), 0);
        gr_str_free(&cmd);

        /* Its grading step, run here as Actions would (bash -e), grades the
         * kit's skeleton: the points and "not full marks" as step outputs. */
        char dir[64];
        snprintf(dir, sizeof dir, "build/tests/classroom-%d", (int)getpid());
        gr_str_addf(&cmd,
                    "rm -rf %s && mkdir -p %s && ln -s \"$PWD/bin\" %s/bin && "
                    "python3 -c 'import sys, yaml; d = yaml.safe_load(open(sys.argv[1])); "
                    "steps = d[\"jobs\"][\"run-autograding-tests\"][\"steps\"]; "
                    "open(sys.argv[2], \"w\").write([s for s in steps if s.get(\"id\") == "
                    "\"socklab\"][0][\"run\"])' %s %s/step.sh && cd %s && "
                    "GITHUB_OUTPUT=out GITHUB_STEP_SUMMARY=summary bash -e step.sh && "
                    "cat out summary",
                    dir, dir, dir, path, dir, dir);
        CU_ASSERT_EQUAL(run_cmd(gr_str_cstr(&cmd), BUILD_MS, 0, &out), 0);
        gr_str_free(&cmd);
        CU_ASSERT(contains(out, "\nPoints "));
        CU_ASSERT(contains(out, "\npoints="));
        CU_ASSERT(contains(out, "\nfull="));
        CU_ASSERT(contains(out, "\nresult="));
        CU_ASSERT(contains(out, "| client-echo |"));
        free(out);
        gr_str_addf(&cmd, "rm -rf %s", dir);
        CU_ASSERT_EQUAL(run_cmd(gr_str_cstr(&cmd), QUICK_MS, 0, NULL), 0);
        gr_str_free(&cmd);
    } else {
        fprintf(stderr, "\nhandout: no python3 yaml module; the workflow's YAML is not parsed\n");
    }
    fprintf(stderr, "\n  (workflow written and its grading step run: %.1f s) ",
            (double)(gr_now_ms() - started) / 1000.0);
}

int register_handout_tests(void)
{
    static const cu_test tests[] = {
        {"students' hand-out: built, unpacked, built again, grades the skeleton", test_handout},
        {"Gradescope autograder: setup.sh, run_autograder, results.json", test_gradescope},
        {"GitHub Classroom workflow", test_classroom},
        {NULL, NULL},
    };
    if (find_root() < 0) {
        return -1;
    }
    return cu_add_suite("handout", tests);
}
