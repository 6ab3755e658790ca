/* testprog.c - a test program of the lab's, built against the submission
 * (see grader.h): a ::GR_SOURCE check tests the student's modules through
 * their API rather than a program on the wire.
 *
 * The program is one more make target of the lab (lab 07: make
 * test_socketserver), built in the copy being graded with the run's
 * sanitizers, so that it links the student's own sources; it runs like a
 * client, in the sandbox (client.c's gr_test_run()). A run builds each
 * target once, whichever check asks first. */
#include "engine/ctx.h"

#include "err.h"

#include <stdlib.h>
#include <string.h>

/* Time a build gets, before scaling, and the most bytes of its output. */
#define TEST_BUILD_MS 120000
#define TEST_BUILD_LOG_MAX (64 * 1024)

/* make TARGET in the copy: 0 built, -1 not, with the compiler's words. */
static int make_target(gr_ctx *ctx, const char *target, char **log)
{
    *log = NULL;
    char err[SL_ERR_LEN] = "";
    char *cmd = engine_make_command(ctx->cx_opt, target);
    gr_proc p;
    memset(&p, 0, sizeof p);
    gr_spawn_opts so = {.so_cwd = ctx->cx_cwd, .so_keep_stdout = TEST_BUILD_LOG_MAX};
    gr_str s = {0};
    gr_str_addf(&s, "%s 2>&1", cmd != NULL ? cmd : "");
    free(cmd);
    if (cmd == NULL || gr_proc_spawn(&p, gr_str_cstr(&s), &so, err) < 0) {
        gr_str_free(&s);
        *log = strdup(err[0] != '\0' ? err : "out of memory");
        return -1;
    }
    gr_str_free(&s);
    int done = gr_proc_wait(&p, engine_scale_ms(ctx->cx_opt->op_scale, TEST_BUILD_MS));
    gr_proc_stop(&p, 1000);
    size_t len = 0;
    *log = gr_proc_output(&p, 0, &len, NULL);
    int ok = done && WIFEXITED(p.pr_status) && WEXITSTATUS(p.pr_status) == 0;
    gr_proc_free(&p);
    return ok ? 0 : -1;
}

int gr_test_build(gr_ctx *ctx, const char *target)
{
    if (ctx->cx_cwd == NULL) {
        return gr_fail(ctx, "there is no source to build %s against (a command is graded)", target);
    }
    struct engine_test_build *tb = NULL;
    for (size_t i = 0; i < ctx->cx_ntest_builds; i++) {
        if (strcmp(ctx->cx_test_builds[i].tb_target, target) == 0) {
            tb = &ctx->cx_test_builds[i];
        }
    }
    if (tb == NULL) {
        if (ctx->cx_ntest_builds == ENGINE_MAX_TEST_BUILDS) {
            return gr_fail(ctx, "grader: too many test programs in one run");
        }
        tb = &ctx->cx_test_builds[ctx->cx_ntest_builds++];
        tb->tb_target = strdup(target);
        tb->tb_rc = make_target(ctx, target, &tb->tb_log);
        gr_verbose(ctx, "built %s: %s", target, tb->tb_rc == 0 ? "ok" : "failed");
    }
    if (tb->tb_rc == 0) {
        return 0;
    }
    gr_fail(ctx, "the test program %s does not build against your source (make %s)", target,
            target);
    gr_str_addf(&ctx->cx_details, "the compiler said:\n%s\n", tb->tb_log != NULL ? tb->tb_log : "");
    gr_hint(ctx, "The API tests call the functions the guide's header declares, with the "
                 "types it declares: keep the header's names and signatures as the kit ships "
                 "them, and make the source compile with -Wall -Wextra -Werror. In C: run `make "
                 "test` in the lab directory to see the same errors.");
    return -1;
}

void engine_test_builds_free(gr_ctx *ctx)
{
    for (size_t i = 0; i < ctx->cx_ntest_builds; i++) {
        free(ctx->cx_test_builds[i].tb_target);
        free(ctx->cx_test_builds[i].tb_log);
    }
    ctx->cx_ntest_builds = 0;
}
