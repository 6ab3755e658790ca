/* bug_scan.c - lab 04's port scanner with one classic bug each, chosen by MODE:
 *
 *   sequential  one connect at a time, each waited for up to the timeout
 *               (the seed's scan_port(), connect_ex() with settimeout(),
 *               called for one port after another)
 *   writable    takes "writable" for "connected" without reading SO_ERROR:
 *               refused ports are reported open
 *   leak        never closes its sockets: a large range runs out of files
 *   hangopen    takes "not refused" for open: a port still silent at its
 *               deadline is reported open
 *   noargs      checks no argument: a reversed range scans nothing, exit 0
 *   bounds      checks the limits with < where <= is meant: refuses port
 *               65535 and --parallel 4096, the ends of the ranges
 *
 * usage: bug_scan MODE HOST FIRST LAST [--timeout MS] [--parallel N] */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* A whole number, or -1 (the argument checks are right in every mode but noargs). */
static long number(const char *s)
{
    char *end;
    long v = strtol(s, &end, 10);
    return end == s || *end != '\0' ? -1 : v;
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[2], "--help") == 0 && strcmp(argv[1], "noargs") != 0) {
        printf("usage: portscan HOST FIRST LAST [--timeout MS] [--parallel N]\n");
        return 0;
    }
    if (argc < 5) {
        fprintf(stderr, "usage: bug_scan MODE HOST FIRST LAST [--timeout MS] [--parallel N]\n");
        return 2;
    }
    const char *mode = argv[1];
    int first = (int)number(argv[3]), last = (int)number(argv[4]);
    int timeout = 1000, parallel = 100;
    for (int i = 5; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--timeout") == 0) {
            timeout = (int)number(argv[i + 1]);
        } else if (strcmp(argv[i], "--parallel") == 0) {
            parallel = (int)number(argv[i + 1]);
        } else {
            timeout = -1; /* an unknown option: a usage error below */
        }
    }
    int sequential = strcmp(mode, "sequential") == 0;
    int writable = strcmp(mode, "writable") == 0;
    int leak = strcmp(mode, "leak") == 0;
    int hangopen = strcmp(mode, "hangopen") == 0;
    int bounds = strcmp(mode, "bounds") == 0; /* the bug: one short at the top */
    int max_port = bounds ? 65534 : 65535;
    int max_parallel = bounds ? 4095 : 4096;
    if (strcmp(mode, "noargs") != 0 &&
        (argc % 2 == 0 || first < 1 || last > max_port || first > last || timeout < 1 ||
         timeout > 600000 || parallel < 1 || parallel > max_parallel)) {
        fprintf(stderr, "bug_scan: bad arguments\n");
        return 2;
    }
    if (sequential) {
        parallel = 1;
    }
    struct addrinfo hints, *res;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    int rc = getaddrinfo(argv[2], NULL, &hints, &res);
    if (rc != 0) {
        fprintf(stderr, "bug_scan: %s: %s\n", argv[2], gai_strerror(rc));
        return 1;
    }
    struct sockaddr_in sin = *(struct sockaddr_in *)res->ai_addr;
    freeaddrinfo(res);
    int nports = last >= first ? last - first + 1 : 0;
    char *open = calloc((size_t)nports + 1, 1);
    for (int base = first; base <= last; base += parallel) {
        /* A batch at a time: start them all, wait for them all. */
        struct pollfd pfd[4096];
        int port[4096];
        int n = 0;
        for (int p = base; p <= last && p < base + parallel && n < 4096; p++) {
            int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
            if (fd < 0) {
                fprintf(stderr, "bug_scan: socket: %s\n", strerror(errno));
                return 1;
            }
            sin.sin_port = htons((unsigned short)p);
            connect(fd, (struct sockaddr *)&sin, sizeof sin);
            pfd[n] = (struct pollfd){.fd = fd, .events = POLLOUT};
            port[n++] = p;
        }
        long deadline = now_ms() + timeout;
        int left = n;
        while (left > 0 && now_ms() < deadline) {
            if (poll(pfd, (nfds_t)n, (int)(deadline - now_ms())) <= 0) {
                break;
            }
            for (int i = 0; i < n; i++) {
                if (pfd[i].fd >= 0 && pfd[i].revents != 0) {
                    int err = 0;
                    socklen_t len = sizeof err;
                    getsockopt(pfd[i].fd, SOL_SOCKET, SO_ERROR, &err, &len);
                    open[port[i] - first] = writable || err == 0;
                    if (!leak) {
                        close(pfd[i].fd);
                    }
                    pfd[i].fd = -1;
                    left--;
                }
            }
        }
        for (int i = 0; i < n; i++) {
            if (pfd[i].fd >= 0 && hangopen) {
                open[port[i] - first] = 1; /* the bug: never refused, so "open" */
            }
            if (pfd[i].fd >= 0 && !leak) {
                close(pfd[i].fd);
            }
        }
    }
    for (int i = 0; i < nports; i++) {
        if (open[i]) {
            printf("%d open\n", first + i);
        }
    }
    free(open);
    return 0;
}
