/*
 * echo_poll.c - a TCP echo server for many clients at once, on poll(). Lab 05.
 *
 * This is the skeleton: it builds and runs, and tells you which step is
 * missing. Your work is marked TODO(step 5); the guide is README.md.
 *
 * usage: echo_poll PORT
 *
 * The same server as echo_select.c, with poll() in place of select():
 * one array of struct pollfd, one entry per socket, no FD_SETSIZE limit.
 *
 * Exit status: 2 for a usage error or a bad PORT, 1 if the server cannot
 * start or poll() fails. Otherwise it runs until a signal stops it.
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
#include <poll.h>

static void usage(FILE *out)
{
    fprintf(out, "usage: echo_poll PORT\n"
                 "Listen on TCP PORT and send back to every client, many at once, every\n"
                 "byte it sends. One thread, non-blocking sockets, poll().\n");
}

/* TODO(step 5): start from your echo_select.c. Copy BUF_SIZE, struct conn,
 * set_nonblocking(), conn_wants_read(), conn_wants_write(), conn_finished(),
 * conn_read() and conn_write() as they are: the buffers and the rules for
 * when to read and write do not change, only the way of waiting does. */

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
        fprintf(stderr, "echo_poll: %s\n", err);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    int lfd = sl_addr_listen(NULL, argv[1], SOMAXCONN, err);
    if (lfd < 0) {
        fprintf(stderr, "echo_poll: %s\n", err);
        return 1;
    }
    fprintf(stderr, "echo_poll: listening on port %u\n", (unsigned)port);

    /* TODO(step 5): the event loop on poll().
     *   - Keep a growable array of struct pollfd and, beside it, an array of
     *     conn pointers: entry 0 is lfd (events = POLLIN), entry i > 0 is a
     *     client. No FD_SETSIZE limit, no sets to rebuild.
     *   - Make lfd non-blocking. Accept until EAGAIN when fds[0].revents has
     *     POLLIN, appending each client (non-blocking) to both arrays.
     *   - Before each poll(): fds[i].events = (conn_wants_read ? POLLIN : 0)
     *     | (conn_wants_write ? POLLOUT : 0). poll(fds, n, -1): -1 means no
     *     timeout; 0 would return at once and spin.
     *   - POLLHUP and POLLERR arrive even if not asked for: then read (if the
     *     client wants to read) or write, and the error shows up there.
     *     POLLNVAL: drop the client.
     *   - To drop client i: close, free, and move the last entry into slot i.
     *     Walk the array from the end to the start, so that the moved entry
     *     was already seen this round. */

    fprintf(stderr, "echo_poll: step 5 is not done yet: there is no event loop; see "
                    "TODO(step 5) in echo_poll.c and labs/05-select/README.md\n");
    close(lfd);
    return 1;
}
