/* bug_sigpipe.c - self-test server: does not ignore SIGPIPE.
 *
 * Otherwise correct (a full write loop, errors handled), but writing to a
 * connection that the peer has shut down raises SIGPIPE, whose default
 * action kills the process. Expected to fail: peer-reset. */
#include "selftest_server.h"

/* write() until done; -1 on error (EPIPE, if SIGPIPE did not kill us first). */
static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t put = write(fd, p, n);
        if (put < 0) {
            return -1;
        }
        p += put;
        n -= (size_t)put;
    }
    return 0;
}

static void serve(int fd)
{
    char buf[1024];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) {
        if (write_all(fd, buf, (size_t)n) < 0) {
            return;
        }
    }
}

int main(int argc, char **argv)
{
    /* BUG: SIGPIPE keeps its default action */
    return selftest_run(argc, argv, "bug_sigpipe", SELFTEST_KEEP_SIGPIPE, serve);
}
