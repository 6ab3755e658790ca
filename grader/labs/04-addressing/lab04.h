/* lab04.h - what the files of lab 04's checks share: the lab's constants,
 * helpers of more than one file, and each file's checks for the table in
 * lab.c. Private to this folder. */
#ifndef SOCKLAB_GRADER_LAB04_H
#define SOCKLAB_GRADER_LAB04_H

#include "kit/kit.h"

/* The Unix socket path the grader gives the server, in its directory. */
#define SOCK_NAME "echo.sock"
/* How long a server gets to create its Unix socket after it listens on TCP. */
#define UNIX_READY_MS 5000
/* How long the server gets to print a connection's log line. */
#define LOG_MS 3000
/* Most addresses a hostinfo line set may hold. */
#define MAX_ADDRS 64

/* The hints of ipv4-echo and ipv6-echo, which peer-log gives too when the
 * same client cannot connect. */
#define HINT_IPV4                                                                                  \
    "One IPv6 socket can serve IPv4 clients too, as IPv4-mapped addresses "                        \
    "(::ffff:127.0.0.1). In C: socket(AF_INET6, ...), setsockopt(IPPROTO_IPV6, "                   \
    "IPV6_V6ONLY, 0) before bind() to in6addr_any: the default may be 1. In Python: "              \
    "s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0) before s.bind(('::', port))."
#define HINT_IPV6                                                                                  \
    "An AF_INET socket reaches IPv4 only: IPv6 clients need an AF_INET6 socket. In C: bind "       \
    "an AF_INET6 socket to in6addr_any with IPV6_V6ONLY off (or listen on two sockets, one "       \
    "per family, both in your poll() set). In Python: socket.socket(socket.AF_INET6), "            \
    "IPV6_V6ONLY 0, s.bind(('::', port))."

/* Run PROGRAM ARGS (ARGS already quoted) for at most ms (scaled). */
int lab04_run_prog(gr_ctx *ctx, const char *prog, const char *args, int ms, gr_client_run *r);

/* Run PROG ARGS and hold it to the guide's exit status: 0 for --help (the
 * usage on stdout), 2 for a usage error, 1 for another error (nothing on
 * stdout, a message on stderr). Returns 0, or a failure. */
int lab04_expect_status(gr_ctx *ctx, const char *prog, const char *args, const char *what,
                        int want_status, int ms);

/* Say how a run ended, with its stdout and stderr. */
void lab04_describe_run(gr_ctx *ctx, const gr_client_run *r);

int lab04_check_hostinfo_errors(gr_ctx *ctx);
int lab04_check_hostinfo_forward(gr_ctx *ctx);
int lab04_check_hostinfo_reverse(gr_ctx *ctx);
int lab04_check_ipv4_echo(gr_ctx *ctx);
int lab04_check_ipv6_echo(gr_ctx *ctx);
int lab04_check_peer_log(gr_ctx *ctx);
int lab04_check_scan_bad_args(gr_ctx *ctx);
int lab04_check_scan_concurrent(gr_ctx *ctx);
int lab04_check_scan_large_range(gr_ctx *ctx);
int lab04_check_scan_no_answer(gr_ctx *ctx);
int lab04_check_scan_open(gr_ctx *ctx);
int lab04_check_sockopts(gr_ctx *ctx);
int lab04_check_sockopts_args(gr_ctx *ctx);
int lab04_check_unix_cleanup(gr_ctx *ctx);
int lab04_check_unix_echo(gr_ctx *ctx);
int lab04_check_unix_stale(gr_ctx *ctx);

#endif
