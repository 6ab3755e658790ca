/* udp.c - a fake UDP echo server that misbehaves on purpose (see udp.h). */
#include "peers/udp.h"

#include "err.h"
#include "os/clock.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The largest UDP payload over IPv4. */
#define DGRAM_MAX 65507
/* Replies held back at once, and the largest one that can be: more or
 * larger are dropped, which no check needs. */
#define HELD_MAX 64
#define HELD_BYTES 1024

/* A reply the fake holds back. */
typedef struct held {
    long h_at; /* when to send it (monotonic ms) */
    unsigned char h_data[HELD_BYTES];
    size_t h_len;
    struct sockaddr_storage h_to;
    socklen_t h_to_len;
} held;

struct gr_udp_fake {
    int uf_fd;
    int uf_port;
    int uf_stop[2]; /* a pipe: writing to it stops the thread */
    pthread_t uf_thread;
    gr_udp_decide uf_decide;
    void *uf_arg;
    held uf_held[HELD_MAX];
    size_t uf_nheld;
    unsigned char uf_buf[DGRAM_MAX + 1]; /* one datagram, in the thread */
};

static void hold(gr_udp_fake *f, size_t n, const struct sockaddr_storage *to, socklen_t to_len,
                 long at)
{
    if (f->uf_nheld == HELD_MAX || n > HELD_BYTES) {
        return;
    }
    held *h = &f->uf_held[f->uf_nheld++];
    h->h_at = at;
    memcpy(h->h_data, f->uf_buf, n);
    h->h_len = n;
    h->h_to = *to;
    h->h_to_len = to_len;
}

/* Send the held replies that are due; return ms until the next one, or -1. */
static int send_due(gr_udp_fake *f)
{
    long now = gr_now_ms();
    int wait = -1;
    for (size_t i = 0; i < f->uf_nheld;) {
        held *h = &f->uf_held[i];
        if (h->h_at <= now) {
            sendto(f->uf_fd, h->h_data, h->h_len, 0, (struct sockaddr *)&h->h_to, h->h_to_len);
            *h = f->uf_held[--f->uf_nheld];
            continue;
        }
        int left = (int)(h->h_at - now);
        wait = wait < 0 || left < wait ? left : wait;
        i++;
    }
    return wait;
}

/* Receive one datagram and do what the check's callback says with it. */
static void serve_one(gr_udp_fake *f)
{
    struct sockaddr_storage from;
    socklen_t from_len = sizeof from;
    ssize_t n = recvfrom(f->uf_fd, f->uf_buf, sizeof f->uf_buf, MSG_DONTWAIT,
                         (struct sockaddr *)&from, &from_len);
    if (n < 0) {
        return;
    }
    int delay_ms = 0;
    const struct sockaddr *to = (const struct sockaddr *)&from;
    switch (f->uf_decide(f->uf_arg, f->uf_buf, (size_t)n, &delay_ms)) {
    case GR_UDP_DROP:
        break;
    case GR_UDP_DELAY:
        hold(f, (size_t)n, &from, from_len, gr_now_ms() + delay_ms);
        break;
    case GR_UDP_TWICE:
        sendto(f->uf_fd, f->uf_buf, (size_t)n, 0, to, from_len);
        sendto(f->uf_fd, f->uf_buf, (size_t)n, 0, to, from_len);
        break;
    case GR_UDP_ECHO:
        sendto(f->uf_fd, f->uf_buf, (size_t)n, 0, to, from_len);
        break;
    }
}

static void *fake_main(void *arg)
{
    gr_udp_fake *f = arg;
    for (;;) {
        struct pollfd p[2] = {{.fd = f->uf_fd, .events = POLLIN},
                              {.fd = f->uf_stop[0], .events = POLLIN}};
        if (poll(p, 2, send_due(f)) < 0 || p[1].revents != 0) {
            break;
        }
        if (p[0].revents != 0) {
            serve_one(f);
        }
    }
    return NULL;
}

static void free_fake(gr_udp_fake *f)
{
    if (f->uf_fd >= 0) {
        close(f->uf_fd);
    }
    if (f->uf_stop[0] >= 0) {
        close(f->uf_stop[0]);
        close(f->uf_stop[1]);
    }
    free(f);
}

gr_udp_fake *gr_udp_fake_start(gr_udp_decide decide, void *arg, char *err)
{
    gr_udp_fake *f = calloc(1, sizeof *f);
    if (f == NULL) {
        sl_err_set(err, "out of memory");
        return NULL;
    }
    f->uf_decide = decide;
    f->uf_arg = arg;
    f->uf_stop[0] = f->uf_stop[1] = -1;
    f->uf_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sin;
    if (f->uf_fd < 0 || bind(f->uf_fd, (struct sockaddr *)&sin, sizeof sin) < 0 ||
        getsockname(f->uf_fd, (struct sockaddr *)&sin, &len) < 0 ||
        pipe2(f->uf_stop, O_CLOEXEC) < 0) {
        sl_err_errno(err, "UDP socket");
        free_fake(f);
        return NULL;
    }
    f->uf_port = ntohs(sin.sin_port);
    if (pthread_create(&f->uf_thread, NULL, fake_main, f) != 0) {
        sl_err_set(err, "cannot start the fake server's thread");
        free_fake(f);
        return NULL;
    }
    return f;
}

int gr_udp_fake_port(const gr_udp_fake *f)
{
    return f->uf_port;
}

void gr_udp_fake_stop(gr_udp_fake *f)
{
    /* One byte in the pipe wakes the thread's poll(); the pipe is empty, so
     * the write cannot block or fail. */
    ssize_t w = write(f->uf_stop[1], "x", 1);
    (void)w;
    pthread_join(f->uf_thread, NULL);
    free_fake(f);
}
