/* ctx.c - a check's context: time, its random stream, its verdict, and what
 * it knows of the program under test (see grader.h). A context outside a
 * run, for tests and benchmarks, is made here too. */
#include "engine/ctx.h"

#include <stdlib.h>
#include <string.h>

/* ---- time and randomness ------------------------------------------------ */

int engine_scale_ms(double scale, int ms)
{
    double v = (double)ms * scale;
    if (v < 1) {
        return 1;
    }
    if (v > 3600000.0) {
        return 3600000;
    }
    return (int)v;
}

int gr_ms(const gr_ctx *ctx, int ms)
{
    return engine_scale_ms(ctx->cx_opt->op_scale, ms);
}

long gr_deadline(const gr_ctx *ctx)
{
    return ctx->cx_deadline;
}

/* splitmix64: small, fast, and good enough for test payloads. */
uint64_t gr_random(gr_ctx *ctx)
{
    uint64_t z = (ctx->cx_rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

size_t gr_random_below(gr_ctx *ctx, size_t n)
{
    return n == 0 ? 0 : (size_t)(gr_random(ctx) % n);
}

void gr_random_bytes(gr_ctx *ctx, void *buf, size_t n)
{
    unsigned char *p = buf;
    while (n > 0) {
        uint64_t r = gr_random(ctx);
        size_t take = n < 8 ? n : 8;
        memcpy(p, &r, take);
        p += take;
        n -= take;
    }
}

void gr_random_text(gr_ctx *ctx, char *buf, size_t n)
{
    static const char *const words[] = {"socket", "bind",   "listen",  "accept", "connect", "send",
                                        "recv",   "close",  "port",    "packet", "stream",  "byte",
                                        "echo",   "server", "client",  "kernel", "buffer",  "loop",
                                        "reply",  "hello",  "network", "tcp",    "frame",   "peer"};
    static const char punct[] = ",.;:!?";
    size_t i = 0;
    while (i < n) {
        const char *w = words[gr_random_below(ctx, sizeof words / sizeof words[0])];
        for (size_t k = 0; w[k] != '\0' && i < n; k++) {
            buf[i++] = w[k];
        }
        if (i < n && gr_random_below(ctx, 6) == 0) {
            buf[i++] = punct[gr_random_below(ctx, sizeof punct - 1)];
        }
        if (i < n) {
            buf[i++] = ' ';
        }
    }
}

/* FNV-1a: each check's stream is the run's seed mixed with its name, so that
 * replaying one check (--only) sends the same bytes as in the full run. */
static uint64_t hash_name(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s != '\0'; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

void engine_begin_check(gr_ctx *ctx, const gr_check *ck, int port)
{
    ctx->cx_check = ck;
    ctx->cx_failed = 0;
    gr_str_free(&ctx->cx_headline);
    gr_str_free(&ctx->cx_details);
    gr_str_free(&ctx->cx_hint);
    free(ctx->cx_server_stderr);
    ctx->cx_server_stderr = NULL;
    ctx->cx_server_stderr_len = ctx->cx_server_stderr_total = 0;
    free(ctx->cx_docroot_instead); /* gr_docroot_instead() lasts one check */
    ctx->cx_docroot_instead = NULL;
    ctx->cx_rng = ctx->cx_opt->op_seed ^ hash_name(ck->ck_name);
    ctx->cx_port = port;
    ctx->cx_deadline = gr_now_ms() + gr_ms(ctx, ck->ck_deadline_ms);
}

void engine_ctx_free(gr_ctx *ctx)
{
    engine_server_release(ctx);
    engine_client_forget(ctx);
    engine_test_builds_free(ctx);
    engine_docroot_free(ctx);
    gr_str_free(&ctx->cx_headline);
    gr_str_free(&ctx->cx_details);
    gr_str_free(&ctx->cx_hint);
    free(ctx->cx_server_stderr);
    ctx->cx_server_stderr = NULL;
}

/* ---- the verdict ---------------------------------------------------------- */

int gr_fail(gr_ctx *ctx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (!ctx->cx_failed) {
        gr_str_vaddf(&ctx->cx_headline, fmt, ap);
        ctx->cx_failed = 1;
    } else {
        gr_str_vaddf(&ctx->cx_details, fmt, ap);
        gr_str_add(&ctx->cx_details, "\n");
    }
    va_end(ap);
    return -1;
}

void gr_hint(gr_ctx *ctx, const char *fmt, ...)
{
    gr_str_free(&ctx->cx_hint);
    va_list ap;
    va_start(ap, fmt);
    gr_str_vaddf(&ctx->cx_hint, fmt, ap);
    va_end(ap);
}

const char *gr_headline(const gr_ctx *ctx)
{
    return ctx->cx_failed ? gr_str_cstr(&ctx->cx_headline) : "";
}

int gr_failed(const gr_ctx *ctx)
{
    return ctx->cx_failed;
}

gr_str *gr_details(gr_ctx *ctx)
{
    return &ctx->cx_details;
}

void gr_verbose(gr_ctx *ctx, const char *fmt, ...)
{
    FILE *out = ctx->cx_opt->op_progress;
    if (!ctx->cx_opt->op_verbose || out == NULL) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    fputs("        . ", out);
    vfprintf(out, fmt, ap);
    fputc('\n', out);
    va_end(ap);
    fflush(out);
}

/* ---- the program under test ------------------------------------------------ */

const char *gr_host(const gr_ctx *ctx)
{
    (void)ctx;
    return "127.0.0.1";
}

int gr_port(const gr_ctx *ctx)
{
    return ctx->cx_port;
}

const char *gr_server_dir(const gr_ctx *ctx)
{
    /* A --server or --client command runs where the grader was started. */
    return ctx->cx_cwd != NULL ? ctx->cx_cwd : ".";
}

pid_t gr_server_pid(const gr_ctx *ctx)
{
    return ctx->cx_server_running ? ctx->cx_server.pr_pid : 0;
}

const void *gr_arg(const gr_ctx *ctx)
{
    const gr_check *ck = ctx->cx_check;
    if (ck == NULL) {
        return NULL;
    }
    if (ck->ck_arg != NULL) {
        return ck->ck_arg;
    }
    return ck->ck_program != NULL ? ck->ck_program->pg_arg : NULL;
}

const gr_lab *gr_lab_of(const gr_ctx *ctx)
{
    return ctx->cx_opt->op_lab;
}

/* ---- a context outside a run ------------------------------------------------ */

/* A standalone context owns its options and a scratch string for reports. */
typedef struct standalone {
    gr_ctx sa_ctx; /* first, so a gr_ctx pointer is a standalone pointer */
    gr_options sa_opt;
    gr_str sa_report;
} standalone;

gr_ctx *gr_ctx_standalone(int port, uint64_t seed, int deadline_ms)
{
    standalone *sa = calloc(1, sizeof *sa);
    if (sa == NULL) {
        return NULL;
    }
    sa->sa_opt.op_scale = 1.0;
    sa->sa_opt.op_seed = seed;
    sa->sa_ctx.cx_opt = &sa->sa_opt;
    sa->sa_ctx.cx_port = port;
    sa->sa_ctx.cx_rng = seed;
    sa->sa_ctx.cx_deadline = gr_now_ms() + deadline_ms;
    return &sa->sa_ctx;
}

const char *gr_ctx_report(gr_ctx *ctx)
{
    standalone *sa = (standalone *)ctx;
    gr_str_free(&sa->sa_report);
    if (ctx->cx_failed) {
        gr_str_addf(&sa->sa_report, "%s\n%s", gr_str_cstr(&ctx->cx_headline),
                    gr_str_cstr(&ctx->cx_details));
    }
    return gr_str_cstr(&sa->sa_report);
}

void gr_ctx_standalone_free(gr_ctx *ctx)
{
    if (ctx == NULL) {
        return;
    }
    standalone *sa = (standalone *)ctx;
    gr_str_free(&ctx->cx_headline);
    gr_str_free(&ctx->cx_details);
    gr_str_free(&ctx->cx_hint);
    gr_str_free(&sa->sa_report);
    free(sa);
}
