/**
 * @file err.h
 * @brief Error messages for library code that must never print or exit.
 *
 * Library functions in socklab report failure by returning -1 with errno set.
 * When errno cannot say what went wrong (a resolver error, a bad argument
 * string), they also fill a caller-owned buffer of ::SL_ERR_LEN bytes with a
 * one-line message. Passing NULL for that buffer is always allowed.
 *
 * Programs decide what to do with the message: print it, log it, exit.
 */
#ifndef SOCKLAB_ERR_H
#define SOCKLAB_ERR_H

#include <stddef.h>

/** Size of the caller-owned error buffers taken by socklab functions. */
#define SL_ERR_LEN 256

/**
 * @brief Format a message into an error buffer.
 * @param err  caller's buffer of ::SL_ERR_LEN bytes, or NULL (then nothing happens)
 * @param fmt  printf-style format
 *
 * errno is preserved, so this can be called between a failing system call
 * and the `return -1` that reports it.
 */
void sl_err_set(char *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/**
 * @brief Format a message followed by ": " and strerror(errno).
 * @param err  caller's buffer of ::SL_ERR_LEN bytes, or NULL
 * @param fmt  printf-style format describing what failed
 *
 * errno is preserved.
 */
void sl_err_errno(char *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
