/* ok_chatty.c - self-test server: a correct echo server that talks a lot.
 *
 * It prints a line on stdout for every byte it receives and a line on stderr
 * for every recv(). The grader must drain that output all the time and still
 * give full marks. */
#include "rio.h"
#include "selftest_server.h"

static void serve(int fd)
{
    char buf[8192];
    ssize_t n;
    while ((n = recv(fd, buf, sizeof buf, 0)) > 0) {
        fprintf(stderr, "ok_chatty: received %zd bytes\n", n);
        for (ssize_t i = 0; i < n; i++) {
            printf("ok_chatty: byte %zd is 0x%02x\n", i, (unsigned char)buf[i]);
        }
        if (sl_rio_writen(fd, buf, (size_t)n) < 0) {
            return;
        }
    }
}

int main(int argc, char **argv)
{
    return selftest_run(argc, argv, "ok_chatty", 0, serve);
}
