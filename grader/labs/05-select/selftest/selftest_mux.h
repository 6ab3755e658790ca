/* selftest_mux.h - the single-threaded echo server shared by lab 05's
 * self-test servers.
 *
 * A correct server on poll(): non-blocking sockets, a bounded buffer per
 * client, POLLIN only while that buffer has room, POLLOUT only while it
 * holds output, no timeout. Each bug_mux_*.c turns on one flag below, and
 * that flag is all the file shows: the one way it differs from a correct
 * server, which the grader must catch. */
#ifndef SOCKLAB_SELFTEST_MUX_H
#define SOCKLAB_SELFTEST_MUX_H

#include "addr.h"
#include "err.h"
#include "rio.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

/** Ask for POLLOUT always, pending output or not (seed 000's selectors
 *  example registers EVENT_WRITE forever): the loop never sleeps. */
#define MUX_ALWAYS_WRITE 0x1u
/** poll() with a timeout of 0: it returns at once, the loop never sleeps. */
#define MUX_TIMEOUT_ZERO 0x2u
/** After a recv() without a newline, wait on this one client until the
 *  line is complete: a blocking read of a whole message. */
#define MUX_WAIT_LINE 0x4u
/** Leave client sockets blocking and echo with a send-all loop. */
#define MUX_BLOCKING 0x8u
/** Read whenever there is data, growing the buffer without bound. */
#define MUX_UNBOUNDED 0x10u
/** Treat every error of recv()/send() like EAGAIN: never drop a client. */
#define MUX_ERRORS_AS_EAGAIN 0x20u
/** Treat EAGAIN like an error: drop a client whose socket is full. */
#define MUX_EAGAIN_AS_ERROR 0x40u
/** Ask to read a client whatever its buffer holds: with the buffer full,
 *  recv() asks for 0 bytes, gets 0, and takes that for end of file. */
#define MUX_READ_WHEN_FULL 0x80u
/** Leave the listening socket blocking, accepting one client per wakeup
 *  (the client sockets are non-blocking). */
#define MUX_BLOCKING_LISTENER 0x100u

/** A client whose recv() or send() failed is dropped from the set, but its
 *  descriptor is closed only when the server next accepts a client (its
 *  slot reused): until then a reset client's socket stays open. */
#define MUX_LAZY_CLOSE_ERRORS 0x200u
/** Each client gets a timerfd for an idle timeout, never closed: one
 *  descriptor that is not a socket leaks per client. */
#define MUX_TIMER_LEAK 0x800u

/** Bytes held per client, unless MUX_UNBOUNDED. */
#define MUX_BUF 16384

/** One client: buf[start, end) is received and not yet sent back. */
typedef struct mux_conn {
    int fd;             /**< the client's socket */
    int eof;            /**< it has finished sending */
    size_t start;       /**< first byte still to send back */
    size_t end;         /**< one past the last byte received */
    size_t cap;         /**< room in buf */
    unsigned char *buf; /**< the bytes */
} mux_conn;

static unsigned mux_flags;

static int mux_set_nonblocking(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static int mux_wants_read(const mux_conn *c)
{
    return !c->eof &&
           ((mux_flags & (MUX_UNBOUNDED | MUX_READ_WHEN_FULL)) || c->end - c->start < MUX_BUF);
}

static int mux_wants_write(const mux_conn *c)
{
    return c->end > c->start || (mux_flags & MUX_ALWAYS_WRITE);
}

static int mux_again(int err)
{
    if (mux_flags & MUX_EAGAIN_AS_ERROR) {
        return err == EINTR;
    }
    return err == EAGAIN || err == EWOULDBLOCK || err == EINTR ||
           (mux_flags & MUX_ERRORS_AS_EAGAIN);
}

static int mux_read(mux_conn *c)
{
    if (c->start == c->end) {
        c->start = c->end = 0;
    }
    if (c->end == c->cap) {
        if (mux_flags & MUX_UNBOUNDED) {
            unsigned char *p = realloc(c->buf, 2 * c->cap);
            if (p == NULL) {
                return -1;
            }
            c->buf = p;
            c->cap *= 2;
        } else {
            memmove(c->buf, c->buf + c->start, c->end - c->start);
            c->end -= c->start;
            c->start = 0;
        }
    }
    size_t before = c->end;
    for (;;) {
        ssize_t n = recv(c->fd, c->buf + c->end, c->cap - c->end, 0);
        if (n > 0) {
            c->end += (size_t)n;
        } else if (n == 0) {
            c->eof = 1;
        } else if (!mux_again(errno)) {
            return -1;
        }
        /* The bug: a whole line, or nothing, from this client. */
        if (!(mux_flags & MUX_WAIT_LINE) || c->eof || c->end == c->cap ||
            memchr(c->buf + before, '\n', c->end - before) != NULL) {
            return 0;
        }
        struct pollfd one = {.fd = c->fd, .events = POLLIN};
        poll(&one, 1, -1);
    }
}

static int mux_write(mux_conn *c)
{
    if (c->end == c->start) {
        return 0;
    }
    if (mux_flags & MUX_BLOCKING) {
        if (sl_rio_writen(c->fd, c->buf + c->start, c->end - c->start) < 0) {
            return -1;
        }
        c->start = c->end;
        return 0;
    }
    ssize_t n = send(c->fd, c->buf + c->start, c->end - c->start, MSG_NOSIGNAL);
    if (n >= 0) {
        c->start += (size_t)n;
        return 0;
    }
    return mux_again(errno) ? 0 : -1;
}

/* Serve PORT (argv[1]) forever with the given bugs. */
static int selftest_mux_run(int argc, char **argv, const char *name, unsigned flags)
{
    char err[SL_ERR_LEN];
    uint16_t port;
    if (argc != 2 || sl_addr_parse_port(argv[1], 0, &port, err) < 0) {
        fprintf(stderr, "usage: %s PORT\n", name);
        return 2;
    }
    mux_flags = flags;
    signal(SIGPIPE, SIG_IGN);
    int lfd = sl_addr_listen(NULL, argv[1], SOMAXCONN, err);
    if (lfd < 0 || (!(flags & MUX_BLOCKING_LISTENER) && mux_set_nonblocking(lfd) < 0)) {
        fprintf(stderr, "%s: cannot listen on port %s\n", name, argv[1]);
        return 1;
    }
    size_t cap = 64;
    size_t n = 1;
    struct pollfd *fds = malloc(cap * sizeof *fds);
    mux_conn **conns = malloc(cap * sizeof *conns);
    if (fds == NULL || conns == NULL) {
        return 1;
    }
    fds[0].fd = lfd;
    fds[0].events = POLLIN;
    int dead[64]; /* MUX_LAZY_CLOSE_ERRORS: failed clients not closed yet */
    size_t ndead = 0;
    for (;;) {
        for (size_t i = 1; i < n; i++) {
            fds[i].events = (short)((mux_wants_read(conns[i]) ? POLLIN : 0) |
                                    (mux_wants_write(conns[i]) ? POLLOUT : 0));
        }
        if (poll(fds, (nfds_t)n, (flags & MUX_TIMEOUT_ZERO) ? 0 : -1) < 0) {
            continue;
        }
        for (size_t i = n - 1; i >= 1; i--) {
            short re = fds[i].revents;
            mux_conn *c = conns[i];
            int rc = 0;
            if ((re & (POLLIN | POLLHUP | POLLERR)) && mux_wants_read(c)) {
                rc = mux_read(c);
            }
            if (rc == 0 && c->end > c->start) {
                rc = mux_write(c);
            }
            if (rc < 0 && (flags & MUX_LAZY_CLOSE_ERRORS) && ndead < 64) {
                dead[ndead++] = c->fd; /* the bug: closed at the next accept */
            } else if (rc < 0 || (c->eof && c->start == c->end)) {
                close(c->fd);
            }
            if (rc < 0 || (c->eof && c->start == c->end)) {
                free(c->buf);
                free(c);
                n--;
                fds[i] = fds[n];
                conns[i] = conns[n];
            }
        }
        if (!(fds[0].revents & POLLIN)) {
            continue;
        }
        for (;;) {
            int fd = accept(lfd, NULL, NULL);
            if (fd < 0) {
                break;
            }
            while (ndead > 0) {
                close(dead[--ndead]);
            }
            mux_conn *c = calloc(1, sizeof *c);
            if (n == cap) {
                cap *= 2;
                fds = realloc(fds, cap * sizeof *fds);
                conns = realloc(conns, cap * sizeof *conns);
            }
            if (c == NULL || fds == NULL || conns == NULL) {
                return 1;
            }
            if (!(flags & MUX_BLOCKING)) {
                mux_set_nonblocking(fd);
            }
            if (flags & MUX_TIMER_LEAK) {
                timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC); /* the bug: never closed */
            }
            int one_only = (flags & MUX_BLOCKING_LISTENER) != 0; /* or accept() would wait */
            c->fd = fd;
            c->cap = MUX_BUF;
            c->buf = malloc(c->cap);
            fds[n].fd = fd;
            fds[n].revents = 0;
            conns[n++] = c;
            if (one_only) {
                break;
            }
        }
    }
}

#endif
