/* bug_partial_send.c - self-test server: calls send() once and ignores the count.
 *
 * The bug: with a non-blocking socket (as with Python's settimeout()), a
 * send() into a full buffer writes only part of the data, or nothing, and the
 * rest is silently dropped. Expected to fail: large-payload. */
#include "selftest_server.h"

#include <fcntl.h>
#include <poll.h>

static void serve(int fd)
{
    fcntl(fd, F_SETFL, O_NONBLOCK);
    char buf[1024];
    for (;;) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        poll(&pfd, 1, -1);
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n <= 0) {
            return;
        }
        (void)send(fd, buf, (size_t)n, 0); /* BUG: may send less, or nothing */
    }
}

int main(int argc, char **argv)
{
    return selftest_run(argc, argv, "bug_partial_send", 0, serve);
}
