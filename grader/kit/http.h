/**
 * @file http.h
 * @brief The grader's HTTP/1.1 client side: requests sent on a ::gr_conn,
 *        responses read back whole (status line, fields, a body framed by
 *        Content-Length, chunked or the close), each with a deadline.
 *
 * A ::gr_http is a connection with a read-ahead buffer: bytes that came
 * after one response (a pipelined answer, or a second answer that should
 * not be there) stay for the next read. Reading never fails the check by
 * itself: it says what it saw (a response, a close, a reset, silence, bytes
 * that are not a response), and gr_http_expect() turns anything but a
 * response into a failure with a transcript. gzip bodies are decoded with
 * zlib here, and nowhere else in the grader.
 */
#ifndef SOCKLAB_GRADER_KIT_HTTP_H
#define SOCKLAB_GRADER_KIT_HTTP_H

#include "kit/conn.h"
#include "kit/kit.h"

#include <stddef.h>
#include <time.h>

/** Most fields a response may have that the reader keeps. */
#define GR_HTTP_MAX_FIELDS 64
/** Most bytes of a response head the reader takes. */
#define GR_HTTP_MAX_HEAD (64 * 1024)

/** gr_http_read(): a whole response was read. */
#define GR_HTTP_OK 0
/** gr_http_read(): the server closed before the first byte of a response. */
#define GR_HTTP_EOF 1
/** gr_http_read(): what came is not an HTTP response (hr_why says how). */
#define GR_HTTP_BAD 2
/* GR_CONN_CLOSED (a reset) and GR_CONN_TIMEOUT are the other outcomes. */

/** gr_http_read() flag: the request was HEAD, the response has no body. */
#define GR_HTTP_HEAD 0x1u

/** One field line of a response. */
typedef struct gr_http_field {
    const char *hf_name;  /**< as sent */
    const char *hf_value; /**< trimmed */
} gr_http_field;

/** How a response's body was framed. */
typedef enum gr_http_framing {
    GR_HTTP_NONE,    /**< no body (HEAD, 1xx, 204, 304) */
    GR_HTTP_LENGTH,  /**< Content-Length */
    GR_HTTP_CHUNKED, /**< Transfer-Encoding: chunked */
    GR_HTTP_TO_CLOSE /**< read until the server closed */
} gr_http_framing;

/** A response read by gr_http_read(); release with gr_http_resp_free(). */
typedef struct gr_http_resp {
    int hr_status;                               /**< 200 */
    int hr_minor;                                /**< 1 for HTTP/1.1, 0 for HTTP/1.0 */
    char *hr_head;                               /**< the head as sent, NUL-terminated */
    size_t hr_head_len;                          /**< its length, with the empty line */
    char *hr_fields_buf;                         /**< the fields' names and values */
    gr_http_field hr_fields[GR_HTTP_MAX_FIELDS]; /**< the fields, in order */
    size_t hr_nfields;                           /**< how many */
    unsigned char *hr_body;                      /**< the body (decoded from chunks) */
    size_t hr_body_len;                          /**< its length */
    gr_http_framing hr_framing;                  /**< how it was framed */
    struct gr_digest *hr_digest;                 /**< set before reading: the body goes
                                                      into this digest, not hr_body */
    char hr_why[160];                            /**< GR_HTTP_BAD: what was wrong */
} gr_http_resp;

/** A connection to the server under test, with its read-ahead. */
typedef struct gr_http {
    gr_conn h_conn;       /**< the connection */
    unsigned char *h_buf; /**< bytes read and not yet taken */
    size_t h_len;         /**< their count */
    size_t h_cap;         /**< allocated */
    int h_eof;            /**< the server closed its side */
    int h_reset;          /**< the connection was reset */
} gr_http;

/** @brief Mark @p n connections as not connected (gr_http_close() is then safe). */
void gr_http_none(gr_http *h, size_t n);

/**
 * @brief Connect to the server under test within the check's deadline.
 * @return 0, or gr_fail()'s value
 */
int gr_http_connect(gr_ctx *ctx, gr_http *h, const char *label);

/**
 * @brief Like gr_http_connect(), over the transport @p ops (TLS: the
 *        handshake done within the deadline), with a receive buffer of
 *        @p rcvbuf bytes (0: the default; small: the server's writes meet a
 *        full socket and must wait).
 * @return 0, or gr_fail()'s value
 */
int gr_http_connect_xport(gr_ctx *ctx, gr_http *h, const char *label, const gr_xport_ops *ops,
                          int rcvbuf);

/** @brief Close (FIN) and free. Safe to call twice. */
void gr_http_close(gr_http *h);

/** @brief gr_http_close() each of @p n. */
void gr_http_close_all(gr_http *h, size_t n);

/**
 * @brief Send @p n bytes by @p deadline.
 * @return 0, GR_CONN_CLOSED or GR_CONN_TIMEOUT
 */
int gr_http_send(gr_http *h, const void *buf, size_t n, long deadline);

/**
 * @brief Read one response by @p deadline.
 * @param h        the connection
 * @param flags    GR_HTTP_HEAD when the request was HEAD
 * @param deadline absolute, on the gr_now_ms() clock
 * @param r        filled in (hr_digest may be set before); free with gr_http_resp_free()
 * @return GR_HTTP_OK, GR_HTTP_EOF, GR_HTTP_BAD, GR_CONN_CLOSED or GR_CONN_TIMEOUT
 */
int gr_http_read(gr_http *h, unsigned flags, long deadline, gr_http_resp *r);

/** @brief Free what gr_http_read() filled in (not hr_digest); safe twice. */
void gr_http_resp_free(gr_http_resp *r);

/**
 * @brief Send @p req and read its response, by the check's quiet limit
 *        (gr_quiet_ms()) after the last byte sent, within its deadline.
 *        Anything but a response fails the check, with the request and what
 *        came back in a transcript; @p what names the request in messages.
 * @return 0, or gr_fail()'s value
 */
int gr_http_expect(gr_ctx *ctx, gr_http *h, const char *req, size_t nreq, unsigned flags,
                   gr_http_resp *r, const char *what);

/**
 * @brief Fail the check for response @p r to @p req, with both in the
 *        details (the request escaped, the response's head, a body's start).
 * @return gr_fail()'s value
 */
int gr_http_fail(gr_ctx *ctx, const char *req, size_t nreq, const gr_http_resp *r, const char *fmt,
                 ...) __attribute__((format(printf, 5, 6)));

/**
 * @brief Wait for the server to close the connection with nothing more.
 * @return 0 closed (or reset), 1 bytes came instead (in the read-ahead),
 *         GR_CONN_TIMEOUT
 */
int gr_http_wait_close(gr_http *h, long deadline);

/**
 * @brief Nothing at all by @p deadline? For "no response yet".
 * @return 1 quiet to the end, 0 bytes came (in the read-ahead), -1 closed or reset
 */
int gr_http_quiet_until(gr_http *h, long deadline);

/** @brief The first field named @p name (case-insensitive), or NULL. */
const char *gr_http_field_of(const gr_http_resp *r, const char *name);

/** @brief How many fields are named @p name. */
int gr_http_field_count(const gr_http_resp *r, const char *name);

/**
 * @brief Does the comma list @p value hold @p token (case-insensitive, each
 *        element trimmed, parameters after ';' left out)?
 */
int gr_http_has_token(const char *value, const char *token);

/** @brief Did the response say Connection: close? */
int gr_http_says_close(const gr_http_resp *r);

/**
 * @brief Parse an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") exactly.
 * @return 0 with *@p t set, or -1
 */
int gr_http_parse_date(const char *s, time_t *t);

/** @brief @p t as an IMF-fixdate into @p out (30 bytes). */
const char *gr_http_format_date(time_t t, char out[32]);

/**
 * @brief Decode a gzip stream (RFC 1952, one member) with zlib.
 * @return 0 with *@p out (malloc'd) and *@p outn, or -1 if it is not gzip
 *         or does not end where the bytes do
 */
int gr_http_gunzip(const void *in, size_t n, unsigned char **out, size_t *outn);

#endif
