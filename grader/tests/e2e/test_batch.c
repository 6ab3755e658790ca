/* test_batch.c - self-test of batch grading (bin/grade LAB --batch DIR).
 *
 * Makes a class of 30 submissions from the kit itself: copies of the
 * reference solution, copies whose server is one of the self-test's buggy
 * servers, the skeleton, one that does not compile, one with no Makefile and
 * one laid out like a checkout of the whole kit. Grades them in one batch and
 * checks the gradebook row by row: each buggy server loses exactly the
 * checks it is meant to fail (the same sets as test_selftest.c), and the
 * summary's pass rates agree with the rows. */
#include "cu_run.h"
#include "tests/e2e/grade_run.h"
#include "engine/engine.h"
#include "os/proc.h"

#include <dirent.h>
#include <jansson.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char root[PATH_MAX];

/* From test_proc.c: processes whose command line contains a marker. */
int count_processes_with(const char *marker);

/* Lab 01 with its hidden check, counted from its table. */
#define LAB01_CHECKS                                                                               \
    (selftest_lab_count("01", ST_CHECKS) + selftest_lab_count("01", ST_HIDDEN_CHECKS))
#define LAB01_MAX selftest_lab_count("01", ST_POINTS)
#define CLASS_SIZE 30

/* The buggy servers and the checks each must fail (as in test_selftest.c).
 * Their client is the solution's, so no client check fails. */
static const struct bug {
    const char *name;
    const char *fails;
} bugs[] = {
    {"bug_cstring", "binary-safe large-payload"},
    {"bug_first_recv", "many-messages byte-at-a-time large-payload half-close"},
    {"bug_partial_send", "large-payload"},
    {"bug_sigpipe", "peer-reset"},
    {"bug_fd_leak", "half-close no-fd-leak peer-leaves"},
    {"bug_no_reuseaddr", "restart"},
    {"bug_newline", "byte-at-a-time large-payload half-close peer-leaves"},
    {"bug_crash", "binary-safe large-payload peer-reset"},
};
#define NBUGS (sizeof bugs / sizeof bugs[0])
/* These three, the classics, are handed in twice. */
static const char *const twice[] = {"bug_sigpipe", "bug_first_recv", "bug_fd_leak"};
#define NTWICE (sizeof twice / sizeof twice[0])
/* Solutions: 15 with "o'brien, pat" among them; 4 special submissions. */
#define NSOLUTIONS (CLASS_SIZE - NBUGS - NTWICE - 4)

/* The kit's root, as the self-tests find it (grade_run.h). */
static int find_root(void)
{
    snprintf(root, sizeof root, "%s", selftest_root());
    return 0;
}

/* Processes whose parent is this test program. */
static int count_children(void)
{
    DIR *d = opendir("/proc");
    if (d == NULL) {
        return -1;
    }
    int count = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char path[300];
        snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
        FILE *f = e->d_name[0] >= '1' && e->d_name[0] <= '9' ? fopen(path, "r") : NULL;
        if (f == NULL) {
            continue;
        }
        char buf[512];
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[n] = '\0';
        const char *rp = strrchr(buf, ')'); /* the command name may hold anything */
        char state;
        int ppid = 0;
        if (rp != NULL && sscanf(rp + 1, " %c %d", &state, &ppid) == 2 && ppid == (int)getpid()) {
            count++;
        }
    }
    closedir(d);
    return count;
}

/* How many processes the last command run by run_in_root() left behind.
 * This program is a subreaper (test_main.c), so whatever escaped every
 * grader below it ends up as its child: counting those is exact, whatever
 * else runs on the machine. */
static int children_left;

/* Run a shell command in the root; returns its exit status, -1 if none.
 * Its stdout is kept in *out (malloc'd) when @p out is not NULL. */
static int run_in_root(const char *cmd, int timeout_ms, char **out)
{
    gr_proc p;
    memset(&p, 0, sizeof p);
    gr_spawn_opts so = {.so_cwd = root, .so_keep_stdout = 1u << 20};
    if (out != NULL) {
        *out = NULL;
    }
    if (gr_proc_spawn(&p, cmd, &so, NULL) < 0) {
        return -1;
    }
    int done = gr_proc_wait(&p, timeout_ms);
    /* The shell is reaped: any child of ours now is a leftover. */
    children_left = done ? count_children() : -1;
    gr_proc_stop(&p, 1000);
    int status = done && WIFEXITED(p.pr_status) ? WEXITSTATUS(p.pr_status) : -1;
    if (out != NULL) {
        size_t len;
        *out = gr_proc_output(&p, 0, &len, NULL);
    }
    gr_proc_free(&p);
    return status;
}

/* ---- a small RFC 4180 reader, enough for the gradebook ----------------------- */

#define MAX_FIELDS 64

typedef struct csv_row {
    char *fields[MAX_FIELDS];
    int n;
} csv_row;

/* Parse one record starting at *p (advanced past its CRLF). */
static int csv_next(const char **p, csv_row *row)
{
    const char *s = *p;
    row->n = 0;
    if (*s == '\0') {
        return 0;
    }
    for (;;) {
        char buf[1024];
        size_t len = 0;
        if (*s == '"') {
            s++;
            while (*s != '\0' && !(*s == '"' && s[1] != '"')) {
                if (*s == '"') {
                    s++; /* a doubled quote */
                }
                if (len < sizeof buf - 1) {
                    buf[len++] = *s;
                }
                s++;
            }
            if (*s == '"') {
                s++;
            }
        } else {
            while (*s != '\0' && *s != ',' && *s != '\r' && *s != '\n') {
                if (len < sizeof buf - 1) {
                    buf[len++] = *s;
                }
                s++;
            }
        }
        buf[len] = '\0';
        if (row->n < MAX_FIELDS) {
            row->fields[row->n++] = strdup(buf);
        }
        if (*s == ',') {
            s++;
            continue;
        }
        break;
    }
    if (*s == '\r') {
        s++;
    }
    if (*s == '\n') {
        s++;
    }
    *p = s;
    return 1;
}

static void csv_free(csv_row *row)
{
    for (int i = 0; i < row->n; i++) {
        free(row->fields[i]);
    }
    row->n = 0;
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return NULL;
    }
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    char chunk[4096];
    size_t n;
    while (m != NULL && (n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        fwrite(chunk, 1, n, m);
    }
    fclose(f);
    if (m != NULL) {
        fclose(m);
    }
    return buf;
}

/* ---- the class ------------------------------------------------------------------ */

/* Is @p check in the space-separated list @p list? */
static int in_list(const char *list, const char *check)
{
    size_t n = strlen(check);
    for (const char *p = list; (p = strstr(p, check)) != NULL; p += n) {
        if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0')) {
            return 1;
        }
    }
    return 0;
}

/* The checks a submission named @p name must fail: NULL for every check. */
static const char *expected_failures(const char *name)
{
    for (size_t i = 0; i < NBUGS; i++) {
        size_t n = strlen(bugs[i].name);
        if (strncmp(name, bugs[i].name, n) == 0 && (name[n] == '\0' || name[n] == '-')) {
            return bugs[i].fails;
        }
    }
    if (strcmp(name, "syntax-error") == 0) {
        /* Its server does not compile; its client does, and is graded. */
        return selftest_lab_server_checks("01");
    }
    if (strcmp(name, "empty") == 0) {
        return NULL;
    }
    return ""; /* a solution */
}

/* Make DIR/subs with the class, plus entries the batch must skip. */
static int make_class(const char *dir)
{
    /* The skeleton as shipped, never a student's work in labs/. */
    char skel[PATH_MAX];
    if (selftest_skeleton("01-tcp-echo", skel, sizeof skel) < 0) {
        return -1;
    }
    char cmd[16384];
    int n = snprintf(cmd, sizeof cmd,
                     "set -e; S='%s/subs'; rm -rf '%s'; mkdir -p \"$S\"; "
                     "sol=solutions/01-tcp-echo; "
                     /* solutions, one with a name that needs quoting */
                     "for i in $(seq -w 1 %d); do cp -R $sol \"$S/solution-$i\"; done; "
                     "cp -R $sol \"$S/o'brien, pat\"; "
                     /* the skeleton, a build failure, no Makefile, a checkout */
                     "cp -R '%s/01-tcp-echo' \"$S/skeleton\"; "
                     "cp -R $sol \"$S/syntax-error\"; "
                     "echo 'int broken(void) { return 0 }' >>\"$S/syntax-error/echo_server.c\"; "
                     "mkdir \"$S/empty\"; "
                     "mkdir -p \"$S/checkout/labs\"; cp -R $sol \"$S/checkout/labs/01-tcp-echo\"; "
                     "printf 'all:\\n\\tfalse\\n' >\"$S/checkout/Makefile\"; "
                     /* skipped: hidden directories and plain files */
                     "cp -R $sol \"$S/.hidden\"; echo notes >\"$S/notes.txt\"; "
                     "bug() { cp -R $sol \"$S/$2\"; cp $(find grader/labs grader/tests/programs "
                     "-name $1.c) \"$S/$2/echo_server.c\"; "
                     "cp grader/tests/programs/selftest_server.h \"$S/$2/\"; }; ",
                     dir, dir, (int)NSOLUTIONS - 1, skel);
    for (size_t i = 0; i < NBUGS; i++) {
        n += snprintf(cmd + n, sizeof cmd - (size_t)n, "bug %s %s; ", bugs[i].name, bugs[i].name);
    }
    for (size_t i = 0; i < NTWICE; i++) {
        n += snprintf(cmd + n, sizeof cmd - (size_t)n, "bug %s %s-2; ", twice[i], twice[i]);
    }
    int rc = n < (int)sizeof cmd ? run_in_root(cmd, 120000, NULL) : -1;
    selftest_remove_dir(skel);
    return rc;
}

/* The checks of lab 01 in the order the gradebook has them. */
static size_t lab01_checks(const gr_check **plan, size_t max)
{
    gr_options opt;
    memset(&opt, 0, sizeof opt);
    opt.op_lab = gr_lab_find("01");
    opt.op_target = GR_TARGET_DIR;
    opt.op_instructor = 1;
    int hidden;
    int hidden_points;
    return opt.op_lab != NULL ? gr_plan(&opt, plan, max, &hidden, &hidden_points) : 0;
}

/* Check one gradebook row against what its submission must score. */
static void check_row(const csv_row *row, const gr_check *const *plan, size_t nplan)
{
    const char *name = row->fields[0];
    const char *fails = expected_failures(name);
    int score = atoi(row->fields[1]);
    int sum = 0;
    int wrong = 0;
    for (size_t k = 0; k < nplan; k++) {
        int got = atoi(row->fields[3 + k]);
        sum += got;
        if (strcmp(name, "skeleton") == 0) {
            continue; /* some partial score; only its total is checked */
        }
        int want = fails == NULL || in_list(fails, plan[k]->ck_name) ? 0 : plan[k]->ck_points;
        if (got != want) {
            fprintf(stderr, "\nbatch: %s: %s has %d points, expected %d\n", name, plan[k]->ck_name,
                    got, want);
            wrong++;
        }
    }
    CU_ASSERT_EQUAL(wrong, 0);
    CU_ASSERT_EQUAL(score, sum);
    CU_ASSERT_EQUAL(atoi(row->fields[2]), LAB01_MAX);
    if (strcmp(name, "skeleton") == 0) {
        CU_ASSERT(score < LAB01_MAX);
    }
}

/* summary.json agrees with the gradebook's rows. */
static void check_summary(const char *out, const gr_check *const *plan, size_t nplan,
                          const int passed[])
{
    char path[2 * PATH_MAX];
    snprintf(path, sizeof path, "%s/summary.json", out);
    json_t *doc = json_load_file(path, 0, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(doc, "submissions")), CLASS_SIZE);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(doc, "max_score")), LAB01_MAX);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(doc, "seed")), 7);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(doc, "max")), LAB01_MAX);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(doc, "min")), 0);
    json_t *checks = json_object_get(doc, "checks");
    CU_ASSERT_EQUAL(json_array_size(checks), nplan);
    for (size_t k = 0; k < nplan && k < json_array_size(checks); k++) {
        json_t *c = json_array_get(checks, k);
        CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(c, "name")), plan[k]->ck_name);
        CU_ASSERT_EQUAL(json_integer_value(json_object_get(c, "passed")), passed[k]);
        double rate = json_real_value(json_object_get(c, "pass_rate"));
        CU_ASSERT_DOUBLE_EQUAL(rate, (double)passed[k] / CLASS_SIZE, 1e-4);
    }
    size_t histogram = 0;
    size_t i;
    json_t *bin;
    json_array_foreach(json_object_get(doc, "histogram"), i, bin)
    {
        histogram += (size_t)json_integer_value(json_object_get(bin, "count"));
    }
    CU_ASSERT_EQUAL(histogram, CLASS_SIZE);
    json_t *failed = json_object_get(doc, "build_failed");
    CU_ASSERT_EQUAL(json_array_size(failed), 1);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_array_get(failed, 0)), "syntax-error");
    json_t *none = json_object_get(doc, "no_makefile");
    CU_ASSERT_EQUAL(json_array_size(none), 1);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_array_get(none, 0)), "empty");
    CU_ASSERT_EQUAL(json_array_size(json_object_get(doc, "not_graded")), 0);
    json_decref(doc);
}

static void test_class(void)
{
    char dir[64];
    snprintf(dir, sizeof dir, "build/tests/batch-%d", (int)getpid());
    char marker[64];
    snprintf(marker, sizeof marker, "batch-%d", (int)getpid());
    CU_ASSERT_EQUAL_FATAL(make_class(dir), 0);

    char cmd[2 * PATH_MAX];
    snprintf(cmd, sizeof cmd, "bin/grade 01 --batch %s/subs -j 2 --seed 7 --output %s/out 2>&1",
             dir, dir);
    char *progress = NULL;
    long started = gr_now_ms();
    int status = run_in_root(cmd, 900000, &progress);
    int left = children_left;
    double seconds = (double)(gr_now_ms() - started) / 1000.0;
    CU_ASSERT_EQUAL(status, 0);
    CU_ASSERT_PTR_NOT_NULL(progress != NULL ? strstr(progress, "[30/30] ") : NULL);
    CU_ASSERT_PTR_NOT_NULL(progress != NULL ? strstr(progress, "seed:        7") : NULL);
    CU_ASSERT_PTR_NOT_NULL(progress != NULL ? strstr(progress, "Checks by pass rate") : NULL);
    if (status != 0 && progress != NULL) {
        fprintf(stderr, "\nbatch: bin/grade said:\n%s\n", progress);
    }
    free(progress);
    /* A figure to keep an eye on, not a limit: machines differ. */
    fprintf(stderr, "\n  (batch of %d submissions, -j 2: %.1f s) ", CLASS_SIZE, seconds);

    const gr_check *plan[64];
    size_t nplan = lab01_checks(plan, 64);
    CU_ASSERT_EQUAL_FATAL(nplan, LAB01_CHECKS);

    char out[PATH_MAX + 128];
    snprintf(out, sizeof out, "%s/%s/out", root, dir);
    char path[2 * PATH_MAX];
    snprintf(path, sizeof path, "%s/gradebook.csv", out);
    char *csv = read_file(path);
    CU_ASSERT_PTR_NOT_NULL_FATAL(csv);
    const char *p = csv;
    csv_row row;
    CU_ASSERT_FATAL(csv_next(&p, &row));
    CU_ASSERT_EQUAL(row.n, 3 + LAB01_CHECKS);
    if (row.n == 3 + LAB01_CHECKS) {
        CU_ASSERT_STRING_EQUAL(row.fields[0], "submission");
        CU_ASSERT_STRING_EQUAL(row.fields[1], "score");
        CU_ASSERT_STRING_EQUAL(row.fields[2], "max_score");
        for (size_t k = 0; k < nplan; k++) {
            CU_ASSERT_STRING_EQUAL(row.fields[3 + k], plan[k]->ck_name);
        }
    }
    csv_free(&row);
    CU_ASSERT_PTR_NOT_NULL(strstr(csv, "client-binary")); /* the hidden check */

    int rows = 0;
    int passed[64] = {0};
    char last[256] = "";
    while (csv_next(&p, &row)) {
        rows++;
        CU_ASSERT_EQUAL(row.n, 3 + LAB01_CHECKS);
        if (row.n != 3 + LAB01_CHECKS) {
            csv_free(&row);
            continue;
        }
        CU_ASSERT(strcmp(last, row.fields[0]) < 0); /* sorted by name */
        snprintf(last, sizeof last, "%s", row.fields[0]);
        check_row(&row, plan, nplan);
        for (size_t k = 0; k < nplan; k++) {
            passed[k] += atoi(row.fields[3 + k]) == plan[k]->ck_points;
        }
        csv_free(&row);
    }
    CU_ASSERT_EQUAL(rows, CLASS_SIZE);
    /* The name with a comma and a quote came through RFC 4180 quoting. */
    CU_ASSERT_PTR_NOT_NULL(strstr(csv, "\r\n\"o'brien, pat\",105,105,"));
    free(csv);

    check_summary(out, plan, nplan, passed);

    /* Reports for each submission, under names safe for files. */
    static const char *const names[] = {"o_brien__pat", "empty",       "checkout", "syntax-error",
                                        "bug_crash",    "solution-01", "skeleton"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s.txt", out, names[i]);
        CU_ASSERT_EQUAL(access(path, R_OK), 0);
        snprintf(path, sizeof path, "%s/%s.json", out, names[i]);
        json_t *doc = json_load_file(path, 0, NULL);
        CU_ASSERT_PTR_NOT_NULL(doc);
        CU_ASSERT_EQUAL(json_array_size(json_object_get(doc, "tests")), LAB01_CHECKS);
        json_decref(doc);
    }
    /* The build failure's report has the compiler's words. */
    snprintf(path, sizeof path, "%s/syntax-error.json", out);
    char *report = read_file(path);
    CU_ASSERT_PTR_NOT_NULL(report != NULL ? strstr(report, "error:") : NULL);
    CU_ASSERT_PTR_NOT_NULL(report != NULL ? strstr(report, "echo_server.c") : NULL);
    free(report);
    snprintf(path, sizeof path, "%s/empty.json", out);
    report = read_file(path);
    CU_ASSERT_PTR_NOT_NULL(report != NULL ? strstr(report, "no Makefile found") : NULL);
    free(report);
    snprintf(path, sizeof path, "%s/summary.txt", out);
    report = read_file(path);
    CU_ASSERT_PTR_NOT_NULL(report != NULL ? strstr(report, "hint: ") : NULL);
    free(report);
    snprintf(path, sizeof path, "%s/.hidden.json", out);
    CU_ASSERT_NOT_EQUAL(access(path, F_OK), 0);

    /* Nothing the batch started is left. */
    CU_ASSERT_EQUAL(left, 0);
    CU_ASSERT_EQUAL(count_processes_with(marker), 0);

    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CU_ASSERT_EQUAL(run_in_root(cmd, 60000, NULL), 0);
}

static void test_usage(void)
{
    char dir[64];
    snprintf(dir, sizeof dir, "build/tests/batch-usage-%d", (int)getpid());
    char cmd[2 * PATH_MAX + 256];
    snprintf(cmd, sizeof cmd, "mkdir -p %s/none %s/two/a %s/two/b", dir, dir, dir);
    CU_ASSERT_EQUAL_FATAL(run_in_root(cmd, 10000, NULL), 0);

    static const struct {
        const char *sub;   /* --batch DIR/SUB, or NULL for no --batch */
        const char *extra; /* more arguments */
        int status;
    } cases[] = {
        {"missing", "", 2},       /* no such directory */
        {"none", "", 2},          /* no submissions in it */
        {"two", "--solution", 2}, /* not with a target */
        {"two", "--format json", 2},
        {"two", "-j 0", 2},
        {"two", "--jobs 65", 2},
        {"two", "-j x", 2},
        {NULL, "-j 2 --solution", 2}, /* --jobs without --batch */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char args[PATH_MAX + 128];
        if (cases[i].sub != NULL) {
            snprintf(args, sizeof args, "01 --batch %s/%s %s", dir, cases[i].sub, cases[i].extra);
        } else {
            snprintf(args, sizeof args, "01 %s", cases[i].extra);
        }
        snprintf(cmd, sizeof cmd, "bin/grade %s >/dev/null 2>&1", args);
        int status = run_in_root(cmd, 60000, NULL);
        if (status != cases[i].status) {
            fprintf(stderr, "\nbatch: bin/grade %s exited %d, expected %d\n", args, status,
                    cases[i].status);
        }
        CU_ASSERT_EQUAL(status, cases[i].status);
    }

    /* Two submissions without a Makefile: graded as zero, nothing built. */
    snprintf(cmd, sizeof cmd, "bin/grade 01 --batch %s/two --seed 3 -o %s/out >/dev/null 2>&1", dir,
             dir);
    CU_ASSERT_EQUAL(run_in_root(cmd, 120000, NULL), 0);
    char path[2 * PATH_MAX];
    snprintf(path, sizeof path, "%s/%s/out/gradebook.csv", root, dir);
    char *csv = read_file(path);
    CU_ASSERT_PTR_NOT_NULL_FATAL(csv);
    CU_ASSERT_PTR_NOT_NULL(strstr(csv, "\r\na,0,105,0,0,"));
    CU_ASSERT_PTR_NOT_NULL(strstr(csv, "\r\nb,0,105,0,0,"));
    free(csv);

    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CU_ASSERT_EQUAL(run_in_root(cmd, 60000, NULL), 0);
}

static void test_grader_dies(void)
{
    /* A submission whose build kills the grader grading it (its ancestor
     * with --instructor on its command line): a row of zeros with the
     * reason, the other submission graded, exit status 1. */
    char dir[64];
    snprintf(dir, sizeof dir, "build/tests/batch-dies-%d", (int)getpid());
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "rm -rf %s; mkdir -p %s/subs/killer %s/subs/zero", dir, dir, dir);
    CU_ASSERT_EQUAL_FATAL(run_in_root(cmd, 10000, NULL), 0);
    char path[2 * PATH_MAX];
    snprintf(path, sizeof path, "%s/%s/subs/killer/Makefile", root, dir);
    FILE *mk = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(mk);
    /* Walk up from the recipe's shell; "[r]" keeps the pattern from
     * matching the shell's own command line. */
    char sleeper[64]; /* a command line no one else runs */
    snprintf(sleeper, sizeof sleeper, "sleep 29.%d", (int)getpid());
    fprintf(mk,
            "all:\n"
            "\tp=$$$$; while [ $$p -gt 1 ]; do "
            "if tr '\\0' ' ' </proc/$$p/cmdline | grep -q -- '--instructo[r]'; then "
            "kill -KILL $$p; break; fi; p=$$(cut -d' ' -f4 /proc/$$p/stat); done; %s\n"
            "clean:\n",
            sleeper);
    CU_ASSERT_EQUAL_FATAL(fclose(mk), 0);
    char marker[64];
    snprintf(marker, sizeof marker, "batch-dies-%d", (int)getpid());

    snprintf(cmd, sizeof cmd, "bin/grade 01 --batch %s/subs --seed 5 -o %s/out 2>&1", dir, dir);
    char *progress = NULL;
    CU_ASSERT_EQUAL(run_in_root(cmd, 300000, &progress), 1);
    CU_ASSERT_EQUAL(children_left, 0);
    CU_ASSERT_PTR_NOT_NULL(progress != NULL ? strstr(progress, "killer: 0/105, NOT GRADED") : NULL);
    free(progress);

    snprintf(path, sizeof path, "%s/%s/out/killer.json", root, dir);
    char *report = read_file(path);
    CU_ASSERT_PTR_NOT_NULL(report != NULL ? strstr(report, "SIGKILL") : NULL);
    free(report);
    snprintf(path, sizeof path, "%s/%s/out/gradebook.csv", root, dir);
    char *csv = read_file(path);
    CU_ASSERT_PTR_NOT_NULL(csv != NULL ? strstr(csv, "\r\nkiller,0,105,0,0,") : NULL);
    free(csv);
    snprintf(path, sizeof path, "%s/%s/out/summary.json", root, dir);
    json_t *doc = json_load_file(path, 0, NULL);
    json_t *not_graded = json_object_get(doc, "not_graded");
    CU_ASSERT_EQUAL(json_array_size(not_graded), 1);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_array_get(not_graded, 0)), "killer");
    json_decref(doc);
    /* The make and the sleep it left behind are gone too. */
    CU_ASSERT_EQUAL(count_processes_with(marker), 0);
    CU_ASSERT_EQUAL(count_processes_with(sleeper), 0);

    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CU_ASSERT_EQUAL(run_in_root(cmd, 60000, NULL), 0);
}

int register_batch_tests(void)
{
    if (find_root() < 0) {
        return -1;
    }
    static const cu_test tests[] = {
        {"bin/grade --batch: usage, and submissions without a Makefile", test_usage},
        {"bin/grade --batch: a grader that dies leaves a row of zeros", test_grader_dies},
        {"bin/grade --batch: a class of 30 from the solution and the buggy servers", test_class},
        {NULL, NULL},
    };
    return cu_add_suite("batch", tests);
}
