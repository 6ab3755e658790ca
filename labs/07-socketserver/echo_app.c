/* echo_app.c - the echo programs' shared part (see echo_app.h): options,
 * the handler, the hooks, the signals. */
#include "echo_app.h"

#include "addr.h"
#include "err.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* ---- the command line ------------------------------------------------------------ */

static void usage(FILE *f, const char *prog, ss_kind kind)
{
    int unix_kind = kind == SS_UNIX_STREAM || kind == SS_UNIX_DGRAM;
    fprintf(f, "usage: %s [OPTIONS] %s\n", prog, unix_kind ? "[--dgram] PATH" : "PORT");
    fprintf(f, "An echo server on lab 07's framework: every byte (every datagram) a client\n"
               "sends comes back to it.\n");
    if (unix_kind) {
        fprintf(f, "  PATH                 the socket's path, or @NAME for an abstract name\n"
                   "  --dgram              a datagram server (default: a stream server)\n");
    } else {
        fprintf(f, "  PORT                 the port, 0 to 65535 (0: any free port)\n"
                   "  --host ADDR          the local address to bind (default: every IPv4 one)\n"
                   "  --allow ADDR         serve only clients from ADDR (repeatable, up to 8)\n"
                   "  --deny ADDR          refuse clients from ADDR (repeatable, up to 8)\n");
    }
    fprintf(f, "  --strategy S         sync, thread, fork or pool (default: sync)\n"
               "  --threads N          the pool's threads, 1 to 64 (default: 4)\n"
               "  --queue N            requests that may wait for the pool, 1 to 64 (default: 4)\n"
               "  --poll-interval MS   how often the loop looks for a shutdown, 1 to 60000\n"
               "                       (default: 500)\n"
               "  --help               this message\n"
               "SIGTERM or SIGINT stops it: requests in flight finish, then it exits 0.\n");
}

/* After a usage error: the usage line alone. Returns -1. */
static int short_usage(const char *prog, ss_kind kind)
{
    int unix_kind = kind == SS_UNIX_STREAM || kind == SS_UNIX_DGRAM;
    fprintf(stderr, "usage: %s [OPTIONS] %s (--help says more)\n", prog,
            unix_kind ? "[--dgram] PATH" : "PORT");
    return -1;
}

/* A number in [lo, hi] for option @p name. Returns 0, or -1 after a message. */
static int parse_int(const char *prog, const char *name, const char *text, int lo, int hi, int *out)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || v < lo || v > hi) {
        fprintf(stderr, "%s: %s wants a number from %d to %d, not '%s'\n", prog, name, lo, hi,
                text);
        return -1;
    }
    *out = (int)v;
    return 0;
}

static int parse_strategy(const char *prog, const char *text, ss_strategy *s)
{
    static const char *const names[] = {"sync", "thread", "fork", "pool"};
    for (int i = 0; i < 4; i++) {
        if (strcmp(text, names[i]) == 0) {
            *s = (ss_strategy)i;
            return 0;
        }
    }
    fprintf(stderr, "%s: --strategy wants sync, thread, fork or pool, not '%s'\n", prog, text);
    return -1;
}

/* A numeric address for --allow or --deny, kept as inet_ntop() writes it,
 * so that "127.000.0.2" and "::ffff:..." compare as the address they are. */
static int parse_rule(const char *prog, const char *name, const char *text, char rules[][64],
                      int *n)
{
    unsigned char bin[sizeof(struct in6_addr)];
    int family = strchr(text, ':') != NULL ? AF_INET6 : AF_INET;
    if (*n == ECHO_RULES) {
        fprintf(stderr, "%s: at most %d %s options\n", prog, ECHO_RULES, name);
        return -1;
    }
    if (inet_pton(family, text, bin) != 1 || inet_ntop(family, bin, rules[*n], 64) == NULL) {
        fprintf(stderr, "%s: %s wants a numeric IPv4 or IPv6 address, not '%s'\n", prog, name,
                text);
        return -1;
    }
    (*n)++;
    return 0;
}

/* One option (getopt_long's code @p c and its argument). Returns 0 or -1. */
static int parse_option(echo_opts *o, int c, const char *arg)
{
    const char *p = o->eo_prog;
    switch (c) {
    case 's':
        return parse_strategy(p, arg, &o->eo_strategy);
    case 't':
        return parse_int(p, "--threads", arg, 1, 64, &o->eo_threads);
    case 'q':
        return parse_int(p, "--queue", arg, 1, 64, &o->eo_queue);
    case 'i':
        return parse_int(p, "--poll-interval", arg, 1, 60000, &o->eo_poll_ms);
    case 'H':
        o->eo_host = arg;
        return 0;
    case 'a':
        return parse_rule(p, "--allow", arg, o->eo_allow, &o->eo_nallow);
    case 'd':
        return parse_rule(p, "--deny", arg, o->eo_deny, &o->eo_ndeny);
    case 'g':
        o->eo_kind = SS_UNIX_DGRAM;
        return 0;
    default:
        return -1;
    }
}

/* What is left after the options: PORT, or PATH. Returns 0 or -1. */
static int parse_operand(echo_opts *o, int unix_kind, const char *arg)
{
    if (unix_kind) {
        o->eo_path = arg;
        return 0;
    }
    uint16_t port = 0;
    char err[SL_ERR_LEN];
    if (sl_addr_parse_port(arg, 1, &port, err) < 0) {
        fprintf(stderr, "%s: %s\n", o->eo_prog, err);
        return -1;
    }
    o->eo_port = port;
    return 0;
}

int echo_parse(int argc, char **argv, ss_kind kind, echo_opts *o)
{
    static const struct option longs[] = {
        {"strategy", required_argument, NULL, 's'}, {"threads", required_argument, NULL, 't'},
        {"queue", required_argument, NULL, 'q'},    {"poll-interval", required_argument, NULL, 'i'},
        {"host", required_argument, NULL, 'H'},     {"allow", required_argument, NULL, 'a'},
        {"deny", required_argument, NULL, 'd'},     {"dgram", no_argument, NULL, 'g'},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0}};
    const char *slash = strrchr(argv[0], '/');
    *o = (echo_opts){.eo_prog = slash != NULL ? slash + 1 : argv[0],
                     .eo_kind = kind,
                     .eo_threads = 4,
                     .eo_queue = 4,
                     .eo_poll_ms = 500};
    int unix_kind = kind == SS_UNIX_STREAM;
    int c;
    int li = -1;
    while ((c = getopt_long(argc, argv, "", longs, &li)) != -1) {
        if (c == 'h') {
            usage(stdout, o->eo_prog, kind);
            return 1;
        }
        int only_inet = c == 'H' || c == 'a' || c == 'd';
        if ((only_inet && unix_kind) || (c == 'g' && !unix_kind)) {
            fprintf(stderr, "%s: --%s is not an option of this program\n", o->eo_prog,
                    longs[li].name);
            c = '?';
        }
        if (c == '?' || parse_option(o, c, optarg) < 0) {
            return short_usage(o->eo_prog, kind);
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "%s: %s\n", o->eo_prog,
                optind == argc ? "missing operand" : "too many operands");
        return short_usage(o->eo_prog, kind);
    }
    return parse_operand(o, unix_kind, argv[optind]);
}

/* ---- the handler ------------------------------------------------------------------ */

/* Echo: a stream until the client closes its side, or one datagram. */
static int echo_handle(ss_request *rq)
{
    /* TODO(step 3): a datagram request (rq_data is not NULL): send it back
     * with ss_reply(). */
    /* TODO(step 2): recv() into a buffer and send back what came
     * (ss_reply()), until recv() returns 0; -1 when recv() or ss_reply()
     * fails (EINTR: try again). */
    (void)rq;
    return 0;
}

static const ss_handler echo_handler = {.h_handle = echo_handle};

/* ---- the hooks ---------------------------------------------------------------------- */

/* The client's address as text (Unix clients: "a Unix client"). */
static const char *client_text(const ss_request *rq, char *buf, size_t len)
{
    const struct sockaddr *sa = (const struct sockaddr *)&rq->rq_addr;
    const void *bin = sa->sa_family == AF_INET ? (const void *)&((struct sockaddr_in *)sa)->sin_addr
                      : sa->sa_family == AF_INET6
                          ? (const void *)&((struct sockaddr_in6 *)sa)->sin6_addr
                          : NULL;
    if (bin == NULL || inet_ntop(sa->sa_family, bin, buf, (socklen_t)len) == NULL) {
        snprintf(buf, len, "a Unix client");
    }
    return buf;
}

static int listed(const char rules[][64], int n, const char *addr)
{
    for (int i = 0; i < n; i++) {
        if (strcmp(rules[i], addr) == 0) {
            return 1;
        }
    }
    return 0;
}

/* --deny refuses an address; with --allow, only those are served. */
static int echo_verify(ss_request *rq)
{
    /* TODO(step 4): the client's address as text (client_text()); refuse
     * (return 0) when it is on the --deny list (listed()), or when there is
     * an --allow list and it is not on it; else return 1. */
    (void)rq;
    (void)listed;
    return 1;
}

static void echo_error(ss_request *rq, int err)
{
    const echo_opts *o = rq->rq_user;
    char addr[64];
    fprintf(stderr, "%s: a request from %s failed: %s\n", o->eo_prog,
            client_text(rq, addr, sizeof addr), strerror(err));
}

/* The pool and its queue are full. */
static void echo_busy(ss_request *rq)
{
    /* TODO(step 8): tell the client: "BUSY\n" (ss_reply()). */
    (void)rq;
}

static const ss_hooks echo_hooks = {
    .verify_request = echo_verify, .handle_error = echo_error, .busy = echo_busy};

ss_config echo_config(const echo_opts *o)
{
    int unix_kind = o->eo_kind == SS_UNIX_STREAM || o->eo_kind == SS_UNIX_DGRAM;
    return (ss_config){.cf_kind = o->eo_kind,
                       .cf_address = unix_kind ? o->eo_path : o->eo_host,
                       .cf_port = o->eo_port,
                       .cf_queue_size = 64,
                       .cf_reuse_address = 1,
                       .cf_timeout_ms = -1,
                       .cf_strategy = o->eo_strategy,
                       .cf_pool_threads = o->eo_threads,
                       .cf_pool_queue = o->eo_queue,
                       .cf_handler = &echo_handler,
                       .cf_hooks = &echo_hooks,
                       .cf_user = (void *)o};
}

/* ---- signals, and the run ------------------------------------------------------------ */

/* The server the signal handlers talk to, NULL once it is being closed. */
static _Atomic(ss_server *) running;

static int install(int sig, void (*fn)(int))
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = fn;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    return sigaction(sig, &sa, NULL);
}

int echo_run(ss_server *srv, const echo_opts *o)
{
    atomic_store(&running, srv);
    /* A client that leaves while we write must not kill the server. */
    int rc = install(SIGPIPE, SIG_IGN);
    /* TODO(step 7): SIGTERM and SIGINT stop the server: install a handler
     * (install()) that calls ss_shutdown_signal() on the running server. */
    /* TODO(step 6): SIGCHLD wakes the loop (ss_wake()), which then reaps. */
    if (rc < 0) {
        fprintf(stderr, "%s: sigaction: %s\n", o->eo_prog, strerror(errno));
    }
    if (rc == 0 && ss_serve_forever(srv, o->eo_poll_ms) < 0) {
        fprintf(stderr, "%s: serve_forever: %s\n", o->eo_prog, strerror(errno));
        rc = -1;
    }
    atomic_store(&running, NULL);
    if (ss_server_close(srv) < 0) {
        fprintf(stderr, "%s: server_close: %s\n", o->eo_prog, strerror(errno));
        rc = -1;
    }
    return rc < 0 ? 1 : 0;
}
