/* bug_crash.c - self-test server: crashes on a NUL byte.
 *
 * Echoes correctly until it receives a NUL byte, then dies of SIGSEGV (as a
 * server that hands the data to a string function might). The grader must
 * say which signal killed the server and during which check. Expected to
 * fail: binary-safe, large-payload. With BUG_SIGNAL=PIPE in its environment
 * it dies of SIGPIPE instead, as a server that writes to a client that went
 * away does. */
#include "rio.h"
#include "selftest_server.h"

#include <stdlib.h>

static void serve(int fd)
{
    char buf[8192];
    ssize_t n;
    while ((n = recv(fd, buf, sizeof buf, 0)) > 0) {
        if (memchr(buf, '\0', (size_t)n) != NULL) {
            fprintf(stderr, "bug_crash: about to crash\n");
            const char *sig = getenv("BUG_SIGNAL");
            int pipe = sig != NULL && strcmp(sig, "PIPE") == 0;
            signal(SIGPIPE, SIG_DFL); /* as a server that never ignored it */
            raise(pipe ? SIGPIPE : SIGSEGV); /* BUG: stands for any crash */
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
