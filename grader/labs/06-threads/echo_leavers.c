/* echo_leavers.c - lab 06's checks of what the echo servers (pool and
 * fork, steps 6 and 7) leave behind when clients leave in every way a peer
 * can: end of file or a reset, before the first byte, after some bytes, in
 * the middle of a large echo the server is writing, and, for the pool,
 * while still waiting in its queue. Afterwards the server's descriptors,
 * threads, processes and zombies (/proc) must be back where they were, and
 * the next client served at once.
 *
 * As in leave.c the server is compared with itself, so any runtime passes;
 * each way is repeated ROUNDS times, so a leak on any one path grows with
 * ROUNDS while a correct server comes back to where it started. */
#include "lab06.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    ROUNDS = 4,
    BIG = 1 << 20,
    LOTS = 64 << 20,
    ECHOED = 64 * 1024,
    HOLDERS = WORKERS,
    QUEUED = 4
};

static int connect_one(gr_ctx *ctx, gr_conn *c, const char *label, int small)
{
    gr_conn_opts o = {.co_nodelay = 1};
    if (small) {
        o.co_rcvbuf = 4096; /* its side fills at once: the server blocks writing */
        o.co_maxseg = 536;
    }
    return gr_connect(ctx, c, label, &o);
}

/* Send a large payload over and over without reading its echo, until the
 * socket takes no more for a while: the server is then blocked writing the
 * echo (and so no longer reads). Returns 0 or gr_fail()'s value. */
static int fill_without_reading(gr_ctx *ctx, gr_conn *c, const char *buf)
{
    size_t off = 0, total = 0;
    while (total < LOTS) {
        ssize_t n = gr_send_some(c, buf + off, BIG - off);
        if (n < 0) {
            return gr_fail(ctx,
                           "%s: the server reset the connection while the client was sending "
                           "(and not yet reading its echo)",
                           c->c_label);
        }
        off = (off + (size_t)n) % BIG;
        total += (size_t)n;
        if (n == 0) {
            struct pollfd pfd = {.fd = gr_conn_fd(c), .events = POLLOUT};
            if (poll(&pfd, 1, gr_ms(ctx, 50)) == 0) {
                gr_verbose(ctx, "%s: the server stopped reading after %zu KiB", c->c_label,
                           total / 1024);
                return 0; /* no room for 50 ms: the server is not reading */
            }
        }
    }
    return gr_fail(ctx,
                   "%s sent %d MiB without reading any of its echo, and the server took it all: "
                   "an echo server must send back what it receives",
                   c->c_label, LOTS >> 20);
}

/* One round of every way a client leaves. */
static int leave_every_way(gr_ctx *ctx, const char *big)
{
    gr_conn c;
    int rc;
    /* End of file before the first byte: the server closes too. */
    if ((rc = connect_one(ctx, &c, "a client that sends nothing", 0)) == 0) {
        rc = gr_exchange(ctx, &c, NULL, 0, NULL, 0, GR_SHUT_AFTER | GR_WANT_EOF,
                         "end of file after a client closed its side at once");
    }
    gr_close(&c);
    /* A reset before the first byte. */
    if (rc == 0 && (rc = connect_one(ctx, &c, "a client reset at once", 0)) == 0) {
        gr_reset(&c);
    }
    /* Some bytes, their echo, then end of file, or a reset. */
    for (int reset = 0; reset < 2 && rc == 0; reset++) {
        if ((rc = connect_one(ctx, &c, "a client that leaves mid-line", 0)) == 0) {
            rc = gr_exchange(
                ctx, &c, "half a li", 9, "half a li", 9, reset ? 0 : GR_SHUT_AFTER | GR_WANT_EOF,
                reset ? "echo of half a line" : "echo of half a line, then end of file");
        }
        if (reset) {
            gr_reset(&c);
        } else {
            gr_close(&c);
        }
    }
    /* A reset while the server writes a large echo nobody reads. */
    if (rc == 0 && (rc = connect_one(ctx, &c, "a client that stops reading", 1)) == 0) {
        rc = fill_without_reading(ctx, &c, big);
        gr_reset(&c);
    }
    /* End of file while the server writes: the whole echo, then its end. */
    if (rc == 0 && (rc = connect_one(ctx, &c, "a client that closes its side early", 0)) == 0) {
        rc = gr_exchange(ctx, &c, big, ECHOED, big, ECHOED, GR_SHUT_AFTER | GR_WANT_EOF,
                         "echo of 64 KiB sent with end of file, then the server's end of file");
        if (rc < 0) {
            gr_echo_cause(ctx, &c, 1);
        }
        gr_close(&c);
    }
    return rc;
}

/* Clients that leave while waiting in the pool's queue: every worker is
 * busy, they connect, send a piece or nothing and go; then the workers come
 * free and take them. */
static int leave_while_queued(gr_ctx *ctx)
{
    gr_conn hold[HOLDERS], q[QUEUED];
    gr_conn_none(hold, HOLDERS);
    gr_conn_none(q, QUEUED);
    int rc = 0;
    for (size_t i = 0; i < HOLDERS && rc == 0; i++) {
        rc = connect_one(ctx, &hold[i], "a client that holds a worker", 0);
        if (rc == 0) {
            rc = gr_exchange(ctx, &hold[i], "hold\n", 5, "hold\n", 5, 0, "echo");
        }
    }
    for (size_t i = 0; i < QUEUED && rc == 0; i++) {
        rc = connect_one(ctx, &q[i], "a client that leaves while queued", 0);
        if (rc == 0 && i % 2 == 0 && gr_send_some(&q[i], "wait", 4) != 4) {
            rc = gr_fail(ctx, "a waiting client could not send 4 bytes: %s", strerror(errno));
        }
    }
    for (size_t i = 0; i < QUEUED; i++) {
        if (i < 2) {
            gr_close(&q[i]);
        } else {
            gr_reset(&q[i]);
        }
    }
    gr_conn *conns[HOLDERS];
    for (size_t i = 0; i < HOLDERS; i++) {
        gr_conn_plan(&hold[i], NULL, 0, NULL, 0, GR_SHUT_AFTER | GR_WANT_EOF);
        conns[i] = &hold[i];
    }
    if (rc == 0) {
        int r = gr_mux_run(ctx, conns, HOLDERS, gr_deadline(ctx),
                           "end of file after the client closed its side");
        rc = r < 0    ? -1
             : r == 0 ? gr_fail(ctx,
                                "%d clients closed their side and did not all see end of "
                                "file in time",
                                HOLDERS)
                      : 0;
    }
    gr_close_all(hold, HOLDERS);
    return rc;
}

/* The server's figures while one client is connected and served: for the
 * fork server, that is the moment the parent has just come back from
 * accept(), where ThreadSanitizer delivers a SIGCHLD it held back (as in
 * fork-no-zombies); the figures then count that client's child too, the
 * same before and after. */
static int measure_served(gr_ctx *ctx, gr_tree_stats *st)
{
    gr_conn c;
    int rc = connect_one(ctx, &c, "a client that looks", 0);
    if (rc == 0) {
        rc = gr_exchange(ctx, &c, "look\n", 5, "look\n", 5, 0, "echo");
    }
    if (rc == 0 && gr_server_stats(ctx, st) < 0) {
        rc = gr_fail(ctx, "cannot read the server's descriptors from /proc");
    }
    if (rc == 0) {
        rc = gr_exchange(ctx, &c, NULL, 0, NULL, 0, GR_SHUT_AFTER | GR_WANT_EOF,
                         "end of file after the client closed its side");
    }
    gr_close(&c);
    return rc;
}

static int check_leavers(gr_ctx *ctx, int pool)
{
    char *big = malloc(BIG);
    if (big == NULL) {
        return gr_fail(ctx, "grader ran out of memory");
    }
    gr_random_text(ctx, big, BIG);
    gr_tree_stats base;
    int rc = measure_served(ctx, &base);
    for (int r = 0; r < ROUNDS && rc == 0; r++) {
        rc = leave_every_way(ctx, big);
        if (rc == 0 && pool) {
            rc = leave_while_queued(ctx);
        }
    }
    free(big);
    if (rc == 0) {
        char after[200];
        snprintf(after, sizeof after,
                 "%d clients came and went, leaving by end of file or a reset: before a byte, "
                 "mid-line, while the server wrote a large echo%s",
                 ROUNDS * (6 + (pool ? HOLDERS + QUEUED : 0)), pool ? ", while queued" : "");
        rc = lab06_back_to(ctx, &base, after, measure_served);
    }
    if (rc == 0) {
        gr_conn c;
        if ((rc = connect_one(ctx, &c, "the next client", 0)) == 0) {
            rc = gr_exchange(ctx, &c, "still there?\n", 13, "still there?\n", 13,
                             GR_SHUT_AFTER | GR_WANT_EOF, "echo for the next client");
            if (rc < 0) {
                gr_fail(ctx, "(after every client before it has gone, a new client must be "
                             "served at once)");
            }
        }
        gr_close(&c);
    }
    return rc;
}

int lab06_check_pool_leavers(gr_ctx *ctx)
{
    return check_leavers(ctx, 1);
}

int lab06_check_fork_leavers(gr_ctx *ctx)
{
    return check_leavers(ctx, 0);
}
