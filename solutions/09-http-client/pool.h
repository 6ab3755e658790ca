/**
 * @file pool.h
 * @brief The connection kept alive after a response (step 8), for the
 *        next request to the same host and port.
 *
 * HTTP/1.1 connections persist unless a side says "Connection: close"
 * (RFC 9112 section 9.3): fetch keeps one after a response whose body it
 * read to its end, and sends the next request to that host and port on
 * it, saving a connect (and, with TLS, a handshake). A pool of one is
 * enough for URLs fetched one after another.
 */
#ifndef FETCH_POOL_H
#define FETCH_POOL_H

#include "rio.h"
#include "url.h"

/** The kept connection, if any. */
typedef struct pool {
    int pl_fd;          /**< the connection, or -1 */
    sl_rio *pl_rio;     /**< its reader (malloc'd): bytes it read ahead stay in it */
    char pl_host[256];  /**< the host it goes to */
    char pl_port[6];    /**< and the port */
} pool;

/** An empty pool. */
#define POOL_INIT {.pl_fd = -1, .pl_rio = NULL, .pl_host = "", .pl_port = ""}

/**
 * @brief Take the kept connection to u's host and port, if it is still
 *        open and quiet (a server that closed it, or sent bytes nobody
 *        asked for, makes it unusable: it is closed).
 * @param p   the pool
 * @param u   where the request goes
 * @param rio set to the connection's reader
 * @return the connection's fd, now the caller's, or -1 when there is none
 */
int pool_take(pool *p, const url *u, sl_rio **rio);

/**
 * @brief Keep @p fd (and its reader @p rio) for the next request to u's
 *        host and port, closing any connection kept before.
 */
void pool_keep(pool *p, const url *u, int fd, sl_rio *rio);

/** @brief Close the kept connection, if any. */
void pool_close(pool *p);

/** @brief Free a connection's reader, and the TLS transport it reads through if any. */
void pool_free_reader(sl_rio *rio);

#endif
