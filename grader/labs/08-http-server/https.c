/* https.c - lab 08's server over TLS (step 10): started with the test CA's
 * certificate, key and intermediate (kit/ca_run.h, beside the document
 * root), it is asked by the grader's own TLS clients, which trust only the
 * root and want the name localhost (and by curl: curl.c). RULES.md says
 * which rule each check probes. */
#include "lab08.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A small receive window: the server's TLS writes meet a full socket. */
#define SMALL_WINDOW 8192

/* An HTTPS connection, the handshake done with a client that trusts only
 * the root; a refusal said with the hint its reason points to. */
static int https_connect(gr_ctx *ctx, gr_http *h, gr_tls *t, const char *label, int small)
{
    if (gr_http_connect_xport(ctx, h, label, gr_tls_ops(t), small ? SMALL_WINDOW : 0) == 0) {
        return 0;
    }
    if (strstr(gr_headline(ctx), "local issuer") != NULL) {
        gr_hint(ctx, "The client holds only the root: the server must send the intermediate "
                     "that links its certificate to it. In C: "
                     "SSL_CTX_use_certificate_chain_file(), or SSL_CTX_add0_chain_cert() for "
                     "each certificate of --chain. In Python: load_cert_chain() of a file with "
                     "the leaf, then the intermediate.");
    }
    return -1;
}

/* GET @p path on @p h: 200, and the file's bytes, exactly Content-Length of them. */
static int get_file(gr_ctx *ctx, gr_http *h, const char *path, const char *extra, const char *what)
{
    char req[256];
    lab08_get(req, sizeof req, "GET", path, extra);
    gr_http_resp r = {0};
    size_t n = 0;
    unsigned char *file = lab08_file(ctx, path + 1, &n);
    int rc = file == NULL || gr_http_expect(ctx, h, req, strlen(req), 0, &r, what) ||
             lab08_want_status(ctx, req, &r, 200, what);
    if (rc == 0 && (r.hr_body_len != n || memcmp(r.hr_body, file, n) != 0)) {
        rc = gr_fail_bytes(ctx, req, strlen(req), file, n, r.hr_body, r.hr_body_len,
                           "%s: not the file's bytes", what);
    }
    gr_http_resp_free(&r);
    free(file);
    return rc != 0 ? -1 : 0;
}

/* Two requests on one connection, then one with Connection: close, which
 * ends with close_notify. */
int lab08_check_https_get(gr_ctx *ctx)
{
    gr_tls *t = gr_ca_run_client(ctx, 1, 0);
    gr_http h;
    int rc = t != NULL ? https_connect(ctx, &h, t, "https", 0) : -1;
    int connected = rc == 0;
    if (rc == 0) {
        rc = get_file(ctx, &h, "/hello.txt", NULL, "GET /hello.txt over TLS") ||
             get_file(ctx, &h, "/index.html", NULL, "a second request on the TLS connection") ||
             get_file(ctx, &h, "/style.css", "Connection: close\r\n",
                      "a third, with Connection: close");
    }
    if (rc == 0 && gr_http_wait_close(&h, gr_soon(ctx, 2000)) != 0) {
        rc = gr_fail(ctx, "the server did not close the TLS connection after Connection: close");
    }
    if (rc == 0 && !gr_tls_peer_closed(&h.h_conn.c_xp)) {
        gr_hint(ctx, "A TLS peer ends what it sends with close_notify, so that the other side "
                     "can tell the end from a cut. In C: SSL_shutdown() before close(). In "
                     "Python: sock.unwrap() before close().");
        rc = gr_fail(ctx, "the server closed the TLS connection without close_notify");
    }
    if (connected) {
        gr_http_close(&h);
    }
    gr_tls_free(t);
    return rc;
}

/* A 2 MiB file through a small window: every partial write continued. */
int lab08_check_https_big(gr_ctx *ctx)
{
    gr_tls *t = gr_ca_run_client(ctx, 1, 0);
    gr_http h;
    int rc = t != NULL ? https_connect(ctx, &h, t, "https", 1) : -1;
    if (rc == 0) {
        rc = get_file(ctx, &h, "/tls.bin", NULL, "GET /tls.bin (2 MiB) through a small window");
        gr_http_close(&h);
    }
    gr_tls_free(t);
    return rc;
}

/* A client stops after the first bytes of its ClientHello; another is
 * served meanwhile (the first one still open). */
int lab08_check_https_stalled(gr_ctx *ctx)
{
    static const unsigned char part[] = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01};
    gr_http stalled;
    if (gr_http_connect(ctx, &stalled, "stalled") != 0) {
        return -1;
    }
    int rc = gr_http_send(&stalled, part, sizeof part, gr_soon(ctx, 2000)) == 0
                 ? 0
                 : gr_fail(ctx, "stalled: could not send the start of a ClientHello");
    gr_tls *t = rc == 0 ? gr_ca_run_client(ctx, 1, 0) : NULL;
    gr_http h;
    if (t != NULL) {
        rc = https_connect(ctx, &h, t, "another client", 0);
        if (rc == 0) {
            rc = get_file(ctx, &h, "/hello.txt", NULL, "GET /hello.txt while a handshake stalls");
            gr_http_close(&h);
        }
    }
    gr_http_close(&stalled);
    gr_tls_free(t);
    return t == NULL ? -1 : rc;
}

/* Plain HTTP on the TLS port: no answer is owed, but the server neither
 * dies nor stops serving. */
int lab08_check_https_plaintext(gr_ctx *ctx)
{
    gr_http plain;
    if (gr_http_connect(ctx, &plain, "plain HTTP") != 0) {
        return -1;
    }
    char req[256];
    lab08_get(req, sizeof req, "GET", "/hello.txt", NULL);
    int rc = gr_http_send(&plain, req, strlen(req), gr_soon(ctx, 2000)) == 0
                 ? 0
                 : gr_fail(ctx, "plain HTTP: could not send the request");
    if (rc == 0) {
        (void)gr_http_wait_close(&plain, gr_soon(ctx, 1000)); /* a close, an alert, or nothing */
    }
    gr_tls *t = rc == 0 ? gr_ca_run_client(ctx, 1, 0) : NULL;
    gr_http h;
    if (t != NULL) {
        rc = https_connect(ctx, &h, t, "then an HTTPS client", 0);
        if (rc == 0) {
            rc = get_file(ctx, &h, "/hello.txt", NULL, "GET /hello.txt after plain HTTP");
            gr_http_close(&h);
        }
    }
    gr_http_close(&plain);
    gr_tls_free(t);
    return t == NULL ? -1 : rc;
}
