/* lab05.h - what the files of lab 05's checks share: the lab's constants,
 * helpers of more than one file, and each file's checks for the table in
 * lab.c. Private to this folder. */
#ifndef SOCKLAB_GRADER_LAB05_H
#define SOCKLAB_GRADER_LAB05_H

#include "kit/kit.h"

/* A connection closed by the server in the middle of an echo to a client
 * that reads slowly: a full buffer taken for the end (recv() asked for 0
 * bytes, or EAGAIN taken for an error). */
#define HINT_FULL_BUFFER                                                                           \
    "A full buffer is not the end of a connection: the server closed this one in the middle of "   \
    "the echo, to a client slow to read. In C: while a client's buffer is full, leave it "         \
    "out of the read set (a recv() of 0 bytes returns 0, which looks like end of file), and "      \
    "take EAGAIN from send() for \"later\", not an error. In Python: recv(0) returns b'' too; "    \
    "BlockingIOError is no error."

/* The call the check's server waits in, for messages. */
const char *lab05_wait_call(gr_ctx *ctx);

/* Sockets held by the server's process tree, or -1. */
int lab05_server_sockets(gr_ctx *ctx);

/* The server's listening socket, from /proc/net: its inode and how many
 * connections wait in its accept queue. Returns 0, or -1 if not found. */
int lab05_listener(gr_ctx *ctx, unsigned long *inode, long *queued);

/* After a failure: clients wait in the accept queue and none was accepted
 * since the server held base sockets. Says so, sets that hint; returns 1. */
int lab05_accept_cause(gr_ctx *ctx, int base);

/* Wait until the server holds at least want sockets (its listening socket
 * and the clients it accepted). Returns 0, or a failure. */
int lab05_wait_accepted(gr_ctx *ctx, int want, int clients, long deadline);

int lab05_check_10k(gr_ctx *ctx);
int lab05_check_clients_leave(gr_ctx *ctx);
int lab05_check_echo(gr_ctx *ctx);
int lab05_check_epoll_fd(gr_ctx *ctx);
int lab05_check_fd_churn(gr_ctx *ctx);
int lab05_check_idle_cpu(gr_ctx *ctx);
int lab05_check_interleaved(gr_ctx *ctx);
int lab05_check_nonblocking(gr_ctx *ctx);
int lab05_check_one_thread(gr_ctx *ctx);
int lab05_check_reset_pending(gr_ctx *ctx);
int lab05_check_slow_reader(gr_ctx *ctx);
int lab05_check_stalled_client(gr_ctx *ctx);

#endif
