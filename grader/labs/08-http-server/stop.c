/* stop.c - lab 08's shutdown: on SIGTERM the server stops accepting,
 * closes its idle connections at once, finishes the answer in flight (a
 * 64 MiB file, far more than the socket buffers hold, so it is still
 * being sent when the signal comes) and exits 0. */
#include "lab08.h"

#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How long each step of the shutdown may take, before scaling. */
#define STOP_MS 2000

static const char hint_drain[] =
    "SIGTERM asks for a clean stop: close the listening socket, close the connections "
    "waiting for a request, let the answers being sent finish, then exit 0. In C: the "
    "handler writes to the stop pipe; wait_read() polls it beside the socket, so an idle "
    "connection wakes and closes; a thread sending a file finishes it, then sees the stop "
    "and closes. In Python: signal.signal(SIGTERM, ...) starts a thread that calls "
    "server.shutdown(), then shuts the idle sockets down; server_close() joins the threads "
    "(daemon_threads = False).";

/* The rest of /big.bin's body after its head: all of it, then the check
 * closes its side. */
static int rest_of_big(gr_ctx *ctx, gr_http *h)
{
    static unsigned char buf[256 * KiB];
    size_t got = h->h_len;
    while (got < LAB08_BIG) {
        ssize_t n = gr_recv_some(&h->h_conn, buf, sizeof buf, gr_deadline(ctx));
        if (n <= 0) {
            gr_hint(ctx, "%s", hint_drain);
            return gr_fail(ctx,
                           "GET /big.bin, in flight when SIGTERM came: %s after %zu of %d "
                           "bytes (an answer in flight is finished before the server exits)",
                           n == GR_CONN_TIMEOUT ? "nothing more came" : "the server closed", got,
                           LAB08_BIG);
        }
        got += (size_t)n;
    }
    return 0;
}

/* The port stops listening within STOP_MS. */
static int stops_listening(gr_ctx *ctx)
{
    long until = gr_soon(ctx, STOP_MS);
    while (gr_procfs_tcp_listening(gr_port(ctx)) == 1) {
        if (gr_now_ms() >= until) {
            gr_hint(ctx, "%s", hint_drain);
            return gr_fail(ctx, "2 s after SIGTERM the server's port still listens: it stops "
                                "accepting first");
        }
        poll(NULL, 0, 10);
    }
    return 0;
}

/* The server ends within STOP_MS, with status 0. */
static int exits_zero(gr_ctx *ctx)
{
    int sig = 0, status = -1;
    if (!gr_server_ended(ctx, STOP_MS, &sig, &status)) {
        gr_hint(ctx, "%s", hint_drain);
        return gr_fail(ctx, "the server still runs 2 s after its last answer was sent, after "
                            "SIGTERM");
    }
    if (sig == SIGTERM) {
        gr_hint(ctx, "SIGTERM's default action kills the process, and the answer being sent "
                     "with it. In C: sigaction(SIGTERM) with a handler that writes the stop "
                     "pipe. In Python: signal.signal(signal.SIGTERM, handler).");
    }
    if (sig != 0 || status != 0) {
        return gr_fail(ctx, "after SIGTERM the server ended %s %d, not with status 0",
                       sig != 0 ? "by signal" : "with status", sig != 0 ? sig : status);
    }
    return 0;
}

int lab08_check_sigterm(gr_ctx *ctx)
{
    static const char small[] = "GET /hello.txt HTTP/1.1\r\nHost: localhost\r\n\r\n";
    static const char big[] = "GET /big.bin HTTP/1.1\r\nHost: localhost\r\n\r\n";
    gr_http h[2]; /* an idle kept-alive connection, and the answer in flight */
    gr_http_none(h, 2);
    gr_http_resp r = {0}, rb = {0};
    int rc = gr_server_start(ctx) || gr_http_connect(ctx, &h[0], "an idle connection") ||
             gr_http_connect(ctx, &h[1], "the answer in flight") ||
             gr_http_expect(ctx, &h[0], small, sizeof small - 1, 0, &r, "a first request") ||
             gr_http_expect(ctx, &h[1], big, sizeof big - 1, GR_HTTP_HEAD, &rb, "GET /big.bin");
    if (rc == 0 && rb.hr_status != 200) {
        rc = gr_http_fail(ctx, big, sizeof big - 1, &rb, "GET /big.bin: status %d, expected 200",
                          rb.hr_status);
    }
    if (rc == 0 && kill(gr_server_pid(ctx), SIGTERM) != 0) {
        rc = gr_fail(ctx, "the grader cannot signal the server");
    }
    if (rc == 0 && gr_http_wait_close(&h[0], gr_soon(ctx, STOP_MS)) != 0) {
        gr_hint(ctx, "%s", hint_drain);
        rc = gr_fail(ctx, "2 s after SIGTERM a connection waiting for its next request is "
                          "still open, or got bytes: it is closed at once, with no answer");
    }
    rc = rc == 0 ? stops_listening(ctx) : rc;
    rc = rc == 0 ? rest_of_big(ctx, &h[1]) : rc;
    gr_http_resp_free(&r);
    gr_http_resp_free(&rb);
    gr_http_close_all(h, 2);
    return rc == 0 ? exits_zero(ctx) : rc;
}
