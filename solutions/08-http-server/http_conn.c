/* http_conn.c - one connection's life: read a request head, its body,
 * answer it, and again while the connection is kept.
 *
 * One recv() is not one request: it may bring part of a head, or the end
 * of one request and the start of the next (a pipelining client sends
 * several before reading any answer). So bytes go into a buffer that the
 * parser reads as often as more arrive, and what is left after a request
 * is the start of the next one.
 *
 * Every wait is a poll() on the socket and on the server's stop pipe,
 * with the idle timeout: a connection that says nothing for HS_IDLE_MS is
 * closed (with a 408 if it was in the middle of a request), and a server
 * that is stopping closes its idle connections at once. */
#include "http_server.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* The head buffer: the longest head the limits allow fits. */
#define HEAD_BUF (HP_MAX_METHOD + HP_MAX_TARGET + HP_MAX_FIELD_BYTES + 1024)

/* What a wait for bytes ended with. */
enum { RD_OK, RD_CLOSED, RD_TIMEOUT, RD_STOP };

/* Besides a head's length or a parser's error, read_head() may answer: */
enum { HEAD_CLOSE = -2, HEAD_TIMEOUT = -3 };

/* One connection: its bytes not yet used, the request being read. */
typedef struct conn {
    int c_fd;
    const hs_config *c_cfg;
    char c_buf[HEAD_BUF]; /* the head being served, then bytes not yet used */
    size_t c_len;
    size_t c_head; /* the head being served: the parse points into it */
    char *c_body;  /* the request's body (malloc'd, kept between requests) */
    size_t c_body_len;
    size_t c_body_cap;
    hp_request c_rq;
    char c_path[HP_MAX_TARGET + 1]; /* the target's path, decoded */
} conn;

/* Wait for bytes (at most HS_IDLE_MS) and read some into dst[0..cap). */
static int wait_read(conn *c, char *dst, size_t cap, size_t *got)
{
    struct pollfd p[2] = {{.fd = c->c_fd, .events = POLLIN},
                          {.fd = c->c_cfg->cfg_stop_fd, .events = POLLIN}};
    for (;;) {
        int n = poll(p, 2, HS_IDLE_MS);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n == 0) {
            return RD_TIMEOUT;
        }
        if (n < 0 || p[1].revents != 0) {
            return n < 0 ? RD_CLOSED : RD_STOP;
        }
        ssize_t r = recv(c->c_fd, dst, cap, 0);
        if (r < 0 && (errno == EINTR || errno == EAGAIN)) {
            continue;
        }
        if (r <= 0) {
            return RD_CLOSED; /* the client left, or reset the connection */
        }
        *got = (size_t)r;
        return RD_OK;
    }
}

/* More bytes at the end of the buffer. */
static int fill(conn *c)
{
    size_t got = 0;
    int rd = wait_read(c, c->c_buf + c->c_len, HEAD_BUF - c->c_len, &got);
    c->c_len += got;
    return rd;
}

/* The bytes after the head, not yet used, and how many there are. */
static char *unused(conn *c, size_t *n)
{
    *n = c->c_len - c->c_head;
    return c->c_buf + c->c_head;
}

/* Drop the first @p n of the bytes after the head. */
static void consume(conn *c, size_t n)
{
    char *p = c->c_buf + c->c_head;
    memmove(p, p + n, c->c_len - c->c_head - n);
    c->c_len -= n;
}

/* Read until a head is complete: its length, a parser error, HEAD_CLOSE
 * (the client left or stayed silent between requests) or HEAD_TIMEOUT. */
static ssize_t read_head(conn *c)
{
    size_t prev = 0;
    for (;;) {
        size_t empty = hp_empty_lines(c->c_buf, c->c_len);
        if (empty > 0) {
            consume(c, empty); /* before a request: ignored, and not kept */
            prev = 0;
        }
        if (c->c_len > 0) {
            ssize_t r = hp_parse_request(c->c_buf, c->c_len, prev, &c->c_rq);
            if (r != HP_INCOMPLETE) {
                return r;
            }
            prev = c->c_len;
        }
        if (c->c_len == HEAD_BUF) {
            return HP_ERR_FIELDS_TOO_LARGE; /* the limits make this unreachable */
        }
        int rd = fill(c);
        if (rd != RD_OK) {
            return rd == RD_TIMEOUT && c->c_len > 0 ? HEAD_TIMEOUT : HEAD_CLOSE;
        }
    }
}

/* Room for @p n body bytes. */
static int body_room(conn *c, size_t n)
{
    if (n <= c->c_body_cap) {
        return 0;
    }
    char *p = realloc(c->c_body, n);
    if (p == NULL) {
        return -1;
    }
    c->c_body = p;
    c->c_body_cap = n;
    return 0;
}

/* What reading a body gave: 0, a status to answer, or one of these. */
enum { BODY_CLOSE = -2, BODY_TIMEOUT = 408 };

static int body_wait_result(int rd)
{
    return rd == RD_TIMEOUT ? BODY_TIMEOUT : BODY_CLOSE;
}

/* A body of Content-Length @p n (at most HS_MAX_BODY). */
static int read_length_body(conn *c, size_t n)
{
    if (body_room(c, n) < 0) {
        return 500;
    }
    size_t avail = 0;
    const char *p = unused(c, &avail);
    size_t have = avail < n ? avail : n;
    if (have > 0) {
        memcpy(c->c_body, p, have); /* (c_body is still NULL before a first body) */
        consume(c, have);
    }
    while (have < n) {
        size_t got = 0;
        int rd = wait_read(c, c->c_body + have, n - have, &got);
        if (rd != RD_OK) {
            return body_wait_result(rd);
        }
        have += got;
    }
    c->c_body_len = n;
    return 0;
}

/* A chunked body: decoded as it comes, refused once over HS_MAX_BODY. */
static int read_chunked_body(conn *c)
{
    hp_chunked ch;
    hp_chunked_init(&ch);
    while (!hp_chunked_done(&ch)) {
        size_t avail = 0, used = 0;
        if (c->c_len == c->c_head) {
            int rd = fill(c);
            if (rd != RD_OK) {
                return body_wait_result(rd);
            }
        }
        const char *in = unused(c, &avail);
        if (body_room(c, c->c_body_len + avail) < 0) {
            return 500;
        }
        ssize_t got = hp_chunked_decode(&ch, c->c_body + c->c_body_len, in, avail, &used);
        if (got < 0) {
            return (int)-got;
        }
        c->c_body_len += (size_t)got;
        consume(c, used);
        if (ch.ch_total + ch.ch_remaining > HS_MAX_BODY) {
            return 413; /* said, or about to be: no need to read it */
        }
    }
    return 0;
}

/* The body the head announces: 0, or a status (or BODY_CLOSE). */
static int read_body(conn *c, hs_exchange *ex)
{
    hp_body body;
    int rc = hp_body_framing(&c->c_rq, &body);
    c->c_body_len = 0;
    if (rc < 0) {
        ex->ex_close = 1; /* a transfer coding it cannot decode: the rest is unknown */
        return -rc;
    }
    if (body.b_kind == HP_BODY_NONE) {
        return c->c_rq.rq_method_id == HP_POST ? 411 : 0;
    }
    if (body.b_kind == HP_BODY_LENGTH) {
        return body.b_length > HS_MAX_BODY ? 413 : read_length_body(c, (size_t)body.b_length);
    }
    return read_chunked_body(c);
}

/* Connection: close or keep-alive, and HTTP/1.0's default. */
static int wants_close(const hp_request *rq)
{
    if (hp_is_http11(rq)) {
        return hp_field_has_token(rq, "connection", "close");
    }
    return !hp_field_has_token(rq, "connection", "keep-alive");
}

/* Answer the request whose head is parsed: 0 to go on, -1 to close. */
static int serve_request(conn *c)
{
    const hp_request *rq = &c->c_rq;
    const hp_field *ae = hp_find_field(rq, "accept-encoding", NULL);
    hs_exchange ex = {.ex_fd = c->c_fd,
                      .ex_cfg = c->c_cfg,
                      .ex_rq = rq,
                      .ex_path = c->c_path,
                      .ex_head = rq->rq_method_id == HP_HEAD,
                      .ex_http10 = !hp_is_http11(rq),
                      .ex_close = wants_close(rq),
                      .ex_gzip_ok = ae != NULL && hp_gzip_allowed(ae->f_value, ae->f_value_len)};
    c->c_path[0] = '\0';
    int status = read_body(c, &ex);
    if (status == BODY_CLOSE) {
        return -1;
    }
    ex.ex_body = c->c_body;
    ex.ex_body_len = c->c_body_len;
    if (status == 0 && rq->rq_method_id == HP_METHOD_OTHER) {
        status = 501;
    }
    if (status == 0 &&
        hp_decode_path(rq->rq_target, rq->rq_target_len, c->c_path, sizeof c->c_path) < 0) {
        status = 400;
    }
    if (status != 0) {
        hs_send_error(&ex, status, NULL, NULL);
    } else if (hs_is_api_path(c->c_path)) {
        hs_serve_api(&ex);
    } else {
        hs_serve_static(&ex);
    }
    return ex.ex_close || ex.ex_failed ? -1 : 0;
}

/* 1 once the server is stopping. */
static int stopping(const conn *c)
{
    struct pollfd p = {.fd = c->c_cfg->cfg_stop_fd, .events = POLLIN};
    return poll(&p, 1, 0) > 0;
}

/* A head the parser refused, or a silence mid-request: the status, then close. */
static void refuse(conn *c, int status)
{
    hs_exchange ex = {.ex_fd = c->c_fd, .ex_cfg = c->c_cfg, .ex_close = 1};
    hs_send_error(&ex, status, NULL, NULL);
}

int hs_serve_connection(int fd, const hs_config *cfg)
{
    conn *c = calloc(1, sizeof *c);
    if (c == NULL) {
        return -1;
    }
    c->c_fd = fd;
    c->c_cfg = cfg;
    /* Small answers go out at once (no Nagle wait for the next write), and a
     * client that never reads cannot hold a write for ever. */
    int one = 1;
    struct timeval tv = {.tv_sec = HS_IDLE_MS / 1000};
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    for (;;) {
        ssize_t head = read_head(c);
        if (head == HEAD_CLOSE) {
            break;
        }
        if (head < 0) {
            refuse(c, head == HEAD_TIMEOUT ? 408 : (int)-head);
            break;
        }
        c->c_head = (size_t)head;
        int rc = serve_request(c);
        c->c_head = 0;
        consume(c, (size_t)head); /* the next request starts after it */
        if (rc < 0 || stopping(c)) {
            break;
        }
    }
    free(c->c_body);
    free(c);
    return 0;
}
