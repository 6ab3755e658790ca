/* worker.c - the worker that grades one submission, and what it leaves.
 *
 * A worker is a fork of the batch process (see batch.c for why there is one
 * between the batch and each child grader). It runs
 *
 *     bin/grade LAB --dir TARGET --instructor --seed S --format json --output OUT/STEM.json
 *
 * waits for it, writes OUT/STEM.txt (what the grader printed) and, when the
 * grader wrote no usable report, a zero report OUT/STEM.json with the
 * reason. It tells the batch how that went only through its exit status;
 * the batch reads the rest back from the JSON report (gr_batch_collect()),
 * so that the gradebook holds exactly what the reports say. */
#include "batch/batch_int.h"

#include "err.h"
#include "os/proc.h"
#include "report/report.h"
#include "text/strbuf.h"

#include <glob.h>
#include <inttypes.h>
#include <limits.h>
#include <string.h>
#include <sys/syscall.h>

/* Time a child grader gets to exit after SIGTERM. */
#define GRACE_MS 2000
/* Text report and messages kept from each child grader. */
#define KEEP_STDOUT (16u << 20)
#define KEEP_STDERR (1u << 20)

/* How a worker ends; anything else means the worker itself failed. */
#define WORKER_GRADED 0
#define WORKER_NOT_GRADED 10
#define WORKER_INTERRUPTED 11
#define WORKER_FAILED 12

/* ---- reports of submissions that were not graded -------------------------------- */

/* The JSON report of a submission that gets zero without being run: every
 * check of the plan failed, each with @p reason as its output. */
static int write_zero_json(const batch *b, const submission *s, const char *reason)
{
    gr_run_result r;
    memset(&r, 0, sizeof r);
    r.rr_lab = strdup(b->bt_lab);
    r.rr_target = strdup(s->su_target != NULL ? s->su_target : s->su_path);
    r.rr_seed = b->bt_opt->op_seed;
    r.rr_tests = calloc(b->bt_nplan ? b->bt_nplan : 1, sizeof *r.rr_tests);
    int rc = -1;
    FILE *f = NULL;
    char *path = gr_batch_report_path(b, s, ".json");
    gr_str output = {0};
    gr_str_addf(&output, "%s\n", reason);
    if (r.rr_lab == NULL || r.rr_target == NULL || r.rr_tests == NULL || path == NULL ||
        output.s_oom) {
        goto out;
    }
    for (size_t i = 0; i < b->bt_nplan; i++) {
        /* Counted before it is filled, so gr_run_result_free() frees it. */
        gr_test_result *t = &r.rr_tests[r.rr_ntests++];
        if (gr_result_not_run(t, b->bt_plan[i], gr_str_cstr(&output)) < 0) {
            goto out;
        }
        r.rr_max_score += t->tr_max_score;
    }
    f = fopen(path, "w");
    if (f != NULL) {
        rc = gr_report_json(f, &r, NULL);
        if (fclose(f) != 0) {
            rc = -1;
        }
    }
out:
    gr_str_free(&output);
    free(path);
    gr_run_result_free(&r);
    return rc;
}

/* Write @p text to OUT/STEM.txt. */
static int write_text(const batch *b, const submission *s, const char *text, size_t len)
{
    char *path = gr_batch_report_path(b, s, ".txt");
    FILE *f = path != NULL ? fopen(path, "w") : NULL;
    int rc = -1;
    if (f != NULL) {
        rc = fwrite(text, 1, len, f) == len ? 0 : -1;
        if (fclose(f) != 0) {
            rc = -1;
        }
    }
    free(path);
    return rc;
}

/* The text report of a submission that was not run at all, in the shape of
 * the engine's: header, the reason, the score. */
static int write_zero_text(const batch *b, const submission *s, const char *reason)
{
    gr_str t = {0};
    gr_str_addf(&t, "socklab grader: lab %s (%s)\n", b->bt_lab, b->bt_opt->op_lab->lab_title);
    gr_str_addf(&t, "target: %s\nseed:   %" PRIu64 "\n\n", s->su_path, b->bt_opt->op_seed);
    gr_str_addf(&t, "not graded: %s\n\nScore: 0/%d\n", reason, b->bt_max_score);
    int rc = t.s_oom ? -1 : write_text(b, s, gr_str_cstr(&t), t.s_len);
    gr_str_free(&t);
    return rc;
}

void gr_batch_set_zero(const batch *b, submission *s, outcome how, const char *reason, int text)
{
    s->su_outcome = how;
    s->su_score = 0;
    s->su_max_score = b->bt_max_score;
    memset(s->su_points, 0, b->bt_nplan * sizeof *s->su_points);
    free(s->su_reason);
    s->su_reason = strdup(reason);
    write_zero_json(b, s, reason);
    if (text) {
        write_zero_text(b, s, reason);
    }
}

/* ---- the worker: one child grader ------------------------------------------------ */

/* Remove the scratch directories a killed child grader could not remove
 * itself: gr_sandbox_scratch_copy() names them socklab-PID-XXXXXX. */
static void remove_scratch_of(pid_t child)
{
    const char *base = getenv("SOCKLAB_SCRATCH");
    const char *bases[] = {base != NULL && *base != '\0' ? base : "/var/tmp", "/tmp"};
    for (size_t i = 0; i < sizeof bases / sizeof bases[0]; i++) {
        char pattern[PATH_MAX];
        snprintf(pattern, sizeof pattern, "%s/socklab-%d-*", bases[i], (int)child);
        glob_t g;
        if (glob(pattern, GLOB_NOSORT, NULL, &g) == 0) {
            for (size_t k = 0; k < g.gl_pathc; k++) {
                gr_sandbox_scratch_remove(g.gl_pathv[k]);
            }
        }
        globfree(&g);
    }
}

/* Does @p path hold a report the gradebook can use? */
static int report_usable(const char *path)
{
    json_t *doc = json_load_file(path, 0, NULL);
    int ok = json_is_object(doc) && json_is_array(json_object_get(doc, "tests")) &&
             json_is_integer(json_object_get(doc, "score"));
    json_decref(doc);
    return ok;
}

char *gr_batch_last_line(const char *text, size_t len)
{
    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == ' ')) {
        len--;
    }
    size_t start = len;
    while (start > 0 && text[start - 1] != '\n') {
        start--;
    }
    return strndup(text + start, len - start);
}

/* The command line of the child grader for @p s; NULL when out of memory. */
static char *child_command(const batch *b, const submission *s)
{
    const gr_options *opt = b->bt_opt;
    char *json = gr_batch_report_path(b, s, ".json");
    char seed[32];
    snprintf(seed, sizeof seed, "%" PRIu64, opt->op_seed);
    gr_str c = {0};
    /* exec: the grader is the process the worker watches, not a shell. */
    gr_str_add(&c, "exec");
    gr_str_add_word(&c, b->bt_exe);
    gr_str_add_word(&c, opt->op_lab->lab_id);
    gr_str_add_word(&c, "--dir");
    gr_str_add_word(&c, s->su_target);
    gr_str_add_word(&c, "--instructor");
    gr_str_add_word(&c, "--seed");
    gr_str_add_word(&c, seed);
    gr_str_add_word(&c, "--format");
    gr_str_add_word(&c, "json");
    gr_str_add_word(&c, "--output");
    gr_str_add_word(&c, json != NULL ? json : "");
    if (opt->op_only != NULL) {
        gr_str_add_word(&c, "--only");
        gr_str_add_word(&c, opt->op_only);
    }
    if (opt->op_no_sandbox) {
        gr_str_add_word(&c, "--no-sandbox");
    }
    if (opt->op_no_sanitize) {
        gr_str_add_word(&c, "--no-sanitize");
    }
    if (opt->op_verbose) {
        gr_str_add_word(&c, "--verbose");
    }
    free(json);
    char *cmd = NULL;
    if (json != NULL && !c.s_oom) {
        cmd = gr_str_take(&c);
    } else {
        gr_str_free(&c);
    }
    return cmd;
}

/* What a child grader did, as its worker saw it. */
typedef struct grader_run {
    pid_t gd_pid;        /* its pid, which its scratch directories are named after */
    int gd_timed_out;    /* it was stopped at the batch's deadline */
    int gd_status;       /* its wait status */
    char *gd_out;        /* the end of its stdout (its text report), malloc'd */
    size_t gd_out_len;   /* bytes in gd_out */
    size_t gd_out_total; /* bytes it wrote to stdout in all */
    char *gd_err;        /* the end of its stderr, malloc'd */
    size_t gd_err_len;   /* bytes in gd_err */
} grader_run;

/* How run_grader() went. */
#define GRADER_RAN 0         /* it ended, or was stopped at the deadline */
#define GRADER_NOT_STARTED 1 /* the reason is in the caller's reason */
#define GRADER_STOPPED 2     /* the batch is being stopped */

/* Run the child grader @p cmd until it ends, its deadline passes or the
 * batch is told to stop; @p g gets what it did (the caller frees gd_out and
 * gd_err). Returns one of the GRADER_ codes. */
static int run_grader(const batch *b, const char *cmd, grader_run *g, gr_str *reason)
{
    int rc = GRADER_NOT_STARTED;
    int stopped = 0;
    long deadline = 0;
    memset(g, 0, sizeof *g);
    gr_proc p;
    memset(&p, 0, sizeof p);
    gr_spawn_opts so = {.so_keep_stdout = KEEP_STDOUT, .so_keep_stderr = KEEP_STDERR};
    char err[SL_ERR_LEN] = "";
    if (gr_proc_spawn(&p, cmd, &so, err) < 0) {
        gr_str_addf(reason, "could not start the grader: %s", err);
        goto out;
    }
    deadline = gr_now_ms() + b->bt_timeout_ms;
    /* Short waits, so that a request to stop is seen at once. */
    while (!stopped && !g->gd_timed_out && !gr_proc_wait(&p, 200)) {
        stopped = gr_batch_stop_requested();
        g->gd_timed_out = !stopped && gr_now_ms() >= deadline;
    }
    g->gd_pid = p.pr_pid;
    gr_proc_stop(&p, GRACE_MS);
    g->gd_status = p.pr_status;
    g->gd_out = gr_proc_output(&p, 0, &g->gd_out_len, &g->gd_out_total);
    g->gd_err = gr_proc_output(&p, 1, &g->gd_err_len, NULL);
    gr_proc_free(&p);
    rc = stopped ? GRADER_STOPPED : GRADER_RAN;
out:
    return rc;
}

/* Did the grader's run grade the submission? If not, why not, into
 * @p reason. Exit status 1 is a grading too: some check failed. */
static int judge(const batch *b, const grader_run *g, const char *json, gr_str *reason)
{
    int status = g->gd_status;
    int graded = 0;
    if (g->gd_timed_out) {
        gr_str_addf(reason, "the grader was still running after %.0f min and was stopped",
                    (double)b->bt_timeout_ms / 60000.0);
    } else if (!WIFEXITED(status) || (WEXITSTATUS(status) != 0 && WEXITSTATUS(status) != 1)) {
        char how[160];
        char *last = gr_batch_last_line(g->gd_err != NULL ? g->gd_err : "", g->gd_err_len);
        gr_str_addf(reason, "the grader %s", gr_proc_describe(status, how, sizeof how));
        if (last != NULL && *last != '\0') {
            gr_str_addf(reason, " (%s)", last);
        }
        free(last);
    } else if (!report_usable(json)) {
        gr_str_add(reason, "the grader wrote no usable report");
    } else {
        graded = 1;
    }
    return graded;
}

/* The worker's text report: what the grader printed, then its messages. */
static void add_grader_output(gr_str *text, const grader_run *g)
{
    if (g->gd_out_total > g->gd_out_len) {
        gr_str_addf(text, "(the first %zu bytes of the grader's output were dropped)\n",
                    g->gd_out_total - g->gd_out_len);
    }
    if (g->gd_out != NULL) {
        gr_str_addn(text, g->gd_out, g->gd_out_len);
    }
    if (g->gd_err != NULL && g->gd_err_len > 0) {
        gr_str_add(text, "\nmessages from the grader:\n");
        gr_str_addn(text, g->gd_err, g->gd_err_len);
    }
}

/* In the worker process: grade @p s with a child grader, write its text
 * report (and a zero JSON report if it produced none), and exit with
 * WORKER_GRADED, WORKER_NOT_GRADED, WORKER_INTERRUPTED or WORKER_FAILED. */
static void __attribute__((noreturn)) run_worker(const batch *b, const submission *s)
{
    int code = WORKER_FAILED;
    char *json = NULL;
    char *cmd = NULL;
    gr_str reason = {0};
    gr_str text = {0};
    grader_run g;
    memset(&g, 0, sizeof g);
    int ran = GRADER_NOT_STARTED;
    int graded = 0;
    sigprocmask(SIG_SETMASK, &b->bt_mask, NULL);
    /* A subreaper of its own: what the grader leaves behind comes here. */
    if (gr_proc_init() < 0) {
        goto out;
    }
    json = gr_batch_report_path(b, s, ".json");
    cmd = child_command(b, s);
    if (json == NULL || cmd == NULL) {
        goto out;
    }
    unlink(json); /* never read a report left by an earlier batch */
    ran = run_grader(b, cmd, &g, &reason);
    if (ran == GRADER_STOPPED) {
        remove_scratch_of(g.gd_pid);
        code = WORKER_INTERRUPTED;
        goto out;
    }
    if (ran == GRADER_RAN) {
        graded = judge(b, &g, json, &reason);
        if (!graded) {
            remove_scratch_of(g.gd_pid);
        }
        add_grader_output(&text, &g);
    }
    if (!graded) {
        gr_str_addf(&text, "\nnot graded: %s\n", gr_str_cstr(&reason));
        write_zero_json(b, s, gr_str_cstr(&reason));
    }
    write_text(b, s, gr_str_cstr(&text), text.s_len);
    code = graded ? WORKER_GRADED : WORKER_NOT_GRADED;
out:
    free(g.gd_out);
    free(g.gd_err);
    free(json);
    free(cmd);
    gr_str_free(&reason);
    gr_str_free(&text);
    _exit(code);
}

int gr_batch_start_worker(const batch *b, submission *s)
{
    /* Nothing buffered goes into the fork, whatever the worker does on its
     * way out. */
    if (b->bt_progress != NULL) {
        fflush(b->bt_progress);
    }
    s->su_started = gr_now_ms();
    pid_t pid = fork();
    if (pid == 0) {
        run_worker(b, s);
    }
    if (pid > 0) {
        s->su_worker = pid;
        s->su_pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    }
    return pid > 0 ? 0 : -1;
}

/* ---- what a worker left ------------------------------------------------------------ */

/* The first line of @p text, malloc'd. */
static char *first_line(const char *text)
{
    text += strspn(text, "\n");
    return strndup(text, strcspn(text, "\n"));
}

/* The first line of a build log that names an error: the compiler's
 * ("file.c:12:5: error: ...") if there is one, else make's ("Error 1");
 * NULL if neither is there. */
static char *first_error_line(const char *log)
{
    static const char *const markers[] = {"error:", "Error "};
    char *found = NULL;
    for (size_t m = 0; m < sizeof markers / sizeof markers[0] && found == NULL; m++) {
        for (const char *p = log; *p != '\0' && found == NULL;) {
            size_t n = strcspn(p, "\n");
            char *line = strndup(p, n);
            if (line != NULL && strstr(line, markers[m]) != NULL) {
                found = line;
            } else {
                free(line);
            }
            p += n + (p[n] == '\n');
        }
    }
    return found;
}

/* Read OUT/STEM.json into @p s: score, points per check, and the output of
 * its first check, or of the check where the engine put a build's error
 * messages (the first that could not run for want of a program). */
static int load_report(const batch *b, submission *s, char **first_output)
{
    *first_output = NULL;
    char *path = gr_batch_report_path(b, s, ".json");
    json_t *doc = path != NULL ? json_load_file(path, 0, NULL) : NULL;
    free(path);
    json_t *tests = json_object_get(doc, "tests");
    int rc = -1;
    if (!json_is_array(tests) || !json_is_integer(json_object_get(doc, "score"))) {
        goto out;
    }
    s->su_score = (int)json_integer_value(json_object_get(doc, "score"));
    s->su_max_score = (int)json_integer_value(json_object_get(doc, "max_score"));
    memset(s->su_points, 0, b->bt_nplan * sizeof *s->su_points);
    size_t i;
    json_t *t;
    json_array_foreach(tests, i, t)
    {
        const char *name = json_string_value(json_object_get(t, "name"));
        for (size_t k = 0; name != NULL && k < b->bt_nplan; k++) {
            if (strcmp(name, b->bt_plan[k]->ck_name) == 0) {
                s->su_points[k] = (int)json_integer_value(json_object_get(t, "score"));
                break;
            }
        }
        const char *output = json_string_value(json_object_get(t, "output"));
        output = output != NULL ? output : "";
        if (i == 0 || strncmp(output, "the build failed", 16) == 0) {
            if (*first_output == NULL || strncmp(*first_output, "the build failed", 16) != 0) {
                free(*first_output);
                *first_output = strdup(output);
            }
        }
    }
    rc = 0;
out:
    json_decref(doc);
    return rc;
}

void gr_batch_collect(const batch *b, submission *s, int status)
{
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    int left_report = code == WORKER_GRADED || code == WORKER_NOT_GRADED;
    char *first = NULL;
    if (left_report && load_report(b, s, &first) == 0) {
        if (code == WORKER_NOT_GRADED) {
            /* The worker's zero report has the reason as every output. */
            s->su_outcome = OUT_NOT_GRADED;
            s->su_reason = first_line(first != NULL ? first : "");
        } else if (first != NULL && strncmp(first, "the build failed", 16) == 0) {
            s->su_outcome = OUT_BUILD_FAILED;
            s->su_reason = first_error_line(first);
        } else {
            s->su_outcome = OUT_GRADED;
        }
    } else {
        gr_str why = {0};
        if (left_report) {
            gr_str_add(&why, "its report could not be read back");
        } else {
            char how[160];
            gr_str_addf(&why, "the batch worker grading it %s",
                        gr_proc_describe(status, how, sizeof how));
        }
        gr_batch_set_zero(b, s, OUT_NOT_GRADED, gr_str_cstr(&why), 1);
        gr_str_free(&why);
    }
    free(first);
}
