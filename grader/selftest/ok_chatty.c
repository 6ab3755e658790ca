/* ok_chatty.c - self-test server: a correct echo server that talks a lot.
 *
 * It prints a line on stdout for every byte it receives and a line on stderr
 * for every recv(). The grader must drain that output all the time and still
 * give full marks. */
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
        fprintf(stderr, "usage: ok_chatty PORT\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    for (;;) {
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0) {
            continue;
        }
        char buf[8192];
        ssize_t n;
        while ((n = recv(fd, buf, sizeof buf, 0)) > 0) {
            fprintf(stderr, "ok_chatty: received %zd bytes\n", n);
            for (ssize_t i = 0; i < n; i++) {
                printf("ok_chatty: byte %zd is 0x%02x\n", i, (unsigned char)buf[i]);
            }
            if (sl_rio_writen(fd, buf, (size_t)n) < 0) {
                break;
            }
        }
        close(fd);
    }
}
