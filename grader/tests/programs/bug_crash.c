/* bug_crash.c - self-test server: crashes on a NUL byte.
 *
 * Echoes correctly until it receives a NUL byte, then dies of SIGSEGV (as a
 * server that hands the data to a string function might). The grader must
 * say which signal killed the server and during which check. Expected to
 * fail: binary-safe, large-payload. */
#include "rio.h"
#include "selftest_server.h"

static void serve(int fd)
{
    char buf[8192];
    ssize_t n;
    while ((n = recv(fd, buf, sizeof buf, 0)) > 0) {
        if (memchr(buf, '\0', (size_t)n) != NULL) {
            fprintf(stderr, "bug_crash: about to crash\n");
            raise(SIGSEGV); /* BUG: stands for any crash */
        }
        if (sl_rio_writen(fd, buf, (size_t)n) < 0) {
            return;
        }
    }
}

int main(int argc, char **argv)
{
    return selftest_run(argc, argv, "bug_crash", 0, serve);
}
