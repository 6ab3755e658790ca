/* bug_udp_cstring.c - self-test server (lab 03): treats a datagram as a C string.
 *
 * The bug: the datagram is NUL-terminated and sent back with strlen() bytes,
 * so it stops at its first NUL byte. Text comes back whole; binary data does
 * not. Expected to fail: sizes. */
#include "selftest_udp.h"

int main(int argc, char **argv)
{
    int fd = selftest_udp_bind(argc, argv, "bug_udp_cstring");
    if (fd < 0) {
        return 1;
    }
    static char buf[65536];
    for (;;) {
        struct sockaddr_storage peer;
        socklen_t len = sizeof peer;
        ssize_t n = recvfrom(fd, buf, sizeof buf - 1, 0, (struct sockaddr *)&peer, &len);
        if (n < 0) {
            continue;
        }
        buf[n] = '\0';
        sendto(fd, buf, strlen(buf), 0, (struct sockaddr *)&peer, len); /* BUG: stops at a NUL */
    }
}
