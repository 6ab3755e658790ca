/* rio.c - robust I/O (see rio.h). */
#include "rio.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

ssize_t sl_rio_readn(int fd, void *buf, size_t n)
{
    char *p = buf;
    size_t left = n;
    while (left > 0) {
        ssize_t got = read(fd, p, left);
        if (got < 0) {
            if (errno == EINTR) {
                continue; /* a signal handler ran; nothing was read */
            }
            return -1;
        }
        if (got == 0) {
            break; /* EOF: report how much we did get */
        }
        p += got;
        left -= (size_t)got;
    }
    return (ssize_t)(n - left);
}

/* One write attempt: send() so that a dead peer gives EPIPE, not SIGPIPE.
 * send() fails with ENOTSOCK on pipes and files; fall back to write(). */
static ssize_t write_once(int fd, const void *buf, size_t n, int *is_socket)
{
    if (*is_socket) {
        ssize_t sent = send(fd, buf, n, MSG_NOSIGNAL);
        if (sent >= 0 || errno != ENOTSOCK) {
            return sent;
        }
        *is_socket = 0;
    }
    return write(fd, buf, n);
}

ssize_t sl_rio_writen(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    size_t left = n;
    int is_socket = 1;
    while (left > 0) {
        ssize_t put = write_once(fd, p, left, &is_socket);
        if (put < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -1;
        }
        p += put;
        left -= (size_t)put;
    }
    return (ssize_t)n;
}

void sl_rio_init(sl_rio *rp, int fd)
{
    rp->rio_fd = fd;
    rp->rio_x = NULL;
    rp->rio_cnt = 0;
    rp->rio_bufptr = rp->rio_buf;
}

void sl_rio_init_xport(sl_rio *rp, sl_xport *x)
{
    sl_rio_init(rp, x->x_fd);
    rp->rio_x = x;
}

/* One read, from the fd or through the transport (its outcomes as read()'s). */
static ssize_t read_once(sl_rio *rp)
{
    if (rp->rio_x == NULL) {
        return read(rp->rio_fd, rp->rio_buf, sizeof rp->rio_buf);
    }
    ssize_t got = sl_xport_read(rp->rio_x, rp->rio_buf, sizeof rp->rio_buf);
    if (got == SL_XPORT_AGAIN || got < 0) {
        errno = got == SL_XPORT_AGAIN ? EAGAIN : sl_xport_is_plain(rp->rio_x) ? errno : EPROTO;
        return -1;
    }
    return got;
}

/* Refill the buffer if it is empty. Returns bytes available, 0 at EOF, -1 on error. */
static ssize_t fill(sl_rio *rp)
{
    while (rp->rio_cnt == 0) {
        ssize_t got = read_once(rp);
        if (got < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -1;
        }
        if (got == 0) {
            return 0;
        }
        rp->rio_cnt = (size_t)got;
        rp->rio_bufptr = rp->rio_buf;
    }
    return (ssize_t)rp->rio_cnt;
}

ssize_t sl_rio_read(sl_rio *rp, void *buf, size_t n)
{
    if (n == 0) {
        return 0;
    }
    ssize_t avail = fill(rp);
    if (avail <= 0) {
        return avail;
    }
    size_t take = (size_t)avail < n ? (size_t)avail : n;
    memcpy(buf, rp->rio_bufptr, take);
    rp->rio_bufptr += take;
    rp->rio_cnt -= take;
    return (ssize_t)take;
}

ssize_t sl_rio_readnb(sl_rio *rp, void *buf, size_t n)
{
    char *p = buf;
    size_t left = n;
    while (left > 0) {
        ssize_t got = sl_rio_read(rp, p, left);
        if (got < 0) {
            return -1;
        }
        if (got == 0) {
            break;
        }
        p += got;
        left -= (size_t)got;
    }
    return (ssize_t)(n - left);
}

ssize_t sl_rio_readline(sl_rio *rp, char *buf, size_t maxlen)
{
    if (maxlen < 2) {
        errno = EINVAL;
        return -1;
    }
    size_t len = 0;
    while (len < maxlen - 1) {
        ssize_t avail = fill(rp);
        if (avail < 0) {
            return -1;
        }
        if (avail == 0) {
            break; /* EOF: return what we have, possibly nothing */
        }
        /* Copy up to the newline, the end of the buffered data, or the bound. */
        size_t room = maxlen - 1 - len;
        size_t scan = (size_t)avail < room ? (size_t)avail : room;
        char *nl = memchr(rp->rio_bufptr, '\n', scan);
        size_t take = nl != NULL ? (size_t)(nl - rp->rio_bufptr) + 1 : scan;
        memcpy(buf + len, rp->rio_bufptr, take);
        rp->rio_bufptr += take;
        rp->rio_cnt -= take;
        len += take;
        if (nl != NULL) {
            buf[len] = '\0';
            return (ssize_t)len;
        }
    }
    buf[len] = '\0';
    if (len == maxlen - 1) {
        errno = EMSGSIZE;
        return -1;
    }
    return (ssize_t)len;
}
