/* echo_servers.c - lab 06's checks of the thread-pool and the
 * fork-per-connection echo servers (steps 6 and 7): served out of order,
 * BUSY when the queue is full, the pool's threads, a child per connection,
 * no zombies. */
#include "lab06.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

/* ---- the echo servers: pool and fork ---------------------------------------------- */

/* Connect n clients in order 1..n (each gets a label "client N"). */
static int connect_clients(gr_ctx *ctx, gr_conn *c, size_t from, size_t n)
{
    for (size_t i = from; i < n; i++) {
        char label[32];
        snprintf(label, sizeof label, "client %zu", i + 1);
        if (gr_connect(ctx, &c[i], label, &(gr_conn_opts){.co_nodelay = 1}) < 0) {
            return -1;
        }
    }
    return 0;
}

/* n clients connect in order; the first stops in the middle of a line; the
 * others are served in reverse order; then the first finishes. Each then
 * closes its side and expects the server to close too. */
static int served_out_of_order(gr_ctx *ctx, size_t n)
{
    gr_conn c[16];
    gr_conn_none(c, n);
    int rc = connect_clients(ctx, c, 0, n);
    if (rc == 0) {
        rc = gr_echo_out_of_order(ctx, c, n);
    }
    gr_close_all(c, n);
    return rc;
}

/* ---- step 6: a pool of threads ----------------------------------------------------- */

int lab06_check_pool_concurrent(gr_ctx *ctx)
{
    return served_out_of_order(ctx, WORKERS);
}

/* WORKERS clients being served (each has had an echo back), then POOL_QUEUE
 * more connected and waiting. */
static int fill_pool(gr_ctx *ctx, gr_conn *c)
{
    enum { FULL = WORKERS + POOL_QUEUE };
    gr_conn_none(c, FULL);
    if (connect_clients(ctx, c, 0, WORKERS) < 0) {
        return -1;
    }
    for (size_t i = 0; i < WORKERS; i++) {
        char line[64];
        snprintf(line, sizeof line, "client %zu\n", i + 1);
        if (gr_echo_line(ctx, &c[i], line, "echo") < 0) {
            return gr_fail(ctx,
                           "(clients 1 to %zu are connected and stay connected: a pool of "
                           "%d threads serves %d clients at once)",
                           i + 1, WORKERS, WORKERS);
        }
    }
    if (connect_clients(ctx, c, WORKERS, FULL) < 0) {
        return -1;
    }
    for (size_t i = WORKERS; i < FULL; i++) {
        static char lines[FULL][32];
        snprintf(lines[i], sizeof lines[i], "client %zu\n", i + 1);
        if (lab06_scene(ctx, "a waiting client sends a line", &(part){&c[i], lines[i], NULL}, 1) <
            0) {
            return -1;
        }
    }
    return 0;
}

/* With n clients connected: a server with about a thread each is no pool,
 * and never fills up to say BUSY. */
static void thread_per_connection_cause(gr_ctx *ctx, int n)
{
    gr_tree_stats st;
    if (gr_procfs_tree_stats(gr_server_pid(ctx), &st) < 0 || st.ts_threads < n) {
        return;
    }
    gr_str_addf(gr_details(ctx), "what /proc shows: %d threads with %d clients connected\n",
                st.ts_threads, n);
    gr_hint(ctx, "A pool has a fixed number of threads: the server has one per connection, so its "
                 "queue never fills and it never says BUSY. In C: create the 8 workers once, "
                 "before the accept loop; the main thread only accepts and queues. In Python: 8 "
                 "threading.Thread workers on a queue.Queue(maxsize=16), not "
                 "socketserver.ThreadingMixIn.");
}

int lab06_check_pool_busy(gr_ctx *ctx)
{
    enum { FULL = WORKERS + POOL_QUEUE };
    gr_conn c[FULL + 1];
    gr_conn_none(&c[FULL], 1);
    int rc = fill_pool(ctx, c);
    if (rc == 0) {
        rc = gr_connect(ctx, &c[FULL], "client 25", &(gr_conn_opts){.co_nodelay = 1});
    }
    if (rc == 0) {
        rc = gr_exchange(ctx, &c[FULL], NULL, 0, "BUSY\n", 5, GR_WANT_EOF,
                         "the reply to a client when the pool and its queue are full");
        if (rc < 0) {
            gr_fail(ctx,
                    "(%d clients are being served and %d wait in the queue: the next one "
                    "must get \"BUSY\\n\" and end of file at once)",
                    WORKERS, POOL_QUEUE);
            thread_per_connection_cause(ctx, FULL + 1);
        }
    }
    if (rc == 0) {
        /* A worker comes free: the oldest waiting client is served. */
        gr_close(&c[0]);
        rc = gr_exchange(ctx, &c[WORKERS], NULL, 0, "client 9\n", 9, 0,
                         "client 9's echo, once client 1 has left");
        if (rc < 0) {
            gr_fail(ctx, "(client 1 closed its connection: its worker must take the oldest "
                         "waiting client, client 9)");
        }
    }
    /* Just inside the bound: none of the 16 that waited was turned away.
     * The workers come free, and each gets its echo, oldest first. */
    for (size_t i = 1; i <= WORKERS && rc == 0; i++) {
        gr_close(&c[i]);
    }
    for (size_t i = WORKERS + 1; i < FULL && rc == 0; i++) {
        char line[32];
        snprintf(line, sizeof line, "client %zu\n", i + 1);
        rc = gr_exchange(ctx, &c[i], NULL, 0, line, strlen(line), 0,
                         "a waiting client's echo, once the workers come free");
        if (rc < 0) {
            gr_fail(ctx,
                    "(client %zu was one of the %d waiting in the queue, which holds %d: it "
                    "must be served, not told BUSY)",
                    i + 1, POOL_QUEUE, POOL_QUEUE);
        }
        gr_close(&c[i]); /* its worker takes the next */
    }
    gr_close_all(c, FULL + 1);
    return rc;
}

static int server_threads(gr_ctx *ctx, int *threads)
{
    gr_tree_stats st;
    if (gr_procfs_tree_stats(gr_server_pid(ctx), &st) < 0) {
        return gr_fail(ctx, "cannot read the server's threads from /proc");
    }
    *threads = st.ts_threads;
    return 0;
}

/* A short client: "hi" and end of file; the answer, up to end of file,
 * must be its echo, or BUSY (then *busy is set). Returns 0 or gr_fail()'s
 * value. */
static int echo_or_busy(gr_ctx *ctx, int *busy)
{
    gr_conn c;
    if (gr_connect(ctx, &c, "a short client", &(gr_conn_opts){.co_nodelay = 1}) < 0) {
        return -1;
    }
    int rc = 0;
    char got[64];
    size_t n = 0;
    if (gr_send_some(&c, "hi\n", 3) != 3) {
        rc = gr_fail(ctx, "a short client could not send 3 bytes: %s", strerror(errno));
    }
    gr_conn_shutdown(&c);
    long until = gr_now_ms() + gr_quiet_ms(ctx);
    for (;;) {
        long left = until - gr_now_ms();
        struct pollfd pfd = {.fd = gr_conn_fd(&c), .events = POLLIN};
        if (rc < 0 || left <= 0 || poll(&pfd, 1, (int)left) <= 0) {
            if (rc == 0) {
                rc = gr_fail(ctx,
                             "a short client sent \"hi\\n\" and closed its side; the "
                             "server did not answer and close within %.1f s",
                             (double)gr_quiet_ms(ctx) / 1000.0);
            }
            break;
        }
        size_t r = 0;
        gr_io io = gr_xport_read(&c.c_xp, got + n, sizeof got - n, &r);
        if (io == GR_IO_AGAIN) {
            continue;
        }
        if (io == GR_IO_ERROR || r == 0 || (n += r) == sizeof got) {
            break;
        }
    }
    if (rc == 0 && n == 5 && memcmp(got, "BUSY\n", 5) == 0) {
        *busy = 1;
    } else if (rc == 0 && (n != 3 || memcmp(got, "hi\n", 3) != 0)) {
        rc = gr_fail(ctx, "a short client sent \"hi\\n\" and got neither its echo nor BUSY");
        gr_show_bytes(gr_details(ctx), "received", got, n, 0, GR_TRANSCRIPT_WINDOW, NULL);
    }
    gr_close(&c);
    return rc;
}

int lab06_check_pool_threads(gr_ctx *ctx)
{
    /* Threads are counted against the server itself, once it has served a
     * first client (so it has started whatever it starts): a C, Python or
     * Node.js process starts with different numbers of its own, but a pool
     * grows by none, whatever comes; one thread per connection grows by 34. */
    enum { FULL = WORKERS + POOL_QUEUE, MORE = 10, GROWTH = 3 };
    gr_conn c[FULL];
    gr_conn_none(c, FULL);
    int before = 0, during = 0, after = 0, first_busy = 0;
    int rc = echo_or_busy(ctx, &first_busy);
    if (rc == 0) {
        rc = server_threads(ctx, &before);
    }
    if (rc == 0) {
        rc = fill_pool(ctx, c);
    }
    if (rc == 0) {
        rc = server_threads(ctx, &during);
    }
    for (int i = 0; i < MORE && rc == 0; i++) {
        gr_conn extra;
        if (gr_connect(ctx, &extra, "one too many", &(gr_conn_opts){.co_nodelay = 1}) < 0) {
            rc = -1;
            break;
        }
        /* Whatever the server does with it (BUSY, or serving it), the first
         * byte of its answer says the server has it. */
        if (gr_send_some(&extra, "hello\n", 6) != 6) {
            rc = gr_fail(ctx, "a client beyond the queue could not send 6 bytes: %s",
                         strerror(errno));
        }
        struct pollfd pfd = {.fd = gr_conn_fd(&extra), .events = POLLIN};
        if (rc == 0 && poll(&pfd, 1, gr_quiet_ms(ctx)) != 1) {
            rc = gr_fail(ctx, "a client beyond the queue got no answer at all in %.1f s",
                         (double)gr_quiet_ms(ctx) / 1000.0);
        }
        int now = 0;
        if (rc == 0) {
            rc = server_threads(ctx, &now);
        }
        during = now > during ? now : during;
        gr_close(&extra);
    }
    gr_close_all(c, FULL);
    /* The workers now finish the 24 closed clients; a client that comes
     * meanwhile may find the queue still full: BUSY, and it tries again. */
    int served = 0;
    for (int tries = 0; served < 40 && rc == 0 && tries < 400; tries++) {
        int busy = 0;
        rc = echo_or_busy(ctx, &busy);
        served += !busy;
    }
    if (rc == 0 && served < 40) {
        rc = gr_fail(
            ctx, "with every client gone, the server still answered BUSY to more than 360 of 400 "
                 "new clients: do the workers take connections off the queue?");
    }
    if (rc == 0) {
        rc = server_threads(ctx, &after);
    }
    gr_str_addf(gr_details(ctx),
                "threads: %d after a first client, at most %d with %d clients connected and %d "
                "more turned away, %d after 40 more one after another\n",
                before, during, FULL, MORE, after);
    int most = during > after ? during : after;
    if (rc == 0 && most - before > GROWTH) {
        rc = gr_fail(ctx,
                     "the server had %d threads after its first client and %d with more clients: "
                     "a pool's %d workers are made at the start, and their number does not grow "
                     "with the clients (by %d here; at most %d for a runtime's own threads)",
                     before, most, WORKERS, most - before, GROWTH);
    }
    return rc;
}

/* ---- step 7: a process per connection ------------------------------------------------- */

int lab06_check_fork_concurrent(gr_ctx *ctx)
{
    return served_out_of_order(ctx, 10);
}

int lab06_check_fork_children(gr_ctx *ctx)
{
    enum { N = 10 };
    gr_conn c[N];
    gr_conn_none(c, N);
    int rc = connect_clients(ctx, c, 0, N);
    for (size_t i = 0; i < N && rc == 0; i++) {
        rc = gr_echo_line(ctx, &c[i], "hello\n", "echo");
    }
    gr_tree_stats st;
    if (rc == 0 && gr_procfs_tree_stats(gr_server_pid(ctx), &st) < 0) {
        rc = gr_fail(ctx, "cannot read the server's processes from /proc");
    }
    if (rc == 0) {
        gr_str_addf(gr_details(ctx), "with %d clients connected: %d processes, %d threads\n", N,
                    st.ts_processes, st.ts_threads);
        if (st.ts_processes < N + 1) {
            rc = gr_fail(ctx,
                         "with %d clients connected the server is %d process%s (%d threads): "
                         "fork() a child for each connection",
                         N, st.ts_processes, st.ts_processes == 1 ? "" : "es", st.ts_threads);
            if (st.ts_threads >= N + 1) {
                gr_hint(ctx, "Each connection gets a process of its own: the server serves them "
                             "with threads of one process. In C: fork() after accept(); the "
                             "child serves the client and _exit()s, the parent goes back to "
                             "accept(). In Python: socketserver.ForkingTCPServer "
                             "(ForkingMixIn), not ThreadingMixIn.");
            }
        }
    }
    gr_close_all(c, N);
    return rc;
}

int lab06_check_fork_zombies(gr_ctx *ctx)
{
    enum { TOTAL = 300, BATCH = 30 };
    gr_conn c[BATCH];
    int rc = 0;
    /* Batches of 30 clients: each connects and is served in turn, then all
     * 30 close at once, so that their children exit together and their
     * SIGCHLDs merge into fewer signals than children. */
    for (int done = 0; done < TOTAL && rc == 0; done += BATCH) {
        gr_conn_none(c, BATCH);
        static char lines[BATCH][32];
        gr_conn *conns[BATCH];
        for (size_t i = 0; i < BATCH && rc == 0; i++) {
            char label[32];
            snprintf(label, sizeof label, "client %zu", done + i + 1);
            snprintf(lines[i], sizeof lines[i], "client %zu\n", done + i + 1);
            rc = gr_connect(ctx, &c[i], label, &(gr_conn_opts){.co_nodelay = 1});
            if (rc == 0) {
                rc = gr_echo_line(ctx, &c[i], lines[i], "echo");
            }
            gr_conn_plan(&c[i], NULL, 0, NULL, 0, GR_SHUT_AFTER | GR_WANT_EOF);
            conns[i] = &c[i];
        }
        if (rc == 0) {
            int r = gr_mux_run(ctx, conns, BATCH, gr_deadline(ctx),
                               "end of file after the client closed its side");
            rc = r < 0    ? -1
                 : r == 0 ? gr_fail(ctx, "30 clients closed their side at once, and "
                                         "did not all see end of file in time")
                          : 0;
        }
        gr_close_all(c, BATCH);
    }
    if (rc < 0) {
        return rc;
    }
    /* Every client has closed: each child exits, and the parent reaps it.
     * Look while one more client is connected and served, so the parent has
     * just come back from accept(): ThreadSanitizer holds back a signal that
     * arrives during accept() until accept() returns. Until the time is up,
     * try again with a new client while any child is left over. */
    gr_tree_stats st;
    long until = gr_now_ms() + gr_ms(ctx, 5000);
    for (int tries = 1;; tries++) {
        gr_conn last;
        char label[32];
        snprintf(label, sizeof label, "client %d", TOTAL + tries);
        if (gr_connect(ctx, &last, label, &(gr_conn_opts){.co_nodelay = 1}) < 0 ||
            gr_echo_line(ctx, &last, "one more\n", "echo") < 0) {
            gr_close(&last);
            return -1;
        }
        int got = gr_procfs_tree_stats(gr_server_pid(ctx), &st);
        gr_close(&last);
        if (got < 0) {
            return gr_fail(ctx, "cannot read the server's processes from /proc");
        }
        /* The parent and the last client's child. */
        if ((st.ts_processes <= 2 && st.ts_zombies == 0) || gr_now_ms() >= until) {
            break;
        }
        poll(NULL, 0, 20);
    }
    st.ts_processes--; /* the last client's child does not count */
    gr_str_addf(gr_details(ctx), "after %d connections, all closed: %d processes, %d zombies\n",
                TOTAL, st.ts_processes, st.ts_zombies);
    if (st.ts_zombies > 0) {
        return gr_fail(ctx,
                       "after %d connections, all closed, %d children are zombies: the parent "
                       "must reap each child that exits, with waitpid() (in a loop, in a SIGCHLD "
                       "handler)",
                       TOTAL, st.ts_zombies);
    }
    if (st.ts_processes > 1) {
        gr_hint(ctx, "A child ends with its client: children go on running after their clients "
                     "closed. In C: when recv() returns 0, the child closes the socket and calls "
                     "_exit(0); it must not go back to the parent's loop. In Python: "
                     "os._exit(0) at the end of the child's work (ForkingMixIn does it for you).");
        return gr_fail(ctx,
                       "after %d connections, all closed, %d children are still running: a child "
                       "must exit when its client is done",
                       TOTAL, st.ts_processes - 1);
    }
    return 0;
}
