/*
 * udp_ping.c - measure round trips to a UDP echo server, like ping. Lab 03.
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

/* What became of one probe. */
enum { PROBE_UNSENT, PROBE_PENDING, PROBE_REPLIED, PROBE_TIMED_OUT };

typedef struct probe {
    long long pr_sent_ns; /* when it was sent, CLOCK_MONOTONIC */
    int pr_state;
} probe;

static void usage(FILE *out)
{
    fprintf(out, "usage: udp_ping HOST PORT COUNT [--interval MS] [--timeout MS]\n"
                 "Send COUNT numbered probes to a UDP echo server, one every MS ms\n"
                 "(default 1000), and report each round trip, or a timeout (default\n"
                 "1000 ms), then a summary.\n");
}

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
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

/*
 * Open a UDP socket connected to @host : @port. connect() sends nothing; it
 * fixes the peer, so that only its datagrams are received and an ICMP "port
 * unreachable" comes back as ECONNREFUSED. Returns the socket (the caller
 * closes it), or -1 with the reason in @err.
 */
static int open_connected(const char *host, const char *port, char *err)
{
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;
    struct addrinfo *res = NULL;
    int gai = getaddrinfo(host, port, &hints, &res);
    if (gai != 0) {
        sl_err_set(err, "%s:%s: %s", host, port, gai_strerror(gai));
        return -1;
    }
    int fd = -1;
    for (struct addrinfo *ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
            sl_err_errno(err, "%s:%s", host, port);
            close(fd);
            fd = -1;
        } else if (fd < 0) {
            sl_err_errno(err, "socket");
        }
    }
    freeaddrinfo(res);
    return fd;
}

/* The sequence number in a reply "seq=N t=...", or -1 if it is not one of ours. */
static long reply_seq(const char *buf, ssize_t n, long count)
{
    char text[64];
    if (n <= 0 || (size_t)n >= sizeof text) {
        return -1;
    }
    memcpy(text, buf, (size_t)n);
    text[n] = '\0';
    long seq;
    long long t;
    if (sscanf(text, "seq=%ld t=%lld", &seq, &t) != 2 || seq < 1 || seq > count) {
        return -1;
    }
    return seq;
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

    char err[SL_ERR_LEN];
    int fd = open_connected(host, port, err);
    if (fd < 0) {
        fprintf(stderr, "udp_ping: %s\n", err);
        return 1;
    }
    probe *probes = calloc((size_t)count + 1, sizeof *probes); /* [1..count] */
    if (probes == NULL) {
        fprintf(stderr, "udp_ping: out of memory\n");
        close(fd);
        return 1;
    }
    /* Each line at once, even into a pipe: a reader sees progress live. */
    setvbuf(stdout, NULL, _IOLBF, 0);

    const long long interval = interval_ms * 1000000LL;
    const long long timeout = timeout_ms * 1000000LL;
    const long long start = now_ns();
    long next = 1;   /* the next probe to send */
    long oldest = 1; /* every probe before it is answered or timed out */
    long received = 0;
    double min = 0, max = 0, sum = 0;
    int status = 0;

    while (oldest <= count) {
        long long now = now_ns();
        /* Send the probes that are due. */
        while (next <= count && now >= start + (next - 1) * interval) {
            char msg[64];
            int len = snprintf(msg, sizeof msg, "seq=%ld t=%lld", next, now);
            probes[next].pr_sent_ns = now;
            probes[next].pr_state = PROBE_PENDING;
            /* A lost send is a lost probe: it will time out like any other. */
            if (send(fd, msg, (size_t)len, 0) < 0 && errno == ECONNREFUSED) {
                goto refused;
            }
            next++;
        }
        /* Time out the pending probes whose time is up, oldest first. */
        for (long s = oldest; s < next; s++) {
            if (probes[s].pr_state == PROBE_PENDING && now >= probes[s].pr_sent_ns + timeout) {
                probes[s].pr_state = PROBE_TIMED_OUT;
                printf("seq=%ld timeout\n", s);
            }
        }
        while (oldest < next && probes[oldest].pr_state != PROBE_PENDING) {
            oldest++;
        }
        if (oldest > count) {
            break;
        }
        /* Wait for a reply until the next send or the next timeout. */
        long long wake = next <= count ? start + (next - 1) * interval : -1;
        for (long s = oldest; s < next; s++) {
            if (probes[s].pr_state == PROBE_PENDING) {
                long long t = probes[s].pr_sent_ns + timeout;
                wake = wake < 0 || t < wake ? t : wake;
                break; /* sent in order, so the oldest pending times out first */
            }
        }
        long long wait_ns = wake - now;
        int wait_ms = wait_ns <= 0 ? 0 : (int)((wait_ns + 999999) / 1000000);
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, wait_ms) <= 0) {
            continue;
        }
        char buf[512];
        ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n < 0) {
            if (errno == ECONNREFUSED) {
                goto refused;
            }
            continue;
        }
        long seq = reply_seq(buf, n, count);
        /* Not ours, late (timed out already) or a duplicate: ignore it. */
        if (seq < 0 || probes[seq].pr_state != PROBE_PENDING) {
            continue;
        }
        double rtt = (double)(now_ns() - probes[seq].pr_sent_ns) / 1e6;
        probes[seq].pr_state = PROBE_REPLIED;
        printf("seq=%ld rtt=%.3f ms\n", seq, rtt);
        min = received == 0 || rtt < min ? rtt : min;
        max = received == 0 || rtt > max ? rtt : max;
        sum += rtt;
        received++;
    }

    printf("%ld sent, %ld received, %.1f%% loss", count, received,
           100.0 * (double)(count - received) / (double)count);
    if (received > 0) {
        printf(", rtt min/avg/max = %.3f/%.3f/%.3f ms", min, sum / (double)received, max);
    }
    printf("\n");
    status = received > 0 ? 0 : 1;
    goto out;

refused:
    fflush(stdout);
    fprintf(stderr, "udp_ping: %s:%s: %s\n", host, port, strerror(ECONNREFUSED));
    status = 1;
out:
    free(probes);
    close(fd);
    return status;
}
