/* conn.c - the grader's side of a stream conversation (see conn.h). */
#include "kit/conn.h"

#include "kit/kit.h"
#include "text/transcript.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Bytes moved per read or write call. */
#define CHUNK (256 * 1024)
/* Extra bytes kept beyond what was expected, to show in a transcript. */
#define EXTRA_SHOWN 64

static const char *label_of(const gr_conn *c)
{
    return c->c_label[0] != '\0' ? c->c_label : "connection";
}

int gr_quiet_ms(const gr_ctx *ctx)
{
    const gr_lab *lab = gr_lab_of(ctx);
    int ms = lab != NULL && lab->lab_quiet_ms > 0 ? lab->lab_quiet_ms : GR_QUIET_MS;
    return gr_ms(ctx, ms);
}

int gr_conn_fail(gr_ctx *ctx, gr_conn *c, const char *fmt, ...)
{
    char headline[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(headline, sizeof headline, fmt, ap);
    va_end(ap);
    return gr_fail_bytes(ctx, c->c_out, c->c_out_off, c->c_want, c->c_want_len, c->c_got,
                         c->c_got_len, "%s", headline);
}

/* ---- connecting ------------------------------------------------------------------ */

/* Wait until @p fd is ready for @p events or the check's deadline passes.
 * Returns 1 when ready, 0 at the deadline. */
static int wait_ready(gr_ctx *ctx, int fd, short events)
{
    for (;;) {
        long left = gr_deadline(ctx) - gr_now_ms();
        struct pollfd pfd = {.fd = fd, .events = events};
        int r = poll(&pfd, 1, left > 0 ? (int)left : 0);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        return r > 0;
    }
}

/* Connect a non-blocking socket to @p sa. Loopback connects finish at once
 * unless the listen backlog is full. Returns the socket, or -1 with the
 * failure recorded. */
static int connect_socket(gr_ctx *ctx, const char *label, const gr_conn_opts *o,
                          const struct sockaddr *sa, socklen_t salen, const char *name)
{
    int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return gr_fail(ctx, "grader could not create a socket: %s", strerror(errno));
    }
    if (o->co_rcvbuf > 0) {
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &o->co_rcvbuf, sizeof o->co_rcvbuf);
    }
    if (o->co_maxseg > 0 && sa->sa_family != AF_UNIX) {
        setsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &o->co_maxseg, sizeof o->co_maxseg);
    }
    if (o->co_from != NULL && bind(fd, o->co_from, o->co_fromlen) < 0) {
        int saved = errno;
        close(fd);
        return gr_fail(ctx, "%s: grader could not bind its socket to connect from: %s", label,
                       strerror(saved));
    }
    if (o->co_nodelay && sa->sa_family != AF_UNIX) {
        int on = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    }
    int rc = connect(fd, sa, salen);
    if (rc < 0 && (errno == EINPROGRESS || (sa->sa_family == AF_UNIX && errno == EAGAIN))) {
        if (!wait_ready(ctx, fd, POLLOUT)) {
            close(fd);
            return gr_fail(ctx,
                           "%s: connecting to %s took longer than the deadline (is the server "
                           "accepting connections?)",
                           label, name);
        }
        int soerr = 0;
        socklen_t len = sizeof soerr;
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
        errno = soerr;
        rc = soerr == 0 ? 0 : -1;
    }
    if (rc < 0) {
        int saved = errno;
        close(fd);
        return gr_fail(ctx, "%s: cannot connect to %s: %s%s", label, name, strerror(saved),
                       saved == ECONNREFUSED ? " (is the server still listening there?)" : "");
    }
    return fd;
}

/* Set the transport up (a TLS handshake) within the check's deadline. */
static int handshake(gr_ctx *ctx, gr_conn *c, const char *name)
{
    for (;;) {
        gr_io io = gr_xport_handshake(&c->c_xp);
        if (io == GR_IO_DONE) {
            return 0;
        }
        if (io == GR_IO_ERROR) {
            return gr_fail(ctx, "%s: the %s handshake with %s failed: %s", label_of(c),
                           c->c_xp.xp_ops->xo_name, name, gr_xport_reason(&c->c_xp));
        }
        short events = c->c_xp.xp_wait != 0 ? c->c_xp.xp_wait : POLLIN | POLLOUT;
        if (!wait_ready(ctx, c->c_xp.xp_fd, events)) {
            return gr_fail(ctx, "%s: the %s handshake with %s took longer than the deadline",
                           label_of(c), c->c_xp.xp_ops->xo_name, name);
        }
    }
}

int gr_connect(gr_ctx *ctx, gr_conn *c, const char *label, const gr_conn_opts *opts)
{
    static const gr_conn_opts defaults;
    const gr_conn_opts *o = opts != NULL ? opts : &defaults;
    gr_conn_none(c, 1);
    snprintf(c->c_label, sizeof c->c_label, "%s", label != NULL ? label : "connection");

    struct sockaddr_in sin;
    const struct sockaddr *sa = o->co_addr;
    socklen_t salen = o->co_addrlen;
    char name[64];
    const char *shown = o->co_name != NULL ? o->co_name : "the server";
    if (sa == NULL) {
        memset(&sin, 0, sizeof sin);
        sin.sin_family = AF_INET;
        sin.sin_port = htons((uint16_t)gr_port(ctx));
        inet_pton(AF_INET, gr_host(ctx), &sin.sin_addr);
        sa = (const struct sockaddr *)&sin;
        salen = sizeof sin;
        snprintf(name, sizeof name, "%s:%d", gr_host(ctx), gr_port(ctx));
        shown = name;
    }
    int fd = connect_socket(ctx, c->c_label, o, sa, salen, shown);
    if (fd < 0) {
        return -1;
    }
    gr_xport_init(&c->c_xp, fd, o->co_xport);
    if (handshake(ctx, c, shown) < 0) {
        gr_close(c);
        return -1;
    }
    if (o->co_quiet_ms != GR_NO_QUIET) {
        gr_conn_idle_limit(c, o->co_quiet_ms > 0 ? gr_ms(ctx, o->co_quiet_ms) : gr_quiet_ms(ctx));
    }
    return 0;
}

int gr_conn_fd(const gr_conn *c)
{
    return c->c_xp.xp_fd;
}

void gr_conn_none(gr_conn *c, size_t n)
{
    memset(c, 0, n * sizeof *c);
    for (size_t i = 0; i < n; i++) {
        c[i].c_xp.xp_fd = -1;
    }
}

void gr_conn_adopt(gr_conn *c, int fd, const char *label, const gr_xport_ops *ops)
{
    gr_conn_none(c, 1);
    snprintf(c->c_label, sizeof c->c_label, "%s", label != NULL ? label : "connection");
    gr_xport_init(&c->c_xp, fd, ops);
}

void gr_conn_throttle(gr_conn *c, size_t burst, int pause_ms)
{
    c->c_burst = burst;
    c->c_burst_left = burst;
    c->c_pause_ms = pause_ms;
    c->c_resume_at = 0;
}

void gr_conn_idle_limit(gr_conn *c, int idle_ms)
{
    c->c_idle_ms = idle_ms;
}

void gr_conn_plan(gr_conn *c, const void *out, size_t nout, const void *want, size_t nwant,
                  unsigned flags)
{
    c->c_out = out;
    c->c_out_len = out != NULL ? nout : 0;
    c->c_out_off = 0;
    c->c_shut_after = (flags & GR_SHUT_AFTER) != 0;
    c->c_want = want;
    c->c_want_len = want != NULL ? nwant : 0;
    c->c_want_eof = (flags & GR_WANT_EOF) != 0;
    c->c_got_len = 0;
    c->c_eof = 0;
    c->c_done = 0;
    c->c_last_rx = gr_now_ms();
    c->c_sent_at = 0;
}

/* ---- moving bytes ------------------------------------------------------------------ */

static int grow_got(gr_conn *c, size_t need)
{
    if (need <= c->c_got_cap) {
        return 0;
    }
    size_t cap = c->c_got_cap ? c->c_got_cap : 4096;
    while (cap < need) {
        cap *= 2;
    }
    unsigned char *p = realloc(c->c_got, cap);
    if (p == NULL) {
        return -1;
    }
    c->c_got = p;
    c->c_got_cap = cap;
    return 0;
}

static void check_done(gr_conn *c)
{
    c->c_done = c->c_out_off == c->c_out_len && c->c_got_len == c->c_want_len &&
                (!c->c_want_eof || c->c_eof);
}

/* Send what the transport takes now. Returns 0, or a failure. */
static int pump_out(gr_ctx *ctx, gr_conn *c)
{
    while (c->c_out_off < c->c_out_len) {
        size_t left = c->c_out_len - c->c_out_off;
        size_t put = 0;
        gr_io io =
            gr_xport_write(&c->c_xp, c->c_out + c->c_out_off, left < CHUNK ? left : CHUNK, &put);
        if (io == GR_IO_AGAIN) {
            return 0;
        }
        if (io == GR_IO_ERROR) {
            int e = c->c_xp.xp_errno;
            return gr_conn_fail(ctx, c, "%s: sending failed after %zu of %zu bytes: %s%s",
                                label_of(c), c->c_out_off, c->c_out_len, strerror(e),
                                e == ECONNRESET || e == EPIPE
                                    ? " (the server closed or reset the connection while "
                                      "the client was still sending)"
                                    : "");
        }
        c->c_out_off += put;
        c->c_total_sent += put;
    }
    if (c->c_shut_after) {
        gr_xport_shutdown(&c->c_xp);
        c->c_shut_after = 0;
    }
    if (c->c_sent_at == 0) {
        c->c_sent_at = gr_now_ms();
    }
    return 0;
}

/* Where the next read goes and how much it may take: a few bytes beyond
 * the expected ones are kept, to show them; a bursty reader takes at most
 * what is left of its burst. Returns the room, 0 when the burst is used up
 * (the reader then pauses), or -1 out of memory. */
static long read_room(gr_conn *c)
{
    size_t room_limit = c->c_want_len + EXTRA_SHOWN;
    size_t need = c->c_got_len + CHUNK < room_limit ? c->c_got_len + CHUNK : room_limit;
    if (grow_got(c, need) < 0) {
        return -1;
    }
    size_t room = c->c_got_cap - c->c_got_len;
    if (room > CHUNK) {
        room = CHUNK;
    }
    if (c->c_burst > 0) {
        if (c->c_burst_left == 0) {
            /* This burst is used up: stop reading for a while. */
            c->c_resume_at = gr_now_ms() + c->c_pause_ms;
            c->c_burst_left = c->c_burst;
            return 0;
        }
        if (room > c->c_burst_left) {
            room = c->c_burst_left;
        }
    }
    /* No room at all: still read one byte, to see that more came. */
    return room > 0 ? (long)room : 1;
}

/* The peer ended the stream. */
static int got_eof(gr_ctx *ctx, gr_conn *c)
{
    c->c_eof = 1;
    if (c->c_got_len < c->c_want_len) {
        return gr_conn_fail(ctx, c,
                            "%s: the server closed the connection after sending %zu of %zu "
                            "expected bytes",
                            label_of(c), c->c_got_len, c->c_want_len);
    }
    return 0;
}

/* @p got bytes arrived at c_got + c_got_len (or in scratch, when there was
 * no room): compare them with what is expected. */
static int took(gr_ctx *ctx, gr_conn *c, size_t got, int had_room)
{
    size_t before = c->c_got_len;
    if (had_room) {
        c->c_got_len += got;
    }
    if (c->c_burst > 0) {
        c->c_burst_left -= got < c->c_burst_left ? got : c->c_burst_left;
    }
    c->c_last_rx = gr_now_ms();
    if (c->c_got_len > c->c_want_len || !had_room) {
        return gr_conn_fail(ctx, c, "%s: the server sent more bytes than expected (%zu expected)",
                            label_of(c), c->c_want_len);
    }
    if (memcmp(c->c_got + before, c->c_want + before, c->c_got_len - before) != 0) {
        size_t at = gr_first_diff(c->c_want, c->c_want_len, c->c_got, c->c_got_len);
        return gr_conn_fail(ctx, c, "%s: wrong byte at offset %zu of the reply", label_of(c), at);
    }
    return 0;
}

/* Read what has arrived and compare it. Returns 0, or a failure. */
static int pump_in(gr_ctx *ctx, gr_conn *c)
{
    for (;;) {
        long room = read_room(c);
        if (room < 0) {
            return gr_fail(ctx, "grader ran out of memory");
        }
        if (room == 0) {
            return 0;
        }
        int had_room = c->c_got_cap > c->c_got_len;
        unsigned char scratch[1];
        unsigned char *dst = had_room ? c->c_got + c->c_got_len : scratch;
        size_t got = 0;
        gr_io io = gr_xport_read(&c->c_xp, dst, (size_t)room, &got);
        if (io == GR_IO_AGAIN) {
            return 0;
        }
        if (io == GR_IO_ERROR) {
            return gr_conn_fail(
                ctx, c, "%s: the connection failed after %zu of %zu expected bytes: %s",
                label_of(c), c->c_got_len, c->c_want_len, gr_xport_reason(&c->c_xp));
        }
        if (got == 0) {
            return got_eof(ctx, c);
        }
        if (took(ctx, c, got, had_room) < 0) {
            return -1;
        }
    }
}

/* ---- many connections at once ----------------------------------------------------- */

/* The poll set of one round of gr_mux_run(). */
typedef struct mux {
    struct pollfd *mx_fds;
    size_t *mx_index; /* mx_fds[k] is conns[mx_index[k]] */
    nfds_t mx_active;
    long mx_wake; /* earliest end of a reading pause or quiet limit, or 0 */
    int mx_ready; /* a connection has bytes its transport already holds */
} mux;

static void mux_wake_at(mux *m, long at)
{
    if (m->mx_wake == 0 || at < m->mx_wake) {
        m->mx_wake = at;
    }
}

/* Everything is sent and the reply has stopped coming: past the quiet
 * limit, fail. Returns 0, or a failure. */
static int check_quiet(gr_ctx *ctx, gr_conn *c, mux *m, const char *what)
{
    long quiet_since = c->c_last_rx > c->c_sent_at ? c->c_last_rx : c->c_sent_at;
    long idle_end = quiet_since + c->c_idle_ms;
    if (gr_now_ms() < idle_end) {
        mux_wake_at(m, idle_end);
        return 0;
    }
    if (c->c_got_len == c->c_want_len) {
        return gr_conn_fail(ctx, c,
                            "%s: %s: all %zu bytes came back, but the server did not close the "
                            "connection (no end of file for %.1f s)",
                            label_of(c), what, c->c_got_len, (double)c->c_idle_ms / 1000.0);
    }
    return gr_conn_fail(ctx, c,
                        "%s: %s: the reply stopped after %zu of %zu bytes (nothing more for "
                        "%.1f s)",
                        label_of(c), what, c->c_got_len, c->c_want_len,
                        (double)c->c_idle_ms / 1000.0);
}

/* Put connection @p i in the poll set, asking for what it waits for.
 * Returns 0, or a failure (its quiet limit passed). */
static int mux_add(gr_ctx *ctx, mux *m, gr_conn *c, size_t i, const char *what)
{
    struct pollfd *p = &m->mx_fds[m->mx_active];
    p->fd = c->c_xp.xp_fd;
    p->events = 0;
    p->revents = 0;
    if (c->c_resume_at != 0 && gr_now_ms() >= c->c_resume_at) {
        c->c_resume_at = 0;
    }
    if (c->c_resume_at == 0) {
        p->events |= POLLIN;
        m->mx_ready |= gr_xport_pending(&c->c_xp) > 0;
    } else {
        mux_wake_at(m, c->c_resume_at);
    }
    if (c->c_out_off < c->c_out_len || c->c_shut_after) {
        p->events |= POLLOUT;
    } else if (c->c_idle_ms > 0 && c->c_resume_at == 0 && check_quiet(ctx, c, m, what) < 0) {
        return -1;
    }
    /* A transport that waits for the other direction too (TLS) gets it. */
    if (p->events != 0) {
        p->events |= c->c_xp.xp_wait;
    }
    if (p->events == 0) {
        p->fd = -1; /* paused with nothing to send: ignore hang-ups too */
    }
    m->mx_index[m->mx_active++] = i;
    return 0;
}

/* Serve the connection behind poll entry @p k. Returns 0, or a failure. */
static int mux_serve(gr_ctx *ctx, gr_conn *c, short revents)
{
    if (revents & POLLOUT) {
        if (pump_out(ctx, c) < 0) {
            return -1;
        }
    }
    if (!(revents & (POLLIN | POLLHUP | POLLERR)) || c->c_resume_at != 0) {
        return 0;
    }
    if (!c->c_eof) {
        return pump_in(ctx, c);
    }
    /* Already saw EOF; the peer may still reset. Only a problem if we are
     * still waiting to send. */
    if (c->c_out_off < c->c_out_len && pump_out(ctx, c) < 0) {
        return -1;
    }
    if (c->c_out_off < c->c_out_len) {
        return gr_conn_fail(ctx, c,
                            "%s: the server closed the connection before the client finished "
                            "sending (%zu of %zu bytes sent)",
                            label_of(c), c->c_out_off, c->c_out_len);
    }
    return 0;
}

/* One round: build the poll set, wait, serve. Returns 1 when every
 * exchange is done, 0 at the deadline, 2 to go on, or -1 on a failure. */
static int mux_round(gr_ctx *ctx, gr_conn *const *conns, size_t n, long deadline, mux *m,
                     const char *what)
{
    m->mx_active = 0;
    m->mx_wake = 0;
    m->mx_ready = 0;
    for (size_t i = 0; i < n; i++) {
        gr_conn *c = conns[i];
        check_done(c);
        if (c->c_done || c->c_xp.xp_fd < 0) {
            continue;
        }
        if (mux_add(ctx, m, c, i, what) < 0) {
            return -1;
        }
    }
    if (m->mx_active == 0) {
        return 1;
    }
    long now = gr_now_ms();
    long left = deadline - now;
    if (left <= 0) {
        return 0;
    }
    if (m->mx_wake != 0 && m->mx_wake - now < left) {
        left = m->mx_wake - now < 0 ? 0 : m->mx_wake - now;
    }
    int r = poll(m->mx_fds, m->mx_active, m->mx_ready ? 0 : (int)left);
    if (r < 0) {
        return errno == EINTR ? 2 : gr_fail(ctx, "grader: poll failed: %s", strerror(errno));
    }
    for (nfds_t k = 0; k < m->mx_active; k++) {
        gr_conn *c = conns[m->mx_index[k]];
        short revents = m->mx_fds[k].revents;
        if (m->mx_fds[k].fd >= 0 && (m->mx_fds[k].events & POLLIN) &&
            gr_xport_pending(&c->c_xp) > 0) {
            revents |= POLLIN;
        }
        if (mux_serve(ctx, c, revents) < 0) {
            return -1;
        }
    }
    return 2;
}

int gr_mux_run(gr_ctx *ctx, gr_conn *const *conns, size_t n, long deadline, const char *what)
{
    mux m = {.mx_fds = calloc(n ? n : 1, sizeof *m.mx_fds),
             .mx_index = calloc(n ? n : 1, sizeof *m.mx_index)};
    int rc;
    if (m.mx_fds == NULL || m.mx_index == NULL) {
        rc = gr_fail(ctx, "grader ran out of memory");
    } else {
        while ((rc = mux_round(ctx, conns, n, deadline, &m, what)) == 2) {
        }
    }
    free(m.mx_fds);
    free(m.mx_index);
    return rc;
}

void gr_conn_extend(gr_conn *c, size_t nout, size_t nwant)
{
    c->c_out_len = nout;
    c->c_want_len = nwant;
    c->c_done = 0;
    c->c_sent_at = 0; /* more to send: the quiet period starts again after it */
}

int gr_exchange(gr_ctx *ctx, gr_conn *c, const void *out, size_t nout, const void *want,
                size_t nwant, unsigned flags, const char *what)
{
    return gr_exchange_by(ctx, c, out, nout, want, nwant, flags, what, gr_deadline(ctx));
}

int gr_exchange_by(gr_ctx *ctx, gr_conn *c, const void *out, size_t nout, const void *want,
                   size_t nwant, unsigned flags, const char *what, long deadline)
{
    gr_conn_plan(c, out, nout, want, nwant, flags);
    gr_conn *one[1] = {c};
    long started = gr_now_ms();
    int r = gr_mux_run(ctx, one, 1, deadline, what);
    if (r == 1) {
        return 0;
    }
    if (r < 0) {
        return r;
    }
    double waited = (double)(gr_now_ms() - started) / 1000.0;
    if (c->c_out_off < c->c_out_len) {
        return gr_conn_fail(ctx, c,
                            "%s: %s: the server stopped reading: only %zu of %zu bytes could be "
                            "sent in %.1f s",
                            label_of(c), what, c->c_out_off, c->c_out_len, waited);
    }
    if (c->c_got_len < c->c_want_len) {
        return gr_conn_fail(ctx, c, "%s: %s: received %zu of %zu expected bytes in %.1f s",
                            label_of(c), what, c->c_got_len, c->c_want_len, waited);
    }
    return gr_conn_fail(ctx, c,
                        "%s: %s: all bytes came back, but the server did not close the "
                        "connection within %.1f s",
                        label_of(c), what, waited);
}

static void release(gr_conn *c)
{
    free(c->c_got);
    c->c_got = NULL;
    c->c_got_len = c->c_got_cap = 0;
}

void gr_close(gr_conn *c)
{
    gr_xport_close(&c->c_xp, 0);
    release(c);
}

void gr_close_all(gr_conn *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        gr_close(&c[i]);
    }
}

void gr_reset(gr_conn *c)
{
    gr_xport_close(&c->c_xp, 1);
    release(c);
}

ssize_t gr_send_some(gr_conn *c, const void *buf, size_t n)
{
    size_t done = 0;
    while (done < n) {
        size_t put = 0;
        gr_io io = gr_xport_write(&c->c_xp, (const char *)buf + done, n - done, &put);
        if (io == GR_IO_AGAIN) {
            break;
        }
        if (io == GR_IO_ERROR) {
            return -1;
        }
        done += put;
    }
    c->c_total_sent += done;
    return (ssize_t)done;
}

int gr_wait_fin_acked(gr_conn *c, long deadline)
{
    for (;;) {
        struct tcp_info ti;
        socklen_t len = sizeof ti;
        if (getsockopt(c->c_xp.xp_fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0 &&
            (ti.tcpi_state == TCP_FIN_WAIT2 || ti.tcpi_state == TCP_TIME_WAIT ||
             ti.tcpi_state == TCP_CLOSE)) {
            return 1;
        }
        if (gr_now_ms() >= deadline) {
            return 0;
        }
        /* A kernel state change has no fd event; look again in a moment. */
        poll(NULL, 0, 1);
    }
}
