/* retry.c - the retry policy of retry.h (step 7). */
#include "retry.h"

#include "err.h"
#include "fetch.h"

#include <errno.h>
#include <string.h>
#include <time.h>

int retry_idempotent(const char *method)
{
    /* TODO(step 7): GET and HEAD may be sent twice without harm; POST may not. */
    (void)method;
    return 0;
}

int retry_decide(const transfer_opts *o, const char *method, const retry_try *t, int done,
                 long *wait_ms, char *why)
{
    /* TODO(step 7): retry (return 1) while done < o->to_retries when the
     * try could not connect to a host that resolved, or lost the connection
     * before a head, or got 500, 502, 503 or 504; never a request that is
     * not idempotent once t->rt_sent. *wait_ms: t->rt_after_ms when a busy
     * status came with Retry-After (none beyond RETRY_AFTER_MAX_MS), else
     * o->to_backoff_ms doubled done times. */
    (void)o;
    (void)method;
    (void)t;
    (void)done;
    (void)wait_ms;
    why[0] = '\0';
    return 0;
}

void retry_sleep(long ms)
{
    struct timespec left = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    while (nanosleep(&left, &left) < 0 && errno == EINTR) {
    }
}
