/* lab06.h - what the files of lab 06's checks share: the lab's constants,
 * helpers of more than one file, and each file's checks for the table in
 * lab.c. Private to this folder. */
#ifndef SOCKLAB_GRADER_LAB06_H
#define SOCKLAB_GRADER_LAB06_H

#include "kit/kit.h"

/* The protocol's limits (README.md). */
#define LINE_MAX_LEN 1000
#define QUEUE_MAX (256 * 1024)
/* The pool server's size. */
#define WORKERS 8
#define POOL_QUEUE 16

/* One member's part in a scene (chat.c): what it sends (NULL: nothing) and
 * exactly what it must receive meanwhile (NULL: nothing). */
typedef struct part {
    gr_conn *p_conn;
    const char *p_out;
    const char *p_want;
} part;

/* Play a scene: all parts at once, until every member got what it expects.
 * Returns 0, or gr_fail()'s value with the transcript of the member that
 * did not get it. */
int lab06_scene(gr_ctx *ctx, const char *what, const part *parts, size_t n);

/* Connect a member and give its name: it must get "OK NAME"; the members in
 * others[0..nothers) must get "* NAME joined". */
int lab06_join(gr_ctx *ctx, gr_conn *c, const char *name, gr_conn *const *others, size_t nothers);

/* After a failed chat check: a server that ended says how (SIGPIPE, an
 * exit status); sets that hint. */
void lab06_server_cause(gr_ctx *ctx);

/* The hint of chat-slow-flows, which chat-slow-dropped gives too when the
 * room froze before anyone could be dropped. */
#define HINT_SLOW_FLOWS                                                                            \
    "A member who does not read must not stop the others: never call a send() that can block "     \
    "while holding the room's lock, or in the thread of the member who is talking. In C: queue "   \
    "the line for that member; its own writer thread waits in send() instead. In Python: a "       \
    "queue.Queue and a writer thread per member; the talker only puts lines on it."

/* The server's end of the connection from local port cport to sport, from
 * /proc/net/tcp: its receive queue, and *state its TCP state. */
long lab06_server_end(int sport, int cport, int *state);

/* Send a piece of a line and wait until the server has read it (its end's
 * receive queue in /proc/net/tcp is empty), so the next piece, or the end
 * of the connection, comes in a later recv(). Returns 0 or gr_fail()'s value. */
int lab06_send_piece(gr_ctx *ctx, gr_conn *c, const char *piece);

/* Wait until the server has read everything c sent, as lab06_send_piece(). */
void lab06_wait_read(gr_ctx *ctx, gr_conn *c);

/* How a check reads the server's figures: gr_server_stats(), or with a
 * client connected (echo_leavers.c). Returns 0 or gr_fail()'s value. */
typedef int (*lab06_measure)(gr_ctx *ctx, gr_tree_stats *st);

/* Wait until the server's processes, zombies, descriptors, sockets and
 * threads (/proc, read by measure, or gr_server_stats() if NULL) are back
 * to base (descriptors and threads within a small slack); if not, fail
 * saying what is left over after what happened (after). Returns 0 or
 * gr_fail()'s value. */
int lab06_back_to(gr_ctx *ctx, const gr_tree_stats *base, const char *after, lab06_measure measure);

/* The same end's send queue: bytes the server has written that its peer has
 * not received (or -1). */
long lab06_server_end_tx(int sport, int cport);

/* The local port of a socket. */
int lab06_local_port(int fd);

int lab06_check_chat_abrupt(gr_ctx *ctx);
int lab06_check_chat_broadcast(gr_ctx *ctx);
int lab06_check_chat_concurrent(gr_ctx *ctx);
int lab06_check_chat_crowd(gr_ctx *ctx);
int lab06_check_chat_descriptors(gr_ctx *ctx);
int lab06_check_chat_line_bytes(gr_ctx *ctx);
int lab06_check_chat_name_limits(gr_ctx *ctx);
int lab06_check_chat_slow_kept(gr_ctx *ctx);
int lab06_check_chat_slow_leaves(gr_ctx *ctx);
int lab06_check_fork_leavers(gr_ctx *ctx);
int lab06_check_pool_leavers(gr_ctx *ctx);
int lab06_check_chat_framing(gr_ctx *ctx);
int lab06_check_chat_leave(gr_ctx *ctx);
int lab06_check_chat_line_limit(gr_ctx *ctx);
int lab06_check_chat_names(gr_ctx *ctx);
int lab06_check_chat_slow_dropped(gr_ctx *ctx);
int lab06_check_chat_slow_flows(gr_ctx *ctx);
int lab06_check_fork_children(gr_ctx *ctx);
int lab06_check_fork_concurrent(gr_ctx *ctx);
int lab06_check_fork_zombies(gr_ctx *ctx);
int lab06_check_pool_busy(gr_ctx *ctx);
int lab06_check_pool_concurrent(gr_ctx *ctx);
int lab06_check_pool_threads(gr_ctx *ctx);

#endif
