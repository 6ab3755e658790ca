/**
 * @file session.h
 * @brief What lab 10's programs share: the exit statuses, the version
 *        names, and what a TLS session is, said on stderr.
 */
#ifndef TLS_SESSION_H
#define TLS_SESSION_H

#include <openssl/ssl.h>

/** tls_client's exit statuses, one per kind of failure. */
enum tls_exit {
    TLS_OK = 0,          /**< the reply came, and the server closed with close_notify */
    TLS_LOCAL = 1,       /**< a local failure: the CA file cannot be read */
    TLS_USAGE = 2,       /**< a bad command line */
    TLS_CONNECT = 3,     /**< the host cannot be resolved or reached */
    TLS_CERT = 4,        /**< the server's certificate was refused */
    TLS_HANDSHAKE = 5,   /**< the handshake failed otherwise (a version, an alert) */
    TLS_TRUNCATED = 6,   /**< the stream ended without close_notify */
    TLS_TIMEOUT = 7,     /**< a wait took longer than --timeout */
};

/**
 * @brief "1.2" or "1.3" (or "TLSv1.2", "TLSv1.3") into TLS1_2_VERSION or
 *        TLS1_3_VERSION; 0 for anything else.
 */
int session_version(const char *name);

/**
 * @brief Say what the session is on stderr, a line each: version, cipher,
 *        and the server certificate's subject, issuer, subjectAltName and
 *        validity (as Python's ssock.version(), cipher() and getpeercert()).
 */
void session_describe(SSL *ssl);

/**
 * @brief The reason OpenSSL gave for the last failure, with its verify
 *        error when the certificate was refused, into @p why.
 * @return TLS_CERT when verification failed, TLS_HANDSHAKE otherwise
 */
int session_failure(SSL *ssl, char *why, size_t n);

#endif
