/* bug_first_recv.c - self-test server: echoes only the first recv().
 *
 * The bug (seed 000's first server, in C): one recv() is taken to be the
 * whole message; it is echoed and the connection closed. Expected to fail:
 * many-messages, byte-at-a-time, large-payload, half-close. */
#include "addr.h"
#include "rio.h"

#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    char err[256];
    int lfd = argc == 2 ? sl_addr_listen(NULL, argv[1], 16, err) : -1;
    if (lfd < 0) {
        fprintf(stderr, "usage: bug_first_recv PORT\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    for (;;) {
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0) {
            continue;
        }
        char buf[1024];
        ssize_t n = recv(fd, buf, sizeof buf, 0); /* BUG: one recv is not one message */
        if (n > 0) {
            sl_rio_writen(fd, buf, (size_t)n);
        }
        close(fd);
    }
}
