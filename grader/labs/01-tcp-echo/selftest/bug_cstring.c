/* bug_cstring.c - self-test server: treats received data as a C string.
 *
 * The bug: NUL-terminates what recv() returned and sends strlen() bytes, so
 * everything from the first NUL byte on is lost. Expected to fail:
 * binary-safe, large-payload. */
#include "rio.h"
#include "selftest_server.h"

static void serve(int fd)
{
    char buf[8192];
    ssize_t n;
    while ((n = recv(fd, buf, sizeof buf - 1, 0)) > 0) {
        buf[n] = '\0';
        if (sl_rio_writen(fd, buf, strlen(buf)) < 0) { /* BUG: stops at the first NUL */
            return;
        }
    }
}

int main(int argc, char **argv)
{
    return selftest_run(argc, argv, "bug_cstring", 0, serve);
}
