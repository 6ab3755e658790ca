/* wire.c - the grader's side of a TCP conversation (see wire.h). */
#include "kit/conn.h"

#include "text/transcript.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Bytes moved per send()/recv() call. */
#define CHUNK (256 * 1024)
/* Extra bytes kept beyond what was expected, to show in a transcript. */
#define EXTRA_SHOWN 64

static const char *label_of(const gr_conn *c)
{
    return c->c_label[0] != '\0' ? c->c_label : "connection";
}

int gr_conn_fail(gr_ctx *ctx, gr_conn *c, const char *fmt, ...)
{
    char headline[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(headline, sizeof headline, fmt, ap);
    va_end(ap);
    int rc = gr_fail(ctx, "%s", headline);
    gr_transcript(gr_details(ctx), c->c_out, c->c_out_off, c->c_want, c->c_want_len, c->c_got,
                  c->c_got_len);
    return rc;
}

/* Connect c to sa (any family) within the check's deadline; name is how
 * messages call the address. rcvbuf and nodelay as for gr_connect_opts(). */
static int connect_sa(gr_ctx *ctx, gr_conn *c, const char *label, const struct sockaddr *sa,
                      socklen_t salen, const char *name, int rcvbuf, int nodelay)
{
    memset(c, 0, sizeof *c);
    c->c_fd = -1;
    snprintf(c->c_label, sizeof c->c_label, "%s", label != NULL ? label : "connection");

    int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return gr_fail(ctx, "grader could not create a socket: %s", strerror(errno));
    }
    if (rcvbuf > 0) {
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    }
    if (nodelay && sa->sa_family != AF_UNIX) {
        int on = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    }
    int rc = connect(fd, sa, salen);
    if (rc < 0 && (errno == EINPROGRESS || (sa->sa_family == AF_UNIX && errno == EAGAIN))) {
        /* Loopback connects finish at once unless the listen backlog is full. */
        long deadline = gr_deadline(ctx);
        for (;;) {
            long left = deadline - gr_now_ms();
            struct pollfd pfd = {.fd = fd, .events = POLLOUT};
            int r = poll(&pfd, 1, left > 0 ? (int)left : 0);
            if (r < 0 && errno == EINTR) {
                continue;
            }
            if (r == 0) {
                close(fd);
                return gr_fail(ctx,
                               "%s: connecting to %s took longer than the deadline "
                               "(is the server accepting connections?)",
                               c->c_label, name);
            }
            break;
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
        return gr_fail(ctx, "%s: cannot connect to %s: %s%s", c->c_label, name, strerror(saved),
                       saved == ECONNREFUSED ? " (is the server still listening there?)" : "");
    }
    c->c_fd = fd;
    return 0;
}

int gr_connect_opts(gr_ctx *ctx, gr_conn *c, const char *label, int rcvbuf, int nodelay)
{
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_port = htons((uint16_t)gr_port(ctx));
    inet_pton(AF_INET, gr_host(ctx), &sin.sin_addr);
    char name[64];
    snprintf(name, sizeof name, "%s:%d", gr_host(ctx), gr_port(ctx));
    return connect_sa(ctx, c, label, (struct sockaddr *)&sin, sizeof sin, name, rcvbuf, nodelay);
}

int gr_connect_addr(gr_ctx *ctx, gr_conn *c, const char *label, const struct sockaddr *sa,
                    socklen_t salen, const char *name)
{
    return connect_sa(ctx, c, label, sa, salen, name, 0, 0);
}

int gr_connect(gr_ctx *ctx, gr_conn *c, const char *label)
{
    return gr_connect_opts(ctx, c, label, 0, 0);
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

/* Send what the socket takes now. Returns 0, or a failure. */
static int pump_out(gr_ctx *ctx, gr_conn *c)
{
    while (c->c_out_off < c->c_out_len) {
        size_t left = c->c_out_len - c->c_out_off;
        ssize_t put = send(c->c_fd, c->c_out + c->c_out_off, left < CHUNK ? left : CHUNK,
                           MSG_NOSIGNAL);
        if (put < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno == EAGAIN) {
                return 0;
            }
            return gr_conn_fail(ctx, c, "%s: sending failed after %zu of %zu bytes: %s%s",
                                label_of(c), c->c_out_off, c->c_out_len, strerror(errno),
                                errno == ECONNRESET || errno == EPIPE
                                    ? " (the server closed or reset the connection while "
                                      "the client was still sending)"
                                    : "");
        }
        c->c_out_off += (size_t)put;
        c->c_total_sent += (size_t)put;
    }
    if (c->c_shut_after) {
        shutdown(c->c_fd, SHUT_WR);
        c->c_shut_after = 0;
    }
    if (c->c_sent_at == 0) {
        c->c_sent_at = gr_now_ms();
    }
    return 0;
}

/* Read what has arrived and compare it. Returns 0, or a failure. */
static int pump_in(gr_ctx *ctx, gr_conn *c)
{
    for (;;) {
        /* Keep a few bytes beyond the expected ones, to show them. */
        size_t room_limit = c->c_want_len + EXTRA_SHOWN;
        if (grow_got(c, c->c_got_len + CHUNK < room_limit ? c->c_got_len + CHUNK : room_limit) <
            0) {
            return gr_fail(ctx, "grader ran out of memory");
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
        unsigned char scratch[1];
        unsigned char *dst = room > 0 ? c->c_got + c->c_got_len : scratch;
        ssize_t got = recv(c->c_fd, dst, room > 0 ? room : 1, 0);
        if (got < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno == EAGAIN) {
                return 0;
            }
            return gr_conn_fail(ctx, c, "%s: the connection failed after %zu of %zu expected bytes: %s",
                                label_of(c), c->c_got_len, c->c_want_len, strerror(errno));
        }
        if (got == 0) {
            c->c_eof = 1;
            if (c->c_got_len < c->c_want_len) {
                return gr_conn_fail(ctx, c,
                                    "%s: the server closed the connection after sending %zu of "
                                    "%zu expected bytes",
                                    label_of(c), c->c_got_len, c->c_want_len);
            }
            return 0;
        }
        size_t before = c->c_got_len;
        if (room > 0) {
            c->c_got_len += (size_t)got;
        }
        if (c->c_burst > 0) {
            c->c_burst_left -= (size_t)got < c->c_burst_left ? (size_t)got : c->c_burst_left;
        }
        c->c_last_rx = gr_now_ms();
        if (c->c_got_len > c->c_want_len || room == 0) {
            return gr_conn_fail(ctx, c,
                                "%s: the server sent more bytes than expected (%zu expected)",
                                label_of(c), c->c_want_len);
        }
        if (memcmp(c->c_got + before, c->c_want + before, c->c_got_len - before) != 0) {
            size_t at = gr_first_diff(c->c_want, c->c_want_len, c->c_got, c->c_got_len);
            return gr_conn_fail(ctx, c, "%s: wrong byte at offset %zu of the reply", label_of(c),
                                at);
        }
    }
}

int gr_mux_run(gr_ctx *ctx, gr_conn *const *conns, size_t n, long deadline, const char *what)
{
    struct pollfd *fds = calloc(n ? n : 1, sizeof *fds);
    size_t *index = calloc(n ? n : 1, sizeof *index);
    int rc = 0;
    if (fds == NULL || index == NULL) {
        rc = gr_fail(ctx, "grader ran out of memory");
        goto out;
    }
    for (;;) {
        nfds_t active = 0;
        long wake = 0; /* earliest end of a reading pause */
        for (size_t i = 0; i < n; i++) {
            gr_conn *c = conns[i];
            check_done(c);
            if (c->c_done || c->c_fd < 0) {
                continue;
            }
            fds[active].fd = c->c_fd;
            fds[active].events = 0;
            if (c->c_resume_at != 0 && gr_now_ms() >= c->c_resume_at) {
                c->c_resume_at = 0;
            }
            if (c->c_resume_at == 0) {
                fds[active].events |= POLLIN;
            } else if (wake == 0 || c->c_resume_at < wake) {
                wake = c->c_resume_at;
            }
            if (c->c_out_off < c->c_out_len || c->c_shut_after) {
                fds[active].events |= POLLOUT;
            } else if (c->c_idle_ms > 0 && c->c_resume_at == 0) {
                /* Everything is sent; the reply has stopped coming. */
                long quiet_since = c->c_last_rx > c->c_sent_at ? c->c_last_rx : c->c_sent_at;
                long idle_end = quiet_since + c->c_idle_ms;
                if (gr_now_ms() >= idle_end && c->c_got_len == c->c_want_len) {
                    rc = gr_conn_fail(ctx, c,
                                      "%s: %s: all %zu bytes came back, but the server did not "
                                      "close the connection (no end of file for %.1f s)",
                                      label_of(c), what, c->c_got_len,
                                      (double)c->c_idle_ms / 1000.0);
                    goto out;
                }
                if (gr_now_ms() >= idle_end) {
                    rc = gr_conn_fail(ctx, c,
                                      "%s: %s: the reply stopped after %zu of %zu bytes (nothing "
                                      "more for %.1f s)",
                                      label_of(c), what, c->c_got_len, c->c_want_len,
                                      (double)c->c_idle_ms / 1000.0);
                    goto out;
                }
                if (wake == 0 || idle_end < wake) {
                    wake = idle_end;
                }
            }
            if (fds[active].events == 0) {
                fds[active].fd = -1; /* paused with nothing to send: ignore hang-ups too */
            }
            fds[active].revents = 0;
            index[active++] = i;
        }
        if (active == 0) {
            rc = 1;
            goto out;
        }
        long left = deadline - gr_now_ms();
        if (left <= 0) {
            rc = 0;
            goto out;
        }
        if (wake != 0 && wake - gr_now_ms() < left) {
            left = wake - gr_now_ms();
            left = left < 0 ? 0 : left;
        }
        int r = poll(fds, active, (int)left);
        if (r < 0) {
            if (errno == EINTR) {
                continue;
            }
            rc = gr_fail(ctx, "grader: poll failed: %s", strerror(errno));
            goto out;
        }
        for (nfds_t k = 0; k < active; k++) {
            gr_conn *c = conns[index[k]];
            if (fds[k].revents & POLLOUT) {
                if (pump_out(ctx, c) < 0) {
                    rc = -1;
                    goto out;
                }
            }
            if ((fds[k].revents & (POLLIN | POLLHUP | POLLERR)) && c->c_resume_at == 0) {
                if (c->c_eof) {
                    /* Already saw EOF; the peer may still reset. Only a
                     * problem if we are still waiting to send. */
                    if (c->c_out_off < c->c_out_len && pump_out(ctx, c) < 0) {
                        rc = -1;
                        goto out;
                    }
                    if (c->c_out_off < c->c_out_len) {
                        rc = gr_conn_fail(ctx, c,
                                          "%s: the server closed the connection before the "
                                          "client finished sending (%zu of %zu bytes sent)",
                                          label_of(c), c->c_out_off, c->c_out_len);
                        goto out;
                    }
                    continue;
                }
                if (pump_in(ctx, c) < 0) {
                    rc = -1;
                    goto out;
                }
            }
        }
    }
out:
    free(fds);
    free(index);
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
    if (c->c_fd >= 0) {
        close(c->c_fd);
        c->c_fd = -1;
    }
    release(c);
}

void gr_reset(gr_conn *c)
{
    if (c->c_fd >= 0) {
        struct linger lg = {.l_onoff = 1, .l_linger = 0};
        setsockopt(c->c_fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        close(c->c_fd);
        c->c_fd = -1;
    }
    release(c);
}

ssize_t gr_send_some(gr_conn *c, const void *buf, size_t n)
{
    size_t done = 0;
    while (done < n) {
        ssize_t put = send(c->c_fd, (const char *)buf + done, n - done, MSG_NOSIGNAL);
        if (put < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno == EAGAIN) {
                break;
            }
            return -1;
        }
        done += (size_t)put;
    }
    c->c_total_sent += done;
    return (ssize_t)done;
}

int gr_wait_fin_acked(gr_conn *c, long deadline)
{
    for (;;) {
        struct tcp_info ti;
        socklen_t len = sizeof ti;
        if (getsockopt(c->c_fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0 &&
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
