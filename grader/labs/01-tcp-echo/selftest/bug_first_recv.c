/* bug_first_recv.c - self-test server: echoes only the first recv().
 *
 * The bug (seed 000's first server, in C): one recv() is taken to be the
 * whole message; it is echoed and the connection closed. Expected to fail:
 * many-messages, byte-at-a-time, large-payload, half-close. */
#include "rio.h"
#include "selftest_server.h"

static void serve(int fd)
{
    char buf[1024];
    ssize_t n = recv(fd, buf, sizeof buf, 0); /* BUG: one recv is not one message */
    if (n > 0) {
        sl_rio_writen(fd, buf, (size_t)n);
    }
}

int main(int argc, char **argv)
{
    return selftest_run(argc, argv, "bug_first_recv", 0, serve);
}
