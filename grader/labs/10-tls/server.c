/* server.c - lab 10's checks of tls_echo_server: the grader's own TLS
 * clients (net/tls.h under kit/conn.h) against the student's server,
 * started with the test CA's certificate, key and intermediate from the
 * folder {docroot} stands for. RULES.md says which rule each probes. */
#include "lab10.h"

#include "addr.h"
#include "err.h"
#include "net/tls.h"
#include "os/clock.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* A TLS connection to the server, handshake done; 0, or gr_fail(). With
 * small windows (a small receive buffer, a small segment size) the
 * server's writes meet a full socket soon, and must wait. */
static int tls_connect(gr_ctx *ctx, gr_conn *c, const char *label, gr_tls *t, int small)
{
    gr_conn_opts o = {.co_xport = gr_tls_ops(t)};
    if (small) {
        o.co_rcvbuf = 8192;
        o.co_maxseg = 536;
    }
    return gr_connect(ctx, c, label, &o);
}

/* n random bytes through, in both directions, then close_notify both ways. */
static int echo(gr_ctx *ctx, gr_tls *t, size_t n, size_t burst)
{
    unsigned char *data = malloc(n);
    if (data == NULL) {
        return gr_fail(ctx, "grader out of memory");
    }
    gr_random_bytes(ctx, data, n);
    gr_conn c;
    int rc = tls_connect(ctx, &c, "client", t, burst > 0);
    int connected = rc == 0;
    if (rc == 0 && burst > 0) {
        gr_conn_throttle(&c, burst, 20);
    }
    if (rc == 0) {
        rc = gr_exchange(ctx, &c, data, n, data, n, GR_SHUT_AFTER | GR_WANT_EOF, "echo");
    }
    if (rc == 0 && !gr_tls_peer_closed(&c.c_xp)) {
        rc = gr_fail(ctx, "the server ended the stream without close_notify, after the echo");
        gr_hint(ctx, "A TLS peer ends what it sends with close_notify, so that the other side "
                     "can tell the end from a cut. In C: when SSL_read() says "
                     "SSL_ERROR_ZERO_RETURN, send back what is left, then SSL_shutdown() before "
                     "close(). In Python: sock.unwrap() before close().");
    }
    if (connected) {
        gr_close(&c);
    }
    free(data);
    return rc;
}

int lab10_check_server_echo(gr_ctx *ctx)
{
    gr_tls *t = gr_ca_run_client(ctx, 0, 0);
    int rc = t != NULL ? echo(ctx, t, 20000, 0) : -1;
    gr_tls_free(t);
    return rc;
}

int lab10_check_server_large(gr_ctx *ctx)
{
    gr_tls *t = gr_ca_run_client(ctx, 0, 0);
    int rc = t != NULL ? echo(ctx, t, 1024 * 1024, 16 * 1024) : -1;
    gr_tls_free(t);
    return rc;
}

/* A handshake that may fail without failing the check: 1 when it was
 * made, 0 when it failed (OpenSSL's reason in why), -1 after gr_fail(). */
static int try_handshake(gr_ctx *ctx, gr_tls *t, char *why, size_t n)
{
    char port[16];
    char err[SL_ERR_LEN] = "";
    snprintf(port, sizeof port, "%d", gr_port(ctx));
    int fd = sl_addr_connect_timeout(gr_host(ctx), port, gr_time_left(ctx), err);
    if (fd < 0) {
        return gr_fail(ctx, "cannot connect to the server: %s", err);
    }
    gr_xport x;
    gr_xport_init(&x, fd, gr_tls_ops(t));
    long deadline = gr_deadline(ctx);
    int made = -1;
    while (made < 0) {
        gr_io io = gr_xport_handshake(&x);
        struct pollfd p = {.fd = fd, .events = x.xp_wait != 0 ? x.xp_wait : POLLIN | POLLOUT};
        long left = deadline - gr_now_ms();
        if (io == GR_IO_DONE || io == GR_IO_ERROR) {
            made = io == GR_IO_DONE;
            snprintf(why, n, "%s", made ? "" : gr_xport_reason(&x));
        } else if (left <= 0 || poll(&p, 1, (int)left) <= 0) {
            made = gr_fail(ctx, "the handshake took longer than the deadline");
        }
    }
    gr_xport_close(&x, 0);
    return made;
}

int lab10_check_server_chain(gr_ctx *ctx)
{
    gr_tls *t = gr_ca_run_client(ctx, 1, 0);
    char why[256] = "";
    int made = t != NULL ? try_handshake(ctx, t, why, sizeof why) : -1;
    gr_tls_free(t);
    if (made != 0) {
        return made < 0 ? -1 : 0;
    }
    if (strstr(why, "local issuer") != NULL) {
        gr_hint(ctx, "The client holds only the root: the server must send the intermediate "
                     "that links its certificate to it. In C: "
                     "SSL_CTX_use_certificate_chain_file() with the leaf and the intermediate in "
                     "one file, or SSL_CTX_add0_chain_cert() for each one in --chain. In "
                     "Python: load_cert_chain() of a file with both.");
    }
    return gr_fail(ctx,
                   "a client that trusts only the test root (and wants localhost) refused "
                   "the server's certificate: %s",
                   why);
}

/* A client whose highest version is @p old (named @p name) refused with
 * the protocol_version alert, below the server's floor @p floor; then a
 * client with at most @p ok (0: any) served. */
static int refused_below(gr_ctx *ctx, int old, int ok, const char *name, const char *floor)
{
    gr_tls *told = gr_ca_run_client(ctx, 0, old);
    gr_tls *tok = gr_ca_run_client(ctx, 0, ok);
    if (told == NULL || tok == NULL) {
        gr_tls_free(told);
        gr_tls_free(tok);
        return -1;
    }
    char why[256] = "";
    int made = try_handshake(ctx, told, why, sizeof why);
    int rc = made < 0 ? -1 : 0;
    if (made == 1) {
        rc = gr_fail(ctx, "the server made a %s handshake, below its floor (%s)", name, floor);
    } else if (made == 0 && strstr(why, "protocol version") == NULL) {
        rc = gr_fail(ctx,
                     "the %s client was refused, but not with the protocol_version alert "
                     "(RFC 8446 section 6.2), so not for its version: %s",
                     name, why);
    }
    if (rc == 0) {
        rc = echo(ctx, tok, 1000, 0);
    }
    gr_tls_free(told);
    gr_tls_free(tok);
    return rc;
}

/* --min-version 1.3: a client that stops at TLS 1.2 is refused with the
 * protocol_version alert; one with TLS 1.3 is served. */
int lab10_check_server_min_version(gr_ctx *ctx)
{
    return refused_below(ctx, GR_TLS1_2, 0, "TLS 1.2", "--min-version 1.3");
}

/* No --min-version (1.2): a client that stops at TLS 1.1 is refused with
 * the protocol_version alert (not the security level's internal_error);
 * one with TLS 1.2 is served. */
int lab10_check_server_old_version(gr_ctx *ctx)
{
    return refused_below(ctx, GR_TLS1_1, GR_TLS1_2, "TLS 1.1", "TLS 1.2, the default");
}

/* The first bytes of a ClientHello's record: a handshake record of 512
 * bytes is announced, and never comes. */
static const unsigned char half_hello[] = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc};

/* Wait for the server to end the connection: 0 when it did, 1 when the
 * deadline came first (what it sends meanwhile, an alert, is read). */
static int ended_by(gr_conn *c, long deadline)
{
    for (;;) {
        int r = gr_wait_close(c, deadline);
        if (r != 1) {
            return r == 0 ? 0 : 1;
        }
        char drop[256];
        if (gr_recv_some(c, drop, sizeof drop, deadline) <= 0) {
            return 0;
        }
    }
}

/* A served client after the others misbehaved, and the server alive. */
static int still_serving(gr_ctx *ctx, const char *after)
{
    if (gr_server_check_alive(ctx) < 0) {
        return -1;
    }
    gr_tls *t = gr_ca_run_client(ctx, 0, 0);
    int rc = t != NULL ? echo(ctx, t, 2000, 0) : -1;
    gr_tls_free(t);
    if (rc < 0) {
        gr_str_addf(gr_details(ctx), "(that client came after %s)\n", after);
    }
    return rc;
}

int lab10_check_server_stalled(gr_ctx *ctx)
{
    gr_conn stalled;
    if (gr_connect(ctx, &stalled, "stalled", NULL) < 0 ||
        gr_send_all(&stalled, half_hello, sizeof half_hello, gr_deadline(ctx)) < 0) {
        return gr_fail(ctx, "the stalled client could not connect and send its first bytes");
    }
    long start = gr_now_ms();
    int rc = still_serving(ctx, "a client stalled in its handshake, still connected");
    if (rc == 0 && gr_wait_close(&stalled, gr_now_ms()) != GR_CONN_TIMEOUT) {
        rc = gr_fail(ctx,
                     "the other client was served only once the stalled one was gone "
                     "(after %.1f s): one handshake held up the whole server",
                     (double)(gr_now_ms() - start) / 1000.0);
        gr_hint(ctx, "A blocking SSL_accept() waits for the stalled client, and everyone "
                     "behind it waits too. In C: non-blocking sockets, the handshake driven by "
                     "the epoll loop (SSL_do_handshake() again on each event). In Python: a "
                     "thread per connection, or asyncio.");
    }
    if (rc == 0 && ended_by(&stalled, start + gr_ms(ctx, LAB10_HANDSHAKE_MS + 3000)) != 0) {
        rc = gr_fail(ctx,
                     "the client stalled in its handshake was still connected %.1f s later; "
                     "--handshake-timeout %d should have ended it",
                     (double)(gr_now_ms() - start) / 1000.0, LAB10_HANDSHAKE_MS / 1000);
        gr_hint(ctx, "A handshake needs the client's help: one that stops halfway holds a "
                     "descriptor and a session until someone gives up. Give each handshake a "
                     "deadline. In C: a deadline per connection, the epoll_wait() timeout the "
                     "nearest one, and close the connections past theirs. In Python: "
                     "sock.settimeout() around do_handshake().");
    }
    gr_close(&stalled);
    return rc;
}

int lab10_check_server_plaintext(gr_ctx *ctx)
{
    static const char request[] = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";
    gr_conn plain;
    if (gr_connect(ctx, &plain, "plaintext", NULL) < 0 ||
        gr_send_all(&plain, request, sizeof request - 1, gr_deadline(ctx)) < 0) {
        return gr_fail(ctx, "the plaintext client could not connect and send its request");
    }
    int rc = 0;
    if (ended_by(&plain, gr_soon(ctx, 5000)) != 0) {
        rc = gr_fail(ctx, "an HTTP request in plaintext left the connection open for 5 s: the "
                          "handshake fails at its first byte, and the connection should end");
    }
    gr_close(&plain);
    return rc == 0 ? still_serving(ctx, "a plaintext HTTP request") : rc;
}

int lab10_check_server_vanish(gr_ctx *ctx)
{
    gr_conn half;
    if (gr_connect(ctx, &half, "vanishing", NULL) < 0 ||
        gr_send_all(&half, half_hello, sizeof half_hello, gr_deadline(ctx)) < 0) {
        return gr_fail(ctx, "the first vanishing client could not connect");
    }
    gr_reset(&half);
    gr_tls *t = gr_ca_run_client(ctx, 0, 0);
    gr_conn mid;
    if (t == NULL || tls_connect(ctx, &mid, "vanishing", t, 0) < 0) {
        gr_tls_free(t);
        return -1;
    }
    static const char some[] = "a line, and then the client is gone\n";
    gr_send_all(&mid, some, sizeof some - 1, gr_deadline(ctx));
    gr_reset(&mid);
    gr_tls_free(t);
    return still_serving(ctx, "clients that reset mid-handshake and mid-stream");
}

/* A real peer: OpenSSL's own client, verifying with the root only. */
int lab10_check_server_openssl(gr_ctx *ctx)
{
    const char *dir = gr_docroot(ctx);
    if (dir == NULL) {
        return -1;
    }
    gr_str args = {0};
    gr_str_addf(&args,
                "s_client -connect %s:%d -CAfile %s/ca.pem -verify_return_error -servername "
                "localhost -brief -no_ign_eof",
                gr_host(ctx), gr_port(ctx), dir);
    gr_client_run run;
    int rc = gr_client_run_args(ctx, "openssl", gr_str_cstr(&args), gr_ms(ctx, 8000), &run);
    const char *said = run.cr_stderr != NULL ? run.cr_stderr : "";
    if (rc == 0 && (!gr_exited_zero(&run) || strstr(said, "Verification: OK") == NULL)) {
        gr_client_describe(ctx, &run);
        rc = gr_fail(ctx, "openssl %s did not verify the server", gr_str_cstr(&args));
    }
    gr_client_run_free(&run);
    gr_str_free(&args);
    return rc;
}

/* Clients connected and quiet, one of them stalled in its handshake: a
 * server that waits for its sockets uses no CPU; one that takes "try
 * again" (WANT_READ) for a reason to call again at once spins. */
int lab10_check_server_idle_cpu(gr_ctx *ctx)
{
    enum { N = 4, WINDOW_MS = 1000, MAX_CPU_MS = 100 };
    gr_tls *t = gr_ca_run_client(ctx, 0, 0);
    gr_conn conns[N];
    gr_conn stalled;
    int opened = 0;
    int rc = t != NULL ? 0 : -1;
    for (int i = 0; i < N && rc == 0; i++) {
        char label[32];
        char line[64];
        snprintf(label, sizeof label, "client %d", i + 1);
        int n = snprintf(line, sizeof line, "client %d, then quiet\n", i + 1);
        rc = tls_connect(ctx, &conns[i], label, t, 0);
        opened += rc == 0;
        if (rc == 0) {
            rc = gr_exchange(ctx, &conns[i], line, (size_t)n, line, (size_t)n, 0, "echo");
        }
    }
    int stalled_open = rc == 0 && gr_connect(ctx, &stalled, "stalled", NULL) == 0;
    if (rc == 0 && (!stalled_open ||
                    gr_send_all(&stalled, half_hello, sizeof half_hello, gr_deadline(ctx)) < 0)) {
        rc = gr_fail(ctx, "the stalled client could not connect and send its first bytes");
    }
    if (rc == 0) {
        long elapsed = 0;
        long used = gr_server_cpu_over(ctx, WINDOW_MS, &elapsed);
        gr_str_addf(gr_details(ctx),
                    "CPU time used by the server in %ld ms with %d quiet clients and one "
                    "stalled handshake: %ld ms\n",
                    elapsed, N, used);
        if (used < 0) {
            rc = gr_fail(ctx, "cannot read the server's CPU time from /proc");
        } else if (used > MAX_CPU_MS) {
            rc = gr_fail(ctx,
                         "the server used %ld ms of CPU time in %ld ms while no client sent a "
                         "byte: it spins instead of waiting",
                         used, elapsed);
        }
    }
    static const char bye[] = "awake?\n";
    if (rc == 0) {
        rc = gr_exchange(ctx, &conns[0], bye, sizeof bye - 1, bye, sizeof bye - 1, 0,
                         "echo after a quiet second");
    }
    if (stalled_open) {
        gr_close(&stalled);
    }
    gr_close_all(conns, (size_t)opened);
    gr_tls_free(t);
    return rc;
}

/* 1 if @p out holds the private key @p pem, or a line of its base64. */
static int shows_key(const char *out, const char *pem)
{
    if (strstr(out, "PRIVATE KEY") != NULL) {
        return 1;
    }
    for (const char *line = pem; *line != '\0';) {
        size_t n = strcspn(line, "\r\n");
        char piece[128];
        if (n >= 24 && n < sizeof piece && line[0] != '-') {
            memcpy(piece, line, n);
            piece[n] = '\0';
            if (strstr(out, piece) != NULL) {
                return 1;
            }
        }
        line += n;
        line += strspn(line, "\r\n");
    }
    return 0;
}

/* Served, refused (a plaintext client), and still: not a byte of the
 * private key on the server's stdout or stderr. */
int lab10_check_server_key_secret(gr_ctx *ctx)
{
    gr_tls *t = gr_ca_run_client(ctx, 0, 0);
    int rc = t != NULL ? echo(ctx, t, 1000, 0) : -1;
    gr_tls_free(t);
    gr_conn plain;
    static const char request[] = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";
    if (rc == 0 && gr_connect(ctx, &plain, "plaintext", NULL) == 0) {
        gr_send_all(&plain, request, sizeof request - 1, gr_deadline(ctx));
        (void)ended_by(&plain, gr_soon(ctx, 2000));
        gr_close(&plain);
    }
    gr_ca *ca = rc == 0 ? gr_ca_run(ctx) : NULL;
    char *cert = NULL;
    char *pem = NULL;
    if (ca != NULL && gr_ca_leaf_pem(ca, GR_CERT_GOOD, 1, &cert, &pem) < 0) {
        rc = gr_fail(ctx, "grader cannot give its own server key");
    }
    rc = rc == 0 && ca == NULL ? -1 : rc;
    for (int stream = 0; rc == 0 && stream < 2; stream++) {
        size_t len = 0;
        char *out = gr_server_output(ctx, stream, &len);
        if (out != NULL && shows_key(out, pem)) {
            rc = gr_fail(ctx, "the server's %s shows its private key (or a line of it)",
                         stream == 0 ? "stdout" : "stderr");
        }
        free(out);
    }
    free(cert);
    free(pem);
    return rc;
}
