/**
 * @file dgram.h
 * @brief The grader's side of a UDP conversation, with deadlines and transcripts.
 *
 * A ::gr_dgram is one UDP socket of the grader, connected to the server under
 * test (gr_host(), gr_port()). Connecting a UDP socket fixes its peer: send()
 * needs no address, only the server's datagrams are received, and an ICMP
 * "port unreachable" (the server is gone) comes back as ECONNREFUSED instead
 * of being ignored.
 *
 * Every failure is recorded in the check's context with gr_fail(); a wrong
 * reply is shown with a transcript (see transcript.h).
 */
#ifndef SOCKLAB_GRADER_KIT_DGRAM_H
#define SOCKLAB_GRADER_KIT_DGRAM_H

#include "engine/grader.h"

#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

/** The largest UDP payload over IPv4: 65535 - 20 (IP header) - 8 (UDP header). */
#define GR_DGRAM_MAX 65507

/** gr_dgram_recv()'s value when the deadline passed with nothing received. */
#define GR_DGRAM_TIMEOUT (-2)

/** One UDP socket of the grader, connected to the server under test. */
typedef struct gr_dgram {
    int dg_fd;         /**< the socket, or -1 */
    char dg_label[32]; /**< "client 3" in messages */
} gr_dgram;

/**
 * @brief Open a UDP socket connected to the server under test.
 * @param ctx   the check
 * @param d     socket to fill in (any previous contents are ignored)
 * @param label name used in messages, e.g. "client 3"; NULL for "client"
 * @return 0, or gr_fail()'s value
 */
int gr_dgram_open(gr_ctx *ctx, gr_dgram *d, const char *label);

/**
 * @brief Open a datagram socket connected to any address: a UDP server
 *        reached from a given local address (127.0.0.2, for a server's
 *        allow/deny rules), or a Unix datagram server.
 *
 * A Unix datagram socket that is not bound has no address a server can
 * reply to, so with @p from NULL an AF_UNIX socket is bound to an abstract
 * name the kernel picks (autobind).
 * @param ctx    the check
 * @param d      socket to fill in
 * @param label  name used in messages, or NULL for "client"
 * @param to     the server's address
 * @param tolen  its length
 * @param name   how messages name it, e.g. "@socklab-5000"
 * @param from   the local address to bind first, or NULL
 * @param fromlen its length
 * @return 0, or gr_fail()'s value
 */
int gr_dgram_open_addr(gr_ctx *ctx, gr_dgram *d, const char *label, const struct sockaddr *to,
                       socklen_t tolen, const char *name, const struct sockaddr *from,
                       socklen_t fromlen);

/**
 * @brief Send one datagram of @p n bytes (0 is allowed) to the server.
 * @return 0, or gr_fail()'s value (e.g. the server's port is closed)
 */
int gr_dgram_send(gr_ctx *ctx, gr_dgram *d, const void *buf, size_t n);

/**
 * @brief Receive one datagram, waiting at most until @p deadline.
 * @param ctx      the check
 * @param d        the socket
 * @param buf      where the datagram goes
 * @param cap      room in @p buf; a longer datagram is cut to it
 * @param deadline absolute time (gr_now_ms() clock)
 * @return the datagram's full length (more than @p cap when it was cut),
 *         ::GR_DGRAM_TIMEOUT at the deadline with nothing recorded, or
 *         gr_fail()'s value on an error
 */
ssize_t gr_dgram_recv(gr_ctx *ctx, gr_dgram *d, void *buf, size_t cap, long deadline);

/** @brief Close the socket. Safe to call twice. */
void gr_dgram_close(gr_dgram *d);

#endif
