/**
 * @file clock.h
 * @brief The grader's one clock: milliseconds on a monotonic clock, for
 *        deadlines everywhere (checks, the engine, processes, fake servers).
 */
#ifndef SOCKLAB_GRADER_OS_CLOCK_H
#define SOCKLAB_GRADER_OS_CLOCK_H

/** @brief Milliseconds on a monotonic clock (CLOCK_MONOTONIC). */
long gr_now_ms(void);

#endif
