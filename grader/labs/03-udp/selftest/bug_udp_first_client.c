/* bug_udp_first_client.c - self-test server (lab 03): replies to the first client.
 *
 * The bug: the address of the first sender is kept and every reply goes
 * there, as if UDP had one connection per server. Expected to fail:
 * interleaved-clients. */
#include "selftest_udp.h"

int main(int argc, char **argv)
{
    int fd = selftest_udp_bind(argc, argv, "bug_udp_first_client");
    if (fd < 0) {
        return 1;
    }
    static char buf[65535];
    struct sockaddr_storage first;
    socklen_t first_len = 0;
    for (;;) {
        struct sockaddr_storage peer;
        socklen_t len = sizeof peer;
        ssize_t n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&peer, &len);
        if (n < 0) {
            continue;
        }
        if (first_len == 0) {
            first = peer;
            first_len = len;
        }
        sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&first, first_len); /* BUG */
    }
}
