/* bench.c - bin/bench: throughput and tail latency of echo servers under a
 * bounded loopback load (make bench LAB=05).
 *
 *   bench [--dir DIR] [--server 'CMD']... [--clients N] [--messages N]
 *         [--size BYTES] [--seconds S]
 *
 * Each server is started on a free port (CMD with {port} replaced, run in
 * DIR), and N clients, driven by one poll() loop in this process, each send
 * MESSAGES messages of SIZE bytes one at a time, waiting for each echo before
 * the next. The load is bounded in count (N x MESSAGES) and in time
 * (SECONDS per server: whatever is done by then is counted). For each server
 * one row: messages per second and the 50th and 99th percentile of the
 * round-trip time. Figures, not a verdict: speed is measured here and never
 * asserted by a check.
 *
 * Without --server it benchmarks lab 05's three programs in DIR (default
 * solutions/05-select). */
#include "net/port.h"
#include "os/procfs.h"
#include "os/proc.h"

#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define MAX_SERVERS 8

/* One client of the load. */
typedef struct bclient {
    int fd;
    size_t sent;  /* bytes of the current message sent */
    size_t got;   /* bytes of its echo received */
    int done;     /* messages completed */
    long long t0; /* when the current message started, ns */
} bclient;

typedef struct load {
    int clients;
    int messages;
    size_t size;
    int seconds;
} load;

typedef struct result {
    long completed;
    double seconds;
    double p50_us;
    double p99_us;
    const char *error; /* why the run stopped short, or NULL */
} result;

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void usage(FILE *out)
{
    fprintf(out, "usage: bench [--dir DIR] [--server 'CMD']... [--clients N] [--messages N]\n"
                 "             [--size BYTES] [--seconds S]\n"
                 "Throughput and round-trip latency of echo servers on loopback.\n"
                 "  --dir DIR       where the servers run (default: solutions/05-select)\n"
                 "  --server 'CMD'  a server to measure, {port} is its port (repeatable;\n"
                 "                  default: ./echo_select, ./echo_poll, ./echo_epoll)\n"
                 "  --clients N     clients connected at once (default 100)\n"
                 "  --messages N    messages per client, one at a time (default 1000)\n"
                 "  --size BYTES    bytes per message (default 64)\n"
                 "  --seconds S     time limit per server (default 10)\n");
}

static int connect_to(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        return -1;
    }
    int on = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sin, sizeof sin) < 0 && errno != EINPROGRESS) {
        close(fd);
        return -1;
    }
    struct pollfd pfd = {.fd = fd, .events = POLLOUT};
    int err = 0;
    socklen_t len = sizeof err;
    if (poll(&pfd, 1, 5000) != 1 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 ||
        err != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static int cmp_ll(const void *a, const void *b)
{
    long long x = *(const long long *)a;
    long long y = *(const long long *)b;
    return (x > y) - (x < y);
}

/* Send what is left of the current message. Returns 0, or -1 on error. */
static int push(bclient *c, const unsigned char *msg, size_t size)
{
    while (c->sent < size) {
        ssize_t n = send(c->fd, msg + c->sent, size - c->sent, MSG_NOSIGNAL);
        if (n < 0) {
            return errno == EAGAIN || errno == EINTR ? 0 : -1;
        }
        c->sent += (size_t)n;
    }
    return 0;
}

/* One client's poll events: send what is left of its message, read its
 * echo, and when the echo is whole record the round trip and start the
 * next. Returns 1 when the client has sent its last message, else 0; sets
 * res->error on a failure. */
static int on_events(bclient *c, short revents, const load *ld, const unsigned char *msg,
                     unsigned char *buf, long long *rtt, result *res)
{
    if (revents == 0) {
        return 0;
    }
    if ((revents & POLLOUT) && push(c, msg, ld->size) < 0) {
        res->error = "send failed";
        return 0;
    }
    if (!(revents & (POLLIN | POLLHUP | POLLERR))) {
        return 0;
    }
    ssize_t n = recv(c->fd, buf, ld->size - c->got, 0);
    if (n <= 0) {
        if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
            res->error = "the server closed a connection";
        }
        return 0;
    }
    c->got += (size_t)n;
    if (c->got < ld->size) {
        return 0;
    }
    long long t = now_ns();
    rtt[res->completed++] = t - c->t0;
    c->done++;
    c->got = 0;
    c->sent = 0;
    if (c->done == ld->messages) {
        return 1;
    }
    c->t0 = t;
    if (push(c, msg, ld->size) < 0) {
        res->error = "send failed";
    }
    return 0;
}

/* Drive the load against the server on @p port. */
static void run_load(int port, const load *ld, result *res)
{
    memset(res, 0, sizeof *res);
    bclient *cl = calloc((size_t)ld->clients, sizeof *cl);
    struct pollfd *pfd = calloc((size_t)ld->clients, sizeof *pfd);
    long long *rtt = calloc((size_t)ld->clients * (size_t)ld->messages, sizeof *rtt);
    unsigned char *msg = malloc(ld->size);
    unsigned char *buf = malloc(ld->size);
    int opened = 0;
    if (cl == NULL || pfd == NULL || rtt == NULL || msg == NULL || buf == NULL) {
        res->error = "out of memory";
        goto out;
    }
    for (size_t i = 0; i < ld->size; i++) {
        msg[i] = (unsigned char)('a' + i % 26);
    }
    for (int i = 0; i < ld->clients; i++) {
        cl[i].fd = connect_to(port);
        if (cl[i].fd < 0) {
            res->error = "could not connect every client";
            goto out;
        }
        opened++;
    }
    long long start = now_ns();
    long long stop = start + (long long)ld->seconds * 1000000000LL;
    for (int i = 0; i < ld->clients; i++) {
        cl[i].t0 = now_ns();
        if (push(&cl[i], msg, ld->size) < 0) {
            res->error = "send failed";
            goto out;
        }
    }
    int active = ld->clients;
    while (active > 0 && now_ns() < stop) {
        for (int i = 0; i < ld->clients; i++) {
            pfd[i].fd = cl[i].done < ld->messages ? cl[i].fd : -1;
            pfd[i].events = (short)(POLLIN | (cl[i].sent < ld->size ? POLLOUT : 0));
            pfd[i].revents = 0;
        }
        int r = poll(pfd, (nfds_t)ld->clients, 100);
        if (r < 0 && errno != EINTR) {
            res->error = "poll failed";
            break;
        }
        for (int i = 0; i < ld->clients && r > 0 && res->error == NULL; i++) {
            active -= on_events(&cl[i], pfd[i].revents, ld, msg, buf, rtt, res);
        }
        if (res->error != NULL) {
            goto out;
        }
    }
    res->seconds = (double)(now_ns() - start) / 1e9;
    if (active > 0 && res->error == NULL) {
        res->error = "time limit reached";
    }
out:
    if (res->completed > 0) {
        qsort(rtt, (size_t)res->completed, sizeof *rtt, cmp_ll);
        res->p50_us = (double)rtt[(res->completed - 1) * 50 / 100] / 1000.0;
        res->p99_us = (double)rtt[(res->completed - 1) * 99 / 100] / 1000.0;
    }
    for (int i = 0; i < opened; i++) {
        close(cl[i].fd);
    }
    free(cl);
    free(pfd);
    free(rtt);
    free(msg);
    free(buf);
}

/* Replace {port} in cmd. */
static void expand(char *out, size_t len, const char *cmd, int port)
{
    size_t o = 0;
    for (const char *p = cmd; *p != '\0' && o + 8 < len;) {
        if (strncmp(p, "{port}", 6) == 0) {
            o += (size_t)snprintf(out + o, len - o, "%d", port);
            p += 6;
        } else {
            out[o++] = *p++;
        }
    }
    out[o] = '\0';
}

static int bench_one(const char *dir, const char *cmd, const load *ld)
{
    int port = gr_port_free();
    char line[1024];
    expand(line, sizeof line, cmd, port);
    char full[1100];
    snprintf(full, sizeof full, "exec %s", line);
    gr_proc p;
    memset(&p, 0, sizeof p);
    gr_spawn_opts so = {.so_cwd = dir};
    char err[256] = "";
    if (port < 0 || gr_proc_spawn(&p, full, &so, err) < 0) {
        printf("%-28s could not start: %s\n", cmd, err);
        return -1;
    }
    /* Ready when it listens (bounded: 10 s). */
    long long deadline = now_ns() + 10000000000LL;
    while (gr_procfs_tcp_listening(port) != 1 && !gr_proc_exited(&p) && now_ns() < deadline) {
        gr_proc_wait(&p, 10);
    }
    result res;
    if (gr_procfs_tcp_listening(port) != 1) {
        printf("%-28s did not listen on port %d\n", cmd, port);
        gr_proc_stop(&p, 1000);
        gr_proc_free(&p);
        return -1;
    }
    run_load(port, ld, &res);
    gr_proc_stop(&p, 1000);
    gr_proc_free(&p);
    double rate = res.seconds > 0 ? (double)res.completed / res.seconds : 0;
    printf("%-28s %8d %10ld %12.0f %10.1f %10.1f %7.2f%s%s\n", cmd, ld->clients, res.completed,
           rate, res.p50_us, res.p99_us, res.seconds, res.error ? "  " : "",
           res.error ? res.error : "");
    return res.error != NULL ? -1 : 0;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"dir", required_argument, NULL, 'd'},     {"server", required_argument, NULL, 's'},
        {"clients", required_argument, NULL, 'c'}, {"messages", required_argument, NULL, 'm'},
        {"size", required_argument, NULL, 'b'},    {"seconds", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
    };
    load ld = {.clients = 100, .messages = 1000, .size = 64, .seconds = 10};
    const char *dir = "solutions/05-select";
    const char *servers[MAX_SERVERS];
    int nservers = 0;
    int c;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            dir = optarg;
            break;
        case 's':
            if (nservers < MAX_SERVERS) {
                servers[nservers++] = optarg;
            }
            break;
        case 'c':
            ld.clients = atoi(optarg);
            break;
        case 'm':
            ld.messages = atoi(optarg);
            break;
        case 'b':
            ld.size = (size_t)atol(optarg);
            break;
        case 't':
            ld.seconds = atoi(optarg);
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind != argc || ld.clients < 1 || ld.clients > 20000 || ld.messages < 1 ||
        ld.messages > 1000000 || ld.size < 1 || ld.size > (1 << 20) || ld.seconds < 1 ||
        ld.seconds > 600) {
        usage(stderr);
        return 2;
    }
    if (nservers == 0) {
        servers[nservers++] = "./echo_select {port}";
        servers[nservers++] = "./echo_poll {port}";
        servers[nservers++] = "./echo_epoll {port}";
    }
    if (gr_proc_init() < 0) {
        perror("bench");
        return 1;
    }
    /* Clients and servers each need a descriptor per connection. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    printf("echo benchmark: %d clients x %d messages of %zu bytes, one at a time, at most %d s "
           "per server (in %s)\n\n",
           ld.clients, ld.messages, ld.size, ld.seconds, dir);
    printf("%-28s %8s %10s %12s %10s %10s %7s\n", "server", "clients", "messages", "messages/s",
           "p50 us", "p99 us", "seconds");
    int failed = 0;
    for (int i = 0; i < nservers; i++) {
        failed |= bench_one(dir, servers[i], &ld) < 0;
    }
    printf("\nround trip: from the first byte of a message sent to the last byte of its echo "
           "received\n");
    return failed ? 1 : 0;
}
