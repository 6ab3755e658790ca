/* bug_tls_loop.c - lab 10's buggy servers that only C can write: a TLS echo
 * server on one thread, non-blocking sockets and poll(), with
 * tls_echo_server's command line, right but for the bug its first argument
 * names:
 *
 *   moved-buffer  after SSL_ERROR_WANT_WRITE, retries SSL_write() from a
 *                 new buffer holding the same bytes (OpenSSL refuses: "bad
 *                 write retry"), and drops the client
 *   spin          takes "try again" for a reason to call again at once:
 *                 poll() with a timeout of 0, every turn
 *
 *     bug_tls_loop BUG [tls_echo_server] [--chain F] [--min-version V]
 *                  [--handshake-timeout S] PORT CERT KEY
 *
 * Lab 10's grader must catch each in the check meant for it (selftest.c). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* accept4() */
#endif
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_CLIENTS 64
#define BUF 65536

typedef struct client {
    int fd;
    SSL *ssl;
    int want_write;     /* the last call said WANT_WRITE */
    unsigned char *out; /* what SSL_write() was given last (retried as is) */
    size_t len;         /* bytes in out not yet written */
} client;

static int moved_buffer, spin;

static void drop(client *c)
{
    SSL_free(c->ssl);
    close(c->fd);
    free(c->out);
    *c = (client){.fd = -1};
}

/* Write what is pending: 0, or -1 to drop the client. */
static int flush(client *c)
{
    while (c->len > 0) {
        if (moved_buffer && c->want_write) {
            unsigned char *moved = malloc(c->len); /* the same bytes, elsewhere */
            if (moved == NULL) {
                return -1;
            }
            memcpy(moved, c->out, c->len);
            free(c->out);
            c->out = moved;
        }
        int n = SSL_write(c->ssl, c->out, (int)c->len);
        if (n <= 0) {
            int e = SSL_get_error(c->ssl, n);
            c->want_write = e == SSL_ERROR_WANT_WRITE;
            return e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ ? 0 : -1;
        }
        c->want_write = 0;
        memmove(c->out, c->out + n, c->len - (size_t)n);
        c->len -= (size_t)n;
    }
    return 0;
}

/* Readable (or a handshake to go on): read what came and echo it. */
static int serve(client *c)
{
    if (c->len > 0) {
        return flush(c); /* the same bytes first: read no more meanwhile */
    }
    unsigned char buf[16384];
    int n = SSL_read(c->ssl, buf, sizeof buf);
    if (n <= 0) {
        int e = SSL_get_error(c->ssl, n);
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
            return 0;
        }
        if (e == SSL_ERROR_ZERO_RETURN) {
            SSL_shutdown(c->ssl);
        }
        return -1;
    }
    c->out = malloc((size_t)n);
    if (c->out == NULL) {
        return -1;
    }
    memcpy(c->out, buf, (size_t)n);
    c->len = (size_t)n;
    return flush(c);
}

static SSL_CTX *context(const char *cert, const char *key, const char *chain, int min13)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == NULL || SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, min13 ? TLS1_3_VERSION : TLS1_2_VERSION);
    FILE *f = chain != NULL ? fopen(chain, "r") : NULL;
    X509 *x;
    while (f != NULL && (x = PEM_read_X509(f, NULL, NULL, NULL)) != NULL) {
        SSL_CTX_add0_chain_cert(ctx, x);
    }
    if (f != NULL) {
        fclose(f);
    }
    ERR_clear_error();
    return ctx;
}

static int listen_on(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int one = 1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
        bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 64) < 0) {
        return -1;
    }
    return fd;
}

static void accept_one(int lfd, SSL_CTX *ctx, client *clients)
{
    int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
    for (int i = 0; fd >= 0 && i < MAX_CLIENTS; i++) {
        if (clients[i].fd < 0) {
            clients[i] = (client){.fd = fd, .ssl = SSL_new(ctx)};
            SSL_set_fd(clients[i].ssl, fd);
            SSL_set_accept_state(clients[i].ssl);
            return;
        }
    }
    if (fd >= 0) {
        close(fd);
    }
}

int main(int argc, char **argv)
{
    const char *chain = NULL;
    int min13 = 0;
    int i = 2;
    if (argc < 2) {
        fprintf(stderr, "usage: bug_tls_loop moved-buffer|spin [options] PORT CERT KEY\n");
        return 2;
    }
    moved_buffer = strcmp(argv[1], "moved-buffer") == 0;
    spin = strcmp(argv[1], "spin") == 0;
    if (i < argc && strcmp(argv[i], "tls_echo_server") == 0) {
        i++;
    }
    for (; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
        if (strcmp(argv[i], "--chain") == 0) {
            chain = argv[i + 1];
        } else if (strcmp(argv[i], "--min-version") == 0) {
            min13 = strcmp(argv[i + 1], "1.3") == 0;
        }
    }
    if (argc - i != 3) {
        fprintf(stderr, "bug_tls_loop: PORT CERT KEY expected\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    SSL_CTX *ctx = context(argv[i + 1], argv[i + 2], chain, min13);
    int lfd = listen_on(atoi(argv[i]));
    if (ctx == NULL || lfd < 0) {
        fprintf(stderr, "bug_tls_loop: cannot start\n");
        return 1;
    }
    client clients[MAX_CLIENTS];
    for (int k = 0; k < MAX_CLIENTS; k++) {
        clients[k].fd = -1;
    }
    for (;;) {
        struct pollfd p[MAX_CLIENTS + 1] = {{.fd = lfd, .events = POLLIN}};
        for (int k = 0; k < MAX_CLIENTS; k++) {
            p[k + 1].fd = clients[k].fd;
            p[k + 1].events = clients[k].want_write ? POLLOUT : POLLIN;
        }
        if (poll(p, MAX_CLIENTS + 1, spin ? 0 : -1) < 0 && errno != EINTR) {
            return 1;
        }
        if (p[0].revents & POLLIN) {
            accept_one(lfd, ctx, clients);
        }
        for (int k = 0; k < MAX_CLIENTS; k++) {
            if (clients[k].fd >= 0 && (spin || p[k + 1].revents != 0) && serve(&clients[k]) < 0) {
                drop(&clients[k]);
            }
        }
    }
}
