/**
 * @file engine.h
 * @brief The grading engine: build the target, run the checks, collect results.
 *
 * main.c turns the command line into ::gr_options; gr_engine_run() does the
 * rest and fills a ::gr_run_result for the report writers (report.h). The
 * text report is printed as the checks run.
 */
#ifndef SOCKLAB_GRADER_ENGINE_H
#define SOCKLAB_GRADER_ENGINE_H

#include "engine/grader.h"
#include "report/result.h"

#include <stdint.h>
#include <stdio.h>

/** What is being graded. */
typedef enum gr_target {
    GR_TARGET_LAB,      /**< the student's labs/NN-name (the default) */
    GR_TARGET_SOLUTION, /**< the reference solution, solutions/NN-name */
    GR_TARGET_DIR,      /**< a directory laid out like the lab (built with make) */
    GR_TARGET_SERVER,   /**< any server program: a shell command with {port} */
    GR_TARGET_CLIENT    /**< any client program: a shell command with {host} {port} */
} gr_target;

/** Everything the command line decides. */
typedef struct gr_options {
    const gr_lab *op_lab;       /**< the lab */
    gr_target op_target;        /**< what to grade */
    const char *op_dir;         /**< directory for GR_TARGET_DIR */
    const char *op_command;     /**< command for GR_TARGET_SERVER / GR_TARGET_CLIENT */
    const char *op_only;        /**< fnmatch pattern(s), comma-separated, or NULL */
    uint64_t op_seed;           /**< the run's seed */
    int op_verbose;             /**< --verbose */
    double op_scale;            /**< deadline scale (SOCKLAB_TIMEOUT_SCALE) */
    const char *op_root;        /**< top of the socklab tree */
    const char *op_program;     /**< how to name the grader in replay lines */
    const char *op_target_args; /**< the target options, shell-quoted, for replay lines */
    FILE *op_progress;          /**< where the text report goes, or NULL for none */
    int op_color;               /**< use ANSI colours on op_progress */
    int op_instructor;          /**< run hidden checks too (--instructor, --batch) */
    int op_no_sanitize;         /**< build the code under test without sanitizers */
    int op_no_sandbox;          /**< --no-sandbox (forwarded by --batch to each child) */
} gr_options;

/** Most checks in one run's plan. */
#define GR_PLAN_MAX 256

/**
 * @brief Does check @p name match the --only pattern list?
 * @param only  comma-separated fnmatch patterns, or NULL (matches all); a
 *              pattern "stepN" (or "step N") also matches every check of step N
 * @param name  check name
 * @param step  its step
 * @return 1 or 0
 */
int gr_only_matches(const char *only, const char *name, int step);

/**
 * @brief The checks a run goes through, in order: the lab's checks, then its
 *        hidden ones if @p instructor, each selected by target and --only.
 * @param opt     the run's options (lab, target, --only, instructor)
 * @param plan    array to fill with pointers to the checks
 * @param max     room in @p plan
 * @param hidden  set to the number of hidden checks left out (not instructor)
 * @param hidden_points set to their points
 * @return the number of checks in @p plan
 */
size_t gr_plan(const gr_options *opt, const gr_check **plan, size_t max, int *hidden,
               int *hidden_points);

/**
 * @brief What the hidden checks a student's run leaves out (those gr_plan()
 *        counts) are about, one a line: "step 1, 5 points: TOPIC" (ck_topic).
 * @return a malloc'd string ("" when there are none), or NULL when out of memory
 */
char *gr_plan_topics(const gr_options *opt);

/** @brief "server", "client" or "source": how reports name a check's kind. */
const char *gr_kind_name(gr_kind kind);

/**
 * @brief How many of the lab's checks a --server or --client run leaves out
 *        because they need the submission's source (::GR_SOURCE), and their
 *        points; 0 for a run on a lab directory.
 */
int gr_plan_not_applicable(const gr_options *opt, int *points);

/** @brief Should the check run against this target (server vs client checks)? */
int gr_target_runs(gr_target target, const gr_check *check);

/**
 * @brief Grade: build if needed, run every selected check, fill @p result.
 * @return 0 when the run happened (whatever the score), -1 if it could not
 *         (the reason is printed to stderr)
 */
int gr_engine_run(const gr_options *opt, gr_run_result *result);

/**
 * @brief A check context outside a grading run, for tests and benchmarks
 *        that use the wire and fake-server helpers on their own.
 * @param port        port the connections go to (gr_port())
 * @param seed        seed of gr_random()
 * @param deadline_ms time from now until gr_deadline()
 * @return the context (free with gr_ctx_standalone_free()), or NULL
 */
gr_ctx *gr_ctx_standalone(int port, uint64_t seed, int deadline_ms);

/**
 * @brief What was recorded with gr_fail() in @p ctx: the headline, then the
 *        details; "" if nothing failed. Valid until the context is freed.
 */
const char *gr_ctx_report(gr_ctx *ctx);

/** @brief Free a context made by gr_ctx_standalone(). */
void gr_ctx_standalone_free(gr_ctx *ctx);

/**
 * @brief Start a result row for @p ck: its name, step, kind, points and
 *        hidden flag, status failed with no points and no output yet.
 */
void gr_result_init(gr_test_result *tr, const gr_check *ck);

/**
 * @brief A result row for a check that could not run (the build failed, the
 *        submission was not graded): failed, with a copy of @p output.
 * @return 0, or -1 if out of memory (then tr_output is NULL)
 */
int gr_result_not_run(gr_test_result *tr, const gr_check *ck, const char *output);

/** @brief Free what gr_engine_run() allocated in @p result. */
void gr_run_result_free(gr_run_result *result);

/**
 * @brief Find a lab by "01", "1", "tcp-echo" or "01-tcp-echo".
 * @return the lab, or NULL
 */
const gr_lab *gr_lab_find(const char *name);

/** @brief The lab's directory name, e.g. "01-tcp-echo", into @p buf. */
const char *gr_lab_dirname(const gr_lab *lab, char *buf, size_t len);

#endif
