/*
 * pool_server.c - a TCP echo server with a fixed pool of threads. Lab 06.
 *
 * This is the skeleton: it builds and runs, and serves one client at a
 * time. Your work is marked TODO(step 6); the guide is README.md.
 *
 * usage: pool_server PORT
 *
 * WORKERS threads are started once, at the beginning. The main thread only
 * accepts: it puts each new connection on a queue that holds at most
 * QUEUE_MAX of them, and a free worker takes the oldest one off and echoes
 * it until the client closes. However many clients come, the server has
 * 1 + WORKERS threads.
 *
 * When the queue is full (WORKERS clients being served, QUEUE_MAX waiting),
 * a new connection is answered "BUSY\n" and closed at once: a client is
 * better told than kept waiting without end, and the server's memory and
 * descriptors stay bounded.
 *
 * Exit status: 2 for a usage error or a bad PORT, 1 if the server cannot
 * start. Otherwise it runs until a signal stops it.
 */
#include "addr.h"
#include "err.h"
#include "rio.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define WORKERS 8    /* threads that serve clients */
#define QUEUE_MAX 16 /* connections waiting for a worker */

/* The queue of accepted connections: a ring buffer, FIFO, guarded by lock. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER;
static int waiting[QUEUE_MAX];
static size_t first; /* index of the oldest connection */
static size_t count; /* connections in the queue */

/* Add fd to the queue. Returns 0, or -1 if the queue is full. */
static int queue_put(int fd)
{
    /* TODO(step 6): with the lock held:
     *   - if count == QUEUE_MAX, unlock and return -1 (main() says BUSY);
     *   - else store fd at waiting[(first + count) % QUEUE_MAX], count++,
     *     pthread_cond_signal(&not_empty) to wake one worker, unlock,
     *     return 0. */
    (void)fd;
    return -1;
}

/* Take the oldest connection off the queue, waiting for one if need be. */
static int queue_take(void)
{
    /* Wait while the queue is empty: a loop, because a wakeup is a hint,
     * not a promise (another worker may have taken the connection first). */
    pthread_mutex_lock(&lock);
    while (count == 0) {
        pthread_cond_wait(&not_empty, &lock);
    }
    int fd = waiting[first];
    first = (first + 1) % QUEUE_MAX;
    count--;
    pthread_mutex_unlock(&lock);
    return fd;
}

/* Echo everything the client sends until it closes. */
static void echo(int fd)
{
    char buf[16384];
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0 || sl_rio_writen(fd, buf, (size_t)n) < 0) {
            return;
        }
    }
}

static void *worker_main(void *arg)
{
    (void)arg;
    for (;;) {
        int fd = queue_take();
        echo(fd);
        close(fd);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: pool_server PORT\n");
        return 2;
    }
    char err[SL_ERR_LEN];
    uint16_t port;
    if (sl_addr_parse_port(argv[1], 0, &port, err) < 0) {
        fprintf(stderr, "pool_server: %s\n", err);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    int lfd = sl_addr_listen(NULL, argv[1], 128, err);
    if (lfd < 0) {
        fprintf(stderr, "pool_server: %s\n", err);
        return 1;
    }
    for (int i = 0; i < WORKERS; i++) {
        pthread_t t;
        if (pthread_create(&t, NULL, worker_main, NULL) != 0) {
            fprintf(stderr, "pool_server: cannot start worker %d\n", i + 1);
            return 1;
        }
        pthread_detach(t);
    }
    fprintf(stderr, "pool_server: %d workers, listening on port %u\n", WORKERS, (unsigned)port);
    for (;;) {
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0) {
            if (errno != EINTR) {
                perror("pool_server: accept");
            }
            continue;
        }
        /* TODO(step 6): this serves the client here, in the thread that
         * accepts: one client at a time. Delete these three lines, so that
         * queue_put() below hands the client to a worker. */
        echo(fd);
        close(fd);
        continue;
        if (queue_put(fd) < 0) {
            /* Every worker is busy and the queue is full: say so, and close. */
            static const char busy[] = "BUSY\n";
            send(fd, busy, sizeof busy - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
            close(fd);
        }
    }
}
