/* bug_fork_errpath.c - self-test server: lab 06's fork server whose child
 * exits only on end of file. When recv() or send() fails (the client reset
 * its connection), the child breaks out of its echo loop into the parent's
 * code: it closes the socket and goes back to accept(), on the listening
 * socket it still has. It is now a second server, for good. A client that
 * closes normally never shows it (fork-no-zombies passes); one that resets
 * leaves a process behind. */
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
    int lfd = selftest_listen_or_exit(argc == 2 ? argv[1] : NULL, "bug_fork_errpath PORT");
    signal(SIGPIPE, SIG_IGN);
    struct sigaction sa = {.sa_handler = reap, .sa_flags = SA_RESTART};
    sigaction(SIGCHLD, &sa, NULL);
    for (;;) {
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0) {
            continue;
        }
        if (fork() == 0) {
            char buf[8192];
            for (;;) {
                ssize_t n = recv(fd, buf, sizeof buf, 0);
                if (n == 0) {
                    close(fd);
                    _exit(0); /* the only way out of the child */
                }
                if (n < 0 || sl_rio_writen(fd, buf, (size_t)n) < 0) {
                    break; /* the bug: back to the parent's code below */
                }
            }
        }
        close(fd);
    }
}
