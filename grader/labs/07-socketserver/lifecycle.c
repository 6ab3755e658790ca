/* lifecycle.c - lab 07's checks of a server's life: SIGTERM and the clean
 * close (steps 7), reaping the children of the fork strategy (step 6), and
 * the pool's bound (step 8). */
#include "lab07.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

/* ---- step 7: SIGTERM ------------------------------------------------------------------- */

/* The server's children, from /proc/PID/task/PID/children; how many. */
static int children_of(pid_t pid, pid_t *out, int cap)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)pid, (int)pid);
    FILE *f = fopen(path, "r");
    int n = 0;
    int child;
    while (f != NULL && n < cap && fscanf(f, "%d", &child) == 1) {
        out[n++] = child;
    }
    if (f != NULL) {
        fclose(f);
    }
    return n;
}

/* The server's own process: the top of its tree or, when that is a
 * wrapper (a shell, a version manager's shim) waiting for its one child,
 * that child. */
static pid_t server_process(gr_ctx *ctx)
{
    pid_t pid = gr_server_pid(ctx);
    char where[64];
    pid_t kids[2];
    for (int depth = 0; depth < 4; depth++) {
        if (gr_procfs_wchan(pid, where, sizeof where) < 0 || strstr(where, "do_wait") == NULL ||
            children_of(pid, kids, 2) != 1) {
            break;
        }
        pid = kids[0];
    }
    return pid;
}

/* Where a server that still runs after SIGTERM is stuck, from where its
 * main thread sleeps in the kernel (/proc/PID/wchan) and whether it is
 * still in its SIGTERM handler (which blocks SIGTERM while it runs): the
 * hint for that cause, or the general one when the kernel does not say. */
static void hint_still_running(gr_ctx *ctx)
{
    pid_t pid = server_process(ctx);
    char where[64] = "";
    gr_procfs_wchan(pid, where, sizeof where);
    int in_handler = gr_procfs_blocks_signal(pid, SIGTERM) == 1;
    int waits = strstr(where, "futex") != NULL || strstr(where, "do_wait") != NULL;
    if (waits && in_handler) {
        gr_hint(ctx, "The SIGTERM handler never returns: it waits for the loop to stop, and "
                     "the loop is the very thread the handler interrupted. In C: the handler "
                     "calls ss_shutdown_signal() (a flag and a byte down the pipe, "
                     "async-signal-safe, no waiting), never ss_shutdown(), which waits. In "
                     "Python: server.shutdown() in a handler that runs in serve_forever()'s "
                     "thread deadlocks the same way: serve in another thread.");
    } else if (waits) {
        gr_hint(ctx, "The loop has stopped, and the close waits for a thread (a join) or a "
                     "child (waitpid()) before the listening socket is closed. In C: "
                     "ss_server_close() closes the socket first, so that new clients are "
                     "refused, then joins the threads and reaps the children it started; each "
                     "of them must end (a pool's workers once told to stop). In Python: "
                     "server_close() closes the socket, then joins (block_on_close).");
    } else if (strstr(where, "accept") != NULL) {
        gr_hint(ctx, "The loop is blocked in accept(): it returns only when a client comes (the "
                     "signal's handler ran, and SA_RESTART restarted accept()), so the loop "
                     "never looks at its flag. In C: poll() the server's socket and the wake-up "
                     "pipe together, and accept() only when poll() says the socket is ready. In "
                     "Python: serve_forever() selects before it accepts; never call accept() "
                     "in a loop of your own.");
    } else if (strstr(where, "poll") != NULL) {
        gr_hint(ctx, "The loop waits in poll(), select() or epoll_wait() for something the "
                     "shutdown does not send: the wake-up pipe is not among what it waits for, "
                     "and the wait has no timeout. In C: poll() the pipe's read end beside the "
                     "socket, with the poll interval as the timeout; ss_shutdown_signal() writes "
                     "a byte to the pipe. In Python: serve_forever(poll_interval=0.5).");
    } else {
        gr_hint(ctx, "A shutdown must wake the loop: a server blocked in accept() (or in a "
                     "poll() without the wake-up pipe, and no timeout) never sees it. In C: "
                     "poll() the server's socket and the wake-up pipe together; "
                     "ss_shutdown_signal() writes a byte to the pipe. In Python: "
                     "serve_forever(poll_interval=0.5) in a thread, and shutdown() from the "
                     "main thread.");
    }
    if (where[0] != '\0') {
        gr_str_addf(gr_details(ctx), "the server's main thread waits in the kernel at %s%s\n",
                    where, in_handler ? ", inside its SIGTERM handler" : "");
    }
}

/* After SIGTERM the server exited with a status other than 0: the hint
 * for the cause its stderr names, if it does. */
static void hint_bad_status(gr_ctx *ctx)
{
    if (gr_server_said(ctx, "Interrupted system call")) {
        gr_hint(ctx, "A signal interrupts the system call the loop waits in: poll() returns -1 "
                     "with errno EINTR (SA_RESTART does not restart poll()), and that is not an "
                     "error. In C: on EINTR, take another turn of the loop, which then sees the "
                     "shutdown flag; only other errors end serve_forever() with -1. In Python: "
                     "the interpreter retries an interrupted call itself (PEP 475).");
    } else {
        gr_hint(ctx, "A shutdown is not a failure: once the loop has stopped and the server is "
                     "closed, the program exits 0. In C: ss_serve_forever() returns 0 after a "
                     "shutdown, and main() returns 0 when it and ss_server_close() succeeded. "
                     "In Python: let serve_forever() return and the script end, no "
                     "sys.exit(1).");
    }
}

/* Send SIGTERM; the server must exit 0 within 2 s (scaled). */
static int expect_clean_exit(gr_ctx *ctx, const char *situation)
{
    int sig = 0, status = -1;
    if (!gr_server_ended(ctx, 2000, &sig, &status)) {
        hint_still_running(ctx);
        return gr_fail(ctx, "%s: the server still runs 2 s after SIGTERM", situation);
    }
    if (sig == SIGTERM) {
        gr_hint(ctx, "SIGTERM's default action kills the process, before anything is closed "
                     "cleanly. In C: sigaction(SIGTERM) with a handler that calls "
                     "ss_shutdown_signal(); main() then closes the server and returns 0. In "
                     "Python: signal.signal(signal.SIGTERM, handler), and the handler asks the "
                     "serving thread to stop.");
        return gr_fail(ctx, "%s: the server was killed by SIGTERM instead of exiting 0", situation);
    }
    if (sig != 0 || status != 0) {
        if (sig == 0) {
            hint_bad_status(ctx);
        }
        return gr_fail(ctx, "%s: after SIGTERM the server ended %s %d, not with status 0",
                       situation, sig != 0 ? "by signal" : "with status", sig != 0 ? sig : status);
    }
    return 0;
}

int lab07_check_sigterm_idle(gr_ctx *ctx)
{
    if (gr_server_start(ctx) < 0) {
        return -1;
    }
    gr_conn c;
    int rc = lab07_connect_from(ctx, &c, "client", NULL);
    if (rc == 0) {
        rc = gr_exchange(ctx, &c, "hello\n", 6, "hello\n", 6, GR_SHUT_AFTER | GR_WANT_EOF,
                         "echo, then end of file");
    }
    gr_close(&c);
    /* The client has gone: wait until the server is back asleep in its
     * loop (in poll(), or accept()), so that the signal finds it there. */
    long until = gr_soon(ctx, 1000);
    while (rc == 0 && gr_procfs_state(gr_server_pid(ctx)) != 'S' && gr_now_ms() < until) {
        poll(NULL, 0, 5);
    }
    if (rc == 0) {
        kill(gr_server_pid(ctx), SIGTERM);
        rc = expect_clean_exit(ctx, "with no client connected");
    }
    return rc;
}

/* No new client gets in: the server's port stops listening. When it
 * does not, the loop never stopped (the main thread waits for a client, or
 * in a poll() nothing wakes, or in its handler), or the close waits for the
 * requests in flight before it closes the socket (a join, a waitpid()). */
static int expect_not_listening(gr_ctx *ctx)
{
    long until = gr_soon(ctx, 2000);
    while (gr_procfs_tcp_listening(gr_port(ctx)) == 1) {
        if (gr_now_ms() >= until) {
            hint_still_running(ctx);
            return gr_fail(ctx, "2 s after SIGTERM the server's port still listens: the server "
                                "must close its socket first, then wait for the requests in "
                                "flight");
        }
        poll(NULL, 0, 10);
    }
    return 0;
}

int lab07_check_sigterm_drains(gr_ctx *ctx)
{
    const int *check_listening = gr_arg(ctx);
    if (gr_server_start(ctx) < 0) {
        return -1;
    }
    gr_conn c;
    int rc = lab07_connect_from(ctx, &c, "client", NULL);
    if (rc == 0) {
        rc = gr_echo_line(ctx, &c, "a request in fli", "echo of half a line");
    }
    pid_t kids[64];
    int nkids = rc == 0 ? children_of(gr_server_pid(ctx), kids, 64) : 0;
    if (rc == 0) {
        kill(gr_server_pid(ctx), SIGTERM);
    }
    if (rc == 0 && *check_listening) {
        rc = expect_not_listening(ctx);
    }
    if (rc == 0) {
        rc = gr_exchange(ctx, &c, "ght\n", 4, "ght\n", 4, GR_SHUT_AFTER | GR_WANT_EOF,
                         "the rest of the request in flight, after SIGTERM, then end of file");
        if (rc < 0) {
            gr_fail(ctx, "(a request in flight when SIGTERM came must be finished before the "
                         "server exits)");
            gr_hint(ctx, "A shutdown lets requests in flight finish. In C: ss_server_close() "
                         "joins every handler thread (the thread strategy) and waits for every "
                         "child it started (the fork strategy) before it returns; main() exits "
                         "after it. In Python: server_close() does it (block_on_close).");
        }
    }
    gr_close(&c);
    if (rc == 0) {
        rc = expect_clean_exit(ctx, "with a request in flight");
    }
    for (int i = 0; i < nkids && rc == 0; i++) {
        if (kill(kids[i], 0) == 0) {
            rc = gr_fail(ctx,
                         "the server exited 0 with its child %d not reaped: close waits "
                         "for every child it started (waitpid() on each)",
                         (int)kids[i]);
        }
    }
    return rc;
}

/* ---- step 6: reaping ---------------------------------------------------------------------------
 */

int lab07_check_fork_zombies(gr_ctx *ctx)
{
    enum { TOTAL = 300, BATCH = 30 };
    gr_conn c[BATCH];
    int rc = 0;
    /* Batches of 30 that close together: their children exit together,
     * and their SIGCHLDs merge into fewer signals than children. */
    for (int done = 0; done < TOTAL && rc == 0; done += BATCH) {
        gr_conn_none(c, BATCH);
        gr_conn *conns[BATCH];
        for (size_t i = 0; i < BATCH && rc == 0; i++) {
            char label[32];
            snprintf(label, sizeof label, "client %zu", done + i + 1);
            rc = lab07_connect_from(ctx, &c[i], label, NULL);
            if (rc == 0) {
                rc = gr_echo_line(ctx, &c[i], "hello\n", "echo");
            }
            gr_conn_plan(&c[i], NULL, 0, NULL, 0, GR_SHUT_AFTER | GR_WANT_EOF);
            conns[i] = &c[i];
        }
        if (rc == 0) {
            int r = gr_mux_run(ctx, conns, BATCH, gr_deadline(ctx),
                               "end of file after the client closed its side");
            rc = r < 0    ? -1
                 : r == 0 ? gr_fail(ctx, "30 clients closed their side at once, and did not "
                                         "all see end of file in time")
                          : 0;
        }
        gr_close_all(c, BATCH);
    }
    /* Every client has gone: every child exits and must be reaped. Look
     * in /proc until none is left, for at most 5 s. */
    gr_tree_stats st;
    long until = gr_soon(ctx, 5000);
    while (rc == 0 && (rc = lab07_stats(ctx, &st)) == 0 &&
           (st.ts_processes > 1 || st.ts_zombies > 0) && gr_now_ms() < until) {
        poll(NULL, 0, 20);
    }
    if (rc < 0) {
        return rc;
    }
    gr_str_addf(gr_details(ctx), "after %d connections, all closed: %d processes, %d zombies\n",
                TOTAL, st.ts_processes, st.ts_zombies);
    if (st.ts_zombies > 0) {
        return gr_fail(ctx,
                       "after %d connections, all closed, %d children are zombies: the server "
                       "must reap each child it started (waitpid() on its pid)",
                       TOTAL, st.ts_zombies);
    }
    if (st.ts_processes > 1) {
        return gr_fail(ctx,
                       "after %d connections, all closed, %d children still run: a child "
                       "serves one request and _exit()s",
                       TOTAL, st.ts_processes - 1);
    }
    return 0;
}

/* ---- step 8: the pool's bound ------------------------------------------------------------------
 */

/* POOL_THREADS clients being served (each has had an echo of half a
 * line), then POOL_QUEUE more connected, each with a line sent. */
static int fill_pool(gr_ctx *ctx, gr_conn *c)
{
    enum { FULL = POOL_THREADS + POOL_QUEUE };
    gr_conn_none(c, FULL);
    int rc = 0;
    for (size_t i = 0; i < FULL && rc == 0; i++) {
        char label[32];
        snprintf(label, sizeof label, "client %zu", i + 1);
        rc = lab07_connect_from(ctx, &c[i], label, NULL);
        if (rc == 0 && i < POOL_THREADS) {
            rc = gr_echo_line(ctx, &c[i], "served, in the mid", "echo of half a line");
            if (rc < 0) {
                gr_fail(ctx, "(a pool of %d serves %d clients at once)", POOL_THREADS,
                        POOL_THREADS);
            }
        } else if (rc == 0 && gr_send_all(&c[i], "waiting\n", 8, gr_deadline(ctx)) != 0) {
            rc = gr_fail(ctx, "%s could not send its line", c[i].c_label);
        }
    }
    return rc;
}

/* Client @p c got no BUSY from a full pool: the hint for why, from what
 * the server is (a thread per request) and what the client saw (end of
 * file without a word, or nothing: it waits). */
static void hint_not_busy(gr_ctx *ctx, gr_conn *c)
{
    gr_tree_stats st;
    char byte;
    if (lab07_stats(ctx, &st) == 0 && st.ts_threads > POOL_THREADS + 3) {
        gr_str_addf(gr_details(ctx), "the server has %d threads with %d clients connected\n",
                    st.ts_threads, POOL_THREADS + POOL_QUEUE + 1);
        gr_hint(ctx, "A pool's workers are made once; a new request waits for one of them. "
                     "This server has a thread per client, so its queue never fills and BUSY "
                     "never comes. In C: start_pool() makes cf_pool_threads workers in "
                     "ss_server_new(); process_request() under SS_POOL only queues, never "
                     "pthread_create(). In Python: not ThreadingMixIn; workers on a "
                     "queue.Queue(maxsize).");
    } else if (recv(gr_conn_fd(c), &byte, 1, MSG_DONTWAIT | MSG_PEEK) == 0) {
        gr_hint(ctx, "The request was refused, but without a word: a full pool says why before "
                     "it closes. In C: when process_pool() returns -1, process_request() calls "
                     "the busy hook (the echo programs' writes \"BUSY\\n\") and then ends the "
                     "request. In Python: on queue.Full, request.sendall(b\"BUSY\\n\") before "
                     "shutdown_request().");
    } else {
        gr_hint(ctx, "The queue has no bound: the request waits in it instead of being refused. "
                     "In C: process_pool() compares sv_queued with cf_pool_queue under the "
                     "mutex and returns -1 when the queue is full. In Python: "
                     "queue.Queue(maxsize=N).put_nowait(), catching queue.Full.");
    }
}

int lab07_check_pool_busy(gr_ctx *ctx)
{
    enum { FULL = POOL_THREADS + POOL_QUEUE };
    gr_conn c[FULL + 1];
    gr_conn_none(c, FULL + 1);
    int rc = fill_pool(ctx, c);
    if (rc == 0) {
        rc = lab07_connect_from(ctx, &c[FULL], "client 9", NULL);
    }
    if (rc == 0) {
        rc = gr_exchange(ctx, &c[FULL], NULL, 0, "BUSY\n", 5, GR_WANT_EOF,
                         "the reply to a client when the pool and its queue are full");
        if (rc < 0) {
            gr_fail(ctx,
                    "(%d clients are being served and %d wait in the queue: the next one "
                    "must get \"BUSY\\n\" and end of file at once)",
                    POOL_THREADS, POOL_QUEUE);
            hint_not_busy(ctx, &c[FULL]);
        }
    }
    if (rc == 0) {
        /* A worker comes free: the oldest waiting client is served. */
        rc = gr_exchange(ctx, &c[0], "dle\n", 4, "dle\n", 4, GR_SHUT_AFTER | GR_WANT_EOF,
                         "client 1 finishes");
    }
    if (rc == 0) {
        rc = gr_exchange(ctx, &c[POOL_THREADS], NULL, 0, "waiting\n", 8, 0,
                         "client 5's echo, once client 1 has gone");
        if (rc < 0) {
            gr_fail(ctx, "(client 1 has gone: its worker must take the oldest waiting client, "
                         "client 5)");
        }
    }
    gr_close_all(c, FULL + 1);
    return rc;
}

int lab07_check_pool_threads(gr_ctx *ctx)
{
    enum { FULL = POOL_THREADS + POOL_QUEUE, MORE = 10, LIMIT = POOL_THREADS + 3 };
    gr_conn c[FULL];
    gr_tree_stats st;
    int most = 0;
    int rc = fill_pool(ctx, c);
    for (int i = 0; i < MORE && rc == 0; i++) {
        gr_conn extra;
        rc = lab07_connect_from(ctx, &extra, "one too many", NULL);
        /* Whatever the server does with it (BUSY, or serving it), the first
         * byte of its answer says the server has it. */
        if (rc == 0 && gr_send_all(&extra, "hello\n", 6, gr_deadline(ctx)) != 0) {
            rc = gr_fail(ctx, "a client beyond the queue could not send its line");
        }
        struct pollfd pfd = {.fd = gr_conn_fd(&extra), .events = POLLIN};
        if (rc == 0 && poll(&pfd, 1, gr_quiet_ms(ctx)) != 1) {
            rc = gr_fail(ctx, "a client beyond the queue got no answer at all in %.1f s",
                         (double)gr_quiet_ms(ctx) / 1000.0);
        }
        if (rc == 0) {
            rc = lab07_stats(ctx, &st);
        }
        most = rc == 0 && st.ts_threads > most ? st.ts_threads : most;
        gr_close(&extra);
    }
    gr_close_all(c, FULL);
    gr_str_addf(gr_details(ctx),
                "threads: at most %d with %d clients connected and %d more turned away\n", most,
                FULL, MORE);
    if (rc == 0 && most > LIMIT) {
        rc = gr_fail(ctx,
                     "the server had %d threads: a pool of %d has its workers and the thread "
                     "that serves (and perhaps a thread or two of the runtime's: at most %d in "
                     "all), however many clients come",
                     most, POOL_THREADS, LIMIT);
    }
    return rc;
}
