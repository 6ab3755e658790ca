/* chat.c - lab 06's checks of the chat server, steps 1 to 3: a thread per
 * member, names, broadcast, framing, the line limit, leaving. Each
 * conversation is a scene: every member sends its bytes and must receive
 * exactly its bytes. */
#include "lab06.h"

#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- scenes: every member sends its bytes and expects its bytes ------------- */

/* After a failed chat check: a server that ended says how. */
void lab06_server_cause(gr_ctx *ctx)
{
    int signo = 0;
    int status = -1;
    if (!gr_server_ended(ctx, 200, &signo, &status)) {
        /* A process killed with many threads is torn down, then reaped, a
         * while later, longer on a loaded machine: one that is exiting, or
         * whose descriptors are gone, is on its way out, worth waiting for. */
        pid_t pid = gr_server_pid(ctx);
        if ((gr_procfs_exiting(pid) != 1 && gr_procfs_fd_count(pid) > 0) ||
            !gr_server_ended(ctx, 2000, &signo, &status)) {
            return;
        }
    }
    if (signo == SIGPIPE) {
        gr_hint(ctx, "A member who vanishes must not kill the server: it died of SIGPIPE, which "
                     "writing to a closed connection raises. In C: signal(SIGPIPE, SIG_IGN) in "
                     "main() before the first thread (or MSG_NOSIGNAL on every send()); the "
                     "send() then fails with EPIPE: end that member. In Python: SIGPIPE is "
                     "ignored for you; catch BrokenPipeError in the writer.");
    } else if (status > 0) {
        gr_hint(ctx,
                "One member's error ends that member, not the server: it exited (status %d). "
                "In C: on ECONNRESET or EPIPE, that member's threads end and it leaves the room; "
                "no exit() in a thread, which ends every thread. In Python: catch OSError in each "
                "member's thread; sys.exit() there ends only that thread.",
                status);
    }
}

/* Play a scene: all parts at once, until every member got what it expects.
 * Returns 0, or gr_fail()'s value with the transcript of the member that
 * did not get it. */
int lab06_scene(gr_ctx *ctx, const char *what, const part *parts, size_t n)
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
        lab06_server_cause(ctx);
        return -1;
    }
    if (r == 0) {
        for (size_t i = 0; i < n; i++) {
            if (!conns[i]->c_done) {
                lab06_server_cause(ctx);
                return gr_conn_fail(ctx, conns[i], "%s: %s: the check's time ran out",
                                    conns[i]->c_label, what);
            }
        }
    }
    return 0;
}

/* Connect a member and give its name: it must get "OK NAME"; the members in
 * others[0..nothers) must get "* NAME joined". */
int lab06_join(gr_ctx *ctx, gr_conn *c, const char *name, gr_conn *const *others, size_t nothers)
{
    if (gr_connect(ctx, c, name, &(gr_conn_opts){.co_nodelay = 1}) < 0) {
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
    return lab06_scene(ctx, what, parts, nothers + 1);
}

/* ---- /proc/net/tcp: has the server read what a client sent? ---------------- */

/* The row of /proc/net/tcp (or tcp6) of the server's end of the connection
 * whose client end is local port cport: its send and receive queues and
 * TCP state. Returns 0, or -1 if the connection is not in the tables. */
static int server_row(int sport, int cport, long *txq_out, long *rxq_out, int *state)
{
    static const char *const tables[] = {"/proc/net/tcp", "/proc/net/tcp6"};
    for (size_t t = 0; t < 2; t++) {
        FILE *f = fopen(tables[t], "r");
        if (f == NULL) {
            continue;
        }
        char line[512];
        int found = 0;
        while (!found && fgets(line, sizeof line, f) != NULL) {
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
                found = 1;
                *txq_out = (long)txq;
                *rxq_out = (long)rxq;
                *state = (int)st;
            }
        }
        fclose(f);
        if (found) {
            return 0;
        }
    }
    return -1;
}

/* The server's end of the connection whose client end is local port cport:
 * its receive queue (bytes the server has not read yet) and, if state is not
 * NULL, its TCP state (1: established). Returns the receive queue, or -1 if
 * the connection is not in the tables. */
long lab06_server_end(int sport, int cport, int *state)
{
    long txq = 0, rxq = 0;
    int st = 0;
    if (server_row(sport, cport, &txq, &rxq, &st) < 0) {
        return -1;
    }
    if (state != NULL) {
        *state = st;
    }
    return rxq;
}

long lab06_server_end_tx(int sport, int cport)
{
    long txq = 0, rxq = 0;
    int st = 0;
    return server_row(sport, cport, &txq, &rxq, &st) < 0 ? -1 : txq;
}

/* The local port of a socket, or -1. */
int lab06_local_port(int fd)
{
    struct sockaddr_in sin;
    socklen_t len = sizeof sin;
    if (getsockname(fd, (struct sockaddr *)&sin, &len) < 0 || sin.sin_family != AF_INET) {
        return -1;
    }
    return ntohs(sin.sin_port);
}

/* Wait until the server has read everything c sent (its end's receive
 * queue in /proc/net/tcp is empty), or the quiet time is up. */
void lab06_wait_read(gr_ctx *ctx, gr_conn *c)
{
    int cport = lab06_local_port(gr_conn_fd(c));
    long until = gr_now_ms() + gr_quiet_ms(ctx);
    while (gr_now_ms() < until) {
        long unread = lab06_server_end(gr_port(ctx), cport, NULL);
        if (unread == 0) {
            return;
        }
        if (unread < 0) {
            break; /* not in /proc/net (no /proc?): fall back to a pause */
        }
        poll(NULL, 0, 2);
    }
    poll(NULL, 0, 50);
}

int lab06_send_piece(gr_ctx *ctx, gr_conn *c, const char *piece)
{
    if (lab06_scene(ctx, "sending a piece of a line", &(part){c, piece, NULL}, 1) < 0) {
        return -1;
    }
    lab06_wait_read(ctx, c);
    return 0;
}

/* ---- step 1: a thread per client -------------------------------------------------- */

int lab06_check_chat_concurrent(gr_ctx *ctx)
{
    gr_conn a, b;
    if (gr_connect(ctx, &a, "alice", &(gr_conn_opts){.co_nodelay = 1}) < 0) {
        return -1;
    }
    int rc = -1;
    if (gr_connect(ctx, &b, "bob", &(gr_conn_opts){.co_nodelay = 1}) < 0) {
        gr_close(&a);
        return -1;
    }
    /* alice, connected first, stops in the middle of her name. */
    if (lab06_send_piece(ctx, &a, "ali") < 0) {
        goto out;
    }
    if (lab06_scene(ctx, "bob joins while alice is in the middle of her first line",
                    (part[]){{&b, "bob\n", "OK bob\n"}}, 1) < 0) {
        gr_fail(ctx, "(alice connected first and has sent \"ali\" without a newline: while one "
                     "client is in the middle of a line, the others must be served)");
        goto out;
    }
    rc = lab06_scene(ctx, "alice finishes her name",
                     (part[]){{&a, "ce\n", "OK alice\n"}, {&b, NULL, "* alice joined\n"}}, 2);
out:
    gr_close(&a);
    gr_close(&b);
    return rc;
}

int lab06_check_chat_names(gr_ctx *ctx)
{
    gr_conn m[2], p;
    gr_conn_none(m, 2);
    gr_conn_none(&p, 1);
    int rc = -1;
    gr_conn *joined[1] = {&m[0]};
    if (lab06_join(ctx, &m[0], "alice", NULL, 0) < 0 ||
        lab06_join(ctx, &m[1], "bob", joined, 1) < 0 ||
        gr_connect(ctx, &p, "newcomer", &(gr_conn_opts){.co_nodelay = 1}) < 0) {
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
    if (lab06_scene(ctx, "names that break the rules", (part[]){{&p, bad, errs}}, 1) < 0) {
        goto out;
    }
    /* A newcomer without a name hears nothing of the room. Once bob has
     * alice's line, the server has said it to everyone it was going to. */
    if (lab06_scene(
            ctx, "alice talks while the newcomer has no name",
            (part[]){{&m[0], "before you came\n", NULL}, {&m[1], NULL, "alice: before you came\n"}},
            2) < 0 ||
        lab06_scene(ctx, "a name that is taken", (part[]){{&p, "alice\n", "ERR name taken\n"}}, 1) <
            0) {
        goto out;
    }
    if (lab06_scene(ctx, "a free name, with CR LF",
                    (part[]){{&p, "pat_2-B\r\n", "OK pat_2-B\n"},
                             {&m[0], NULL, "* pat_2-B joined\n"},
                             {&m[1], NULL, "* pat_2-B joined\n"}},
                    3) < 0) {
        goto out;
    }
    rc = lab06_scene(ctx, "the first line pat_2-B hears",
                     (part[]){{&m[0], "after you came\n", NULL},
                              {&m[1], NULL, "alice: after you came\n"},
                              {&p, NULL, "alice: after you came\n"}},
                     3);
out:
    gr_close_all(m, 2);
    gr_close(&p);
    return rc;
}

/* ---- step 2: broadcast ------------------------------------------------------------------ */

/* alice, bob and carol join, in that order, each heard by those before. */
static int join_three(gr_ctx *ctx, gr_conn m[3])
{
    gr_conn *joined[2] = {&m[0], &m[1]};
    if (lab06_join(ctx, &m[0], "alice", NULL, 0) < 0 ||
        lab06_join(ctx, &m[1], "bob", joined, 1) < 0 ||
        lab06_join(ctx, &m[2], "carol", joined, 2) < 0) {
        return -1;
    }
    return 0;
}

int lab06_check_chat_broadcast(gr_ctx *ctx)
{
    gr_conn m[3];
    gr_conn_none(m, 3);
    int rc = -1;
    if (join_three(ctx, m) < 0) {
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
            if (lab06_scene(ctx, what, parts, 3) < 0) {
                goto out;
            }
        }
    }
    /* An empty line says nothing. */
    rc = lab06_scene(ctx, "carol sends an empty line, then one that is not",
                     (part[]){{&m[2], "\nnot empty\n", NULL},
                              {&m[0], NULL, "carol: not empty\n"},
                              {&m[1], NULL, "carol: not empty\n"}},
                     3);
out:
    gr_close_all(m, 3);
    return rc;
}

int lab06_check_chat_framing(gr_ctx *ctx)
{
    gr_conn a, b;
    gr_conn_none(&b, 1);
    int rc = -1;
    gr_conn *joined[1] = {&a};
    if (lab06_join(ctx, &a, "alice", NULL, 0) < 0 || lab06_join(ctx, &b, "bob", joined, 1) < 0) {
        goto out;
    }
    if (lab06_scene(ctx, "three lines in one send()",
                    (part[]){{&a, "one\ntwo\nthree\n", NULL},
                             {&b, NULL, "alice: one\nalice: two\nalice: three\n"}},
                    2) < 0) {
        gr_fail(ctx, "(alice sent the three lines in one send(): one recv() may hold several "
                     "lines)");
        goto out;
    }
    /* One line in three pieces, each read by the server before the next. */
    if (lab06_send_piece(ctx, &a, "a line ") < 0 || lab06_send_piece(ctx, &a, "in three ") < 0) {
        goto out;
    }
    rc = lab06_scene(
        ctx, "the last piece of a line sent in three",
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

int lab06_check_chat_line_limit(gr_ctx *ctx)
{
    gr_conn a, b;
    gr_conn_none(&b, 1);
    int rc = -1;
    gr_conn *joined[1] = {&a};
    static char out[7100], want[7200];
    if (lab06_join(ctx, &a, "alice", NULL, 0) < 0 || lab06_join(ctx, &b, "bob", joined, 1) < 0) {
        goto out;
    }
    /* The longest line there may be: 1000 bytes of text. */
    gr_random_text(ctx, out, LINE_MAX_LEN);
    out[0] = '[';
    out[LINE_MAX_LEN - 1] = ']';
    out[LINE_MAX_LEN] = '\n';
    out[LINE_MAX_LEN + 1] = '\0';
    snprintf(want, sizeof want, "alice: %s", out);
    if (lab06_scene(ctx, "a line of 1000 bytes, the longest allowed",
                    (part[]){{&a, out, NULL}, {&b, NULL, want}}, 2) < 0) {
        goto out;
    }
    /* The same with CR LF: the CR is removed, it is not text. */
    out[LINE_MAX_LEN] = '\r';
    out[LINE_MAX_LEN + 1] = '\n';
    out[LINE_MAX_LEN + 2] = '\0';
    if (lab06_scene(ctx, "a line of 1000 bytes and CR LF",
                    (part[]){{&a, out, NULL}, {&b, NULL, want}}, 2) < 0) {
        gr_fail(ctx, "(1000 bytes of text, then CR LF: the CR just before the newline is "
                     "removed and not counted, so the line is the longest allowed, not too long)");
        goto out;
    }
    /* 1001 bytes, 5000, then 1001 and CR LF: each refused once, as a whole. */
    size_t n = 0;
    gr_random_text(ctx, out, LINE_MAX_LEN + 1);
    n = LINE_MAX_LEN + 1;
    out[n++] = '\n';
    gr_random_text(ctx, out + n, 5000);
    n += 5000;
    out[n++] = '\n';
    gr_random_text(ctx, out + n, LINE_MAX_LEN + 1);
    n += LINE_MAX_LEN + 1;
    out[n++] = '\r';
    out[n++] = '\n';
    out[n] = '\0';
    if (lab06_scene(
            ctx, "lines of 1001, 5000, and 1001 bytes with CR LF",
            (part[]){{&a, out, "ERR line too long\nERR line too long\nERR line too long\n"}},
            1) < 0) {
        goto out;
    }
    rc = lab06_scene(ctx, "alice says a short line after the long ones",
                     (part[]){{&a, "still here\n", NULL}, {&b, NULL, "alice: still here\n"}}, 2);
out:
    gr_close(&a);
    gr_close(&b);
    return rc;
}

/* ---- step 3: join and leave -------------------------------------------------------------- */

int lab06_check_chat_leave(gr_ctx *ctx)
{
    gr_conn m[3];
    gr_conn_none(m, 3);
    int rc = -1;
    if (join_three(ctx, m) < 0) {
        goto out;
    }
    /* carol stops in the middle of a line and closes: the half line is
     * dropped (the server has read it before the end of file comes). */
    if (lab06_send_piece(ctx, &m[2], "and one more thi") < 0) {
        goto out;
    }
    gr_close(&m[2]);
    if (lab06_scene(ctx, "carol closes her connection in the middle of a line",
                    (part[]){{&m[0], NULL, "* carol left\n"}, {&m[1], NULL, "* carol left\n"}},
                    2) < 0) {
        gr_fail(ctx, "(carol sent \"and one more thi\" without a newline, then closed: a half "
                     "line sent just before leaving is dropped, the others hear only that she "
                     "left)");
        goto out;
    }
    /* Her name is free again, and the room goes on. */
    gr_conn *joined[2] = {&m[0], &m[1]};
    if (lab06_join(ctx, &m[2], "carol", joined, 2) < 0) {
        gr_fail(ctx, "(a member called carol has just left: the name must be free again)");
        goto out;
    }
    rc = lab06_scene(ctx, "bob talks to the new carol",
                     (part[]){{&m[1], "welcome back\n", NULL},
                              {&m[0], NULL, "bob: welcome back\n"},
                              {&m[2], NULL, "bob: welcome back\n"}},
                     3);
out:
    gr_close_all(m, 3);
    return rc;
}

int lab06_check_chat_abrupt(gr_ctx *ctx)
{
    gr_conn m[3], nameless;
    gr_conn_none(m, 3);
    gr_conn_none(&nameless, 1);
    int rc = -1;
    if (join_three(ctx, m) < 0) {
        goto out;
    }
    /* carol stops in the middle of a line and her connection is reset. */
    if (lab06_send_piece(ctx, &m[2], "I was just sayi") < 0) {
        goto out;
    }
    gr_reset(&m[2]);
    if (lab06_scene(ctx, "carol's connection is reset in the middle of a line",
                    (part[]){{&m[0], NULL, "* carol left\n"}, {&m[1], NULL, "* carol left\n"}},
                    2) < 0) {
        goto out;
    }
    /* Someone connects and goes away before giving a name: nobody hears of it. */
    if (gr_connect(ctx, &nameless, "nameless", &(gr_conn_opts){.co_nodelay = 1}) < 0 ||
        lab06_send_piece(ctx, &nameless, "no") < 0) {
        goto out;
    }
    gr_reset(&nameless);
    rc = lab06_scene(
        ctx, "alice talks after carol vanished",
        (part[]){{&m[0], "is anyone there?\n", NULL}, {&m[1], NULL, "alice: is anyone there?\n"}},
        2);
out:
    gr_close_all(m, 3);
    gr_close(&nameless);
    return rc;
}
