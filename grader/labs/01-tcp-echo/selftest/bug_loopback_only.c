/* bug_loopback_only.c - self-test server: listens on 127.0.0.1 only.
 *
 * The bug: bind() to INADDR_LOOPBACK where the guide says every IPv4
 * address (INADDR_ANY): clients of the machine's other addresses are
 * refused. Everything else is a correct echo server.
 * Expected to fail: every-address. */
#include "addr.h"
#include "err.h"
#include "rio.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    char err[SL_ERR_LEN];
    uint16_t port;
    if (argc != 2 || sl_addr_parse_port(argv[1], 0, &port, err) < 0) {
        fprintf(stderr, "usage: bug_loopback_only PORT\n");
        return 2;
    }
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    int on = 1;
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK); /* BUG: one address, not all */
    sin.sin_port = htons(port);
    if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) < 0 ||
        bind(lfd, (struct sockaddr *)&sin, sizeof sin) < 0 || listen(lfd, SOMAXCONN) < 0) {
        perror("bug_loopback_only: bind");
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
        while ((n = recv(fd, buf, sizeof buf, 0)) > 0 && sl_rio_writen(fd, buf, (size_t)n) >= 0) {
        }
        close(fd);
    }
}
