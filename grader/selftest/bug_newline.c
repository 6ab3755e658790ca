/* bug_newline.c - self-test server: makes sure every reply ends in a newline.
 *
 * The bug (print()-style echo): a '\n' is added to each piece received that
 * does not already end with one. Lines sent whole survive; anything that
 * arrives in other pieces is corrupted. Expected to fail: byte-at-a-time,
 * large-payload, half-close. */
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
        fprintf(stderr, "usage: bug_newline PORT\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    for (;;) {
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0) {
            continue;
        }
        char buf[8193];
        ssize_t n;
        while ((n = recv(fd, buf, sizeof buf - 1, 0)) > 0) {
            if (buf[n - 1] != '\n') {
                buf[n++] = '\n'; /* BUG: adds a byte the client never sent */
            }
            if (sl_rio_writen(fd, buf, (size_t)n) < 0) {
                break;
            }
        }
        close(fd);
    }
}
