/* socketserver.c - the framework (see socketserver.h).
 *
 * A request's life, as in Python's BaseServer: get_request() (accept, or
 * recvfrom), verify_request(), process_request() (the strategy: here, in a
 * thread, in a child, or on the pool's queue), finish_request() (the
 * handler's setup, handle, finish), shutdown_request() (the close hook,
 * then close). serve_forever() is that in a loop around poll(), with a
 * wake-up pipe beside the server's socket so that a shutdown, even from a
 * signal handler, does not wait for the poll interval. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* accept4(), pipe2() */
#endif
#include "socketserver.h"

#include "err.h"
#include "rio.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

/* The largest datagram taken whole: UDP's limit. */
#define DGRAM_MAX 65536
#define DEFAULT_QUEUE_SIZE 5
#define DEFAULT_POOL 4

/* A request on its way through the framework: the handler's context, and
 * what the thread strategy keeps to join its thread. */
typedef struct ss_job {
    ss_request j_rq;
    struct ss_job *j_next;  /* in the list of threads, or the pool's queue */
    pthread_t j_thread;     /* SS_THREAD: the thread serving it */
    int j_done;             /* SS_THREAD: it has finished (under sv_lock) */
    unsigned char j_data[]; /* a datagram's bytes */
} ss_job;

struct ss_server {
    ss_config sv_cf;
    ss_handler sv_handler;
    ss_hooks sv_hooks;
    int sv_fd;      /* the server's socket */
    int sv_wake[2]; /* the wake-up pipe: [0] polled, [1] written */
    struct sockaddr_storage sv_addr;
    socklen_t sv_addrlen;
    char sv_path[sizeof(((struct sockaddr_un *)0)->sun_path)]; /* a file to unlink, or "" */
    atomic_int sv_stop;                                        /* a shutdown was asked for */
    pthread_mutex_t sv_lock;                                   /* guards what follows */
    pthread_cond_t sv_cond; /* sv_serving changed; the pool's queue changed */
    int sv_serving;         /* serve_forever() is running */
    ss_job *sv_threads;     /* SS_THREAD: requests with a thread, to join */
    ss_job *sv_queue;       /* SS_POOL: requests waiting, oldest first */
    ss_job **sv_queue_tail;
    int sv_queued;
    int sv_idle;        /* SS_POOL: workers waiting for a request */
    int sv_pool_stop;   /* SS_POOL: the workers are to end */
    pthread_t *sv_pool; /* SS_POOL: the workers */
    int sv_npool;
    pid_t *sv_children; /* SS_FORK: children started, not yet reaped */
    size_t sv_nchildren;
    size_t sv_children_cap;
    unsigned char *sv_dgram; /* a datagram server's receive buffer */
};

static int is_stream(const ss_server *srv)
{
    return srv->sv_cf.cf_kind == SS_TCP || srv->sv_cf.cf_kind == SS_UNIX_STREAM;
}

/* close() that keeps errno: cleanup must not hide the first error. */
static void close_keep_errno(int fd)
{
    int saved = errno;
    if (fd >= 0) {
        close(fd);
    }
    errno = saved;
}

/* ---- the server's address ------------------------------------------------------ */

/* An IPv4 or IPv6 address and port for bind(). Returns 0 or -1. */
static int inet_address(const ss_config *cf, struct sockaddr_storage *ss, socklen_t *len, char *err)
{
    if (cf->cf_port < 0 || cf->cf_port > 65535) {
        sl_err_set(err, "port %d is not between 0 and 65535", cf->cf_port);
        errno = EINVAL;
        return -1;
    }
    char port[8];
    snprintf(port, sizeof port, "%d", cf->cf_port);
    struct addrinfo hints = {.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV,
                             .ai_family = cf->cf_address == NULL ? AF_INET : AF_UNSPEC};
    struct addrinfo *ai = NULL;
    int rc = getaddrinfo(cf->cf_address, port, &hints, &ai);
    if (rc != 0) {
        sl_err_set(err, "address %s: %s", cf->cf_address, gai_strerror(rc));
        errno = EINVAL;
        return -1;
    }
    memcpy(ss, ai->ai_addr, ai->ai_addrlen);
    *len = ai->ai_addrlen;
    freeaddrinfo(ai);
    return 0;
}

/* A Unix socket's address. */
static int unix_address(const ss_config *cf, struct sockaddr_storage *ss, socklen_t *len, char *err)
{
    /* TODO(step 3): fill a struct sockaddr_un (in *ss) from cf->cf_address:
     * a path, or "@name" for an abstract name (sun_path[0] = '\0', then the
     * name); *len is offsetof(struct sockaddr_un, sun_path) plus the path's
     * length (and its NUL for a path). A path that does not fit: ENAMETOOLONG. */
    (void)cf;
    (void)ss;
    (void)len;
    sl_err_set(err, "Unix sockets are not written yet (TODO step 3)");
    errno = ENOSYS;
    return -1;
}

/* ---- making a server ------------------------------------------------------------- */

/* The configuration makes sense. Returns 0, or -1 with errno EINVAL. */
static int check_config(const ss_config *cf, char *err)
{
    const char *bad = NULL;
    if (cf->cf_kind < SS_TCP || cf->cf_kind > SS_UNIX_DGRAM) {
        bad = "no such kind of server";
    } else if (cf->cf_strategy < SS_SYNC || cf->cf_strategy > SS_POOL) {
        bad = "no such strategy";
    } else if (cf->cf_handler == NULL || cf->cf_handler->h_handle == NULL) {
        bad = "a handler needs a handle() callback";
    } else if (cf->cf_queue_size < 0 || cf->cf_pool_threads < 0 || cf->cf_pool_queue < 0) {
        bad = "sizes cannot be negative";
    }
    if (bad != NULL) {
        sl_err_set(err, "%s", bad);
        errno = EINVAL;
        return -1;
    }
    if (cf->cf_strategy == SS_THREAD) {
        /* TODO(step 5): remove this when process_request() has a thread strategy. */
        sl_err_set(err, "the thread strategy is not written yet (TODO step 5)");
        errno = ENOSYS;
        return -1;
    }
    if (cf->cf_strategy == SS_FORK) {
        /* TODO(step 6): remove this when process_request() can fork. */
        sl_err_set(err, "the fork strategy is not written yet (TODO step 6)");
        errno = ENOSYS;
        return -1;
    }
    if (cf->cf_strategy == SS_POOL) {
        /* TODO(step 8): remove this when the pool is written. */
        sl_err_set(err, "the pool strategy is not written yet (TODO step 8)");
        errno = ENOSYS;
        return -1;
    }
    return 0;
}

/* Create, bind and (for a stream) listen: server_bind and server_activate.
 * Returns 0, or -1 with errno set and sv_fd closed. */
static int bind_and_activate(ss_server *srv, char *err)
{
    /* TODO(step 1): the address (inet_address(), or for a Unix socket
     * unix_address()), then socket() (SOCK_STREAM or SOCK_DGRAM, with
     * SOCK_CLOEXEC | SOCK_NONBLOCK), SO_REUSEADDR when cf_reuse_address,
     * bind(), getsockname() into sv_addr, and for a stream listen() with
     * cf_queue_size (0: DEFAULT_QUEUE_SIZE). On any failure close the socket
     * (errno kept: close_keep_errno()), set sv_fd to -1 and return -1. */
    (void)inet_address;
    (void)unix_address;
    sl_err_set(err, "ss_server_new() is not written yet (TODO step 1)");
    errno = ENOSYS;
    srv->sv_fd = -1;
    return -1;
}

static int start_pool(ss_server *srv, char *err);
static void stop_pool(ss_server *srv);

ss_server *ss_server_new(const ss_config *cf, char *err)
{
    if (check_config(cf, err) < 0) {
        return NULL;
    }
    ss_server *srv = calloc(1, sizeof *srv);
    if (srv == NULL) {
        sl_err_errno(err, "malloc");
        return NULL;
    }
    srv->sv_cf = *cf;
    srv->sv_handler = *cf->cf_handler;
    if (cf->cf_hooks != NULL) {
        srv->sv_hooks = *cf->cf_hooks;
    }
    srv->sv_wake[0] = srv->sv_wake[1] = -1;
    srv->sv_queue_tail = &srv->sv_queue;
    atomic_init(&srv->sv_stop, 0);
    pthread_mutex_init(&srv->sv_lock, NULL);
    pthread_cond_init(&srv->sv_cond, NULL);
    if (bind_and_activate(srv, err) < 0) {
        goto fail;
    }
    if (pipe2(srv->sv_wake, O_CLOEXEC | O_NONBLOCK) < 0) {
        sl_err_errno(err, "pipe");
        goto fail;
    }
    if (!is_stream(srv) && (srv->sv_dgram = malloc(DGRAM_MAX)) == NULL) {
        sl_err_errno(err, "malloc");
        goto fail;
    }
    if (cf->cf_strategy == SS_POOL && start_pool(srv, err) < 0) {
        goto fail;
    }
    return srv;
fail:;
    int saved = errno;
    ss_server_close(srv);
    errno = saved;
    return NULL;
}

int ss_server_fileno(const ss_server *srv)
{
    return srv->sv_fd;
}

int ss_server_address(const ss_server *srv, struct sockaddr_storage *addr, socklen_t *len)
{
    if (srv->sv_fd < 0) {
        errno = EBADF;
        return -1;
    }
    memcpy(addr, &srv->sv_addr, srv->sv_addrlen);
    *len = srv->sv_addrlen;
    return 0;
}

/* ---- one request -------------------------------------------------------------------- */

/* The handler: setup, handle, finish (Python's finish_request). A failure
 * goes to handle_error; finish runs even when handle failed. */
static void finish_request(ss_server *srv, ss_request *rq)
{
    /* TODO(step 2): call the handler: h_setup (if any), then h_handle, then
     * h_finish (if any), even when h_handle failed; when h_setup fails,
     * neither of the others runs. Remember whether one failed, and its
     * errno, for step 4. */
    (void)srv;
    (void)rq;
    int failed = 0;
    int err = 0;
    /* TODO(step 4): when a callback failed, call the handle_error hook (if
     * any) with its errno; the server goes on serving. */
    (void)failed;
    (void)err;
}

/* Every request ends here: the close hook, then close (shutdown_request). */
static void shutdown_request(ss_server *srv, ss_request *rq)
{
    /* TODO(step 4): call the close_request hook (if any) first. */
    if (is_stream(srv) && rq->rq_fd >= 0) {
        close(rq->rq_fd);
        rq->rq_fd = -1;
    }
}

/* A request that has been dealt with, or refused: close it and free it. */
static void end_request(ss_server *srv, ss_job *job)
{
    shutdown_request(srv, &job->j_rq);
    free(job);
}

/* The next request (get_request): a connection, or a datagram. Returns the
 * job, or NULL with errno (EAGAIN: nothing after all). */
static ss_job *get_request(ss_server *srv)
{
    struct sockaddr_storage addr;
    socklen_t addrlen = sizeof addr;
    ss_job *job = NULL;
    if (is_stream(srv)) {
        int fd = accept4(srv->sv_fd, (struct sockaddr *)&addr, &addrlen, SOCK_CLOEXEC);
        if (fd < 0 || (job = calloc(1, sizeof *job)) == NULL) {
            close_keep_errno(fd);
            return NULL;
        }
        job->j_rq.rq_fd = fd;
    } else {
        /* TODO(step 3): recvfrom() one datagram into sv_dgram (DGRAM_MAX
         * bytes), then a job with room for its n bytes (calloc(1, sizeof
         * *job + n)): copy them into j_data, and set rq_fd to the server's
         * socket, rq_data and rq_len. */
        errno = ENOSYS;
        return NULL;
    }
    memcpy(&job->j_rq.rq_addr, &addr, addrlen);
    job->j_rq.rq_addrlen = addrlen;
    job->j_rq.rq_server = srv;
    job->j_rq.rq_user = srv->sv_cf.cf_user;
    return job;
}

ssize_t ss_reply(ss_request *rq, const void *buf, size_t n)
{
    ss_server *srv = rq->rq_server;
    if (is_stream(srv)) {
        return sl_rio_writen(rq->rq_fd, buf, n);
    }
    /* TODO(step 3): one datagram to the client's address (sendto()). */
    errno = ENOSYS;
    return -1;
}

/* ---- the strategies --------------------------------------------------------------------- */

/* SS_THREAD: a thread per request. */
static int process_thread(ss_server *srv, ss_job *job)
{
    /* TODO(step 5): pthread_create() a thread that runs finish_request()
     * and shutdown_request() for this job, then marks it j_done under
     * sv_lock. Keep the job on sv_threads (under sv_lock) so that
     * join_threads() can pthread_join() it and free it. Return 0, or -1
     * with errno set (pthread_create() returns its error, it does not set
     * errno). */
    (void)srv;
    (void)job;
    errno = ENOSYS;
    return -1;
}

/* Join the threads that are done (all of them with @p all, waiting). */
static void join_threads(ss_server *srv, int all)
{
    /* TODO(step 5): take the jobs that are done (every job with all) off
     * sv_threads under sv_lock; then, without the lock, pthread_join()
     * each and free it. */
    (void)srv;
    (void)all;
}

/* SS_FORK: reap the children this server started that have exited (all of
 * them, waiting, with @p block). */
static void reap_children(ss_server *srv, int block)
{
    /* TODO(step 6): waitpid() each pid in sv_children (WNOHANG unless
     * block), keeping those still running; never waitpid(-1, ...). */
    (void)srv;
    (void)block;
}

static int process_fork(ss_server *srv, ss_job *job)
{
    /* TODO(step 6): fork(). The child closes the server's socket (a stream
     * server's) and the wake-up pipe, runs finish_request() and
     * shutdown_request(), and _exit(0)s. The parent remembers the pid in
     * sv_children, closes its copy of the connection (no close hook), frees
     * the job and returns 0. */
    (void)srv;
    (void)job;
    errno = ENOSYS;
    return -1;
}

static int start_pool(ss_server *srv, char *err)
{
    /* TODO(step 8): allocate sv_pool and pthread_create() cf_pool_threads
     * workers (0: DEFAULT_POOL), counting them in sv_npool. A worker waits
     * on sv_cond (under sv_lock, in a while loop, counted in sv_idle while
     * it waits) for a job on sv_queue or for sv_pool_stop; takes the
     * oldest; serves it without the lock (finish_request(), end_request());
     * ends when stopped and the queue is empty. */
    (void)srv;
    sl_err_set(err, "the pool is not written yet (TODO step 8)");
    errno = ENOSYS;
    return -1;
}

/* Put a request on the queue: 0, or -1 when the queue is full. */
static int process_pool(ss_server *srv, ss_job *job)
{
    /* TODO(step 8): under sv_lock, if sv_queued less sv_idle (the requests
     * no idle worker is about to take) has reached cf_pool_queue (0:
     * DEFAULT_POOL) return -1; else append the job at sv_queue_tail,
     * sv_queued++, and wake the workers (pthread_cond_broadcast()). */
    (void)srv;
    (void)job;
    return -1;
}

static void stop_pool(ss_server *srv)
{
    /* TODO(step 8): set sv_pool_stop under sv_lock, wake every worker,
     * pthread_join() each, free sv_pool. */
    (void)srv;
}

/* process_request: serve the request with the server's strategy. */
static void process_request(ss_server *srv, ss_job *job)
{
    int rc = 0;
    switch (srv->sv_cf.cf_strategy) {
    case SS_SYNC:
        finish_request(srv, &job->j_rq);
        end_request(srv, job);
        return;
    case SS_THREAD:
        rc = process_thread(srv, job);
        break;
    case SS_FORK:
        rc = process_fork(srv, job);
        break;
    case SS_POOL:
        if (process_pool(srv, job) < 0) {
            if (srv->sv_hooks.busy != NULL) {
                srv->sv_hooks.busy(&job->j_rq);
            }
            end_request(srv, job);
        }
        return;
    }
    if (rc < 0) {
        /* No thread or child to serve it: a failed request. */
        if (srv->sv_hooks.handle_error != NULL) {
            srv->sv_hooks.handle_error(&job->j_rq, errno);
        }
        end_request(srv, job);
    }
}

/* Take one request and deal with it: refused, or served. */
static void handle_one(ss_server *srv)
{
    ss_job *job = get_request(srv);
    if (job == NULL) {
        return; /* EAGAIN (gone already), ECONNABORTED, EMFILE: try again later */
    }
    /* TODO(step 4): when the verify_request hook says no, end the request
     * (end_request(): the close hook runs) without processing it. */
    process_request(srv, job);
}

/* Housekeeping after each turn of the loop (service_actions). */
static void service_actions(ss_server *srv)
{
    if (srv->sv_cf.cf_strategy == SS_THREAD) {
        join_threads(srv, 0);
    } else if (srv->sv_cf.cf_strategy == SS_FORK) {
        reap_children(srv, 0);
    }
}

/* ---- the loop ----------------------------------------------------------------------------- */

/* Empty the wake-up pipe. */
static void drain_wake(ss_server *srv)
{
    char buf[64];
    while (read(srv->sv_wake[0], buf, sizeof buf) > 0) {
    }
}

/* Wait up to @p ms (-1: no limit) for a request or a wake-up. Returns 1 when
 * a request is there, 0 when not, -1 with errno set. */
static int wait_request(ss_server *srv, int ms)
{
    /* TODO(step 7): poll the wake-up pipe (sv_wake[0]) too, and drain it
     * (drain_wake()) when it is readable: a shutdown then needs no poll
     * interval to be seen. */
    (void)drain_wake;
    struct pollfd pfd[1] = {{.fd = srv->sv_fd, .events = POLLIN}};
    int n = poll(pfd, 1, ms);
    if (n < 0) {
        return errno == EINTR ? 0 : -1;
    }
    return (pfd[0].revents & (POLLIN | POLLERR | POLLHUP)) != 0;
}

int ss_serve_forever(ss_server *srv, int poll_interval_ms)
{
    pthread_mutex_lock(&srv->sv_lock);
    int busy = srv->sv_serving;
    srv->sv_serving = 1;
    pthread_mutex_unlock(&srv->sv_lock);
    if (busy) {
        errno = EBUSY;
        return -1;
    }
    int rc = 0;
    while (!atomic_load(&srv->sv_stop)) {
        int ready = wait_request(srv, poll_interval_ms);
        if (ready < 0) {
            rc = -1;
            break;
        }
        if (ready && !atomic_load(&srv->sv_stop)) {
            handle_one(srv);
        }
        service_actions(srv);
    }
    int saved = errno;
    atomic_store(&srv->sv_stop, 0);
    pthread_mutex_lock(&srv->sv_lock);
    srv->sv_serving = 0;
    pthread_cond_broadcast(&srv->sv_cond);
    pthread_mutex_unlock(&srv->sv_lock);
    errno = saved;
    return rc;
}

int ss_handle_request(ss_server *srv)
{
    int ready = wait_request(srv, srv->sv_cf.cf_timeout_ms < 0 ? -1 : srv->sv_cf.cf_timeout_ms);
    if (ready > 0) {
        handle_one(srv);
    }
    /* TODO(step 4): when nothing came in time, call the handle_timeout hook. */
    service_actions(srv);
    return ready;
}

void ss_shutdown(ss_server *srv)
{
    ss_shutdown_signal(srv);
    pthread_mutex_lock(&srv->sv_lock);
    while (srv->sv_serving) {
        pthread_cond_wait(&srv->sv_cond, &srv->sv_lock);
    }
    pthread_mutex_unlock(&srv->sv_lock);
}

void ss_shutdown_signal(ss_server *srv)
{
    atomic_store(&srv->sv_stop, 1);
    ss_wake(srv);
}

void ss_wake(ss_server *srv)
{
    /* TODO(step 7): write one byte to sv_wake[1] (errno kept: this runs in
     * signal handlers). */
    (void)srv;
}

/* ---- closing ------------------------------------------------------------------------------- */

int ss_server_close(ss_server *srv)
{
    if (srv == NULL) {
        return 0;
    }
    int rc = 0;
    /* Stop accepting first: clients that come now are refused. */
    if (srv->sv_fd >= 0 && close(srv->sv_fd) < 0) {
        rc = -1;
    }
    srv->sv_fd = -1;
    /* TODO(step 7): wait for the requests in flight: join every thread
     * (join_threads(srv, 1)) and reap every child (reap_children(srv, 1)). */
    if (srv->sv_npool > 0) {
        stop_pool(srv);
    }
    if (srv->sv_path[0] != '\0') {
        unlink(srv->sv_path);
    }
    for (int i = 0; i < 2; i++) {
        if (srv->sv_wake[i] >= 0) {
            close(srv->sv_wake[i]);
        }
    }
    pthread_mutex_destroy(&srv->sv_lock);
    pthread_cond_destroy(&srv->sv_cond);
    free(srv->sv_children);
    free(srv->sv_pool);
    free(srv->sv_dgram);
    free(srv);
    return rc;
}
