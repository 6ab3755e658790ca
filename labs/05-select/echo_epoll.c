/*
 * echo_epoll.c - a TCP echo server for many clients at once, on epoll. Lab 05.
 *
 * This is the skeleton: it builds and runs, and tells you which step is
 * missing. Your work is marked TODO(step 6) and TODO(step 7); the guide is README.md.
 *
 * usage: echo_epoll PORT
 *
 * The same server as echo_select.c, on Linux's epoll: the kernel keeps the
 * list of watched sockets, and each wait returns the ready ones only, which
 * is what lets one thread hold ten thousand connections.
 *
 * Exit status: 2 for a usage error or a bad PORT, 1 if the server cannot
 * start or epoll_wait() fails. Otherwise it runs until a signal stops it.
 */
#include "addr.h"
#include "err.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <sys/epoll.h>

static void usage(FILE *out)
{
    fprintf(out, "usage: echo_epoll PORT\n"
                 "Listen on TCP PORT and send back to every client, many at once, every\n"
                 "byte it sends. One thread, non-blocking sockets, epoll.\n");
}

/* TODO(step 6): start from your echo_select.c. Copy BUF_SIZE, struct conn
 * (add a uint32_t events field: what epoll watches for now),
 * set_nonblocking(), conn_wants_read(), conn_wants_write(), conn_finished(),
 * conn_read() and conn_write() as they are. */

int main(int argc, char **argv)
{
    if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        usage(stdout);
        return 0;
    }
    if (argc != 2) {
        usage(stderr);
        return 2;
    }
    char err[SL_ERR_LEN];
    uint16_t port = 0;
    if (sl_addr_parse_port(argv[1], 0, &port, err) < 0) {
        fprintf(stderr, "echo_epoll: %s\n", err);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    int lfd = sl_addr_listen(NULL, argv[1], SOMAXCONN, err);
    if (lfd < 0) {
        fprintf(stderr, "echo_epoll: %s\n", err);
        return 1;
    }
    fprintf(stderr, "echo_epoll: listening on port %u\n", (unsigned)port);

    /* TODO(step 6): the event loop on epoll.
     *   - int ep = epoll_create1(EPOLL_CLOEXEC): the epoll instance, a
     *     descriptor that holds the list of watched sockets in the kernel.
     *   - Make lfd non-blocking and add it: struct epoll_event ev =
     *     {.events = EPOLLIN, .data.ptr = NULL}; epoll_ctl(ep,
     *     EPOLL_CTL_ADD, lfd, &ev). data is yours: NULL marks the listener,
     *     each client's is its conn pointer.
     *   - Accept until EAGAIN; add each client with EPOLLIN and data.ptr = c.
     *   - Loop: n = epoll_wait(ep, ready, 256, -1); only the ready sockets
     *     come back. For each: read and write as in echo_select.c; then, if
     *     what the client wants changed (conn_wants_read/conn_wants_write),
     *     epoll_ctl(ep, EPOLL_CTL_MOD, ...) with the new events. Closing a
     *     descriptor removes it from the epoll instance.
     *   - Level-triggered (the default) keeps the same rules as select and
     *     poll. EPOLLHUP and EPOLLERR arrive whether asked for or not.
     *
     * TODO(step 7): ten thousand clients. Nothing here may cost time per
     * connected client on each wakeup. Check: listen() with SOMAXCONN (done
     * above), accept until EAGAIN, memory per client allocated when it
     * connects, and on EMFILE stop watching lfd (EPOLL_CTL_MOD with events
     * 0) until a client leaves, or epoll_wait() would report it forever. */

    fprintf(stderr, "echo_epoll: step 6 is not done yet: there is no event loop; see "
                    "TODO(step 6) in echo_epoll.c and labs/05-select/README.md\n");
    close(lfd);
    return 1;
}
