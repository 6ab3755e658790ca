/* batch.c - grade a whole class, one child grader per submission (see batch.h).
 *
 * The shape of a run:
 *
 *   bin/grade --batch (this file)
 *     `- worker, one per running submission (a fork of this process; worker.c)
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
 * what the JSON reports say.
 *
 * This file sets the run up, runs the class (starting, reaping and stopping
 * workers, catching the stop signals) and has the class's reports written;
 * batch_int.h lists the files that do the rest. */
#include "batch/batch_int.h"

#include "err.h"
#include "os/proc.h"
#include "text/strbuf.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

/* Time one submission's grader gets, before scaling: far more than any lab
 * needs, so only a grader that hangs meets it. */
#define CHILD_TIMEOUT_MS (20 * 60 * 1000)
/* Time the one build of libsocklab before the class gets. */
#define LIB_BUILD_MS (5 * 60 * 1000)

/* Set by SIGINT, SIGTERM or SIGHUP, in the batch process and in workers
 * (which inherit the handler with the fork). */
static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
    (void)sig;
    stop_requested = 1;
}

int gr_batch_stop_requested(void)
{
    return stop_requested != 0;
}

void gr_batch_say(const batch *b, const char *fmt, ...)
{
    if (b->bt_progress != NULL) {
        va_list ap;
        va_start(ap, fmt);
        vfprintf(b->bt_progress, fmt, ap);
        va_end(ap);
        fflush(b->bt_progress);
    }
}

/* ---- running the class ------------------------------------------------------------ */

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
    gr_batch_say(b, "%s\n", gr_str_cstr(&line));
    gr_str_free(&line);
}

/* Build libsocklab once, before the class: every submission's build links
 * it, and parallel builds must not all try to bring it up to date at once.
 * A failure is only noted: each submission's build will say more. */
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
        gr_batch_say(b, "note: could not build libsocklab first: %s\n", err);
    } else {
        int done = gr_proc_wait(&p, (int)(LIB_BUILD_MS * b->bt_opt->op_scale));
        gr_proc_stop(&p, 1000);
        if (!done || !WIFEXITED(p.pr_status) || WEXITSTATUS(p.pr_status) != 0) {
            size_t len = 0;
            char *log = gr_proc_output(&p, 0, &len, NULL);
            char *last = gr_batch_last_line(log != NULL ? log : "", len);
            gr_batch_say(b,
                         "note: building libsocklab failed (%s); each submission's build will "
                         "say more\n",
                         last != NULL ? last : "");
            free(last);
            free(log);
        }
        gr_proc_free(&p);
    }
    gr_str_free(&cmd);
}

/* Start grading @p s: a worker, or at once a row of zeros when there is
 * nothing to build or no worker could be forked. Returns 1 if a worker
 * runs, 0 if @p s is already finished (and counted in @p done). */
static int start_submission(const batch *b, submission *s, size_t *done)
{
    char reason[256];
    int started = 0;
    if (s->su_target == NULL) {
        snprintf(reason, sizeof reason, "no Makefile found (expected a copy of labs/%s)",
                 b->bt_lab);
        gr_batch_set_zero(b, s, OUT_NO_MAKEFILE, reason, 1);
    } else if (gr_batch_start_worker(b, s) < 0) {
        snprintf(reason, sizeof reason, "could not start a worker: %s", strerror(errno));
        gr_batch_set_zero(b, s, OUT_NOT_GRADED, reason, 1);
    } else {
        started = 1;
    }
    if (!started) {
        say_finished(b, s, ++*done);
    }
    return started;
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
        gr_batch_collect(b, s, status);
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
static int run_class(const batch *b, int jobs)
{
    size_t next = 0;
    size_t done = 0;
    size_t running = 0;
    while (done < b->bt_nsubs && !stop_requested) {
        while (running < (size_t)jobs && next < b->bt_nsubs) {
            running += (size_t)start_submission(b, &b->bt_subs[next++], &done);
        }
        if (running > 0) {
            wait_for_workers(b);
            running -= reap_workers(b, &done);
        }
    }
    if (stop_requested) {
        stop_workers(b);
    }
    return stop_requested ? -1 : 0;
}

static const int stop_signals[3] = {SIGINT, SIGTERM, SIGHUP};

/* Catch the stop signals (unless they are ignored, as in a background job
 * of a non-interactive shell); @p old keeps what to restore. */
static void catch_stop_signals(struct sigaction old[3])
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    for (int i = 0; i < 3; i++) {
        sigaction(stop_signals[i], NULL, &old[i]);
        if (old[i].sa_handler != SIG_IGN) {
            sigaction(stop_signals[i], &sa, NULL);
        }
    }
}

static void restore_stop_signals(const struct sigaction old[3])
{
    for (int i = 0; i < 3; i++) {
        sigaction(stop_signals[i], &old[i], NULL);
    }
}

/* run_class() with the stop signals caught, and blocked but inside ppoll()
 * (b->bt_mask keeps the mask from before, which workers go back to).
 * Returns 0, or -1 if stopped. */
static int run_class_catching_stops(batch *b, int jobs)
{
    sigset_t block;
    sigemptyset(&block);
    for (int i = 0; i < 3; i++) {
        sigaddset(&block, stop_signals[i]);
    }
    struct sigaction old[3];
    stop_requested = 0;
    sigprocmask(SIG_BLOCK, &block, &b->bt_mask);
    catch_stop_signals(old);
    int rc = run_class(b, jobs);
    /* Anything a dead worker left behind was reparented here. */
    gr_proc_reap_orphans();
    restore_stop_signals(old);
    sigprocmask(SIG_SETMASK, &b->bt_mask, NULL);
    return rc;
}

/* ---- setting up and finishing -------------------------------------------------------- */

/* The run's settings: the plan every child runs and its points, the time
 * each child gets, the submissions' directory without trailing slashes.
 * Returns 0, or the exit status (the reason is on stderr). */
static int init_batch(batch *b, const gr_options *opt, const char *dir)
{
    memset(b, 0, sizeof *b);
    b->bt_opt = opt;
    b->bt_progress = opt->op_progress;
    gr_lab_dirname(opt->op_lab, b->bt_lab, sizeof b->bt_lab);
    b->bt_plan_opt = *opt;
    b->bt_plan_opt.op_target = GR_TARGET_DIR;
    b->bt_plan_opt.op_instructor = 1;
    int hidden = 0;
    int hidden_points = 0;
    b->bt_nplan = gr_plan(&b->bt_plan_opt, b->bt_plan, GR_PLAN_MAX, &hidden, &hidden_points);
    for (size_t k = 0; k < b->bt_nplan; k++) {
        b->bt_max_score += b->bt_plan[k]->ck_points;
    }
    double scale = opt->op_scale > 0 ? opt->op_scale : 1.0;
    b->bt_timeout_ms = (long)(CHILD_TIMEOUT_MS * scale);
    int status = 0;
    b->bt_dir = strdup(dir);
    if (b->bt_dir == NULL) {
        fprintf(stderr, "grade: out of memory\n");
        status = 3;
    } else if (b->bt_nplan == 0) {
        fprintf(stderr, "grade: no check of lab %s to run\n", opt->op_lab->lab_id);
        status = 2;
    }
    /* "subs/" and "subs" name the same submissions: "subs/alice" either way. */
    size_t n = b->bt_dir != NULL ? strlen(b->bt_dir) : 0;
    while (n > 1 && b->bt_dir[n - 1] == '/') {
        b->bt_dir[--n] = '\0';
    }
    return status;
}

/* Make @p path and its missing parents, like mkdir -p. */
static int make_dirs(const char *path)
{
    int rc = -1;
    char buf[PATH_MAX];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) {
        errno = ENAMETOOLONG;
        goto out;
    }
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char saved = *p;
            *p = '\0';
            if (mkdir(buf, 0755) < 0 && errno != EEXIST) {
                goto out;
            }
            *p = saved;
            if (saved == '\0') {
                break;
            }
        }
    }
    struct stat st;
    if (stat(path, &st) < 0) {
        goto out;
    }
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        goto out;
    }
    rc = 0;
out:
    return rc;
}

/* b->bt_out: @p outdir, or grades-NN; made if missing. */
static int make_output_dir(batch *b, const char *outdir)
{
    gr_str name = {0};
    if (outdir != NULL) {
        gr_str_add(&name, outdir);
    } else {
        gr_str_addf(&name, "grades-%s", b->bt_opt->op_lab->lab_id);
    }
    if (name.s_oom) {
        gr_str_free(&name); /* a truncated name could be some other directory */
    } else {
        b->bt_out = gr_str_take(&name);
    }
    int rc = 0;
    if (b->bt_out == NULL || make_dirs(b->bt_out) < 0) {
        fprintf(stderr, "grade: cannot make the output directory %s: %s\n",
                b->bt_out != NULL ? b->bt_out : "", strerror(errno));
        rc = -1;
    }
    return rc;
}

/* Find the grader's own executable, which every child grader runs, and
 * make this process a subreaper (gr_proc_init()). */
static int prepare_supervision(batch *b)
{
    int rc = -1;
    char exe[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len <= 0) {
        fprintf(stderr, "grade: cannot find the grader's own executable: %s\n", strerror(errno));
        goto out;
    }
    exe[len] = '\0';
    b->bt_exe = strdup(exe);
    if (b->bt_exe == NULL || gr_proc_init() < 0) {
        fprintf(stderr, "grade: cannot supervise child processes: %s\n", strerror(errno));
        goto out;
    }
    rc = 0;
out:
    return rc;
}

/* How many to grade at once: @p jobs (0 for one per online CPU), no more
 * than GR_BATCH_MAX_JOBS or the class. */
static int job_count(int jobs, size_t nsubs)
{
    if (jobs <= 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        jobs = cpus > 0 ? (int)cpus : 1;
    }
    jobs = jobs > GR_BATCH_MAX_JOBS ? GR_BATCH_MAX_JOBS : jobs;
    return (size_t)jobs > nsubs ? (int)nsubs : jobs;
}

/* The lines before the first submission's: what is graded, and how. */
static void say_plan(const batch *b, int jobs)
{
    const gr_options *opt = b->bt_opt;
    gr_batch_say(b, "socklab batch grading: lab %s (%s)\n", b->bt_lab, opt->op_lab->lab_title);
    gr_batch_say(b, "submissions: %zu in %s", b->bt_nsubs, b->bt_dir);
    if (b->bt_skipped > 0) {
        gr_batch_say(b, " (%zu entr%s that %s not a directory skipped)", b->bt_skipped,
                     b->bt_skipped == 1 ? "y" : "ies", b->bt_skipped == 1 ? "is" : "are");
    }
    gr_batch_say(b, "\nseed:        %" PRIu64 " (the same payloads for every submission)\n",
                 opt->op_seed);
    size_t nhidden = 0;
    for (size_t k = 0; k < b->bt_nplan; k++) {
        nhidden += (b->bt_plan[k]->ck_flags & GR_HIDDEN) != 0;
    }
    gr_batch_say(b, "checks:      %zu, %d points%s\n", b->bt_nplan, b->bt_max_score,
                 nhidden > 0 ? ", hidden checks included" : "");
    gr_batch_say(b, "jobs:        %d at a time\nreports:     %s/\n\n", jobs, b->bt_out);
}

/* After the class: the gradebook and the summaries, unless the run was
 * stopped. Returns gr_batch_run()'s exit status. */
static int finish(const batch *b, int stopped)
{
    int status = 0;
    if (stopped) {
        gr_batch_say(b,
                     "\nstopped: no gradebook written (the reports of finished submissions are "
                     "in %s/)\n",
                     b->bt_out);
        status = 1;
    } else {
        int failed = gr_batch_write_gradebook(b) < 0;
        failed |= gr_batch_write_summary(b) < 0;
        for (size_t i = 0; i < b->bt_nsubs; i++) {
            status = b->bt_subs[i].su_outcome == OUT_NOT_GRADED ? 1 : status;
        }
        status = failed ? 3 : status;
    }
    return status;
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

int gr_batch_run(const gr_options *opt, const char *dir, int jobs, const char *outdir)
{
    batch b;
    int status = init_batch(&b, opt, dir);
    if (status != 0) {
        goto out;
    }
    status = 2; /* what stops the run before it starts is a usage problem, */
    if (gr_batch_discover(&b) < 0 || make_output_dir(&b, outdir) < 0) {
        goto out;
    }
    status = 3; /* except when the grader cannot run children */
    if (prepare_supervision(&b) < 0) {
        goto out;
    }
    jobs = job_count(jobs, b.bt_nsubs);
    say_plan(&b, jobs);
    build_library(&b);
    status = finish(&b, run_class_catching_stops(&b, jobs) < 0);
out:
    free_batch(&b);
    return status;
}
