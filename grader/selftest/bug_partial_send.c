/* bug_partial_send.c - self-test server: calls send() once and ignores the count.
 *
 * The bug: with a non-blocking socket (as with Python's settimeout()), a
 * send() into a full buffer writes only part of the data, or nothing, and the
 * rest is silently dropped. Expected to fail: large-payload. */
#include "addr.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    char err[256];
    int lfd = argc == 2 ? sl_addr_listen(NULL, argv[1], 16, err) : -1;
    if (lfd < 0) {
        fprintf(stderr, "usage: bug_partial_send PORT\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    for (;;) {
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0) {
            continue;
        }
        fcntl(fd, F_SETFL, O_NONBLOCK);
        char buf[1024];
        for (;;) {
            struct pollfd pfd = {.fd = fd, .events = POLLIN};
            poll(&pfd, 1, -1);
            ssize_t n = recv(fd, buf, sizeof buf, 0);
            if (n <= 0) {
                break;
            }
            (void)send(fd, buf, (size_t)n, 0); /* BUG: may send less, or nothing */
        }
        close(fd);
    }
}
