/* bug_udp_loopback.c - self-test server (lab 03): bound to 127.0.0.1 only.
 *
 * The bug: bind() to INADDR_LOOPBACK (or inet_pton("127.0.0.1")) where the
 * guide says every IPv4 address (INADDR_ANY): datagrams to the machine's
 * other addresses get no answer. Expected to fail: every-address. */
#include "addr.h"
#include "err.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

int main(int argc, char **argv)
{
    char err[SL_ERR_LEN];
    uint16_t port;
    if (argc != 2 || sl_addr_parse_port(argv[1], 0, &port, err) < 0) {
        fprintf(stderr, "usage: bug_udp_loopback PORT\n");
        return 2;
    }
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK); /* BUG: one address, not all */
    sin.sin_port = htons(port);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof sin) < 0) {
        perror("bug_udp_loopback");
        return 1;
    }
    for (;;) {
        static char buf[65536];
        struct sockaddr_storage peer;
        socklen_t len = sizeof peer;
        ssize_t n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&peer, &len);
        if (n >= 0) {
            sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&peer, len);
        }
    }
}
