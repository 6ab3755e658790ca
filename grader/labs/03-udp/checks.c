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
#include "kit/kit.h"
#include "peers/udp.h"

#include <errno.h>
#include <netinet/in.h>
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

/* ---- step 5: the ping client -------------------------------------------------------- */

/* The client's command line (lab_client_cmd) fixes these. */
#define PING_COUNT 10
#define PING_INTERVAL_MS 100
#define PING_TIMEOUT_MS 500
/* A reply held back this long arrives after its probe's timeout... */
#define LATE_MS (PING_TIMEOUT_MS + 300)
/* ...and one held back this long arrives after the next probe's reply. */
#define REORDER_MS (PING_INTERVAL_MS + PING_INTERVAL_MS / 2)

/* What the fake server does with the probe of one sequence number. */
typedef enum ping_action {
    ACT_ECHO,   /* reply at once */
    ACT_DROP,   /* never reply */
    ACT_LATE,   /* reply after the client's timeout */
    ACT_DUP,    /* reply twice */
    ACT_REORDER /* reply after the next probe's reply */
} ping_action;

/* The sequence number of a probe "seq=N ...", or 0. */
static long probe_seq(const unsigned char *data, size_t n)
{
    char text[32];
    size_t k = n < sizeof text - 1 ? n : sizeof text - 1;
    memcpy(text, data, k);
    text[k] = '\0';
    long seq;
    return sscanf(text, "seq=%ld", &seq) == 1 && seq >= 1 && seq <= PING_COUNT ? seq : 0;
}

/* The fake UDP server's script: per sequence number, what to do with that
 * probe ([1..PING_COUNT]; anything else is echoed). */
typedef struct ping_script {
    ping_action ps_act[PING_COUNT + 1];
} ping_script;

static gr_udp_act script_decide(void *arg, const unsigned char *data, size_t n, int *delay_ms)
{
    const ping_script *ps = arg;
    long seq = probe_seq(data, n);
    switch (seq > 0 ? ps->ps_act[seq] : ACT_ECHO) {
    case ACT_DROP:
        return GR_UDP_DROP;
    case ACT_LATE:
        *delay_ms = LATE_MS;
        return GR_UDP_DELAY;
    case ACT_REORDER:
        *delay_ms = REORDER_MS;
        return GR_UDP_DELAY;
    case ACT_DUP:
        return GR_UDP_TWICE;
    case ACT_ECHO:
    default:
        return GR_UDP_ECHO;
    }
}

static int parse_summary(const char *out, long *sent, long *received, double *loss,
                         double *precision)
{
    for (const char *line = out; line != NULL && *line != '\0';) {
        char loss_text[32];
        if (sscanf(line, "%ld sent, %ld received, %31[0-9.]%% loss", sent, received, loss_text) ==
            3) {
            *loss = strtod(loss_text, NULL);
            const char *dot = strchr(loss_text, '.');
            int decimals = dot != NULL ? (int)strlen(dot + 1) : 0;
            *precision = 0.5;
            for (int i = 0; i < decimals; i++) {
                *precision /= 10;
            }
            return 0;
        }
        line = strchr(line, '\n');
        line = line != NULL ? line + 1 : NULL;
    }
    return -1;
}

/* Lines of the client's output that begin with "seq=N " for this N. */
static int count_seq_lines(const char *out, long seq, int *timeouts)
{
    char head[32];
    int hn = snprintf(head, sizeof head, "seq=%ld ", seq);
    int n = 0;
    *timeouts = 0;
    for (const char *line = out; line != NULL && *line != '\0';) {
        if (strncmp(line, head, (size_t)hn) == 0) {
            n++;
            *timeouts += strncmp(line + hn, "timeout", 7) == 0;
        }
        line = strchr(line, '\n');
        line = line != NULL ? line + 1 : NULL;
    }
    return n;
}

static const char *const action_names[] = {"replied at once", "dropped", "replied too late",
                                           "replied twice", "replied after the next one"};

/* Run the client against a fake server with this script, and check every
 * probe's line, the summary and, with max_ms > 0, the run time. */
static int ping_run(gr_ctx *ctx, const ping_action *script, long max_ms)
{
    ping_script ps;
    memcpy(ps.ps_act, script, sizeof ps.ps_act);
    char err[256] = "";
    gr_udp_fake *f = gr_udp_fake_start(script_decide, &ps, err);
    if (f == NULL) {
        return gr_fail(ctx, "grader could not start its UDP server: %s", err);
    }
    gr_client_run run;
    int rc = gr_client_start_and_wait(ctx, gr_udp_fake_port(f), "", 0, gr_time_left(ctx), &run);
    gr_udp_fake_stop(f);
    if (rc < 0) {
        return rc;
    }
    long want_received = 0;
    gr_str *d = gr_details(ctx);
    gr_str_addf(d, "the grader's server, probe by probe:");
    for (long s = 1; s <= PING_COUNT; s++) {
        want_received += script[s] == ACT_ECHO || script[s] == ACT_DUP || script[s] == ACT_REORDER;
        gr_str_addf(d, "%s seq=%ld %s", s == 1 ? "" : ",", s, action_names[script[s]]);
    }
    gr_str_addf(d, "\n");
    double want_loss = 100.0 * (double)(PING_COUNT - want_received) / PING_COUNT;
    const char *out = run.cr_stdout != NULL ? run.cr_stdout : "";
    long sent = 0;
    long received = 0;
    double loss = 0;
    double precision = 0;
    int lost = 0;
    for (long s = 1; s <= PING_COUNT; s++) {
        lost += script[s] == ACT_DROP;
    }
    if (run.cr_timed_out || WIFSIGNALED(run.cr_status)) {
        rc = gr_expect_exit_zero(ctx, &run, "with replies received it should exit 0");
        if (run.cr_timed_out && lost > 0) {
            gr_str_addf(gr_details(ctx),
                        "what the run shows: %d probe%s never answered, and the client was "
                        "still waiting at the deadline\n",
                        lost, lost == 1 ? " was" : "s were");
            gr_hint(ctx, "UDP loses datagrams, so every wait for a reply needs a timeout: the "
                         "client waited for a lost reply until the deadline. In C: poll() with "
                         "a timeout, or SO_RCVTIMEO, before each recv(); a plain recv() waits "
                         "forever. In Python: sock.settimeout(timeout) and catch TimeoutError.");
        }
    } else if (parse_summary(out, &sent, &received, &loss, &precision) < 0) {
        rc = gr_fail(ctx, "no summary line \"N sent, M received, L%% loss, ...\" on stdout");
    } else if (sent != PING_COUNT || received != want_received) {
        rc = gr_fail(ctx,
                     "the summary says %ld sent, %ld received; it should say %d sent, %ld "
                     "received",
                     sent, received, PING_COUNT, want_received);
    } else if (loss < want_loss - precision - 1e-9 || loss > want_loss + precision + 1e-9) {
        rc = gr_fail(ctx, "the summary says %g%% loss; %ld of %d lost is %g%%", loss,
                     PING_COUNT - want_received, PING_COUNT, want_loss);
    }
    for (long s = 1; s <= PING_COUNT && rc == 0; s++) {
        int timeouts;
        int n = count_seq_lines(out, s, &timeouts);
        int want_timeout = script[s] == ACT_DROP || script[s] == ACT_LATE;
        if (n != 1) {
            rc = gr_fail(ctx,
                         "probe seq=%ld (%s) has %d lines starting \"seq=%ld \" in the "
                         "output; it should have exactly one",
                         s, action_names[script[s]], n, s);
        } else if (timeouts != want_timeout) {
            rc = gr_fail(ctx, "probe seq=%ld (%s) should be reported as %s", s,
                         action_names[script[s]], want_timeout ? "\"timeout\"" : "a round trip");
        }
    }
    if (rc == 0) {
        rc = gr_expect_exit_zero(ctx, &run, "with replies received it should exit 0");
    }
    if (rc == 0 && max_ms > 0 && run.cr_ms > max_ms) {
        rc = gr_fail(ctx,
                     "the run took %ld ms; %d probes every %d ms with a %d ms timeout "
                     "need at most %ld ms",
                     run.cr_ms, PING_COUNT, PING_INTERVAL_MS, PING_TIMEOUT_MS,
                     (long)(PING_COUNT - 1) * PING_INTERVAL_MS + PING_TIMEOUT_MS);
    }
    if (rc < 0) {
        gr_client_describe(ctx, &run);
        gr_str_addf(d, "the client's stdout:\n");
        gr_escape(d, out, strlen(out) > 2000 ? 2000 : strlen(out));
        gr_str_addf(d, "\n");
    }
    gr_client_run_free(&run);
    return rc;
}

/* A script: n of each action in acts, the rest ACT_ECHO, shuffled by the seed;
 * seq=1 always replied at once, so that the first line is a round trip. */
static void make_plan(gr_ctx *ctx, ping_action *script, const ping_action *acts, size_t nacts)
{
    script[0] = ACT_ECHO;
    for (long s = 1; s <= PING_COUNT; s++) {
        script[s] = ACT_ECHO;
    }
    for (size_t i = 0; i < nacts && i < PING_COUNT - 1; i++) {
        script[2 + i] = acts[i];
    }
    for (long s = PING_COUNT; s > 2; s--) {
        long k = 2 + (long)gr_random_below(ctx, (size_t)(s - 1));
        ping_action t = script[s];
        script[s] = script[k];
        script[k] = t;
    }
}

static int check_client_ping(gr_ctx *ctx)
{
    ping_action script[PING_COUNT + 1];
    make_plan(ctx, script, NULL, 0);
    return ping_run(ctx, script, 0);
}

static int check_client_loss(gr_ctx *ctx)
{
    ping_action drops[PING_COUNT];
    size_t n = 2 + gr_random_below(ctx, 4);
    for (size_t i = 0; i < n; i++) {
        drops[i] = ACT_DROP;
    }
    ping_action script[PING_COUNT + 1];
    make_plan(ctx, script, drops, n);
    return ping_run(ctx, script, 0);
}

static int check_client_late_dup(gr_ctx *ctx)
{
    static const ping_action acts[] = {ACT_LATE,    ACT_LATE,    ACT_DUP, ACT_DUP,
                                       ACT_REORDER, ACT_REORDER, ACT_DROP};
    ping_action script[PING_COUNT + 1];
    make_plan(ctx, script, acts, sizeof acts / sizeof acts[0]);
    return ping_run(ctx, script, 0);
}

static int check_client_duration(gr_ctx *ctx)
{
    /* Every probe but the first is lost: a client that waits out each
     * timeout before sending the next probe takes COUNT timeouts. */
    ping_action drops[PING_COUNT];
    for (size_t i = 0; i < PING_COUNT; i++) {
        drops[i] = ACT_DROP;
    }
    ping_action script[PING_COUNT + 1];
    make_plan(ctx, script, drops, PING_COUNT - 1);
    long bound = (long)(PING_COUNT - 1) * PING_INTERVAL_MS + PING_TIMEOUT_MS;
    /* Slack for starting the program (an interpreter, a sanitizer). */
    return ping_run(ctx, script, bound + gr_ms(ctx, 1000));
}

static int check_client_refused(gr_ctx *ctx)
{
    /* A port nothing is bound to: the kernel picks a free one, and we let
     * it go again at once. */
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sin;
    if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof sin) < 0 ||
        getsockname(fd, (struct sockaddr *)&sin, &len) < 0) {
        if (fd >= 0) {
            close(fd);
        }
        return gr_fail(ctx, "grader could not find a closed UDP port: %s", strerror(errno));
    }
    close(fd);
    gr_client_run run;
    int rc = gr_client_start_and_wait(ctx, ntohs(sin.sin_port), "", 0, gr_time_left(ctx), &run);
    if (rc < 0) {
        return rc;
    }
    if (run.cr_timed_out) {
        rc = gr_fail(ctx, "nothing is bound to the port, and the client was still running at "
                          "the deadline");
    } else if (WIFSIGNALED(run.cr_status)) {
        rc = gr_fail(ctx, "nothing is bound to the port, and the client crashed");
    } else if (WEXITSTATUS(run.cr_status) == 0) {
        rc = gr_fail(ctx, "nothing is bound to the port, but the client exited with status 0");
    } else if (run.cr_stderr == NULL || strcasestr(run.cr_stderr, "refused") == NULL) {
        rc = gr_fail(ctx, "nothing is bound to the port; the client's message on stderr should "
                          "say so with the system's reason, \"Connection refused\"");
    }
    if (rc < 0) {
        gr_client_describe(ctx, &run);
    }
    gr_client_run_free(&run);
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
     .ck_points = 10,
     .ck_deadline_ms = 5000,
     .ck_summary = "one datagram comes back to its sender",
     .ck_hint =
         "A UDP server binds a datagram socket and answers each datagram where it came from: no "
         "listen(), no accept(). In C: socket(AF_INET, SOCK_DGRAM, 0), bind() to INADDR_ANY and "
         "the port, then loop: recvfrom(), and sendto() the same bytes to the address it filled "
         "in. In Python: sock.bind(('', port)); data, addr = sock.recvfrom(65535); "
         "sock.sendto(data, addr).",
     .ck_run = check_dgram_echo},
    {.ck_name = "boundaries",
     .ck_step = 2,
     .ck_kind = GR_SERVER,
     .ck_points = 12,
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
     .ck_points = 14,
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
     .ck_points = 12,
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
     .ck_points = 10,
     .ck_deadline_ms = 10000,
     .ck_summary = "10 probes, all answered: a line each and a summary with 0% loss",
     .ck_hint =
         "A ping sends numbered probes on a schedule and reports each round trip. In C: on a "
         "connected UDP socket, send \"seq=N t=NANOSECONDS\" every --interval ms, print \"seq=N "
         "rtt=X ms\" per reply, then \"N sent, M received, L% loss, rtt min/avg/max = a/b/c "
         "ms\", exit 0. In Python: the same with sock.connect(), sock.send() and "
         "time.monotonic_ns().",
     .ck_run = check_client_ping},
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
     .ck_run = check_client_loss},
    {.ck_name = "client-late-dup",
     .ck_step = 5,
     .ck_kind = GR_CLIENT,
     .ck_points = 10,
     .ck_deadline_ms = 10000,
     .ck_summary =
         "late, duplicate and reordered replies are each counted once, by sequence number",
     .ck_hint =
         "Match each reply to its probe by the sequence number inside it, not by its order: "
         "late, duplicate and reordered replies are each counted once. In C: keep a state per "
         "probe (pending, answered, timed out) and ignore a reply for a probe that is not "
         "pending. In Python: the same, with a dict or list indexed by seq.",
     .ck_run = check_client_late_dup},
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
     .ck_run = check_client_duration},
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
     .ck_run = check_client_refused},
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
