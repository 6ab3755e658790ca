/* bug_cstring.c - self-test server: treats received data as a C string.
 *
 * The bug: NUL-terminates what recv() returned and sends strlen() bytes, so
 * everything from the first NUL byte on is lost. Expected to fail:
 * binary-safe, large-payload. */
#include "addr.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    char err[256];
    int lfd = argc == 2 ? sl_addr_listen(NULL, argv[1], 16, err) : -1;
    if (lfd < 0) {
        fprintf(stderr, "usage: bug_cstring PORT\n");
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
        while ((n = recv(fd, buf, sizeof buf - 1, 0)) > 0) {
            buf[n] = '\0';
            size_t len = strlen(buf); /* BUG: stops at the first NUL byte */
            size_t off = 0;
            while (off < len) {
                ssize_t put = send(fd, buf + off, len - off, 0);
                if (put <= 0) {
                    break;
                }
                off += (size_t)put;
            }
        }
        close(fd);
    }
}
