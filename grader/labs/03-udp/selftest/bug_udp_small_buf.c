/* bug_udp_small_buf.c - self-test server (lab 03): a 1 KiB receive buffer.
 *
 * The bug: recvfrom() into a buffer smaller than the datagram cuts it short
 * without an error; the rest is lost. Expected to fail: sizes. */
#include "selftest_udp.h"

int main(int argc, char **argv)
{
    int fd = selftest_udp_bind(argc, argv, "bug_udp_small_buf");
    if (fd < 0) {
        return 1;
    }
    for (;;) {
        char buf[1024]; /* BUG: a datagram may be up to 65507 bytes */
        struct sockaddr_storage peer;
        socklen_t len = sizeof peer;
        ssize_t n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&peer, &len);
        if (n >= 0) {
            sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&peer, len);
        }
    }
}
