/* bug_pool_unbounded.c - self-test server: lab 06's "pool" that starts a
 * thread for every connection. It echoes correctly and serves everyone at
 * once, but its threads (and memory) grow with its clients, and it never
 * says BUSY. */
#include "addr.h"
#include "err.h"
#include "rio.h"
#include "selftest_listen.h"

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

static void *serve(void *arg)
{
    int fd = (int)(intptr_t)arg;
    char buf[8192];
    ssize_t n;
    while ((n = recv(fd, buf, sizeof buf, 0)) > 0) {
        if (sl_rio_writen(fd, buf, (size_t)n) < 0) {
            break;
        }
    }
    close(fd);
    return NULL;
}

int main(int argc, char **argv)
{
    int lfd = selftest_listen_or_exit(argc == 2 ? argv[1] : NULL, "bug_pool_unbounded PORT");
    signal(SIGPIPE, SIG_IGN);
    for (;;) {
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0) {
            continue;
        }
        pthread_t t;
        /* The bug: one thread per connection, however many come. */
        if (pthread_create(&t, NULL, serve, (void *)(intptr_t)fd) != 0) {
            close(fd);
            continue;
        }
        pthread_detach(t);
    }
}
