/* engine.c - build the target, run each check against a fresh server, report.
 *
 * The shape follows libuv's test runner: every check gets its own server
 * process (so one check's damage never leaks into the next), readiness is an
 * event (the port shows up as listening) rather than a sleep, output is
 * drained all the time, and teardown is SIGTERM, grace, SIGKILL, reap. */
#include "engine/engine.h"

#include "err.h"
#include "os/proc.h"
#include "os/procfs.h"
#include "os/sandbox.h"
#include "text/transcript.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Time a server gets to start listening, before scaling. Generous: a server
 * that needs 2 s to start (a JVM, say) must still pass. */
#define STARTUP_MS 10000
/* Time a server gets to exit after SIGTERM, before scaling. */
#define GRACE_MS 1000
/* Time a build gets. */
#define BUILD_MS 300000
/* Lines of a server's stderr shown under a failed check. */
#define TAIL_LINES 12

struct gr_ctx {
    const gr_options *cx_opt;
    const gr_check *cx_check;
    const char *cx_cwd;          /* where the program under test runs */
    const char *cx_server_cmd;   /* command template, or NULL */
    const char *cx_client_cmd;
    int cx_port;
    long cx_deadline;
    uint64_t cx_rng;
    gr_proc cx_server;
    int cx_server_running;       /* cx_server holds a process (maybe exited) */
    int cx_server_started;       /* gr_server_start() succeeded at least once */
    gr_str cx_headline;
    gr_str cx_details;
    int cx_failed;
    char *cx_server_stderr;      /* stderr of the last server, kept for the report */
    size_t cx_server_stderr_len;
    size_t cx_server_stderr_total;
    char cx_startup_failure[512];/* why the server never listened, for later checks */
    const char *cx_startup_failed_cmd; /* the command template that never listened */
    int cx_server_memory_killed; /* the last server went over the memory limit */
    char *cx_client_stderr;      /* stderr of the last client run, for sanitizer reports */
    char *cx_etc_dir;            /* gr_client_hosts()'s files for client runs, or NULL */
};

/* ---- time and randomness ------------------------------------------------ */

long gr_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static int scale_ms(double scale, int ms)
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
    return scale_ms(ctx->cx_opt->op_scale, ms);
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
    static const char *const words[] = {
        "socket", "bind",   "listen", "accept", "connect", "send",   "recv",  "close",
        "port",   "packet", "stream", "byte",   "echo",    "server", "client", "kernel",
        "buffer", "loop",   "reply",  "hello",  "network", "tcp",    "frame", "peer"};
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

/* ---- reporting ---------------------------------------------------------- */

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

/* A port nobody uses right now: bind to port 0 and let the kernel choose.
 * The kernel never hands out a port that has sockets on it, TIME_WAIT ones
 * included, so a server without SO_REUSEADDR can still bind it. */
static int pick_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -1;
    }
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    socklen_t len = sizeof sin;
    int port = -1;
    if (bind(fd, (struct sockaddr *)&sin, sizeof sin) == 0 &&
        getsockname(fd, (struct sockaddr *)&sin, &len) == 0) {
        port = ntohs(sin.sin_port);
    }
    close(fd);
    return port;
}

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

/* Replace {port} and {host} in a command template. Returns a malloc'd string. */
static char *expand(const char *tmpl, const char *host, int port)
{
    gr_str s = {0};
    for (const char *p = tmpl; *p != '\0';) {
        if (strncmp(p, "{port}", 6) == 0) {
            gr_str_addf(&s, "%d", port);
            p += 6;
        } else if (strncmp(p, "{host}", 6) == 0) {
            gr_str_add(&s, host);
            p += 6;
        } else {
            gr_str_addn(&s, p, 1);
            p++;
        }
    }
    return gr_str_take(&s);
}

/* Append the last lines of some output, each prefixed with "  | ". */
static void add_tail(gr_str *out, const char *title, const char *text, size_t len, size_t total)
{
    if (len == 0) {
        return;
    }
    size_t start = len;
    int lines = 0;
    /* Skip one trailing newline, then walk back TAIL_LINES lines. */
    size_t end = len;
    if (end > 0 && text[end - 1] == '\n') {
        end--;
    }
    start = end;
    while (start > 0 && lines < TAIL_LINES) {
        start--;
        if (text[start] == '\n') {
            lines++;
            if (lines == TAIL_LINES) {
                start++;
                break;
            }
        }
    }
    /* Long lines are cut: a flood of one line must not flood the report. */
    if (end - start > 2000) {
        start = end - 2000;
    }
    gr_str_addf(out, "%s%s:\n", title,
                start > 0 || total > len ? " (last lines)" : "");
    gr_str_add(out, "  | ");
    for (size_t i = start; i < end; i++) {
        char ch = text[i];
        if (ch == '\n') {
            gr_str_add(out, "\n  | ");
        } else if ((unsigned char)ch < 0x20 && ch != '\t') {
            gr_escape(out, &text[i], 1);
        } else {
            gr_str_addn(out, &ch, 1);
        }
    }
    gr_str_add(out, "\n");
}

/* Keep the stderr of the server that just stopped, for the report. */
static void keep_server_stderr(gr_ctx *ctx)
{
    ctx->cx_server_memory_killed = ctx->cx_server.pr_memory_killed;
    free(ctx->cx_server_stderr);
    ctx->cx_server_stderr = gr_proc_output(&ctx->cx_server, 1, &ctx->cx_server_stderr_len,
                                           &ctx->cx_server_stderr_total);
}

static void release_server(gr_ctx *ctx)
{
    if (ctx->cx_server_running) {
        gr_proc_stop(&ctx->cx_server, gr_ms(ctx, GRACE_MS));
        keep_server_stderr(ctx);
        gr_proc_free(&ctx->cx_server);
        ctx->cx_server_running = 0;
    }
}

/* The server command and limits of the running check: a lab with several
 * server programs says which one each check starts (gr_server_rule), and a
 * --server command stands for all of them. */
static const char *server_template(const gr_ctx *ctx, gr_limits *limits)
{
    const char *tmpl = ctx->cx_server_cmd;
    *limits = gr_default_limits;
    const gr_lab *lab = ctx->cx_opt->op_lab;
    for (size_t i = 0; lab != NULL && ctx->cx_check != NULL && i < lab->lab_nserver_rules; i++) {
        const gr_server_rule *rule = &lab->lab_server_rules[i];
        if (fnmatch(rule->sr_pattern, ctx->cx_check->ck_name, 0) != 0) {
            continue;
        }
        if (rule->sr_cmd != NULL && ctx->cx_opt->op_target != GR_TARGET_SERVER) {
            tmpl = rule->sr_cmd;
        }
        if (rule->sr_max_files > 0) {
            limits->lim_files = rule->sr_max_files;
        }
    }
    return tmpl;
}

int gr_server_start(gr_ctx *ctx)
{
    gr_limits limits;
    const char *tmpl = server_template(ctx, &limits);
    if (tmpl == NULL) {
        return gr_fail(ctx, "this lab has no server to start");
    }
    /* A server that never listened is not waited for again; another
     * program of the same lab still gets its chance. */
    if (ctx->cx_startup_failure[0] != '\0' && ctx->cx_startup_failed_cmd == tmpl) {
        return gr_fail(ctx, "%s", ctx->cx_startup_failure);
    }
    release_server(ctx);
    char *cmd = expand(tmpl, gr_host(ctx), ctx->cx_port);
    if (simple_command(cmd)) {
        gr_str e = {0};
        gr_str_addf(&e, "exec %s", cmd);
        free(cmd);
        cmd = gr_str_take(&e);
    }
    gr_spawn_opts so = {.so_cwd = ctx->cx_cwd, .so_limits = &limits};
    char err[SL_ERR_LEN] = "";
    memset(&ctx->cx_server, 0, sizeof ctx->cx_server);
    if (gr_proc_spawn(&ctx->cx_server, cmd, &so, err) < 0) {
        free(cmd);
        return gr_fail(ctx, "could not start the server: %s", err);
    }
    ctx->cx_server_running = 1;
    gr_verbose(ctx, "started server: %s (pid %d)", cmd, (int)ctx->cx_server.pr_pid);

    /* Ready when the port shows up as listening in /proc/net/tcp{,6}: no
     * connection is made, so a server that serves a single client and exits
     * still has its one client for the check. */
    long started = gr_now_ms();
    long deadline = started + gr_ms(ctx, STARTUP_MS);
    int ready = 0;
    for (;;) {
        int udp = ctx->cx_opt->op_lab->lab_udp;
        int l = udp ? gr_procfs_udp_bound(ctx->cx_port) : gr_procfs_tcp_listening(ctx->cx_port);
        if (l == 1 || (l < 0 && !udp && probe_connect(ctx->cx_port))) {
            ready = 1;
            break;
        }
        if (gr_proc_exited(&ctx->cx_server) || gr_now_ms() >= deadline) {
            break;
        }
        /* Not yet: wait a little, waking at once if the server exits. */
        gr_proc_wait(&ctx->cx_server, 10);
    }
    if (ready) {
        gr_verbose(ctx, "server listening on port %d after %ld ms", ctx->cx_port,
                   gr_now_ms() - started);
        ctx->cx_server_started = 1;
        free(cmd);
        return 0;
    }
    int rc;
    if (gr_proc_exited(&ctx->cx_server)) {
        char how[128];
        gr_proc_describe(ctx->cx_server.pr_status, how, sizeof how);
        rc = gr_fail(ctx, "the server %s before it listened on port %d", how, ctx->cx_port);
        gr_str_addf(&ctx->cx_details, "command: %s\n", cmd);
    } else {
        snprintf(ctx->cx_startup_failure, sizeof ctx->cx_startup_failure,
                 "the server did not listen on port %d within %.1f s", ctx->cx_port,
                 (double)gr_ms(ctx, STARTUP_MS) / 1000.0);
        rc = gr_fail(ctx, "%s", ctx->cx_startup_failure);
        ctx->cx_startup_failed_cmd = tmpl;
        gr_str_addf(&ctx->cx_details,
                    "command: %s\nDoes it use the port given on its command line? (later "
                    "checks are skipped for the same reason)\n",
                    cmd);
        /* Keep the message short for the checks that follow. */
        snprintf(ctx->cx_startup_failure, sizeof ctx->cx_startup_failure,
                 "skipped: the server did not listen within %.1f s in an earlier check",
                 (double)gr_ms(ctx, STARTUP_MS) / 1000.0);
    }
    free(cmd);
    release_server(ctx);
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

int gr_server_stop(gr_ctx *ctx)
{
    int rc = 0;
    if (ctx->cx_server_running && gr_proc_exited(&ctx->cx_server)) {
        rc = gr_server_check_alive(ctx);
    }
    release_server(ctx);
    return rc;
}

/* ---- the student's client ------------------------------------------------- */

/* Run the client command cmd (taken over), feeding it input, until it exits
 * or timeout_ms passes. */
static int run_client(gr_ctx *ctx, char *cmd, const void *input, size_t ninput, int timeout_ms,
                      gr_client_run *run)
{
    gr_spawn_opts so = {.so_cwd = ctx->cx_cwd,
                        .so_stdin_pipe = 1,
                        .so_keep_stdout = 16u << 20,
                        .so_limits = &gr_default_limits,
                        .so_etc_dir = ctx->cx_etc_dir};
    gr_proc p;
    memset(&p, 0, sizeof p);
    char err[SL_ERR_LEN] = "";
    long started = gr_now_ms();
    if (gr_proc_spawn(&p, cmd, &so, err) < 0) {
        free(cmd);
        return gr_fail(ctx, "could not start the client: %s", err);
    }
    gr_verbose(ctx, "started client: %s", cmd);
    free(cmd);

    long deadline = started + timeout_ms;
    const char *in = input;
    size_t sent = 0;
    int exited = 0;
    /* Feed stdin as the client takes it, while watching for its exit. */
    while (!exited && gr_now_ms() < deadline) {
        if (sent < ninput) {
            ssize_t put = write(p.pr_stdin, in + sent, ninput - sent);
            if (put > 0) {
                sent += (size_t)put;
            } else if (put < 0 && errno != EAGAIN && errno != EINTR) {
                sent = ninput; /* it closed stdin; stop feeding */
            }
        }
        if (sent == ninput && p.pr_stdin >= 0) {
            close(p.pr_stdin);
            p.pr_stdin = -1;
        }
        long left = deadline - gr_now_ms();
        if (left <= 0) {
            break;
        }
        if (p.pr_stdin >= 0) {
            /* Wake when stdin has room again or the client exits. */
            struct pollfd pfd[2] = {{.fd = p.pr_stdin, .events = POLLOUT},
                                    {.fd = p.pr_pidfd, .events = POLLIN}};
            poll(pfd, p.pr_pidfd >= 0 ? 2 : 1, left < 10 || p.pr_pidfd < 0 ? 10 : (int)left);
            exited = gr_proc_exited(&p);
        } else {
            exited = gr_proc_wait(&p, (int)left);
        }
    }
    run->cr_timed_out = !exited;
    gr_proc_stop(&p, gr_ms(ctx, GRACE_MS));
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
        gr_str_addf(&ctx->cx_details, "(the client printed %zu bytes; only the last %zu were kept)\n",
                    total, run->cr_stdout_len);
    }
    return 0;
}

int gr_client_start_and_wait(gr_ctx *ctx, int port, const void *input, size_t ninput,
                             int timeout_ms, gr_client_run *run)
{
    memset(run, 0, sizeof *run);
    if (ctx->cx_client_cmd == NULL) {
        return gr_fail(ctx, "this lab has no client to run");
    }
    return run_client(ctx, expand(ctx->cx_client_cmd, gr_host(ctx), port), input, ninput,
                      timeout_ms, run);
}

int gr_client_run_args(gr_ctx *ctx, const char *program, const char *args, int timeout_ms,
                       gr_client_run *run)
{
    memset(run, 0, sizeof *run);
    gr_str cmd = {0};
    /* --client 'CMD' stands in for the lab's own program. */
    gr_str_add(&cmd, ctx->cx_opt->op_target == GR_TARGET_CLIENT ? ctx->cx_opt->op_command
                                                                 : program);
    if (args != NULL && args[0] != '\0') {
        gr_str_add(&cmd, " ");
        gr_str_add(&cmd, args);
    }
    gr_str_addf(&ctx->cx_details, "ran: %s\n", cmd.s_buf);
    return run_client(ctx, gr_str_take(&cmd), "", 0, timeout_ms, run);
}

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
        return 0;
    }
    return 1;
}

char *gr_server_output(gr_ctx *ctx, int stream, size_t *len)
{
    *len = 0;
    if (!ctx->cx_server_running) {
        return NULL;
    }
    return gr_proc_output(&ctx->cx_server, stream, len, NULL);
}

void gr_client_run_free(gr_client_run *run)
{
    free(run->cr_stdout);
    free(run->cr_stderr);
    run->cr_stdout = run->cr_stderr = NULL;
}

void gr_client_describe(gr_ctx *ctx, const gr_client_run *run)
{
    if (run->cr_timed_out) {
        gr_str_addf(&ctx->cx_details, "the client was still running after %.1f s and was stopped\n",
                    (double)run->cr_ms / 1000.0);
    } else {
        char how[128];
        gr_str_addf(&ctx->cx_details, "the client %s after %.2f s\n",
                    gr_proc_describe(run->cr_status, how, sizeof how),
                    (double)run->cr_ms / 1000.0);
    }
    add_tail(&ctx->cx_details, "client stderr", run->cr_stderr, run->cr_stderr_len,
             run->cr_stderr_len);
}

/* ---- selection -------------------------------------------------------------- */

int gr_only_matches(const char *only, const char *name, int step)
{
    if (only == NULL || *only == '\0') {
        return 1;
    }
    char buf[256];
    snprintf(buf, sizeof buf, "%s", only);
    char *save = NULL;
    for (char *pat = strtok_r(buf, ",", &save); pat != NULL; pat = strtok_r(NULL, ",", &save)) {
        while (*pat == ' ') {
            pat++;
        }
        if (fnmatch(pat, name, 0) == 0) {
            return 1;
        }
        int n;
        char extra;
        if ((sscanf(pat, "step%d%c", &n, &extra) == 1 || sscanf(pat, "step %d%c", &n, &extra) == 1) &&
            n == step) {
            return 1;
        }
    }
    return 0;
}

size_t gr_plan(const gr_options *opt, const gr_check **plan, size_t max, int *hidden,
               int *hidden_points)
{
    const gr_lab *lab = opt->op_lab;
    size_t n = 0;
    *hidden = 0;
    *hidden_points = 0;
    const gr_check_table *ht = lab->lab_hidden;
    size_t total = lab->lab_nchecks + (ht != NULL ? ht->ct_n : 0);
    for (size_t i = 0; i < total; i++) {
        int is_hidden = i >= lab->lab_nchecks;
        const gr_check *ck = is_hidden ? &ht->ct_checks[i - lab->lab_nchecks] : &lab->lab_checks[i];
        if (!gr_target_runs(opt->op_target, ck)) {
            continue;
        }
        if (is_hidden && !opt->op_instructor) {
            (*hidden)++;
            *hidden_points += ck->ck_points;
            continue;
        }
        if (gr_only_matches(opt->op_only, ck->ck_name, ck->ck_step) && n < max) {
            plan[n++] = ck;
        }
    }
    return n;
}

int gr_target_runs(gr_target target, const gr_check *check)
{
    if (target == GR_TARGET_SERVER) {
        return check->ck_kind == GR_SERVER;
    }
    if (target == GR_TARGET_CLIENT) {
        return check->ck_kind == GR_CLIENT;
    }
    return 1;
}

const char *gr_lab_dirname(const gr_lab *lab, char *buf, size_t len)
{
    snprintf(buf, len, "%s-%s", lab->lab_id, lab->lab_name);
    return buf;
}

const gr_lab *gr_lab_find(const char *name)
{
    for (size_t i = 0; gr_labs[i] != NULL; i++) {
        const gr_lab *lab = gr_labs[i];
        char dir[128];
        gr_lab_dirname(lab, dir, sizeof dir);
        char *end;
        long num = strtol(name, &end, 10);
        if (strcmp(name, lab->lab_id) == 0 || strcmp(name, lab->lab_name) == 0 ||
            strcmp(name, dir) == 0 ||
            (*name != '\0' && *end == '\0' && num == strtol(lab->lab_id, NULL, 10))) {
            return lab;
        }
    }
    return NULL;
}

/* ---- the text report ------------------------------------------------------------ */

static const char *color(const gr_options *opt, const char *code)
{
    return opt->op_color ? code : "";
}

#define C_RESET "\033[0m"
#define C_BOLD "\033[1m"
#define C_DIM "\033[2m"
#define C_RED "\033[31m"
#define C_GREEN "\033[32m"
#define C_YELLOW "\033[33m"

static void print_indented(FILE *out, const char *text, const char *indent)
{
    const char *p = text;
    while (*p != '\0') {
        const char *nl = strchr(p, '\n');
        size_t n = nl != NULL ? (size_t)(nl - p) : strlen(p);
        fprintf(out, "%s%.*s\n", indent, (int)n, p);
        p += n;
        if (*p == '\n') {
            p++;
        }
    }
}

/* ---- building the target ---------------------------------------------------------- */


/* Sanitizers the code under test is built with unless --no-sanitize: a
 * memory error or undefined behaviour then shows up as a report, not as
 * luck. A lab of threads asks for ThreadSanitizer instead (lab_sanitize). */
#define SANITIZE_DEFAULT "address,undefined"

static const char *lab_sanitizers(const gr_lab *lab)
{
    return lab->lab_sanitize != NULL ? lab->lab_sanitize : SANITIZE_DEFAULT;
}

/* Build a lab directory with make, in a scratch copy so that the student's
 * own files and binaries stay as they were. Returns 0, or -1 with the
 * compiler's output in *log; *workdir is the copy (NULL if none was made). */
static int build_dir(const gr_options *opt, const char *dir, char **workdir, char **log,
                     size_t *loglen)
{
    *log = NULL;
    *loglen = 0;
    *workdir = NULL;
    char err[SL_ERR_LEN] = "";
    if (gr_sandbox_scratch_copy(dir, workdir, err) < 0) {
        gr_str e = {0};
        gr_str_addf(&e, "could not prepare the build: %s\n", err);
        *loglen = e.s_len;
        *log = gr_str_take(&e);
        return -1;
    }
    gr_str s = {0};
    gr_str_add(&s, "make --no-print-directory SOCKLAB=");
    gr_str_add_quoted(&s, opt->op_root);
    /* Binaries copied along were built without sanitizers: start clean. */
    gr_str_add(&s, " clean >/dev/null 2>&1; make --no-print-directory SOCKLAB=");
    gr_str_add_quoted(&s, opt->op_root);
    if (!opt->op_no_sanitize) {
        const char *san = lab_sanitizers(opt->op_lab);
        gr_str_addf(&s, " EXTRA_CFLAGS='-fsanitize=%s -fno-omit-frame-pointer'", san);
        gr_str_addf(&s, " EXTRA_LDFLAGS='-fsanitize=%s -fno-omit-frame-pointer'", san);
    }
    gr_str_add(&s, " 2>&1");
    char *cmd = gr_str_take(&s);
    gr_proc p;
    memset(&p, 0, sizeof p);
    gr_spawn_opts so = {.so_cwd = *workdir, .so_keep_stdout = 256 * 1024};
    int rc = -1;
    if (gr_proc_spawn(&p, cmd, &so, err) < 0) {
        gr_str e = {0};
        gr_str_addf(&e, "could not run make: %s\n", err);
        *loglen = e.s_len;
        *log = gr_str_take(&e);
        free(cmd);
        return -1;
    }
    int done = gr_proc_wait(&p, scale_ms(opt->op_scale, BUILD_MS));
    gr_proc_stop(&p, 1000);
    *log = gr_proc_output(&p, 0, loglen, NULL);
    if (done && WIFEXITED(p.pr_status) && WEXITSTATUS(p.pr_status) == 0) {
        rc = 0;
    }
    gr_proc_free(&p);
    free(cmd);
    return rc;
}

/* If text holds a sanitizer report, append its first lines to out. */
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
    for (int line = 0; line < 8 && *p != '\0'; line++) {
        const char *nl = strchr(p, '\n');
        size_t n = nl != NULL ? (size_t)(nl - p) : strlen(p);
        gr_str_addf(out, "  | %.*s\n", (int)(n > 200 ? 200 : n), p);
        p += n + (nl != NULL);
    }
    return 1;
}

/* ---- running checks ------------------------------------------------------------- */

static uint64_t hash_name(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (; *s != '\0'; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

static void run_one(const gr_options *opt, gr_ctx *ctx, const gr_check *ck, gr_test_result *tr)
{
    ctx->cx_check = ck;
    ctx->cx_failed = 0;
    gr_str_free(&ctx->cx_headline);
    gr_str_free(&ctx->cx_details);
    free(ctx->cx_server_stderr);
    ctx->cx_server_stderr = NULL;
    ctx->cx_server_stderr_len = ctx->cx_server_stderr_total = 0;
    ctx->cx_rng = opt->op_seed ^ hash_name(ck->ck_name);
    ctx->cx_port = pick_port();
    long started = gr_now_ms();
    ctx->cx_deadline = started + gr_ms(ctx, ck->ck_deadline_ms);

    if (ctx->cx_port < 0) {
        gr_fail(ctx, "grader could not find a free port: %s", strerror(errno));
    } else if (ck->ck_kind == GR_SERVER && !(ck->ck_flags & GR_OWN_SERVER)) {
        if (gr_server_start(ctx) == 0) {
            /* Startup time does not count against the check. */
            ctx->cx_deadline = gr_now_ms() + gr_ms(ctx, ck->ck_deadline_ms);
            ck->ck_run(ctx);
            if (!ctx->cx_failed) {
                gr_server_check_alive(ctx);
            }
        }
    } else {
        ck->ck_run(ctx);
    }
    /* A crash during the check is the most useful thing to report. A dying
     * process closes its sockets before its parent can see it exit, so after
     * a failure give it a moment to finish dying. */
    if (ctx->cx_server_running && ctx->cx_failed) {
        gr_proc_wait(&ctx->cx_server, gr_ms(ctx, 200));
    }
    char crash[192] = "";
    if (ctx->cx_server_running && gr_proc_exited(&ctx->cx_server) && ctx->cx_failed) {
        char how[128];
        gr_proc_describe(ctx->cx_server.pr_status, how, sizeof how);
        snprintf(crash, sizeof crash, "note: the server %s during this check\n", how);
    }
    release_server(ctx);
    if (ctx->cx_server_memory_killed) {
        if (!ctx->cx_failed) {
            gr_fail(ctx, "the server was stopped for using too much memory");
        }
        snprintf(crash, sizeof crash,
                 "note: the server was killed for using more than %ld MiB of memory\n",
                 gr_default_limits.lim_memory_bytes >> 20);
        ctx->cx_server_memory_killed = 0;
    }
    /* A sanitizer report fails the check even if the bytes were right:
     * the program was wrong, and lucky. */
    gr_str report = {0};
    const char *san = lab_sanitizers(opt->op_lab);
    int server_report = sanitizer_report(&report, "server", ctx->cx_server_stderr, san);
    if (server_report || sanitizer_report(&report, "client", ctx->cx_client_stderr, san)) {
        if (!ctx->cx_failed) {
            gr_fail(ctx, "a sanitizer (%s) reported an error",
                    strstr(san, "thread") != NULL ? "ThreadSanitizer or UBSan"
                                                  : "AddressSanitizer or UBSan");
        }
        gr_str_add(&ctx->cx_details, gr_str_cstr(&report));
    }
    gr_str_free(&report);
    free(ctx->cx_client_stderr);
    ctx->cx_client_stderr = NULL;
    drop_etc_dir(ctx);
    gr_result_init(tr, ck);
    tr->tr_seconds = (double)(gr_now_ms() - started) / 1000.0;
    gr_str out = {0};
    if (ctx->cx_failed) {
        tr->tr_status = GR_FAILED;
        tr->tr_score = 0;
        gr_str_addf(&out, "%s\n", gr_str_cstr(&ctx->cx_headline));
        gr_str_add(&out, crash);
        gr_str_add(&out, gr_str_cstr(&ctx->cx_details));
        /* The report already shows the server's last words that matter. */
        if (ctx->cx_server_stderr != NULL && !server_report) {
            add_tail(&out, "server stderr", ctx->cx_server_stderr, ctx->cx_server_stderr_len,
                     ctx->cx_server_stderr_total);
        }
        gr_str_addf(&out, "hint: %s\n", ck->ck_hint);
        gr_str_addf(&out, "replay: %s %s --seed %llu --only %s", opt->op_program,
                    opt->op_lab->lab_id, (unsigned long long)opt->op_seed, ck->ck_name);
        if (opt->op_target_args != NULL && *opt->op_target_args != '\0') {
            gr_str_addf(&out, " %s", opt->op_target_args);
        }
        gr_str_add(&out, "\n");
    } else {
        tr->tr_status = GR_PASSED;
        tr->tr_score = ck->ck_points;
        if (opt->op_verbose && ctx->cx_details.s_len > 0) {
            gr_str_add(&out, gr_str_cstr(&ctx->cx_details));
        }
    }
    tr->tr_output = gr_str_take(&out);
}

static void print_result(const gr_options *opt, const gr_test_result *tr)
{
    FILE *out = opt->op_progress;
    if (out == NULL) {
        return;
    }
    int pass = tr->tr_status == GR_PASSED;
    fprintf(out, "  %s%s%s  %-24s %3d/%-3d %s%5.2fs%s\n",
            color(opt, pass ? C_GREEN : C_RED), pass ? "PASS" : "FAIL", color(opt, C_RESET),
            tr->tr_name, tr->tr_score, tr->tr_max_score, color(opt, C_DIM), tr->tr_seconds,
            color(opt, C_RESET));
    if (*tr->tr_output != '\0') {
        print_indented(out, tr->tr_output, "        ");
    }
    fflush(out);
}

int gr_engine_run(const gr_options *opt, gr_run_result *result)
{
    const gr_lab *lab = opt->op_lab;
    memset(result, 0, sizeof *result);
    /* Checks that hold thousands of connections open need as many
     * descriptors in the grader: take the whole hard limit. */
    struct rlimit nofile;
    if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < nofile.rlim_max) {
        nofile.rlim_cur = nofile.rlim_max;
        setrlimit(RLIMIT_NOFILE, &nofile);
    }
    char dirname[128];
    gr_lab_dirname(lab, dirname, sizeof dirname);
    result->rr_lab = strdup(dirname);
    result->rr_seed = opt->op_seed;
    long run_started = gr_now_ms();

    /* Where the program under test lives and how it is started. */
    gr_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.cx_opt = opt;
    char *dir = NULL;
    gr_str target = {0};
    switch (opt->op_target) {
    case GR_TARGET_LAB:
    case GR_TARGET_SOLUTION: {
        const char *top = opt->op_target == GR_TARGET_LAB ? "labs" : "solutions";
        gr_str d = {0};
        gr_str_addf(&d, "%s/%s/%s", opt->op_root, top, dirname);
        dir = gr_str_take(&d);
        gr_str_addf(&target, "%s/%s", top, dirname);
        if (opt->op_target == GR_TARGET_SOLUTION && access(dir, F_OK) != 0) {
            /* A students' hand-out (make handout) leaves solutions/ out. */
            fprintf(stderr, "grade: the reference solutions are not part of this copy of socklab "
                            "(no %s/%s): --solution needs the full kit\n",
                    top, dirname);
            free(dir);
            gr_str_free(&target);
            free((char *)result->rr_lab);
            result->rr_lab = NULL;
            return -1;
        }
        break;
    }
    case GR_TARGET_DIR:
        dir = realpath(opt->op_dir, NULL);
        gr_str_add(&target, opt->op_dir);
        if (dir == NULL) {
            fprintf(stderr, "grade: cannot use directory %s: %s\n", opt->op_dir, strerror(errno));
            gr_str_free(&target);
            free((char *)result->rr_lab);
            result->rr_lab = NULL;
            return -1;
        }
        break;
    case GR_TARGET_SERVER:
        gr_str_addf(&target, "server command: %s", opt->op_command);
        break;
    case GR_TARGET_CLIENT:
        gr_str_addf(&target, "client command: %s", opt->op_command);
        break;
    }
    result->rr_target = gr_str_take(&target);
    ctx.cx_cwd = dir;
    if (dir == NULL) {
        /* A command runs where the grader was started. An unprivileged user
         * must be able to get there, or it runs as the grader's user; and a
         * private /tmp must not hide it. */
        char cwd[4096];
        int have_cwd = getcwd(cwd, sizeof cwd) != NULL;
        if (gr_sandbox_current()->sb_drop_user && (!have_cwd || !gr_sandbox_reachable(cwd))) {
            gr_sandbox_keep_user();
            fprintf(stderr, "grade: note: %s is not reachable by an unprivileged user, so the "
                            "command runs as the grader's user\n",
                    have_cwd ? cwd : "this directory");
        }
        if (!have_cwd || strncmp(cwd, "/tmp/", 5) == 0 || strcmp(cwd, "/tmp") == 0 ||
            strncmp(cwd, "/dev/shm/", 9) == 0) {
            gr_sandbox_shared_tmp();
        }
    }
    if (opt->op_target == GR_TARGET_SERVER) {
        ctx.cx_server_cmd = opt->op_command;
    } else if (opt->op_target == GR_TARGET_CLIENT) {
        ctx.cx_client_cmd = opt->op_command;
    } else {
        ctx.cx_server_cmd = lab->lab_server_cmd;
        ctx.cx_client_cmd = lab->lab_client_cmd;
    }

    FILE *out = opt->op_progress;
    if (out != NULL) {
        fprintf(out, "%ssocklab grader%s: lab %s (%s)\n", color(opt, C_BOLD), color(opt, C_RESET),
                dirname, lab->lab_title);
        fprintf(out, "target: %s\nseed:   %llu\n", result->rr_target,
                (unsigned long long)opt->op_seed);
        fflush(out);
    }

    /* Build first; a build failure fails every check, with the compiler's words. */
    char *build_log = NULL;
    size_t build_len = 0;
    int build_failed = 0;
    if (dir != NULL) {
        if (out != NULL) {
            fprintf(out, "building %s ...\n", result->rr_target);
            fflush(out);
        }
        char *workdir = NULL;
        int built = build_dir(opt, dir, &workdir, &build_log, &build_len);
        /* Run the programs where they were built: the scratch copy. */
        free(dir);
        dir = workdir;
        ctx.cx_cwd = dir;
        if (built < 0) {
            build_failed = 1;
            if (out != NULL) {
                fprintf(out, "%sbuild failed%s:\n", color(opt, C_RED), color(opt, C_RESET));
                print_indented(out, build_log != NULL ? build_log : "", "  | ");
            }
        }
    }

    enum { MAX_PLAN = 256 };
    const gr_check *plan[MAX_PLAN];
    int hidden = 0;
    int hidden_points = 0;
    size_t n = gr_plan(opt, plan, MAX_PLAN, &hidden, &hidden_points);
    result->rr_tests = calloc(n ? n : 1, sizeof *result->rr_tests);
    if (result->rr_tests == NULL) {
        fprintf(stderr, "grade: out of memory\n");
        free(dir);
        free(build_log);
        return -1;
    }

    int last_step = -1;
    for (size_t i = 0; i < n; i++) {
        const gr_check *ck = plan[i];
        int is_hidden = (ck->ck_flags & GR_HIDDEN) != 0;
        if (ck->ck_step != last_step && out != NULL) {
            const char *title = (size_t)ck->ck_step <= lab->lab_nsteps ? lab->lab_steps[ck->ck_step] : "";
            fprintf(out, "\n%sStep %d: %s%s%s\n", color(opt, C_BOLD), ck->ck_step, title,
                    is_hidden ? " (hidden checks)" : "", color(opt, C_RESET));
            last_step = ck->ck_step;
        }
        gr_test_result *tr = &result->rr_tests[result->rr_ntests++];
        if (build_failed) {
            gr_result_not_run(tr, ck,
                              "the build failed, so nothing could be run (see the compiler "
                              "output above)\n");
        } else {
            run_one(opt, &ctx, ck, tr);
        }
        result->rr_score += tr->tr_score;
        result->rr_max_score += tr->tr_max_score;
        print_result(opt, tr);
    }
    if (hidden > 0 && out != NULL) {
        fprintf(out, "\n%d hidden check%s (%d points) not shown: your instructor runs them when "
                     "grading.\n",
                hidden, hidden == 1 ? "" : "s", hidden_points);
    }
    if (build_failed && result->rr_ntests > 0 && build_log != NULL) {
        /* Put the compiler's words where JSON readers will see them. */
        gr_str s = {0};
        gr_str_add(&s, "the build failed:\n");
        gr_str_addn(&s, build_log, build_len);
        free(result->rr_tests[0].tr_output);
        result->rr_tests[0].tr_output = gr_str_take(&s);
    }
    result->rr_seconds = (double)(gr_now_ms() - run_started) / 1000.0;

    if (out != NULL) {
        int full = result->rr_score == result->rr_max_score;
        fprintf(out, "\n%sScore: %d/%d%s%s in %.1f s\n", color(opt, full ? C_GREEN : C_YELLOW),
                result->rr_score, result->rr_max_score, color(opt, C_RESET),
                full ? " - every check passed" : "", result->rr_seconds);
        if (!full) {
            fprintf(out, "To replay this run exactly: %s %s --seed %llu%s%s\n", opt->op_program,
                    lab->lab_id, (unsigned long long)opt->op_seed,
                    opt->op_target_args != NULL && *opt->op_target_args ? " " : "",
                    opt->op_target_args != NULL ? opt->op_target_args : "");
        }
        fflush(out);
    }

    gr_str_free(&ctx.cx_headline);
    gr_str_free(&ctx.cx_details);
    free(ctx.cx_server_stderr);
    free(ctx.cx_client_stderr);
    drop_etc_dir(&ctx);
    if (dir != NULL && (opt->op_target == GR_TARGET_LAB || opt->op_target == GR_TARGET_SOLUTION ||
                        opt->op_target == GR_TARGET_DIR)) {
        gr_sandbox_scratch_remove(dir);
    }
    free(dir);
    free(build_log);
    return 0;
}

/* A standalone context owns its options and a scratch string for reports. */
typedef struct standalone {
    gr_ctx sa_ctx;       /* first, so a gr_ctx pointer is a standalone pointer */
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
    gr_str_free(&sa->sa_report);
    free(sa);
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
