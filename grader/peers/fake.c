/* fake.c - fake servers for client checks (see fake.h). */
#include "peers/fake.h"

#include "addr.h"
#include "err.h"

#include <errno.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct gr_fake {
    int f_listen;             /* listening socket */
    int f_port;               /* its port */
    int f_stop[2];            /* self-pipe: readable once stopping */
    gr_fake_handler f_handler;
    void *f_arg;
    pthread_t f_thread;
    pthread_mutex_t f_lock;   /* guards the fields below */
    int f_connections;
    char *f_rx;               /* everything received */
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
        f->f_handler(f, fd, f->f_arg);
        close(fd);
    }
    return NULL;
}

gr_fake *gr_fake_start(gr_fake_handler handler, void *arg, char *err)
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

ssize_t gr_fake_recv(gr_fake *f, int fd, void *buf, size_t n)
{
    if (wait_for(f, fd, POLLIN, -1) != 1) {
        return -1;
    }
    ssize_t got;
    do {
        got = recv(fd, buf, n, MSG_DONTWAIT);
    } while (got < 0 && errno == EINTR);
    if (got > 0) {
        pthread_mutex_lock(&f->f_lock);
        size_t need = f->f_rx_len + (size_t)got;
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
            memcpy(f->f_rx + f->f_rx_len, buf, (size_t)got);
            f->f_rx_len = need;
        }
        pthread_mutex_unlock(&f->f_lock);
    }
    if (got < 0 && errno == EAGAIN) {
        return gr_fake_recv(f, fd, buf, n); /* spurious wake-up */
    }
    return got;
}

int gr_fake_send(gr_fake *f, int fd, const void *buf, size_t n)
{
    const char *p = buf;
    while (n > 0) {
        if (wait_for(f, fd, POLLOUT, -1) != 1) {
            return -1;
        }
        ssize_t put = send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (put < 0) {
            if (errno == EINTR || errno == EAGAIN) {
                continue;
            }
            return -1;
        }
        p += put;
        n -= (size_t)put;
    }
    return 0;
}

int gr_fake_pause(gr_fake *f, int ms)
{
    return wait_for(f, -1, 0, ms) == 0 ? 0 : -1;
}

int gr_closed_port(int *fd)
{
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0) {
        return -1;
    }
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sin;
    /* Bound but not listening: connects to it are refused, and no other
     * program can take the port while we hold it. */
    if (bind(s, (struct sockaddr *)&sin, sizeof sin) < 0 ||
        getsockname(s, (struct sockaddr *)&sin, &len) < 0) {
        close(s);
        return -1;
    }
    *fd = s;
    return ntohs(sin.sin_port);
}
