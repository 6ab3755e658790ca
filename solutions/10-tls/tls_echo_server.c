/* tls_echo_server.c - a TLS echo server for many clients at once:
 * tls_echo_server [options] PORT CERT KEY
 *
 * One thread, non-blocking sockets and epoll, as lab 05's servers; TLS on
 * top, where every SSL call may answer "try again": SSL_ERROR_WANT_READ
 * (wait until the socket is readable) or SSL_ERROR_WANT_WRITE (until it is
 * writable), whatever the call was. A handshake is a conversation, so each
 * connection carries a state and a deadline: a client that stalls in the
 * middle of its handshake is dropped at the deadline, and stops no one
 * meanwhile. The chain (--chain, or CERT holding the leaf and its
 * intermediates) goes out whole, so that a client holding only the root
 * can verify. Runs until SIGINT or SIGTERM. */
#define _GNU_SOURCE /* accept4() */
#include "session.h"

#include "addr.h"
#include "err.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#define MAX_EVENTS 64
#define BUF_SIZE (16 * 1024)

static const char usage_text[] =
    "usage: tls_echo_server [options] PORT CERT KEY\n"
    "Serve TLS on PORT with the certificate CERT and its key KEY; send every byte back.\n"
    "  --chain FILE            the intermediates to send after CERT (default: none but\n"
    "                          what CERT holds after the leaf)\n"
    "  --min-version V         the lowest TLS version accepted: 1.2 (default) or 1.3\n"
    "  --handshake-timeout S   seconds a client has to finish its handshake (default 10)\n"
    "  -h, --help              this text\n"
    "Exit status: 0 after SIGINT or SIGTERM, 1 if it cannot start, 2 for a usage error.\n";

static volatile sig_atomic_t stopping;

static void on_signal(int signo)
{
    (void)signo;
    stopping = 1;
}

/* One client: its TLS session, where it is, and what is still to send back. */
typedef struct client {
    int fd;
    SSL *ssl;
    int shaken;             /* the handshake is done */
    int ended;              /* the client sent close_notify (or the stream ended) */
    long long deadline;     /* the handshake's, while !shaken */
    uint32_t events;        /* what epoll waits for now */
    size_t len;             /* bytes in buf not yet sent back */
    size_t pending;         /* > 0: an SSL_write of buf's first pending bytes to retry */
    unsigned char buf[BUF_SIZE];
} client;

typedef struct server {
    SSL_CTX *ctx;
    int epfd;
    int handshake_ms;
} server;

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int set_nonblocking(int fd)
{
    int flags = fcntl(fd, F_GETFL);
    return flags < 0 ? -1 : fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

/* The clients, for the handshake deadlines. */
static client **clients;
static size_t nclients, capclients;

static int track(client *c)
{
    if (nclients == capclients) {
        size_t cap = capclients != 0 ? 2 * capclients : 64;
        client **grown = realloc(clients, cap * sizeof *grown);
        if (grown == NULL) {
            return -1;
        }
        clients = grown;
        capclients = cap;
    }
    clients[nclients++] = c;
    return 0;
}

static void drop(server *s, client *c, const char *why)
{
    if (why != NULL) {
        fprintf(stderr, "tls_echo_server: a client dropped: %s\n", why);
    }
    epoll_ctl(s->epfd, EPOLL_CTL_DEL, c->fd, NULL);
    SSL_free(c->ssl);
    close(c->fd);
    for (size_t i = 0; i < nclients; i++) {
        if (clients[i] == c) {
            clients[i] = clients[--nclients];
            break;
        }
    }
    free(c);
}

/* Wait for what OpenSSL asks (WANT_READ: readable, WANT_WRITE: writable),
 * whatever the call was; 0, or -1 for a failure (the client is dropped). */
static int want(server *s, client *c, int ret, const char **why)
{
    int e = SSL_get_error(c->ssl, ret);
    uint32_t events = e == SSL_ERROR_WANT_READ ? EPOLLIN : e == SSL_ERROR_WANT_WRITE ? EPOLLOUT : 0;
    if (events == 0) {
        unsigned long code = ERR_get_error();
        ERR_clear_error();
        *why = code != 0 ? ERR_reason_error_string(code) : "the connection ended";
        return -1;
    }
    if (events != c->events) {
        struct epoll_event ev = {.events = events, .data.ptr = c};
        epoll_ctl(s->epfd, EPOLL_CTL_MOD, c->fd, &ev);
        c->events = events;
    }
    return 0;
}

/* Take the client as far as it goes now: the handshake, then send back
 * what came, and read more only when all of it is gone. An SSL_write that
 * must be tried again is tried with the same buffer and length. Returns
 * -1 when the client is done (or failed: *why says how). */
static int advance(server *s, client *c, const char **why)
{
    if (!c->shaken) {
        int ret = SSL_do_handshake(c->ssl);
        if (ret != 1) {
            return want(s, c, ret, why);
        }
        c->shaken = 1;
    }
    for (;;) {
        if (c->len > 0) {
            size_t put = 0;
            int ret = SSL_write_ex(c->ssl, c->buf, c->len, &put);
            if (ret != 1) {
                return want(s, c, ret, why);
            }
            memmove(c->buf, c->buf + put, c->len - put);
            c->len -= put;
            continue;
        }
        if (c->ended) {
            SSL_shutdown(c->ssl); /* close_notify back, then the connection goes */
            *why = NULL;
            return -1;
        }
        size_t got = 0;
        int ret = SSL_read_ex(c->ssl, c->buf, sizeof c->buf, &got);
        if (ret == 1) {
            c->len = got;
        } else if (SSL_get_error(c->ssl, ret) == SSL_ERROR_ZERO_RETURN) {
            c->ended = 1;
        } else {
            return want(s, c, ret, why);
        }
    }
}

/* Every connection waiting to be accepted, each a client in its handshake. */
static void accept_all(server *s, int lfd)
{
    for (;;) {
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            return; /* EAGAIN: no more for now (or a transient error) */
        }
        client *c = calloc(1, sizeof *c);
        SSL *ssl = c != NULL ? SSL_new(s->ctx) : NULL;
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
        if (ssl == NULL || SSL_set_fd(ssl, fd) != 1 || track(c) < 0) {
            SSL_free(ssl);
            free(c);
            close(fd);
            continue;
        }
        SSL_set_accept_state(ssl);
        *c = (client){.fd = fd, .ssl = ssl, .events = EPOLLIN,
                      .deadline = now_ms() + s->handshake_ms};
        ev.data.ptr = c;
        if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
            drop(s, c, "cannot watch it");
        }
    }
}

/* Clients past their handshake's deadline go; the time to the next one. */
static int expire(server *s)
{
    long long now = now_ms();
    long long next = -1;
    for (size_t i = 0; i < nclients;) {
        client *c = clients[i];
        if (!c->shaken && c->deadline <= now) {
            drop(s, c, "no handshake within --handshake-timeout");
            continue; /* clients[i] is another one now */
        }
        if (!c->shaken && (next < 0 || c->deadline < next)) {
            next = c->deadline;
        }
        i++;
    }
    return next < 0 ? -1 : (int)(next - now);
}

static int serve(server *s, int lfd)
{
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
    if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, lfd, &ev) < 0) {
        perror("tls_echo_server: epoll_ctl");
        return 1;
    }
    while (!stopping) {
        struct epoll_event evs[MAX_EVENTS];
        int n = epoll_wait(s->epfd, evs, MAX_EVENTS, expire(s));
        if (n < 0 && errno != EINTR) {
            perror("tls_echo_server: epoll_wait");
            return 1;
        }
        for (int i = 0; i < n; i++) {
            client *c = evs[i].data.ptr;
            const char *why = NULL;
            if (c == NULL) {
                accept_all(s, lfd);
            } else if (advance(s, c, &why) < 0) {
                drop(s, c, why);
            }
        }
    }
    while (nclients > 0) {
        drop(s, clients[0], NULL);
    }
    free(clients);
    return 0;
}

/* The server context: the certificate with its chain, the key, the floor. */
static SSL_CTX *make_context(const char *cert, const char *chain, const char *key, int min)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    const char *failed = ctx == NULL ? "cannot make a TLS context" : NULL;
    if (failed == NULL && SSL_CTX_set_min_proto_version(ctx, min) != 1) {
        failed = "cannot set the minimum version";
    }
    if (failed == NULL && SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
        failed = "cannot load the certificate (CERT, PEM: the leaf first)";
    }
    if (failed == NULL && chain != NULL) {
        FILE *f = fopen(chain, "r");
        X509 *x = NULL;
        while (f != NULL && (x = PEM_read_X509(f, NULL, NULL, NULL)) != NULL) {
            SSL_CTX_add0_chain_cert(ctx, x);
        }
        ERR_clear_error(); /* the end of the file */
        failed = f == NULL ? "cannot read the --chain file" : NULL;
        if (f != NULL) {
            fclose(f);
        }
    }
    if (failed == NULL && (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
                           SSL_CTX_check_private_key(ctx) != 1)) {
        failed = "cannot load the key (KEY), or it does not match CERT";
    }
    if (failed != NULL) {
        unsigned long code = ERR_get_error();
        fprintf(stderr, "tls_echo_server: %s%s%s\n", failed, code != 0 ? ": " : "",
                code != 0 ? ERR_reason_error_string(code) : "");
        SSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

int main(int argc, char **argv)
{
    enum { OPT_CHAIN = 256, OPT_MIN, OPT_HANDSHAKE };
    static const struct option longopts[] = {
        {"chain", required_argument, NULL, OPT_CHAIN},
        {"min-version", required_argument, NULL, OPT_MIN},
        {"handshake-timeout", required_argument, NULL, OPT_HANDSHAKE},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *chain = NULL;
    int min = TLS1_2_VERSION;
    server s = {.handshake_ms = 10000};
    opterr = 0;
    for (int c; (c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1;) {
        char *end = NULL;
        double secs = c == OPT_HANDSHAKE ? strtod(optarg, &end) : 0;
        if (c == OPT_CHAIN) {
            chain = optarg;
        } else if (c == OPT_MIN && (min = session_version(optarg)) == 0) {
            fprintf(stderr, "tls_echo_server: --min-version is 1.2 or 1.3, not %s\n", optarg);
            return 2;
        } else if (c == OPT_HANDSHAKE && (end == optarg || *end != '\0' || !isfinite(secs) ||
                                          secs < 0.001 || secs > 3600)) {
            fprintf(stderr, "tls_echo_server: --handshake-timeout is seconds, not %s\n", optarg);
            return 2;
        } else if (c == OPT_HANDSHAKE) {
            s.handshake_ms = (int)lround(secs * 1000);
        } else if (c == 'h') {
            fputs(usage_text, stdout);
            return 0;
        } else if (c != OPT_MIN) {
            fprintf(stderr, "tls_echo_server: bad option %s\n%s", argv[optind - 1], usage_text);
            return 2;
        }
    }
    uint16_t port;
    char err[SL_ERR_LEN] = "";
    if (argc - optind != 3 || sl_addr_parse_port(argv[optind], 0, &port, err) < 0) {
        fprintf(stderr, "tls_echo_server: %s\n%s", err[0] != '\0' ? err : "give PORT CERT KEY",
                usage_text);
        return 2;
    }
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    s.ctx = make_context(argv[optind + 1], chain, argv[optind + 2], min);
    int lfd = s.ctx != NULL ? sl_addr_listen(NULL, argv[optind], 128, err) : -1;
    if (s.ctx != NULL && lfd < 0) {
        fprintf(stderr, "tls_echo_server: %s\n", err);
    }
    s.epfd = lfd >= 0 ? epoll_create1(EPOLL_CLOEXEC) : -1;
    int rc = s.epfd >= 0 && set_nonblocking(lfd) == 0 ? serve(&s, lfd) : 1;
    if (s.epfd >= 0) {
        close(s.epfd);
    }
    if (lfd >= 0) {
        close(lfd);
    }
    SSL_CTX_free(s.ctx);
    return rc;
}
