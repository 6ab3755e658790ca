/* portscan.c - lab 04's checks of portscan (step 6): seeded listeners that
 * accept, hang or refuse, a concurrent scan, and bad arguments. */
#include "addr.h"
#include "lab04.h"

#include "err.h"
#include "net/port.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/un.h>
#include <unistd.h>

/* ---- step 6: the port scanner ---------------------------------------------- */

enum port_kind { PORT_CLOSED, PORT_OPEN, PORT_SILENT };

/* Ports the grader set up for one scan. */
typedef struct scan_setup {
    int first, last;
    unsigned char *kind; /* per port: enum port_kind */
    int *fds;            /* listeners and the connections that fill their queues */
    size_t nfds, capfds;
} scan_setup;

static void scan_free(scan_setup *s)
{
    for (size_t i = 0; i < s->nfds; i++) {
        close(s->fds[i]);
    }
    free(s->fds);
    free(s->kind);
    memset(s, 0, sizeof *s);
}

static int keep_fd(scan_setup *s, int fd)
{
    if (s->nfds == s->capfds) {
        size_t cap = s->capfds != 0 ? 2 * s->capfds : 32;
        int *f = realloc(s->fds, cap * sizeof *f);
        if (f == NULL) {
            return -1;
        }
        s->fds = f;
        s->capfds = cap;
    }
    s->fds[s->nfds++] = fd;
    return 0;
}

/* A socket bound to 127.0.0.1:port, or -1 if the port is taken. */
static int bind_port(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -1;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_port = htons((uint16_t)port);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&sin, sizeof sin) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Make listener fd (bound to port) one whose connects hang (net/port.h). */
static int make_silent(gr_ctx *ctx, scan_setup *s, int fd, int port)
{
    int fills[GR_SILENT_FILLS];
    char err[SL_ERR_LEN] = "";
    int n = gr_silent_listen(fd, port, fills, gr_ms(ctx, 2000), err);
    if (n < 0) {
        return gr_fail(ctx, "grader could not make port %d hang: %s", port, err);
    }
    int rc = 0;
    for (int i = 0; i < n; i++) {
        if (rc == 0 && keep_fd(s, fills[i]) < 0) {
            rc = gr_fail(ctx, "grader could not keep a connection: %s", strerror(errno));
        }
        if (rc < 0) {
            close(fills[i]);
        }
    }
    return rc;
}

/* The lowest and highest ephemeral ports (scans stay out of them: a connect
 * to a port in that range can pick the same port as its source and connect
 * to itself). */
static void ephemeral_range(int *lo, int *hi)
{
    *lo = 32768;
    *hi = 60999;
    FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
    if (f != NULL) {
        if (fscanf(f, "%d %d", lo, hi) != 2) {
            *lo = 32768;
            *hi = 60999;
        }
        fclose(f);
    }
}

/* Open nports ports in a row: nopen that accept, nsilent whose connects
 * hang, the rest closed, at seeded places. Ports that some other program
 * uses are avoided. */
static int scan_prepare(gr_ctx *ctx, scan_setup *s, int nports, int nopen, int nsilent)
{
    memset(s, 0, sizeof *s);
    int lo, hi;
    ephemeral_range(&lo, &hi);
    /* Bases below the ephemeral range (from 10000) and above it. */
    int nbelow = lo - nports - 10000 > 0 ? lo - nports - 10000 : 0;
    int nabove = 65536 - nports - (hi + 1) > 0 ? 65536 - nports - (hi + 1) : 0;
    if (nbelow + nabove == 0) {
        nbelow = 65536 - nports - 10000; /* every port is ephemeral here: take the risk */
    }
    s->kind = calloc((size_t)nports, 1);
    if (s->kind == NULL) {
        return gr_fail(ctx, "grader out of memory");
    }
    for (int attempt = 0; attempt < 20; attempt++) {
        int pick = (int)gr_random_below(ctx, (size_t)(nbelow + nabove));
        int base = pick < nbelow ? 10000 + pick : hi + 1 + (pick - nbelow);
        /* Every port of the range must be free. */
        int ok = 1;
        for (int p = base; p < base + nports && ok; p++) {
            int fd = bind_port(p);
            ok = fd >= 0;
            if (fd >= 0) {
                close(fd);
            }
        }
        if (!ok) {
            continue;
        }
        s->first = base;
        s->last = base + nports - 1;
        memset(s->kind, PORT_CLOSED, (size_t)nports);
        for (int k = 0; k < nopen + nsilent; k++) {
            size_t i;
            do {
                i = gr_random_below(ctx, (size_t)nports);
            } while (s->kind[i] != PORT_CLOSED);
            s->kind[i] = k < nopen ? PORT_OPEN : PORT_SILENT;
        }
        for (int i = 0; i < nports; i++) {
            if (s->kind[i] == PORT_CLOSED) {
                continue;
            }
            int fd = bind_port(base + i);
            if (fd < 0 || keep_fd(s, fd) < 0) {
                if (fd >= 0) {
                    close(fd);
                }
                scan_free(s);
                return gr_fail(ctx, "grader could not open port %d for the scan", base + i);
            }
            if (s->kind[i] == PORT_OPEN) {
                if (listen(fd, 128) < 0) {
                    scan_free(s);
                    return gr_fail(ctx, "grader could not listen: %s", strerror(errno));
                }
            } else if (make_silent(ctx, s, fd, base + i) < 0) {
                scan_free(s);
                return -1;
            }
        }
        return 0;
    }
    scan_free(s);
    return gr_fail(ctx, "grader found no free range of %d ports to scan", nports);
}

static const char *kind_text(int kind)
{
    return kind == PORT_OPEN     ? "open"
           : kind == PORT_SILENT ? "a listener whose accept queue is full: a connect there "
                                   "hangs and must time out"
                                 : "closed: a connect there is refused";
}

/* A refused port reported open: "writable" taken for "connected". */
#define HINT_WRITABLE                                                                              \
    "Writable alone does not mean connected: a refused connect() ends writable too. In C: "        \
    "after poll() reports POLLOUT, getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len): only err "    \
    "== 0 is open, ECONNREFUSED is closed. In Python: connect_ex() returns that errno: 0 is "      \
    "open."

/* A silent port reported open: an attempt still in flight at its deadline
 * taken for a success. */
#define HINT_SILENT_OPEN                                                                           \
    "Open means the connect succeeded, and nothing else: a port that has not answered by its "     \
    "deadline is \"no answer\". In C: a port is open only when poll() reported it and SO_ERROR "   \
    "is 0; at the deadline close the socket and record no answer, never open. In Python: "         \
    "connect_ex() == 0 only; socket.timeout is not open."

/* Compare the scanner's output with the setup. */
static int scan_compare(gr_ctx *ctx, const scan_setup *s, const gr_client_run *r)
{
    char line[256];
    const char *p = r->cr_stdout;
    int prev = 0;
    int nports = s->last - s->first + 1;
    unsigned char *reported = calloc((size_t)nports, 1);
    if (reported == NULL) {
        return gr_fail(ctx, "grader out of memory");
    }
    int rc = 0;
    while (rc == 0 && gr_next_line(&p, line, sizeof line)) {
        int port;
        char word[16], extra[8];
        if (line[0] == '\0') {
            continue;
        }
        if (sscanf(line, "%d %15s %7s", &port, word, extra) != 2 || strcmp(word, "open") != 0) {
            rc = gr_fail(ctx, "the scanner printed a line that is not \"PORT open\": \"%.100s\"",
                         line);
        } else if (port < s->first || port > s->last) {
            rc = gr_fail(ctx,
                         "the scanner reported port %d, outside the range %d-%d it was "
                         "given",
                         port, s->first, s->last);
        } else if (port <= prev) {
            rc = gr_fail(ctx,
                         "the scanner printed port %d after port %d: print the open ports "
                         "once each, in ascending order",
                         port, prev);
        } else if (s->kind[port - s->first] == PORT_SILENT ||
                   (s->kind[port - s->first] == PORT_CLOSED &&
                    gr_procfs_tcp_listening(port) != 1)) {
            /* A closed port someone else began to listen on meanwhile may
             * be open by now; a silent one listens too, and never answers. */
            rc = gr_fail(ctx, "the scanner reported port %d open, but it is %s", port,
                         kind_text(s->kind[port - s->first]));
            if (s->kind[port - s->first] == PORT_SILENT) {
                gr_str_add(gr_details(ctx),
                           "No answer is not an answer: a connect that neither succeeds nor is "
                           "refused before --timeout is \"no answer\", not open.\n");
                gr_hint(ctx, HINT_SILENT_OPEN);
            } else if (s->kind[port - s->first] == PORT_CLOSED) {
                gr_str_add(gr_details(ctx),
                           "A non-blocking connect() reports its end as 'writable' whether it "
                           "succeeded or not: read SO_ERROR with getsockopt() to tell.\n");
                gr_hint(ctx, HINT_WRITABLE);
            }
        } else {
            reported[port - s->first] = 1;
            prev = port;
        }
    }
    for (int i = 0; rc == 0 && i < nports; i++) {
        if (s->kind[i] == PORT_OPEN && !reported[i]) {
            rc = gr_fail(ctx, "the scanner did not report port %d, which accepts connections",
                         s->first + i);
        }
    }
    free(reported);
    return rc;
}

/* Scan the setup with extra options; limit_ms (scaled) bounds the run. */
static int scan_run(gr_ctx *ctx, const scan_setup *s, const char *opts, int limit_ms,
                    const char *too_slow)
{
    char args[160];
    snprintf(args, sizeof args, "127.0.0.1 %d %d %s", s->first, s->last, opts);
    gr_client_run r;
    if (lab04_run_prog(ctx, "./portscan", args, limit_ms, &r) < 0) {
        return -1;
    }
    int rc;
    if (r.cr_timed_out) {
        rc = gr_fail(ctx, "the scan of %d ports did not finish within %.1f s",
                     s->last - s->first + 1, (double)gr_ms(ctx, limit_ms) / 1000.0);
        if (too_slow != NULL) {
            gr_str_addf(gr_details(ctx), "%s\n", too_slow);
        }
    } else if (!gr_exited_zero(&r)) {
        rc = gr_fail(ctx, "the scanner did not exit with status 0 after the scan");
    } else {
        rc = scan_compare(ctx, s, &r);
    }
    if (rc < 0) {
        int open = 0, silent = 0;
        for (int i = 0; i <= s->last - s->first; i++) {
            open += s->kind[i] == PORT_OPEN;
            silent += s->kind[i] == PORT_SILENT;
        }
        gr_str_addf(gr_details(ctx), "the range %d-%d had %d open ports", s->first, s->last, open);
        for (int i = 0; i <= s->last - s->first; i++) {
            if (s->kind[i] == PORT_OPEN) {
                gr_str_addf(gr_details(ctx), " %d", s->first + i);
            }
        }
        gr_str_addf(gr_details(ctx), ", %d that never answer, the rest closed\n", silent);
        lab04_describe_run(ctx, &r);
    }
    gr_client_run_free(&r);
    return rc;
}

int lab04_check_scan_open(gr_ctx *ctx)
{
    scan_setup s;
    if (scan_prepare(ctx, &s, 40, 4, 0) < 0) {
        return -1;
    }
    int rc = scan_run(ctx, &s, "--timeout 2000", 10000, NULL);
    scan_free(&s);
    return rc;
}

int lab04_check_scan_no_answer(gr_ctx *ctx)
{
    scan_setup s;
    if (scan_prepare(ctx, &s, 30, 3, 3) < 0) {
        return -1;
    }
    int rc = scan_run(ctx, &s, "--timeout 300", 10000,
                      "3 ports never answer: a scanner must give up on each after --timeout");
    scan_free(&s);
    return rc;
}

int lab04_check_scan_concurrent(gr_ctx *ctx)
{
    scan_setup s;
    if (scan_prepare(ctx, &s, 200, 4, 20) < 0) {
        return -1;
    }
    int rc = scan_run(ctx, &s, "--timeout 1000 --parallel 50", 6000,
                      "20 of the 200 ports never answer. With --timeout 1000, a scanner that "
                      "waits for one port at a time needs 20 s; one with 50 connects in flight "
                      "needs about 1 s. Start many non-blocking connects, then poll() them all.");
    scan_free(&s);
    return rc;
}

int lab04_check_scan_large_range(gr_ctx *ctx)
{
    scan_setup s;
    if (scan_prepare(ctx, &s, 5000, 3, 0) < 0) {
        return -1;
    }
    int rc = scan_run(ctx, &s, "--timeout 1000", 30000, NULL);
    if (rc < 0) {
        gr_str_add(gr_details(ctx), "the scanner runs with at most 4096 open files: close each "
                                    "socket as soon as its port is decided\n");
    }
    scan_free(&s);
    return rc;
}

int lab04_check_scan_bad_args(gr_ctx *ctx)
{
    /* First valid scans, each rule's values just inside it: they must
     * succeed (status 0), so that failing on every input is not enough.
     * (What they print is the other checks' business.) Ports 1 and 65535
     * are the ends of the range; MS 1 and 600000, N 1 and 4096 too. */
    scan_setup s;
    if (scan_prepare(ctx, &s, 1, 0, 0) < 0) {
        return -1;
    }
    int p = s.first;
    scan_free(&s);
    char valid[6][96];
    snprintf(valid[0], sizeof valid[0], "127.0.0.1 %d %d", p, p);
    snprintf(valid[1], sizeof valid[1], "127.0.0.1 1 1");
    snprintf(valid[2], sizeof valid[2], "127.0.0.1 65535 65535");
    snprintf(valid[3], sizeof valid[3], "127.0.0.1 %d %d --timeout 1 --parallel 1", p, p);
    snprintf(valid[4], sizeof valid[4], "127.0.0.1 %d %d --timeout 600000 --parallel 4096", p, p);
    snprintf(valid[5], sizeof valid[5], "localhost %d %d", p, p);
    for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++) {
        gr_client_run r0;
        if (lab04_run_prog(ctx, "./portscan", valid[i], 5000, &r0) < 0) {
            return -1;
        }
        if (!gr_exited_zero(&r0)) {
            gr_fail(ctx,
                    "portscan %s, a valid scan (every value within the guide's limits: ports 1 "
                    "to 65535, MS 1 to 600000, N up to 4096), should exit with status 0",
                    valid[i]);
            gr_hint(ctx, "A limit has two sides: the values at its ends are valid. In C: "
                         "parse_number(text, 1, 65535, &port) accepts 1 and 65535 (compare with "
                         "<= and >=, not < and >); --timeout 1 to 600000, --parallel 1 to 4096. "
                         "In Python: 1 <= port <= 65535.");
            lab04_describe_run(ctx, &r0);
            gr_client_run_free(&r0);
            return -1;
        }
        gr_client_run_free(&r0);
    }

    static const struct {
        const char *args;
        const char *what;
        int status; /* 2: a usage error; 1: the resolver's; 0: --help */
        int ms;
    } cases[] = {
        {"--help", "--help", 0, 5000},
        {"127.0.0.1 200 100", "a range whose FIRST is above LAST", 2, 5000},
        {"127.0.0.1 0 10", "port 0", 2, 5000},
        {"127.0.0.1 1 65536", "port 65536", 2, 5000},
        {"127.0.0.1 abc 10", "a port that is not a number", 2, 5000},
        {"127.0.0.1 10x 20", "a port with trailing junk", 2, 5000},
        {"127.0.0.1 10", "a missing LAST", 2, 5000},
        {"127.0.0.1 1 10 --timeout -5", "a negative --timeout", 2, 5000},
        {"127.0.0.1 1 10 --timeout 0", "--timeout 0", 2, 5000},
        {"127.0.0.1 1 10 --timeout 600001", "--timeout 600001, above the 600000 allowed", 2, 5000},
        {"127.0.0.1 1 10 --parallel 0", "--parallel 0", 2, 5000},
        {"127.0.0.1 1 10 --parallel 4097", "--parallel 4097, above the 4096 allowed", 2, 5000},
        {"127.0.0.1 1 10 --bogus 3", "an unknown option", 2, 5000},
        {"no-such-host.invalid 1 10", "a host name that does not resolve", 1, 25000},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (lab04_expect_status(ctx, "./portscan", cases[i].args, cases[i].what, cases[i].status,
                                cases[i].ms) < 0) {
            return -1;
        }
    }
    return 0;
}
