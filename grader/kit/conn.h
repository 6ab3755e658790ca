/**
 * @file wire.h
 * @brief The grader's side of a TCP conversation, with deadlines and transcripts.
 *
 * A ::gr_conn is one connection to the server under test. Its core operation
 * is the exchange: send some bytes and, at the same time, read the reply and
 * compare it with what is expected, byte by byte as it arrives. Sending and
 * reading together matters: an echo server cannot take a large payload from a
 * client that does not read its replies (both socket buffers fill up).
 *
 * Many connections can be driven at once from one thread (gr_mux_run()),
 * which later labs use to hold hundreds of clients open together.
 *
 * When anything goes wrong (wrong byte, early EOF, reset, deadline), the
 * failure is recorded in the check's context with a transcript: what was
 * sent, what was expected, what came back, and a caret under the first byte
 * that differs.
 */
#ifndef SOCKLAB_GRADER_WIRE_H
#define SOCKLAB_GRADER_WIRE_H

#include "engine/grader.h"

#include <stddef.h>
#include <sys/socket.h>

/** One connection and the exchange it is in the middle of. */
typedef struct gr_conn {
    int c_fd;                     /**< socket, or -1 */
    char c_label[32];             /**< "connection 3" in messages */
    const unsigned char *c_out;   /**< bytes to send (not owned) */
    size_t c_out_len;             /**< their count */
    size_t c_out_off;             /**< how many have been sent */
    int c_shut_after;             /**< shutdown(SHUT_WR) once all are sent */
    const unsigned char *c_want;  /**< bytes expected back (not owned) */
    size_t c_want_len;            /**< their count */
    int c_want_eof;               /**< after them, expect end of stream */
    unsigned char *c_got;         /**< bytes received in this exchange (owned) */
    size_t c_got_len;             /**< their count */
    size_t c_got_cap;             /**< allocated */
    int c_eof;                    /**< the peer closed its side */
    int c_done;                   /**< the exchange finished successfully */
    size_t c_total_sent;          /**< bytes sent over the connection's life */
    size_t c_burst;               /**< read at most this much, then pause (0: never pause) */
    int c_pause_ms;               /**< length of each pause */
    size_t c_burst_left;          /**< bytes left in the current burst */
    long c_resume_at;             /**< while paused: when to read again */
    int c_idle_ms;                /**< give up when nothing arrives for this long after
                                       everything was sent (0: wait until the deadline) */
    long c_last_rx;               /**< when the last byte arrived */
    long c_sent_at;               /**< when the last byte of the plan was sent, or 0 */
} gr_conn;

/**
 * @brief Connect to the server under test with the check's deadline.
 * @param ctx   the check
 * @param c     connection to fill in (any previous contents are ignored)
 * @param label name used in messages, e.g. "client 3"; NULL for "connection"
 * @return 0, or gr_fail()'s value (refused, timed out, ...)
 */
int gr_connect(gr_ctx *ctx, gr_conn *c, const char *label);

/**
 * @brief Like gr_connect() but with socket options set before connecting.
 * @param ctx     the check
 * @param c       connection to fill in
 * @param label   name used in messages, or NULL
 * @param rcvbuf  SO_RCVBUF to set before connecting (0: leave the default);
 *                a small receive window makes the server's sends block sooner
 * @param nodelay 1 to set TCP_NODELAY, so each send() leaves as its own segment
 * @return 0, or gr_fail()'s value
 */
int gr_connect_opts(gr_ctx *ctx, gr_conn *c, const char *label, int rcvbuf, int nodelay);

/**
 * @brief Connect to any address (IPv6, a Unix domain socket...) with the
 *        check's deadline.
 * @param ctx   the check
 * @param c     connection to fill in
 * @param label name used in messages; NULL for "connection"
 * @param sa    the address, with its port
 * @param salen its length
 * @param name  how messages name the address, e.g. "[::1]:5000"
 * @return 0, or gr_fail()'s value
 */
int gr_connect_addr(gr_ctx *ctx, gr_conn *c, const char *label, const struct sockaddr *sa,
                    socklen_t salen, const char *name);

/**
 * @brief Make @p c a bursty reader: read @p burst bytes, then read nothing
 *        for @p pause_ms (sending goes on), and so on.
 *
 * A client that reads in bursts (it writes to a slow disk, say) is normal;
 * while it pauses the server's send buffer fills, which is when a server
 * that does not check what send() returned loses data.
 */
void gr_conn_throttle(gr_conn *c, size_t burst, int pause_ms);

/**
 * @brief Fail the exchange early when, with everything sent, nothing more
 *        arrives for @p idle_ms: a server that lost bytes will not send them
 *        later, and waiting for the deadline only makes the student wait.
 */
void gr_conn_idle_limit(gr_conn *c, int idle_ms);

/**
 * @brief Set up the next exchange on @p c (see gr_mux_run()).
 * @param c      connection
 * @param out    bytes to send, or NULL
 * @param nout   their count
 * @param want   bytes expected back, or NULL
 * @param nwant  their count
 * @param flags  GR_SHUT_AFTER and/or GR_WANT_EOF
 */
void gr_conn_plan(gr_conn *c, const void *out, size_t nout, const void *want, size_t nwant,
                  unsigned flags);

/** Plan flag: shutdown(SHUT_WR) after the last byte is sent (a half-close). */
#define GR_SHUT_AFTER 0x1u
/** Plan flag: after the expected bytes, the server must close (EOF). */
#define GR_WANT_EOF 0x2u

/**
 * @brief Drive the planned exchanges of @p n connections until all are done.
 * @param ctx      the check
 * @param conns    the connections, each planned with gr_conn_plan()
 * @param n        how many
 * @param deadline absolute time (gr_now_ms() clock) to give up
 * @param what     what was being done, for messages, e.g. "echo of 4 MiB"
 * @return 1 when every exchange finished, 0 at the deadline with nothing
 *         recorded (the caller decides whether that is a failure), or
 *         gr_fail()'s value on a wrong byte, early EOF or error
 */
int gr_mux_run(gr_ctx *ctx, gr_conn *const *conns, size_t n, long deadline, const char *what);

/**
 * @brief Send @p out and expect @p want back, within the check's deadline.
 *
 * A deadline is a failure here, reported with the transcript so far.
 * @return 0, or gr_fail()'s value
 */
int gr_exchange(gr_ctx *ctx, gr_conn *c, const void *out, size_t nout, const void *want,
                size_t nwant, unsigned flags, const char *what);

/**
 * @brief Like gr_exchange() but with its own absolute @p deadline, for
 *        checks that make many exchanges and want each one bounded.
 */
int gr_exchange_by(gr_ctx *ctx, gr_conn *c, const void *out, size_t nout, const void *want,
                   size_t nwant, unsigned flags, const char *what, long deadline);

/**
 * @brief Grow the current plan of @p c to the first @p nout bytes of its
 *        output and the first @p nwant bytes of its expected reply, keeping
 *        what was already sent and received (for sending a message a piece
 *        at a time).
 */
void gr_conn_extend(gr_conn *c, size_t nout, size_t nwant);

/**
 * @brief Record a failure for @p c with its transcript, e.g. on a deadline.
 * @return gr_fail()'s value
 */
int gr_conn_fail(gr_ctx *ctx, gr_conn *c, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/** @brief Close gracefully (FIN) and free the buffers. Safe to call twice. */
void gr_close(gr_conn *c);

/** @brief Close with a reset (RST: SO_LINGER 0) and free the buffers. */
void gr_reset(gr_conn *c);

/**
 * @brief Send as much of @p buf as the socket takes without blocking.
 * @return bytes sent (possibly 0), or -1 on error
 */
ssize_t gr_send_some(gr_conn *c, const void *buf, size_t n);

/**
 * @brief Wait until the kernel reports our FIN acknowledged by the peer
 *        (TCP state FIN_WAIT2 or later), after gr_conn_plan(..GR_SHUT_AFTER).
 * @return 1 when acknowledged, 0 at @p deadline
 */
int gr_wait_fin_acked(gr_conn *c, long deadline);

#endif
