/* http_server.c - lab 08's HTTP/1.1 server on lab 07's framework: the
 * command line, the server made, the signals. Python's
 *
 *     class Handler(http.server.BaseHTTPRequestHandler): ...
 *     with http.server.ThreadingHTTPServer(("", port), Handler) as server:
 *         server.serve_forever()
 *
 * with the connection's work in http_conn.c (the handler) and the answers
 * in http_static.c and http_api.c.
 *
 * or, with --strategy epoll, every connection from one thread on an epoll
 * loop (http_loop.c; Python's asyncio.start_server()), the framework then
 * only making the listening socket.
 *
 * With --cert and --key it speaks HTTPS: every connection's bytes go
 * through TLS, the transport of libsocklab's xport_tls.h, behind the same
 * table of operations as plain TCP (Python's
 * ssl.SSLContext.wrap_socket(sock, server_side=True)).
 *
 * usage: http_server [--strategy thread|pool|epoll] [--threads N]
 *                    [--cert FILE --key FILE [--chain FILE]] PORT DOCROOT */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "http_server.h"

#include "addr.h"
#include "err.h"
#include "rio.h"
#include "socketserver.h"
#include "xport_tls.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The pool's threads: the default and the most. */
#define DEFAULT_THREADS 16
#define MAX_THREADS 1024

typedef struct options {
    const char *o_prog;
    ss_strategy o_strategy;
    int o_epoll; /* --strategy epoll */
    int o_threads;
    uint16_t o_port;
    const char *o_docroot;
    const char *o_cert; /* --cert: HTTPS with this certificate (and intermediates) */
    const char *o_key;
    const char *o_chain;
} options;

static void usage(FILE *f, const char *prog)
{
    fprintf(f,
            "usage: %s [--strategy thread|pool|epoll] [--threads N] PORT DOCROOT\n"
            "An HTTP/1.1 server: the files under DOCROOT, and a small JSON API under /api.\n"
            "  PORT             the TCP port, 1 to 65535\n"
            "  DOCROOT          the folder whose files are served\n"
            "  --strategy S     thread: a thread per connection (the default);\n"
            "                   pool: a fixed set of threads, and 503 when all are busy;\n"
            "                   epoll: one thread for every connection, an epoll loop\n"
            "                   (the fast one: make bench LAB=08)\n"
            "  --threads N      the pool's threads, 1 to %d (default: %d)\n"
            "  --cert FILE      speak HTTPS with this certificate (PEM: the leaf, then\n"
            "                   any intermediates); needs --key\n"
            "  --key FILE       the certificate's private key (PEM)\n"
            "  --chain FILE     more intermediates to send after the certificate\n"
            "  --help           this message\n"
            "SIGTERM or SIGINT stops it: answers in flight finish, then it exits 0.\n"
            "Exit status: 0 after SIGTERM or SIGINT, 1 if it cannot start (a port in use,\n"
            "a certificate that cannot be loaded), 2 for a usage error.\n",
            prog, MAX_THREADS, DEFAULT_THREADS);
}

/* A usage error: its message, then the usage line. Returns 2. */
static int bad_usage(const char *prog, const char *what, const char *arg)
{
    fprintf(stderr, "%s: %s%s%s%s\n", prog, what, arg ? " '" : "", arg ? arg : "", arg ? "'" : "");
    fprintf(stderr,
            "usage: %s [--strategy thread|pool|epoll] [--threads N] "
            "[--cert FILE --key FILE [--chain FILE]] PORT DOCROOT (--help says more)\n",
            prog);
    return 2;
}

/* 0 when the options are good, 1 after --help, 2 after a usage error. */
static int parse_options(int argc, char **argv, options *o)
{
    static const struct option longs[] = {{"strategy", required_argument, NULL, 's'},
                                          {"threads", required_argument, NULL, 't'},
                                          {"cert", required_argument, NULL, 'c'},
                                          {"key", required_argument, NULL, 'k'},
                                          {"chain", required_argument, NULL, 'C'},
                                          {"help", no_argument, NULL, 'h'},
                                          {NULL, 0, NULL, 0}};
    const char *slash = strrchr(argv[0], '/');
    *o = (options){.o_prog = slash ? slash + 1 : argv[0],
                   .o_strategy = SS_THREAD,
                   .o_threads = DEFAULT_THREADS};
    int c;
    while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
        char *end = NULL;
        long n = 0;
        switch (c) {
        case 'h':
            usage(stdout, o->o_prog);
            return 1;
        case 's':
            if (strcmp(optarg, "thread") != 0 && strcmp(optarg, "pool") != 0 &&
                strcmp(optarg, "epoll") != 0) {
                return bad_usage(o->o_prog, "--strategy wants thread, pool or epoll, not", optarg);
            }
            o->o_epoll = optarg[0] == 'e';
            o->o_strategy = optarg[0] == 'p' ? SS_POOL : o->o_epoll ? SS_SYNC : SS_THREAD;
            break;
        case 't':
            errno = 0;
            n = strtol(optarg, &end, 10);
            if (errno != 0 || end == optarg || *end != '\0' || n < 1 || n > MAX_THREADS) {
                return bad_usage(o->o_prog, "--threads wants a number from 1 to 1024, not", optarg);
            }
            o->o_threads = (int)n;
            break;
        case 'c':
            o->o_cert = optarg;
            break;
        case 'k':
            o->o_key = optarg;
            break;
        case 'C':
            o->o_chain = optarg;
            break;
        default:
            return bad_usage(o->o_prog, "unknown option", NULL);
        }
    }
    if ((o->o_cert == NULL) != (o->o_key == NULL) || (o->o_chain != NULL && o->o_cert == NULL)) {
        return bad_usage(o->o_prog,
                         o->o_cert == NULL ? "--key and --chain want --cert" : "--cert wants --key",
                         NULL);
    }
    if (argc - optind != 2) {
        return bad_usage(o->o_prog,
                         argc - optind < 2 ? "missing PORT or DOCROOT" : "too many operands", NULL);
    }
    char err[SL_ERR_LEN];
    if (sl_addr_parse_port(argv[optind], 0, &o->o_port, err) < 0) {
        return bad_usage(o->o_prog, err, NULL);
    }
    o->o_docroot = argv[optind + 1];
    return 0;
}

/* ---- the handler and the hooks -------------------------------------------------------- */

/* The pool's connections being served or waiting: at most o_threads. */
static atomic_int admitted;
static int pool_limit; /* 0: no limit (thread per connection) */

static int handle(ss_request *rq)
{
    return hs_serve_connection(rq->rq_fd, rq->rq_user);
}

static void say_busy(ss_request *rq)
{
    const hs_config *cfg = rq->rq_user;
    if (cfg->cfg_tls != NULL) {
        return; /* a plain 503 is no TLS record: the close says it */
    }
    char buf[1024];
    size_t n = hs_busy_response(buf, sizeof buf);
    (void)sl_rio_writen(rq->rq_fd, buf, n);
}

/* The pool: a connection beyond its threads gets 503 at once, rather
 * than waiting in the queue for a thread a keep-alive client may hold. */
static int admit(ss_request *rq)
{
    if (pool_limit == 0) {
        return 1;
    }
    if (atomic_fetch_add(&admitted, 1) >= pool_limit) {
        atomic_fetch_sub(&admitted, 1);
        say_busy(rq);
        return 0;
    }
    rq->rq_state = &admitted; /* counted: close_request uncounts it */
    return 1;
}

static void release(ss_request *rq)
{
    if (rq->rq_state == &admitted) {
        atomic_fetch_sub(&admitted, 1);
    }
}

static void report_error(ss_request *rq, int err)
{
    const hs_config *cfg = rq->rq_user;
    fprintf(stderr, "%s: a connection failed: %s\n", cfg->cfg_prog, strerror(err));
}

static const ss_handler handler = {.h_handle = handle};
static const ss_hooks hooks = {.verify_request = admit,
                               .handle_error = report_error,
                               .close_request = release,
                               .busy = say_busy};

/* ---- signals, and the run -------------------------------------------------------------- */

static _Atomic(ss_server *) running;
static int stop_pipe[2] = {-1, -1};

/* Stop accepting, and wake every connection that waits for a request. */
static void on_stop(int sig)
{
    (void)sig;
    int saved = errno;
    ss_server *srv = atomic_load(&running);
    if (srv != NULL) {
        ss_shutdown_signal(srv);
    }
    ssize_t n = write(stop_pipe[1], "x", 1);
    (void)n;
    errno = saved;
}

/* SIGTERM and SIGINT stop the server; SIGPIPE is ignored, so that a client
 * gone while we write is an EPIPE, not the end of the server. */
static int catch_signals(void)
{
    struct sigaction stop = {.sa_handler = on_stop, .sa_flags = SA_RESTART};
    struct sigaction ignore = {.sa_handler = SIG_IGN};
    sigemptyset(&stop.sa_mask);
    sigemptyset(&ignore.sa_mask);
    return sigaction(SIGTERM, &stop, NULL) < 0 || sigaction(SIGINT, &stop, NULL) < 0 ||
                   sigaction(SIGPIPE, &ignore, NULL) < 0
               ? -1
               : 0;
}

/* DOCROOT resolved, and the stop pipe. Returns 0, or 2 or 1 after a message. */
static int prepare(const options *o, hs_config *cfg)
{
    struct stat st;
    if (realpath(o->o_docroot, cfg->cfg_root) == NULL || stat(cfg->cfg_root, &st) < 0) {
        fprintf(stderr, "%s: DOCROOT '%s': %s\n", o->o_prog, o->o_docroot, strerror(errno));
        return 2;
    }
    if (!S_ISDIR(st.st_mode)) {
        fprintf(stderr, "%s: DOCROOT '%s' is not a directory\n", o->o_prog, o->o_docroot);
        return 2;
    }
    cfg->cfg_root_len = strlen(cfg->cfg_root);
    cfg->cfg_root_fd = open(cfg->cfg_root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (cfg->cfg_root_fd < 0) {
        fprintf(stderr, "%s: DOCROOT '%s': %s\n", o->o_prog, o->o_docroot, strerror(errno));
        return 2;
    }
    cfg->cfg_prog = o->o_prog;
    char err[SL_ERR_LEN];
    if (o->o_cert != NULL && (cfg->cfg_tls = sl_tls_server_ctx(o->o_cert, o->o_key, o->o_chain,
                                                               TLS1_2_VERSION, err)) == NULL) {
        fprintf(stderr, "%s: cannot serve HTTPS: %s\n", o->o_prog, err);
        return 1;
    }
    if (pipe2(stop_pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
        fprintf(stderr, "%s: pipe: %s\n", o->o_prog, strerror(errno));
        return 1;
    }
    cfg->cfg_stop_fd = stop_pipe[0];
    return 0;
}

int main(int argc, char **argv)
{
    options o;
    static hs_config cfg;
    int rc = parse_options(argc, argv, &o);
    if (rc != 0) {
        return rc == 1 ? 0 : rc;
    }
    if ((rc = prepare(&o, &cfg)) != 0) {
        return rc;
    }
    pool_limit = o.o_strategy == SS_POOL ? o.o_threads : 0;
    ss_config sc = {.cf_kind = SS_TCP,
                    .cf_port = o.o_port,
                    .cf_queue_size = 128,
                    .cf_reuse_address = 1,
                    .cf_timeout_ms = -1,
                    .cf_strategy = o.o_strategy,
                    .cf_pool_threads = o.o_threads,
                    .cf_pool_queue = o.o_threads,
                    .cf_handler = &handler,
                    .cf_hooks = &hooks,
                    .cf_user = &cfg};
    char err[SL_ERR_LEN] = "";
    ss_server *srv = ss_server_new(&sc, err);
    if (srv == NULL) {
        fprintf(stderr, "%s: cannot serve port %u: %s\n", o.o_prog, o.o_port, err);
        return 1;
    }
    atomic_store(&running, srv);
    rc = catch_signals();
    if (rc < 0) {
        fprintf(stderr, "%s: sigaction: %s\n", o.o_prog, strerror(errno));
    }
    if (rc == 0 && o.o_epoll && hs_serve_loop(ss_server_fileno(srv), &cfg) < 0) {
        fprintf(stderr, "%s: epoll: %s\n", o.o_prog, strerror(errno));
        rc = -1;
    } else if (rc == 0 && !o.o_epoll && ss_serve_forever(srv, 500) < 0) {
        fprintf(stderr, "%s: serve_forever: %s\n", o.o_prog, strerror(errno));
        rc = -1;
    }
    atomic_store(&running, NULL);
    if (ss_server_close(srv) < 0) {
        fprintf(stderr, "%s: server_close: %s\n", o.o_prog, strerror(errno));
        rc = -1;
    }
    close(cfg.cfg_root_fd);
    SSL_CTX_free(cfg.cfg_tls);
    close(stop_pipe[0]);
    close(stop_pipe[1]);
    return rc < 0 ? 1 : 0;
}
