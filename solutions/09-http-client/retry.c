/* retry.c - the retry policy of retry.h: connection failures and the
 * statuses that say "try later" are tried again, with a backoff that
 * doubles, unless the request was a POST that may have reached the server. */
#include "retry.h"

#include "err.h"
#include "fetch.h"

#include <errno.h>
#include <string.h>
#include <time.h>

/* The statuses that say the server could not answer now (RFC 9110 section
 * 15.6): an internal error, a bad gateway, unavailable, a gateway timeout. */
static int retryable_status(int status)
{
    return status == 500 || status == 502 || status == 503 || status == 504;
}

int retry_idempotent(const char *method)
{
    return strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
}

int retry_decide(const transfer_opts *o, const char *method, const retry_try *t, int done,
                 long *wait_ms, char *why)
{
    why[0] = '\0';
    int failed = t->rt_resolved &&
                 (t->rt_rc == FETCH_CONNECT || (t->rt_rc == FETCH_TIMEOUT && !t->rt_sent));
    int busy = t->rt_rc == FETCH_OK && retryable_status(t->rt_status);
    if ((!failed && !busy) || done >= o->to_retries) {
        return 0;
    }
    if (!retry_idempotent(method) && t->rt_sent) {
        sl_err_set(why, "not retried: a %s is not idempotent, and it may have reached the server",
                   method);
        return 0;
    }
    if (busy && t->rt_after_ms > RETRY_AFTER_MAX_MS) {
        sl_err_set(why, "not retried: Retry-After asks for %ld s, more than %ld s",
                   t->rt_after_ms / 1000, RETRY_AFTER_MAX_MS / 1000);
        return 0;
    }
    long backoff = o->to_backoff_ms;
    for (int k = 0; k < done && backoff < RETRY_AFTER_MAX_MS; k++) {
        backoff *= 2;
    }
    *wait_ms = busy && t->rt_after_ms >= 0 ? t->rt_after_ms : backoff;
    if (*wait_ms > RETRY_AFTER_MAX_MS) {
        *wait_ms = RETRY_AFTER_MAX_MS;
    }
    return 1;
}

void retry_sleep(long ms)
{
    struct timespec left = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    while (nanosleep(&left, &left) < 0 && errno == EINTR) {
    }
}
