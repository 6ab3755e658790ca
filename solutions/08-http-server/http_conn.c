/* http_conn.c - one connection's life: read a request head, its body,
 * answer it, and again while the connection is kept.
 *
 * One recv() is not one request: it may bring part of a head, or the end
 * of one request and the start of the next (a pipelining client sends
 * several before reading any answer). So bytes go into a buffer that the
 * parser reads as often as more arrive, and what is left after a request
 * is the start of the next one.
 *
 * The connection is a state machine on a non-blocking socket: a step reads
 * and writes until the socket would block (EAGAIN), then says what it
 * waits for (more bytes, or room to write). Two drivers run it: the
 * framework's thread, which waits in poll() on its one socket and the
 * server's stop pipe (hs_serve_connection, below), and the epoll loop that
 * runs every connection from one thread (http_loop.c). Either one gives the
 * idle timeout: a connection that moves no byte for HS_IDLE_MS is closed
 * (with a 408 if it was in the middle of a request), and a server that is
 * stopping closes its idle connections at once. */
#include "http_server.h"

#include "xport_tls.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

/* The head buffer: the longest head the limits allow fits. */
#define HEAD_BUF (HP_MAX_METHOD + HP_MAX_TARGET + HP_MAX_FIELD_BYTES + 1024)
/* The most sendfile() is asked for at once, and gzip's slice. */
#define FILE_STEP (1u << 20)
#define GZIP_STEP 16384
#define TLS_STEP 16384 /* a TLS record's most */

/* Where a connection is. */
enum { C_HEAD, C_BODY_LENGTH, C_BODY_CHUNKED, C_WRITE };

/* What a read for the request gave. */
enum { RD_OK, RD_AGAIN, RD_CLOSED };

/* What sending gave. */
enum { TX_DONE, TX_AGAIN, TX_FAILED };

struct hs_conn {
    int c_fd;
    sl_xport c_x; /* plain TCP, or TLS (--cert): every byte goes through it */
    const hs_config *c_cfg;
    int c_state;
    int c_stopping;       /* the server stops: close after this answer */
    char c_buf[HEAD_BUF]; /* the head being served, then bytes not yet used */
    size_t c_len;
    size_t c_head; /* the head being served: the parse points into it */
    size_t c_prev; /* the bytes the parser saw last time */
    char *c_body;  /* the request's body (malloc'd, kept between requests) */
    size_t c_body_len;
    size_t c_body_cap;
    size_t c_body_want; /* C_BODY_LENGTH: its Content-Length */
    hp_chunked c_chunked;
    hp_request c_rq;
    hs_exchange c_ex;
    char c_path[HP_MAX_TARGET + 1]; /* the target's path, decoded */
    hs_out c_out;                   /* the answer's bytes not yet sent */
    hs_file c_file;                 /* and the file after them */
};

hs_conn *hs_conn_new(int fd, const hs_config *cfg)
{
    hs_conn *c = calloc(1, sizeof *c);
    if (c == NULL) {
        return NULL;
    }
    c->c_fd = fd;
    c->c_cfg = cfg;
    c->c_file.f_fd = -1;
    sl_xport_plain(&c->c_x, fd);
    if (cfg->cfg_tls != NULL && sl_xport_tls_server(&c->c_x, fd, cfg->cfg_tls) < 0) {
        free(c);
        return NULL;
    }
    /* Small answers go out at once: no Nagle wait for the next write. */
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return c;
}

/* The file part is sent, or abandoned. */
static void file_done(hs_conn *c)
{
    hs_gzip_close(c->c_file.f_gzip);
    if (c->c_file.f_fd >= 0) {
        close(c->c_file.f_fd);
    }
    c->c_file = (hs_file){.f_fd = -1};
}

void hs_conn_end(hs_conn *c)
{
    (void)sl_xport_shutdown(&c->c_x); /* TLS: close_notify, if it fits now */
    sl_xport_release(&c->c_x);        /* then plain, on no fd: a second call does nothing */
}

void hs_conn_free(hs_conn *c)
{
    if (c != NULL) {
        hs_conn_end(c);
        file_done(c);
        free(c->c_out.o_buf);
        free(c->c_body);
        free(c);
    }
}

/* ---- reading ------------------------------------------------------------------------ */

/* What the transport's last "try again" waits for: TLS may need to write
 * in order to read (a handshake message), or to read in order to write. */
static int want_of(const hs_conn *c)
{
    return c->c_x.x_want == SL_WANT_WRITE ? HS_WANT_WRITE : HS_WANT_READ;
}

/* Read what has arrived into dst[0..cap). */
static int read_some(hs_conn *c, char *dst, size_t cap, size_t *got)
{
    ssize_t r = sl_xport_read(&c->c_x, dst, cap);
    if (r == SL_XPORT_AGAIN) {
        return RD_AGAIN;
    }
    if (r <= 0) {
        return RD_CLOSED; /* the client left, reset the connection, or broke TLS */
    }
    *got = (size_t)r;
    return RD_OK;
}

/* More bytes at the end of the buffer. */
static int fill(hs_conn *c)
{
    size_t got = 0;
    int rd = read_some(c, c->c_buf + c->c_len, HEAD_BUF - c->c_len, &got);
    c->c_len += got;
    return rd;
}

/* The bytes after the head, not yet used, and how many there are. */
static char *unused(hs_conn *c, size_t *n)
{
    *n = c->c_len - c->c_head;
    return c->c_buf + c->c_head;
}

/* Drop the first @p n of the bytes after the head. */
static void consume(hs_conn *c, size_t n)
{
    char *p = c->c_buf + c->c_head;
    memmove(p, p + n, c->c_len - c->c_head - n);
    c->c_len -= n;
}

/* Room for @p n body bytes. */
static int body_room(hs_conn *c, size_t n)
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

/* ---- answering ------------------------------------------------------------------------ */

/* What a step of one state gives: go on with the next state, or an hs_want. */
#define STEP_ON (-1)

/* An exchange for an answer with no request to go by: closed after it. */
static void bare_exchange(hs_conn *c)
{
    c->c_ex = (hs_exchange){
        .ex_out = &c->c_out, .ex_file = &c->c_file, .ex_cfg = c->c_cfg, .ex_close = 1};
}

/* The error page for @p status, then close: a head the parser refused, a
 * silence in the middle of a request. */
static int refuse(hs_conn *c, int status)
{
    c->c_ex.ex_close = 1;
    hs_send_error(&c->c_ex, status, NULL, NULL);
    c->c_state = C_WRITE;
    return STEP_ON;
}

/* The request and its body are in (@p status 0), or its body was refused
 * (a status): the answer goes to c_out and c_file, then C_WRITE. */
static int answer(hs_conn *c, int status)
{
    hs_exchange *ex = &c->c_ex;
    const hp_request *rq = &c->c_rq;
    ex->ex_body = c->c_body;
    ex->ex_body_len = c->c_body_len;
    if (status == 0 && rq->rq_method_id == HP_METHOD_OTHER) {
        status = 501;
    }
    if (status == 0 &&
        hp_decode_path(rq->rq_target, rq->rq_target_len, c->c_path, sizeof c->c_path) < 0) {
        status = 400;
    }
    if (status != 0) {
        hs_send_error(ex, status, NULL, NULL);
    } else if (hs_is_api_path(c->c_path)) {
        hs_serve_api(ex);
    } else {
        hs_serve_static(ex);
    }
    size_t head = c->c_head; /* the answer is made: the head can go */
    c->c_head = 0;
    consume(c, head);
    c->c_state = C_WRITE;
    return STEP_ON;
}

/* Connection: close or keep-alive, and HTTP/1.0's default. */
static int wants_close(const hp_request *rq)
{
    if (hp_is_http11(rq)) {
        return hp_field_has_token(rq, "connection", "close");
    }
    return !hp_field_has_token(rq, "connection", "keep-alive");
}

/* A head of @p head bytes is parsed: the exchange, and the body it announces. */
static int start_request(hs_conn *c, size_t head)
{
    const hp_request *rq = &c->c_rq;
    const hp_field *ae = hp_find_field(rq, "accept-encoding", NULL);
    c->c_ex =
        (hs_exchange){.ex_out = &c->c_out,
                      .ex_file = &c->c_file,
                      .ex_cfg = c->c_cfg,
                      .ex_rq = rq,
                      .ex_path = c->c_path,
                      .ex_head = rq->rq_method_id == HP_HEAD,
                      .ex_http10 = !hp_is_http11(rq),
                      .ex_close = wants_close(rq),
                      .ex_gzip_ok = ae != NULL && hp_gzip_allowed(ae->f_value, ae->f_value_len)};
    c->c_head = head;
    c->c_prev = 0;
    c->c_path[0] = '\0';
    c->c_body_len = 0;
    hp_body body;
    int rc = hp_body_framing(rq, &body);
    if (rc < 0) {
        c->c_ex.ex_close = 1; /* a transfer coding it cannot decode: the rest is unknown */
        return answer(c, -rc);
    }
    if (body.b_kind == HP_BODY_NONE) {
        return answer(c, rq->rq_method_id == HP_POST ? 411 : 0);
    }
    if (body.b_kind == HP_BODY_CHUNKED) {
        hp_chunked_init(&c->c_chunked);
        c->c_state = C_BODY_CHUNKED;
        return STEP_ON;
    }
    if (body.b_length > HS_MAX_BODY) {
        return answer(c, 413);
    }
    if (body_room(c, (size_t)body.b_length) < 0) {
        c->c_ex.ex_close = 1; /* the body is not read: what follows is unknown */
        return answer(c, 500);
    }
    c->c_body_want = (size_t)body.b_length;
    c->c_state = C_BODY_LENGTH;
    return STEP_ON;
}

/* C_HEAD: read until a head is complete. */
static int step_head(hs_conn *c)
{
    size_t empty = hp_empty_lines(c->c_buf, c->c_len);
    if (empty > 0) {
        consume(c, empty); /* before a request: ignored, and not kept */
        c->c_prev = 0;
    }
    if (c->c_len > 0) {
        ssize_t r = hp_parse_request(c->c_buf, c->c_len, c->c_prev, &c->c_rq);
        if (r >= 0) {
            return start_request(c, (size_t)r);
        }
        if (r != HP_INCOMPLETE) {
            bare_exchange(c);
            return refuse(c, (int)-r);
        }
        c->c_prev = c->c_len;
    }
    if (c->c_len == HEAD_BUF) {
        bare_exchange(c); /* the limits make this unreachable */
        return refuse(c, 431);
    }
    int rd = fill(c);
    return rd == RD_OK ? STEP_ON : rd == RD_AGAIN ? want_of(c) : HS_WANT_CLOSE;
}

/* C_BODY_LENGTH: a body of Content-Length c_body_want (at most HS_MAX_BODY). */
static int step_length_body(hs_conn *c)
{
    size_t avail = 0, want = c->c_body_want - c->c_body_len;
    const char *p = unused(c, &avail);
    size_t take = avail < want ? avail : want;
    if (take > 0) {
        memcpy(c->c_body + c->c_body_len, p, take);
        consume(c, take);
        c->c_body_len += take;
    }
    while (c->c_body_len < c->c_body_want) {
        size_t got = 0;
        int rd = read_some(c, c->c_body + c->c_body_len, c->c_body_want - c->c_body_len, &got);
        if (rd != RD_OK) {
            return rd == RD_AGAIN ? want_of(c) : HS_WANT_CLOSE;
        }
        c->c_body_len += got;
    }
    return answer(c, 0);
}

/* C_BODY_CHUNKED: decoded as it comes, refused once over HS_MAX_BODY. */
static int step_chunked_body(hs_conn *c)
{
    hp_chunked *ch = &c->c_chunked;
    while (!hp_chunked_done(ch)) {
        size_t avail = 0, used = 0;
        if (c->c_len == c->c_head) {
            int rd = fill(c);
            if (rd != RD_OK) {
                return rd == RD_AGAIN ? want_of(c) : HS_WANT_CLOSE;
            }
        }
        const char *in = unused(c, &avail);
        if (body_room(c, c->c_body_len + avail) < 0) {
            c->c_ex.ex_close = 1;
            return answer(c, 500);
        }
        ssize_t got = hp_chunked_decode(ch, c->c_body + c->c_body_len, in, avail, &used);
        if (got < 0) {
            return answer(c, (int)-got);
        }
        c->c_body_len += (size_t)got;
        consume(c, used);
        if (ch->ch_total + ch->ch_remaining > HS_MAX_BODY) {
            return answer(c, 413); /* said, or about to be: no need to read it */
        }
    }
    return answer(c, 0);
}

/* ---- writing ------------------------------------------------------------------------ */

/* The next gzipped slice of the file into c_out: 1, 0 at its end, -1. */
static int gzip_more(hs_conn *c)
{
    hs_file *f = &c->c_file;
    if (hs_out_reserve(&c->c_out, GZIP_STEP) < 0) {
        return -1;
    }
    ssize_t n =
        hs_gzip_read(f->f_gzip, (unsigned char *)c->c_out.o_buf + c->c_out.o_len, GZIP_STEP);
    if (n < 0 || hs_gzip_total(f->f_gzip) > f->f_left ||
        (n == 0 && hs_gzip_total(f->f_gzip) != f->f_left)) {
        return -1; /* the file changed since its length was counted: the framing is lost */
    }
    c->c_out.o_len += (size_t)n;
    return n > 0;
}

/* sendfile() what the socket takes of the file's range: TX_*. */
static int send_range(hs_conn *c)
{
    hs_file *f = &c->c_file;
    while (f->f_left > 0) {
        off_t off = (off_t)f->f_off;
        size_t want = f->f_left > FILE_STEP ? FILE_STEP : (size_t)f->f_left;
        ssize_t n = sendfile(c->c_fd, f->f_fd, &off, want);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            c->c_x.x_want = SL_WANT_WRITE;
            return TX_AGAIN;
        }
        if (n <= 0) {
            return TX_FAILED; /* a write error, or the file got shorter */
        }
        f->f_off += (uint64_t)n;
        f->f_left -= (uint64_t)n;
    }
    return TX_DONE;
}

/* The next slice of the file's range into c_out, for TLS (sendfile() would
 * bypass it): 1, 0 at the range's end, -1. */
static int slice_more(hs_conn *c)
{
    hs_file *f = &c->c_file;
    size_t want = f->f_left > TLS_STEP ? TLS_STEP : (size_t)f->f_left;
    if (want == 0) {
        return 0;
    }
    if (hs_out_reserve(&c->c_out, want) < 0) {
        return -1;
    }
    ssize_t n = pread(f->f_fd, c->c_out.o_buf + c->c_out.o_len, want, (off_t)f->f_off);
    if (n <= 0) {
        return -1; /* a read error, or the file got shorter */
    }
    c->c_out.o_len += (size_t)n;
    f->f_off += (uint64_t)n;
    f->f_left -= (uint64_t)n;
    return 1;
}

/* Some of c_out's bytes, through the transport. Plain TCP with a file to
 * follow by sendfile() takes the kernel's other shortcut, MSG_MORE, so that
 * a small answer's head and body leave in one segment. */
static ssize_t send_some(hs_conn *c, const char *p, size_t n)
{
    if (!sl_xport_is_plain(&c->c_x) || c->c_file.f_fd < 0 || c->c_file.f_gzip != NULL) {
        return sl_xport_write(&c->c_x, p, n);
    }
    ssize_t put;
    while ((put = send(c->c_fd, p, n, MSG_NOSIGNAL | MSG_MORE)) < 0 && errno == EINTR) {
    }
    if (put < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        c->c_x.x_want = SL_WANT_WRITE;
        return SL_XPORT_AGAIN;
    }
    return put;
}

/* Send c_out's bytes: TX_*. */
static int send_out(hs_conn *c)
{
    hs_out *o = &c->c_out;
    while (o->o_start < o->o_len) {
        ssize_t n = send_some(c, o->o_buf + o->o_start, o->o_len - o->o_start);
        if (n < 0) {
            return n == SL_XPORT_AGAIN ? TX_AGAIN : TX_FAILED;
        }
        o->o_start += (size_t)n;
    }
    return TX_DONE;
}

/* Everything queued, as far as the socket takes it: TX_*. */
static int transmit(hs_conn *c)
{
    for (;;) {
        int tx = send_out(c);
        if (tx != TX_DONE || c->c_file.f_fd < 0) {
            return tx;
        }
        if (c->c_file.f_gzip != NULL || !sl_xport_is_plain(&c->c_x)) {
            int more = c->c_file.f_gzip != NULL ? gzip_more(c) : slice_more(c);
            if (more < 0) {
                return TX_FAILED;
            }
            if (more == 0) {
                file_done(c);
            }
            continue;
        }
        tx = send_range(c);
        if (tx != TX_DONE) {
            return tx;
        }
        file_done(c);
    }
}

/* C_WRITE: send the answer; then the next request, or the close. */
static int step_write(hs_conn *c)
{
    int tx = transmit(c);
    if (tx != TX_DONE) {
        return tx == TX_AGAIN ? want_of(c) : HS_WANT_CLOSE;
    }
    if (c->c_ex.ex_close || c->c_ex.ex_failed || c->c_stopping) {
        return HS_WANT_CLOSE;
    }
    c->c_state = C_HEAD;
    /* Nothing left of what came: the driver's wait says when more comes
     * (a recv() now would most often be an EAGAIN for nothing), unless TLS
     * holds the rest of a record, which the wait would not see. */
    return c->c_len == 0 && sl_xport_pending(&c->c_x) == 0 ? HS_WANT_READ : STEP_ON;
}

/* ---- the machine, and its drivers --------------------------------------------------- */

int hs_conn_step(hs_conn *c)
{
    for (;;) {
        int w;
        if (c->c_stopping && c->c_state != C_WRITE) {
            return HS_WANT_CLOSE; /* waiting for a request, or its body: the server stops */
        }
        switch (c->c_state) {
        case C_HEAD:
            w = step_head(c);
            break;
        case C_BODY_LENGTH:
            w = step_length_body(c);
            break;
        case C_BODY_CHUNKED:
            w = step_chunked_body(c);
            break;
        default:
            w = step_write(c);
            break;
        }
        if (w != STEP_ON) {
            return w;
        }
    }
}

int hs_conn_timeout(hs_conn *c)
{
    if (c->c_state == C_WRITE || (c->c_state == C_HEAD && c->c_len == 0)) {
        return HS_WANT_CLOSE; /* a client that does not read, or says nothing */
    }
    if (c->c_state == C_HEAD) {
        bare_exchange(c);
    }
    refuse(c, 408); /* in the middle of a request */
    return hs_conn_step(c);
}

int hs_conn_stop(hs_conn *c)
{
    c->c_stopping = 1;
    return hs_conn_step(c);
}

int hs_serve_connection(int fd, const hs_config *cfg)
{
    int flags = fcntl(fd, F_GETFL);
    hs_conn *c =
        flags >= 0 && fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0 ? hs_conn_new(fd, cfg) : NULL;
    if (c == NULL) {
        return -1;
    }
    int want = hs_conn_step(c), stopping = 0;
    while (want != HS_WANT_CLOSE) {
        struct pollfd p[2] = {{.fd = fd, .events = want == HS_WANT_READ ? POLLIN : POLLOUT},
                              {.fd = cfg->cfg_stop_fd, .events = POLLIN}};
        int n = poll(p, stopping ? 1 : 2, HS_IDLE_MS);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            break;
        }
        if (n == 0) {
            want = hs_conn_timeout(c); /* nothing moved for HS_IDLE_MS */
        } else if (!stopping && p[1].revents != 0) {
            stopping = 1;
            want = hs_conn_stop(c);
        } else {
            want = hs_conn_step(c);
        }
    }
    hs_conn_free(c);
    return 0;
}
