/**
 * @file text.h
 * @brief The text report: what bin/grade prints as the checks run.
 *
 * One line per check, PASS or FAIL with its points and time, the failed
 * check's output indented under it, a heading for each step, and the score
 * at the end. Colours only when asked for (the engine asks when the output
 * is a terminal and NO_COLOR is not set).
 */
#ifndef SOCKLAB_GRADER_REPORT_TEXT_H
#define SOCKLAB_GRADER_REPORT_TEXT_H

#include "report/result.h"

#include <stdint.h>
#include <stdio.h>

/** Where the text report goes. */
typedef struct gr_text {
    FILE *tx_out; /**< the stream, or NULL: every call does nothing */
    int tx_color; /**< 1: ANSI colours */
} gr_text;

/** @brief "socklab grader: lab 01-tcp-echo (TCP echo)", the target, the seed. */
void gr_text_header(const gr_text *t, const char *lab, const char *title, const char *target,
                    uint64_t seed);

/** @brief "building TARGET ..." */
void gr_text_building(const gr_text *t, const char *target);

/** @brief "build failed:" and the compiler's output, indented. */
void gr_text_build_failed(const gr_text *t, const char *log);

/**
 * @brief The programs that cannot run at all, said once before the checks:
 *        "cannot run CMD: WHY" lines, and that their checks fail at once.
 */
void gr_text_cannot_run(const gr_text *t, const char *problems);

/** @brief The heading of a step: "Step 2: a server that echoes one client". */
void gr_text_step(const gr_text *t, int step, const char *title, int hidden);

/** @brief One check's line, and its output indented under it. */
void gr_text_result(const gr_text *t, const gr_test_result *tr);

/**
 * @brief Say that @p n checks (@p points points) were not applicable: they
 *        test the submission's source through its API, which a --server or
 *        --client run (@p target: "--server") does not have.
 */
void gr_text_not_applicable(const gr_text *t, int n, int points, const char *target);

/**
 * @brief How many hidden checks (and points) a student's run left out, and
 *        what each is about, so that a student knows what to test.
 * @param t      the report
 * @param topics each hidden check's step, points and topic, one a line
 *               (e.g. "step 1, 5 points: binary data in the client")
 * @param hidden how many
 * @param points their points
 */
void gr_text_hidden(const gr_text *t, const char *topics, int hidden, int points);

/**
 * @brief The score, and unless it is full the command that replays the run.
 * @param t      the report
 * @param r      the run
 * @param replay the command that replays it ("bin/grade 01 --seed 7 ..."), or NULL
 */
void gr_text_score(const gr_text *t, const gr_run_result *r, const char *replay);

/** @brief Print @p text with @p indent before each of its lines. */
void gr_text_indented(FILE *out, const char *text, const char *indent);

#endif
