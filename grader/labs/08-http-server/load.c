/* load.c - lab 08 under time and load: cut requests answered by nothing
 * yet, the idle close and the 408 (probed together, so the check takes
 * one timeout), 100 keep-alive clients at once, stalled clients that
 * must not delay a normal one, and a 64 MiB file by hash with the
 * server's memory growth bounded. */
#include "lab08.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The contract's idle timeout, and the earliest a 408 may come. */
#define IDLE_MS 5000
#define EARLIEST_MS 3000

static const char full[] =
    "POST /api/submit HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nhello";

/* Cuts of `full`: in the request line, a field, before the empty line,
 * inside the body. */
static const size_t cuts[] = {1, 4, 5, 20, 27, 31, 44, 62, 64, 66, 68};
#define NCUTS (sizeof cuts / sizeof cuts[0])

int lab08_check_truncated(gr_ctx *ctx)
{
    gr_http h[NCUTS];
    gr_http_none(h, NCUTS);
    int rc = 0;
    for (size_t i = 0; i < NCUTS && rc == 0; i++) {
        rc = gr_http_connect(ctx, &h[i], "a cut request") ||
             gr_http_send(&h[i], full, cuts[i], gr_deadline(ctx));
    }
    long until = gr_soon(ctx, 1000);
    for (size_t i = 0; i < NCUTS && rc == 0; i++) {
        if (gr_http_quiet_until(&h[i], until) != 1) {
            gr_hint(ctx, "A request is whole only at its empty line and the end of its body: "
                         "until then the server waits for more, it does not answer. In C: the "
                         "parser says 'need more', and the server recv()s again. In Python: "
                         "rfile.readline() and rfile.read(n) wait for their bytes.");
            rc = gr_fail(ctx,
                         "the first %zu bytes of a request (\"%.*s\"): the server %s within "
                         "a second, before the rest came",
                         cuts[i], (int)(cuts[i] > 40 ? 40 : cuts[i]), full,
                         h[i].h_len > 0 ? "answered" : "closed");
        }
    }
    gr_http_close_all(h, NCUTS);
    return rc;
}

/* The timeout probes: two cut requests (head, body) that get a 408 and a
 * close, one idle new connection and one idle kept-alive connection that
 * are closed with no word. */
enum { CUT_HEAD, CUT_BODY, IDLE_NEW, IDLE_KEPT, NPROBES };

static int open_probes(gr_ctx *ctx, gr_http *h)
{
    static const char kept[] = "GET /hello.txt HTTP/1.1\r\nHost: localhost\r\n\r\n";
    for (int i = 0; i < NPROBES; i++) {
        if (gr_http_connect(ctx, &h[i], "a timeout probe") != 0) {
            return -1;
        }
    }
    gr_http_resp r = {0};
    int rc = gr_http_send(&h[CUT_HEAD], full, 30, gr_deadline(ctx)) ||
             gr_http_send(&h[CUT_BODY], full, sizeof full - 3, gr_deadline(ctx)) ||
             gr_http_expect(ctx, &h[IDLE_KEPT], kept, sizeof kept - 1, 0, &r, "a first request");
    gr_http_resp_free(&r);
    return rc ? -1 : 0;
}

/* A cut request: nothing before EARLIEST_MS, then a 408 with a close. */
static int want_408(gr_ctx *ctx, gr_http *h, long start, const char *what)
{
    gr_http_resp r = {0};
    int got = gr_http_read(h, 0, start + gr_ms(ctx, IDLE_MS * 2), &r);
    long at = gr_now_ms() - start;
    int rc = 0;
    if (got != GR_HTTP_OK || r.hr_status != 408) {
        gr_hint(ctx, "A client that stops in the middle of a request holds a connection and a "
                     "thread: after 5 s of silence the server answers 408 and closes. In C: "
                     "poll() the socket with a 5000 ms timeout (or SO_RCVTIMEO) before each "
                     "recv(); on a timeout with part of a request read, send the 408. In "
                     "Python: self.request.settimeout(5); socket.timeout with bytes read means "
                     "408.");
        rc = gr_http_fail(ctx, NULL, 0, &r, "%s: %s after %.1f s, expected a 408", what,
                          got == GR_HTTP_OK ? "another status" : "no response", (double)at / 1000);
    } else if (at < EARLIEST_MS) {
        rc = gr_http_fail(ctx, NULL, 0, &r, "%s: the 408 came after %.1f s, before 5 s of silence",
                          what, (double)at / 1000);
    } else {
        rc = lab08_want_close(ctx, h, "", &r, what);
    }
    gr_http_resp_free(&r);
    return rc;
}

/* An idle connection: closed after about IDLE_MS, with nothing sent. */
static int want_silent_close(gr_ctx *ctx, gr_http *h, long start, const char *what)
{
    int got = gr_http_wait_close(h, start + gr_ms(ctx, IDLE_MS * 2));
    long at = gr_now_ms() - start;
    if (got == 1) {
        gr_fail(ctx, "%s: the server sent bytes where it should close with no response", what);
        gr_show_bytes(gr_details(ctx), "received", h->h_buf, h->h_len, 0, 300, NULL);
        return -1;
    }
    if (got != 0) {
        gr_hint(ctx, "An idle keep-alive connection holds a thread for nothing: after 5 s with "
                     "no byte of a new request, close it without a response. In C: poll() with "
                     "a 5000 ms timeout before reading the next request; on the timeout, "
                     "close(). In Python: BaseHTTPRequestHandler.timeout = 5.");
        return gr_fail(ctx, "%s: still open after %.1f s", what, (double)at / 1000);
    }
    if (at < EARLIEST_MS) {
        return gr_fail(ctx, "%s: closed after %.1f s, before 5 s of silence", what,
                       (double)at / 1000);
    }
    return 0;
}

int lab08_check_timeouts(gr_ctx *ctx)
{
    gr_http h[NPROBES];
    gr_http_none(h, NPROBES);
    long start = gr_now_ms();
    int rc = open_probes(ctx, h);
    if (rc == 0) {
        rc = want_408(ctx, &h[CUT_HEAD], start, "a request head cut and left") ||
             want_408(ctx, &h[CUT_BODY], start, "a body cut and left") ||
             want_silent_close(ctx, &h[IDLE_NEW], start, "a new connection that sends nothing") ||
             want_silent_close(ctx, &h[IDLE_KEPT], start, "a kept-alive connection left idle");
    }
    gr_http_close_all(h, NPROBES);
    return rc;
}

#define CLIENTS 100
#define ROUNDS 3

int lab08_check_concurrent(gr_ctx *ctx)
{
    static const char req[] = "GET /hello.txt HTTP/1.1\r\nHost: localhost\r\n\r\n";
    gr_http *h = calloc(CLIENTS, sizeof *h);
    if (h == NULL) {
        return gr_fail(ctx, "the grader ran out of memory");
    }
    gr_http_none(h, CLIENTS);
    int rc = 0;
    for (int i = 0; i < CLIENTS && rc == 0; i++) {
        rc = gr_http_connect(ctx, &h[i], "client");
    }
    for (int round = 0; round < ROUNDS && rc == 0; round++) {
        for (int i = 0; i < CLIENTS && rc == 0; i++) {
            rc = gr_http_send(&h[i], req, sizeof req - 1, gr_deadline(ctx));
        }
        /* Read in the reverse order: each client's answer must come on its own. */
        for (int i = CLIENTS - 1; i >= 0 && rc == 0; i--) {
            gr_http_resp r = {0};
            if (gr_http_read(&h[i], 0, gr_soon(ctx, 3000), &r) != GR_HTTP_OK ||
                r.hr_status != 200) {
                gr_hint(ctx, "Each connection is served on its own: 100 clients kept open at once "
                             "are all answered, whatever order they speak in. In C: a thread per "
                             "connection (or the pool) that loops over requests until the client "
                             "closes. In Python: ThreadingHTTPServer, not HTTPServer.");
                rc = gr_fail(ctx, "%d keep-alive clients, round %d: client %d got no answer",
                             CLIENTS, round + 1, i + 1);
            }
            gr_http_resp_free(&r);
        }
    }
    gr_http_close_all(h, CLIENTS);
    free(h);
    return rc;
}

#define SLOW 64

int lab08_check_slowloris(gr_ctx *ctx)
{
    static const char drip[] = "GET /hello.txt HTTP/1.1\r\nHost: localhost\r\nX-Slow: ";
    static const char req[] = "GET /data.json HTTP/1.1\r\nHost: localhost\r\n\r\n";
    gr_http slow[SLOW];
    gr_http_none(slow, SLOW);
    int rc = 0;
    /* Each slow client sends a byte of its head per round. */
    for (size_t k = 0; k < 4 && rc == 0; k++) {
        for (int i = 0; i < SLOW && rc == 0; i++) {
            if (k == 0) {
                rc = gr_http_connect(ctx, &slow[i], "slow client");
            }
            rc = rc ? rc : gr_http_send(&slow[i], drip + k, 1, gr_deadline(ctx));
        }
        gr_http fast;
        if (rc != 0 || gr_http_connect(ctx, &fast, "a normal client") != 0) {
            break;
        }
        gr_http_resp r = {0};
        long by = gr_soon(ctx, 2000);
        if (gr_http_send(&fast, req, sizeof req - 1, by) != 0 ||
            gr_http_read(&fast, 0, by, &r) != GR_HTTP_OK || r.hr_status != 200) {
            gr_hint(ctx,
                    "A slow client must not hold up the others: while %d connections send "
                    "their heads a byte at a time, a normal request is served at once. In "
                    "C: a thread per connection, and no lock held while a request "
                    "arrives. In Python: ThreadingHTTPServer, and nothing shared held "
                    "across rfile reads.",
                    SLOW);
            rc = gr_fail(ctx,
                         "with %d clients in the middle of their heads, a normal request "
                         "got no answer within 2 s",
                         SLOW);
        }
        gr_http_resp_free(&r);
        gr_http_close(&fast);
    }
    gr_http_close_all(slow, SLOW);
    return rc;
}

/* Growth over the second transfer, after a warm-up, the server may show. */
#define GROWTH_MAX_KB (16 * 1024)

/* GET /big.bin, digested; its peak RSS growth over @p base_kb into *@p grew_kb. */
static int fetch_big(gr_ctx *ctx, unsigned char md[GR_DIGEST_MAX], long base_kb, long *grew_kb)
{
    static const char req[] = "GET /big.bin HTTP/1.1\r\nHost: localhost\r\n\r\n";
    gr_http h;
    if (gr_http_connect(ctx, &h, "64 MiB") != 0) {
        return -1;
    }
    gr_http_resp r = {0};
    int rc = gr_http_expect(ctx, &h, req, sizeof req - 1, GR_HTTP_HEAD, &r, "GET /big.bin");
    const char *cl = gr_http_field_of(&r, "Content-Length");
    if (rc == 0 && (r.hr_status != 200 || cl == NULL || strtoull(cl, NULL, 10) != LAB08_BIG)) {
        rc = gr_http_fail(ctx, req, sizeof req - 1, &r,
                          "GET /big.bin: not 200 with "
                          "Content-Length %d",
                          LAB08_BIG);
    }
    gr_digest *dg = gr_digest_new();
    size_t left = LAB08_BIG, mark = 0;
    *grew_kb = 0;
    static unsigned char buf[256 * KiB];
    while (rc == 0 && dg != NULL && left > 0) {
        size_t n = h.h_len > 0 ? (h.h_len < left ? h.h_len : left) : 0;
        if (n > 0) {
            gr_digest_add(dg, h.h_buf, n);
            memmove(h.h_buf, h.h_buf + n, h.h_len - n); /* read with the head */
            h.h_len -= n;
        } else {
            ssize_t got = gr_recv_some(&h.h_conn, buf, left < sizeof buf ? left : sizeof buf,
                                       gr_deadline(ctx));
            if (got <= 0) {
                rc = gr_fail(ctx, "GET /big.bin: %s after %zu of %d bytes",
                             got == GR_CONN_TIMEOUT ? "nothing more came" : "the server closed",
                             LAB08_BIG - left, LAB08_BIG);
                break;
            }
            gr_digest_add(dg, buf, (size_t)got);
            n = (size_t)got;
        }
        left -= n;
        gr_tree_stats st;
        if ((mark += n) >= MiB && gr_server_stats(ctx, &st) == 0) {
            mark = 0;
            *grew_kb = st.ts_rss_kb - base_kb > *grew_kb ? st.ts_rss_kb - base_kb : *grew_kb;
        }
    }
    if (dg != NULL) {
        gr_digest_end(dg, md);
    }
    gr_http_resp_free(&r);
    gr_http_close(&h);
    return rc;
}

int lab08_check_big_file(gr_ctx *ctx)
{
    const char *root = gr_docroot(ctx);
    char path[4096];
    unsigned char want[GR_DIGEST_MAX], got[GR_DIGEST_MAX];
    uint64_t size = 0;
    if (root == NULL) {
        return -1;
    }
    snprintf(path, sizeof path, "%s/big.bin", root);
    unsigned len = gr_digest_file(path, want, &size);
    long grew = 0;
    gr_tree_stats st = {0};
    if (len == 0 || fetch_big(ctx, got, 0, &grew) != 0) {
        return len == 0 ? gr_fail(ctx, "the grader cannot read its own %s", path) : -1;
    }
    if (memcmp(want, got, len) != 0) {
        char a[2 * GR_DIGEST_MAX + 1], b[2 * GR_DIGEST_MAX + 1];
        gr_fail(ctx, "GET /big.bin: the body's SHA-256 is not the file's");
        return gr_fail(ctx, "file %s, body %s", gr_digest_hex(want, len, a),
                       gr_digest_hex(got, len, b));
    }
    /* The second transfer, after the warm-up: a runtime's fixed cost is paid. */
    if (gr_server_stats(ctx, &st) != 0 || fetch_big(ctx, got, st.ts_rss_kb, &grew) != 0) {
        return gr_failed(ctx) ? -1 : gr_fail(ctx, "cannot read the server's memory in /proc");
    }
    gr_verbose(ctx, "memory growth over the second 64 MiB transfer: %ld KiB", grew);
    if (grew > GROWTH_MAX_KB) {
        gr_hint(ctx, "A file goes out in pieces, never whole in memory: a 64 MiB file must not "
                     "cost 64 MiB. In C: sendfile(sock, fd, &off, n) in a loop, or read() and "
                     "send() through one 64 KiB buffer. In Python: socket.sendfile(f), or "
                     "shutil.copyfileobj(f, wfile), not wfile.write(f.read()).");
        return gr_fail(ctx,
                       "the server grew by %ld MiB while sending a 64 MiB file (the second "
                       "time), more than %d MiB",
                       grew / 1024, GROWTH_MAX_KB / 1024);
    }
    return 0;
}

/* The pool lab.c starts this check's server with. */
#define POOL_THREADS 2

/* A request on @p h, answered 200 (the connection then holds a thread of
 * the pool for as long as it stays open). */
static int served(gr_ctx *ctx, gr_http *h, const char *what)
{
    static const char req[] = "GET /hello.txt HTTP/1.1\r\nHost: localhost\r\n\r\n";
    gr_http_resp r = {0};
    int rc = gr_http_expect(ctx, h, req, sizeof req - 1, 0, &r, what) ||
             lab08_want_status(ctx, req, &r, 200, what);
    gr_http_resp_free(&r);
    return rc;
}

/* A connection beyond the pool: 503 at once, Connection: close, the close. */
static int refused(gr_ctx *ctx, gr_http *h, const char *what)
{
    gr_http_resp r = {0};
    int got = gr_http_read(h, 0, gr_soon(ctx, 2000), &r);
    int rc = 0;
    if (got != GR_HTTP_OK || r.hr_status != 503) {
        gr_hint(ctx, "A pool has N threads; a connection beyond them would wait unseen behind "
                     "keep-alive clients, so it is told at once: 503 and a close. In C: count "
                     "the connections being served in admit() (verify_request) and answer 503 "
                     "there when the count is N. In Python: ThreadingHTTPServer has no pool: "
                     "a counter under a lock in verify_request(), and process_request_thread() "
                     "gives the place back.");
        rc = gr_http_fail(ctx, NULL, 0, &r, "%s: %s within 2 s of the connect, expected a 503",
                          what, got == GR_HTTP_OK ? "another status" : "no response");
    } else {
        rc = lab08_want_close(ctx, h, "", &r, what);
    }
    gr_http_resp_free(&r);
    return rc;
}

/* After a connection of the pool closes, a new one is served within 2 s:
 * the server sees the close when it sees it, so a 503 meanwhile is retried. */
static int served_again(gr_ctx *ctx)
{
    long until = gr_soon(ctx, 2000);
    for (int tries = 1;; tries++) {
        gr_http h;
        if (gr_http_connect(ctx, &h, "a connection after one of the pool closed") != 0) {
            return -1;
        }
        static const char req[] = "GET /hello.txt HTTP/1.1\r\nHost: localhost\r\n\r\n";
        gr_http_resp r = {0};
        int rc = gr_http_expect(ctx, &h, req, sizeof req - 1, 0, &r, "a request after a close");
        int status = r.hr_status;
        gr_http_resp_free(&r);
        gr_http_close(&h);
        if (rc == 0 && status == 200) {
            return 0;
        }
        if (rc != 0 || status != 503 || gr_now_ms() >= until) {
            return rc != 0 ? rc
                           : gr_fail(ctx,
                                     "after one of the pool's %d connections closed, a new "
                                     "one got %d (%d tries in 2 s): the place is given "
                                     "back when a connection ends",
                                     POOL_THREADS, status, tries);
        }
        poll(NULL, 0, 50);
    }
}

int lab08_check_pool(gr_ctx *ctx)
{
    gr_http h[POOL_THREADS + 1];
    gr_http_none(h, POOL_THREADS + 1);
    int rc = 0;
    for (int i = 0; i < POOL_THREADS && rc == 0; i++) {
        rc = gr_http_connect(ctx, &h[i], "a connection of the pool") ||
             served(ctx, &h[i], "a connection of the pool (at most --threads 2)");
    }
    rc = rc == 0 ? gr_http_connect(ctx, &h[POOL_THREADS], "one connection beyond the pool") : rc;
    rc =
        rc == 0 ? refused(ctx, &h[POOL_THREADS], "a third connection, the pool's 2 kept open") : rc;
    for (int i = 0; i < POOL_THREADS && rc == 0; i++) {
        rc = served(ctx, &h[i], "a second request on a connection of the pool");
    }
    gr_http_close(&h[0]);
    rc = rc == 0 ? served_again(ctx) : rc;
    gr_http_close_all(h, POOL_THREADS + 1);
    return rc;
}
