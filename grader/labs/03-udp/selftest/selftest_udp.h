/* selftest_udp.h - the setup shared by the UDP self-test servers (lab 03).
 *
 * Each UDP self-test server differs from a correct udp_echo in its loop, so
 * the loop is all its file shows; this header parses PORT and binds the
 * socket. */
#ifndef SOCKLAB_SELFTEST_UDP_H
#define SOCKLAB_SELFTEST_UDP_H

#include "addr.h"
#include "err.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Bind a UDP socket to argv[1] on every IPv4 address; -1 after a message
 * (the caller exits 1). A usage error exits 2 here, as the guide says. */
static int selftest_udp_bind(int argc, char **argv, const char *name)
{
    char err[SL_ERR_LEN];
    uint16_t port;
    if (argc != 2 || sl_addr_parse_port(argv[1], 0, &port, err) < 0) {
        fprintf(stderr, "usage: %s PORT\n", name);
        exit(2);
    }
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_ANY);
    sin.sin_port = htons(port);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof sin) < 0) {
        perror(name);
        return -1;
    }
    return fd;
}

#endif
