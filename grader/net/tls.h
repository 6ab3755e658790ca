/**
 * @file tls.h
 * @brief TLS behind the transport interface (net/xport.h), on OpenSSL:
 *        the grader's fake TLS servers (a student's client against them)
 *        and its TLS clients (against a student's server) are the plain
 *        ones, with this table of operations instead.
 *
 * A configuration (gr_tls) holds an SSL_CTX and the operations that make
 * each connection's SSL from it; the operations find the configuration
 * from the table they are called through (it is the configuration's first
 * member). WANT_READ and WANT_WRITE are GR_IO_AGAIN with xp_wait saying
 * what to poll for, so the poll loops above never see OpenSSL. What the
 * handshake and the end of the stream showed (the server name a client
 * sent, the version, whether the peer sent close_notify) stays readable
 * with the gr_tls_*() getters until the transport is closed.
 */
#ifndef SOCKLAB_GRADER_NET_TLS_H
#define SOCKLAB_GRADER_NET_TLS_H

#include "net/xport.h"

/** A TLS configuration: client or server, certificates, versions. */
typedef struct gr_tls gr_tls;

/** TLS versions, for the bounds below (0: OpenSSL's default). */
enum { GR_TLS1_1 = 0x0302, GR_TLS1_2 = 0x0303, GR_TLS1_3 = 0x0304 };

/**
 * @brief A server configuration.
 * @param cert_pem the certificates to send, leaf first (PEM)
 * @param key_pem  the leaf's private key (PEM)
 * @param min_version lowest version accepted, or 0
 * @param max_version highest version offered, or 0
 * @param err      why it failed (SL_ERR_LEN bytes)
 * @return the configuration, or NULL
 */
gr_tls *gr_tls_server(const char *cert_pem, const char *key_pem, int min_version, int max_version,
                      char *err);

/**
 * @brief A client configuration.
 * @param ca_pem     the root to trust (PEM), or NULL: no verification
 * @param servername the name sent as SNI and verified, or NULL: none
 * @param min_version lowest version accepted, or 0
 * @param max_version highest version offered, or 0
 * @param err        why it failed (SL_ERR_LEN bytes)
 * @return the configuration, or NULL
 */
gr_tls *gr_tls_client(const char *ca_pem, const char *servername, int min_version, int max_version,
                      char *err);

/** @brief Free a configuration (after every transport using it is closed). */
void gr_tls_free(gr_tls *t);

/** @brief The operations to give gr_xport_init() or gr_fake_start_xport(). */
const gr_xport_ops *gr_tls_ops(const gr_tls *t);

/** @brief The server name the client sent (SNI), or "" (a server's transport). */
const char *gr_tls_sni(const gr_xport *x);

/** @brief The version agreed ("TLSv1.3"), or "" before the handshake. */
const char *gr_tls_version(const gr_xport *x);

/** @brief 1 when the peer ended the stream with close_notify, 0 if not (yet). */
int gr_tls_peer_closed(const gr_xport *x);

/** @brief What the last failed handshake or read said (OpenSSL's reason), or "". */
const char *gr_tls_error(const gr_xport *x);

#endif
