/**
 * @file ca.h
 * @brief The test CA: certificates and keys made at run time with the
 *        OpenSSL API, so that nothing checked in can expire and no private
 *        key is ever committed.
 *
 * One run makes a root, an intermediate limited to one level below it
 * (pathlen 0), and a leaf for localhost and 127.0.0.1 signed by the
 * intermediate; and the leaves a client must refuse, each for its own
 * reason, as badssl.com's zoo does: expired, not yet valid, for another
 * name, self-signed, from an untrusted root, signed by an intermediate that
 * is not a CA, and one for client authentication only. A server that sends
 * the good leaf without its intermediate makes the incomplete chain.
 * Keys are ECDSA P-256: made in a millisecond.
 */
#ifndef SOCKLAB_GRADER_KIT_CA_H
#define SOCKLAB_GRADER_KIT_CA_H

/** The leaves the test CA makes. */
typedef enum gr_cert {
    GR_CERT_GOOD,       /**< localhost and 127.0.0.1, valid now, serverAuth */
    GR_CERT_EXPIRED,    /**< its notAfter is yesterday */
    GR_CERT_NOTYET,     /**< its notBefore is tomorrow */
    GR_CERT_WRONGNAME,  /**< for wrong.example only */
    GR_CERT_SELFSIGNED, /**< its own issuer */
    GR_CERT_UNTRUSTED,  /**< from another root, one the client does not trust */
    GR_CERT_NOTCA,      /**< signed by an intermediate without CA:TRUE */
    GR_CERT_CLIENTONLY, /**< extendedKeyUsage clientAuth only */
    GR_CERT_NKINDS
} gr_cert;

/** A test CA and its leaves (opaque: OpenSSL types stay in ca.c and tls.c). */
typedef struct gr_ca gr_ca;

/**
 * @brief Make the test CA.
 * @param err why it failed (SL_ERR_LEN bytes)
 * @return the CA, or NULL
 */
gr_ca *gr_ca_make(char *err);

/** @brief Free it (NULL is fine). */
void gr_ca_free(gr_ca *ca);

/** @brief A leaf's file name stem ("server", "expired", ...). */
const char *gr_cert_name(gr_cert kind);

/**
 * @brief Write the CA's files into @p dir (made if needed): ca.pem,
 *        intermediate.pem, and for each leaf NAME.pem, NAME.key and
 *        NAME-chain.pem (the leaf, then what signed it, as a server sends
 *        them); client.pem and client.key, a client certificate; and
 *        README.txt saying which is which. Keys are written 0600.
 * @return 0, or -1 with @p err saying why
 */
int gr_ca_write(const gr_ca *ca, const char *dir, char *err);

/**
 * @brief The PEM text of the root (what a client is told to trust), or of
 *        a leaf's chain and key, for the TLS transport (net/tls.h).
 * @param ca    the CA
 * @param kind  the leaf
 * @param chain 1: the leaf and what signed it; 0: the leaf alone
 * @param cert  set to the certificates' PEM (malloc'd)
 * @param key   set to the leaf key's PEM (malloc'd)
 * @return 0, or -1
 */
int gr_ca_leaf_pem(const gr_ca *ca, gr_cert kind, int chain, char **cert, char **key);

/** @brief The root's PEM (malloc'd), or NULL. */
char *gr_ca_root_pem(const gr_ca *ca);

#endif
