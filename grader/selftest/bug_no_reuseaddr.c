/* bug_no_reuseaddr.c - self-test server: binds without SO_REUSEADDR.
 *
 * A correct echo server in every other way, but after a restart bind()
 * fails with EADDRINUSE while connections of the previous run linger.
 * Expected to fail: restart. */
#include "addr.h"
#include "rio.h"

#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    char err[256];
    uint16_t port;
    if (argc != 2 || sl_addr_parse_port(argv[1], 0, &port, err) < 0) {
        fprintf(stderr, "usage: bug_no_reuseaddr PORT\n");
        return 2;
    }
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_port = htons(port);
    /* BUG: no setsockopt(SO_REUSEADDR) before bind() */
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&sin, sizeof sin) < 0 || listen(lfd, 16) < 0) {
        perror("bug_no_reuseaddr: bind");
        return 1;
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
            if (sl_rio_writen(fd, buf, (size_t)n) < 0) {
                break;
            }
        }
        close(fd);
    }
}
