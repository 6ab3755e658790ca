/* selftest_server.h - the accept loop shared by the self-test servers.
 *
 * Each self-test server differs from a correct echo server in one way, and
 * that way should be all its file shows. This header holds the rest: parse
 * PORT, listen, accept clients one after another, hand each to the server's
 * serve() function, close it. Flags switch off the parts a bug is about. */
#ifndef SOCKLAB_SELFTEST_SERVER_H
#define SOCKLAB_SELFTEST_SERVER_H

#include "addr.h"
#include "err.h"

#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/** Leave SIGPIPE at its default action (it kills the process). */
#define SELFTEST_KEEP_SIGPIPE 0x1u
/** Never close a client's socket. */
#define SELFTEST_NO_CLOSE 0x2u
/** Bind without SO_REUSEADDR. */
#define SELFTEST_NO_REUSEADDR 0x4u

/* Listen on every IPv4 address without SO_REUSEADDR. */
static int selftest_listen_plain(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_port = htons(port);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof sin) < 0 || listen(fd, 16) < 0) {
        perror("bind");
        return -1;
    }
    return fd;
}

/* Run an iterative server on argv[1]; serve() handles one client. */
static int selftest_run(int argc, char **argv, const char *name, unsigned flags,
                        void (*serve)(int fd))
{
    char err[SL_ERR_LEN];
    uint16_t port;
    if (argc != 2 || sl_addr_parse_port(argv[1], 0, &port, err) < 0) {
        fprintf(stderr, "usage: %s PORT\n", name);
        return 2;
    }
    int lfd = (flags & SELFTEST_NO_REUSEADDR) ? selftest_listen_plain(port)
                                              : sl_addr_listen(NULL, argv[1], 16, err);
    if (lfd < 0) {
        fprintf(stderr, "%s: cannot listen on port %s\n", name, argv[1]);
        return 1;
    }
    if (!(flags & SELFTEST_KEEP_SIGPIPE)) {
        signal(SIGPIPE, SIG_IGN);
    }
    for (;;) {
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0) {
            continue;
        }
        serve(fd);
        if (!(flags & SELFTEST_NO_CLOSE)) {
            close(fd);
        }
    }
}

#endif
