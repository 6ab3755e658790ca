/**
 * @file http_server.h
 * @brief What the files of lab 08's server share: the exchange (one
 *        request and the answer being made for it) and the functions each
 *        file gives the others.
 *
 * - http_conn.c: a connection's life as a state machine on a non-blocking
 *   socket: read a head, its body, answer, again while the connection is
 *   kept (persistence, pipelining, timeouts); and its driver for the
 *   framework's threads, which waits in poll();
 * - http_loop.c: the other driver, one thread and epoll for every
 *   connection (--strategy epoll);
 * - http_response.c: the answer's bytes: status line, headers, error pages;
 * - http_static.c: files under DOCROOT;
 * - http_api.c: the JSON API under /api;
 * - http_gzip.c: gzip with zlib, of a buffer or of a file as it is sent.
 */
#ifndef LAB08_HTTP_SERVER_H
#define LAB08_HTTP_SERVER_H

#include "http_parse.h"

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

/** Most bytes of a request body. */
#define HS_MAX_BODY (1024 * 1024)
/** How long a connection may send nothing (ms): idle, it is closed; in
 *  the middle of a request, it gets 408. */
#define HS_IDLE_MS 5000
/** The Server field. */
#define HS_SERVER_NAME "socklab-http/1.0"

/** The server's settings, shared by every connection (read-only). */
typedef struct hs_config {
    const char *cfg_prog;       /**< the program's name, for messages */
    char cfg_root[PATH_MAX];    /**< DOCROOT, resolved (realpath) */
    size_t cfg_root_len;        /**< its length */
    int cfg_root_fd;            /**< DOCROOT opened (O_PATH), for openat2() */
    int cfg_stop_fd;            /**< readable once the server is stopping */
    struct ssl_ctx_st *cfg_tls; /**< --cert: the TLS context (an SSL_CTX), or NULL */
} hs_config;

/** An answer's bytes waiting to be sent: o_buf[o_start, o_len). */
typedef struct hs_out {
    char *o_buf;    /**< malloc'd, kept for the connection's life */
    size_t o_start; /**< the first byte not yet sent */
    size_t o_len;   /**< one past the last */
    size_t o_cap;   /**< its size */
} hs_out;

typedef struct hs_gzip hs_gzip;

/** The part of an answer that comes from a file, after the bytes of hs_out:
 *  f_left bytes from f_off with sendfile(), or the gzip stream f_gzip. */
typedef struct hs_file {
    int f_fd;        /**< the open file, or -1: none */
    uint64_t f_off;  /**< sendfile(): the next byte */
    uint64_t f_left; /**< sendfile(): the bytes still to send */
    hs_gzip *f_gzip; /**< or, not NULL, the file gzipped as it is sent */
} hs_file;

/** One request and what its answer has decided so far. */
typedef struct hs_exchange {
    hs_out *ex_out;          /**< where the answer's bytes go */
    hs_file *ex_file;        /**< where a file body is named */
    const hs_config *ex_cfg; /**< the server's settings */
    const hp_request *ex_rq; /**< the request head */
    const char *ex_path;     /**< its path, percent-decoded (NUL-terminated) */
    const char *ex_body;     /**< its body (ex_body_len bytes), or NULL */
    size_t ex_body_len;      /**< its length */
    int ex_head;             /**< HEAD: the headers GET would send, no body */
    int ex_http10;           /**< an HTTP/1.0 request */
    int ex_close;            /**< close the connection after this answer */
    int ex_gzip_ok;          /**< the client accepts gzip */
    int ex_failed;           /**< no memory for the answer: close */
} hs_exchange;

/** What the head of an answer says. */
typedef struct hs_reply {
    int r_status;        /**< the status code */
    const char *r_type;  /**< Content-Type, or NULL for none */
    uint64_t r_length;   /**< Content-Length */
    int r_no_length;     /**< 1: no Content-Length (304) */
    int r_gzip;          /**< Content-Encoding: gzip */
    time_t r_mtime;      /**< Last-Modified, or -1 for none */
    int r_ranges;        /**< Accept-Ranges: bytes */
    const char *r_extra; /**< more header lines, each with its CRLF, or NULL */
} hs_reply;

/* ---- http_conn.c ------------------------------------------------------------------ */

/** A connection's state machine (opaque). */
typedef struct hs_conn hs_conn;

/** What a connection waits for after a step. */
enum hs_want { HS_WANT_READ, HS_WANT_WRITE, HS_WANT_CLOSE };

/** A connection on the non-blocking socket @p fd (not closed by hs_conn_free). */
hs_conn *hs_conn_new(int fd, const hs_config *cfg);

/** End its transport before its fd is closed (TLS: close_notify, if it fits now). */
void hs_conn_end(hs_conn *c);

/** Free it (ending its transport, if not yet) and the file it may be sending. */
void hs_conn_free(hs_conn *c);

/** Read, answer and write as far as the socket lets it: an hs_want. */
int hs_conn_step(hs_conn *c);

/** HS_IDLE_MS passed with no byte moved: close, or 408 if mid-request. */
int hs_conn_timeout(hs_conn *c);

/** The server stops: close if waiting for a request, else finish the answer. */
int hs_conn_stop(hs_conn *c);

/** Serve one connection until it closes, waiting in poll() (the framework's handle()). */
int hs_serve_connection(int fd, const hs_config *cfg);

/* ---- http_loop.c ------------------------------------------------------------------- */

/**
 * Serve every connection of the listening socket @p lfd from this thread
 * with epoll, until cfg_stop_fd is readable and the answers in flight are
 * sent. Returns 0, or -1 with errno set (epoll failed).
 */
int hs_serve_loop(int lfd, const hs_config *cfg);

/* ---- http_response.c --------------------------------------------------------------- */

/** The reason phrase of @p status. */
const char *hs_reason(int status);

/** 1 if a response of this Content-Type may be gzipped (and says Vary). */
int hs_compressible(const char *type);

/** Room for @p n more bytes at the end of @p o. Returns 0 or -1. */
int hs_out_reserve(hs_out *o, size_t n);

/** The status line and the headers, into ex_out. Returns 0, or -1 (ex_failed set). */
int hs_send_head(hs_exchange *ex, const hs_reply *r);

/** Body bytes into ex_out, unless the request is HEAD. Returns 0 or -1. */
int hs_send_body(hs_exchange *ex, const void *p, size_t n);

/**
 * Send an error page for @p status: a small HTML body naming it, and
 * @p detail (HTML-escaped here) if not NULL; @p extra header lines or NULL.
 * The statuses after which a connection cannot go on close it.
 */
int hs_send_error(hs_exchange *ex, int status, const char *extra, const char *detail);

/** Send an answer whose whole body is in memory, gzipped when it may be. */
int hs_send_buffer(hs_exchange *ex, int status, const char *type, const void *body, size_t n,
                   const char *extra);

/** The bytes of a 503 answer for a connection the full pool refuses. */
size_t hs_busy_response(char *out, size_t cap);

/* ---- http_static.c and http_api.c ------------------------------------------------------ */

/** Answer a GET, HEAD or POST for a file under DOCROOT. */
int hs_serve_static(hs_exchange *ex);

/** 1 if the path is the API's (/api, or under /api/). */
int hs_is_api_path(const char *path);

/** Answer a request for the API. */
int hs_serve_api(hs_exchange *ex);

/* ---- http_gzip.c ------------------------------------------------------------------- */

/** gzip @p n bytes into a new buffer (*out, freed by the caller). 0 or -1. */
int hs_gzip_buffer(const void *in, size_t n, unsigned char **out, size_t *out_len);

/**
 * A gzip stream of the first @p size bytes of the file @p fd (read with
 * pread, so its offset does not matter; fd stays the caller's), or NULL.
 */
hs_gzip *hs_gzip_open(int fd, uint64_t size);

/**
 * The next compressed bytes, at most @p cap, into @p out: how many, 0 at
 * the end, or -1 (a read failed, or the file got shorter).
 */
ssize_t hs_gzip_read(hs_gzip *g, unsigned char *out, size_t cap);

/** The compressed bytes the stream has given so far. */
uint64_t hs_gzip_total(const hs_gzip *g);

/** Free the stream. */
void hs_gzip_close(hs_gzip *g);

/**
 * The gzipped length of the first @p size bytes of @p fd, into *out_len:
 * the stream run once to count. zlib's output is the same every time for
 * the same bytes, so a count, then a send, agree. Returns 0 or -1.
 */
int hs_gzip_length(int fd, uint64_t size, uint64_t *out_len);

#endif
