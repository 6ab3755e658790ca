/* bug_udp_exit_empty.c - self-test server (lab 03): stops at an empty datagram.
 *
 * The bug: recvfrom() returning 0 is taken for end of file, as recv() on a
 * TCP connection would mean; but an empty datagram is just a datagram.
 * Expected to fail: sizes, burst. */
#include "selftest_udp.h"

int main(int argc, char **argv)
{
    int fd = selftest_udp_bind(argc, argv, "bug_udp_exit_empty");
    if (fd < 0) {
        return 1;
    }
    static char buf[65535];
    for (;;) {
        struct sockaddr_storage peer;
        socklen_t len = sizeof peer;
        ssize_t n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&peer, &len);
        if (n <= 0) {
            fprintf(stderr, "bug_udp_exit_empty: end of input\n");
            return n < 0; /* BUG: 0 is an empty datagram, not the end */
        }
        sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&peer, len);
    }
}
