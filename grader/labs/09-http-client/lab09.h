/* lab09.h - what lab 09's check files share: a scenario is one run of the
 * student's fetch against the grader's fake HTTP server, and what must
 * come of it. */
#ifndef SOCKLAB_GRADER_LAB09_H
#define SOCKLAB_GRADER_LAB09_H

#include "kit/ca_run.h"
#include "kit/kit.h"
#include "peers/http.h"

#define LAB09_MAX_SENT 6
#define LAB09_MAX_REQS 6

/** What one request of a run must hold, and must not. */
typedef struct lab09_req {
    const char *rq_has[4];   /**< texts it must hold */
    const char *rq_lacks[6]; /**< texts it must not */
} lab09_req;

/** A judgment of what the server received (got, n bytes), beyond the texts. */
typedef int (*lab09_judge_fn)(gr_ctx *ctx, const char *got, size_t n, const void *arg);

/** One run of fetch and what it must do. */
typedef struct lab09_scenario {
    const char *sc_args;            /**< fetch's arguments, shell-quoted; {url} becomes
                                         http://127.0.0.1:PORT of the fake server, {closed}
                                         the same with a port where nothing listens */
    const gr_http_route *sc_routes; /**< the fake server's script */
    size_t sc_nroutes;
    int sc_exit;                         /**< the exit status it must have */
    const char *sc_stdout;               /**< what it must print, exactly, or NULL: not looked at */
    const char *sc_sent[LAB09_MAX_SENT]; /**< texts the server must have received, in order */
    const char *sc_not_sent;             /**< a text it must not have received, or NULL */
    int sc_requests;                     /**< requests the server must have read, or -1: any */
    const char *sc_file;                 /**< with -o dl/out.bin: what the file must hold, or NULL
                                              when it must not exist (and dl/ be left empty) */
    int sc_uses_file;                    /**< 1: the run writes dl/out.bin */
    int sc_max_ms;                       /**< it must end within this (before scaling), or 0 */
    int sc_connections;                  /**< connections the requests must come on, or 0 */
    int sc_min_gap_ms[LAB09_MAX_REQS];   /**< request i+1 at least this long after request i */
    int sc_retry_lines;                  /**< lines on stderr that must say "retry" */
    lab09_req sc_req[LAB09_MAX_REQS];    /**< what each request must hold, in order */
    lab09_judge_fn sc_judge;             /**< a judgment of its own, or NULL */
    const void *sc_judge_arg;            /**< what it is given */
    int sc_upload;                       /**< 1: upload.bin is written beside fetch first */
    int sc_no_cr_stderr;                 /**< 1: stderr must hold no CR (no progress bar) */
    int sc_tls;                          /**< 1: the server speaks TLS (step 12) with the test
                                              CA's sc_cert (its intermediate too, unless
                                              sc_leaf_only); ca.pem, the root, beside fetch;
                                              {surl} is https://localhost:PORT */
    gr_cert sc_cert;                     /**< the certificate it sends */
    int sc_leaf_only;                    /**< 1: without its intermediate */
} lab09_scenario;

/** @brief The bytes of the upload.bin that sc_upload writes (*n of them). */
const unsigned char *lab09_upload_bytes(size_t *n);

#define LAB09_MAX_SERVERS 4

/** A run of fetch --parallel against several slow servers (concurrent.c). */
typedef struct lab09_parallel {
    const char *pl_args;            /**< fetch's arguments: {s0}..{s3} are the servers' URLs,
                                         {closed} one where nothing listens */
    const gr_http_route *pl_routes; /**< server i answers with pl_routes[i] */
    int pl_nservers;                /**< how many servers */
    int pl_exit;                    /**< the exit status it must have */
    const char *pl_stdout;          /**< the bodies, in URL order */
    int pl_before_first;            /**< requests that must have come before the first answer,
                                         or 0: not looked at */
    const char *pl_named[2];        /**< URLs stderr must name (they fail) */
    int pl_max_ms;                  /**< it must end within this (before scaling), or 0 */
} lab09_parallel;

/** @brief Run the lab09_parallel in gr_arg(ctx). */
int lab09_check_parallel(gr_ctx *ctx);

extern const lab09_parallel lab09_parallel_overlap, lab09_parallel_order, lab09_parallel_limit,
    lab09_parallel_errors, lab09_parallel_timeout;

/**
 * @brief Judge a run request by request: the connections they came on,
 *        the waits between them, what each held, the retries on stderr.
 * @param got what the server received, over all connections, in order
 * @return 0, or -1 after gr_fail()
 */
int lab09_judge_requests(gr_ctx *ctx, const lab09_scenario *sc, const char *got,
                         const gr_http_script *script, int connections, const char *stderr_text);

/** @brief Run one scenario and judge it. */
int lab09_run_scenario(gr_ctx *ctx, const lab09_scenario *sc);

/** @brief Run the scenario in gr_arg(ctx). */
int lab09_check_scenario(gr_ctx *ctx);

/** @brief Run each scenario of the array in gr_arg(ctx) (ended by one with
 *         sc_args NULL), stopping at the first failure. */
int lab09_check_scenarios(gr_ctx *ctx);

extern const lab09_scenario lab09_get_length, lab09_get_close, lab09_request_target,
    lab09_bad_url[], lab09_no_server, lab09_chunked, lab09_interim, lab09_short_body,
    lab09_long_body, lab09_malformed[], lab09_head[], lab09_post_form, lab09_post_json,
    lab09_headers[], lab09_header_crlf[], lab09_output_file, lab09_output_partial, lab09_fail,
    lab09_redirect_relative, lab09_redirect_303, lab09_redirect_307, lab09_redirect_loop,
    lab09_redirect_limit[], lab09_read_timeout, lab09_body_timeout, lab09_retry_backoff,
    lab09_retry_after, lab09_retry_limit[], lab09_retry_post[], lab09_keep_alive, lab09_keep_done,
    lab09_keep_idle, lab09_cookies, lab09_cookie_redirect, lab09_connect_timeout, lab09_query[],
    lab09_ipv6_literal, lab09_multipart, lab09_https_get[], lab09_https_refused[],
    lab09_https_truncated;

/** @brief A 256 KiB download to -o, sent over a third of a second: nothing on stderr
 *         that redraws a line (no progress bar when stderr is not a terminal). */
int lab09_check_quiet(gr_ctx *ctx);

#endif
