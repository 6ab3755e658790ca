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

/* Take the client as far as it goes now: the handshake, then send back
 * what came. Returns -1 when the client is done (or failed: *why says how). */
static int advance(server *s, client *c, const char **why)
{
    /* TODO(step 4): SSL_do_handshake() until it returns 1 (c->shaken);
     * then, while there is something in c->buf, SSL_write_ex() it (again
     * with the same buffer and length if it must be retried), else
     * SSL_read_ex() into c->buf; SSL_ERROR_ZERO_RETURN is the client's
     * close_notify: send back what is left, SSL_shutdown(), return -1.
     * SSL_ERROR_WANT_READ and WANT_WRITE mean: wait for the socket to be
     * readable (EPOLLIN) or writable (EPOLLOUT), whatever the call was
     * (epoll_ctl(EPOLL_CTL_MOD) when it changes), and return 0; any other
     * error is -1, with OpenSSL's reason in *why. */
    (void)s;
    (void)c;
    *why = "TODO(step 4): the handshake and the echo";
    return -1;
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
    /* TODO(step 5): drop each client still in its handshake past
     * c->deadline (drop(s, c, why)), and return the milliseconds to the
     * nearest deadline left, for epoll_wait() (-1: none). */
    (void)s;
    return -1;
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
    /* TODO(step 4): the certificate and what follows it in CERT
     * (SSL_CTX_use_certificate_chain_file()), each certificate of --chain
     * (PEM_read_X509() in a loop, SSL_CTX_add0_chain_cert()), the key
     * (SSL_CTX_use_PrivateKey_file(), SSL_CTX_check_private_key()), and the
     * floor (SSL_CTX_set_min_proto_version()). A failure says which file,
     * and returns NULL. Never print the key. */
    (void)cert;
    (void)chain;
    (void)key;
    (void)min;
    return SSL_CTX_new(TLS_server_method());
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
