/**
 * @file conn.h
 * @brief The grader's side of a stream conversation, with deadlines and
 *        transcripts.
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
 *
 * Every byte goes through the connection's transport (net/xport.h): TCP or
 * a Unix socket today, TLS with lab 10, with the same code above it.
 */
#ifndef SOCKLAB_GRADER_KIT_CONN_H
#define SOCKLAB_GRADER_KIT_CONN_H

#include "engine/grader.h"
#include "net/xport.h"

#include <stddef.h>
#include <sys/socket.h>

/**
 * How long a conversation may go quiet, once everything is sent, before a
 * check gives up on it (before scaling). Loopback replies take microseconds;
 * a server that lost bytes never sends them, so waiting for the whole
 * deadline would only cost time. A lab may ask for more (lab_quiet_ms).
 */
#define GR_QUIET_MS 2000

/** gr_conn_opts::co_quiet_ms: no quiet limit, wait until the deadline. */
#define GR_NO_QUIET (-1)

/** @brief The lab's quiet period (lab_quiet_ms, or GR_QUIET_MS), scaled. */
int gr_quiet_ms(const gr_ctx *ctx);

/** How gr_connect() connects; zero (or a NULL pointer) for the defaults. */
typedef struct gr_conn_opts {
    int co_rcvbuf;                  /**< SO_RCVBUF before connecting (0: the default); a
                                         small one makes the peer's send() meet a full
                                         window sooner */
    int co_nodelay;                 /**< 1: TCP_NODELAY, each send() leaves as its own
                                         segment */
    int co_maxseg;                  /**< TCP_MAXSEG before connecting (0: the default);
                                         a small one (536) keeps the peer's send buffer
                                         for this connection small (the kernel sizes it
                                         from the segment size: about 120 KiB instead of
                                         a few MiB on loopback), so a client that stops
                                         reading fills it soon */
    int co_quiet_ms;                /**< the quiet limit (gr_conn_idle_limit()): 0 the
                                         lab's (gr_quiet_ms()), > 0 that many ms (scaled),
                                         GR_NO_QUIET none */
    const struct sockaddr *co_addr; /**< where to connect, or NULL: the server under
                                         test (gr_host():gr_port()) */
    socklen_t co_addrlen;           /**< its length */
    const char *co_name;            /**< how messages name co_addr, e.g. "[::1]:5000" */
    const gr_xport_ops *co_xport;   /**< the transport, or NULL: plain */
    const struct sockaddr *co_from; /**< the grader's own address to connect from (bound
                                         before connecting, e.g. 127.0.0.2 port 0 for a
                                         server's allow/deny rules), or NULL: any */
    socklen_t co_fromlen;           /**< its length */
} gr_conn_opts;

/** One connection and the exchange it is in the middle of. */
typedef struct gr_conn {
    gr_xport c_xp;               /**< the transport and its socket (xp_fd -1: none) */
    char c_label[32];            /**< "connection 3" in messages */
    const unsigned char *c_out;  /**< bytes to send (not owned) */
    size_t c_out_len;            /**< their count */
    size_t c_out_off;            /**< how many have been sent */
    int c_shut_after;            /**< shutdown(SHUT_WR) once all are sent */
    const unsigned char *c_want; /**< bytes expected back (not owned) */
    size_t c_want_len;           /**< their count */
    int c_want_eof;              /**< after them, expect end of stream */
    unsigned char *c_got;        /**< bytes received in this exchange (owned) */
    size_t c_got_len;            /**< their count */
    size_t c_got_cap;            /**< allocated */
    int c_eof;                   /**< the peer closed its side */
    int c_done;                  /**< the exchange finished successfully */
    size_t c_total_sent;         /**< bytes sent over the connection's life */
    size_t c_burst;              /**< read at most this much, then pause (0: never pause) */
    int c_pause_ms;              /**< length of each pause */
    size_t c_burst_left;         /**< bytes left in the current burst */
    long c_resume_at;            /**< while paused: when to read again */
    int c_idle_ms;               /**< give up when nothing arrives for this long after
                                      everything was sent (0: wait until the deadline) */
    long c_last_rx;              /**< when the last byte arrived */
    long c_sent_at;              /**< when the last byte of the plan was sent, or 0 */
} gr_conn;

/**
 * @brief Connect within the check's deadline, to the server under test or
 *        to any address (IPv6, a Unix domain socket...).
 * @param ctx   the check
 * @param c     connection to fill in (any previous contents are ignored)
 * @param label name used in messages, e.g. "client 3"; NULL for "connection"
 * @param opts  socket options, address, quiet limit and transport, or NULL
 *              for the defaults
 * @return 0, or gr_fail()'s value (refused, timed out, ...)
 */
int gr_connect(gr_ctx *ctx, gr_conn *c, const char *label, const gr_conn_opts *opts);

/** @brief The connection's socket, or -1 (for poll(), getsockopt()). */
int gr_conn_fd(const gr_conn *c);

/** @brief Mark @p n connections as not connected, so gr_close() on them is safe. */
void gr_conn_none(gr_conn *c, size_t n);

/**
 * @brief Make @p c a connection over a socket connected some other way (a
 *        check that retries its own connect()). @p c owns @p fd from now on.
 * @param c     connection to fill in
 * @param fd    the connected socket
 * @param label name used in messages, or NULL
 * @param ops   its transport, or NULL: plain
 */
void gr_conn_adopt(gr_conn *c, int fd, const char *label, const gr_xport_ops *ops);

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

/** @brief gr_close() each of @p n connections. */
void gr_close_all(gr_conn *c, size_t n);

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

/* ---- one thing at a time, with a deadline (stream.c) ------------------------ */

/** gr_send_all() and friends: the peer closed or reset (errno set). */
#define GR_CONN_CLOSED (-1)
/** gr_send_all() and friends: the deadline passed first. */
#define GR_CONN_TIMEOUT (-2)

/**
 * @brief Send all @p n bytes by @p deadline (the gr_now_ms() clock).
 * @return 0, GR_CONN_CLOSED (errno says why) or GR_CONN_TIMEOUT
 */
int gr_send_all(gr_conn *c, const void *buf, size_t n, long deadline);

/**
 * @brief Read what has arrived, waiting until something has or @p deadline.
 * @return bytes read (> 0), 0 at end of stream, GR_CONN_CLOSED (a reset or
 *         another error; errno says which) or GR_CONN_TIMEOUT
 */
ssize_t gr_recv_some(gr_conn *c, void *buf, size_t n, long deadline);

/**
 * @brief Read one line into @p buf (at most @p cap - 1 bytes, NUL-terminated),
 *        without its newline.
 *
 * Reads a byte at a time: replies are short, and a byte read past the line
 * would be a byte the next read misses.
 * @return the line's length (also when @p cap - 1 bytes came without a
 *         newline), GR_CONN_CLOSED (end of stream or reset; @p buf holds what
 *         came) or GR_CONN_TIMEOUT
 */
int gr_read_line(gr_conn *c, char *buf, size_t cap, long deadline);

/**
 * @brief Wait for the peer to close.
 * @return 0 on end of stream or a reset, 1 if it sent a byte instead, or
 *         GR_CONN_TIMEOUT
 */
int gr_wait_close(gr_conn *c, long deadline);

/** @brief Say that the client sends nothing more (shutdown(SHUT_WR), close_notify). */
void gr_conn_shutdown(gr_conn *c);

#endif
