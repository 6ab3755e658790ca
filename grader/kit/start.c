/* start.c - the start-errors check (see kit.h): a server run with bad
 * command lines, and with its port in use, must exit with the guide's
 * status and say why on stderr, and with a valid one at the edge of the
 * rules (PORT 65535) it must listen.
 *
 * Every probe is one short run of the program: a correct server exits in
 * milliseconds, and one that serves anyway is seen listening and stopped
 * at once; only a server that hangs without listening costs a probe's
 * whole deadline. */
#include "kit/kit.h"

#include "os/proc.h"

#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Time a probe's server gets to exit, before scaling: as long as it gets to
 * listen (a runtime that takes 2 s to start must still pass). A server that
 * serves anyway is seen listening, and stopped, long before. */
#define EXIT_MS 10000
/* Time it gets to listen on a valid command line, before scaling (a
 * runtime that needs 2 s to start must still pass, as at every start). */
#define LISTEN_MS 10000
/* The largest port, a valid one. */
#define LAST_PORT 65535

/* Every server with a PORT argument: the rules of its PORT and its bind(). */
static const gr_start_probe port_probes[] = {
    {"", GR_START_USAGE, 0, "PORT left out"},
    {"''", GR_START_USAGE, 0, "an empty PORT"},
    {"80x", GR_START_USAGE, 0, "PORT 80x (letters after the digits)"},
    {"0", GR_START_USAGE, 0, "PORT 0 (ports run from 1 to 65535)"},
    {"65536", GR_START_USAGE, 0, "PORT 65536 (one past the largest port)"},
    {"{port} extra", GR_START_USAGE, 0, "an extra argument after PORT"},
    {"{port}", GR_START_IN_USE, 0, "its port already in use"},
    {"65535", GR_START_LISTENS, LAST_PORT, "PORT 65535 (the largest port)"},
};

static const char hint_status[] =
    "Exit statuses tell a script what went wrong: 2 for a usage error (an argument left out, "
    "one too many, or a bad PORT such as 80x, 0 or 65536), 1 when a valid command cannot start "
    "(its port is in use), each with a message on stderr. In C: check argc, convert PORT with "
    "strtol() and an end pointer, then fprintf(stderr, ...) and return 2 from main(). In "
    "Python: print the usage to stderr and sys.exit(2) (argparse exits 2 by itself).";

static const char hint_serves_anyway[] =
    "A bad PORT must be refused, not guessed at: the server went on with it (listening on a "
    "port of its own choosing, or still running). In C: "
    "atoi(\"80x\") is 80 and atoi(\"\") is 0 (then the kernel picks a port), and 65536 becomes "
    "0 in a uint16_t; use strtol(s, &end, 10) and refuse unless *end == '\\0' and 1 <= port <= "
    "65535, then exit 2. In Python: int(s) raises ValueError on \"80x\": catch it, check 1 <= "
    "port <= 65535, and sys.exit(2).";

static const char hint_crash[] =
    "Look at the command line before using it: the server crashed on this one. In C: check "
    "argc before reading argv[1] (past the last argument it is NULL), and print the usage and "
    "return 2. In Python: sys.argv[1] raises IndexError when it is missing: check "
    "len(sys.argv) first and sys.exit(2).";

static const char hint_bind[] =
    "A server that cannot bind its port cannot serve: it must say why on stderr and exit 1. In "
    "C: when bind() or listen() fails, perror(\"bind\") (\"Address already in use\") and "
    "exit(1); never go on (listen() on a socket that is not bound picks a port of its own). In "
    "Python: catch OSError around bind() and listen(), print it to stderr and sys.exit(1).";

static const char hint_range[] =
    "A range includes its ends, and a value at an end must be taken: the server refused the "
    "valid command line the first line names as a usage error. In C: test lo <= v && v <= hi "
    "on the long strtol() returned (port >= 1 && port <= 65535: a uint16_t holds 65535). In "
    "Python: lo <= v <= hi.";

static const char hint_listen[] =
    "A valid command line starts the server: it must listen on the PORT it is given, soon. In "
    "C: bind() the port from the command line (htons(port) in sin_port), then listen(). In "
    "Python: s.bind(('', port)) and s.listen() with port = int(sys.argv[...]).";

/* Bind @p fd, a socket of @p family, to @p port on every address of the
 * family (IPv6: IPv4 too, IPV6_V6ONLY off), and listen unless @p udp.
 * Returns 0, or -1 with errno set. */
static int bind_every_address(int fd, int family, int udp, int port)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    socklen_t len = sizeof(struct sockaddr_in);
    if (family == AF_INET6) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
        int off = 0;
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons((uint16_t)port);
        s6->sin6_addr = in6addr_any;
        len = sizeof *s6;
    } else {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
        s4->sin_family = AF_INET;
        s4->sin_port = htons((uint16_t)port);
        s4->sin_addr.s_addr = htonl(INADDR_ANY);
    }
    return bind(fd, (struct sockaddr *)&ss, len) < 0 || (!udp && listen(fd, 1) < 0) ? -1 : 0;
}

/* Hold @p port with a socket of the kind the server makes, on every IPv4
 * and IPv6 address (IPv4 alone where the sandbox has no IPv6), listening
 * for TCP, without SO_REUSEADDR: a server's bind() there fails with
 * EADDRINUSE whatever options and family it takes (SO_REUSEPORT aside).
 * Returns the socket, or -1 with errno set. */
static int hold_port(int udp, int port)
{
    static const int families[] = {AF_INET6, AF_INET};
    int saved = 0;
    for (size_t i = 0; i < sizeof families / sizeof families[0]; i++) {
        int fd = socket(families[i], (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
        if (fd >= 0 && bind_every_address(fd, families[i], udp, port) == 0) {
            return fd;
        }
        saved = errno;
        if (fd >= 0) {
            close(fd);
        }
        if (saved == EADDRINUSE) {
            break; /* taken: the other family cannot say otherwise */
        }
    }
    errno = saved;
    return -1;
}

/* @p words with "{port}" replaced by @p port, into @p out. */
static void words_with_port(const char *words, int port, gr_str *out)
{
    for (const char *p = words; *p != '\0';) {
        if (strncmp(p, "{port}", 6) == 0) {
            gr_str_addf(out, "%d", port);
            p += 6;
        } else {
            gr_str_addn(out, p, 1);
            p++;
        }
    }
}

/* The signal that ended the run (also when a shell reports it as 128 + N),
 * or 0. */
static int run_signal(const gr_client_run *run)
{
    if (WIFSIGNALED(run->cr_status)) {
        return WTERMSIG(run->cr_status);
    }
    int st = WIFEXITED(run->cr_status) ? WEXITSTATUS(run->cr_status) : 0;
    return st > 128 && st - 128 < NSIG ? st - 128 : 0;
}

/* Fail a probe whose server ended wrong: @p why, then how it ran. */
static int fail_probe(gr_ctx *ctx, const gr_start_probe *pr, const gr_client_run *run,
                      const char *hint, const char *why)
{
    gr_fail(ctx, "with %s, %s", pr->sp_what, why);
    gr_hint(ctx, "%s", hint);
    gr_client_describe(ctx, run);
    return -1;
}

/* Hold the run of probe @p pr, which must exit with @p want (2 or 1) and a
 * message, to it; @p udp: the server binds UDP, for messages. */
static int expect_exit(gr_ctx *ctx, const gr_start_probe *pr, const gr_client_run *run, int want,
                       int udp)
{
    const char *hint = want == 2 ? hint_status : hint_bind;
    int sig = run_signal(run);
    char why[256];
    if (run->cr_ready > 0 || run->cr_timed_out) {
        if (run->cr_ready > 0) {
            snprintf(why, sizeof why, "the server %s port %d instead of exiting %d",
                     udp ? "was bound to" : "listened on", run->cr_ready, want);
        } else {
            snprintf(why, sizeof why,
                     "the server was still running after %.1f s instead of "
                     "exiting %d",
                     (double)run->cr_ms / 1000.0, want);
        }
        return fail_probe(ctx, pr, run, want == 2 ? hint_serves_anyway : hint_bind, why);
    }
    if (sig != 0) {
        snprintf(why, sizeof why, "the server was killed by SIG%s instead of exiting %d",
                 sigabbrev_np(sig) != NULL ? sigabbrev_np(sig) : "?", want);
        return fail_probe(ctx, pr, run, want == 2 ? hint_crash : hint, why);
    }
    int status = WEXITSTATUS(run->cr_status);
    if (status != want) {
        snprintf(why, sizeof why, "the server exited with status %d; it should exit %d (%s)",
                 status, want, want == 2 ? "a usage error" : "it cannot start");
        return fail_probe(ctx, pr, run, status == 0 && want == 1 ? hint_bind : hint_status, why);
    }
    if (strspn(run->cr_stderr, " \t\r\n") == run->cr_stderr_len) {
        snprintf(why, sizeof why, "the server exited %d but said nothing on stderr", want);
        return fail_probe(ctx, pr, run, hint, why);
    }
    return 0;
}

/* Hold the run of a valid command line to listening on its port. */
static int expect_listens(gr_ctx *ctx, const gr_start_probe *pr, const gr_client_run *run, int port)
{
    if (run->cr_ready) {
        return 0;
    }
    char why[256];
    if (run->cr_timed_out) {
        snprintf(why, sizeof why, "the server did not listen on port %d within %.1f s", port,
                 (double)run->cr_ms / 1000.0);
        return fail_probe(ctx, pr, run, hint_listen, why);
    }
    int usage = run_signal(run) == 0 && WEXITSTATUS(run->cr_status) == 2;
    char how[128];
    snprintf(
        why, sizeof why, "a valid command line, the server %s%s instead of listening on port %d",
        gr_proc_describe(run->cr_status, how, sizeof how), usage ? " (a usage error)" : "", port);
    return fail_probe(ctx, pr, run, usage ? hint_range : hint_listen, why);
}

/* Is @p port taken here (by a program outside this run, when the run has no
 * network namespace of its own)? */
static int port_taken(int udp, int port)
{
    int fd = hold_port(udp, port);
    if (fd < 0) {
        return 1;
    }
    close(fd);
    return 0;
}

/* Judge the run of probe @p pr (watched on @p ready_port). */
static int judge(gr_ctx *ctx, const gr_start_probe *pr, const gr_client_run *run, int ready_port,
                 int udp)
{
    if (pr->sp_want != GR_START_LISTENS) {
        return expect_exit(ctx, pr, run, pr->sp_want == GR_START_USAGE ? 2 : 1, udp);
    }
    /* Another program took the port between our look and its bind(). */
    if (!run->cr_ready && gr_exited_nonzero(run) && WEXITSTATUS(run->cr_status) == 1 &&
        port_taken(udp, ready_port)) {
        gr_verbose(ctx, "port %d was taken meanwhile: probe '%s' skipped", ready_port,
                   pr->sp_words);
        return 0;
    }
    return expect_listens(ctx, pr, run, ready_port);
}

/* Run probe @p pr: hold its port when it says so, run the server, judge. */
static int run_probe(gr_ctx *ctx, const gr_start_probe *pr, int udp)
{
    int port = gr_port(ctx);
    int ready_port = GR_ANY_PORT; /* serving anyway stops it at once */
    if (pr->sp_want == GR_START_LISTENS) {
        ready_port = pr->sp_port > 0 ? pr->sp_port : port;
        if (port_taken(udp, ready_port)) { /* this probe cannot tell */
            gr_verbose(ctx, "port %d is in use here: probe '%s' skipped", ready_port, pr->sp_words);
            return 0;
        }
    }
    int held = pr->sp_want == GR_START_IN_USE ? hold_port(udp, port) : -1;
    if (pr->sp_want == GR_START_IN_USE && held < 0) {
        return gr_fail(ctx, "grader could not hold port %d: %s", port, strerror(errno));
    }
    gr_str words = {0};
    words_with_port(pr->sp_words, port, &words);
    int ms = gr_ms(ctx, pr->sp_want == GR_START_LISTENS ? LISTEN_MS : EXIT_MS);
    gr_client_run run;
    int rc = gr_server_run_args(ctx, gr_str_cstr(&words), ready_port,
                                ms < gr_time_left(ctx) ? ms : gr_time_left(ctx), &run);
    gr_str_free(&words);
    if (held >= 0) {
        close(held);
    }
    rc = rc == 0 ? judge(ctx, pr, &run, ready_port, udp) : rc;
    if (rc < 0 && held >= 0) {
        gr_str_addf(gr_details(ctx), "(the grader held port %d: a socket %s on every address)\n",
                    port, udp ? "bound to it" : "listening on it");
    }
    gr_client_run_free(&run);
    return rc;
}

/* Run DOCROOT probe @p dp: a valid PORT, {docroot} a path under the
 * document root. */
static int run_docroot_probe(gr_ctx *ctx, const gr_docroot_probe *dp, int udp)
{
    const char *root = gr_docroot(ctx);
    if (root == NULL) {
        return -1;
    }
    gr_str path = {0};
    gr_str_addf(&path, "%s/%s", root, dp->dp_name);
    gr_start_probe pr = {"{port}", dp->dp_want, 0, dp->dp_what};
    int rc = gr_docroot_instead(ctx, gr_str_cstr(&path));
    rc = rc == 0 ? run_probe(ctx, &pr, udp) : rc;
    if (rc != 0 && dp->dp_want == GR_START_USAGE) {
        gr_hint(ctx, "DOCROOT is checked before the server listens: a path that is not an "
                     "existing directory is a usage error, exit 2 with a message naming it, "
                     "rather than a server that answers 404 to everything. In C: stat() it and "
                     "test S_ISDIR(st.st_mode) (stat() does not open it, so a FIFO cannot "
                     "block). In Python: os.path.isdir(path), else print to stderr and "
                     "sys.exit(2).");
    }
    gr_str_free(&path);
    int back = gr_docroot_instead(ctx, NULL);
    return rc != 0 ? rc : back;
}

const gr_start_rules gr_start_tcp = {.sr_udp = 0};
const gr_start_rules gr_start_udp = {.sr_udp = 1};

int gr_check_start_errors(gr_ctx *ctx)
{
    const gr_start_rules *rules = gr_arg(ctx);
    if (rules == NULL) {
        return gr_fail(ctx, "grader: a start-errors check without its gr_start_rules");
    }
    size_t nport = sizeof port_probes / sizeof port_probes[0];
    for (size_t i = 0; i < nport; i++) {
        const gr_start_probe *pr = &port_probes[i];
        if (rules->sr_port_zero && strcmp(pr->sp_words, "0") == 0) {
            continue;
        }
        if (run_probe(ctx, pr, rules->sr_udp) < 0) {
            return -1;
        }
    }
    for (size_t i = 0; i < rules->sr_n; i++) {
        if (run_probe(ctx, &rules->sr_probes[i], rules->sr_udp) < 0) {
            return -1;
        }
    }
    for (size_t i = 0; i < rules->sr_ndocroots; i++) {
        if (run_docroot_probe(ctx, &rules->sr_docroots[i], rules->sr_udp) < 0) {
            return -1;
        }
    }
    return 0;
}
