/* leave.c - lab 05's checks of clients leaving (step 3, and steps 5 and 6
 * for poll and epoll): every way a client can leave, at every point of an
 * echo, costs the server that client and nothing more; and descriptors,
 * across many clients that come and go at once, come back to where they
 * were.
 *
 * The guide's rules (labs/05-select/README.md, "The protocol"): when the
 * client shuts down its sending side the server sends back whatever is
 * still pending, then closes; nothing a client does may stop the server.
 * A client may leave by FIN (shutdown(SHUT_WR) or close()) or by RST (a
 * reset), before its first byte, halfway through a line, or while the
 * server holds output for it. After each, the server must hold no socket
 * for it (read from /proc, waiting for the count rather than sleeping) and
 * serve the next client at once. */
#include "lab05.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How long a server may take to close a client that left: it sees the
 * FIN or RST within microseconds on loopback; this is for slow machines
 * and sanitizers (scaled), and what a check that fails waits. */
#define RELEASE_MS 1000

/* Wait until the server holds at most @p want sockets, or @p deadline.
 * Returns how many it holds then (-1 if /proc cannot say). */
static int wait_released(gr_ctx *ctx, int want, long deadline)
{
    int have = lab05_server_sockets(ctx);
    while (have > want && gr_now_ms() < deadline && gr_server_check_alive(ctx) == 0) {
        poll(NULL, 0, 2); /* /proc has no event to wait for */
        have = lab05_server_sockets(ctx);
    }
    return have;
}

/* Send without reading until the server stops taking bytes (its buffers
 * and ours are full, and it holds output it cannot send), going round
 * @p data as often as it takes, up to 64 MiB: the kernel's buffers on
 * loopback grow to several MiB. Returns the count sent. */
static size_t send_until_full(gr_ctx *ctx, gr_conn *c, const unsigned char *data, size_t n)
{
    size_t total = 0;
    while (total < 64 * (size_t)MiB && gr_now_ms() < gr_deadline(ctx)) {
        size_t at = total % n;
        ssize_t put = gr_send_some(c, data + at, n - at);
        if (put < 0) {
            break;
        }
        total += (size_t)put;
        struct pollfd pfd = {.fd = gr_conn_fd(c), .events = POLLOUT};
        if (poll(&pfd, 1, gr_ms(ctx, 150)) == 0) {
            break; /* full both ways: the server holds output it cannot send */
        }
    }
    return total;
}

/* The ways a client leaves, in the order the check plays them. */
typedef enum leave_how {
    FIN_FIRST,   /* connects, then shutdown(SHUT_WR) before any byte */
    RST_FIRST,   /* connects, then resets before any byte */
    FIN_MID,     /* half a line, then shutdown(SHUT_WR) */
    RST_MID,     /* half a line, then a reset */
    FIN_PENDING, /* sends 1 MiB and its FIN before reading the echo */
    RST_WRITING, /* sends until the server holds output, then a reset */
} leave_how;

static const struct leave_phase {
    leave_how lp_how;
    int lp_count;
    const char *lp_what;
} phases[] = {
    {FIN_FIRST, 3, "shut down its sending side (FIN) before sending a byte"},
    {RST_FIRST, 3, "reset its connection (RST) before sending a byte"},
    {FIN_MID, 3, "sent half a line, then shut down its sending side (FIN)"},
    {RST_MID, 3, "sent half a line, then reset its connection (RST)"},
    {FIN_PENDING, 1, "sent 1 MiB and shut down its sending side (FIN) before it had read its echo"},
    {RST_WRITING, 1, "sent without reading until the server held output for it, then reset (RST)"},
};

/* One client that leaves as @p how says. The server held @p before
 * sockets before it connected. Returns 0, or a failure. */
static int one_leaver(gr_ctx *ctx, const struct leave_phase *p, int i, int before,
                      const unsigned char *data, size_t ndata)
{
    static const char half[] = "this line stops half";
    char label[48];
    snprintf(label, sizeof label, "leaving client %d", i);
    int big = p->lp_how == FIN_PENDING || p->lp_how == RST_WRITING;
    gr_conn c;
    /* A small receive window: the server's output backs up soon. */
    int rc =
        gr_connect(ctx, &c, label,
                   big ? &(gr_conn_opts){.co_rcvbuf = 8 * KiB, .co_quiet_ms = GR_NO_QUIET} : NULL);
    if (rc < 0) {
        return -1;
    }
    /* It leaves once the server holds its socket: then the server sees it go. */
    rc = lab05_wait_accepted(ctx, before + 1, 1, gr_soon(ctx, 2000));
    size_t sent = 0;
    switch (rc < 0 ? RST_FIRST : p->lp_how) { /* failed: nothing to do but close */
    case FIN_FIRST:
        rc = gr_exchange_by(ctx, &c, NULL, 0, NULL, 0, GR_SHUT_AFTER | GR_WANT_EOF,
                            "shutdown(SHUT_WR) before any byte: the server closes",
                            gr_soon(ctx, 3000));
        break;
    case FIN_MID:
        rc = gr_exchange_by(
            ctx, &c, half, sizeof half - 1, half, sizeof half - 1, GR_SHUT_AFTER | GR_WANT_EOF,
            "half a line, shutdown(SHUT_WR): the half comes back, then EOF", gr_soon(ctx, 3000));
        break;
    case RST_MID:
        if (gr_send_some(&c, half, sizeof half - 1) != (ssize_t)(sizeof half - 1)) {
            rc = gr_fail(ctx, "%s: could not send half a line", label);
        }
        break;
    case FIN_PENDING: {
        /* More than fits in one recv() or one buffer of the server's; a
         * server that closes at end of file without sending what it holds
         * loses the tail. */
        sent = ndata;
        gr_conn_plan(&c, data, sent, data, sent, GR_SHUT_AFTER | GR_WANT_EOF);
        gr_conn_throttle(&c, 32 * KiB, gr_ms(ctx, 1));
        gr_conn *one[1] = {&c};
        int r =
            gr_mux_run(ctx, one, 1, gr_soon(ctx, 10000),
                       "the client sends, shuts down its side with its echo pending, and reads");
        if (r == 0) {
            rc = gr_conn_fail(ctx, &c, "%s: %zu of the %zu bytes and no EOF before the deadline",
                              label, c.c_got_len, sent);
        } else if (r < 0) {
            rc = -1;
        }
        if (rc < 0) {
            gr_fail(ctx,
                    "(the server took %zu bytes, then saw the client's FIN: it must send them "
                    "all back, then close)",
                    sent);
            gr_hint(ctx, "End of file from a client ends its input, not its output: the server "
                         "closed with echo still pending. In C: when recv() returns 0, mark the "
                         "client done, keep it in the write set until start == end, and only then "
                         "close() it. In Python: on b'' set a flag, and close once outb is empty.");
        }
        break;
    }
    case RST_WRITING:
        send_until_full(ctx, &c, data, ndata);
        break;
    case RST_FIRST:
        break;
    }
    if (rc < 0) {
        gr_fail(ctx, "(this client %s)", p->lp_what);
        gr_close(&c);
        return -1;
    }
    if (p->lp_how == RST_FIRST || p->lp_how == RST_MID || p->lp_how == RST_WRITING) {
        gr_reset(&c);
    } else {
        gr_close(&c);
    }
    int have = wait_released(ctx, before, gr_soon(ctx, RELEASE_MS));
    if (gr_server_check_alive(ctx) < 0) {
        return gr_fail(ctx, "(it died after a client %s)", p->lp_what);
    }
    if (have > before) {
        gr_fail(ctx,
                "a client %s; %.1f s later the server still held its socket (%d sockets, %d "
                "before it connected): a client that leaves must be closed",
                p->lp_what, (double)gr_ms(ctx, RELEASE_MS) / 1000.0, have, before);
        gr_hint(ctx, "A client that leaves is closed, whichever way it leaves: the server kept the "
                     "socket of one that had gone. In C: recv() returning 0 (FIN) or failing with "
                     "ECONNRESET (RST), and send() failing with EPIPE, all end that client: "
                     "close() it and drop it from your sets, even before its first byte. In "
                     "Python: b'' from recv(), ConnectionResetError, BrokenPipeError: "
                     "sel.unregister(conn), conn.close().");
        return -1;
    }
    return 0;
}

int lab05_check_clients_leave(gr_ctx *ctx)
{
    static const char ping[] = "anyone still here?\n";
    size_t ndata = 1 * (size_t)MiB;
    unsigned char *data = malloc(ndata);
    if (data == NULL) {
        return gr_fail(ctx, "grader ran out of memory");
    }
    gr_random_bytes(ctx, data, ndata);
    gr_conn steady;
    int base0 = lab05_server_sockets(ctx);
    int rc = gr_connect(ctx, &steady, "steady client", NULL);
    if (rc == 0) {
        rc = gr_exchange(ctx, &steady, ping, sizeof ping - 1, ping, sizeof ping - 1, 0, "echo");
    }
    int base = rc == 0 ? lab05_server_sockets(ctx) : -1;
    if (rc == 0 && base < 0) {
        rc = gr_fail(ctx, "cannot read the server's open files from /proc");
    }
    int n = 0;
    for (size_t k = 0; k < sizeof phases / sizeof phases[0] && rc == 0; k++) {
        const struct leave_phase *p = &phases[k];
        for (int i = 0; i < p->lp_count && rc == 0; i++) {
            rc = one_leaver(ctx, p, ++n, base, data, ndata);
        }
        /* Then the others are served at once: the one connected before,
         * and one that comes after. */
        if (rc == 0) {
            rc = gr_exchange_by(ctx, &steady, ping, sizeof ping - 1, ping, sizeof ping - 1, 0,
                                "echo to a client connected all along", gr_soon(ctx, 2000));
        }
        if (rc == 0) {
            gr_conn next;
            rc = gr_connect(ctx, &next, "next client", NULL);
            if (rc == 0) {
                rc = gr_exchange_by(ctx, &next, ping, sizeof ping - 1, ping, sizeof ping - 1, 0,
                                    "echo to a new client", gr_soon(ctx, 2000));
                gr_close(&next);
            }
        }
        if (rc < 0) {
            gr_fail(ctx, "(in the round where each client %s)", p->lp_what);
        }
    }
    if (rc < 0) {
        lab05_accept_cause(ctx, base0);
    }
    gr_close(&steady);
    free(data);
    return rc;
}

#define HINT_CHURN_SOCKETS                                                                         \
    "Every socket accept() returns is closed once its client is done: shutdown() is not "          \
    "close(), and removing a client from your sets does not release its descriptor. In C: "        \
    "close(fd) when the client has sent its FIN and has its echo, or when recv() or send() "       \
    "fails; epoll forgets it then. In Python: sel.unregister(conn), then conn.close()."

/* ---- many clients come and go ------------------------------------------------------- */

/* Descriptors of the server's process tree (all of them), or -1. */
static int server_fds(gr_ctx *ctx)
{
    gr_tree_stats st;
    return gr_server_stats(ctx, &st) < 0 ? -1 : st.ts_fds;
}

/* Wait until the client that just connected was accepted: the server
 * holds @p want sockets, or, checked now and then since reading
 * /proc/net/tcp costs more, nothing waits in its listen queue. The count
 * alone (lab05_wait_accepted()) can be thrown off here by a socket the
 * server is still closing for a client of the wave before (a thread that
 * shut down its side and has yet to close); the checks that keep
 * lab05_wait_accepted() want its count, to tell a client accepted and
 * closed at once, which this one leaves to the echo that follows.
 * Returns 0, or a failure. */
static int wait_churn_accepted(gr_ctx *ctx, int want, const char *label)
{
    long deadline = gr_soon(ctx, 2000);
    unsigned long inode = 0;
    long queued = -1;
    for (int turn = 1;; turn++) {
        int have = lab05_server_sockets(ctx);
        if (have < 0) {
            return gr_fail(ctx, "cannot read the server's open files from /proc");
        }
        if (have >= want) {
            return 0;
        }
        if (turn % 20 == 0 && lab05_listener(ctx, &inode, &queued) == 0 && queued == 0) {
            return 0;
        }
        if (gr_now_ms() >= deadline || gr_server_check_alive(ctx) < 0) {
            break;
        }
        poll(NULL, 0, 1); /* /proc has no event to wait for */
    }
    if (lab05_listener(ctx, &inode, &queued) == 0 && queued == 0) {
        return 0;
    }
    return gr_fail(ctx,
                   "%s was not accepted within %.1f s: %ld connection%s still wait%s in the "
                   "server's listen queue",
                   label, (double)gr_ms(ctx, 2000) / 1000.0, queued, queued == 1 ? "" : "s",
                   queued == 1 ? "s" : "");
}

int lab05_check_fd_churn(gr_ctx *ctx)
{
    /* Waves of clients connected at once, each echoed and gone (resets are
     * clients_leave's): a server's table of clients fills and empties. */
    enum { WAVE = 30, WAVES = 10, SLACK = 4 };
    gr_conn conns[WAVE];
    gr_conn *ptrs[WAVE];
    char lines[WAVE][64];
    size_t lens[WAVE];
    gr_conn_none(conns, WAVE);
    /* Warm up: a runtime may open files lazily on its first clients. */
    int rc = 0;
    for (int i = 0; i < 3 && rc == 0; i++) {
        gr_conn c;
        static const char hi[] = "warming up\n";
        rc = gr_connect(ctx, &c, "client", NULL);
        if (rc == 0) {
            rc = gr_exchange(ctx, &c, hi, sizeof hi - 1, hi, sizeof hi - 1,
                             GR_SHUT_AFTER | GR_WANT_EOF, "echo, then EOF");
            gr_close(&c);
        }
    }
    int before = rc == 0 ? server_fds(ctx) : -1;
    int sockets_before = lab05_server_sockets(ctx);
    if (rc == 0 && before < 0) {
        rc = gr_fail(ctx, "cannot read the server's open files from /proc");
    }
    int peak = before;
    for (int w = 0; w < WAVES && rc == 0; w++) {
        int opened = 0;
        int base = lab05_server_sockets(ctx);
        for (int i = 0; i < WAVE && rc == 0; i++) {
            char label[32];
            snprintf(label, sizeof label, "client %d", w * WAVE + i + 1);
            rc = gr_connect(ctx, &conns[i], label, NULL);
            if (rc == 0) {
                opened++;
                /* Each accepted before the next connects: a burst would
                 * overflow a small listen backlog, which step 7 is about. */
                rc = wait_churn_accepted(ctx, base + opened, label);
                ptrs[i] = &conns[i];
                int m = snprintf(lines[i], sizeof lines[i], "wave %d, client %d\n", w + 1, i + 1);
                lens[i] = (size_t)m;
                gr_conn_plan(&conns[i], lines[i], lens[i], lines[i], lens[i],
                             GR_SHUT_AFTER | GR_WANT_EOF);
            }
        }
        if (rc == 0) {
            int r = gr_mux_run(ctx, ptrs, WAVE, gr_soon(ctx, 5000), "a wave of clients");
            if (r == 0) {
                rc = gr_fail(ctx,
                             "wave %d of %d clients: not all were echoed (and closed) within "
                             "%.1f s",
                             w + 1, WAVE, (double)gr_ms(ctx, 5000) / 1000.0);
            } else if (r < 0) {
                rc = -1;
            }
        }
        if (rc == 0) {
            int now = server_fds(ctx);
            peak = now > peak ? now : peak;
        }
        gr_close_all(conns, (size_t)opened);
    }
    if (rc == 0) {
        /* The server closes its last sockets a moment after our last
         * read: wait for the count to settle, not for a fixed time. */
        int after = server_fds(ctx);
        /* Threads or processes may take a while: wait as long as the
         * count keeps going down, and a second more after it stops. */
        long settle = gr_soon(ctx, 5000);
        long still_since = gr_now_ms();
        while (after > before + SLACK && gr_now_ms() < settle &&
               gr_now_ms() - still_since < gr_ms(ctx, 1000) && gr_server_check_alive(ctx) == 0) {
            poll(NULL, 0, 5);
            int now = server_fds(ctx);
            if (now < after) {
                still_since = gr_now_ms();
            }
            after = now;
        }
        gr_str_addf(gr_details(ctx),
                    "open descriptors: %d before, up to %d with %d clients connected, %d after "
                    "%d clients came and went\n",
                    before, peak, WAVE, after, WAVE * WAVES);
        if (after < 0) {
            rc = gr_fail(ctx, "cannot read the server's open files from /proc");
        } else if (after > before + SLACK) {
            rc = gr_fail(ctx,
                         "the server's open descriptors grew from %d to %d while %d clients came "
                         "and went: it keeps something open for clients that are gone",
                         before, after, WAVE * WAVES);
            int sockets = lab05_server_sockets(ctx);
            if (sockets >= 0 && sockets_before >= 0 && sockets - sockets_before <= SLACK) {
                gr_str_addf(gr_details(ctx),
                            "what /proc shows: its sockets went from %d to %d; the descriptors "
                            "that piled up are not sockets\n",
                            sockets_before, sockets);
                gr_hint(ctx,
                        "Whatever the server opens for a client is closed when the client "
                        "goes: its sockets were closed, but other descriptors (a file, a "
                        "timer, a pipe) piled up, one set per client. In C: close() each "
                        "descriptor a client's state holds where you free that state. In "
                        "Python: close those objects (with, or in the code that closes conn).");
            } else {
                gr_hint(ctx, HINT_CHURN_SOCKETS);
            }
        }
    }
    return rc;
}
