/* leave.c - lab 01's check of clients that leave (step 4): every way a
 * client can go, at every point of its turn, costs the server that client
 * and nothing more.
 *
 * The guide's rules (labs/01-tcp-echo/README.md, "The protocol" and step
 * 4): a client that shuts down its sending side sees the end of the echo,
 * then end of file; a client that misbehaves costs the server that client;
 * every socket accept() returns is closed. A client may leave by FIN or by
 * RST, before its first byte, halfway through a line, or while it still
 * waits in the queue behind another client (the server is iterative: it
 * accepts a client that has already gone, and getpeername() fails on it).
 * After each, the server must serve the next client at once and hold no
 * descriptor more than before (read from /proc, waiting for the count, not
 * for a time). */
#include "lab01.h"

#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

/* Open descriptors of the server's process tree, or -1. */
static int server_fds(gr_ctx *ctx)
{
    gr_tree_stats st;
    return gr_server_stats(ctx, &st) < 0 ? -1 : st.ts_fds;
}

/* Wait until the server holds more than @p before descriptors (it has
 * accepted the client that just connected), or @p deadline: a client that
 * leaves "before its first byte" then leaves a server that knows it. */
static void wait_accepted(gr_ctx *ctx, int before, long deadline)
{
    while (server_fds(ctx) == before && gr_now_ms() < deadline) {
        poll(NULL, 0, 1); /* /proc has no event to wait for */
    }
}

typedef enum leave_how {
    FIN_FIRST,  /* shutdown(SHUT_WR) before any byte: wants EOF */
    RST_FIRST,  /* a reset before any byte */
    FIN_MID,    /* a line and a half, then shutdown(SHUT_WR): wants it all, then EOF */
    RST_MID,    /* a line and a half, then a reset */
    RST_QUEUED, /* resets while it waits behind another client, never served */
    FIN_QUEUED, /* sends a line and closes while it waits behind another client */
} leave_how;

static const struct leave_phase {
    leave_how lp_how;
    const char *lp_what;
} phases[] = {
    {FIN_FIRST, "shut down its sending side (FIN) before sending a byte"},
    {RST_FIRST, "reset its connection (RST) before sending a byte"},
    {FIN_MID, "sent a line and a half, then shut down its sending side (FIN)"},
    {RST_MID, "sent a line and a half, then reset its connection (RST)"},
    {RST_QUEUED, "reset its connection (RST) while it waited for its turn behind another client"},
    {FIN_QUEUED, "sent a line and closed its socket while it waited for its turn"},
};

/* The client for a queued phase: connects while @p holder is served, then
 * leaves before its turn; the holder then leaves, and the server meets the
 * queued client only after it has gone. Returns 0, or a failure. */
static int queued_leaver(gr_ctx *ctx, leave_how how, const char *label)
{
    static const char hold[] = "hold the server\n";
    static const char line[] = "a line nobody will read\n";
    gr_conn holder;
    gr_conn q;
    gr_conn_none(&q, 1);
    int rc = gr_connect(ctx, &holder, "client being served", NULL);
    if (rc == 0) {
        /* Its echo says the server is in its turn, not in accept(). */
        rc = gr_exchange(ctx, &holder, hold, sizeof hold - 1, hold, sizeof hold - 1, 0, "echo");
    }
    if (rc == 0) {
        rc = gr_connect(ctx, &q, label, NULL);
    }
    if (rc == 0 && how == FIN_QUEUED) {
        if (gr_send_some(&q, line, sizeof line - 1) != (ssize_t)(sizeof line - 1)) {
            rc = gr_fail(ctx, "%s: could not send its line", label);
        }
        gr_close(&q);
    } else if (rc == 0) {
        gr_reset(&q);
    }
    gr_close(&q);
    gr_close(&holder);
    return rc;
}

/* One client that leaves as @p p says. Returns 0, or a failure. */
static int one_leaver(gr_ctx *ctx, const struct leave_phase *p, int i)
{
    int before = server_fds(ctx);
    /* A whole line, then half of one: a server that echoes lines keeps
     * the half, and the bytes show it. */
    static const char half[] = "a whole line\nthen one that stops half";
    char label[48];
    snprintf(label, sizeof label, "leaving client %d", i);
    if (p->lp_how == RST_QUEUED || p->lp_how == FIN_QUEUED) {
        return queued_leaver(ctx, p->lp_how, label);
    }
    gr_conn c;
    int rc = gr_connect(ctx, &c, label, NULL);
    if (rc < 0) {
        return -1;
    }
    wait_accepted(ctx, before, gr_soon(ctx, 1000));
    switch (p->lp_how) {
    case FIN_FIRST:
        rc = gr_exchange_by(ctx, &c, NULL, 0, NULL, 0, GR_SHUT_AFTER | GR_WANT_EOF,
                            "shutdown(SHUT_WR) before any byte: the server closes",
                            gr_soon(ctx, 3000));
        break;
    case FIN_MID:
        rc = gr_exchange_by(ctx, &c, half, sizeof half - 1, half, sizeof half - 1,
                            GR_SHUT_AFTER | GR_WANT_EOF,
                            "a line and a half, shutdown(SHUT_WR): all of it comes back, then EOF",
                            gr_soon(ctx, 3000));
        if (rc < 0) {
            gr_echo_cause(ctx, &c, 1); /* a line echo, an added newline: the bytes say */
        }
        break;
    case RST_MID:
        if (gr_send_some(&c, half, sizeof half - 1) != (ssize_t)(sizeof half - 1)) {
            rc = gr_fail(ctx, "%s: could not send a line and a half", label);
        }
        break;
    default:
        break;
    }
    if (p->lp_how == FIN_FIRST || p->lp_how == FIN_MID) {
        gr_close(&c);
    } else {
        gr_reset(&c);
    }
    return rc;
}

/* The next client, served at once. Returns 0, or a failure. */
static int next_served(gr_ctx *ctx)
{
    static const char ping[] = "next, please\n";
    gr_conn c;
    if (gr_connect(ctx, &c, "next client", NULL) < 0) {
        return -1;
    }
    int rc = gr_exchange_by(ctx, &c, ping, sizeof ping - 1, ping, sizeof ping - 1,
                            GR_SHUT_AFTER | GR_WANT_EOF, "echo, then EOF, for the next client",
                            gr_soon(ctx, 3000));
    gr_close(&c);
    return rc;
}

int lab01_check_peer_leaves(gr_ctx *ctx)
{
    enum { EACH = 3, SLACK = 1 };
    /* Warm up: a runtime may open files on its first clients. */
    int rc = 0;
    for (int i = 0; i < 3 && rc == 0; i++) {
        rc = next_served(ctx);
    }
    int base = rc == 0 ? server_fds(ctx) : -1;
    if (rc == 0 && base < 0) {
        rc = gr_fail(ctx, "cannot read the server's open files from /proc");
    }
    int n = 0;
    for (size_t k = 0; k < sizeof phases / sizeof phases[0] && rc == 0; k++) {
        const struct leave_phase *p = &phases[k];
        for (int i = 0; i < EACH && rc == 0; i++) {
            rc = one_leaver(ctx, p, ++n);
        }
        /* The next client is served at once; its EOF says the server is
         * back in accept(), done with the ones that left. */
        if (rc == 0) {
            rc = next_served(ctx);
        }
        if (rc < 0) {
            gr_fail(ctx, "(just after %d clients that each %s)", EACH, p->lp_what);
            break;
        }
        int have = server_fds(ctx);
        long settle = gr_soon(ctx, 1000); /* loopback closes take microseconds */
        while (have > base + SLACK && gr_now_ms() < settle && gr_server_check_alive(ctx) == 0) {
            poll(NULL, 0, 2); /* /proc has no event to wait for */
            have = server_fds(ctx);
        }
        if (have > base + SLACK) {
            rc = gr_fail(ctx,
                         "after %d clients that each %s, the server held %d open descriptors, "
                         "%d before: it keeps the sockets of clients that left that way",
                         EACH, p->lp_what, have, base);
            int queued = p->lp_how == RST_QUEUED || p->lp_how == FIN_QUEUED;
            gr_hint(ctx, queued
                             ? "A client may be gone before accept() returns it: its socket is "
                               "still yours to close. In C: when getpeername() (or "
                               "sl_addr_peer()) fails with ENOTCONN, or the first recv() fails, "
                               "log it and close(conn) all the same; never continue without it. "
                               "In Python: conn.getpeername() raises OSError then: close conn in a "
                               "finally: (or with conn:)."
                             : "A client that leaves is closed, whichever way it leaves. In C: "
                               "recv() returning 0 (FIN) or failing with ECONNRESET (RST) ends "
                               "the client's turn: close(conn) on every path. In Python: with "
                               "conn:, so that every way out closes it.");
        }
    }
    /* A server that died of it says how. */
    int signo = 0;
    int status = -1;
    if (rc < 0 && gr_server_ended(ctx, 200, &signo, &status)) {
        if (signo == SIGPIPE) {
            gr_hint(ctx, HINT_SIGPIPE);
        } else if (status > 0) {
            gr_hint(ctx, HINT_EXIT_ON_ERROR, status);
        }
    }
    return rc;
}
