/* datagrams.c - lab 07's checks of the datagram servers: the echo over UDP
 * and a Unix datagram socket, and verify_request on datagrams. */
#include "lab07.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The server under test over UDP, from @p from (NULL: any address). */
static int open_udp(gr_ctx *ctx, gr_dgram *d, const char *label, const char *from)
{
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)gr_port(ctx))};
    inet_pton(AF_INET, gr_host(ctx), &to.sin_addr);
    struct sockaddr_in me = {.sin_family = AF_INET};
    if (from != NULL) {
        inet_pton(AF_INET, from, &me.sin_addr);
    }
    char name[64];
    snprintf(name, sizeof name, "%s:%d", gr_host(ctx), gr_port(ctx));
    return gr_dgram_open_addr(ctx, d, label, (struct sockaddr *)&to, sizeof to, name,
                              from != NULL ? (struct sockaddr *)&me : NULL,
                              from != NULL ? sizeof me : 0);
}

/* Expect exactly @p want (n bytes) as the next datagram on @p d. */
static int expect_dgram(gr_ctx *ctx, gr_dgram *d, const unsigned char *want, size_t n)
{
    unsigned char *got = malloc(GR_DGRAM_MAX);
    if (got == NULL) {
        return gr_fail(ctx, "grader out of memory");
    }
    ssize_t r = gr_dgram_recv(ctx, d, got, GR_DGRAM_MAX, gr_soon(ctx, gr_quiet_ms(ctx)));
    int rc = 0;
    if (r == GR_DGRAM_TIMEOUT) {
        rc = gr_fail(ctx, "%s sent a datagram of %zu bytes and got no reply within %.1f s",
                     d->dg_label, n, (double)gr_quiet_ms(ctx) / 1000.0);
    } else if (r >= 0 && ((size_t)r != n || memcmp(got, want, n) != 0)) {
        rc = gr_fail_bytes(ctx, want, n, want, n, got, (size_t)r,
                           "%s sent a datagram of %zu bytes and got back %zd bytes, not the "
                           "same datagram",
                           d->dg_label, n, r);
    } else if (r < 0) {
        rc = -1;
    }
    free(got);
    return rc;
}

/* Two clients, each sending datagrams of every size in turn, each
 * expecting its own back. */
static int echo_sizes(gr_ctx *ctx, gr_dgram *d, const size_t *sizes, size_t nsizes)
{
    unsigned char *buf[2] = {malloc(DGRAM_LIMIT), malloc(DGRAM_LIMIT)};
    int rc = buf[0] != NULL && buf[1] != NULL ? 0 : gr_fail(ctx, "grader out of memory");
    for (size_t i = 0; i < nsizes && rc == 0; i++) {
        for (int k = 0; k < 2 && rc == 0; k++) {
            gr_random_bytes(ctx, buf[k], sizes[i]);
            rc = gr_dgram_send(ctx, &d[k], buf[k], sizes[i]);
        }
        for (int k = 0; k < 2 && rc == 0; k++) {
            rc = expect_dgram(ctx, &d[k], buf[k], sizes[i]);
        }
    }
    free(buf[0]);
    free(buf[1]);
    return rc;
}

int lab07_check_udp_echo(gr_ctx *ctx)
{
    static const size_t sizes[] = {0, 1, 100, 1400, DGRAM_LIMIT};
    gr_dgram d[2] = {{.dg_fd = -1}, {.dg_fd = -1}};
    int rc = open_udp(ctx, &d[0], "client 1", NULL);
    if (rc == 0) {
        rc = open_udp(ctx, &d[1], "client 2", NULL);
    }
    if (rc == 0) {
        rc = echo_sizes(ctx, d, sizes, sizeof sizes / sizeof sizes[0]);
    }
    gr_dgram_close(&d[0]);
    gr_dgram_close(&d[1]);
    return rc;
}

int lab07_check_unix_dgram_echo(gr_ctx *ctx)
{
    static const size_t sizes[] = {0, 1, 100, 4096};
    struct sockaddr_un sun;
    char name[64];
    socklen_t len = lab07_unix_addr(ctx, &sun, name, sizeof name);
    gr_dgram d[2] = {{.dg_fd = -1}, {.dg_fd = -1}};
    int rc = 0;
    for (int k = 0; k < 2 && rc == 0; k++) {
        rc = gr_dgram_open_addr(ctx, &d[k], k == 0 ? "client 1" : "client 2",
                                (struct sockaddr *)&sun, len, name, NULL, 0);
    }
    if (rc == 0) {
        rc = echo_sizes(ctx, d, sizes, sizeof sizes / sizeof sizes[0]);
    }
    gr_dgram_close(&d[0]);
    gr_dgram_close(&d[1]);
    return rc;
}

int lab07_check_verify_udp(gr_ctx *ctx)
{
    gr_dgram denied = {.dg_fd = -1}, other = {.dg_fd = -1};
    int rc = open_udp(ctx, &denied, "a client from " DENIED_ADDR, DENIED_ADDR);
    if (rc == 0) {
        rc = open_udp(ctx, &other, "a client from " OTHER_ADDR, OTHER_ADDR);
    }
    /* The refused datagram first, then one that must be answered: once its
     * reply is here, the server (sync, one socket, datagrams in order) has
     * dealt with the first, so a reply to it would be here too. */
    static const unsigned char refused[] = "refuse me";
    static const unsigned char served[] = "serve me";
    for (int round = 0; round < 2 && rc == 0; round++) {
        rc = gr_dgram_send(ctx, &denied, refused, sizeof refused - 1);
        if (rc == 0) {
            rc = gr_dgram_send(ctx, &other, served, sizeof served - 1);
        }
        if (rc == 0 && expect_dgram(ctx, &other, served, sizeof served - 1) < 0) {
            rc = gr_fail(ctx, "(the server runs with --deny " DENIED_ADDR
                              ": a datagram from " OTHER_ADDR " must be answered)");
        }
        char buf[64];
        ssize_t r = rc == 0 ? gr_dgram_recv(ctx, &denied, buf, sizeof buf, 0) : GR_DGRAM_TIMEOUT;
        if (r >= 0) {
            rc = gr_fail(ctx, "a datagram from " DENIED_ADDR " got a reply: the server runs with "
                              "--deny " DENIED_ADDR ", so it must reach no handler");
        } else if (r != GR_DGRAM_TIMEOUT) {
            rc = -1;
        }
    }
    gr_dgram_close(&denied);
    gr_dgram_close(&other);
    return rc;
}
