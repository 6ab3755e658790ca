/* tls.c - TLS behind the transport interface, on OpenSSL (see tls.h).
 * The only file of the grader that calls libssl. */
#include "net/tls.h"

#include "err.h"

#include <arpa/inet.h>
#include <errno.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct gr_tls {
    gr_xport_ops t_ops; /* first: the table each transport carries leads back here */
    SSL_CTX *t_ctx;
    int t_server;
    char t_name[256]; /* a client's server name, or "" */
};

/* One connection's TLS state. */
typedef struct tls_conn {
    SSL *tc_ssl;
    char tc_sni[256];
    int tc_peer_closed;
    char tc_error[200];
} tls_conn;

static const gr_tls *config_of(const gr_xport *x)
{
    return (const gr_tls *)x->xp_ops;
}

/* The connection's SSL, made on first use. */
static tls_conn *conn_of(gr_xport *x)
{
    if (x->xp_impl != NULL) {
        return x->xp_impl;
    }
    const gr_tls *t = config_of(x);
    tls_conn *c = calloc(1, sizeof *c);
    SSL *ssl = c != NULL ? SSL_new(t->t_ctx) : NULL;
    if (ssl == NULL || SSL_set_fd(ssl, x->xp_fd) != 1) {
        SSL_free(ssl);
        free(c);
        return NULL;
    }
    c->tc_ssl = ssl;
    if (t->t_server) {
        SSL_set_accept_state(ssl);
    } else {
        SSL_set_connect_state(ssl);
    }
    unsigned char ip[16];
    int is_ip = inet_pton(AF_INET, t->t_name, ip) == 1 || inet_pton(AF_INET6, t->t_name, ip) == 1;
    if (!t->t_server && t->t_name[0] != '\0') {
        if (is_ip) {
            X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), t->t_name);
        } else {
            SSL_set_tlsext_host_name(ssl, t->t_name);
            SSL_set1_host(ssl, t->t_name);
        }
    }
    x->xp_impl = c;
    return c;
}

static gr_io no_memory(gr_xport *x)
{
    x->xp_errno = ENOMEM;
    return GR_IO_ERROR;
}

/* An operation that did not complete: try again (and poll for what), or
 * fail with OpenSSL's reason kept. */
static gr_io failed(gr_xport *x, tls_conn *c, int ret)
{
    int e = SSL_get_error(c->tc_ssl, ret);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
        x->xp_wait = e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
        return GR_IO_AGAIN;
    }
    unsigned long code = ERR_get_error();
    const char *why = code != 0 ? ERR_reason_error_string(code) : NULL;
    long verify = SSL_get_verify_result(c->tc_ssl);
    snprintf(c->tc_error, sizeof c->tc_error, "%s%s%s",
             why != NULL                            ? why
             : e == SSL_ERROR_SYSCALL && errno != 0 ? strerror(errno)
                                                    : "the connection ended",
             verify != X509_V_OK ? ": " : "",
             verify != X509_V_OK ? X509_verify_cert_error_string(verify) : "");
    ERR_clear_error();
    x->xp_errno = e == SSL_ERROR_SYSCALL && errno != 0 ? errno : EPROTO;
    return GR_IO_ERROR;
}

static gr_io tls_handshake(gr_xport *x)
{
    tls_conn *c = conn_of(x);
    if (c == NULL) {
        return no_memory(x);
    }
    int ret = SSL_do_handshake(c->tc_ssl);
    if (ret != 1) {
        return failed(x, c, ret);
    }
    const char *sni = SSL_get_servername(c->tc_ssl, TLSEXT_NAMETYPE_host_name);
    snprintf(c->tc_sni, sizeof c->tc_sni, "%s", sni != NULL ? sni : "");
    return GR_IO_DONE;
}

/* A stream that ended: with close_notify, or cut (OpenSSL 3 says so as an
 * error, 1.1 as a system call that read nothing). */
static int ended(tls_conn *c, int e)
{
    if (e == SSL_ERROR_ZERO_RETURN) {
        c->tc_peer_closed = 1;
        return 1;
    }
    unsigned long code = ERR_peek_error();
#ifdef SSL_R_UNEXPECTED_EOF_WHILE_READING
    if (e == SSL_ERROR_SSL && ERR_GET_REASON(code) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
        ERR_clear_error();
        return 1;
    }
#endif
    return e == SSL_ERROR_SYSCALL && code == 0 && errno == 0;
}

static gr_io tls_read(gr_xport *x, void *buf, size_t n, size_t *got)
{
    *got = 0;
    tls_conn *c = conn_of(x);
    if (c == NULL) {
        return no_memory(x);
    }
    errno = 0;
    int ret = SSL_read_ex(c->tc_ssl, buf, n, got);
    if (ret == 1) {
        return GR_IO_DONE;
    }
    if (ended(c, SSL_get_error(c->tc_ssl, ret))) {
        *got = 0;
        return GR_IO_DONE;
    }
    return failed(x, c, ret);
}

static gr_io tls_write(gr_xport *x, const void *buf, size_t n, size_t *put)
{
    *put = 0;
    tls_conn *c = conn_of(x);
    if (c == NULL) {
        return no_memory(x);
    }
    int ret = SSL_write_ex(c->tc_ssl, buf, n, put);
    return ret == 1 ? GR_IO_DONE : failed(x, c, ret);
}

static gr_io tls_shutdown(gr_xport *x)
{
    tls_conn *c = conn_of(x);
    if (c == NULL) {
        return no_memory(x);
    }
    int ret = SSL_shutdown(c->tc_ssl);
    return ret >= 0 ? GR_IO_DONE : failed(x, c, ret);
}

static size_t tls_pending(const gr_xport *x)
{
    const tls_conn *c = x->xp_impl;
    return c != NULL && SSL_pending(c->tc_ssl) > 0 ? (size_t)SSL_pending(c->tc_ssl) : 0;
}

static void tls_free(gr_xport *x)
{
    tls_conn *c = x->xp_impl;
    if (c != NULL) {
        SSL_free(c->tc_ssl);
        free(c);
    }
    x->xp_impl = NULL;
}

static const char *tls_reason(const gr_xport *x)
{
    const tls_conn *c = x->xp_impl;
    return c != NULL ? c->tc_error : NULL;
}

static gr_tls *config_new(int server, int min_version, int max_version, char *err)
{
    gr_tls *t = calloc(1, sizeof *t);
    SSL_CTX *ctx =
        t != NULL ? SSL_CTX_new(server ? TLS_server_method() : TLS_client_method()) : NULL;
    if (ctx == NULL || (min_version != 0 && SSL_CTX_set_min_proto_version(ctx, min_version) != 1) ||
        (max_version != 0 && SSL_CTX_set_max_proto_version(ctx, max_version) != 1)) {
        sl_err_set(err, "cannot make a TLS context: %s",
                   ERR_reason_error_string(ERR_peek_last_error()));
        ERR_clear_error();
        SSL_CTX_free(ctx);
        free(t);
        return NULL;
    }
    /* a write may take part of the buffer, and be called again with the rest */
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    if (max_version != 0 && max_version < GR_TLS1_2) {
        /* an old peer on purpose: OpenSSL's default level refuses TLS 1.1's
         * signatures before the version could be the reason */
        SSL_CTX_set_security_level(ctx, 0);
        SSL_CTX_set_cipher_list(ctx, "DEFAULT:@SECLEVEL=0");
    }
    t->t_ctx = ctx;
    t->t_server = server;
    t->t_ops = (gr_xport_ops){.xo_name = "tls",
                              .xo_handshake = tls_handshake,
                              .xo_read = tls_read,
                              .xo_write = tls_write,
                              .xo_shutdown = tls_shutdown,
                              .xo_pending = tls_pending,
                              .xo_free = tls_free,
                              .xo_reason = tls_reason};
    return t;
}

/* The certificates of PEM text: the first as the context's own, the rest
 * as its chain. */
static int use_chain(SSL_CTX *ctx, const char *pem)
{
    BIO *b = BIO_new_mem_buf(pem, -1);
    X509 *leaf = b != NULL ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
    int ok = leaf != NULL && SSL_CTX_use_certificate(ctx, leaf) == 1;
    X509_free(leaf);
    for (X509 *x; ok && (x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL;) {
        ok = SSL_CTX_add0_chain_cert(ctx, x) == 1;
    }
    ERR_clear_error(); /* the end of the PEM text */
    BIO_free(b);
    return ok ? 0 : -1;
}

gr_tls *gr_tls_server(const char *cert_pem, const char *key_pem, int min_version, int max_version,
                      char *err)
{
    gr_tls *t = config_new(1, min_version, max_version, err);
    if (t == NULL) {
        return NULL;
    }
    BIO *b = BIO_new_mem_buf(key_pem, -1);
    EVP_PKEY *key = b != NULL ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    int ok = use_chain(t->t_ctx, cert_pem) == 0 && key != NULL &&
             SSL_CTX_use_PrivateKey(t->t_ctx, key) == 1 && SSL_CTX_check_private_key(t->t_ctx) == 1;
    EVP_PKEY_free(key);
    if (!ok) {
        sl_err_set(err, "cannot load the server's certificate and key");
        ERR_clear_error();
        gr_tls_free(t);
        return NULL;
    }
    return t;
}

gr_tls *gr_tls_client(const char *ca_pem, const char *servername, int min_version, int max_version,
                      char *err)
{
    gr_tls *t = config_new(0, min_version, max_version, err);
    if (t == NULL) {
        return NULL;
    }
    snprintf(t->t_name, sizeof t->t_name, "%s", servername != NULL ? servername : "");
    if (ca_pem == NULL) {
        SSL_CTX_set_verify(t->t_ctx, SSL_VERIFY_NONE, NULL);
        return t;
    }
    BIO *b = BIO_new_mem_buf(ca_pem, -1);
    X509 *root = b != NULL ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    int ok = root != NULL && X509_STORE_add_cert(SSL_CTX_get_cert_store(t->t_ctx), root) == 1;
    X509_free(root);
    if (!ok) {
        sl_err_set(err, "cannot load the root to trust");
        ERR_clear_error();
        gr_tls_free(t);
        return NULL;
    }
    SSL_CTX_set_verify(t->t_ctx, SSL_VERIFY_PEER, NULL);
    return t;
}

void gr_tls_free(gr_tls *t)
{
    if (t != NULL) {
        SSL_CTX_free(t->t_ctx);
        free(t);
    }
}

const gr_xport_ops *gr_tls_ops(const gr_tls *t)
{
    return &t->t_ops;
}

const char *gr_tls_sni(const gr_xport *x)
{
    const tls_conn *c = x->xp_impl;
    return c != NULL ? c->tc_sni : "";
}

const char *gr_tls_version(const gr_xport *x)
{
    const tls_conn *c = x->xp_impl;
    return c != NULL && SSL_is_init_finished(c->tc_ssl) ? SSL_get_version(c->tc_ssl) : "";
}

int gr_tls_peer_closed(const gr_xport *x)
{
    const tls_conn *c = x->xp_impl;
    return c != NULL && c->tc_peer_closed;
}

const char *gr_tls_error(const gr_xport *x)
{
    const tls_conn *c = x->xp_impl;
    return c != NULL ? c->tc_error : "";
}
