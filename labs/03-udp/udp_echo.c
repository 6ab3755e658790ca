/*
 * udp_echo.c - a UDP echo server (RFC 862, the UDP half). Lab 03.
 *
 * This is the skeleton: it builds and runs, and tells you which step is
 * missing. Your work is marked TODO(step 1) to (step 4); the guide is
 * README.md.
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
    /* TODO(step 1): open the socket. No listen() and no accept() with UDP:
     * the one bound socket receives every client's datagrams.
     *   1. int fd = socket(AF_INET, SOCK_DGRAM, 0);
     *      on -1: sl_err_errno(err, "socket") and return -1.
     *   2. struct sockaddr_in addr, zeroed with memset(), then
     *        addr.sin_family = AF_INET;
     *        addr.sin_addr.s_addr = htonl(INADDR_ANY);   (every local address)
     *        addr.sin_port = htons(port);                (network byte order)
     *   3. bind(fd, (struct sockaddr *)&addr, sizeof addr);
     *      on -1: sl_err_errno(err, "bind 0.0.0.0 port %u", (unsigned)port),
     *      close(fd) and return -1.
     *   Return fd.
     */
    (void)port;
    sl_err_set(err, "step 1 is not done yet: see TODO(step 1) in udp_echo.c and "
                    "labs/03-udp/README.md");
    return -1;
}

/*
 * Receive one datagram on @fd and send it back to its sender.
 * Returns 0, or -1 with errno set if the server should stop.
 * The caller owns @fd.
 */
static int echo_one(int fd)
{
    /* TODO(step 3): 1024 bytes is too small: recvfrom() cuts a longer
     * datagram to the buffer's size, silently, and the rest is lost. The
     * largest UDP payload is 65507 bytes over IPv4: make the buffer 65535
     * bytes, and static (64 KiB is a lot for the stack). */
    char buf[1024];

    /* TODO(step 1): echo one datagram.
     *   struct sockaddr_storage peer;          (room for any address)
     *   socklen_t peer_len = sizeof peer;      (in: room; out: length used)
     *   ssize_t n = recvfrom(fd, buf, sizeof buf, 0,
     *                        (struct sockaddr *)&peer, &peer_len);
     *   on -1: return -1 for now (step 4 changes that).
     *   sendto(fd, buf, n, 0, (struct sockaddr *)&peer, peer_len);
     *   One sendto() of exactly n bytes: one datagram back, the same length.
     *
     * TODO(step 3): n == 0 is an empty datagram, not end of file: echo it
     *   like any other (a 0-byte sendto() is fine).
     *
     * TODO(step 4): an error of recvfrom() or sendto() (EINTR, ECONNREFUSED,
     *   ENOBUFS) concerns one datagram, never the server: log it with
     *   perror() and return 0, so the loop goes on.
     */
    (void)fd;
    (void)buf;
    fprintf(stderr, "udp_echo: step 1 is not done yet: echo_one() does not echo; see "
                    "TODO(step 1) in udp_echo.c and labs/03-udp/README.md\n");
    errno = ENOSYS;
    return -1;
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

    /* TODO(step 2): this echoes ONE datagram, then the server exits. Call
     * echo_one() in a for (;;) loop instead, and delete the "step 2"
     * message below. When echo_one() returns -1, perror() and break. */
    if (echo_one(fd) < 0) {
        perror("udp_echo");
        close(fd);
        return 1;
    }
    fprintf(stderr, "udp_echo: step 2 is not done yet: the server stops after one datagram; "
                    "see TODO(step 2) in udp_echo.c and labs/03-udp/README.md\n");
    close(fd);
    return 1;
}
