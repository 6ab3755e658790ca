/* streams.c - lab 07's checks of the stream servers: accepting, reusing
 * the address, the echo over TCP and a Unix socket, sync serving in turn,
 * verify_request, handle_error, the strategies' interleaving, children and
 * descriptors. */
#include "lab07.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* ---- shared helpers ------------------------------------------------------------------ */

socklen_t lab07_unix_addr(gr_ctx *ctx, struct sockaddr_un *sun, char *name, size_t len)
{
    snprintf(name, len, GR_UNIX_NAME, gr_port(ctx));
    memset(sun, 0, sizeof *sun);
    sun->sun_family = AF_UNIX;
    size_t n = strlen(name);
    memcpy(sun->sun_path, name, n);
    sun->sun_path[0] = '\0'; /* "@name": abstract */
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
}

int lab07_connect_from(gr_ctx *ctx, gr_conn *c, const char *label, const char *from)
{
    struct sockaddr_in sin = {.sin_family = AF_INET};
    gr_conn_opts o = {.co_nodelay = 1};
    if (from != NULL) {
        inet_pton(AF_INET, from, &sin.sin_addr);
        o.co_from = (struct sockaddr *)&sin;
        o.co_fromlen = sizeof sin;
    }
    return gr_connect(ctx, c, label, &o);
}

int lab07_stats(gr_ctx *ctx, gr_tree_stats *st)
{
    if (gr_server_stats(ctx, st) < 0) {
        return gr_fail(ctx, "cannot read the server's processes from /proc");
    }
    return 0;
}

/* Connect n clients, "client 1" to "client n", from 127.0.0.1. */
static int connect_clients(gr_ctx *ctx, gr_conn *c, size_t from, size_t n)
{
    for (size_t i = from; i < n; i++) {
        char label[32];
        snprintf(label, sizeof label, "client %zu", i + 1);
        if (lab07_connect_from(ctx, &c[i], label, NULL) < 0) {
            return -1;
        }
    }
    return 0;
}

/* The client has closed its side: the server must close too, with nothing
 * more. Returns 0 or gr_fail()'s value. */
static int expect_close(gr_ctx *ctx, gr_conn *c, const char *why)
{
    int r = gr_wait_close(c, gr_soon(ctx, gr_quiet_ms(ctx)));
    if (r == 1) {
        return gr_fail(ctx, "%s: the server sent bytes where it should have closed (%s)",
                       c->c_label, why);
    }
    if (r == GR_CONN_TIMEOUT) {
        return gr_fail(ctx, "%s: the server did not close the connection within %.1f s (%s)",
                       c->c_label, (double)gr_quiet_ms(ctx) / 1000.0, why);
    }
    return 0;
}

/* ---- step 1 ----------------------------------------------------------------------------- */

int lab07_check_tcp_accepts(gr_ctx *ctx)
{
    int rc = 0;
    for (int i = 1; i <= 10 && rc == 0; i++) {
        gr_conn c;
        char label[32];
        snprintf(label, sizeof label, "client %d", i);
        rc = lab07_connect_from(ctx, &c, label, NULL);
        if (rc == 0) {
            gr_conn_shutdown(&c);
            rc = expect_close(ctx, &c, "it sent nothing and closed its side");
        }
        gr_close(&c);
        if (rc < 0) {
            gr_fail(ctx, "(clients 1 to %d connect one after another)", i - 1);
        }
    }
    return rc;
}

int lab07_check_reuse_address(gr_ctx *ctx)
{
    if (gr_server_start(ctx) < 0) {
        return -1;
    }
    gr_conn c;
    int rc = lab07_connect_from(ctx, &c, "client 1", NULL);
    /* Make sure it was accepted: its echo, or (a server that closes at
     * once) end of file. */
    char buf[8];
    if (rc == 0 && gr_send_all(&c, "x\n", 2, gr_deadline(ctx)) == 0 &&
        gr_recv_some(&c, buf, sizeof buf, gr_soon(ctx, gr_quiet_ms(ctx))) == GR_CONN_TIMEOUT) {
        rc = gr_fail(ctx, "client 1 sent \"x\\n\" and got neither its echo nor end of file");
    }
    /* The server dies with the connection open: it closes first, and its
     * end of the connection keeps the port (FIN_WAIT2, then TIME_WAIT). */
    int sig = 0, status = 0;
    if (rc == 0) {
        kill(gr_server_pid(ctx), SIGKILL);
        gr_server_ended(ctx, 2000, &sig, &status);
    }
    gr_close(&c);
    if (rc == 0 && gr_server_start(ctx) < 0) {
        return gr_fail(ctx, "(the first server was killed with a connection open; started again "
                            "at once on the same port, it must be able to bind it)");
    }
    if (rc == 0) {
        rc = lab07_connect_from(ctx, &c, "client 2", NULL);
        if (rc == 0) {
            gr_conn_shutdown(&c);
            rc = expect_close(ctx, &c, "the restarted server must serve it");
        }
        gr_close(&c);
    }
    return rc;
}

/* ---- step 2 ---------------------------------------------------------------------------------- */

/* Three echoes of random bytes, then the half-close and the server's close. */
static int echo_three(gr_ctx *ctx, gr_conn *c)
{
    static const size_t sizes[] = {1, 1000, 300 * KiB};
    int rc = 0;
    for (size_t i = 0; i < 3 && rc == 0; i++) {
        unsigned char *buf = malloc(sizes[i]);
        if (buf == NULL) {
            return gr_fail(ctx, "grader out of memory");
        }
        gr_random_bytes(ctx, buf, sizes[i]);
        char what[64];
        snprintf(what, sizeof what, "echo of %zu random bytes", sizes[i]);
        rc = gr_exchange(ctx, c, buf, sizes[i], buf, sizes[i],
                         i == 2 ? GR_SHUT_AFTER | GR_WANT_EOF : 0, what);
        if (rc < 0) {
            gr_echo_cause(ctx, c, 1);
        }
        free(buf);
    }
    return rc;
}

int lab07_check_tcp_echo(gr_ctx *ctx)
{
    gr_conn c;
    int rc = lab07_connect_from(ctx, &c, "client", NULL);
    if (rc == 0) {
        rc = echo_three(ctx, &c);
    }
    gr_close(&c);
    return rc;
}

/* How long client 2 of sync-in-turn listens for an answer it must not get. */
#define SYNC_QUIET_MS 1500

int lab07_check_sync_in_turn(gr_ctx *ctx)
{
    gr_conn c[2];
    gr_conn_none(c, 2);
    static const char waits[] = "client 2 waits for its turn\n";
    int rc = connect_clients(ctx, c, 0, 2);
    if (rc == 0) {
        rc = gr_echo_line(ctx, &c[0], "client 1, first line\n", "echo");
    }
    if (rc == 0 && gr_send_all(&c[1], waits, strlen(waits), gr_deadline(ctx)) != 0) {
        rc = gr_fail(ctx, "client 2 could not send its line");
    }
    for (int i = 0; i < 3 && rc == 0; i++) {
        rc = gr_echo_line(ctx, &c[0], "client 1, one more line\n", "echo while client 2 waits");
    }
    /* A server that serves client 2 at the same time answers it soon; a
     * synchronous one never does while client 1 stays. So client 2 waits
     * a while (1.5 s, scaled) for an echo that must not come. */
    struct pollfd pf = {.fd = gr_conn_fd(&c[1]), .events = POLLIN};
    if (rc == 0 && poll(&pf, 1, gr_ms(ctx, SYNC_QUIET_MS)) > 0) {
        rc = gr_fail(ctx, "client 2 was answered while client 1 was still being served: under "
                          "sync, one request at a time");
    }
    gr_close(&c[0]);
    if (rc == 0) {
        rc = gr_exchange(ctx, &c[1], NULL, 0, waits, strlen(waits), 0,
                         "client 2's echo, once client 1 has gone");
        if (rc < 0) {
            gr_fail(ctx, "(client 1 closed: the server must then serve client 2)");
        }
    }
    gr_close_all(c, 2);
    return rc;
}

/* ---- step 3: a Unix stream socket --------------------------------------------------------- */

int lab07_check_unix_stream_echo(gr_ctx *ctx)
{
    struct sockaddr_un sun;
    char name[64];
    socklen_t len = lab07_unix_addr(ctx, &sun, name, sizeof name);
    gr_conn c;
    int rc = gr_connect(
        ctx, &c, "client",
        &(gr_conn_opts){.co_addr = (struct sockaddr *)&sun, .co_addrlen = len, .co_name = name});
    if (rc == 0) {
        rc = echo_three(ctx, &c);
    }
    gr_close(&c);
    return rc;
}

/* ---- step 4: verify_request, handle_error ------------------------------------------------- */

/* A client from @p from must be refused: closed (or reset: it sent bytes
 * nobody read), never answered. */
static int expect_refused(gr_ctx *ctx, const char *from, const char *rule)
{
    gr_conn c;
    char label[48];
    snprintf(label, sizeof label, "a client from %s", from);
    int rc = lab07_connect_from(ctx, &c, label, from);
    if (rc == 0 && gr_send_all(&c, "hello\n", 6, gr_deadline(ctx)) != 0) {
        rc = 0; /* already closed: refused, as it should be */
    }
    if (rc == 0) {
        int r = gr_wait_close(&c, gr_soon(ctx, gr_quiet_ms(ctx)));
        if (r == 1) {
            rc = gr_fail(ctx, "%s was answered: %s, so it must be closed without the handler",
                         label, rule);
        } else if (r == GR_CONN_TIMEOUT) {
            rc = gr_fail(ctx,
                         "%s was neither answered nor closed within %.1f s: %s, so it must "
                         "be closed at once",
                         label, (double)gr_quiet_ms(ctx) / 1000.0, rule);
        }
    }
    gr_close(&c);
    return rc;
}

/* A client from @p from (NULL: 127.0.0.1) must be served. */
static int expect_served(gr_ctx *ctx, const char *from, const char *rule)
{
    gr_conn c;
    char label[48];
    snprintf(label, sizeof label, "a client from %s", from != NULL ? from : "127.0.0.1");
    int rc = lab07_connect_from(ctx, &c, label, from);
    if (rc == 0) {
        rc = gr_exchange(ctx, &c, "hello\n", 6, "hello\n", 6, GR_SHUT_AFTER | GR_WANT_EOF,
                         "echo, then end of file");
        if (rc < 0) {
            gr_fail(ctx, "(%s: this client must be served)", rule);
        }
    }
    gr_close(&c);
    return rc;
}

int lab07_check_verify_deny(gr_ctx *ctx)
{
    static const char rule[] = "the server runs with --deny " DENIED_ADDR;
    int rc = expect_refused(ctx, DENIED_ADDR, rule);
    if (rc == 0) {
        rc = expect_served(ctx, OTHER_ADDR, rule);
    }
    if (rc == 0) {
        rc = expect_served(ctx, NULL, rule);
    }
    if (rc == 0) {
        rc = expect_refused(ctx, DENIED_ADDR, "(once more, after serving others) --deny");
    }
    return rc;
}

int lab07_check_verify_allow(gr_ctx *ctx)
{
    static const char rule[] = "the server runs with --allow " OTHER_ADDR;
    int rc = expect_served(ctx, OTHER_ADDR, rule);
    if (rc == 0) {
        rc = expect_refused(ctx, DENIED_ADDR, rule);
    }
    if (rc == 0) {
        rc = expect_refused(ctx, "127.0.0.1", rule);
    }
    if (rc == 0) {
        rc = expect_served(ctx, OTHER_ADDR, rule);
    }
    return rc;
}

/* The server stopped serving after a failed request: the hint for how, if
 * it has ended (the general one, the loop that stops, is the check's). */
static void hint_after_failed_request(gr_ctx *ctx)
{
    int sig = 0, status = -1;
    if (!gr_server_ended(ctx, 200, &sig, &status)) {
        return;
    }
    if (sig == SIGPIPE) {
        gr_hint(ctx, "Writing to a connection its client has reset raises SIGPIPE, whose "
                     "default action kills the whole server. In C: signal(SIGPIPE, SIG_IGN) "
                     "once in main() (or send() with MSG_NOSIGNAL): the write then fails with "
                     "EPIPE, which handle_error reports. In Python: the interpreter ignores "
                     "SIGPIPE already; BrokenPipeError reaches handle_error().");
    } else if (sig == 0) {
        gr_hint(ctx, "The server exited after one failed request: a request's error ends that "
                     "request, not the program. In C: handle() returns -1, the framework calls "
                     "the handle_error hook and ends the request, and the loop goes on; no "
                     "exit() in a handler or a hook, no return from ss_serve_forever() and no "
                     "ss_shutdown() there. In Python: handle_error() prints the traceback and "
                     "returns; it does not call shutdown() or sys.exit().");
    }
}

int lab07_check_error_goes_on(gr_ctx *ctx)
{
    int rc = 0;
    for (int i = 1; i <= 3 && rc == 0; i++) {
        gr_conn c;
        char label[32];
        snprintf(label, sizeof label, "client %d", i);
        rc = lab07_connect_from(ctx, &c, label, NULL);
        if (rc == 0) {
            rc = gr_echo_line(ctx, &c, "this connection will be reset\n", "echo");
        }
        /* The handler is in recv(): the reset makes it fail (ECONNRESET). */
        gr_reset(&c);
    }
    if (rc == 0 && expect_served(ctx, NULL, "3 clients before it reset their connections") < 0) {
        rc = gr_fail(ctx, "a request that fails must not stop the server");
    }
    if (rc < 0) {
        hint_after_failed_request(ctx);
    }
    return rc;
}

/* ---- steps 5, 6, 8: the strategies interleave --------------------------------------------- */

int lab07_served_out_of_order(gr_ctx *ctx, size_t n)
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

int lab07_check_interleave(gr_ctx *ctx)
{
    return lab07_served_out_of_order(ctx, *(const size_t *)gr_arg(ctx));
}

int lab07_check_fork_children(gr_ctx *ctx)
{
    enum { N = 5 };
    gr_conn c[N];
    gr_conn_none(c, N);
    int rc = connect_clients(ctx, c, 0, N);
    for (size_t i = 0; i < N && rc == 0; i++) {
        rc = gr_echo_line(ctx, &c[i], "hello\n", "echo");
    }
    gr_tree_stats st;
    if (rc == 0) {
        rc = lab07_stats(ctx, &st);
    }
    if (rc == 0) {
        gr_str_addf(gr_details(ctx), "with %d clients connected: %d processes, %d threads\n", N,
                    st.ts_processes, st.ts_threads);
        if (st.ts_processes < N + 1) {
            rc = gr_fail(ctx,
                         "with %d clients connected the server is %d process%s (%d threads): "
                         "under fork, each request has a child of its own",
                         N, st.ts_processes, st.ts_processes == 1 ? "" : "es", st.ts_threads);
        }
    }
    gr_close_all(c, N);
    return rc;
}

/* ---- step 7: descriptors ----------------------------------------------------------------------
 */

int lab07_check_fds_constant(gr_ctx *ctx)
{
    enum { N = 200 };
    int rc = expect_served(ctx, NULL, "the first client");
    gr_tree_stats before, after;
    if (rc == 0) {
        rc = lab07_stats(ctx, &before);
    }
    for (int i = 1; i <= N && rc == 0; i++) {
        char label[32];
        snprintf(label, sizeof label, "client %d", i + 1);
        gr_conn c;
        rc = lab07_connect_from(ctx, &c, label, NULL);
        if (rc == 0) {
            rc = gr_exchange(ctx, &c, "ping\n", 5, "ping\n", 5, GR_SHUT_AFTER | GR_WANT_EOF,
                             "echo, then end of file");
        }
        gr_close(&c);
    }
    /* End of file may come a moment before the close (shutdown(), then
     * close()): look again for a while. */
    long until = gr_soon(ctx, 2000);
    while (rc == 0 && (rc = lab07_stats(ctx, &after)) == 0 && after.ts_fds > before.ts_fds &&
           gr_now_ms() < until) {
        poll(NULL, 0, 10);
    }
    if (rc == 0) {
        gr_str_addf(gr_details(ctx), "descriptors: %d after 1 connection, %d after %d more\n",
                    before.ts_fds, after.ts_fds, N);
        if (after.ts_fds > before.ts_fds) {
            rc = gr_fail(ctx,
                         "after %d more connections, each closed, the server holds %d more "
                         "descriptors than before: a request's socket must be closed when it "
                         "is done",
                         N, after.ts_fds - before.ts_fds);
        }
    }
    return rc;
}
