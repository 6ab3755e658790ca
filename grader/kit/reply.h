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
 * then gives its general hint.
 */
#ifndef SOCKLAB_GRADER_KIT_REPLY_H
#define SOCKLAB_GRADER_KIT_REPLY_H

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

#endif
