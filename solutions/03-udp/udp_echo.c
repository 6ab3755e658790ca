/*
 * udp_echo.c - a UDP echo server (RFC 862, the UDP half). Lab 03.
 *
 * usage: udp_echo PORT
 *
 * Binds a UDP socket to PORT on every IPv4 address of this host and sends
 * each datagram it receives back to its sender, as one datagram of the same
 * length and bytes. Datagrams from any number of clients may arrive in any
 * order; each reply goes to the address its request came from.
 *
 * Exit status: 2 for a usage error or a bad PORT, 1 if the server cannot
 * start (e.g. the port is in use). Otherwise the server runs until a signal
 * (Ctrl-C, kill) stops it: no datagram, and no error caused by one client,
 * makes it exit.
 */
#include "addr.h"
#include "err.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

/* The largest UDP payload is 65507 bytes over IPv4 (65535 minus the IP and
 * UDP headers). A buffer this big never cuts a datagram short: recvfrom()
 * silently drops whatever does not fit. */
#define DGRAM_MAX 65535

static void usage(FILE *out)
{
    fprintf(out, "usage: udp_echo PORT\n"
                 "Bind UDP PORT (every IPv4 address) and send each datagram back to\n"
                 "its sender, unchanged.\n");
}

/*
 * Open a UDP socket bound to @port on every IPv4 address.
 * Returns the socket (the caller closes it), or -1 with the reason in @err.
 */
static int open_bound_socket(uint16_t port, char *err)
{
    /* SOCK_DGRAM: messages with boundaries, no connection, no guarantee of
     * delivery or order. There is no listen() and no accept(): the one
     * bound socket talks to every client. */
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) {
        sl_err_errno(err, "socket");
        return -1;
    }
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_ANY);
    addr.sin_port = htons(port);
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
        sl_err_errno(err, "bind 0.0.0.0 port %u", (unsigned)port);
        close(fd);
        return -1;
    }
    return fd;
}

int main(int argc, char **argv)
{
    if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        usage(stdout);
        return 0;
    }
    if (argc != 2) {
        usage(stderr);
        return 2;
    }
    char err[SL_ERR_LEN];
    uint16_t port = 0;
    if (sl_addr_parse_port(argv[1], 0, &port, err) < 0) {
        fprintf(stderr, "udp_echo: %s\n", err);
        return 2;
    }
    int fd = open_bound_socket(port, err);
    if (fd < 0) {
        fprintf(stderr, "udp_echo: %s\n", err);
        return 1;
    }
    fprintf(stderr, "udp_echo: bound to UDP port %u\n", (unsigned)port);

    /* Static: 64 KiB is a lot for the stack, and one buffer is all we need. */
    static unsigned char buf[DGRAM_MAX];
    for (;;) {
        /* recvfrom() returns one whole datagram and says who sent it. The
         * length may be 0: an empty datagram is a datagram, not end of file
         * (UDP has no connection to end). */
        struct sockaddr_storage peer;
        socklen_t peer_len = sizeof peer;
        ssize_t n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&peer, &peer_len);
        if (n < 0) {
            /* EINTR: a signal. ECONNREFUSED and friends: Linux may report
             * an ICMP error caused by an earlier reply. Neither is a reason
             * to stop serving everyone else. */
            if (errno != EINTR) {
                perror("udp_echo: recvfrom");
            }
            continue;
        }
        /* Exactly n bytes, as one datagram, to exactly that address. A
         * datagram is sent whole or not at all: no loop as with TCP. */
        if (sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&peer, peer_len) < 0) {
            char who[SL_ADDR_STRLEN] = "?";
            sl_addr_format((struct sockaddr *)&peer, peer_len, who, sizeof who);
            fprintf(stderr, "udp_echo: sendto %s: %s\n", who, strerror(errno));
        }
    }
}
