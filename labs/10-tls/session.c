/* session.c - what a TLS session is, said on stderr, and why one failed. */
#include "session.h"

#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

int session_version(const char *name)
{
    const char *v = strncasecmp(name, "TLSv", 4) == 0 ? name + 4 : name;
    return strcmp(v, "1.2") == 0 ? TLS1_2_VERSION : strcmp(v, "1.3") == 0 ? TLS1_3_VERSION : 0;
}

void session_describe(SSL *ssl)
{
    /* TODO(step 1): a line each on stderr: "version: " SSL_get_version(),
     * "cipher: " SSL_CIPHER_get_name(SSL_get_current_cipher()), and from
     * SSL_get1_peer_certificate(): "subject: ", "issuer: " (X509_NAME_print_ex()),
     * "san: " (the subjectAltName's DNS and IP entries), "not before: " and
     * "not after: " (ASN1_TIME_print()). */
    (void)ssl;
}

int session_failure(SSL *ssl, char *why, size_t n)
{
    /* TODO(step 2): when SSL_get_verify_result() is not X509_V_OK, the
     * certificate was refused: "certificate refused: " and
     * X509_verify_cert_error_string() of it, TLS_CERT. Else OpenSSL's
     * reason (ERR_get_error(), ERR_reason_error_string()), TLS_HANDSHAKE. */
    (void)ssl;
    snprintf(why, n, "handshake failed");
    return TLS_HANDSHAKE;
}
