/* stream.c - one thing at a time on a connection, each with a deadline:
 * send everything, read what came, read a line, wait for the close (see
 * conn.h). For protocols of requests and replies, where gr_exchange()'s
 * "send this, expect exactly that" does not fit: the check reads a reply,
 * then decides what it means. Everything goes through the connection's
 * transport, so it works over TLS as over TCP. */
#include "kit/conn.h"

#include <errno.h>
#include <poll.h>

/* Poll no longer than this at a time, so a deadline is seen soon. */
#define POLL_MAX_MS 1000

/* Wait until @p c may be ready for @p events, or @p deadline. Returns 0,
 * or GR_CONN_TIMEOUT. Bytes the transport already holds need no wait. */
static int wait_for(gr_conn *c, short events, long deadline)
{
    if ((events & POLLIN) && gr_xport_pending(&c->c_xp) > 0) {
        return 0;
    }
    long left = deadline - gr_now_ms();
    if (left <= 0) {
        return GR_CONN_TIMEOUT;
    }
    struct pollfd pfd = {.fd = c->c_xp.xp_fd, .events = (short)(events | c->c_xp.xp_wait)};
    poll(&pfd, 1, (int)(left < POLL_MAX_MS ? left : POLL_MAX_MS));
    return 0;
}

int gr_send_all(gr_conn *c, const void *buf, size_t n, long deadline)
{
    const char *p = buf;
    while (n > 0) {
        size_t put = 0;
        gr_io io = gr_xport_write(&c->c_xp, p, n, &put);
        if (io == GR_IO_ERROR) {
            errno = c->c_xp.xp_errno;
            return GR_CONN_CLOSED;
        }
        p += put;
        n -= put;
        c->c_total_sent += put;
        if (io == GR_IO_AGAIN && wait_for(c, POLLOUT, deadline) < 0) {
            return GR_CONN_TIMEOUT;
        }
    }
    return 0;
}

ssize_t gr_recv_some(gr_conn *c, void *buf, size_t n, long deadline)
{
    for (;;) {
        size_t got = 0;
        gr_io io = gr_xport_read(&c->c_xp, buf, n, &got);
        if (io == GR_IO_DONE) {
            return (ssize_t)got;
        }
        if (io == GR_IO_ERROR) {
            errno = c->c_xp.xp_errno;
            return GR_CONN_CLOSED;
        }
        if (wait_for(c, POLLIN, deadline) < 0) {
            return GR_CONN_TIMEOUT;
        }
    }
}

int gr_read_line(gr_conn *c, char *buf, size_t cap, long deadline)
{
    size_t n = 0;
    buf[0] = '\0';
    while (n + 1 < cap) {
        char ch;
        ssize_t k = gr_recv_some(c, &ch, 1, deadline);
        if (k == GR_CONN_TIMEOUT) {
            return GR_CONN_TIMEOUT;
        }
        if (k <= 0) {
            return GR_CONN_CLOSED;
        }
        if (ch == '\n') {
            return (int)n;
        }
        buf[n++] = ch;
        buf[n] = '\0';
    }
    return (int)n;
}

int gr_wait_close(gr_conn *c, long deadline)
{
    char ch;
    ssize_t k = gr_recv_some(c, &ch, 1, deadline);
    if (k == GR_CONN_TIMEOUT) {
        return GR_CONN_TIMEOUT;
    }
    return k == 1 ? 1 : 0;
}

void gr_conn_shutdown(gr_conn *c)
{
    gr_xport_shutdown(&c->c_xp);
}
