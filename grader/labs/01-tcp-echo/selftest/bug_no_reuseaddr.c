/* bug_no_reuseaddr.c - self-test server: binds without SO_REUSEADDR.
 *
 * A correct echo server in every other way, but after a restart bind()
 * fails with EADDRINUSE while connections of the previous run linger.
 * Expected to fail: restart. */
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
    /* BUG: no setsockopt(SO_REUSEADDR) before bind() */
    return selftest_run(argc, argv, "bug_no_reuseaddr", SELFTEST_NO_REUSEADDR, serve);
}
