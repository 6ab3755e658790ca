/*
 * udp_ping.c - measure round trips to a UDP echo server, like ping. Lab 03.
 *
 * This is the skeleton: it builds, runs, checks its arguments and tells you
 * what is missing. Your work is marked TODO(step 5); the guide is README.md.
 *
 * usage: udp_ping HOST PORT COUNT [--interval MS] [--timeout MS]
 *
 * Sends COUNT probes, one every MS milliseconds (--interval, default 1000),
 * each a datagram "seq=N t=NANOSECONDS". An echo server sends each back; the
 * reply is matched to its probe by the sequence number in it. For every
 * probe one line is printed on stdout, in the order things happen:
 *
 *     seq=3 rtt=0.412 ms      the reply came back after 0.412 ms
 *     seq=4 timeout           no reply within --timeout MS (default 1000)
 *
 * and at the end a summary:
 *
 *     10 sent, 9 received, 10.0% loss, rtt min/avg/max = 0.051/0.090/0.412 ms
 *
 * A reply that comes after its probe timed out, or a second copy of a reply,
 * is ignored: each probe is counted once. The run takes at most
 * (COUNT - 1) x interval + timeout.
 *
 * Exit status: 0 if at least one reply came back, 1 if none did or if the
 * server's port is closed (reported as "udp_ping: HOST:PORT: Connection
 * refused"), 2 for a usage error.
 */
#include "err.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_COUNT 1000000

static void usage(FILE *out)
{
    fprintf(out, "usage: udp_ping HOST PORT COUNT [--interval MS] [--timeout MS]\n"
                 "Send COUNT numbered probes to a UDP echo server, one every MS ms\n"
                 "(default 1000), and report each round trip, or a timeout (default\n"
                 "1000 ms), then a summary.\n");
}

/* Parse a whole number in [lo, hi]; -1 if it is not one. */
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
    if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        usage(stdout);
        return 0;
    }
    if (argc < 4) {
        usage(stderr);
        return 2;
    }
    const char *host = argv[1];
    const char *port = argv[2];
    long count = parse_number(argv[3], 1, MAX_COUNT);
    long interval_ms = 1000;
    long timeout_ms = 1000;
    for (int i = 4; i < argc; i += 2) {
        long *opt = strcmp(argv[i], "--interval") == 0  ? &interval_ms
                    : strcmp(argv[i], "--timeout") == 0 ? &timeout_ms
                                                        : NULL;
        if (opt == NULL || i + 1 >= argc || (*opt = parse_number(argv[i + 1], 0, 3600000)) < 0) {
            usage(stderr);
            return 2;
        }
    }
    if (count < 0) {
        fprintf(stderr, "udp_ping: COUNT must be a number from 1 to %d\n", MAX_COUNT);
        return 2;
    }

    /* TODO(step 5): open a UDP socket connected to host:port.
     *   getaddrinfo(host, port, &hints, &res) with hints.ai_socktype =
     *   SOCK_DGRAM; then socket() and connect() on an address it returns.
     *   connect() sends nothing: it fixes the peer, so send() and recv()
     *   need no address, and an ICMP "port unreachable" comes back as
     *   ECONNREFUSED from a later send() or recv().
     *
     * TODO(step 5): keep one state per probe, in an array indexed by its
     *   sequence number: when it was sent (clock_gettime(CLOCK_MONOTONIC)),
     *   and whether it is pending, answered or timed out.
     *
     * TODO(step 5): one loop, until every probe is answered or timed out:
     *   1. send the probes that are due: probe N at start + (N - 1) x
     *      interval, as "seq=N t=NANOSECONDS" (snprintf, then send());
     *   2. every pending probe sent more than timeout ago: print
     *      "seq=N timeout" and mark it timed out;
     *   3. poll() the socket until the nearer of the next send and the
     *      oldest pending probe's timeout;
     *   4. on a reply, read N with sscanf(buf, "seq=%ld", &n); if probe N
     *      is pending, print "seq=N rtt=X.XXX ms" and mark it answered;
     *      otherwise (late, duplicate, not ours) ignore it.
     *   ECONNREFUSED from send() or recv(): print
     *   "udp_ping: HOST:PORT: Connection refused" on stderr and exit 1.
     *
     * TODO(step 5): print the summary, as in the comment at the top, and
     *   exit 0 if any reply came back, 1 if none did.
     */
    (void)host;
    (void)port;
    (void)interval_ms;
    (void)timeout_ms;
    fprintf(stderr, "udp_ping: step 5 is not done yet: see TODO(step 5) in udp_ping.c and "
                    "labs/03-udp/README.md\n");
    return 1;
}
