/* bug_pool.c - self-test server: lab 06's thread pool with one classic bug,
 * chosen by MODE.
 *
 * usage: bug_pool MODE PORT
 *
 * dies     the workers end themselves when a client's send() fails: the echo
 *          loop was the body of a thread per connection, moved into the
 *          worker as it was, and its "return" on an error now ends the
 *          worker, not the connection, leaving the socket open. Each client
 *          that resets while its echo is being written costs the pool a
 *          worker and a descriptor; after 8, nobody is served.
 * queue15  an off-by-one: the queue takes 15 connections, not 16, so the
 *          16th waiting client is told BUSY
 *
 * Everything else is the pool of the guide: 8 workers made at the start, a
 * queue of 16, BUSY when it is full. */
#include "addr.h"
#include "err.h"
#include "rio.h"
#include "selftest_listen.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define WORKERS 8
#define QUEUE_MAX 16

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER;
static int waiting[QUEUE_MAX];
static size_t first, count;
static int dies; /* the mode: dies (1) or queue15 (0) */

static int queue_put(int fd)
{
    pthread_mutex_lock(&lock);
    if (count == (dies ? QUEUE_MAX : QUEUE_MAX - 1)) { /* in mode queue15, the bug */
        pthread_mutex_unlock(&lock);
        return -1;
    }
    waiting[(first + count) % QUEUE_MAX] = fd;
    count++;
    pthread_cond_signal(&not_empty);
    pthread_mutex_unlock(&lock);
    return 0;
}

static int queue_take(void)
{
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

static void *worker_main(void *arg)
{
    (void)arg;
    for (;;) {
        int fd = queue_take();
        char buf[8192];
        ssize_t n;
        while ((n = recv(fd, buf, sizeof buf, 0)) > 0) {
            if (sl_rio_writen(fd, buf, (size_t)n) < 0) {
                if (dies) {
                    return NULL; /* the bug: ends the worker, and fd stays open */
                }
                break;
            }
        }
        close(fd);
    }
}

int main(int argc, char **argv)
{
    int mode_ok = argc == 3 && (strcmp(argv[1], "dies") == 0 || strcmp(argv[1], "queue15") == 0);
    int lfd = selftest_listen_or_exit(mode_ok ? argv[2] : NULL, "bug_pool dies|queue15 PORT");
    dies = strcmp(argv[1], "dies") == 0;
    signal(SIGPIPE, SIG_IGN);
    for (int i = 0; i < WORKERS; i++) {
        pthread_t t;
        if (pthread_create(&t, NULL, worker_main, NULL) != 0) {
            return 1;
        }
        pthread_detach(t);
    }
    for (;;) {
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0) {
            continue;
        }
        if (queue_put(fd) < 0) {
            sl_rio_writen(fd, "BUSY\n", 5);
            close(fd);
        }
    }
}
