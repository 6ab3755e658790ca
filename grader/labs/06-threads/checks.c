/* lab06.c - checks for Lab 06, threads and processes: a chat server with a
 * thread per member, a thread-pool echo server, a fork-per-connection echo
 * server.
 *
 * Concurrency is checked by behaviour, never by reading the source: clients
 * connect in one order and are served in another, one client stops in the
 * middle of a line while the others must go on, one member of the chat stops
 * reading while the room must keep flowing. Architecture is checked through
 * /proc: the pool server's threads, the fork server's children and zombies.
 *
 * The chat checks that follow one conversation compare every byte each member
 * receives (gr_conn, wire.h). The big ones (50 members saying 100 lines each,
 * a member who never reads) cannot know in which order lines of different
 * senders arrive, so they read lines and check what the protocol promises:
 * every line of every other member exactly once, in the order it was said,
 * whole, and never one's own.
 *
 * Lab 06 builds submissions with ThreadSanitizer (lab_sanitize), so a data
 * race, such as a member list walked without its lock, fails the check in
 * which it happened even when the bytes came out right. */
#include "engine/grader.h"
#include "os/procfs.h"
#include "text/transcript.h"
#include "kit/conn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* How long a conversation may go quiet before a check gives up on it. A
 * correct server answers in microseconds, under ThreadSanitizer in
 * milliseconds. */
#define QUIET_MS 3000

/* The protocol's limits (README.md). */
#define LINE_MAX_LEN 1000
#define QUEUE_MAX (256 * 1024)
/* The pool server's size. */
#define WORKERS 8
#define POOL_QUEUE 16

static int connect_member(gr_ctx *ctx, gr_conn *c, const char *label, int rcvbuf, int nodelay)
{
    if (gr_connect_opts(ctx, c, label, rcvbuf, nodelay) < 0) {
        return -1;
    }
    gr_conn_idle_limit(c, gr_ms(ctx, QUIET_MS));
    return 0;
}

/* ---- scenes: every member sends its bytes and expects its bytes ------------- */

/* One member's part in a scene: what it sends (NULL: nothing) and exactly
 * what it must receive meanwhile (NULL: nothing). */
typedef struct part {
    gr_conn *p_conn;
    const char *p_out;
    const char *p_want;
} part;

/* Play a scene: all parts at once, until every member got what it expects.
 * Returns 0, or gr_fail()'s value with the transcript of the member that
 * did not get it. */
static int scene(gr_ctx *ctx, const char *what, const part *parts, size_t n)
{
    gr_conn *conns[16];
    for (size_t i = 0; i < n && i < 16; i++) {
        const part *p = &parts[i];
        gr_conn_plan(p->p_conn, p->p_out, p->p_out != NULL ? strlen(p->p_out) : 0, p->p_want,
                     p->p_want != NULL ? strlen(p->p_want) : 0, 0);
        conns[i] = p->p_conn;
    }
    int r = gr_mux_run(ctx, conns, n < 16 ? n : 16, gr_deadline(ctx), what);
    if (r < 0) {
        return -1;
    }
    if (r == 0) {
        for (size_t i = 0; i < n; i++) {
            if (!conns[i]->c_done) {
                return gr_conn_fail(ctx, conns[i], "%s: %s: the check's time ran out",
                                    conns[i]->c_label, what);
            }
        }
    }
    return 0;
}

/* Connect a member and give its name: it must get "OK NAME"; the members in
 * others[0..nothers) must get "* NAME joined". */
static int join(gr_ctx *ctx, gr_conn *c, const char *name, gr_conn *const *others, size_t nothers)
{
    if (connect_member(ctx, c, name, 0, 1) < 0) {
        return -1;
    }
    char out[64], ok[64], notice[64];
    snprintf(out, sizeof out, "%s\n", name);
    snprintf(ok, sizeof ok, "OK %s\n", name);
    snprintf(notice, sizeof notice, "* %s joined\n", name);
    part parts[16] = {{c, out, ok}};
    for (size_t i = 0; i < nothers && i < 15; i++) {
        parts[i + 1] = (part){others[i], NULL, notice};
    }
    char what[96];
    snprintf(what, sizeof what, "%s joins", name);
    return scene(ctx, what, parts, nothers + 1);
}

/* Mark connections as not connected, so that gr_close() on them is safe. */
static void conns_none(gr_conn *c, size_t n)
{
    memset(c, 0, n * sizeof *c);
    for (size_t i = 0; i < n; i++) {
        c[i].c_fd = -1;
    }
}

static void close_all(gr_conn *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        gr_close(&c[i]);
    }
}

/* ---- /proc/net/tcp: has the server read what a client sent? ---------------- */

/* The server's end of the connection whose client end is local port cport:
 * its receive queue (bytes the server has not read yet) and, if state is not
 * NULL, its TCP state (1: established). Returns the receive queue, or -1 if
 * the connection is not in the tables. */
static long server_end(int sport, int cport, int *state)
{
    static const char *const tables[] = {"/proc/net/tcp", "/proc/net/tcp6"};
    for (size_t t = 0; t < 2; t++) {
        FILE *f = fopen(tables[t], "r");
        if (f == NULL) {
            continue;
        }
        char line[512];
        long found = -1;
        while (found < 0 && fgets(line, sizeof line, f) != NULL) {
            char local[64], remote[64];
            unsigned long txq, rxq;
            unsigned st;
            if (sscanf(line, " %*d: %63s %63s %x %lx:%lx", local, remote, &st, &txq, &rxq) != 5) {
                continue;
            }
            const char *lp = strrchr(local, ':');
            const char *rp = strrchr(remote, ':');
            if (lp != NULL && rp != NULL && strtol(lp + 1, NULL, 16) == sport &&
                strtol(rp + 1, NULL, 16) == cport) {
                found = (long)rxq;
                if (state != NULL) {
                    *state = (int)st;
                }
            }
        }
        fclose(f);
        if (found >= 0) {
            return found;
        }
    }
    return -1;
}

/* The local port of a socket, or -1. */
static int local_port(int fd)
{
    struct sockaddr_in sin;
    socklen_t len = sizeof sin;
    if (getsockname(fd, (struct sockaddr *)&sin, &len) < 0 || sin.sin_family != AF_INET) {
        return -1;
    }
    return ntohs(sin.sin_port);
}

/* Send a piece of a line and wait until the server has read it, so the next
 * piece arrives in a later recv(). Returns 0 or gr_fail()'s value. */
static int send_piece(gr_ctx *ctx, gr_conn *c, const char *piece)
{
    if (scene(ctx, "sending a piece of a line", &(part){c, piece, NULL}, 1) < 0) {
        return -1;
    }
    int cport = local_port(c->c_fd);
    long until = gr_now_ms() + gr_ms(ctx, QUIET_MS);
    while (gr_now_ms() < until) {
        long unread = server_end(gr_port(ctx), cport, NULL);
        if (unread == 0) {
            return 0;
        }
        if (unread < 0) {
            break; /* not in /proc/net (no /proc?): fall back to a pause */
        }
        poll(NULL, 0, 2);
    }
    poll(NULL, 0, 50);
    return 0;
}

/* ---- step 1: a thread per client -------------------------------------------------- */

static int check_chat_concurrent(gr_ctx *ctx)
{
    gr_conn a, b;
    if (connect_member(ctx, &a, "alice", 0, 1) < 0) {
        return -1;
    }
    int rc = -1;
    if (connect_member(ctx, &b, "bob", 0, 1) < 0) {
        gr_close(&a);
        return -1;
    }
    /* alice, connected first, stops in the middle of her name. */
    if (send_piece(ctx, &a, "ali") < 0) {
        goto out;
    }
    if (scene(ctx, "bob joins while alice is in the middle of her first line",
              (part[]){{&b, "bob\n", "OK bob\n"}}, 1) < 0) {
        gr_fail(ctx, "(alice connected first and has sent \"ali\" without a newline: while one "
                     "client is in the middle of a line, the others must be served)");
        goto out;
    }
    rc = scene(ctx, "alice finishes her name",
               (part[]){{&a, "ce\n", "OK alice\n"}, {&b, NULL, "* alice joined\n"}}, 2);
out:
    gr_close(&a);
    gr_close(&b);
    return rc;
}

static int check_chat_names(gr_ctx *ctx)
{
    gr_conn m[2], p;
    conns_none(m, 2);
    conns_none(&p, 1);
    int rc = -1;
    gr_conn *joined[1] = {&m[0]};
    if (join(ctx, &m[0], "alice", NULL, 0) < 0 || join(ctx, &m[1], "bob", joined, 1) < 0 ||
        connect_member(ctx, &p, "newcomer", 0, 1) < 0) {
        goto out;
    }
    /* Wrong names, all in one send(): each is a line of its own. */
    static char bad[2000];
    size_t n = (size_t)snprintf(bad, sizeof bad,
                                "bad name\n\nseventeen-chars-x\nx:y\nwho?\nname with \\\n");
    memset(bad + n, 'n', 1500);
    n += 1500;
    bad[n++] = '\n';
    bad[n] = '\0';
    static const char errs[] = "ERR invalid name\nERR invalid name\nERR invalid name\n"
                               "ERR invalid name\nERR invalid name\nERR invalid name\n"
                               "ERR invalid name\n";
    if (scene(ctx, "names that break the rules", (part[]){{&p, bad, errs}}, 1) < 0) {
        goto out;
    }
    /* A newcomer without a name hears nothing of the room. Once bob has
     * alice's line, the server has said it to everyone it was going to. */
    if (scene(
            ctx, "alice talks while the newcomer has no name",
            (part[]){{&m[0], "before you came\n", NULL}, {&m[1], NULL, "alice: before you came\n"}},
            2) < 0 ||
        scene(ctx, "a name that is taken", (part[]){{&p, "alice\n", "ERR name taken\n"}}, 1) < 0) {
        goto out;
    }
    if (scene(ctx, "a free name, with CR LF",
              (part[]){{&p, "pat_2-B\r\n", "OK pat_2-B\n"},
                       {&m[0], NULL, "* pat_2-B joined\n"},
                       {&m[1], NULL, "* pat_2-B joined\n"}},
              3) < 0) {
        goto out;
    }
    rc = scene(ctx, "the first line pat_2-B hears",
               (part[]){{&m[0], "after you came\n", NULL},
                        {&m[1], NULL, "alice: after you came\n"},
                        {&p, NULL, "alice: after you came\n"}},
               3);
out:
    close_all(m, 2);
    gr_close(&p);
    return rc;
}

/* ---- step 2: broadcast ------------------------------------------------------------------ */

static int check_chat_broadcast(gr_ctx *ctx)
{
    gr_conn m[3];
    conns_none(m, 3);
    int rc = -1;
    gr_conn *joined[2] = {&m[0], &m[1]};
    if (join(ctx, &m[0], "alice", NULL, 0) < 0 || join(ctx, &m[1], "bob", joined, 1) < 0 ||
        join(ctx, &m[2], "carol", joined, 2) < 0) {
        goto out;
    }
    static const char *const names[] = {"alice", "bob", "carol"};
    /* Each says a line of random words; the two others get it, with the
     * name in front; the speaker gets nothing (the next line shows it). */
    for (int round = 0; round < 3; round++) {
        for (size_t s = 0; s < 3; s++) {
            char text[200], out[256], want[256];
            size_t len = 5 + gr_random_below(ctx, 80);
            gr_random_text(ctx, text, len);
            text[len] = '\0';
            snprintf(out, sizeof out, "%s\n", text);
            snprintf(want, sizeof want, "%s: %s\n", names[s], text);
            part parts[3];
            for (size_t k = 0; k < 3; k++) {
                parts[k] = (part){&m[k], k == s ? out : NULL, k == s ? NULL : want};
            }
            char what[64];
            snprintf(what, sizeof what, "%s says a line", names[s]);
            if (scene(ctx, what, parts, 3) < 0) {
                goto out;
            }
        }
    }
    /* An empty line says nothing. */
    rc = scene(ctx, "carol sends an empty line, then one that is not",
               (part[]){{&m[2], "\nnot empty\n", NULL},
                        {&m[0], NULL, "carol: not empty\n"},
                        {&m[1], NULL, "carol: not empty\n"}},
               3);
out:
    close_all(m, 3);
    return rc;
}

static int check_chat_framing(gr_ctx *ctx)
{
    gr_conn a, b;
    conns_none(&b, 1);
    int rc = -1;
    gr_conn *joined[1] = {&a};
    if (join(ctx, &a, "alice", NULL, 0) < 0 || join(ctx, &b, "bob", joined, 1) < 0) {
        goto out;
    }
    if (scene(ctx, "three lines in one send()",
              (part[]){{&a, "one\ntwo\nthree\n", NULL},
                       {&b, NULL, "alice: one\nalice: two\nalice: three\n"}},
              2) < 0) {
        gr_fail(ctx, "(alice sent the three lines in one send(): one recv() may hold several "
                     "lines)");
        goto out;
    }
    /* One line in three pieces, each read by the server before the next. */
    if (send_piece(ctx, &a, "a line ") < 0 || send_piece(ctx, &a, "in three ") < 0) {
        goto out;
    }
    rc = scene(ctx, "the last piece of a line sent in three",
               (part[]){{&a, "pieces\n", NULL}, {&b, NULL, "alice: a line in three pieces\n"}}, 2);
    if (rc < 0) {
        gr_fail(ctx, "(alice sent \"a line \", \"in three \" and \"pieces\\n\" one after another, "
                     "and the server read each piece before the next came: a line ends at its "
                     "newline, not where a recv() ends)");
    }
out:
    gr_close(&a);
    gr_close(&b);
    return rc;
}

static int check_chat_line_limit(gr_ctx *ctx)
{
    gr_conn a, b;
    conns_none(&b, 1);
    int rc = -1;
    gr_conn *joined[1] = {&a};
    static char out[7000], want[7100];
    if (join(ctx, &a, "alice", NULL, 0) < 0 || join(ctx, &b, "bob", joined, 1) < 0) {
        goto out;
    }
    /* The longest line there may be: 1000 bytes of text. */
    gr_random_text(ctx, out, LINE_MAX_LEN);
    out[0] = '[';
    out[LINE_MAX_LEN - 1] = ']';
    out[LINE_MAX_LEN] = '\n';
    out[LINE_MAX_LEN + 1] = '\0';
    snprintf(want, sizeof want, "alice: %s", out);
    if (scene(ctx, "a line of 1000 bytes, the longest allowed",
              (part[]){{&a, out, NULL}, {&b, NULL, want}}, 2) < 0) {
        goto out;
    }
    /* 1001 bytes, then 5000: each refused once, as a whole. */
    gr_random_text(ctx, out, LINE_MAX_LEN + 1);
    out[LINE_MAX_LEN + 1] = '\n';
    gr_random_text(ctx, out + LINE_MAX_LEN + 2, 5000);
    out[LINE_MAX_LEN + 2 + 5000] = '\n';
    out[LINE_MAX_LEN + 3 + 5000] = '\0';
    if (scene(ctx, "lines of 1001 and 5000 bytes",
              (part[]){{&a, out, "ERR line too long\nERR line too long\n"}}, 1) < 0) {
        goto out;
    }
    rc = scene(ctx, "alice says a short line after the long ones",
               (part[]){{&a, "still here\n", NULL}, {&b, NULL, "alice: still here\n"}}, 2);
out:
    gr_close(&a);
    gr_close(&b);
    return rc;
}

/* ---- step 3: join and leave -------------------------------------------------------------- */

static int check_chat_leave(gr_ctx *ctx)
{
    gr_conn m[3];
    conns_none(m, 3);
    int rc = -1;
    gr_conn *joined[2] = {&m[0], &m[1]};
    if (join(ctx, &m[0], "alice", NULL, 0) < 0 || join(ctx, &m[1], "bob", joined, 1) < 0 ||
        join(ctx, &m[2], "carol", joined, 2) < 0) {
        goto out;
    }
    gr_close(&m[2]);
    if (scene(ctx, "carol closes her connection",
              (part[]){{&m[0], NULL, "* carol left\n"}, {&m[1], NULL, "* carol left\n"}}, 2) < 0) {
        goto out;
    }
    /* Her name is free again, and the room goes on. */
    if (join(ctx, &m[2], "carol", joined, 2) < 0) {
        gr_fail(ctx, "(a member called carol has just left: the name must be free again)");
        goto out;
    }
    rc = scene(ctx, "bob talks to the new carol",
               (part[]){{&m[1], "welcome back\n", NULL},
                        {&m[0], NULL, "bob: welcome back\n"},
                        {&m[2], NULL, "bob: welcome back\n"}},
               3);
out:
    close_all(m, 3);
    return rc;
}

static int check_chat_abrupt(gr_ctx *ctx)
{
    gr_conn m[3], nameless;
    conns_none(m, 3);
    conns_none(&nameless, 1);
    int rc = -1;
    gr_conn *joined[2] = {&m[0], &m[1]};
    if (join(ctx, &m[0], "alice", NULL, 0) < 0 || join(ctx, &m[1], "bob", joined, 1) < 0 ||
        join(ctx, &m[2], "carol", joined, 2) < 0) {
        goto out;
    }
    /* carol stops in the middle of a line and her connection is reset. */
    if (send_piece(ctx, &m[2], "I was just sayi") < 0) {
        goto out;
    }
    gr_reset(&m[2]);
    if (scene(ctx, "carol's connection is reset in the middle of a line",
              (part[]){{&m[0], NULL, "* carol left\n"}, {&m[1], NULL, "* carol left\n"}}, 2) < 0) {
        goto out;
    }
    /* Someone connects and goes away before giving a name: nobody hears of it. */
    if (connect_member(ctx, &nameless, "nameless", 0, 1) < 0 ||
        send_piece(ctx, &nameless, "no") < 0) {
        goto out;
    }
    gr_reset(&nameless);
    rc = scene(
        ctx, "alice talks after carol vanished",
        (part[]){{&m[0], "is anyone there?\n", NULL}, {&m[1], NULL, "alice: is anyone there?\n"}},
        2);
out:
    close_all(m, 3);
    gr_close(&nameless);
    return rc;
}

/* ---- many members: lines, not bytes ------------------------------------------------------- */

/* One member in a check that reads lines. */
typedef struct lmember {
    int lm_fd;
    char lm_name[16];
    char *lm_out; /* bytes still to send (owned) */
    size_t lm_out_len;
    size_t lm_out_off;
    size_t lm_chunk;                   /* send at most this many bytes at a time (0: any) */
    int lm_reads;                      /* 0: a member who never reads */
    char lm_in[2 * LINE_MAX_LEN + 64]; /* a partial line */
    size_t lm_in_len;
    int lm_eof; /* the server closed (or reset) the connection */
} lmember;

/* Called for every complete line (newline removed) that member i receives,
 * and with line NULL when its connection ends. Returns 0 or gr_fail()'s value. */
typedef int (*line_fn)(gr_ctx *ctx, void *arg, size_t i, const char *line, size_t len);
/* Is the exchange complete? */
typedef int (*done_fn)(void *arg);

enum { LINES_DONE = 0, LINES_QUIET = 1 };

static void lmember_init(lmember *lm, const char *name)
{
    memset(lm, 0, sizeof *lm);
    lm->lm_fd = -1;
    lm->lm_reads = 1;
    snprintf(lm->lm_name, sizeof lm->lm_name, "%s", name);
}

static void lmember_close(lmember *lm)
{
    if (lm->lm_fd >= 0) {
        close(lm->lm_fd);
        lm->lm_fd = -1;
    }
    free(lm->lm_out);
    lm->lm_out = NULL;
}

/* Queue bytes for a member to send. */
static int lmember_queue(gr_ctx *ctx, lmember *lm, const char *data, size_t n)
{
    size_t left = lm->lm_out_len - lm->lm_out_off;
    char *p = malloc(left + n + 1);
    if (p == NULL) {
        return gr_fail(ctx, "grader ran out of memory");
    }
    if (left > 0) {
        memcpy(p, lm->lm_out + lm->lm_out_off, left);
    }
    memcpy(p + left, data, n);
    free(lm->lm_out);
    lm->lm_out = p;
    lm->lm_out_len = left + n;
    lm->lm_out_off = 0;
    return 0;
}

/* Move a joined gr_conn's socket into a line member. */
static void lmember_adopt(lmember *lm, gr_conn *c)
{
    lm->lm_fd = c->c_fd;
    c->c_fd = -1;
    gr_close(c);
}

/* Hand the complete lines in lm's buffer to on_line. */
static int split_lines(gr_ctx *ctx, lmember *lm, size_t i, line_fn on_line, void *arg)
{
    size_t start = 0;
    for (size_t k = 0; k < lm->lm_in_len; k++) {
        if (lm->lm_in[k] == '\n') {
            if (on_line(ctx, arg, i, lm->lm_in + start, k - start) < 0) {
                return -1;
            }
            start = k + 1;
        }
    }
    memmove(lm->lm_in, lm->lm_in + start, lm->lm_in_len - start);
    lm->lm_in_len -= start;
    if (lm->lm_in_len == sizeof lm->lm_in) {
        int rc = gr_fail(ctx, "%s received %zu bytes without a newline: lines are garbled",
                         lm->lm_name, lm->lm_in_len);
        gr_show_bytes(gr_details(ctx), "received", lm->lm_in, lm->lm_in_len, 0,
                      GR_TRANSCRIPT_WINDOW, NULL);
        return rc;
    }
    return 0;
}

/*
 * Send every member's bytes and read every line, until done() says so.
 * Returns LINES_DONE, LINES_QUIET when nothing arrived for quiet_ms (the
 * caller says what was missing), or gr_fail()'s value.
 */
static int lines_run(gr_ctx *ctx, lmember *ms, size_t n, line_fn on_line, done_fn done, void *arg,
                     int quiet_ms)
{
    struct pollfd *fds = calloc(n, sizeof *fds);
    if (fds == NULL) {
        return gr_fail(ctx, "grader ran out of memory");
    }
    int rc = LINES_QUIET;
    long last = gr_now_ms();
    while (!done(arg)) {
        long now = gr_now_ms();
        if (now - last >= quiet_ms || now >= gr_deadline(ctx)) {
            rc = LINES_QUIET;
            goto out;
        }
        for (size_t i = 0; i < n; i++) {
            lmember *lm = &ms[i];
            fds[i].fd = lm->lm_fd;
            fds[i].events = 0;
            fds[i].revents = 0;
            if (lm->lm_reads && !lm->lm_eof) {
                fds[i].events |= POLLIN;
            }
            if (lm->lm_out_off < lm->lm_out_len && !lm->lm_eof) {
                fds[i].events |= POLLOUT;
            }
            if (fds[i].events == 0) {
                fds[i].fd = -1;
            }
        }
        long wait = quiet_ms - (now - last);
        if (wait > gr_deadline(ctx) - now) {
            wait = gr_deadline(ctx) - now;
        }
        int r = poll(fds, n, (int)(wait > 0 ? wait : 0));
        if (r < 0 && errno != EINTR) {
            rc = gr_fail(ctx, "grader: poll failed: %s", strerror(errno));
            goto out;
        }
        for (size_t i = 0; i < n && r > 0; i++) {
            lmember *lm = &ms[i];
            if (fds[i].revents & POLLOUT) {
                size_t left = lm->lm_out_len - lm->lm_out_off;
                size_t take = left;
                if (lm->lm_chunk > 0) {
                    size_t chunk = 1 + gr_random_below(ctx, lm->lm_chunk);
                    take = chunk < left ? chunk : left;
                }
                ssize_t put = send(lm->lm_fd, lm->lm_out + lm->lm_out_off, take, MSG_NOSIGNAL);
                if (put > 0) {
                    lm->lm_out_off += (size_t)put;
                } else if (put < 0 && errno != EAGAIN && errno != EINTR) {
                    rc = gr_fail(ctx,
                                 "%s: sending failed: %s (did the server close the "
                                 "connection?)",
                                 lm->lm_name, strerror(errno));
                    goto out;
                }
            }
            if (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) {
                size_t room = sizeof lm->lm_in - lm->lm_in_len;
                ssize_t got = recv(lm->lm_fd, lm->lm_in + lm->lm_in_len, room, 0);
                if (got < 0 && (errno == EAGAIN || errno == EINTR)) {
                    continue;
                }
                if (got <= 0) {
                    lm->lm_eof = 1;
                    if (on_line(ctx, arg, i, NULL, 0) < 0) {
                        rc = -1;
                        goto out;
                    }
                    continue;
                }
                last = gr_now_ms();
                lm->lm_in_len += (size_t)got;
                if (split_lines(ctx, lm, i, on_line, arg) < 0) {
                    rc = -1;
                    goto out;
                }
            }
        }
    }
    rc = LINES_DONE;
out:
    free(fds);
    return rc;
}

/* Connect n line members, one after another. */
static int lmembers_connect(gr_ctx *ctx, lmember *ms, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        gr_conn c;
        if (gr_connect_opts(ctx, &c, ms[i].lm_name, 0, 1) < 0) {
            return -1;
        }
        lmember_adopt(&ms[i], &c);
    }
    return 0;
}

/* ---- step 4: 50 members, 100 lines each ---------------------------------------- */

enum { CROWD = 50, CROWD_LINES = 100, CROWD_TEXT = 56 };

typedef struct crowd {
    lmember cr_m[CROWD];
    char cr_text[CROWD][CROWD_LINES][CROWD_TEXT]; /* what each member says */
    int cr_next[CROWD][CROWD]; /* [receiver][sender]: index of the next line expected */
    int cr_ok[CROWD];          /* the receiver got "OK NAME" */
    unsigned char cr_heard_join[CROWD][CROWD]; /* [receiver][newcomer] */
    long cr_joins;                             /* join notices received, all members together */
    long cr_lines;                             /* chat lines received, all members together */
    int cr_phase;                              /* 1: joining, 2: talking */
} crowd;

/* Member index of a name "mNN", or -1. */
static int crowd_index(const char *name, size_t len)
{
    if (len != 3 || name[0] != 'm' || name[1] < '0' || name[1] > '9' || name[2] < '0' ||
        name[2] > '9') {
        return -1;
    }
    int k = (name[1] - '0') * 10 + (name[2] - '0') - 1;
    return k >= 0 && k < CROWD ? k : -1;
}

static int crowd_bad_line(gr_ctx *ctx, crowd *cr, size_t r, const char *line, size_t len,
                          const char *why)
{
    int rc = gr_fail(ctx, "%s received a line that %s", cr->cr_m[r].lm_name, why);
    gr_show_bytes(gr_details(ctx), "the line", line, len, 0, GR_TRANSCRIPT_WINDOW, NULL);
    return rc;
}

static int crowd_line(gr_ctx *ctx, void *arg, size_t r, const char *line, size_t len)
{
    crowd *cr = arg;
    const char *me = cr->cr_m[r].lm_name;
    if (line == NULL) {
        return gr_fail(ctx,
                       "the server closed %s's connection (after %ld of %d lines in all "
                       "were delivered)",
                       me, cr->cr_lines, CROWD * (CROWD - 1) * CROWD_LINES);
    }
    if (cr->cr_phase == 1) {
        char ok[16];
        int n = snprintf(ok, sizeof ok, "OK %s", me);
        if (!cr->cr_ok[r]) {
            if ((size_t)n != len || memcmp(line, ok, len) != 0) {
                return crowd_bad_line(ctx, cr, r, line, len,
                                      "is not \"OK NAME\", the reply to its name");
            }
            cr->cr_ok[r] = 1;
            return 0;
        }
        int k = len == 12 && memcmp(line, "* ", 2) == 0 && memcmp(line + 5, " joined", 7) == 0
                    ? crowd_index(line + 2, 3)
                    : -1;
        if (k < 0 || (size_t)k == r) {
            return crowd_bad_line(ctx, cr, r, line, len, "is not a join notice of another member");
        }
        if (cr->cr_heard_join[r][k]) {
            return crowd_bad_line(ctx, cr, r, line, len, "is a join notice it already had");
        }
        if (cr->cr_heard_join[k][r]) {
            return crowd_bad_line(ctx, cr, r, line, len,
                                  "announces a member who was told that this one joined: of two "
                                  "members, only the one already in the room hears of the other");
        }
        cr->cr_heard_join[r][k] = 1;
        cr->cr_joins++;
        return 0;
    }
    const char *colon = memchr(line, ':', len);
    int s = colon != NULL && colon + 1 < line + len && colon[1] == ' '
                ? crowd_index(line, (size_t)(colon - line))
                : -1;
    if (s < 0) {
        return crowd_bad_line(ctx, cr, r, line, len,
                              "is not \"NAME: TEXT\" from a member (garbled, or two lines mixed)");
    }
    if ((size_t)s == r) {
        return crowd_bad_line(ctx, cr, r, line, len,
                              "it said itself: the sender gets nothing back");
    }
    const char *text = colon + 2;
    size_t tlen = len - (size_t)(text - line);
    int want = cr->cr_next[r][s];
    if (want < CROWD_LINES && strlen(cr->cr_text[s][want]) == tlen &&
        memcmp(cr->cr_text[s][want], text, tlen) == 0) {
        cr->cr_next[r][s]++;
        cr->cr_lines++;
        return 0;
    }
    for (int k = 0; k < CROWD_LINES; k++) {
        if (strlen(cr->cr_text[s][k]) == tlen && memcmp(cr->cr_text[s][k], text, tlen) == 0) {
            char why[160];
            snprintf(why, sizeof why,
                     k < want ? "it had already received: line %d of %s, again"
                              : "came too early: line %d of %s before line %d",
                     k + 1, cr->cr_m[s].lm_name, want + 1);
            return crowd_bad_line(ctx, cr, r, line, len, why);
        }
    }
    int rc = crowd_bad_line(ctx, cr, r, line, len,
                            "is not any line its sender said: garbled (pieces of two lines "
                            "interleaved, or a line cut where a recv() ended)");
    if (want < CROWD_LINES) {
        gr_show_bytes(gr_details(ctx), "expected next from that sender", cr->cr_text[s][want],
                      strlen(cr->cr_text[s][want]), 0, GR_TRANSCRIPT_WINDOW, NULL);
    }
    return rc;
}

static int crowd_done(void *arg)
{
    crowd *cr = arg;
    if (cr->cr_phase == 1) {
        for (size_t i = 0; i < CROWD; i++) {
            if (!cr->cr_ok[i]) {
                return 0;
            }
        }
        return cr->cr_joins == CROWD * (CROWD - 1) / 2;
    }
    return cr->cr_lines == (long)CROWD * (CROWD - 1) * CROWD_LINES;
}

/* Say who is missing what, after the room went quiet. */
static void crowd_missing(gr_ctx *ctx, crowd *cr)
{
    int shown = 0;
    for (size_t r = 0; r < CROWD && shown < 5; r++) {
        for (size_t s = 0; s < CROWD && shown < 5; s++) {
            if (r != s && cr->cr_next[r][s] < CROWD_LINES) {
                gr_str_addf(gr_details(ctx), "%s got %d of the %d lines %s said\n",
                            cr->cr_m[r].lm_name, cr->cr_next[r][s], CROWD_LINES,
                            cr->cr_m[s].lm_name);
                shown++;
            }
        }
    }
}

static int check_chat_crowd(gr_ctx *ctx)
{
    crowd *cr = calloc(1, sizeof *cr);
    if (cr == NULL) {
        return gr_fail(ctx, "grader ran out of memory");
    }
    int rc = -1;
    for (size_t i = 0; i < CROWD; i++) {
        char name[8];
        snprintf(name, sizeof name, "m%02zu", i + 1);
        lmember_init(&cr->cr_m[i], name);
    }
    if (lmembers_connect(ctx, cr->cr_m, CROWD) < 0) {
        goto out;
    }
    /* Everyone gives a name at once. */
    cr->cr_phase = 1;
    for (size_t i = 0; i < CROWD; i++) {
        char line[8];
        int n = snprintf(line, sizeof line, "%s\n", cr->cr_m[i].lm_name);
        if (lmember_queue(ctx, &cr->cr_m[i], line, (size_t)n) < 0) {
            goto out;
        }
    }
    int r = lines_run(ctx, cr->cr_m, CROWD, crowd_line, crowd_done, cr, gr_ms(ctx, QUIET_MS));
    if (r < 0) {
        goto out;
    }
    if (r == LINES_QUIET) {
        gr_fail(ctx,
                "50 members gave their names at once; after %ld of the %d join notices "
                "nothing more came for %.1f s",
                cr->cr_joins, CROWD * (CROWD - 1) / 2, (double)gr_ms(ctx, QUIET_MS) / 1000.0);
        goto out;
    }
    /* Then everyone says 100 lines at once: some members send whole lines,
     * some send them in small pieces. */
    cr->cr_phase = 2;
    for (size_t i = 0; i < CROWD; i++) {
        gr_str all = {0};
        for (size_t k = 0; k < CROWD_LINES; k++) {
            char *t = cr->cr_text[i][k];
            int h = snprintf(t, CROWD_TEXT, "%s #%zu ", cr->cr_m[i].lm_name, k + 1);
            size_t extra = 5 + gr_random_below(ctx, 20);
            gr_random_text(ctx, t + h, extra);
            t[(size_t)h + extra] = '\0';
            gr_str_addf(&all, "%s\n", t);
        }
        cr->cr_m[i].lm_chunk = i % 3 == 0 ? 0 : i % 3 == 1 ? 7 : 300;
        int q = lmember_queue(ctx, &cr->cr_m[i], gr_str_cstr(&all), all.s_len);
        gr_str_free(&all);
        if (q < 0) {
            goto out;
        }
    }
    r = lines_run(ctx, cr->cr_m, CROWD, crowd_line, crowd_done, cr, gr_ms(ctx, QUIET_MS));
    if (r < 0) {
        goto out;
    }
    if (r == LINES_QUIET) {
        gr_fail(ctx,
                "50 members said 100 lines each; after %ld of the %d lines to deliver "
                "nothing more came for %.1f s",
                cr->cr_lines, CROWD * (CROWD - 1) * CROWD_LINES,
                (double)gr_ms(ctx, QUIET_MS) / 1000.0);
        crowd_missing(ctx, cr);
        goto out;
    }
    gr_str_addf(gr_details(ctx), "%ld join notices and %ld lines delivered, each once, in order\n",
                cr->cr_joins, cr->cr_lines);
    rc = 0;
out:
    for (size_t i = 0; i < CROWD; i++) {
        lmember_close(&cr->cr_m[i]);
    }
    free(cr);
    return rc;
}

/* ---- step 5: a member who does not read ------------------------------------------ */

enum { TALKERS = 3, ROUND_LINES = 32, SLOW_LINE = 1000 };

/* The most a member who does not read can hold up outside the server's own
 * queue: the server's send buffer for it, which the kernel may grow up to
 * the largest of net.ipv4.tcp_wmem (4 MiB by default), plus a little. */
static long kernel_slack(void)
{
    long lo = 0, def = 0, max = 4L << 20;
    FILE *f = fopen("/proc/sys/net/ipv4/tcp_wmem", "r");
    if (f != NULL) {
        if (fscanf(f, "%ld %ld %ld", &lo, &def, &max) != 3 || max < (1L << 20)) {
            max = 4L << 20;
        }
        fclose(f);
    }
    return max + (1L << 20);
}

typedef struct slow {
    lmember sl_m[TALKERS + 1];      /* the talkers, then the sleeper */
    long sl_said[TALKERS];          /* lines each talker said */
    long sl_next[TALKERS][TALKERS]; /* [receiver][sender]: next line number expected */
    int sl_left[TALKERS];           /* the receiver saw "* sleepy left" */
    long sl_bytes;                  /* bytes said in the room since sleepy joined */
} slow;

/* The text of line k (from 1) of talker s: "tS #K " and a filler, to SLOW_LINE bytes. */
static void slow_text(char *buf, size_t s, long k)
{
    int h = snprintf(buf, SLOW_LINE + 1, "t%zu #%ld ", s + 1, k);
    for (size_t i = (size_t)h; i < SLOW_LINE; i++) {
        buf[i] = (char)('a' + (i * 7 + (size_t)k + s) % 26);
    }
    buf[SLOW_LINE] = '\0';
}

static int slow_line(gr_ctx *ctx, void *arg, size_t r, const char *line, size_t len)
{
    slow *sl = arg;
    if (r == TALKERS) {
        return 0; /* sleepy reads nothing */
    }
    const char *me = sl->sl_m[r].lm_name;
    if (line == NULL) {
        return gr_fail(ctx, "the server closed %s's connection, and %s reads everything", me, me);
    }
    if (len == 13 && memcmp(line, "* sleepy left", 13) == 0) {
        if (sl->sl_left[r]) {
            return gr_fail(ctx, "%s was told twice that sleepy left", me);
        }
        sl->sl_left[r] = 1;
        return 0;
    }
    int s = len > 4 && line[0] == 't' && line[1] >= '1' && line[1] < '1' + TALKERS &&
                    line[2] == ':' && line[3] == ' '
                ? line[1] - '1'
                : -1;
    char want[SLOW_LINE + 1];
    if (s < 0 || (size_t)s == r) {
        int rc = gr_fail(ctx,
                         "%s received a line that is neither another talker's line nor "
                         "\"* sleepy left\"",
                         me);
        gr_show_bytes(gr_details(ctx), "the line", line, len, 0, GR_TRANSCRIPT_WINDOW, NULL);
        return rc;
    }
    long k = sl->sl_next[r][s] + 1;
    slow_text(want, (size_t)s, k);
    if (len != 4 + SLOW_LINE || memcmp(line + 4, want, SLOW_LINE) != 0) {
        int rc =
            gr_fail(ctx, "%s: line %ld of t%d came garbled, twice, or out of order", me, k, s + 1);
        gr_transcript(gr_details(ctx), NULL, 0, (const unsigned char *)want, SLOW_LINE,
                      (const unsigned char *)line + 4, len - 4);
        return rc;
    }
    sl->sl_next[r][s] = k;
    return 0;
}

static int slow_round_done(void *arg)
{
    slow *sl = arg;
    for (size_t r = 0; r < TALKERS; r++) {
        for (size_t s = 0; s < TALKERS; s++) {
            if (r != s && sl->sl_next[r][s] < sl->sl_said[s]) {
                return 0;
            }
        }
    }
    return 1;
}

static int slow_all_left(const slow *sl)
{
    for (size_t r = 0; r < TALKERS; r++) {
        if (!sl->sl_left[r]) {
            return 0;
        }
    }
    return 1;
}

/* Join three talkers and sleepy, who never reads (and has a small receive
 * buffer, so that its side fills soon). */
static int slow_setup(gr_ctx *ctx, slow *sl)
{
    gr_conn c[TALKERS + 1];
    static const char *const names[] = {"t1", "t2", "t3", "sleepy"};
    for (size_t i = 0; i <= TALKERS; i++) {
        lmember_init(&sl->sl_m[i], names[i]);
    }
    size_t ok = 0;
    int rc = 0;
    gr_conn *joined[TALKERS];
    for (; ok <= TALKERS && rc == 0; ok++) {
        for (size_t k = 0; k < ok; k++) {
            joined[k] = &c[k];
        }
        rc = join(ctx, &c[ok], names[ok], joined, ok);
    }
    for (size_t i = 0; i < ok; i++) {
        if (rc == 0) {
            lmember_adopt(&sl->sl_m[i], &c[i]);
        } else {
            gr_close(&c[i]);
        }
    }
    sl->sl_m[TALKERS].lm_reads = 0;
    if (rc == 0) {
        int small = 4096;
        setsockopt(sl->sl_m[TALKERS].lm_fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    }
    return rc;
}

/* One round: each talker says ROUND_LINES lines; wait until the others have
 * them. Returns LINES_DONE, LINES_QUIET or gr_fail()'s value. */
static int slow_round(gr_ctx *ctx, slow *sl)
{
    char text[SLOW_LINE + 2];
    for (size_t s = 0; s < TALKERS; s++) {
        gr_str out = {0};
        for (int i = 0; i < ROUND_LINES; i++) {
            slow_text(text, s, ++sl->sl_said[s]);
            gr_str_addf(&out, "%s\n", text);
            sl->sl_bytes += SLOW_LINE + 5;
        }
        int q = lmember_queue(ctx, &sl->sl_m[s], gr_str_cstr(&out), out.s_len);
        gr_str_free(&out);
        if (q < 0) {
            return -1;
        }
    }
    return lines_run(ctx, sl->sl_m, TALKERS + 1, slow_line, slow_round_done, sl,
                     gr_ms(ctx, QUIET_MS));
}

static int fail_frozen(gr_ctx *ctx, const slow *sl)
{
    return gr_fail(ctx,
                   "one member (sleepy) stopped reading, and after %.1f MiB said in the room the "
                   "others stopped hearing each other: nothing arrived for %.1f s",
                   (double)sl->sl_bytes / (1 << 20), (double)gr_ms(ctx, QUIET_MS) / 1000.0);
}

static void slow_free(slow *sl)
{
    for (size_t i = 0; i <= TALKERS; i++) {
        lmember_close(&sl->sl_m[i]);
    }
    free(sl);
}

static int check_chat_slow_flows(gr_ctx *ctx)
{
    slow *sl = calloc(1, sizeof *sl);
    if (sl == NULL) {
        return gr_fail(ctx, "grader ran out of memory");
    }
    int rc = slow_setup(ctx, sl);
    /* Twice what the kernel and the server's queue can hold for sleepy: a
     * server that waits for sleepy stops long before. */
    long flow_bytes = 2 * (kernel_slack() + QUEUE_MAX);
    while (rc == 0 && sl->sl_bytes < flow_bytes) {
        rc = slow_round(ctx, sl);
        if (rc == LINES_QUIET) {
            rc = fail_frozen(ctx, sl);
        }
    }
    if (rc == 0) {
        gr_str_addf(gr_details(ctx), "%.1f MiB said while sleepy read nothing; sleepy was %s\n",
                    (double)sl->sl_bytes / (1 << 20),
                    slow_all_left(sl) ? "disconnected" : "still there");
    }
    slow_free(sl);
    return rc;
}

static int check_chat_slow_dropped(gr_ctx *ctx)
{
    slow *sl = calloc(1, sizeof *sl);
    if (sl == NULL) {
        return gr_fail(ctx, "grader ran out of memory");
    }
    /* Five times what the kernel and the server's queue can hold for sleepy. */
    long drop_bytes = 5 * (kernel_slack() + QUEUE_MAX);
    int rc = slow_setup(ctx, sl);
    while (rc == 0 && !slow_all_left(sl)) {
        if (sl->sl_bytes >= drop_bytes) {
            rc = gr_fail(ctx,
                         "one member (sleepy) read nothing while %.0f MiB were said in the room, "
                         "and the server kept it: a member who does not read must be "
                         "disconnected once %d KiB wait for it, and the others told \"* sleepy "
                         "left\"",
                         (double)sl->sl_bytes / (1 << 20), QUEUE_MAX / 1024);
            break;
        }
        rc = slow_round(ctx, sl);
        if (rc == LINES_QUIET) {
            rc = fail_frozen(ctx, sl);
        }
    }
    if (rc == 0) {
        gr_str_addf(gr_details(ctx), "sleepy was disconnected after %.1f MiB said in the room\n",
                    (double)sl->sl_bytes / (1 << 20));
        /* The server's end of sleepy's connection must be shut down. (Reading
         * what it still holds for sleepy, megabytes through a window of a
         * few KiB, would take minutes.) */
        int state = 0;
        if (server_end(gr_port(ctx), local_port(sl->sl_m[TALKERS].lm_fd), &state) >= 0 &&
            state == 1) {
            rc = gr_fail(ctx, "the others were told that sleepy left, but the server's end of "
                              "sleepy's connection is still open (ESTABLISHED)");
        }
    }
    slow_free(sl);
    return rc;
}

/* ---- the echo servers: pool and fork ---------------------------------------------- */

/* Connect n clients in order 1..n (each gets a label "client N"). */
static int connect_clients(gr_ctx *ctx, gr_conn *c, size_t from, size_t n)
{
    for (size_t i = from; i < n; i++) {
        char label[32];
        snprintf(label, sizeof label, "client %zu", i + 1);
        if (connect_member(ctx, &c[i], label, 0, 1) < 0) {
            return -1;
        }
    }
    return 0;
}

static int echo_line(gr_ctx *ctx, gr_conn *c, const char *line, const char *what)
{
    return gr_exchange(ctx, c, line, strlen(line), line, strlen(line), 0, what);
}

/* n clients connect in order; the first stops in the middle of a line; the
 * others are served in reverse order; then the first finishes. Each then
 * closes its side and expects the server to close too. */
static int served_out_of_order(gr_ctx *ctx, size_t n)
{
    gr_conn c[16];
    conns_none(c, n);
    int rc = connect_clients(ctx, c, 0, n);
    if (rc == 0) {
        rc = echo_line(ctx, &c[0], "client 1 stops in the mid", "echo of half a line");
    }
    for (size_t i = n; i-- > 1 && rc == 0;) {
        char line[64];
        snprintf(line, sizeof line, "client %zu, served while client 1 waits\n", i + 1);
        rc = echo_line(ctx, &c[i], line, "echo");
        if (rc < 0) {
            gr_fail(ctx,
                    "(clients 1 to %zu are connected, client 1 in the middle of a line; "
                    "served in the order %zu, %zu, ... 2: each must be served while the "
                    "others wait)",
                    n, n, n - 1);
        }
    }
    if (rc == 0) {
        rc = echo_line(ctx, &c[0], "dle of a line\n", "echo of the rest of client 1's line");
    }
    for (size_t i = 0; i < n && rc == 0; i++) {
        rc = gr_exchange(ctx, &c[i], "bye\n", 4, "bye\n", 4, GR_SHUT_AFTER | GR_WANT_EOF,
                         "echo of a last line, then end of file after the client closed its side");
    }
    close_all(c, n);
    return rc;
}

/* ---- step 6: a pool of threads ----------------------------------------------------- */

static int check_pool_concurrent(gr_ctx *ctx)
{
    return served_out_of_order(ctx, WORKERS);
}

/* WORKERS clients being served (each has had an echo back), then POOL_QUEUE
 * more connected and waiting. */
static int fill_pool(gr_ctx *ctx, gr_conn *c)
{
    enum { FULL = WORKERS + POOL_QUEUE };
    conns_none(c, FULL);
    if (connect_clients(ctx, c, 0, WORKERS) < 0) {
        return -1;
    }
    for (size_t i = 0; i < WORKERS; i++) {
        char line[64];
        snprintf(line, sizeof line, "client %zu\n", i + 1);
        if (echo_line(ctx, &c[i], line, "echo") < 0) {
            return gr_fail(ctx,
                           "(clients 1 to %zu are connected and stay connected: a pool of "
                           "%d threads serves %d clients at once)",
                           i + 1, WORKERS, WORKERS);
        }
    }
    if (connect_clients(ctx, c, WORKERS, FULL) < 0) {
        return -1;
    }
    for (size_t i = WORKERS; i < FULL; i++) {
        static char lines[FULL][32];
        snprintf(lines[i], sizeof lines[i], "client %zu\n", i + 1);
        if (scene(ctx, "a waiting client sends a line", &(part){&c[i], lines[i], NULL}, 1) < 0) {
            return -1;
        }
    }
    return 0;
}

static int check_pool_busy(gr_ctx *ctx)
{
    enum { FULL = WORKERS + POOL_QUEUE };
    gr_conn c[FULL + 1];
    conns_none(&c[FULL], 1);
    int rc = fill_pool(ctx, c);
    if (rc == 0) {
        rc = connect_member(ctx, &c[FULL], "client 25", 0, 1);
    }
    if (rc == 0) {
        rc = gr_exchange(ctx, &c[FULL], NULL, 0, "BUSY\n", 5, GR_WANT_EOF,
                         "the reply to a client when the pool and its queue are full");
        if (rc < 0) {
            gr_fail(ctx,
                    "(%d clients are being served and %d wait in the queue: the next one "
                    "must get \"BUSY\\n\" and end of file at once)",
                    WORKERS, POOL_QUEUE);
        }
    }
    if (rc == 0) {
        /* A worker comes free: the oldest waiting client is served. */
        gr_close(&c[0]);
        rc = gr_exchange(ctx, &c[WORKERS], NULL, 0, "client 9\n", 9, 0,
                         "client 9's echo, once client 1 has left");
        if (rc < 0) {
            gr_fail(ctx, "(client 1 closed its connection: its worker must take the oldest "
                         "waiting client, client 9)");
        }
    }
    close_all(c, FULL + 1);
    return rc;
}

static int server_threads(gr_ctx *ctx, int *threads)
{
    gr_tree_stats st;
    if (gr_procfs_tree_stats(gr_server_pid(ctx), &st) < 0) {
        return gr_fail(ctx, "cannot read the server's threads from /proc");
    }
    *threads = st.ts_threads;
    return 0;
}

/* A short client: "hi" and end of file; the answer, up to end of file,
 * must be its echo, or BUSY (then *busy is set). Returns 0 or gr_fail()'s
 * value. */
static int echo_or_busy(gr_ctx *ctx, int *busy)
{
    gr_conn c;
    if (connect_member(ctx, &c, "a short client", 0, 1) < 0) {
        return -1;
    }
    int rc = 0;
    char got[64];
    size_t n = 0;
    if (gr_send_some(&c, "hi\n", 3) != 3) {
        rc = gr_fail(ctx, "a short client could not send 3 bytes: %s", strerror(errno));
    }
    shutdown(c.c_fd, SHUT_WR);
    long until = gr_now_ms() + gr_ms(ctx, QUIET_MS);
    for (;;) {
        long left = until - gr_now_ms();
        struct pollfd pfd = {.fd = c.c_fd, .events = POLLIN};
        if (rc < 0 || left <= 0 || poll(&pfd, 1, (int)left) <= 0) {
            if (rc == 0) {
                rc = gr_fail(ctx,
                             "a short client sent \"hi\\n\" and closed its side; the "
                             "server did not answer and close within %.1f s",
                             (double)gr_ms(ctx, QUIET_MS) / 1000.0);
            }
            break;
        }
        ssize_t r = recv(c.c_fd, got + n, sizeof got - n, 0);
        if (r < 0 && (errno == EAGAIN || errno == EINTR)) {
            continue;
        }
        if (r <= 0 || (n += (size_t)r) == sizeof got) {
            break;
        }
    }
    if (rc == 0 && n == 5 && memcmp(got, "BUSY\n", 5) == 0) {
        *busy = 1;
    } else if (rc == 0 && (n != 3 || memcmp(got, "hi\n", 3) != 0)) {
        rc = gr_fail(ctx, "a short client sent \"hi\\n\" and got neither its echo nor BUSY");
        gr_show_bytes(gr_details(ctx), "received", got, n, 0, GR_TRANSCRIPT_WINDOW, NULL);
    }
    gr_close(&c);
    return rc;
}

static int check_pool_threads(gr_ctx *ctx)
{
    enum { FULL = WORKERS + POOL_QUEUE, MORE = 10, LIMIT = WORKERS + 3 };
    gr_conn c[FULL];
    conns_none(c, FULL);
    int before = 0, during = 0, after = 0;
    int rc = server_threads(ctx, &before);
    if (rc == 0) {
        rc = fill_pool(ctx, c);
    }
    if (rc == 0) {
        rc = server_threads(ctx, &during);
    }
    for (int i = 0; i < MORE && rc == 0; i++) {
        gr_conn extra;
        if (connect_member(ctx, &extra, "one too many", 0, 1) < 0) {
            rc = -1;
            break;
        }
        /* Whatever the server does with it (BUSY, or serving it), the first
         * byte of its answer says the server has it. */
        if (gr_send_some(&extra, "hello\n", 6) != 6) {
            rc = gr_fail(ctx, "a client beyond the queue could not send 6 bytes: %s",
                         strerror(errno));
        }
        struct pollfd pfd = {.fd = extra.c_fd, .events = POLLIN};
        if (rc == 0 && poll(&pfd, 1, gr_ms(ctx, QUIET_MS)) != 1) {
            rc = gr_fail(ctx, "a client beyond the queue got no answer at all in %.1f s",
                         (double)gr_ms(ctx, QUIET_MS) / 1000.0);
        }
        int now = 0;
        if (rc == 0) {
            rc = server_threads(ctx, &now);
        }
        during = now > during ? now : during;
        gr_close(&extra);
    }
    close_all(c, FULL);
    /* The workers now finish the 24 closed clients; a client that comes
     * meanwhile may find the queue still full: BUSY, and it tries again. */
    int served = 0;
    for (int tries = 0; served < 40 && rc == 0 && tries < 400; tries++) {
        int busy = 0;
        rc = echo_or_busy(ctx, &busy);
        served += !busy;
    }
    if (rc == 0 && served < 40) {
        rc = gr_fail(
            ctx, "with every client gone, the server still answered BUSY to more than 360 of 400 "
                 "new clients: do the workers take connections off the queue?");
    }
    if (rc == 0) {
        rc = server_threads(ctx, &after);
    }
    gr_str_addf(gr_details(ctx),
                "threads: %d at the start, at most %d with %d clients connected and %d more "
                "turned away, %d after 40 more one after another\n",
                before, during, FULL, MORE, after);
    if (rc == 0 && (during > LIMIT || after > LIMIT)) {
        rc = gr_fail(ctx,
                     "the server had %d threads: a pool has %d workers and the thread that "
                     "accepts (and perhaps a thread or two of the runtime's: at most %d in all), "
                     "however many clients come",
                     during > after ? during : after, WORKERS, LIMIT);
    }
    return rc;
}

/* ---- step 7: a process per connection ------------------------------------------------- */

static int check_fork_concurrent(gr_ctx *ctx)
{
    return served_out_of_order(ctx, 10);
}

static int check_fork_children(gr_ctx *ctx)
{
    enum { N = 10 };
    gr_conn c[N];
    conns_none(c, N);
    int rc = connect_clients(ctx, c, 0, N);
    for (size_t i = 0; i < N && rc == 0; i++) {
        rc = echo_line(ctx, &c[i], "hello\n", "echo");
    }
    gr_tree_stats st;
    if (rc == 0 && gr_procfs_tree_stats(gr_server_pid(ctx), &st) < 0) {
        rc = gr_fail(ctx, "cannot read the server's processes from /proc");
    }
    if (rc == 0) {
        gr_str_addf(gr_details(ctx), "with %d clients connected: %d processes, %d threads\n", N,
                    st.ts_processes, st.ts_threads);
        if (st.ts_processes < N + 1) {
            rc = gr_fail(ctx,
                         "with %d clients connected the server is %d process%s (%d threads): "
                         "fork() a child for each connection",
                         N, st.ts_processes, st.ts_processes == 1 ? "" : "es", st.ts_threads);
        }
    }
    close_all(c, N);
    return rc;
}

static int check_fork_zombies(gr_ctx *ctx)
{
    enum { TOTAL = 300, BATCH = 30 };
    gr_conn c[BATCH];
    int rc = 0;
    /* Batches of 30 clients: each connects and is served in turn, then all
     * 30 close at once, so that their children exit together and their
     * SIGCHLDs merge into fewer signals than children. */
    for (int done = 0; done < TOTAL && rc == 0; done += BATCH) {
        conns_none(c, BATCH);
        static char lines[BATCH][32];
        gr_conn *conns[BATCH];
        for (size_t i = 0; i < BATCH && rc == 0; i++) {
            char label[32];
            snprintf(label, sizeof label, "client %zu", done + i + 1);
            snprintf(lines[i], sizeof lines[i], "client %zu\n", done + i + 1);
            rc = connect_member(ctx, &c[i], label, 0, 1);
            if (rc == 0) {
                rc = echo_line(ctx, &c[i], lines[i], "echo");
            }
            gr_conn_plan(&c[i], NULL, 0, NULL, 0, GR_SHUT_AFTER | GR_WANT_EOF);
            conns[i] = &c[i];
        }
        if (rc == 0) {
            int r = gr_mux_run(ctx, conns, BATCH, gr_deadline(ctx),
                               "end of file after the client closed its side");
            rc = r < 0    ? -1
                 : r == 0 ? gr_fail(ctx, "30 clients closed their side at once, and "
                                         "did not all see end of file in time")
                          : 0;
        }
        close_all(c, BATCH);
    }
    if (rc < 0) {
        return rc;
    }
    /* Every client has closed: each child exits, and the parent reaps it.
     * Look while one more client is connected and served, so the parent has
     * just come back from accept(): ThreadSanitizer holds back a signal that
     * arrives during accept() until accept() returns. Until the time is up,
     * try again with a new client while any child is left over. */
    gr_tree_stats st;
    long until = gr_now_ms() + gr_ms(ctx, 5000);
    for (int tries = 1;; tries++) {
        gr_conn last;
        char label[32];
        snprintf(label, sizeof label, "client %d", TOTAL + tries);
        if (connect_member(ctx, &last, label, 0, 1) < 0 ||
            echo_line(ctx, &last, "one more\n", "echo") < 0) {
            gr_close(&last);
            return -1;
        }
        int got = gr_procfs_tree_stats(gr_server_pid(ctx), &st);
        gr_close(&last);
        if (got < 0) {
            return gr_fail(ctx, "cannot read the server's processes from /proc");
        }
        /* The parent and the last client's child. */
        if ((st.ts_processes <= 2 && st.ts_zombies == 0) || gr_now_ms() >= until) {
            break;
        }
        poll(NULL, 0, 20);
    }
    st.ts_processes--; /* the last client's child does not count */
    gr_str_addf(gr_details(ctx), "after %d connections, all closed: %d processes, %d zombies\n",
                TOTAL, st.ts_processes, st.ts_zombies);
    if (st.ts_zombies > 0) {
        return gr_fail(ctx,
                       "after %d connections, all closed, %d children are zombies: the parent "
                       "must reap each child that exits, with waitpid() (in a loop, in a SIGCHLD "
                       "handler)",
                       TOTAL, st.ts_zombies);
    }
    if (st.ts_processes > 1) {
        return gr_fail(ctx,
                       "after %d connections, all closed, %d children are still running: a child "
                       "must exit when its client is done",
                       TOTAL, st.ts_processes - 1);
    }
    return 0;
}

/* ---- the list ----------------------------------------------------------------------- */

static const char *const steps[] = {
    "",
    "a thread per member",
    "broadcast",
    "join and leave",
    "many members at once",
    "a member who does not read",
    "a pool of threads",
    "a process per connection",
};

static const gr_check checks[] = {
    {"chat-concurrent", 1, GR_SERVER, 6, 10000, 0,
     "a member is served while another is in the middle of its first line",
     "Give each connection its own thread: accept(), then pthread_create() a thread that reads "
     "that client's lines, and go straight back to accept(). A server that reads one client "
     "until it is done serves nobody else meanwhile.",
     check_chat_concurrent},
    {"chat-names", 1, GR_SERVER, 7, 10000, 0,
     "bad and taken names get ERR replies; a member is named before it hears the room",
     "The first line is the name: 1 to 16 of A-Z a-z 0-9 _ -. Reply \"ERR invalid name\" or "
     "\"ERR name taken\" and read the next line; on a good one reply \"OK NAME\". Check that the "
     "name is free and add the member under the same lock.",
     check_chat_names},
    {"chat-broadcast", 2, GR_SERVER, 7, 10000, 0,
     "each line goes to every other member as \"NAME: TEXT\", never back to its sender",
     "Walk the member list with the room's mutex held and send \"NAME: TEXT\\n\" to every "
     "member but the sender. Skip empty lines.",
     check_chat_broadcast},
    {"chat-framing", 2, GR_SERVER, 8, 10000, 0,
     "lines are found by their newline, whatever pieces recv() returns",
     "A recv() returns what has arrived: part of a line, or several lines. Read with a "
     "buffered line reader (sl_rio_readline()) and handle one complete line at a time.",
     check_chat_framing},
    {"chat-line-limit", 2, GR_SERVER, 5, 10000, 0,
     "a 1000-byte line passes; a longer one gets \"ERR line too long\" once and is dropped",
     "Read into a buffer of 1000 bytes plus room for CR, LF and NUL. When no newline comes in "
     "time (sl_rio_readline() fails with EMSGSIZE), reply \"ERR line too long\" and skip the "
     "rest of that line, up to its newline.",
     check_chat_line_limit},
    {"chat-leave", 3, GR_SERVER, 7, 10000, 0,
     "\"* NAME left\" when a member closes; the name is free again",
     "When recv() returns 0, take the member out of the list (under the lock), tell the others "
     "\"* NAME left\", close the socket and end the thread. Nothing may be sent to a member "
     "after it is out of the list.",
     check_chat_leave},
    {"chat-abrupt", 3, GR_SERVER, 6, 10000, 0,
     "a reset connection is a member leaving too; half a line is dropped",
     "recv() failing (ECONNRESET) ends the member like end of file does. A line without its "
     "newline is not a line: drop it. A client that leaves before it has a name is never "
     "announced. Ignore SIGPIPE so that a send() to a vanished member fails with EPIPE.",
     check_chat_abrupt},
    {"chat-many-members", 4, GR_SERVER, 12, 60000, 0,
     "50 members say 100 lines each at once: everyone gets every other's lines once, in order, "
     "whole",
     "Each line must reach each member whole: give every member one writer (a queue and a "
     "thread, or a per-member mutex held for the whole line) so two senders never write to "
     "one socket at the same time. Join, leave and broadcast all hold the room's lock.",
     check_chat_crowd},
    {"chat-slow-flows", 5, GR_SERVER, 6, 60000, 0,
     "a member who never reads does not stop the others from talking",
     "Never call a send() that can block while holding the room's lock, or in the thread of "
     "the member who is talking: a member who does not read fills its socket, and send() then "
     "waits for it. Queue the line for that member; its own writer thread waits instead.",
     check_chat_slow_flows},
    {"chat-slow-dropped", 5, GR_SERVER, 6, 60000, 0,
     "a member who never reads is disconnected once 256 KiB wait for it",
     "Bound each member's queue: when a line would make it longer than 256 KiB, disconnect "
     "that member (shutdown(fd, SHUT_RDWR) wakes its threads) and let its reader announce "
     "\"* NAME left\". An unbounded queue lets one client use up the server's memory.",
     check_chat_slow_dropped},

    {"pool-concurrent", 6, GR_SERVER, 5, 10000, 0,
     "8 clients connected in order 1..8 are served in order 8..1, client 1 mid-line",
     "Start 8 worker threads at the beginning; the main thread accepts and puts each "
     "connection on the queue, and a free worker takes it and echoes until the client closes.",
     check_pool_concurrent},
    {"pool-busy", 6, GR_SERVER, 5, 10000, 0,
     "with 8 clients served and 16 waiting, the next gets \"BUSY\"; a free worker takes the "
     "oldest",
     "The queue holds at most 16 connections. When it is full, send \"BUSY\\n\" and close the "
     "new connection instead of queueing it. Take connections off the queue oldest first "
     "(a ring buffer, a mutex and a condition variable).",
     check_pool_busy},
    {"pool-threads", 6, GR_SERVER, 5, 20000, 0,
     "the server has 8 workers and one thread that accepts, however many clients come",
     "Create the workers once, before the accept loop, and never again: a thread per "
     "connection is not a pool. /proc/PID/status (Threads:) shows how many you have.",
     check_pool_threads},

    {"fork-concurrent", 7, GR_SERVER, 5, 10000, 0,
     "10 clients connected in order are served in reverse order; each sees end of file after "
     "closing",
     "After accept(), fork(): the child closes the listening socket, echoes its client and "
     "_exit()s; the parent closes the connected socket (or the client never sees end of "
     "file) and goes back to accept().",
     check_fork_concurrent},
    {"fork-children", 7, GR_SERVER, 4, 10000, 0,
     "each connection is served by a child process of its own",
     "fork() once per accepted connection; ps --forest (or /proc) shows the children.",
     check_fork_children},
    {"fork-no-zombies", 7, GR_SERVER, 6, 30000, 0,
     "after 300 connections no child is left: none running, none a zombie",
     "An exited child stays a zombie until its parent calls waitpid(). Install a SIGCHLD "
     "handler (sigaction, SA_RESTART) that calls waitpid(-1, NULL, WNOHANG) in a loop: one "
     "signal may stand for many children.",
     check_fork_zombies},
};

/* The pool and fork checks start their own programs; the chat checks the
 * lab's server. A --server command stands for all three. */
static const gr_server_rule server_rules[] = {
    {"pool-*", "./pool_server {port}", 0},
    {"fork-*", "./fork_server {port}", 0},
};

const gr_lab gr_lab06 = {
    .lab_id = "06",
    .lab_name = "threads",
    .lab_title = "threads and processes",
    .lab_server_cmd = "./chat_server {port}",
    .lab_client_cmd = NULL,
    .lab_steps = steps,
    .lab_nsteps = sizeof steps / sizeof steps[0] - 1,
    .lab_checks = checks,
    .lab_nchecks = sizeof checks / sizeof checks[0],
    .lab_hidden = NULL,
    .lab_udp = 0,
    .lab_server_rules = server_rules,
    .lab_nserver_rules = sizeof server_rules / sizeof server_rules[0],
    .lab_sanitize = "thread,undefined",
};
