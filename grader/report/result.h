/**
 * @file result.h
 * @brief The outcome of a grading run, as the report writers see it.
 */
#ifndef SOCKLAB_GRADER_RESULT_H
#define SOCKLAB_GRADER_RESULT_H

#include <stddef.h>
#include <stdint.h>

/** Outcome of one check. */
typedef enum gr_status {
    GR_PASSED, /**< full points */
    GR_FAILED  /**< zero points; the output says why */
} gr_status;

/** One check's result. Strings are owned by the run result. */
typedef struct gr_test_result {
    const char *tr_name; /**< check name, e.g. "echo-text" */
    int tr_step;         /**< guide step the check belongs to */
    const char *tr_kind; /**< "server" or "client" */
    int tr_score;        /**< points earned */
    int tr_max_score;    /**< points available */
    gr_status tr_status; /**< passed or failed */
    char *tr_output;     /**< what a student should read: "" when passed, else
                              the reason, transcript, hint and replay command;
                              plain text, no colour codes */
    double tr_seconds;   /**< how long the check took */
    int tr_hidden;       /**< 1 if hidden from students */
} gr_test_result;

/** A whole run. */
typedef struct gr_run_result {
    const char *rr_lab;       /**< lab directory name, e.g. "01-tcp-echo" */
    const char *rr_target;    /**< what was graded, e.g. "solutions/01-tcp-echo" */
    uint64_t rr_seed;         /**< seed of the run's payloads */
    int rr_score;             /**< sum of tr_score */
    int rr_max_score;         /**< sum of tr_max_score */
    double rr_seconds;        /**< wall time of the run */
    gr_test_result *rr_tests; /**< results in the order the checks ran */
    size_t rr_ntests;         /**< number of results */
} gr_run_result;

#endif
