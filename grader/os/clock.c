/* clock.c - the grader's one clock (see clock.h). */
#include "os/clock.h"

#include <time.h>

long gr_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}
