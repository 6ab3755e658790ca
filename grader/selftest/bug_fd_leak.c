/* bug_fd_leak.c - self-test server: never closes a client's socket.
 *
 * The bug: when a client is done, the server goes back to accept() without
 * close(), so descriptors pile up and the client never sees end of file.
 * Expected to fail: half-close, no-fd-leak. */
#include "addr.h"
#include "rio.h"

#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>

int main(int argc, char **argv)
{
    char err[256];
    int lfd = argc == 2 ? sl_addr_listen(NULL, argv[1], 16, err) : -1;
    if (lfd < 0) {
        fprintf(stderr, "usage: bug_fd_leak PORT\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    for (;;) {
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0) {
            continue;
        }
        char buf[8192];
        ssize_t n;
        while ((n = recv(fd, buf, sizeof buf, 0)) > 0) {
            if (sl_rio_writen(fd, buf, (size_t)n) < 0) {
                break;
            }
        }
        /* BUG: no close(fd) */
    }
}
