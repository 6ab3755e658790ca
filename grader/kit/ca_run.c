/* ca_run.c - the run's test CA, where the checks need it (see ca_run.h). */
#include "kit/ca_run.h"

#include "err.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

gr_ca *gr_ca_run(gr_ctx *ctx)
{
    static gr_ca *ca; /* one per run: the grader grades one lab per process */
    char err[SL_ERR_LEN] = "";
    if (ca == NULL && (ca = gr_ca_make(err)) == NULL) {
        gr_fail(ctx, "grader could not make its test CA: %s", err);
    }
    return ca;
}

int gr_ca_run_write(gr_ctx *ctx, const char *dir)
{
    gr_ca *ca = gr_ca_run(ctx);
    char err[SL_ERR_LEN] = "";
    if (ca == NULL || gr_ca_write(ca, dir, err) < 0) {
        return ca == NULL ? -1 : gr_fail(ctx, "grader cannot write its test CA: %s", err);
    }
    static const char *const keys[] = {"server.key", "expired.key", "client.key"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        char path[4200];
        snprintf(path, sizeof path, "%s/%s", dir, keys[i]);
        chmod(path, 0644);
    }
    chmod(dir, 0755);
    return 0;
}

int gr_ca_run_write_root(gr_ctx *ctx, const char *dir)
{
    gr_ca *ca = gr_ca_run(ctx);
    if (ca == NULL) {
        return -1;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/ca.pem", dir);
    char *pem = gr_ca_root_pem(ca);
    FILE *f = pem != NULL ? fopen(path, "w") : NULL;
    int ok = f != NULL && fputs(pem, f) >= 0;
    if (f != NULL && fclose(f) != 0) {
        ok = 0;
    }
    free(pem);
    chmod(path, 0644);
    return ok ? 0 : gr_fail(ctx, "grader cannot write %s: %s", path, strerror(errno));
}

gr_tls *gr_ca_run_client(gr_ctx *ctx, int verify, int max_version)
{
    gr_ca *ca = gr_ca_run(ctx);
    char *root = ca != NULL && verify ? gr_ca_root_pem(ca) : NULL;
    char err[SL_ERR_LEN] = "";
    gr_tls *t =
        ca != NULL ? gr_tls_client(root, verify ? "localhost" : NULL, 0, max_version, err) : NULL;
    free(root);
    if (t == NULL && ca != NULL) {
        gr_fail(ctx, "grader could not make its TLS client: %s", err);
    }
    return t;
}

gr_tls *gr_ca_run_server(gr_ctx *ctx, gr_cert kind, int chain, int max_version)
{
    gr_ca *ca = gr_ca_run(ctx);
    char *cert = NULL;
    char *key = NULL;
    char err[SL_ERR_LEN] = "cannot make the certificate";
    gr_tls *t = NULL;
    if (ca != NULL && gr_ca_leaf_pem(ca, kind, chain, &cert, &key) == 0) {
        t = gr_tls_server(cert, key, 0, max_version, err);
    }
    free(cert);
    free(key);
    if (t == NULL && ca != NULL) {
        gr_fail(ctx, "grader could not make its TLS server: %s", err);
    }
    return t;
}
