/**
 * @file xport.h
 * @brief One stream transport under every connection the grader makes or
 *        accepts: plain TCP and Unix sockets today, TLS with lab 10.
 *
 * A transport is a small table of operations, and each connection carries
 * its own table (as Redis's connection.h does), so the code above it (the
 * grader's clients in kit/conn.h, the fake servers in peers/fake.h, and
 * every misbehaving-peer helper built on them) is written once and runs
 * over any transport. Every operation has three outcomes, as in wrk's
 * net.h: done, error, or try again. "Try again" is EAGAIN for a socket and
 * SSL_ERROR_WANT_READ/WANT_WRITE for TLS. After it, a read waits for POLLIN
 * and a write for POLLOUT, plus whatever xp_wait adds (a TLS read that must
 * first write, a write that must first read, a handshake), so one poll loop
 * serves every transport.
 *
 * A transport never blocks: the socket is non-blocking, and waiting is the
 * caller's business (poll with a deadline). OpenSSL calls live in the TLS
 * transport's own file, never in check files.
 */
#ifndef SOCKLAB_GRADER_NET_XPORT_H
#define SOCKLAB_GRADER_NET_XPORT_H

#include <stddef.h>
#include <sys/types.h>

/** The outcome of one transport operation. */
typedef enum gr_io {
    GR_IO_DONE,  /**< done; for a read, 0 bytes means the peer ended the stream */
    GR_IO_AGAIN, /**< nothing possible now: poll (see xp_wait), then call again */
    GR_IO_ERROR  /**< failed: xp_errno says why (ECONNRESET, EPIPE, ...) */
} gr_io;

/** One connection's transport (below). */
typedef struct gr_xport gr_xport;

/** A transport's operations. */
typedef struct gr_xport_ops {
    const char *xo_name; /**< "plain", "tls", ... for messages */
    /** Finish setting up a connected or accepted socket (a TLS handshake);
     *  a plain socket is ready at once. */
    gr_io (*xo_handshake)(gr_xport *x);
    /** Read up to @p n bytes into @p buf; *got is how many (0: end of stream). */
    gr_io (*xo_read)(gr_xport *x, void *buf, size_t n, size_t *got);
    /** Write up to @p n bytes; *put is how many were taken (maybe fewer). */
    gr_io (*xo_write)(gr_xport *x, const void *buf, size_t n, size_t *put);
    /** Say that nothing more will be written (shutdown(SHUT_WR), close_notify). */
    gr_io (*xo_shutdown)(gr_xport *x);
    /** Bytes already received and decoded, readable without waiting for the
     *  socket (TLS records buffered inside the library); 0 for a socket. */
    size_t (*xo_pending)(const gr_xport *x);
    /** Release what the transport holds beside the socket (a TLS session). */
    void (*xo_free)(gr_xport *x);
    /** Why the last operation failed, in the transport's words (OpenSSL's
     *  reason), or NULL: strerror(xp_errno) says it. May be NULL itself. */
    const char *(*xo_reason)(const gr_xport *x);
} gr_xport_ops;

/** One connection's transport: its socket, its operations, their state. */
struct gr_xport {
    int xp_fd;                  /**< the socket (non-blocking), or -1 */
    const gr_xport_ops *xp_ops; /**< its operations */
    void *xp_impl;              /**< the transport's own state (a TLS session), or NULL */
    short xp_wait;              /**< after GR_IO_AGAIN: poll events to wait for beyond
                                     the operation's own direction (all of them for a
                                     handshake); 0 for a socket, and again once an
                                     operation is done */
    int xp_errno;               /**< after GR_IO_ERROR: the reason */
};

/** Plain stream sockets: TCP over IPv4 or IPv6, and Unix domain sockets. */
extern const gr_xport_ops gr_xport_plain;

/**
 * @brief Put a connected or accepted socket under a transport.
 *
 * The transport owns @p fd from now on (gr_xport_close() closes it) and
 * makes it non-blocking.
 * @param x   the transport to set up
 * @param fd  the socket
 * @param ops its operations, or NULL for gr_xport_plain
 */
void gr_xport_init(gr_xport *x, int fd, const gr_xport_ops *ops);

/** @brief x->xp_ops->xo_handshake(x). */
gr_io gr_xport_handshake(gr_xport *x);

/** @brief x->xp_ops->xo_read(x, buf, n, got). */
gr_io gr_xport_read(gr_xport *x, void *buf, size_t n, size_t *got);

/** @brief x->xp_ops->xo_write(x, buf, n, put). */
gr_io gr_xport_write(gr_xport *x, const void *buf, size_t n, size_t *put);

/** @brief x->xp_ops->xo_shutdown(x). */
gr_io gr_xport_shutdown(gr_xport *x);

/** @brief Why the last operation failed: the transport's reason, or strerror(xp_errno). */
const char *gr_xport_reason(const gr_xport *x);

/** @brief Bytes readable without polling (x->xp_ops->xo_pending(x)). */
size_t gr_xport_pending(const gr_xport *x);

/**
 * @brief Close the connection and free the transport's state. Safe to call
 *        twice, and on a transport that was never set up (xp_fd -1).
 * @param x     the transport
 * @param reset 1: abort with a reset (RST: SO_LINGER 0) instead of a FIN
 */
void gr_xport_close(gr_xport *x, int reset);

#endif
