/**
 * @file retry.h
 * @brief The retry policy (step 7): which failed tries are made again, and
 *        after how long.
 *
 * It is urllib3's Retry(total=5, backoff_factor=0.5,
 * status_forcelist=[500, 502, 503, 504]): up to --retries tries after the
 * first, the k-th after --backoff x 2^(k-1) seconds (0.5, 1, 2, 4, 8 s by
 * default), or after what a Retry-After header asks. A try is made again
 * when fetch could not connect (but to a host name that does not resolve),
 * when the connection was lost before a
 * response head came, or when the status is 500, 502, 503 or 504; but a
 * POST only when it never left fetch: it is not idempotent (RFC 9110
 * section 9.2.2), and the server may have acted on it before the
 * connection dropped or the 503 came.
 */
#ifndef FETCH_RETRY_H
#define FETCH_RETRY_H

#include "transfer.h"

#define RETRY_AFTER_MAX_MS 60000L /**< a longer Retry-After ends the retries */

/** What one try of a request came to. */
typedef struct retry_try {
    int rt_rc;        /**< its ::fetch_exit status (FETCH_OK: a response head came) */
    int rt_resolved;  /**< 1: the host name was resolved (an unknown host is not retried) */
    int rt_sent;      /**< 1: the request was written, at least in part */
    int rt_status;    /**< the response's status, or 0 */
    long rt_after_ms; /**< its Retry-After in milliseconds, or -1 when none */
} retry_try;

/**
 * @brief Should the request be made again?
 * @param o       the options (to_retries, to_backoff_ms)
 * @param method  the request's method
 * @param t       what the last try came to
 * @param done    retries made so far
 * @param wait_ms set, when it returns 1, to the wait before the next try
 * @param why     set (SL_ERR_LEN bytes) to why a retryable try is not made
 *                again, or to ""
 * @return 1: retry after *wait_ms; 0: @p t is the result
 */
int retry_decide(const transfer_opts *o, const char *method, const retry_try *t, int done,
                 long *wait_ms, char *why);

/** @brief May this method be sent twice without harm (GET, HEAD)? */
int retry_idempotent(const char *method);

/** @brief Wait @p ms milliseconds (resumed when a signal interrupts). */
void retry_sleep(long ms);

#endif
