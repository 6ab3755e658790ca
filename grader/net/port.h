/**
 * @file port.h
 * @brief Ports for the grader's own use: a free one for the server under
 *        test, and one where nothing listens.
 */
#ifndef SOCKLAB_GRADER_NET_PORT_H
#define SOCKLAB_GRADER_NET_PORT_H

/**
 * @brief Bind a TCP socket to port 0, without listening, and say which port
 *        the kernel chose. While @p fd stays open nobody else gets the port,
 *        and connects to it are refused.
 *
 * The kernel never hands out a port that has sockets on it, TIME_WAIT ones
 * included, so a server without SO_REUSEADDR can bind the port once the
 * socket is closed.
 * @param any 1: bind the wildcard address (the port is free on every local
 *            address, as a server listening on INADDR_ANY needs); 0: 127.0.0.1
 * @param fd  set to the socket holding the port; close() it when done
 * @return the port, or -1 with errno set
 */
int gr_port_reserve(int any, int *fd);

/** @brief A port nobody uses right now (reserved, then released), or -1. */
int gr_port_free(void);

/**
 * @brief A port on 127.0.0.1 where nothing listens, and nothing will while
 *        @p fd stays open: gr_port_reserve() on the loopback address.
 * @return the port, or -1
 */
int gr_closed_port(int *fd);

#endif
