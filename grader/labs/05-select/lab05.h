/* lab05.h - what the files of lab 05's checks share: the lab's constants,
 * helpers of more than one file, and each file's checks for the table in
 * lab.c. Private to this folder. */
#ifndef SOCKLAB_GRADER_LAB05_H
#define SOCKLAB_GRADER_LAB05_H

#include "kit/kit.h"

/* The call the check's server waits in, for messages. */
const char *lab05_wait_call(gr_ctx *ctx);

/* Sockets held by the server's process tree, or -1. */
int lab05_server_sockets(gr_ctx *ctx);

/* Wait until the server holds at least want sockets (its listening socket
 * and the clients it accepted). Returns 0, or a failure. */
int lab05_wait_accepted(gr_ctx *ctx, int want, int clients, long deadline);

int lab05_check_10k(gr_ctx *ctx);
int lab05_check_echo(gr_ctx *ctx);
int lab05_check_epoll_fd(gr_ctx *ctx);
int lab05_check_idle_cpu(gr_ctx *ctx);
int lab05_check_interleaved(gr_ctx *ctx);
int lab05_check_nonblocking(gr_ctx *ctx);
int lab05_check_one_thread(gr_ctx *ctx);
int lab05_check_reset_pending(gr_ctx *ctx);
int lab05_check_slow_reader(gr_ctx *ctx);
int lab05_check_stalled_client(gr_ctx *ctx);

#endif
