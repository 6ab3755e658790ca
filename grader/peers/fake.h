/**
 * @file fake.h
 * @brief Fake servers: the grader's own peers for checking a student's client.
 *
 * A fake server listens on 127.0.0.1 on a port the kernel picks, in a thread
 * of the grader, and serves connections one at a time by calling a handler.
 * Handlers do their I/O through gr_fake_recv(), gr_fake_send() and
 * gr_fake_pause(), which give up as soon as the fake server is stopped, so
 * gr_fake_stop() never hangs on a client that went quiet.
 *
 * A fake server can misbehave on purpose (answer in pieces, answer slowly,
 * hang up early, reset): that is how client checks find clients that assume
 * one recv() is one reply, or that never notice a closed connection. Every
 * connection goes through a transport (net/xport.h), so each misbehaviour
 * written here works over TLS too, without a second copy.
 */
#ifndef SOCKLAB_GRADER_PEERS_FAKE_H
#define SOCKLAB_GRADER_PEERS_FAKE_H

#include "net/xport.h"

#include <stddef.h>
#include <sys/types.h>

/** A running fake server. */
typedef struct gr_fake gr_fake;

/**
 * A connection handler. Runs in the fake server's thread; returns when done
 * with the connection, which the fake server then closes (unless the
 * handler reset it with gr_fake_reset()).
 */
typedef void (*gr_fake_handler)(gr_fake *f, gr_xport *x, void *arg);

/**
 * @brief Start a fake TCP server on 127.0.0.1 and an ephemeral port.
 * @param handler called for each accepted connection, one at a time
 * @param arg     passed to the handler
 * @param err     reason on failure (::SL_ERR_LEN bytes), may be NULL
 * @return the server, or NULL
 */
gr_fake *gr_fake_start(gr_fake_handler handler, void *arg, char *err);

/**
 * @brief Like gr_fake_start(), with accepted connections over the transport
 *        @p ops (e.g. TLS) instead of plain TCP; NULL means plain.
 */
gr_fake *gr_fake_start_xport(gr_fake_handler handler, void *arg, const gr_xport_ops *ops,
                             char *err);

/** @brief The port the fake server listens on. */
int gr_fake_port(const gr_fake *f);

/** @brief Connections accepted so far. */
int gr_fake_connections(gr_fake *f);

/**
 * @brief Copy of every byte the fake server received, over all connections.
 * @param f   the server
 * @param len set to the count
 * @return a malloc'd, NUL-terminated copy (free() it), or NULL when out of memory
 */
char *gr_fake_received(gr_fake *f, size_t *len);

/** @brief Stop accepting, interrupt the handler, join the thread, free @p f. */
void gr_fake_stop(gr_fake *f);

/**
 * @brief Receive up to @p n bytes (recorded for gr_fake_received()).
 * @return bytes received, 0 at EOF, -1 on error or when the server is stopping
 */
ssize_t gr_fake_recv(gr_fake *f, gr_xport *x, void *buf, size_t n);

/**
 * @brief Like gr_fake_recv(), but take what has already arrived first, even
 *        when the server is stopping: a client that sent everything and
 *        exited at once must still be judged on what it sent.
 */
ssize_t gr_fake_recv_arrived(gr_fake *f, gr_xport *x, void *buf, size_t n);

/**
 * @brief Has the client sent something that is not read yet? (Without
 *        reading it: for a peer that must not speak before it is answered.)
 * @return 1 or 0
 */
int gr_fake_has_input(gr_xport *x);

/**
 * @brief Send all @p n bytes.
 * @return 0, or -1 on error or when the server is stopping
 */
int gr_fake_send(gr_fake *f, gr_xport *x, const void *buf, size_t n);

/**
 * @brief Send @p n bytes in @p pieces pieces of about equal size, pausing
 *        @p pause_ms between them: a reply that arrives in several recv()s.
 * @return 0, or -1 on error or when the server is stopping
 */
int gr_fake_send_pieces(gr_fake *f, gr_xport *x, const void *buf, size_t n, int pieces,
                        int pause_ms);

/**
 * @brief Wait @p ms milliseconds on purpose (a slow peer), or less if stopping.
 * @return 0, or -1 when the server is stopping
 */
int gr_fake_pause(gr_fake *f, int ms);

/** @brief Abort the connection with a reset (RST) instead of a clean close. */
void gr_fake_reset(gr_xport *x);

#endif
