/* progress.c - a progress bar on stderr, on a terminal only (step 11). */
#include "progress.h"

FILE *progress_wrap(progress *p, FILE *out)
{
    /* TODO(step 11): when isatty(STDERR_FILENO), a FILE (fopencookie())
     * whose writes go to out and count into p, drawing the bar with '\r' at
     * most ten times a second; else out itself. */
    *p = (progress){.pg_total = -1, .pg_out = out};
    return out;
}

void progress_start(progress *p, long long total)
{
    /* TODO(step 11): note the total (-1: unknown) and the start time. */
    (void)p;
    (void)total;
}

void progress_end(progress *p)
{
    /* TODO(step 11): when the bar was drawn, draw it once more, then '\n'. */
    (void)p;
}
