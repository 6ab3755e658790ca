/* bug_overflow.c - self-test server: writes one byte past a heap buffer.
 *
 * It echoes correctly, but NUL-terminates a copy of what it received one byte
 * past the end of the buffer. Without sanitizers that usually goes unseen;
 * built by the grader with AddressSanitizer (the default for submissions),
 * the first echo aborts with a report, and the check fails saying so. */
#include "rio.h"
#include "selftest_server.h"

#include <stdlib.h>

static void serve(int fd)
{
    char buf[8192];
    ssize_t n;
    while ((n = recv(fd, buf, sizeof buf, 0)) > 0) {
        char *copy = malloc((size_t)n);
        if (copy == NULL) {
            return;
        }
        memcpy(copy, buf, (size_t)n);
        copy[n] = '\0'; /* BUG: one byte past the end */
        int rc = (int)sl_rio_writen(fd, copy, (size_t)n);
        free(copy);
        if (rc < 0) {
            return;
        }
    }
}

int main(int argc, char **argv)
{
    return selftest_run(argc, argv, "bug_overflow", 0, serve);
}
