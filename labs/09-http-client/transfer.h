/**
 * @file transfer.h
 * @brief One URL fetched: connect (with a timeout), send the request, read
 *        the response, follow redirects.
 *
 * The options are what the command line asked for; a transfer prints
 * its output, one line on stderr per retry (step 7), and nothing else: it
 * says what went wrong in @p err. What lasts from one URL to the next (the
 * connection kept alive, step 8; the cookies, step 9) is reached through
 * the options.
 */
#ifndef FETCH_TRANSFER_H
#define FETCH_TRANSFER_H

#include "cookies.h"
#include "form.h"
#include "pool.h"
#include "progress.h"
#include "url.h"

#include <stddef.h>

#include <stdio.h>

#define MAX_HEADERS 32 /**< -H options */

/** What to send, and how long to wait. */
typedef struct transfer_opts {
    const char *to_method;               /**< "GET", "HEAD" or "POST" */
    const char *to_body;                 /**< request body, or NULL */
    size_t to_body_len;                  /**< its length (a -F body may hold NULs) */
    const char *to_content_type;         /**< its Content-Type, or NULL */
    const char *to_headers[MAX_HEADERS]; /**< extra "Name: value" lines, checked */
    int to_nheaders;                     /**< how many */
    int to_include;                      /**< 1: write the final response head too (-i) */
    int to_fail;                         /**< 1: a status >= 400 is FETCH_HTTP, no body written */
    int to_follow;                       /**< 1: follow redirects */
    int to_max_redirs;                   /**< redirects allowed */
    int to_connect_timeout_ms;           /**< per connection attempt */
    int to_read_timeout_ms;              /**< longest wait for any byte */
    int to_retries;                      /**< tries after the first (step 7) */
    int to_backoff_ms;                   /**< the wait before the first retry; it doubles */
    pool *to_pool;                       /**< the connection kept alive (step 8) */
    cookie_jar *to_jar;                  /**< the cookies of this run (step 9) */
    int to_parallel;                     /**< URLs at once (--parallel, step 10), or 0 */
    const char *to_params[FORM_MAX];     /**< --query "name=value" (step 11) */
    int to_nparams;                      /**< how many */
    progress *to_progress;               /**< the bar of a download to a file, or NULL */
    /* TODO(step 12): --cacert FILE, and the TLS context https URLs use */
} transfer_opts;

/**
 * @brief The request for @p u: its line, fetch's headers and the user's,
 *        the cookies that match, and the body.
 * @param o      the options (headers, cookie jar, the body's type and length)
 * @param u      where it goes
 * @param method its method
 * @param body   its body (o->to_body_len bytes), or NULL
 * @param len    set to its length
 * @return the bytes (malloc'd), or NULL with errno set
 */
char *transfer_request(const transfer_opts *o, const url *u, const char *method,
                       const char *body, size_t *len);

/**
 * @brief Fetch @p text and write the final response's body to @p out.
 * @param opts what to send
 * @param text the URL
 * @param out  where the body goes
 * @param err  what went wrong (SL_ERR_LEN bytes), naming the URL it was at
 * @return a ::fetch_exit status
 */
int transfer_fetch(const transfer_opts *opts, const char *text, FILE *out, char *err);

#endif
