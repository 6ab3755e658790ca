/* docroot.c - the folder a server command's {docroot} stands for: the
 * files a lab's server serves (lab 08's document root), made once per run
 * by the lab's own lab_docroot, in a folder the grader owns and the
 * sandbox user can read. */
#include "engine/ctx.h"

#include "err.h"
#include "os/sandbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *gr_docroot(gr_ctx *ctx)
{
    if (ctx->cx_docroot != NULL) {
        return ctx->cx_docroot;
    }
    const gr_lab *lab = ctx->cx_opt->op_lab;
    if (lab->lab_docroot == NULL) {
        gr_fail(ctx, "this lab has no document root ({docroot})");
        return NULL;
    }
    char err[SL_ERR_LEN] = "";
    if (gr_sandbox_public_dir(&ctx->cx_docroot_top, err) < 0) {
        gr_fail(ctx, "cannot make the document root: %s", err);
        return NULL;
    }
    if (lab->lab_docroot(ctx, ctx->cx_docroot_top) != 0) {
        engine_docroot_free(ctx);
        return NULL;
    }
    gr_str s = {0};
    gr_str_addf(&s, "%s/%s", ctx->cx_docroot_top, GR_DOCROOT_NAME);
    ctx->cx_docroot = gr_str_take(&s);
    return ctx->cx_docroot;
}

int gr_docroot_instead(gr_ctx *ctx, const char *path)
{
    free(ctx->cx_docroot_instead);
    ctx->cx_docroot_instead = NULL;
    if (path != NULL && (ctx->cx_docroot_instead = strdup(path)) == NULL) {
        return gr_fail(ctx, "grader ran out of memory");
    }
    return 0;
}

const char *gr_docroot_top(const gr_ctx *ctx)
{
    return ctx->cx_docroot_top;
}

void engine_docroot_free(gr_ctx *ctx)
{
    if (ctx->cx_docroot_top != NULL) {
        gr_sandbox_scratch_remove(ctx->cx_docroot_top);
    }
    free(ctx->cx_docroot_top);
    free(ctx->cx_docroot);
    free(ctx->cx_docroot_instead);
    ctx->cx_docroot_instead = NULL;
    ctx->cx_docroot_top = ctx->cx_docroot = NULL;
}
