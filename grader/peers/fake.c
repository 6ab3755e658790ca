/* fake.c - fake servers for client checks (see fake.h). */
#include "peers/fake.h"

#include "addr.h"
#include "err.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct gr_fake {
    int f_listen;              /* listening socket */
    const gr_xport_ops *f_ops; /* the transport of accepted connections */
    int f_port;                /* its port */
    int f_stop[2];             /* self-pipe: readable once stopping */
    gr_fake_handler f_handler;
    void *f_arg;
    pthread_t f_thread;
    pthread_mutex_t f_lock; /* guards the fields below */
    int f_connections;
    char *f_rx; /* everything received */
    size_t f_rx_len;
    size_t f_rx_cap;
};

/* Wait for events on fd (or only for time to pass when fd < 0), unless the
 * server is stopping. Returns 1 when ready, 0 on timeout, -1 when stopping. */
static int wait_for(gr_fake *f, int fd, short events, int timeout_ms)
{
    struct pollfd fds[2];
    nfds_t n = 0;
    fds[n++] = (struct pollfd){.fd = f->f_stop[0], .events = POLLIN};
    if (fd >= 0) {
        fds[n++] = (struct pollfd){.fd = fd, .events = events};
    }
    for (;;) {
        int r = poll(fds, n, timeout_ms);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r < 0 || fds[0].revents != 0) {
            return -1;
        }
        return r > 0 ? 1 : 0;
    }
}

/* Set an accepted connection's transport up (a TLS handshake). */
static int fake_handshake(gr_fake *f, gr_xport *x)
{
    for (;;) {
        gr_io io = gr_xport_handshake(x);
        if (io != GR_IO_AGAIN) {
            return io == GR_IO_DONE ? 0 : -1;
        }
        short events = x->xp_wait != 0 ? x->xp_wait : POLLIN | POLLOUT;
        if (wait_for(f, x->xp_fd, events, -1) != 1) {
            return -1;
        }
    }
}

static void *fake_main(void *arg)
{
    gr_fake *f = arg;
    for (;;) {
        if (wait_for(f, f->f_listen, POLLIN, -1) != 1) {
            break;
        }
        int fd = accept4(f->f_listen, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) {
            continue;
        }
        pthread_mutex_lock(&f->f_lock);
        f->f_connections++;
        pthread_mutex_unlock(&f->f_lock);
        gr_xport x;
        gr_xport_init(&x, fd, f->f_ops);
        if (fake_handshake(f, &x) == 0) {
            f->f_handler(f, &x, f->f_arg);
            /* the end of what it says: close_notify over TLS, a FIN over a socket
             * (nothing after gr_fake_reset(), which closed it) */
            if (x.xp_fd >= 0) {
                gr_xport_shutdown(&x);
            }
        }
        gr_xport_close(&x, 0);
    }
    return NULL;
}

gr_fake *gr_fake_start(gr_fake_handler handler, void *arg, char *err)
{
    return gr_fake_start_xport(handler, arg, NULL, err);
}

gr_fake *gr_fake_start_xport(gr_fake_handler handler, void *arg, const gr_xport_ops *ops, char *err)
{
    gr_fake *f = calloc(1, sizeof *f);
    if (f == NULL) {
        sl_err_set(err, "out of memory");
        return NULL;
    }
    f->f_listen = -1;
    f->f_stop[0] = f->f_stop[1] = -1;
    f->f_handler = handler;
    f->f_arg = arg;
    f->f_ops = ops != NULL ? ops : &gr_xport_plain;
    pthread_mutex_init(&f->f_lock, NULL);
    f->f_listen = sl_addr_listen("127.0.0.1", "0", 16, err);
    if (f->f_listen < 0) {
        goto fail;
    }
    f->f_port = sl_addr_local_port(f->f_listen);
    if (pipe2(f->f_stop, O_CLOEXEC) < 0) {
        sl_err_errno(err, "pipe");
        goto fail;
    }
    if (pthread_create(&f->f_thread, NULL, fake_main, f) != 0) {
        sl_err_set(err, "cannot start the fake server's thread");
        goto fail;
    }
    return f;
fail:
    if (f->f_listen >= 0) {
        close(f->f_listen);
    }
    if (f->f_stop[0] >= 0) {
        close(f->f_stop[0]);
        close(f->f_stop[1]);
    }
    pthread_mutex_destroy(&f->f_lock);
    free(f);
    return NULL;
}

int gr_fake_port(const gr_fake *f)
{
    return f->f_port;
}

int gr_fake_connections(gr_fake *f)
{
    pthread_mutex_lock(&f->f_lock);
    int n = f->f_connections;
    pthread_mutex_unlock(&f->f_lock);
    return n;
}

char *gr_fake_received(gr_fake *f, size_t *len)
{
    pthread_mutex_lock(&f->f_lock);
    char *copy = malloc(f->f_rx_len + 1);
    if (copy != NULL) {
        if (f->f_rx_len > 0) {
            memcpy(copy, f->f_rx, f->f_rx_len);
        }
        copy[f->f_rx_len] = '\0';
        *len = f->f_rx_len;
    }
    pthread_mutex_unlock(&f->f_lock);
    return copy;
}

void gr_fake_stop(gr_fake *f)
{
    if (f == NULL) {
        return;
    }
    (void)!write(f->f_stop[1], "x", 1);
    pthread_join(f->f_thread, NULL);
    close(f->f_listen);
    close(f->f_stop[0]);
    close(f->f_stop[1]);
    pthread_mutex_destroy(&f->f_lock);
    free(f->f_rx);
    free(f);
}

/* Keep a copy of what a client sent, for gr_fake_received(). */
static void record(gr_fake *f, const void *buf, size_t got)
{
    pthread_mutex_lock(&f->f_lock);
    size_t need = f->f_rx_len + got;
    if (need > f->f_rx_cap) {
        size_t cap = f->f_rx_cap ? f->f_rx_cap * 2 : 4096;
        while (cap < need) {
            cap *= 2;
        }
        char *p = realloc(f->f_rx, cap);
        if (p != NULL) {
            f->f_rx = p;
            f->f_rx_cap = cap;
        }
    }
    if (need <= f->f_rx_cap) {
        memcpy(f->f_rx + f->f_rx_len, buf, got);
        f->f_rx_len = need;
    }
    pthread_mutex_unlock(&f->f_lock);
}

/* One read of what has arrived: bytes (> 0), 0 at EOF, -1 on error, or
 * -2 when nothing has arrived yet. */
static ssize_t read_arrived(gr_fake *f, gr_xport *x, void *buf, size_t n)
{
    size_t got = 0;
    gr_io io = gr_xport_read(x, buf, n, &got);
    if (io == GR_IO_AGAIN) {
        return -2;
    }
    if (io == GR_IO_ERROR) {
        return -1;
    }
    if (got > 0) {
        record(f, buf, got);
    }
    return (ssize_t)got;
}

ssize_t gr_fake_recv(gr_fake *f, gr_xport *x, void *buf, size_t n)
{
    for (;;) {
        if (gr_xport_pending(x) == 0 &&
            wait_for(f, x->xp_fd, (short)(POLLIN | x->xp_wait), -1) != 1) {
            return -1;
        }
        ssize_t got = read_arrived(f, x, buf, n);
        if (got != -2) {
            return got;
        }
        /* a spurious wake-up: wait again */
    }
}

ssize_t gr_fake_recv_arrived(gr_fake *f, gr_xport *x, void *buf, size_t n)
{
    ssize_t got = read_arrived(f, x, buf, n);
    return got != -2 ? got : gr_fake_recv(f, x, buf, n);
}

int gr_fake_has_input(gr_xport *x)
{
    char peek;
    return gr_xport_pending(x) > 0 || recv(x->xp_fd, &peek, 1, MSG_PEEK | MSG_DONTWAIT) > 0;
}

int gr_fake_send(gr_fake *f, gr_xport *x, const void *buf, size_t n)
{
    const char *p = buf;
    while (n > 0) {
        if (wait_for(f, x->xp_fd, (short)(POLLOUT | x->xp_wait), -1) != 1) {
            return -1;
        }
        size_t put = 0;
        gr_io io = gr_xport_write(x, p, n, &put);
        if (io == GR_IO_ERROR) {
            return -1;
        }
        p += put;
        n -= put;
    }
    return 0;
}

int gr_fake_send_pieces(gr_fake *f, gr_xport *x, const void *buf, size_t n, int pieces,
                        int pause_ms)
{
    const char *p = buf;
    size_t from = 0;
    for (int k = 1; k <= pieces; k++) {
        size_t to = k == pieces ? n : (size_t)k * n / (size_t)pieces;
        if ((k > 1 && gr_fake_pause(f, pause_ms) < 0) ||
            gr_fake_send(f, x, p + from, to - from) < 0) {
            return -1;
        }
        from = to;
    }
    return 0;
}

int gr_fake_pause(gr_fake *f, int ms)
{
    return wait_for(f, -1, 0, ms) == 0 ? 0 : -1;
}

void gr_fake_reset(gr_xport *x)
{
    gr_xport_close(x, 1);
}
