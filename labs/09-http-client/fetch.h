/**
 * @file fetch.h
 * @brief What fetch's modules share: its exit statuses, and a transfer's
 *        options.
 *
 * Every failure has its own exit status, so that a script can tell a typo
 * in a URL from a server that is down or one that answers garbage. The
 * guide's table lists them; keep the two in step.
 */
#ifndef FETCH_FETCH_H
#define FETCH_FETCH_H

/** fetch's exit statuses, one per kind of failure. */
enum fetch_exit {
    FETCH_OK = 0,        /**< every URL fetched */
    FETCH_LOCAL = 1,     /**< a local failure: the output file cannot be written */
    FETCH_USAGE = 2,     /**< a bad command line */
    FETCH_BAD_URL = 3,   /**< a URL (or a Location) that cannot be parsed or is not http */
    FETCH_CONNECT = 4,   /**< the host cannot be resolved or reached, or dropped the connection */
    FETCH_TIMEOUT = 5,   /**< connecting or waiting for a byte took too long */
    FETCH_HTTP = 6,      /**< --fail, and the status was 400 or more */
    FETCH_REDIRECTS = 7, /**< more redirects than --max-redirs, or a loop */
    FETCH_MALFORMED = 8, /**< the response broke HTTP/1.1: a bad head, a short body */
    /* TODO(step 12): 9, TLS: the certificate refused, the handshake failed, or the stream
     * cut without close_notify */
};

#endif
