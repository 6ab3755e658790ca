/* test_conn.c - the grader's client side: exchanges, many connections at once,
 * and the failures it must report, against small servers run in a thread. */
#include "cu_run.h"
#include "engine/engine.h"
#include "net/port.h"
#include "peers/fake.h"
#include "kit/conn.h"

#include "addr.h"
#include "rio.h"

#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* A poll()-driven echo server for many clients at once. With flip_at >= 0
 * it corrupts the byte at that offset of each connection's stream. */
typedef struct echo_srv {
    int es_listen;
    int es_stop[2];
    long es_flip_at;
    int es_close_after; /* > 0: echo only this many bytes, then hang up */
    pthread_t es_thread;
} echo_srv;

static void *echo_main(void *arg)
{
    echo_srv *es = arg;
    enum { MAXC = 512 };
    struct pollfd fds[MAXC + 2];
    long seen[MAXC + 2];
    nfds_t n = 2;
    fds[0] = (struct pollfd){.fd = es->es_stop[0], .events = POLLIN};
    fds[1] = (struct pollfd){.fd = es->es_listen, .events = POLLIN};
    for (;;) {
        if (poll(fds, n, -1) < 0) {
            continue;
        }
        if (fds[0].revents) {
            break;
        }
        if ((fds[1].revents & POLLIN) && n < MAXC + 2) {
            int fd = accept(es->es_listen, NULL, NULL);
            if (fd >= 0) {
                seen[n] = 0;
                fds[n++] = (struct pollfd){.fd = fd, .events = POLLIN};
            }
        }
        for (nfds_t i = 2; i < n; i++) {
            if (fds[i].revents == 0) {
                continue;
            }
            char buf[65536];
            ssize_t got = recv(fds[i].fd, buf, sizeof buf, 0);
            if (got <= 0) {
                close(fds[i].fd);
                n--;
                fds[i] = fds[n];
                seen[i] = seen[n];
                i--;
                continue;
            }
            if (es->es_flip_at >= seen[i] && es->es_flip_at < seen[i] + got) {
                buf[es->es_flip_at - seen[i]] ^= 0x20;
            }
            if (es->es_close_after > 0 && seen[i] + got > es->es_close_after) {
                got = es->es_close_after - seen[i]; /* echo only the first bytes */
            }
            seen[i] += got;
            sl_rio_writen(fds[i].fd, buf, (size_t)got);
            if (es->es_close_after > 0 && seen[i] >= es->es_close_after) {
                close(fds[i].fd);
                n--;
                fds[i] = fds[n];
                seen[i] = seen[n];
                i--;
            }
        }
    }
    for (nfds_t i = 2; i < n; i++) {
        close(fds[i].fd);
    }
    return NULL;
}

static int echo_start(echo_srv *es, long flip_at, int close_after)
{
    memset(es, 0, sizeof *es);
    es->es_flip_at = flip_at;
    es->es_close_after = close_after;
    es->es_listen = sl_addr_listen("127.0.0.1", "0", 512, NULL);
    if (es->es_listen < 0 || pipe(es->es_stop) < 0 ||
        pthread_create(&es->es_thread, NULL, echo_main, es) != 0) {
        return -1;
    }
    return sl_addr_local_port(es->es_listen);
}

static void echo_stop(echo_srv *es)
{
    (void)!write(es->es_stop[1], "x", 1);
    pthread_join(es->es_thread, NULL);
    close(es->es_listen);
    close(es->es_stop[0]);
    close(es->es_stop[1]);
}

static void test_many_at_once(void)
{
    /* 200 connections driven together from one thread, each with its own
     * payload, all echoed exactly. */
    enum { N = 200, SIZE = 20000 };
    echo_srv es;
    int port = echo_start(&es, -1, 0);
    CU_ASSERT_FATAL(port > 0);
    gr_ctx *ctx = gr_ctx_standalone(port, 42, 20000);
    static gr_conn conns[N];
    gr_conn *ptrs[N];
    unsigned char *data = malloc((size_t)N * SIZE);
    CU_ASSERT_FATAL(data != NULL);
    gr_random_bytes(ctx, data, (size_t)N * SIZE);
    int connected = 0;
    for (int i = 0; i < N; i++) {
        if (gr_connect(ctx, &conns[i], "c", &(gr_conn_opts){.co_quiet_ms = GR_NO_QUIET}) == 0) {
            connected++;
        }
        ptrs[i] = &conns[i];
        gr_conn_plan(&conns[i], data + (size_t)i * SIZE, SIZE, data + (size_t)i * SIZE, SIZE, 0);
    }
    CU_ASSERT_EQUAL(connected, N);
    CU_ASSERT_EQUAL(gr_mux_run(ctx, ptrs, N, gr_deadline(ctx), "echo"), 1);
    CU_ASSERT_STRING_EQUAL(gr_ctx_report(ctx), "");
    for (int i = 0; i < N; i++) {
        CU_ASSERT_EQUAL(conns[i].c_got_len, SIZE);
        gr_close(&conns[i]);
    }
    free(data);
    gr_ctx_standalone_free(ctx);
    echo_stop(&es);
}

static void test_wrong_byte_is_shown(void)
{
    echo_srv es;
    int port = echo_start(&es, 5, 0);
    CU_ASSERT_FATAL(port > 0);
    gr_ctx *ctx = gr_ctx_standalone(port, 1, 5000);
    gr_conn c;
    CU_ASSERT_EQUAL_FATAL(
        gr_connect(ctx, &c, "client", &(gr_conn_opts){.co_quiet_ms = GR_NO_QUIET}), 0);
    CU_ASSERT_EQUAL(gr_exchange(ctx, &c, "hello world\n", 12, "hello world\n", 12, 0, "echo"), -1);
    const char *report = gr_ctx_report(ctx);
    CU_ASSERT_PTR_NOT_NULL(strstr(report, "wrong byte at offset 5"));
    CU_ASSERT_PTR_NOT_NULL(strstr(report, "received: \"hello\0world"));
    CU_ASSERT_PTR_NOT_NULL(strstr(report, "^"));
    gr_close(&c);
    gr_ctx_standalone_free(ctx);
    echo_stop(&es);
}

static void test_early_close_and_quiet(void)
{
    echo_srv es;
    int port = echo_start(&es, -1, 4);
    CU_ASSERT_FATAL(port > 0);
    gr_ctx *ctx = gr_ctx_standalone(port, 1, 5000);
    gr_conn c;
    CU_ASSERT_EQUAL_FATAL(
        gr_connect(ctx, &c, "client", &(gr_conn_opts){.co_quiet_ms = GR_NO_QUIET}), 0);
    CU_ASSERT_EQUAL(gr_exchange(ctx, &c, "abcdefgh", 8, "abcdefgh", 8, 0, "echo"), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(gr_ctx_report(ctx), "closed the connection after sending"));
    gr_close(&c);
    gr_ctx_standalone_free(ctx);
    echo_stop(&es);

    /* A server that echoes but never closes: with GR_WANT_EOF and a quiet
     * limit, the exchange fails at the limit, not at the deadline. */
    port = echo_start(&es, -1, 0);
    ctx = gr_ctx_standalone(port, 1, 20000);
    CU_ASSERT_EQUAL_FATAL(
        gr_connect(ctx, &c, "client", &(gr_conn_opts){.co_quiet_ms = GR_NO_QUIET}), 0);
    gr_conn_idle_limit(&c, 200);
    long t0 = gr_now_ms();
    CU_ASSERT_EQUAL(gr_exchange(ctx, &c, "abc", 3, "abc", 3, GR_WANT_EOF, "echo"), -1);
    CU_ASSERT(gr_now_ms() - t0 < 10000);
    CU_ASSERT_PTR_NOT_NULL(strstr(gr_ctx_report(ctx), "did not close the connection"));
    gr_close(&c);
    gr_ctx_standalone_free(ctx);
    echo_stop(&es);
}

static void test_refused_and_throttle(void)
{
    int holder;
    int port = gr_closed_port(&holder);
    CU_ASSERT_FATAL(port > 0);
    gr_ctx *ctx = gr_ctx_standalone(port, 1, 5000);
    gr_conn c;
    CU_ASSERT_EQUAL(gr_connect(ctx, &c, "client", &(gr_conn_opts){.co_quiet_ms = GR_NO_QUIET}), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(gr_ctx_report(ctx), "Connection refused"));
    gr_ctx_standalone_free(ctx);
    close(holder);

    /* A bursty reader still gets every byte. */
    echo_srv es;
    port = echo_start(&es, -1, 0);
    ctx = gr_ctx_standalone(port, 7, 20000);
    size_t n = 1 << 20;
    unsigned char *data = malloc(n);
    gr_random_bytes(ctx, data, n);
    CU_ASSERT_EQUAL_FATAL(
        gr_connect(ctx, &c, "client",
                   &(gr_conn_opts){.co_rcvbuf = 16384, .co_quiet_ms = GR_NO_QUIET}),
        0);
    gr_conn_throttle(&c, 65536, 2);
    CU_ASSERT_EQUAL(gr_exchange(ctx, &c, data, n, data, n, 0, "echo"), 0);
    gr_close(&c);
    free(data);
    gr_ctx_standalone_free(ctx);
    echo_stop(&es);
}

int register_conn_tests(void)
{
    static const cu_test tests[] = {
        {"200 connections at once from one thread", test_many_at_once},
        {"a wrong byte is shown with a caret", test_wrong_byte_is_shown},
        {"early close, and a server that never closes", test_early_close_and_quiet},
        {"refused connection; a bursty reader", test_refused_and_throttle},
        {NULL, NULL},
    };
    return cu_add_suite("conn", tests);
}
