/*
 * echo_epoll.c - a TCP echo server for many clients at once, on epoll.
 * Lab 05, reference solution.
 *
 * usage: echo_epoll PORT
 *
 * The same server as echo_epoll.c and echo_poll.c, on Linux's epoll: the
 * kernel keeps the list of watched sockets (an epoll instance, itself a
 * descriptor), so each wait costs time for the ready sockets only, not for
 * every connected one. That is what lets one thread hold ten thousand
 * connections. Interest changes with epoll_ctl(): the server asks for
 * EPOLLIN while a client's buffer has room and for EPOLLOUT only while it
 * holds something to send back. Level-triggered (the default): a socket is
 * reported again as long as it stays ready.
 *
 * Exit status: 2 for a usage error or a bad PORT, 1 if the server cannot
 * start or epoll_wait() fails. Otherwise it runs until a signal stops it.
 */
#include "addr.h"
#include "err.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

/* Bytes held per client: read no more until they are sent back. */
#define BUF_SIZE (16 * 1024)

/* One client. buf[start, end) is what it sent and has not yet come back. */
typedef struct conn {
    int fd;
    uint32_t events; /* what epoll watches for now */
    int eof;         /* the client has finished sending */
    size_t start;    /* first byte still to send back */
    size_t end;      /* one past the last byte received */
    unsigned char buf[BUF_SIZE];
} conn;

static void usage(FILE *out)
{
    fprintf(out, "usage: echo_epoll PORT\n"
                 "Listen on TCP PORT and send back to every client, many at once, every\n"
                 "byte it sends. One thread, non-blocking sockets, epoll.\n");
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

/* One recv() into the free end of the buffer. epoll said the socket is
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

/* Tell epoll what client @c wants now, if that changed. Returns 0 or -1. */
static int conn_watch(int ep, conn *c)
{
    uint32_t want = (conn_wants_read(c) ? EPOLLIN : 0) | (conn_wants_write(c) ? EPOLLOUT : 0);
    if (want == c->events) {
        return 0; /* one system call saved */
    }
    struct epoll_event ev = {.events = want, .data.ptr = c};
    if (epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev) < 0) {
        return -1;
    }
    c->events = want;
    return 0;
}

/* Closing a descriptor removes it from every epoll instance. */
static void conn_close(conn *c)
{
    close(c->fd);
    free(c);
}

/* Accept every client waiting in the listen queue and add it to @ep.
 * Returns 0, or -1 when out of descriptors (EMFILE): the caller stops
 * watching the listening socket until a client leaves, since it would stay
 * readable and epoll_wait() would return at once, forever. */
static int accept_clients(int ep, int lfd)
{
    for (;;) {
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                return 0; /* the queue is empty */
            }
            if (errno == EINTR || errno == ECONNABORTED) {
                continue; /* that client gave up before we got to it */
            }
            perror("echo_epoll: accept");
            return errno == EMFILE || errno == ENFILE ? -1 : 0;
        }
        conn *c = malloc(sizeof *c);
        if (c == NULL || set_nonblocking(fd) < 0) {
            perror("echo_epoll: new client");
            free(c);
            close(fd);
            continue;
        }
        c->fd = fd;
        c->events = EPOLLIN;
        c->eof = 0;
        c->start = c->end = 0;
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
        if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
            perror("echo_epoll: epoll_ctl ADD");
            conn_close(c);
        }
    }
}

/* Turn watching the listening socket on or off. */
static void watch_listener(int ep, int lfd, int on)
{
    struct epoll_event ev = {.events = on ? EPOLLIN : 0, .data.ptr = NULL};
    if (epoll_ctl(ep, EPOLL_CTL_MOD, lfd, &ev) < 0) {
        perror("echo_epoll: epoll_ctl MOD");
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
        fprintf(stderr, "echo_epoll: %s\n", err);
        return 2;
    }
    /* A client that resets while we send must not kill the server. */
    signal(SIGPIPE, SIG_IGN);

    int lfd = sl_addr_listen(NULL, argv[1], SOMAXCONN, err);
    if (lfd < 0) {
        fprintf(stderr, "echo_epoll: %s\n", err);
        return 1;
    }
    int ep = epoll_create1(EPOLL_CLOEXEC);
    /* The listening socket's data.ptr is NULL; each client's is its conn. */
    struct epoll_event lev = {.events = EPOLLIN, .data.ptr = NULL};
    if (ep < 0 || set_nonblocking(lfd) < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &lev) < 0) {
        perror("echo_epoll: epoll");
        close(lfd);
        return 1;
    }
    fprintf(stderr, "echo_epoll: listening on port %u\n", (unsigned)port);

    int accepting = 1;
    for (;;) {
        struct epoll_event ready[256];
        /* Timeout -1: sleep until some socket is ready. */
        int n = epoll_wait(ep, ready, (int)(sizeof ready / sizeof ready[0]), -1);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            perror("echo_epoll: epoll_wait");
            break;
        }
        int freed = 0;
        for (int i = 0; i < n; i++) {
            conn *c = ready[i].data.ptr;
            if (c == NULL) {
                if (accept_clients(ep, lfd) < 0) {
                    accepting = 0;
                    watch_listener(ep, lfd, 0);
                }
                continue;
            }
            uint32_t re = ready[i].events;
            int rc = 0;
            /* EPOLLHUP and EPOLLERR come whether asked for or not: let the
             * next recv() or send() tell what happened. Never read into a
             * full buffer, though: a 0-byte recv() would look like EOF. */
            if ((re & (EPOLLIN | EPOLLHUP | EPOLLERR)) && conn_wants_read(c)) {
                rc = conn_read(c);
            }
            /* Send at once what just arrived (see echo_select.c). */
            if (rc == 0 && conn_wants_write(c)) {
                rc = conn_write(c);
            }
            if (rc == 0 && !conn_finished(c)) {
                rc = conn_watch(ep, c);
            }
            if (rc < 0 || conn_finished(c)) {
                conn_close(c);
                freed = 1;
            }
        }
        if (freed && !accepting) {
            accepting = 1;
            watch_listener(ep, lfd, 1);
        }
    }
    close(ep);
    close(lfd);
    return 1;
}
