/* lab07.h - what the files of lab 07's checks share: the lab's constants,
 * the helpers of more than one file, and each file's checks for the table
 * in lab.c. Private to this folder. */
#ifndef SOCKLAB_GRADER_LAB07_H
#define SOCKLAB_GRADER_LAB07_H

#include "kit/kit.h"

#include <sys/un.h>

/* The pool the pool checks start (--threads, --queue). */
#define POOL_THREADS 4
#define POOL_QUEUE 4
/* The largest datagram the guide promises to echo whole. */
#define DGRAM_LIMIT 8192
/* The addresses the allow/deny checks connect from (all of 127/8 is
 * loopback on Linux): the refused one, and its neighbour just outside the
 * rule. */
#define DENIED_ADDR "127.0.0.2"
#define OTHER_ADDR "127.0.0.3"

/* The Unix server's address: the abstract name {unix} stands for
 * (GR_UNIX_NAME), with the check's port; *name is how messages write it. */
socklen_t lab07_unix_addr(gr_ctx *ctx, struct sockaddr_un *sun, char *name, size_t len);

/* Connect to the server under test from the local address @p from
 * (NULL: any), with TCP_NODELAY. Returns 0 or gr_fail()'s value. */
int lab07_connect_from(gr_ctx *ctx, gr_conn *c, const char *label, const char *from);

/* n clients connect in order; client 1 stops in the middle of a request,
 * the others are served in reverse order, then client 1 finishes; each
 * closes its side and must see the server close. */
int lab07_served_out_of_order(gr_ctx *ctx, size_t n);

/* What /proc says of the server's process tree. Returns 0 or gr_fail(). */
int lab07_stats(gr_ctx *ctx, gr_tree_stats *st);

int lab07_check_tcp_accepts(gr_ctx *ctx);
int lab07_check_reuse_address(gr_ctx *ctx);
int lab07_check_tcp_echo(gr_ctx *ctx);
int lab07_check_sync_in_turn(gr_ctx *ctx);
int lab07_check_udp_echo(gr_ctx *ctx);
int lab07_check_unix_stream_echo(gr_ctx *ctx);
int lab07_check_unix_dgram_echo(gr_ctx *ctx);
int lab07_check_verify_deny(gr_ctx *ctx);
int lab07_check_verify_allow(gr_ctx *ctx);
int lab07_check_verify_udp(gr_ctx *ctx);
int lab07_check_error_goes_on(gr_ctx *ctx);
int lab07_check_interleave(gr_ctx *ctx);
int lab07_check_fork_children(gr_ctx *ctx);
int lab07_check_fork_zombies(gr_ctx *ctx);
int lab07_check_sigterm_idle(gr_ctx *ctx);
int lab07_check_sigterm_drains(gr_ctx *ctx);
int lab07_check_fds_constant(gr_ctx *ctx);
int lab07_check_pool_busy(gr_ctx *ctx);
int lab07_check_pool_threads(gr_ctx *ctx);

#endif
