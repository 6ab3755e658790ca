/*
 * echo_select.c - a TCP echo server for many clients at once, on select().
 * Lab 05, reference solution.
 *
 * usage: echo_select PORT
 *
 * Listens on TCP PORT and serves any number of clients (up to what select()
 * can watch, FD_SETSIZE descriptors) at the same time, from one thread:
 * every byte a client sends comes back to it, in order. When a client shuts
 * down its sending side, the server sends back what is still pending and
 * closes the connection.
 *
 * How: every socket is non-blocking, and one select() call waits for any of
 * them to be ready. Each client has its own buffer of bytes received and
 * not yet sent back. The server reads from a client only while that buffer
 * has room (a client that never reads cannot make it buffer without bound)
 * and asks to hear about write readiness only while the buffer holds
 * something to send (otherwise select() would return at once, forever).
 *
 * Exit status: 2 for a usage error or a bad PORT, 1 if the server cannot
 * start or select() fails. Otherwise it runs until a signal stops it.
 */
#include "addr.h"
#include "err.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
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
    fprintf(out, "usage: echo_select PORT\n"
                 "Listen on TCP PORT and send back to every client, many at once, every\n"
                 "byte it sends. One thread, non-blocking sockets, select().\n");
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

/* One recv() into the free end of the buffer. select() said the socket is
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

static void conn_close(conn **conns, conn *c)
{
    conns[c->fd] = NULL;
    close(c->fd);
    free(c);
}

/* Accept every client waiting in the listen queue. Returns 0, or -1 when
 * out of descriptors (EMFILE): the caller stops watching the listening
 * socket until a client leaves, since it would stay readable and select()
 * would return at once, forever. */
static int accept_clients(int lfd, conn **conns)
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
            perror("echo_select: accept");
            return errno == EMFILE || errno == ENFILE ? -1 : 0;
        }
        /* An fd_set has room for descriptors 0 to FD_SETSIZE - 1 only;
         * FD_SET() on a bigger one writes past its end. */
        if (fd >= FD_SETSIZE) {
            fprintf(stderr,
                    "echo_select: descriptor %d is past FD_SETSIZE (%d): client "
                    "refused (use poll or epoll for more clients)\n",
                    fd, FD_SETSIZE);
            close(fd);
            continue;
        }
        conn *c = malloc(sizeof *c);
        if (c == NULL || set_nonblocking(fd) < 0) {
            perror("echo_select: new client");
            free(c);
            close(fd);
            continue;
        }
        c->fd = fd;
        c->eof = 0;
        c->start = c->end = 0;
        conns[fd] = c;
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
        fprintf(stderr, "echo_select: %s\n", err);
        return 2;
    }
    /* A client that resets while we send must not kill the server. */
    signal(SIGPIPE, SIG_IGN);

    int lfd = sl_addr_listen(NULL, argv[1], SOMAXCONN, err);
    if (lfd < 0) {
        fprintf(stderr, "echo_select: %s\n", err);
        return 1;
    }
    if (lfd >= FD_SETSIZE || set_nonblocking(lfd) < 0) {
        perror("echo_select: listening socket");
        close(lfd);
        return 1;
    }
    fprintf(stderr, "echo_select: listening on port %u\n", (unsigned)port);

    /* The clients, indexed by descriptor: select() speaks in descriptors. */
    static conn *conns[FD_SETSIZE];
    int accepting = 1;
    for (;;) {
        /* select() overwrites its sets with the answer: build them afresh
         * every time, with what each client wants now. */
        fd_set rset;
        fd_set wset;
        FD_ZERO(&rset);
        FD_ZERO(&wset);
        int maxfd = lfd;
        if (accepting) {
            FD_SET(lfd, &rset);
        }
        for (int fd = 0; fd < FD_SETSIZE; fd++) {
            conn *c = conns[fd];
            if (c == NULL) {
                continue;
            }
            if (conn_wants_read(c)) {
                FD_SET(fd, &rset);
            }
            if (conn_wants_write(c)) {
                FD_SET(fd, &wset); /* only while output is pending */
            }
            maxfd = fd > maxfd ? fd : maxfd;
        }
        /* No timeout: sleep until some socket is ready. */
        if (select(maxfd + 1, &rset, &wset, NULL, NULL) < 0) {
            if (errno == EINTR) {
                continue;
            }
            perror("echo_select: select");
            break;
        }
        if (FD_ISSET(lfd, &rset) && accept_clients(lfd, conns) < 0) {
            accepting = 0;
        }
        for (int fd = 0; fd <= maxfd; fd++) {
            conn *c = conns[fd];
            if (c == NULL || fd == lfd) {
                continue;
            }
            int rc = 0;
            if (FD_ISSET(fd, &rset)) {
                rc = conn_read(c);
            }
            /* Send at once what just arrived: the socket is usually
             * writable, and this saves a trip through select(). If it takes
             * only part, wset asks for the rest next time. */
            if (rc == 0 && conn_wants_write(c)) {
                rc = conn_write(c);
            }
            if (rc < 0 || conn_finished(c)) {
                conn_close(conns, c);
                accepting = 1;
            }
        }
    }
    for (int fd = 0; fd < FD_SETSIZE; fd++) {
        if (conns[fd] != NULL) {
            conn_close(conns, conns[fd]);
        }
    }
    close(lfd);
    return 1;
}
