/* kit.c - the helpers every lab's checks share (see kit.h). */
#include "kit/kit.h"

#include "os/proc.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

/* How long gr_server_said() looks again for words on their way. */
#define SAID_MS 50
/* Most bytes gr_printable() shows. */
#define PRINTABLE_MAX 120

long gr_soon(gr_ctx *ctx, int ms)
{
    long at = gr_now_ms() + gr_ms(ctx, ms);
    return at < gr_deadline(ctx) ? at : gr_deadline(ctx);
}

int gr_time_left(const gr_ctx *ctx)
{
    long left = gr_deadline(ctx) - gr_now_ms();
    return left > 0 ? (int)left : 0;
}

int gr_fail_bytes(gr_ctx *ctx, const void *sent, size_t nsent, const void *want, size_t nwant,
                  const void *got, size_t ngot, const char *fmt, ...)
{
    char headline[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(headline, sizeof headline, fmt, ap);
    va_end(ap);
    int rc = gr_fail(ctx, "%s", headline);
    gr_transcript(gr_details(ctx), sent, nsent, want, nwant, got, ngot);
    return rc;
}

const char *gr_printable(const char *s, size_t n, char *out, size_t outn)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k + 4 < outn && i < PRINTABLE_MAX; i++) {
        unsigned char ch = (unsigned char)s[i];
        out[k++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
    }
    if (n > PRINTABLE_MAX && k + 4 < outn) {
        memcpy(out + k, "...", 3);
        k += 3;
    }
    out[k] = '\0';
    return out;
}

int gr_server_stats(gr_ctx *ctx, gr_tree_stats *st)
{
    pid_t pid = gr_server_pid(ctx);
    return pid > 0 ? gr_procfs_tree_stats(pid, st) : -1;
}

long gr_server_cpu_over(gr_ctx *ctx, int window_ms, long *elapsed_ms)
{
    gr_tree_stats st0, st1;
    long t0 = gr_now_ms();
    int ok = gr_server_stats(ctx, &st0) == 0;
    poll(NULL, 0, window_ms);
    ok = gr_server_stats(ctx, &st1) == 0 && ok;
    *elapsed_ms = gr_now_ms() - t0;
    return ok ? st1.ts_cpu_ms - st0.ts_cpu_ms : -1;
}

int gr_server_said(gr_ctx *ctx, const char *text)
{
    /* A failure seen on the wire may come a moment before the drain thread
     * has read what the server wrote just before it (a traceback, then the
     * close): look again for a little while. */
    long until = gr_now_ms() + gr_ms(ctx, SAID_MS);
    for (;;) {
        for (int stream = 0; stream < 2; stream++) {
            size_t len = 0;
            char *out = gr_server_output(ctx, stream, &len);
            int said = out != NULL && strstr(out, text) != NULL;
            free(out);
            if (said) {
                return 1;
            }
        }
        if (gr_now_ms() >= until) {
            return 0;
        }
        poll(NULL, 0, 5);
    }
}

/* ---- a run of the student's client ------------------------------------------- */

int gr_exited_zero(const gr_client_run *run)
{
    return !run->cr_timed_out && WIFEXITED(run->cr_status) && WEXITSTATUS(run->cr_status) == 0;
}

int gr_exited_nonzero(const gr_client_run *run)
{
    return !run->cr_timed_out && WIFEXITED(run->cr_status) && WEXITSTATUS(run->cr_status) != 0;
}

int gr_expect_exit_zero(gr_ctx *ctx, const gr_client_run *run, const char *why)
{
    if (run->cr_timed_out) {
        gr_fail(ctx, "the client was still running at the deadline");
    } else if (WIFSIGNALED(run->cr_status)) {
        gr_fail(ctx, "the client crashed");
    } else if (WEXITSTATUS(run->cr_status) != 0) {
        gr_fail(ctx, "the client exited with status %d; %s", WEXITSTATUS(run->cr_status), why);
    } else {
        return 0;
    }
    gr_client_describe(ctx, run);
    return -1;
}

int gr_expect_clean_error(gr_ctx *ctx, const gr_client_run *run, const char *situation,
                          const char *must_mention)
{
    if (run->cr_timed_out) {
        gr_fail(ctx, "%s, and the client was still running at the deadline", situation);
    } else if (WIFSIGNALED(run->cr_status)) {
        gr_fail(ctx, "%s, and the client crashed", situation);
    } else if (WEXITSTATUS(run->cr_status) == 0) {
        gr_fail(ctx, "%s, but the client exited with status 0, as if all went well", situation);
    } else if (run->cr_stderr_len == 0) {
        /* Nothing to describe: the headline says it all. */
        return gr_fail(ctx,
                       "%s; the client exited with status %d but printed no message on "
                       "stderr",
                       situation, WEXITSTATUS(run->cr_status));
    } else if (must_mention != NULL && strcasestr(run->cr_stderr, must_mention) == NULL) {
        gr_fail(ctx,
                "%s; the client's message does not say why (it should include the "
                "system's reason, \"%s\")",
                situation, must_mention);
    } else {
        return 0;
    }
    gr_client_describe(ctx, run);
    return -1;
}

/* How the client ended, when that is the first thing to fix. */
static int fail_exit(gr_ctx *ctx, const gr_client_run *run, size_t nwant, int same)
{
    char how[160];
    if (run->cr_timed_out) {
        snprintf(how, sizeof how, "was still running %.1f s after its input ended",
                 (double)run->cr_ms / 1000.0);
    } else {
        gr_proc_describe(run->cr_status, how, sizeof how);
    }
    return gr_fail(ctx, "the client %s, after printing %zu of the %zu bytes of replies%s", how,
                   run->cr_stdout_len, nwant, same ? " (all of them, correctly)" : "");
}

int gr_client_round_trip_run(gr_ctx *ctx, gr_fake_handler handler, void *arg, const char *input,
                             size_t ninput, const char *want, size_t nwant, gr_client_run *run)
{
    memset(run, 0, sizeof *run);
    char err[256] = "";
    gr_fake *fake = gr_fake_start(handler, arg, err);
    if (fake == NULL) {
        return gr_fail(ctx, "grader could not start its echo server: %s", err);
    }
    int rc =
        gr_client_start_and_wait(ctx, gr_fake_port(fake), input, ninput, gr_time_left(ctx), run);
    gr_fake_stop(fake);
    if (rc < 0) {
        return rc;
    }
    int same = run->cr_stdout_len == nwant && memcmp(run->cr_stdout, want, nwant) == 0;
    if (!gr_exited_zero(run)) {
        rc = fail_exit(ctx, run, nwant, same);
    } else if (!same) {
        size_t at = gr_first_diff(want, nwant, run->cr_stdout, run->cr_stdout_len);
        rc = gr_fail(ctx, "the client's output differs from the server's replies at byte %zu", at);
    }
    if (!same) {
        gr_str_add(gr_details(ctx), "(sent: the client's stdin; expected: the replies it should "
                                    "print; received: its stdout)\n");
        gr_transcript(gr_details(ctx), input, ninput, want, nwant, run->cr_stdout,
                      run->cr_stdout_len);
    }
    if (rc < 0) {
        gr_client_describe(ctx, run);
    }
    return rc;
}

int gr_client_round_trip(gr_ctx *ctx, gr_fake_handler handler, void *arg, const char *input,
                         size_t ninput, const char *want, size_t nwant)
{
    gr_client_run run;
    int rc = gr_client_round_trip_run(ctx, handler, arg, input, ninput, want, nwant, &run);
    gr_client_run_free(&run);
    return rc;
}

/* ---- text -------------------------------------------------------------------- */

void gr_show_text(gr_ctx *ctx, const char *title, const char *text, int max_lines)
{
    gr_str *d = gr_details(ctx);
    if (text == NULL || text[0] == '\0') {
        gr_str_addf(d, "%s: (nothing)\n", title);
        return;
    }
    gr_str_addf(d, "%s:\n", title);
    int lines = 0;
    for (const char *p = text; *p != '\0' && lines < max_lines; lines++) {
        const char *nl = strchr(p, '\n');
        size_t n = nl != NULL ? (size_t)(nl - p) : strlen(p);
        gr_str_addf(d, "  | %.*s\n", (int)n, p);
        p += n + (nl != NULL);
    }
    if (lines == max_lines) {
        gr_str_add(d, "  | ...\n");
    }
}

int gr_next_line(const char **p, char *line, size_t cap)
{
    if (**p == '\0') {
        return 0;
    }
    const char *nl = strchr(*p, '\n');
    size_t n = nl != NULL ? (size_t)(nl - *p) : strlen(*p);
    size_t k = n < cap - 1 ? n : cap - 1;
    memcpy(line, *p, k);
    line[k] = '\0';
    while (k > 0 && (line[k - 1] == '\r' || line[k - 1] == ' ')) {
        line[--k] = '\0';
    }
    *p += n + (nl != NULL);
    return 1;
}
