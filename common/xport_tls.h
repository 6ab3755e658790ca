/**
 * @file xport_tls.h
 * @brief TLS in the transport table of xport.h, with OpenSSL: contexts for
 *        a server (a certificate chain and its key) and for a client (the
 *        roots it trusts), and a transport per connection.
 *
 * A TLS transport starts its handshake on its first operation, or on
 * sl_xport_handshake() to see its outcome apart: a client that wants to
 * say "certificate refused" before it sends anything calls it first. Reads
 * end with 0 only after the peer's close_notify; a stream cut without one
 * is an error ("truncated"), so that a body delimited by the close cannot
 * be taken whole when an attacker (or a crash) cut it.
 *
 * Programs that use it link with OpenSSL: pkg-config --libs openssl.
 */
#ifndef SOCKLAB_XPORT_TLS_H
#define SOCKLAB_XPORT_TLS_H

#include "xport.h"

#include <openssl/ssl.h>

/**
 * @brief A server's context: the leaf certificate (and any intermediates
 *        after it) from @p cert, more intermediates from @p chain (may be
 *        NULL), the private key from @p key, TLS @p min_version at least.
 * @param cert        PEM file: the leaf, then intermediates if any
 * @param key         PEM file: the leaf's private key
 * @param chain       PEM file of intermediates to send after the leaf, or NULL
 * @param min_version TLS1_2_VERSION or TLS1_3_VERSION
 * @param err         the reason on failure (SL_ERR_LEN bytes)
 * @return the context (SSL_CTX_free() it), or NULL
 */
SSL_CTX *sl_tls_server_ctx(const char *cert, const char *key, const char *chain, int min_version,
                           char *err);

/**
 * @brief A client's context: peers verified against the roots in @p cafile,
 *        or the system's store when @p cafile is NULL.
 * @param cafile      PEM file of trusted roots, or NULL
 * @param min_version TLS1_2_VERSION or TLS1_3_VERSION
 * @param err         the reason on failure (SL_ERR_LEN bytes)
 * @return the context (SSL_CTX_free() it), or NULL
 */
SSL_CTX *sl_tls_client_ctx(const char *cafile, int min_version, char *err);

/**
 * @brief TLS as the server of the connection @p fd.
 * @return 0, or -1 (out of memory; the reason in x_why)
 */
int sl_xport_tls_server(sl_xport *x, int fd, SSL_CTX *ctx);

/**
 * @brief TLS as the client of the connection @p fd, to @p host: its name
 *        sent as SNI (not for an IP address) and checked against the
 *        certificate's names (an IP address against its IP entries).
 * @return 0, or -1 (the reason in x_why)
 */
int sl_xport_tls_client(sl_xport *x, int fd, SSL_CTX *ctx, const char *host);

/**
 * @brief The session in a line, after its handshake: "TLSv1.3,
 *        TLS_AES_256_GCM_SHA384", into @p buf; "" for plain TCP.
 */
const char *sl_xport_tls_describe(const sl_xport *x, char *buf, size_t n);

#endif
