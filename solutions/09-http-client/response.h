/**
 * @file response.h
 * @brief Reading an HTTP/1.1 response from a connection: its head (status
 *        line and header fields, 1xx interim responses skipped) and its
 *        body, framed by Content-Length, chunked coding, or the close.
 *
 * Functions return a ::fetch_exit status: FETCH_OK, or the failure's, with
 * @p err saying what was wrong. A read that times out (SO_RCVTIMEO) is
 * FETCH_TIMEOUT. Step 7 reads Retry-After, step 8 Connection, step 9
 * Set-Cookie, each a field here.
 */
#ifndef FETCH_RESPONSE_H
#define FETCH_RESPONSE_H

#include "rio.h"
#include "url.h"

#include <stdio.h>

#define RS_COOKIES_MAX 8192 /**< bytes of Set-Cookie values kept from one head */

/** What a response's head said. */
typedef struct response {
    int rs_status;                 /**< 200 */
    char rs_reason[128];           /**< "OK" (may be empty) */
    int rs_chunked;                /**< 1: Transfer-Encoding: chunked */
    long long rs_length;           /**< Content-Length, or -1 when none */
    char rs_location[URL_MAX + 1]; /**< Location, or "" */
    long rs_after_ms;              /**< Retry-After in milliseconds, or -1 */
    int rs_http10;                 /**< 1: an HTTP/1.0 response */
    int rs_close;                  /**< 1: Connection: close */
    int rs_keep_alive;             /**< 1: Connection: keep-alive (what HTTP/1.0 needs) */
    char rs_cookies[RS_COOKIES_MAX]; /**< the Set-Cookie values, each ended by a NUL */
    size_t rs_cookies_len;           /**< bytes used in rs_cookies */
    int rs_cookies_dropped;          /**< Set-Cookie values that did not fit */
} response;

/**
 * @brief Read a response head, skipping 1xx interim responses.
 * @param rp   the connection's reader
 * @param rs   filled in
 * @param echo where to copy the final head as received (fetch -i), or NULL
 * @param err  what was wrong (SL_ERR_LEN bytes)
 * @return FETCH_OK, FETCH_TIMEOUT, FETCH_CONNECT (closed before a head),
 *         or FETCH_MALFORMED
 */
int response_read_head(sl_rio *rp, response *rs, FILE *echo, char *err);

/**
 * @brief Does the response to a request with @p method carry a body?
 *        (Not after HEAD, nor with 204 or 304.)
 */
int response_has_body(const response *rs, const char *method);

/**
 * @brief May the connection carry another request after this response?
 *        (HTTP/1.1 without Connection: close, or HTTP/1.0 with
 *        Connection: keep-alive; and a body that ends before the close.)
 */
int response_keeps_connection(const response *rs, const char *method);

/**
 * @brief Read the body as the head frames it, writing it to @p out.
 * @return FETCH_OK; FETCH_MALFORMED for a bad chunk or a body cut short;
 *         FETCH_TIMEOUT; FETCH_LOCAL when @p out cannot be written
 */
int response_read_body(sl_rio *rp, const response *rs, FILE *out, char *err);

#endif
