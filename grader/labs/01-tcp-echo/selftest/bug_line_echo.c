/* bug_line_echo.c - self-test server: echoes whole lines only.
 *
 * The bug (a line reader where bytes were asked for): bytes are held until
 * a newline comes (or the buffer is full), so the bytes after the last
 * newline never come back: not while the client waits, and not at end of
 * file either. Expected to fail: large-payload, half-close. */
#include "rio.h"
#include "selftest_server.h"

static void serve(int fd)
{
    char buf[65536];
    size_t have = 0;
    ssize_t n;
    while ((n = recv(fd, buf + have, sizeof buf - have, 0)) > 0) {
        have += (size_t)n;
        size_t line_end = have;
        while (line_end > 0 && buf[line_end - 1] != '\n') {
            line_end--;
        }
        if (line_end == 0 && have == sizeof buf) {
            line_end = have; /* a line longer than the buffer goes as it is */
        }
        if (sl_rio_writen(fd, buf, line_end) < 0) {
            return;
        }
        memmove(buf, buf + line_end, have - line_end);
        have -= line_end;
    }
    /* BUG: at end of file, the last piece (no newline) is dropped */
}

int main(int argc, char **argv)
{
    return selftest_run(argc, argv, "bug_line_echo", 0, serve);
}
