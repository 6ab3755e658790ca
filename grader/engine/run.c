/* run.c - a grading run (see engine.h): resolve what is graded, build it,
 * plan the checks, run each against a fresh server, report.
 *
 * gr_engine_run() reads as those steps; each step is a function below. A
 * check's own life (port, deadline, server, verdict, sanitizer reports,
 * result row) is run_check(). */
#include "engine/ctx.h"

#include "net/port.h"
#include "os/sandbox.h"
#include "report/text.h"
#include "text/transcript.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* What a run grades, and where its programs run. */
typedef struct run_target {
    char *rt_dir;        /* the lab directory, then its scratch copy; NULL for a command */
    int rt_copy;         /* rt_dir is the scratch copy, removed at the end */
    int rt_build_failed; /* the build failed: only the programs that were built can run */
    size_t rt_unbuilt;   /* 1 + the index of the first check whose program was not built */
    char *rt_log;        /* the build's output */
    size_t rt_log_len;
} run_target;

/* ---- resolving the target ----------------------------------------------------- */

/* Checks that hold thousands of connections open need as many descriptors
 * in the grader: take the whole hard limit. */
static void raise_file_limit(void)
{
    struct rlimit nofile;
    if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < nofile.rlim_max) {
        nofile.rlim_cur = nofile.rlim_max;
        setrlimit(RLIMIT_NOFILE, &nofile);
    }
}

/* labs/NN-name or solutions/NN-name under the kit's root. */
static int resolve_kit_dir(const gr_options *opt, const char *dirname, run_target *rt, gr_str *name)
{
    const char *top = opt->op_target == GR_TARGET_LAB ? "labs" : "solutions";
    gr_str d = {0};
    gr_str_addf(&d, "%s/%s/%s", opt->op_root, top, dirname);
    rt->rt_dir = gr_str_take(&d);
    gr_str_addf(name, "%s/%s", top, dirname);
    if (opt->op_target == GR_TARGET_SOLUTION && access(rt->rt_dir, F_OK) != 0) {
        /* A students' hand-out (make handout) leaves solutions/ out. */
        fprintf(stderr,
                "grade: the reference solutions are not part of this copy of socklab "
                "(no %s/%s): --solution needs the full kit\n",
                top, dirname);
        return -1;
    }
    return 0;
}

/* Does @p cmd name a path under /tmp or /dev/shm, which the sandbox's
 * private ones would hide? */
static int names_shared_tmp(const char *cmd)
{
    static const char *const dirs[] = {"/tmp/", "/dev/shm/"};
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        for (const char *p = strstr(cmd, dirs[i]); p != NULL; p = strstr(p + 1, dirs[i])) {
            if (p == cmd || strchr(" \t'\"=:", p[-1]) != NULL) {
                return 1;
            }
        }
    }
    return 0;
}

/* A command runs where the grader was started. An unprivileged user must
 * be able to get there, or it runs as the grader's user; and a private
 * /tmp must not hide it, nor any file it names there. */
static void prepare_command_dir(const char *cmd)
{
    char cwd[4096];
    int have_cwd = getcwd(cwd, sizeof cwd) != NULL;
    if (gr_sandbox_current()->sb_drop_user && (!have_cwd || !gr_sandbox_reachable(cwd))) {
        gr_sandbox_keep_user();
        fprintf(stderr,
                "grade: note: %s is not reachable by an unprivileged user, so the command runs "
                "as the grader's user\n",
                have_cwd ? cwd : "this directory");
    }
    if (!have_cwd || strncmp(cwd, "/tmp/", 5) == 0 || strcmp(cwd, "/tmp") == 0 ||
        strncmp(cwd, "/dev/shm/", 9) == 0 || names_shared_tmp(cmd)) {
        gr_sandbox_shared_tmp();
    }
    /* What an earlier run's server made here is this run's to write. */
    if (have_cwd) {
        gr_sandbox_adopt_leftovers(cwd);
    }
}

/* Where the programs under test live and how the report names them. */
static int resolve_target(const gr_options *opt, const char *dirname, run_target *rt,
                          gr_run_result *result)
{
    gr_str name = {0};
    int rc = 0;
    switch (opt->op_target) {
    case GR_TARGET_LAB:
    case GR_TARGET_SOLUTION:
        rc = resolve_kit_dir(opt, dirname, rt, &name);
        break;
    case GR_TARGET_DIR:
        rt->rt_dir = realpath(opt->op_dir, NULL);
        gr_str_add(&name, opt->op_dir);
        if (rt->rt_dir == NULL) {
            fprintf(stderr, "grade: cannot use directory %s: %s\n", opt->op_dir, strerror(errno));
            rc = -1;
        }
        break;
    case GR_TARGET_SERVER:
    case GR_TARGET_CLIENT:
        gr_str_addf(&name, "%s command: %s",
                    opt->op_target == GR_TARGET_SERVER ? "server" : "client", opt->op_command);
        prepare_command_dir(opt->op_command);
        break;
    }
    result->rr_target = gr_str_take(&name);
    return rc;
}

/* ---- building ---------------------------------------------------------------- */

/* Build the target's directory; the programs then run in the scratch copy. */
static void build_target(const gr_options *opt, const gr_text *text, run_target *rt,
                         const char *name)
{
    if (rt->rt_dir == NULL) {
        return;
    }
    gr_text_building(text, name);
    char *workdir = NULL;
    int built = engine_build(opt, rt->rt_dir, &workdir, &rt->rt_log, &rt->rt_log_len);
    free(rt->rt_dir);
    rt->rt_dir = workdir;
    rt->rt_copy = workdir != NULL;
    if (built < 0) {
        rt->rt_build_failed = 1;
        gr_text_build_failed(text, rt->rt_log);
    }
}

/* Say up front, once, which programs cannot run at all, and why. */
static void check_programs(gr_ctx *ctx, const gr_text *text, const run_target *rt,
                           const gr_check *const *plan, size_t n)
{
    if (rt->rt_build_failed && rt->rt_dir == NULL) {
        return;
    }
    gr_str problems = {0};
    if (engine_programs_check(ctx, plan, n, &problems) > 0) {
        gr_text_cannot_run(text, gr_str_cstr(&problems));
    }
    gr_str_free(&problems);
}

/* ---- one check ------------------------------------------------------------------ */

/* "bin/grade 01 --seed 7 [--only NAME] [target options]", malloc'd. */
static char *replay_command(const gr_options *opt, const char *only)
{
    gr_str s = {0};
    gr_str_addf(&s, "%s %s --seed %llu", opt->op_program, opt->op_lab->lab_id,
                (unsigned long long)opt->op_seed);
    if (only != NULL) {
        gr_str_addf(&s, " --only %s", only);
    }
    if (opt->op_target_args != NULL && *opt->op_target_args != '\0') {
        gr_str_addf(&s, " %s", opt->op_target_args);
    }
    return gr_str_take(&s);
}

/* Run the check's function, with a fresh server first for a server check.
 * Startup time does not count against the check. */
static void exercise(gr_ctx *ctx, const gr_check *ck)
{
    if (ctx->cx_port < 0) {
        gr_fail(ctx, "grader could not find a free port: %s", strerror(errno));
        return;
    }
    if (ck->ck_kind == GR_SERVER && !(ck->ck_flags & GR_OWN_SERVER)) {
        if (gr_server_start(ctx) < 0) {
            return;
        }
        ctx->cx_deadline = gr_now_ms() + gr_ms(ctx, ck->ck_deadline_ms);
        ck->ck_run(ctx);
        if (!ctx->cx_failed) {
            gr_server_check_alive(ctx);
        }
        return;
    }
    ck->ck_run(ctx);
}

/* What a student reads under a failed check: the headline, a note on how
 * the server ended, the details, the server's last words, the hint, and
 * the command that replays the check. */
static char *failure_output(const gr_ctx *ctx, const gr_check *ck, const char *note,
                            int server_report)
{
    gr_str out = {0};
    gr_str_addf(&out, "%s\n", gr_str_cstr(&ctx->cx_headline));
    gr_str_add(&out, note);
    gr_str_add(&out, gr_str_cstr(&ctx->cx_details));
    /* A sanitizer report already shows the server's last words that matter. */
    if (ctx->cx_server_stderr != NULL && !server_report) {
        gr_output_tail(&out, "server stderr", ctx->cx_server_stderr, ctx->cx_server_stderr_len,
                       ctx->cx_server_stderr_total);
    }
    gr_str_addf(&out, "hint: %s\n",
                ctx->cx_hint.s_len > 0 ? gr_str_cstr(&ctx->cx_hint) : ck->ck_hint);
    char *replay = replay_command(ctx->cx_opt, ck->ck_name);
    gr_str_addf(&out, "replay: %s\n", replay != NULL ? replay : "");
    free(replay);
    return gr_str_take(&out);
}

static void run_check(gr_ctx *ctx, const gr_check *ck, gr_test_result *tr)
{
    long started = gr_now_ms();
    engine_begin_check(ctx, ck, gr_port_free());
    exercise(ctx, ck);
    char note[192];
    engine_server_after_check(ctx, note, sizeof note);
    int server_report = engine_sanitizer_verdict(ctx);
    engine_client_forget(ctx);

    gr_result_init(tr, ck);
    tr->tr_seconds = (double)(gr_now_ms() - started) / 1000.0;
    if (ctx->cx_failed) {
        tr->tr_output = failure_output(ctx, ck, note, server_report);
    } else {
        tr->tr_status = GR_PASSED;
        tr->tr_score = ck->ck_points;
        tr->tr_output = strdup(ctx->cx_opt->op_verbose ? gr_str_cstr(&ctx->cx_details) : "");
    }
}

/* A check whose program cannot run: one line, said in full up front. */
static void not_runnable(gr_test_result *tr, const gr_check *ck, const char *problem)
{
    gr_str out = {0};
    gr_str_addf(&out, "not run: the %s cannot run: %s\n",
                ck->ck_kind == GR_CLIENT ? "client" : "server", problem);
    gr_result_not_run(tr, ck, gr_str_cstr(&out));
    gr_str_free(&out);
}

/* ---- the run ---------------------------------------------------------------------- */

/* Run every check of the plan, or fail each at once when the build failed. */
static void run_checks(gr_ctx *ctx, const gr_text *text, run_target *rt,
                       const gr_check *const *plan, size_t n, gr_run_result *result)
{
    const gr_lab *lab = ctx->cx_opt->op_lab;
    int last_step = -1;
    for (size_t i = 0; i < n; i++) {
        const gr_check *ck = plan[i];
        if (ck->ck_step != last_step) {
            const char *title =
                (size_t)ck->ck_step <= lab->lab_nsteps ? lab->lab_steps[ck->ck_step] : "";
            gr_text_step(text, ck->ck_step, title, (ck->ck_flags & GR_HIDDEN) != 0);
            last_step = ck->ck_step;
        }
        gr_test_result *tr = &result->rr_tests[result->rr_ntests++];
        const char *problem = engine_check_problem(ctx, ck);
        if (rt->rt_build_failed && rt->rt_dir == NULL) {
            gr_result_not_run(tr, ck,
                              "the build failed, so nothing could be run (see the compiler "
                              "output above)\n");
        } else if (problem != NULL) {
            not_runnable(tr, ck, problem);
            if (rt->rt_build_failed && rt->rt_unbuilt == 0) {
                rt->rt_unbuilt = result->rr_ntests;
            }
        } else {
            run_check(ctx, ck, tr);
        }
        if (tr->tr_output == NULL) {
            tr->tr_output = strdup("");
        }
        result->rr_score += tr->tr_score;
        result->rr_max_score += tr->tr_max_score;
        gr_text_result(text, tr);
    }
}

/* Put the compiler's words where JSON readers will see them: the output of
 * the first check that could not run for want of a program the build did
 * not make (the first check, when nothing could be built). */
static void attach_build_log(const run_target *rt, gr_run_result *result)
{
    size_t at = rt->rt_unbuilt > 0 ? rt->rt_unbuilt - 1 : 0;
    if (!rt->rt_build_failed || result->rr_ntests == 0 || rt->rt_log == NULL ||
        result->rr_tests[at].tr_status == GR_PASSED) {
        return;
    }
    gr_str s = {0};
    gr_str_add(&s, "the build failed:\n");
    gr_str_addn(&s, rt->rt_log, rt->rt_log_len);
    free(result->rr_tests[at].tr_output);
    result->rr_tests[at].tr_output = gr_str_take(&s);
}

/* The context every check of the run shares. */
static void init_ctx(gr_ctx *ctx, const gr_options *opt, const run_target *rt)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->cx_opt = opt;
    ctx->cx_cwd = rt->rt_dir;
    if (opt->op_target == GR_TARGET_SERVER) {
        ctx->cx_server_cmd = opt->op_command;
    } else if (opt->op_target == GR_TARGET_CLIENT) {
        ctx->cx_client_cmd = opt->op_command;
    } else {
        ctx->cx_server_cmd = opt->op_lab->lab_server_cmd;
        ctx->cx_client_cmd = opt->op_lab->lab_client_cmd;
    }
}

int gr_engine_run(const gr_options *opt, gr_run_result *result)
{
    const gr_lab *lab = opt->op_lab;
    memset(result, 0, sizeof *result);
    raise_file_limit();
    long started = gr_now_ms();
    gr_text text = {.tx_out = opt->op_progress, .tx_color = opt->op_color};
    run_target rt = {0};
    gr_ctx ctx;
    init_ctx(&ctx, opt, &rt);
    int rc = -1;

    char dirname[128];
    gr_lab_dirname(lab, dirname, sizeof dirname);
    result->rr_lab = strdup(dirname);
    result->rr_seed = opt->op_seed;
    if (resolve_target(opt, dirname, &rt, result) < 0) {
        goto out;
    }
    gr_text_header(&text, dirname, lab->lab_title, result->rr_target, opt->op_seed);
    build_target(opt, &text, &rt, result->rr_target);
    ctx.cx_cwd = rt.rt_dir;
    ctx.cx_build_failed = rt.rt_build_failed;

    const gr_check *plan[GR_PLAN_MAX];
    int hidden = 0;
    int hidden_points = 0;
    size_t n = gr_plan(opt, plan, GR_PLAN_MAX, &hidden, &hidden_points);
    result->rr_tests = calloc(n ? n : 1, sizeof *result->rr_tests);
    if (result->rr_tests == NULL) {
        fprintf(stderr, "grade: out of memory\n");
        goto out;
    }
    check_programs(&ctx, &text, &rt, plan, n);
    run_checks(&ctx, &text, &rt, plan, n, result);
    int na_points = 0;
    int na = gr_plan_not_applicable(opt, &na_points);
    gr_text_not_applicable(&text, na, na_points,
                           opt->op_target == GR_TARGET_CLIENT ? "--client" : "--server");
    char *topics = gr_plan_topics(opt);
    gr_text_hidden(&text, topics != NULL ? topics : "", hidden, hidden_points);
    free(topics);
    attach_build_log(&rt, result);
    result->rr_seconds = (double)(gr_now_ms() - started) / 1000.0;
    char *replay = replay_command(opt, NULL);
    gr_text_score(&text, result, replay);
    free(replay);
    rc = 0;
out:
    engine_ctx_free(&ctx);
    if (rt.rt_copy) {
        gr_sandbox_scratch_remove(rt.rt_dir);
    }
    free(rt.rt_dir);
    free(rt.rt_log);
    if (rc < 0) {
        gr_run_result_free(result);
    }
    return rc;
}

void gr_run_result_free(gr_run_result *result)
{
    for (size_t i = 0; i < result->rr_ntests; i++) {
        free(result->rr_tests[i].tr_output);
    }
    free(result->rr_tests);
    free((char *)result->rr_lab);
    free((char *)result->rr_target);
    memset(result, 0, sizeof *result);
}
