/**
 * @file reply.h
 * @brief What a reply that differs from the expected bytes did, told from
 *        the bytes alone, so that a check's hint can follow the cause.
 *
 * A bug leaves its shape in the bytes a server sends back. Code that treats
 * binary data as a C string stops, or skips ahead, exactly where the data
 * holds a NUL byte; print()-style code adds a newline; a send() whose count
 * is ignored loses a stretch from the middle. gr_reply_compare() lines the
 * reply up with the expected bytes, stretch by stretch, and counts what it
 * saw; the predicates below say whether a shape was seen clearly enough to
 * name it. A shape the bytes do not show clearly is never named: the check
 * then gives its general hint. gr_echo_cause() puts it all together for an
 * echo server: what the bytes, the connection and the server's output show,
 * and the hint for it.
 */
#ifndef SOCKLAB_GRADER_KIT_REPLY_H
#define SOCKLAB_GRADER_KIT_REPLY_H

#include "engine/grader.h"
#include "kit/conn.h"

#include <stddef.h>

/** What gr_reply_compare() saw. */
typedef struct gr_reply_diff {
    size_t rd_at;                /**< the first byte that differs, or the reply's length when
                                      it is a prefix of the expected bytes */
    int rd_prefix;               /**< the reply is a prefix of the expected bytes: it stopped
                                      short (or had not all arrived) */
    size_t rd_gaps;              /**< stretches of expected bytes missing from the reply, after
                                      each of which it went on with later expected bytes */
    size_t rd_gaps_at_nul;       /**< of those, how many began at a NUL byte */
    int rd_end_at_nul;           /**< the expected byte after the reply's last one is a NUL */
    size_t rd_added;             /**< bytes the reply has at rd_at that were never expected,
                                      after which it goes on with the expected bytes (or ends) */
    unsigned char rd_added_byte; /**< the first of them */
    int rd_changed;              /**< after rd_at, or after a gap, came bytes that are no
                                      later expected bytes: changed, not lost */
} gr_reply_diff;

/**
 * @brief Line @p got up with @p want and say how it differs.
 *
 * Walks the reply from its first difference: a few unexpected bytes after
 * which the expected ones resume are an addition; a stretch of expected
 * bytes after which the reply resumes further on (matched on 8 bytes or
 * more) is a gap, and the walk goes on after it. Socket-free.
 */
void gr_reply_compare(const void *want, size_t nwant, const void *got, size_t ngot,
                      gr_reply_diff *d);

/**
 * @brief Did the reply stop or skip ahead exactly at NUL bytes, and only
 *        there, at least @p seen times? (A C string's view of binary data.)
 *
 * Each place counts once: a gap that began at a NUL, and the reply's end
 * when a NUL came next. With random data one such place can be chance
 * (1 in 256); two cannot. Data made to put a NUL right after some text
 * needs only one.
 */
int gr_reply_cut_at_nul(const gr_reply_diff *d, size_t seen);

/** @brief gr_reply_compare() on what @p c expected and received so far. */
void gr_reply_of(const gr_conn *c, gr_reply_diff *d);

/**
 * @brief Did the server end @p c's connection: end of file, or a reset
 *        (ECONNRESET, EPIPE) seen while sending or receiving?
 */
int gr_reply_peer_closed(const gr_conn *c);

/* ---- the cause of a failed echo, and its hint ------------------------------------- */

/** What gr_echo_cause() saw. */
typedef enum gr_echo_seen {
    GR_ECHO_UNCLEAR,      /**< nothing clear: the check's general hint stands */
    GR_ECHO_DECODE,       /**< a Python traceback names a Unicode error: bytes taken for text */
    GR_ECHO_CSTRING,      /**< the reply stops or skips ahead exactly at NUL bytes */
    GR_ECHO_ADDED,        /**< the reply holds bytes the client never sent (a newline) */
    GR_ECHO_LAST_LINE,    /**< all up to the last newline came back, nothing after it */
    GR_ECHO_CLOSED_EARLY, /**< the server ended the connection before echoing everything,
                               and is still running */
} gr_echo_seen;

/**
 * @brief After a failed echo on @p c (before gr_close()), follow the cause
 *        it shows: add a line saying what was seen to the details, and set
 *        the hint for it (gr_hint(): the concept, then C, then Python).
 *
 * The causes, in this order: a Python traceback; a C string's cuts at NUL
 * bytes, seen at least @p nul_seen times (1 for data made to put a NUL
 * after text, 2 for random data: see gr_reply_cut_at_nul()); bytes added;
 * a line echo that holds back the last piece; a server that hung up early.
 * A check may set a hint of its own afterwards for a cause it knows better
 * (the last gr_hint() wins).
 * @return what it saw, GR_ECHO_UNCLEAR when nothing is clear
 */
gr_echo_seen gr_echo_cause(gr_ctx *ctx, const gr_conn *c, size_t nul_seen);

/**
 * @brief Send @p line and expect the same bytes back; on a failure the
 *        cause the reply shows (gr_echo_cause()) goes with it.
 * @param ctx  the check
 * @param c    a connected client
 * @param line the bytes to send (a C string: no NUL in it)
 * @param what what the reply is, for the failure ("echo", ...)
 * @return 0, or gr_fail()'s value
 */
int gr_echo_line(gr_ctx *ctx, gr_conn *c, const char *line, const char *what);

/**
 * @brief Clients served at the same time, told from the order they are
 *        served in: client 1 of @p c stops in the middle of a line, the
 *        others (connected in order) are served in reverse order while it
 *        waits, then client 1 finishes; at last each closes its side and
 *        must see the server close too. A server that serves one client at
 *        a time stops at the second echo.
 * @param ctx the check
 * @param c   @p n connected clients, closed by the caller
 * @param n   how many (2 or more)
 * @return 0, or gr_fail()'s value
 */
int gr_echo_out_of_order(gr_ctx *ctx, gr_conn *c, size_t n);

/**
 * @brief Did the server's Python traceback name a Unicode error (bytes taken
 *        for text)? Then set that hint, as gr_echo_cause() does.
 * @return 1 if it did
 */
int gr_echo_decode_cause(gr_ctx *ctx);

#endif
