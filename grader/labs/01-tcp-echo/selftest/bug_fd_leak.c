/* bug_fd_leak.c - self-test server: never closes a client's socket.
 *
 * The bug: when a client is done, the server goes back to accept() without
 * close(), so descriptors pile up and the client never sees end of file.
 * Expected to fail: half-close, no-fd-leak. */
#include "rio.h"
#include "selftest_server.h"

static void serve(int fd)
{
    char buf[8192];
    ssize_t n;
    while ((n = recv(fd, buf, sizeof buf, 0)) > 0) {
        if (sl_rio_writen(fd, buf, (size_t)n) < 0) {
            return;
        }
    }
}

int main(int argc, char **argv)
{
    /* BUG: the client's socket is never closed */
    return selftest_run(argc, argv, "bug_fd_leak", SELFTEST_NO_CLOSE, serve);
}
