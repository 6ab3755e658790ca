/**
 * @file batch.h
 * @brief Grading a whole class: one submission per subdirectory, in parallel.
 *
 * `bin/grade LAB --batch DIR [-j N] [--output OUTDIR]` grades every
 * subdirectory of DIR as one student's submission. Each submission is graded
 * by its own child `bin/grade` (`--dir TARGET --instructor --format json`),
 * so it is built in isolation, gets its own sandbox and its own free ports,
 * and nothing one submission does can reach another. Every submission is
 * graded on the same seed, so the whole class gets the same payloads.
 *
 * A submission is a copy of the lab directory, or a checkout of the whole
 * kit: the directory graded is the first of SUB/labs/NN-name, SUB/NN-name
 * and SUB itself that has a Makefile. A submission without one, one whose
 * build fails, and one whose grader crashed or ran out of time still get a
 * row in the gradebook, with zero points and the reason in their report.
 *
 * What OUTDIR receives:
 * - NAME.json: the submission's report, in the shape gr_report_json() writes;
 * - NAME.txt: the text report a student would have seen;
 * - gradebook.csv: one row per submission, RFC 4180 with CRLF line ends;
 *   the header is `submission,score,max_score,CHECK...` with one column per
 *   check in lab order, hidden checks included; the values are points;
 * - summary.txt and summary.json: class size, mean, median, minimum and
 *   maximum score, a histogram in 10% bins, each check's pass rate (the text
 *   sorts them from the lowest, with the concept each one is about), and the
 *   submissions that did not build or could not be graded.
 *
 * NAME is the subdirectory's name with every byte other than letters, digits,
 * '.', '_' and '-' replaced by '_' (and a suffix if two names collide); the
 * CSV and the summaries keep the name as it was.
 */
#ifndef SOCKLAB_GRADER_BATCH_H
#define SOCKLAB_GRADER_BATCH_H

#include "engine/engine.h"

/** Most submissions graded at once. */
#define GR_BATCH_MAX_JOBS 64

/**
 * @brief Grade every submission in @p dir and write the class's reports.
 *
 * Prints one line per submission as it finishes ("[12/30] alice: 84/105")
 * and the class summary at the end, on opt->op_progress (nothing if NULL).
 * Problems that stop the whole run before it starts (no such directory, no
 * submission in it, an output directory that cannot be made) are said on
 * stderr, as gr_engine_run() does.
 *
 * Makes the calling process a child subreaper (gr_proc_init()); SIGINT,
 * SIGTERM and SIGHUP stop every grader still running and end the batch
 * without a gradebook.
 *
 * @param opt    the run's options: lab, seed, scale, root, --only, --verbose,
 *               --no-sanitize and --no-sandbox (forwarded to each child);
 *               op_target is ignored
 * @param dir    directory whose subdirectories are the submissions (hidden
 *               ones, starting with '.', are skipped)
 * @param jobs   how many submissions to grade at once, 1 to
 *               ::GR_BATCH_MAX_JOBS; 0 for the number of online CPUs
 * @param outdir where the reports go (made if missing), or NULL for
 *               "grades-NN" in the current directory
 * @return 0 when every submission was graded (whatever the scores); 1 if a
 *         submission could not be graded at all (its row has zeros and the
 *         reason) or the run was interrupted; 2 for a usage problem;
 *         3 if the class's reports could not be written
 */
int gr_batch_run(const gr_options *opt, const char *dir, int jobs, const char *outdir);

#endif
