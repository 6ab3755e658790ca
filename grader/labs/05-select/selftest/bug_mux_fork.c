/* bug_mux_fork.c - an echo server that forks a process per client: correct
 * echo, many clients at once, but not the single-threaded server lab 05 asks
 * for. Lab 05's grader must catch it (one-thread, non-blocking sockets). */
#include "addr.h"
#include "err.h"
#include "rio.h"

#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    char err[SL_ERR_LEN];
    uint16_t port;
    if (argc != 2 || sl_addr_parse_port(argv[1], 0, &port, err) < 0) {
        fprintf(stderr, "usage: bug_mux_fork PORT\n");
        return 2;
    }
    signal(SIGCHLD, SIG_IGN); /* children are reaped by the kernel */
    signal(SIGPIPE, SIG_IGN);
    int lfd = sl_addr_listen(NULL, argv[1], SOMAXCONN, err);
    if (lfd < 0) {
        fprintf(stderr, "bug_mux_fork: %s\n", err);
        return 1;
    }
    for (;;) {
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0) {
            continue;
        }
        if (fork() == 0) {
            close(lfd);
            char buf[16384];
            ssize_t n;
            while ((n = recv(fd, buf, sizeof buf, 0)) > 0) {
                if (sl_rio_writen(fd, buf, (size_t)n) < 0) {
                    break;
                }
            }
            _exit(0);
        }
        close(fd);
    }
}
