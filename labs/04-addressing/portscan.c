/*
 * portscan.c - a concurrent TCP connect() scanner. Lab 04.
 *
 * This is the skeleton: it builds, runs, reads its options and tells you
 * what is missing. Your work is marked TODO(step 6); the guide is README.md.
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

/* What became of a port. Keep one per port of the range, in an array
 * indexed by port - FIRST: printing them in ascending order is then a walk
 * through it, whatever order the answers came in. */
enum state { UNTRIED, OPEN, CLOSED, NO_ANSWER };

/* One connection in flight. Keep these beside an array of struct pollfd
 * (one entry each, same index), the array you hand to poll(). */
struct probe {
    int port;
    long deadline; /* on now_ms()'s clock */
};

/* Milliseconds on a clock that never jumps (unlike the time of day). */
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
    const char *first_arg = argv[optind + 1];
    const char *last_arg = argv[optind + 2];

    /* TODO(step 6): the range. FIRST and LAST are port numbers, 1 to 65535
     * (port 0 cannot be connected to), and FIRST <= LAST:
     *   long first = parse_number(first_arg, 1, 65535);
     *   long last = parse_number(last_arg, 1, 65535);
     * A bad one: a message on stderr naming it, nothing on stdout, return 2.
     * A reversed range (FIRST > LAST) likewise. */
    (void)first_arg;
    (void)last_arg;

    /* TODO(step 6): resolve HOST with getaddrinfo(), hints ai_family
     * AF_UNSPEC and ai_socktype SOCK_STREAM, no service; scan the first
     * address it returns. A resolver error is not an errno value:
     * fprintf(stderr, "portscan: %s: %s\n", host, gai_strerror(rc)) and
     * return 1. */
    (void)host;

    /* TODO(step 6): stay under the open-files limit. Each probe in flight
     * is one file descriptor: getrlimit(RLIMIT_NOFILE, &rl), and if
     * parallel + 16 > rl.rlim_cur, make parallel rl.rlim_cur - 16 (the
     * 16 leave room for stdin, stdout, stderr and the resolver). */
    (void)parallel;

    /* TODO(step 6): the scan. Allocate one enum state per port (calloc),
     * and an array of parallel struct pollfd with parallel struct probe
     * beside it. Then loop while ports are left to try or probes are in
     * flight:
     *   1. Fill the window: while ports are left and fewer than parallel
     *      are in flight, start one:
     *        fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)
     *        copy the address into a struct sockaddr_storage, set its port
     *        (sin_port or sin6_port, by family, with htons()), connect().
     *        connect() == 0: OPEN at once (loopback can do that): close(fd).
     *        errno == EINPROGRESS: in flight. Add {fd, POLLOUT} to the
     *          pollfd array and {port, now_ms() + timeout_ms} to the probes.
     *        any other errno (ECONNREFUSED...): CLOSED: close(fd).
     *      socket() failing: say so on stderr, stop scanning, status 1.
     *   2. poll() the pollfds in flight until the earliest deadline among
     *      them: timeout = that deadline - now_ms(), at least 0.
     *   3. For each probe in flight:
     *        revents != 0: the handshake is over, but WHICH way? A refused
     *          connect also makes the socket writable. Ask:
     *            int soerr; socklen_t len = sizeof soerr;
     *            getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
     *          soerr == 0: OPEN; anything else: CLOSED.
     *        no revents and its deadline has passed: NO_ANSWER.
     *      A probe that is done: record its state, close(fd) (or run out of
     *      descriptors), and move the last probe in flight into its place.
     *   After the loop, close what is still in flight, if anything.
     * TODO(step 6): print "PORT open" for each OPEN port, ascending, on
     * stdout; then on stderr a summary:
     *   "portscan: HOST ports FIRST-LAST: N open, N closed, N no answer in N ms"
     * free() what you allocated, freeaddrinfo(), and return 0 (1 if socket()
     * failed). Then delete the lines below. */
    long started = now_ms();
    (void)timeout_ms;
    (void)started;
    fprintf(stderr, "portscan: step 6 is not done yet: see TODO(step 6) in portscan.c and "
                    "labs/04-addressing/README.md\n");
    return 1;
}
