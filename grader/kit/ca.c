/* ca.c - the test CA (see ca.h): certificates made with OpenSSL's X509
 * API, each with the extensions a real one has (basicConstraints,
 * keyUsage, extendedKeyUsage, subjectAltName, key identifiers). */
#include "kit/ca.h"

#include "err.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DAY (24L * 3600)

/* A certificate and its key. */
typedef struct pair {
    X509 *p_cert;
    EVP_PKEY *p_key;
} pair;

struct gr_ca {
    pair root, inter;                   /* the CA clients trust, and its intermediate */
    pair other_root, other_inter;       /* a CA nobody trusts */
    pair notca;                         /* an "intermediate" without CA:TRUE */
    pair leaves[GR_CERT_NKINDS];        /* the leaves */
    const pair *signer[GR_CERT_NKINDS]; /* what signed each (NULL: itself) */
    pair client;                        /* a client certificate */
};

static const char *const names[GR_CERT_NKINDS] = {
    "server", "expired", "notyet", "wrongname", "selfsigned", "untrusted", "notca", "clientonly"};

const char *gr_cert_name(gr_cert kind)
{
    return kind < GR_CERT_NKINDS ? names[kind] : "?";
}

/* What a certificate is to be: its name, its validity from now, its
 * extensions (NID, value; ended by 0). */
typedef struct spec {
    const char *s_cn;
    long s_from, s_to;
    int s_ext[8];
    const char *s_val[8];
} spec;

#define CA_EXTS(pathlen)                                                                           \
    {NID_basic_constraints, NID_key_usage, NID_subject_key_identifier,                             \
     NID_authority_key_identifier, 0},                                                             \
    {                                                                                              \
        "critical,CA:TRUE" pathlen, "critical,keyCertSign,cRLSign", "hash", "keyid:always"         \
    }
#define LEAF_EXTS(eku, san)                                                                        \
    {NID_basic_constraints,                                                                        \
     NID_key_usage,                                                                                \
     NID_ext_key_usage,                                                                            \
     NID_subject_alt_name,                                                                         \
     NID_subject_key_identifier,                                                                   \
     NID_authority_key_identifier,                                                                 \
     0},                                                                                           \
    {                                                                                              \
        "critical,CA:FALSE", "critical,digitalSignature", eku, san, "hash", "keyid:always"         \
    }

static int add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX v3;
    X509V3_set_ctx(&v3, issuer, x, NULL, NULL, 0);
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
    int ok = e != NULL && X509_add_ext(x, e, -1) == 1;
    X509_EXTENSION_free(e);
    return ok ? 0 : -1;
}

/* Make out: a new key, a certificate for it as sp says, signed by issuer
 * (NULL: by itself). */
static int make(pair *out, const spec *sp, const pair *issuer, char *err)
{
    out->p_key = EVP_EC_gen("P-256");
    out->p_cert = X509_new();
    X509 *x = out->p_cert;
    unsigned char serial[16];
    BIGNUM *bn = NULL;
    int ok =
        out->p_key != NULL && x != NULL && RAND_bytes(serial, sizeof serial) == 1 &&
        (serial[0] &= 0x7f, bn = BN_bin2bn(serial, sizeof serial, NULL)) != NULL &&
        BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL && X509_set_version(x, 2) == 1 &&
        X509_set_pubkey(x, out->p_key) == 1 &&
        X509_gmtime_adj(X509_getm_notBefore(x), sp->s_from) != NULL &&
        X509_gmtime_adj(X509_getm_notAfter(x), sp->s_to) != NULL &&
        X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "O", MBSTRING_ASC,
                                   (const unsigned char *)"socklab test CA", -1, -1, 0) == 1 &&
        X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
                                   (const unsigned char *)sp->s_cn, -1, -1, 0) == 1 &&
        X509_set_issuer_name(x, X509_get_subject_name(issuer != NULL ? issuer->p_cert : x)) == 1;
    BN_free(bn);
    X509 *signer = issuer != NULL ? issuer->p_cert : x;
    for (int i = 0; ok && sp->s_ext[i] != 0; i++) {
        ok = add_ext(x, signer, sp->s_ext[i], sp->s_val[i]) == 0;
    }
    if (!ok || X509_sign(x, issuer != NULL ? issuer->p_key : out->p_key, EVP_sha256()) <= 0) {
        sl_err_set(err, "cannot make the certificate for %s: %s", sp->s_cn,
                   ERR_reason_error_string(ERR_peek_last_error()));
        ERR_clear_error();
        return -1;
    }
    return 0;
}

static void pair_free(pair *p)
{
    X509_free(p->p_cert);
    EVP_PKEY_free(p->p_key);
}

void gr_ca_free(gr_ca *ca)
{
    if (ca == NULL) {
        return;
    }
    pair *all[] = {&ca->root,        &ca->inter, &ca->other_root,
                   &ca->other_inter, &ca->notca, &ca->client};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        pair_free(all[i]);
    }
    for (int k = 0; k < GR_CERT_NKINDS; k++) {
        pair_free(&ca->leaves[k]);
    }
    free(ca);
}

/* The CAs: the trusted root and its intermediate, the untrusted ones, and
 * the intermediate that is not a CA. */
static int make_cas(gr_ca *ca, char *err)
{
    static const spec root = {"socklab test root", -DAY, 3650 * DAY, CA_EXTS("")};
    static const spec inter = {"socklab test intermediate", -DAY, 365 * DAY, CA_EXTS(",pathlen:0")};
    static const spec other = {"an untrusted root", -DAY, 3650 * DAY, CA_EXTS("")};
    static const spec other_inter = {"an untrusted intermediate", -DAY, 365 * DAY,
                                     CA_EXTS(",pathlen:0")};
    static const spec notca = {
        "an intermediate that is not a CA",
        -DAY,
        365 * DAY,
        {NID_basic_constraints, NID_subject_key_identifier, NID_authority_key_identifier, 0},
        {"critical,CA:FALSE", "hash", "keyid:always"}};
    return make(&ca->root, &root, NULL, err) < 0 || make(&ca->inter, &inter, &ca->root, err) < 0 ||
                   make(&ca->other_root, &other, NULL, err) < 0 ||
                   make(&ca->other_inter, &other_inter, &ca->other_root, err) < 0 ||
                   make(&ca->notca, &notca, &ca->root, err) < 0
               ? -1
               : 0;
}

/* The leaves, each with what signs it. */
static int make_leaves(gr_ca *ca, char *err)
{
#define HERE "DNS:localhost,IP:127.0.0.1"
    static const spec specs[GR_CERT_NKINDS] = {
        [GR_CERT_GOOD] = {"localhost", -3600, 30 * DAY, LEAF_EXTS("serverAuth", HERE)},
        [GR_CERT_EXPIRED] = {"localhost", -30 * DAY, -DAY, LEAF_EXTS("serverAuth", HERE)},
        [GR_CERT_NOTYET] = {"localhost", DAY, 30 * DAY, LEAF_EXTS("serverAuth", HERE)},
        [GR_CERT_WRONGNAME] = {"wrong.example", -3600, 30 * DAY,
                               LEAF_EXTS("serverAuth", "DNS:wrong.example")},
        [GR_CERT_SELFSIGNED] = {"localhost", -3600, 30 * DAY, LEAF_EXTS("serverAuth", HERE)},
        [GR_CERT_UNTRUSTED] = {"localhost", -3600, 30 * DAY, LEAF_EXTS("serverAuth", HERE)},
        [GR_CERT_NOTCA] = {"localhost", -3600, 30 * DAY, LEAF_EXTS("serverAuth", HERE)},
        [GR_CERT_CLIENTONLY] = {"localhost", -3600, 30 * DAY, LEAF_EXTS("clientAuth", HERE)},
    };
#undef HERE
    const pair *by[GR_CERT_NKINDS] = {&ca->inter, &ca->inter,       &ca->inter, &ca->inter,
                                      NULL,       &ca->other_inter, &ca->notca, &ca->inter};
    for (int k = 0; k < GR_CERT_NKINDS; k++) {
        ca->signer[k] = by[k];
        if (make(&ca->leaves[k], &specs[k], by[k], err) < 0) {
            return -1;
        }
    }
    static const spec client = {"socklab test client", -3600, 30 * DAY,
                                LEAF_EXTS("clientAuth", "DNS:client.localhost")};
    return make(&ca->client, &client, &ca->inter, err);
}

gr_ca *gr_ca_make(char *err)
{
    gr_ca *ca = calloc(1, sizeof *ca);
    if (ca == NULL) {
        sl_err_set(err, "out of memory");
        return NULL;
    }
    if (make_cas(ca, err) < 0 || make_leaves(ca, err) < 0) {
        gr_ca_free(ca);
        return NULL;
    }
    return ca;
}

/* A memory BIO's text, copied (malloc'd), and the BIO freed. */
static char *bio_text(BIO *b)
{
    char *data = NULL;
    long n = b != NULL ? BIO_get_mem_data(b, &data) : -1;
    char *copy = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (copy != NULL) {
        memcpy(copy, data, (size_t)n);
        copy[n] = '\0';
    }
    BIO_free(b);
    return copy;
}

static char *cert_pem(X509 *const *certs, int n)
{
    BIO *b = BIO_new(BIO_s_mem());
    for (int i = 0; b != NULL && i < n; i++) {
        if (PEM_write_bio_X509(b, certs[i]) != 1) {
            BIO_free(b);
            return NULL;
        }
    }
    return bio_text(b);
}

static char *key_pem(EVP_PKEY *key)
{
    BIO *b = BIO_new(BIO_s_mem());
    if (b != NULL && PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL) != 1) {
        BIO_free(b);
        return NULL;
    }
    return bio_text(b);
}

char *gr_ca_root_pem(const gr_ca *ca)
{
    return cert_pem(&ca->root.p_cert, 1);
}

int gr_ca_leaf_pem(const gr_ca *ca, gr_cert kind, int chain, char **cert, char **key)
{
    X509 *certs[2] = {ca->leaves[kind].p_cert,
                      ca->signer[kind] != NULL ? ca->signer[kind]->p_cert : NULL};
    *cert = cert_pem(certs, chain && certs[1] != NULL ? 2 : 1);
    *key = key_pem(ca->leaves[kind].p_key);
    if (*cert == NULL || *key == NULL) {
        free(*cert);
        free(*key);
        *cert = *key = NULL;
        return -1;
    }
    return 0;
}

/* Write text to dir/name with this mode. */
static int write_text(const char *dir, const char *name, const char *text, mode_t mode, char *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    size_t n = text != NULL ? strlen(text) : 0;
    int ok = fd >= 0 && text != NULL && write(fd, text, n) == (ssize_t)n && fchmod(fd, mode) == 0;
    int saved = errno;
    if (fd >= 0 && close(fd) != 0) {
        ok = 0;
    }
    if (!ok) {
        errno = saved;
        sl_err_errno(err, "cannot write %s", path);
    }
    return ok ? 0 : -1;
}

/* NAME.pem, NAME.key and NAME-chain.pem for one certificate. */
static int write_pair(const char *dir, const char *name, const pair *p, const pair *signer,
                      char *err)
{
    char file[128];
    X509 *certs[2] = {p->p_cert, signer != NULL ? signer->p_cert : NULL};
    char *one = cert_pem(certs, 1);
    char *two = cert_pem(certs, signer != NULL ? 2 : 1);
    char *key = key_pem(p->p_key);
    snprintf(file, sizeof file, "%s.pem", name);
    int rc = write_text(dir, file, one, 0644, err);
    snprintf(file, sizeof file, "%s-chain.pem", name);
    rc = rc < 0 ? rc : write_text(dir, file, two, 0644, err);
    snprintf(file, sizeof file, "%s.key", name);
    rc = rc < 0 ? rc : write_text(dir, file, key, 0600, err);
    free(one);
    free(two);
    free(key);
    return rc;
}

static const char readme[] =
    "socklab's test CA, made by bin/grade --make-certs (ECDSA P-256, SHA-256).\n"
    "Nothing here is secret outside this machine; make new ones at will.\n\n"
    "ca.pem               the root a client trusts (--cafile ca.pem)\n"
    "intermediate.pem     the intermediate (CA:TRUE, pathlen 0) that signs the leaves\n"
    "server.pem/.key      localhost and 127.0.0.1, valid now; server-chain.pem adds\n"
    "                     the intermediate, as a server must send it\n"
    "expired, notyet      valid only in the past, or only from tomorrow\n"
    "wrongname            for wrong.example, not localhost\n"
    "selfsigned           its own issuer\n"
    "untrusted            from a root that is not ca.pem\n"
    "notca                signed by an intermediate without CA:TRUE\n"
    "clientonly           extendedKeyUsage clientAuth only: not for a server\n"
    "client.pem/.key      a client certificate (mutual TLS)\n"
    "Each NAME has NAME.pem (the leaf), NAME-chain.pem (leaf and signer) and NAME.key.\n";

int gr_ca_write(const gr_ca *ca, const char *dir, char *err)
{
    if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
        sl_err_errno(err, "cannot make %s", dir);
        return -1;
    }
    char *root = cert_pem(&ca->root.p_cert, 1);
    char *inter = cert_pem(&ca->inter.p_cert, 1);
    int rc = write_text(dir, "ca.pem", root, 0644, err);
    rc = rc < 0 ? rc : write_text(dir, "intermediate.pem", inter, 0644, err);
    rc = rc < 0 ? rc : write_text(dir, "README.txt", readme, 0644, err);
    free(root);
    free(inter);
    for (int k = 0; rc == 0 && k < GR_CERT_NKINDS; k++) {
        rc = write_pair(dir, names[k], &ca->leaves[k], ca->signer[k], err);
    }
    return rc < 0 ? rc : write_pair(dir, "client", &ca->client, &ca->inter, err);
}
