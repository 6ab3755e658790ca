/* bug_peer_gone.c - self-test server: logs each client's address, and
 * skips a client whose address it cannot get without closing its socket.
 *
 * The bug: a client that resets while it waits in the listen queue is
 * accepted all the same, and getpeername() then fails with ENOTCONN; the
 * server goes back to accept() and the socket leaks. Every client that
 * is still there when its turn comes is served correctly.
 * Expected to fail: peer-leaves. */
#include "addr.h"
#include "err.h"
#include "rio.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

static void serve(int fd)
{
    char buf[8192];
    ssize_t n;
    while ((n = recv(fd, buf, sizeof buf, 0)) > 0 || (n < 0 && errno == EINTR)) {
        if (n > 0 && sl_rio_writen(fd, buf, (size_t)n) < 0) {
            return;
        }
    }
}

int main(int argc, char **argv)
{
    char err[SL_ERR_LEN];
    uint16_t port;
    if (argc != 2 || sl_addr_parse_port(argv[1], 0, &port, err) < 0) {
        fprintf(stderr, "usage: bug_peer_gone PORT\n");
        return 2;
    }
    int lfd = sl_addr_listen(NULL, argv[1], 16, err);
    if (lfd < 0) {
        fprintf(stderr, "bug_peer_gone: %s\n", err);
        return 1;
    }
    signal(SIGPIPE, SIG_IGN);
    for (;;) {
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0) {
            continue;
        }
        char peer[SL_ADDR_STRLEN];
        if (sl_addr_peer(fd, peer, sizeof peer) < 0) {
            perror("bug_peer_gone: getpeername");
            continue; /* BUG: fd is never closed */
        }
        fprintf(stderr, "bug_peer_gone: connection from %s\n", peer);
        serve(fd);
        close(fd);
    }
}
