/**
 * @file progress.h
 * @brief A progress bar on stderr for a download to a file (step 11), on
 *        a terminal only: a script that reads stderr gets only messages.
 */
#ifndef FETCH_PROGRESS_H
#define FETCH_PROGRESS_H

#include <stdio.h>

/** A download's progress. */
typedef struct progress {
    long long pg_total;    /**< the body's length, or -1 when unknown */
    long long pg_done;     /**< bytes written so far */
    long long pg_start_ms; /**< when the body began */
    long long pg_shown_ms; /**< when the bar was last drawn, or 0: never */
    FILE *pg_out;          /**< the file the body goes to */
    FILE *pg_wrap;         /**< the counting FILE in front of it, or NULL */
} progress;

/**
 * @brief A FILE that writes to @p out and counts into @p p, or @p out
 *        itself when stderr is not a terminal (no bar then).
 */
FILE *progress_wrap(progress *p, FILE *out);

/** @brief A body of @p total bytes (-1: unknown) begins. */
void progress_start(progress *p, long long total);

/** @brief The body ended: the bar's last state, and a newline. */
void progress_end(progress *p);

#endif
