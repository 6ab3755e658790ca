/* checks.c - checks for Lab 05, I/O multiplexing: one echo server on select(),
 * one on poll(), one on epoll, each single-threaded and serving many clients
 * at once.
 *
 * The protocol is lab 01's echo: every byte a client sends comes back, in
 * order; after the client's shutdown(SHUT_WR) the rest comes back, then EOF.
 * What is new is how the server serves: many clients at once, from one
 * thread, without ever blocking on one of them. The checks test that by
 * behaviour, never by source text:
 *
 * - interleaving: 200 clients connected in one order and served in another;
 *   one client stalls halfway through a message while others are served;
 * - bounded buffering: a client that sends a large stream and never reads
 *   must not block the others, and the server must stop reading from it
 *   instead of buffering without bound (its resident memory, not its
 *   absolute size but its growth, stays small), and must still owe that
 *   client every byte it took;
 * - errors: connections reset while output is pending are dropped, the
 *   server goes on;
 * - no busy loop: CPU time over an idle second with clients connected;
 * - architecture, through /proc: one thread in one process, non-blocking
 *   sockets, an epoll descriptor in the epoll server;
 * - scale: 10,000 connections held open at once by the epoll server.
 *
 * Every check runs against one of the three programs, named by its prefix
 * (select-, poll-, epoll-); the lab's server rules map prefixes to programs.
 * A --server command stands for all three: grade one variant of any
 * language with --only 'epoll-*'. */
#include "kit/kit.h"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

/* The three servers: each check names the one it starts (ck_program), and
 * its messages name the call that server waits in. */
typedef struct variant {
    const char *va_call; /* "select()" */
} variant;

static const variant v_select = {"select()"};
static const variant v_poll = {"poll()"};
static const variant v_epoll = {"epoll_wait()"};

static const gr_program echo_select = {"./echo_select {port}", &v_select};
static const gr_program echo_poll = {"./echo_poll {port}", &v_poll};
static const gr_program echo_epoll = {"./echo_epoll {port}", &v_epoll};

/* The call the check's server waits in, for messages. */
static const char *wait_call(gr_ctx *ctx)
{
    const variant *v = gr_arg(ctx);
    return v != NULL ? v->va_call : "its wait call";
}

/* Sockets held by the server's process tree, or -1. */
static int server_sockets(gr_ctx *ctx)
{
    gr_tree_stats st;
    return gr_server_stats(ctx, &st) < 0 ? -1 : st.ts_sockets;
}

/* Wait until the server holds at least @p want sockets (its listening
 * socket and the clients it accepted). Accepting is invisible on the wire
 * until the server answers, and these checks want to know about it before
 * sending anything. Returns 0, or a failure. */
static int wait_accepted(gr_ctx *ctx, int want, int clients, long deadline)
{
    int have = server_sockets(ctx);
    while (have >= 0 && have < want && gr_now_ms() < deadline) {
        if (gr_server_check_alive(ctx) < 0) {
            return -1;
        }
        poll(NULL, 0, 1); /* /proc has no event to wait for */
        have = server_sockets(ctx);
    }
    if (have < 0) {
        return gr_fail(ctx, "cannot read the server's open files from /proc");
    }
    if (have < want) {
        return gr_fail(ctx,
                       "the server accepted only %d of %d connected clients within %.1f s: "
                       "it does not accept new clients while it serves others",
                       have - (want - clients) < 0 ? 0 : have - (want - clients), clients,
                       (double)gr_ms(ctx, 2000) / 1000.0);
    }
    return 0;
}

/* ---- echo ----------------------------------------------------------------------- */

static int check_echo(gr_ctx *ctx)
{
    /* More than the kernel's send buffer grows to (4 MiB by default). */
    size_t big = 8 * (size_t)MiB;
    unsigned char *data = malloc(big);
    if (data == NULL) {
        return gr_fail(ctx, "grader ran out of memory");
    }
    gr_random_bytes(ctx, data, big);
    /* Messages end with a newline, here and in every check but the stalled
     * client's: a server that waits for whole lines fails that check only. */
    data[big - 1] = '\n';
    data[4 * KiB - 1] = '\n';
    gr_conn c;
    /* A small receive window: the server's send() meets a full socket
     * (EAGAIN) whenever the client pauses. */
    int rc = gr_connect(ctx, &c, "client", &(gr_conn_opts){.co_rcvbuf = 16 * KiB});
    if (rc == 0) {
        static const char hello[] = "hello\n";
        rc = gr_exchange(ctx, &c, hello, sizeof hello - 1, hello, sizeof hello - 1, 0,
                         "echo of one short line");
    }
    if (rc == 0) {
        unsigned char bytes[256];
        for (int b = 0; b < 256; b++) {
            bytes[b] = (unsigned char)b;
        }
        rc = gr_exchange(ctx, &c, bytes, sizeof bytes, bytes, sizeof bytes, 0,
                         "echo of all 256 byte values");
    }
    if (rc == 0) {
        /* Bigger than any buffer: the server must keep what send() did not
         * take, and stop reading while it cannot send (the client reads in
         * bursts). */
        gr_conn_throttle(&c, 128 * KiB, gr_ms(ctx, 5));
        rc = gr_exchange(ctx, &c, data, big, data, big, 0, "echo of 8 MiB to a slow reader");
        gr_conn_throttle(&c, 0, 0);
    }
    if (rc == 0) {
        rc = gr_exchange(ctx, &c, data, 4 * KiB, data, 4 * KiB, GR_SHUT_AFTER | GR_WANT_EOF,
                         "half-close: send 4 KiB, shutdown(SHUT_WR), read until EOF");
    }
    gr_close(&c); /* safe after a failed connect too: it clears the connection first */
    free(data);
    return rc;
}

/* ---- many clients, interleaved ---------------------------------------------------- */

static int check_interleaved(gr_ctx *ctx)
{
    enum { N = 200, MSG_MAX = 2 * KiB };
    gr_conn *conns = calloc(N, sizeof *conns);
    gr_conn **all = calloc(N, sizeof *all);
    unsigned char *msgs = malloc((size_t)N * MSG_MAX);
    size_t *lens = calloc(N, sizeof *lens);
    int opened = 0;
    int rc = 0;
    if (conns == NULL || all == NULL || msgs == NULL || lens == NULL) {
        rc = gr_fail(ctx, "grader ran out of memory");
        goto out;
    }
    /* The server holds its listening socket, and maybe a few more. */
    int base = server_sockets(ctx);
    if (base < 0) {
        rc = gr_fail(ctx, "cannot read the server's open files from /proc");
        goto out;
    }
    /* Connect one after another, each accepted before the next: a burst
     * of 200 connects would overflow a small listen backlog (Python's
     * socketserver listens with 5), which is not what this check is about. */
    for (int i = 0; i < N && rc == 0; i++) {
        char label[32];
        snprintf(label, sizeof label, "client %d", i + 1);
        rc = gr_connect(ctx, &conns[i], label, NULL);
        if (rc == 0) {
            all[i] = &conns[i];
            opened = i + 1;
            rc = wait_accepted(ctx, base + opened, opened, gr_soon(ctx, 2000));
        }
    }
    /* Round 1: one message each, in reverse order of connection, each
     * answered before the next is sent. A server that serves its clients
     * in turn is stuck with client 1 and never answers client 200. */
    for (int i = N - 1; i >= 0 && rc == 0; i--) {
        char line[64];
        int n = snprintf(line, sizeof line, "client %d, first in line\n", i + 1);
        rc = gr_exchange_by(ctx, &conns[i], line, (size_t)n, line, (size_t)n, 0,
                            "echo (clients served in reverse order of connection)",
                            gr_soon(ctx, 3000));
        if (rc < 0 && i < N - 1) {
            gr_fail(ctx, "(clients %d to %d, which connected after it, were answered)", i + 2, N);
        }
    }
    /* Round 2: everyone at once, a message of random size each, so the
     * server sees their bytes interleaved. */
    if (rc == 0) {
        for (int i = 0; i < N; i++) {
            unsigned char *m = msgs + (size_t)i * MSG_MAX;
            lens[i] = 2 + gr_random_below(ctx, MSG_MAX - 1);
            gr_random_text(ctx, (char *)m, lens[i] - 1);
            m[lens[i] - 1] = '\n';
            gr_conn_plan(&conns[i], msgs + (size_t)i * MSG_MAX, lens[i], msgs + (size_t)i * MSG_MAX,
                         lens[i], 0);
        }
        int r = gr_mux_run(ctx, all, N, gr_deadline(ctx), "echo, all 200 clients at once");
        if (r == 0) {
            int done = 0;
            for (int i = 0; i < N; i++) {
                done += conns[i].c_done;
            }
            rc = gr_fail(ctx,
                         "all 200 clients sent at once: %d of them got their echo before the "
                         "deadline",
                         done);
        } else if (r < 0) {
            rc = -1;
        }
    }
out:
    for (int i = 0; i < opened; i++) {
        gr_close(&conns[i]);
    }
    free(conns);
    free(all);
    free(msgs);
    free(lens);
    return rc;
}

/* ---- a client stalls halfway through a message ------------------------------------ */

static int check_stalled_client(gr_ctx *ctx)
{
    static const char whole[] = "this message stops halfway ... and goes on much later\n";
    size_t half = 27;
    gr_conn slow;
    if (gr_connect(ctx, &slow, "stalled client", NULL) < 0) {
        return -1;
    }
    /* Half a message, then nothing. A byte echo sends the half back; a
     * server that waits for the whole message waits in this client's
     * recv(), or loops on it, and the others must not notice. */
    int rc = 0;
    if (gr_send_some(&slow, whole, half) != (ssize_t)half) {
        rc = gr_fail(ctx, "stalled client: could not send the first %zu bytes", half);
    }
    for (int i = 1; i <= 5 && rc == 0; i++) {
        char label[32];
        char line[64];
        snprintf(label, sizeof label, "client %d", i);
        int n = snprintf(line, sizeof line, "client %d is not kept waiting\n", i);
        gr_conn c;
        rc = gr_connect(ctx, &c, label, NULL);
        if (rc == 0) {
            rc = gr_exchange_by(ctx, &c, line, (size_t)n, line, (size_t)n, 0,
                                "echo while another client is stalled mid-message",
                                gr_soon(ctx, 3000));
            gr_close(&c);
        }
        if (rc < 0) {
            gr_fail(ctx,
                    "(the stalled client had sent %zu bytes of a %zu-byte message and then "
                    "nothing)",
                    half, sizeof whole - 1);
        }
    }
    if (rc == 0) {
        /* Now the rest: the whole message must come back (the echo of the
         * first half, if it came, is still unread in our socket). */
        rc = gr_exchange(ctx, &slow, whole + half, sizeof whole - 1 - half, whole, sizeof whole - 1,
                         0, "the stalled client sends the rest");
    }
    gr_close(&slow);
    return rc;
}

/* ---- a client that never reads ------------------------------------------------------ */

static long server_rss_kb(gr_ctx *ctx)
{
    gr_tree_stats st;
    return gr_server_stats(ctx, &st) < 0 ? -1 : st.ts_rss_kb;
}

static int check_slow_reader(gr_ctx *ctx)
{
    enum { OTHERS = 4, ROUNDS = 8, MSG = 8 * KiB };
    /* Far more than kernel buffers hold (a few MiB each way on loopback):
     * a server that keeps reading keeps this in memory. */
    const size_t flood = 96 * (size_t)MiB;
    const long max_growth_kb = 16 * 1024;
    unsigned char *data = malloc(flood);
    if (data == NULL) {
        return gr_fail(ctx, "grader ran out of memory");
    }
    gr_random_bytes(ctx, data, flood);
    /* The other clients send lines of text (see check_echo). */
    unsigned char line[MSG];
    gr_random_text(ctx, (char *)line, MSG - 1);
    line[MSG - 1] = '\n';
    gr_conn hog;
    gr_conn others[OTHERS];
    gr_conn *ptrs[OTHERS];
    int nothers = 0;
    int rc = gr_connect(ctx, &hog, "client that never reads", NULL);
    if (rc < 0) {
        free(data);
        return -1;
    }
    for (int i = 0; i < OTHERS && rc == 0; i++) {
        char label[32];
        snprintf(label, sizeof label, "client %d", i + 1);
        rc = gr_connect(ctx, &others[i], label, NULL);
        if (rc == 0) {
            ptrs[nothers++] = &others[i];
            rc = gr_exchange(ctx, &others[i], line, MSG, line, MSG, 0, "echo (warm-up)");
        }
    }
    if (rc == 0) {
        rc = gr_exchange(ctx, &hog, line + MSG - 100, 100, line + MSG - 100, 100, 0,
                         "echo (warm-up)");
    }
    long before = rc == 0 ? server_rss_kb(ctx) : -1;
    if (rc == 0 && before < 0) {
        rc = gr_fail(ctx, "cannot read the server's memory use from /proc");
    }

    /* The flood: send without reading until the server stops taking bytes
     * (nothing more fits for a while) or all of it is gone. */
    size_t sent = 0;
    if (rc == 0) {
        long quiet = gr_ms(ctx, 600);
        while (sent < flood && gr_now_ms() < gr_deadline(ctx)) {
            ssize_t put = gr_send_some(&hog, data + sent, flood - sent);
            if (put < 0) {
                rc = gr_fail(ctx,
                             "client that never reads: sending failed after %zu bytes (the "
                             "server closed or reset the connection)",
                             sent);
                break;
            }
            sent += (size_t)put;
            if (sent == flood) {
                break;
            }
            struct pollfd pfd = {.fd = gr_conn_fd(&hog), .events = POLLOUT};
            if (poll(&pfd, 1, (int)quiet) == 0) {
                break; /* full both ways: the server stopped reading */
            }
        }
        gr_verbose(ctx, "the client that never reads got %zu bytes into the server", sent);
    }

    /* Meanwhile the others must be served as if nothing happened. */
    for (int round = 1; round <= ROUNDS && rc == 0; round++) {
        for (int i = 0; i < nothers; i++) {
            gr_conn_plan(&others[i], line, MSG, line, MSG, 0);
        }
        int r = gr_mux_run(ctx, ptrs, (size_t)nothers, gr_soon(ctx, 3000),
                           "echo while another client floods the server and reads nothing");
        if (r == 0) {
            rc = gr_fail(ctx,
                         "while one client sent %zu bytes and read nothing, the other clients "
                         "got no echo within %.1f s: the server is stuck on that client "
                         "(a blocking send()?)",
                         sent, (double)gr_ms(ctx, 3000) / 1000.0);
        } else if (r < 0) {
            rc = -1;
        }
    }

    long after = rc == 0 ? server_rss_kb(ctx) : -1;
    if (rc == 0) {
        gr_str_addf(gr_details(ctx),
                    "a client sent %.1f MiB and read nothing; the server's resident memory went "
                    "from %.1f MiB to %.1f MiB\n",
                    (double)sent / MiB, (double)before / 1024.0, (double)after / 1024.0);
        if (after < 0) {
            rc = gr_fail(ctx, "cannot read the server's memory use from /proc");
        } else if (after - before > max_growth_kb) {
            rc = gr_fail(ctx,
                         "the server's memory grew by %.1f MiB while a client sent %.1f MiB and "
                         "read nothing back: it keeps reading from a client it cannot send to, "
                         "and buffers without bound",
                         (double)(after - before) / 1024.0, (double)sent / MiB);
        }
    }

    /* The server took `sent` bytes: it owes all of them back, in order. */
    if (rc == 0) {
        gr_conn_plan(&hog, NULL, 0, data, sent, 0);
        gr_conn *one[1] = {&hog};
        int r = gr_mux_run(ctx, one, 1, gr_deadline(ctx),
                           "the client that never read starts "
                           "reading");
        if (r == 0) {
            rc = gr_conn_fail(ctx, &hog,
                              "the client that never read starts reading: %zu of the %zu bytes "
                              "the server took came back before the deadline",
                              hog.c_got_len, sent);
        } else if (r < 0) {
            gr_fail(ctx, "(bytes the server stopped reading must stay in the socket, not be "
                         "dropped)");
            rc = -1;
        }
    }
    for (int i = 0; i < nothers; i++) {
        gr_close(&others[i]);
    }
    gr_close(&hog);
    free(data);
    return rc;
}

/* ---- resets with output pending -------------------------------------------------------- */

static int check_reset_pending(gr_ctx *ctx)
{
    enum { RESETTERS = 5, SLACK = 2 };
    size_t n = 2 * MiB;
    unsigned char *data = malloc(n);
    if (data == NULL) {
        return gr_fail(ctx, "grader ran out of memory");
    }
    gr_random_bytes(ctx, data, n);
    gr_conn steady;
    int rc = gr_connect(ctx, &steady, "steady client", NULL);
    if (rc < 0) {
        free(data);
        return -1;
    }
    static const char ping[] = "still there?\n";
    rc = gr_exchange(ctx, &steady, ping, sizeof ping - 1, ping, sizeof ping - 1, 0, "echo");
    int base = rc == 0 ? server_sockets(ctx) : -1;

    /* Each resetter sends without reading until nothing more fits, so the
     * server holds output it cannot send, then resets the connection. */
    for (int i = 1; i <= RESETTERS && rc == 0; i++) {
        char label[32];
        snprintf(label, sizeof label, "resetting client %d", i);
        gr_conn c;
        rc = gr_connect(ctx, &c, label,
                        &(gr_conn_opts){.co_rcvbuf = 8 * KiB, .co_quiet_ms = GR_NO_QUIET});
        if (rc < 0) {
            break;
        }
        size_t off = 0;
        while (off < n) {
            ssize_t put = gr_send_some(&c, data + off, n - off);
            if (put < 0) {
                break;
            }
            off += (size_t)put;
            struct pollfd pfd = {.fd = gr_conn_fd(&c), .events = POLLOUT};
            if (off < n && poll(&pfd, 1, gr_ms(ctx, 150)) == 0) {
                break;
            }
        }
        gr_reset(&c);
    }
    if (rc == 0) {
        rc = gr_exchange(ctx, &steady, ping, sizeof ping - 1, ping, sizeof ping - 1, 0,
                         "echo to a client connected before the resets");
    }
    if (rc == 0) {
        gr_conn next;
        rc = gr_connect(ctx, &next, "new client", NULL);
        if (rc == 0) {
            rc = gr_exchange(ctx, &next, ping, sizeof ping - 1, ping, sizeof ping - 1, 0,
                             "echo to a client that connected after the resets");
            gr_close(&next);
        }
    }
    /* The reset connections must be closed: a server that never looks at
     * them again holds their sockets forever. */
    if (rc == 0 && base >= 0) {
        long settle = gr_soon(ctx, 3000);
        int have = server_sockets(ctx);
        while (have > base + SLACK && gr_now_ms() < settle) {
            poll(NULL, 0, 5);
            have = server_sockets(ctx);
        }
        if (have > base + SLACK) {
            rc = gr_fail(ctx,
                         "the server still holds %d sockets, %d before %d clients reset their "
                         "connections: it does not close connections that fail",
                         have, base, RESETTERS);
        }
    }
    gr_close(&steady);
    free(data);
    return rc;
}

/* ---- no busy loop --------------------------------------------------------------------- */

static long server_cpu_ms(gr_ctx *ctx)
{
    gr_tree_stats st;
    return gr_server_stats(ctx, &st) < 0 ? -1 : st.ts_cpu_ms;
}

static int check_idle_cpu(gr_ctx *ctx)
{
    enum { N = 20, WINDOW_MS = 1000, MAX_CPU_MS = 100 };
    gr_conn conns[N];
    int opened = 0;
    int rc = 0;
    for (int i = 0; i < N && rc == 0; i++) {
        char label[32];
        char line[64];
        snprintf(label, sizeof label, "client %d", i + 1);
        int n = snprintf(line, sizeof line, "client %d, then quiet\n", i + 1);
        rc = gr_connect(ctx, &conns[i], label, NULL);
        if (rc == 0) {
            opened++;
            rc = gr_exchange(ctx, &conns[i], line, (size_t)n, line, (size_t)n, 0, "echo");
        }
    }
    if (rc == 0) {
        /* Every client is connected and quiet: a server that waits in
         * select/poll/epoll sleeps, using no CPU at all. The window is a
         * measurement, not a wait for something to happen. */
        long cpu0 = server_cpu_ms(ctx);
        long t0 = gr_now_ms();
        poll(NULL, 0, WINDOW_MS);
        long cpu1 = server_cpu_ms(ctx);
        long t1 = gr_now_ms();
        if (cpu0 < 0 || cpu1 < 0) {
            rc = gr_fail(ctx, "cannot read the server's CPU time from /proc");
        } else {
            gr_str_addf(gr_details(ctx),
                        "CPU time used by the server in %ld ms with %d idle clients: %ld ms\n",
                        t1 - t0, N, cpu1 - cpu0);
            if (cpu1 - cpu0 > MAX_CPU_MS) {
                rc = gr_fail(ctx,
                             "the server used %ld ms of CPU time in %ld ms while its %d clients "
                             "sent nothing: it spins instead of sleeping in %s",
                             cpu1 - cpu0, t1 - t0, N, wait_call(ctx));
            }
        }
    }
    if (rc == 0) {
        /* Still serving after the quiet second. */
        static const char bye[] = "awake?\n";
        rc = gr_exchange(ctx, &conns[0], bye, sizeof bye - 1, bye, sizeof bye - 1, 0,
                         "echo after a quiet second");
    }
    for (int i = 0; i < opened; i++) {
        gr_close(&conns[i]);
    }
    return rc;
}

/* ---- architecture, from /proc ---------------------------------------------------------- */

/* Connect @p n clients and wait until the server holds their sockets. */
static int hold_clients(gr_ctx *ctx, gr_conn *conns, int n, int *opened)
{
    int base = server_sockets(ctx);
    if (base < 0) {
        return gr_fail(ctx, "cannot read the server's open files from /proc");
    }
    for (int i = 0; i < n; i++) {
        char label[32];
        snprintf(label, sizeof label, "client %d", i + 1);
        if (gr_connect(ctx, &conns[i], label, NULL) < 0) {
            return -1;
        }
        (*opened)++;
        if (wait_accepted(ctx, base + i + 1, i + 1, gr_soon(ctx, 2000)) < 0) {
            return -1;
        }
    }
    return 0;
}

static void close_all(gr_conn *conns, int n)
{
    for (int i = 0; i < n; i++) {
        gr_close(&conns[i]);
    }
}

enum { HOLD = 10, MAX_FDS = 512 };

static int check_one_thread(gr_ctx *ctx)
{
    gr_conn conns[HOLD];
    int opened = 0;
    int rc = hold_clients(ctx, conns, HOLD, &opened);
    pid_t tree[64];
    int nproc = rc == 0 ? gr_procfs_tree(gr_server_pid(ctx), tree, 64) : 0;
    if (rc == 0 && nproc < 0) {
        rc = gr_fail(ctx, "cannot read the server's processes from /proc");
    }
    /* The process that holds the sockets must be alone with them, and have
     * one thread. Other processes in the tree (a shell that started the
     * server, say) are fine as long as they hold no sockets. */
    static gr_fdinfo fds[MAX_FDS];
    int with_sockets = 0;
    for (int i = 0; i < nproc && rc == 0; i++) {
        int nfd = gr_procfs_fds(tree[i], fds, MAX_FDS);
        int sockets = 0;
        for (int k = 0; k < nfd; k++) {
            sockets += strncmp(fds[k].fi_target, "socket:", 7) == 0;
        }
        if (sockets == 0) {
            continue;
        }
        with_sockets++;
        int threads = gr_procfs_threads(tree[i]);
        gr_str_addf(gr_details(ctx), "process %d: %d threads, %d sockets\n", (int)tree[i], threads,
                    sockets);
        if (threads > 1) {
            rc = gr_fail(ctx,
                         "with %d clients connected, the server has %d threads: this server "
                         "must serve every client from one thread, with %s",
                         HOLD, threads, wait_call(ctx));
        }
    }
    if (rc == 0 && with_sockets > 1) {
        rc = gr_fail(ctx,
                     "with %d clients connected, %d processes of the server hold sockets: this "
                     "server must serve every client from one process, without fork()",
                     HOLD, with_sockets);
    }
    close_all(conns, opened);
    return rc;
}

static int check_nonblocking(gr_ctx *ctx)
{
    gr_conn conns[HOLD];
    int opened = 0;
    int rc = hold_clients(ctx, conns, HOLD, &opened);
    pid_t tree[64];
    int nproc = rc == 0 ? gr_procfs_tree(gr_server_pid(ctx), tree, 64) : 0;
    if (rc == 0 && nproc < 0) {
        rc = gr_fail(ctx, "cannot read the server's processes from /proc");
    }
    static gr_fdinfo fds[MAX_FDS];
    int sockets = 0;
    int blocking = 0;
    int first_blocking = -1;
    for (int i = 0; i < nproc && rc == 0; i++) {
        int nfd = gr_procfs_fds(tree[i], fds, MAX_FDS);
        for (int k = 0; k < nfd; k++) {
            if (strncmp(fds[k].fi_target, "socket:", 7) != 0) {
                continue;
            }
            sockets++;
            if (!(fds[k].fi_flags & O_NONBLOCK)) {
                blocking++;
                if (first_blocking < 0) {
                    first_blocking = fds[k].fi_fd;
                }
            }
        }
    }
    if (rc == 0) {
        gr_str_addf(gr_details(ctx), "the server holds %d sockets, %d of them non-blocking\n",
                    sockets, sockets - blocking);
        if (blocking > 0) {
            rc = gr_fail(ctx,
                         "%d of the server's %d sockets are blocking (descriptor %d, for one): "
                         "one recv(), send() or accept() on them can stop the whole server",
                         blocking, sockets, first_blocking);
        }
    }
    close_all(conns, opened);
    return rc;
}

static int check_epoll_fd(gr_ctx *ctx)
{
    gr_conn conns[HOLD];
    int opened = 0;
    int rc = hold_clients(ctx, conns, HOLD, &opened);
    pid_t tree[64];
    int nproc = rc == 0 ? gr_procfs_tree(gr_server_pid(ctx), tree, 64) : 0;
    if (rc == 0 && nproc < 0) {
        rc = gr_fail(ctx, "cannot read the server's processes from /proc");
    }
    static gr_fdinfo fds[MAX_FDS];
    int found = 0;
    for (int i = 0; i < nproc && rc == 0 && !found; i++) {
        int nfd = gr_procfs_fds(tree[i], fds, MAX_FDS);
        for (int k = 0; k < nfd; k++) {
            if (strcmp(fds[k].fi_target, "anon_inode:[eventpoll]") == 0) {
                found = 1;
                gr_str_addf(gr_details(ctx), "epoll instance: descriptor %d of process %d\n",
                            fds[k].fi_fd, (int)tree[i]);
            }
        }
    }
    if (rc == 0 && !found) {
        rc = gr_fail(ctx, "the server holds no epoll instance (no anon_inode:[eventpoll] among "
                          "its open files): echo_epoll must wait with epoll_wait()");
    }
    close_all(conns, opened);
    return rc;
}

/* ---- ten thousand connections ------------------------------------------------------------ */

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

static int check_10k(gr_ctx *ctx)
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

/* ---- the list ---------------------------------------------------------------------------- */

static const char *const steps[] = {
    "",
    "non-blocking sockets (echo_select)",
    "an echo server on select() (echo_select)",
    "a buffer per connection (echo_select)",
    "write readiness only while output is pending (echo_select)",
    "the same server on poll() (echo_poll)",
    "the same server on epoll (echo_epoll)",
    "ten thousand connections (echo_epoll)",
};

/* Hints shared by the three servers. */
#define HINT_ECHO                                                                                  \
    "Echo every byte back, in order, from a per-client buffer: recv() what arrived, send() "       \
    "what is pending, keep what send() did not take for the next time the socket is "              \
    "writable. recv() returning 0: send back what is pending, then close()."
#define HINT_INTERLEAVED                                                                           \
    "Never wait for one client: put the listening socket and every client in the set you "         \
    "wait on, accept() when the listening socket is readable, and serve whichever clients "        \
    "are ready, one recv() and one send() at a time."
#define HINT_STALLED                                                                               \
    "A readable socket has some bytes, not a whole message: recv() once and echo what came. "      \
    "Never loop until a message is complete (readn, readline) on one client."
#define HINT_SLOW_READER                                                                           \
    "Give each client a bounded buffer. While it is full, stop asking to read that client "        \
    "(leave it out of the read set): TCP flow control then stops the sender. Never block in "      \
    "send(): with a non-blocking socket it returns EAGAIN, and the rest waits in the buffer."
#define HINT_RESET                                                                                 \
    "send() and recv() fail with ECONNRESET or EPIPE when the client is gone: close that "         \
    "client, forget it (remove it from every set) and go on. Ignore SIGPIPE or send with "         \
    "MSG_NOSIGNAL."
#define HINT_IDLE                                                                                  \
    "Ask for write readiness only while a client has output pending: a socket with room is "       \
    "always writable, so asking always wakes the loop at once, forever. And wait with no "         \
    "timeout (NULL, -1), never 0."
#define HINT_ONE_THREAD                                                                            \
    "This lab serves every client from one thread in one process: no pthread_create(), no "        \
    "fork(). Concurrency comes from waiting on all sockets at once."
#define HINT_NONBLOCKING                                                                           \
    "Make every socket non-blocking, the listening socket and each accepted one: "                 \
    "fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK). Readiness is a hint; a blocking "        \
    "call can still wait, and then the whole server waits."

static const gr_check checks[] = {
    {.ck_name = "select-nonblocking",
     .ck_step = 1,
     .ck_kind = GR_SERVER,
     .ck_points = 4,
     .ck_deadline_ms = 10000,
     .ck_summary = "every socket of echo_select is non-blocking (O_NONBLOCK, from /proc)",
     .ck_hint = HINT_NONBLOCKING,
     .ck_run = check_nonblocking,
     .ck_program = &echo_select},

    {.ck_name = "select-echo",
     .ck_step = 2,
     .ck_kind = GR_SERVER,
     .ck_points = 6,
     .ck_deadline_ms = 15000,
     .ck_summary = "echo_select echoes one client: text, every byte value, 8 MiB, half-close",
     .ck_hint = HINT_ECHO,
     .ck_run = check_echo,
     .ck_program = &echo_select},
    {.ck_name = "select-interleaved",
     .ck_step = 2,
     .ck_kind = GR_SERVER,
     .ck_points = 6,
     .ck_deadline_ms = 30000,
     .ck_summary = "200 clients at once, served in reverse order of connection, then all together",
     .ck_hint = HINT_INTERLEAVED,
     .ck_run = check_interleaved,
     .ck_program = &echo_select},
    {.ck_name = "select-stalled-client",
     .ck_step = 2,
     .ck_kind = GR_SERVER,
     .ck_points = 5,
     .ck_deadline_ms = 15000,
     .ck_summary = "a client stalled halfway through a message delays nobody",
     .ck_hint = HINT_STALLED,
     .ck_run = check_stalled_client,
     .ck_program = &echo_select},
    {.ck_name = "select-one-thread",
     .ck_step = 2,
     .ck_kind = GR_SERVER,
     .ck_points = 3,
     .ck_deadline_ms = 10000,
     .ck_summary = "one process, one thread, with clients connected (from /proc)",
     .ck_hint = HINT_ONE_THREAD,
     .ck_run = check_one_thread,
     .ck_program = &echo_select},

    {.ck_name = "select-slow-reader",
     .ck_step = 3,
     .ck_kind = GR_SERVER,
     .ck_points = 6,
     .ck_deadline_ms = 30000,
     .ck_summary =
         "a client that sends 96 MiB and never reads blocks nobody, and memory stays bounded",
     .ck_hint = HINT_SLOW_READER,
     .ck_run = check_slow_reader,
     .ck_program = &echo_select},
    {.ck_name = "select-reset-pending",
     .ck_step = 3,
     .ck_kind = GR_SERVER,
     .ck_points = 4,
     .ck_deadline_ms = 20000,
     .ck_summary = "connections reset with output pending are closed; the others are served",
     .ck_hint = HINT_RESET,
     .ck_run = check_reset_pending,
     .ck_program = &echo_select},

    {.ck_name = "select-idle-cpu",
     .ck_step = 4,
     .ck_kind = GR_SERVER,
     .ck_points = 5,
     .ck_deadline_ms = 15000,
     .ck_summary = "no CPU time used while 20 clients are connected and quiet",
     .ck_hint = HINT_IDLE,
     .ck_run = check_idle_cpu,
     .ck_program = &echo_select},

    {.ck_name = "poll-echo",
     .ck_step = 5,
     .ck_kind = GR_SERVER,
     .ck_points = 3,
     .ck_deadline_ms = 15000,
     .ck_summary = "echo_poll echoes one client",
     .ck_hint = HINT_ECHO,
     .ck_run = check_echo,
     .ck_program = &echo_poll},
    {.ck_name = "poll-interleaved",
     .ck_step = 5,
     .ck_kind = GR_SERVER,
     .ck_points = 3,
     .ck_deadline_ms = 30000,
     .ck_summary = "200 clients at once, interleaved",
     .ck_hint = HINT_INTERLEAVED,
     .ck_run = check_interleaved,
     .ck_program = &echo_poll},
    {.ck_name = "poll-stalled-client",
     .ck_step = 5,
     .ck_kind = GR_SERVER,
     .ck_points = 3,
     .ck_deadline_ms = 15000,
     .ck_summary = "a client stalled halfway through a message delays nobody",
     .ck_hint = HINT_STALLED,
     .ck_run = check_stalled_client,
     .ck_program = &echo_poll},
    {.ck_name = "poll-slow-reader",
     .ck_step = 5,
     .ck_kind = GR_SERVER,
     .ck_points = 3,
     .ck_deadline_ms = 30000,
     .ck_summary = "a client that never reads blocks nobody, memory stays bounded",
     .ck_hint = HINT_SLOW_READER,
     .ck_run = check_slow_reader,
     .ck_program = &echo_poll},
    {.ck_name = "poll-reset-pending",
     .ck_step = 5,
     .ck_kind = GR_SERVER,
     .ck_points = 3,
     .ck_deadline_ms = 20000,
     .ck_summary = "connections reset with output pending are closed",
     .ck_hint = HINT_RESET,
     .ck_run = check_reset_pending,
     .ck_program = &echo_poll},
    {.ck_name = "poll-idle-cpu",
     .ck_step = 5,
     .ck_kind = GR_SERVER,
     .ck_points = 3,
     .ck_deadline_ms = 15000,
     .ck_summary = "no CPU time used while clients are quiet",
     .ck_hint = HINT_IDLE,
     .ck_run = check_idle_cpu,
     .ck_program = &echo_poll},
    {.ck_name = "poll-one-thread",
     .ck_step = 5,
     .ck_kind = GR_SERVER,
     .ck_points = 2,
     .ck_deadline_ms = 10000,
     .ck_summary = "one process, one thread",
     .ck_hint = HINT_ONE_THREAD,
     .ck_run = check_one_thread,
     .ck_program = &echo_poll},
    {.ck_name = "poll-nonblocking",
     .ck_step = 5,
     .ck_kind = GR_SERVER,
     .ck_points = 2,
     .ck_deadline_ms = 10000,
     .ck_summary = "every socket is non-blocking",
     .ck_hint = HINT_NONBLOCKING,
     .ck_run = check_nonblocking,
     .ck_program = &echo_poll},

    {.ck_name = "epoll-echo",
     .ck_step = 6,
     .ck_kind = GR_SERVER,
     .ck_points = 3,
     .ck_deadline_ms = 15000,
     .ck_summary = "echo_epoll echoes one client",
     .ck_hint = HINT_ECHO,
     .ck_run = check_echo,
     .ck_program = &echo_epoll},
    {.ck_name = "epoll-interleaved",
     .ck_step = 6,
     .ck_kind = GR_SERVER,
     .ck_points = 3,
     .ck_deadline_ms = 30000,
     .ck_summary = "200 clients at once, interleaved",
     .ck_hint = HINT_INTERLEAVED,
     .ck_run = check_interleaved,
     .ck_program = &echo_epoll},
    {.ck_name = "epoll-stalled-client",
     .ck_step = 6,
     .ck_kind = GR_SERVER,
     .ck_points = 3,
     .ck_deadline_ms = 15000,
     .ck_summary = "a client stalled halfway through a message delays nobody",
     .ck_hint = HINT_STALLED,
     .ck_run = check_stalled_client,
     .ck_program = &echo_epoll},
    {.ck_name = "epoll-slow-reader",
     .ck_step = 6,
     .ck_kind = GR_SERVER,
     .ck_points = 3,
     .ck_deadline_ms = 30000,
     .ck_summary = "a client that never reads blocks nobody, memory stays bounded",
     .ck_hint = HINT_SLOW_READER,
     .ck_run = check_slow_reader,
     .ck_program = &echo_epoll},
    {.ck_name = "epoll-reset-pending",
     .ck_step = 6,
     .ck_kind = GR_SERVER,
     .ck_points = 3,
     .ck_deadline_ms = 20000,
     .ck_summary = "connections reset with output pending are closed",
     .ck_hint = HINT_RESET,
     .ck_run = check_reset_pending,
     .ck_program = &echo_epoll},
    {.ck_name = "epoll-idle-cpu",
     .ck_step = 6,
     .ck_kind = GR_SERVER,
     .ck_points = 3,
     .ck_deadline_ms = 15000,
     .ck_summary = "no CPU time used while clients are quiet",
     .ck_hint = HINT_IDLE,
     .ck_run = check_idle_cpu,
     .ck_program = &echo_epoll},
    {.ck_name = "epoll-one-thread",
     .ck_step = 6,
     .ck_kind = GR_SERVER,
     .ck_points = 2,
     .ck_deadline_ms = 10000,
     .ck_summary = "one process, one thread",
     .ck_hint = HINT_ONE_THREAD,
     .ck_run = check_one_thread,
     .ck_program = &echo_epoll},
    {.ck_name = "epoll-nonblocking",
     .ck_step = 6,
     .ck_kind = GR_SERVER,
     .ck_points = 2,
     .ck_deadline_ms = 10000,
     .ck_summary = "every socket is non-blocking",
     .ck_hint = HINT_NONBLOCKING,
     .ck_run = check_nonblocking,
     .ck_program = &echo_epoll},
    {.ck_name = "epoll-fd",
     .ck_step = 6,
     .ck_kind = GR_SERVER,
     .ck_points = 3,
     .ck_deadline_ms = 10000,
     .ck_summary = "the server holds an epoll instance (from /proc)",
     .ck_hint =
         "Create one epoll instance with epoll_create1(0), add each socket with epoll_ctl(), and "
         "wait with epoll_wait().",
     .ck_run = check_epoll_fd,
     .ck_program = &echo_epoll},

    {.ck_name = "epoll-10k",
     .ck_step = 7,
     .ck_kind = GR_SERVER,
     .ck_points = 14,
     .ck_deadline_ms = 90000,
     .ck_summary = "10,000 connections open at once, every one still echoing",
     .ck_hint =
         "Nothing in the server may grow with the number of connections per wakeup: epoll_wait() "
         "returns the ready sockets only. Listen with a backlog of SOMAXCONN, accept until "
         "EAGAIN, and allocate each client's state only when it connects.",
     .ck_run = check_10k,
     .ck_program = &echo_epoll,
     .ck_max_files = 10240},
};

const gr_lab gr_lab05 = {
    .lab_id = "05",
    .lab_name = "select",
    .lab_title = "I/O multiplexing: select, poll, epoll",
    .lab_server_cmd = "./echo_select {port}",
    .lab_client_cmd = NULL,
    .lab_steps = steps,
    .lab_nsteps = sizeof steps / sizeof steps[0] - 1,
    .lab_checks = checks,
    .lab_nchecks = sizeof checks / sizeof checks[0],
    .lab_hidden = NULL,
};
