/**
 * @file parallel.h
 * @brief Concurrent mode (step 10): many URLs at once, on one thread, with
 *        non-blocking sockets and epoll, as lab 05's servers do.
 *
 * Each URL gets one request on a connection of its own, at most @p width
 * at a time: no redirects followed (a 3xx is written as it came), no
 * retries, no connection kept. What arrives is collected per URL; when a
 * response is whole (its framing says so, or the server closed), it is
 * read through response.c from memory, so that every rule of steps 1 to 3
 * holds here too. Bodies are written in the order of the URLs.
 */
#ifndef FETCH_PARALLEL_H
#define FETCH_PARALLEL_H

#include "transfer.h"

#include <stdio.h>

#define PARALLEL_MAX 64 /**< --parallel's largest width */

/**
 * @brief Fetch @p n URLs, at most @p width at once, their bodies to @p out
 *        in order; each failure one line on stderr.
 * @return FETCH_OK, or the ::fetch_exit status of the first URL (in their
 *         order) that failed, with @p err saying what was wrong
 */
int parallel_fetch(const transfer_opts *o, char *const *urls, int n, int width, FILE *out,
                   char *err);

#endif
