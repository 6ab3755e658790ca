/* scale.c - lab 05's check of scale (step 7): 10,000 connections open at
 * once on the epoll server, every one still echoing. */
#include "lab05.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/select.h>

/* ---- ten thousand connections ------------------------------------------------------------ */

/* Open descriptors of the server's process tree, or -1. */
static int tree_fds(gr_ctx *ctx)
{
    gr_tree_stats st;
    return gr_server_stats(ctx, &st) < 0 ? -1 : st.ts_fds;
}

/* How many local ports connect() may use, from the kernel's range. */
static long ephemeral_ports(void)
{
    FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
    long lo = 0;
    long hi = 0;
    if (f == NULL) {
        return -1;
    }
    int ok = fscanf(f, "%ld %ld", &lo, &hi) == 2;
    fclose(f);
    return ok && hi >= lo ? hi - lo + 1 : -1;
}

int lab05_check_10k(gr_ctx *ctx)
{
    enum { WANT = 10000, BATCH = 100, GROUP = 500 };
    /* Scale down, and say so, where the machine allows fewer: a correct
     * server must not fail for the grader's lack of descriptors. */
    long n = WANT;
    const char *why = NULL;
    long server_files = gr_procfs_max_files(gr_server_pid(ctx));
    struct rlimit own;
    long grader_files = getrlimit(RLIMIT_NOFILE, &own) == 0 && own.rlim_cur != RLIM_INFINITY
                            ? (long)own.rlim_cur
                            : LONG_MAX;
    long ports = ephemeral_ports();
    if (server_files > 0 && server_files - 64 < n) {
        n = server_files - 64;
        why = "the server may open only that many files (RLIMIT_NOFILE)";
    }
    if (grader_files - 256 < n) {
        n = grader_files - 256;
        why = "the grader may open only that many files (ulimit -n)";
    }
    if (ports > 0 && ports - 1000 < n) {
        n = ports - 1000;
        why = "the kernel's range of local ports is that small";
    }
    if (n < BATCH) {
        return gr_fail(ctx, "this machine allows too few connections for the check (%ld): %s", n,
                       why != NULL ? why : "");
    }
    n -= n % BATCH;
    if (why != NULL) {
        gr_str_addf(gr_details(ctx), "note: scaled down from %d to %ld connections, because %s\n",
                    WANT, n, why);
    }
    gr_conn *conns = calloc((size_t)n, sizeof *conns);
    gr_conn **ptrs = calloc((size_t)n, sizeof *ptrs);
    char *lines = malloc((size_t)n * 32);
    int rc = 0;
    long opened = 0;
    if (conns == NULL || ptrs == NULL || lines == NULL) {
        rc = gr_fail(ctx, "grader ran out of memory");
        goto out;
    }
    long started = gr_now_ms();
    /* Connect a batch, get an echo on each (so each is accepted and
     * served), then the next batch; all stay open. */
    for (long b = 0; b < n && rc == 0; b += BATCH) {
        for (long i = b; i < b + BATCH && rc == 0; i++) {
            char label[32];
            snprintf(label, sizeof label, "client %ld", i + 1);
            rc = gr_connect(ctx, &conns[i], label, NULL);
            if (rc == 0) {
                opened = i + 1;
                int len = snprintf(lines + i * 32, 32, "client %ld here\n", i + 1);
                gr_conn_plan(&conns[i], lines + i * 32, (size_t)len, lines + i * 32, (size_t)len,
                             0);
                ptrs[i] = &conns[i];
            }
        }
        if (rc == 0) {
            int r = gr_mux_run(ctx, ptrs + b, BATCH, gr_soon(ctx, 5000), "echo");
            if (r <= 0) {
                rc = r < 0 ? -1
                           : gr_fail(ctx, "clients %ld to %ld got no echo within %.1f s", b + 1,
                                     b + BATCH, (double)gr_ms(ctx, 5000) / 1000.0);
                gr_fail(ctx,
                        "(with %ld connections open: the clients before were served; a "
                        "select() server cannot go past FD_SETSIZE, 1024 descriptors)",
                        b + BATCH);
                /* Served up to the batch where descriptors pass 1024, and not
                 * in it: select()'s fd_set. */
                int fds = rc < 0 ? tree_fds(ctx) : -1;
                if (b + BATCH >= FD_SETSIZE - 64 && b < FD_SETSIZE && fds >= FD_SETSIZE - 64) {
                    gr_str_addf(gr_details(ctx),
                                "what the server shows: %d open descriptors; the failures began "
                                "where they pass FD_SETSIZE (%d)\n",
                                fds, FD_SETSIZE);
                    gr_hint(ctx, "select() stops at FD_SETSIZE: descriptors of 1024 and up do "
                                 "not fit in an fd_set. In C: epoll (epoll_create1(), "
                                 "epoll_ctl(), epoll_wait()) has no such limit, nor has poll(). "
                                 "In Python: selectors.DefaultSelector is epoll on Linux; "
                                 "SelectSelector has the same limit.");
                }
            }
        }
    }
    if (rc == 0) {
        gr_str_addf(gr_details(ctx), "%ld connections open and served in %.1f s\n", n,
                    (double)(gr_now_ms() - started) / 1000.0);
    }
    /* With all of them open: another message on each, in groups, from the
     * last connected to the first. */
    for (long g = n; g > 0 && rc == 0; g -= GROUP) {
        long from = g - GROUP > 0 ? g - GROUP : 0;
        for (long i = from; i < g; i++) {
            int len = snprintf(lines + i * 32, 32, "%ld still here\n", i + 1);
            gr_conn_plan(&conns[i], lines + i * 32, (size_t)len, lines + i * 32, (size_t)len, 0);
        }
        int r = gr_mux_run(ctx, ptrs + from, (size_t)(g - from), gr_soon(ctx, 5000),
                           "echo with every connection open");
        if (r <= 0) {
            rc = r < 0 ? -1
                       : gr_fail(ctx,
                                 "with %ld connections open, clients %ld to %ld got no second "
                                 "echo within %.1f s",
                                 n, from + 1, g, (double)gr_ms(ctx, 5000) / 1000.0);
        }
    }
out:
    for (long i = 0; i < opened; i++) {
        gr_close(&conns[i]);
    }
    free(conns);
    free(ptrs);
    free(lines);
    return rc;
}
