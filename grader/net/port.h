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

#define GR_SILENT_FILLS 4 /**< connections a silent listener's queue may take to fill */

/**
 * @brief Make @p fd, a TCP socket bound to 127.0.0.1:@p port, a listener
 *        whose connects hang, like a port behind a firewall that drops
 *        SYNs: backlog 0, and connections made to it, never accepted, until
 *        its accept queue is full (the kernel then drops new SYNs).
 * @param fd      the bound socket
 * @param port    its port
 * @param fills   set to the connections it made (the caller closes them)
 * @param wait_ms how long one filling connect may take
 * @param err     why it failed (SL_ERR_LEN bytes)
 * @return how many connections it made (up to GR_SILENT_FILLS), or -1
 */
int gr_silent_listen(int fd, int port, int *fills, int wait_ms, char *err);

/** A port on 127.0.0.1 whose connects hang, while it is open. */
typedef struct gr_silent_port {
    int sp_listen;                 /**< the listener, or -1 */
    int sp_fills[GR_SILENT_FILLS]; /**< the connections that fill its queue */
    int sp_nfills;                 /**< how many */
    int sp_port;                   /**< its port */
} gr_silent_port;

/**
 * @brief Open a port whose connects hang (gr_silent_listen() on a free port).
 * @param sp  filled in (sp_listen -1 on failure)
 * @param err why it failed (SL_ERR_LEN bytes)
 * @return 0, or -1
 */
int gr_silent_open(gr_silent_port *sp, char *err);

/** @brief Close it (sp_listen -1: nothing to do). */
void gr_silent_close(gr_silent_port *sp);

#endif
