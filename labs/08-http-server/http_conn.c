/* http_conn.c - one connection's life: read a request head, its body,
 * answer it, and again while the connection is kept.
 *
 * One recv() is not one request: it may bring part of a head, or the end
 * of one request and the start of the next (a pipelining client sends
 * several before reading any answer). So bytes go into a buffer that the
 * parser reads as often as more arrive, and what is left after a request
 * is the start of the next one. */
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

/* Wait for bytes and read some into dst[0..cap). */
static int wait_read(conn *c, char *dst, size_t cap, size_t *got)
{
    /* TODO(step 7): poll() the socket and c_cfg->cfg_stop_fd for at most
     * HS_IDLE_MS first: RD_TIMEOUT when nothing came, RD_STOP when the
     * server is stopping. Until then recv() waits for ever. */
    for (;;) {
        ssize_t r = recv(c->c_fd, dst, cap, 0);
        if (r < 0 && errno == EINTR) {
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
    /* TODO(step 2): one recv() is not a request. Loop: drop the empty
     * lines at the start (hp_empty_lines), parse what has come (with the
     * length seen last time), and fill() again while the parser says
     * HP_INCOMPLETE. TODO(step 7): a silence in the middle of a head is
     * HEAD_TIMEOUT (408); between requests it is HEAD_CLOSE. */
    if (fill(c) != RD_OK) {
        return HEAD_CLOSE;
    }
    ssize_t r = hp_parse_request(c->c_buf, c->c_len, 0, &c->c_rq);
    return r == HP_INCOMPLETE ? HEAD_CLOSE : r;
}

/* The body the head announces: 0, or a status to answer. */
static int read_body(conn *c, hs_exchange *ex)
{
    hp_body body;
    int rc = hp_body_framing(&c->c_rq, &body);
    c->c_body_len = 0;
    if (rc < 0) {
        ex->ex_close = 1; /* a transfer coding it cannot decode: the rest is unknown */
        return -rc;
    }
    /* TODO(step 6): a POST without a body is 411; a Content-Length over
     * HS_MAX_BODY is 413 at once; read the body into c_body (the bytes
     * already in c_buf after the head first), or decode a chunked one as
     * it comes (hp_chunked_decode), 413 once it grows over HS_MAX_BODY.
     * Until then only an empty body is taken. */
    if (body.b_kind == HP_BODY_NONE || (body.b_kind == HP_BODY_LENGTH && body.b_length == 0)) {
        return 0;
    }
    ex->ex_close = 1; /* the body is not read: what follows it is unknown */
    return 501;
}

/* Answer the request whose head is parsed: 0 to go on, -1 to close. */
static int serve_request(conn *c)
{
    const hp_request *rq = &c->c_rq;
    const hp_field *ae = hp_find_field(rq, "accept-encoding", NULL);
    /* TODO(step 5): keep the connection unless the request says
     * Connection: close (HTTP/1.1) or has no Connection: keep-alive
     * (HTTP/1.0). Until then every answer closes it. */
    hs_exchange ex = {.ex_fd = c->c_fd,
                      .ex_cfg = c->c_cfg,
                      .ex_rq = rq,
                      .ex_path = c->c_path,
                      .ex_head = rq->rq_method_id == HP_HEAD,
                      .ex_http10 = !hp_is_http11(rq),
                      .ex_close = 1,
                      .ex_gzip_ok = ae != NULL && hp_gzip_allowed(ae->f_value, ae->f_value_len)};
    c->c_path[0] = '\0';
    int status = read_body(c, &ex);
    ex.ex_body = c->c_body;
    ex.ex_body_len = c->c_body_len;
    /* TODO(step 3): a method other than GET, HEAD and POST is 501. */
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
        /* TODO(step 7): also stop when the server is stopping (cfg_stop_fd
         * is readable), so that SIGTERM does not wait for idle clients. */
        if (rc < 0) {
            break;
        }
    }
    free(c->c_body);
    free(c);
    return 0;
}
