/*
 * echo_poll.c - a TCP echo server for many clients at once, on poll().
 * Lab 05, reference solution.
 *
 * usage: echo_poll PORT
 *
 * The same server as echo_poll.c (read it first), with poll() in place of
 * select(): one array of struct pollfd, one entry per socket, with no limit
 * on descriptor numbers and no sets to rebuild from scratch. Each client has
 * its own buffer; the server reads from a client only while that buffer has
 * room and asks for POLLOUT only while it holds something to send back.
 *
 * Exit status: 2 for a usage error or a bad PORT, 1 if the server cannot
 * start or poll() fails. Otherwise it runs until a signal stops it.
 */
#include "addr.h"
#include "err.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

/* Bytes held per client: read no more until they are sent back. */
#define BUF_SIZE (16 * 1024)

/* One client. buf[start, end) is what it sent and has not yet come back. */
typedef struct conn {
    int fd;
    int eof;      /* the client has finished sending */
    size_t start; /* first byte still to send back */
    size_t end;   /* one past the last byte received */
    unsigned char buf[BUF_SIZE];
} conn;

static void usage(FILE *out)
{
    fprintf(out, "usage: echo_poll PORT\n"
                 "Listen on TCP PORT and send back to every client, many at once, every\n"
                 "byte it sends. One thread, non-blocking sockets, poll().\n");
}

/* Make @fd non-blocking: recv(), send() and accept() then fail with EAGAIN
 * instead of waiting. Returns 0, or -1 with errno set. */
static int set_nonblocking(int fd)
{
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0) {
        return -1;
    }
    return fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

/* Read from the client while its buffer has room and it has not finished. */
static int conn_wants_read(const conn *c)
{
    return !c->eof && c->end - c->start < BUF_SIZE;
}

/* Write to the client while something is waiting to go back. */
static int conn_wants_write(const conn *c)
{
    return c->end > c->start;
}

/* Done: the client finished sending and got everything back. */
static int conn_finished(const conn *c)
{
    return c->eof && c->end == c->start;
}

/* Is this error "not now" rather than a real failure? */
static int try_again(int err)
{
    return err == EAGAIN || err == EWOULDBLOCK || err == EINTR;
}

/* One recv() into the free end of the buffer. poll() said the socket is
 * readable, but it may still have nothing (EAGAIN): that is not an error.
 * Returns 0 to keep the client, -1 to drop it (reset, or another error). */
static int conn_read(conn *c)
{
    if (c->start == c->end) {
        c->start = c->end = 0; /* empty: start over at the front */
    } else if (c->end == BUF_SIZE) {
        /* Room only at the front: move the pending bytes there. */
        memmove(c->buf, c->buf + c->start, c->end - c->start);
        c->end -= c->start;
        c->start = 0;
    }
    ssize_t n = recv(c->fd, c->buf + c->end, BUF_SIZE - c->end, 0);
    if (n > 0) {
        c->end += (size_t)n;
        return 0;
    }
    if (n == 0) {
        c->eof = 1; /* end of file: send back what is pending, then close */
        return 0;
    }
    return try_again(errno) ? 0 : -1;
}

/* One send() of what is pending; it may take only part of it. Returns 0 to
 * keep the client, -1 to drop it (EPIPE, ECONNRESET: the client has gone). */
static int conn_write(conn *c)
{
    ssize_t n = send(c->fd, c->buf + c->start, c->end - c->start, MSG_NOSIGNAL);
    if (n >= 0) {
        c->start += (size_t)n;
        return 0;
    }
    return try_again(errno) ? 0 : -1;
}

/* The sockets being watched. Entry 0 is the listening socket; entry i > 0
 * is client conns[i], whose descriptor is fds[i].fd. */
typedef struct watch {
    struct pollfd *fds;
    conn **conns;
    size_t n;
    size_t cap;
} watch;

static int watch_add(watch *w, int fd, conn *c)
{
    if (w->n == w->cap) {
        size_t cap = w->cap ? 2 * w->cap : 64;
        struct pollfd *fds = realloc(w->fds, cap * sizeof *fds);
        if (fds == NULL) {
            return -1;
        }
        w->fds = fds;
        conn **conns = realloc(w->conns, cap * sizeof *conns);
        if (conns == NULL) {
            return -1;
        }
        w->conns = conns;
        w->cap = cap;
    }
    w->fds[w->n].fd = fd;
    w->fds[w->n].events = POLLIN;
    w->fds[w->n].revents = 0;
    w->conns[w->n] = c;
    w->n++;
    return 0;
}

/* Close client i and fill its slot with the last entry. */
static void watch_drop(watch *w, size_t i)
{
    close(w->conns[i]->fd);
    free(w->conns[i]);
    w->n--;
    w->fds[i] = w->fds[w->n];
    w->conns[i] = w->conns[w->n];
}

/* Accept every client waiting in the listen queue. Returns 0, or -1 when
 * out of descriptors (EMFILE): the caller stops watching the listening
 * socket until a client leaves, since it would stay readable and poll()
 * would return at once, forever. */
static int accept_clients(watch *w)
{
    for (;;) {
        int fd = accept(w->fds[0].fd, NULL, NULL);
        if (fd < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                return 0; /* the queue is empty */
            }
            if (errno == EINTR || errno == ECONNABORTED) {
                continue; /* that client gave up before we got to it */
            }
            perror("echo_poll: accept");
            return errno == EMFILE || errno == ENFILE ? -1 : 0;
        }
        conn *c = malloc(sizeof *c);
        if (c == NULL || set_nonblocking(fd) < 0 || watch_add(w, fd, c) < 0) {
            perror("echo_poll: new client");
            free(c);
            close(fd);
            continue;
        }
        c->fd = fd;
        c->eof = 0;
        c->start = c->end = 0;
    }
}

int main(int argc, char **argv)
{
    if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        usage(stdout);
        return 0;
    }
    if (argc != 2) {
        usage(stderr);
        return 2;
    }
    char err[SL_ERR_LEN];
    uint16_t port = 0;
    if (sl_addr_parse_port(argv[1], 0, &port, err) < 0) {
        fprintf(stderr, "echo_poll: %s\n", err);
        return 2;
    }
    /* A client that resets while we send must not kill the server. */
    signal(SIGPIPE, SIG_IGN);

    int lfd = sl_addr_listen(NULL, argv[1], SOMAXCONN, err);
    if (lfd < 0) {
        fprintf(stderr, "echo_poll: %s\n", err);
        return 1;
    }
    watch w = {0};
    if (set_nonblocking(lfd) < 0 || watch_add(&w, lfd, NULL) < 0) {
        perror("echo_poll: listening socket");
        close(lfd);
        return 1;
    }
    fprintf(stderr, "echo_poll: listening on port %u\n", (unsigned)port);

    for (;;) {
        /* Say what each client wants now. poll() fills in revents and
         * leaves events alone, but what a client wants changes as its
         * buffer fills and empties. */
        for (size_t i = 1; i < w.n; i++) {
            const conn *c = w.conns[i];
            w.fds[i].events =
                (short)((conn_wants_read(c) ? POLLIN : 0) | (conn_wants_write(c) ? POLLOUT : 0));
        }
        /* Timeout -1: sleep until some socket is ready. */
        if (poll(w.fds, (nfds_t)w.n, -1) < 0) {
            if (errno == EINTR) {
                continue;
            }
            perror("echo_poll: poll");
            break;
        }
        /* Backwards, so that watch_drop() moves an entry already seen. */
        int freed = 0;
        for (size_t i = w.n - 1; i >= 1; i--) {
            short re = w.fds[i].revents;
            if (re == 0) {
                continue;
            }
            conn *c = w.conns[i];
            int rc = re & POLLNVAL ? -1 : 0;
            /* POLLHUP and POLLERR come whether asked for or not: let the
             * next recv() or send() tell what happened. Never read into a
             * full buffer, though: a 0-byte recv() would look like EOF. */
            if (rc == 0 && (re & (POLLIN | POLLHUP | POLLERR)) && conn_wants_read(c)) {
                rc = conn_read(c);
            }
            /* Send at once what just arrived (see echo_select.c). */
            if (rc == 0 && conn_wants_write(c)) {
                rc = conn_write(c);
            }
            if (rc < 0 || conn_finished(c)) {
                watch_drop(&w, i);
                freed = 1;
            }
        }
        if (w.fds[0].revents & POLLIN) {
            if (accept_clients(&w) < 0) {
                w.fds[0].events = 0; /* out of descriptors: stop accepting */
            }
        }
        if (freed) {
            w.fds[0].events = POLLIN;
        }
    }
    while (w.n > 1) {
        watch_drop(&w, w.n - 1);
    }
    free(w.fds);
    free(w.conns);
    close(lfd);
    return 1;
}
