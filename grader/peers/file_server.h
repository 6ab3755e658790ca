/**
 * @file file_server.h
 * @brief A fake file server for checking an uploading client: the
 *        "NAME|SIZE\n", "OK\n", body, "DONE SIZE\n" protocol of lab 02's
 *        guide, honest or misbehaving.
 *
 * The fake reads the header line, answers, reads the body and compares it
 * with what the client should send, and records what it saw; the check
 * judges it after gr_fake_stop() (peers/fake.h).
 */
#ifndef SOCKLAB_GRADER_PEERS_FILE_SERVER_H
#define SOCKLAB_GRADER_PEERS_FILE_SERVER_H

#include "peers/fake.h"

#include <stddef.h>

/** The longest header line the fake keeps. */
#define GR_UPLOAD_HEADER_MAX 512

/** How the fake file server behaves. */
typedef enum gr_upload_mode {
    GR_UPLOAD_NORMAL,  /**< OK at once, DONE at the end */
    GR_UPLOAD_SLOW,    /**< OK after a pause and in two pieces; DONE in two pieces */
    GR_UPLOAD_ERR,     /**< "ERR disk full", then close */
    GR_UPLOAD_NO_DONE, /**< reads the whole body, then closes without DONE */
} gr_upload_mode;

/** The fake's plan, and what it saw (valid after gr_fake_stop()). */
typedef struct gr_upload {
    gr_upload_mode up_mode;               /**< how to behave */
    int up_pause_ms;                      /**< GR_UPLOAD_SLOW: the pause before OK */
    const unsigned char *up_body;         /**< what the client should send */
    size_t up_size;                       /**< its size */
    char up_header[GR_UPLOAD_HEADER_MAX]; /**< the header line, without its newline */
    int up_header_len;                    /**< its length; -1 until a whole line came */
    int up_early;                         /**< body bytes came before OK was sent */
    size_t up_got;                        /**< body bytes received */
    size_t up_diff;                       /**< the first differing byte, or up_size */
} gr_upload;

/**
 * @brief The fake file server's connection handler, for gr_fake_start();
 *        @p arg is a ::gr_upload, set up with its plan and up_header_len -1.
 */
void gr_file_server(gr_fake *f, gr_xport *x, void *arg);

#endif
