/* port.c - ports for the grader's own use (see port.h). */
#include "net/port.h"

#include "err.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int gr_port_reserve(int any, int *fd)
{
    *fd = -1;
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0) {
        return -1;
    }
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(any ? INADDR_ANY : INADDR_LOOPBACK);
    socklen_t len = sizeof sin;
    if (bind(s, (struct sockaddr *)&sin, sizeof sin) < 0 ||
        getsockname(s, (struct sockaddr *)&sin, &len) < 0) {
        int saved = errno;
        close(s);
        errno = saved;
        return -1;
    }
    *fd = s;
    return ntohs(sin.sin_port);
}

int gr_port_free(void)
{
    int fd;
    int port = gr_port_reserve(1, &fd);
    if (fd >= 0) {
        close(fd);
    }
    return port;
}

int gr_closed_port(int *fd)
{
    return gr_port_reserve(0, fd);
}

/* Is the accept queue of listener fd full? -1 if the kernel cannot say. */
static int queue_full(int fd)
{
    struct tcp_info ti;
    socklen_t len = sizeof ti;
    memset(&ti, 0, sizeof ti);
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0) {
        return -1;
    }
    /* On a listener, tcpi_unacked is the accept queue's length and
     * tcpi_sacked its limit (tcp(7)); the kernel drops SYNs when it is over. */
    return ti.tcpi_unacked > ti.tcpi_sacked;
}

int gr_silent_listen(int fd, int port, int *fills, int wait_ms, char *err)
{
    if (listen(fd, 0) < 0) {
        sl_err_errno(err, "cannot listen on port %d", port);
        return -1;
    }
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_port = htons((uint16_t)port);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int n = 0;
    while (n < GR_SILENT_FILLS) {
        int full = queue_full(fd);
        if (full == 1 || (full < 0 && n > 0)) {
            return n;
        }
        int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (c < 0) {
            sl_err_errno(err, "cannot fill the listen queue of port %d", port);
            break;
        }
        fills[n++] = c;
        if (connect(c, (struct sockaddr *)&sin, sizeof sin) < 0 && errno == EINPROGRESS) {
            struct pollfd pfd = {.fd = c, .events = POLLOUT};
            if (poll(&pfd, 1, wait_ms) != 1) {
                return n; /* already hanging: the queue is full */
            }
        }
    }
    if (n == GR_SILENT_FILLS && queue_full(fd) != 0) {
        return n;
    }
    if (n == GR_SILENT_FILLS) {
        sl_err_set(err, "cannot fill the listen queue of port %d", port);
    }
    while (n > 0) {
        close(fills[--n]);
    }
    return -1;
}

int gr_silent_open(gr_silent_port *sp, char *err)
{
    *sp = (gr_silent_port){.sp_listen = -1};
    int fd = -1;
    int port = gr_port_reserve(0, &fd);
    if (port < 0) {
        sl_err_errno(err, "cannot reserve a port");
        return -1;
    }
    int n = gr_silent_listen(fd, port, sp->sp_fills, 2000, err);
    if (n < 0) {
        close(fd);
        return -1;
    }
    sp->sp_listen = fd;
    sp->sp_nfills = n;
    sp->sp_port = port;
    return 0;
}

void gr_silent_close(gr_silent_port *sp)
{
    for (int i = 0; i < sp->sp_nfills; i++) {
        close(sp->sp_fills[i]);
    }
    if (sp->sp_listen >= 0) {
        close(sp->sp_listen);
    }
    *sp = (gr_silent_port){.sp_listen = -1};
}
