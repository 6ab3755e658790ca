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

/* A name as one line: "CN=localhost, O=socklab test CA". */
static void print_name(const char *label, const X509_NAME *name)
{
    BIO *b = BIO_new_fp(stderr, BIO_NOCLOSE);
    fprintf(stderr, "%s: ", label);
    X509_NAME_print_ex(b, name, 0, XN_FLAG_ONELINE & ~ASN1_STRFLGS_ESC_MSB);
    BIO_free(b);
    fputc('\n', stderr);
}

/* "DNS:localhost, IP:127.0.0.1". */
static void print_san(X509 *cert)
{
    GENERAL_NAMES *names = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
    fprintf(stderr, "san:");
    for (int i = 0; i < sk_GENERAL_NAME_num(names); i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(names, i);
        const char *sep = i == 0 ? " " : ", ";
        if (g->type == GEN_DNS) {
            fprintf(stderr, "%sDNS:%.*s", sep, ASN1_STRING_length(g->d.dNSName),
                    (const char *)ASN1_STRING_get0_data(g->d.dNSName));
        } else if (g->type == GEN_IPADD && ASN1_STRING_length(g->d.iPAddress) == 4) {
            const unsigned char *a = ASN1_STRING_get0_data(g->d.iPAddress);
            fprintf(stderr, "%sIP:%u.%u.%u.%u", sep, a[0], a[1], a[2], a[3]);
        }
    }
    fputc('\n', stderr);
    GENERAL_NAMES_free(names);
}

static void print_time(const char *label, const ASN1_TIME *t)
{
    BIO *b = BIO_new_fp(stderr, BIO_NOCLOSE);
    fprintf(stderr, "%s: ", label);
    ASN1_TIME_print(b, t);
    BIO_free(b);
    fputc('\n', stderr);
}

void session_describe(SSL *ssl)
{
    fprintf(stderr, "version: %s\ncipher: %s\n", SSL_get_version(ssl),
            SSL_CIPHER_get_name(SSL_get_current_cipher(ssl)));
    X509 *cert = SSL_get1_peer_certificate(ssl);
    if (cert == NULL) {
        fprintf(stderr, "subject: (no certificate)\n");
        return;
    }
    print_name("subject", X509_get_subject_name(cert));
    print_name("issuer", X509_get_issuer_name(cert));
    print_san(cert);
    print_time("not before", X509_get0_notBefore(cert));
    print_time("not after", X509_get0_notAfter(cert));
    X509_free(cert);
}

int session_failure(SSL *ssl, char *why, size_t n)
{
    long verify = SSL_get_verify_result(ssl);
    unsigned long code = ERR_get_error();
    ERR_clear_error();
    if (verify != X509_V_OK) {
        snprintf(why, n, "certificate refused: %s", X509_verify_cert_error_string(verify));
        return TLS_CERT;
    }
    const char *reason = code != 0 ? ERR_reason_error_string(code) : NULL;
    snprintf(why, n, "handshake failed: %s", reason != NULL ? reason : "the connection ended");
    return TLS_HANDSHAKE;
}
