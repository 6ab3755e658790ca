/* dgram.c - the grader's UDP sockets (see dgram.h). */
#include "kit/dgram.h"

#include "text/transcript.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int gr_dgram_open(gr_ctx *ctx, gr_dgram *d, const char *label)
{
    d->dg_fd = -1;
    snprintf(d->dg_label, sizeof d->dg_label, "%s", label != NULL ? label : "client");
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return gr_fail(ctx, "grader could not create a UDP socket: %s", strerror(errno));
    }
    /* Room for several of the largest datagrams: a check may send many
     * before it reads the replies. */
    int rcvbuf = 1024 * 1024;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_port = htons((uint16_t)gr_port(ctx));
    if (inet_pton(AF_INET, gr_host(ctx), &sin.sin_addr) != 1 ||
        connect(fd, (struct sockaddr *)&sin, sizeof sin) < 0) {
        int saved = errno;
        close(fd);
        return gr_fail(ctx, "%s: grader could not connect a UDP socket to %s:%d: %s", d->dg_label,
                       gr_host(ctx), gr_port(ctx), strerror(saved));
    }
    d->dg_fd = fd;
    return 0;
}

int gr_dgram_open_addr(gr_ctx *ctx, gr_dgram *d, const char *label, const struct sockaddr *to,
                       socklen_t tolen, const char *name, const struct sockaddr *from,
                       socklen_t fromlen)
{
    d->dg_fd = -1;
    snprintf(d->dg_label, sizeof d->dg_label, "%s", label != NULL ? label : "client");
    int fd = socket(to->sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return gr_fail(ctx, "grader could not create a datagram socket: %s", strerror(errno));
    }
    int rcvbuf = 1024 * 1024;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    /* Autobind: an AF_UNIX address of the family alone. */
    struct sockaddr any = {.sa_family = AF_UNIX};
    if (from == NULL && to->sa_family == AF_UNIX) {
        from = &any;
        fromlen = sizeof any.sa_family;
    }
    if ((from != NULL && bind(fd, from, fromlen) < 0) || connect(fd, to, tolen) < 0) {
        int saved = errno;
        close(fd);
        return gr_fail(ctx, "%s: grader could not connect a datagram socket to %s: %s", d->dg_label,
                       name, strerror(saved));
    }
    d->dg_fd = fd;
    return 0;
}

/* The server's port answered with ICMP "port unreachable". */
static int fail_refused(gr_ctx *ctx, const gr_dgram *d)
{
    return gr_fail(ctx,
                   "%s: nothing is bound to UDP port %d any more (ICMP port unreachable, "
                   "ECONNREFUSED): did the server exit?",
                   d->dg_label, gr_port(ctx));
}

int gr_dgram_send(gr_ctx *ctx, gr_dgram *d, const void *buf, size_t n)
{
    for (;;) {
        /* Blocking: on loopback a full send buffer drains in microseconds. */
        ssize_t r = send(d->dg_fd, buf, n, 0);
        if (r >= 0) {
            return 0;
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno == ECONNREFUSED) {
            return fail_refused(ctx, d);
        }
        return gr_fail(ctx, "%s: grader could not send a %zu-byte datagram: %s", d->dg_label, n,
                       strerror(errno));
    }
}

ssize_t gr_dgram_recv(gr_ctx *ctx, gr_dgram *d, void *buf, size_t cap, long deadline)
{
    for (;;) {
        /* MSG_TRUNC: the return value is the datagram's real length. */
        ssize_t r = recv(d->dg_fd, buf, cap, MSG_DONTWAIT | MSG_TRUNC);
        if (r >= 0) {
            return r;
        }
        if (errno == ECONNREFUSED) {
            return fail_refused(ctx, d);
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            return gr_fail(ctx, "%s: grader could not receive: %s", d->dg_label, strerror(errno));
        }
        long left = deadline - gr_now_ms();
        if (left <= 0) {
            return GR_DGRAM_TIMEOUT;
        }
        struct pollfd p = {.fd = d->dg_fd, .events = POLLIN};
        poll(&p, 1, left > 1000 ? 1000 : (int)left);
    }
}

void gr_dgram_close(gr_dgram *d)
{
    if (d->dg_fd >= 0) {
        close(d->dg_fd);
        d->dg_fd = -1;
    }
}
