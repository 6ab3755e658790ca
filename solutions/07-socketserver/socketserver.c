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

/* A Unix socket's address: a path, or "@name" for an abstract name (no
 * file; sun_path starts with a NUL byte). Returns 0 or -1. */
static int unix_address(const ss_config *cf, struct sockaddr_storage *ss, socklen_t *len, char *err)
{
    struct sockaddr_un *sun = (struct sockaddr_un *)ss;
    size_t n = cf->cf_address != NULL ? strlen(cf->cf_address) : 0;
    if (n == 0 || n >= sizeof sun->sun_path) {
        sl_err_set(err, "a Unix socket's path takes 1 to %zu bytes", sizeof sun->sun_path - 1);
        errno = n == 0 ? EINVAL : ENAMETOOLONG;
        return -1;
    }
    memset(sun, 0, sizeof *sun);
    sun->sun_family = AF_UNIX;
    memcpy(sun->sun_path, cf->cf_address, n);
    if (cf->cf_address[0] == '@') {
        sun->sun_path[0] = '\0';
    }
    *len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + (cf->cf_address[0] != '@'));
    return 0;
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
    return 0;
}

/* Create, bind and (for a stream) listen: server_bind and server_activate.
 * Returns 0, or -1 with errno set and sv_fd closed. */
static int bind_and_activate(ss_server *srv, char *err)
{
    const ss_config *cf = &srv->sv_cf;
    struct sockaddr_storage ss;
    socklen_t len = 0;
    int unix_kind = cf->cf_kind == SS_UNIX_STREAM || cf->cf_kind == SS_UNIX_DGRAM;
    if ((unix_kind ? unix_address(cf, &ss, &len, err) : inet_address(cf, &ss, &len, err)) < 0) {
        return -1;
    }
    int type = is_stream(srv) ? SOCK_STREAM : SOCK_DGRAM;
    srv->sv_fd = socket(ss.ss_family, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (srv->sv_fd < 0) {
        sl_err_errno(err, "socket");
        return -1;
    }
    int on = 1;
    if (cf->cf_reuse_address && !unix_kind &&
        setsockopt(srv->sv_fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) < 0) {
        sl_err_errno(err, "setsockopt(SO_REUSEADDR)");
        goto fail;
    }
    if (bind(srv->sv_fd, (struct sockaddr *)&ss, len) < 0) {
        sl_err_errno(err, "bind");
        goto fail;
    }
    if (unix_kind && cf->cf_address[0] != '@') {
        snprintf(srv->sv_path, sizeof srv->sv_path, "%s", cf->cf_address);
    }
    srv->sv_addrlen = sizeof srv->sv_addr;
    if (getsockname(srv->sv_fd, (struct sockaddr *)&srv->sv_addr, &srv->sv_addrlen) < 0) {
        sl_err_errno(err, "getsockname");
        goto fail;
    }
    int backlog = cf->cf_queue_size > 0 ? cf->cf_queue_size : DEFAULT_QUEUE_SIZE;
    if (is_stream(srv) && listen(srv->sv_fd, backlog) < 0) {
        sl_err_errno(err, "listen");
        goto fail;
    }
    return 0;
fail:
    close_keep_errno(srv->sv_fd);
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
    const ss_handler *h = &srv->sv_handler;
    int failed = 0;
    int err = 0;
    if (h->h_setup != NULL && h->h_setup(rq) < 0) {
        failed = 1;
        err = errno;
    } else {
        if (h->h_handle(rq) < 0) {
            failed = 1;
            err = errno;
        }
        if (h->h_finish != NULL) {
            h->h_finish(rq);
        }
    }
    if (failed && srv->sv_hooks.handle_error != NULL) {
        srv->sv_hooks.handle_error(rq, err);
    }
}

/* Every request ends here: the close hook, then close (shutdown_request). */
static void shutdown_request(ss_server *srv, ss_request *rq)
{
    if (srv->sv_hooks.close_request != NULL) {
        srv->sv_hooks.close_request(rq);
    }
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
        ssize_t n =
            recvfrom(srv->sv_fd, srv->sv_dgram, DGRAM_MAX, 0, (struct sockaddr *)&addr, &addrlen);
        if (n < 0 || (job = calloc(1, sizeof *job + (size_t)n)) == NULL) {
            return NULL;
        }
        memcpy(job->j_data, srv->sv_dgram, (size_t)n);
        job->j_rq.rq_fd = srv->sv_fd;
        job->j_rq.rq_data = job->j_data;
        job->j_rq.rq_len = (size_t)n;
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
    ssize_t sent = sendto(rq->rq_fd, buf, n, 0, (struct sockaddr *)&rq->rq_addr, rq->rq_addrlen);
    return sent < 0 ? -1 : (ssize_t)n;
}

/* ---- the strategies --------------------------------------------------------------------- */

/* SS_THREAD: a thread serves one request, then marks it done for
 * service_actions() (or ss_server_close()) to join and free. */
static void *request_thread(void *arg)
{
    ss_job *job = arg;
    ss_server *srv = job->j_rq.rq_server;
    finish_request(srv, &job->j_rq);
    shutdown_request(srv, &job->j_rq);
    pthread_mutex_lock(&srv->sv_lock);
    job->j_done = 1;
    pthread_mutex_unlock(&srv->sv_lock);
    return NULL;
}

static int process_thread(ss_server *srv, ss_job *job)
{
    pthread_mutex_lock(&srv->sv_lock);
    int rc = pthread_create(&job->j_thread, NULL, request_thread, job);
    if (rc == 0) {
        job->j_next = srv->sv_threads;
        srv->sv_threads = job;
    }
    pthread_mutex_unlock(&srv->sv_lock);
    errno = rc;
    return rc == 0 ? 0 : -1;
}

/* Join the threads that are done (all of them with @p all, waiting). */
static void join_threads(ss_server *srv, int all)
{
    ss_job *done = NULL;
    pthread_mutex_lock(&srv->sv_lock);
    for (ss_job **p = &srv->sv_threads; *p != NULL;) {
        ss_job *job = *p;
        if (all || job->j_done) {
            *p = job->j_next;
            job->j_next = done;
            done = job;
        } else {
            p = &job->j_next;
        }
    }
    pthread_mutex_unlock(&srv->sv_lock);
    while (done != NULL) {
        ss_job *next = done->j_next;
        pthread_join(done->j_thread, NULL);
        free(done);
        done = next;
    }
}

/* SS_FORK: room in sv_children for one more pid. Returns 0 or -1. */
static int room_for_child(ss_server *srv)
{
    if (srv->sv_nchildren < srv->sv_children_cap) {
        return 0;
    }
    size_t cap = srv->sv_children_cap ? 2 * srv->sv_children_cap : 16;
    pid_t *p = realloc(srv->sv_children, cap * sizeof *p);
    if (p == NULL) {
        return -1;
    }
    srv->sv_children = p;
    srv->sv_children_cap = cap;
    return 0;
}

/* Reap the children this server started that have exited (all of them,
 * waiting, with @p block): waitpid() on each of our pids, never
 * waitpid(-1), which would take the program's other children. */
static void reap_children(ss_server *srv, int block)
{
    size_t kept = 0;
    for (size_t i = 0; i < srv->sv_nchildren; i++) {
        pid_t r;
        do {
            r = waitpid(srv->sv_children[i], NULL, block ? 0 : WNOHANG);
        } while (r < 0 && errno == EINTR);
        if (r == 0) {
            srv->sv_children[kept++] = srv->sv_children[i];
        }
    }
    srv->sv_nchildren = kept;
}

static int process_fork(ss_server *srv, ss_job *job)
{
    /* Room for the pid first: a child we could not remember, we could
     * not reap. */
    if (room_for_child(srv) < 0) {
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        return -1;
    }
    if (pid == 0) {
        /* The child serves this one request and exits. */
        if (is_stream(srv)) {
            close(srv->sv_fd);
        }
        close(srv->sv_wake[0]);
        close(srv->sv_wake[1]);
        finish_request(srv, &job->j_rq);
        shutdown_request(srv, &job->j_rq);
        _exit(0);
    }
    srv->sv_children[srv->sv_nchildren++] = pid;
    /* The parent's copy of the connection: closed, or the client never
     * sees end of file. No close hook: the child ran it. */
    if (is_stream(srv)) {
        close(job->j_rq.rq_fd);
    }
    free(job);
    return 0;
}

/* SS_POOL: a worker takes the oldest request off the queue and serves it,
 * until the pool is stopped and the queue is empty. */
static void *pool_worker(void *arg)
{
    ss_server *srv = arg;
    pthread_mutex_lock(&srv->sv_lock);
    for (;;) {
        srv->sv_idle++;
        while (srv->sv_queue == NULL && !srv->sv_pool_stop) {
            pthread_cond_wait(&srv->sv_cond, &srv->sv_lock);
        }
        srv->sv_idle--;
        ss_job *job = srv->sv_queue;
        if (job == NULL) {
            break;
        }
        srv->sv_queue = job->j_next;
        if (srv->sv_queue == NULL) {
            srv->sv_queue_tail = &srv->sv_queue;
        }
        srv->sv_queued--;
        pthread_mutex_unlock(&srv->sv_lock);
        finish_request(srv, &job->j_rq);
        end_request(srv, job);
        pthread_mutex_lock(&srv->sv_lock);
    }
    pthread_mutex_unlock(&srv->sv_lock);
    return NULL;
}

static int start_pool(ss_server *srv, char *err)
{
    int n = srv->sv_cf.cf_pool_threads > 0 ? srv->sv_cf.cf_pool_threads : DEFAULT_POOL;
    srv->sv_pool = calloc((size_t)n, sizeof *srv->sv_pool);
    if (srv->sv_pool == NULL) {
        sl_err_errno(err, "malloc");
        return -1;
    }
    for (; srv->sv_npool < n; srv->sv_npool++) {
        int rc = pthread_create(&srv->sv_pool[srv->sv_npool], NULL, pool_worker, srv);
        if (rc != 0) {
            errno = rc;
            sl_err_errno(err, "pthread_create");
            return -1; /* ss_server_close() stops those that started */
        }
    }
    return 0;
}

/* Put a request on the queue: 0, or -1 when the queue is full. A request
 * an idle worker is about to take (it has been woken, and has not got the
 * lock yet) does not count: with a worker free, nothing is refused. */
static int process_pool(ss_server *srv, ss_job *job)
{
    int limit = srv->sv_cf.cf_pool_queue > 0 ? srv->sv_cf.cf_pool_queue : DEFAULT_POOL;
    pthread_mutex_lock(&srv->sv_lock);
    int full = srv->sv_queued - srv->sv_idle >= limit;
    if (!full) {
        job->j_next = NULL;
        *srv->sv_queue_tail = job;
        srv->sv_queue_tail = &job->j_next;
        srv->sv_queued++;
        pthread_cond_broadcast(&srv->sv_cond);
    }
    pthread_mutex_unlock(&srv->sv_lock);
    return full ? -1 : 0;
}

static void stop_pool(ss_server *srv)
{
    pthread_mutex_lock(&srv->sv_lock);
    srv->sv_pool_stop = 1;
    pthread_cond_broadcast(&srv->sv_cond);
    pthread_mutex_unlock(&srv->sv_lock);
    for (int i = 0; i < srv->sv_npool; i++) {
        pthread_join(srv->sv_pool[i], NULL);
    }
    free(srv->sv_pool);
    srv->sv_pool = NULL;
    srv->sv_npool = 0;
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
    if (srv->sv_hooks.verify_request != NULL && !srv->sv_hooks.verify_request(&job->j_rq)) {
        end_request(srv, job);
        return;
    }
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
    struct pollfd pfd[2] = {{.fd = srv->sv_fd, .events = POLLIN},
                            {.fd = srv->sv_wake[0], .events = POLLIN}};
    int n = poll(pfd, 2, ms);
    if (n < 0) {
        return errno == EINTR ? 0 : -1;
    }
    if (pfd[1].revents != 0) {
        drain_wake(srv);
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
    if (ready == 0 && srv->sv_cf.cf_timeout_ms >= 0 && srv->sv_hooks.handle_timeout != NULL) {
        srv->sv_hooks.handle_timeout(srv, srv->sv_cf.cf_user);
    }
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
    int saved = errno;
    /* A full pipe already holds a wake-up: EAGAIN is fine. */
    ssize_t n = write(srv->sv_wake[1], "", 1);
    (void)n;
    errno = saved;
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
    /* Then wait for every request in flight. */
    join_threads(srv, 1);
    reap_children(srv, 1);
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
