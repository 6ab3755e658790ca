/* architecture.c - lab 05's checks read from /proc (step 4, and the
 * architecture of each server): no CPU time while clients are quiet, one
 * thread in one process, non-blocking sockets, an epoll instance. */
#include "lab05.h"

#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

/* ---- no busy loop --------------------------------------------------------------------- */

/* After a spin with quiet clients: measure again with no client at all. A
 * server that still spins never sleeps (a timeout of 0, or no wait); one
 * that sleeps now spun for its clients: write readiness asked for always. */
static void spin_cause(gr_ctx *ctx)
{
    enum { SETTLE_MS = 200, WINDOW_MS = 500, MAX_CPU_MS = 50 };
    poll(NULL, 0, gr_ms(ctx, SETTLE_MS)); /* it sees the clients close */
    long elapsed = 0;
    long used = gr_server_cpu_over(ctx, WINDOW_MS, &elapsed);
    if (used < 0) {
        return;
    }
    gr_str_addf(gr_details(ctx), "with every client gone: %ld ms of CPU time in %ld ms\n", used,
                elapsed);
    if (used > MAX_CPU_MS) {
        gr_hint(ctx, "Wait for something to happen, with no timeout: the server spins even with no "
                     "client connected. In C: select(..., NULL) with no timeval, poll(fds, n, -1), "
                     "epoll_wait(epfd, evs, n, -1); a timeout of 0 returns at once, every time. In "
                     "Python: sel.select() with no timeout, never sel.select(0).");
    } else if (used < MAX_CPU_MS / 5) {
        gr_hint(ctx, "Ask for write readiness only while a client has output pending: the server "
                     "spins only while clients are connected. In C: a client goes in the write set "
                     "(POLLOUT, EPOLLOUT) only while end > start; a socket with room is always "
                     "writable. In Python: EVENT_READ, and EVENT_WRITE (sel.modify()) only while "
                     "output waits.");
    }
}

int lab05_check_idle_cpu(gr_ctx *ctx)
{
    enum { N = 20, WINDOW_MS = 1000, MAX_CPU_MS = 100 };
    gr_conn conns[N];
    int opened = 0;
    int rc = 0;
    int base = lab05_server_sockets(ctx);
    for (int i = 0; i < N && rc == 0; i++) {
        char label[32];
        char line[64];
        snprintf(label, sizeof label, "client %d", i + 1);
        int n = snprintf(line, sizeof line, "client %d, then quiet\n", i + 1);
        rc = gr_connect(ctx, &conns[i], label, NULL);
        if (rc == 0) {
            opened++;
            rc = gr_exchange(ctx, &conns[i], line, (size_t)n, line, (size_t)n, 0, "echo");
        }
    }
    if (rc == 0) {
        /* Every client is connected and quiet: a server that waits in
         * select/poll/epoll sleeps, using no CPU at all. The window is a
         * measurement, not a wait for something to happen. */
        long elapsed = 0;
        long used = gr_server_cpu_over(ctx, WINDOW_MS, &elapsed);
        if (used < 0) {
            rc = gr_fail(ctx, "cannot read the server's CPU time from /proc");
        } else {
            gr_str_addf(gr_details(ctx),
                        "CPU time used by the server in %ld ms with %d idle clients: %ld ms\n",
                        elapsed, N, used);
            if (used > MAX_CPU_MS) {
                rc = gr_fail(ctx,
                             "the server used %ld ms of CPU time in %ld ms while its %d clients "
                             "sent nothing: it spins instead of sleeping in %s",
                             used, elapsed, N, lab05_wait_call(ctx));
                /* With the clients gone, does it still spin? That tells a
                 * timeout of 0 from write readiness asked for always. */
                gr_close_all(conns, (size_t)opened);
                opened = 0;
                spin_cause(ctx);
            }
        }
    }
    if (rc == 0) {
        /* Still serving after the quiet second. */
        static const char bye[] = "awake?\n";
        rc = gr_exchange(ctx, &conns[0], bye, sizeof bye - 1, bye, sizeof bye - 1, 0,
                         "echo after a quiet second");
    }
    if (rc < 0 && opened > 0) {
        lab05_accept_cause(ctx, base);
    }
    for (int i = 0; i < opened; i++) {
        gr_close(&conns[i]);
    }
    return rc;
}

/* ---- architecture, from /proc ---------------------------------------------------------- */

/* Connect @p n clients and wait until the server holds their sockets. */
static int hold_clients(gr_ctx *ctx, gr_conn *conns, int n, int *opened)
{
    int base = lab05_server_sockets(ctx);
    if (base < 0) {
        return gr_fail(ctx, "cannot read the server's open files from /proc");
    }
    for (int i = 0; i < n; i++) {
        char label[32];
        snprintf(label, sizeof label, "client %d", i + 1);
        if (gr_connect(ctx, &conns[i], label, NULL) < 0) {
            return -1;
        }
        (*opened)++;
        if (lab05_wait_accepted(ctx, base + i + 1, i + 1, gr_soon(ctx, 2000)) < 0) {
            return -1;
        }
    }
    return 0;
}

enum { HOLD = 10, MAX_FDS = 512, MAX_TREE = 64 };

/* Hold HOLD clients connected, each accepted, and list the server's
 * processes into tree. Returns how many, or -1 with the failure recorded. */
static int hold_and_look(gr_ctx *ctx, gr_conn *conns, int *opened, pid_t *tree)
{
    if (hold_clients(ctx, conns, HOLD, opened) < 0) {
        return -1;
    }
    int nproc = gr_procfs_tree(gr_server_pid(ctx), tree, MAX_TREE);
    if (nproc < 0) {
        return gr_fail(ctx, "cannot read the server's processes from /proc");
    }
    return nproc;
}

int lab05_check_one_thread(gr_ctx *ctx)
{
    gr_conn conns[HOLD];
    int opened = 0;
    pid_t tree[MAX_TREE];
    int nproc = hold_and_look(ctx, conns, &opened, tree);
    int rc = nproc < 0 ? -1 : 0;
    /* The process that holds the sockets must be alone with them, and have
     * one thread. Other processes in the tree (a shell that started the
     * server, say) are fine as long as they hold no sockets. */
    static gr_fdinfo fds[MAX_FDS];
    int with_sockets = 0;
    for (int i = 0; i < nproc && rc == 0; i++) {
        int nfd = gr_procfs_fds(tree[i], fds, MAX_FDS);
        int sockets = 0;
        for (int k = 0; k < nfd; k++) {
            sockets += strncmp(fds[k].fi_target, "socket:", 7) == 0;
        }
        if (sockets == 0) {
            continue;
        }
        with_sockets++;
        int threads = gr_procfs_threads(tree[i]);
        gr_str_addf(gr_details(ctx), "process %d: %d threads, %d sockets\n", (int)tree[i], threads,
                    sockets);
        if (threads > 1) {
            rc = gr_fail(ctx,
                         "with %d clients connected, the server has %d threads: this server "
                         "must serve every client from one thread, with %s",
                         HOLD, threads, lab05_wait_call(ctx));
        }
    }
    if (rc == 0 && with_sockets > 1) {
        rc = gr_fail(ctx,
                     "with %d clients connected, %d processes of the server hold sockets: this "
                     "server must serve every client from one process, without fork()",
                     HOLD, with_sockets);
    }
    gr_close_all(conns, (size_t)opened);
    return rc;
}

/* Which sockets are blocking: the listener only, or only those accept()
 * returned (the listener's flag is not inherited on Linux). */
static void nonblocking_cause(gr_ctx *ctx, int listener_blocking, int accepted_blocking,
                              int sockets)
{
    if (listener_blocking == 0 && accepted_blocking == sockets - 1) {
        gr_str_add(gr_details(ctx), "what /proc shows: the listening socket is non-blocking, "
                                    "every socket accept() returned is blocking\n");
        gr_hint(ctx, "Each socket accept() returns needs O_NONBLOCK of its own: on Linux it does "
                     "not inherit the listening socket's. In C: fcntl(fd, F_SETFL, fcntl(fd, "
                     "F_GETFL) | O_NONBLOCK) on each new socket, or accept4(lfd, NULL, NULL, "
                     "SOCK_NONBLOCK). In Python: conn.setblocking(False) after each accept().");
    } else if (listener_blocking == 1 && accepted_blocking == 0) {
        gr_str_add(gr_details(ctx), "what /proc shows: the listening socket is blocking, every "
                                    "client's socket is non-blocking\n");
        gr_hint(ctx, "The listening socket must be non-blocking too: a blocking accept() waits "
                     "for the next client when the one it was woken for has gone. In C: "
                     "fcntl(lfd, F_SETFL, fcntl(lfd, F_GETFL) | O_NONBLOCK) after listen(), then "
                     "accept() until EAGAIN. In Python: listener.setblocking(False).");
    }
}

int lab05_check_nonblocking(gr_ctx *ctx)
{
    gr_conn conns[HOLD];
    int opened = 0;
    pid_t tree[MAX_TREE];
    int nproc = hold_and_look(ctx, conns, &opened, tree);
    int rc = nproc < 0 ? -1 : 0;
    static gr_fdinfo fds[MAX_FDS];
    int sockets = 0;
    int blocking = 0;
    int first_blocking = -1;
    /* The listening socket, known by its inode, tells the classic causes
     * apart: accept() does not pass O_NONBLOCK on to the sockets it makes. */
    unsigned long listen_inode = 0;
    long queued = 0;
    char listener[48] = "";
    if (lab05_listener(ctx, &listen_inode, &queued) == 0) {
        snprintf(listener, sizeof listener, "socket:[%lu]", listen_inode);
    }
    int listener_blocking = -1; /* unknown */
    int accepted_blocking = 0;
    for (int i = 0; i < nproc && rc == 0; i++) {
        int nfd = gr_procfs_fds(tree[i], fds, MAX_FDS);
        for (int k = 0; k < nfd; k++) {
            if (strncmp(fds[k].fi_target, "socket:", 7) != 0) {
                continue;
            }
            sockets++;
            int is_blocking = !(fds[k].fi_flags & O_NONBLOCK);
            if (listener[0] != '\0' && strcmp(fds[k].fi_target, listener) == 0) {
                listener_blocking = is_blocking;
            } else {
                accepted_blocking += is_blocking;
            }
            if (is_blocking) {
                blocking++;
                if (first_blocking < 0) {
                    first_blocking = fds[k].fi_fd;
                }
            }
        }
    }
    if (rc == 0) {
        gr_str_addf(gr_details(ctx), "the server holds %d sockets, %d of them non-blocking\n",
                    sockets, sockets - blocking);
        if (blocking > 0) {
            rc = gr_fail(ctx,
                         "%d of the server's %d sockets are blocking (descriptor %d, for one): "
                         "one recv(), send() or accept() on them can stop the whole server",
                         blocking, sockets, first_blocking);
            nonblocking_cause(ctx, listener_blocking, accepted_blocking, sockets);
        }
    }
    gr_close_all(conns, (size_t)opened);
    return rc;
}

int lab05_check_epoll_fd(gr_ctx *ctx)
{
    gr_conn conns[HOLD];
    int opened = 0;
    pid_t tree[MAX_TREE];
    int nproc = hold_and_look(ctx, conns, &opened, tree);
    int rc = nproc < 0 ? -1 : 0;
    static gr_fdinfo fds[MAX_FDS];
    int found = 0;
    for (int i = 0; i < nproc && rc == 0 && !found; i++) {
        int nfd = gr_procfs_fds(tree[i], fds, MAX_FDS);
        for (int k = 0; k < nfd; k++) {
            if (strcmp(fds[k].fi_target, "anon_inode:[eventpoll]") == 0) {
                found = 1;
                gr_str_addf(gr_details(ctx), "epoll instance: descriptor %d of process %d\n",
                            fds[k].fi_fd, (int)tree[i]);
            }
        }
    }
    if (rc == 0 && !found) {
        rc = gr_fail(ctx, "the server holds no epoll instance (no anon_inode:[eventpoll] among "
                          "its open files): echo_epoll must wait with epoll_wait()");
    }
    gr_close_all(conns, (size_t)opened);
    return rc;
}
