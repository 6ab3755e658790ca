/* backlog.c - lab 06's checks of a member who falls behind, at both edges
 * of the guide's bound and at the moment it leaves (step 5):
 *
 * - chat-slow-kept: just inside the bound. A member who reads nothing while
 *   192 KiB wait for it in the server (less than 256 KiB) must be kept, and
 *   receive every line once it reads. (chat-slow-dropped is the other edge.)
 * - chat-slow-leaves: a member leaves (end of file, or a reset) while the
 *   server is in the middle of writing to it, its socket full and lines
 *   waiting: the others hear it left, and the server's descriptors and
 *   threads come back, as after any other departure (leave.c).
 *
 * What waits in the server is measured, not guessed: every line said to
 * the room is owed to the member who does not read, and what the kernel
 * holds of it is in /proc/net/tcp (the server end's send queue) and in the
 * member's own receive queue (FIONREAD). The rest is in the server's queue,
 * whatever its runtime: a C list, a Python list, Node's writableLength. */
#include "lab06.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

enum {
    TEXT_LEN = 1000,             /* text of each line alice says */
    SAID_LEN = 7 + TEXT_LEN + 1, /* "alice: TEXT\n", as a member receives it */
    KEPT_TARGET = 192 * 1024,    /* chat-slow-kept: this much waits, under QUEUE_MAX */
    LEAVE_TARGET = 16 * 1024,    /* chat-slow-leaves: the writer surely has a backlog */
    LEAVERS_FIN = 3,             /* chat-slow-leaves: members who leave by end of file, */
    LEAVERS_RST = 1,             /* and by a reset */
    BIG_CHUNK = 64,
    SMALL_CHUNK = 8 /* lines said at a time */
};

/* The room: alice talks, bob listens, slow (one at a time) reads nothing. */
typedef struct backlog {
    gr_conn *bl_alice, *bl_bob, *bl_slow;
    const char *bl_slow_name;
    long bl_said;  /* bytes owed to slow since it joined */
    long bl_line;  /* lines alice said in the check */
    long bl_first; /* alice's first line since slow joined */
    long bl_held;  /* what the kernel held for slow at the last look */
} backlog;

/* Alice's line k: its number, then letters. */
static void line_text(char *buf, long k)
{
    int h = snprintf(buf, TEXT_LEN + 1, "line %ld ", k);
    for (size_t i = (size_t)h; i < TEXT_LEN; i++) {
        buf[i] = (char)('a' + (i * 11 + (size_t)k) % 26);
    }
    buf[TEXT_LEN] = '\0';
}

/* Bytes the kernel holds on their way to slow: the server end's send queue
 * and slow's receive queue. -1 if /proc does not say. */
static long kernel_held(gr_ctx *ctx, const backlog *bl)
{
    int fd = gr_conn_fd(bl->bl_slow);
    long txq = lab06_server_end_tx(gr_port(ctx), lab06_local_port(fd));
    int unread = 0;
    if (txq < 0 || ioctl(fd, FIONREAD, &unread) < 0) {
        return -1;
    }
    return txq + unread;
}

/* Alice says n lines; bob must receive them (so the server has queued them
 * for slow too). Returns 0 or gr_fail()'s value. */
static int say_lines(gr_ctx *ctx, backlog *bl, int n)
{
    gr_str out = {0}, want = {0};
    char text[TEXT_LEN + 1];
    for (int i = 0; i < n; i++) {
        line_text(text, ++bl->bl_line);
        gr_str_addf(&out, "%s\n", text);
        gr_str_addf(&want, "alice: %s\n", text);
    }
    int rc = lab06_scene(
        ctx, "alice talks while a member reads nothing",
        (part[]){{bl->bl_alice, gr_str_cstr(&out), NULL}, {bl->bl_bob, NULL, gr_str_cstr(&want)}},
        2);
    gr_str_free(&out);
    gr_str_free(&want);
    if (rc < 0) {
        gr_fail(ctx,
                "(%s reads nothing, and %ld KiB of lines have been said since it joined, of which "
                "the kernel holds %ld KiB: the server's queue for it holds the rest, less than "
                "the %d KiB after which it would be disconnected)",
                bl->bl_slow_name, bl->bl_said / 1024, bl->bl_held / 1024, QUEUE_MAX / 1024);
        return -1;
    }
    bl->bl_said += (long)n * SAID_LEN;
    return 0;
}

/* Say lines until at least target bytes wait in the server for slow, with
 * the kernel's buffers for it full (what they hold no longer grows): in big
 * chunks until the server's queue starts to grow, then in small ones, so
 * that it does not go far past target. Returns 0 or gr_fail()'s value. */
static int fill_backlog(gr_ctx *ctx, backlog *bl, long target)
{
    long limit = 16L << 20; /* the kernel never holds this much with a small MSS */
    int still = 0;          /* chunks in a row that the kernel took none of */
    while (still < 2 || bl->bl_said - bl->bl_held < target) {
        if (bl->bl_said > limit) {
            return gr_fail(ctx,
                           "%ld MiB said to a member who reads nothing, and the kernel "
                           "still takes it all: is /proc/net/tcp readable?",
                           bl->bl_said >> 20);
        }
        long before = bl->bl_held;
        int chunk = bl->bl_said - bl->bl_held < SMALL_CHUNK * SAID_LEN ? BIG_CHUNK : SMALL_CHUNK;
        if (say_lines(ctx, bl, chunk) < 0) {
            return -1;
        }
        /* The server's writer pushes what it has into the kernel: look
         * until what the kernel holds has not grown for 10 ms. Full: two
         * chunks in a row of which it took nothing, while lines wait. */
        long held = kernel_held(ctx, bl);
        long until = gr_now_ms() + gr_ms(ctx, 200);
        long stable_since = gr_now_ms();
        while (held >= 0 && gr_now_ms() < until && gr_now_ms() - stable_since < 10) {
            poll(NULL, 0, 2);
            long again = kernel_held(ctx, bl);
            if (again != held) {
                held = again;
                stable_since = gr_now_ms();
            }
        }
        if (held < 0) {
            return gr_fail(ctx, "cannot read the queues of a connection from /proc/net/tcp");
        }
        bl->bl_held = held;
        still = held == before && bl->bl_said > held ? still + 1 : 0;
    }
    return 0;
}

/* slow joins, heard by alice and bob, with a small receive buffer. */
static int join_slow(gr_ctx *ctx, backlog *bl, gr_conn *c, const char *name)
{
    gr_conn *others[2] = {bl->bl_alice, bl->bl_bob};
    bl->bl_slow = c;
    bl->bl_slow_name = name;
    bl->bl_said = 0;
    bl->bl_held = 0;
    bl->bl_first = bl->bl_line + 1;
    if (gr_connect(ctx, c, name,
                   &(gr_conn_opts){.co_nodelay = 1, .co_rcvbuf = 4096, .co_maxseg = 536}) < 0) {
        return -1;
    }
    char out[64], ok[64], notice[64];
    snprintf(out, sizeof out, "%s\n", name);
    snprintf(ok, sizeof ok, "OK %s\n", name);
    snprintf(notice, sizeof notice, "* %s joined\n", name);
    return lab06_scene(ctx, "a member who will not read joins",
                       (part[]){{c, out, ok}, {others[0], NULL, notice}, {others[1], NULL, notice}},
                       3);
}

static int join_two(gr_ctx *ctx, gr_conn m[2], backlog *bl)
{
    gr_conn *joined[1] = {&m[0]};
    *bl = (backlog){.bl_alice = &m[0], .bl_bob = &m[1]};
    if (lab06_join(ctx, &m[0], "alice", NULL, 0) < 0 ||
        lab06_join(ctx, &m[1], "bob", joined, 1) < 0) {
        return -1;
    }
    return 0;
}

/* ---- just inside the bound: kept ------------------------------------------------------- */

int lab06_check_chat_slow_kept(gr_ctx *ctx)
{
    gr_conn m[3];
    gr_conn_none(m, 3);
    backlog bl;
    gr_str want = {0};
    int rc = join_two(ctx, m, &bl);
    rc = rc < 0 ? rc : join_slow(ctx, &bl, &m[2], "slow");
    rc = rc < 0 ? rc : fill_backlog(ctx, &bl, KEPT_TARGET);
    if (rc == 0) {
        gr_str_addf(gr_details(ctx),
                    "slow read nothing while %ld KiB were said; the kernel held %ld KiB of it, "
                    "the server's queue the other %ld KiB\n",
                    bl.bl_said / 1024, bl.bl_held / 1024, (bl.bl_said - bl.bl_held) / 1024);
        /* Now slow reads: every line since it joined, in order, then one more. */
        char text[TEXT_LEN + 1];
        for (long k = bl.bl_first; k <= bl.bl_line; k++) {
            line_text(text, k);
            gr_str_addf(&want, "alice: %s\n", text);
        }
        gr_str_add(&want, "alice: you are still here\n");
        rc = lab06_scene(ctx, "slow reads everything said since it joined",
                         (part[]){{&m[0], "you are still here\n", NULL},
                                  {&m[1], NULL, "alice: you are still here\n"},
                                  {&m[2], NULL, gr_str_cstr(&want)}},
                         3);
        if (rc < 0) {
            gr_fail(ctx,
                    "(slow read nothing while %ld KiB waited for it in the server, less than the "
                    "%d KiB the guide allows: it must be kept, and receive every line once it "
                    "reads)",
                    (bl.bl_said - bl.bl_held) / 1024, QUEUE_MAX / 1024);
        }
    }
    gr_str_free(&want);
    gr_close_all(m, 3);
    return rc;
}

/* ---- leaving while the server writes ---------------------------------------------------- */

int lab06_check_chat_slow_leaves(gr_ctx *ctx)
{
    enum { LEAVERS = LEAVERS_FIN + LEAVERS_RST };
    gr_conn m[3], slow[LEAVERS];
    gr_conn_none(m, 3);
    gr_conn_none(slow, LEAVERS);
    backlog bl;
    gr_tree_stats base;
    int rc = join_two(ctx, m, &bl);
    if (rc == 0 && gr_server_stats(ctx, &base) < 0) {
        rc = gr_fail(ctx, "cannot read the server's descriptors from /proc");
    }
    for (int i = 0; i < LEAVERS && rc == 0; i++) {
        char name[16], left[32];
        int reset = i >= LEAVERS_FIN;
        snprintf(name, sizeof name, "slow%d", i + 1);
        snprintf(left, sizeof left, "* %s left\n", name);
        rc = join_slow(ctx, &bl, &slow[i], name);
        rc = rc < 0 ? rc : fill_backlog(ctx, &bl, LEAVE_TARGET);
        if (rc < 0) {
            break;
        }
        /* Its socket is full and lines wait for it: now it goes. One that
         * closes its side keeps its socket (and what it did not read) open
         * until the end of the check, so only the server can end it. */
        if (reset) {
            gr_reset(&slow[i]);
        } else {
            gr_conn_shutdown(&slow[i]);
        }
        rc = lab06_scene(ctx, "a member leaves while the server is writing to it",
                         (part[]){{&m[0], NULL, left}, {&m[1], NULL, left}}, 2);
        if (rc < 0) {
            gr_fail(ctx,
                    "(%s read nothing, its socket is full and %ld KiB wait for it in the server; "
                    "then it %s: it has left)",
                    name, (bl.bl_said - bl.bl_held) / 1024,
                    reset ? "reset its connection" : "closed its side (end of file)");
        }
    }
    if (rc == 0) {
        char after[160];
        snprintf(after, sizeof after,
                 "%d members left while the server was writing to them (%d by end of file, %d "
                 "by a reset)",
                 LEAVERS, LEAVERS_FIN, LEAVERS_RST);
        rc = lab06_back_to(ctx, &base, after, NULL);
    }
    if (rc == 0) {
        rc = lab06_scene(ctx, "alice talks after they left",
                         (part[]){{&m[0], "all gone\n", NULL}, {&m[1], NULL, "alice: all gone\n"}},
                         2);
    }
    if (rc < 0) {
        /* A server killed by a write to a member who left may be seen first
         * anywhere: a refused join, a failed send, its rows gone from
         * /proc/net/tcp. Say how it ended whatever the step that saw it. */
        lab06_server_cause(ctx);
    }
    gr_close_all(slow, LEAVERS);
    gr_close_all(m, 3);
    return rc;
}
