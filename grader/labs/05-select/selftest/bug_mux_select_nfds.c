/* bug_mux_select_nfds.c - an echo server on select() that passes the highest
 * descriptor as select()'s first argument, not the highest plus one: the
 * highest descriptor, at first the listening socket, is never looked at, so
 * no client is ever accepted. Everything else is right: non-blocking
 * sockets, a bounded buffer per client, write readiness only while output
 * is pending. Lab 05's grader must catch it, and say that nothing was
 * accepted (not that the server does not accept while it serves others). */
#include "addr.h"
#include "err.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUF 16384

static struct {
    int on;
    int eof;
    size_t start, end;
    unsigned char buf[BUF];
} conns[FD_SETSIZE];

static void drop(int fd)
{
    close(fd);
    conns[fd].on = 0;
}

int main(int argc, char **argv)
{
    char err[SL_ERR_LEN];
    uint16_t port;
    if (argc != 2 || sl_addr_parse_port(argv[1], 0, &port, err) < 0) {
        fprintf(stderr, "usage: bug_mux_select_nfds PORT\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    int lfd = sl_addr_listen(NULL, argv[1], SOMAXCONN, err);
    if (lfd < 0 || fcntl(lfd, F_SETFL, fcntl(lfd, F_GETFL) | O_NONBLOCK) < 0) {
        fprintf(stderr, "bug_mux_select_nfds: %s\n", err);
        return 1;
    }
    for (;;) {
        fd_set rset, wset;
        FD_ZERO(&rset);
        FD_ZERO(&wset);
        FD_SET(lfd, &rset);
        int maxfd = lfd;
        for (int fd = 0; fd < FD_SETSIZE; fd++) {
            if (!conns[fd].on) {
                continue;
            }
            if (!conns[fd].eof && conns[fd].end - conns[fd].start < BUF) {
                FD_SET(fd, &rset);
            }
            if (conns[fd].end > conns[fd].start) {
                FD_SET(fd, &wset);
            }
            maxfd = fd > maxfd ? fd : maxfd;
        }
        if (select(maxfd, &rset, &wset, NULL, NULL) < 0) { /* BUG: maxfd + 1 */
            continue;
        }
        if (FD_ISSET(lfd, &rset)) {
            int fd;
            while ((fd = accept(lfd, NULL, NULL)) >= 0) {
                if (fd >= FD_SETSIZE) {
                    close(fd);
                    continue;
                }
                fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
                memset(&conns[fd], 0, sizeof conns[fd]);
                conns[fd].on = 1;
            }
        }
        for (int fd = 0; fd < FD_SETSIZE; fd++) {
            if (!conns[fd].on || fd == lfd) {
                continue;
            }
            if (FD_ISSET(fd, &rset)) {
                if (conns[fd].start == conns[fd].end) {
                    conns[fd].start = conns[fd].end = 0;
                } else if (conns[fd].end == BUF) {
                    memmove(conns[fd].buf, conns[fd].buf + conns[fd].start,
                            conns[fd].end - conns[fd].start);
                    conns[fd].end -= conns[fd].start;
                    conns[fd].start = 0;
                }
                ssize_t n = recv(fd, conns[fd].buf + conns[fd].end, BUF - conns[fd].end, 0);
                if (n > 0) {
                    conns[fd].end += (size_t)n;
                } else if (n == 0) {
                    conns[fd].eof = 1;
                } else if (errno != EAGAIN && errno != EINTR) {
                    drop(fd);
                    continue;
                }
            }
            if (conns[fd].end > conns[fd].start) {
                ssize_t n = send(fd, conns[fd].buf + conns[fd].start,
                                 conns[fd].end - conns[fd].start, MSG_NOSIGNAL);
                if (n > 0) {
                    conns[fd].start += (size_t)n;
                } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
                    drop(fd);
                    continue;
                }
            }
            if (conns[fd].eof && conns[fd].start == conns[fd].end) {
                drop(fd);
            }
        }
    }
}
