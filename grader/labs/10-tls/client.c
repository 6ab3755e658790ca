/* client.c - lab 10's checks of tls_client: each a run against the
 * grader's fake TLS server (peers/fake.h over net/tls.h) presenting one of
 * the test CA's certificates, judged on the exit status, the reason on
 * stderr, the reply on stdout and what the server saw (the name in SNI).
 * The rules they probe are in RULES.md. */
#include "lab10.h"

#include "err.h"
#include "net/tls.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* What the fake server saw. */
typedef struct seen {
    lab10_how sn_how;
    int sn_handshakes; /* connections that got past the handshake */
    char sn_sni[256];
    char sn_line[512];
} seen;

/* Read one line (up to LF or the end), byte by byte: it is short. */
static size_t read_line(gr_fake *f, gr_xport *x, char *buf, size_t cap)
{
    size_t n = 0;
    while (n + 1 < cap && gr_fake_recv_arrived(f, x, buf + n, 1) == 1) {
        if (buf[n++] == '\n') {
            break;
        }
    }
    buf[n] = '\0';
    return n;
}

/* After the handshake: the line back, then close_notify or a bare FIN,
 * then what the client still sends is read until it closes (closing with
 * bytes unread would send a reset instead). */
static void reply(gr_fake *f, gr_xport *x, void *arg)
{
    seen *s = arg;
    s->sn_handshakes++;
    snprintf(s->sn_sni, sizeof s->sn_sni, "%s", gr_tls_sni(x));
    size_t n = read_line(f, x, s->sn_line, sizeof s->sn_line);
    gr_fake_send(f, x, s->sn_line, n);
    if (s->sn_how == SV_CUT) {
        shutdown(x->xp_fd, SHUT_WR);
    } else {
        gr_xport_shutdown(x);
    }
    char drain[512];
    while (gr_fake_recv(f, x, drain, sizeof drain) > 0) {
    }
    if (s->sn_how == SV_CUT) {
        gr_xport_close(x, 0); /* never a close_notify on this one */
    }
}

/* A plain TCP peer that reads the ClientHello and answers nothing. */
static void silent(gr_fake *f, gr_xport *x, void *arg)
{
    (void)x;
    ((seen *)arg)->sn_handshakes++;
    gr_fake_pause(f, 600000);
}

int lab10_certs(gr_ctx *ctx, const char *top)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/%s", top, GR_DOCROOT_NAME);
    return gr_ca_run_write(ctx, dir);
}

/* The fake server for the case: TLS with its certificate, or silent. */
static gr_fake *start_server(gr_ctx *ctx, const lab10_case *cs, seen *s, gr_tls **tls)
{
    char err[SL_ERR_LEN] = "";
    *tls = NULL;
    if (gr_ca_run_write_root(ctx, gr_server_dir(ctx)) < 0) {
        return NULL;
    }
    gr_fake *f = NULL;
    if (cs->cs_how == SV_SILENT) {
        f = gr_fake_start(silent, s, err);
    } else {
        *tls = gr_ca_run_server(ctx, cs->cs_cert, !cs->cs_leaf_only, cs->cs_max_version);
        if (*tls == NULL) {
            return NULL;
        }
        f = gr_fake_start_xport(reply, s, gr_tls_ops(*tls), err);
    }
    if (f == NULL) {
        gr_fail(ctx, "grader could not start its TLS server: %s", err);
    }
    return f;
}

/* cs_args with {port} and {msg} replaced. */
static void expand(const char *args, int port, const char *msg, gr_str *out)
{
    for (const char *p = args; *p != '\0';) {
        if (strncmp(p, "{port}", 6) == 0) {
            gr_str_addf(out, "%d", port);
            p += 6;
        } else if (strncmp(p, "{msg}", 5) == 0) {
            gr_str_addf(out, "'%s'", msg);
            p += 5;
        } else {
            gr_str_addf(out, "%c", *p++);
        }
    }
}

/* Does text hold word, in any case? */
static int holds(const char *text, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = text != NULL ? text : ""; *p != '\0'; p++) {
        if (strncasecmp(p, word, n) == 0) {
            return 1;
        }
    }
    return 0;
}

static int judge_reason(gr_ctx *ctx, const lab10_case *cs, const gr_client_run *run)
{
    for (int i = 0; i < 8 && cs->cs_all[i] != NULL; i++) {
        if (!holds(run->cr_stderr, cs->cs_all[i])) {
            return gr_fail(ctx,
                           "stderr does not say \"%s\": the session's facts are a line "
                           "each, \"version: ...\", \"cipher: ...\", \"subject: ...\"",
                           cs->cs_all[i]);
        }
    }
    if (cs->cs_why[0] == NULL) {
        return 0;
    }
    for (int i = 0; i < 5 && cs->cs_why[i] != NULL; i++) {
        if (holds(run->cr_stderr, cs->cs_why[i])) {
            return 0;
        }
    }
    return gr_fail(ctx,
                   "tls_client exited %d as it should, but stderr does not say why: it "
                   "should hold \"%s\" (OpenSSL's verify error for this certificate)",
                   cs->cs_exit, cs->cs_why[0]);
}

static int judge(gr_ctx *ctx, const lab10_case *cs, const gr_client_run *run, const seen *s,
                 const char *msg)
{
    if (run->cr_timed_out) {
        return gr_fail(ctx, "tls_client was still running after %.1f s",
                       (double)run->cr_ms / 1000.0);
    }
    if (!WIFEXITED(run->cr_status)) {
        return gr_fail(ctx, "tls_client was killed by signal %d", WTERMSIG(run->cr_status));
    }
    int status = WEXITSTATUS(run->cr_status);
    if (status != cs->cs_exit) {
        return gr_fail(ctx, "tls_client exited with status %d; expected %d", status, cs->cs_exit);
    }
    if (cs->cs_max_ms > 0 && run->cr_ms > gr_ms(ctx, cs->cs_max_ms)) {
        return gr_fail(ctx, "tls_client took %.1f s; its --timeout should have ended it sooner",
                       (double)run->cr_ms / 1000.0);
    }
    if (judge_reason(ctx, cs, run) < 0) {
        return -1;
    }
    char want[600];
    int wn = snprintf(want, sizeof want, "%s\n", msg);
    if (cs->cs_want_reply &&
        (run->cr_stdout_len != (size_t)wn || memcmp(run->cr_stdout, want, (size_t)wn) != 0)) {
        return gr_fail_bytes(ctx, msg, strlen(msg), want, (size_t)wn, run->cr_stdout,
                             run->cr_stdout_len, "stdout is not the server's reply");
    }
    if (cs->cs_want_sni && strcmp(s->sn_sni, "localhost") != 0) {
        return gr_fail(ctx, "the server saw %s%s%s in SNI; it should have seen \"localhost\"",
                       s->sn_sni[0] != '\0' ? "\"" : "no name", s->sn_sni,
                       s->sn_sni[0] != '\0' ? "\"" : "");
    }
    return 0;
}

int lab10_check_client(gr_ctx *ctx)
{
    const lab10_case *cs = gr_arg(ctx);
    seen s = {.sn_how = cs->cs_how};
    gr_tls *tls = NULL;
    gr_fake *f = start_server(ctx, cs, &s, &tls);
    if (f == NULL) {
        return -1;
    }
    char msg[64];
    snprintf(msg, sizeof msg, "hello over TLS, %06zu", gr_random_below(ctx, 1000000));
    gr_str args = {0};
    expand(cs->cs_args, gr_fake_port(f), msg, &args);
    gr_client_run run;
    int rc = gr_client_run_args(ctx, "./tls_client", gr_str_cstr(&args), gr_time_left(ctx), &run);
    gr_str_free(&args);
    gr_fake_stop(f);
    gr_tls_free(tls);
    char root[4096];
    snprintf(root, sizeof root, "%s/ca.pem", gr_server_dir(ctx));
    unlink(root); /* the directory may be the user's own (--client) */
    if (rc == 0) {
        rc = judge(ctx, cs, &run, &s, msg);
    }
    if (rc < 0) {
        gr_client_describe(ctx, &run);
        gr_str_addf(gr_details(ctx), "the server presented %s%s\n", gr_cert_name(cs->cs_cert),
                    cs->cs_how == SV_SILENT ? " (it never answered the ClientHello)"
                    : cs->cs_leaf_only      ? ".pem alone, without its intermediate"
                                            : "-chain.pem");
    }
    gr_client_run_free(&run);
    return rc;
}
