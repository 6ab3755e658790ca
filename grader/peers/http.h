/**
 * @file http.h
 * @brief A fake HTTP/1.1 server for checking a student's HTTP client.
 *
 * It reads each request (head, and a body framed by Content-Length),
 * finds the route for its target, and sends the route's bytes exactly as
 * scripted: a well-formed response or a broken one (a body shorter or
 * longer than its Content-Length, a malformed head, chunk sizes split
 * across reads), in pieces when asked, and then closes the connection,
 * or keeps it open and silent (a client that waits for the close instead
 * of framing the body hangs there). A route may also never answer.
 * Connections are served one at a time; every byte received is kept
 * (gr_fake_received()).
 */
#ifndef SOCKLAB_GRADER_PEERS_HTTP_H
#define SOCKLAB_GRADER_PEERS_HTTP_H

#include "peers/fake.h"

#include <stddef.h>

/** What a route does after its response. */
typedef enum gr_http_after {
    GR_HTTP_CLOSE = 0, /**< close the connection */
    GR_HTTP_HOLD,      /**< keep it open and say nothing more, until the fake is stopped */
    GR_HTTP_SILENT,    /**< send nothing at all and hold the connection (a read timeout) */
} gr_http_after;

/** One scripted answer. */
typedef struct gr_http_route {
    const char *hr_target;   /**< request target to match ("/a?b"); NULL matches any */
    const char *hr_response; /**< the bytes sent, as they are */
    int hr_pieces;           /**< > 1: sent in that many pieces, hr_pause_ms apart */
    int hr_pause_ms;         /**< pause between pieces */
    gr_http_after hr_after;  /**< what follows the response */
} gr_http_route;

/** A fake HTTP server's script, and what it saw. */
typedef struct gr_http_script {
    const gr_http_route *hs_routes; /**< the routes, first match wins */
    size_t hs_nroutes;              /**< their count */
    int hs_requests;                /**< requests read (set by the server) */
} gr_http_script;

/** @brief The handler to give gr_fake_start() with a ::gr_http_script. */
void gr_http_fake(gr_fake *f, gr_xport *x, void *script);

#endif
