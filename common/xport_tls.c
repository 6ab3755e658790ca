/* xport_tls.c - TLS in the transport table (see xport_tls.h). */
#include "xport_tls.h"

#include "err.h"

#include <arpa/inet.h>
#include <errno.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>

/* Why the last call failed: the verify error when the certificate was
 * refused, else OpenSSL's reason, else the system's. */
static void tls_reason(sl_xport *x, int ssl_error, const char *what)
{
    SSL *ssl = x->x_session;
    long verify = SSL_get_verify_result(ssl);
    unsigned long code = ERR_peek_last_error();
    if (verify != X509_V_OK) {
        snprintf(x->x_why, sizeof x->x_why, "certificate refused: %s",
                 X509_verify_cert_error_string(verify));
    } else if (code != 0 && ERR_GET_REASON(code) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
        snprintf(x->x_why, sizeof x->x_why, "%s: truncated: the stream ended without close_notify",
                 what);
    } else if (code != 0) {
        snprintf(x->x_why, sizeof x->x_why, "%s: %s", what, ERR_reason_error_string(code));
    } else if (ssl_error == SSL_ERROR_SYSCALL && errno != 0) {
        snprintf(x->x_why, sizeof x->x_why, "%s: %s", what, strerror(errno));
    } else {
        snprintf(x->x_why, sizeof x->x_why, "%s: the connection ended", what);
    }
    ERR_clear_error();
}

/* A call that returned rc <= 0: "try again", 0 (close_notify) or -1. */
static int tls_outcome(sl_xport *x, int rc, const char *what)
{
    int e = SSL_get_error(x->x_session, rc);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
        x->x_want = e == SSL_ERROR_WANT_READ ? SL_WANT_READ : SL_WANT_WRITE;
        return SL_XPORT_AGAIN;
    }
    if (e == SSL_ERROR_ZERO_RETURN) {
        return 0;
    }
    tls_reason(x, e, what);
    SSL_set_quiet_shutdown(x->x_session, 1); /* broken: no close_notify to send */
    return -1;
}

static int tls_handshake(sl_xport *x)
{
    ERR_clear_error();
    errno = 0;
    int rc = SSL_do_handshake(x->x_session);
    return rc == 1 ? 0 : tls_outcome(x, rc, "handshake") == SL_XPORT_AGAIN ? SL_XPORT_AGAIN : -1;
}

static ssize_t tls_read(sl_xport *x, void *buf, size_t n)
{
    size_t got = 0;
    ERR_clear_error();
    errno = 0;
    int rc = SSL_read_ex(x->x_session, buf, n, &got);
    return rc == 1 ? (ssize_t)got : tls_outcome(x, rc, "read");
}

static ssize_t tls_write(sl_xport *x, const void *buf, size_t n)
{
    size_t put = 0;
    ERR_clear_error();
    errno = 0;
    int rc = SSL_write_ex(x->x_session, buf, n, &put);
    if (rc == 1) {
        return (ssize_t)put;
    }
    int out = tls_outcome(x, rc, "write");
    return out == 0 ? -1 : out; /* the peer's close_notify: this write goes nowhere */
}

static size_t tls_pending(const sl_xport *x)
{
    return (size_t)SSL_pending(x->x_session);
}

static int tls_shutdown(sl_xport *x)
{
    if (!SSL_is_init_finished(x->x_session)) {
        return 0; /* no session to close */
    }
    ERR_clear_error();
    errno = 0;
    int rc = SSL_shutdown(x->x_session);
    return rc >= 0 ? 0 : tls_outcome(x, rc, "shutdown") == SL_XPORT_AGAIN ? SL_XPORT_AGAIN : -1;
}

static void tls_release(sl_xport *x)
{
    SSL_free(x->x_session);
    x->x_session = NULL;
}

static const sl_xport_ops tls_ops = {.xo_name = "tls",
                                     .xo_handshake = tls_handshake,
                                     .xo_read = tls_read,
                                     .xo_write = tls_write,
                                     .xo_pending = tls_pending,
                                     .xo_shutdown = tls_shutdown,
                                     .xo_release = tls_release};

/* Why @p file could not be loaded, after @p what: the system's reason
 * when it cannot be opened, else OpenSSL's. */
static void ctx_failed(char *err, const char *what, const char *file)
{
    unsigned long code = ERR_get_error();
    ERR_clear_error();
    FILE *f = fopen(file, "r");
    if (f == NULL) {
        sl_err_errno(err, "%s '%s'", what, file);
        return;
    }
    fclose(f);
    const char *reason = code != 0 ? ERR_reason_error_string(code) : NULL;
    sl_err_set(err, "%s '%s': %s", what, file, reason != NULL ? reason : "not PEM that fits");
}

static SSL_CTX *new_ctx(const SSL_METHOD *method, int min_version, char *err)
{
    SSL_CTX *ctx = SSL_CTX_new(method);
    if (ctx == NULL || SSL_CTX_set_min_proto_version(ctx, min_version) != 1) {
        sl_err_set(err, "cannot make a TLS context");
        SSL_CTX_free(ctx);
        return NULL;
    }
    /* A write may take some of its bytes, as send() does; a retry after
     * "try again" may come from a buffer that moved, with the same bytes. */
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    return ctx;
}

/* Every certificate of @p chain appended to the chain the server sends. */
static int add_chain(SSL_CTX *ctx, const char *chain, char *err)
{
    FILE *f = fopen(chain, "r");
    if (f == NULL) {
        sl_err_errno(err, "--chain '%s'", chain);
        return -1;
    }
    int added = 0;
    X509 *cert;
    while ((cert = PEM_read_X509(f, NULL, NULL, NULL)) != NULL) {
        if (SSL_CTX_add0_chain_cert(ctx, cert) != 1) {
            X509_free(cert);
            break;
        }
        added++;
    }
    fclose(f);
    ERR_clear_error(); /* the end of the file reads as an error */
    if (added == 0) {
        sl_err_set(err, "--chain '%s': no certificate in it", chain);
        return -1;
    }
    return 0;
}

SSL_CTX *sl_tls_server_ctx(const char *cert, const char *key, const char *chain, int min_version,
                           char *err)
{
    SSL_CTX *ctx = new_ctx(TLS_server_method(), min_version, err);
    if (ctx == NULL) {
        return NULL;
    }
    if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
        ctx_failed(err, "the certificate", cert);
    } else if (chain != NULL && add_chain(ctx, chain, err) < 0) {
        /* said */
    } else if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
        ctx_failed(err, "the key", key); /* the reason only: never the key's bytes */
    } else if (SSL_CTX_check_private_key(ctx) != 1) {
        ERR_clear_error();
        sl_err_set(err, "the key '%s' does not match the certificate '%s'", key, cert);
    } else {
        return ctx;
    }
    SSL_CTX_free(ctx);
    return NULL;
}

SSL_CTX *sl_tls_client_ctx(const char *cafile, int min_version, char *err)
{
    SSL_CTX *ctx = new_ctx(TLS_client_method(), min_version, err);
    if (ctx == NULL) {
        return NULL;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    int loaded = cafile != NULL ? SSL_CTX_load_verify_locations(ctx, cafile, NULL)
                                : SSL_CTX_set_default_verify_paths(ctx);
    if (loaded != 1) {
        ctx_failed(err, "the CA file", cafile != NULL ? cafile : "(the system's)");
        SSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

/* A session on @p fd, or -1 with the reason. */
static int new_session(sl_xport *x, int fd, SSL_CTX *ctx)
{
    sl_xport_plain(x, fd);
    SSL *ssl = SSL_new(ctx);
    if (ssl == NULL || SSL_set_fd(ssl, fd) != 1) {
        SSL_free(ssl);
        ERR_clear_error();
        snprintf(x->x_why, sizeof x->x_why, "cannot make a TLS session");
        return -1;
    }
    x->x_ops = &tls_ops;
    x->x_session = ssl;
    return 0;
}

int sl_xport_tls_server(sl_xport *x, int fd, SSL_CTX *ctx)
{
    if (new_session(x, fd, ctx) < 0) {
        return -1;
    }
    SSL_set_accept_state(x->x_session);
    return 0;
}

int sl_xport_tls_client(sl_xport *x, int fd, SSL_CTX *ctx, const char *host)
{
    if (new_session(x, fd, ctx) < 0) {
        return -1;
    }
    SSL *ssl = x->x_session;
    unsigned char ip[16];
    int is_ip = inet_pton(AF_INET, host, ip) == 1 || inet_pton(AF_INET6, host, ip) == 1;
    /* An IP address is checked against the certificate's IP entries and is
     * never sent as SNI (RFC 6066 allows host names only). */
    int ok = is_ip ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host) == 1
                   : SSL_set_tlsext_host_name(ssl, host) == 1 && SSL_set1_host(ssl, host) == 1;
    if (!ok) {
        ERR_clear_error();
        snprintf(x->x_why, sizeof x->x_why, "cannot check the name '%s'", host);
        sl_xport_release(x);
        x->x_fd = fd;
        return -1;
    }
    SSL_set_connect_state(ssl);
    return 0;
}

const char *sl_xport_tls_describe(const sl_xport *x, char *buf, size_t n)
{
    if (x->x_session == NULL) {
        snprintf(buf, n, "%s", "");
    } else {
        SSL *ssl = x->x_session;
        snprintf(buf, n, "%s, %s", SSL_get_version(ssl),
                 SSL_CIPHER_get_name(SSL_get_current_cipher(ssl)));
    }
    return buf;
}
