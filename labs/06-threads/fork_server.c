/*
 * fork_server.c - a TCP echo server with a process per connection. Lab 06.
 *
 * This is the skeleton: it builds and runs, and serves one client at a
 * time. Your work is marked TODO(step 7); the guide is README.md.
 *
 * usage: fork_server PORT
 *
 * The parent only accepts: for each connection it fork()s a child, which
 * echoes that client until it closes and then exits. The parent closes its
 * own copy of the connection at once (otherwise the client would never see
 * end of file), and reaps every child that exits, in a SIGCHLD handler that
 * calls waitpid() until there is nothing left to reap. A child that is
 * never reaped stays a zombie: an entry in the process table, until the
 * parent exits.
 *
 * Exit status: 2 for a usage error or a bad PORT, 1 if the server cannot
 * start. Otherwise it runs until a signal stops it.
 */
#include "addr.h"
#include "err.h"
#include "rio.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* Reap every child that has exited. Signals do not queue: one SIGCHLD may
 * stand for several children, hence the loop, and WNOHANG, so that the
 * handler never waits for a child that is still running. */
static void on_sigchld(int sig)
{
    (void)sig;
    /* TODO(step 7): save errno (the interrupted code may be about to read
     * it), then reap every child that has exited:
     *   while (waitpid(-1, NULL, WNOHANG) > 0) { }
     * and restore errno. */
}

/* Echo everything the client sends until it closes. */
static void echo(int fd)
{
    char buf[16384];
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0 || sl_rio_writen(fd, buf, (size_t)n) < 0) {
            return;
        }
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: fork_server PORT\n");
        return 2;
    }
    char err[SL_ERR_LEN];
    uint16_t port;
    if (sl_addr_parse_port(argv[1], 0, &port, err) < 0) {
        fprintf(stderr, "fork_server: %s\n", err);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigchld;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART | SA_NOCLDSTOP; /* restart accept(); stopped children don't count */
    if (sigaction(SIGCHLD, &sa, NULL) < 0) {
        perror("fork_server: sigaction");
        return 1;
    }
    int lfd = sl_addr_listen(NULL, argv[1], 128, err);
    if (lfd < 0) {
        fprintf(stderr, "fork_server: %s\n", err);
        return 1;
    }
    fprintf(stderr, "fork_server: listening on port %u\n", (unsigned)port);
    for (;;) {
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0) {
            if (errno != EINTR) {
                perror("fork_server: accept");
            }
            continue;
        }
        /* TODO(step 7): this serves the client here: one client at a time.
         * Delete these three lines, so that a child serves it (below). */
        echo(fd);
        close(fd);
        continue;
        pid_t pid = fork();
        if (pid == 0) {
            /* The child: serve this one client, then exit. It needs no
             * listening socket. _exit(), not exit() or return: the child
             * must not run the parent's exit handlers or flush its stdio. */
            close(lfd);
            echo(fd);
            close(fd);
            _exit(0);
        }
        if (pid < 0) {
            perror("fork_server: fork");
        }
        /* The parent: the child has its own copy of the connection. */
        close(fd);
    }
}
