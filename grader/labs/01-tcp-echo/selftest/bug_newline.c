/* bug_newline.c - self-test server: makes sure every reply ends in a newline.
 *
 * The bug (print()-style echo): a '\n' is added to each piece received that
 * does not already end with one. Lines sent whole survive; anything that
 * arrives in other pieces is corrupted. Expected to fail: byte-at-a-time,
 * large-payload, half-close. */
#include "rio.h"
#include "selftest_server.h"

static void serve(int fd)
{
    char buf[8193];
    ssize_t n;
    while ((n = recv(fd, buf, sizeof buf - 1, 0)) > 0) {
        if (buf[n - 1] != '\n') {
            buf[n++] = '\n'; /* BUG: adds a byte the client never sent */
        }
        if (sl_rio_writen(fd, buf, (size_t)n) < 0) {
            return;
        }
    }
}

int main(int argc, char **argv)
{
    return selftest_run(argc, argv, "bug_newline", 0, serve);
}
