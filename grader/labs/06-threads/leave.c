/* leave.c - lab 06's checks of what a chat member leaves behind: members
 * come and go in every way a peer can leave (end of file or a reset, before
 * the first byte, in the middle of the name, after a refused name, as a
 * member, in the middle of a line, while the server is writing to them), and
 * afterwards the server's descriptors and threads, from /proc, must be back
 * where they were, and the next member served at once.
 *
 * The counts are compared with themselves, never with a fixed number: a
 * Python or Node.js server starts with more descriptors and threads than a C
 * one. Each way of leaving is repeated ROUNDS times, so a server that keeps
 * one descriptor per member who left in some way grows by ROUNDS, while a
 * correct one, in any runtime, comes back to where it started (SLACK allows
 * for a runtime's own descriptor or thread that comes and goes; sockets,
 * which no runtime opens on its own, must all be closed). */
#include "lab06.h"

#include <poll.h>
#include <stdio.h>
#include <string.h>

enum { ROUNDS = 8, SLACK = 3 };

/* ---- the server's figures, from /proc ----------------------------------------------- */

/* Read the server's descriptors and threads. Returns 0 or gr_fail()'s value. */
static int server_counts(gr_ctx *ctx, gr_tree_stats *st)
{
    if (gr_server_stats(ctx, st) < 0) {
        lab06_server_cause(ctx);
        return gr_fail(ctx, "cannot read the server's descriptors from /proc (has it ended?)");
    }
    return 0;
}

/* Wait until the server's descriptors and threads are back within SLACK of
 * base, or the quiet time is up: a server closes a departed member's socket
 * a moment after the others hear that it left. Returns 0 or gr_fail()'s
 * value, which says what was left over after what. */
int lab06_back_to(gr_ctx *ctx, const gr_tree_stats *base, const char *after, lab06_measure measure)
{
    gr_tree_stats now;
    long until = gr_now_ms() + gr_quiet_ms(ctx);
    for (;;) {
        if ((measure != NULL ? measure(ctx, &now) : server_counts(ctx, &now)) < 0) {
            return -1;
        }
        if (now.ts_processes <= base->ts_processes && now.ts_zombies <= base->ts_zombies &&
            now.ts_fds <= base->ts_fds + SLACK && now.ts_sockets <= base->ts_sockets &&
            now.ts_threads <= base->ts_threads + SLACK) {
            break;
        }
        if (gr_now_ms() >= until) {
            break;
        }
        poll(NULL, 0, 5);
    }
    gr_str_addf(gr_details(ctx),
                "what /proc shows: %d descriptors (%d sockets), %d threads, %d processes before; "
                "%d (%d), %d, %d after %s\n",
                base->ts_fds, base->ts_sockets, base->ts_threads, base->ts_processes, now.ts_fds,
                now.ts_sockets, now.ts_threads, now.ts_processes, after);
    if (now.ts_zombies > base->ts_zombies) {
        gr_hint(ctx, "An exited child stays a zombie until its parent reaps it. In C: a SIGCHLD "
                     "handler (sigaction(), SA_RESTART) that calls waitpid(-1, NULL, WNOHANG) in "
                     "a loop. In Python: os.waitpid(-1, os.WNOHANG) in a loop, as ForkingMixIn "
                     "does.");
        return gr_fail(ctx,
                       "after %s, %d of the server's children are zombies: the parent must reap "
                       "every child that exits (waitpid())",
                       after, now.ts_zombies);
    }
    if (now.ts_processes > base->ts_processes) {
        return gr_fail(ctx,
                       "after %s, the server is %d processes, %d more than before: a child must "
                       "exit when its client is gone, on every path, errors included",
                       after, now.ts_processes, now.ts_processes - base->ts_processes);
    }
    if (now.ts_fds > base->ts_fds + SLACK || now.ts_sockets > base->ts_sockets) {
        return gr_fail(ctx,
                       "after %s, the server has %d descriptors open, %d more than before "
                       "(%d sockets, %d more): a connection that ends must be closed, whichever "
                       "way and whenever it ends",
                       after, now.ts_fds, now.ts_fds - base->ts_fds, now.ts_sockets,
                       now.ts_sockets - base->ts_sockets);
    }
    if (now.ts_threads > base->ts_threads + SLACK) {
        return gr_fail(ctx,
                       "after %s, the server has %d threads, %d more than before: the threads "
                       "of a connection that ended must end too",
                       after, now.ts_threads, now.ts_threads - base->ts_threads);
    }
    return 0;
}

/* ---- every way of leaving ----------------------------------------------------------------- */

/* The two members who stay, alice and bob, and the round being played. */
typedef struct stay {
    gr_conn *st_m;
    int st_round;
} stay;

/* How a visitor ends: a FIN (gr_close) or a RST (gr_reset). */
static void end_conn(gr_conn *c, int reset)
{
    if (reset) {
        gr_reset(c);
    } else {
        gr_close(c);
    }
}

/* Send a piece of a line and wait until the server has read it. Not a
 * scene: a server may answer a piece already too long at once (ERR line
 * too long), and the visitor does not read it. */
static int send_unread(gr_ctx *ctx, gr_conn *c, const char *piece)
{
    if (gr_send_all(c, piece, strlen(piece), gr_deadline(ctx)) != 0) {
        return gr_conn_fail(ctx, c, "%s: could not send a piece of a line", c->c_label);
    }
    lab06_wait_read(ctx, c);
    return 0;
}

/* A visitor who never gets a name: it connects, perhaps sends a piece of a
 * name or a refused one, and goes. Nobody hears of it. */
static int visit_nameless(gr_ctx *ctx, const char *piece, const char *reply, int reset)
{
    gr_conn v;
    if (gr_connect(ctx, &v, "visitor", &(gr_conn_opts){.co_nodelay = 1}) < 0) {
        return -1;
    }
    int rc = 0;
    if (piece != NULL && reply != NULL) {
        rc = lab06_scene(ctx, "a refused name", (part[]){{&v, piece, reply}}, 1);
    } else if (piece != NULL) {
        rc = lab06_send_piece(ctx, &v, piece);
    }
    end_conn(&v, reset);
    return rc;
}

/* A visitor who joins as NAME, perhaps sends a piece of a line, and goes:
 * alice and bob hear it join and leave, and nothing else. */
static int visit_member(gr_ctx *ctx, stay *s, const char *name, const char *piece, int reset)
{
    gr_conn v;
    gr_conn *others[2] = {&s->st_m[0], &s->st_m[1]};
    if (lab06_join(ctx, &v, name, others, 2) < 0) {
        gr_close(&v);
        return -1;
    }
    if (piece != NULL && send_unread(ctx, &v, piece) < 0) {
        gr_close(&v);
        return -1;
    }
    end_conn(&v, reset);
    char left[64], what[96];
    snprintf(left, sizeof left, "* %s left\n", name);
    snprintf(what, sizeof what, "%s %s%s", name, reset ? "is reset" : "closes",
             piece != NULL ? " in the middle of a line" : "");
    return lab06_scene(ctx, what, (part[]){{&s->st_m[0], NULL, left}, {&s->st_m[1], NULL, left}},
                       2);
}

/* One round of every way of leaving (visit_member names its members vR-K). */
static int leave_every_way(gr_ctx *ctx, stay *s)
{
    static char long_piece[1500];
    memset(long_piece, 'L', sizeof long_piece - 1);
    char name[16];
    int r = s->st_round;
    int rc = visit_nameless(ctx, NULL, NULL, 0);
    rc = rc < 0 ? rc : visit_nameless(ctx, NULL, NULL, 1);
    rc = rc < 0 ? rc : visit_nameless(ctx, "hal", NULL, 0);
    rc = rc < 0 ? rc : visit_nameless(ctx, "hal", NULL, 1);
    rc = rc < 0 ? rc : visit_nameless(ctx, "no way\n", "ERR invalid name\n", 0);
    rc = rc < 0 ? rc : visit_nameless(ctx, "alice\n", "ERR name taken\n", 1);
    static const char *const pieces[] = {NULL, NULL, "half a li", "half a li", long_piece};
    for (size_t k = 0; k < 5 && rc == 0; k++) {
        snprintf(name, sizeof name, "v%d-%zu", r, k);
        rc = visit_member(ctx, s, name, pieces[k], k == 1 || k == 3);
    }
    if (rc < 0) {
        return rc;
    }
    /* Nobody heard of the visitors without a name: the next bytes alice
     * and bob get are this line. */
    char line[64], heard[80];
    snprintf(line, sizeof line, "round %d is over\n", r + 1);
    snprintf(heard, sizeof heard, "alice: %s", line);
    return lab06_scene(ctx, "alice talks after a round of visitors",
                       (part[]){{&s->st_m[0], line, NULL}, {&s->st_m[1], NULL, heard}}, 2);
}

int lab06_check_chat_descriptors(gr_ctx *ctx)
{
    gr_conn m[3];
    gr_conn_none(m, 3);
    stay s = {m, 0};
    gr_tree_stats base;
    gr_conn *joined[2] = {&m[0], &m[1]};
    int rc = lab06_join(ctx, &m[0], "alice", NULL, 0);
    rc = rc < 0 ? rc : lab06_join(ctx, &m[1], "bob", joined, 1);
    rc = rc < 0 ? rc : server_counts(ctx, &base);
    for (s.st_round = 1; s.st_round <= ROUNDS && rc == 0; s.st_round++) {
        rc = leave_every_way(ctx, &s);
    }
    char after[160];
    snprintf(after, sizeof after,
             "%d visitors came and went (%d of them members), leaving in every way: end of "
             "file or reset, before a byte, mid-name, after a refused name, mid-line",
             ROUNDS * 11, ROUNDS * 5);
    rc = rc < 0 ? rc : lab06_back_to(ctx, &base, after, NULL);
    /* And the next member is served at once. */
    if (rc == 0) {
        rc = lab06_join(ctx, &m[2], "last", joined, 2);
    }
    if (rc == 0) {
        rc = lab06_scene(ctx, "the last member talks",
                         (part[]){{&m[2], "still open?\n", NULL},
                                  {&m[0], NULL, "last: still open?\n"},
                                  {&m[1], NULL, "last: still open?\n"}},
                         3);
    }
    gr_close_all(m, 3);
    return rc;
}
