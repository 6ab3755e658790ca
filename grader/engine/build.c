/* build.c - building the code under test with sanitizers, and reading the
 * sanitizers' reports afterwards.
 *
 * A submission is built in a scratch copy (so that the student's own files
 * and binaries stay as they were) with AddressSanitizer and UBSan, or the
 * sanitizers its lab asks for (lab_sanitize): a memory error, a data race or
 * undefined behaviour then shows up as a report that fails the check in
 * which it happened, not as luck. */
#include "engine/ctx.h"

#include "err.h"
#include "os/sandbox.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Sanitizers the code under test is built with unless --no-sanitize. */
#define SANITIZE_DEFAULT "address,undefined"
/* Time a build gets, before scaling. */
#define BUILD_MS 300000
/* Most bytes of the compiler's output kept. */
#define BUILD_LOG_MAX (256 * 1024)
/* Lines of a sanitizer report shown, and the most bytes of each. */
#define REPORT_LINES 8
#define REPORT_LINE_MAX 200

const char *engine_sanitizers(const gr_lab *lab)
{
    return lab->lab_sanitize != NULL ? lab->lab_sanitize : SANITIZE_DEFAULT;
}

/* "make clean; make -k" in the copy, with the kit's root and the
 * sanitizers. Binaries copied along were built without sanitizers: start
 * clean. -k: a program that does not compile does not stop the others from
 * being built (and graded). With a target, "make TARGET" alone: a test
 * program built later, in the same copy. */
char *engine_make_command(const gr_options *opt, const char *target)
{
    gr_str s = {0};
    if (target == NULL) {
        gr_str_add(&s, "make --no-print-directory SOCKLAB=");
        gr_str_add_quoted(&s, opt->op_root);
        gr_str_add(&s, " clean >/dev/null 2>&1; make -k --no-print-directory SOCKLAB=");
        gr_str_add_quoted(&s, opt->op_root);
    } else {
        gr_str_add(&s, "make --no-print-directory");
        gr_str_add_word(&s, target);
        gr_str_add(&s, " SOCKLAB=");
        gr_str_add_quoted(&s, opt->op_root);
    }
    if (!opt->op_no_sanitize) {
        const char *san = engine_sanitizers(opt->op_lab);
        gr_str_addf(&s, " EXTRA_CFLAGS='-fsanitize=%s -fno-omit-frame-pointer'", san);
        gr_str_addf(&s, " EXTRA_LDFLAGS='-fsanitize=%s -fno-omit-frame-pointer'", san);
    }
    gr_str_add(&s, " 2>&1");
    return gr_str_take(&s);
}

/* A build log that says only why the build could not start. */
static void say_why(char **log, size_t *loglen, const char *what, const char *err)
{
    gr_str e = {0};
    gr_str_addf(&e, "%s: %s\n", what, err);
    *loglen = e.s_len;
    *log = gr_str_take(&e);
}

/* A lab that builds with another lab's folder (lab_sibling) finds it
 * beside its scratch copy: the one beside @p dir (the student's own, or the
 * solution's beside the solution), else the kit's labs/ copy. */
static int copy_sibling(const gr_options *opt, const char *dir, const char *workdir, char *err)
{
    const char *sibling = opt->op_lab->lab_sibling;
    if (sibling == NULL) {
        return 0;
    }
    char path[PATH_MAX];
    const char *slash = strrchr(dir, '/');
    struct stat st;
    int n = slash != NULL ? snprintf(path, sizeof path, "%.*s/%s", (int)(slash - dir), dir, sibling)
                          : snprintf(path, sizeof path, "../%s", sibling);
    if (n >= (int)sizeof path || stat(path, &st) < 0 || !S_ISDIR(st.st_mode)) {
        snprintf(path, sizeof path, "%s/labs/%s", opt->op_root, sibling);
    }
    return gr_sandbox_scratch_sibling(workdir, path, err);
}

int engine_build(const gr_options *opt, const char *dir, char **workdir, char **log, size_t *loglen)
{
    *log = NULL;
    *loglen = 0;
    *workdir = NULL;
    char err[SL_ERR_LEN] = "";
    if (gr_sandbox_scratch_copy(dir, workdir, err) < 0) {
        say_why(log, loglen, "could not prepare the build", err);
        return -1;
    }
    if (copy_sibling(opt, dir, *workdir, err) < 0) {
        say_why(log, loglen, "could not prepare the build", err);
        return -1;
    }
    char *cmd = engine_make_command(opt, NULL);
    gr_proc p;
    memset(&p, 0, sizeof p);
    gr_spawn_opts so = {.so_cwd = *workdir, .so_keep_stdout = BUILD_LOG_MAX};
    int rc = -1;
    if (cmd == NULL || gr_proc_spawn(&p, cmd, &so, err) < 0) {
        say_why(log, loglen, "could not run make", cmd == NULL ? "out of memory" : err);
        free(cmd);
        return -1;
    }
    int done = gr_proc_wait(&p, engine_scale_ms(opt->op_scale, BUILD_MS));
    gr_proc_stop(&p, 1000);
    *log = gr_proc_output(&p, 0, loglen, NULL);
    if (done && WIFEXITED(p.pr_status) && WEXITSTATUS(p.pr_status) == 0) {
        rc = 0;
    }
    gr_proc_free(&p);
    free(cmd);
    return rc;
}

/* If @p text holds a sanitizer report, append its first lines to @p out
 * and return 1. */
static int sanitizer_report(gr_str *out, const char *who, const char *text, const char *san)
{
    static const char *const markers[] = {"ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                                          "runtime error:", "WARNING: ThreadSanitizer",
                                          "ERROR: ThreadSanitizer"};
    if (text == NULL) {
        return 0;
    }
    const char *at = NULL;
    for (size_t i = 0; i < sizeof markers / sizeof markers[0]; i++) {
        const char *m = strstr(text, markers[i]);
        if (m != NULL && (at == NULL || m < at)) {
            at = m;
        }
    }
    if (at == NULL) {
        return 0;
    }
    while (at > text && at[-1] != '\n') {
        at--;
    }
    gr_str_addf(out,
                "the %s's sanitizer report (the grader builds submissions with "
                "-fsanitize=%s; --no-sanitize turns that off):\n",
                who, san);
    const char *p = at;
    for (int line = 0; line < REPORT_LINES && *p != '\0'; line++) {
        const char *nl = strchr(p, '\n');
        size_t n = nl != NULL ? (size_t)(nl - p) : strlen(p);
        gr_str_addf(out, "  | %.*s\n", (int)(n > REPORT_LINE_MAX ? REPORT_LINE_MAX : n), p);
        p += n + (nl != NULL);
    }
    return 1;
}

/* The kinds of sanitizer report a hint can name, each with its hint: the
 * concept, then C, then Python. A report names the cause better than the
 * check's own hint: the bytes on the wire may even have been right. */
static const struct {
    const char *sk_marker; /* in the report */
    const char *sk_hint;
} sanitizer_kinds[] = {
    {"ThreadSanitizer: data race",
     "Data that threads share needs a lock: ThreadSanitizer saw two threads touch the same memory, "
     "one of them writing, with no lock between them (the report names both places). In C: hold "
     "the mutex that guards it (pthread_mutex_lock()) around every read and write, in every "
     "thread. In Python: the GIL does not make a check-then-act atomic; hold a threading.Lock."},
    {"buffer-overflow",
     "Stay inside the buffer: AddressSanitizer saw a read or write past its end (the report names "
     "the line). In C: bound every copy and index by the buffer's size and by the count recv() or "
     "read() returned; a C string needs room for its NUL. In Python: the same mistake raises "
     "IndexError, or slices quietly cut the data."},
    {"heap-use-after-free",
     "Memory is gone once freed: AddressSanitizer saw it used after free() (the report names "
     "both places). In C: write down who owns each allocation; set a pointer to NULL after "
     "free(), and never free what another thread or list still holds. In Python: objects live as "
     "long as a reference does; this cannot happen there."},
    {"runtime error:",
     "The C standard leaves this undefined, and UBSan caught it (the report names the line and "
     "the kind: an overflow, a shift, a misaligned access). In C: do the arithmetic in a wider or "
     "unsigned type, and check values from the network before using them. In Python: integers "
     "do not overflow; the same code is fine there."},
};

int engine_sanitizer_verdict(gr_ctx *ctx)
{
    gr_str report = {0};
    const char *san = engine_sanitizers(ctx->cx_opt->op_lab);
    int server_report = sanitizer_report(&report, "server", ctx->cx_server_stderr, san);
    if (server_report || sanitizer_report(&report, "client", ctx->cx_client_stderr, san)) {
        /* The bytes may have been right: the program was wrong, and lucky. */
        if (!ctx->cx_failed) {
            gr_fail(ctx, "a sanitizer (%s) reported an error",
                    strstr(san, "thread") != NULL ? "ThreadSanitizer or UBSan"
                                                  : "AddressSanitizer or UBSan");
        }
        gr_str_add(&ctx->cx_details, gr_str_cstr(&report));
        for (size_t i = 0; i < sizeof sanitizer_kinds / sizeof sanitizer_kinds[0]; i++) {
            if (strstr(gr_str_cstr(&report), sanitizer_kinds[i].sk_marker) != NULL) {
                gr_hint(ctx, "%s", sanitizer_kinds[i].sk_hint);
                break;
            }
        }
    }
    gr_str_free(&report);
    return server_report;
}
