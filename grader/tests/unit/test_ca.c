/* test_ca.c - the test CA's leaves verify, or fail to, for the reason each
 * is made for: OpenSSL's own verifier (X509_verify_cert) against the root,
 * as a client holding only ca.pem would. */
#include "cu_run.h"
#include "kit/ca.h"

#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Certificates from PEM text: the first, and the rest into a stack. */
static X509 *read_certs(const char *pem, STACK_OF(X509) * rest)
{
    BIO *b = BIO_new_mem_buf(pem, -1);
    X509 *first = PEM_read_bio_X509(b, NULL, NULL, NULL);
    for (X509 *x; (x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL;) {
        sk_X509_push(rest, x);
    }
    BIO_free(b);
    return first;
}

/* Verify a leaf (with its chain or not) for host; OpenSSL's error code. */
static int verify(const gr_ca *ca, gr_cert kind, int chain, const char *host)
{
    char *root_pem = gr_ca_root_pem(ca);
    char *cert = NULL;
    char *key = NULL;
    CU_ASSERT_FATAL(root_pem != NULL && gr_ca_leaf_pem(ca, kind, chain, &cert, &key) == 0);
    STACK_OF(X509) *untrusted = sk_X509_new_null();
    STACK_OF(X509) *none = sk_X509_new_null();
    X509 *leaf = read_certs(cert, untrusted);
    X509 *root = read_certs(root_pem, none);
    X509_STORE *store = X509_STORE_new();
    X509_STORE_add_cert(store, root);
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    X509_STORE_CTX_init(ctx, store, leaf, untrusted);
    X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER);
    X509_VERIFY_PARAM *param = X509_STORE_CTX_get0_param(ctx);
    if (strcmp(host, "127.0.0.1") == 0) {
        X509_VERIFY_PARAM_set1_ip_asc(param, host);
    } else {
        X509_VERIFY_PARAM_set1_host(param, host, 0);
    }
    int ok = X509_verify_cert(ctx);
    int code = ok == 1 ? X509_V_OK : X509_STORE_CTX_get_error(ctx);
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(store);
    X509_free(leaf);
    X509_free(root);
    sk_X509_pop_free(untrusted, X509_free);
    sk_X509_pop_free(none, X509_free);
    free(root_pem);
    free(cert);
    free(key);
    return code;
}

static void test_zoo(void)
{
    char err[256] = "";
    gr_ca *ca = gr_ca_make(err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ca);
    static const struct {
        gr_cert kind;
        int chain;
        const char *host;
        int want;
    } rows[] = {
        {GR_CERT_GOOD, 1, "localhost", X509_V_OK},
        {GR_CERT_GOOD, 1, "127.0.0.1", X509_V_OK},
        {GR_CERT_GOOD, 0, "localhost", X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY},
        {GR_CERT_EXPIRED, 1, "localhost", X509_V_ERR_CERT_HAS_EXPIRED},
        {GR_CERT_NOTYET, 1, "localhost", X509_V_ERR_CERT_NOT_YET_VALID},
        {GR_CERT_WRONGNAME, 1, "localhost", X509_V_ERR_HOSTNAME_MISMATCH},
        {GR_CERT_WRONGNAME, 1, "127.0.0.1", X509_V_ERR_IP_ADDRESS_MISMATCH},
        {GR_CERT_SELFSIGNED, 1, "localhost", X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT},
        {GR_CERT_UNTRUSTED, 1, "localhost", X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY},
        {GR_CERT_NOTCA, 1, "localhost", X509_V_ERR_INVALID_CA},
        {GR_CERT_CLIENTONLY, 1, "localhost", X509_V_ERR_INVALID_PURPOSE},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        int got = verify(ca, rows[i].kind, rows[i].chain, rows[i].host);
        CU_EXPECT(got == rows[i].want, __LINE__, "%s%s for %s: %s, expected %s",
                  gr_cert_name(rows[i].kind), rows[i].chain ? " with its chain" : " alone",
                  rows[i].host, X509_verify_cert_error_string(got),
                  X509_verify_cert_error_string(rows[i].want));
    }
    gr_ca_free(ca);
}

/* --make-certs' files: every name there, the keys readable by their owner only. */
static void test_files(void)
{
    char err[256] = "";
    gr_ca *ca = gr_ca_make(err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ca);
    char dir[] = "/tmp/socklab-ca-XXXXXX";
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    CU_ASSERT_EQUAL(gr_ca_write(ca, dir, err), 0);
    static const char *const files[] = {"ca.pem",           "intermediate.pem", "server.pem",
                                        "server-chain.pem", "server.key",       "expired.pem",
                                        "notca-chain.pem",  "client.key",       "README.txt"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[512];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        CU_EXPECT(stat(path, &st) == 0, __LINE__, "%s was not written", files[i]);
        int key = strstr(files[i], ".key") != NULL;
        CU_EXPECT(!key || (st.st_mode & 077) == 0, __LINE__, "%s is mode %o", files[i],
                  st.st_mode & 0777);
    }
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CU_ASSERT_EQUAL(system(cmd), 0);
    gr_ca_free(ca);
}

int register_ca_tests(void)
{
    static const cu_test tests[] = {
        {"each test-CA leaf verifies, or fails for its own reason", test_zoo},
        {"the CA's files, keys 0600", test_files},
        {NULL, NULL},
    };
    return cu_add_suite("ca", tests);
}
