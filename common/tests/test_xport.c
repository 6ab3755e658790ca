/* test_xport.c - unit tests for xport.c and xport_tls.c: plain TCP and TLS
 * behind one table, over AF_UNIX socketpairs.
 *
 * Both ends of a TLS session run in this one thread on non-blocking
 * sockets: each side is stepped in turn until both are done, so "try
 * again" is seen for real and nothing waits on a clock. The certificate is
 * made here, self-signed for localhost, and lives only in a temporary file.
 */
#include "cu_run.h"
#include "err.h"
#include "rio.h"
#include "xport_tls.h"

#include <CUnit/CUnit.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* The most steps a two-sided exchange may take before the test gives up. */
#define MAX_STEPS 1000

/* The certificate and key files while a test needs them (made, then removed). */
static char cert_path[64], key_path[64];

static int pair(int sv[2])
{
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) < 0) {
        return -1;
    }
    return 0;
}

/* ---- plain TCP ----------------------------------------------------------------- */

static void test_plain_outcomes(void)
{
    int sv[2];
    CU_ASSERT_FATAL(pair(sv) == 0);
    sl_xport a, b;
    sl_xport_plain(&a, sv[0]);
    sl_xport_plain(&b, sv[1]);
    CU_ASSERT(sl_xport_is_plain(&a));
    CU_ASSERT_EQUAL(sl_xport_handshake(&a), 0);
    char buf[16];
    CU_ASSERT_EQUAL(sl_xport_read(&b, buf, sizeof buf), SL_XPORT_AGAIN);
    CU_ASSERT_EQUAL(b.x_want, SL_WANT_READ);
    CU_ASSERT_EQUAL(sl_xport_write(&a, "hello", 5), 5);
    CU_ASSERT_EQUAL(sl_xport_read(&b, buf, sizeof buf), 5);
    CU_ASSERT_EQUAL(sl_xport_pending(&b), 0);
    CU_ASSERT_EQUAL(sl_xport_shutdown(&a), 0);
    close(sv[0]);
    CU_ASSERT_EQUAL(sl_xport_read(&b, buf, sizeof buf), 0);
    CU_ASSERT_EQUAL(sl_xport_write(&b, "x", 1), -1); /* EPIPE, not SIGPIPE */
    CU_ASSERT_PTR_NOT_NULL(strstr(b.x_why, "send"));
    sl_xport_release(&a);
    sl_xport_release(&b);
    close(sv[1]);
}

/* ---- TLS ------------------------------------------------------------------------- */

/* A self-signed certificate for localhost and its key, in two temporary files. */
static int make_cert(void)
{
    EVP_PKEY *key = EVP_EC_gen("P-256");
    X509 *x = X509_new();
    int ok = key != NULL && x != NULL;
    X509_NAME *name = ok ? X509_get_subject_name(x) : NULL;
    X509V3_CTX v3;
    X509_EXTENSION *san = NULL;
    if (ok) {
        ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
        X509_gmtime_adj(X509_getm_notBefore(x), -3600);
        X509_gmtime_adj(X509_getm_notAfter(x), 3600);
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"localhost", -1,
                                   -1, 0);
        X509_set_issuer_name(x, name);
        X509_set_pubkey(x, key);
        X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
        san = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name, "DNS:localhost");
        ok = san != NULL && X509_add_ext(x, san, -1) == 1 && X509_sign(x, key, EVP_sha256()) > 0;
    }
    snprintf(cert_path, sizeof cert_path, "/tmp/socklab-xport-cert-XXXXXX");
    snprintf(key_path, sizeof key_path, "/tmp/socklab-xport-key-XXXXXX");
    int cfd = mkstemp(cert_path), kfd = mkstemp(key_path);
    FILE *cf = cfd >= 0 ? fdopen(cfd, "w") : NULL, *kf = kfd >= 0 ? fdopen(kfd, "w") : NULL;
    ok = ok && cf != NULL && kf != NULL && PEM_write_X509(cf, x) == 1 &&
         PEM_write_PrivateKey(kf, key, NULL, NULL, 0, NULL, NULL) == 1;
    if (cf != NULL) {
        fclose(cf);
    }
    if (kf != NULL) {
        fclose(kf);
    }
    X509_EXTENSION_free(san);
    X509_free(x);
    EVP_PKEY_free(key);
    return ok ? 0 : -1;
}

static void remove_cert(void)
{
    unlink(cert_path);
    unlink(key_path);
}

typedef struct tls_pair {
    int sv[2];
    SSL_CTX *sctx, *cctx;
    sl_xport srv, cli;
} tls_pair;

/* A server and a client to @p host over a socketpair. */
static int tls_open(tls_pair *p, const char *host)
{
    char err[SL_ERR_LEN];
    *p = (tls_pair){.sv = {-1, -1}};
    if (make_cert() < 0) {
        remove_cert();
        return -1;
    }
    p->sctx = sl_tls_server_ctx(cert_path, key_path, NULL, TLS1_2_VERSION, err);
    p->cctx = sl_tls_client_ctx(cert_path, TLS1_2_VERSION, err);
    remove_cert(); /* read: no longer needed */
    if (p->sctx == NULL || p->cctx == NULL || pair(p->sv) < 0) {
        return -1;
    }
    return sl_xport_tls_server(&p->srv, p->sv[0], p->sctx) == 0 &&
                   sl_xport_tls_client(&p->cli, p->sv[1], p->cctx, host) == 0
               ? 0
               : -1;
}

static void tls_close(tls_pair *p)
{
    sl_xport_release(&p->srv);
    sl_xport_release(&p->cli);
    SSL_CTX_free(p->sctx);
    SSL_CTX_free(p->cctx);
    close(p->sv[0]);
    close(p->sv[1]);
}

/* Both handshakes stepped in turn: 0 when both are done, -1 when one failed. */
static int shake(tls_pair *p, int *saw_again)
{
    int s = SL_XPORT_AGAIN, c = SL_XPORT_AGAIN;
    for (int i = 0; i < MAX_STEPS && (s == SL_XPORT_AGAIN || c == SL_XPORT_AGAIN); i++) {
        if (c == SL_XPORT_AGAIN) {
            c = sl_xport_handshake(&p->cli);
            *saw_again |= c == SL_XPORT_AGAIN;
        }
        if (s == SL_XPORT_AGAIN) {
            s = sl_xport_handshake(&p->srv);
        }
    }
    return s == 0 && c == 0 ? 0 : -1;
}

static void test_tls_echo(void)
{
    tls_pair p;
    CU_ASSERT_FATAL(tls_open(&p, "localhost") == 0);
    CU_ASSERT_FALSE(sl_xport_is_plain(&p.cli));
    int again = 0;
    CU_ASSERT_FATAL(shake(&p, &again) == 0);
    CU_ASSERT(again); /* a non-blocking handshake waits for the peer */
    char line[80];
    CU_ASSERT_PTR_NOT_NULL(strstr(sl_xport_tls_describe(&p.cli, line, sizeof line), "TLSv1."));
    char buf[64];
    CU_ASSERT_EQUAL(sl_xport_read(&p.srv, buf, sizeof buf), SL_XPORT_AGAIN);
    CU_ASSERT_EQUAL(p.srv.x_want, SL_WANT_READ);
    CU_ASSERT_EQUAL(sl_xport_write(&p.cli, "ping", 4), 4);
    CU_ASSERT_EQUAL(sl_xport_read(&p.srv, buf, 1), 1);
    CU_ASSERT_EQUAL(sl_xport_pending(&p.srv), 3); /* the record's rest: poll() would not see it */
    CU_ASSERT_EQUAL(sl_xport_read(&p.srv, buf + 1, sizeof buf - 1), 3);
    CU_ASSERT_EQUAL(memcmp(buf, "ping", 4), 0);
    /* close_notify: the clean end, read as 0. */
    CU_ASSERT_EQUAL(sl_xport_shutdown(&p.srv), 0);
    CU_ASSERT_EQUAL(sl_xport_read(&p.cli, buf, sizeof buf), 0);
    tls_close(&p);
}

static void test_tls_truncated(void)
{
    tls_pair p;
    CU_ASSERT_FATAL(tls_open(&p, "localhost") == 0);
    int again = 0;
    CU_ASSERT_FATAL(shake(&p, &again) == 0);
    CU_ASSERT_EQUAL(sl_xport_write(&p.srv, "half", 4), 4);
    shutdown(p.sv[0], SHUT_WR); /* the stream cut, without close_notify */
    char buf[64];
    CU_ASSERT_EQUAL(sl_xport_read(&p.cli, buf, sizeof buf), 4);
    CU_ASSERT_EQUAL(sl_xport_read(&p.cli, buf, sizeof buf), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(p.cli.x_why, "truncated"));
    tls_close(&p);
}

static void test_tls_wrong_name(void)
{
    tls_pair p;
    CU_ASSERT_FATAL(tls_open(&p, "example.org") == 0);
    int again = 0;
    CU_ASSERT_EQUAL(shake(&p, &again), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(p.cli.x_why, "certificate refused: hostname mismatch"));
    tls_close(&p);
}

static void test_tls_ip_not_in_cert(void)
{
    tls_pair p;
    CU_ASSERT_FATAL(tls_open(&p, "127.0.0.1") == 0);
    int again = 0;
    CU_ASSERT_EQUAL(shake(&p, &again), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(p.cli.x_why, "IP address mismatch"));
    tls_close(&p);
}

/* rio reads through the transport; its failures keep their reason. */
static void test_rio_over_tls(void)
{
    tls_pair p;
    CU_ASSERT_FATAL(tls_open(&p, "localhost") == 0);
    int again = 0;
    CU_ASSERT_FATAL(shake(&p, &again) == 0);
    const char text[] = "HTTP/1.1 200 OK\r\nrest";
    CU_ASSERT_EQUAL(sl_xport_writen(&p.srv, text, sizeof text - 1), (ssize_t)(sizeof text - 1));
    shutdown(p.sv[0], SHUT_WR);
    sl_rio r;
    sl_rio_init_xport(&r, &p.cli);
    char line[64];
    CU_ASSERT_EQUAL(sl_rio_readline(&r, line, sizeof line), 17);
    CU_ASSERT_EQUAL(sl_rio_read(&r, line, sizeof line), 4);
    errno = 0;
    CU_ASSERT_EQUAL(sl_rio_read(&r, line, sizeof line), -1);
    CU_ASSERT_EQUAL(errno, EPROTO);
    CU_ASSERT_PTR_NOT_NULL(strstr(p.cli.x_why, "truncated"));
    tls_close(&p);
}

static void test_bad_files(void)
{
    char err[SL_ERR_LEN];
    CU_ASSERT_FATAL(make_cert() == 0);
    CU_ASSERT_PTR_NULL(sl_tls_server_ctx("/nonexistent.pem", key_path, NULL, TLS1_2_VERSION, err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "/nonexistent.pem"));
    CU_ASSERT_PTR_NULL(sl_tls_server_ctx(cert_path, cert_path, NULL, TLS1_2_VERSION, err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "the key"));
    CU_ASSERT_PTR_NULL(sl_tls_server_ctx(cert_path, key_path, "/nonexistent", TLS1_2_VERSION, err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "--chain"));
    CU_ASSERT_PTR_NULL(sl_tls_client_ctx("/nonexistent.pem", TLS1_2_VERSION, err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "the CA file"));
    remove_cert();
}

int register_xport_tests(void)
{
    static const cu_test tests[] = {
        {"plain: done, try again, the end, EPIPE", test_plain_outcomes},
        {"tls: handshake, echo and close_notify", test_tls_echo},
        {"tls: a stream cut without close_notify is an error", test_tls_truncated},
        {"tls: a wrong host name refused, with its reason", test_tls_wrong_name},
        {"tls: an IP address checked against the IP entries", test_tls_ip_not_in_cert},
        {"tls: rio reads through the transport", test_rio_over_tls},
        {"tls: unreadable files named", test_bad_files},
        {NULL, NULL},
    };
    return cu_add_suite("xport", tests);
}
