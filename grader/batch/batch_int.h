/* batch_int.h - what the files of the batch share; not for use outside
 * grader/batch/ (batch.h is the module's interface).
 *
 * The files, by concern:
 *   batch.c      gr_batch_run(): set up, run the class (start, reap and stop
 *                workers, the stop signals), then the class's reports
 *   discover.c   finding the submissions: names, file stems, the directory
 *                graded in each, the paths of their reports
 *   worker.c     the worker process and its child grader's command line;
 *                reading back what a worker left; zero reports
 *   gradebook.c  gradebook.csv
 *   summary.c    class statistics, summary.txt and summary.json
 *
 * Ownership: gr_batch_run() owns the one ::batch of a run and every string
 * in it and its submissions; free_batch() in batch.c releases them. */
#ifndef SOCKLAB_GRADER_BATCH_INT_H
#define SOCKLAB_GRADER_BATCH_INT_H

#include "batch/batch.h"

#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

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
    gr_options bt_plan_opt;               /* the children's view: --dir, --instructor */
    const gr_check *bt_plan[GR_PLAN_MAX]; /* the checks every child runs, in order */
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

/* ---- batch.c ---- */

/* Print on the progress stream, if there is one. */
void gr_batch_say(const batch *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Has SIGINT, SIGTERM or SIGHUP come (in the batch, or in a worker)? */
int gr_batch_stop_requested(void);

/* ---- discover.c ---- */

/* Fill b->bt_subs with the subdirectories of b->bt_dir, sorted by name, each
 * with its stem, target and a row of points. Returns 0, or -1 with the
 * reason on stderr (not a directory, unreadable, no submission in it, out
 * of memory). */
int gr_batch_discover(batch *b);

/* DIR/NAME, malloc'd; NULL when out of memory. */
char *gr_batch_join(const char *dir, const char *name);

/* OUT/STEM.EXT, where the reports of @p s go; malloc'd, NULL when out of
 * memory. */
char *gr_batch_report_path(const batch *b, const submission *s, const char *ext);

/* ---- worker.c ---- */

/* Fork the worker that grades @p s (it never returns into the caller's
 * code); sets su_worker, su_pidfd and su_started. Returns 0, or -1 with
 * errno. */
int gr_batch_start_worker(const batch *b, submission *s);

/* The worker of @p s ended with wait status @p status: take in what it left
 * (score, points, outcome, reason), or grade it zero with the reason. */
void gr_batch_collect(const batch *b, submission *s, int status);

/* Grade @p s zero with outcome @p how for @p reason, and write its zero
 * JSON report and (if @p text) its text report. */
void gr_batch_set_zero(const batch *b, submission *s, outcome how, const char *reason, int text);

/* The last non-empty line of @p text, malloc'd ("" if none). */
char *gr_batch_last_line(const char *text, size_t len);

/* ---- gradebook.c ---- */

/* Write OUT/gradebook.csv. Returns 0, or -1 with the reason on stderr. */
int gr_batch_write_gradebook(const batch *b);

/* ---- summary.c ---- */

/* Write OUT/summary.txt and OUT/summary.json, and print the summary on the
 * progress stream. Returns 0, or -1 with the reason on stderr. */
int gr_batch_write_summary(const batch *b);

#endif
