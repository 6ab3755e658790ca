/*
 * portscan.c - a concurrent TCP connect() scanner. Lab 04.
 *
 * usage: portscan HOST FIRST LAST [--timeout MS] [--parallel N]
 *
 * Tries a TCP connection to every port from FIRST to LAST on HOST and prints
 * the open ones (those that accept a connection), one per line, in
 * ascending order:
 *
 *     22 open
 *     8080 open
 *
 * Up to N connections (default 100) are in flight at once: each socket is
 * non-blocking, connect() returns at once with EINPROGRESS, and one poll()
 * waits for whichever finishes first. A port that neither accepts nor
 * refuses within MS milliseconds (default 1000) counts as not open (a
 * firewall that drops packets, or a listener whose queue is full). A summary
 * goes to stderr.
 *
 * Exit status: 0 after a scan (whatever it found), 1 if HOST cannot be
 * resolved or sockets cannot be made, 2 for a usage error.
 */
#include "addr.h"
#include "err.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_TIMEOUT_MS 1000
#define DEFAULT_PARALLEL 100
#define MAX_PARALLEL 4096

/* What became of a port. */
enum state { UNTRIED, OPEN, CLOSED, NO_ANSWER };

/* One connection in flight. */
struct probe {
    int port;
    long deadline; /* on now_ms()'s clock */
};

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: portscan HOST FIRST LAST [--timeout MS] [--parallel N]\n"
            "Try a TCP connection to each port FIRST..LAST of HOST, N at a time (default\n"
            "%d), and print the open ones in ascending order. A port that does not answer\n"
            "within MS milliseconds (default %d) is not open.\n",
            DEFAULT_PARALLEL, DEFAULT_TIMEOUT_MS);
}

/* A whole number in [lo, hi], or -1. */
static long parse_number(const char *s, long lo, long hi)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi) {
        return -1;
    }
    return v;
}

/* Did a connection that succeeded reach itself? Connecting to a port in
 * the ephemeral range where nothing listens can pick that very port as the
 * source and "connect" to itself (TCP simultaneous open): not an open port. */
static int self_connected(int fd)
{
    struct sockaddr_storage a, b;
    socklen_t la = sizeof a, lb = sizeof b;
    if (getsockname(fd, (struct sockaddr *)&a, &la) < 0 ||
        getpeername(fd, (struct sockaddr *)&b, &lb) < 0) {
        return 0;
    }
    return la == lb && memcmp(&a, &b, la) == 0;
}

/* Start a non-blocking connect to port. Returns the socket, with *st set
 * to OPEN or CLOSED if the answer came at once, UNTRIED if it is in flight;
 * or -1 if no socket could be made. */
static int start_connect(const struct addrinfo *ai, int port, enum state *st)
{
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -1;
    }
    struct sockaddr_storage ss;
    memcpy(&ss, ai->ai_addr, ai->ai_addrlen);
    if (ss.ss_family == AF_INET) {
        ((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)port);
    } else {
        ((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)port);
    }
    *st = UNTRIED;
    if (connect(fd, (struct sockaddr *)&ss, ai->ai_addrlen) == 0) {
        *st = self_connected(fd) ? CLOSED : OPEN; /* loopback can complete at once */
    } else if (errno != EINPROGRESS) {
        *st = CLOSED; /* ECONNREFUSED, or unreachable */
    }
    return fd;
}

int main(int argc, char **argv)
{
    long timeout_ms = DEFAULT_TIMEOUT_MS;
    long parallel = DEFAULT_PARALLEL;
    static const struct option longopts[] = {
        {"timeout", required_argument, NULL, 't'},
        {"parallel", required_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 't':
            if ((timeout_ms = parse_number(optarg, 1, 600000)) < 0) {
                fprintf(stderr,
                        "portscan: --timeout: not a number of milliseconds from 1 to "
                        "600000: '%s'\n",
                        optarg);
                return 2;
            }
            break;
        case 'p':
            if ((parallel = parse_number(optarg, 1, MAX_PARALLEL)) < 0) {
                fprintf(stderr, "portscan: --parallel: not a number from 1 to %d: '%s'\n",
                        MAX_PARALLEL, optarg);
                return 2;
            }
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (argc - optind != 3) {
        usage(stderr);
        return 2;
    }
    const char *host = argv[optind];
    long first = parse_number(argv[optind + 1], 1, 65535);
    long last = parse_number(argv[optind + 2], 1, 65535);
    if (first < 0 || last < 0) {
        fprintf(stderr, "portscan: '%s': not a port number (1 to 65535)\n",
                argv[optind + (first < 0 ? 1 : 2)]);
        return 2;
    }
    if (first > last) {
        fprintf(stderr, "portscan: empty range: FIRST (%ld) is above LAST (%ld)\n", first, last);
        return 2;
    }

    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int rc = getaddrinfo(host, NULL, &hints, &res);
    if (rc != 0) {
        fprintf(stderr, "portscan: %s: %s\n", host, gai_strerror(rc));
        return 1;
    }

    /* Never ask for more sockets than the open-files limit allows. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
        (rlim_t)parallel + 16 > rl.rlim_cur) {
        parallel = rl.rlim_cur > 32 ? (long)rl.rlim_cur - 16 : 16;
    }

    size_t nports = (size_t)(last - first + 1);
    enum state *state = calloc(nports, sizeof *state);
    struct pollfd *pfd = calloc((size_t)parallel, sizeof *pfd);
    struct probe *probe = calloc((size_t)parallel, sizeof *probe);
    if (state == NULL || pfd == NULL || probe == NULL) {
        fprintf(stderr, "portscan: out of memory\n");
        freeaddrinfo(res);
        free(state);
        free(pfd);
        free(probe);
        return 1;
    }

    long started = now_ms();
    long next = first; /* next port to try */
    nfds_t inflight = 0;
    int status = 0;
    while (next <= last || inflight > 0) {
        /* Fill the window. */
        while (next <= last && inflight < (nfds_t)parallel) {
            enum state st;
            int fd = start_connect(res, (int)next, &st);
            if (fd < 0) {
                fprintf(stderr, "portscan: socket: %s\n", strerror(errno));
                status = 1;
                break;
            }
            if (st != UNTRIED) {
                state[next - first] = st;
                close(fd);
            } else {
                pfd[inflight] = (struct pollfd){.fd = fd, .events = POLLOUT};
                probe[inflight] =
                    (struct probe){.port = (int)next, .deadline = now_ms() + timeout_ms};
                inflight++;
            }
            next++;
        }
        if (status != 0) {
            break;
        }
        if (inflight == 0) {
            continue;
        }
        /* Sleep until a connect finishes or the earliest deadline. */
        long soonest = probe[0].deadline;
        for (nfds_t i = 1; i < inflight; i++) {
            if (probe[i].deadline < soonest) {
                soonest = probe[i].deadline;
            }
        }
        long wait = soonest - now_ms();
        if (poll(pfd, inflight, wait > 0 ? (int)wait : 0) < 0 && errno != EINTR) {
            fprintf(stderr, "portscan: poll: %s\n", strerror(errno));
            status = 1;
            break;
        }
        long now = now_ms();
        for (nfds_t i = 0; i < inflight; i++) {
            enum state st = UNTRIED;
            if (pfd[i].revents != 0) {
                /* Writable means the handshake is over, one way or the
                 * other: SO_ERROR says which (0, or ECONNREFUSED...). */
                int soerr = 0;
                socklen_t len = sizeof soerr;
                if (getsockopt(pfd[i].fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0) {
                    soerr = errno;
                }
                st = soerr == 0 && !self_connected(pfd[i].fd) ? OPEN : CLOSED;
            } else if (now >= probe[i].deadline) {
                st = NO_ANSWER;
            }
            if (st != UNTRIED) {
                state[probe[i].port - first] = st;
                close(pfd[i].fd);
                pfd[i] = pfd[--inflight];
                probe[i] = probe[inflight];
                i--;
            }
        }
    }
    for (nfds_t i = 0; i < inflight; i++) {
        close(pfd[i].fd);
    }

    size_t open = 0, closed = 0, silent = 0;
    for (size_t i = 0; i < nports; i++) {
        if (state[i] == OPEN) {
            printf("%ld open\n", first + (long)i);
            open++;
        } else if (state[i] == CLOSED) {
            closed++;
        } else if (state[i] == NO_ANSWER) {
            silent++;
        }
    }
    if (fflush(stdout) != 0) {
        perror("portscan: stdout");
        status = 1;
    }
    fprintf(stderr, "portscan: %s ports %ld-%ld: %zu open, %zu closed, %zu no answer in %ld ms\n",
            host, first, last, open, closed, silent, now_ms() - started);
    freeaddrinfo(res);
    free(state);
    free(pfd);
    free(probe);
    return status;
}
