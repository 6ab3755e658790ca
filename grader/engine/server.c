/* server.c - the life cycle of the server under test (see grader.h): start
 * it on the check's port, wait until it listens, watch it, stop it.
 *
 * The shape follows libuv's test runner: every check gets its own server
 * process (so one check's damage never leaks into the next), readiness is an
 * event (the port shows up as listening) rather than a sleep, output is
 * drained all the time, and teardown is SIGTERM, grace, SIGKILL, reap. */
#include "engine/ctx.h"

#include "err.h"
#include "net/port.h"
#include "os/procfs.h"

#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Time a server gets to start listening, before scaling. Generous: a server
 * that needs 2 s to start (a JVM, say) must still pass. */
#define STARTUP_MS 10000
/* After a failed check, time a dying server gets to be seen dead. */
#define DYING_MS 200

/* Is cmd one simple command that the shell may replace itself with? Then
 * "exec" makes the program under test the process the grader watches (its
 * pid, its exit status, its /proc entries) rather than a shell waiting for it. */
static int simple_command(const char *cmd)
{
    if (strpbrk(cmd, ";&|<>()$`\\\n'\"*?[~{}") != NULL) {
        return 0;
    }
    const char *first_end = strpbrk(cmd, " \t");
    size_t first_len = first_end != NULL ? (size_t)(first_end - cmd) : strlen(cmd);
    /* "VAR=value prog" cannot follow exec. */
    return memchr(cmd, '=', first_len) == NULL && strncmp(cmd, "exec ", 5) != 0;
}

/* Without /proc/net (an unusual sandbox), readiness falls back to trying to
 * connect, as most test runners do. Returns 1 if a connection was accepted. */
static int probe_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return 0;
    }
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_port = htons((uint16_t)port);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int ok = connect(fd, (struct sockaddr *)&sin, sizeof sin) == 0;
    close(fd);
    return ok;
}

char *engine_expand_words(const char *tmpl, const char *host, const char *port_words, int port,
                          const char *docroot)
{
    gr_str s = {0};
    for (const char *p = tmpl; *p != '\0';) {
        if (strncmp(p, "{port}", 6) == 0) {
            gr_str_add(&s, port_words);
            p += 6;
        } else if (strncmp(p, "{host}", 6) == 0) {
            gr_str_add(&s, host);
            p += 6;
        } else if (strncmp(p, "{unix}", 6) == 0) {
            gr_str_addf(&s, GR_UNIX_NAME, port);
            p += 6;
        } else if (docroot != NULL && strncmp(p, "{docroot}", 9) == 0) {
            gr_str_add_quoted(&s, docroot);
            p += 9;
        } else {
            gr_str_addn(&s, p, 1);
            p++;
        }
    }
    return gr_str_take(&s);
}

char *engine_expand(const char *tmpl, const char *host, int port, const char *docroot)
{
    char words[16];
    snprintf(words, sizeof words, "%d", port);
    return engine_expand_words(tmpl, host, words, port, docroot);
}

/* Keep the stderr of the server that just stopped, for the report. */
static void keep_server_stderr(gr_ctx *ctx)
{
    ctx->cx_server_memory_killed = ctx->cx_server.pr_memory_killed;
    free(ctx->cx_server_stderr);
    ctx->cx_server_stderr = gr_proc_output(&ctx->cx_server, 1, &ctx->cx_server_stderr_len,
                                           &ctx->cx_server_stderr_total);
}

void engine_server_release(gr_ctx *ctx)
{
    if (ctx->cx_server_running) {
        gr_proc_stop(&ctx->cx_server, gr_ms(ctx, ENGINE_GRACE_MS));
        keep_server_stderr(ctx);
        gr_proc_free(&ctx->cx_server);
        ctx->cx_server_running = 0;
    }
}

/* The server command and limits of the running check: a lab with several
 * server programs says which one each check starts (ck_program), and a
 * --server command stands for all of them. */
static const char *server_template(const gr_ctx *ctx, gr_limits *limits)
{
    *limits = gr_default_limits;
    const gr_check *ck = ctx->cx_check;
    if (ck != NULL && ck->ck_max_files > 0) {
        limits->lim_files = ck->ck_max_files;
    }
    if (ck != NULL && ck->ck_program != NULL && ctx->cx_opt->op_target != GR_TARGET_SERVER) {
        return ck->ck_program->pg_cmd;
    }
    return ctx->cx_server_cmd;
}

/* @p cmd as the shell should run it: after "exec" when it is one simple
 * command, so that the program is the process the grader watches. */
static void add_exec_form(gr_str *exec, const char *cmd)
{
    if (simple_command(cmd)) {
        gr_str_add(exec, "exec ");
    }
    gr_str_add(exec, cmd);
}

/* Spawn the server command @p cmd (expanded) with @p limits. */
static int spawn_server(gr_ctx *ctx, const char *cmd, const gr_limits *limits)
{
    gr_str exec = {0};
    add_exec_form(&exec, cmd);
    gr_spawn_opts so = {.so_cwd = ctx->cx_cwd, .so_limits = limits};
    char err[SL_ERR_LEN] = "";
    memset(&ctx->cx_server, 0, sizeof ctx->cx_server);
    int rc = gr_proc_spawn(&ctx->cx_server, gr_str_cstr(&exec), &so, err);
    if (rc < 0) {
        gr_str_free(&exec);
        return gr_fail(ctx, "could not start the server: %s", err);
    }
    ctx->cx_server_running = 1;
    gr_verbose(ctx, "started server: %s (pid %d)", gr_str_cstr(&exec), (int)ctx->cx_server.pr_pid);
    gr_str_free(&exec);
    return 0;
}

/* How the running check's server shows it is ready: GR_READY_*. */
static int ready_kind(const gr_ctx *ctx)
{
    const gr_check *ck = ctx->cx_check;
    return ck != NULL && ck->ck_ready != GR_READY_LAB ? ck->ck_ready
           : ctx->cx_opt->op_lab->lab_udp             ? GR_READY_UDP
                                                      : GR_READY_TCP;
}

/* Is a socket of @p ready's kind there for @p port: 1, 0, or -1 when /proc
 * cannot say. */
static int ready_on(int ready, int port)
{
    char unix_name[64];
    snprintf(unix_name, sizeof unix_name, GR_UNIX_NAME, port);
    return ready == GR_READY_UNIX_STREAM  ? gr_procfs_unix_bound(unix_name, 1)
           : ready == GR_READY_UNIX_DGRAM ? gr_procfs_unix_bound(unix_name, 0)
           : ready == GR_READY_UDP        ? gr_procfs_udp_bound(port)
                                          : gr_procfs_tcp_listening(port);
}

int engine_program_ready(const gr_ctx *ctx, pid_t pid, int port)
{
    int kind = ready_kind(ctx);
    if (port == GR_ANY_PORT) {
        int on = kind == GR_READY_TCP || kind == GR_READY_UDP
                     ? gr_procfs_tree_port(pid, kind == GR_READY_UDP)
                     : 0;
        return on > 0 ? on : 0;
    }
    return ready_on(kind, port) == 1 ? port : 0;
}

/* Wait until the server listens on the check's port: the port shows up as
 * listening in /proc/net/tcp{,6} (or bound, for UDP). No connection is
 * made, so a server that serves a single client and exits still has its
 * one client for the check. Returns 1 when it listens, 0 if it exited or
 * the time ran out. */
static int wait_listening(gr_ctx *ctx)
{
    long started = gr_now_ms();
    long deadline = started + gr_ms(ctx, STARTUP_MS);
    int ready = ready_kind(ctx);
    /* Only a TCP listener can be probed by connecting. */
    int can_connect = ready == GR_READY_TCP;
    for (;;) {
        /* Exit first: a port that listens once the server we started has
         * gone belongs to a child it left behind (a daemon), not to it. */
        int exited = gr_proc_exited(&ctx->cx_server);
        int l = ready_on(ready, ctx->cx_port);
        if (!exited && (l == 1 || (l < 0 && can_connect && probe_connect(ctx->cx_port)))) {
            gr_verbose(ctx, "server listening on port %d after %ld ms", ctx->cx_port,
                       gr_now_ms() - started);
            return 1;
        }
        if (exited || gr_now_ms() >= deadline) {
            return 0;
        }
        /* Not yet: wait a little, waking at once if the server exits. */
        gr_proc_wait(&ctx->cx_server, 10);
    }
}

/* The server never listened: say why, and remember a timeout, so that the
 * lab's later checks with the same program are not waited for again. */
static int fail_startup(gr_ctx *ctx, const char *tmpl, const char *cmd)
{
    int rc;
    double waited = (double)gr_ms(ctx, STARTUP_MS) / 1000.0;
    if (gr_proc_exited(&ctx->cx_server)) {
        char how[128];
        gr_proc_describe(ctx->cx_server.pr_status, how, sizeof how);
        rc = gr_fail(ctx, "the server %s before it listened on port %d", how, ctx->cx_port);
        gr_str_addf(&ctx->cx_details, "command: %s\n", cmd);
        size_t len = 0;
        gr_proc_wait_output(&ctx->cx_server, gr_ms(ctx, 1000));
        char *err = gr_proc_output(&ctx->cx_server, 1, &len, NULL);
        engine_shell_failure(ctx, tmpl, ctx->cx_server.pr_status, err, len);
        free(err);
    } else {
        rc = gr_fail(ctx, "the server did not listen on port %d within %.1f s", ctx->cx_port,
                     waited);
        gr_str_addf(&ctx->cx_details,
                    "command: %s\nDoes it use the port given on its command line? (later "
                    "checks are skipped for the same reason)\n",
                    cmd);
        /* Keep the message short for the checks that follow. */
        snprintf(ctx->cx_startup_failure, sizeof ctx->cx_startup_failure,
                 "skipped: the server did not listen within %.1f s in an earlier check", waited);
        ctx->cx_startup_failed_cmd = tmpl;
    }
    engine_server_release(ctx);
    return rc;
}

/* A --server command with {args}: the command with the check's own
 * program's command line in its place (the program's name without "./"; a
 * check that names none has the lab's server), malloc'd; NULL when there
 * is nothing to put in. */
static char *args_of_check(const gr_ctx *ctx, const char *tmpl)
{
    const gr_check *ck = ctx->cx_check;
    const char *at = strstr(tmpl, "{args}");
    const char *args = ck == NULL               ? NULL
                       : ck->ck_program != NULL ? ck->ck_program->pg_cmd
                                                : ctx->cx_opt->op_lab->lab_server_cmd;
    if (at == NULL || args == NULL || ctx->cx_opt->op_target != GR_TARGET_SERVER) {
        return NULL;
    }
    if (strncmp(args, "./", 2) == 0) {
        args += 2;
    }
    gr_str s = {0};
    gr_str_addn(&s, tmpl, (size_t)(at - tmpl));
    gr_str_add(&s, args);
    gr_str_add(&s, at + 6);
    return gr_str_take(&s);
}

/* The command template of the running check's server, with its limits, or
 * NULL with the reason recorded (gr_fail()): there is none, it cannot run,
 * or it never listened in an earlier check. */
static const char *runnable_template(gr_ctx *ctx, gr_limits *limits)
{
    const char *tmpl = server_template(ctx, limits);
    if (tmpl == NULL) {
        gr_fail(ctx, "this lab has no server to start");
        return NULL;
    }
    const char *problem = engine_program_problem(ctx, tmpl);
    if (problem != NULL) {
        gr_fail(ctx, "the server cannot run: %s", problem);
        return NULL;
    }
    /* A server that never listened is not waited for again; another
     * program of the same lab still gets its chance. */
    if (ctx->cx_startup_failure[0] != '\0' && ctx->cx_startup_failed_cmd == tmpl) {
        gr_fail(ctx, "%s", ctx->cx_startup_failure);
        return NULL;
    }
    return tmpl;
}

/* @p tmpl as the running check starts it ({args} filled in), with
 * @p port_words in place of {port}; malloc'd, or NULL with the reason
 * recorded. */
static char *check_command(gr_ctx *ctx, const char *tmpl, const char *port_words)
{
    char *own = args_of_check(ctx, tmpl);
    const char *docroot = NULL;
    if (strstr(own != NULL ? own : tmpl, "{docroot}") != NULL &&
        (docroot = ctx->cx_docroot_instead != NULL ? ctx->cx_docroot_instead : gr_docroot(ctx)) ==
            NULL) {
        free(own);
        return NULL; /* gr_docroot() said why */
    }
    char *cmd = engine_expand_words(own != NULL ? own : tmpl, gr_host(ctx), port_words,
                                    ctx->cx_port, docroot);
    free(own);
    if (cmd == NULL) {
        gr_fail(ctx, "grader ran out of memory");
    }
    return cmd;
}

int gr_server_start(gr_ctx *ctx)
{
    gr_limits limits;
    const char *tmpl = runnable_template(ctx, &limits);
    if (tmpl == NULL) {
        return -1;
    }
    engine_server_release(ctx);
    char port[16];
    snprintf(port, sizeof port, "%d", ctx->cx_port);
    char *cmd = check_command(ctx, tmpl, port);
    if (cmd == NULL) {
        return -1;
    }
    int rc = spawn_server(ctx, cmd, &limits);
    if (rc == 0 && wait_listening(ctx)) {
        ctx->cx_server_started = 1;
    } else if (rc == 0) {
        rc = fail_startup(ctx, tmpl, cmd);
    }
    free(cmd);
    return rc;
}

int gr_server_run_args(gr_ctx *ctx, const char *port_words, int ready_port, int timeout_ms,
                       gr_client_run *run)
{
    memset(run, 0, sizeof *run);
    run->cr_what = "the server";
    gr_limits limits;
    const char *tmpl = runnable_template(ctx, &limits);
    char *cmd = tmpl != NULL ? check_command(ctx, tmpl, port_words) : NULL;
    if (cmd == NULL) {
        return -1;
    }
    gr_str_addf(&ctx->cx_details, "ran: %s\n", cmd);
    /* As spawn_server() starts it: its cwd and limits, stdin /dev/null. */
    gr_spawn_opts so = {.so_cwd = ctx->cx_cwd, .so_limits = &limits};
    gr_str exec = {0};
    add_exec_form(&exec, cmd);
    free(cmd);
    int rc = engine_run_to_exit(ctx, gr_str_cstr(&exec), &so, "", 0, ready_port, timeout_ms, run);
    gr_str_free(&exec);
    if (rc == 0 && !run->cr_timed_out && !run->cr_ready) {
        engine_shell_failure(ctx, tmpl, run->cr_status, run->cr_stderr, run->cr_stderr_len);
    }
    return rc;
}

int gr_server_check_alive(gr_ctx *ctx)
{
    if (!ctx->cx_server_running) {
        return gr_fail(ctx, "the server is not running");
    }
    if (!gr_proc_exited(&ctx->cx_server)) {
        return 0;
    }
    char how[128];
    gr_proc_describe(ctx->cx_server.pr_status, how, sizeof how);
    return gr_fail(ctx, "the server %s during the check", how);
}

int gr_server_ended(gr_ctx *ctx, int wait_ms, int *signo, int *status)
{
    *signo = 0;
    *status = -1;
    if (!ctx->cx_server_running || !gr_proc_wait(&ctx->cx_server, gr_ms(ctx, wait_ms))) {
        return 0;
    }
    /* Its last words may still be in the pipes. */
    gr_proc_wait_output(&ctx->cx_server, gr_ms(ctx, 1000));
    int st = ctx->cx_server.pr_status;
    if (WIFSIGNALED(st)) {
        *signo = WTERMSIG(st);
    } else if (WIFEXITED(st) && WEXITSTATUS(st) > 128 && WEXITSTATUS(st) - 128 < NSIG) {
        *signo = WEXITSTATUS(st) - 128; /* a shell that waited for it says so */
    } else if (WIFEXITED(st)) {
        *status = WEXITSTATUS(st);
    }
    return 1;
}

int gr_server_stop(gr_ctx *ctx)
{
    int rc = 0;
    if (ctx->cx_server_running && gr_proc_exited(&ctx->cx_server)) {
        rc = gr_server_check_alive(ctx);
    }
    engine_server_release(ctx);
    return rc;
}

char *gr_server_output(gr_ctx *ctx, int stream, size_t *len)
{
    *len = 0;
    if (!ctx->cx_server_running) {
        return NULL;
    }
    return gr_proc_output(&ctx->cx_server, stream, len, NULL);
}

/* A server that crashed (a signal no check sends) during a failed check,
 * which found no cause of its own: the crash is the cause to fix first,
 * whatever the bytes showed. A sanitizer's report, looked at afterwards,
 * names it more exactly. SIGPIPE is a crash of its own kind: a write to a
 * client that went away, seen whenever the write came. */
static void crash_hint(gr_ctx *ctx, int status)
{
    int sig = WIFSIGNALED(status)                              ? WTERMSIG(status)
              : WIFEXITED(status) && WEXITSTATUS(status) > 128 ? WEXITSTATUS(status) - 128
                                                               : 0;
    int crash = sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL || sig == SIGABRT;
    if ((!crash && sig != SIGPIPE) || ctx->cx_hint.s_len > 0) {
        return;
    }
    if (sig == SIGPIPE) {
        gr_hint(ctx, "A client that goes away must not kill the server: it died of SIGPIPE, which "
                     "a write to a closed connection raises. In C: signal(SIGPIPE, SIG_IGN) in "
                     "main() before the first connection or thread (or MSG_NOSIGNAL on every "
                     "send()); the write then fails with EPIPE: end that client only. In Python: "
                     "SIGPIPE is ignored for you; catch BrokenPipeError.");
        return;
    }
    gr_hint(ctx,
            "A server must not crash on what a client sends: it was killed by SIG%s. In C: find "
            "the line with the sanitizers (bin/grade builds a lab directory with "
            "-fsanitize=address,undefined) or gdb, and check every index, length and pointer "
            "against what recv() returned. In Python: an uncaught exception ends it the same way; "
            "its traceback names the line.",
            sigabbrev_np(sig) != NULL ? sigabbrev_np(sig) : "?");
}

void engine_server_after_check(gr_ctx *ctx, char *note, size_t len)
{
    note[0] = '\0';
    /* A crash during the check is the most useful thing to report. A dying
     * process closes its sockets before its parent can see it exit, so after
     * a failure give it a moment to finish dying. */
    if (ctx->cx_server_running && ctx->cx_failed) {
        gr_proc_wait(&ctx->cx_server, gr_ms(ctx, DYING_MS));
    }
    if (ctx->cx_server_running && gr_proc_exited(&ctx->cx_server) && ctx->cx_failed) {
        char how[128];
        gr_proc_describe(ctx->cx_server.pr_status, how, sizeof how);
        snprintf(note, len, "note: the server %s during this check\n", how);
        crash_hint(ctx, ctx->cx_server.pr_status);
    }
    engine_server_release(ctx);
    if (ctx->cx_server_memory_killed) {
        if (!ctx->cx_failed) {
            gr_fail(ctx, "the server was stopped for using too much memory");
        }
        snprintf(note, len, "note: the server was killed for using more than %ld MiB of memory\n",
                 gr_default_limits.lim_memory_bytes >> 20);
        if (ctx->cx_hint.s_len == 0) {
            gr_hint(ctx,
                    "A server's memory must not grow with what its clients send: it used more "
                    "than %ld MiB and was stopped. In C: fixed buffers per client, read only "
                    "while they have room, free() what you malloc(). In Python: no bytes or "
                    "list that grows per message without a bound.",
                    gr_default_limits.lim_memory_bytes >> 20);
        }
        ctx->cx_server_memory_killed = 0;
    }
}
