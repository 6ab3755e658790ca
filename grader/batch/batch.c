/* batch.c - grade a whole class, one child grader per submission (see batch.h).
 *
 * The shape of a run:
 *
 *   bin/grade --batch (this file)
 *     `- worker, one per running submission (a fork of this process)
 *          `- bin/grade LAB --dir SUB --instructor --format json ...
 *               `- make, the student's servers and clients (sandboxed)
 *
 * Why a worker between the batch and each child grader: gr_proc_stop()
 * kills and reaps every child of the calling process (the grader is a
 * subreaper, so that nothing a student started survives). Called in the
 * batch process itself, stopping one finished grader would kill all the
 * others still running. Each worker is a subreaper of its own with exactly
 * one child grader, so gr_proc_spawn()/gr_proc_wait()/gr_proc_stop() work
 * there as everywhere else, and whatever a crashed grader leaves behind is
 * reparented to its own worker and removed with it.
 *
 * The batch process stays single-threaded (it forks), talks to the workers
 * only through their exit status and the files they write, and reads every
 * report back with jansson to build the gradebook: the CSV holds exactly
 * what the JSON reports say. */
#include "batch/batch.h"

#include "err.h"
#include "os/proc.h"
#include "report/report.h"
#include "text/strbuf.h"

#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <inttypes.h>
#include <jansson.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* Time one submission's grader gets, before scaling: far more than any lab
 * needs, so only a grader that hangs meets it. */
#define CHILD_TIMEOUT_MS (20 * 60 * 1000)
/* Time a child grader gets to exit after SIGTERM. */
#define GRACE_MS 2000
/* Time the one build of libsocklab before the class gets. */
#define LIB_BUILD_MS (5 * 60 * 1000)
/* Text report and messages kept from each child grader. */
#define KEEP_STDOUT (16u << 20)
#define KEEP_STDERR (1u << 20)
/* Most checks in a lab's plan, as in the engine. */
#define MAX_PLAN 256
/* Longest file name made from a submission's name, before any suffix. */
#define MAX_STEM 100

/* How a worker ends; anything else means the worker itself failed. */
#define WORKER_GRADED 0
#define WORKER_NOT_GRADED 10
#define WORKER_INTERRUPTED 11
#define WORKER_FAILED 12

/* Set by SIGINT, SIGTERM or SIGHUP, in the batch process and in workers. */
static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
    (void)sig;
    stop_requested = 1;
}

/* What became of a submission. */
typedef enum outcome {
    OUT_PENDING,      /* not finished yet */
    OUT_GRADED,       /* graded, whatever the score */
    OUT_BUILD_FAILED, /* graded: the build failed, so every check has zero */
    OUT_NO_MAKEFILE,  /* graded as zero: nothing that looks like the lab */
    OUT_NOT_GRADED    /* the grader crashed or hung: zero, and the batch exits 1 */
} outcome;

typedef struct submission {
    char *su_name;   /* the subdirectory's name, as found */
    char *su_stem;   /* su_name made safe for files: OUT/STEM.json, OUT/STEM.txt */
    char *su_path;   /* DIR/NAME */
    char *su_target; /* the directory to grade; NULL when none has a Makefile */
    pid_t su_worker; /* its worker while running, else 0 */
    int su_pidfd;    /* the worker's pidfd, or -1 */
    long su_started; /* gr_now_ms() when its worker started */
    outcome su_outcome;
    int su_score;
    int su_max_score;
    int *su_points;  /* points earned in each check of the plan */
    char *su_reason; /* one line: why it did not build or was not graded */
} submission;

typedef struct batch {
    const gr_options *bt_opt;
    gr_options bt_plan_opt;            /* the children's view: --dir, --instructor */
    const gr_check *bt_plan[MAX_PLAN]; /* the checks every child runs, in order */
    size_t bt_nplan;
    int bt_max_score;
    char bt_lab[128];   /* "01-tcp-echo" */
    char *bt_dir;       /* the submissions' directory, as given */
    char *bt_out;       /* the output directory */
    char *bt_exe;       /* the grader executable */
    FILE *bt_progress;  /* opt->op_progress */
    long bt_timeout_ms; /* per child grader, scaled */
    sigset_t bt_mask;   /* the signal mask before the run */
    submission *bt_subs;
    size_t bt_nsubs;
    size_t bt_skipped; /* entries of DIR that are not directories */
} batch;

/* ---- small helpers ------------------------------------------------------------ */

static void say(const batch *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Print on the progress stream, if there is one. */
static void say(const batch *b, const char *fmt, ...)
{
    if (b->bt_progress == NULL) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vfprintf(b->bt_progress, fmt, ap);
    va_end(ap);
    fflush(b->bt_progress);
}

/* DIR/NAME, malloc'd; NULL when out of memory. */
static char *join(const char *dir, const char *name)
{
    gr_str s = {0};
    gr_str_addf(&s, "%s/%s", dir, name);
    if (s.s_oom) {
        gr_str_free(&s);
        return NULL;
    }
    return gr_str_take(&s);
}

/* OUT/STEM.EXT, malloc'd. */
static char *out_path(const batch *b, const submission *s, const char *ext)
{
    gr_str p = {0};
    gr_str_addf(&p, "%s/%s%s", b->bt_out, s->su_stem, ext);
    return gr_str_take(&p);
}


/* Make @p path and its missing parents, like mkdir -p. */
static int make_dirs(const char *path)
{
    char buf[PATH_MAX];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char saved = *p;
            *p = '\0';
            if (mkdir(buf, 0755) < 0 && errno != EEXIST) {
                return -1;
            }
            *p = saved;
            if (saved == '\0') {
                break;
            }
        }
    }
    struct stat st;
    if (stat(path, &st) < 0) {
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    return 0;
}

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Does @p dir hold a makefile that make would read? */
static int has_makefile(const char *dir)
{
    static const char *const names[] = {"GNUmakefile", "makefile", "Makefile"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char *path = join(dir, names[i]);
        struct stat st;
        int found = path != NULL && stat(path, &st) == 0 && S_ISREG(st.st_mode);
        free(path);
        if (found) {
            return 1;
        }
    }
    return 0;
}

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
    for (size_t m = 0; m < sizeof markers / sizeof markers[0]; m++) {
        for (const char *p = log; *p != '\0';) {
            size_t n = strcspn(p, "\n");
            char *line = strndup(p, n);
            if (line != NULL && strstr(line, markers[m]) != NULL) {
                return line;
            }
            free(line);
            p += n + (p[n] == '\n');
        }
    }
    return NULL;
}

/* ---- finding the submissions --------------------------------------------------- */

static int by_name(const void *a, const void *b)
{
    return strcmp(((const submission *)a)->su_name, ((const submission *)b)->su_name);
}

/* The directory to grade: a copy of the lab directory is graded as it is;
 * in a checkout of the whole kit (which has a Makefile at its top too) the
 * lab's own directory is. NULL if none of them has a Makefile. */
static char *find_target(const batch *b, const char *sub)
{
    char *candidates[3];
    gr_str labs = {0};
    gr_str_addf(&labs, "%s/labs/%s", sub, b->bt_lab);
    candidates[0] = gr_str_take(&labs);
    candidates[1] = join(sub, b->bt_lab);
    candidates[2] = strdup(sub);
    char *found = NULL;
    for (size_t i = 0; i < 3; i++) {
        if (found == NULL && candidates[i] != NULL && has_makefile(candidates[i])) {
            found = candidates[i];
        } else {
            free(candidates[i]);
        }
    }
    return found;
}

/* A file name for submission @p i: its name with anything but letters,
 * digits, '.', '_' and '-' replaced, unique (ignoring case, for file systems
 * that do) among the stems before it and the batch's own files. */
static char *make_stem(const batch *b, size_t i)
{
    const char *name = b->bt_subs[i].su_name;
    char base[MAX_STEM + 1];
    size_t n = 0;
    for (const char *p = name; *p != '\0' && n < MAX_STEM; p++) {
        char c = *p;
        int plain = ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
        base[n++] = plain ? c : '_';
    }
    base[n] = '\0';
    if (n == 0) {
        snprintf(base, sizeof base, "submission");
    }
    for (int k = 1;; k++) {
        char stem[MAX_STEM + 16];
        if (k == 1) {
            snprintf(stem, sizeof stem, "%s", base);
        } else {
            snprintf(stem, sizeof stem, "%s-%d", base, k);
        }
        int taken = strcasecmp(stem, "gradebook") == 0 || strcasecmp(stem, "summary") == 0;
        for (size_t j = 0; j < i && !taken; j++) {
            taken = strcasecmp(stem, b->bt_subs[j].su_stem) == 0;
        }
        if (!taken) {
            return strdup(stem);
        }
    }
}

/* Fill b->bt_subs with the subdirectories of @p dir, sorted by name.
 * Returns 0, or -1 with the reason on stderr. */
static int discover(batch *b, const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        fprintf(stderr, "grade: cannot read the submissions in %s: %s\n", dir, strerror(errno));
        return -1;
    }
    size_t cap = 0;
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') {
            continue; /* ".", "..", and hidden ones such as .git */
        }
        char *path = join(dir, e->d_name);
        if (path == NULL) {
            rc = -1;
            break;
        }
        if (!is_dir(path)) {
            b->bt_skipped++;
            free(path);
            continue;
        }
        if (b->bt_nsubs == cap) {
            size_t more = cap ? 2 * cap : 32;
            submission *grown = realloc(b->bt_subs, more * sizeof *grown);
            if (grown == NULL) {
                free(path);
                rc = -1;
                break;
            }
            b->bt_subs = grown;
            cap = more;
        }
        submission *s = &b->bt_subs[b->bt_nsubs++];
        memset(s, 0, sizeof *s);
        s->su_pidfd = -1;
        s->su_path = path;
        s->su_name = strdup(e->d_name);
        if (s->su_name == NULL) {
            rc = -1;
            break;
        }
    }
    closedir(d);
    if (rc < 0) {
        fprintf(stderr, "grade: out of memory while listing %s\n", dir);
        return -1;
    }
    if (b->bt_nsubs > 0) {
        qsort(b->bt_subs, b->bt_nsubs, sizeof *b->bt_subs, by_name);
    }
    for (size_t i = 0; i < b->bt_nsubs; i++) {
        submission *s = &b->bt_subs[i];
        s->su_target = find_target(b, s->su_path);
        s->su_stem = make_stem(b, i);
        s->su_points = calloc(b->bt_nplan ? b->bt_nplan : 1, sizeof *s->su_points);
        if (s->su_stem == NULL || s->su_points == NULL) {
            fprintf(stderr, "grade: out of memory\n");
            return -1;
        }
    }
    return 0;
}

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
    char *path = out_path(b, s, ".json");
    gr_str output = {0};
    gr_str_addf(&output, "%s\n", reason);
    if (r.rr_lab == NULL || r.rr_target == NULL || r.rr_tests == NULL || path == NULL ||
        output.s_oom) {
        goto out;
    }
    for (size_t i = 0; i < b->bt_nplan; i++) {
        const gr_check *ck = b->bt_plan[i];
        gr_test_result *t = &r.rr_tests[r.rr_ntests++];
        t->tr_name = ck->ck_name;
        t->tr_step = ck->ck_step;
        t->tr_kind = ck->ck_kind == GR_SERVER ? "server" : "client";
        t->tr_max_score = ck->ck_points;
        t->tr_status = GR_FAILED;
        t->tr_hidden = (ck->ck_flags & GR_HIDDEN) != 0;
        t->tr_output = strdup(gr_str_cstr(&output));
        r.rr_max_score += ck->ck_points;
    }
    FILE *f = fopen(path, "w");
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
    char *path = out_path(b, s, ".txt");
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

/* The last non-empty line of @p text, malloc'd ("" if none). */
static char *last_line(const char *text, size_t len)
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

/* The command line of the child grader for @p s. */
static char *child_command(const batch *b, const submission *s)
{
    const gr_options *opt = b->bt_opt;
    char *json = out_path(b, s, ".json");
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
    if (c.s_oom) {
        gr_str_free(&c);
        return NULL;
    }
    return gr_str_take(&c);
}

/* In the worker process: grade @p s with a child grader, write its text
 * report (and a zero JSON report if it produced none), and exit with
 * WORKER_GRADED, WORKER_NOT_GRADED or WORKER_INTERRUPTED. */
static void __attribute__((noreturn)) run_worker(const batch *b, const submission *s)
{
    sigprocmask(SIG_SETMASK, &b->bt_mask, NULL);
    /* A subreaper of its own: what the grader leaves behind comes here. */
    if (gr_proc_init() < 0) {
        _exit(WORKER_FAILED);
    }
    char *json = out_path(b, s, ".json");
    char *cmd = child_command(b, s);
    if (json == NULL || cmd == NULL) {
        _exit(WORKER_FAILED);
    }
    unlink(json); /* never read a report left by an earlier batch */

    gr_str reason = {0};
    gr_str text = {0};
    int graded = 0;
    gr_proc p;
    memset(&p, 0, sizeof p);
    gr_spawn_opts so = {.so_keep_stdout = KEEP_STDOUT, .so_keep_stderr = KEEP_STDERR};
    char err[SL_ERR_LEN] = "";
    if (gr_proc_spawn(&p, cmd, &so, err) < 0) {
        gr_str_addf(&reason, "could not start the grader: %s", err);
        goto report;
    }
    long deadline = gr_now_ms() + b->bt_timeout_ms;
    int timed_out = 0;
    /* Short waits, so that a request to stop is seen at once. */
    while (!gr_proc_wait(&p, 200)) {
        if (stop_requested) {
            pid_t child = p.pr_pid;
            gr_proc_stop(&p, GRACE_MS);
            gr_proc_free(&p);
            remove_scratch_of(child);
            _exit(WORKER_INTERRUPTED);
        }
        if (gr_now_ms() >= deadline) {
            timed_out = 1;
            break;
        }
    }
    pid_t child = p.pr_pid;
    gr_proc_stop(&p, GRACE_MS);
    size_t out_len = 0;
    size_t out_total = 0;
    size_t err_len = 0;
    char *out = gr_proc_output(&p, 0, &out_len, &out_total);
    char *errs = gr_proc_output(&p, 1, &err_len, NULL);
    int status = p.pr_status;
    gr_proc_free(&p);

    if (timed_out) {
        gr_str_addf(&reason, "the grader was still running after %.0f min and was stopped",
                    (double)b->bt_timeout_ms / 60000.0);
    } else if (!WIFEXITED(status) || (WEXITSTATUS(status) != 0 && WEXITSTATUS(status) != 1)) {
        char how[160];
        char *last = last_line(errs != NULL ? errs : "", err_len);
        gr_str_addf(&reason, "the grader %s", gr_proc_describe(status, how, sizeof how));
        if (last != NULL && *last != '\0') {
            gr_str_addf(&reason, " (%s)", last);
        }
        free(last);
    } else if (!report_usable(json)) {
        gr_str_add(&reason, "the grader wrote no usable report");
    } else {
        graded = 1;
    }
    if (!graded) {
        remove_scratch_of(child);
    }
    if (out_total > out_len) {
        gr_str_addf(&text, "(the first %zu bytes of the grader's output were dropped)\n",
                    out_total - out_len);
    }
    if (out != NULL) {
        gr_str_addn(&text, out, out_len);
    }
    if (errs != NULL && err_len > 0) {
        gr_str_add(&text, "\nmessages from the grader:\n");
        gr_str_addn(&text, errs, err_len);
    }
    free(out);
    free(errs);

report:
    if (!graded) {
        gr_str_addf(&text, "\nnot graded: %s\n", gr_str_cstr(&reason));
        write_zero_json(b, s, gr_str_cstr(&reason));
    }
    write_text(b, s, gr_str_cstr(&text), text.s_len);
    _exit(graded ? WORKER_GRADED : WORKER_NOT_GRADED);
}

/* ---- collecting results ------------------------------------------------------------ */

/* Read OUT/STEM.json into @p s: score, points per check, and the output of
 * its first check (where the engine puts a build's error messages). */
static int load_report(const batch *b, submission *s, char **first_output)
{
    *first_output = NULL;
    char *path = out_path(b, s, ".json");
    json_t *doc = path != NULL ? json_load_file(path, 0, NULL) : NULL;
    free(path);
    json_t *tests = json_object_get(doc, "tests");
    if (!json_is_array(tests) || !json_is_integer(json_object_get(doc, "score"))) {
        json_decref(doc);
        return -1;
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
        if (i == 0) {
            const char *output = json_string_value(json_object_get(t, "output"));
            *first_output = strdup(output != NULL ? output : "");
        }
    }
    json_decref(doc);
    return 0;
}

/* Mark @p s as graded with zero points for @p reason, writing its reports. */
static void set_zero(const batch *b, submission *s, outcome how, const char *reason, int text)
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

/* A worker ended with wait status @p status: take in what it left. */
static void collect(const batch *b, submission *s, int status)
{
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    char *first = NULL;
    if ((code == WORKER_GRADED || code == WORKER_NOT_GRADED) && load_report(b, s, &first) == 0) {
        if (code == WORKER_NOT_GRADED) {
            s->su_outcome = OUT_NOT_GRADED;
            s->su_reason = first_line(first != NULL ? first : "");
        } else if (first != NULL && strncmp(first, "the build failed", 16) == 0) {
            s->su_outcome = OUT_BUILD_FAILED;
            s->su_reason = first_error_line(first);
        } else {
            s->su_outcome = OUT_GRADED;
        }
        free(first);
        return;
    }
    free(first);
    gr_str why = {0};
    if (code == WORKER_GRADED || code == WORKER_NOT_GRADED) {
        gr_str_add(&why, "its report could not be read back");
    } else {
        char how[160];
        gr_str_addf(&why, "the batch worker grading it %s",
                    gr_proc_describe(status, how, sizeof how));
    }
    set_zero(b, s, OUT_NOT_GRADED, gr_str_cstr(&why), 1);
    gr_str_free(&why);
}

/* "[12/30] alice: 84/105 in 3.2 s", and why when it is not a plain score. */
static void say_finished(const batch *b, const submission *s, size_t done)
{
    int width = snprintf(NULL, 0, "%zu", b->bt_nsubs);
    gr_str line = {0};
    gr_str_addf(&line, "[%*zu/%zu] %s: %d/%d", width, done, b->bt_nsubs, s->su_name, s->su_score,
                s->su_max_score);
    switch (s->su_outcome) {
    case OUT_BUILD_FAILED:
        gr_str_add(&line, ", build failed");
        break;
    case OUT_NO_MAKEFILE:
        gr_str_addf(&line, ", %s", s->su_reason != NULL ? s->su_reason : "no Makefile");
        break;
    case OUT_NOT_GRADED:
        gr_str_addf(&line, ", NOT GRADED: %s", s->su_reason != NULL ? s->su_reason : "?");
        break;
    default:
        break;
    }
    if (s->su_started != 0) {
        gr_str_addf(&line, " in %.1f s", (double)(gr_now_ms() - s->su_started) / 1000.0);
    }
    say(b, "%s\n", gr_str_cstr(&line));
    gr_str_free(&line);
}

/* ---- the class's reports ------------------------------------------------------------- */

/* One CSV field (RFC 4180): quoted when it holds a comma, quote, CR or LF.
 * Control characters become '?'. A name starting with = + - @ gets a ' in
 * front, so spreadsheets show it instead of running it as a formula. */
static void csv_field(FILE *f, const char *text, int is_name)
{
    gr_str v = {0};
    if (is_name && strchr("=+-@", text[0]) != NULL && text[0] != '\0') {
        gr_str_add(&v, "'");
    }
    for (const char *p = text; *p != '\0'; p++) {
        char c = (unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p;
        gr_str_addn(&v, &c, 1);
    }
    const char *s = gr_str_cstr(&v);
    if (strpbrk(s, ",\"\r\n") == NULL && s[0] != ' ' && (v.s_len == 0 || s[v.s_len - 1] != ' ')) {
        fputs(s, f);
    } else {
        fputc('"', f);
        for (const char *p = s; *p != '\0'; p++) {
            if (*p == '"') {
                fputc('"', f);
            }
            fputc(*p, f);
        }
        fputc('"', f);
    }
    gr_str_free(&v);
}

static int write_gradebook(const batch *b)
{
    char *path = join(b->bt_out, "gradebook.csv");
    FILE *f = path != NULL ? fopen(path, "w") : NULL;
    if (f == NULL) {
        fprintf(stderr, "grade: cannot write %s: %s\n", path != NULL ? path : "gradebook.csv",
                strerror(errno));
        free(path);
        return -1;
    }
    fputs("submission,score,max_score", f);
    for (size_t k = 0; k < b->bt_nplan; k++) {
        fputc(',', f);
        csv_field(f, b->bt_plan[k]->ck_name, 0);
    }
    fputs("\r\n", f);
    for (size_t i = 0; i < b->bt_nsubs; i++) {
        const submission *s = &b->bt_subs[i];
        csv_field(f, s->su_name, 1);
        fprintf(f, ",%d,%d", s->su_score, s->su_max_score);
        for (size_t k = 0; k < b->bt_nplan; k++) {
            fprintf(f, ",%d", s->su_points[k]);
        }
        fputs("\r\n", f);
    }
    int rc = 0;
    if (ferror(f) | (fclose(f) != 0)) {
        fprintf(stderr, "grade: could not write %s: %s\n", path, strerror(errno));
        rc = -1;
    }
    free(path);
    return rc;
}

/* Figures of the whole class. */
typedef struct class_stats {
    double cs_mean;
    double cs_median;
    int cs_min;
    int cs_max;
    size_t cs_bins[10]; /* scores in [0,10%), [10,20%), ..., [90,100%] */
    size_t *cs_passed;  /* per check of the plan: submissions with its full points */
    size_t *cs_order;   /* indices of the plan, lowest pass rate first */
} class_stats;

/* qsort() takes no context: the figures by_pass_rate() sorts by. */
static const class_stats *sort_stats;

static int by_pass_rate(const void *a, const void *b)
{
    size_t i = *(const size_t *)a;
    size_t j = *(const size_t *)b;
    size_t pi = sort_stats->cs_passed[i];
    size_t pj = sort_stats->cs_passed[j];
    if (pi != pj) {
        return pi < pj ? -1 : 1;
    }
    return i < j ? -1 : i > j; /* ties keep the lab's order */
}

static int by_int(const void *a, const void *b)
{
    int x = *(const int *)a;
    int y = *(const int *)b;
    return (x > y) - (x < y);
}

static int compute_stats(const batch *b, class_stats *cs)
{
    memset(cs, 0, sizeof *cs);
    size_t n = b->bt_nsubs;
    int *scores = calloc(n, sizeof *scores);
    cs->cs_passed = calloc(b->bt_nplan ? b->bt_nplan : 1, sizeof *cs->cs_passed);
    cs->cs_order = calloc(b->bt_nplan ? b->bt_nplan : 1, sizeof *cs->cs_order);
    if (scores == NULL || cs->cs_passed == NULL || cs->cs_order == NULL) {
        free(scores);
        return -1;
    }
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        const submission *s = &b->bt_subs[i];
        scores[i] = s->su_score;
        sum += s->su_score;
        int max = s->su_max_score > 0 ? s->su_max_score : b->bt_max_score;
        size_t bin = max > 0 && s->su_score > 0 ? (size_t)s->su_score * 10 / (size_t)max : 0;
        cs->cs_bins[bin > 9 ? 9 : bin]++;
        for (size_t k = 0; k < b->bt_nplan; k++) {
            cs->cs_passed[k] += s->su_points[k] >= b->bt_plan[k]->ck_points;
        }
    }
    qsort(scores, n, sizeof *scores, by_int);
    cs->cs_mean = sum / (double)n;
    cs->cs_median = n % 2 ? scores[n / 2] : (scores[n / 2 - 1] + scores[n / 2]) / 2.0;
    cs->cs_min = scores[0];
    cs->cs_max = scores[n - 1];
    free(scores);
    for (size_t k = 0; k < b->bt_nplan; k++) {
        cs->cs_order[k] = k;
    }
    sort_stats = cs;
    qsort(cs->cs_order, b->bt_nplan, sizeof *cs->cs_order, by_pass_rate);
    return 0;
}

static void free_stats(class_stats *cs)
{
    free(cs->cs_passed);
    free(cs->cs_order);
}

/* The first sentence of a hint: up to the first ". " that ends a sentence
 * (not "e.g. " or "i.e. "), or all of it. malloc'd. */
static char *first_sentence(const char *hint)
{
    for (const char *p = strchr(hint, '.'); p != NULL; p = strchr(p + 1, '.')) {
        if (p[1] != ' ' && p[1] != '\0') {
            continue;
        }
        if ((p - hint >= 3 && (strncmp(p - 3, "e.g", 3) == 0 || strncmp(p - 3, "i.e", 3) == 0))) {
            continue;
        }
        return strndup(hint, (size_t)(p - hint) + 1);
    }
    return strdup(hint);
}

/* Append @p text wrapped at @p width columns, each line after @p indent. */
static void add_wrapped(gr_str *out, const char *text, const char *indent, size_t width)
{
    size_t col = 0;
    const char *p = text;
    while (*p != '\0') {
        p += strspn(p, " ");
        size_t n = strcspn(p, " ");
        if (n == 0) {
            break;
        }
        if (col == 0) {
            gr_str_add(out, indent);
            col = strlen(indent);
        } else if (col + 1 + n > width) {
            gr_str_addf(out, "\n%s", indent);
            col = strlen(indent);
        } else {
            gr_str_add(out, " ");
            col++;
        }
        gr_str_addn(out, p, n);
        col += n;
        p += n;
    }
    if (col > 0) {
        gr_str_add(out, "\n");
    }
}

/* The names of the submissions with outcome @p how, and their reasons. */
static void add_list(gr_str *t, const batch *b, outcome how, const char *title)
{
    size_t n = 0;
    for (size_t i = 0; i < b->bt_nsubs; i++) {
        n += b->bt_subs[i].su_outcome == how;
    }
    if (n == 0) {
        return;
    }
    gr_str_addf(t, "\n%s (%zu):\n", title, n);
    for (size_t i = 0; i < b->bt_nsubs; i++) {
        const submission *s = &b->bt_subs[i];
        if (s->su_outcome != how) {
            continue;
        }
        if (how == OUT_NO_MAKEFILE || s->su_reason == NULL) {
            gr_str_addf(t, "  %s\n", s->su_name);
        } else {
            gr_str_addf(t, "  %s: %s\n", s->su_name, s->su_reason);
        }
    }
}

static void summary_text(const batch *b, const class_stats *cs, gr_str *t)
{
    const gr_lab *lab = b->bt_opt->op_lab;
    size_t n = b->bt_nsubs;
    gr_str_addf(t, "Class summary: lab %s (%s), %zu submission%s, seed %" PRIu64 "\n", b->bt_lab,
                lab->lab_title, n, n == 1 ? "" : "s", b->bt_opt->op_seed);
    gr_str_addf(t, "Scores out of %d: mean %.1f, median %g, min %d, max %d\n", b->bt_max_score,
                cs->cs_mean, cs->cs_median, cs->cs_min, cs->cs_max);

    gr_str_add(t, "\nScore distribution:\n");
    size_t most = 1;
    for (int i = 0; i < 10; i++) {
        most = cs->cs_bins[i] > most ? cs->cs_bins[i] : most;
    }
    for (int i = 0; i < 10; i++) {
        char label[16];
        snprintf(label, sizeof label, "%d-%d%%", i * 10, i == 9 ? 100 : i * 10 + 9);
        size_t bar = (cs->cs_bins[i] * 40 + most - 1) / most;
        gr_str_addf(t, "  %8s  ", label);
        for (size_t k = 0; k < bar; k++) {
            gr_str_add(t, "#");
        }
        gr_str_addf(t, "%*s %zu\n", (int)(40 - bar), "", cs->cs_bins[i]);
    }

    gr_str_add(t, "\nChecks by pass rate, lowest first:\n");
    int width = snprintf(NULL, 0, "%zu", n);
    char indent[64];
    snprintf(indent, sizeof indent, "%*s", 2 * width + 10, "");
    for (size_t r = 0; r < b->bt_nplan; r++) {
        size_t k = cs->cs_order[r];
        const gr_check *ck = b->bt_plan[k];
        double rate = 100.0 * (double)cs->cs_passed[k] / (double)n;
        gr_str_addf(t, "  %3.0f%%  %*zu/%zu  %s (step %d, %d pts%s)\n", rate, width,
                    cs->cs_passed[k], n, ck->ck_name, ck->ck_step, ck->ck_points,
                    (ck->ck_flags & GR_HIDDEN) ? ", hidden" : "");
        /* Under each check that a submission which built failed: what it
         * checks, and the concept, which is the hint's first sentence.
         * Checks lost only by submissions that never ran need neither. */
        size_t missed = 0;
        for (size_t i = 0; i < n; i++) {
            missed += b->bt_subs[i].su_outcome == OUT_GRADED &&
                      b->bt_subs[i].su_points[k] < ck->ck_points;
        }
        if (missed == 0) {
            continue;
        }
        add_wrapped(t, ck->ck_summary != NULL ? ck->ck_summary : "", indent, 78);
        char *sentence = first_sentence(ck->ck_hint != NULL ? ck->ck_hint : "");
        gr_str hint = {0};
        gr_str_addf(&hint, "hint: %s", sentence != NULL ? sentence : "");
        add_wrapped(t, gr_str_cstr(&hint), indent, 78);
        gr_str_free(&hint);
        free(sentence);
    }
    add_list(t, b, OUT_BUILD_FAILED, "Did not build");
    add_list(t, b, OUT_NO_MAKEFILE, "No Makefile found");
    add_list(t, b, OUT_NOT_GRADED, "Could not be graded");
}

/* A JSON string of @p s even if it is not UTF-8 (a file name may not be):
 * then bytes above 0x7f become '?'. */
static json_t *json_name(const char *s)
{
    json_t *v = json_string(s);
    if (v != NULL) {
        return v;
    }
    char *copy = strdup(s);
    if (copy == NULL) {
        return NULL;
    }
    for (char *p = copy; *p != '\0'; p++) {
        if ((unsigned char)*p >= 0x80) {
            *p = '?';
        }
    }
    v = json_string(copy);
    free(copy);
    return v;
}

static const char *outcome_name(outcome how)
{
    switch (how) {
    case OUT_GRADED:
        return "graded";
    case OUT_BUILD_FAILED:
        return "build-failed";
    case OUT_NO_MAKEFILE:
        return "no-makefile";
    case OUT_NOT_GRADED:
        return "not-graded";
    default:
        return "pending";
    }
}

static int write_summary_json(const batch *b, const class_stats *cs)
{
    size_t n = b->bt_nsubs;
    json_t *root = json_object();
    json_t *hist = json_array();
    json_t *checks = json_array();
    json_t *results = json_array();
    json_t *lists[3] = {json_array(), json_array(), json_array()};
    static const outcome list_outcome[3] = {OUT_BUILD_FAILED, OUT_NO_MAKEFILE, OUT_NOT_GRADED};
    static const char *const list_key[3] = {"build_failed", "no_makefile", "not_graded"};
    int ok = 1;
    for (int i = 0; i < 10; i++) {
        ok &= json_array_append_new(hist, json_pack("{s:i, s:i, s:I}", "from_percent", i * 10,
                                                    "to_percent", i == 9 ? 100 : i * 10 + 10,
                                                    "count", (json_int_t)cs->cs_bins[i])) == 0;
    }
    for (size_t k = 0; k < b->bt_nplan; k++) {
        const gr_check *ck = b->bt_plan[k];
        char *sentence = first_sentence(ck->ck_hint != NULL ? ck->ck_hint : "");
        ok &= json_array_append_new(
                  checks,
                  json_pack("{s:s, s:i, s:s, s:i, s:b, s:I, s:f, s:s, s:s?}", "name", ck->ck_name,
                            "step", ck->ck_step, "kind",
                            ck->ck_kind == GR_SERVER ? "server" : "client", "points", ck->ck_points,
                            "hidden", (ck->ck_flags & GR_HIDDEN) != 0, "passed",
                            (json_int_t)cs->cs_passed[k], "pass_rate",
                            (double)cs->cs_passed[k] / (double)n, "summary",
                            ck->ck_summary != NULL ? ck->ck_summary : "", "hint", sentence)) == 0;
        free(sentence);
    }
    for (size_t i = 0; i < n; i++) {
        const submission *s = &b->bt_subs[i];
        json_t *r = json_pack("{s:o, s:s, s:i, s:i, s:s}", "submission", json_name(s->su_name),
                              "report", s->su_stem, "score", s->su_score, "max_score",
                              s->su_max_score, "outcome", outcome_name(s->su_outcome));
        if (r != NULL && s->su_reason != NULL) {
            json_object_set_new(r, "reason", json_name(s->su_reason));
        }
        ok &= json_array_append_new(results, r) == 0;
        for (int l = 0; l < 3; l++) {
            if (s->su_outcome == list_outcome[l]) {
                ok &= json_array_append_new(lists[l], json_name(s->su_name)) == 0;
            }
        }
    }
    int rc = -1;
    if (!ok || root == NULL || hist == NULL || checks == NULL || results == NULL ||
        lists[0] == NULL || lists[1] == NULL || lists[2] == NULL) {
        goto out;
    }
    json_object_set_new(root, "lab", json_string(b->bt_lab));
    json_object_set_new(root, "title", json_string(b->bt_opt->op_lab->lab_title));
    json_object_set_new(root, "seed", json_integer((json_int_t)b->bt_opt->op_seed));
    json_object_set_new(root, "submissions", json_integer((json_int_t)n));
    json_object_set_new(root, "max_score", json_integer(b->bt_max_score));
    json_object_set_new(root, "mean", json_real(cs->cs_mean));
    json_object_set_new(root, "median", json_real(cs->cs_median));
    json_object_set_new(root, "min", json_integer(cs->cs_min));
    json_object_set_new(root, "max", json_integer(cs->cs_max));
    json_object_set_new(root, "histogram", hist);
    json_object_set_new(root, "checks", checks);
    for (int l = 0; l < 3; l++) {
        json_object_set_new(root, list_key[l], lists[l]);
        lists[l] = NULL;
    }
    json_object_set_new(root, "results", results);
    hist = checks = results = NULL;
    char *path = join(b->bt_out, "summary.json");
    if (path != NULL && json_dump_file(root, path, JSON_INDENT(2) | JSON_REAL_PRECISION(6)) == 0) {
        rc = 0;
    } else {
        fprintf(stderr, "grade: cannot write %s/summary.json\n", b->bt_out);
    }
    free(path);
out:
    json_decref(root);
    json_decref(hist);
    json_decref(checks);
    json_decref(results);
    for (int l = 0; l < 3; l++) {
        json_decref(lists[l]);
    }
    return rc;
}

/* gradebook.csv, summary.txt, summary.json; the summary is printed too. */
static int write_class_reports(const batch *b)
{
    class_stats cs;
    if (compute_stats(b, &cs) < 0) {
        fprintf(stderr, "grade: out of memory\n");
        return -1;
    }
    gr_str text = {0};
    summary_text(b, &cs, &text);
    int rc = write_gradebook(b);
    char *path = join(b->bt_out, "summary.txt");
    FILE *f = path != NULL ? fopen(path, "w") : NULL;
    if (f == NULL || fputs(gr_str_cstr(&text), f) == EOF || fclose(f) != 0) {
        fprintf(stderr, "grade: cannot write %s/summary.txt: %s\n", b->bt_out, strerror(errno));
        rc = -1;
    }
    free(path);
    if (write_summary_json(b, &cs) < 0) {
        rc = -1;
    }
    say(b, "\n%s", gr_str_cstr(&text));
    say(b,
        "\nReports: %s/NAME.txt and NAME.json for each submission, gradebook.csv, "
        "summary.txt, summary.json\n",
        b->bt_out);
    gr_str_free(&text);
    free_stats(&cs);
    return rc;
}

/* ---- running the class ------------------------------------------------------------ */

/* Build libsocklab once, before the class: every submission's build links
 * it, and parallel builds must not all try to bring it up to date at once. */
static void build_library(const batch *b)
{
    gr_str cmd = {0};
    gr_str_add(&cmd, "make --no-print-directory -s -C");
    gr_str_add_word(&cmd, b->bt_opt->op_root);
    gr_str_add(&cmd, " lib 2>&1");
    gr_proc p;
    memset(&p, 0, sizeof p);
    char err[SL_ERR_LEN] = "";
    if (cmd.s_oom || gr_proc_spawn(&p, gr_str_cstr(&cmd), NULL, err) < 0) {
        say(b, "note: could not build libsocklab first: %s\n", err);
        gr_str_free(&cmd);
        return;
    }
    int done = gr_proc_wait(&p, (int)(LIB_BUILD_MS * b->bt_opt->op_scale));
    gr_proc_stop(&p, 1000);
    if (!done || !WIFEXITED(p.pr_status) || WEXITSTATUS(p.pr_status) != 0) {
        size_t len = 0;
        char *log = gr_proc_output(&p, 0, &len, NULL);
        char *last = last_line(log != NULL ? log : "", len);
        say(b, "note: building libsocklab failed (%s); each submission's build will say more\n",
            last != NULL ? last : "");
        free(last);
        free(log);
    }
    gr_proc_free(&p);
    gr_str_free(&cmd);
}

/* Fork the worker for @p s. */
static int start_worker(const batch *b, submission *s)
{
    if (b->bt_progress != NULL) {
        fflush(b->bt_progress);
    }
    s->su_started = gr_now_ms();
    pid_t pid = fork();
    if (pid < 0) {
        return -1;
    }
    if (pid == 0) {
        run_worker(b, s);
    }
    s->su_worker = pid;
    s->su_pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    return 0;
}

/* Wait until a worker may have ended or a stop was requested. The stop
 * signals are blocked except inside ppoll(), so none is missed. */
static void wait_for_workers(const batch *b)
{
    struct pollfd fds[GR_BATCH_MAX_JOBS];
    nfds_t n = 0;
    int blind = 0; /* a worker without a pidfd: look every 100 ms */
    for (size_t i = 0; i < b->bt_nsubs && n < GR_BATCH_MAX_JOBS; i++) {
        const submission *s = &b->bt_subs[i];
        if (s->su_worker == 0) {
            continue;
        }
        if (s->su_pidfd < 0) {
            blind = 1;
            continue;
        }
        fds[n].fd = s->su_pidfd;
        fds[n].events = POLLIN;
        n++;
    }
    struct timespec tick = {0, 100 * 1000000L};
    ppoll(fds, n, blind ? &tick : NULL, &b->bt_mask);
}

/* Reap the workers that ended; returns how many did. */
static size_t reap_workers(const batch *b, size_t *done)
{
    size_t ended = 0;
    for (size_t i = 0; i < b->bt_nsubs; i++) {
        submission *s = &b->bt_subs[i];
        int status;
        if (s->su_worker == 0 || waitpid(s->su_worker, &status, WNOHANG) != s->su_worker) {
            continue;
        }
        collect(b, s, status);
        (*done)++;
        say_finished(b, s, *done);
        s->su_worker = 0;
        if (s->su_pidfd >= 0) {
            close(s->su_pidfd);
            s->su_pidfd = -1;
        }
        ended++;
    }
    return ended;
}

/* Stop every worker still running (each stops its grader) and reap them. */
static void stop_workers(const batch *b)
{
    for (size_t i = 0; i < b->bt_nsubs; i++) {
        if (b->bt_subs[i].su_worker != 0) {
            kill(b->bt_subs[i].su_worker, SIGTERM);
        }
    }
    for (size_t i = 0; i < b->bt_nsubs; i++) {
        submission *s = &b->bt_subs[i];
        if (s->su_worker != 0) {
            while (waitpid(s->su_worker, NULL, 0) < 0 && errno == EINTR) {
            }
            s->su_worker = 0;
        }
        if (s->su_pidfd >= 0) {
            close(s->su_pidfd);
            s->su_pidfd = -1;
        }
    }
}

/* Grade every submission, @p jobs at a time. Returns 0, or -1 if stopped. */
static int run_class(batch *b, int jobs)
{
    size_t next = 0;
    size_t done = 0;
    size_t running = 0;
    while (done < b->bt_nsubs && !stop_requested) {
        while (running < (size_t)jobs && next < b->bt_nsubs) {
            submission *s = &b->bt_subs[next++];
            if (s->su_target == NULL) {
                char reason[256];
                snprintf(reason, sizeof reason, "no Makefile found (expected a copy of labs/%s)",
                         b->bt_lab);
                set_zero(b, s, OUT_NO_MAKEFILE, reason, 1);
                say_finished(b, s, ++done);
                continue;
            }
            if (start_worker(b, s) < 0) {
                char reason[256];
                snprintf(reason, sizeof reason, "could not start a worker: %s", strerror(errno));
                set_zero(b, s, OUT_NOT_GRADED, reason, 1);
                say_finished(b, s, ++done);
                continue;
            }
            running++;
        }
        if (running == 0) {
            continue;
        }
        wait_for_workers(b);
        running -= reap_workers(b, &done);
    }
    if (stop_requested) {
        stop_workers(b);
        return -1;
    }
    return 0;
}

static void free_batch(batch *b)
{
    for (size_t i = 0; i < b->bt_nsubs; i++) {
        submission *s = &b->bt_subs[i];
        free(s->su_name);
        free(s->su_stem);
        free(s->su_path);
        free(s->su_target);
        free(s->su_points);
        free(s->su_reason);
    }
    free(b->bt_subs);
    free(b->bt_dir);
    free(b->bt_out);
    free(b->bt_exe);
}

/* Catch the stop signals (unless they are ignored, as in a background job
 * of a non-interactive shell); @p old keeps what to restore. */
static void catch_stop_signals(struct sigaction old[3])
{
    static const int sigs[3] = {SIGINT, SIGTERM, SIGHUP};
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    for (int i = 0; i < 3; i++) {
        sigaction(sigs[i], NULL, &old[i]);
        if (old[i].sa_handler != SIG_IGN) {
            sigaction(sigs[i], &sa, NULL);
        }
    }
}

static void restore_stop_signals(const struct sigaction old[3])
{
    static const int sigs[3] = {SIGINT, SIGTERM, SIGHUP};
    for (int i = 0; i < 3; i++) {
        sigaction(sigs[i], &old[i], NULL);
    }
}

int gr_batch_run(const gr_options *opt, const char *dir, int jobs, const char *outdir)
{
    batch b;
    memset(&b, 0, sizeof b);
    b.bt_opt = opt;
    /* "subs/" and "subs" name the same submissions: "subs/alice" either way. */
    b.bt_dir = strdup(dir);
    for (size_t n = b.bt_dir != NULL ? strlen(b.bt_dir) : 0; n > 1 && b.bt_dir[n - 1] == '/'; n--) {
        b.bt_dir[n - 1] = '\0';
    }
    b.bt_progress = opt->op_progress;
    gr_lab_dirname(opt->op_lab, b.bt_lab, sizeof b.bt_lab);
    b.bt_plan_opt = *opt;
    b.bt_plan_opt.op_target = GR_TARGET_DIR;
    b.bt_plan_opt.op_instructor = 1;
    int hidden = 0;
    int hidden_points = 0;
    b.bt_nplan = gr_plan(&b.bt_plan_opt, b.bt_plan, MAX_PLAN, &hidden, &hidden_points);
    for (size_t k = 0; k < b.bt_nplan; k++) {
        b.bt_max_score += b.bt_plan[k]->ck_points;
    }
    double scale = opt->op_scale > 0 ? opt->op_scale : 1.0;
    b.bt_timeout_ms = (long)(CHILD_TIMEOUT_MS * scale);
    if (jobs <= 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        jobs = cpus > 0 ? (int)cpus : 1;
    }
    jobs = jobs > GR_BATCH_MAX_JOBS ? GR_BATCH_MAX_JOBS : jobs;

    int status = 2;
    if (b.bt_dir == NULL) {
        fprintf(stderr, "grade: out of memory\n");
        status = 3;
        goto out;
    }
    dir = b.bt_dir;
    if (b.bt_nplan == 0) {
        fprintf(stderr, "grade: no check of lab %s to run\n", opt->op_lab->lab_id);
        goto out;
    }
    if (!is_dir(dir)) {
        fprintf(stderr, "grade: --batch wants a directory of submissions; %s is not one\n", dir);
        goto out;
    }
    if (discover(&b, dir) < 0) {
        goto out;
    }
    if (b.bt_nsubs == 0) {
        fprintf(stderr,
                "grade: no submissions in %s: each submission is a subdirectory (a copy of "
                "labs/%s, or a checkout of the kit)\n",
                dir, b.bt_lab);
        goto out;
    }
    gr_str outname = {0};
    if (outdir != NULL) {
        gr_str_add(&outname, outdir);
    } else {
        gr_str_addf(&outname, "grades-%s", opt->op_lab->lab_id);
    }
    b.bt_out = gr_str_take(&outname);
    if (b.bt_out == NULL || make_dirs(b.bt_out) < 0) {
        fprintf(stderr, "grade: cannot make the output directory %s: %s\n",
                b.bt_out != NULL ? b.bt_out : "", strerror(errno));
        goto out;
    }
    char exe[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len <= 0) {
        fprintf(stderr, "grade: cannot find the grader's own executable: %s\n", strerror(errno));
        status = 3;
        goto out;
    }
    exe[len] = '\0';
    b.bt_exe = strdup(exe);
    if (b.bt_exe == NULL || gr_proc_init() < 0) {
        fprintf(stderr, "grade: cannot supervise child processes: %s\n", strerror(errno));
        status = 3;
        goto out;
    }
    if ((size_t)jobs > b.bt_nsubs) {
        jobs = (int)b.bt_nsubs;
    }

    say(&b, "socklab batch grading: lab %s (%s)\n", b.bt_lab, opt->op_lab->lab_title);
    say(&b, "submissions: %zu in %s", b.bt_nsubs, dir);
    if (b.bt_skipped > 0) {
        say(&b, " (%zu entr%s that %s not a directory skipped)", b.bt_skipped,
            b.bt_skipped == 1 ? "y" : "ies", b.bt_skipped == 1 ? "is" : "are");
    }
    say(&b, "\nseed:        %" PRIu64 " (the same payloads for every submission)\n", opt->op_seed);
    size_t nhidden = 0;
    for (size_t k = 0; k < b.bt_nplan; k++) {
        nhidden += (b.bt_plan[k]->ck_flags & GR_HIDDEN) != 0;
    }
    say(&b, "checks:      %zu, %d points%s\n", b.bt_nplan, b.bt_max_score,
        nhidden > 0 ? ", hidden checks included" : "");
    say(&b, "jobs:        %d at a time\nreports:     %s/\n\n", jobs, b.bt_out);

    build_library(&b);

    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGHUP);
    struct sigaction old[3];
    stop_requested = 0;
    sigprocmask(SIG_BLOCK, &block, &b.bt_mask);
    catch_stop_signals(old);
    int stopped = run_class(&b, jobs) < 0;
    /* Anything a dead worker left behind was reparented here. */
    gr_proc_reap_orphans();
    restore_stop_signals(old);
    sigprocmask(SIG_SETMASK, &b.bt_mask, NULL);

    if (stopped) {
        say(&b,
            "\nstopped: no gradebook written (the reports of finished submissions are in "
            "%s/)\n",
            b.bt_out);
        status = 1;
        goto out;
    }
    if (write_class_reports(&b) < 0) {
        status = 3;
        goto out;
    }
    status = 0;
    for (size_t i = 0; i < b.bt_nsubs; i++) {
        if (b.bt_subs[i].su_outcome == OUT_NOT_GRADED) {
            status = 1;
        }
    }
out:
    free_batch(&b);
    return status;
}
