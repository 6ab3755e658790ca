/* http_loop.c - --strategy epoll: every connection served from one thread,
 * lab 05's event loop around http_conn.c's state machine. Python's
 * asyncio does the same with its selector:
 *
 *     async def handle(reader, writer): ...   # one coroutine per connection
 *     asyncio.run(asyncio.start_server(handle, port=port))
 *
 * Level-triggered: a socket is reported while it stays readable (or
 * writable), so a step reads once and goes back to epoll_wait() when the
 * request is answered, instead of reading again until EAGAIN as edge
 * triggering needs (a recv() more per request for nothing), and EPOLLOUT
 * is asked for only while an answer is stuck behind a full socket buffer.
 *
 * Timeouts: every connection has the same HS_IDLE_MS, so a list ordered by
 * the last time each one moved (a connection that moves goes to its end)
 * has the first to expire at its head, and epoll_wait() waits until then. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* accept4() */
#endif
#include "http_server.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Events taken from one epoll_wait(). */
#define EVENTS 256

/* A connection in the loop. */
typedef struct lconn {
    hs_conn *l_conn;
    int l_fd;
    uint32_t l_events;             /* what epoll watches for now */
    int64_t l_deadline;            /* when it times out (ms, CLOCK_MONOTONIC) */
    struct lconn *l_prev, *l_next; /* the timer list, or the dead list */
    int l_dead;                    /* closed: freed after this batch of events */
} lconn;

typedef struct loop {
    int lp_ep;
    int lp_lfd;
    const hs_config *lp_cfg;
    lconn *lp_first, *lp_last; /* by deadline, the first to expire first */
    lconn *lp_dead;            /* closed in this batch */
    int lp_stopping;
    int lp_paused; /* out of descriptors: not accepting until one closes */
    size_t lp_count;
} loop;

/* Tags for the two descriptors that are not connections. */
static char listen_tag, stop_tag;

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void unlink_timer(loop *lp, lconn *l)
{
    *(l->l_prev != NULL ? &l->l_prev->l_next : &lp->lp_first) = l->l_next;
    *(l->l_next != NULL ? &l->l_next->l_prev : &lp->lp_last) = l->l_prev;
    l->l_prev = l->l_next = NULL;
}

/* It moved: its timer starts again, at the end of the list. */
static void rearm(loop *lp, lconn *l, int64_t now)
{
    if (lp->lp_last != l) {
        unlink_timer(lp, l);
        l->l_prev = lp->lp_last;
        *(lp->lp_last != NULL ? &lp->lp_last->l_next : &lp->lp_first) = l;
        lp->lp_last = l;
    }
    l->l_deadline = now + HS_IDLE_MS;
}

/* Watch the listening socket again (or stop): EPOLLIN, or nothing. */
static void watch_listener(loop *lp, int on)
{
    struct epoll_event ev = {.events = on ? EPOLLIN : 0, .data.ptr = &listen_tag};
    epoll_ctl(lp->lp_ep, EPOLL_CTL_MOD, lp->lp_lfd, &ev);
}

/* Closed now, freed after the batch (an event for it may still be there). */
static void kill_conn(loop *lp, lconn *l)
{
    unlink_timer(lp, l);
    hs_conn_end(l->l_conn);
    close(l->l_fd);
    l->l_dead = 1;
    l->l_next = lp->lp_dead;
    lp->lp_dead = l;
    lp->lp_count--;
    if (lp->lp_paused && !lp->lp_stopping) {
        lp->lp_paused = 0;
        watch_listener(lp, 1);
    }
}

/* What a step said it waits for: the epoll interest, the timer, or the close. */
static void apply(loop *lp, lconn *l, int want, int64_t now)
{
    uint32_t events = want == HS_WANT_READ ? EPOLLIN : EPOLLOUT;
    if (want == HS_WANT_CLOSE) {
        kill_conn(lp, l);
        return;
    }
    if (events != l->l_events) {
        struct epoll_event ev = {.events = events, .data.ptr = l};
        if (epoll_ctl(lp->lp_ep, EPOLL_CTL_MOD, l->l_fd, &ev) < 0) {
            kill_conn(lp, l);
            return;
        }
        l->l_events = events;
    }
    rearm(lp, l, now);
}

/* A new connection on @p fd: watched for its first bytes. */
static void add_conn(loop *lp, int fd, int64_t now)
{
    lconn *l = calloc(1, sizeof *l);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = l};
    if (l == NULL || (l->l_conn = hs_conn_new(fd, lp->lp_cfg)) == NULL ||
        epoll_ctl(lp->lp_ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
        if (l != NULL) {
            hs_conn_free(l->l_conn);
        }
        free(l);
        close(fd);
        return;
    }
    l->l_fd = fd;
    l->l_events = EPOLLIN;
    l->l_prev = lp->lp_last;
    *(lp->lp_last != NULL ? &lp->lp_last->l_next : &lp->lp_first) = l;
    lp->lp_last = l;
    l->l_deadline = now + HS_IDLE_MS;
    lp->lp_count++;
}

/* Every connection waiting in the backlog. */
static void accept_all(loop *lp, int64_t now)
{
    for (;;) {
        int fd = accept4(lp->lp_lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) {
            add_conn(lp, fd, now);
            continue;
        }
        if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO) {
            continue;
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK && lp->lp_count > 0) {
            lp->lp_paused = 1; /* EMFILE and the like: until a connection closes */
            watch_listener(lp, 0);
        }
        return;
    }
}

/* SIGTERM: no more connections; those waiting for a request close, the
 * answers being written finish. */
static void stop(loop *lp, int64_t now)
{
    lp->lp_stopping = 1;
    epoll_ctl(lp->lp_ep, EPOLL_CTL_DEL, lp->lp_lfd, NULL);
    /* The framework owns the listening socket and closes it when the loop
     * returns, after the last answer: shutdown() stops the listening now
     * (on Linux a listener shut down for reading leaves LISTEN, and the
     * clients that come next are refused), so that nobody connects to a
     * server that will never answer. */
    shutdown(lp->lp_lfd, SHUT_RDWR);
    epoll_ctl(lp->lp_ep, EPOLL_CTL_DEL, lp->lp_cfg->cfg_stop_fd, NULL);
    for (lconn *l = lp->lp_first, *next; l != NULL; l = next) {
        next = l->l_next;
        apply(lp, l, hs_conn_stop(l->l_conn), now);
    }
}

/* The connections whose deadline has passed. */
static void expire(loop *lp, int64_t now)
{
    while (lp->lp_first != NULL && lp->lp_first->l_deadline <= now) {
        lconn *l = lp->lp_first; /* closed, or rearmed at the end of the list */
        apply(lp, l, hs_conn_timeout(l->l_conn), now);
    }
}

static void free_dead(loop *lp)
{
    while (lp->lp_dead != NULL) {
        lconn *l = lp->lp_dead;
        lp->lp_dead = l->l_next;
        hs_conn_free(l->l_conn);
        free(l);
    }
}

/* One batch of events. */
static void dispatch(loop *lp, const struct epoll_event *evs, int n, int64_t now)
{
    for (int i = 0; i < n; i++) {
        void *p = evs[i].data.ptr;
        if (p == &listen_tag) {
            if (!lp->lp_stopping) {
                accept_all(lp, now);
            }
        } else if (p == &stop_tag) {
            if (!lp->lp_stopping) {
                stop(lp, now);
            }
        } else if (!((lconn *)p)->l_dead) {
            lconn *l = p;
            apply(lp, l, hs_conn_step(l->l_conn), now);
        }
    }
}

/* Until the server stops and its last answer is sent. Returns 0 or -1. */
static int run(loop *lp)
{
    struct epoll_event evs[EVENTS];
    while (!lp->lp_stopping || lp->lp_first != NULL) {
        int64_t now = now_ms();
        int timeout = -1;
        if (lp->lp_first != NULL) {
            int64_t left = lp->lp_first->l_deadline - now;
            timeout = left < 0 ? 0 : (int)left + 10; /* the coarse clock's tick */
        }
        int n = epoll_wait(lp->lp_ep, evs, EVENTS, timeout);
        if (n < 0 && errno != EINTR) {
            return -1;
        }
        now = now_ms();
        dispatch(lp, evs, n < 0 ? 0 : n, now);
        expire(lp, now);
        free_dead(lp);
    }
    return 0;
}

int hs_serve_loop(int lfd, const hs_config *cfg)
{
    loop lp = {.lp_lfd = lfd, .lp_cfg = cfg};
    lp.lp_ep = epoll_create1(EPOLL_CLOEXEC);
    if (lp.lp_ep < 0) {
        return -1;
    }
    struct epoll_event lev = {.events = EPOLLIN, .data.ptr = &listen_tag};
    struct epoll_event sev = {.events = EPOLLIN, .data.ptr = &stop_tag};
    int rc = epoll_ctl(lp.lp_ep, EPOLL_CTL_ADD, lfd, &lev) < 0 ||
                     epoll_ctl(lp.lp_ep, EPOLL_CTL_ADD, cfg->cfg_stop_fd, &sev) < 0
                 ? -1
                 : run(&lp);
    int saved = errno;
    for (lconn *l = lp.lp_first; l != NULL; l = lp.lp_first) {
        kill_conn(&lp, l); /* after an epoll failure */
    }
    free_dead(&lp);
    close(lp.lp_ep);
    errno = saved;
    return rc;
}
