/*
 * echo_select.c - a TCP echo server for many clients at once, on select().
 * Lab 05.
 *
 * This is the skeleton: it builds and runs, and tells you which step is
 * missing. Your work is marked TODO(step 1) to TODO(step 4); the guide is
 * README.md.
 *
 * usage: echo_select PORT
 *
 * Listens on TCP PORT and serves any number of clients (up to what select()
 * can watch, FD_SETSIZE descriptors) at the same time, from one thread:
 * every byte a client sends comes back to it, in order. When a client shuts
 * down its sending side, the server sends back what is still pending and
 * closes the connection.
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

/* Make @fd non-blocking. Returns 0, or -1 with errno set. */
static int set_nonblocking(int fd)
{
    /* TODO(step 1): read the descriptor's flags with fcntl(fd, F_GETFL),
     * add O_NONBLOCK, and write them back with fcntl(fd, F_SETFL, flags).
     * From then on recv(), send() and accept() never wait: where they
     * would, they fail with errno EAGAIN (or EWOULDBLOCK, the same value
     * on Linux). Return -1 if either fcntl() fails. */
    (void)fd;
    return 0;
}

/* Should the server read from this client now? */
static int conn_wants_read(const conn *c)
{
    /* TODO(step 3): only while the client has not finished sending (eof)
     * AND its buffer has room: c->end - c->start < BUF_SIZE. A client that
     * never reads its echo would otherwise make the server read forever. */
    return !c->eof;
}

/* Should the server ask to hear when this client's socket is writable? */
static int conn_wants_write(const conn *c)
{
    /* TODO(step 4): only while something waits to go back:
     * c->end > c->start. A socket with room in its send buffer is always
     * writable; asking for it with nothing to send wakes select() at
     * once, every time, and the server spins at 100% CPU. */
    (void)c;
    return 1;
}

/* Done: the client finished sending and got everything back. */
static int conn_finished(const conn *c)
{
    return c->eof && c->end == c->start;
}

/* One recv() into the free end of the buffer.
 * Returns 0 to keep the client, -1 to drop it. */
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
    if (c->end == BUF_SIZE) {
        /* Full: read again once some of it has gone back. Never recv()
         * into no room: it returns 0, the same as end of file. */
        return 0;
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
    /* TODO(step 2): EAGAIN, EWOULDBLOCK and EINTR mean "nothing now", not
     * an error: return 0 for them. Anything else (ECONNRESET...) means the
     * client is gone: return -1. */
    return -1;
}

/* One send() of what is pending. Returns 0 to keep the client, -1 to drop it. */
static int conn_write(conn *c)
{
    /* TODO(step 2): send(c->fd, c->buf + c->start, c->end - c->start,
     * MSG_NOSIGNAL). It may take only part: add what it returned to
     * c->start, and the rest waits for the next time the socket is
     * writable. On -1: return 0 for EAGAIN, EWOULDBLOCK and EINTR, -1 for
     * anything else (EPIPE, ECONNRESET: the client is gone). */
    (void)c;
    return 0;
}

static void conn_close(conn **conns, conn *c)
{
    conns[c->fd] = NULL;
    close(c->fd);
    free(c);
}

/* Accept every client waiting in the listen queue. Returns 0, or -1 when
 * out of descriptors (EMFILE). */
static int accept_clients(int lfd, conn **conns)
{
    /* TODO(step 1): loop: int fd = accept(lfd, NULL, NULL);
     *   - fd < 0 and errno EAGAIN/EWOULDBLOCK: the queue is empty, return 0
     *     (the listening socket is non-blocking, so accept() never waits);
     *   - EINTR or ECONNABORTED: continue;
     *   - EMFILE or ENFILE: perror() and return -1; anything else: return 0.
     *   - fd >= FD_SETSIZE: select() cannot watch it: close it, continue.
     *   - set_nonblocking(fd), then malloc a conn, set fd, eof = 0,
     *     start = end = 0, and store it: conns[fd] = c.
     */
    (void)lfd;
    (void)conns;
    fprintf(stderr, "echo_select: step 1 is not done yet: accept_clients() accepts nobody; "
                    "see TODO(step 1) in echo_select.c and labs/05-select/README.md\n");
    errno = ENOSYS;
    return -1;
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

    /* TODO(step 2): the event loop. for (;;) {
     *   1. Build two fd_sets afresh (select() overwrites them with its
     *      answer): FD_ZERO both; FD_SET(lfd, &rset) while accepting; for
     *      every client, FD_SET its fd in rset if conn_wants_read() and in
     *      wset if conn_wants_write(). Keep the highest fd in maxfd.
     *   2. select(maxfd + 1, &rset, &wset, NULL, NULL): no timeout, so it
     *      sleeps until a socket is ready. On -1: continue on EINTR, else
     *      perror() and break.
     *   3. If FD_ISSET(lfd, &rset): accept_clients(); if it returns -1, set
     *      accepting = 0 (a listening socket stays readable while the queue
     *      is not empty: without this, EMFILE would spin the loop).
     *   4. For every client: if FD_ISSET(fd, &rset), conn_read(); then, if
     *      conn_wants_write(), conn_write() (try at once: the socket
     *      usually has room). If either returned -1 or conn_finished():
     *      conn_close(conns, c) and accepting = 1.
     * } When the loop ends, close every client and lfd, and return 1.
     * Until then the loop below only accepts: it is there so that step 1
     * can be tried (and graded: select-nonblocking) on its own. */
    (void)accepting;
    (void)conn_wants_read;
    (void)conn_wants_write;
    (void)conn_finished;
    (void)conn_read;
    (void)conn_write;
    (void)conn_close;
    /* Until step 2, a loop that only accepts: clients connect and are held,
     * but nothing is echoed. Replace it with the event loop. */
    for (;;) {
        fd_set rset;
        FD_ZERO(&rset);
        FD_SET(lfd, &rset);
        if (select(lfd + 1, &rset, NULL, NULL, NULL) < 0 && errno != EINTR) {
            perror("echo_select: select");
            break;
        }
        if (FD_ISSET(lfd, &rset) && accept_clients(lfd, conns) < 0) {
            break;
        }
    }
    close(lfd);
    return 1;
}
