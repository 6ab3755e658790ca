/* bug_fork_linger.c - self-test server: lab 06's fork server whose children
 * never exit. Each child serves its client and closes the connection (the
 * client sees end of file), then waits forever instead of _exit()ing: the
 * parent reaps children that exit, but these never do, and they pile up. */
#include "addr.h"
#include "err.h"
#include "rio.h"
#include "selftest_listen.h"

#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static void reap(int sig)
{
    (void)sig;
    while (waitpid(-1, NULL, WNOHANG) > 0) {
    }
}

int main(int argc, char **argv)
{
    int lfd = selftest_listen_or_exit(argc == 2 ? argv[1] : NULL, "bug_fork_linger PORT");
    signal(SIGPIPE, SIG_IGN);
    struct sigaction sa = {.sa_handler = reap, .sa_flags = SA_RESTART};
    sigaction(SIGCHLD, &sa, NULL);
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
            close(fd);
            for (;;) {
                pause(); /* the bug: no _exit(), the child lives on */
            }
        }
        close(fd);
    }
}
