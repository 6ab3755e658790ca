/**
 * @file report.h
 * @brief Machine-readable reports of a grading run: JSON, JUnit XML, Gradescope;
 *        and the two helpers other JSON documents of socklab are written with.
 *
 * The JSON shape is part of socklab's contract (see DESIGN.md):
 * @code
 * {"lab": "01-tcp-echo", "score": 90, "max_score": 100, "seed": 1234,
 *  "tests": [{"name": "echo-text", "score": 6, "max_score": 6,
 *             "status": "passed", "output": ""}, ...]}
 * @endcode
 * Extra keys may be added; these never change meaning. Gradescope's
 * results.json has the same keys plus Gradescope's own ("visibility",
 * "execution_time", "output" at the top level, per-test "number" and "tags").
 *
 * Every writer returns 0, or -1 with a reason in @p err (::SL_ERR_LEN bytes,
 * may be NULL) when it could not write the whole report: a NULL stream or
 * result (errno EINVAL), no memory, or a write error on the stream (errno as
 * the stream left it). The stream is flushed, never closed.
 *
 * Text is made safe for each format first, so a report always parses: bytes
 * that are not well-formed UTF-8 become U+FFFD; in XML, the control
 * characters XML 1.0 cannot carry become the text `\xNN`, and U+FFFE and
 * U+FFFF become U+FFFD. Times are seconds; NaN, infinite and negative times
 * are written as 0.
 *
 * The seed is a JSON integer. jansson's integers are signed 64-bit, so a seed
 * above INT64_MAX is written as a string of decimal digits instead. The
 * engine makes seeds below 2^53, which every JSON reader holds exactly.
 *
 * Other JSON documents (the class summary of a batch) are built with jansson
 * and go through gr_json_text() and gr_json_write_file(), so that every JSON
 * file socklab writes cleans its text and lays it out the same way.
 */
#ifndef SOCKLAB_GRADER_REPORT_H
#define SOCKLAB_GRADER_REPORT_H

#include "report/result.h"

#include <jansson.h>
#include <stdio.h>

/**
 * @brief Write the JSON report described above to @p out.
 *
 * Extra keys: "target" (when rr_target is not NULL) and "execution_time" at
 * the top; "step", "kind" (when not NULL), "execution_time" and "hidden" (a
 * boolean) in each test. Hidden checks are included.
 */
int gr_report_json(FILE *out, const gr_run_result *r, char *err);

/**
 * @brief Write a JUnit XML report: one `<testsuite>` named after the lab, one
 * `<testcase>` per check (classname "socklab.LAB.stepN"), a `<failure>` with
 * the check's output for failed checks, and the seed as a property.
 *
 * A failure's "message" is the first non-blank line of the output ("failed"
 * when there is none) and its "type" is "failed". Properties: "seed",
 * "score", "max_score" and, when rr_target is set, "target".
 */
int gr_report_junit(FILE *out, const gr_run_result *r, char *err);

/**
 * @brief Write Gradescope's results.json.
 *
 * Top level: "score", "max_score", "execution_time", "output" (one line,
 * e.g. "lab 01-tcp-echo: 90/100, seed 1234"), "visibility" and
 * "stdout_visibility" (both "visible"), "lab", "seed", "tests". Each test:
 * "name", "score", "max_score", "status", "output", "number" ("STEP.K" for
 * the K-th check of that step, from 1), "tags" (["stepN", KIND]) and
 * "visibility".
 *
 * @param out         stream to write to
 * @param r           the run
 * @param show_hidden 0 for a student-facing report (hidden checks get
 *        "visibility": "after_published"), 1 for an instructor's run
 *        ("visible" for all)
 * @param err         reason on failure, or NULL
 * @return 0, or -1
 */
int gr_report_gradescope(FILE *out, const gr_run_result *r, int show_hidden, char *err);

/**
 * @brief A JSON string of any bytes, cleaned as the reports clean their text:
 *        each byte that is not part of well-formed UTF-8 becomes U+FFFD.
 *
 * jansson's json_string() refuses text that is not UTF-8, and a file name or
 * what a student's program printed may not be.
 *
 * @param s  the text, or NULL for ""
 * @return a new reference (the caller's to json_decref(), or to hand to a
 *         container with json_object_set_new() or json_array_append_new()),
 *         or NULL when out of memory
 */
json_t *gr_json_text(const char *s);

/**
 * @brief Write @p root to the file @p path in the reports' layout: a 2-space
 *        indent, reals with 6 significant digits, keys in the order they
 *        were added. As with json_dump_file(), no newline follows the
 *        document.
 *
 * The file is made, or truncated if it exists, and closed before returning.
 *
 * @param root the document, not taken; NULL (building it ran out of memory)
 *             fails with errno ENOMEM and writes nothing
 * @param path the file
 * @param err  reason on failure (::SL_ERR_LEN bytes), or NULL
 * @return 0, or -1 with errno set (a file left half-written is not removed)
 */
int gr_json_write_file(const json_t *root, const char *path, char *err);

#endif
