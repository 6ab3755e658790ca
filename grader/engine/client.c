/* client.c - running the student's client (see grader.h): spawn it with
 * its arguments, feed its stdin, collect what it printed, and give its name
 * lookups a hosts file of the check's own. */
#include "engine/ctx.h"

#include "err.h"
#include "os/sandbox.h"
#include "text/transcript.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Most bytes of a client's stdout kept: checks compare all of it. */
#define CLIENT_STDOUT_MAX (16u << 20)

/* Feed @p input to the program's stdin as it takes it, closing stdin after
 * the last byte, until it exits, or is ready on @p ready_port (when not 0:
 * engine_program_ready(), the port into *@p ready_on), or @p deadline
 * passes. Returns 1 if it exited, 2 if it was ready, 0 at the deadline. */
static int feed_until_exit(gr_ctx *ctx, gr_proc *p, const void *input, size_t ninput,
                           int ready_port, int *ready_on, long deadline)
{
    const char *in = input;
    size_t sent = 0;
    int exited = 0;
    while (!exited && gr_now_ms() < deadline) {
        if (ready_port != 0 && (*ready_on = engine_program_ready(ctx, p->pr_pid, ready_port)) > 0) {
            return gr_proc_exited(p) ? 1 : 2;
        }
        if (sent < ninput) {
            ssize_t put = write(p->pr_stdin, in + sent, ninput - sent);
            if (put > 0) {
                sent += (size_t)put;
            } else if (put < 0 && errno != EAGAIN && errno != EINTR) {
                sent = ninput; /* it closed stdin; stop feeding */
            }
        }
        if (sent == ninput && p->pr_stdin >= 0) {
            close(p->pr_stdin);
            p->pr_stdin = -1;
        }
        long left = deadline - gr_now_ms();
        if (left <= 0) {
            break;
        }
        if (ready_port != 0 && left > 10) {
            left = 10; /* look at its sockets again soon */
        }
        if (p->pr_stdin >= 0) {
            /* Wake when stdin has room again or the program exits. */
            struct pollfd pfd[2] = {{.fd = p->pr_stdin, .events = POLLOUT},
                                    {.fd = p->pr_pidfd, .events = POLLIN}};
            poll(pfd, p->pr_pidfd >= 0 ? 2 : 1, left < 10 || p->pr_pidfd < 0 ? 10 : (int)left);
            exited = gr_proc_exited(p);
        } else {
            exited = gr_proc_wait(p, (int)left);
        }
    }
    return exited;
}

/* The spawn options of a client run: a pipe on stdin, all of stdout kept,
 * the default limits and the check's hosts file. */
static gr_spawn_opts client_opts(const gr_ctx *ctx)
{
    gr_spawn_opts so = {.so_cwd = ctx->cx_cwd,
                        .so_stdin_pipe = 1,
                        .so_keep_stdout = CLIENT_STDOUT_MAX,
                        .so_limits = &gr_default_limits,
                        .so_etc_dir = ctx->cx_etc_dir};
    return so;
}

int engine_run_to_exit(gr_ctx *ctx, const char *cmd, const gr_spawn_opts *so, const void *input,
                       size_t ninput, int ready_port, int timeout_ms, gr_client_run *run)
{
    gr_proc p;
    memset(&p, 0, sizeof p);
    char err[SL_ERR_LEN] = "";
    long started = gr_now_ms();
    if (gr_proc_spawn(&p, cmd, so, err) < 0) {
        return gr_fail(ctx, "could not start %s: %s",
                       run->cr_what != NULL ? run->cr_what : "the client", err);
    }
    gr_verbose(ctx, "started: %s", cmd);
    int ready_on = 0;
    int how = feed_until_exit(ctx, &p, input, ninput, ready_port, &ready_on, started + timeout_ms);
    run->cr_timed_out = how == 0;
    run->cr_ready = how == 2 ? ready_on : 0;
    gr_proc_stop(&p, gr_ms(ctx, ENGINE_GRACE_MS));
    run->cr_status = p.pr_status;
    run->cr_ms = gr_now_ms() - started;
    size_t total = 0;
    run->cr_stdout = gr_proc_output(&p, 0, &run->cr_stdout_len, &total);
    run->cr_stderr = gr_proc_output(&p, 1, &run->cr_stderr_len, NULL);
    gr_proc_free(&p);
    if (run->cr_stdout == NULL || run->cr_stderr == NULL) {
        gr_client_run_free(run);
        return gr_fail(ctx, "grader ran out of memory");
    }
    free(ctx->cx_client_stderr);
    ctx->cx_client_stderr = strdup(run->cr_stderr);
    if (total > run->cr_stdout_len) {
        gr_str_addf(&ctx->cx_details, "(%s printed %zu bytes; only the last %zu were kept)\n",
                    run->cr_what != NULL ? run->cr_what : "the client", total, run->cr_stdout_len);
    }
    return 0;
}

/* Run the client command @p cmd, feeding it @p input, until it exits or
 * @p timeout_ms passes, and fill @p run. */
static int run_client(gr_ctx *ctx, const char *cmd, const void *input, size_t ninput,
                      int timeout_ms, gr_client_run *run)
{
    gr_spawn_opts so = client_opts(ctx);
    return engine_run_to_exit(ctx, cmd, &so, input, ninput, 0, timeout_ms, run);
}

int gr_client_start_and_wait(gr_ctx *ctx, int port, const void *input, size_t ninput,
                             int timeout_ms, gr_client_run *run)
{
    memset(run, 0, sizeof *run);
    if (ctx->cx_client_cmd == NULL) {
        return gr_fail(ctx, "this lab has no client to run");
    }
    const char *problem = engine_program_problem(ctx, ctx->cx_client_cmd);
    if (problem != NULL) {
        return gr_fail(ctx, "the client cannot run: %s", problem);
    }
    char *cmd = engine_expand(ctx->cx_client_cmd, gr_host(ctx), port, NULL);
    if (cmd == NULL) {
        return gr_fail(ctx, "grader ran out of memory");
    }
    int rc = run_client(ctx, cmd, input, ninput, timeout_ms, run);
    free(cmd);
    if (rc == 0 && !run->cr_timed_out) {
        engine_shell_failure(ctx, ctx->cx_client_cmd, run->cr_status, run->cr_stderr,
                             run->cr_stderr_len);
    }
    return rc;
}

int gr_client_run_args(gr_ctx *ctx, const char *program, const char *args, int timeout_ms,
                       gr_client_run *run)
{
    memset(run, 0, sizeof *run);
    /* --client 'CMD' stands in for the lab's own program. */
    const char *prog =
        ctx->cx_opt->op_target == GR_TARGET_CLIENT ? ctx->cx_opt->op_command : program;
    const char *problem = engine_command_problem(ctx, prog);
    if (problem != NULL) {
        return gr_fail(ctx, "the client cannot run: %s", problem);
    }
    gr_str cmd = {0};
    gr_str_add(&cmd, prog);
    if (args != NULL && args[0] != '\0') {
        gr_str_add(&cmd, " ");
        gr_str_add(&cmd, args);
    }
    gr_str_addf(&ctx->cx_details, "ran: %s\n", gr_str_cstr(&cmd));
    int rc = run_client(ctx, gr_str_cstr(&cmd), "", 0, timeout_ms, run);
    gr_str_free(&cmd);
    if (rc == 0 && !run->cr_timed_out) {
        engine_shell_failure(ctx, prog, run->cr_status, run->cr_stderr, run->cr_stderr_len);
    }
    return rc;
}

int gr_test_run(gr_ctx *ctx, const char *cmd, int timeout_ms, gr_client_run *run)
{
    memset(run, 0, sizeof *run);
    if (ctx->cx_cwd == NULL) {
        return gr_fail(ctx, "there is no source to test (a command is graded)");
    }
    gr_str_addf(&ctx->cx_details, "ran: %s\n", cmd);
    run->cr_what = "the test program";
    return run_client(ctx, cmd, "", 0, timeout_ms, run);
}

void gr_client_run_free(gr_client_run *run)
{
    free(run->cr_stdout);
    free(run->cr_stderr);
    run->cr_stdout = run->cr_stderr = NULL;
}

void gr_client_describe(gr_ctx *ctx, const gr_client_run *run)
{
    const char *what = run->cr_what != NULL ? run->cr_what : "the client";
    if (run->cr_ready > 0) {
        gr_str_addf(&ctx->cx_details, "%s was ready on port %d after %.2f s and was stopped\n",
                    what, run->cr_ready, (double)run->cr_ms / 1000.0);
    } else if (run->cr_timed_out) {
        gr_str_addf(&ctx->cx_details, "%s was still running after %.1f s and was stopped\n", what,
                    (double)run->cr_ms / 1000.0);
    } else {
        char how[128];
        gr_str_addf(&ctx->cx_details, "%s %s after %.2f s\n", what,
                    gr_proc_describe(run->cr_status, how, sizeof how), (double)run->cr_ms / 1000.0);
    }
    /* "the server" ran: "server stderr". */
    char label[64];
    snprintf(label, sizeof label, "%s stderr", strncmp(what, "the ", 4) == 0 ? what + 4 : what);
    gr_output_tail(&ctx->cx_details, label, run->cr_stderr, run->cr_stderr_len, run->cr_stderr_len);
}

/* ---- a resolver of the check's own ------------------------------------------ */

/* Remove gr_client_hosts()'s directory. */
static void drop_etc_dir(gr_ctx *ctx)
{
    if (ctx->cx_etc_dir == NULL) {
        return;
    }
    static const char *const files[] = {"hosts", "nsswitch.conf"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", ctx->cx_etc_dir, files[i]);
        unlink(path);
    }
    rmdir(ctx->cx_etc_dir);
    free(ctx->cx_etc_dir);
    ctx->cx_etc_dir = NULL;
}

/* Write text to path, readable by everyone. */
static int write_public(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        return -1;
    }
    int ok = fputs(text, f) >= 0;
    ok = fclose(f) == 0 && ok;
    return ok && chmod(path, 0644) == 0 ? 0 : -1;
}

int gr_client_hosts(gr_ctx *ctx, const char *hosts_text)
{
    drop_etc_dir(ctx);
    char tmpl[] = "/var/tmp/socklab-etc-XXXXXX";
    if (mkdtemp(tmpl) == NULL || chmod(tmpl, 0755) < 0) {
        return 0;
    }
    ctx->cx_etc_dir = strdup(tmpl);
    char hosts[PATH_MAX], nss[PATH_MAX];
    snprintf(hosts, sizeof hosts, "%s/hosts", tmpl);
    snprintf(nss, sizeof nss, "%s/nsswitch.conf", tmpl);
    if (ctx->cx_etc_dir == NULL || write_public(hosts, hosts_text) < 0 ||
        write_public(nss, "hosts: files\n") < 0 ||
        !gr_sandbox_can_bind_etc(gr_sandbox_current(), tmpl)) {
        drop_etc_dir(ctx);
        rmdir(tmpl);
        return 0;
    }
    return 1;
}

void engine_client_forget(gr_ctx *ctx)
{
    free(ctx->cx_client_stderr);
    ctx->cx_client_stderr = NULL;
    drop_etc_dir(ctx);
}
