/* test_xport.c - the transport seam (net/xport.h), proven with a transport
 * that is not plain: it behaves the way TLS does to its callers. Its
 * handshake needs a second call, reads come out of a buffer of its own (so
 * poll() does not see them: xo_pending() must), and every other read or
 * write says "try again". The grader's connections (kit/conn.h) and fake
 * servers (peers/) must carry an exchange over it unchanged. */
#include "cu_run.h"
#include "engine/engine.h"
#include "kit/kit.h"
#include "peers/echo.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* What the awkward transport keeps per connection. */
typedef struct awkward {
    int aw_shaken;            /* the handshake asked to be called again once */
    int aw_turn;              /* flips on every read and write: odd turns say "again" */
    unsigned char aw_buf[64]; /* bytes read off the socket, not given out yet */
    size_t aw_off;
    size_t aw_len;
} awkward;

static awkward *state(gr_xport *x)
{
    if (x->xp_impl == NULL) {
        x->xp_impl = calloc(1, sizeof(awkward));
    }
    return x->xp_impl;
}

static gr_io aw_handshake(gr_xport *x)
{
    awkward *a = state(x);
    if (a == NULL) {
        x->xp_errno = ENOMEM;
        return GR_IO_ERROR;
    }
    if (!a->aw_shaken) {
        a->aw_shaken = 1;
        x->xp_wait = POLLOUT;
        return GR_IO_AGAIN;
    }
    return GR_IO_DONE;
}

static gr_io aw_read(gr_xport *x, void *buf, size_t n, size_t *got)
{
    awkward *a = state(x);
    *got = 0;
    if (a->aw_off == a->aw_len) {
        if (a->aw_turn++ % 2 == 1) {
            return GR_IO_AGAIN; /* as TLS does between records */
        }
        size_t k = 0;
        gr_io io = gr_xport_plain.xo_read(x, a->aw_buf, sizeof a->aw_buf, &k);
        if (io != GR_IO_DONE || k == 0) {
            return io;
        }
        a->aw_off = 0;
        a->aw_len = k;
    }
    /* One byte at a time: the rest stays here, where poll() cannot see it. */
    if (n > 0) {
        *(unsigned char *)buf = a->aw_buf[a->aw_off++];
        *got = 1;
    }
    return GR_IO_DONE;
}

static gr_io aw_write(gr_xport *x, const void *buf, size_t n, size_t *put)
{
    awkward *a = state(x);
    *put = 0;
    if (a->aw_turn++ % 2 == 1) {
        return GR_IO_AGAIN;
    }
    return gr_xport_plain.xo_write(x, buf, n < 7 ? n : 7, put);
}

static gr_io aw_shutdown(gr_xport *x)
{
    return gr_xport_plain.xo_shutdown(x);
}

static size_t aw_pending(const gr_xport *x)
{
    const awkward *a = x->xp_impl;
    return a != NULL ? a->aw_len - a->aw_off : 0;
}

static void aw_free(gr_xport *x)
{
    free(x->xp_impl);
    x->xp_impl = NULL;
}

static const gr_xport_ops awkward_ops = {
    .xo_name = "awkward",
    .xo_handshake = aw_handshake,
    .xo_read = aw_read,
    .xo_write = aw_write,
    .xo_shutdown = aw_shutdown,
    .xo_pending = aw_pending,
    .xo_free = aw_free,
};

/* An exchange with a fake echo server, both ends over the awkward
 * transport: every byte comes back, and the half-close and EOF too. */
static void test_exchange_over_awkward(void)
{
    char err[256] = "";
    gr_fake *fake = gr_fake_start_xport(gr_echo_exact, NULL, &awkward_ops, err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(fake);
    gr_ctx *ctx = gr_ctx_standalone(gr_fake_port(fake), 3, 20000);
    size_t n = 64 * 1024;
    unsigned char *data = malloc(n);
    CU_ASSERT_PTR_NOT_NULL_FATAL(data);
    gr_random_bytes(ctx, data, n);
    gr_conn c;
    CU_ASSERT_EQUAL_FATAL(gr_connect(ctx, &c, "client", &(gr_conn_opts){.co_xport = &awkward_ops}),
                          0);
    /* A bursty reader: its pauses end with bytes left in the transport's
     * buffer, which only xo_pending() shows. */
    gr_conn_throttle(&c, 1000, 1);
    CU_ASSERT_EQUAL(gr_exchange(ctx, &c, data, n, data, n, GR_SHUT_AFTER | GR_WANT_EOF, "echo"), 0);
    if (gr_failed(ctx)) {
        fprintf(stderr, "\n%s\n", gr_ctx_report(ctx));
    }
    gr_close(&c);
    free(data);
    gr_ctx_standalone_free(ctx);
    gr_fake_stop(fake);
}

/* Bytes the transport holds are read without the socket becoming readable
 * again: 64 bytes come in one recv() into the transport's buffer, the
 * reader takes 10, pauses, and must find the other 54 there (the server
 * does not close, so poll() has nothing to say). */
static void test_pending_bytes_are_read(void)
{
    char err[256] = "";
    gr_fake *fake = gr_fake_start_xport(gr_echo_exact, NULL, &awkward_ops, err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(fake);
    gr_ctx *ctx = gr_ctx_standalone(gr_fake_port(fake), 3, 3000);
    unsigned char data[64];
    gr_random_bytes(ctx, data, sizeof data);
    gr_conn c;
    CU_ASSERT_EQUAL_FATAL(gr_connect(ctx, &c, "client", &(gr_conn_opts){.co_xport = &awkward_ops}),
                          0);
    gr_conn_throttle(&c, 10, 1);
    CU_ASSERT_EQUAL(gr_exchange(ctx, &c, data, sizeof data, data, sizeof data, 0, "echo"), 0);
    gr_close(&c);
    gr_ctx_standalone_free(ctx);
    gr_fake_stop(fake);
}

/* One line at a time, in pieces, over the awkward transport. */
static void test_lines_over_awkward(void)
{
    char err[256] = "";
    int pause_ms = 5;
    gr_fake *fake = gr_fake_start_xport(gr_echo_in_pieces, &pause_ms, &awkward_ops, err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(fake);
    gr_ctx *ctx = gr_ctx_standalone(gr_fake_port(fake), 3, 20000);
    gr_conn c;
    CU_ASSERT_EQUAL_FATAL(gr_connect(ctx, &c, "client", &(gr_conn_opts){.co_xport = &awkward_ops}),
                          0);
    static const char lines[] = "first line\nsecond, longer line\n";
    CU_ASSERT_EQUAL(gr_send_all(&c, lines, sizeof lines - 1, gr_deadline(ctx)), 0);
    char line[64];
    CU_ASSERT_EQUAL(gr_read_line(&c, line, sizeof line, gr_deadline(ctx)), 10);
    CU_ASSERT_STRING_EQUAL(line, "first line");
    CU_ASSERT_EQUAL(gr_read_line(&c, line, sizeof line, gr_deadline(ctx)), 19);
    CU_ASSERT_STRING_EQUAL(line, "second, longer line");
    gr_conn_shutdown(&c);
    CU_ASSERT_EQUAL(gr_wait_close(&c, gr_deadline(ctx)), 0);
    gr_close(&c);
    gr_ctx_standalone_free(ctx);
    gr_fake_stop(fake);
}

/* The plain transport's three outcomes, on a socket pair. */
static void test_plain_outcomes(void)
{
    int sv[2];
    CU_ASSERT_EQUAL_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    gr_xport a;
    gr_xport b;
    gr_xport_init(&a, sv[0], NULL);
    gr_xport_init(&b, sv[1], &gr_xport_plain);
    char buf[8];
    size_t got = 99;
    CU_ASSERT_EQUAL(gr_xport_read(&a, buf, sizeof buf, &got), GR_IO_AGAIN);
    size_t put = 0;
    CU_ASSERT_EQUAL(gr_xport_write(&b, "hi", 2, &put), GR_IO_DONE);
    CU_ASSERT_EQUAL(put, 2);
    CU_ASSERT_EQUAL(gr_xport_read(&a, buf, sizeof buf, &got), GR_IO_DONE);
    CU_ASSERT_EQUAL(got, 2);
    CU_ASSERT_EQUAL(gr_xport_shutdown(&b), GR_IO_DONE);
    CU_ASSERT_EQUAL(gr_xport_read(&a, buf, sizeof buf, &got), GR_IO_DONE);
    CU_ASSERT_EQUAL(got, 0); /* end of stream */
    gr_xport_close(&b, 1);
    CU_ASSERT_EQUAL(b.xp_fd, -1);
    gr_xport_close(&b, 0); /* twice is safe */
    CU_ASSERT_EQUAL(gr_xport_write(&a, "x", 1, &put), GR_IO_ERROR);
    CU_ASSERT(a.xp_errno == EPIPE || a.xp_errno == ECONNRESET);
    gr_xport_close(&a, 0);
}

int register_xport_tests(void)
{
    static const cu_test tests[] = {
        {"plain sockets: done, try again, end of stream, error", test_plain_outcomes},
        {"an exchange over a transport that is not plain", test_exchange_over_awkward},
        {"bytes a transport holds are read without a poll() event", test_pending_bytes_are_read},
        {"lines, in pieces, over a transport that is not plain", test_lines_over_awkward},
        {NULL, NULL},
    };
    return cu_add_suite("xport", tests);
}
