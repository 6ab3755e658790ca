/**
 * @file echo_app.h
 * @brief What the three echo programs (tcp_echo, udp_echo,
 * unix_echo) share: their command line, the echo handler and the server's
 * hooks on the framework, and the signals that stop the server. Program
 * code: it prints its messages, and main() decides the exit status.
 */
#ifndef LAB07_ECHO_APP_H
#define LAB07_ECHO_APP_H

#include "socketserver.h"

/** The most --allow and --deny options. */
#define ECHO_RULES 8

/** What the command line said. */
typedef struct echo_opts {
    const char *eo_prog;           /**< "tcp_echo", for messages */
    ss_kind eo_kind;               /**< TCP, UDP, or a Unix kind (--dgram) */
    ss_strategy eo_strategy;       /**< --strategy */
    int eo_threads;                /**< --threads */
    int eo_queue;                  /**< --queue */
    int eo_poll_ms;                /**< --poll-interval */
    const char *eo_host;           /**< --host, or NULL */
    int eo_port;                   /**< TCP, UDP: the port */
    const char *eo_path;           /**< Unix: the path or @name */
    char eo_allow[ECHO_RULES][64]; /**< --allow, as inet_ntop() writes them */
    int eo_nallow;                 /**< how many */
    char eo_deny[ECHO_RULES][64];  /**< --deny */
    int eo_ndeny;                  /**< how many */
} echo_opts;

/** Parse the command line of a program serving @p kind (for unix_echo,
 * SS_UNIX_STREAM; --dgram makes it SS_UNIX_DGRAM). Returns 0, 1 after
 * --help (printed), or -1 after a usage message on stderr. */
int echo_parse(int argc, char **argv, ss_kind kind, echo_opts *o);

/** The framework's configuration for these options: kind, strategy, pool,
 * the echo handler and hooks, the address. */
ss_config echo_config(const echo_opts *o);

/** Serve until SIGTERM or SIGINT, then close the server (waiting for the
 * requests in flight). Returns the exit status: 0, or 1 after a message. */
int echo_run(ss_server *srv, const echo_opts *o);

#endif
