/**
 * @file http.h
 * @brief A fake HTTP/1.1 server for checking a student's HTTP client.
 *
 * It reads each request (head, and a body framed by Content-Length),
 * finds the route for its target, and sends the route's bytes exactly as
 * scripted: a well-formed response or a broken one (a body shorter or
 * longer than its Content-Length, a malformed head, chunk sizes split
 * across reads), in pieces when asked, and then closes the connection,
 * keeps it open and silent (a client that waits for the close instead
 * of framing the body hangs there), or reads the next request on it
 * (keep-alive). A route may also never answer, or answer nothing and
 * close (a dropped request), and may serve only its first few requests
 * (a 503 before a 200). Connections are served one at a time; every byte
 * received is kept (gr_fake_received()), and when each request came.
 */
#ifndef SOCKLAB_GRADER_PEERS_HTTP_H
#define SOCKLAB_GRADER_PEERS_HTTP_H

#include "peers/fake.h"

#include <stddef.h>

/** What a route does after its response. */
typedef enum gr_http_after {
    GR_HTTP_CLOSE = 0, /**< close the connection */
    GR_HTTP_HOLD,      /**< keep it open and say nothing more, until the client closes it or the
                            fake is stopped (what the client sends is kept, never answered) */
    GR_HTTP_SILENT,    /**< send nothing at all and hold the connection (a read timeout) */
    GR_HTTP_KEEP,      /**< read the next request on the connection (keep-alive) */
    GR_HTTP_CUT,       /**< end the stream below the transport (over TLS: no close_notify,
                            a truncation), then hold until the client closes */
} gr_http_after;

#define GR_HTTP_MAX_ROUTES 16 /**< routes in one script */
#define GR_HTTP_MAX_REQS 32   /**< requests whose arrival time is kept */

/** One scripted answer. */
typedef struct gr_http_route {
    const char *hr_target;   /**< request target to match ("/a?b"); NULL matches any */
    const char *hr_response; /**< the bytes sent, as they are ("" with GR_HTTP_CLOSE: the
                                  request dropped, the connection closed unanswered) */
    int hr_pieces;           /**< > 1: sent in that many pieces, hr_pause_ms apart */
    int hr_pause_ms;         /**< pause between pieces */
    gr_http_after hr_after;  /**< what follows the response */
    int hr_times;            /**< > 0: answers only that many requests; later ones go to the
                                  routes after it */
    int hr_delay_ms;         /**< wait this long before answering (a slow server) */
} gr_http_route;

/** A fake HTTP server's script, and what it saw. */
typedef struct gr_http_script {
    const gr_http_route *hs_routes;        /**< the routes, first match wins */
    size_t hs_nroutes;                     /**< their count */
    int hs_requests;                       /**< requests read (set by the server) */
    int hs_used[GR_HTTP_MAX_ROUTES];       /**< requests each route answered (set by the server) */
    long hs_at_ms[GR_HTTP_MAX_REQS];       /**< when each request's head was read (gr_now_ms()) */
    long hs_answered_ms[GR_HTTP_MAX_REQS]; /**< when the answer to each began (gr_now_ms()),
                                                or 0 */
} gr_http_script;

/** @brief The handler to give gr_fake_start() with a ::gr_http_script. */
void gr_http_fake(gr_fake *f, gr_xport *x, void *script);

#endif
