/* bug_fork_zombies.c - self-test server: lab 06's fork server without
 * waitpid(). Each child serves its client and exits, but the parent never
 * reaps it: every connection leaves a zombie behind. */
#include "addr.h"
#include "err.h"
#include "rio.h"
#include "selftest_listen.h"

#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    int lfd = selftest_listen_or_exit(argc == 2 ? argv[1] : NULL, "bug_fork_zombies PORT");
    signal(SIGPIPE, SIG_IGN);
    for (;;) {
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0) {
            continue;
        }
        if (fork() == 0) {
            close(lfd);
            char buf[8192];
            ssize_t n;
            while ((n = recv(fd, buf, sizeof buf, 0)) > 0 &&
                   sl_rio_writen(fd, buf, (size_t)n) >= 0) {
            }
            _exit(0);
        }
        close(fd); /* the bug: no SIGCHLD handler, no waitpid() */
    }
}
