/* bug_exit_on_error.c - self-test server: one client's error ends the server.
 *
 * Otherwise correct (SIGPIPE ignored, a full write loop), but when recv() or
 * send() fails, as it does when a client resets its connection, it exits,
 * as CS:APP's capitalised wrappers (Rio_writen) do: one client's reset stops
 * the service for everyone. Expected to fail: peer-reset. */
#include "rio.h"
#include "selftest_server.h"

#include <stdlib.h>

static void serve(int fd)
{
    char buf[8192];
    ssize_t n;
    while ((n = recv(fd, buf, sizeof buf, 0)) != 0) {
        if (n < 0 || sl_rio_writen(fd, buf, (size_t)n) < 0) {
            perror("bug_exit_on_error");
            exit(1); /* BUG: this client's error, and everyone's end */
        }
    }
}

int main(int argc, char **argv)
{
    return selftest_run(argc, argv, "bug_exit_on_error", 0, serve);
}
