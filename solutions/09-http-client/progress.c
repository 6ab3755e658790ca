/* progress.c - a progress bar drawn on stderr with '\r', at most ten
 * times a second, through a FILE that counts what is written to the output
 * (fopencookie()), so that the code writing the body needs no change. */
#define _GNU_SOURCE /* fopencookie() */
#include "progress.h"

#include <string.h>
#include <time.h>
#include <unistd.h>

#define BAR_WIDTH 30

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "[#####.....]  45%  1.2 MiB of 2.6 MiB  3.1 MiB/s", or without the bar
 * and the total when the length is unknown. */
static void draw(progress *p, long long now)
{
    double mib = 1024.0 * 1024.0;
    double secs = (double)(now - p->pg_start_ms) / 1000.0;
    double rate = secs > 0 ? (double)p->pg_done / mib / secs : 0;
    if (p->pg_total > 0) {
        int filled = (int)(BAR_WIDTH * p->pg_done / p->pg_total);
        char bar[BAR_WIDTH + 1];
        memset(bar, '#', (size_t)filled);
        memset(bar + filled, '.', (size_t)(BAR_WIDTH - filled));
        bar[BAR_WIDTH] = '\0';
        fprintf(stderr, "\r[%s] %3lld%%  %.1f MiB of %.1f MiB  %.1f MiB/s ", bar,
                100 * p->pg_done / p->pg_total, (double)p->pg_done / mib,
                (double)p->pg_total / mib, rate);
    } else {
        fprintf(stderr, "\r%.1f MiB  %.1f MiB/s ", (double)p->pg_done / mib, rate);
    }
    p->pg_shown_ms = now;
}

static ssize_t counting_write(void *cookie, const char *buf, size_t n)
{
    progress *p = cookie;
    size_t put = fwrite(buf, 1, n, p->pg_out);
    p->pg_done += (long long)put;
    long long now = now_ms();
    if (p->pg_start_ms > 0 && now - p->pg_shown_ms >= 100) {
        draw(p, now);
    }
    return put == n ? (ssize_t)n : -1;
}

static int counting_close(void *cookie)
{
    progress *p = cookie;
    return fflush(p->pg_out);
}

FILE *progress_wrap(progress *p, FILE *out)
{
    *p = (progress){.pg_total = -1, .pg_out = out};
    if (!isatty(STDERR_FILENO)) {
        return out;
    }
    cookie_io_functions_t io = {.write = counting_write, .close = counting_close};
    p->pg_wrap = fopencookie(p, "w", io);
    return p->pg_wrap != NULL ? p->pg_wrap : out;
}

void progress_start(progress *p, long long total)
{
    if (p != NULL) {
        p->pg_total = total;
        p->pg_done = 0;
        p->pg_start_ms = now_ms();
    }
}

void progress_end(progress *p)
{
    if (p != NULL && p->pg_wrap != NULL) {
        fflush(p->pg_wrap); /* count what its buffer still holds */
    }
    if (p != NULL && p->pg_shown_ms > 0) {
        draw(p, now_ms());
        fputc('\n', stderr);
    }
}
