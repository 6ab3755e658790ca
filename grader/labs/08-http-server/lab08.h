/* lab08.h - what lab 08's check files share (private to the lab): the
 * document root's files, one request on a fresh connection, the
 * properties every response has, and the check functions lab.c lists. */
#ifndef SOCKLAB_GRADER_LAB08_H
#define SOCKLAB_GRADER_LAB08_H

#include "kit/ca_run.h"
#include "kit/http.h"
#include "kit/kit.h"

#include <stddef.h>
#include <time.h>

/* Every file's modification time in the document root: Tue, 14 Nov 2023
 * 22:13:20 GMT. */
#define LAB08_MTIME 1700000000L
/* The size of big.bin, fetched by hash. */
#define LAB08_BIG (64 * MiB)
/** The file the HTTPS checks fetch through a small window. */
#define LAB08_TLS_FILE (2 * MiB)
/** The test CA's folder, beside the document root (kit/ca_run.h). */
#define LAB08_TLS_DIR "tls"
/* What every byte of a file outside DOCROOT starts with: no response may
 * hold it. */
#define LAB08_SECRET "SOCKLAB-SECRET"
/* The contract's limits. */
#define LAB08_BODY_MAX (1024 * 1024)
#define LAB08_TARGET_MAX 8000
#define LAB08_FIELDS_BYTES 16384
#define LAB08_FIELDS_MAX 100

/* docroot.c: fill the folder {docroot} stands for (gr_lab::lab_docroot). */
int lab08_docroot(gr_ctx *ctx, const char *top);

/* Write @p n bytes as TOP/@p name, with the document root's mtime. */
int lab08_write(gr_ctx *ctx, const char *top, const char *name, const void *bytes, size_t n);

/* browser.c: the browser check's page and what it loads, in www/browser. */
int lab08_browser_docroot(gr_ctx *ctx, const char *top);

/* A file of the document root, read whole (malloc'd; NULL with a failure). */
unsigned char *lab08_file(gr_ctx *ctx, const char *name, size_t *n);

/* One request on a fresh connection; the response in @p r. */
int lab08_request(gr_ctx *ctx, const char *req, unsigned flags, gr_http_resp *r, const char *what);

/* lab08_request(), failing unless the status is @p want. */
int lab08_status(gr_ctx *ctx, const char *req, unsigned flags, int want, gr_http_resp *r,
                 const char *what);

/* Fail unless @p r's status is @p want. */
int lab08_want_status(gr_ctx *ctx, const char *req, const gr_http_resp *r, int want,
                      const char *what);

/* Fail unless field @p name of @p r is exactly @p value (NULL: absent). */
int lab08_want_field(gr_ctx *ctx, const char *req, const gr_http_resp *r, const char *name,
                     const char *value, const char *what);

/* Date (an IMF-fixdate), Server, and the body framed by Content-Length. */
int lab08_want_common(gr_ctx *ctx, const char *req, const gr_http_resp *r, const char *what);

/* After @p r: Connection: close in it, then the close and nothing more. */
int lab08_want_close(gr_ctx *ctx, gr_http *h, const char *req, const gr_http_resp *r,
                     const char *what);

/* After @p r: the connection stays open (a second request is answered). */
int lab08_want_open(gr_ctx *ctx, gr_http *h, const char *req, const gr_http_resp *r,
                    const char *what);

/* After @p r: nothing but what the connection's next state says. A
 * response with Connection: close must be followed by the close alone,
 * any other by the answer to a second request: either way a byte the
 * response did not frame shows, whether or not the server keeps
 * connections yet. */
int lab08_want_nothing_after(gr_ctx *ctx, gr_http *h, const char *req, const gr_http_resp *r,
                             const char *what);

/* @p method @p target (with an empty body) must be 405 with an Allow field
 * naming exactly the methods of @p allow ("GET, HEAD"), in any order. */
int lab08_want_405(gr_ctx *ctx, const char *method, const char *target, const char *allow);

/* A GET request for @p target with Host and @p extra fields (each ending
 * CRLF), into @p out. */
const char *lab08_get(char *out, size_t cap, const char *method, const char *target,
                      const char *extra);

/* One probe of a set: a request and the status it must get. */
typedef struct lab08_probe {
    const char *pr_what; /* what is wrong with it, for messages */
    const char *pr_req;  /* the request bytes (NUL-terminated, no NUL inside) */
    int pr_status;       /* the status the contract gives it */
} lab08_probe;

/* A set of probes, each on its own connection: the status, a close after
 * it (closing statuses), never a second response. */
int lab08_probe_set(gr_ctx *ctx, const lab08_probe *set, size_t n);

/* Checks, by file. */
int lab08_check_static_get(gr_ctx *ctx);
int lab08_check_static_head(gr_ctx *ctx);
int lab08_check_static_types(gr_ctx *ctx);
int lab08_check_not_found(gr_ctx *ctx);
int lab08_check_probes(gr_ctx *ctx);
int lab08_check_uri_limit(gr_ctx *ctx);
int lab08_check_header_limits(gr_ctx *ctx);
int lab08_check_index(gr_ctx *ctx);
int lab08_check_traversal(gr_ctx *ctx);
int lab08_check_symlinks(gr_ctx *ctx);
int lab08_check_forbidden(gr_ctx *ctx);
int lab08_check_keep_alive(gr_ctx *ctx);
int lab08_check_connection_close(gr_ctx *ctx);
int lab08_check_http10(gr_ctx *ctx);
int lab08_check_pipelining(gr_ctx *ctx);
int lab08_check_split(gr_ctx *ctx);
int lab08_check_bodies(gr_ctx *ctx);
int lab08_check_body_limits(gr_ctx *ctx);
int lab08_check_api_routes(gr_ctx *ctx);
int lab08_check_api_escaping(gr_ctx *ctx);
int lab08_check_api_users(gr_ctx *ctx);
int lab08_check_html_escape(gr_ctx *ctx);
int lab08_check_truncated(gr_ctx *ctx);
int lab08_check_timeouts(gr_ctx *ctx);
int lab08_check_concurrent(gr_ctx *ctx);
int lab08_check_https_get(gr_ctx *ctx);
int lab08_check_https_big(gr_ctx *ctx);
int lab08_check_https_stalled(gr_ctx *ctx);
int lab08_check_https_plaintext(gr_ctx *ctx);
int lab08_check_https_curl(gr_ctx *ctx);
int lab08_check_slowloris(gr_ctx *ctx);
int lab08_check_big_file(gr_ctx *ctx);
int lab08_check_sigterm(gr_ctx *ctx);
int lab08_check_pool(gr_ctx *ctx);
int lab08_check_conditional(gr_ctx *ctx);
int lab08_check_gzip(gr_ctx *ctx);
int lab08_check_gzip_choice(gr_ctx *ctx);
int lab08_check_ranges(gr_ctx *ctx);
int lab08_check_curl(gr_ctx *ctx);
int lab08_check_browser(gr_ctx *ctx);

#endif
