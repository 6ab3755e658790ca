/**
 * @file xport.h
 * @brief A connection's transport: plain TCP or TLS behind one small table
 *        of operations, so that a server or a client is written once.
 *
 * Every operation has three outcomes: done (a count, or 0 for the clean end
 * of the stream), error (-1, with a reason in x_why), or "try again"
 * (::SL_XPORT_AGAIN, with x_want saying what to wait for). A plain socket
 * says "try again" for EAGAIN; TLS says it for SSL_ERROR_WANT_READ and
 * SSL_ERROR_WANT_WRITE, which may come from any call: a read may need to
 * write (a handshake message), a write may need to read. The caller waits
 * for what x_want names and calls the same operation again, with the same
 * arguments: OpenSSL asks that a write be retried with the same bytes.
 *
 * Python hides the same table behind one socket object: ssl.wrap_socket()
 * returns an SSLSocket whose recv() and send() have the plain socket's
 * signatures, and a non-blocking one raises SSLWantReadError or
 * SSLWantWriteError where a plain socket raises BlockingIOError.
 *
 * The transport never owns the fd: closing it stays the caller's job, after
 * sl_xport_release(). Plain TCP is here (xport.c); TLS is in xport_tls.h.
 */
#ifndef SOCKLAB_XPORT_H
#define SOCKLAB_XPORT_H

#include <stddef.h>
#include <sys/types.h>

/** "Try again": wait for what x_want says, then repeat the call. */
#define SL_XPORT_AGAIN (-2)

/** What a transport waits for after ::SL_XPORT_AGAIN. */
enum sl_xport_want {
    SL_WANT_READ = 1, /**< the socket readable */
    SL_WANT_WRITE = 2 /**< the socket writable */
};

/** Room for a failure's reason. */
#define SL_XPORT_WHY 160

/** One connection's transport (struct sl_xport, below). */
typedef struct sl_xport sl_xport;

/** The operations of one kind of transport. */
typedef struct sl_xport_ops {
    const char *xo_name; /**< "tcp" or "tls" */
    /** Finish the handshake: 0, ::SL_XPORT_AGAIN or -1 (plain TCP: 0 at once). */
    int (*xo_handshake)(sl_xport *x);
    /** Up to @p n bytes: a count, 0 at the clean end, ::SL_XPORT_AGAIN or -1. */
    ssize_t (*xo_read)(sl_xport *x, void *buf, size_t n);
    /** Some of @p n bytes: a count (at least 1), ::SL_XPORT_AGAIN or -1. */
    ssize_t (*xo_write)(sl_xport *x, const void *buf, size_t n);
    /** Bytes already read from the socket and not yet given (TLS: the rest
     *  of a record), which a wait for a readable socket would not see. */
    size_t (*xo_pending)(const sl_xport *x);
    /** Say the stream ends (TLS: close_notify; plain TCP: nothing, the close
     *  says it): 0, ::SL_XPORT_AGAIN or -1. */
    int (*xo_shutdown)(sl_xport *x);
    /** Free what the transport holds; never closes the fd. */
    void (*xo_release)(sl_xport *x);
} sl_xport_ops;

/** One connection's transport. Lives where its owner wants (the stack, a struct). */
struct sl_xport {
    const sl_xport_ops *x_ops; /**< its operations */
    int x_fd;                  /**< the socket; not owned */
    int x_want;                /**< after ::SL_XPORT_AGAIN: an ::sl_xport_want */
    void *x_session;           /**< the TLS session (SSL *), or NULL */
    char x_why[SL_XPORT_WHY];  /**< the last failure's reason */
};

/**
 * @brief Plain TCP on @p fd (blocking or not): recv() and send() with
 *        MSG_NOSIGNAL, EINTR retried, EAGAIN as ::SL_XPORT_AGAIN.
 */
void sl_xport_plain(sl_xport *x, int fd);

/** @brief 1 if @p x is plain TCP (so that sendfile() may bypass it). */
int sl_xport_is_plain(const sl_xport *x);

/** @brief x->x_ops->xo_handshake(x). */
int sl_xport_handshake(sl_xport *x);

/** @brief x->x_ops->xo_read(x, buf, n). */
ssize_t sl_xport_read(sl_xport *x, void *buf, size_t n);

/** @brief x->x_ops->xo_write(x, buf, n). */
ssize_t sl_xport_write(sl_xport *x, const void *buf, size_t n);

/** @brief x->x_ops->xo_pending(x). */
size_t sl_xport_pending(const sl_xport *x);

/** @brief x->x_ops->xo_shutdown(x). */
int sl_xport_shutdown(sl_xport *x);

/** @brief x->x_ops->xo_release(x); @p x is then plain TCP again, on no fd. */
void sl_xport_release(sl_xport *x);

/**
 * @brief Write all @p n bytes on a blocking socket, waiting in poll()
 *        whenever the transport says "try again".
 * @return @p n, or -1 (the reason in x_why)
 */
ssize_t sl_xport_writen(sl_xport *x, const void *buf, size_t n);

#endif
