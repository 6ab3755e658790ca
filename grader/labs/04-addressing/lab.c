/* lab.c - checks for Lab 04: addressing, socket options and a port scanner.
 *
 * The lab has four programs. hostinfo and sockopts are graded against what
 * the grader itself gets from the same resolver and the same kernel, so a
 * check never depends on this machine's /etc/hosts or sysctls, only on the
 * program telling the truth about them. echo_dual is a server, reached over
 * IPv4, IPv6 and a Unix domain socket. portscan is graded against listeners
 * the grader opens on a seeded set of ports: some accept, some have a full
 * accept queue (a connect there hangs, like a port behind a firewall that
 * drops packets), the rest are closed.
 *
 * Every check is about the protocol and the bug it targets: a correct
 * program in any language passes. */
#include "addr.h"
#include "lab04.h"

#include <string.h>
#include <sys/wait.h>

/* ---- running the lab's programs --------------------------------------------- */

/* Run PROGRAM ARGS (ARGS already quoted) for at most ms (scaled). */
int lab04_run_prog(gr_ctx *ctx, const char *prog, const char *args, int ms, gr_client_run *r)
{
    return gr_client_run_args(ctx, prog, args, gr_ms(ctx, ms), r);
}

/* Say how a run ended, with its stdout and stderr. */
void lab04_describe_run(gr_ctx *ctx, const gr_client_run *r)
{
    gr_client_describe(ctx, r);
    gr_show_text(ctx, "its stdout", r->cr_stdout, 30);
}

/* The guide's rules for every program's arguments: --help prints the usage
 * on stdout and exits 0; a usage error says so on stderr, prints nothing
 * on stdout, and exits 2. Runs PROG ARGS and holds it to @p want_status
 * (0: --help; 2: a usage error; 1: a resolver error, also silent on
 * stdout). @p what names the case for messages. Returns 0, or a failure. */
int lab04_expect_status(gr_ctx *ctx, const char *prog, const char *args, const char *what,
                        int want_status, int ms)
{
    gr_client_run r;
    if (lab04_run_prog(ctx, prog, args, ms, &r) < 0) {
        return -1;
    }
    int rc = 0;
    int status = WIFEXITED(r.cr_status) && !r.cr_timed_out ? WEXITSTATUS(r.cr_status) : -1;
    int blank_out = strspn(r.cr_stdout, " \t\r\n") == r.cr_stdout_len;
    if (want_status == 0) {
        if (status != 0 || strcasestr(r.cr_stdout, "usage") == NULL) {
            rc = gr_fail(ctx, "%s %s (%s) should print its usage on stdout and exit 0", prog, args,
                         what);
        }
    } else if (status != want_status) {
        rc = gr_fail(ctx, "%s %s (%s) should exit with status %d%s; it %s %d", prog, args, what,
                     want_status,
                     want_status == 2 ? ", the status of a usage error"
                                      : ", the status of an error that is not the user's typing",
                     status < 0 ? "ended without an exit status," : "exited with", status);
    } else if (!blank_out) {
        rc = gr_fail(ctx,
                     "%s %s (%s) printed on stdout: stdout is for results, messages go to "
                     "stderr",
                     prog, args, what);
    } else if (r.cr_stderr_len == 0) {
        rc = gr_fail(ctx, "%s %s (%s) exited without saying what was wrong on stderr", prog, args,
                     what);
    }
    if (rc < 0) {
        gr_hint(ctx, "The exit status tells a script what happened: 0 done (--help included, "
                     "with the usage on stdout), 2 a usage error (the command line was wrong), "
                     "1 anything else (a resolver error, a failed socket call); messages on "
                     "stderr, nothing on stdout. In C: return 2 from main() after printing the "
                     "usage to stderr. In Python: sys.exit(2), or argparse, which exits 2.");
        lab04_describe_run(ctx, &r);
    }
    gr_client_run_free(&r);
    return rc;
}

/* ---- the lab ------------------------------------------------------------------ */

static const char *const steps[] = {
    "",
    "resolve a name",
    "reverse lookups and resolver errors",
    "one server for IPv4 and IPv6",
    "a Unix domain socket",
    "socket options",
    "a concurrent port scanner",
};

static const gr_check checks[] = {
    {.ck_name = "hostinfo-forward",
     .ck_step = 1,
     .ck_kind = GR_CLIENT,
     .ck_points = 9,
     .ck_deadline_ms = 90000,
     .ck_summary =
         "hostinfo prints every IPv4 and IPv6 address of a name once, and its canonical name",
     .ck_hint =
         "A name can have several addresses of both families: ask for all and print each once. "
         "In C: getaddrinfo() with hints.ai_family = AF_UNSPEC, ai_socktype = SOCK_STREAM (one "
         "entry per address) and AI_CANONNAME, then walk the whole ai_next list. In Python: "
         "socket.getaddrinfo(name, None, socket.AF_UNSPEC, socket.SOCK_STREAM, 0, "
         "socket.AI_CANONNAME).",
     .ck_run = lab04_check_hostinfo_forward},
    {.ck_name = "hostinfo-reverse",
     .ck_step = 2,
     .ck_kind = GR_CLIENT,
     .ck_points = 6,
     .ck_deadline_ms = 60000,
     .ck_summary =
         "hostinfo prints each address's reverse name from getnameinfo(), or - when there is none",
     .ck_hint =
         "A reverse lookup may find no name, and that must show: print - then. In C: "
         "getnameinfo() with NI_NAMEREQD fails when no name is registered; without it you get the "
         "number back and cannot tell. In Python: socket.gethostbyaddr(address)[0], and - when it "
         "raises socket.herror.",
     .ck_run = lab04_check_hostinfo_reverse},
    {.ck_name = "hostinfo-errors",
     .ck_step = 2,
     .ck_kind = GR_CLIENT,
     .ck_points = 6,
     .ck_deadline_ms = 40000,
     .ck_summary =
         "an unknown name: gai_strerror()'s message, exit 1; usage errors exit 2; --help 0",
     .ck_hint =
         "Resolver errors have codes of their own, not errno. In C: getaddrinfo() returns an "
         "EAI_* code: print \"hostinfo: NAME: \" and gai_strerror(code) on stderr and exit 1; "
         "perror() would print an unrelated errno. In Python: catch socket.gaierror as e and "
         "print e.strerror with the name to sys.stderr.",
     .ck_run = lab04_check_hostinfo_errors},
    {.ck_name = "ipv4-echo",
     .ck_step = 3,
     .ck_kind = GR_SERVER,
     .ck_points = 6,
     .ck_deadline_ms = 10000,
     .ck_flags = GR_OWN_SERVER,
     .ck_summary = "the server echoes to a client connecting over IPv4 (127.0.0.1)",
     .ck_hint = HINT_IPV4,
     .ck_run = lab04_check_ipv4_echo},
    {.ck_name = "ipv6-echo",
     .ck_step = 3,
     .ck_kind = GR_SERVER,
     .ck_points = 7,
     .ck_deadline_ms = 10000,
     .ck_flags = GR_OWN_SERVER,
     .ck_summary =
         "the same server, on the same port, echoes to a client connecting over IPv6 (::1)",
     .ck_hint = HINT_IPV6,
     .ck_run = lab04_check_ipv6_echo},
    {.ck_name = "peer-log",
     .ck_step = 3,
     .ck_kind = GR_SERVER,
     .ck_points = 6,
     .ck_deadline_ms = 15000,
     .ck_flags = GR_OWN_SERVER,
     .ck_summary = "each connection is logged with the peer's address and port, as it happens",
     .ck_hint =
         "Each connection is logged with the client's address and port, as it happens. In C: "
         "getpeername() on the accepted socket (not the listener), inet_ntop() and "
         "ntohs(port), then fflush(stdout): stdout to a pipe is block-buffered. In Python: conn, "
         "addr = s.accept(); print(addr[0], addr[1], flush=True).",
     .ck_run = lab04_check_peer_log},
    {.ck_name = "start-errors",
     .ck_step = 3,
     .ck_points = 3,
     .ck_summary = GR_START_ERRORS_SUMMARY,
     GR_START_ERRORS_CHECK,
     .ck_arg = &gr_start_tcp},
    {.ck_name = "unix-echo",
     .ck_step = 4,
     .ck_kind = GR_SERVER,
     .ck_points = 7,
     .ck_deadline_ms = 10000,
     .ck_flags = GR_OWN_SERVER,
     .ck_summary =
         "the same echo service answers on the Unix domain socket given as second argument",
     .ck_hint =
         "A Unix domain socket is a listening socket with a file name for its address. In C: "
         "socket(AF_UNIX, SOCK_STREAM, 0), a struct sockaddr_un with the path in sun_path (108 "
         "bytes, NUL included), bind(), listen(), and the same accept loop as TCP, polled "
         "together. "
         "In Python: socket.socket(socket.AF_UNIX), s.bind(path), s.listen().",
     .ck_run = lab04_check_unix_echo},
    {.ck_name = "unix-cleanup",
     .ck_step = 4,
     .ck_kind = GR_SERVER,
     .ck_points = 5,
     .ck_deadline_ms = 10000,
     .ck_flags = GR_OWN_SERVER,
     .ck_summary = "after SIGTERM the server removes its socket file",
     .ck_hint =
         "A Unix socket's file outlives the socket: the server removes it when it stops. In C: "
         "catch SIGTERM and SIGINT with sigaction() (a flag, no SA_RESTART, so poll() returns "
         "EINTR), leave the loop, unlink() the path and exit. In Python: signal.signal(SIGTERM, "
         "handler) that ends the loop, then os.unlink(path).",
     .ck_run = lab04_check_unix_cleanup},
    {.ck_name = "unix-stale",
     .ck_step = 4,
     .ck_kind = GR_SERVER,
     .ck_points = 5,
     .ck_deadline_ms = 10000,
     .ck_flags = GR_OWN_SERVER,
     .ck_summary = "the server starts even when a dead server's socket file is still at the path",
     .ck_hint =
         "A socket file nobody serves is stale and may be replaced; a live one may not. In C: "
         "when bind() fails with EADDRINUSE and the path is a socket whose connect() is refused, "
         "unlink() it and bind again; never remove a live socket or another kind of file. In "
         "Python: the same with os.stat(), stat.S_ISSOCK() and a test connect().",
     .ck_run = lab04_check_unix_stale},
    {.ck_name = "sockopts",
     .ck_step = 5,
     .ck_kind = GR_CLIENT,
     .ck_points = 5,
     .ck_deadline_ms = 15000,
     .ck_summary =
         "sockopts prints each option's default, the value asked and what the kernel reports after",
     .ck_hint =
         "The kernel decides what an option's value is: read it back. In C: getsockopt() after "
         "setsockopt(); Linux doubles SO_RCVBUF and SO_SNDBUF and caps them at net.core.rmem_max "
         "and wmem_max (socket(7)); flags read back as non-zero. In Python: "
         "s.getsockopt(level, name) after s.setsockopt().",
     .ck_run = lab04_check_sockopts},
    {.ck_name = "sockopts-args",
     .ck_step = 5,
     .ck_kind = GR_CLIENT,
     .ck_points = 3,
     .ck_deadline_ms = 20000,
     .ck_summary = "sizes 1 and 1073741824 are taken, 0, 1073741825 and junk are usage errors",
     .ck_hint = "Check every argument against the guide's limits, both ends included. In C: "
                "strtol(), then end != text, *end == '\\0' and 1 <= n <= 1073741824, else the "
                "usage on stderr and exit 2. In Python: int(text) in a try, a range check, "
                "sys.exit(2).",
     .ck_run = lab04_check_sockopts_args},

    {.ck_name = "scan-open",
     .ck_step = 6,
     .ck_kind = GR_CLIENT,
     .ck_points = 8,
     .ck_deadline_ms = 15000,
     .ck_summary = "portscan reports exactly the ports that accept connections, in ascending order",
     .ck_hint =
         "Writable alone does not mean connected: a refused connect() ends writable too. In C: a "
         "non-blocking connect() returns EINPROGRESS; when poll() says POLLOUT, read SO_ERROR: 0 "
         "is open, ECONNREFUSED closed. In Python: connect_ex() returns that errno; 0 is open.",
     .ck_run = lab04_check_scan_open},
    {.ck_name = "scan-no-answer",
     .ck_step = 6,
     .ck_kind = GR_CLIENT,
     .ck_points = 8,
     .ck_deadline_ms = 15000,
     .ck_summary = "ports whose connects hang are given up after --timeout and not reported open",
     .ck_hint =
         "A port may never answer: each attempt needs a deadline. In C: give each probe a "
         "deadline (start + --timeout), and close it when it passes without an answer; it is not "
         "open. In Python: s.settimeout(timeout) before connect_ex(), or a selectors loop with "
         "deadlines.",
     .ck_run = lab04_check_scan_no_answer},
    {.ck_name = "scan-concurrent",
     .ck_step = 6,
     .ck_kind = GR_CLIENT,
     .ck_points = 8,
     .ck_deadline_ms = 15000,
     .ck_summary =
         "many connects are in flight at once: 20 silent ports cost about one timeout, not twenty",
     .ck_hint =
         "Many connects in flight at once: 20 silent ports cost one timeout, not twenty. In C: "
         "up to --parallel non-blocking connects, all in one poll() whose timeout is the "
         "earliest deadline. In Python: a blocking connect_ex() with settimeout() waits the "
         "whole timeout for each silent port; use non-blocking sockets and selectors.",
     .ck_run = lab04_check_scan_concurrent},
    {.ck_name = "scan-large-range",
     .ck_step = 6,
     .ck_kind = GR_CLIENT,
     .ck_points = 4,
     .ck_deadline_ms = 45000,
     .ck_summary = "5000 ports scan under a 4096 open-files limit",
     .ck_hint =
         "Descriptors are limited: close each socket as soon as its port is decided. In C: "
         "never have more in flight than --parallel (and RLIMIT_NOFILE) allows; EMFILE is a "
         "scanner bug, not a closed port. In Python: s.close() for every attempt, and no bare "
         "except: that turns \"Too many open files\" into \"closed\".",
     .ck_run = lab04_check_scan_large_range},
    {.ck_name = "scan-bad-args",
     .ck_step = 6,
     .ck_kind = GR_CLIENT,
     .ck_points = 4,
     .ck_deadline_ms = 90000,
     .ck_summary =
         "limits probed at both ends: usage errors exit 2, an unknown host 1, nothing on stdout",
     .ck_hint =
         "Check every argument before scanning: a bad one is a message and an exit status. In "
         "C: ports are whole numbers 1 to 65535 (strtol() with an end pointer), FIRST <= LAST, "
         "--timeout and --parallel positive: message on stderr, nothing on stdout, exit 2; a "
         "resolver error: gai_strerror(), exit 1. In Python: the same checks and sys.exit().",
     .ck_run = lab04_check_scan_bad_args},
};

const gr_lab gr_lab04 = {
    .lab_id = "04",
    .lab_name = "addressing",
    .lab_title = "addressing, options and a port scanner",
    .lab_server_cmd = "./echo_dual {port} " SOCK_NAME,
    /* The client checks run ./hostinfo, ./sockopts and ./portscan with their own
     * arguments (gr_client_run_args); --client 'CMD' stands in for one of them. */
    .lab_client_cmd = "./portscan",
    .lab_steps = steps,
    .lab_nsteps = sizeof steps / sizeof steps[0] - 1,
    .lab_checks = checks,
    .lab_nchecks = sizeof checks / sizeof checks[0],
    .lab_hidden = NULL,
    .lab_udp = 0,
};
