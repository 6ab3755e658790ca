/* checks.c - checks for Lab 03, UDP: an echo server and a ping client.
 *
 * UDP carries datagrams: each send() is one message, delivered whole or not
 * at all, possibly out of order, possibly never. An echo server must keep
 * that shape: one datagram in, the same datagram out, to the address it came
 * from. The checks follow the bugs students write: a buffer too small for
 * the datagram (the rest is cut off silently), a reply in pieces (a TCP
 * habit), a reply to the wrong client, a server that stops on an empty
 * datagram or an error.
 *
 * The grader's sockets are on loopback, where UDP does not lose or reorder
 * datagrams under light load; still, a reply is matched by its contents, not
 * its position, and a datagram with no reply is sent again (up to three
 * times) before the check gives up, so a correct server never fails.
 *
 * The client checks run udp_ping against a fake UDP echo server in a thread
 * of the grader, which follows a plan drawn from the seed: per sequence
 * number it replies at once, never, too late, twice, or after the next
 * reply. The plan says exactly which probes must count as received, so the
 * reported loss can be checked exactly; and with every probe but the first
 * lost, the run time shows whether probes are sent on schedule. */
#include "lab03.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* How long to wait for a reply before sending the datagram again. Loopback
 * replies take microseconds; this is for very slow machines. */
#define RESEND_MS 1000
/* How many times a datagram is sent before the check gives up on it. */
#define MAX_SENDS 3

/* One datagram of a plan and what became of it. */
typedef struct dmsg {
    unsigned char *dm_data; /* its bytes (owned by the plan) */
    size_t dm_len;          /* their count */
    int dm_sends;           /* how many times it was sent */
    int dm_back;            /* its echo came back */
} dmsg;

/* Datagrams one grader socket sends, and the echoes it waits for. */
typedef struct plan {
    gr_dgram pl_sock;
    dmsg *pl_msgs;
    size_t pl_n;
    size_t pl_next;        /* the next datagram to send for the first time */
    size_t pl_window;      /* at most this many sent and not yet back */
    const char *pl_ignore; /* if not NULL, replies starting with this, and
                              empty replies, are skipped */
    long pl_ignored_max;   /* of those, the highest number after pl_ignore */
    int pl_ignored_empty;  /* an empty reply was among them */
} plan;

static int plan_init(gr_ctx *ctx, plan *p, const char *label, size_t n, size_t window)
{
    memset(p, 0, sizeof *p);
    p->pl_sock.dg_fd = -1;
    p->pl_msgs = calloc(n, sizeof *p->pl_msgs);
    if (p->pl_msgs == NULL) {
        return gr_fail(ctx, "grader ran out of memory");
    }
    p->pl_n = n;
    p->pl_window = window;
    return gr_dgram_open(ctx, &p->pl_sock, label);
}

/* Set datagram i of the plan: a copy of n bytes of data. */
static int plan_set(gr_ctx *ctx, plan *p, size_t i, const void *data, size_t n)
{
    p->pl_msgs[i].dm_data = malloc(n > 0 ? n : 1);
    if (p->pl_msgs[i].dm_data == NULL) {
        return gr_fail(ctx, "grader ran out of memory");
    }
    memcpy(p->pl_msgs[i].dm_data, data, n);
    p->pl_msgs[i].dm_len = n;
    return 0;
}

/* Set datagram i to readable text: "HEAD" then random text, n bytes in all. */
static int plan_set_text(gr_ctx *ctx, plan *p, size_t i, const char *head, size_t n)
{
    char *buf = malloc(n + 1);
    if (buf == NULL) {
        return gr_fail(ctx, "grader ran out of memory");
    }
    size_t h = strlen(head) < n ? strlen(head) : n;
    memcpy(buf, head, h);
    gr_random_text(ctx, buf + h, n - h);
    int rc = plan_set(ctx, p, i, buf, n);
    free(buf);
    return rc;
}

static void plan_free(plan *p)
{
    for (size_t i = 0; p->pl_msgs != NULL && i < p->pl_n; i++) {
        free(p->pl_msgs[i].dm_data);
    }
    free(p->pl_msgs);
    p->pl_msgs = NULL;
    gr_dgram_close(&p->pl_sock);
}

/* Lowest index whose echo has not come back (pl_n when all have). */
static size_t plan_first_missing(const plan *p)
{
    size_t i = 0;
    while (i < p->pl_n && p->pl_msgs[i].dm_back) {
        i++;
    }
    return i;
}

/* Send new datagrams while the window allows; with limit, send at most that
 * many. Returns 0 or gr_fail()'s value. */
static int plan_send(gr_ctx *ctx, plan *p, size_t limit)
{
    size_t sent = 0;
    while (p->pl_next < p->pl_n && p->pl_next - plan_first_missing(p) < p->pl_window &&
           (limit == 0 || sent < limit)) {
        dmsg *m = &p->pl_msgs[p->pl_next];
        if (gr_dgram_send(ctx, &p->pl_sock, m->dm_data, m->dm_len) < 0) {
            return -1;
        }
        m->dm_sends = 1;
        p->pl_next++;
        sent++;
    }
    return 0;
}

/* The datagram of p that data[0..n) is; its index, or -1. */
static long plan_find(const plan *p, const unsigned char *data, size_t n)
{
    for (size_t i = 0; i < p->pl_next; i++) {
        if (p->pl_msgs[i].dm_len == n && memcmp(p->pl_msgs[i].dm_data, data, n) == 0) {
            return (long)i;
        }
    }
    return -1;
}

/* For a server that stops at, or ignores, an empty datagram. */
#define HINT_EMPTY                                                                                 \
    "An empty datagram is a datagram, not end of file: it gets an empty reply. In C: "             \
    "recvfrom() returning 0 means 0 bytes arrived; sendto() 0 bytes back and go on (-1 is the "    \
    "only error). In Python: data == b'' from recvfrom() is such a datagram: "                     \
    "sock.sendto(data, addr); never break or continue on it."

/* How long to wait for the rest of a datagram a server may have split. */
#define REST_MS 300

/* A reply that is the first `full` bytes of datagram m: the rest in a
 * datagram of its own (a reply split in pieces), the reply stopped at a NUL
 * (a C string's strlen()), or a buffer-sized cut and nothing more (a buffer
 * too small for the datagram). Sets the hint for what it sees, if clear. */
static void short_reply_cause(gr_ctx *ctx, plan *p, const dmsg *m, size_t full)
{
    static unsigned char next[GR_DGRAM_MAX + 1];
    ssize_t r = gr_dgram_recv(ctx, &p->pl_sock, next, sizeof next, gr_soon(ctx, REST_MS));
    size_t rest = m->dm_len - full;
    if (r > 0 && (size_t)r <= rest && memcmp(next, m->dm_data + full, (size_t)r) == 0) {
        gr_str_addf(gr_details(ctx),
                    "what came next: a datagram of %zd bytes holding the following bytes of the "
                    "same datagram: the reply was split in pieces\n",
                    r);
        gr_hint(ctx, "One datagram in, one datagram out: the reply came in pieces, each sent "
                     "as a datagram of its own. In C: echo the whole datagram with a single "
                     "sendto() of the length recvfrom() returned; no loop of send()s. In Python: "
                     "sock.sendto(data, addr) once per datagram received.");
    } else if (r == GR_DGRAM_TIMEOUT && m->dm_data[full] == 0 && (full == 0 || full % 512 != 0)) {
        gr_str_addf(gr_details(ctx),
                    "what the reply shows: it stops right before byte %zu, a NUL, and the rest "
                    "never came\n",
                    full);
        gr_hint(ctx, "A datagram is bytes, not a C string: the reply stopped right before a NUL "
                     "byte. In C: sendto() the count recvfrom() returned, never strlen(buf), and "
                     "no string functions on the data. In Python: send back the bytes "
                     "recvfrom() returned; never .decode() them.");
    } else if (r == GR_DGRAM_TIMEOUT && full > 0 && full % 512 == 0) {
        gr_str_addf(gr_details(ctx),
                    "what the reply shows: exactly %zu bytes, a buffer's size, and the rest never "
                    "came: recvfrom() cut the datagram to its buffer\n",
                    full);
        gr_hint(ctx,
                "recvfrom() cuts a datagram to the size of its buffer, silently: here %zu bytes. "
                "In C: receive into a buffer of 65535 bytes (65507 is the largest UDP payload "
                "over IPv4). In Python: sock.recvfrom(65535); recvfrom(1024) loses the rest of "
                "a longer datagram.",
                full);
    }
}

/* A reply that is none of the datagrams sent: say what it looks like. */
static int fail_stray(gr_ctx *ctx, plan *plans, size_t nplans, size_t which,
                      const unsigned char *got, size_t ngot, size_t full)
{
    plan *p = &plans[which];
    /* Sent by another grader socket: the server replied to the wrong address. */
    for (size_t k = 0; k < nplans; k++) {
        long j = k != which ? plan_find(&plans[k], got, ngot) : -1;
        if (j >= 0) {
            int rc = gr_fail(ctx,
                             "%s received the echo of a datagram that %s sent (its datagram "
                             "%ld): the reply went to the wrong address",
                             p->pl_sock.dg_label, plans[k].pl_sock.dg_label, j + 1);
            gr_show_bytes(gr_details(ctx), "received", got, ngot, 0, GR_TRANSCRIPT_WINDOW, NULL);
            return rc;
        }
    }
    /* Otherwise compare with the outstanding datagram it resembles most. */
    long best = -1;
    size_t best_len = 0;
    for (size_t i = 0; i < p->pl_next; i++) {
        const dmsg *m = &p->pl_msgs[i];
        if (m->dm_back && best >= 0) {
            continue;
        }
        size_t common = gr_first_diff(m->dm_data, m->dm_len, got, ngot);
        if (best < 0 || common > best_len ||
            (common == best_len && !m->dm_back && p->pl_msgs[best].dm_back)) {
            best = (long)i;
            best_len = common;
        }
    }
    if (best < 0) {
        int rc = gr_fail(ctx, "%s received a datagram of %zu bytes before sending anything",
                         p->pl_sock.dg_label, full);
        gr_show_bytes(gr_details(ctx), "received", got, ngot, 0, GR_TRANSCRIPT_WINDOW, NULL);
        return rc;
    }
    const dmsg *m = &p->pl_msgs[best];
    const char *why = full < m->dm_len   ? "shorter: cut short, or split into several datagrams"
                      : full > m->dm_len ? "longer: datagrams merged, or bytes added"
                                         : "the same length, with different bytes";
    int rc = gr_fail_bytes(ctx, m->dm_data, m->dm_len, m->dm_data, m->dm_len, got, ngot,
                           "%s: datagram %ld of %zu (%zu bytes) came back as a datagram of %zu "
                           "bytes, %s",
                           p->pl_sock.dg_label, best + 1, p->pl_n, m->dm_len, full, why);
    if (full < m->dm_len && best_len == full && ngot == full) {
        short_reply_cause(ctx, p, m, full);
    }
    return rc;
}

/* A skipped reply (pl_ignore): which of them came back tells where a
 * server stopped. */
static void plan_note_ignored(plan *p, const unsigned char *buf, size_t got, size_t full)
{
    if (full == 0) {
        p->pl_ignored_empty = 1;
        return;
    }
    char num[24];
    size_t h = strlen(p->pl_ignore);
    size_t k = got - h < sizeof num - 1 ? got - h : sizeof num - 1;
    memcpy(num, buf + h, k);
    num[k] = '\0';
    long n = strtol(num, NULL, 10);
    p->pl_ignored_max = n > p->pl_ignored_max ? n : p->pl_ignored_max;
}

/* Send plans[which]'s datagrams as its window allows and wait until each
 * one's echo is back, by deadline. Echoes of datagrams already matched
 * (after a resend) and replies starting with pl_ignore are skipped. */
static int plan_run(gr_ctx *ctx, plan *plans, size_t nplans, size_t which, long deadline,
                    const char *what)
{
    static unsigned char buf[GR_DGRAM_MAX + 1];
    plan *p = &plans[which];
    if (plan_send(ctx, p, 0) < 0) {
        return -1;
    }
    long resend_at = gr_now_ms() + gr_ms(ctx, RESEND_MS);
    while (plan_first_missing(p) < p->pl_n) {
        long until = resend_at < deadline ? resend_at : deadline;
        ssize_t r = gr_dgram_recv(ctx, &p->pl_sock, buf, sizeof buf, until);
        if (r == -1) {
            /* The server went away with only an empty datagram to answer. */
            size_t i = plan_first_missing(p);
            if (i + 1 == p->pl_next && p->pl_msgs[i].dm_len == 0) {
                gr_str_add(gr_details(ctx), "what the check saw: the server went away with only an "
                                            "empty datagram to answer\n");
                gr_hint(ctx, HINT_EMPTY);
            }
            return gr_fail(ctx, "(during the %s)", what);
        }
        if (r == GR_DGRAM_TIMEOUT) {
            size_t i = plan_first_missing(p);
            dmsg *m = &p->pl_msgs[i];
            if (gr_now_ms() >= deadline || m->dm_sends >= MAX_SENDS) {
                gr_fail(ctx,
                        "%s: no reply to datagram %zu of %zu (%zu bytes), sent %d "
                        "time%s, during the %s",
                        p->pl_sock.dg_label, i + 1, p->pl_n, m->dm_len, m->dm_sends,
                        m->dm_sends == 1 ? "" : "s", what);
                gr_show_bytes(gr_details(ctx), "sent", m->dm_data, m->dm_len, 0,
                              GR_TRANSCRIPT_WINDOW, NULL);
                if (m->dm_len == 0) {
                    gr_hint(ctx, HINT_EMPTY);
                }
                return -1;
            }
            /* UDP may lose a datagram: send every missing one again. */
            for (size_t k = i; k < p->pl_next; k++) {
                dmsg *mk = &p->pl_msgs[k];
                if (!mk->dm_back) {
                    gr_verbose(ctx, "%s: resending datagram %zu", p->pl_sock.dg_label, k + 1);
                    if (gr_dgram_send(ctx, &p->pl_sock, mk->dm_data, mk->dm_len) < 0) {
                        return -1;
                    }
                    mk->dm_sends++;
                }
            }
            resend_at = gr_now_ms() + gr_ms(ctx, RESEND_MS);
            continue;
        }
        size_t full = (size_t)r;
        size_t got = full < sizeof buf ? full : sizeof buf;
        if (p->pl_ignore != NULL &&
            (full == 0 || (got >= strlen(p->pl_ignore) &&
                           memcmp(buf, p->pl_ignore, strlen(p->pl_ignore)) == 0))) {
            plan_note_ignored(p, buf, got, full);
            continue;
        }
        long j = full == got ? plan_find(p, buf, got) : -1;
        if (j < 0) {
            return fail_stray(ctx, plans, nplans, which, buf, got, full);
        }
        if (!p->pl_msgs[j].dm_back) {
            p->pl_msgs[j].dm_back = 1;
            resend_at = gr_now_ms() + gr_ms(ctx, RESEND_MS);
            if (plan_send(ctx, p, 0) < 0) {
                return -1;
            }
        }
    }
    return 0;
}

/* After a failed server check: a Python server that decoded a binary
 * datagram died of it, and its traceback says so. */
static int udp_decode_cause(gr_ctx *ctx, int rc)
{
    if (rc < 0 && gr_server_said(ctx, "UnicodeDecodeError")) {
        gr_hint(ctx, "A datagram is bytes, not text: the server's stderr shows a "
                     "UnicodeDecodeError. In C the same mistake is a string function on the data "
                     "(strlen(), printf(\"%%s\")): sendto() the count recvfrom() returned. In "
                     "Python: sock.sendto(data, addr) with the bytes recvfrom() returned; never "
                     ".decode() them.");
    }
    return rc;
}

/* ---- steps 1 and 2: one datagram back; every datagram, from every client
 * ---------------------------------------------- */

static int check_dgram_echo(gr_ctx *ctx)
{
    plan p;
    int rc = plan_init(ctx, &p, "client", 1, 1);
    if (rc == 0) {
        rc = plan_set_text(ctx, &p, 0, "hello, datagram: ", 20 + gr_random_below(ctx, 40));
    }
    if (rc == 0) {
        rc = plan_run(ctx, &p, 1, 0, gr_deadline(ctx), "echo of one datagram");
    }
    plan_free(&p);
    return rc;
}

static int check_boundaries(gr_ctx *ctx)
{
    /* Sizes that differ, all under 1 KiB, sent back to back: each must come
     * back as itself, not glued to its neighbour nor cut in two. */
    static const size_t sizes[] = {1, 700, 5, 300, 1000, 2, 600, 64, 513, 17};
    enum { N = sizeof sizes / sizeof sizes[0] };
    plan p;
    int rc = plan_init(ctx, &p, "client", N, N);
    for (size_t i = 0; i < N && rc == 0; i++) {
        char head[32];
        snprintf(head, sizeof head, "#%zu:", i + 1);
        rc = plan_set_text(ctx, &p, i, head, sizes[i]);
    }
    if (rc == 0) {
        rc = plan_run(ctx, &p, 1, 0, gr_deadline(ctx), "echo of 10 datagrams sent back to back");
    }
    plan_free(&p);
    return rc;
}

/* ---- step 3: every size ---------------------------------------------------------- */

static int check_sizes(gr_ctx *ctx)
{
    static const size_t sizes[] = {0, 1, 1472, 8192, GR_DGRAM_MAX};
    enum { N = sizeof sizes / sizeof sizes[0] };
    unsigned char *data = malloc(GR_DGRAM_MAX);
    if (data == NULL) {
        return gr_fail(ctx, "grader ran out of memory");
    }
    plan p;
    int rc = plan_init(ctx, &p, "client", N, 1);
    for (size_t i = 0; i < N && rc == 0; i++) {
        gr_random_bytes(ctx, data, sizes[i]);
        rc = plan_set(ctx, &p, i, data, sizes[i]);
    }
    free(data);
    if (rc == 0) {
        rc = plan_run(ctx, &p, 1, 0, gr_deadline(ctx),
                      "echo of datagrams of 0, 1, 1472, 8192 and 65507 bytes, one at a time");
    }
    plan_free(&p);
    return udp_decode_cause(ctx, rc);
}

/* ---- step 1: every IPv4 address -------------------------------------------------- */

static int check_every_address(gr_ctx *ctx)
{
    /* The whole of 127.0.0.0/8 is this machine: a server bound to every
     * IPv4 address (INADDR_ANY) answers on 127.0.0.2 too; one bound to
     * 127.0.0.1 alone does not. The reply may come from either address. */
    char msg[64];
    int n = snprintf(msg, sizeof msg, "to 127.0.0.2, port %d", gr_port(ctx));
    struct sockaddr_in to;
    memset(&to, 0, sizeof to);
    to.sin_family = AF_INET;
    to.sin_port = htons((uint16_t)gr_port(ctx));
    to.sin_addr.s_addr = htonl(0x7f000002);
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return gr_fail(ctx, "grader could not open a UDP socket: %s", strerror(errno));
    }
    int rc = -2;
    static unsigned char buf[GR_DGRAM_MAX + 1];
    for (int send = 1; send <= MAX_SENDS && rc == -2 && gr_now_ms() < gr_deadline(ctx); send++) {
        if (sendto(fd, msg, (size_t)n, 0, (struct sockaddr *)&to, sizeof to) < 0) {
            rc = gr_fail(ctx, "grader could not send to 127.0.0.2: %s", strerror(errno));
            break;
        }
        long until = gr_soon(ctx, RESEND_MS);
        while (rc == -2 && gr_now_ms() < until) {
            struct pollfd pfd = {.fd = fd, .events = POLLIN};
            if (poll(&pfd, 1, (int)(until - gr_now_ms())) != 1) {
                break;
            }
            struct sockaddr_in from;
            socklen_t flen = sizeof from;
            ssize_t got =
                recvfrom(fd, buf, sizeof buf, MSG_DONTWAIT, (struct sockaddr *)&from, &flen);
            if (got == (ssize_t)n && memcmp(buf, msg, (size_t)n) == 0 &&
                ntohs(from.sin_port) == gr_port(ctx)) {
                rc = 0;
            } else if (got >= 0) {
                rc = gr_fail_bytes(ctx, msg, (size_t)n, msg, (size_t)n, buf, (size_t)got,
                                   "a datagram sent to 127.0.0.2 came back wrong");
            }
        }
    }
    close(fd);
    if (rc == -2) {
        rc = gr_fail(ctx,
                     "a datagram to 127.0.0.2, port %d (an address of this machine, as all of "
                     "127.0.0.0/8 is), got no reply in %d tries; 127.0.0.1 is served",
                     gr_port(ctx), MAX_SENDS);
        gr_hint(ctx, "Bind to every IPv4 address of the machine, not to one: a server bound to "
                     "127.0.0.1 hears nothing sent to its other addresses. In C: "
                     "sin_addr.s_addr = htonl(INADDR_ANY) before bind(). In Python: "
                     "s.bind(('', port)) or s.bind(('0.0.0.0', port)).");
    }
    return rc;
}

/* ---- step 2: many clients ---------------------------------------------------------- */

static int check_interleaved_clients(gr_ctx *ctx)
{
    enum { CLIENTS = 20, EACH = 5 };
    plan *plans = calloc(CLIENTS, sizeof *plans);
    if (plans == NULL) {
        return gr_fail(ctx, "grader ran out of memory");
    }
    int rc = 0;
    size_t opened = 0;
    for (; opened < CLIENTS && rc == 0; opened++) {
        char label[32];
        snprintf(label, sizeof label, "client %zu", opened + 1);
        rc = plan_init(ctx, &plans[opened], label, EACH, EACH);
        for (size_t k = 0; k < EACH && rc == 0; k++) {
            char head[48];
            snprintf(head, sizeof head, "client %zu, datagram %zu: ", opened + 1, k + 1);
            rc = plan_set_text(ctx, &plans[opened], k, head, 40 + gr_random_below(ctx, 40));
        }
    }
    /* Interleaved: the first datagram of every client, then the second... */
    for (size_t k = 0; k < EACH && rc == 0; k++) {
        for (size_t c = 0; c < CLIENTS && rc == 0; c++) {
            rc = plan_send(ctx, &plans[c], 1);
        }
    }
    for (size_t c = 0; c < CLIENTS && rc == 0; c++) {
        rc = plan_run(ctx, plans, CLIENTS, c, gr_deadline(ctx),
                      "echo to 20 clients sending at the same time");
    }
    for (size_t c = 0; c < opened; c++) {
        plan_free(&plans[c]);
    }
    free(plans);
    return rc;
}

/* ---- step 4: robustness ---------------------------------------------------------- */

static int check_burst(gr_ctx *ctx)
{
    enum { BURST = 2000 };
    plan p;
    int rc = plan_init(ctx, &p, "client", 1, 1);
    if (rc == 0) {
        rc = plan_set_text(ctx, &p, 0, "after the burst: ", 40);
    }
    /* As fast as the socket takes them, of assorted sizes, every tenth one
     * empty. Some may be lost (UDP may drop what a busy server cannot take
     * in); the server must neither crash nor stop answering. */
    for (int i = 0; i < BURST && rc == 0; i++) {
        char msg[256];
        size_t n = 0;
        if (i % 10 != 9) {
            n = (size_t)snprintf(msg, sizeof msg, "burst %d ", i + 1);
            size_t more = gr_random_below(ctx, 150);
            gr_random_text(ctx, msg + n, more);
            n += more;
        }
        rc = gr_dgram_send(ctx, &p.pl_sock, msg, n);
        if (rc < 0) {
            gr_fail(ctx, "(while sending datagram %d of a burst of %d)", i + 1, BURST);
        }
    }
    if (rc == 0) {
        /* Echoes of the burst still arriving are skipped (empty ones too). */
        p.pl_ignore = "burst ";
        rc =
            plan_run(ctx, &p, 1, 0, gr_deadline(ctx), "echo of one datagram after a burst of 2000");
    }
    if (rc < 0) {
        /* What did come back, still in the socket if the check stopped
         * early: the echoes it holds say where the server stopped. */
        static unsigned char buf[GR_DGRAM_MAX + 1];
        p.pl_ignore = "burst ";
        ssize_t r;
        /* Only what is queued already, and quietly: the check has its verdict. */
        while ((r = recv(p.pl_sock.dg_fd, buf, sizeof buf, MSG_DONTWAIT | MSG_TRUNC)) >= 0) {
            size_t full = (size_t)r;
            size_t got = full < sizeof buf ? full : sizeof buf;
            if (full == 0 || (got >= 6 && memcmp(buf, p.pl_ignore, 6) == 0)) {
                plan_note_ignored(&p, buf, got, full);
            }
        }
        if (p.pl_ignored_max == 9 && !p.pl_ignored_empty) {
            /* Datagrams 1 to 9 came back, and nothing from the 10th on: the
             * 10th is the burst's first empty datagram. */
            gr_str_addf(gr_details(ctx), "what came back: the echoes of datagrams 1 to 9 of the "
                                         "burst, and nothing from the 10th, its first empty "
                                         "datagram, on\n");
            gr_hint(ctx, HINT_EMPTY);
        }
    }
    if (rc == 0) {
        rc = gr_server_check_alive(ctx);
    }
    plan_free(&p);
    return rc;
}

/* ---- the list ---------------------------------------------------------------------- */

static const char *const steps[] = {
    "",           "one datagram back", "every datagram, from every client",
    "every size", "robustness",        "the ping client",
};

static const gr_check checks[] = {
    {.ck_name = "dgram-echo",
     .ck_step = 1,
     .ck_kind = GR_SERVER,
     .ck_points = 7,
     .ck_deadline_ms = 5000,
     .ck_summary = "one datagram comes back to its sender",
     .ck_hint =
         "A UDP server binds a datagram socket and answers each datagram where it came from: no "
         "listen(), no accept(). In C: socket(AF_INET, SOCK_DGRAM, 0), bind() to INADDR_ANY and "
         "the port, then loop: recvfrom(), and sendto() the same bytes to the address it filled "
         "in. In Python: sock.bind(('', port)); data, addr = sock.recvfrom(65535); "
         "sock.sendto(data, addr).",
     .ck_run = check_dgram_echo},
    {.ck_name = "every-address",
     .ck_step = 1,
     .ck_kind = GR_SERVER,
     .ck_points = 3,
     .ck_deadline_ms = 10000,
     .ck_summary = "a datagram to 127.0.0.2 is echoed too: bound to every IPv4 address",
     .ck_hint = "The server binds to every IPv4 address (INADDR_ANY). In C: sin_addr.s_addr = "
                "htonl(INADDR_ANY). In Python: s.bind(('', port)).",
     .ck_run = check_every_address},
    {.ck_name = "start-errors",
     .ck_step = 1,
     .ck_points = 3,
     .ck_summary = GR_START_ERRORS_SUMMARY,
     GR_START_ERRORS_CHECK,
     .ck_arg = &gr_start_udp},
    {.ck_name = "boundaries",
     .ck_step = 2,
     .ck_kind = GR_SERVER,
     .ck_points = 11,
     .ck_deadline_ms = 10000,
     .ck_summary = "10 datagrams sent back to back come back as 10 datagrams, each unchanged",
     .ck_hint =
         "UDP keeps message boundaries: one recvfrom() returns one datagram, one sendto() sends "
         "one. In C: echo each datagram with a single sendto() of the length recvfrom() returned; "
         "never split a reply or join two. In Python: one sock.sendto(data, addr) per "
         "sock.recvfrom(65535).",
     .ck_run = check_boundaries},
    {.ck_name = "interleaved-clients",
     .ck_step = 2,
     .ck_kind = GR_SERVER,
     .ck_points = 12,
     .ck_deadline_ms = 10000,
     .ck_summary = "20 clients sending at once each get their own datagrams, and only those",
     .ck_hint =
         "One socket serves every client: each datagram may come from a different one. In C: "
         "reply to the address recvfrom() filled in for this datagram, every time; never keep the "
         "first client's address, never connect() the server's socket. In Python: data, addr = "
         "sock.recvfrom(65535) and sock.sendto(data, addr) with that addr.",
     .ck_run = check_interleaved_clients},
    {.ck_name = "sizes",
     .ck_step = 3,
     .ck_kind = GR_SERVER,
     .ck_points = 13,
     .ck_deadline_ms = 15000,
     .ck_summary = "datagrams of 0, 1, 1472, 8192 and 65507 bytes come back whole",
     .ck_hint =
         "A datagram may be 0 to 65507 bytes, and every one comes back whole. In C: recvfrom() "
         "cuts a datagram to the buffer, silently: use one of 65535 bytes; and 0 from recvfrom() "
         "is an empty datagram to echo, not end of file. In Python: sock.recvfrom(65535), and "
         "echo b'' like any other datagram.",
     .ck_run = check_sizes},
    {.ck_name = "burst",
     .ck_step = 4,
     .ck_kind = GR_SERVER,
     .ck_points = 11,
     .ck_deadline_ms = 20000,
     .ck_summary = "after a burst of 2000 datagrams (some empty) the server still answers",
     .ck_hint =
         "A UDP server serves everyone from one loop: no datagram and no error may end it. In C: "
         "some of a burst may be lost, but log errors of recvfrom() and sendto() (ECONNREFUSED, "
         "ENOBUFS, EINTR) and go on to the next datagram. In Python: catch OSError around each "
         "sendto() and recvfrom() and carry on.",
     .ck_run = check_burst},

    {.ck_name = "client-ping",
     .ck_step = 5,
     .ck_kind = GR_CLIENT,
     .ck_points = 8,
     .ck_deadline_ms = 10000,
     .ck_summary = "10 probes, all answered: a line each and a summary with 0% loss",
     .ck_hint =
         "A ping sends numbered probes on a schedule and reports each round trip. In C: on a "
         "connected UDP socket, send \"seq=N t=NANOSECONDS\" every --interval ms, print \"seq=N "
         "rtt=X ms\" per reply, then \"N sent, M received, L% loss, rtt min/avg/max = a/b/c "
         "ms\", exit 0. In Python: the same with sock.connect(), sock.send() and "
         "time.monotonic_ns().",
     .ck_run = lab03_check_client_ping},
    {.ck_name = "client-loss",
     .ck_step = 5,
     .ck_kind = GR_CLIENT,
     .ck_points = 8,
     .ck_deadline_ms = 10000,
     .ck_summary = "lost probes are reported as timeouts and the loss is exact",
     .ck_hint =
         "UDP loses datagrams: wait for each reply only so long, then count it lost. In C: "
         "poll() with a timeout (or SO_RCVTIMEO) of --timeout ms, then print \"seq=N timeout\"; "
         "loss is (sent - received) / sent, in percent. In Python: sock.settimeout(timeout) and "
         "catch TimeoutError (socket.timeout), or a selectors timeout.",
     .ck_run = lab03_check_client_loss},
    {.ck_name = "client-late-dup",
     .ck_step = 5,
     .ck_kind = GR_CLIENT,
     .ck_points = 8,
     .ck_deadline_ms = 10000,
     .ck_summary =
         "late, duplicate and reordered replies are each counted once, by sequence number",
     .ck_hint =
         "Match each reply to its probe by the sequence number inside it, not by its order: "
         "late, duplicate and reordered replies are each counted once. In C: keep a state per "
         "probe (pending, answered, timed out) and ignore a reply for a probe that is not "
         "pending. In Python: the same, with a dict or list indexed by seq.",
     .ck_run = lab03_check_client_late_dup},
    {.ck_name = "client-duration",
     .ck_step = 5,
     .ck_kind = GR_CLIENT,
     .ck_points = 6,
     .ck_deadline_ms = 10000,
     .ck_summary = "the run takes at most COUNT x interval plus one timeout",
     .ck_hint =
         "Send on schedule, while earlier probes still wait: one probe's timeout must not "
         "delay the next. In C: one poll() whose timeout is the nearer of the next send and the "
         "oldest probe's deadline. In Python: selectors, or sock.settimeout() set to that same "
         "nearer time before each recv(); never a settimeout() wait per probe, one after another.",
     .ck_run = lab03_check_client_duration},
    {.ck_name = "client-no-reply",
     .ck_step = 5,
     .ck_kind = GR_CLIENT,
     .ck_points = 4,
     .ck_deadline_ms = 15000,
     .ck_summary = "no reply at all: every probe a timeout, 100% loss, exit status 1",
     .ck_hint = "A ping that got nothing back says so, in its lines, its summary and its exit "
                "status. In C: a timeout line per probe, \"N sent, 0 received, 100.0% loss\", "
                "and return 1 from main(). In Python: sys.exit(1) when nothing was received.",
     .ck_run = lab03_check_client_no_reply},
    {.ck_name = "client-refused",
     .ck_step = 5,
     .ck_kind = GR_CLIENT,
     .ck_points = 6,
     .ck_deadline_ms = 10000,
     .ck_summary = "a closed port is reported as \"Connection refused\", with a non-zero exit",
     .ck_hint =
         "A connected UDP socket hears of a closed port: ICMP turns into ECONNREFUSED. In C: "
         "connect() the UDP socket, and when send() or recv() fails with ECONNREFUSED, print "
         "\"udp_ping: HOST:PORT: Connection refused\" on stderr and exit 1. In Python: "
         "sock.connect(), then catch ConnectionRefusedError; sendto() on an unconnected socket "
         "never hears of it.",
     .ck_run = lab03_check_client_refused},
};

const gr_lab gr_lab03 = {
    .lab_id = "03",
    .lab_name = "udp",
    .lab_title = "UDP",
    .lab_server_cmd = "./udp_echo {port}",
    .lab_client_cmd = "./udp_ping {host} {port} 10 --interval 100 --timeout 500",
    .lab_steps = steps,
    .lab_nsteps = sizeof steps / sizeof steps[0] - 1,
    .lab_checks = checks,
    .lab_nchecks = sizeof checks / sizeof checks[0],
    .lab_hidden = NULL,
    .lab_udp = 1,
};
