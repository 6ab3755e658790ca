/* response.c - an HTTP/1.1 response read from a connection (RFC 9112): the
 * head line by line, then the body as the head frames it. */
#include "response.h"

#include "err.h"
#include "fetch.h"

#include <errno.h>
#include <string.h>

#define LINE_MAX_LEN 8192 /* longest head, chunk-size or trailer line */

/* The status of a failed read: a timeout, or a lost connection. */
static int read_failure(const char *what, char *err)
{
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
        sl_err_set(err, "timed out waiting for the %s", what);
        return FETCH_TIMEOUT;
    }
    sl_err_errno(err, "reading the %s", what);
    return FETCH_CONNECT;
}

/* Read one line into buf without its CRLF (or bare LF). *len is its
 * length. EOF before a whole line is FETCH_MALFORMED, or eof_status when
 * nothing at all came. */
static int read_line(sl_rio *rp, char *buf, size_t n, size_t *len, const char *what, int eof_status,
                     char *err)
{
    ssize_t got = sl_rio_readline(rp, buf, n);
    if (got < 0 && errno == EMSGSIZE) {
        sl_err_set(err, "the %s is longer than %zu bytes", what, n - 2);
        return FETCH_MALFORMED;
    }
    if (got < 0) {
        return read_failure(what, err);
    }
    if (got == 0 || buf[got - 1] != '\n') {
        sl_err_set(err, "the connection closed %s the %s", got == 0 ? "before" : "inside", what);
        return got == 0 ? eof_status : FETCH_MALFORMED;
    }
    got--;
    if (got > 0 && buf[got - 1] == '\r') {
        got--;
    }
    buf[got] = '\0';
    *len = (size_t)got;
    return FETCH_OK;
}

int response_read_head(sl_rio *rp, response *rs, FILE *echo, char *err)
{
    memset(rs, 0, sizeof *rs);
    rs->rs_length = -1;
    char line[LINE_MAX_LEN];
    size_t len = 0;
    int rc = read_line(rp, line, sizeof line, &len, "status line", FETCH_CONNECT, err);
    if (rc != FETCH_OK) {
        return rc;
    }
    /* TODO(step 1): parse the status line ("HTTP/1.x NNN reason") into
     * rs_status and rs_reason, then read header lines up to the empty one:
     * Content-Length into rs_length. Copy the head to echo when not NULL.
     * TODO(step 2): refuse what cannot be framed (exit 8): a bad status
     * line, a line without a colon, a Content-Length that is not digits or
     * two that disagree; Transfer-Encoding: chunked sets rs_chunked; skip
     * 1xx responses (read the next head). TODO(step 5): Location. */
    (void)echo;
    sl_err_set(err, "TODO(step 1): parse the status line \"%.60s\"", line);
    return FETCH_MALFORMED;
}

int response_has_body(const response *rs, const char *method)
{
    /* TODO(step 3): no body after HEAD, nor with 204 or 304. */
    (void)method;
    (void)rs;
    return 1;
}

int response_read_body(sl_rio *rp, const response *rs, FILE *out, char *err)
{
    /* TODO(step 1): copy exactly rs_length bytes to out (sl_rio_read() in
     * a loop), or everything up to the close when rs_length < 0; the close
     * before rs_length bytes is an error (exit 8).
     * TODO(step 2): the chunked coding: hex size lines (extensions after
     * ';'), the chunk's bytes and CRLF, up to the 0 chunk and trailers. */
    (void)rp;
    (void)rs;
    (void)out;
    sl_err_set(err, "TODO(step 1): read the body");
    return FETCH_MALFORMED;
}
