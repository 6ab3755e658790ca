/* bug_udp_ping.c - self-test clients (lab 03): wrong udp_pings.
 *
 * usage: bug_udp_ping MODE HOST PORT COUNT --interval MS --timeout MS
 *
 * All three wait for each reply before sending the next probe, as the seeds'
 * clients do with settimeout(); so all take COUNT timeouts when everything is
 * lost (client-duration). Besides:
 *   serial       matches replies by sequence number: nothing else is wrong;
 *   any-reply    takes whatever arrives first as the current probe's reply,
 *                so a late or duplicate reply is counted (client-late-dup);
 *   unconnected  uses sendto() on an unconnected socket, where ICMP errors
 *                are not reported, so a closed port looks like plain loss
 *                (client-refused);
 *   blocking     sets no timeout at all: the first lost probe's recv()
 *                waits forever (client-loss, client-late-dup, client-no-reply
 *                and client-duration);
 *   exit0        exits 0 whatever came back, none included (client-no-reply). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
    if (argc != 9) {
        fprintf(stderr, "usage: bug_udp_ping MODE HOST PORT COUNT --interval MS --timeout MS\n");
        return 2;
    }
    const char *mode = argv[1];
    int count = atoi(argv[4]);
    int interval = atoi(argv[6]);
    int timeout = atoi(argv[8]);
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_port = htons((uint16_t)atoi(argv[3]));
    inet_pton(AF_INET, argv[2], &sin.sin_addr);
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    int connected = strcmp(mode, "unconnected") != 0;
    if (connected && connect(fd, (struct sockaddr *)&sin, sizeof sin) < 0) {
        perror("bug_udp_ping: connect");
        return 1;
    }
    struct timeval tv = {timeout / 1000, (timeout % 1000) * 1000};
    if (strcmp(mode, "blocking") != 0) {
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    }
    int received = 0;
    for (int seq = 1; seq <= count; seq++) {
        double sent = now_ms();
        char msg[64];
        int len = snprintf(msg, sizeof msg, "seq=%d t=%.0f", seq, sent * 1e6);
        sendto(fd, msg, (size_t)len, 0, (struct sockaddr *)&sin, sizeof sin);
        for (;;) {
            char buf[512];
            ssize_t n = recv(fd, buf, sizeof buf - 1, 0);
            if (n < 0) {
                if (connected && errno == ECONNREFUSED) {
                    fprintf(stderr, "bug_udp_ping: %s:%s: Connection refused\n", argv[2], argv[3]);
                    return 1;
                }
                printf("seq=%d timeout\n", seq);
                break;
            }
            buf[n] = '\0';
            int got = 0;
            if (sscanf(buf, "seq=%d", &got) != 1) {
                continue;
            }
            if (got != seq && strcmp(mode, "any-reply") != 0) {
                continue; /* late or duplicate: not this probe's reply */
            }
            printf("seq=%d rtt=%.3f ms\n", seq, now_ms() - sent);
            received++;
            break;
        }
        double wait = interval - (now_ms() - sent);
        if (wait > 0 && seq < count) {
            usleep((useconds_t)(wait * 1000));
        }
    }
    printf("%d sent, %d received, %.1f%% loss\n", count, received,
           100.0 * (count - received) / count);
    if (strcmp(mode, "exit0") == 0) {
        return 0; /* the bug: "no reply at all" looks like success */
    }
    return received > 0 ? 0 : 1;
}
