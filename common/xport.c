/* xport.c - the transport table (see xport.h), and plain TCP in it. */
#include "xport.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

/* errno after a failed recv() or send(): "try again", or the reason. */
static ssize_t plain_failed(sl_xport *x, int want, const char *what)
{
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
        x->x_want = want;
        return SL_XPORT_AGAIN;
    }
    snprintf(x->x_why, sizeof x->x_why, "%s: %s", what, strerror(errno));
    return -1;
}

static int plain_handshake(sl_xport *x)
{
    (void)x;
    return 0;
}

static ssize_t plain_read(sl_xport *x, void *buf, size_t n)
{
    for (;;) {
        ssize_t got = recv(x->x_fd, buf, n, 0);
        if (got >= 0) {
            return got;
        }
        if (errno != EINTR) {
            return plain_failed(x, SL_WANT_READ, "recv");
        }
    }
}

static ssize_t plain_write(sl_xport *x, const void *buf, size_t n)
{
    for (;;) {
        ssize_t put = send(x->x_fd, buf, n, MSG_NOSIGNAL);
        if (put >= 0) {
            return put;
        }
        if (errno != EINTR) {
            return plain_failed(x, SL_WANT_WRITE, "send");
        }
    }
}

static size_t plain_pending(const sl_xport *x)
{
    (void)x;
    return 0; /* what has come waits in the kernel, where poll() sees it */
}

static int plain_shutdown(sl_xport *x)
{
    (void)x;
    return 0; /* the close says it */
}

static void plain_release(sl_xport *x)
{
    (void)x;
}

static const sl_xport_ops plain_ops = {.xo_name = "tcp",
                                       .xo_handshake = plain_handshake,
                                       .xo_read = plain_read,
                                       .xo_write = plain_write,
                                       .xo_pending = plain_pending,
                                       .xo_shutdown = plain_shutdown,
                                       .xo_release = plain_release};

void sl_xport_plain(sl_xport *x, int fd)
{
    *x = (sl_xport){.x_ops = &plain_ops, .x_fd = fd};
}

int sl_xport_is_plain(const sl_xport *x)
{
    return x->x_ops == &plain_ops;
}

int sl_xport_handshake(sl_xport *x)
{
    return x->x_ops->xo_handshake(x);
}

ssize_t sl_xport_read(sl_xport *x, void *buf, size_t n)
{
    return x->x_ops->xo_read(x, buf, n);
}

ssize_t sl_xport_write(sl_xport *x, const void *buf, size_t n)
{
    return x->x_ops->xo_write(x, buf, n);
}

size_t sl_xport_pending(const sl_xport *x)
{
    return x->x_ops->xo_pending(x);
}

int sl_xport_shutdown(sl_xport *x)
{
    return x->x_ops->xo_shutdown(x);
}

void sl_xport_release(sl_xport *x)
{
    x->x_ops->xo_release(x);
    sl_xport_plain(x, -1);
}

ssize_t sl_xport_writen(sl_xport *x, const void *buf, size_t n)
{
    const char *p = buf;
    size_t left = n;
    while (left > 0) {
        ssize_t put = sl_xport_write(x, p, left);
        if (put == SL_XPORT_AGAIN) {
            struct pollfd pf = {.fd = x->x_fd,
                                .events = x->x_want == SL_WANT_READ ? POLLIN : POLLOUT};
            if (poll(&pf, 1, -1) < 0 && errno != EINTR) {
                snprintf(x->x_why, sizeof x->x_why, "poll: %s", strerror(errno));
                return -1;
            }
            continue; /* the same bytes again, as TLS asks */
        }
        if (put < 0) {
            return -1;
        }
        p += put;
        left -= (size_t)put;
    }
    return (ssize_t)n;
}
