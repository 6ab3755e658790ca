/* crowd.c - lab 06's checks of the chat server with many members, steps 4
 * and 5: 50 members talking at once, and a member who never reads. They read
 * lines, not bytes: the order in which lines of different senders arrive is
 * not known, so they check what the protocol promises. */
#include "lab06.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- many members: lines, not bytes ------------------------------------------------------- */

/* One member in a check that reads lines. */
typedef struct lmember {
    gr_xport lm_xp; /* its connection (xp_fd -1: none) */
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
    lm->lm_xp.xp_fd = -1;
    lm->lm_reads = 1;
    snprintf(lm->lm_name, sizeof lm->lm_name, "%s", name);
}

static void lmember_close(lmember *lm)
{
    gr_xport_close(&lm->lm_xp, 0);
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

/* Move a joined gr_conn's connection into a line member. */
static void lmember_adopt(lmember *lm, gr_conn *c)
{
    lm->lm_xp = c->c_xp;
    c->c_xp.xp_fd = -1;
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
            fds[i].fd = lm->lm_xp.xp_fd;
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
                size_t put = 0;
                gr_io io = gr_xport_write(&lm->lm_xp, lm->lm_out + lm->lm_out_off, take, &put);
                lm->lm_out_off += put;
                if (io == GR_IO_ERROR) {
                    rc = gr_fail(ctx,
                                 "%s: sending failed: %s (did the server close the "
                                 "connection?)",
                                 lm->lm_name, strerror(lm->lm_xp.xp_errno));
                    goto out;
                }
            }
            if (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) {
                size_t room = sizeof lm->lm_in - lm->lm_in_len;
                size_t got = 0;
                gr_io io = gr_xport_read(&lm->lm_xp, lm->lm_in + lm->lm_in_len, room, &got);
                if (io == GR_IO_AGAIN) {
                    continue;
                }
                if (io == GR_IO_ERROR || got == 0) {
                    lm->lm_eof = 1;
                    if (on_line(ctx, arg, i, NULL, 0) < 0) {
                        rc = -1;
                        goto out;
                    }
                    continue;
                }
                last = gr_now_ms();
                lm->lm_in_len += got;
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
        if (gr_connect(ctx, &c, ms[i].lm_name,
                       &(gr_conn_opts){.co_nodelay = 1, .co_quiet_ms = GR_NO_QUIET}) < 0) {
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

int lab06_check_chat_crowd(gr_ctx *ctx)
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
    int r = lines_run(ctx, cr->cr_m, CROWD, crowd_line, crowd_done, cr, gr_quiet_ms(ctx));
    if (r < 0) {
        goto out;
    }
    if (r == LINES_QUIET) {
        gr_fail(ctx,
                "50 members gave their names at once; after %ld of the %d join notices "
                "nothing more came for %.1f s",
                cr->cr_joins, CROWD * (CROWD - 1) / 2, (double)gr_quiet_ms(ctx) / 1000.0);
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
    r = lines_run(ctx, cr->cr_m, CROWD, crowd_line, crowd_done, cr, gr_quiet_ms(ctx));
    if (r < 0) {
        goto out;
    }
    if (r == LINES_QUIET) {
        gr_fail(ctx,
                "50 members said 100 lines each; after %ld of the %d lines to deliver "
                "nothing more came for %.1f s",
                cr->cr_lines, CROWD * (CROWD - 1) * CROWD_LINES, (double)gr_quiet_ms(ctx) / 1000.0);
        crowd_missing(ctx, cr);
        goto out;
    }
    gr_str_addf(gr_details(ctx), "%ld join notices and %ld lines delivered, each once, in order\n",
                cr->cr_joins, cr->cr_lines);
    rc = 0;
out:
    if (rc < 0) {
        lab06_server_cause(ctx);
    }
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
        rc = lab06_join(ctx, &c[ok], names[ok], joined, ok);
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
        setsockopt(sl->sl_m[TALKERS].lm_xp.xp_fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
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
    return lines_run(ctx, sl->sl_m, TALKERS + 1, slow_line, slow_round_done, sl, gr_quiet_ms(ctx));
}

static int fail_frozen(gr_ctx *ctx, const slow *sl)
{
    return gr_fail(ctx,
                   "one member (sleepy) stopped reading, and after %.1f MiB said in the room the "
                   "others stopped hearing each other: nothing arrived for %.1f s",
                   (double)sl->sl_bytes / (1 << 20), (double)gr_quiet_ms(ctx) / 1000.0);
}

static void slow_free(slow *sl)
{
    for (size_t i = 0; i <= TALKERS; i++) {
        lmember_close(&sl->sl_m[i]);
    }
    free(sl);
}

int lab06_check_chat_slow_flows(gr_ctx *ctx)
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
    } else {
        lab06_server_cause(ctx);
    }
    slow_free(sl);
    return rc;
}

int lab06_check_chat_slow_dropped(gr_ctx *ctx)
{
    slow *sl = calloc(1, sizeof *sl);
    if (sl == NULL) {
        return gr_fail(ctx, "grader ran out of memory");
    }
    /* Twice what the kernel and the server's queue can hold for sleepy (an
     * upper bound, in bytes: kernel_slack() counts the largest send buffer
     * the kernel may grow to), as chat-slow-flows: a server that keeps that
     * much for a member who reads nothing keeps it without bound. */
    long drop_bytes = 2 * (kernel_slack() + QUEUE_MAX);
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
            /* The room froze before anyone was dropped: the cause is
             * chat-slow-flows', not the queue's bound. */
            rc = fail_frozen(ctx, sl);
            gr_hint(ctx, HINT_SLOW_FLOWS);
        }
    }
    if (rc < 0) {
        lab06_server_cause(ctx);
    }
    if (rc == 0) {
        gr_str_addf(gr_details(ctx), "sleepy was disconnected after %.1f MiB said in the room\n",
                    (double)sl->sl_bytes / (1 << 20));
        /* The server's end of sleepy's connection must be shut down. (Reading
         * what it still holds for sleepy, megabytes through a window of a
         * few KiB, would take minutes.) A server may tell the others before
         * its close takes effect (asyncio's abort() closes the socket on the
         * loop's next turn): wait for it, bounded. */
        int state = 1;
        int cport = lab06_local_port(sl->sl_m[TALKERS].lm_xp.xp_fd);
        long until = gr_soon(ctx, 2000);
        for (;;) {
            if (lab06_server_end(gr_port(ctx), cport, &state) < 0) {
                state = 0; /* no such connection any more: closed */
            }
            if (state != 1 || gr_now_ms() >= until) {
                break;
            }
            poll(NULL, 0, 10);
        }
        if (state == 1) {
            rc = gr_fail(ctx, "the others were told that sleepy left, but 2 s later the server's "
                              "end of sleepy's connection is still open (ESTABLISHED)");
        }
    }
    slow_free(sl);
    return rc;
}
