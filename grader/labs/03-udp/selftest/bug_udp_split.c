/* bug_udp_split.c - self-test server (lab 03): replies in 512-byte pieces.
 *
 * The bug: a TCP habit, sending a long reply in chunks. Over UDP every
 * sendto() is a datagram of its own, so the client gets several datagrams
 * instead of one. Expected to fail: boundaries, sizes. */
#include "selftest_udp.h"

int main(int argc, char **argv)
{
    int fd = selftest_udp_bind(argc, argv, "bug_udp_split");
    if (fd < 0) {
        return 1;
    }
    static char buf[65535];
    for (;;) {
        struct sockaddr_storage peer;
        socklen_t len = sizeof peer;
        ssize_t n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&peer, &len);
        if (n < 0) {
            continue;
        }
        ssize_t off = 0;
        do { /* BUG: each piece becomes a datagram of its own */
            size_t piece = n - off > 512 ? 512 : (size_t)(n - off);
            sendto(fd, buf + off, piece, 0, (struct sockaddr *)&peer, len);
            off += (ssize_t)piece;
        } while (off < n);
    }
}
