/* conversation.c - lab 05's checks of a conversation (step 2, and steps 5
 * and 6 for poll and epoll): one client echoed, 200 clients served in
 * reverse order of connection, a client stalled halfway through a message. */
#include "lab05.h"

#include <stdio.h>
#include <stdlib.h>

/* ---- echo ----------------------------------------------------------------------- */

int lab05_check_echo(gr_ctx *ctx)
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
    int base = lab05_server_sockets(ctx);
    int slow_phase = 0; /* the 8 MiB echo to a client that reads in bursts */
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
        slow_phase = 1;
        rc = gr_exchange(ctx, &c, data, big, data, big, 0, "echo of 8 MiB to a slow reader");
        gr_conn_throttle(&c, 0, 0);
    }
    if (rc == 0) {
        rc = gr_exchange(ctx, &c, data, 4 * KiB, data, 4 * KiB, GR_SHUT_AFTER | GR_WANT_EOF,
                         "half-close: send 4 KiB, shutdown(SHUT_WR), read until EOF");
    }
    if (rc < 0 && c.c_xp.xp_fd >= 0 && !lab05_accept_cause(ctx, base) &&
        gr_echo_cause(ctx, &c, 2) == GR_ECHO_CLOSED_EARLY && slow_phase) {
        /* Closed in the middle of the 8 MiB, with the server still there. */
        gr_hint(ctx, HINT_FULL_BUFFER);
    }
    gr_close(&c); /* safe after a failed connect too: it clears the connection first */
    free(data);
    return rc;
}

/* ---- many clients, interleaved ---------------------------------------------------- */

int lab05_check_interleaved(gr_ctx *ctx)
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
    int base = lab05_server_sockets(ctx);
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
            rc = lab05_wait_accepted(ctx, base + opened, opened, gr_soon(ctx, 2000));
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

int lab05_check_stalled_client(gr_ctx *ctx)
{
    static const char whole[] = "this message stops halfway ... and goes on much later\n";
    size_t half = 27;
    gr_conn slow;
    int base = lab05_server_sockets(ctx);
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
    if (rc < 0) {
        lab05_accept_cause(ctx, base);
    }
    gr_close(&slow);
    return rc;
}
