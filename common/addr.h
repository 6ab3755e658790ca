/**
 * @file addr.h
 * @brief Addresses: port parsing, connecting and listening by name, printing peers.
 *
 * These helpers wrap getaddrinfo() so one code path serves IPv4 and IPv6,
 * numeric addresses and host names. They try every address the resolver
 * returns, in order, and stop at the first that works.
 *
 * All functions return -1 on failure and write a one-line reason into the
 * caller's @p err buffer (::SL_ERR_LEN bytes, may be NULL). When the failure
 * came from a system call, errno is set as that call left it.
 */
#ifndef SOCKLAB_ADDR_H
#define SOCKLAB_ADDR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/** Room for "[ipv6-address%scope]:65535" plus the NUL. */
#define SL_ADDR_STRLEN 80

/**
 * @brief Parse a TCP/UDP port number written in decimal.
 * @param s          the text, e.g. "8080"; no sign, spaces or trailing junk
 * @param allow_zero whether "0" (let the kernel choose) is acceptable
 * @param port       set to the port on success; untouched on failure
 * @param err        reason on failure, e.g. "port \"80x\" is not a number"
 * @return 0 on success, -1 on failure (errno EINVAL or ERANGE)
 */
int sl_addr_parse_port(const char *s, int allow_zero, uint16_t *port, char *err);

/**
 * @brief Open a TCP connection to @p host : @p port.
 * @param host name or numeric address ("localhost", "127.0.0.1", "::1")
 * @param port port number or service name as text
 * @param err  reason on failure, e.g. "connect to 127.0.0.1:9: Connection refused"
 * @return a connected, blocking socket the caller owns and must close(), or -1
 */
int sl_addr_connect(const char *host, const char *port, char *err);

/**
 * @brief sl_addr_connect() within @p timeout_ms for all the host's
 *        addresses together: each connect is non-blocking, waited for with
 *        poll() until the time left.
 * @param host name or numeric address
 * @param port port number or service name as text
 * @param timeout_ms how long in all
 * @param err  reason on failure ("connect to 127.0.0.1:9: Connection
 *             refused", or "connect to ...: timed out after 2.0 s")
 * @return a connected, blocking socket, or -1 with errno set (ETIMEDOUT when
 *         the time ran out)
 */
int sl_addr_connect_timeout(const char *host, const char *port, int timeout_ms, char *err);

/**
 * @brief Open a listening TCP socket with SO_REUSEADDR set.
 * @param host    address to bind, or NULL for every local address; for NULL an
 *                IPv6 socket is preferred and made dual-stack (it also accepts
 *                IPv4 clients) where the system allows it
 * @param port    port number as text; "0" lets the kernel choose (see
 *                sl_addr_local() to learn which)
 * @param backlog listen() backlog
 * @param err     reason on failure, e.g. "bind 0.0.0.0:80: Permission denied"
 * @return a listening socket the caller owns and must close(), or -1
 */
int sl_addr_listen(const char *host, const char *port, int backlog, char *err);

/**
 * @brief Format a socket address as "1.2.3.4:80" or "[::1]:80".
 * @param sa     the address
 * @param salen  its length
 * @param buf    output buffer, ::SL_ADDR_STRLEN bytes is always enough
 * @param buflen size of @p buf
 * @return 0, or -1 with errno EAFNOSUPPORT if the address family is not
 *         IPv4 or IPv6, or ENOSPC if @p buf is too small; then @p buf holds
 *         "?" (or "" if @p buflen is 1)
 */
int sl_addr_format(const struct sockaddr *sa, socklen_t salen, char *buf, size_t buflen);

/**
 * @brief Format the peer address of a connected socket (getpeername()).
 * @return 0, or -1 with errno set (ENOTCONN if not connected)
 */
int sl_addr_peer(int fd, char *buf, size_t buflen);

/**
 * @brief Format the local address of a socket (getsockname()).
 * @return 0, or -1 with errno set
 */
int sl_addr_local(int fd, char *buf, size_t buflen);

/**
 * @brief The local port a socket is bound to.
 * @return the port (0..65535), or -1 with errno set
 */
int sl_addr_local_port(int fd);

#endif
