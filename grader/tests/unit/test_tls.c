/* test_tls.c - the TLS transport (net/tls.h) under the grader's own
 * connections and fake servers, with the test CA's certificates: an echo
 * over TLS 1.3 with the server name seen and close_notify on both sides;
 * a chain without its intermediate refused by the verifying client; and a
 * version floor that the other side is below. */
#include "cu_run.h"
#include "engine/engine.h"
#include "kit/ca.h"
#include "kit/kit.h"
#include "net/tls.h"
#include "peers/echo.h"

#include <stdlib.h>
#include <string.h>

typedef struct tls_pair {
    gr_ca *ca;
    gr_tls *server;
    gr_tls *client;
    gr_fake *fake;
} tls_pair;

/* A fake echo server over TLS with this leaf (and its chain or not), and
 * a client that trusts the root and wants the name localhost. */
static void start(tls_pair *p, gr_cert kind, int chain, int server_max, int client_min)
{
    char err[256] = "";
    p->ca = gr_ca_make(err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p->ca);
    char *cert = NULL;
    char *key = NULL;
    char *root = gr_ca_root_pem(p->ca);
    CU_ASSERT_EQUAL_FATAL(gr_ca_leaf_pem(p->ca, kind, chain, &cert, &key), 0);
    p->server = gr_tls_server(cert, key, 0, server_max, err);
    p->client = gr_tls_client(root, "localhost", client_min, 0, err);
    free(cert);
    free(key);
    free(root);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p->server);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p->client);
    p->fake = gr_fake_start_xport(gr_echo_exact, NULL, gr_tls_ops(p->server), err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p->fake);
}

static void stop(tls_pair *p)
{
    gr_fake_stop(p->fake);
    gr_tls_free(p->server);
    gr_tls_free(p->client);
    gr_ca_free(p->ca);
}

static void test_echo(void)
{
    tls_pair p;
    start(&p, GR_CERT_GOOD, 1, 0, 0);
    gr_ctx *ctx = gr_ctx_standalone(gr_fake_port(p.fake), 3, 10000);
    gr_conn c;
    CU_ASSERT_EQUAL_FATAL(
        gr_connect(ctx, &c, "client", &(gr_conn_opts){.co_xport = gr_tls_ops(p.client)}), 0);
    CU_ASSERT_STRING_EQUAL(gr_tls_version(&c.c_xp), "TLSv1.3");
    unsigned char data[40000];
    gr_random_bytes(ctx, data, sizeof data);
    CU_ASSERT_EQUAL(gr_exchange(ctx, &c, data, sizeof data, data, sizeof data,
                                GR_SHUT_AFTER | GR_WANT_EOF, "echo"),
                    0);
    if (gr_failed(ctx)) {
        fprintf(stderr, "\n%s\n", gr_ctx_report(ctx));
    }
    CU_ASSERT(gr_tls_peer_closed(&c.c_xp));
    gr_close(&c);
    gr_ctx_standalone_free(ctx);
    stop(&p);
}

static void test_incomplete_chain_refused(void)
{
    tls_pair p;
    start(&p, GR_CERT_GOOD, 0, 0, 0);
    gr_ctx *ctx = gr_ctx_standalone(gr_fake_port(p.fake), 3, 5000);
    gr_conn c;
    CU_ASSERT_NOT_EQUAL(
        gr_connect(ctx, &c, "client", &(gr_conn_opts){.co_xport = gr_tls_ops(p.client)}), 0);
    const char *report = gr_ctx_report(ctx);
    CU_EXPECT(strstr(report, "certificate verify failed") != NULL, __LINE__, "report: %s", report);
    gr_ctx_standalone_free(ctx);
    stop(&p);
}

static void test_version_floor(void)
{
    tls_pair p;
    start(&p, GR_CERT_GOOD, 1, GR_TLS1_2, GR_TLS1_3);
    gr_ctx *ctx = gr_ctx_standalone(gr_fake_port(p.fake), 3, 5000);
    gr_conn c;
    CU_ASSERT_NOT_EQUAL(
        gr_connect(ctx, &c, "client", &(gr_conn_opts){.co_xport = gr_tls_ops(p.client)}), 0);
    gr_ctx_standalone_free(ctx);
    stop(&p);
}

int register_tls_tests(void)
{
    static const cu_test tests[] = {
        {"TLS: an echo with the test CA's chain, close_notify both ways", test_echo},
        {"TLS: a chain without its intermediate is refused", test_incomplete_chain_refused},
        {"TLS: a server below the client's minimum version is refused", test_version_floor},
        {NULL, NULL},
    };
    return cu_add_suite("tls", tests);
}
