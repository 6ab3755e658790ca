/* bug_one_client.c - self-test server: serves its first client, then exits.
 *
 * The bug (the seeds' first server): no loop around accept(). Every
 * single-connection check may pass; the second client finds nobody there.
 * Expected to fail: clients-in-turn, no-fd-leak (graded with --only, since
 * whether a one-connection check sees the exit is a race). */
#include "rio.h"
#include "selftest_server.h"

#include <stdlib.h>

static void serve(int fd)
{
    char buf[8192];
    ssize_t n;
    while ((n = recv(fd, buf, sizeof buf, 0)) > 0) {
        if (sl_rio_writen(fd, buf, (size_t)n) < 0) {
            break;
        }
    }
    exit(0); /* BUG: the server ends with its first client */
}

int main(int argc, char **argv)
{
    return selftest_run(argc, argv, "bug_one_client", 0, serve);
}
