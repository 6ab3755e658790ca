/**
 * @file rio.h
 * @brief Robust I/O: reads and writes that survive EINTR and short counts.
 *
 * A single read() or recv() on a socket returns whatever has arrived, which
 * may be less than one message or parts of two. A single write() or send()
 * may accept fewer bytes than asked. The functions here loop until the whole
 * request is satisfied, so callers can think in messages instead of packets.
 *
 * Two families:
 * - unbuffered: sl_rio_readn() and sl_rio_writen() work directly on an fd;
 * - buffered: an ::sl_rio reader wraps an fd with a buffer, so that
 *   sl_rio_readline() can stop at a newline without reading past it one byte
 *   at a time. Do not mix unbuffered reads and a buffered reader on one fd:
 *   the reader may already hold bytes the fd no longer has.
 *
 * Every function returns -1 with errno set on error and never prints.
 * Writes to a socket use MSG_NOSIGNAL, so a peer that has gone away yields
 * EPIPE instead of killing the process with SIGPIPE.
 */
#ifndef SOCKLAB_RIO_H
#define SOCKLAB_RIO_H

#include "xport.h"

#include <stddef.h>
#include <sys/types.h>

/**
 * @brief Read exactly @p n bytes unless end of file comes first.
 * @param fd  file descriptor to read from (blocking)
 * @param buf where to store the bytes; at least @p n bytes long
 * @param n   how many bytes to read
 * @return @p n on success; fewer (possibly 0) if EOF arrived first;
 *         -1 on error with errno set (bytes read before the error are lost
 *         to the caller, so treat the stream as broken)
 *
 * Retries after EINTR. If the fd is non-blocking and no data is available,
 * returns -1 with errno EAGAIN.
 */
ssize_t sl_rio_readn(int fd, void *buf, size_t n);

/**
 * @brief Write all @p n bytes.
 * @param fd  file descriptor or socket to write to
 * @param buf bytes to write
 * @param n   how many bytes
 * @return @p n on success, -1 on error with errno set (EPIPE or ECONNRESET
 *         when the peer has gone away)
 *
 * Retries after EINTR and after short writes. Sockets are written with
 * send(MSG_NOSIGNAL); other fds with write().
 */
ssize_t sl_rio_writen(int fd, const void *buf, size_t n);

/** Size of the buffer inside an ::sl_rio reader. */
#define SL_RIO_BUFSIZE 8192

/**
 * @brief A buffered reader over one file descriptor.
 *
 * Initialise with sl_rio_init(). The reader does not own the fd: closing it
 * stays the caller's job. The struct may live on the stack.
 */
typedef struct sl_rio {
    int rio_fd;                   /**< fd being read; not owned */
    sl_xport *rio_x;              /**< or, not NULL, the transport read through; not owned */
    size_t rio_cnt;               /**< unread bytes in rio_buf */
    char *rio_bufptr;             /**< next unread byte in rio_buf */
    char rio_buf[SL_RIO_BUFSIZE]; /**< internal buffer */
} sl_rio;

/**
 * @brief Prepare @p rp to read from @p fd.
 * @param rp reader to initialise
 * @param fd descriptor to read from; not owned by the reader
 */
void sl_rio_init(sl_rio *rp, int fd);

/**
 * @brief Prepare @p rp to read through the transport @p x (plain TCP or
 *        TLS, xport.h) instead of an fd.
 * @param rp reader to initialise
 * @param x  transport to read through; not owned by the reader
 *
 * A transport's "try again" is an error with errno EAGAIN (a receive
 * timeout on a blocking socket); its other failures are errors with errno
 * EPROTO, the reason in x->x_why (a certificate refused, a TLS stream cut
 * without close_notify).
 */
void sl_rio_init_xport(sl_rio *rp, sl_xport *x);

/**
 * @brief Read up to @p n bytes, like read(), but from the reader's buffer.
 * @return bytes read (at least 1), 0 at EOF, -1 on error
 */
ssize_t sl_rio_read(sl_rio *rp, void *buf, size_t n);

/**
 * @brief Read exactly @p n bytes through the buffer unless EOF comes first.
 * @return @p n, or fewer at EOF, or -1 on error
 */
ssize_t sl_rio_readnb(sl_rio *rp, void *buf, size_t n);

/**
 * @brief Read one line, up to and including the newline, with a bound.
 * @param rp     reader
 * @param buf    where to store the line; always NUL-terminated on return >= 0
 * @param maxlen size of @p buf; the line may hold at most @p maxlen - 1 bytes
 * @return the line's length in bytes, newline included (the line may contain
 *         NUL bytes, so use this length, not strlen());
 *         0 at EOF with nothing read;
 *         a length whose last byte is not '\n' when EOF cut the last line short;
 *         -1 with errno EMSGSIZE if no newline came within @p maxlen - 1 bytes
 *         (those bytes are in @p buf and consumed; the rest of the line is not),
 *         -1 with errno EINVAL if @p maxlen < 2, or -1 on a read error.
 */
ssize_t sl_rio_readline(sl_rio *rp, char *buf, size_t maxlen);

#endif
