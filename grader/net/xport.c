/* xport.c - the transport interface, and plain sockets behind it (see
 * xport.h). */
#include "net/xport.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static gr_io plain_handshake(gr_xport *x)
{
    (void)x;
    return GR_IO_DONE;
}

/* EAGAIN becomes "try again": a socket waits for its operation's own
 * direction, so xp_wait stays 0. */
static gr_io plain_failed(gr_xport *x)
{
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
        return GR_IO_AGAIN;
    }
    x->xp_errno = errno;
    return GR_IO_ERROR;
}

static gr_io plain_read(gr_xport *x, void *buf, size_t n, size_t *got)
{
    *got = 0;
    for (;;) {
        ssize_t r = recv(x->xp_fd, buf, n, 0);
        if (r >= 0) {
            *got = (size_t)r;
            return GR_IO_DONE;
        }
        if (errno != EINTR) {
            return plain_failed(x);
        }
    }
}

static gr_io plain_write(gr_xport *x, const void *buf, size_t n, size_t *put)
{
    *put = 0;
    for (;;) {
        /* MSG_NOSIGNAL: a peer that reset must not kill the grader. */
        ssize_t r = send(x->xp_fd, buf, n, MSG_NOSIGNAL);
        if (r >= 0) {
            *put = (size_t)r;
            return GR_IO_DONE;
        }
        if (errno != EINTR) {
            return plain_failed(x);
        }
    }
}

static gr_io plain_shutdown(gr_xport *x)
{
    if (shutdown(x->xp_fd, SHUT_WR) < 0) {
        x->xp_errno = errno;
        return GR_IO_ERROR;
    }
    return GR_IO_DONE;
}

static size_t plain_pending(const gr_xport *x)
{
    (void)x;
    return 0;
}

static void plain_free(gr_xport *x)
{
    (void)x;
}

const gr_xport_ops gr_xport_plain = {
    .xo_name = "plain",
    .xo_handshake = plain_handshake,
    .xo_read = plain_read,
    .xo_write = plain_write,
    .xo_shutdown = plain_shutdown,
    .xo_pending = plain_pending,
    .xo_free = plain_free,
};

void gr_xport_init(gr_xport *x, int fd, const gr_xport_ops *ops)
{
    x->xp_fd = fd;
    x->xp_ops = ops != NULL ? ops : &gr_xport_plain;
    x->xp_impl = NULL;
    x->xp_wait = 0;
    x->xp_errno = 0;
    int flags = fcntl(fd, F_GETFL);
    if (flags >= 0 && !(flags & O_NONBLOCK)) {
        fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    }
}

/* What an operation waited for matters only until one succeeds: a poll
 * loop must not go on asking for POLLOUT after the write that needed it. */
static gr_io settled(gr_xport *x, gr_io io)
{
    if (io == GR_IO_DONE) {
        x->xp_wait = 0;
    }
    return io;
}

gr_io gr_xport_handshake(gr_xport *x)
{
    return settled(x, x->xp_ops->xo_handshake(x));
}

gr_io gr_xport_read(gr_xport *x, void *buf, size_t n, size_t *got)
{
    return settled(x, x->xp_ops->xo_read(x, buf, n, got));
}

gr_io gr_xport_write(gr_xport *x, const void *buf, size_t n, size_t *put)
{
    return settled(x, x->xp_ops->xo_write(x, buf, n, put));
}

gr_io gr_xport_shutdown(gr_xport *x)
{
    return settled(x, x->xp_ops->xo_shutdown(x));
}

const char *gr_xport_reason(const gr_xport *x)
{
    const char *why = x->xp_ops != NULL && x->xp_ops->xo_reason != NULL ? x->xp_ops->xo_reason(x)
                                                                        : NULL;
    return why != NULL && why[0] != '\0' ? why : strerror(x->xp_errno);
}

size_t gr_xport_pending(const gr_xport *x)
{
    return x->xp_ops != NULL ? x->xp_ops->xo_pending(x) : 0;
}

void gr_xport_close(gr_xport *x, int reset)
{
    if (x->xp_fd < 0) {
        return;
    }
    if (x->xp_ops != NULL) {
        x->xp_ops->xo_free(x);
    }
    if (reset) {
        struct linger lg = {.l_onoff = 1, .l_linger = 0};
        setsockopt(x->xp_fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    }
    close(x->xp_fd);
    x->xp_fd = -1;
    x->xp_impl = NULL;
}
