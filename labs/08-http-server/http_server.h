/**
 * @file http_server.h
 * @brief What the files of lab 08's server share: the exchange (one
 *        request and the answer being made for it) and the functions each
 *        file gives the others.
 *
 * - http_conn.c: a connection's life: read a head, its body, answer, again
 *   while the connection is kept (persistence, pipelining, timeouts);
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
    const char *cfg_prog;    /**< the program's name, for messages */
    char cfg_root[PATH_MAX]; /**< DOCROOT, resolved (realpath) */
    size_t cfg_root_len;     /**< its length */
    int cfg_stop_fd;         /**< readable once the server is stopping */
    /* TODO(step 10): the TLS context of --cert and --key (an SSL_CTX), or NULL */
} hs_config;

/** One request and what its answer has decided so far. */
typedef struct hs_exchange {
    int ex_fd;               /**< the connection */
    /* TODO(step 10): the connection's transport (xport.h): every byte through it */
    const hs_config *ex_cfg; /**< the server's settings */
    const hp_request *ex_rq; /**< the request head */
    const char *ex_path;     /**< its path, percent-decoded (NUL-terminated) */
    const char *ex_body;     /**< its body (ex_body_len bytes), or NULL */
    size_t ex_body_len;      /**< its length */
    int ex_head;             /**< HEAD: the headers GET would send, no body */
    int ex_http10;           /**< an HTTP/1.0 request */
    int ex_close;            /**< close the connection after this answer */
    int ex_gzip_ok;          /**< the client accepts gzip */
    int ex_failed;           /**< a write failed: the connection is gone */
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

/** Serve one connection until it closes (the framework's handle()). */
int hs_serve_connection(int fd, const hs_config *cfg);

/* ---- http_response.c --------------------------------------------------------------- */

/** The reason phrase of @p status. */
const char *hs_reason(int status);

/** 1 if a response of this Content-Type may be gzipped (and says Vary). */
int hs_compressible(const char *type);

/** Send the status line and the headers. Returns 0, or -1 (ex_failed set). */
int hs_send_head(hs_exchange *ex, const hs_reply *r);

/** Send body bytes, unless the request is HEAD. Returns 0 or -1. */
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
 * gzip the first @p size bytes of the file @p fd (read with pread, so its
 * offset does not matter) and send them to @p sock, or with @p sock -1 only
 * count them: *out_len gets the compressed length. The output is the same
 * every time for the same bytes, so a count, then a send, agree.
 * Returns 0, or -1 (a read or a write failed).
 */
int hs_gzip_file(int fd, uint64_t size, int sock, uint64_t *out_len);

#endif
