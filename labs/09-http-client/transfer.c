/* transfer.c - one URL fetched: a connection, the request written in one
 * piece, the response read, and (step 5) redirects followed. */
#include "transfer.h"

#include "addr.h"
#include "err.h"
#include "fetch.h"
#include "response.h"
#include "rio.h"
#include "url.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Connect to u's host and port. Sets *fdp; returns a fetch_exit status. */
static int open_connection(const url *u, const transfer_opts *o, int *fdp, char *err)
{
    /* TODO(step 6): a non-blocking connect() waited for with poll() for at
     * most o->to_connect_timeout_ms, then SO_RCVTIMEO and SO_SNDTIMEO of
     * o->to_read_timeout_ms; a timeout is FETCH_TIMEOUT. */
    (void)o;
    char why[SL_ERR_LEN];
    int fd = sl_addr_connect(u->u_host, u->u_port, why);
    if (fd < 0) {
        sl_err_set(err, "cannot connect to %s port %s: %s", u->u_host, u->u_port, why);
        return FETCH_CONNECT;
    }
    *fdp = fd;
    return FETCH_OK;
}

/* The request's bytes, in a malloc'd buffer (*len bytes), or NULL. */
static char *build_request(const transfer_opts *o, const url *u, const char *method,
                           const char *body, size_t *len)
{
    /* TODO(step 1): "GET target HTTP/1.1\r\n", then Host, User-Agent,
     * Accept and Connection: close, and the empty line (open_memstream()
     * gives a FILE * that writes into a malloc'd buffer).
     * TODO(step 3): the method; o->to_headers, each replacing fetch's own of
     * the same name; a body with its Content-Type and Content-Length. */
    (void)o;
    (void)u;
    (void)method;
    (void)body;
    (void)len;
    errno = ENOSYS;
    return NULL;
}

static int send_request(int fd, const transfer_opts *o, const url *u, const char *method,
                        const char *body, char *err)
{
    size_t len = 0;
    char *req = build_request(o, u, method, body, &len);
    if (req == NULL) {
        sl_err_errno(err, "TODO(step 1): build the request");
        return FETCH_LOCAL;
    }
    ssize_t sent = sl_rio_writen(fd, req, len);
    free(req);
    if (sent < 0) {
        sl_err_errno(err, "sending the request");
        return FETCH_CONNECT;
    }
    return FETCH_OK;
}

/* One request and its response on a connection of its own. */
static int one_request(const transfer_opts *o, const url *u, const char *method, const char *body,
                       FILE *out, char *err)
{
    int fd = -1;
    int rc = open_connection(u, o, &fd, err);
    if (rc != FETCH_OK || (rc = send_request(fd, o, u, method, body, err)) != FETCH_OK) {
        goto out;
    }
    sl_rio *rp = malloc(sizeof *rp);
    if (rp == NULL) {
        sl_err_errno(err, "out of memory");
        rc = FETCH_LOCAL;
        goto out;
    }
    sl_rio_init(rp, fd);
    response rs;
    rc = response_read_head(rp, &rs, NULL, err);
    /* TODO(step 4): with o->to_fail, a status of 400 or more is FETCH_HTTP
     * and no body is written. TODO(step 3): -i (o->to_include) writes the
     * head first. */
    if (rc == FETCH_OK && response_has_body(&rs, method)) {
        rc = response_read_body(rp, &rs, out, err);
    }
    free(rp);
out:
    if (fd >= 0) {
        close(fd);
    }
    return rc;
}

int transfer_fetch(const transfer_opts *o, const char *text, FILE *out, char *err)
{
    char why[SL_ERR_LEN] = "";
    url u;
    int rc = url_parse(text, &u, why) < 0 ? FETCH_BAD_URL : FETCH_OK;
    if (rc == FETCH_OK) {
        rc = one_request(o, &u, o->to_method, o->to_body, out, why);
    }
    /* TODO(step 5): follow 301, 302, 303, 307 and 308 (RFC 9110's method
     * rules), at most o->to_max_redirs times, and report a loop. */
    if (rc != FETCH_OK) {
        sl_err_set(err, "%.100s: %s", text, why);
    }
    return rc;
}
